//! Bands on groups of networks: the sums of enrollment and of schools over each group (a support region
//! drawn over the networks) within bounds.
//!
//! The network search cannot see such bands: groups are drawn after the networks, from their totals. When a
//! grouping misses its band by a little (a few hundred students out of a hundred thousand is typical), a
//! few units moved across network borders that are also group borders close the gap. [`repair`] makes
//! those moves, cheapest first, and never breaks a network rule that held.

use super::problem::Problem;
use super::search;
use super::state::State;

const EPS: f64 = 1e-9;

/// Which group each network is in, and the bands on each group's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBands {
    /// Group of each network.
    pub group: Vec<usize>,
    /// Number of groups.
    pub count: usize,
    /// Bounds on each group's enrollment and number of schools.
    pub enrollment: (f64, f64),
    pub schools: (f64, f64),
}

impl GroupBands {
    /// How far the groups are outside their bands: points per 1% of the band's mid enrollment, and per
    /// school (the scale of the network search's violation).
    fn violation(&self, enrollment: &[f64], schools: &[f64]) -> f64 {
        let outside = |v: f64, (lo, hi): (f64, f64)| (lo - v).max(0.0) + (v - hi).max(0.0);
        let unit = 0.005 * (self.enrollment.0 + self.enrollment.1);
        (0..self.count)
            .map(|g| {
                outside(enrollment[g], self.enrollment) / unit.max(1.0)
                    + outside(schools[g], self.schools)
            })
            .sum()
    }
}

/// Most moves [`repair`] makes.
pub(crate) const MAX_MOVES: usize = 200;

/// Moves units across network borders that are also group borders, each time the move that removes the
/// most group violation per km² of compactness it costs, until every group is within its bands. A move
/// is only taken when the networks keep every rule they meet and stay connected. Returns the new
/// assignment, or `None` when the plan breaks a network rule to begin with or no move brings the groups
/// within their bands.
pub fn repair(p: &Problem, assignment: Vec<usize>, bands: &GroupBands) -> Option<Vec<usize>> {
    let mut s = State::new(p, assignment);
    if s.total_violation() > EPS {
        return None;
    }
    let totals = |s: &State| {
        let mut e = vec![0.0; bands.count];
        let mut n = vec![0.0; bands.count];
        for (c, t) in s.totals.iter().enumerate() {
            e[bands.group[c]] += t.enrollment;
            n[bands.group[c]] += f64::from(t.schools);
        }
        (e, n)
    };
    for _ in 0..MAX_MOVES {
        let (e, n) = totals(&s);
        let before = bands.violation(&e, &n);
        if before <= EPS {
            return Some(s.into_partition().assign().to_vec());
        }
        let mut moves: Vec<(f64, usize, usize)> = Vec::new();
        for u in 0..p.units.len() {
            let a = s.assign[u];
            if s.totals[a].units <= 1 {
                continue;
            }
            let unit = &p.units[u];
            let mut seen = Vec::new();
            for &v in &p.neighbors[u] {
                let b = s.assign[v];
                if bands.group[b] == bands.group[a] || seen.contains(&b) {
                    continue;
                }
                seen.push(b);
                let (dv, dc) = s.delta(u, b);
                if dv > EPS {
                    continue;
                }
                let (mut e2, mut n2) = (e.clone(), n.clone());
                e2[bands.group[a]] -= unit.enrollment;
                e2[bands.group[b]] += unit.enrollment;
                n2[bands.group[a]] -= f64::from(unit.schools);
                n2[bands.group[b]] += f64::from(unit.schools);
                let gain = before - bands.violation(&e2, &n2);
                if gain > EPS {
                    moves.push((dc.max(0.0) / gain, u, b));
                }
            }
        }
        moves.sort_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        let taken = moves
            .iter()
            .find(|&&(_, u, _)| !p.limits.connected || s.stays_connected_without(u))
            .copied();
        match taken {
            Some((_, u, b)) => s.apply(s.to(u, b)),
            // No single move keeps every network rule (bands are tight): pass units along a chain of
            // neighbouring networks instead, so only its two ends change size.
            None => {
                if !chain(&mut s, bands, before) {
                    return None;
                }
            }
        }
    }
    None
}

/// Longest chain of networks [`chain`] tries.
const MAX_CHAIN: usize = 10;

/// One chain: from a network of a group above its band (or with room to give, for a group below) to one
/// of another group, along neighbouring networks, one unit per step ([`search::step`]); kept when every
/// network rule still holds and the groups come closer to their bands. Returns whether one was kept.
fn chain(s: &mut State<'_>, bands: &GroupBands, before: f64) -> bool {
    let p = s.p;
    let nb = search::network_neighbours(s);
    let group_violation = |s: &State| {
        let mut e = vec![0.0; bands.count];
        let mut n = vec![0.0; bands.count];
        for (c, t) in s.totals.iter().enumerate() {
            e[bands.group[c]] += t.enrollment;
            n[bands.group[c]] += f64::from(t.schools);
        }
        bands.violation(&e, &n)
    };
    for start in 0..p.k {
        if !search::has_slack(s, start, false) {
            continue;
        }
        // Breadth-first over networks from `start`; a path ends in another group.
        let mut parent = vec![usize::MAX; p.k];
        parent[start] = start;
        let mut depth = vec![0usize; p.k];
        let mut queue = vec![start];
        let mut i = 0;
        while i < queue.len() {
            let x = queue[i];
            i += 1;
            if depth[x] >= MAX_CHAIN {
                continue;
            }
            for &y in &nb[x] {
                if parent[y] != usize::MAX {
                    continue;
                }
                parent[y] = x;
                depth[y] = depth[x] + 1;
                queue.push(y);
                if bands.group[y] == bands.group[start] || !search::has_slack(s, y, true) {
                    continue;
                }
                let mut path = search::path_back(&parent, y);
                path.reverse();
                let Some(done) = search::step_along(s, &path) else {
                    continue;
                };
                if s.total_violation() <= EPS && group_violation(s) < before - EPS {
                    return true;
                }
                search::undo(s, &done);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::solver::{Limits, UnitData};
    use std::sync::Arc;

    #[test]
    fn a_unit_moves_across_a_group_border_to_balance_the_groups() {
        // Six one-school units in a row; networks {0,1} {2,3} {4,5}; groups {net 0} and {nets 1, 2}.
        // Group 0 has 200 students and group 1 has 400: bands of 250-350 need one unit to cross.
        let units = (0..6)
            .map(|i| UnitData {
                pos: [i as f64, 0.0],
                schools: 1,
                enrollment: 100.0,
            })
            .collect();
        let p = Problem::new(
            units,
            Arc::new(Graph::from_edges(6, (0..5).map(|i| (i, i + 1)))),
            3,
            Limits::basic(1, 3, 100.0, 300.0),
        );
        let bands = GroupBands {
            group: vec![0, 1, 1],
            count: 2,
            enrollment: (250.0, 350.0),
            schools: (2.0, 4.0),
        };
        let fixed = repair(&p, vec![0, 0, 1, 1, 2, 2], &bands).unwrap();
        assert_eq!(fixed, vec![0, 0, 0, 1, 2, 2]);
        // A network rule broken to begin with: nothing is done.
        assert!(repair(&p, vec![0, 1, 1, 1, 1, 2], &bands).is_none());
    }
}
