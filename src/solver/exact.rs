//! Exhaustive search for tiny problems: every way to split the units into `k` non-empty networks.
//!
//! Networks are interchangeable, so each split is enumerated once, as a restricted growth string (unit 0 in
//! network 0; each later unit in an existing network or the next new one). There are S(n, k) splits
//! (a Stirling number: 42,525 for 10 units in 5 networks). The result is optimal, and "no plan" is a proof.

use super::problem::{renumbered, Problem};
use super::state::State;

/// Largest number of units searched exhaustively.
pub(crate) const MAX_UNITS: usize = 10;

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
/// included); `None` when no split meets the other rules, so that the band is not what stands in the way,
/// or when the problem is too large to search exhaustively. Answers "how wide must the band be?" with
/// the same search that proved the scenario's band impossible.
pub fn tightest_band(p: &Problem, k: usize) -> Option<f64> {
    use super::problem::{Column, Limits, Quantity, Term};
    let n = p.units.len();
    if n == 0 || n > MAX_UNITS || k == 0 || k > n {
        return None;
    }
    let mut relaxed = p.clone();
    relaxed.k = k;
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
    relaxed.limits = Limits::new(terms, p.limits.connected, p.limits.width);
    let mean = relaxed.mean_enrollment();
    if mean <= 0.0 {
        return None;
    }
    let mut best: Option<f64> = None;
    every_split(n, k, &mut |assign| {
        let Some(state) = valid(&relaxed, assign) else {
            return;
        };
        let spread = state
            .totals()
            .iter()
            .map(|t| (t.enrollment - mean).abs() / mean)
            .fold(0.0, f64::max);
        if best.is_none_or(|b| spread < b) {
            best = Some(spread);
        }
    });
    best
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
