//! Capacitated assignment of units to fixed centres.
//!
//! Shares `x[u][c]` in [0, 1] for each unit and each of its candidate networks (its `CANDIDATES` nearest
//! centres, or the networks it borders when rebalancing); minimise `Σ schools(u)·dist²(u, c)·x[u][c]` with
//! each unit assigned once and, for each network, every linear rule of the problem as a row ([`rows`]):
//! enrollment band, school count, high and middle schools, model minimums, the low-performing cap and the
//! balance bands. The optimum has few fractional units; each goes to its largest share, and local search
//! repairs the rest.
//!
//! Two ways to solve it ([`Assignment`]):
//! - **flow** (the default): the enrollment band is a transportation problem solved exactly as a min-cost
//!   flow ([`super::flow`]); every other row is carried by Lagrangian multipliers on the costs, adjusted by
//!   subgradient steps until the rows hold or the rounds run out (the best shares seen are kept). When the
//!   other rows do not bind, which is the usual case for the school-count band, this is the LP optimum.
//! - **lp**: the same problem as a general linear program in good_lp (microlp, or HiGHS with
//!   `--features highs`), for comparison and benchmarks.

use super::flow;
pub use super::problem::Assignment;
use super::problem::{Problem, Quantity};
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

/// Each unit's candidate networks, stored flat (one allocation for the whole district): unit `u`'s are
/// `net[start[u]..start[u + 1]]`. Shares and costs are vectors aligned with `net`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    start: Vec<usize>,
    net: Vec<usize>,
}

impl Candidates {
    /// Candidates from one list per unit (networks distinct within a list).
    pub fn from_lists<L: IntoIterator<Item = usize>>(
        lists: impl IntoIterator<Item = L>,
    ) -> Candidates {
        let mut c = Candidates {
            start: vec![0],
            net: Vec::new(),
        };
        for l in lists {
            c.net.extend(l);
            c.start.push(c.net.len());
        }
        c
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.start.len() - 1
    }

    /// Positions of unit `u`'s candidates (in `net`, shares and costs).
    pub fn range(&self, u: usize) -> std::ops::Range<usize> {
        self.start[u]..self.start[u + 1]
    }

    /// Unit `u`'s candidate networks.
    pub fn of(&self, u: usize) -> &[usize] {
        &self.net[self.range(u)]
    }

    /// The same candidates with each pinned unit limited to its network (unchanged when nothing is pinned).
    fn pinned(self, p: &Problem) -> Candidates {
        if p.pins.iter().all(Option::is_none) {
            return self;
        }
        let fixes: Vec<(usize, usize)> = (0..p.units.len())
            .filter_map(|u| p.pin(u).map(|c| (u, c)))
            .collect();
        self.fixed(&fixes)
    }

    /// The same candidates with each unit of `fixes` limited to one network.
    fn fixed(&self, fixes: &[(usize, usize)]) -> Candidates {
        let mut only: Vec<Option<usize>> = vec![None; self.units()];
        for &(u, c) in fixes {
            only[u] = Some(c);
        }
        Candidates::from_lists((0..self.units()).map(|u| match only[u] {
            Some(c) => vec![c],
            None => self.of(u).to_vec(),
        }))
    }
}

/// Solves the assignment to `centres` and rounds each split unit to its largest share (quick, for the
/// rounds of capacitated Lloyd); `None` when the rules cannot hold even with every centre allowed.
pub fn capacitated(p: &Problem, centres: &[[f64; 2]], how: Assignment) -> Option<Vec<usize>> {
    widening(p, centres, how, false)
}

/// [`capacitated`], with split units fixed and the rest solved again ([`whole`]) instead of rounded, so
/// the result keeps the enrollment band where the relaxation did.
pub fn capacitated_whole(p: &Problem, centres: &[[f64; 2]], how: Assignment) -> Option<Vec<usize>> {
    widening(p, centres, how, true)
}

