//! The `schoolnets` command line. Reads inputs, calls the library, writes outputs, maps errors to exit codes.

use clap::{Args, Parser, Subcommand};
use schoolnets::error::{exit, Error, Result};
use schoolnets::geography::Outline;
use schoolnets::output::OutputSet;
use schoolnets::plans::{self, PlanInputs};
use schoolnets::scenarios::{Scenario, DEFAULT_SCENARIO_NAME};
use schoolnets::schools::{read_table, SchoolTable};
use schoolnets::{compare, data, frontier, import, limits, maps, reports, validate};
use std::path::{Path, PathBuf};

/// Draw a school district's support networks: group its schools into networks of neighbouring campuses
/// that are balanced in enrollment and each offer a K-12 pathway, then write maps and balance reports.
///
/// With no table given, commands use the built-in Los Angeles Unified (LAUSD) 2018-19 table.
#[derive(Parser)]
#[command(name = "schoolnets", version, propagate_version = true)]
#[command(after_help = "Examples:
  schoolnets plan                                 LAUSD, default scenario, into out/
  schoolnets plan --networks 30 --tolerance 0.05  what if: 30 networks within ±5%
  schoolnets briefing                             both designs and their comparison, into out/briefing/
  schoolnets compare out out-feeder               two plan folders side by side
  schoolnets validate my-district.csv             check and summarise a table
  schoolnets import cde --district 1964733 --out lausd.csv

Exit codes: 0 ok; 1 plan written with --best-effort but some rules broken; 2 bad command line;
3 bad input file; 4 the scenario cannot be satisfied; 5 an output could not be written; 70 internal error.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Partition the schools into networks and write plan.json, networks.geojson, report.md and report.csv.
    ///
    /// Every network must be one connected piece of neighbouring campuses, hold between min and max
    /// schools, have an enrollment within the tolerance of the mean, and include the required high and
    /// middle schools; co-located schools stay together. Among plans that meet those rules, the most
    /// compact one found is kept. If the rules cannot all hold, nothing is written (exit code 4) and the
    /// message says which rule fails and what setting would work; --best-effort writes the closest plan.
    Plan(PlanArgs),
    /// Show what balance costs in distance: plans from no balance rule to the strictest the solver can meet.
    ///
    /// Writes frontier.csv, frontier.md and frontier.svg (compactness against balance strength). Strength 0
    /// has no balance rule; strength 1 holds every network to the district's own low-performing share and
    /// mean distance from standard (and FRPM and ethnic mix, with --balance frpm,ethnicity).
    Frontier(FrontierArgs),
    /// Put plans side by side: every figure and rule, the reference design, and the schools that move.
    ///
    /// Takes plan folders written by `plan` (or their plan.json files) and writes compare.md, compare.csv,
    /// moves.csv and report.html (each plan's map, from its folder's map.svg, then the comparison). Changes are counted against the first plan: networks are matched across
    /// plans by the schools they share (largest overlap first), and a school moves when its network in the
    /// other plan is not the one matched to its network in the first.
    #[command(after_help = "Example:
  schoolnets plan --out out/neighborhood
  schoolnets plan --scenario feeder --out out/feeder
  schoolnets compare out/neighborhood out/feeder --out out/comparison")]
    Compare(CompareArgs),
    /// Everything for a board briefing in one run: the neighborhood plan, the feeder-pattern plan, and their
    /// comparison.
    ///
    /// Runs the two built-in scenarios (32 neighborhood networks, 33 feeder-pattern networks) on the same
    /// table and writes DIR/neighborhood/, DIR/feeder/ (each as `plan` writes them) and DIR/comparison/ (as
    /// `compare` writes it). Nothing is written unless both plans succeed.
    Briefing(BriefingArgs),
    /// Re-run an adopted plan on a new school table (a later year), moving as few schools as the rules need.
    ///
    /// Keeps every network of the adopted plan: schools still open stay in their network, closed schools drop
    /// out, new schools join the network of their nearest neighbouring campus, and then the fewest schools
    /// (or students, with --minimize students) move between neighbouring networks to bring every rule back
    /// within bounds. Feeder pathways are never broken in feeder mode. Writes the new plan (the four files of
    /// `plan`) and changes.md / changes.csv: each school moved, with the rule it fixes, schools added and
    /// removed, and every rule before and after.
    #[command(after_help = "Example:
  schoolnets plan --out out/2018
  schoolnets rebalance --plan out/2018 --schools data/lausd-2019-20.csv --out out/2019-20")]
    Rebalance(RebalanceArgs),
    /// Check a school table and print a summary (counts, missing data, campuses, feeder links).
    Validate(ValidateArgs),
    /// Build a school table from public data.
    #[command(subcommand)]
    Import(ImportCommand),
}

/// Where the schools, outline and scenario come from (shared by `plan` and `frontier`).
#[derive(Args)]
struct InputArgs {
    /// School table (CSV in the format the README describes). Default: the built-in LAUSD 2018-19 table.
    #[arg(long, value_name = "CSV")]
    schools: Option<PathBuf>,
    /// District outline (GeoJSON polygon, lon/lat). Default: LAUSD's outline with the built-in table, none otherwise.
    #[arg(long, value_name = "GEOJSON")]
    boundary: Option<PathBuf>,
    /// Scenario file (TOML), or the name of a built-in one: `neighborhood` (the default: networks of
    /// neighbouring campuses) or `feeder` (networks of whole feeder pathways). The built-in ones are the
    /// files in scenarios/; copy one to change it.
    #[arg(long, value_name = "TOML|NAME")]
    scenario: Option<PathBuf>,
}

