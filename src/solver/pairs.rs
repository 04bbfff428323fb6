//! Re-optimisation of a plan that meets every rule, a few networks at a time.
//!
//! Local search moves one unit (or swaps two) at a time and stops where no single step helps; two or three
//! networks may still be better drawn afresh. So each pair of neighbouring networks, and then each
//! triangle of networks that all border one another, is solved again as a problem of its own (the same
//! pipeline, several seeded restarts, the same absolute limits), and the new borders are kept when the
//! group's networks still meet every rule and are more compact. A triangle can pass students round
//! from a full network to an empty one through a third, which tight bands (plans that hold for several
//! years) need when every pair is at the edge of its band. Groups are re-solved in parallel from the
//! same plan; improvements are then applied best first, each network changing at most once per round,
//! so the result does not depend on the thread count.

use super::moves::Move;
use super::problem::{Problem, Settings, Solution};
use super::restarts::solve_direct;
use super::{parts, search, state};
use rayon::prelude::*;

/// Most rounds over every group (each round starts from the plan the one before left); pairs and
/// triangles take turns, and the search stops when neither helps.
pub(crate) const ROUNDS: usize = 10;

/// Restarts of each pair's two-network problem.
pub(crate) const PAIR_RESTARTS: usize = 2;

/// A group's better borders: its networks, each of their units' new network, and the cost it saves.
struct Better {
    group: Vec<usize>,
    units: Vec<usize>,
    new: Vec<usize>,
    gain: f64,
}

/// Improves `best` (which must meet every rule; otherwise it is returned as it is) by re-solving pairs and
/// triangles of neighbouring networks. With `within` (a class for each network: support regions), only
/// networks of one class are re-solved together, so each class's totals stay as they are. Plans with
/// [`super::Homes`] (rebalancing) are left alone: their cost is not compactness alone. So are problems
/// solved in parts (more than [`parts::SPLIT_ABOVE`] networks), where thousands of groups would cost more
/// than the parts themselves.
pub(crate) fn improve(
    p: &Problem,
    best: Solution,
    settings: Settings,
    within: Option<&[usize]>,
) -> Solution {
    if best.violation > 0.0 || p.homes.cost > 0.0 || p.k < 3 || p.k > parts::SPLIT_ABOVE {
        return best;
    }
    let together = |a: usize, b: usize| within.is_none_or(|class| class[a] == class[b]);
    let mut best = best;
    let mut size = 2;
    // Sizes tried in a row without a gain.
    let mut idle = 0;
    for round in 0..ROUNDS {
        if idle == 2 {
            break;
        }
        let state = state::State::new(p, best.assignment.clone());
        let nb = search::network_neighbours(&state);
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for a in 0..p.k {
            for &b in nb[a].iter().filter(|&&b| b > a && together(a, b)) {
                if size == 2 {
                    groups.push(vec![a, b]);
                    continue;
                }
                for &c in nb[b].iter().filter(|&&c| c > b && together(a, c)) {
                    if nb[a].contains(&c) {
                        groups.push(vec![a, b, c]);
                    }
                }
            }
        }
        let found: Vec<Better> = groups
            .par_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let seed = crate::seeds::derive(settings.seed, (round << 20) + i);
                resolve(p, &state.assign, g, seed, settings)
            })
            .collect();
        let mut order: Vec<&Better> = found.iter().collect();
        order.sort_by(|x, y| y.gain.total_cmp(&x.gain).then(x.group.cmp(&y.group)));
        let mut assign = best.assignment.clone();
        let mut changed = vec![false; p.k];
        for f in order {
            if f.group.iter().any(|&c| changed[c]) {
                continue;
            }
            for (&u, &c) in f.units.iter().zip(&f.new) {
                Move::of(&assign, u, c).apply_to(&mut assign);
            }
            for &c in &f.group {
                changed[c] = true;
            }
        }
        let candidate = Solution::of(&state::State::new(p, assign), best.restart, false);
        // Each group was checked on its own; the whole plan is checked again before it replaces the old.
        if candidate.violation <= 0.0 && candidate.cost < best.cost - 1e-9 {
            best = candidate;
            idle = 0;
        } else {
            idle += 1;
            size = 5 - size;
        }
    }
    best
}

/// Restarts of each local re-solve that [`repair`] makes.
pub(crate) const REPAIR_RESTARTS: usize = 16;

/// Rounds of [`repair`].
pub(crate) const REPAIR_ROUNDS: usize = 3;

/// [`repair`] is for plans that are nearly there: with more networks than this breaking a rule, the rules
/// are most likely out of reach (a frontier step too tight, a band the district cannot meet), and redrawing
/// groups around each would cost seconds per network for nothing.
pub(crate) const REPAIR_MAX_BROKEN: usize = 6;