fn widening(
    p: &Problem,
    centres: &[[f64; 2]],
    how: Assignment,
    make_whole: bool,
) -> Option<Vec<usize>> {
    // Candidates widen until the rules can hold: the nearest few, twice as many, then every centre.
    let mut m = CANDIDATES.min(p.k);
    loop {
        let cands = candidate_centres(p, centres, m).pinned(p);
        let cost =
            |u: usize, c: usize| f64::from(p.units[u].schools) * d2(p.units[u].pos, centres[c]);
        let found = if make_whole {
            whole(p, cands, &cost, how)
        } else {
            shares_with(p, &cands, &cost, how, 1).map(|s| round_largest(&cands, &s))
        };
        if found.is_some() || m == p.k {
            return found;
        }
        m = if 2 * m >= p.k { p.k } else { 2 * m };
    }
}

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// The `m` nearest centres of each unit (ties by index). A direct search: the solver never plans more than
/// a few dozen networks at once (larger problems are split into parts), where it beats building an index.
fn candidate_centres(p: &Problem, centres: &[[f64; 2]], m: usize) -> Candidates {
    let mut near: Vec<(f64, usize)> = Vec::with_capacity(centres.len());
    let mut c = Candidates {
        start: Vec::with_capacity(p.units.len() + 1),
        net: Vec::with_capacity(p.units.len() * m),
    };
    c.start.push(0);
    let order = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    for u in &p.units {
        near.clear();
        near.extend(centres.iter().enumerate().map(|(i, &x)| (d2(u.pos, x), i)));
        if m < near.len() {
            near.select_nth_unstable_by(m, order);
            near.truncate(m);
        }
        near.sort_by(order);
        c.net.extend(near.iter().map(|&(_, i)| i));
        c.start.push(c.net.len());
    }
    c
}

use super::problem::LinearRow as Row;

/// Every hard rule of `p.limits` that is linear in the assignment (all but connectivity), the enrollment
/// band first (the flow ships it; the other rows ride on it), then the other terms in order, each as the
/// rows [`super::Term::rows`] gives. Each row is scaled so its largest coefficient is 1 (keeps the simplex's
/// tolerances meaningful). Built once per problem.
fn rows(p: &Problem) -> std::sync::Arc<Vec<Row>> {
    p.rows(|| build_rows(p))
}

