//! Exhaustive search for tiny problems: every way to split the units into `k` non-empty networks.
//!
//! Networks are interchangeable, so each split is enumerated once, as a restricted growth string (unit 0 in
//! network 0; each later unit in an existing network or the next new one). There are S(n, k) splits
//! (a Stirling number: 42,525 for 10 units in 5 networks). The result is optimal, and "no plan" is a proof.
//!
//! Larger problems (a few pathways and campuses into two or three networks: a small district's feeder
//! design) are searched the same way once the heuristic has found no plan ([`solve_pruned`]): a branch is
//! cut as soon as a network holds more students or schools than the band allows, can no longer be joined up
//! through the units not yet placed, or the units left cannot bring every network up to its least, so only
//! splits that could meet the bands are visited. The search
//! stops at [`NODE_BUDGET`] placements and then proves nothing.

use super::problem::{renumbered, Problem};
use super::state::State;

/// Largest number of units searched exhaustively.
pub(crate) const MAX_UNITS: usize = 10;

/// Most units the pruned search takes on (its budget decides the rest).
pub(crate) const MAX_PRUNED_UNITS: usize = 40;

/// Most placements of a unit in a network the pruned search makes before it gives up (about a second on
/// a small district's feeder design).
pub(crate) const NODE_BUDGET: u64 = 3_000_000;

/// What a bounded exhaustive search found.
#[derive(Debug, Clone, PartialEq)]
pub enum Searched<T> {
    /// Every split that could meet the bands was visited: the answer (`None`: no split works) is proven.
    Proven(Option<T>),
    /// The budget ran out first: nothing is proven.
    TooLarge,
}

