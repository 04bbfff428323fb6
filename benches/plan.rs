//! Benchmarks on the built-in LAUSD 2018-19 table (1,007 schools, 951 campuses, 32 networks).
//!
//! - `lausd/plan_default`: the whole `plan` pipeline minus file writing (units, adjacency, 8 restarts,
//!   metrics), default scenario. Compared against the targets: 10 s (foundation issue) and 2 s (optimizer issue).
//! - `lausd/one_restart`: one restart of the solver (seed, LP, repair, local search): the unit of work.
//! - `lausd/lp_assignment`: the capacitated-assignment LP alone (microlp; `--features highs` for HiGHS).
//! - `lausd/adjacency`: campus units and the Delaunay adjacency graph clipped to the outline.
//! - `lausd/rebalance_2019_20`: `rebalance` of the default 2018-19 plan on the 2019-20 table (1,001 schools;
//!   the 2018 networks break the enrollment band in 5 networks), minus file writing. Compared against the
//!   rebalancing issue's target (1 s on 2 cores) and against `plan_default`, a full re-plan.
//!
//! - `lausd/map_territories`: the default plan's network territories (Voronoi cells of 951 campuses merged
//!   by network, clipped to the outline) and their colouring; `lausd/map_svg`, `lausd/map_png` (resvg at
//!   1.5×) and `lausd/report_html` draw from them. Compared against `plan_default`, which they follow in
//!   every `plan` run.
//!
//! - `lausd/regions`: the default plan's 32 networks grouped into 6 support regions (the solver one level up:
//!   networks as units, 3 restarts); `lausd/affiliations`: the 90 schools at level 1 in ELA and math
//!   selected from the table, the lowest 60 kept and split into 3 groups (32 local-search starts). Compared
//!   against `plan_default`, which includes both.
//!
//! - `lausd/lower_bound`: the proven lower bound on compactness (`solver::bound`: each school's
//!   nearest-neighbour prices for 20-45 schools, then the Lagrangian of the size LP). Compared against the
//!   same LP solved with good_lp in `examples/quality.rs` and against `plan_default`.
//!
//! - `outline/*`: a district outline of 1,000, 50,000 and 2,000,000 vertices (LAUSD's, densified along its
//!   edges, as county GIS outlines are): reading and checking it, the adjacency graph clipped to it, and
//!   every school's inside test, which is what an outline adds to `plan` (territories clip the outline
//!   simplified to 11 m). Compared with each other: time should grow with reading the file, not with
//!   every edge tested against every vertex.
//!
//! - `steering/plain` and `steering/pins_and_barrier`: the whole default plan (as `lausd/plan_default`),
//!   then with the five pins of scenarios/lausd-pins.csv (three labels) and the Santa Monica Mountains
//!   ridge of scenarios/santa-monica-mountains.geojson. Compared side by side; the pins issue's target is
//!   no more than 1.5× the plain plan.
//! - `steering/freeways_hard_proof` and `steering/freeways_soft_25`: the 14 freeways of
//!   scenarios/lausd-freeways.geojson as hard barriers (the pocket proof, before any search) and as soft
//!   ones at 25 km² a crossing (a whole plan), beside `steering/plain`.
//!
//! - `editor/move_and_check`: one move in `schoolnets serve` (San Pedro's neighbour school between its two
//!   networks, back and forth) with every rule re-checked by `plans::assemble` (figures, rules, names,
//!   regions, affiliations, staffing); the editing issue's target is 100 ms. `editor/map_svg`: the map the
//!   page then reloads. `editor/reoptimise_10_locked`: re-optimising around 10 locked networks after a move
//!   that breaks the enrollment band.
//!
//! - `forecast/lausd_3_years`: `schoolnets forecast`'s work minus file writing: the built-in history
//!   (2016-17 to 2020-21) merged, every method backtested on 32 compact groups, the chosen one run 3 years
//!   ahead with intervals. `forecast/plan_one_year` and `forecast/plan_horizon_2`: the whole default plan
//!   (as `lausd/plan_default`, with the forecast's outlook) and the same with the band held in the next 2
//!   years (`plan --horizon 2`). Compared side by side: what a plan that holds for years costs.
//!
//! Latest figures are in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use schoolnets::geography::Outline;
use schoolnets::plans::{make_plan, problem, PlanInputs};
use schoolnets::scenarios::Scenario;
use schoolnets::schools::read_table;
use schoolnets::units::{Adjacency, Units};
use std::hint::black_box;

