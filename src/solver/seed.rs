//! Seeding: k-means++ followed by Lloyd iterations on unit positions, weighted by school count.

use super::problem::Problem;
use rand::RngExt;

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Index of the centre nearest to `p` (ties: lowest index).
pub(crate) fn nearest_centre(centres: &[[f64; 2]], p: [f64; 2]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (c, &ctr) in centres.iter().enumerate() {
        let d = d2(ctr, p);
        if d < best.0 {
            best = (d, c);
        }
    }
    best.1
}

/// The k-means++ draw: a unit chosen with probability proportional to its weight times its squared distance
/// to the nearest centre so far (uniformly when every distance is 0).
fn draw(best_d2: &[f64], w: &[f64], rng: &mut impl rand::Rng) -> usize {
    let n = best_d2.len();
    let total: f64 = best_d2.iter().zip(w).map(|(d, w)| d * w).sum();
    if total > 0.0 && total.is_finite() {
        let mut r = rng.random_range(0.0..total);
        for i in 0..n {
            r -= best_d2[i] * w[i];
            if r <= 0.0 {
                return i;
            }
        }
        n - 1
    } else {
        rng.random_range(0..n)
    }
}

/// Assigns every unit to its nearest centre (a pinned unit to its network).
pub fn nearest(p: &Problem, centres: &[[f64; 2]]) -> Vec<usize> {
    p.units
        .iter()
        .enumerate()
        .map(|(u, x)| p.pin(u).unwrap_or_else(|| nearest_centre(centres, x.pos)))
        .collect()
}

/// The school-weighted centre of each network's pinned units (`None` for networks with none).
fn pinned_centres(p: &Problem) -> Vec<Option<[f64; 2]>> {
    let mut sums = vec![[0.0f64; 3]; p.k];
    for (u, x) in p.units.iter().enumerate() {
        if let Some(c) = p.pin(u) {
            let w = f64::from(x.schools).max(1.0);
            sums[c][0] += w * x.pos[0];
            sums[c][1] += w * x.pos[1];
            sums[c][2] += w;
        }
    }
    sums.iter()
        .map(|s| (s[2] > 0.0).then(|| [s[0] / s[2], s[1] / s[2]]))
        .collect()
}

/// k-means++ seeding and `LLOYD_ITERATIONS` Lloyd steps. Returns `k` centres. A network with pinned units
/// starts at their centre; the others are seeded by k-means++ around them.
pub fn kmeans(p: &Problem, rng: &mut impl rand::Rng) -> Vec<[f64; 2]> {
    if p.pins.iter().any(Option::is_some) {
        return kmeans_pinned(p, rng);
    }
    const LLOYD_ITERATIONS: usize = 12;
    let n = p.units.len();
    let w: Vec<f64> = p.units.iter().map(|u| f64::from(u.schools)).collect();
    let mut centres = vec![p.units[rng.random_range(0..n)].pos];
    let mut best_d2: Vec<f64> = p.units.iter().map(|u| d2(u.pos, centres[0])).collect();
    while centres.len() < p.k {
        let c = p.units[draw(&best_d2, &w, rng)].pos;
        centres.push(c);
        for (i, u) in p.units.iter().enumerate() {
            best_d2[i] = best_d2[i].min(d2(u.pos, c));
        }
    }
    for _ in 0..LLOYD_ITERATIONS {
        centres = centres_of(p, &nearest(p, &centres), &centres);
    }
    centres
}

/// [`kmeans`] with pinned networks: their centres are fixed at their pinned units' centre, and the free
/// networks' centres are drawn by k-means++ weighted by the distance to every centre drawn so far.
fn kmeans_pinned(p: &Problem, rng: &mut impl rand::Rng) -> Vec<[f64; 2]> {
    const LLOYD_ITERATIONS: usize = 12;
    let w: Vec<f64> = p.units.iter().map(|u| f64::from(u.schools)).collect();
    let fixed = pinned_centres(p);
    let mut chosen: Vec<[f64; 2]> = fixed.iter().flatten().copied().collect();
    let mut best_d2: Vec<f64> = p
        .units
        .iter()
        .map(|u| {
            chosen
                .iter()
                .map(|&c| d2(u.pos, c))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut centres = Vec::with_capacity(p.k);
    for slot in &fixed {
        let c = match slot {
            Some(c) => *c,
            None => {
                let c = p.units[draw(&best_d2, &w, rng)].pos;
                chosen.push(c);
                for (i, u) in p.units.iter().enumerate() {
                    best_d2[i] = best_d2[i].min(d2(u.pos, c));
                }
                c
            }
        };
        centres.push(c);
    }
    for _ in 0..LLOYD_ITERATIONS {
        centres = centres_of(p, &nearest(p, &centres), &centres);
    }
    centres
}

/// Unconstrained weighted k-means run to convergence from one k-means++ start: the reference floor for
/// compactness (no size, balance or connectivity rules). Returns the sum over schools of squared km to
/// their centre.
pub fn unconstrained_sse(p: &Problem, rng: &mut impl rand::Rng) -> f64 {
    let mut centres = kmeans(p, rng);
    let w: Vec<f64> = p.units.iter().map(|u| f64::from(u.schools)).collect();
    let mut assign = nearest(p, &centres);
    for _ in 0..500 {
        centres = centres_of(p, &assign, &centres);
        let next = nearest(p, &centres);
        if next == assign {
            break;
        }
        assign = next;
    }
    p.units
        .iter()
        .enumerate()
        .map(|(i, u)| w[i] * d2(u.pos, centres[assign[i]]))
        .sum()
}

/// School-weighted centre of each network under `assign`; a network with no unit keeps its old centre.
pub fn centres_of(p: &Problem, assign: &[usize], old: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut sums = vec![[0.0f64; 3]; p.k];
    for (i, u) in p.units.iter().enumerate() {
        let w = f64::from(u.schools);
        let s = &mut sums[assign[i]];
        s[0] += w * u.pos[0];
        s[1] += w * u.pos[1];
        s[2] += w;
    }
    sums.iter()
        .zip(old)
        .map(|(s, o)| {
            if s[2] > 0.0 {
                [s[0] / s[2], s[1] / s[2]]
            } else {
                *o
            }
        })
        .collect()
}