/// The most compact assignment (least cost, with the soft goal's price) that meets every rule, or `None` when none does.
pub fn solve(p: &Problem) -> Option<Vec<usize>> {
    let n = p.units.len();
    if n == 0 || n > MAX_UNITS || p.k > n {
        return None;
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    every_split(n, p.k, &mut |assign| consider(p, assign, &mut best));
    best.map(|(_, a)| a)
}

/// The narrowest enrollment band, as a fraction of the mean network enrollment (0.1 for ±10%), that some
/// split of the units into `k` networks meets with every other rule holding (connectivity and pins
/// included); `Proven(None)` when no split meets the other rules, so that the band is not what stands in
/// the way ([`Searched::TooLarge`] when the problem is too large to search exhaustively). Answers "how wide must the band be?" with
/// the same search that proved the scenario's band impossible.
pub fn tightest_band(p: &Problem, k: usize) -> Searched<f64> {
    let n = p.units.len();
    if n == 0 || n > MAX_PRUNED_UNITS || k == 0 || k > n {
        return Searched::TooLarge;
    }
    let relaxed = without_enrollment_band(p, k);
    let mean = relaxed.mean_enrollment();
    if mean <= 0.0 {
        return Searched::TooLarge;
    }
    let mut best: Option<f64> = None;
    let complete = search(&relaxed, &mut |assign| {
        let Some(state) = valid(&relaxed, assign) else {
            return;
        };
        let spread = widest_gap(&state, mean);
        if best.is_none_or(|b| spread < b) {
            best = Some(spread);
        }
    });
    if complete {
        Searched::Proven(best)
    } else {
        Searched::TooLarge
    }
}

/// `p` into `k` networks with no band on students: what [`tightest_band`] searches.
fn without_enrollment_band(p: &Problem, k: usize) -> Problem {
    use super::problem::{Column, Limits, Quantity, Term};
    let terms = p
        .limits
        .terms
        .iter()
        .map(|t| match t.quantity {
            Quantity::Total(Column::Enrollment) => Term {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                ..*t
            },
            _ => *t,
        })
        .collect();
    let mut relaxed = p.clone();
    relaxed.k = k;
    relaxed.limits = Limits::new(terms, p.limits.connected, p.limits.width);
    relaxed
}

/// How far the network furthest from `mean` students is from it, as a share of it.
fn widest_gap(state: &State<'_>, mean: f64) -> f64 {
    state
        .totals()
        .iter()
        .map(|t| (t.enrollment - mean).abs() / mean)
        .fold(0.0, f64::max)
}

/// The most compact split that meets every rule, for problems too large for [`solve`] but within
/// [`MAX_PRUNED_UNITS`]: [`Searched::TooLarge`] when the budget runs out.
pub fn solve_pruned(p: &Problem) -> Searched<Vec<usize>> {
    let n = p.units.len();
    if n == 0 || n > MAX_PRUNED_UNITS || p.k == 0 || p.k > n {
        return Searched::TooLarge;
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    if search(p, &mut |assign| consider(p, assign, &mut best)) {
        Searched::Proven(best.map(|(_, a)| a))
    } else {
        Searched::TooLarge
    }
}

/// Every split of `p`'s units into `p.k` networks that the bands on students and schools do not rule out
/// on totals alone: all of them ([`every_split`]) for at most [`MAX_UNITS`] units, else the pruned search.
/// Returns whether the search was complete.
fn search(p: &Problem, each: &mut dyn FnMut(&[usize])) -> bool {
    let n = p.units.len();
    if n <= MAX_UNITS {
        every_split(n, p.k, each);
        return true;
    }
    let band = |c| super::pockets::band(&p.limits, c);
    let bands = [
        band(super::Column::Enrollment),
        band(super::Column::Schools),
    ];
    // Units are placed in breadth-first order, so a network that can no longer be joined up is seen
    // early; positions, not unit numbers, index everything below.
    let mut seen = vec![usize::MAX; n];
    let order: Vec<usize> = p.neighbors.pieces(0..n, |_| true, &mut seen, 0).concat();
    let mut position = vec![0; n];
    for (i, &u) in order.iter().enumerate() {
        position[u] = i;
    }
    let adjacent: Vec<u64> = order
        .iter()
        .map(|&u| {
            p.neighbors[u]
                .iter()
                .fold(0u64, |m, &v| m | 1 << position[v])
        })
        .collect();
    let value = |u: usize| [p.units[u].enrollment, f64::from(p.units[u].schools)];
    // What the units from position `i` on still hold, to tell when the networks can no longer reach their
    // least.
    let mut left = vec![[0.0; 2]; n + 1];
    for i in (0..n).rev() {
        let v = value(order[i]);
        left[i] = [left[i + 1][0] + v[0], left[i + 1][1] + v[1]];
    }
    let mut pruned = Pruned {
        k: p.k,
        bands,
        values: order.iter().map(|&u| value(u)).collect(),
        left,
        connected: p.limits.connected,
        adjacent,
        members: vec![0; p.k],
        totals: vec![[0.0; 2]; p.k],
        order,
        assign: vec![0; n],
        nodes: 0,
    };
    pruned.visit(0, 0, each)
}

/// The state of the pruned search, by position in the order units are placed: each network's members
/// (a bit per position) and running totals (students, schools).
struct Pruned {
    k: usize,
    bands: [(f64, f64); 2],
    values: Vec<[f64; 2]>,
    left: Vec<[f64; 2]>,
    /// Whether networks must be connected.
    connected: bool,
    adjacent: Vec<u64>,
    members: Vec<u64>,
    totals: Vec<[f64; 2]>,
    /// The unit at each position.
    order: Vec<usize>,
    /// Each unit's network (by unit, as the callers read it).
    assign: Vec<usize>,
    nodes: u64,
}

impl Pruned {
    /// Whether network `c`'s members can still be joined up through the units not yet placed (positions
    /// `i..`): a flood from one member over members and unplaced units reaches every member.
    fn can_connect(&self, c: usize, i: usize) -> bool {
        let members = self.members[c];
        if members.count_ones() <= 1 {
            return true;
        }
        let open = if i >= 64 { 0 } else { !0u64 << i };
        let allowed = members | open;
        let mut reached = members & members.wrapping_neg();
        let mut frontier = reached;
        while frontier != 0 {
            let mut next = 0u64;
            let mut f = frontier;
            while f != 0 {
                let b = f.trailing_zeros() as usize;
                f &= f - 1;
                next |= self.adjacent[b];
            }
            frontier = next & allowed & !reached;
            reached |= frontier;
        }
        members & !reached == 0
    }

    /// Places unit `i` given that networks `0..used` are in use; false when the budget ran out.
    fn visit(&mut self, i: usize, used: usize, each: &mut dyn FnMut(&[usize])) -> bool {
        let n = self.assign.len();
        if n - i < self.k - used {
            return true;
        }
        // Every network, open or not, must still reach the least of each band with the units left.
        for d in 0..2 {
            let lo = self.bands[d].0;
            if lo > 0.0 {
                let short: f64 = (0..self.k)
                    .map(|c| (lo - if c < used { self.totals[c][d] } else { 0.0 }).max(0.0))
                    .sum();
                if short > self.left[i][d] + 1e-9 * short {
                    return true;
                }
            }
        }
        if self.connected && (0..used).any(|c| !self.can_connect(c, i)) {
            return true;
        }
        if i == n {
            if used == self.k {
                each(&self.assign);
            }
            return true;
        }
        for c in 0..(used + 1).min(self.k) {
            let v = self.values[i];
            if (0..2)
                .any(|d| self.totals[c][d] + v[d] > self.bands[d].1 + 1e-9 * self.bands[d].1.abs())
            {
                continue;
            }
            self.nodes += 1;
            if self.nodes > NODE_BUDGET {
                return false;
            }
            self.assign[self.order[i]] = c;
            self.members[c] |= 1 << i;
            for (t, x) in self.totals[c].iter_mut().zip(v) {
                *t += x;
            }
            let done = self.visit(i + 1, used.max(c + 1), each);
            self.members[c] &= !(1 << i);
            for (t, x) in self.totals[c].iter_mut().zip(v) {
                *t -= x;
            }
            if !done {
                return false;
            }
        }
        true
    }
}

/// Calls `each` with every split of `n` units into `k` non-empty networks (as restricted growth strings).
fn every_split(n: usize, k: usize, each: &mut dyn FnMut(&[usize])) {
    let mut assign = vec![0usize; n];
    visit(k, &mut assign, 1, 1, each);
}

/// Places unit `i` given that networks `0..used` are already in use.
fn visit(k: usize, assign: &mut Vec<usize>, i: usize, used: usize, each: &mut dyn FnMut(&[usize])) {
    let n = assign.len();
    if n - i < k.saturating_sub(used) {
        return; // not enough units left to open the remaining networks
    }
    if i == n {
        if used == k {
            each(assign);
        }
        return;
    }
    for c in 0..(used + 1).min(k) {
        assign[i] = c;
        visit(k, assign, i + 1, used.max(c + 1), each);
    }
}

/// The split `assign` as a search state when it meets every rule (numbered for the pins, when there are
/// any), or `None`.
fn valid<'p>(p: &'p Problem, assign: &[usize]) -> Option<State<'p>> {
    let assign = if p.pins.iter().any(Option::is_some) {
        numbered_for_pins(p, assign)?
    } else {
        assign.to_vec()
    };
    if p.limits.connected {
        for c in 0..p.k {
            let member: Vec<bool> = assign.iter().map(|&a| a == c).collect();
            if !p.neighbors.is_connected(&member) {
                return None;
            }
        }
    }
    let state = State::new(p, assign);
    (state.total_violation() == 0.0).then_some(state)
}