/// How a long-running command runs (shared by `plan`, `frontier`, `briefing` and `rebalance`).
#[derive(Args)]
struct RunArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// How maps are drawn (shared by `plan`, `briefing` and `rebalance`).
#[derive(Args)]
struct MapArgs {
    /// What the map's colours show: `networks` (neighbouring networks never share a colour),
    /// `frpm` (share of students in poverty), `low-performing` (share of low-performing schools) or
    /// `enrollment` (above or below the mean network), for equity discussions.
    #[arg(
        long = "map-colour",
        visible_alias = "map-color",
        value_enum,
        default_value = "networks",
        value_name = "BY"
    )]
    map_colour: maps::ColourBy,
    /// Date printed on the map and report (YYYY-MM-DD). Default: today (UTC). Give the same date to
    /// reproduce earlier outputs byte for byte.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
}

impl MapArgs {
    fn options(&self) -> Result<maps::MapOptions> {
        Ok(maps::MapOptions {
            colour_by: self.map_colour,
            date: report_date(self.date.as_deref())?,
        })
    }
}

/// The `--date` given (checked), or today's.
fn report_date(date: Option<&str>) -> Result<String> {
    match date {
        Some(d) if maps::is_date(d) => Ok(d.to_string()),
        Some(d) => Err(Error::Usage(format!(
            "--date {d}: expected a date as YYYY-MM-DD, for example --date 2026-11-22"
        ))),
        None => Ok(maps::today()),
    }
}

/// Loaded inputs, validated.
struct Inputs {
    loaded: LoadedTable,
    outline: Option<(Outline, String, String)>,
    scenario: Scenario,
    scenario_source: String,
}

impl InputArgs {
    fn load(&self) -> Result<Inputs> {
        let loaded = load_schools(self.schools.as_deref())?;
        let outline = load_outline(self.boundary.as_deref(), self.schools.is_none())?;
        Inputs::validated(loaded, outline, load_scenario(self.scenario.as_deref())?)
    }

    /// The input files, which outputs must never overwrite.
    fn paths(&self) -> Vec<PathBuf> {
        self.schools
            .iter()
            .chain(&self.scenario)
            .chain(&self.boundary)
            .cloned()
            .collect()
    }
}

/// A scenario file, a built-in scenario by name (when no file of that name exists), or the default.
fn load_scenario(arg: Option<&Path>) -> Result<(Scenario, String)> {
    match arg {
        None => Ok((
            Scenario::default_scenario(),
            DEFAULT_SCENARIO_NAME.to_string(),
        )),
        Some(p) => match p.to_str().and_then(Scenario::built_in) {
            Some(found) if !p.exists() => Ok(found),
            _ => Ok((Scenario::load(p)?, p.display().to_string())),
        },
    }
}

impl Inputs {
    /// Inputs whose table passed validation (against the outline, if any).
    fn validated(
        loaded: LoadedTable,
        outline: Option<(Outline, String, String)>,
        (scenario, scenario_source): (Scenario, String),
    ) -> Result<Inputs> {
        let v = validate::validate(&loaded.table, outline.as_ref().map(|o| &o.0));
        if !v.errors.is_empty() {
            return Err(Error::Input(v.errors));
        }
        Ok(Inputs {
            loaded,
            outline,
            scenario,
            scenario_source,
        })
    }

    fn plan_inputs(&self, overrides: Vec<String>, best_effort: bool) -> PlanInputs<'_> {
        PlanInputs {
            table: &self.loaded.table,
            table_sha256: self.loaded.sha256.clone(),
            outline: self.outline.as_ref().map(|o| &o.0),
            outline_source: self.outline.as_ref().map(|o| (o.1.clone(), o.2.clone())),
            scenario: &self.scenario,
            scenario_source: self.scenario_source.clone(),
            overrides,
            best_effort,
        }
    }
}

/// A progress bar on standard error (drawn only on a terminal), or nothing with --quiet.
fn progress_bar(quiet: bool, len: u64, what: &str, message: String) -> indicatif::ProgressBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr())
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {what} ({{elapsed}})"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Rule values that override the scenario for a quick what-if (shared by `plan` and `frontier`).
#[derive(Args)]
struct RuleArgs {
    /// Number of networks (overrides the scenario).
    #[arg(long, value_name = "K")]
    networks: Option<usize>,
    /// Allowed enrollment deviation from the mean, as a fraction: 0.05 for ±5% (overrides the scenario).
    #[arg(long, value_name = "FRACTION")]
    tolerance: Option<f64>,
    /// Fewest schools in a network (overrides the scenario).
    #[arg(long, value_name = "N")]
    min_schools: Option<usize>,
    /// Most schools in a network (overrides the scenario).
    #[arg(long, value_name = "N")]
    max_schools: Option<usize>,
    /// Most low-performing schools a network may have, as a share of its rated schools: 0.35 for 35%.
    #[arg(long, value_name = "SHARE")]
    max_low_share: Option<f64>,
    /// Each network's mean distance from standard within this many points of the district's.
    #[arg(long, value_name = "POINTS")]
    dfs_band: Option<f64>,
    /// Each network's FRPM (poverty) share within this many percentage points of the district's.
    #[arg(long, value_name = "POINTS")]
    frpm_band: Option<f64>,
    /// Each ethnic group's share of a network within this many percentage points of the district's.
    #[arg(long, value_name = "POINTS")]
    ethnicity_band: Option<f64>,
    /// Fewest schools of a model in each network, as MODEL=N (repeatable): --min-model magnet=1.
    #[arg(long, value_name = "MODEL=N")]
    min_model: Vec<String>,
    /// Support regions grouping the networks (overrides the scenario's [regions] count; 0 for none).
    #[arg(long, value_name = "N")]
    regions: Option<usize>,
    /// Random seed; the same inputs and seed give byte-identical outputs (overrides the scenario).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Independent solver restarts; the best plan wins (overrides the scenario).
    #[arg(long, value_name = "N")]
    restarts: Option<usize>,
}