/// The largest group of networks [`repair`] redraws together (rings around a broken network stop here).
pub(crate) const REPAIR_MAX_GROUP: usize = 20;

/// Repairs a plan that breaks a rule by re-solving a broken network with one or two of its neighbours as a
/// small problem of its own (the same pipeline, several restarts, every rule as for the whole): a group
/// of networks redrawn together can trade large units (whole feeder pathways) in ways that single moves,
/// chains and kicks cannot. The first group whose networks then all meet every rule and leave less
/// violation in the whole plan is kept; up to [`REPAIR_ROUNDS`] rounds. Groups are tried in a fixed order
/// and solved in parallel, so the result does not depend on the thread count. Plans that meet every rule,
/// plans with homes (rebalancing) and problems solved in parts are returned as they are.
pub(crate) fn repair(p: &Problem, best: Solution, settings: Settings) -> Solution {
    if best.violation <= 0.0 || p.homes.cost > 0.0 || p.k < 2 || p.k > parts::SPLIT_ABOVE {
        return best;
    }
    let mut best = best;
    for round in 0..REPAIR_ROUNDS {
        if best.violation <= 0.0 {
            break;
        }
        let state = state::State::new(p, best.assignment.clone());
        let nb = search::network_neighbours(&state);
        let broken = (0..p.k)
            .filter(|&a| state.network_violation(a) > 0.0)
            .count();
        if broken > REPAIR_MAX_BROKEN {
            break;
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for a in 0..p.k {
            if state.network_violation(a) <= 0.0 {
                continue;
            }
            for (i, &b) in nb[a].iter().enumerate() {
                groups.push(vec![a, b]);
                for &c in &nb[a][i + 1..] {
                    groups.push(vec![a, b, c]);
                }
            }
            // And the broken network with the networks around it, ring after ring: when the networks next
            // to it are as full as it is, students must leave through theirs.
            // Rings grow until the group's students fit its networks' band with room to spare.
            let fits = |g: &[usize]| {
                let e: f64 = g.iter().map(|&c| state.totals[c].enrollment).sum();
                let (m, size) = (g.len() as f64, p.limits.size());
                e >= m * size.min_enrollment * 1.01 && e <= m * size.max_enrollment * 0.99
            };
            let mut around = vec![a];
            for depth in 0..p.k {
                let ring: Vec<usize> = around.iter().flat_map(|&b| nb[b].iter().copied()).collect();
                let before = around.len();
                around.extend(ring);
                around.sort_unstable();
                around.dedup();
                if around.len() == before || around.len() > REPAIR_MAX_GROUP {
                    break;
                }
                groups.push(around.clone());
                if depth >= 1 && fits(&around) {
                    break;
                }
            }
        }
        for g in &mut groups {
            g.sort_unstable();
        }
        groups.sort();
        groups.dedup();
        let found: Vec<Option<Solution>> = groups
            .par_iter()
            .enumerate()
            .map(|(i, g)| {
                let seed = crate::seeds::derive(settings.seed ^ 0x5EED, round * groups.len() + i);
                resolve_group(p, &state.assign, g, seed, settings).and_then(|assign| {
                    let s = Solution::of(&state::State::new(p, assign), best.restart, false);
                    (s.violation < best.violation - 1e-9).then_some(s)
                })
            })
            .collect();
        // The first group (in the fixed order) that helps: the least violation, then the least cost.
        match found.into_iter().flatten().min_by(|x, y| {
            x.violation
                .total_cmp(&y.violation)
                .then(x.cost.total_cmp(&y.cost))
        }) {
            Some(s) => best = s,
            None => break,
        }
    }
    best
}

/// Re-solves the networks `group` as a problem of their own; returns the whole plan's new assignment when
/// every network of the group meets every rule.
fn resolve_group(
    p: &Problem,
    assign: &[usize],
    group: &[usize],
    seed: u64,
    settings: Settings,
) -> Option<Vec<usize>> {
    let units: Vec<usize> = (0..assign.len())
        .filter(|&u| group.contains(&assign[u]))
        .collect();
    let sub = parts::sub_problem(p, &units, group.len(), Some(group));
    let settings = Settings {
        seed,
        restarts: REPAIR_RESTARTS,
        pairs: false,
        ..settings
    };
    let found = solve_direct(&sub, settings, &|| {});
    if found.violation > 0.0 {
        return None;
    }
    let mut out = assign.to_vec();
    for (&u, &c) in units.iter().zip(&found.assignment) {
        Move::of(&out, u, group[c]).apply_to(&mut out);
    }
    Some(out)
}

/// Re-solves the networks of `group` as a problem of their own; returns their new borders when they
/// meet every rule and cost less.
fn resolve(
    p: &Problem,
    assign: &[usize],
    group: &[usize],
    seed: u64,
    settings: Settings,
) -> Option<Better> {
    let units: Vec<usize> = (0..assign.len())
        .filter(|&u| group.contains(&assign[u]))
        .collect();
    let sub = parts::sub_problem(p, &units, group.len(), Some(group));
    let current: Vec<usize> = units
        .iter()
        .map(|&u| {
            group
                .iter()
                .position(|&c| c == assign[u])
                .expect("in the group")
        })
        .collect();
    let before = state::State::new(&sub, current).total_cost();
    let settings = Settings {
        seed,
        restarts: PAIR_RESTARTS,
        pairs: false,
        ..settings
    };
    let found = solve_direct(&sub, settings, &|| {});
    if found.violation > 0.0 || found.cost >= before - 1e-6 * before.max(1.0) {
        return None;
    }
    Some(Better {
        group: group.to_vec(),
        new: found.assignment.iter().map(|&c| group[c]).collect(),
        units,
        gain: before - found.cost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::solver::{Limits, UnitData};
    use std::sync::Arc;

    /// A 9 × 4 grid of one-school units 1 km apart, three networks of 10 to 14 schools.
    fn grid() -> Problem {
        let (w, h) = (9usize, 4usize);
        let units = (0..w * h)
            .map(|i| UnitData {
                pos: [(i % w) as f64, (i / w) as f64],
                schools: 1,
                enrollment: 100.0,
            })
            .collect();
        let neighbors: Vec<Vec<usize>> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let mut n = Vec::new();
                if x > 0 {
                    n.push(i - 1);
                }
                if x + 1 < w {
                    n.push(i + 1);
                }
                if y > 0 {
                    n.push(i - w);
                }
                if y + 1 < h {
                    n.push(i + w);
                }
                n
            })
            .collect();
        Problem::new(
            units,
            Arc::new(Graph::from_lists(neighbors)),
            3,
            Limits::basic(10, 14, 1000.0, 1400.0),
        )
    }

    /// Long thin networks of 12 schools on [`grid`], each connected and within the rules: row 0 with the
    /// left of row 1; the rest of rows 1 and 2; the left of row 2 with row 3. Three 3 × 4 blocks are far
    /// more compact.
    fn long_thin() -> Vec<usize> {
        (0..36)
            .map(|i| match (i % 9, i / 9) {
                (_, 0) => 0,
                (x, 1) if x < 3 => 0,
                (x, 2) if x < 3 => 2,
                (_, 1) | (_, 2) => 1,
                _ => 2,
            })
            .collect()
    }

    #[test]
    fn long_thin_networks_are_redrawn_compact_and_every_rule_still_holds() {
        let p = grid();
        let assign = long_thin();
        let start = Solution::of(&state::State::new(&p, assign), 0, false);
        assert_eq!(start.violation, 0.0);
        let better = improve(&p, start.clone(), Settings::new(7, 1), None);
        assert_eq!(better.violation, 0.0);
        assert!(
            better.cost < start.cost * 0.8,
            "{} → {}",
            start.cost,
            better.cost
        );
        // The same seed gives the same plan.
        assert_eq!(
            improve(&p, start.clone(), Settings::new(7, 1), None).assignment,
            better.assignment
        );
        // A plan that breaks a rule is returned as it is.
        let broken = Solution::of(&state::State::new(&p, vec![0; 36]), 0, false);
        assert!(broken.violation > 0.0);
        assert_eq!(
            improve(&p, broken.clone(), Settings::new(7, 1), None).assignment,
            broken.assignment
        );
    }

    #[test]
    fn networks_of_different_classes_are_never_redrawn_together() {
        let p = grid();
        // The same long thin networks; network 2 is in a class of its own, so only 0 and 1 may change.
        let assign = long_thin();
        let start = Solution::of(&state::State::new(&p, assign.clone()), 0, false);
        let better = improve(&p, start.clone(), Settings::new(7, 1), Some(&[0, 0, 1]));
        assert_eq!(better.violation, 0.0);
        for (u, &c) in assign.iter().enumerate() {
            assert_eq!(
                c == 2,
                better.assignment[u] == 2,
                "unit {u} crossed the class border"
            );
        }
        // Every network in one class: the whole plan may change, and it does.
        let free = improve(&p, start, Settings::new(7, 1), Some(&[0, 0, 0]));
        assert!(free.cost < better.cost, "{} vs {}", free.cost, better.cost);
    }
}
