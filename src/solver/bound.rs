//! A proven lower bound on compactness: no plan of `k` networks of `min..=max` schools each can be more
//! compact than this, whatever its other rules. It tells how far from optimal a plan can at most be.
//!
//! The argument. A network `C` of `m` schools has compactness (Σ of squared distances to its centroid)
//! `SSE(C) = 1/(2m) · Σ_{i∈C} Σ_{j∈C} d²(i, j)`. For each school `i`, its inner sum is at least the sum of
//! squared distances to its `m - 1` nearest other schools, `L_i(m)`. So `SSE(C) ≥ Σ_{i∈C} c(i, m)` with
//! `c(i, m) = L_i(m) / (2m)`: each school pays a price that depends only on itself and the size of its
//! network. Which sizes occur is limited: if `x[i][m] = 1` when school `i` is in a network of `m` schools,
//! then `Σ_m x[i][m] = 1` for each school and `Σ_i Σ_m x[i][m] / m = k` (each network of `m` schools adds
//! `m` terms of `1/m`). The linear program
//!
//! ```text
//! minimise Σ_i Σ_m c(i, m)·x[i][m]   subject to   Σ_m x[i][m] = 1 (each school),
//!                                                 Σ_i Σ_m x[i][m] / m = k,   x ≥ 0
//! ```
//!
//! is a relaxation of every plan, so its optimum is a lower bound (solved with good_lp, like the assignment
//! LP). Since `L_i(m)/m` grows with `m`, each school would like the smallest network, and the second
//! constraint, which fixes the mean size at `n / k`, is what makes the bound bite.
//!
//! How tight it is: for schools spread evenly, a network that is a disc of radius `R` costs `R²/2` per
//! school, while each school's `m - 1` nearest neighbours form a disc of the same size around the school
//! itself, priced at `R²/4`: the bound is about half of what an ideal plan costs, and real plans sit above
//! it by at least that factor. It is a certificate, not an estimate: [`lagrangian`] computes the
//! same optimum another way (one multiplier for the single coupling constraint), and the tests check that
//! both agree and that the bound never exceeds the optimum found by brute force on small instances.

use super::assign::lp_backend;
use good_lp::{constraint, variable, Expression, ProblemVariables, Solution, SolverModel};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// The sizes a network may have and each school's price for each size.
#[derive(Debug, Clone, PartialEq)]
pub struct SizePrices {
    /// Smallest size a network can have: `max(min, n - (k-1)·max, 1)`.
    pub min: usize,
    /// Largest size a network can have: `min(max, n - (k-1)·min)`.
    pub max: usize,
    /// `prices[i][m - min]` = `c(i, m)` in km² (see the module documentation).
    pub prices: Vec<Vec<f64>>,
}

/// Each school's price for each network size it could be in, from its nearest neighbours (found with an
/// R-tree). `None` when no split of `n` schools into `k` networks of `min..=max` schools exists.
pub fn size_prices(points: &[[f64; 2]], k: usize, min: usize, max: usize) -> Option<SizePrices> {
    size_prices_in(&point_tree(points), points, k, min, max)
}

/// The schools' positions in an R-tree, each with its index.
fn point_tree(points: &[[f64; 2]]) -> RTree<GeomWithData<[f64; 2], usize>> {
    RTree::bulk_load(
        points
            .iter()
            .enumerate()
            .map(|(i, &p)| GeomWithData::new(p, i))
            .collect(),
    )
}

/// [`size_prices`] with the schools' R-tree built by the caller (shared with [`enrollment_prices`]).
fn size_prices_in(
    tree: &RTree<GeomWithData<[f64; 2], usize>>,
    points: &[[f64; 2]],
    k: usize,
    min: usize,
    max: usize,
) -> Option<SizePrices> {
    let n = points.len();
    if k == 0 || n < k * min.max(1) || n > k.saturating_mul(max) {
        return None;
    }
    // With k·min ≤ n ≤ k·max, every lower term below is at most every upper one, so lo ≤ hi.
    let lo = min
        .max(1)
        .max(n.saturating_sub((k - 1).saturating_mul(max)));
    let hi = max.min(n - (k - 1) * min.max(1));
    let prices = points
        .par_iter()
        .map(|&p| {
            // The school itself comes first, at distance 0; ties among equals do not change the sums.
            let mut sum = 0.0;
            let mut out = Vec::with_capacity(hi - lo + 1);
            for (m, (_, d2)) in tree
                .nearest_neighbor_iter_with_distance_2(&p)
                .take(hi)
                .enumerate()
                .map(|(j, nd)| (j + 1, nd))
            {
                sum += d2;
                if m >= lo {
                    out.push(sum / (2.0 * m as f64));
                }
            }
            out
        })
        .collect();
    Some(SizePrices {
        min: lo,
        max: hi,
        prices,
    })
}

