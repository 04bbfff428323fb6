//! Scale test on a synthetic district (`schoolnets::synthetic::district`): `n` schools, the default
//! scenario's rules, `k` networks (default n / 31.25, as LAUSD's 1,000 schools in 32 networks).
//!
//! Run: `/usr/bin/time -v cargo run --release --example synthetic -- 100000` (peak memory: "Maximum resident").

use schoolnets::plans::{make_plan, PlanInputs};
use schoolnets::scenarios::Scenario;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let k: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or((n as f64 / 31.25).round() as usize);
    let table = schoolnets::synthetic::district(n, 42);
    // Geography only: synthetic districts have no test scores or magnet schools to balance.
    let (mut scenario, _) = Scenario::built_in("geography-only").unwrap();
    scenario.networks = k;
    let inputs = PlanInputs::new(&table, &scenario).best_effort(true);
    let start = std::time::Instant::now();
    match make_plan(&inputs, &|| {}) {
        Ok(plan) => {
            println!(
                "{n} schools, {k} networks: {:.1} s",
                start.elapsed().as_secs_f64()
            );
            for c in &plan.file.constraints {
                println!(
                    "  {} {} ({}; {} networks fail)",
                    if c.holds { "ok  " } else { "FAIL" },
                    c.rule,
                    c.observed,
                    c.failing_networks.len()
                );
            }
        }
        Err(e) => println!(
            "{n} schools, {k} networks: {e} ({:.1} s)",
            start.elapsed().as_secs_f64()
        ),
    }
}
