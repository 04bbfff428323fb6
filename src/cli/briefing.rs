//! `schoolnets briefing`.

use super::*;
use clap::Args;
use schoolnets::error::{exit, Error, Result};
use schoolnets::folder;
use schoolnets::output::OutputSet;
use schoolnets::scenarios::Scenario;
use schoolnets::{compare, reports};

#[derive(Args)]
pub struct BriefingArgs {
    /// School table (CSV). Default: the built-in LAUSD 2018-19 table.
    #[arg(long, value_name = "CSV")]
    pub schools: Option<PathBuf>,
    /// District outline (GeoJSON polygon, lon/lat). Default: LAUSD's outline with the built-in table.
    #[arg(long, value_name = "GEOJSON")]
    pub boundary: Option<PathBuf>,
    /// Random seed for both plans (default: each scenario's own).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Output folder; the plans and the comparison go in subfolders.
    #[arg(long, value_name = "DIR", default_value = "out/briefing")]
    pub out: PathBuf,
    /// Write plans that break the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    pub best_effort: bool,
    #[command(flatten)]
    pub map: MapArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: BriefingArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let options = a.map.options()?;
    let start = std::time::Instant::now();
    let mut set = OutputSet::new();
    let mut made = Vec::new();
    let mut inputs = InputPaths {
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
        let svg = folder::add_plan_files(
            &mut set,
            &format!("{name}/"),
            &plan,
            inputs.table(),
            inputs.outline(),
            &options,
        )?;
        made.push((name.to_string(), plan.file, svg));
    }
    let compared: Vec<compare::Compared> = made
        .iter()
        .map(|(label, file, _)| compare::Compared {
            label: label.clone(),
            file,
        })
        .collect();
    let c = compare::compare(&compared, Some(inputs.table()));
    folder::add_comparison_files(&mut set, "comparison/", &c);
    let parts: Vec<reports::html::Part> = made
        .iter()
        .map(|(label, file, svg)| reports::html::Part {
            label: label.clone(),
            file,
            map_svg: Some(svg),
            table: Some(inputs.table()),
        })
        .collect();
    set.add(
        "report.html",
        reports::html::page(
            "Board briefing: support network designs compared",
            &options.date,
            &parts,
            Some(&compare::sections(&c)),
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