/// Neighbours [`enrollment_prices`] looks among for each school's cheapest co-members; schools farther away
/// are each priced at the least they could cost, so the prices stay valid.
pub(crate) const ENROLLMENT_NEIGHBOURS: usize = 400;

/// Multipliers on a network's enrollment (km² per student) tried by [`enrollment_prices`]; negative ones
/// price the upper end of the band.
const ENROLLMENT_MULTIPLIERS: [f64; 13] = [
    -0.03, -0.01, -0.003, -0.001, -0.0003, -0.0001, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1,
];

/// [`size_prices`] with each network's enrollment band carried in. A network of `m` schools holding school
/// `i` must hold between `band.0 − e_i` and `band.1 − e_i` students in its other `m − 1` schools, so the
/// `m − 1` nearest neighbours (which may be too few students) are not always possible co-members. For a
/// multiplier `λ ≥ 0` on the lower end, `min Σ_{j∈S} (d²(i, j) − λ·e_j) + λ·(band.0 − e_i)` over sets `S` of
/// `m − 1` other schools is at most the cheapest feasible set's Σ d² (weak duality), and likewise with
/// `λ < 0` on the upper end; the best of a few multipliers, and the plain nearest-neighbour sum, is each
/// school's price. Prices only rise, so the bound stays valid and can only tighten.
pub fn enrollment_prices(
    points: &[[f64; 2]],
    enrollment: &[f64],
    k: usize,
    min: usize,
    max: usize,
    band: (f64, f64),
) -> Option<SizePrices> {
    let tree = point_tree(points);
    let mut sp = size_prices_in(&tree, points, k, min, max)?;
    let n = points.len();
    let e_max = enrollment.iter().fold(0.0f64, |a, &e| a.max(e));
    let (lo, hi) = (sp.min, sp.max);
    let reach = ENROLLMENT_NEIGHBOURS.max(hi + 1).min(n);
    sp.prices = sp
        .prices
        .par_iter()
        .enumerate()
        .map(|(i, row)| {
            let near: Vec<(usize, f64)> = tree
                .nearest_neighbor_iter_with_distance_2(&points[i])
                .take(reach)
                .map(|(g, d2)| (g.data, d2))
                .filter(|&(j, _)| j != i)
                .collect();
            // Every school beyond the neighbours looked at is at least this far.
            let rim = near.last().map_or(0.0, |x| x.1);
            let outside = n - 1 - near.len();
            let mut out = row.clone();
            let mut values: Vec<f64> = Vec::with_capacity(near.len());
            for &lambda in &ENROLLMENT_MULTIPLIERS {
                values.clear();
                values.extend(near.iter().map(|&(j, d2)| d2 - lambda * enrollment[j]));
                values.sort_by(f64::total_cmp);
                // The least an unseen school could be worth at this multiplier.
                let floor = rim - lambda.max(0.0) * e_max;
                let target = if lambda >= 0.0 { band.0 } else { band.1 };
                let mut sum = 0.0;
                let (mut a, mut taken) = (0, 0);
                for m in 1..=hi {
                    // The m − 1 smallest values among the neighbours and the unseen.
                    if m > 1 {
                        if a < values.len() && (taken >= outside || values[a] <= floor) {
                            sum += values[a];
                            a += 1;
                        } else {
                            sum += floor;
                            taken += 1;
                        }
                    }
                    if m >= lo {
                        let price = (sum + lambda * (target - enrollment[i])) / (2.0 * m as f64);
                        let slot = &mut out[m - lo];
                        if price > *slot {
                            *slot = price;
                        }
                    }
                }
            }
            out
        })
        .collect();
    Some(sp)
}

