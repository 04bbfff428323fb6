//! `schoolnets rebalance`.

use super::*;
use clap::Args;
use schoolnets::error::Result;
use schoolnets::folder::{self, PlanFolder};
use schoolnets::inputs::{load_barriers, load_pins, load_scenario, LoadedTable};
use schoolnets::output::OutputSet;

/// What `rebalance` keeps small.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MinimizeArg {
    /// The number of schools that change network.
    Schools,
    /// The number of students in schools that change network.
    Students,
}

#[derive(Args)]
pub struct RebalanceArgs {
    /// The adopted plan: a folder written by `plan` (or its plan.json).
    #[arg(long, value_name = "PLAN")]
    pub plan: PathBuf,
    /// The new school table (CSV), for example data/lausd-2019-20.csv.
    #[arg(long, value_name = "CSV")]
    pub schools: PathBuf,
    /// District outline (GeoJSON). Default: LAUSD's if the adopted plan used it, none otherwise.
    #[arg(long, value_name = "GEOJSON")]
    pub boundary: Option<PathBuf>,
    /// Scenario file or built-in name; it must keep the adopted number of networks. Default: the adopted
    /// plan's scenario as it was run (from its plan.json).
    #[arg(long, value_name = "TOML|NAME")]
    pub scenario: Option<PathBuf>,
    /// What to keep small: the schools that change network, or the students in them.
    #[arg(long, value_enum, default_value = "schools")]
    pub minimize: MinimizeArg,
    /// Fail, saying how many moves are needed, if restoring the rules takes more school moves than this.
    #[arg(long, value_parser = super::whole::<usize>, value_name = "N")]
    pub max_moves: Option<usize>,
    /// Make the enrollment band hold in each of the next N school years too, on forecast enrollments: the
    /// fewest moves that keep it for N years (the history is built in for LAUSD's tables; --history FILE
    /// otherwise).
    #[arg(long, value_parser = super::whole::<usize>, value_name = "N")]
    pub horizon: Option<usize>,
    /// Narrow the band in forecast years by this many percentage points instead of the forecast's
    /// measured error.
    #[arg(long, value_name = "POINTS")]
    pub horizon_margin: Option<f64>,
    /// The district's enrollment history (repeatable), as for `plan`.
    #[arg(long, value_name = "FILE")]
    pub history: Vec<PathBuf>,
    /// Pins and barriers. Default: the adopted plan's (its pins are recorded in plan.json; its barriers
    /// file is read again). A label that is a network name of the adopted plan pins to that network.
    #[command(flatten)]
    pub steering: SteeringArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out/rebalanced")]
    pub out: PathBuf,
    /// Write the plan that breaks the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    pub best_effort: bool,
    #[command(flatten)]
    pub map: MapArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: RebalanceArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let map_options = a.map.options()?;
    let mut inputs_paths: Vec<PathBuf> =
        vec![a.plan.clone(), a.plan.join("plan.json"), a.schools.clone()];
    inputs_paths.extend(a.boundary.iter().cloned());
    inputs_paths.extend(a.scenario.iter().cloned());
    inputs_paths.extend(a.steering.pins.iter().cloned());
    inputs_paths.extend(a.steering.barriers.iter().cloned());
    inputs_paths.extend(a.history.iter().cloned());
    schoolnets::output::check_out(&a.out, &inputs_paths)?;
    let loaded = LoadedTable::load(Some(&a.schools))?;
    let adopted = PlanFolder::read_for(&a.plan, &loaded.table)?.file;
    let outline = adopted_outline(
        &adopted,
        &PlanFolder::json_of(&a.plan).display().to_string(),
        a.boundary.as_deref(),
    )?;
    let (scenario, from_file) = match &a.scenario {
        Some(p) => (load_scenario(Some(p))?, true),
        None => (
            (
                adopted.scenario.clone(),
                format!("{} (the adopted plan's scenario)", a.plan.display()),
            ),
            false,
        ),
    };
    // A scenario file's own pins and barriers are read beside it; the adopted plan's come from plan.json.
    let (scenario_pins, scenario_barriers) = if from_file {
        InputPaths {
            scenario: a.scenario.clone(),
            ..Default::default()
        }
        .steering(&scenario.0)
    } else {
        (None, None)
    };
    let history = schoolnets::inputs::history_for(&a.history, &loaded.table)?;
    let mut inputs = Inputs::validated(loaded, outline, scenario)?;
    inputs.history = history;
    if a.horizon.is_some() || a.horizon_margin.is_some() {
        if let Some(n) = a.horizon {
            inputs.scenario.horizon.years = n;
        }
        if a.horizon_margin.is_some() {
            inputs.scenario.horizon.margin = a.horizon_margin;
        }
        inputs
            .scenario
            .check(&inputs.scenario_source)
            .map_err(schoolnets::scenarios::overrides::command_line_error)?;
    }
    forecast_outlook(&mut inputs, a.run.quiet)?;
    let json = PlanFolder::json_of(&a.plan).display().to_string();
    let (adopted_pins, adopted_barriers) =
        adopted_steering(&adopted, &json, inputs.table(), a.run.quiet)?;
    inputs.pins = match a.steering.pins.as_ref().or(scenario_pins.as_ref()) {
        Some(p) => Some(load_pins(p)?),
        None => adopted_pins,
    };
    inputs.barriers = match a.steering.barriers.as_ref().or(scenario_barriers.as_ref()) {
        Some(p) => Some(load_barriers(p)?),
        None => adopted_barriers,
    };
    inputs_paths.extend(scenario_pins.into_iter().chain(scenario_barriers));
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
    folder::add_plan_files(
        &mut set,
        "",
        &done.plan,
        inputs.table(),
        inputs.outline(),
        &map_options,
    )?;
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
    Ok(exit_code(f))
}
