//! Synthetic districts for scale tests and benchmarks: schools in clustered "towns" (Gaussian spreads of
//! different sizes) over about 300 × 300 km of Southern California, with realistic level mix and enrollment.

use crate::schools::{read_table, SchoolTable, COLUMNS};
use rand::{RngExt, SeedableRng};
use std::fmt::Write;

/// `n` schools from seed `seed` (the same arguments always give the same table).
pub fn district(n: usize, seed: u64) -> SchoolTable {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let towns: Vec<(f64, f64, f64)> = (0..(n / 400).max(1))
        .map(|_| {
            (
                rng.random_range(33.0..35.7),
                rng.random_range(-120.0..-116.7),
                rng.random_range(0.02..0.25),
            )
        })
        .collect();
    let mut text = COLUMNS.join(",");
    for i in 0..n {
        let (lat0, lon0, spread) = towns[rng.random_range(0..towns.len())];
        // Box-Muller for a Gaussian offset.
        let (u1, u2): (f64, f64) = (rng.random_range(1e-9..1.0), rng.random_range(0.0..1.0));
        let r = spread * (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        let (lat, lon) = (lat0 + r * angle.cos(), lon0 + r * angle.sin());
        let level = match rng.random_range(0..20) {
            0..=10 => "elementary",
            11..=13 => "middle",
            14..=17 => "high",
            _ => "span",
        };
        let enrollment = rng.random_range(150..1500);
        let _ = write!(text, "\ns{i},School {i},{lat:.6},{lon:.6},{enrollment},{level},K,5,traditional,no,no,,,,,,,,,,,,,,,");
    }
    read_table("synthetic", text.as_bytes()).expect("the synthetic table is valid")
}