/// The lower bound, in km²: the optimum of the linear program in the module documentation, solved with
/// good_lp. `None` when no split into networks of the allowed sizes exists, or the LP back-end fails.
pub fn lower_bound(points: &[[f64; 2]], k: usize, min: usize, max: usize) -> Option<f64> {
    let sp = size_prices(points, k, min, max)?;
    let sizes: Vec<f64> = (sp.min..=sp.max).map(|m| m as f64).collect();
    // Prices in km² span a few orders of magnitude; scale them near 1 for the simplex's tolerances.
    let scale = sp
        .prices
        .iter()
        .map(|row| row[row.len() - 1])
        .sum::<f64>()
        .max(1e-12)
        / points.len() as f64;
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<_>> = sp
        .prices
        .iter()
        .map(|row| row.iter().map(|_| vars.add(variable().min(0.0))).collect())
        .collect();
    let mut objective = Expression::with_capacity(x.len() * sizes.len());
    let mut networks = Expression::with_capacity(x.len() * sizes.len());
    for (row, xs) in sp.prices.iter().zip(&x) {
        for ((&c, &v), &m) in row.iter().zip(xs).zip(&sizes) {
            objective.add_mul(c / scale, v);
            networks.add_mul(1.0 / m, v);
        }
    }
    let mut model = vars.minimise(objective).using(lp_backend);
    for xs in &x {
        let one: Expression = xs.iter().copied().sum();
        model = model.with(constraint!(one == 1.0));
    }
    model = model.with(constraint!(networks == k as f64));
    let solution = model.solve().ok()?;
    let value: f64 = sp
        .prices
        .iter()
        .zip(&x)
        .flat_map(|(row, xs)| row.iter().zip(xs))
        .map(|(&c, &v)| c * solution.value(v).max(0.0))
        .sum();
    Some(value)
}

/// The same optimum by Lagrangian duality, without an LP solver: with a multiplier `λ` on the coupling
/// constraint, `g(λ) = λ·k + Σ_i min_m (c(i, m) - λ/m)` is a lower bound for every `λ`, and its maximum
/// equals the LP optimum. `g` is concave and piecewise linear, so a ternary search over `λ` finds it.
pub fn lagrangian(sp: &SizePrices, k: usize) -> f64 {
    let g = |lambda: f64| -> f64 {
        lambda * k as f64
            + sp.prices
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(|(j, &c)| c - lambda / (sp.min + j) as f64)
                        .fold(f64::INFINITY, f64::min)
                })
                .sum::<f64>()
    };
    // The optimal λ makes the marginal school indifferent between sizes: c(i, m)·m² differences bound it.
    let top =
        sp.prices.iter().flatten().fold(0.0f64, |a, &c| a.max(c)) * (sp.max * sp.max) as f64 * 4.0
            + 1.0;
    let (mut lo, mut hi) = (-top, top);
    for _ in 0..200 {
        let a = lo + (hi - lo) / 3.0;
        let b = hi - (hi - lo) / 3.0;
        if g(a) < g(b) {
            lo = a;
        } else {
            hi = b;
        }
    }
    g((lo + hi) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evenly_sized_pairs_on_a_line() {
        // Four points at 0, 1, 10, 11 km, two networks of two: the best plan pairs neighbours, 0.5 + 0.5.
        let pts = [[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]];
        let sp = size_prices(&pts, 2, 2, 2).unwrap();
        assert_eq!((sp.min, sp.max), (2, 2));
        // Each point's nearest other is 1 km away: c = 1/(2·2) = 0.25; four of them make 1.0, the optimum.
        let b = lower_bound(&pts, 2, 2, 2).unwrap();
        assert!((b - 1.0).abs() < 1e-9, "{b}");
        assert!((lagrangian(&sp, 2) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn impossible_sizes_have_no_bound() {
        let pts = [[0.0, 0.0]; 5];
        assert!(size_prices(&pts, 2, 3, 4).is_none()); // 2 × 3 > 5
        assert!(size_prices(&pts, 2, 1, 2).is_none()); // 2 × 2 < 5
        assert!(size_prices(&pts, 0, 1, 5).is_none());
    }

    #[test]
    fn sizes_narrow_to_what_the_others_leave() {
        // 10 schools in 3 networks of 2..=6: the largest possible network has 10 - 2·2 = 6, smallest 2.
        // With 3..=6, one network has at most 10 - 2·3 = 4.
        let pts: Vec<[f64; 2]> = (0..10).map(|i| [i as f64, 0.0]).collect();
        let sp = size_prices(&pts, 3, 3, 6).unwrap();
        assert_eq!((sp.min, sp.max), (3, 4));
    }
}
