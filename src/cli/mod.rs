//! The commands: each takes its parsed arguments, calls the library and prints what it did. Shared
//! argument groups, the progress bar and the terminal summaries live here.

pub mod briefing;
pub mod compare;
pub mod ensemble;
pub mod forecast;
pub mod frontier;
pub mod import;
pub mod plan;
pub mod rebalance;
pub mod serve;
pub mod validate;

use clap::Args;
use schoolnets::error::{Error, Result};
use schoolnets::folder::{self, PlanFolder};
use schoolnets::inputs::{InputPaths, Inputs, LoadedOutline, LoadedTable};
use schoolnets::maps;
use schoolnets::plan_file::PlanFile;
use schoolnets::plans;
use schoolnets::scenarios::Overrides;
use std::path::{Path, PathBuf};

/// Where the schools, outline and scenario come from (shared by `plan` and `frontier`).
#[derive(Args)]
pub struct InputArgs {
    /// School table (CSV in the format the README describes). Default: the built-in LAUSD 2018-19 table.
    #[arg(long, value_name = "CSV")]
    pub schools: Option<PathBuf>,
    /// District outline (GeoJSON polygon, lon/lat). Default: LAUSD's outline with the built-in table; with
    /// --schools district.csv, the district.outline.geojson beside it (`import cde` writes it) when there is
    /// one; none otherwise (maps then end 1.5 km beyond the outermost schools).
    #[arg(long, value_name = "GEOJSON")]
    pub boundary: Option<PathBuf>,
    /// Scenario file (TOML), or the name of a built-in one: `neighborhood` (the default: networks of
    /// neighbouring campuses, balanced in performance and school models), `geography-only` (the same
    /// without balance rules) or `feeder` (networks of whole feeder pathways). The built-in ones are the
    /// files in scenarios/; copy one to change it.
    #[arg(long, value_name = "TOML|NAME")]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub steering: SteeringArgs,
    /// The district's enrollment history, for forecasts (repeatable): what `import cde --history` writes
    /// (year,id,name,enrollment), the CDE's yearly FRPM files, or its enrollment by grade files
    /// (enrYYYYYY-vN.txt, which add grade progression). Default: LAUSD's 2016-17 to 2020-21 with the built-in
    /// table.
    #[arg(long, value_name = "FILE")]
    pub history: Vec<PathBuf>,
}

impl InputArgs {
    pub fn paths(&self) -> InputPaths {
        InputPaths {
            schools: self.schools.clone(),
            boundary: self.boundary.clone().or_else(|| {
                self.schools
                    .as_deref()
                    .map(schoolnets::inputs::outline_beside)
                    .filter(|o| o.is_file())
            }),
            scenario: self.scenario.clone(),
            pins: self.steering.pins.clone(),
            barriers: self.steering.barriers.clone(),
            history: self.history.clone(),
        }
    }
}

/// Years each plan's enrollment outlook looks ahead (more when the scenario's band holds for more).
pub const OUTLOOK_YEARS: usize = 3;

/// Forecasts the table's schools for a plan's outlook (and for the years its band must hold), printing
/// the history's warnings (odd jumps, ids that seem to change) unless `quiet`: what every command that
/// draws or re-checks a plan does before it solves.
fn forecast_outlook(inputs: &mut Inputs, quiet: bool) -> Result<()> {
    inputs.forecast_for(OUTLOOK_YEARS)?;
    if let (false, Some(_), Some(h)) = (quiet, &inputs.forecast, &inputs.history) {
        // The built-in history's are known; they matter when its forecast sets rules.
        if !h.built_in || inputs.scenario.horizon.years > 0 {
            for w in &h.history.warnings {
                eprintln!("warning: {w}");
            }
        }
    }
    Ok(())
}

/// How the planner steers the plan (shared by `plan`, `frontier`, `briefing` and `rebalance`).
#[derive(Args)]
pub struct SteeringArgs {
    /// Pins: a CSV with columns `id,network`. Schools with the same label share a network, different labels
    /// are in different networks, and each network holding a label is named after it (pin Harbor, Eastside,
    /// Crenshaw and see those names on the map). A campus follows its pinned school. Replaces the
    /// scenario's `pins`. Example: scenarios/lausd-pins.csv.
    #[arg(long, value_name = "CSV")]
    pub pins: Option<PathBuf>,
    /// Barriers: a GeoJSON file of lines or polygons (freeways, rivers, ridges, board-district lines). No
    /// link between neighbouring campuses crosses one, so no network reaches across it (a link is put
    /// back only into a pocket too small to be a network of its own; the report names it). Replaces the scenario's
    /// `barriers`. Example: scenarios/santa-monica-mountains.geojson.
    #[arg(long, value_name = "GEOJSON")]
    pub barriers: Option<PathBuf>,
}