fn consider(p: &Problem, assign: &[usize], best: &mut Option<(f64, Vec<usize>)>) {
    let Some(state) = valid(p, assign) else {
        return;
    };
    let sse = state.total_cost();
    if best.as_ref().is_none_or(|(b, _)| sse < *b - 1e-12) {
        *best = Some((sse, state.assign().to_vec()));
    }
}

/// The split `assign` with its networks numbered so that every pinned unit is in its network, or `None`
/// when no numbering does (two labels share a network, or one label is split). Splits are enumerated with
/// interchangeable networks; pins name particular ones.
fn numbered_for_pins(p: &Problem, assign: &[usize]) -> Option<Vec<usize>> {
    let mut to: Vec<Option<usize>> = vec![None; p.k];
    let mut taken = vec![false; p.k];
    for (u, &c) in assign.iter().enumerate() {
        if let Some(t) = p.pin(u) {
            match to[c] {
                Some(x) if x != t => return None,
                Some(_) => {}
                None if taken[t] => return None,
                None => {
                    to[c] = Some(t);
                    taken[t] = true;
                }
            }
        }
    }
    Some(renumbered(assign, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::solver::{Limits, UnitData};
    use std::sync::Arc;

    /// Random connected problems of `n` units (a random tree plus a few chords) with one to three schools
    /// and 10 to 100 students each, into `k` networks within ±`tol` of the mean and 2 to 12 schools.
    fn random(n: usize, k: usize, tol: f64, next: &mut dyn FnMut(u64) -> u64) -> Problem {
        let units: Vec<UnitData> = (0..n)
            .map(|i| UnitData {
                pos: [next(100) as f64, i as f64],
                schools: 1 + next(3) as u32,
                enrollment: 10.0 + next(91) as f64,
            })
            .collect();
        let mut edges: Vec<(usize, usize)> = (1..n).map(|i| (next(i as u64) as usize, i)).collect();
        for _ in 0..n / 3 {
            let (a, b) = (next(n as u64) as usize, next(n as u64) as usize);
            edges.push((a, b));
        }
        let mean = units.iter().map(|u| u.enrollment).sum::<f64>() / k as f64;
        let limits = Limits::basic(2, 12, mean * (1.0 - tol), mean * (1.0 + tol));
        Problem::new(units, Arc::new(Graph::from_edges(n, edges)), k, limits)
    }

    #[test]
    fn the_pruned_search_finds_what_trying_every_split_finds() {
        // Problems just above the size tried split by split: the pruned search must find the same best plan
        // (or the same "none") as every split tried one by one, and the same narrowest band.
        let mut next = crate::seeds::test_stream(0x9e37_79b9_7f4a_7c15u64);
        let (mut found, mut none) = (0, 0);
        for _ in 0..120 {
            let n = MAX_UNITS + 1 + next(2) as usize;
            let k = 2 + next(2) as usize;
            let tol = 0.1 + next(40) as f64 / 100.0;
            let p = random(n, k, tol, &mut next);
            let mut every: Option<(f64, Vec<usize>)> = None;
            every_split(n, k, &mut |a| consider(&p, a, &mut every));
            let Searched::Proven(pruned) = solve_pruned(&p) else {
                panic!("{n} units are within the budget");
            };
            let cost = |a: &[usize]| State::new(&p, a.to_vec()).total_cost();
            match (&every, &pruned) {
                (Some((c, _)), Some(a)) => {
                    assert!((cost(a) - c).abs() < 1e-9, "{c} vs {}", cost(a));
                    found += 1;
                }
                (None, None) => none += 1,
                _ => panic!("every split: {every:?}; pruned: {pruned:?}"),
            }
            // The narrowest band ignores the enrollment band, so nothing is cut on students.
            let mut widest: Option<f64> = None;
            let mean = p.mean_enrollment();
            let relaxed = without_enrollment_band(&p, k);
            every_split(n, k, &mut |a| {
                if let Some(s) = valid(&relaxed, a) {
                    let spread = widest_gap(&s, mean);
                    widest = Some(widest.map_or(spread, |w: f64| w.min(spread)));
                }
            });
            assert_eq!(tightest_band(&p, k), Searched::Proven(widest));
        }
        assert!(
            found > 10 && none > 10,
            "{found} with a plan, {none} without: both kinds tested"
        );
    }
}
