//! `schoolnets briefing`.

use super::*;
use clap::Args;
use rayon::prelude::*;
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
    #[arg(long, value_parser = super::whole::<u64>, value_name = "N")]
    pub seed: Option<u64>,
    /// Number of networks of both plans (default: the scenarios' own, fitted to the district's size).
    #[arg(long, value_parser = super::whole::<usize>, value_name = "K")]
    pub networks: Option<usize>,
    #[command(flatten)]
    pub steering: SteeringArgs,
    /// The district's enrollment history (repeatable), for each plan's outlook: how long it holds. Default:
    /// LAUSD's, built in.
    #[arg(long, value_name = "FILE")]
    pub history: Vec<PathBuf>,
    /// Output folder; the plans and the comparison go in subfolders.
    #[arg(long, value_name = "DIR", default_value = "out-briefing")]
    pub out: PathBuf,
    /// Write plans that break the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    pub best_effort: bool,
    #[command(flatten)]
    pub map: MapArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The designs a briefing puts before the board, and the reference plan drawn by geography alone.
const DESIGNS: [&str; 2] = ["neighborhood", "feeder"];
const GEOGRAPHY_ONLY: &str = "geography-only";

pub fn run(a: BriefingArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let options = a.map.options()?;
    let input_files: Vec<PathBuf> = a
        .schools
        .iter()
        .chain(&a.boundary)
        .chain(&a.steering.pins)
        .chain(&a.steering.barriers)
        .chain(&a.history)
        .cloned()
        .collect();
    schoolnets::output::check_out(&a.out, &input_files)?;
    let start = std::time::Instant::now();
    let mut set = OutputSet::new();
    let mut made: Vec<(String, schoolnets::plans::Plan, String)> = Vec::new();
    let mut inputs = InputPaths {
        schools: a.schools.clone(),
        boundary: a.boundary.clone(),
        scenario: None,
        pins: a.steering.pins.clone(),
        barriers: a.steering.barriers.clone(),
        history: a.history.clone(),
    }
    .load()?;
    // Each design's scenario, fitted to the district, then the plans solved side by side (each is a pure
    // function of its inputs, so the order of solving changes nothing).
    let mut each = Vec::new();
    for name in DESIGNS.iter().chain([&GEOGRAPHY_ONLY]) {
        let (scenario, source) = Scenario::built_in(name)
            .ok_or_else(|| Error::Internal(format!("no built-in {name} scenario")))?;
        inputs.scenario = scenario;
        inputs.scenario_source = source;
        let overrides = apply_overrides(
            &schoolnets::scenarios::Overrides {
                seed: a.seed,
                networks: a.networks,
                ..Default::default()
            },
            &mut inputs,
            a.run.quiet,
        )?;
        forecast_outlook(&mut inputs, a.run.quiet)?;
        each.push((
            name.to_string(),
            inputs.scenario.clone(),
            inputs.scenario_source.clone(),
            overrides,
            inputs.forecast.take(),
        ));
    }
    let bar = progress_bar(
        a.run.quiet,
        each.len() as u64,
        "plans",
        format!(
            "planning {}",
            each.iter()
                .map(|e| e.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let loaded = &inputs;
    // Solved, mapped and written out side by side; each is a pure function of its inputs, so the order
    // changes nothing (the files are added in the designs' order).
    let solved: Vec<Result<(schoolnets::plans::Plan, String, OutputSet)>> = each
        .par_iter()
        .map(|(name, scenario, source, overrides, forecast)| {
            let plan = schoolnets::plans::make_plan(
                &schoolnets::plans::PlanInputs {
                    scenario,
                    scenario_source: source.clone(),
                    forecast: forecast.as_ref(),
                    ..loaded.plan_inputs(overrides.clone(), a.best_effort)
                },
                &|| {},
            )
            .map_err(|e| match e {
                Error::Infeasible(mut why) => {
                    why.plan = Some(format!("the {name} plan"));
                    why.hints.push(format!("To try settings, run `schoolnets plan --scenario {name}` with them; `briefing --best-effort` writes every plan with its violations listed."));
                    Error::Infeasible(why)
                }
                other => other,
            })?;
            let mut files = OutputSet::new();
            let svg = folder::add_plan_files(
                &mut files,
                &format!("{name}/"),
                &plan,
                loaded.table(),
                loaded.outline(),
                &options,
            )?;
            bar.inc(1);
            Ok((plan, svg, files))
        })
        .collect();
    bar.finish_and_clear();
    for ((name, ..), solved) in each.iter().zip(solved) {
        let (plan, svg, files) = solved?;
        set.append(files);
        made.push((name.to_string(), plan, svg));
    }
    let compared: Vec<compare::Compared> = made[..DESIGNS.len()]
        .iter()
        .map(|(label, plan, _)| compare::Compared {
            label: label.clone(),
            file: &plan.file,
        })
        .collect();
    let c = compare::compare(&compared, Some(inputs.table()));
    folder::add_comparison_files(&mut set, "comparison/", &c);
    let front = front_page(&made, &c, &inputs, &options);
    let parts: Vec<reports::html::Part> = made[..DESIGNS.len()]
        .iter()
        .map(|(label, plan, svg)| reports::html::Part {
            label: label.clone(),
            file: &plan.file,
            map_svg: Some(svg),
            table: Some(inputs.table()),
        })
        .collect();
    set.add(
        "report.html",
        reports::html::page_with_front(
            "Board briefing: support network designs compared",
            &options.date,
            Some(&front),
            &parts,
            Some(&compare::sections(&c)),
        )
        .into_bytes(),
    );
    let written = set.commit(&a.out, &input_files)?;
    let all_hold = made.iter().all(|(_, p, _)| p.file.all_constraints_hold);
    if !a.run.quiet {
        for (name, p, _) in &made {
            eprintln!("{name}: {} networks", p.file.networks.len());
            print_rules(&p.file);
        }
        print!("{}", compare::headline(&c));
        eprintln!(
            "wrote {} files into {} in {:.1} s (open report.html first: its first page compares the designs)",
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

/// The first page (`reports::board::front_page`): the maps of the designs, the figures with the
/// geography-only reference, and the first design's map with the schools ringed whose network differs in
/// the second.
fn front_page(
    made: &[(String, schoolnets::plans::Plan, String)],
    c: &compare::Comparison,
    inputs: &schoolnets::inputs::Inputs,
    options: &schoolnets::maps::MapOptions,
) -> String {
    use reports::board::Design;
    let designs: Vec<Design> = made
        .iter()
        .map(|(label, plan, _)| Design {
            label,
            file: &plan.file,
        })
        .collect();
    let mut moved: Vec<Option<(usize, usize)>> = vec![None; made.len()];
    for ch in &c.changes {
        if let Some(i) = made.iter().position(|(l, _, _)| *l == ch.plan) {
            moved[i] = Some((ch.moves.len(), ch.compared));
        }
    }
    let maps: Vec<&str> = made[..DESIGNS.len()]
        .iter()
        .map(|(_, _, svg)| svg.as_str())
        .collect();
    let differing = c.changes.first().map(|ch| {
        let mut highlighted = options.clone();
        highlighted.highlight = ch.moves.iter().map(|m| m.school_id.clone()).collect();
        let (label, plan, _) = &made[0];
        let map = schoolnets::maps::Map::new(plan, inputs.table(), inputs.outline(), highlighted);
        (
            schoolnets::maps::svg::svg(&map),
            format!(
                "The {label} design, with a red ring on each of the {} schools that are in another network in the {} design (after matching each network to the one it shares most schools with).",
                ch.moves.len(),
                ch.plan
            ),
        )
    });
    reports::board::front_page(
        &designs,
        &maps,
        &moved,
        differing
            .as_ref()
            .map(|(svg, caption)| (svg.as_str(), caption.as_str())),
    )
}