fn build_rows(p: &Problem) -> Vec<Row> {
    let shipped = p.limits.shipped();
    let terms = &p.limits.terms;
    let ordered =
        std::iter::once(shipped).chain(terms.iter().filter(|t| !std::ptr::eq(*t, shipped)));
    let mut rows: Vec<Row> = ordered
        .flat_map(|t| t.rows(p))
        .map(|(coef, lo, hi)| Row { coef, lo, hi })
        .collect();
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

/// Each unit to the candidate with its largest share (ties: the first candidate).
fn round_largest(cands: &Candidates, shares: &[f64]) -> Vec<usize> {
    (0..cands.units())
        .map(|u| {
            let mut best = (f64::NEG_INFINITY, usize::MAX);
            for j in cands.range(u) {
                if shares[j] > best.0 + 1e-9 {
                    best = (shares[j], cands.net[j]);
                }
            }
            best.1
        })
        .collect()
}

/// Solves the relaxation over the candidate networks of each unit, minimising Σ cost(u, c)·x[u][c] under
/// every linear rule. Returns x (shares aligned with the candidates), or `None` when the enrollment band
/// (with the flow) or any row (with the LP) cannot hold.
pub fn solve_shares(
    p: &Problem,
    cands: &Candidates,
    cost: &dyn Fn(usize, usize) -> f64,
    how: Assignment,
) -> Option<Vec<f64>> {
    shares_with(p, cands, cost, how, MAX_COLUMNS)
}

/// [`solve_shares`], with the flow's column generation stopped after `columns` flows (1: the side rows
/// are left to the local search).
fn shares_with(
    p: &Problem,
    cands: &Candidates,
    cost: &dyn Fn(usize, usize) -> f64,
    how: Assignment,
    columns: usize,
) -> Option<Vec<f64>> {
    match how {
        Assignment::Flow => flow_shares(p, cands, cost, columns),
        Assignment::Lp => lp_shares(p, cands, cost),
    }
}

/// Flows priced into the side rows when a plan's assignment is made whole ([`whole`]): enough to pull
/// the school counts and balance rows most of the way, few enough to keep a restart quick; the local
/// search does the rest.
pub(crate) const WHOLE_COLUMNS: usize = 1;

/// The flow's way. The enrollment band is a transportation problem, solved exactly as a min-cost flow
/// ([`flow::solve`]); when the flow's shares also hold every other row (the usual case for the
/// school-count band) they are the LP optimum. Otherwise the other rows are priced in by column generation
/// ([`priced_flows`]): the LP optimum again, as a mix of a few flows. With `side_rows` off the other rows
/// are left to the local search (the quick rounds of capacitated Lloyd).
fn flow_shares(
    p: &Problem,
    cands: &Candidates,
    cost: &dyn Fn(usize, usize) -> f64,
    max_columns: usize,
) -> Option<Vec<f64>> {
    let rows = rows(p);
    let side: Vec<&Row> = if max_columns > 1 {
        rows[1..].iter().collect()
    } else {
        Vec::new()
    };
    let priced = PricedFlow::new(p, cands, cost, &side);
    let first = priced.solve(&vec![0.0; side.len() * p.k])?;
    if first.outside(&side, p.k) <= 1e-7 {
        return Some(first.shares);
    }
    priced_flows(&priced, first, max_columns)
}

/// One flow solution: shares aligned with the candidates, its cost, and each side row's value per network
/// (`values[r * k + c]`).
struct Column {
    shares: Vec<f64>,
    cost: f64,
    values: Vec<f64>,
}

impl Column {
    /// How far the side rows are outside their bounds, summed.
    fn outside(&self, side: &[&Row], k: usize) -> f64 {
        let mut out = 0.0;
        for (r, row) in side.iter().enumerate() {
            for c in 0..k {
                let v = self.values[r * k + c];
                out += row.hi.map_or(0.0, |h| (v - h).max(0.0));
                out += row.lo.map_or(0.0, |l| (l - v).max(0.0));
            }
        }
        out
    }
}

/// The flow with prices on the side rows: what column generation asks for at each step.
struct PricedFlow<'a> {
    p: &'a Problem,
    cands: &'a Candidates,
    side: &'a [&'a Row],
    supply: Vec<i64>,
    lo: Vec<i64>,
    hi: Vec<i64>,
    unit_of: Vec<usize>,
    base: Vec<f64>,
}

