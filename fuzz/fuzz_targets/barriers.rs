//! A barriers file, as any text: parsed as GeoJSON lines or polygons and, when accepted, asked whether a
//! segment crosses a barrier (through the segment index). Must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(b) = schoolnets::barriers::Barriers::parse("fuzz.geojson", text) {
        let _ = b.crossed((34.0, -118.5), (34.2, -118.2));
    }
});
