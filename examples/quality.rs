//! Quality of LAUSD plans: compactness of the plan divided by the best unconstrained k-means on the same
//! campuses (the "price of the constraints"; 1.0 would mean the rules cost nothing).
//!
//! Also prints the proven lower bounds (`solver::bound`: from network sizes alone, and with each tolerance's
//! enrollment band carried in) and each plan's gap to them.
//!
//! Run: `cargo run --release --example quality [restarts_for_reference] [flow|lp]` (default 200 k-means
//! restarts, the flow assignment; `lp` solves the capacitated assignment as a general LP instead, with
//! microlp, or HiGHS when built with `--features highs`).

use rand::SeedableRng;
use schoolnets::geography::Outline;
use schoolnets::plans::{make_plan, problem, PlanInputs};
use schoolnets::scenarios::Scenario;
use schoolnets::schools::read_table;
use schoolnets::units::{Adjacency, Units};

fn main() {
    let reference_restarts: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let table = read_table("lausd", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("outline", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    // Compactness is measured on the geography-only rules (sizes, enrollment, connectivity, campuses,
    // levels, regions), the same rules as the k-means reference is compared on; the balanced default is
    // measured after the table.
    let (mut base, _) = Scenario::built_in("geography-only").unwrap();
    if let Some(how) = std::env::args().nth(2) {
        base.solver.assignment = match how.as_str() {
            "lp" => schoolnets::solver::assign::Assignment::Lp,
            _ => schoolnets::solver::assign::Assignment::Flow,
        };
    }
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, Some(&outline), base.geography.max_edge_factor);
    let rules = schoolnets::rules::RuleSet::new(&table, &base, &Default::default()).expect("rules");
    let p = problem(&table, &units, &adjacency, &base, &rules);
    let points = table.points(&units.projection);
    let (min, max) = (base.size.min_schools, base.size.max_schools);
    let start = std::time::Instant::now();
    let bound = schoolnets::solver::bound::lower_bound(&points, p.k, min, max)
        .expect("the default scenario's sizes fit the table");
    let lp_time = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let prices = schoolnets::solver::bound::size_prices(&points, p.k, min, max).unwrap();
    let dual = schoolnets::solver::bound::lagrangian(&prices, p.k);
    println!(
        "lower bound (k = {}, {min}-{max} schools): LP {bound:.1} km² ({lp_time:.2} s, {}), Lagrangian {dual:.1} km² ({:.2} s)",
        p.k,
        schoolnets::solver::assign::LP_BACKEND,
        start.elapsed().as_secs_f64()
    );
    let start = std::time::Instant::now();
    let floor = (0..reference_restarts)
        .map(|i| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(schoolnets::seeds::derive(1, i));
            schoolnets::solver::seed::unconstrained_sse(&p, &mut rng)
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "reference: best unconstrained k-means (k = {}) over {reference_restarts} restarts: {floor:.1} km² ({:.1} s)",
        p.k,
        start.elapsed().as_secs_f64()
    );
    // A plan of the LAUSD table under `scenario`, written even when a rule breaks (the table says which).
    let plan_of = |scenario: &Scenario| {
        let inputs = PlanInputs::new(&table, scenario)
            .with_outline(&outline)
            .best_effort(true);
        make_plan(&inputs, &|| {}).unwrap()
    };
    // The feeder-pattern scenario: networks of whole pathways, against the bound for its own count and sizes.
    {
        let feeder = Scenario::parse("feeder", schoolnets::scenarios::FEEDER_SCENARIO).unwrap();
        let (k, min, max) = (
            feeder.networks,
            feeder.size.min_schools,
            feeder.size.max_schools,
        );
        let prices = schoolnets::solver::bound::size_prices(&points, k, min, max).unwrap();
        let bound = schoolnets::solver::bound::lagrangian(&prices, k);
        let plan = plan_of(&feeder);
        println!(
            "feeder scenario ({k} networks of {min}-{max} schools): lower bound {bound:.1} km², plan {:.1} km² ({:.3}× the bound), all rules hold: {}",
            plan.file.compactness_km2,
            plan.file.compactness_km2 / bound,
            plan.file.all_constraints_hold
        );
    }
    let enrollment: Vec<f64> = table
        .schools
        .iter()
        .map(|s| f64::from(s.enrollment))
        .collect();
    println!(
        "| tolerance | restarts | compactness km² | ratio to floor | ratio to bound | ratio to the bound with the band | all rules hold | time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for tol in [0.10, 0.05] {
        let mean = table.total_enrollment() as f64 / p.k as f64;
        let band = (mean * (1.0 - tol), mean * (1.0 + tol));
        let start = std::time::Instant::now();
        let banded =
            schoolnets::solver::bound::enrollment_prices(&points, &enrollment, p.k, min, max, band)
                .expect("the default scenario's sizes fit the table");
        let banded = schoolnets::solver::bound::lagrangian(&banded, p.k);
        eprintln!(
            "lower bound with the ±{:.0}% enrollment band: {banded:.1} km² ({:.2} s)",
            tol * 100.0,
            start.elapsed().as_secs_f64()
        );
        for restarts in [1, 3, 5, 8, 16] {
            let mut s = base.clone();
            s.size.enrollment_tolerance = tol;
            s.solver.restarts = restarts;
            let t = std::time::Instant::now();
            let plan = plan_of(&s);
            println!(
                "| ±{:.0}% | {restarts} | {:.1} | {:.3} | {:.3} | {:.3} | {} | {:.2} s |",
                tol * 100.0,
                plan.file.compactness_km2,
                plan.file.compactness_km2 / floor,
                plan.file.compactness_km2 / bound,
                plan.file.compactness_km2 / banded,
                plan.file.all_constraints_hold,
                t.elapsed().as_secs_f64()
            );
        }
    }
    // The balanced default (the 2018 design), at its own settings.
    let balanced = Scenario::default_scenario();
    let t = std::time::Instant::now();
    let plan = plan_of(&balanced);
    println!(
        "balanced default: {:.1} km² ({:.3}× the floor, {:.3}× the bound), all rules hold: {}, {:.2} s",
        plan.file.compactness_km2,
        plan.file.compactness_km2 / floor,
        plan.file.compactness_km2 / bound,
        plan.file.all_constraints_hold,
        t.elapsed().as_secs_f64()
    );
}
