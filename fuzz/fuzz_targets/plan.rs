//! An adopted plan.json, as any text: parsed as `rebalance` and `compare` read it. Must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = schoolnets::plan_file::PlanFile::parse("plan.json", text);
});