#[derive(Args)]
struct PlanArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Write the plan that breaks the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    best_effort: bool,
    #[command(flatten)]
    map: MapArgs,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct FrontierArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Balance rules to tighten, comma-separated: low (low-performing share), dfs (distance from standard),
    /// frpm (poverty share), ethnicity.
    #[arg(long, value_name = "LIST", default_value = "low,dfs")]
    balance: String,
    /// Steps from no balance rule (strength 0) to the district's own figures (strength 1).
    #[arg(long, value_name = "N", default_value_t = 10)]
    steps: usize,
    /// Output folder for frontier.csv, frontier.md and frontier.svg.
    #[arg(long, value_name = "DIR", default_value = "out/frontier")]
    out: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct CompareArgs {
    /// Plan folders (or plan.json files), at least two; the first is the baseline for school moves.
    #[arg(value_name = "PLAN", num_args = 2.., required = true)]
    plans: Vec<PathBuf>,
    /// Output folder for compare.md, compare.csv, moves.csv and report.html.
    #[arg(long, value_name = "DIR", default_value = "out/comparison")]
    out: PathBuf,
    /// Date printed on the report (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct BriefingArgs {
    /// School table (CSV). Default: the built-in LAUSD 2018-19 table.
    #[arg(long, value_name = "CSV")]
    schools: Option<PathBuf>,
    /// District outline (GeoJSON polygon, lon/lat). Default: LAUSD's outline with the built-in table.
    #[arg(long, value_name = "GEOJSON")]
    boundary: Option<PathBuf>,
    /// Random seed for both plans (default: each scenario's own).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Output folder; the plans and the comparison go in subfolders.
    #[arg(long, value_name = "DIR", default_value = "out/briefing")]
    out: PathBuf,
    /// Write plans that break the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    best_effort: bool,
    #[command(flatten)]
    map: MapArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// What `rebalance` keeps small.
#[derive(Clone, Copy, clap::ValueEnum)]
enum MinimizeArg {
    /// The number of schools that change network.
    Schools,
    /// The number of students in schools that change network.
    Students,
}

#[derive(Args)]
struct RebalanceArgs {
    /// The adopted plan: a folder written by `plan` (or its plan.json).
    #[arg(long, value_name = "PLAN")]
    plan: PathBuf,
    /// The new school table (CSV), for example data/lausd-2019-20.csv.
    #[arg(long, value_name = "CSV")]
    schools: PathBuf,
    /// District outline (GeoJSON). Default: LAUSD's if the adopted plan used it, none otherwise.
    #[arg(long, value_name = "GEOJSON")]
    boundary: Option<PathBuf>,
    /// Scenario file or built-in name; it must keep the adopted number of networks. Default: the adopted
    /// plan's scenario as it was run (from its plan.json).
    #[arg(long, value_name = "TOML|NAME")]
    scenario: Option<PathBuf>,
    /// What to keep small: the schools that change network, or the students in them.
    #[arg(long, value_enum, default_value = "schools")]
    minimize: MinimizeArg,
    /// Fail, saying how many moves are needed, if restoring the rules takes more school moves than this.
    #[arg(long, value_name = "N")]
    max_moves: Option<usize>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out/rebalanced")]
    out: PathBuf,
    /// Write the plan that breaks the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    best_effort: bool,
    #[command(flatten)]
    map: MapArgs,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct ValidateArgs {
    /// School table to check. Default: the built-in LAUSD 2018-19 table.
    #[arg(value_name = "CSV")]
    schools: Option<PathBuf>,
    /// District outline to check school locations against (GeoJSON).
    #[arg(long, value_name = "GEOJSON")]
    boundary: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// From California Department of Education files (directory, FRPM, Dashboard indicators, ethnicity).
    Cde(CdeArgs),
}

#[derive(Args)]
struct CdeArgs {
    /// CDS code prefix: 7 digits for a district (LAUSD: 1964733), 2 for a county, "" for the whole state.
    #[arg(long, value_name = "CDS")]
    district: String,
    /// Folder holding the CDE files (pubschls.txt, frpm*.csv, the two indicator files, demographics.csv).
    #[arg(long, value_name = "DIR", default_value = "../shared/cde")]
    cde_dir: PathBuf,
    /// FRPM file (inside --cde-dir) giving the school year's enrollment.
    #[arg(long, value_name = "FILE", default_value = import::DEFAULT_FRPM_FILE)]
    frpm: String,
    /// CSV id,lat,lon with coordinates for schools the directory lacks.
    #[arg(long, value_name = "CSV")]
    coordinates: Option<PathBuf>,
    /// Where to write the school table.
    #[arg(long, value_name = "CSV")]
    out: PathBuf,
    /// Also write the list of schools left out, with reasons, to this CSV.
    #[arg(long, value_name = "CSV")]
    dropped: Option<PathBuf>,
    /// Also write copies of the CDE files restricted to this district into this folder.
    #[arg(long, value_name = "DIR")]
    extract_to: Option<PathBuf>,
}

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", Error::Internal(info.to_string()));
        std::process::exit(exit::INTERNAL);
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Plan(a) => cmd_plan(a),
        Command::Frontier(a) => cmd_frontier(a),
        Command::Compare(a) => cmd_compare(a),
        Command::Briefing(a) => cmd_briefing(a),
        Command::Rebalance(a) => cmd_rebalance(a),
        Command::Validate(a) => cmd_validate(a),
        Command::Import(ImportCommand::Cde(a)) => cmd_import(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("schoolnets: {e}");
            std::process::exit(e.exit_code());
        }
    }
}