fn lausd(c: &mut Criterion) {
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let scenario = Scenario::default_scenario();
    let mut g = c.benchmark_group("lausd");
    g.sample_size(10);
    g.bench_function("plan_default", |b| {
        b.iter(|| {
            let inputs = PlanInputs::new(&table, &scenario).with_outline(&outline);
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, Some(&outline), scenario.geography.max_edge_factor);
    let rules =
        schoolnets::rules::RuleSet::new(&table, &scenario, &Default::default()).expect("rules");
    let p = problem(&table, &units, &adjacency, &scenario, &rules);
    let settings = schoolnets::solver::Settings::from(&scenario.solver);
    g.bench_function("one_restart", |b| {
        b.iter(|| black_box(schoolnets::solver::solve_once(&p, settings, 2018, 0).sse))
    });
    let centres = {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2018);
        schoolnets::solver::seed::kmeans(&p, &mut rng)
    };
    use schoolnets::solver::assign::{capacitated, Assignment};
    g.bench_function("flow_assignment", |b| {
        b.iter(|| black_box(capacitated(&p, &centres, Assignment::Flow)))
    });
    g.bench_function("lp_assignment", |b| {
        b.iter(|| black_box(capacitated(&p, &centres, Assignment::Lp)))
    });
    let points = table.points(&units.projection);
    g.bench_function("lower_bound", |b| {
        b.iter(|| {
            let prices = schoolnets::solver::bound::size_prices(&points, 32, 20, 45).unwrap();
            black_box(schoolnets::solver::bound::lagrangian(&prices, 32))
        })
    });
    g.bench_function("adjacency", |b| {
        b.iter(|| {
            let u = Units::build(&table);
            black_box(Adjacency::build(&u, Some(&outline), 4.0).stats.edges)
        })
    });
    let default_plan = make_plan(&inputs_for(&table, &outline, &scenario), &|| {}).unwrap();
    let adopted = default_plan.file.clone();
    let region_rules = scenario
        .regions
        .clone()
        .expect("the default scenario has regions");
    g.bench_function("regions", |b| {
        b.iter(|| {
            let r = schoolnets::regions::draw(
                &default_plan.units,
                &default_plan.adjacency,
                &default_plan.school_network,
                &default_plan.file.networks,
                region_rules.count,
                rules
                    .region_bands
                    .expect("the default scenario has regions"),
                settings,
                None,
            );
            black_box(r.compactness_km2)
        })
    });
    let ids: Vec<String> = default_plan
        .file
        .networks
        .iter()
        .map(|n| n.network.clone())
        .collect();
    g.bench_function("affiliations", |b| {
        b.iter(|| {
            // Formed once per run (the grouping's search), then labelled with a plan's networks.
            let formed = schoolnets::affiliations::form(
                &table,
                &default_plan.units.projection,
                &scenario.affiliation,
                scenario.solver.seed,
            );
            let a = formed[0].in_plan(&default_plan.school_network, &ids);
            black_box(a.pair_km_total)
        })
    });
    let options = schoolnets::maps::MapOptions {
        colour_by: schoolnets::maps::ColourBy::Networks,
        date: "2026-11-22".into(),
        highlight: Vec::new(),
        kept_fills: None,
    };
    g.bench_function("map_territories", |b| {
        b.iter(|| {
            let map =
                schoolnets::maps::Map::new(&default_plan, &table, Some(&outline), options.clone());
            black_box(map.territories.neighbours.len())
        })
    });
    let map = schoolnets::maps::Map::new(&default_plan, &table, Some(&outline), options.clone());
    g.bench_function("map_svg", |b| {
        b.iter(|| black_box(schoolnets::maps::svg::svg(&map).len()))
    });
    let svg = schoolnets::maps::svg::svg(&map);
    g.bench_function("map_png", |b| {
        b.iter(|| black_box(schoolnets::maps::png::png(&svg).unwrap().len()))
    });
    g.bench_function("report_html", |b| {
        b.iter(|| {
            let part = schoolnets::reports::html::Part {
                label: String::new(),
                file: &default_plan.file,
                map_svg: Some(&svg),
                table: Some(&table),
            };
            black_box(schoolnets::reports::html::page("LAUSD", "2026-11-22", &[part], None).len())
        })
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/lausd-2019-20.csv");
    let new_table = read_table(path, std::fs::read(path).unwrap().as_slice()).unwrap();
    g.bench_function("rebalance_2019_20", |b| {
        b.iter(|| {
            let options = schoolnets::rebalance::Options {
                minimize: schoolnets::rebalance::Minimize::Schools,
                max_moves: None,
            };
            let inputs = inputs_for(&new_table, &outline, &scenario);
            let done = schoolnets::rebalance::rebalance(&inputs, &adopted, options, &|| {});
            black_box(done.unwrap().changes.moved.len())
        })
    });
    g.finish();
}

fn inputs_for<'a>(
    table: &'a schoolnets::schools::SchoolTable,
    outline: &'a Outline,
    scenario: &'a Scenario,
) -> PlanInputs<'a> {
    PlanInputs::new(table, scenario).with_outline(outline)
}

/// LAUSD's outline with each ring densified to about `n` vertices in all, as GeoJSON text.
fn densified_outline(n: usize) -> String {
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let rings: Vec<&geo::LineString<f64>> = outline
        .shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect();
    let edges: usize = rings.iter().map(|r| r.0.len() - 1).sum();
    let per = (n / edges).max(1);
    let polygons: Vec<String> = outline
        .shape
        .0
        .iter()
        .map(|p| {
            let ring = |r: &geo::LineString<f64>| {
                let mut pts = Vec::new();
                for l in r.lines() {
                    for j in 0..per {
                        let t = j as f64 / per as f64;
                        pts.push(format!(
                            "[{:.7},{:.7}]",
                            l.start.x + t * (l.end.x - l.start.x),
                            l.start.y + t * (l.end.y - l.start.y)
                        ));
                    }
                }
                pts.push(pts[0].clone());
                format!("[{}]", pts.join(","))
            };
            let all: Vec<String> = std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect();
            format!("[{}]", all.join(","))
        })
        .collect();
    format!(
        "{{\"type\":\"MultiPolygon\",\"coordinates\":[{}]}}",
        polygons.join(",")
    )
}

fn outlines(c: &mut Criterion) {
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let units = Units::build(&table);
    let mut g = c.benchmark_group("outline");
    g.sample_size(10);
    for (label, n) in [("1k", 1_000), ("50k", 50_000), ("2M", 2_000_000)] {
        let text = densified_outline(n);
        g.bench_function(label, |b| {
            b.iter(|| {
                let outline = Outline::parse("outline", &text).unwrap();
                let adjacency = Adjacency::build(&units, Some(&outline), 4.0);
                let inside = table
                    .schools
                    .iter()
                    .filter(|s| outline.contains(s.lat, s.lon))
                    .count();
                black_box((adjacency.stats.edges, inside))
            })
        });
    }
    g.finish();
}

fn steering(c: &mut Criterion) {
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let scenario = Scenario::default_scenario();
    let pins = schoolnets::pins::Pins::parse(
        "lausd-pins.csv",
        include_bytes!("../scenarios/lausd-pins.csv"),
    )
    .unwrap();
    let ridge = schoolnets::barriers::Barriers::parse(
        "santa-monica-mountains.geojson",
        include_str!("../scenarios/santa-monica-mountains.geojson"),
    )
    .unwrap();
    let mut g = c.benchmark_group("steering");
    g.sample_size(10);
    g.bench_function("plain", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &scenario);
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    g.bench_function("pins_and_barrier", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &scenario)
                .with_pins(Some(&pins))
                .with_barriers(Some(&ridge));
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    let freeways = schoolnets::barriers::Barriers::parse(
        "lausd-freeways.geojson",
        include_str!("../scenarios/lausd-freeways.geojson"),
    )
    .unwrap();
    g.bench_function("freeways_hard_proof", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &scenario).with_barriers(Some(&freeways));
            black_box(make_plan(&inputs, &|| {}).is_err())
        })
    });
    let mut soft = scenario.clone();
    soft.barrier_price_km2 = Some(25.0);
    g.bench_function("freeways_soft_25", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &soft).with_barriers(Some(&freeways));
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    g.finish();
}

