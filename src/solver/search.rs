//! The moves that improve a plan: single boundary moves, chains along neighbouring networks, and swaps.
//!
//! Every move is taken only if the networks stay connected and it lowers (violation, cost)
//! lexicographically, where cost is compactness plus the price of any soft links it cuts
//! ([`super::Links`]) and of units away from home ([`super::Homes`]), so once every hard constraint holds
//! no move breaks one again. [`polish`] runs them in order.

use super::moves::Move;
use super::state::State;
use rand::seq::SliceRandom;

const EPS: f64 = 1e-9;

fn better(d: (f64, f64), than: (f64, f64)) -> bool {
    d.0 < than.0 - EPS || (d.0 <= than.0 + EPS && d.1 < than.1 - EPS)
}

/// Boundary moves until none improves (or a pass limit is reached).
pub(crate) fn local_search(s: &mut State<'_>, rng: &mut impl rand::Rng) {
    const MAX_PASSES: usize = 200;
    let n = s.p.units.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    for _ in 0..MAX_PASSES {
        let mut moved = false;
        for &u in &order {
            let a = s.assign[u];
            if s.totals[a].units <= 1 {
                continue;
            }
            let mut best: Option<(usize, (f64, f64))> = None;
            let mut leaving = None;
            for &v in &s.p.neighbors[u] {
                let b = s.assign[v];
                if b == a || best.is_some_and(|(bb, _)| bb == b) {
                    continue;
                }
                let d = s.delta_leaving(u, b, &mut leaving);
                if better(d, best.map_or((0.0, 0.0), |x| x.1)) {
                    best = Some((b, d));
                }
            }
            if let Some((b, _)) = best {
                if !s.p.limits.connected || s.stays_connected_without(u) {
                    s.apply(s.to(u, b));
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
}

/// Cheapest repairs: while rules are broken, the single boundary move that lowers the violation at the
/// least cost per point of violation it removes, over the whole plan. Local search takes the first move
/// it meets that lowers the violation, whatever it costs in compactness; starting from a plan a little
/// outside the rules (after connectivity repair), this keeps the repair cheap. Returns whether anything
/// changed.
pub(crate) fn cheapest_repairs(s: &mut State<'_>) -> bool {
    const MAX_STEPS: usize = 500;
    let mut changed = false;
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for _ in 0..MAX_STEPS {
        if s.total_violation() <= EPS {
            break;
        }
        candidates.clear();
        for u in 0..s.p.units.len() {
            let a = s.assign[u];
            if s.totals[a].units <= 1 {
                continue;
            }
            let mut last = usize::MAX;
            let mut leaving = None;
            for &v in &s.p.neighbors[u] {
                let b = s.assign[v];
                if b == a || b == last {
                    continue;
                }
                last = b;
                let (dv, dc) = s.delta_leaving(u, b, &mut leaving);
                if dv < -EPS {
                    candidates.push((dc / -dv, u, b));
                }
            }
        }
        candidates.sort_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        let mut moved = false;
        for &(_, u, b) in &candidates {
            if !s.p.limits.connected || s.stays_connected_without(u) {
                s.apply(s.to(u, b));
                moved = true;
                break;
            }
        }
        if !moved {
            break;
        }
        changed = true;
    }
    changed
}

/// Whether network `t` can take in (`incoming`) or give away a unit without going past a size bound
/// ([`Limits::has_room`](super::Limits::has_room)); the chain's result as a whole is judged after.
pub(crate) fn has_slack(s: &State<'_>, t: usize, incoming: bool) -> bool {
    s.p.limits.has_room(&s.totals[t], incoming)
}

/// Networks that share at least one adjacency edge with each network, sorted.
pub(crate) fn network_neighbours(s: &State<'_>) -> Vec<Vec<usize>> {
    let mut nb = vec![Vec::new(); s.p.k];
    for (u, list) in s.p.neighbors.iter().enumerate() {
        let a = s.assign[u];
        for &v in list {
            let b = s.assign[v];
            if a != b {
                nb[a].push(b);
            }
        }
    }
    for l in &mut nb {
        l.sort_unstable();
        l.dedup();
    }
    nb
}

/// The networks from `to` back to the root of a breadth-first search, as its `parent` links give them.
pub(crate) fn path_back(parent: &[usize], to: usize) -> Vec<usize> {
    let mut path = vec![to];
    let mut at = to;
    while parent[at] != at {
        at = parent[at];
        path.push(at);
    }
    path
}

/// Moves a unit along each consecutive pair of `path` ([`step`]); returns the moves made, or, when a step
/// finds no unit, undoes those made and returns `None`.
pub(crate) fn step_along(s: &mut State<'_>, path: &[usize]) -> Option<Vec<Move>> {
    let mut done = Vec::new();
    for w in path.windows(2) {
        match step(s, w[0], w[1]) {
            Some(m) => done.push(m),
            None => {
                undo(s, &done);
                return None;
            }
        }
    }
    Some(done)
}

/// Puts back the moves of [`step_along`], last first.
pub(crate) fn undo(s: &mut State<'_>, done: &[Move]) {
    for m in super::moves::reversed(done) {
        s.apply(m);
    }
}

/// Moves one unit from network `x` to neighbouring network `y`: the movable unit (x stays connected and
/// non-empty) whose move lowers (violation, compactness) the most, even if it raises them. `None` if no
/// unit of `x` borders `y` or none can leave. Returns the move made.
pub(crate) fn step(s: &mut State<'_>, x: usize, y: usize) -> Option<Move> {
    if s.totals[x].units <= 1 {
        return None;
    }
    let mut best: Option<(usize, (f64, f64))> = None;
    for i in 0..s.members[x].len() {
        let u = s.members[x][i];
        if !s.p.neighbors[u].iter().any(|&v| s.assign[v] == y) {
            continue;
        }
        let d = s.delta(u, y);
        if best.is_none_or(|(_, bd)| better(d, bd))
            && (!s.p.limits.connected || s.stays_connected_without(u))
        {
            best = Some((u, d));
        }
    }
    let (u, _) = best?;
    let m = s.to(u, y);
    s.apply(m);
    Some(m)
}

/// Chain moves: for a network outside its bounds, pass units along a path of neighbouring networks to
/// (or from) a network with room, one unit per step, and keep the chain only if the total violation
/// falls. This reaches balance that single moves cannot when the network with room is not a neighbour.
/// Returns whether anything changed.
pub(crate) fn balance_chains(s: &mut State<'_>) -> bool {
    const MAX_PATH: usize = 10;
    const TARGETS_PER_NETWORK: usize = 24;
    const MAX_ROUNDS: usize = 50;
    let mut changed = false;
    for _round in 0..MAX_ROUNDS {
        let mut v0 = s.total_violation();
        if v0 <= EPS {
            break;
        }
        let mut bad: Vec<(f64, usize)> = (0..s.p.k)
            .map(|c| (s.network_violation(c), c))
            .filter(|(v, _)| *v > EPS)
            .collect();
        bad.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let nb = network_neighbours(s);
        let mut improved = false;
        'networks: for &(_, a) in &bad {
            let push_out = s.p.limits.over_size(&s.totals[a]);
            let pull_in = s.p.limits.under_size(&s.totals[a]);
            if push_out == pull_in {
                continue; // only grade coverage is short (single moves handle it), or both at once
            }
            // Breadth-first over networks from `a`.
            let mut parent = vec![usize::MAX; s.p.k];
            parent[a] = a;
            let mut queue = vec![a];
            let mut depth = vec![0usize; s.p.k];
            let mut i = 0;
            let mut tried = 0;
            while i < queue.len() && tried < TARGETS_PER_NETWORK {
                let x = queue[i];
                i += 1;
                if depth[x] >= MAX_PATH {
                    continue;
                }
                for &y in &nb[x] {
                    if parent[y] != usize::MAX {
                        continue;
                    }
                    parent[y] = x;
                    depth[y] = depth[x] + 1;
                    queue.push(y);
                    if !has_slack(s, y, push_out) {
                        continue;
                    }
                    tried += 1;
                    // The path y → ... → a; units flow a → y (push) or y → a (pull).
                    let mut path = path_back(&parent, y);
                    if push_out {
                        path.reverse();
                    }
                    let Some(moves) = step_along(s, &path) else {
                        continue;
                    };
                    let v1 = s.total_violation();
                    if v1 < v0 - EPS {
                        v0 = v1;
                        improved = true;
                        changed = true;
                        continue 'networks;
                    }
                    undo(s, &moves);
                }
            }
        }
        if !improved {
            break;
        }
    }
    changed
}

/// Pair swaps: unit `u` of network A and a nearby unit `v` of a neighbouring network B trade places.
/// Sizes change little while the mix changes, which share rules (low-performing, FRPM, ethnicity) need.
/// A swap is kept when both networks stay connected and (violation, compactness) falls. Returns whether
/// anything changed.
pub(crate) fn swap_pass(s: &mut State<'_>) -> bool {
    let n = s.p.units.len();
    let connected = s.p.limits.connected;
    let mut changed = false;
    let mut candidates: Vec<usize> = Vec::new();
    for u in 0..n {
        let a = s.assign[u];
        candidates.clear();
        for &w in &s.p.neighbors[u] {
            if s.assign[w] != a {
                candidates.push(w);
                candidates.extend(
                    s.p.neighbors[w]
                        .iter()
                        .copied()
                        .filter(|&v| s.assign[v] == s.assign[w]),
                );
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, (f64, f64))> = None;
        for &v in &candidates {
            let b = s.assign[v];
            let d = s.price_swap(s.p, s.to(u, b), s.to(v, a));
            if better(d, best.map_or((0.0, 0.0), |x| x.1)) {
                best = Some((v, d));
            }
        }
        let Some((v, _)) = best else { continue };
        let b = s.assign[v];
        let (mu, mv) = (s.to(u, b), s.to(v, a));
        s.apply(mu);
        s.apply(mv);
        if !connected || (s.network_connected(a, v) && s.network_connected(b, u)) {
            changed = true;
        } else {
            s.undo(mv);
            s.undo(mu);
        }
    }
    changed
}

/// Local search, then, while rules are broken, rounds of chain moves and swaps (each followed by local
/// search) until a round changes nothing.
pub(crate) fn polish(state: &mut State<'_>, rng: &mut impl rand::Rng) {
    local_search(state, rng);
    for _ in 0..6 {
        if state.total_violation() <= 0.0 {
            break;
        }
        let chained = balance_chains(state);
        let swapped = swap_pass(state);
        if !chained && !swapped {
            break;
        }
        local_search(state, rng);
    }
    // Swaps also improve compactness where single moves are stuck (they never break a rule that holds).
    for _ in 0..SWAP_ROUNDS {
        if !swap_pass(state) {
            break;
        }
        local_search(state, rng);
    }
}

/// Rounds of compactness swaps after the rules hold.
pub(crate) const SWAP_ROUNDS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::{Limits, Links, Problem, UnitData};

    /// Four one-school units in a row 1 km apart, two networks, no rule but sizes of 1 to 3 schools.
    fn row(links: Links) -> Problem {
        let units = (0..4)
            .map(|i| UnitData {
                pos: [i as f64, 0.0],
                schools: 1,
                enrollment: 100.0,
            })
            .collect();
        Problem {
            links,
            ..Problem::new(
                units,
                std::sync::Arc::new(crate::graph::Graph::from_lists(vec![
                    vec![1],
                    vec![0, 2],
                    vec![1, 3],
                    vec![2],
                ])),
                2,
                Limits::basic(1, 3, 0.0, 1e9),
            )
        }
    }

    #[test]
    fn the_price_of_cut_links_is_kept_exactly_by_moves_and_swaps() {
        // Units 1 and 2 are linked (e.g. an elementary school and the middle school it feeds).
        let p = row(Links::from_pairs(4, [(1, 2), (2, 1)], 10.0));
        assert_eq!(p.links.of_unit[1], vec![(2, 2.0)], "pairs add up");
        let mut s = State::new(&p, vec![0, 0, 1, 1]);
        assert!((s.total_cost() - (s.total_sse() + 20.0)).abs() < 1e-9);
        // Moving unit 2 into network 0 uncuts the link: the delta must match the recomputed cost.
        let before = s.total_cost();
        let (_, dc) = s.delta(2, 0);
        s.apply(s.to(2, 0));
        assert!((s.total_cost() - (before + dc)).abs() < 1e-9);
        assert!((s.total_cost() - s.total_sse()).abs() < 1e-9, "nothing cut");
        // A swap of units 1 (network 0) and 3 (network 1): its price against the recomputed cost.
        let before = s.total_cost();
        let (m, n) = (s.to(1, 1), s.to(3, 0));
        let (_, dc) = s.price_swap(&p, m, n);
        s.apply(m);
        s.apply(n);
        assert!((s.total_cost() - (before + dc)).abs() < 1e-9);
        // Undone, the partition is as it was.
        s.undo(n);
        s.undo(m);
        assert!((s.total_cost() - before).abs() < 1e-9);
    }

    #[test]
    fn a_high_enough_price_keeps_linked_units_together() {
        // Without links the most compact split is {0,1} {2,3}; linking 1 and 2 strongly makes the
        // search prefer a split that keeps them together.
        let run = |links: Links| {
            let p = row(links);
            let mut s = State::new(&p, vec![0, 0, 1, 1]);
            let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
            polish(&mut s, &mut rng);
            s.assign.clone()
        };
        let free = run(Links::default());
        assert_ne!(free[1], free[2]);
        let linked = run(Links::from_pairs(4, [(1, 2)], 100.0));
        assert_eq!(linked[1], linked[2], "{linked:?}");
        // A soft barrier between units 0 and 1 (a negative weight: keeping the link costs) moves the
        // split there.
        let apart = run(Links::weighted(4, [(0, 1, -100.0)], 1.0));
        assert_ne!(apart[0], apart[1], "{apart:?}");
    }

    #[test]
    fn a_soft_barrier_is_priced_when_kept_and_moves_keep_the_price_exactly() {
        // Units 1 and 2 across a soft barrier at 30 km² a crossing, and a feeder link 0-1 at 10.
        let p = row(Links::weighted(4, [(1, 2, -30.0), (0, 1, 10.0)], 1.0));
        let mut s = State::new(&p, vec![0, 0, 1, 1]);
        assert!(
            (s.total_cost() - s.total_sse()).abs() < 1e-9,
            "barrier cut, link kept"
        );
        let before = s.total_cost();
        let (_, dc) = s.delta(2, 0);
        s.apply(s.to(2, 0));
        assert!((s.total_cost() - (before + dc)).abs() < 1e-9);
        assert!(
            (s.total_cost() - (s.total_sse() + 30.0)).abs() < 1e-9,
            "crossing kept"
        );
        let before = s.total_cost();
        let (_, dc) = s.delta(1, 1);
        s.apply(s.to(1, 1));
        assert!((s.total_cost() - (before + dc)).abs() < 1e-9);
        assert!(
            (s.total_cost() - (s.total_sse() + 10.0)).abs() < 1e-9,
            "crossing 1-2 cut again, feeder link 0-1 cut"
        );
    }
}
