//! The restart pipeline: from a problem to the best plan of several independent restarts.
//!
//! One restart ([`solve_once`]) seeds centres (k-means++ and Lloyd), assigns units to them under the
//! enrollment band (a min-cost flow, up to `CAPACITATED_LLOYD_ROUNDS` rounds of capacitated Lloyd), brings
//! the rounded plan near the rules across existing borders (`near_the_rules`), then [`finish`]es: empty
//! and broken-up networks repaired, the cheapest repairs first, local search, chains and swaps
//! ([`super::search`]), and while rules are still broken the boundary LP and kicks. Restarts run in
//! parallel; the winner is the least (violation, cost, restart index), so the thread count never matters.

use super::moves::Move;
use super::problem::{Problem, Settings, Solution};
use super::{assign, repair, search, seed, state};
use rayon::prelude::*;

/// Most rounds of capacitated Lloyd iterations (assignment → recentre) per restart; they stop earlier when
/// the assignment no longer changes.
pub(crate) const CAPACITATED_LLOYD_ROUNDS: usize = 30;

/// Rounds of the boundary assignment ([`assign::rebalance`]) between connectivity repair and local search.
pub(crate) const BOUNDARY_ROUNDS: usize = 3;

/// One restart of the whole pipeline.
pub fn solve_once(p: &Problem, settings: Settings, seed_value: u64, restart: usize) -> Solution {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed_value);
    let mut centres = seed::kmeans(p, &mut rng);
    let mut assignment = assign::capacitated(p, &centres, settings.assignment)
        .unwrap_or_else(|| seed::nearest(p, &centres));
    // Capacitated Lloyd: move each centre to the middle of its assignment and solve again.
    for _ in 0..CAPACITATED_LLOYD_ROUNDS {
        centres = seed::centres_of(p, &assignment, &centres);
        match assign::capacitated(p, &centres, settings.assignment) {
            Some(a) if a != assignment => assignment = a,
            _ => break,
        }
    }
    // The converged centres once more, split units fixed rather than rounded.
    centres = seed::centres_of(p, &assignment, &centres);
    if let Some(a) = assign::capacitated_whole(p, &centres, settings.assignment) {
        assignment = a;
    }
    let assignment = near_the_rules(p, settings, assignment);
    finish(p, settings, assignment, &mut rng, restart)
}

/// Makes a rounded assignment connected and brings it near the rules before local search. Connectivity
/// repair hands whole pieces to neighbours and breaks the enrollment band; local search would then take any
/// step that lowers the violation, whatever it costs in compactness. The boundary assignment instead moves
/// many units across existing borders at once, at the least cost in compactness, so the search starts from
/// a plan close to both. Keeps the best of its rounds (least violation, then compactness).
fn near_the_rules(p: &Problem, settings: Settings, mut assignment: Vec<usize>) -> Vec<usize> {
    let connect = |a: &mut Vec<usize>| {
        repair::fill_empty(p, a);
        if p.limits.connected {
            repair::repair_connectivity(p, a);
        }
    };
    connect(&mut assignment);
    let score = |a: &[usize]| {
        let s = state::State::new(p, a.to_vec());
        (s.total_violation(), s.total_sse())
    };
    let mut best = (score(&assignment), assignment);
    let mut current = best.1.clone();
    for _ in 0..BOUNDARY_ROUNDS {
        if best.0 .0 <= 0.0 {
            break;
        }
        let Some(mut next) = assign::rebalance(p, &current, settings.assignment) else {
            break;
        };
        connect(&mut next);
        let s = score(&next);
        if s < best.0 {
            best = (s, next.clone());
        }
        current = next;
    }
    best.1
}

/// The common ending of every search: give empty networks a unit, make networks connected, polish; if
/// rules are still broken, rebalance and then kick.
pub fn finish(
    p: &Problem,
    settings: Settings,
    assignment: Vec<usize>,
    rng: &mut impl rand::Rng,
    restart: usize,
) -> Solution {
    let settled = settle(
        p,
        settings,
        assignment,
        rng,
        restart,
        REBALANCE_ROUNDS,
        true,
    );
    kick(p, settings, settled, rng, restart)
}

