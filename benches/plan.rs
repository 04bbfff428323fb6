//! Benchmarks on the built-in LAUSD 2018-19 table (1,007 schools, 951 campuses, 32 networks).
//!
//! - `lausd/plan_default`: the whole `plan` pipeline minus file writing (units, adjacency, 8 restarts,
//!   metrics), default scenario. Compared against the targets: 10 s (foundation issue) and 2 s (optimizer issue).
//! - `lausd/one_restart`: one restart of the solver (seed, LP, repair, local search): the unit of work.
//! - `lausd/lp_assignment`: the capacitated-assignment LP alone (microlp; `--features highs` for HiGHS).
//! - `lausd/adjacency`: campus units and the Delaunay adjacency graph clipped to the outline.
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
            let inputs = PlanInputs {
                table: &table,
                table_sha256: String::new(),
                outline: Some(&outline),
                outline_source: None,
                scenario: &scenario,
                scenario_source: String::new(),
                overrides: vec![],
                best_effort: false,
            };
            black_box(make_plan(&inputs, &|| {}).unwrap().file.compactness_km2)
        })
    });
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, Some(&outline), scenario.geography.max_edge_factor);
    let district = schoolnets::metrics::district(&table, &scenario);
    let p = problem(&table, &units, &adjacency, &scenario, &district);
    g.bench_function("one_restart", |b| {
        b.iter(|| black_box(schoolnets::solver::solve_once(&p, 2018, 0).sse))
    });
    let centres = {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2018);
        schoolnets::solver::seed::kmeans(&p, &mut rng)
    };
    g.bench_function("lp_assignment", |b| {
        b.iter(|| black_box(schoolnets::solver::assign::capacitated(&p, &centres)))
    });
    g.bench_function("adjacency", |b| {
        b.iter(|| {
            let u = Units::build(&table);
            black_box(Adjacency::build(&u, Some(&outline), 4.0).stats.edges)
        })
    });
    g.finish();
}

criterion_group!(benches, lausd);
criterion_main!(benches);