fn editor(c: &mut Criterion) {
    use schoolnets::editor::Editor;
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let scenario = Scenario::default_scenario();
    let inputs = inputs_for(&table, &outline, &scenario);
    let plan = make_plan(&inputs, &|| {}).unwrap();
    let mut editor =
        Editor::new(inputs_for(&table, &outline, &scenario), &plan.file, "bench").unwrap();
    // A single-school campus on the border of the smallest network, large enough that moving it out
    // takes that network below the enrollment band.
    let smallest = plan
        .file
        .networks
        .iter()
        .min_by_key(|n| n.enrollment)
        .unwrap();
    let slack = smallest.enrollment as f64 - scenario.enrollment_band(table.total_enrollment()).0;
    let (id, from, to) = table
        .schools
        .iter()
        .filter(|s| {
            plan.file.assignment[&s.id] == smallest.network && f64::from(s.enrollment) > slack
        })
        .find_map(|s| {
            let v = editor.school_view(&s.id).ok()?;
            (v.moves_with.len() == 1)
                .then(|| v.neighbouring_networks.first().cloned())
                .flatten()
                .map(|to| (s.id.clone(), v.network.clone(), to))
        })
        .unwrap();
    let mut g = c.benchmark_group("editor");
    g.sample_size(20);
    let mut there = false;
    g.bench_function("move_and_check", |b| {
        b.iter(|| {
            editor
                .move_school(&id, if there { &from } else { &to })
                .unwrap();
            there = !there;
            black_box(editor.plan().file.all_constraints_hold)
        })
    });
    let options = schoolnets::maps::MapOptions {
        colour_by: schoolnets::maps::ColourBy::Networks,
        date: "2026-11-30".into(),
        highlight: Vec::new(),
        kept_fills: None,
    };
    g.bench_function("map_svg", |b| {
        b.iter(|| {
            let map =
                schoolnets::maps::Map::new(editor.plan(), &table, Some(&outline), options.clone());
            black_box(schoolnets::maps::svg::svg(&map).len())
        })
    });
    // Ten networks locked, then a move that takes the smallest network out of the band.
    for n in plan
        .file
        .networks
        .iter()
        .filter(|n| n.network != from && n.network != to)
        .take(10)
    {
        editor.lock_network(&n.network, true).unwrap();
    }
    if there {
        editor.move_school(&id, &from).unwrap();
    }
    editor.move_school(&id, &to).unwrap();
    assert!(!editor.plan().file.all_constraints_hold);
    g.bench_function("reoptimise_10_locked", |b| {
        b.iter(|| black_box(editor.reoptimise(&|| {}).changes.len()))
    });
    g.finish();
}