/// Repair and polish an assignment; while rules are still broken, let the LP shift units across borders
/// region-wide ([`assign::rebalance`]), then repair and polish again. Returns the best plan seen.
fn settle(
    p: &Problem,
    settings: Settings,
    mut assignment: Vec<usize>,
    rng: &mut impl rand::Rng,
    restart: usize,
    rebalance_rounds: usize,
    cheapest_first: bool,
) -> Solution {
    repair::fill_empty(p, &mut assignment);
    if p.limits.connected {
        repair::repair_connectivity(p, &mut assignment);
    }
    let mut state = state::State::new(p, assignment);
    if cheapest_first {
        search::cheapest_repairs(&mut state);
    }
    search::polish(&mut state, rng);
    let mut best = Solution::of(&state, restart, false);
    for _ in 0..rebalance_rounds {
        if best.violation <= 0.0 {
            break;
        }
        let Some(mut a) = assign::rebalance(p, &best.assignment, settings.assignment) else {
            break;
        };
        repair::fill_empty(p, &mut a);
        if p.limits.connected {
            repair::repair_connectivity(p, &mut a);
        }
        let mut next = state::State::new(p, a);
        search::polish(&mut next, rng);
        let candidate = Solution::of(&next, restart, false);
        if (candidate.violation, candidate.cost) < (best.violation, best.cost) {
            best = candidate;
        } else {
            break;
        }
    }
    best
}

/// Rounds of [`assign::rebalance`] (boundary LP, repair, polish) after polish when rules are still broken.
pub(crate) const REBALANCE_ROUNDS: usize = 4;

/// Kicks tried per round, largest units first.
pub(crate) const MAX_KICKS: usize = 16;
/// Rounds of kicks; each round starts from the best plan of the one before.
pub(crate) const KICK_ROUNDS: usize = 3;
/// Rebalancing rounds after each kick.
pub(crate) const KICK_REBALANCE_ROUNDS: usize = 0;

/// When rules are still broken after [`settle`]: move one unit across the border of a network that breaks
/// a rule (into it, or out of it), even though that makes things worse for a moment, and settle again from
/// there; keep the first kick that leaves less violation. Single moves, chains, swaps and the rounded LP
/// all refuse a step that breaks a rule further, so they cannot trade one large unit for several small ones
/// across three networks, which lumpy units (feeder pathways of thousands of students) need: a network
/// short of students may need a whole large pathway from its neighbour, which then takes back smaller ones
/// and one from the next network (BENCHMARKS.md, feeder-pattern networks).
fn kick(
    p: &Problem,
    settings: Settings,
    mut best: Solution,
    rng: &mut impl rand::Rng,
    restart: usize,
) -> Solution {
    for _ in 0..KICK_ROUNDS {
        if best.violation <= 0.0 {
            break;
        }
        let mut state = state::State::new(p, best.assignment.clone());
        let broken: Vec<bool> = (0..p.k).map(|c| state.network_violation(c) > 0.0).collect();
        // (unit, network it would move to), each unit at most once per target.
        let mut kicks: Vec<(usize, usize)> = Vec::new();
        for u in 0..p.units.len() {
            let a = state.assign[u];
            let mut targets: Vec<usize> = p.neighbors[u]
                .iter()
                .map(|&w| state.assign[w])
                .filter(|&b| b != a && (broken[a] || broken[b]))
                .collect();
            targets.sort_unstable();
            targets.dedup();
            if targets.is_empty()
                || p.pin(u).is_some()
                || (p.limits.connected && !state.stays_connected_without(u))
            {
                continue;
            }
            kicks.extend(targets.into_iter().map(|b| (u, b)));
        }
        kicks.sort_by(|x, y| {
            p.units[y.0]
                .enrollment
                .total_cmp(&p.units[x.0].enrollment)
                .then(x.cmp(y))
        });
        kicks.truncate(MAX_KICKS);
        let mut improved = false;
        for (u, b) in kicks {
            let mut a = best.assignment.clone();
            Move::of(&a, u, b).apply_to(&mut a);
            // No cheapest repairs after a kick: the cheapest repair is usually to undo it.
            let candidate = settle(p, settings, a, rng, restart, KICK_REBALANCE_ROUNDS, false);
            if (candidate.violation, candidate.cost) < (best.violation, best.cost) {
                best = candidate;
                improved = true;
                break;
            }
        }
        if !improved {
            break;
        }
    }
    best
}

