//! Capacitated assignment of units to fixed centres, as a linear program solved with good_lp.
//!
//! Variables `x[u][c]` in [0, 1] for each unit and each of its `CANDIDATES` nearest centres; minimise
//! `Σ schools(u)·dist²(u, c)·x[u][c]` subject to `Σ_c x[u][c] = 1`, and for each network: enrollment within
//! the band, school count within bounds, and at least the required high and middle schools. The LP
//! optimum has few fractional units; each goes to its largest share, and local search repairs the rest.

use super::{Problem, UnitData};
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
pub(crate) const CANDIDATES: usize = 6;

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

/// One linear rule, applied to each network c: `lo ≤ Σ_u coef[u]·x[u][c] ≤ hi`.
struct Row {
    coef: Vec<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

impl Row {
    fn new(p: &Problem, f: impl Fn(&UnitData) -> f64, lo: Option<f64>, hi: Option<f64>) -> Row {
        Row {
            coef: p.units.iter().map(f).collect(),
            lo,
            hi,
        }
    }
}

/// Every hard rule of `p.limits` that is linear in the assignment (all but connectivity). Ratio rules
/// (share ≤ cap) are multiplied out: low − cap·rated ≤ 0.
fn rows(p: &Problem) -> Vec<Row> {
    let l = &p.limits;
    let mut rows = vec![
        Row::new(
            p,
            |u| u.enrollment,
            Some(l.min_enrollment),
            Some(l.max_enrollment),
        ),
        Row::new(
            p,
            |u| f64::from(u.schools),
            Some(f64::from(l.min_schools)),
            Some(f64::from(l.max_schools)),
        ),
    ];
    if l.min_high > 0 {
        rows.push(Row::new(
            p,
            |u| f64::from(u.high),
            Some(f64::from(l.min_high)),
            None,
        ));
    }
    if l.min_middle > 0 {
        rows.push(Row::new(
            p,
            |u| f64::from(u.middle),
            Some(f64::from(l.min_middle)),
            None,
        ));
    }
    for (i, &m) in l.model_min.iter().enumerate().filter(|(_, m)| **m > 0) {
        rows.push(Row::new(
            p,
            move |u| f64::from(u.models[i]),
            Some(f64::from(m)),
            None,
        ));
    }
    if let Some(cap) = l.max_low_share {
        rows.push(Row::new(
            p,
            move |u| f64::from(u.low) - cap * f64::from(u.rated),
            None,
            Some(0.0),
        ));
    }
    if let Some((lo, hi)) = l.dfs {
        rows.push(Row::new(
            p,
            move |u| u.dfs_sum - lo * u.dfs_weight,
            Some(0.0),
            None,
        ));
        rows.push(Row::new(
            p,
            move |u| u.dfs_sum - hi * u.dfs_weight,
            None,
            Some(0.0),
        ));
    }
    if let Some((lo, hi)) = l.frpm {
        rows.push(Row::new(
            p,
            move |u| u.frpm_sum - lo * u.frpm_weight,
            Some(0.0),
            None,
        ));
        rows.push(Row::new(
            p,
            move |u| u.frpm_sum - hi * u.frpm_weight,
            None,
            Some(0.0),
        ));
    }
    for (g, band) in l.ethnicity.iter().enumerate() {
        if let Some((lo, hi)) = *band {
            let total = |u: &UnitData| u.ethnicity.iter().sum::<f64>();
            rows.push(Row::new(
                p,
                move |u| u.ethnicity[g] - lo * total(u),
                Some(0.0),
                None,
            ));
            rows.push(Row::new(
                p,
                move |u| u.ethnicity[g] - hi * total(u),
                None,
                Some(0.0),
            ));
        }
    }
    // Scale each row so its largest coefficient is 1 (keeps the simplex's tolerances meaningful).
    for r in &mut rows {
        let m = r.coef.iter().fold(0.0f64, |a, c| a.max(c.abs()));
        if m > 0.0 {
            r.coef.iter_mut().for_each(|c| *c /= m);
            r.lo = r.lo.map(|v| v / m);
            r.hi = r.hi.map(|v| v / m);
        }
    }
    rows
}

fn solve_lp(p: &Problem, centres: &[[f64; 2]], m: usize) -> Option<Vec<usize>> {
    let cands = candidate_centres(p, centres, m);
    let cost = |u: usize, c: usize| f64::from(p.units[u].schools) * d2(p.units[u].pos, centres[c]);
    let shares = solve_shares(p, &cands, &cost)?;
    Some(round_largest(&cands, &shares))
}

/// Each unit to the candidate with its largest share (ties: the first candidate).
fn round_largest(cands: &[Vec<usize>], shares: &[Vec<f64>]) -> Vec<usize> {
    cands
        .iter()
        .zip(shares)
        .map(|(cs, xs)| {
            let mut best = (f64::NEG_INFINITY, cs[0]);
            for (&c, &v) in cs.iter().zip(xs) {
                if v > best.0 + 1e-9 {
                    best = (v, c);
                }
            }
            best.1
        })
        .collect()
}

/// Solves the LP over the candidate networks `cands[u]` of each unit, minimising Σ cost(u, c)·x[u][c] under
/// every linear rule. Returns x (shares per candidate), or `None` when infeasible.
fn solve_shares(
    p: &Problem,
    cands: &[Vec<usize>],
    cost: &dyn Fn(usize, usize) -> f64,
) -> Option<Vec<Vec<f64>>> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Vec<Variable>> = cands
        .iter()
        .map(|cs| {
            cs.iter()
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect()
        })
        .collect();
    // Scale costs so coefficients stay near 1 (helps the simplex's tolerances).
    let scale = {
        let mut s = 0.0;
        for (u, cs) in cands.iter().enumerate() {
            s += cost(u, cs[0]).abs();
        }
        (s / p.units.len().max(1) as f64).max(1e-9)
    };
    let rows = rows(p);
    let mut objective = Expression::with_capacity(cands.iter().map(Vec::len).sum());
    let mut sums: Vec<Vec<Expression>> = vec![vec![Expression::default(); rows.len()]; p.k];
    for (u, cs) in cands.iter().enumerate() {
        for (j, &c) in cs.iter().enumerate() {
            let v = x[u][j];
            objective.add_mul(cost(u, c) / scale, v);
            for (r, row) in rows.iter().enumerate() {
                if row.coef[u] != 0.0 {
                    sums[c][r].add_mul(row.coef[u], v);
                }
            }
        }
    }
    let mut model = vars.minimise(objective).using(lp_backend);
    for xs in &x {
        let sum: Expression = xs.iter().copied().sum();
        model = model.with(constraint!(sum == 1.0));
    }
    for network in sums {
        for (row, e) in rows.iter().zip(network) {
            if let Some(lo) = row.lo {
                model = model.with(constraint!(e.clone() >= lo));
            }
            if let Some(hi) = row.hi {
                model = model.with(constraint!(e <= hi));
            }
        }
    }
    let solution = model.solve().ok()?;
    Some(
        x.iter()
            .map(|xs| xs.iter().map(|&v| solution.value(v)).collect())
            .collect(),
    )
}

