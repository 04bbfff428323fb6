//! A district outline, as any text: parsed as GeoJSON, validated, and (when accepted) asked whether
//! points lie inside and segments leave it. Must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(outline) = schoolnets::geography::Outline::parse("fuzz.geojson", text) {
        let _ = outline.contains(34.05, -118.25);
        let _ = outline.segment_leaves((34.0, -118.5), (34.2, -118.2));
    }
});