/// A loaded table with the hash of its bytes.
struct LoadedTable {
    table: SchoolTable,
    sha256: String,
}

fn load_schools(path: Option<&Path>) -> Result<LoadedTable> {
    match path {
        None => Ok(LoadedTable {
            table: read_table(data::LAUSD_2018_NAME, data::LAUSD_2018_CSV.as_bytes())?,
            sha256: plans::sha256_hex(data::LAUSD_2018_CSV.as_bytes()),
        }),
        Some(p) => {
            let bytes = limits::read_file(p, limits::MAX_TABLE_BYTES, "school table")?;
            Ok(LoadedTable {
                table: read_table(&p.display().to_string(), bytes.as_slice())?,
                sha256: plans::sha256_hex(&bytes),
            })
        }
    }
}

/// The outline to use: the given file, else LAUSD's with the built-in table, else none.
fn load_outline(
    path: Option<&Path>,
    builtin_table: bool,
) -> Result<Option<(Outline, String, String)>> {
    match path {
        Some(p) => {
            let text = limits::read_text(p, limits::MAX_DOCUMENT_BYTES, "district outline")?;
            let name = p.display().to_string();
            Ok(Some((
                Outline::parse(&name, &text)?,
                name,
                plans::sha256_hex(text.as_bytes()),
            )))
        }
        None if builtin_table => Ok(Some((
            Outline::parse(data::LAUSD_BOUNDARY_NAME, data::LAUSD_BOUNDARY)?,
            data::LAUSD_BOUNDARY_NAME.into(),
            plans::sha256_hex(data::LAUSD_BOUNDARY.as_bytes()),
        ))),
        None => Ok(None),
    }
}

fn cmd_validate(a: ValidateArgs) -> Result<i32> {
    let loaded = load_schools(a.schools.as_deref())?;
    let outline = load_outline(a.boundary.as_deref(), a.schools.is_none())?;
    let v = validate::validate(&loaded.table, outline.as_ref().map(|o| &o.0));
    print!("{}", v.summary);
    for w in &v.warnings {
        println!("  note: {w}");
    }
    if v.errors.is_empty() {
        println!("OK: the table can be planned.");
        Ok(exit::OK)
    } else {
        Err(Error::Input(v.errors))
    }
}