/// How a long-running command runs (shared by `plan`, `frontier`, `briefing` and `rebalance`).
#[derive(Args)]
pub struct RunArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How maps are drawn (shared by `plan`, `briefing` and `rebalance`).
#[derive(Args)]
pub struct MapArgs {
    /// What the map's colours show: `networks` (neighbouring networks never share a colour),
    /// `frpm` (share of students in poverty), `low-performing` (share of low-performing schools),
    /// `enrollment` (above or below the mean network), for equity discussions, or `outlook` (the first
    /// forecast year each network would leave its enrollment band; needs the district's history).
    #[arg(
        long = "map-colour",
        visible_alias = "map-color",
        value_enum,
        default_value = "networks",
        value_name = "BY"
    )]
    pub map_colour: maps::ColourBy,
    /// Date printed on the map and report (YYYY-MM-DD). Default: today (UTC). Give the same date to
    /// reproduce earlier outputs byte for byte.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

impl MapArgs {
    pub fn options(&self) -> Result<maps::MapOptions> {
        Ok(maps::MapOptions {
            colour_by: self.map_colour,
            date: report_date(self.date.as_deref())?,
            highlight: Vec::new(),
            kept_fills: None,
        })
    }
}

/// The `--date` given (checked), or today's.
pub fn report_date(date: Option<&str>) -> Result<String> {
    match date {
        Some(d) if maps::is_date(d) => Ok(d.to_string()),
        Some(d) => Err(Error::Usage(format!(
            "--date {d}: expected a calendar date as YYYY-MM-DD in the years {} to {}, for example --date 2026-11-22",
            maps::DATE_YEARS.start(),
            maps::DATE_YEARS.end()
        ))),
        None => Ok(maps::today()),
    }
}

