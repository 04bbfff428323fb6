//! A scenario file, as any text: parsed and its bounds checked. Must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = schoolnets::scenarios::Scenario::parse("fuzz.toml", text);
});