impl RuleArgs {
    /// Applies the overrides to `scenario` and checks the result; returns them as `key = value` lines for
    /// plan.json. A bad value given here is a usage error naming the option.
    fn apply(&self, scenario: &mut Scenario, source: &str) -> Result<Vec<String>> {
        let mut overrides = Vec::new();
        let mut set = |key: &str, value: String| overrides.push(format!("{key} = {value}"));
        if let Some(k) = self.networks {
            scenario.networks = k;
            set("networks", k.to_string());
        }
        if let Some(t) = self.tolerance {
            scenario.size.enrollment_tolerance = t;
            set("size.enrollment_tolerance", t.to_string());
        }
        if let Some(n) = self.min_schools {
            scenario.size.min_schools = n;
            set("size.min_schools", n.to_string());
        }
        if let Some(n) = self.max_schools {
            scenario.size.max_schools = n;
            set("size.max_schools", n.to_string());
        }
        if let Some(v) = self.max_low_share {
            scenario.performance.max_low_performing_share = Some(v);
            set("performance.max_low_performing_share", v.to_string());
        }
        if let Some(v) = self.dfs_band {
            scenario.performance.dfs_band = Some(v);
            set("performance.dfs_band", v.to_string());
        }
        if let Some(v) = self.frpm_band {
            scenario.diversity.frpm_band = Some(v);
            set("diversity.frpm_band", v.to_string());
        }
        if let Some(v) = self.ethnicity_band {
            scenario.diversity.ethnicity_band = Some(v);
            set("diversity.ethnicity_band", v.to_string());
        }
        for m in &self.min_model {
            let (model, n) = m
                .rsplit_once('=')
                .and_then(|(model, n)| {
                    Some((
                        model.trim().to_ascii_lowercase(),
                        n.trim().parse::<u32>().ok()?,
                    ))
                })
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--min-model '{m}': write MODEL=N, e.g. --min-model magnet=1"
                    ))
                })?;
            set(&format!("coverage.min_models.{model}"), n.to_string());
            scenario.coverage.min_models.insert(model, n);
        }
        match self.regions {
            Some(0) => {
                scenario.regions = None;
                set("regions", "none".into());
            }
            Some(n) => {
                scenario.regions.get_or_insert_with(Default::default).count = n;
                set("regions.count", n.to_string());
            }
            None => {}
        }
        if let Some(v) = self.seed {
            scenario.solver.seed = v;
            set("solver.seed", v.to_string());
        }
        if let Some(v) = self.restarts {
            scenario.solver.restarts = v;
            set("solver.restarts", v.to_string());
        }
        scenario.check(source).map_err(|e| match e {
            Error::Input(p) => {
                let key = p[0].field.clone().unwrap_or_default();
                let overridden = |k: &str| overrides.iter().any(|o| o.starts_with(k));
                let from_cli = match key.as_str() {
                    "size.min_schools" | "size.max_schools" => {
                        overridden("size.min_schools") || overridden("size.max_schools")
                    }
                    "regions.count" => overridden("regions.count") || overridden("networks"),
                    k => overridden(k),
                };
                let flag = match key.as_str() {
                    "networks" => "--networks",
                    "size.enrollment_tolerance" => "--tolerance",
                    "size.min_schools" => "--min-schools",
                    "size.max_schools" => "--max-schools",
                    "solver.restarts" => "--restarts",
                    "performance.max_low_performing_share" => "--max-low-share",
                    "performance.dfs_band" => "--dfs-band",
                    "diversity.frpm_band" => "--frpm-band",
                    "diversity.ethnicity_band" => "--ethnicity-band",
                    "coverage.min_models" => "--min-model",
                    "regions.count" => "--regions",
                    _ => "",
                };
                if from_cli && !flag.is_empty() {
                    Error::Usage(format!("{flag}: {} ({})", p[0].what, p[0].fix))
                } else {
                    Error::Input(p)
                }
            }
            other => other,
        })?;
        Ok(overrides)
    }
}

/// Sets the worker thread count (results do not depend on it).
fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(t) = threads {
        if t == 0 {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| Error::Internal(format!("thread pool: {e}")))?;
    }
    Ok(())
}

/// Solves one plan, with a progress bar of restarts.
fn solve(
    inputs: &Inputs,
    overrides: Vec<String>,
    best_effort: bool,
    quiet: bool,
) -> Result<plans::Plan> {
    let parts = schoolnets::solver::parts::count(inputs.scenario.networks);
    let bar = progress_bar(
        quiet,
        (inputs.scenario.solver.restarts * parts) as u64,
        if parts > 1 {
            "part restarts"
        } else {
            "restarts"
        },
        format!(
            "planning {} networks ({})",
            inputs.scenario.networks, inputs.scenario.name
        ),
    );
    let progress = || bar.inc(1);
    let plan = plans::make_plan(&inputs.plan_inputs(overrides, best_effort), &progress);
    bar.finish_and_clear();
    plan
}

/// Adds the files `plan` writes to `set`, under `folder` ("" for the output folder itself), and returns
/// the map's SVG (for a report of several plans).
fn add_plan_files(
    set: &mut OutputSet,
    folder: &str,
    plan: &plans::Plan,
    inputs: &Inputs,
    options: &maps::MapOptions,
) -> Result<String> {
    let table = &inputs.loaded.table;
    let map = maps::Map::new(
        plan,
        table,
        inputs.outline.as_ref().map(|o| &o.0),
        options.clone(),
    );
    let svg = maps::svg::svg(&map);
    let mut json =
        serde_json::to_string_pretty(&plan.file).map_err(|e| Error::Internal(e.to_string()))?;
    json.push('\n');
    set.add(&format!("{folder}plan.json"), json.into_bytes());
    set.add(
        &format!("{folder}networks.geojson"),
        maps::geojson::geojson(&map).into_bytes(),
    );
    if let Some(regions) = maps::geojson::regions_geojson(&map) {
        set.add(&format!("{folder}regions.geojson"), regions.into_bytes());
    }
    if !plan.file.affiliations.is_empty() {
        set.add(
            &format!("{folder}affiliations.csv"),
            reports::affiliations_csv(plan),
        );
    }
    set.add(&format!("{folder}map.png"), maps::png::png(&svg)?);
    let part = reports::html::Part {
        label: String::new(),
        file: &plan.file,
        map_svg: Some(&svg),
    };
    set.add(
        &format!("{folder}report.html"),
        reports::html::page(&map.title(), &options.date, &[part], None).into_bytes(),
    );
    set.add(&format!("{folder}map.svg"), svg.as_bytes().to_vec());
    set.add(
        &format!("{folder}report.md"),
        reports::markdown(plan, table).into_bytes(),
    );
    set.add(&format!("{folder}report.csv"), reports::csv(plan));
    Ok(svg)
}

