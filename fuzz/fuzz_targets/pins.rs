//! A pins file, as any bytes: parsed as CSV with its row checks. Must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = schoolnets::pins::Pins::parse("fuzz.csv", data);
});