/// [`super::solve`] without splitting into parts (and without pair re-solving).
pub(crate) fn solve_direct(
    p: &Problem,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Solution {
    ranked_direct(p, settings, progress)
        .into_iter()
        .next()
        .expect("at least one solution")
}

/// [`super::solve_ranked`] without splitting into parts.
pub(crate) fn ranked_direct(
    p: &Problem,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Vec<Solution> {
    if p.units.len() <= super::exact::MAX_UNITS && p.k <= p.units.len() {
        let found = super::exact::solve(p);
        for _ in 0..settings.restarts.max(1) {
            progress();
        }
        let closest = match found {
            Some(a) => Solution::of(&state::State::new(p, a), 0, false),
            // Proven infeasible: report the heuristic's closest plan.
            None => solve_once(p, settings, crate::seeds::derive(settings.seed, 0), 0),
        };
        return vec![Solution {
            exhaustive: true,
            ..closest
        }];
    }
    ranked_restarts(settings, progress, |seed_value, i| {
        solve_once(p, settings, seed_value, i)
    })
}

/// Searches from an adopted assignment `start`: returns it as it is when it already meets every rule, each
/// network one piece where the limits ask it (calling `progress` once per restart), otherwise the best of
/// `settings.restarts` runs of [`finish`] from it. With [`Homes`] set, every run keeps as much of `start` as
/// the rules allow.
pub(crate) fn from_start(
    p: &Problem,
    start: Vec<usize>,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Solution {
    let mut start = start;
    p.apply_pins(&mut start);
    let initial = Solution::of(&state::State::new(p, start.clone()), 0, false);
    // Connectivity is kept by the search's moves, not priced: a start in pieces (links dropped since it was
    // drawn, by a barrier) meets the priced rules and is still searched.
    let whole = !p.limits.connected
        || (0..p.k).all(|c| {
            let member: Vec<bool> = start.iter().map(|&x| x == c).collect();
            !member.contains(&true) || p.neighbors.is_connected(&member)
        });
    if initial.violation <= 0.0 && whole {
        (0..settings.restarts.max(1)).for_each(|_| progress());
        return initial;
    }
    best_restart(settings, progress, |seed_value, i| {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed_value);
        finish(p, settings, start.clone(), &mut rng, i)
    })
}

/// Runs `settings.restarts` restarts (at least one) in parallel, restart *i* with the seed
/// [`crate::seeds::derive`]`(settings.seed, i)`, calling `progress` after each; returns the best: least violation,
/// then least cost, then lowest restart index, so the winner never depends on thread scheduling.
pub(crate) fn best_restart(
    settings: Settings,
    progress: &(dyn Fn() + Sync),
    run: impl Fn(u64, usize) -> Solution + Sync,
) -> Solution {
    ranked_restarts(settings, progress, run)
        .into_iter()
        .next()
        .expect("at least one restart")
}

/// Like [`best_restart`], but returns every restart's solution, best first (the same order).
pub(crate) fn ranked_restarts(
    settings: Settings,
    progress: &(dyn Fn() + Sync),
    run: impl Fn(u64, usize) -> Solution + Sync,
) -> Vec<Solution> {
    let mut solutions: Vec<Solution> = (0..settings.restarts.max(1))
        .into_par_iter()
        .map(|i| {
            let s = run(crate::seeds::derive(settings.seed, i), i);
            progress();
            s
        })
        .collect();
    solutions.sort_by(|a, b| {
        a.violation
            .total_cmp(&b.violation)
            .then(a.cost.total_cmp(&b.cost))
            .then(a.restart.cmp(&b.restart))
    });
    solutions
}