/// Prints each rule's result for one plan, then its affiliations and staffing in a line each.
fn print_rules(f: &plans::PlanFile) {
    for c in &f.constraints {
        eprintln!(
            "  {} {} ({})",
            if c.holds { "ok  " } else { "FAIL" },
            c.rule,
            c.observed
        );
    }
    for a in &f.affiliations {
        match &a.problem {
            Some(p) => eprintln!("  note affiliation \"{}\" not formed: {p}", a.label),
            None => eprintln!(
                "  affiliation \"{}\": {} schools match{}; groups of {}",
                a.label,
                a.matched,
                a.kept_up_to
                    .as_ref()
                    .map(|k| format!(", {} kept ({k})", a.kept))
                    .unwrap_or_default(),
                a.groups
                    .iter()
                    .map(|g| g.schools.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    if let Some(s) = &f.staffing {
        eprintln!(
            "  staffing: {} positions, ${} a year",
            s.total_positions,
            schoolnets::text::thousands(s.total_cost)
        );
    }
}

fn print_written(written: &[PathBuf]) {
    eprintln!(
        "wrote {}",
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn cmd_plan(a: PlanArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let mut inputs = a.input.load()?;
    let overrides = a
        .rules
        .apply(&mut inputs.scenario, &inputs.scenario_source)?;
    let start = std::time::Instant::now();
    let options = a.map.options()?;
    let plan = solve(&inputs, overrides, a.best_effort, a.run.quiet)?;
    let mut set = OutputSet::new();
    add_plan_files(&mut set, "", &plan, &inputs, &options)?;
    let written = set.commit(&a.out, &a.input.paths())?;

    let f = &plan.file;
    if !a.run.quiet {
        eprintln!(
            "{} schools, {} students → {} networks in {:.1} s",
            f.input.schools,
            schoolnets::text::thousands(f.input.enrollment as f64),
            f.networks.len(),
            start.elapsed().as_secs_f64()
        );
        print_rules(f);
        print_written(&written);
    }
    Ok(if f.all_constraints_hold {
        exit::OK
    } else {
        exit::CONSTRAINTS_VIOLATED
    })
}

/// The folder of a plan given as a folder or as its plan.json.
fn plan_folder(path: &Path) -> &Path {
    if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(path)
    }
}

/// The plan.json of a plan folder (or the plan.json named directly).
fn plan_json_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("plan.json")
    } else {
        path.to_path_buf()
    }
}

/// Reads a plan folder's plan.json (or a plan.json named directly).
fn read_plan(path: &Path) -> Result<(String, plans::PlanFile)> {
    let file = plan_json_path(path);
    let shown = file.display().to_string();
    if !file.exists() {
        return Err(Error::input(
            &shown,
            None,
            None,
            "cannot read the plan: there is no plan.json here",
            "give a folder written by `schoolnets plan --out DIR` (it holds plan.json), or the plan.json itself",
        ));
    }
    let text = limits::read_text(&file, limits::MAX_DOCUMENT_BYTES, "plan.json")?;
    let plan = plans::PlanFile::parse(&shown, &text)?;
    let folder = plan_folder(path);
    let label = folder
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| folder.display().to_string());
    Ok((label, plan))
}

/// The school table a plan was made from, if it is at hand: the built-in one, or the file plan.json names,
/// when its SHA-256 matches.
fn plan_table(f: &plans::PlanFile) -> Option<SchoolTable> {
    let want = &f.input.schools_sha256;
    if *want == plans::sha256_hex(data::LAUSD_2018_CSV.as_bytes()) {
        return read_table(data::LAUSD_2018_NAME, data::LAUSD_2018_CSV.as_bytes()).ok();
    }
    let bytes = limits::read_file(
        Path::new(&f.input.schools_file),
        limits::MAX_TABLE_BYTES,
        "school table",
    )
    .ok()?;
    (plans::sha256_hex(&bytes) == *want)
        .then(|| read_table(&f.input.schools_file, bytes.as_slice()).ok())
        .flatten()
}

/// Labels for the plans' columns: folder names, or the paths as given where two folders share a name.
fn unique_labels(found: &[(String, plans::PlanFile)], paths: &[PathBuf]) -> Vec<String> {
    found
        .iter()
        .zip(paths)
        .map(|((label, _), path)| {
            if found.iter().filter(|(l, _)| l == label).count() > 1 {
                path.display().to_string()
            } else {
                label.clone()
            }
        })
        .collect()
}

/// Adds compare.md, compare.csv and moves.csv to `set`, under `folder`.
fn add_comparison_files(set: &mut OutputSet, folder: &str, c: &compare::Comparison) {
    set.add(
        &format!("{folder}compare.md"),
        compare::markdown(c).into_bytes(),
    );
    set.add(&format!("{folder}compare.csv"), compare::csv(c));
    set.add(&format!("{folder}moves.csv"), compare::moves_csv(c));
}

fn cmd_compare(a: CompareArgs) -> Result<i32> {
    let date = report_date(a.date.as_deref())?;
    let found: Vec<(String, plans::PlanFile)> = a
        .plans
        .iter()
        .map(|p| read_plan(p))
        .collect::<Result<_>>()?;
    let labels = unique_labels(&found, &a.plans);
    let table = plan_table(&found[0].1);
    let compared: Vec<compare::Compared> = labels
        .iter()
        .zip(&found)
        .map(|(label, (_, file))| compare::Compared {
            label: label.clone(),
            file,
        })
        .collect();
    let c = compare::compare(&compared, table.as_ref());
    let mut set = OutputSet::new();
    add_comparison_files(&mut set, "", &c);
    let maps: Vec<Option<String>> = a
        .plans
        .iter()
        .map(|path| std::fs::read_to_string(plan_folder(path).join("map.svg")).ok())
        .collect();
    let parts: Vec<reports::html::Part> = labels
        .iter()
        .zip(&found)
        .zip(&maps)
        .map(|((label, (_, file)), svg)| reports::html::Part {
            label: label.clone(),
            file,
            map_svg: svg.as_deref(),
        })
        .collect();
    set.add(
        "report.html",
        reports::html::page(
            &format!("Plans compared: {}", labels.join(", ")),
            &date,
            &parts,
            Some(&c),
        )
        .into_bytes(),
    );
    let inputs: Vec<PathBuf> = a
        .plans
        .iter()
        .flat_map(|p| [p.clone(), p.join("plan.json")])
        .collect();
    let written = set.commit(&a.out, &inputs)?;
    if !a.quiet {
        print!("{}", compare::headline(&c));
        print_written(&written);
    }
    Ok(exit::OK)
}

fn cmd_briefing(a: BriefingArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let options = a.map.options()?;
    let start = std::time::Instant::now();
    let mut set = OutputSet::new();
    let mut made = Vec::new();
    let mut inputs = InputArgs {
        schools: a.schools.clone(),
        boundary: a.boundary.clone(),
        scenario: None,
    }
    .load()?;
    for name in ["neighborhood", "feeder"] {
        let (scenario, source) = Scenario::built_in(name)
            .ok_or_else(|| Error::Internal(format!("no built-in {name} scenario")))?;
        inputs.scenario = scenario;
        inputs.scenario_source = source;
        let mut overrides = Vec::new();
        if let Some(seed) = a.seed {
            inputs.scenario.solver.seed = seed;
            overrides.push(format!("solver.seed = {seed}"));
        }
        let plan = solve(&inputs, overrides, a.best_effort, a.run.quiet).map_err(|e| match e {
            Error::Infeasible(m) => Error::Infeasible(format!(
                "the {name} plan:\n{m}\n  To try settings, run `schoolnets plan --scenario {name}` with them; `briefing --best-effort` writes both plans with their violations listed."
            )),
            other => other,
        })?;
        let svg = add_plan_files(&mut set, &format!("{name}/"), &plan, &inputs, &options)?;
        made.push((name.to_string(), plan.file, svg));
    }
    let compared: Vec<compare::Compared> = made
        .iter()
        .map(|(label, file, _)| compare::Compared {
            label: label.clone(),
            file,
        })
        .collect();
    let c = compare::compare(&compared, Some(&inputs.loaded.table));
    add_comparison_files(&mut set, "comparison/", &c);
    let parts: Vec<reports::html::Part> = made
        .iter()
        .map(|(label, file, svg)| reports::html::Part {
            label: label.clone(),
            file,
            map_svg: Some(svg),
        })
        .collect();
    set.add(
        "report.html",
        reports::html::page(
            "Board briefing: support network designs compared",
            &options.date,
            &parts,
            Some(&c),
        )
        .into_bytes(),
    );
    let inputs: Vec<PathBuf> = a.schools.iter().chain(&a.boundary).cloned().collect();
    let written = set.commit(&a.out, &inputs)?;
    let all_hold = made.iter().all(|(_, f, _)| f.all_constraints_hold);
    if !a.run.quiet {
        for (name, f, _) in &made {
            eprintln!("{name}: {} networks", f.networks.len());
            print_rules(f);
        }
        print!("{}", compare::headline(&c));
        eprintln!(
            "wrote {} files into {} in {:.1} s (open report.html first: both maps, their rules and the comparison)",
            written.len(),
            a.out.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(if all_hold {
        exit::OK
    } else {
        exit::CONSTRAINTS_VIOLATED
    })
}

fn cmd_rebalance(a: RebalanceArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let map_options = a.map.options()?;
    let (_, adopted) = read_plan(&a.plan)?;
    let loaded = load_schools(Some(&a.schools))?;
    schoolnets::rebalance::check_same_district(
        &adopted,
        &plan_json_path(&a.plan).display().to_string(),
        &loaded.table,
    )?;
    let lausd_outline = plans::sha256_hex(data::LAUSD_BOUNDARY.as_bytes());
    let outline = load_outline(
        a.boundary.as_deref(),
        adopted.input.outline_sha256.as_deref() == Some(lausd_outline.as_str()),
    )?;
    let scenario = match &a.scenario {
        Some(p) => load_scenario(Some(p))?,
        None => (
            adopted.scenario.clone(),
            format!("{} (the adopted plan's scenario)", a.plan.display()),
        ),
    };
    let inputs = Inputs::validated(loaded, outline, scenario)?;
    let options = schoolnets::rebalance::Options {
        minimize: match a.minimize {
            MinimizeArg::Schools => schoolnets::rebalance::Minimize::Schools,
            MinimizeArg::Students => schoolnets::rebalance::Minimize::Students,
        },
        max_moves: a.max_moves,
    };
    let start = std::time::Instant::now();
    let bar = progress_bar(
        a.run.quiet,
        inputs.scenario.solver.restarts.max(1) as u64,
        "restarts",
        format!("rebalancing {} networks", inputs.scenario.networks),
    );
    let progress = || bar.inc(1);
    let done = schoolnets::rebalance::rebalance(
        &inputs.plan_inputs(Vec::new(), a.best_effort),
        &adopted,
        options,
        &progress,
    );
    bar.finish_and_clear();
    let done = done?;
    let mut set = OutputSet::new();
    add_plan_files(&mut set, "", &done.plan, &inputs, &map_options)?;
    let c = &done.changes;
    set.add(
        "changes.md",
        schoolnets::rebalance::markdown(
            c,
            &a.plan.display().to_string(),
            &a.schools.display().to_string(),
        )
        .into_bytes(),
    );
    set.add("changes.csv", schoolnets::rebalance::csv(c));
    let mut inputs_paths: Vec<PathBuf> =
        vec![a.plan.clone(), a.plan.join("plan.json"), a.schools.clone()];
    inputs_paths.extend(a.boundary.iter().cloned());
    inputs_paths.extend(a.scenario.iter().cloned());
    let written = set.commit(&a.out, &inputs_paths)?;
    let f = &done.plan.file;
    if !a.run.quiet {
        let broken_before = c.before.iter().filter(|r| !r.holds).count();
        eprintln!(
            "{} of {} schools change network ({} students); {} new, {} gone; rules broken before: {}, after: {} ({:.1} s)",
            c.moved.len(),
            c.kept,
            schoolnets::text::thousands(c.moved_students as f64),
            c.added.len(),
            c.removed.len(),
            broken_before,
            f.constraints.iter().filter(|r| !r.holds).count(),
            start.elapsed().as_secs_f64()
        );
        print_rules(f);
        print_written(&written);
    }
    Ok(if f.all_constraints_hold {
        exit::OK
    } else {
        exit::CONSTRAINTS_VIOLATED
    })
}

fn cmd_frontier(a: FrontierArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let rules =
        frontier::Rules::parse(&a.balance).map_err(|e| Error::Usage(format!("--balance: {e}")))?;
    if a.steps == 0 || a.steps > 100 {
        return Err(Error::Usage("--steps must be 1 to 100".into()));
    }
    let mut inputs = a.input.load()?;
    let overrides = a
        .rules
        .apply(&mut inputs.scenario, &inputs.scenario_source)?;
    let bar = progress_bar(
        a.run.quiet,
        a.steps as u64 + 1,
        "plans",
        "sweeping balance strength".into(),
    );
    let points = frontier::sweep(
        &inputs.plan_inputs(overrides, false),
        rules,
        a.steps,
        &|_| bar.inc(1),
    );
    bar.finish_and_clear();
    let points = points?;
    let title = inputs.scenario.name.clone();
    let mut set = OutputSet::new();
    set.add("frontier.csv", frontier::csv(&points));
    set.add(
        "frontier.md",
        frontier::markdown(&points, &title).into_bytes(),
    );
    set.add("frontier.svg", frontier::svg(&points, &title).into_bytes());
    let written = set.commit(&a.out, &a.input.paths())?;
    if !a.run.quiet {
        print!("{}", frontier::markdown(&points, &title));
        eprintln!(
            "wrote {}",
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(exit::OK)
}

fn cmd_import(a: CdeArgs) -> Result<i32> {
    let opts = import::ImportOptions {
        cde_dir: a.cde_dir.clone(),
        prefix: a.district.clone(),
        frpm_file: a.frpm.clone(),
        extra_coordinates: a.coordinates.clone(),
    };
    if let Some(dir) = &a.extract_to {
        let files = import::extract(&a.cde_dir, &a.district, std::slice::from_ref(&a.frpm), dir)?;
        eprintln!("extracted {} files into {}", files.len(), dir.display());
    }
    let imported = import::import_cde(&opts)?;
    let mut bytes = Vec::new();
    schoolnets::schools::write_table(&imported.table, &mut bytes)?;
    schoolnets::output::write_atomic(&a.out, &bytes)?;
    eprintln!(
        "wrote {}: {} schools, {} students; {} feeder links derived by distance (no feeder records exist in CDE data)",
        a.out.display(),
        imported.table.schools.len(),
        schoolnets::text::thousands(imported.table.total_enrollment() as f64),
        imported.derived_links
    );
    eprintln!(
        "left out: {} directory entries closed before the school year",
        imported.closed_earlier
    );
    let mut by_reason: std::collections::BTreeMap<import::DropReason, Vec<&import::Dropped>> =
        Default::default();
    for d in &imported.dropped {
        by_reason.entry(d.reason).or_default().push(d);
    }
    for (reason, list) in &by_reason {
        eprintln!("left out: {} — {}", list.len(), reason.describe());
        for d in list.iter().take(15) {
            eprintln!("    {} {}", d.id, d.name);
        }
        if list.len() > 15 {
            eprintln!(
                "    ... and {} more{}",
                list.len() - 15,
                if a.dropped.is_some() {
                    " (see the --dropped file)"
                } else {
                    " (use --dropped FILE for the full list)"
                }
            );
        }
    }
    if let Some(p) = &a.dropped {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["id", "name", "reason"]);
        for d in &imported.dropped {
            let _ = w.write_record([d.id.as_str(), d.name.as_str(), d.reason.describe()]);
        }
        let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
        schoolnets::output::write_atomic(p, &bytes)?;
    }
    Ok(exit::OK)
}