/// A progress bar on standard error (drawn only on a terminal), or nothing with --quiet.
pub fn progress_bar(quiet: bool, len: u64, what: &str, message: String) -> indicatif::ProgressBar {
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

/// A count or seed from the command line: a negative number, a fraction, a number written as a decimal or
/// a word is refused saying what is wanted (clap's own parser says only "invalid digit found in string").
/// Whether the count is in its option's range is checked afterwards, where the range is known.
pub fn whole<T: TryFrom<u64>>(s: &str) -> std::result::Result<T, String> {
    let too_large = || {
        // The type's largest value: the largest all-ones number it takes.
        let max = (0..64)
            .map(|shift| u64::MAX >> shift)
            .find(|&m| T::try_from(m).is_ok())
            .unwrap_or(0);
        format!("{s} is too large: at most {max}")
    };
    let t = s.trim();
    let v = t.parse::<u64>().map_err(|_| match t.parse::<f64>() {
        Ok(v) if !v.is_finite() => format!("{s} is not a number: give a whole number such as 32"),
        Ok(v) if v.fract() != 0.0 => format!(
            "{s} is not a whole number: give one such as {}",
            v.abs().round()
        ),
        Ok(v) if v < 0.0 => format!("{s} is negative: give a whole number"),
        Ok(v) if v > u64::MAX as f64 => too_large(),
        Ok(v) => format!("write {s} as a plain whole number: {}", v.abs()),
        Err(_) => format!("{s} is not a number: give a whole number such as 32"),
    })?;
    T::try_from(v).map_err(|_| too_large())
}

/// Rule values that override the scenario for a quick what-if (shared by `plan` and `frontier`).
#[derive(Args)]
pub struct RuleArgs {
    /// Number of networks (overrides the scenario).
    #[arg(long, value_parser = whole::<usize>, value_name = "K")]
    pub networks: Option<usize>,
    /// Allowed enrollment deviation from the mean, as a fraction: 0.05 for ±5% (overrides the scenario).
    #[arg(long, value_name = "FRACTION")]
    pub tolerance: Option<f64>,
    /// Fewest schools in a network (overrides the scenario).
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub min_schools: Option<usize>,
    /// Most schools in a network (overrides the scenario).
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub max_schools: Option<usize>,
    /// Most low-performing schools a network may have, as a share of its rated schools: 0.35 for 35%.
    #[arg(long, value_name = "SHARE")]
    pub max_low_share: Option<f64>,
    /// Each network's mean distance from standard within this many points of the district's.
    #[arg(long, value_name = "POINTS")]
    pub dfs_band: Option<f64>,
    /// Each network's FRPM (poverty) share within this many percentage points of the district's.
    #[arg(long, value_name = "POINTS")]
    pub frpm_band: Option<f64>,
    /// Each ethnic group's share of a network within this many percentage points of the district's.
    #[arg(long, value_name = "POINTS")]
    pub ethnicity_band: Option<f64>,
    /// Fewest schools of a model in each network, as MODEL=N (repeatable): --min-model magnet=1.
    #[arg(long, value_name = "MODEL=N")]
    pub min_model: Vec<String>,
    /// Support regions grouping the networks (overrides the scenario's [regions] count; 0 for none).
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub regions: Option<usize>,
    /// Random seed; the same inputs and seed give byte-identical outputs (overrides the scenario).
    #[arg(long, value_parser = whole::<u64>, value_name = "N")]
    pub seed: Option<u64>,
    /// Independent solver restarts; the best plan wins (overrides the scenario).
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub restarts: Option<usize>,
    /// Make the enrollment band hold in each of the next N school years too, on forecast enrollments
    /// (`schoolnets forecast`; the history is built in for LAUSD, --history FILE otherwise). The band is
    /// narrowed in those years by the forecast's own measured error (overrides the scenario's [horizon]).
    #[arg(long, value_parser = whole::<usize>, value_name = "N")]
    pub horizon: Option<usize>,
    /// Narrow the band in forecast years by this many percentage points instead of the forecast's
    /// measured error.
    #[arg(long, value_name = "POINTS")]
    pub horizon_margin: Option<f64>,
    /// Soft barriers: networks may cross the barriers (--barriers), each link across one that a network
    /// keeps costing this many km² of compactness; the report and plan.json list every crossing. Try 25;
    /// raise it to cross less. Without it barriers are hard: no network crosses one, and a pocket they
    /// close must hold whole networks (overrides the scenario's barrier_price_km2).
    #[arg(long, value_name = "KM2")]
    pub barrier_price: Option<f64>,
}

impl RuleArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            networks: self.networks,
            tolerance: self.tolerance,
            min_schools: self.min_schools,
            max_schools: self.max_schools,
            max_low_share: self.max_low_share,
            dfs_band: self.dfs_band,
            frpm_band: self.frpm_band,
            ethnicity_band: self.ethnicity_band,
            min_model: self.min_model.clone(),
            regions: self.regions,
            seed: self.seed,
            restarts: self.restarts,
            horizon: self.horizon,
            horizon_margin: self.horizon_margin,
            barrier_price: self.barrier_price,
        }
    }
}

/// Most worker threads `--threads` accepts: far more than any planning machine's cores (more threads than
/// cores only slow a run down: 2,000 threads took 15 s for a 0.3 s plan), few enough to start at once.
pub const MAX_THREADS: usize = 256;

/// Sets the worker thread count (results do not depend on it).
pub fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(t) = threads {
        if t == 0 || t > MAX_THREADS {
            return Err(Error::Usage(format!(
                "--threads {t}: give 1 to {MAX_THREADS} worker threads (results do not depend on it; the default is one per core)"
            )));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| Error::Internal(format!("thread pool: {e}")))?;
    }
    Ok(())
}

