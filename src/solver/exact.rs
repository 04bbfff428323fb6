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
    let mut assign = vec![0usize; n];
    let mut best: Option<(f64, Vec<usize>)> = None;
    visit(p, &mut assign, 1, 1, &mut best);
    best.map(|(_, a)| a)
}

/// Places unit `i` given that networks `0..used` are already in use.
fn visit(
    p: &Problem,
    assign: &mut Vec<usize>,
    i: usize,
    used: usize,
    best: &mut Option<(f64, Vec<usize>)>,
) {
    let n = assign.len();
    if n - i < p.k.saturating_sub(used) {
        return; // not enough units left to open the remaining networks
    }
    if i == n {
        if used == p.k {
            consider(p, assign, best);
        }
        return;
    }
    for c in 0..(used + 1).min(p.k) {
        assign[i] = c;
        visit(p, assign, i + 1, used.max(c + 1), best);
    }
}

fn consider(p: &Problem, assign: &[usize], best: &mut Option<(f64, Vec<usize>)>) {
    let relabelled;
    let assign = if p.pins.iter().any(Option::is_some) {
        match numbered_for_pins(p, assign) {
            Some(a) => {
                relabelled = a;
                &relabelled[..]
            }
            None => return,
        }
    } else {
        assign
    };
    let state = State::new(p, assign.to_vec());
    if state.total_violation() > 0.0 {
        return;
    }
    if p.limits.connected {
        for c in 0..p.k {
            let member: Vec<bool> = assign.iter().map(|&a| a == c).collect();
            if !p.neighbors.is_connected(&member) {
                return;
            }
        }
    }
    let sse = state.total_cost();
    if best.as_ref().is_none_or(|(b, _)| sse < *b - 1e-12) {
        *best = Some((sse, assign.to_vec()));
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
