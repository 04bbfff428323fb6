//! Capacitated assignment of units to fixed centres, as a linear program solved with good_lp.
//!
//! Variables x[u][c] in [0, 1] for each unit and each of its `CANDIDATES` nearest centres; minimise
//! Σ schools(u)·dist²(u, c)·x[u][c] subject to Σ_c x[u][c] = 1, and for each network: enrollment within
//! the band, school count within bounds, and at least the required high and middle schools. The LP
//! optimum has few fractional units; each goes to its largest share, and local search repairs the rest.

use super::Problem;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, Solution, SolverModel, Variable,
};

/// The LP back-end: pure-Rust microlp by default; HiGHS with `--features highs` (needs cmake and clang to build).
#[cfg(feature = "highs")]
pub use good_lp::highs as lp_backend;
#[cfg(not(feature = "highs"))]
pub use good_lp::microlp as lp_backend;

/// Name of the LP back-end in use, for plan.json and benchmarks.
pub const LP_BACKEND: &str = if cfg!(feature = "highs") {
    "highs"
} else {
    "microlp"
};

/// Nearest centres offered to each unit. If the restricted LP is infeasible, all centres are offered.
pub const CANDIDATES: usize = 6;

/// Solves the LP and rounds it; `None` when the LP is infeasible even with every centre allowed.
pub fn capacitated(p: &Problem, centres: &[[f64; 2]]) -> Option<Vec<usize>> {
    solve_lp(p, centres, CANDIDATES.min(p.k)).or_else(|| {
        if CANDIDATES < p.k {
            solve_lp(p, centres, p.k)
        } else {
            None
        }
    })
}

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// The `m` nearest centres of each unit (ties by index), using an R-tree over the centres.
fn candidate_centres(p: &Problem, centres: &[[f64; 2]], m: usize) -> Vec<Vec<usize>> {
    use rstar::primitives::GeomWithData;
    let tree = rstar::RTree::bulk_load(
        centres
            .iter()
            .enumerate()
            .map(|(c, &x)| GeomWithData::new(x, c))
            .collect(),
    );
    p.units
        .iter()
        .map(|u| {
            let mut near: Vec<(f64, usize)> = tree
                .nearest_neighbor_iter(&u.pos)
                .take(m)
                .map(|g| (d2(u.pos, *g.geom()), g.data))
                .collect();
            near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            near.into_iter().map(|(_, c)| c).collect()
        })
        .collect()
}

fn solve_lp(p: &Problem, centres: &[[f64; 2]], m: usize) -> Option<Vec<usize>> {
    let cands = candidate_centres(p, centres, m);
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<Variable>> = cands
        .iter()
        .map(|cs| {
            cs.iter()
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect()
        })
        .collect();
    // Scale distances so coefficients stay near 1 (helps the simplex's tolerances).
    let scale = {
        let mut s = 0.0;
        for (u, cs) in cands.iter().enumerate() {
            s += d2(p.units[u].pos, centres[cs[0]]);
        }
        (s / p.units.len() as f64).max(1e-9)
    };
    let mut objective = Expression::with_capacity(cands.len() * m);
    let mut enroll: Vec<Expression> = vec![Expression::default(); p.k];
    let mut schools: Vec<Expression> = vec![Expression::default(); p.k];
    let mut high: Vec<Expression> = vec![Expression::default(); p.k];
    let mut middle: Vec<Expression> = vec![Expression::default(); p.k];
    let mean = p.mean_enrollment();
    for (u, cs) in cands.iter().enumerate() {
        let unit = &p.units[u];
        for (j, &c) in cs.iter().enumerate() {
            let v = x[u][j];
            objective.add_mul(
                f64::from(unit.schools) * d2(unit.pos, centres[c]) / scale,
                v,
            );
            enroll[c].add_mul(unit.enrollment / mean, v);
            schools[c].add_mul(f64::from(unit.schools), v);
            if unit.high > 0 {
                high[c].add_mul(f64::from(unit.high), v);
            }
            if unit.middle > 0 {
                middle[c].add_mul(f64::from(unit.middle), v);
            }
        }
    }
    let mut model = vars.minimise(objective).using(lp_backend);
    for xs in &x {
        let sum: Expression = xs.iter().copied().sum();
        model = model.with(constraint!(sum == 1.0));
    }
    let l = &p.limits;
    for c in 0..p.k {
        let e = std::mem::take(&mut enroll[c]);
        model = model.with(constraint!(e.clone() >= l.min_enrollment / mean));
        model = model.with(constraint!(e <= l.max_enrollment / mean));
        let s = std::mem::take(&mut schools[c]);
        model = model.with(constraint!(s.clone() >= f64::from(l.min_schools)));
        model = model.with(constraint!(s <= f64::from(l.max_schools)));
        if l.min_high > 0 {
            model = model.with(constraint!(
                std::mem::take(&mut high[c]) >= f64::from(l.min_high)
            ));
        }
        if l.min_middle > 0 {
            model = model.with(constraint!(
                std::mem::take(&mut middle[c]) >= f64::from(l.min_middle)
            ));
        }
    }
    let solution = model.solve().ok()?;
    Some(
        cands
            .iter()
            .enumerate()
            .map(|(u, cs)| {
                let mut best = (f64::NEG_INFINITY, cs[0]);
                for (j, &c) in cs.iter().enumerate() {
                    let v = solution.value(x[u][j]);
                    if v > best.0 + 1e-9 {
                        best = (v, c);
                    }
                }
                best.1
            })
            .collect(),
    )
}
