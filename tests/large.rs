//! Problems with more than 40 networks are solved in parts (recursive bisection) and joined: the joined
//! plan must meet every rule and be the same whatever the thread count.

use schoolnets::plans::{make_plan, PlanInputs};
use schoolnets::scenarios::Scenario;

/// The test must exercise the split.
const _: () = assert!(64 > schoolnets::solver::parts::SPLIT_ABOVE);

fn plan(threads: usize) -> schoolnets::plan_file::PlanFile {
    let table = schoolnets::synthetic::district(2000, 7);
    // Geography only: the synthetic district has no test scores or magnet schools to balance.
    let (mut scenario, _) = Scenario::built_in("geography-only").unwrap();
    scenario.networks = 64;
    scenario.solver.restarts = 2;
    let inputs = PlanInputs::new(&table, &scenario).best_effort(true);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| make_plan(&inputs, &|| {}).unwrap().file)
}

#[test]
fn a_split_problem_meets_every_rule_and_is_deterministic() {
    let one = plan(1);
    for c in &one.constraints {
        assert!(
            c.holds,
            "{} does not hold: {} (networks {:?})",
            c.key, c.observed, c.failing_networks
        );
    }
    assert_eq!(one.assignment.len(), 2000);
    let two = plan(2);
    assert!(one == two, "the plan depends on the thread count");
}