impl<'a> PricedFlow<'a> {
    fn new(
        p: &'a Problem,
        cands: &'a Candidates,
        cost: &dyn Fn(usize, usize) -> f64,
        side: &'a [&'a Row],
    ) -> PricedFlow<'a> {
        let unit_of: Vec<usize> = (0..cands.units())
            .flat_map(|u| cands.range(u).map(move |_| u))
            .collect();
        let base = (0..cands.net.len())
            .map(|j| cost(unit_of[j], cands.net[j]))
            .collect();
        PricedFlow {
            p,
            cands,
            side,
            supply: shipped_amounts(p),
            lo: vec![p.limits.shipped().lo.ceil() as i64; p.k],
            hi: vec![p.limits.shipped().hi.floor() as i64; p.k],
            unit_of,
            base,
        }
    }

    /// The cheapest flow when each unit of row `r` in network `c` costs `price[r * k + c]` more.
    fn solve(&self, price: &[f64]) -> Option<Column> {
        let (k, cands) = (self.p.k, self.cands);
        let mut priced = self.base.clone();
        if price.iter().any(|&x| x != 0.0) {
            for (j, &c) in cands.net.iter().enumerate() {
                let u = self.unit_of[j];
                for (r, row) in self.side.iter().enumerate() {
                    priced[j] += price[r * k + c] * row.coef[u];
                }
            }
        }
        let per_student: Vec<f64> = priced
            .iter()
            .zip(&self.unit_of)
            .map(|(c, &u)| c / self.supply[u].max(1) as f64)
            .collect();
        let shipped = flow::solve(&flow::Transport {
            supply: &self.supply,
            start: &cands.start,
            net: &cands.net,
            cost: &per_student,
            lo: &self.lo,
            hi: &self.hi,
        })?;
        let mut shares = vec![0.0; cands.net.len()];
        for u in 0..cands.units() {
            let range = cands.range(u);
            if self.supply[u] > 0 {
                for j in range {
                    shares[j] = shipped.flow[j] as f64 / self.supply[u] as f64;
                }
            } else {
                // A unit without students goes wherever it is cheapest at these prices.
                let j = range
                    .min_by(|&a, &b| priced[a].total_cmp(&priced[b]).then(a.cmp(&b)))
                    .expect("a unit has a candidate");
                shares[j] = 1.0;
            }
        }
        let mut values = vec![0.0; self.side.len() * k];
        for (j, &c) in cands.net.iter().enumerate() {
            if shares[j] > 0.0 {
                for (r, row) in self.side.iter().enumerate() {
                    values[r * k + c] += row.coef[self.unit_of[j]] * shares[j];
                }
            }
        }
        let cost = self.base.iter().zip(&shares).map(|(c, x)| c * x).sum();
        Some(Column {
            shares,
            cost,
            values,
        })
    }
}

/// Each unit's amount of the quantity the assignment ships (students, in whole numbers).
fn shipped_amounts(p: &Problem) -> Vec<i64> {
    use super::problem::Column;
    match p.limits.shipped().quantity {
        Quantity::Total(Column::Enrollment) => p
            .units
            .iter()
            .map(|u| u.enrollment.round() as i64)
            .collect(),
        Quantity::Total(Column::Sum(i)) => (0..p.units.len())
            .map(|u| p.sums_of(u)[i].round() as i64)
            .collect(),
        Quantity::Total(Column::Schools) => p.units.iter().map(|u| i64::from(u.schools)).collect(),
        _ => unreachable!("Limits::shipping takes a total of a column"),
    }
}

/// Most columns [`priced_flows`] generates.
pub(crate) const MAX_COLUMNS: usize = 200;

