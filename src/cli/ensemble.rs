//! `schoolnets ensemble`: many valid plans drawn around a plan, and where the plan falls among them.

use super::*;
use clap::Args;
use schoolnets::ensemble::{self, Ensemble, Options};
use schoolnets::error::Result;
use schoolnets::output::OutputSet;
use schoolnets::reports::ensemble as report;
use schoolnets::text::{round, thousands};

#[derive(Args)]
pub struct EnsembleArgs {
    /// The plan: a folder written by `plan`, `rebalance` or the editor (or its plan.json), taken with its
    /// own scenario, pins and barriers. Default: the plan `plan` draws from the inputs below (the built-in
    /// LAUSD table and default scenario unless given).
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder: ensemble.html (the page), ensemble.md, ensemble.json (for scripts), samples.csv (each
    /// draw's figures), fragile-pairings.csv, firmness.geojson and firmness.svg (each boundary of the plan
    /// by how often valid plans keep it) and graph.json (the planning units and their links, networkx
    /// node-link format, for other tools).
    #[arg(long, value_name = "DIR", default_value = "out-ensemble")]
    pub out: PathBuf,
    /// Independent chains, run in parallel (R-hat compares them).
    #[arg(long, value_parser = super::whole::<usize>, value_name = "N", default_value_t = 4)]
    pub chains: usize,
    /// Proposals in all, shared equally by the chains. More give steadier percentiles (R-hat nearer 1).
    #[arg(long, value_parser = super::whole::<u64>, value_name = "N", default_value_t = 100_000)]
    pub proposals: u64,
    /// Comparable plans only: at most this many percent less compact than the plan. An unrestricted
    /// ensemble (a very large value) is dominated by sprawling plans, against which any optimised plan
    /// looks like an outlier.
    #[arg(long, value_name = "PERCENT", default_value_t = ensemble::DEFAULT_SLACK_PCT)]
    pub slack: f64,
    /// Share of proposals that move one campus across a boundary (the rest merge two neighbouring
    /// networks and split them again).
    #[arg(long, value_name = "SHARE", default_value_t = ensemble::DEFAULT_FLIP_SHARE)]
    pub flip_share: f64,
    /// Random seed of the chains. Default: the plan's scenario seed. The same plan, options and seed give
    /// the same draws at any thread count.
    #[arg(long, value_parser = super::whole::<u64>, value_name = "N")]
    pub seed: Option<u64>,
    /// Another design to mark on every histogram (a plan folder; repeatable), e.g. the feeder design of a
    /// briefing.
    #[arg(long, value_name = "PLAN")]
    pub mark: Vec<PathBuf>,
    /// Date printed on the page (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: EnsembleArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let date = report_date(a.date.as_deref())?;
    let mut named = a.input.paths().files();
    if let Some(p) = &a.plan {
        named.extend([p.clone(), PlanFolder::json_of(p)]);
    }
    for m in &a.mark {
        named.extend([m.clone(), PlanFolder::json_of(m)]);
    }
    schoolnets::output::check_out(&a.out, &named)?;
    schoolnets::output::check_keeps_plan(&a.out)?;
    // Marked designs are read first: a wrong path fails before the long work.
    let marked_folders: Vec<PlanFolder> = a
        .mark
        .iter()
        .map(|m| PlanFolder::read(m))
        .collect::<Result<_>>()?;
    let marked: Vec<(String, PlanFile)> = folder::unique_labels(&marked_folders)
        .into_iter()
        .zip(marked_folders)
        .map(|(label, f)| (label, f.file))
        .collect();
    let (inputs, start, from) =
        open_plan(a.plan.as_deref(), &a.input, a.run.quiet, "sample around")?;
    let named = inputs.files(&named);
    schoolnets::output::check_out(&a.out, &named)?;
    for (label, file) in &marked {
        if file.input.schools_sha256 != start.input.schools_sha256 {
            return Err(Error::input(
                format!("{label} (--mark)"),
                None,
                Some("input.schools_sha256"),
                format!(
                    "this plan was drawn from another school table ({}) than the plan sampled ({})",
                    file.input.schools_file, start.input.schools_file
                ),
                "mark only designs of the same table (another district's figures cannot be placed among these plans)",
            ));
        }
    }
    let options = Options {
        chains: a.chains,
        proposals: a.proposals,
        seed: a.seed.unwrap_or(start.scenario.solver.seed),
        slack_pct: a.slack,
        flip_share: a.flip_share,
        ..Options::default()
    };
    let plan_inputs = inputs.plan_inputs(Vec::new(), true);
    let bar = progress_bar(
        a.run.quiet,
        options.proposals / options.chains.max(1) as u64 * options.chains as u64,
        "proposals",
        format!("{} chains", options.chains),
    );
    let e = ensemble::run(&plan_inputs, &start, &from, &options, &|done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    // Which plan.json this is an ensemble of, so `compare` and the editor can tell.
    let plan_sha256 = a
        .plan
        .as_ref()
        .and_then(|p| std::fs::read(PlanFolder::json_of(p)).ok())
        .map(|b| schoolnets::plans::sha256_hex(&b));

    let table = inputs.table();
    // The firmness map: the plan's boundaries between neighbouring campuses, by how often they are kept.
    let boundaries: Vec<(usize, usize)> = e
        .pairings
        .iter()
        .filter(|p| p.neighbours && !p.together_in_plan)
        .map(|p| (p.a, p.b))
        .collect();
    let campus_sites: Vec<schoolnets::territories::Site> = e
        .campus_positions
        .iter()
        .zip(&e.campus_schools)
        .map(|(p, s)| schoolnets::territories::Site {
            lat: p[0],
            lon: p[1],
            network: e.school_network[s[0]],
        })
        .collect();
    let outline = inputs.outline().map(|o| o.for_maps());
    let outline = outline.as_deref();
    // One set of cells for the borders and the territories.
    let cells = schoolnets::territories::Cells::new(&campus_sites, outline);
    let borders = cells.borders(&boundaries);
    let kept: std::collections::BTreeMap<(usize, usize), f64> = e
        .pairings
        .iter()
        .map(|p| ((p.a, p.b), 100.0 - report::together_pct(&e, p)))
        .collect();
    let firm: Vec<report::Firm> = borders
        .into_iter()
        .map(|b| report::Firm {
            kept_pct: kept.get(&(b.a, b.b)).copied().unwrap_or(0.0),
            border: b,
        })
        .collect();
    let territories = cells.territories(&campus_sites, e.ids.len());
    let map = report::firmness_svg(&territories, &firm, &e, table);

    // Other designs' values, marked on the histograms.
    let marks: Vec<(String, Vec<(String, f64)>)> = e
        .figures
        .iter()
        .map(|f| {
            let v = marked
                .iter()
                .filter_map(|(label, file)| {
                    f.figure
                        .value(&file.networks, &file.dissimilarity_index)
                        .map(|v| (label.clone(), v))
                })
                .collect();
            (f.figure.key.clone(), v)
        })
        .collect();

    let title = format!(
        "Is this plan typical? {} valid plans around {}",
        thousands(e.draws as f64),
        start.scenario.name
    );
    let mut set = OutputSet::new();
    set.add(
        "ensemble.html",
        report::page(&e, table, &from, &title, &date, &map, &marks).into_bytes(),
    );
    let mut md = format!(
        "# {title}\n\n{date} · comparable plans only (at most {}% less compact)\n\n",
        e.options.slack_pct
    );
    md.push_str(&schoolnets::reports::model::markdown(
        &report::sections(&e, table, &from),
        2,
    ));
    set.add("ensemble.md", md.into_bytes());
    set.add(
        "ensemble.json",
        ensemble_json(&e, &from, plan_sha256.as_deref(), &marks).into_bytes(),
    );
    set.add("samples.csv", report::samples_csv(&e));
    set.add("fragile-pairings.csv", report::fragile_csv(&e, table));
    set.add(
        "firmness.geojson",
        report::firmness_geojson(&e, table, &firm).into_bytes(),
    );
    set.add("firmness.svg", map.into_bytes());
    set.add("graph.json", graph_json(&e).into_bytes());
    let written = set.commit(&a.out, &named)?;

    if !a.run.quiet {
        eprintln!(
            "{} proposals in {:.1} s on {} threads ({} a second); {} accepted; {} draws kept",
            thousands(e.counts.proposals as f64),
            e.seconds,
            e.threads,
            thousands(round(e.counts.proposals as f64 / e.seconds.max(1e-9), 0)),
            thousands(e.counts.accepted as f64),
            thousands(e.draws as f64)
        );
        for f in &e.figures {
            let rhat = f.rhat();
            eprintln!(
                "  {}: plan {}, percentile {}{}",
                f.figure.title,
                f.plan.map_or("–".into(), |v| format!("{}", round(v, 1))),
                f.percentile().map_or("–".into(), |p| format!("{p:.1}")),
                match rhat {
                    Some(r) if r > report::RHAT_WARN => format!(
                        ", R-hat {r:.3}: the chains have not agreed yet; give more --proposals"
                    ),
                    Some(r) => format!(", R-hat {r:.3}"),
                    None => String::new(),
                }
            );
        }
        print_written(&written);
    }
    Ok(schoolnets::error::exit::OK)
}

/// ensemble.json: the run and each figure's standing, for scripts. `seconds`, `threads` and
/// `proposals_per_second` describe the run; everything else depends only on the plan, options and seed.
fn ensemble_json(
    e: &Ensemble,
    from: &str,
    plan_sha256: Option<&str>,
    marks: &[(String, Vec<(String, f64)>)],
) -> String {
    let r = |v: Option<f64>, d| v.filter(|v| v.is_finite()).map(|v| round(v, d));
    let figures: serde_json::Map<String, serde_json::Value> = e
        .figures
        .iter()
        .map(|f| {
            let all = f.all();
            let q = |x| (!all.is_empty()).then(|| ensemble::stats::quantile(&all, x));
            let designs: serde_json::Map<String, serde_json::Value> = marks
                .iter()
                .find(|(k, _)| *k == f.figure.key)
                .map(|(_, v)| {
                    v.iter()
                        .map(|(label, value)| {
                            (
                                label.clone(),
                                serde_json::json!({
                                    "value": round(*value, 3),
                                    "percentile": r(Some(ensemble::stats::percentile(&all, *value)), 2),
                                }),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                f.figure.key.clone(),
                serde_json::json!({
                    "title": f.figure.title,
                    "short": f.figure.short,
                    "unit": f.figure.unit,
                    "plan": r(f.plan, 3),
                    "percentile": r(f.percentile(), 2),
                    "rhat": r(f.rhat(), 4),
                    "ess": r(f.ess(), 0),
                    "median": r(q(0.5), 3),
                    "p5": r(q(0.05), 3),
                    "p95": r(q(0.95), 3),
                    "designs": designs,
                }),
            )
        })
        .collect();
    let boundaries = e
        .pairings
        .iter()
        .filter(|p| p.neighbours && !p.together_in_plan);
    let kept: Vec<f64> = boundaries
        .map(|p| 100.0 - report::together_pct(e, p))
        .collect();
    let v = serde_json::json!({
        "plan": from,
        "plan_sha256": plan_sha256,
        "schools_sha256": e.schools_sha256,
        "target": "uniform over (plan, spanning tree of each network) among plans that keep every rule of each network and the restriction: plans weighted by the product of their networks' spanning-tree counts",
        "proposals": e.counts.proposals,
        "accepted": e.counts.accepted,
        "merge_splits": e.counts.merge_splits,
        "merge_splits_accepted": e.counts.merge_splits_accepted,
        "flips": e.counts.flips,
        "flips_accepted": e.counts.flips_accepted,
        "no_valid_split": e.counts.no_split,
        "trees": e.counts.trees,
        "moved": e.counts.moved,
        "chains": e.options.chains,
        "draws": e.draws,
        "seed": e.options.seed,
        "slack_pct": e.options.slack_pct,
        "flip_share": e.options.flip_share,
        "warmup": e.options.warmup,
        "restriction": {
            "measure": "the chains' compactness: Σ schools × km² to the network's centre, schools at their campus's position",
            "plan_km2": round(e.plan_sse, 1),
            "max_km2": round(e.max_sse, 1),
        },
        "rules_not_kept": e.not_kept,
        "figures": figures,
        "boundaries": {
            "plan": kept.len(),
            "firm": kept.iter().filter(|&&k| k >= 90.0).count(),
            "kept_under_half": kept.iter().filter(|&&k| k < 50.0).count(),
        },
        "fragile_pairings": report::fragile(e).len(),
        "seconds": round(e.seconds, 3),
        "threads": e.threads,
        "proposals_per_second": round(e.counts.proposals as f64 / e.seconds.max(1e-9), 0),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// graph.json: the planning units (position in km, students, schools, network in the plan) and their
/// links, in networkx's node-link format (`networkx.node_link_graph`), so GerryChain and other tools can
/// run on the very graph the chains ran on.
fn graph_json(e: &Ensemble) -> String {
    let g = &e.graph;
    let nodes: Vec<serde_json::Value> = (0..g.pos.len())
        .map(|u| {
            serde_json::json!({
                "id": u,
                "x": round(g.pos[u][0], 4),
                "y": round(g.pos[u][1], 4),
                "enrollment": g.enrollment[u],
                "schools": g.schools[u],
                "network": g.network[u],
            })
        })
        .collect();
    let links: Vec<serde_json::Value> = g
        .links
        .iter()
        .map(|&(a, b)| serde_json::json!({ "source": a, "target": b }))
        .collect();
    let mut s = serde_json::to_string(&serde_json::json!({
        "directed": false,
        "multigraph": false,
        "graph": {},
        "nodes": nodes,
        "links": links,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}