fn forecast(c: &mut Criterion) {
    use schoolnets::forecast::{compact_groups, forecast, Options};
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let history_of = || {
        let years = schoolnets::history::parse_csv(
            "lausd-history.csv",
            schoolnets::data::LAUSD_HISTORY_CSV,
        )
        .unwrap();
        schoolnets::history::merge(years).unwrap()
    };
    let run = |history: &schoolnets::history::History, years: usize| {
        let options = Options {
            years,
            method: None,
            groups: 32,
        };
        forecast(
            &table,
            history,
            "2018-19",
            &compact_groups(&table, 32),
            &options,
        )
        .unwrap()
    };
    let mut g = c.benchmark_group("forecast");
    g.sample_size(10);
    g.bench_function("lausd_3_years", |b| {
        b.iter(|| black_box(run(&history_of(), 3).totals()))
    });
    let history = history_of();
    let three = run(&history, 3);
    let one_year = Scenario::default_scenario();
    let mut two_years = Scenario::default_scenario();
    two_years.horizon.years = 2;
    g.bench_function("plan_one_year", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &one_year).with_forecast(Some(&three));
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    g.bench_function("plan_horizon_2", |b| {
        b.iter(|| {
            let inputs = inputs_for(&table, &outline, &two_years).with_forecast(Some(&three));
            let plan = make_plan(&inputs, &|| {}).unwrap();
            assert!(plan.file.all_constraints_hold);
            black_box(plan.file.compactness_km2)
        })
    });
    g.finish();
}

/// `ensemble/*`: one chain's proposals around the default LAUSD plan (one thread; `schoolnets ensemble`
/// runs its chains in parallel). `every_rule_1000`: 1,000 proposals (a fifth flips) under every rule of
/// the default scenario and the 10% restriction; `two_rules_1000`: merge-splits only, under the two rules
/// GerryChain's ReCom is compared with (connected networks, enrollment within ±10%), unrestricted.
fn ensemble(c: &mut Criterion) {
    use schoolnets::ensemble::chain::{Chain, Settings, Space};
    use schoolnets::solver::{Limits, Problem};
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let scenario = Scenario::default_scenario();
    let plan = make_plan(
        &PlanInputs::new(&table, &scenario).with_outline(&outline),
        &|| {},
    )
    .unwrap();
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, Some(&outline), scenario.geography.max_edge_factor);
    let rules =
        schoolnets::rules::RuleSet::new(&table, &scenario, &Default::default()).expect("rules");
    let every = problem(&table, &units, &adjacency, &scenario, &rules);
    let start: Vec<usize> = units
        .units
        .iter()
        .map(|u| plan.school_network[u.schools[0]])
        .collect();
    let mean = every.mean_enrollment();
    let two = Problem::new(
        every.units.clone(),
        every.neighbors.clone(),
        every.k,
        Limits::basic(1, 10_000, 0.9 * mean, 1.1 * mean),
    );
    let mut g = c.benchmark_group("ensemble");
    g.sample_size(10);
    for (name, p, settings) in [
        ("every_rule_1000", &every, {
            let sse = Chain::new(
                &Space::new(&every),
                start.clone(),
                Settings::new(f64::INFINITY, 0.0),
                0,
            )
            .unwrap()
            .sse();
            Settings::new(1.1 * sse, 0.2)
        }),
        ("two_rules_1000", &two, Settings::new(f64::INFINITY, 0.0)),
    ] {
        let space = Space::new(p);
        let mut seed = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                let mut chain = Chain::new(&space, start.clone(), settings, seed).unwrap();
                for _ in 0..1000 {
                    chain.step();
                }
                black_box(chain.counts().accepted)
            })
        });
    }
}

criterion_group!(benches, lausd, outlines, steering, editor, forecast, ensemble);
criterion_main!(benches);