/// Column generation (Dantzig-Wolfe) with the flow as the pricing step: the LP optimum of the assignment
/// under every row, as a mix of flow solutions. A small master LP (good_lp) chooses weights for the flows
/// found so far so that the side rows hold, at least cost; its dual prices per row and network go into the
/// next flow's costs; a flow that is cheaper at those prices than the master expects joins the master,
/// and when none is, the mix is optimal. The master's rows may be broken at a high price (so it always has
/// a solution); a mix that still breaks them means no assignment over these candidates holds them.
fn priced_flows(priced: &PricedFlow, first: Column, max_columns: usize) -> Option<Vec<f64>> {
    let (k, side) = (priced.p.k, priced.side);
    let m = side.len() * k;
    // The price of breaking a side row by one unit of its (scaled) value: above any saving a unit's move
    // can bring.
    let penalty = 100.0 * (1.0 + priced.base.iter().fold(0.0f64, |a, &c| a.max(c.abs())));
    let bounds: Vec<(Option<f64>, Option<f64>)> =
        (0..m).map(|i| (side[i / k].lo, side[i / k].hi)).collect();
    let mut columns = vec![first];
    loop {
        // The dual of the master: a price per side row and network (`under` for its lower bound, `over`
        // for its upper), and one for the mix summing to 1.
        let mut vars = ProblemVariables::new();
        let mix = vars.add(variable());
        let under: Vec<Option<Variable>> = bounds
            .iter()
            .map(|b| b.0.map(|_| vars.add(variable().min(0.0).max(penalty))))
            .collect();
        let over: Vec<Option<Variable>> = bounds
            .iter()
            .map(|b| b.1.map(|_| vars.add(variable().min(0.0).max(penalty))))
            .collect();
        let mut objective: Expression = mix.into();
        for i in 0..m {
            if let (Some(v), Some(l)) = (under[i], bounds[i].0) {
                objective.add_mul(l, v);
            }
            if let (Some(v), Some(h)) = (over[i], bounds[i].1) {
                objective.add_mul(-h, v);
            }
        }
        let mut dual = vars.maximise(objective).using(lp_backend);
        for col in &columns {
            let mut e: Expression = mix.into();
            for i in 0..m {
                let v = col.values[i];
                if v != 0.0 {
                    if let Some(a) = under[i] {
                        e.add_mul(v, a);
                    }
                    if let Some(b) = over[i] {
                        e.add_mul(-v, b);
                    }
                }
            }
            dual = dual.with(constraint!(e <= col.cost));
        }
        let solution = dual.solve().ok()?;
        // Price per row and network: what the master says one more unit of the row is worth.
        let price: Vec<f64> = (0..m)
            .map(|i| {
                over[i].map_or(0.0, |b| solution.value(b))
                    - under[i].map_or(0.0, |a| solution.value(a))
            })
            .collect();
        let expected = solution.value(mix);
        let next = priced.solve(&price)?;
        let reduced = next.cost
            + next
                .values
                .iter()
                .zip(&price)
                .map(|(v, x)| v * x)
                .sum::<f64>()
            - expected;
        let done = reduced >= -1e-7 * (1.0 + expected.abs()) || columns.len() >= max_columns;
        if !done {
            columns.push(next);
            continue;
        }
        // The master itself: weights of the flows, rows broken only at the penalty.
        let mut vars = ProblemVariables::new();
        let weight: Vec<Variable> = columns
            .iter()
            .map(|_| vars.add(variable().min(0.0)))
            .collect();
        let short: Vec<Variable> = (0..m).map(|_| vars.add(variable().min(0.0))).collect();
        let excess: Vec<Variable> = (0..m).map(|_| vars.add(variable().min(0.0))).collect();
        let mut objective = Expression::default();
        for (w, col) in weight.iter().zip(&columns) {
            objective.add_mul(col.cost, *w);
        }
        for i in 0..m {
            objective.add_mul(penalty, short[i]);
            objective.add_mul(penalty, excess[i]);
        }
        let mut master = vars.minimise(objective).using(lp_backend);
        let total: Expression = weight.iter().copied().sum();
        master = master.with(constraint!(total == 1.0));
        for i in 0..m {
            let mut e = Expression::default();
            for (w, col) in weight.iter().zip(&columns) {
                if col.values[i] != 0.0 {
                    e.add_mul(col.values[i], *w);
                }
            }
            if let Some(l) = bounds[i].0 {
                master = master.with(constraint!(e.clone() + short[i] >= l));
            }
            if let Some(h) = bounds[i].1 {
                master = master.with(constraint!(e - excess[i] <= h));
            }
        }
        let solved = master.solve().ok()?;
        let mut shares = vec![0.0; columns[0].shares.len()];
        for (w, col) in weight.iter().zip(&columns) {
            let x = solved.value(*w);
            if x > 1e-12 {
                for (s, v) in shares.iter_mut().zip(&col.shares) {
                    *s += x * v;
                }
            }
        }
        return Some(shares);
    }
}

/// The LP's way: every row in one general linear program.
fn lp_shares(
    p: &Problem,
    cands: &Candidates,
    cost: &dyn Fn(usize, usize) -> f64,
) -> Option<Vec<f64>> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = cands
        .net
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let n = cands.units();
    // Scale costs so coefficients stay near 1 (helps the simplex's tolerances).
    let scale = {
        let s: f64 = (0..n).map(|u| cost(u, cands.of(u)[0]).abs()).sum();
        (s / n.max(1) as f64).max(1e-9)
    };
    let rows = rows(p);
    let mut objective = Expression::with_capacity(cands.net.len());
    let mut sums: Vec<Vec<Expression>> = vec![vec![Expression::default(); rows.len()]; p.k];
    for u in 0..n {
        for j in cands.range(u) {
            let c = cands.net[j];
            objective.add_mul(cost(u, c) / scale, x[j]);
            for (r, row) in rows.iter().enumerate() {
                if row.coef[u] != 0.0 {
                    sums[c][r].add_mul(row.coef[u], x[j]);
                }
            }
        }
    }
    let mut model = vars.minimise(objective).using(lp_backend);
    for u in 0..n {
        let sum: Expression = cands.range(u).map(|j| x[j]).sum();
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
    Some(x.iter().map(|&v| solution.value(v)).collect())
}

