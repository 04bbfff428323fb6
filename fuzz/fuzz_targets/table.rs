//! A school table, as any bytes: read, validated, and (when valid) grouped into campuses with their
//! adjacency. Must never panic, hang or exhaust memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use schoolnets::{schools, units, validate};

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = schools::read_table("fuzz.csv", data) {
        if validate::validate(&table, None).errors.is_empty() {
            let campuses = units::Units::build(&table);
            let _ = units::Adjacency::build(&campuses, None, 4.0);
        }
    }
});