/// Solves one plan, with a progress bar of restarts.
pub fn solve(
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

/// Prints each rule's result for one plan, then its pins, barriers, affiliations and staffing in a line each.
pub fn print_rules(f: &schoolnets::plan_file::PlanFile) {
    for c in &f.constraints {
        eprintln!(
            "  {} {} ({}; {})",
            if c.holds { "ok  " } else { "FAIL" },
            c.rule,
            c.observed,
            schoolnets::rules::words(c)
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
    if let Some(p) = &f.pins {
        let held: Vec<String> = p.groups.iter().map(|g| g.describe()).collect();
        eprintln!("  pins: {}", held.join(", "));
    }
    if let Some(b) = &f.barriers {
        let restored = b.links.len() - b.dropped();
        let crossings = b.crossings().count();
        match b.price_km2 {
            Some(price) => eprintln!(
                "  barriers: soft, {} km² a crossing; {} between campuses cross them, the plan crosses at {} (listed in the report)",
                schoolnets::text::echo(price),
                schoolnets::text::count(b.links.len() as f64, "links"),
                crossings
            ),
            None => eprintln!(
                "  barriers: {} between campuses dropped{}",
                schoolnets::text::count(b.dropped() as f64, "links"),
                if restored > 0 {
                    format!(
                        ", {restored} put back into pockets too small to be a network (listed in the report)"
                    )
                } else {
                    String::new()
                }
            ),
        }
        // A county's layer has thousands of features that cross no link: a few on the terminal, every
        // one in the report.
        for w in b.warnings.iter().take(BARRIER_WARNINGS_SHOWN) {
            eprintln!("  warning: {w}");
        }
        if b.warnings.len() > BARRIER_WARNINGS_SHOWN {
            eprintln!(
                "  warning: and {} more barrier features that change nothing (every one is listed in report.md)",
                b.warnings.len() - BARRIER_WARNINGS_SHOWN
            );
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

/// Barrier warnings printed on the terminal; the report lists them all.
const BARRIER_WARNINGS_SHOWN: usize = 5;

/// The exit code of a command that wrote a plan: 0 when every rule holds, 1 when `--best-effort` wrote one
/// that breaks some.
pub fn exit_code(f: &schoolnets::plan_file::PlanFile) -> i32 {
    if f.all_constraints_hold {
        schoolnets::error::exit::OK
    } else {
        schoolnets::error::exit::CONSTRAINTS_VIOLATED
    }
}

pub fn print_written(written: &[PathBuf]) {
    eprintln!(
        "wrote {}",
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Applies `overrides` to the inputs' scenario, with the values the district's size decides fitted to its
/// table, and says which were fitted; returns the lines plan.json records.
pub fn apply_overrides(
    overrides: &Overrides,
    inputs: &mut Inputs,
    quiet: bool,
) -> Result<Vec<String>> {
    let lines = overrides.apply(
        &mut inputs.scenario,
        &inputs.scenario_source,
        &inputs.loaded.table,
    )?;
    if !quiet {
        for line in lines.iter().filter(|l| l.contains("(fitted")) {
            eprintln!("  note {line}");
        }
    }
    Ok(lines)
}

/// The pins and barriers an adopted plan was drawn with: its pins from its plan.json (`json` names it),
/// without schools no longer in `table` (said, unless `quiet`); its barriers file read again, which must
/// still be there unchanged.
pub fn adopted_steering(
    adopted: &schoolnets::plan_file::PlanFile,
    json: &str,
    table: &schoolnets::schools::SchoolTable,
    quiet: bool,
) -> Result<(
    Option<schoolnets::pins::Pins>,
    Option<schoolnets::barriers::Barriers>,
)> {
    let pins = adopted.pins.as_ref().map(|r| {
        let (rows, gone): (Vec<_>, Vec<_>) = r
            .rows
            .iter()
            .cloned()
            .partition(|row| table.schools.iter().any(|s| s.id == row.id));
        if !gone.is_empty() && !quiet {
            eprintln!(
                "  note {} of {json} not in {}: {}",
                schoolnets::text::count(gone.len() as f64, "pinned schools"),
                table.source,
                gone.iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        schoolnets::pins::Pins {
            source: format!("{json} (the adopted plan's pins, from {})", r.file),
            sha256: r.sha256.clone(),
            rows,
        }
    });
    let barriers = match &adopted.barriers {
        Some(r) => match schoolnets::inputs::load_barriers(std::path::Path::new(&r.file)) {
            Ok(b) if b.sha256 == r.sha256 => Some(b),
            _ => {
                return Err(Error::input(
                    json,
                    None,
                    Some("barriers.sha256"),
                    format!(
                        "the plan was drawn with the barriers in {}, which is missing or has changed since (plan.json records its SHA-256)",
                        r.file
                    ),
                    "give the barriers to keep with --barriers FILE (or put the file back where plan.json says)",
                ))
            }
        },
        None => None,
    };
    Ok((pins, barriers))
}

/// The district outline an adopted plan was drawn with, checked as its table is: `--boundary` when given;
/// else the file plan.json names, which must be there with the SHA-256 it records (a changed outline
/// changes which campuses neighbour each other, so every figure of connectivity); else the built-in LAUSD
/// outline when that is what it records; no outline when the plan was drawn without one.
pub fn adopted_outline(
    f: &PlanFile,
    shown: &str,
    boundary: Option<&Path>,
) -> Result<Option<LoadedOutline>> {
    if let Some(b) = boundary {
        return LoadedOutline::load(Some(b), false);
    }
    let (Some(file), Some(want)) = (&f.input.outline_file, &f.input.outline_sha256) else {
        return Ok(None);
    };
    let path = Path::new(file);
    if path.is_file() {
        let loaded = LoadedOutline::load(Some(path), false)?;
        if let Some(o) = loaded.filter(|o| o.sha256 == *want) {
            return Ok(Some(o));
        }
    }
    if *want == plans::sha256_hex(schoolnets::data::LAUSD_BOUNDARY.as_bytes()) {
        return LoadedOutline::load(None, true);
    }
    Err(Error::input(
        shown,
        None,
        Some("input.outline_sha256"),
        format!(
            "the district outline this plan was drawn with ({file}) {} (plan.json records its SHA-256): which campuses neighbour each other, and so the plan's networks, would not be the plan's",
            if path.is_file() { "has changed since the plan was drawn" } else { "is missing" }
        ),
        "give the outline it was drawn with by --boundary FILE (or put it back where plan.json says)",
    ))
}

/// The inputs and the plan to start from, and how plan.json and drafts name it.
pub fn open_plan(
    plan: Option<&Path>,
    input: &InputArgs,
    quiet: bool,
    purpose: &str,
) -> Result<(Inputs, PlanFile, String)> {
    match plan {
        Some(_) if input.scenario.is_some() || input.steering.pins.is_some() || input.steering.barriers.is_some() => {
            Err(Error::Usage(format!(
                "--scenario, --pins and --barriers draw a new plan to {purpose}; with --plan the plan is taken with \
                 its own scenario, pins and barriers (from its plan.json). Give one or the other"
            )))
        }
        Some(p) => {
            let folder = PlanFolder::read(p)?;
            let json = PlanFolder::json_of(p);
            let shown = json.display().to_string();
            let f = folder.file;
            let loaded = match &input.schools {
                Some(s) => LoadedTable::load(Some(s))?,
                None => {
                    let table = folder::table_of(&f).ok_or_else(|| {
                        Error::input(
                            &shown,
                            None,
                            Some("input.schools_sha256"),
                            format!(
                                "the school table this plan was drawn from ({}) is missing or has changed since (plan.json records its SHA-256)",
                                f.input.schools_file
                            ),
                            "give the table it was drawn from with --schools FILE (or put it back where plan.json says)",
                        )
                    })?;
                    LoadedTable {
                        table,
                        sha256: f.input.schools_sha256.clone(),
                    }
                }
            };
            // The check of every `--plan` read with a table (`PlanFolder::read_for`): a plan of another
            // district is named as one, not as schools missing from it.
            schoolnets::rebalance::check_same_district(&f, &shown, &loaded.table)?;
            let outline = adopted_outline(&f, &shown, input.boundary.as_deref())?;
            let history = schoolnets::inputs::history_for(&input.history, &loaded.table)?;
            let mut inputs = Inputs::validated(
                loaded,
                outline,
                (f.scenario.clone(), format!("{shown} (the plan's scenario)")),
            )?;
            inputs.history = history;
            // The plan's forecast years are re-checked with every edit, and the outlook redrawn.
            forecast_outlook(&mut inputs, quiet)?;
            let (pins, barriers) = adopted_steering(&f, &shown, inputs.table(), quiet)?;
            inputs.pins = pins;
            inputs.barriers = barriers;
            let text = std::fs::read(&json).unwrap_or_default();
            let from = format!("{shown} (SHA-256 {})", &plans::sha256_hex(&text)[..16]);
            Ok((inputs, f, from))
        }
        None => {
            let mut inputs = input.paths().load()?;
            apply_overrides(&Default::default(), &mut inputs, quiet)?;
            forecast_outlook(&mut inputs, quiet)?;
            if !quiet {
                eprintln!(
                    "drawing the plan to {purpose} ({}, {} networks)...",
                    inputs.scenario.name, inputs.scenario.networks
                );
            }
            let plan = solve(&inputs, Vec::new(), true, quiet)?;
            let from = format!(
                "the plan of {} drawn with {} (seed {}){}{}",
                inputs.table().source,
                inputs.scenario_source,
                inputs.scenario.solver.seed,
                inputs
                    .pins
                    .as_ref()
                    .map_or(String::new(), |p| format!(", pins {}", p.source)),
                inputs
                    .barriers
                    .as_ref()
                    .map_or(String::new(), |b| format!(", barriers {}", b.source))
            );
            Ok((inputs, plan.file, from))
        }
    }
}