/// Most solves [`whole`] may make while fixing split units.
pub(crate) const MAX_FIX_ROUNDS: usize = 6;

/// Global rebalancing of an existing plan: each unit may stay or move to a network it borders, and the
/// assignment chooses the most compact such plan that meets every linear rule. Moving only across
/// existing borders keeps networks nearly connected (the caller repairs the rest), while, unlike single
/// moves, it can shift many units at once along a whole region. Split units are made whole by [`whole`].
/// `None` when the rules cannot hold even so.
pub fn rebalance(p: &Problem, assign: &[usize], how: Assignment) -> Option<Vec<usize>> {
    let centres = super::seed::centres_of(p, assign, &vec![[0.0; 2]; p.k]);
    let cands = Candidates::from_lists((0..p.units.len()).map(|u| {
        let mut cs = vec![assign[u]];
        let mut others: Vec<usize> = p.neighbors[u].iter().map(|&v| assign[v]).collect();
        others.sort_unstable();
        others.dedup();
        cs.extend(others.into_iter().filter(|&c| c != assign[u]));
        cs
    }))
    .pinned(p);
    let cost = |u: usize, c: usize| f64::from(p.units[u].schools) * d2(p.units[u].pos, centres[c]);
    whole(p, cands, &cost, how)
}

/// Solves the relaxation and makes it whole. Rounding a split unit to its largest share moves its other
/// students with it, which can break the enrollment band by itself (a large campus, or a feeder pathway
/// of thousands of students), so split units are fixed to their largest share and the rest solved again,
/// which rebalances around them: all split units at once, or when that cannot hold, the largest alone.
/// Up to [`MAX_FIX_ROUNDS`] solves; whatever is still split then goes to its largest share. `None` when
/// the relaxation itself cannot hold.
fn whole(
    p: &Problem,
    mut cands: Candidates,
    cost: &dyn Fn(usize, usize) -> f64,
    how: Assignment,
) -> Option<Vec<usize>> {
    let mut shares = shares_with(p, &cands, cost, how, WHOLE_COLUMNS)?;
    let mut solves = 1;
    while solves < MAX_FIX_ROUNDS {
        let rounded = round_largest(&cands, &shares);
        let split: Vec<usize> = (0..cands.units())
            .filter(|&u| cands.range(u).all(|j| shares[j] < 1.0 - 1e-6))
            .collect();
        if split.is_empty() {
            break;
        }
        let all: Vec<(usize, usize)> = split.iter().map(|&u| (u, rounded[u])).collect();
        let fixed = cands.fixed(&all);
        solves += 1;
        if let Some(s) = shares_with(p, &fixed, cost, how, WHOLE_COLUMNS) {
            (cands, shares) = (fixed, s);
            continue;
        }
        // The largest split unit alone (ties: lowest index).
        let u = *split
            .iter()
            .max_by(|&&a, &&b| {
                p.units[a]
                    .enrollment
                    .total_cmp(&p.units[b].enrollment)
                    .then(b.cmp(&a))
            })
            .expect("split is not empty");
        let fixed = cands.fixed(&[(u, rounded[u])]);
        solves += 1;
        match shares_with(p, &fixed, cost, how, WHOLE_COLUMNS) {
            Some(s) => (cands, shares) = (fixed, s),
            None => break,
        }
    }
    Some(round_largest(&cands, &shares))
}