/// Most LP solves one [`rebalance`] may make while fixing split units.
pub(crate) const MAX_FIX_ROUNDS: usize = 24;

/// Units larger than this share of the enrollment band's width are fixed and re-solved when the LP splits
/// them, instead of being rounded.
pub(crate) const LUMPY_SHARE: f64 = 0.5;

/// Global rebalancing of an existing plan: each unit may stay or move to a network it borders, and an LP
/// chooses the most compact such plan that meets every linear rule. Moving only across existing borders
/// keeps networks nearly connected (the caller repairs the rest), while the LP, unlike single moves,
/// can shift many units at once along a whole region.
///
/// Rounding: a unit larger than half the enrollment band that the LP splits is fixed to its largest share
/// and the LP solved again (largest first, up to [`MAX_FIX_ROUNDS`] times), since rounding a large unit
/// would break the band by itself; smaller units go to their largest share. `None` when the LP is
/// infeasible from the start.
pub fn rebalance(p: &Problem, assign: &[usize]) -> Option<Vec<usize>> {
    let centres = super::seed::centres_of(p, assign, &vec![[0.0; 2]; p.k]);
    let mut cands: Vec<Vec<usize>> = (0..p.units.len())
        .map(|u| {
            let mut cs = vec![assign[u]];
            let mut others: Vec<usize> = p.neighbors[u].iter().map(|&v| assign[v]).collect();
            others.sort_unstable();
            others.dedup();
            cs.extend(others.into_iter().filter(|&c| c != assign[u]));
            cs
        })
        .collect();
    let cost = |u: usize, c: usize| f64::from(p.units[u].schools) * d2(p.units[u].pos, centres[c]);
    let mut shares = solve_shares(p, &cands, &cost)?;
    let lumpy = LUMPY_SHARE * (p.limits.max_enrollment - p.limits.min_enrollment);
    for _ in 0..MAX_FIX_ROUNDS {
        // The largest unit the LP splits (ties: lowest index).
        let split = (0..p.units.len())
            .filter(|&u| p.units[u].enrollment > lumpy)
            .filter(|&u| shares[u].iter().all(|&v| v < 1.0 - 1e-6))
            .max_by(|&a, &b| {
                p.units[a]
                    .enrollment
                    .total_cmp(&p.units[b].enrollment)
                    .then(b.cmp(&a))
            });
        let Some(u) = split else { break };
        let keep = cands[u].clone();
        cands[u] = vec![round_largest(&cands[u..=u], &shares[u..=u])[0]];
        match solve_shares(p, &cands, &cost) {
            Some(s) => shares = s,
            None => {
                cands[u] = keep;
                break;
            }
        }
    }
    Some(round_largest(&cands, &shares))
}
