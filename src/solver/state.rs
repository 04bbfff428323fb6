//! The partition state: which network each unit is in, and what the search keeps derived from it.
//!
//! [`Partition`] holds the assignment, each network's running [`Totals`] (the sums every term reads, and
//! the sums that give compactness) and each network's member list, all updated in O(1) per [`Move`], so a
//! move's effect on every rule and on compactness is priced without recounting anything
//! ([`Partition::price`]). It owns its data, so a plan being edited keeps one between requests; the problem
//! is passed to each call that needs it. `State` is a partition in a search: the problem it belongs to
//! and the scratch space its connectivity checks use. The moves that improve a plan live in
//! [`super::search`]; the graph they walk in [`crate::graph`].

use super::moves::Move;
use super::problem::{Problem, Shifted, Solution, Totals, PIN_POINTS};

/// A partition of a problem's units into networks, with running totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub(super) assign: Vec<usize>,
    pub(super) totals: Vec<Totals>,
    /// Units of each network (unordered), and each unit's index in its network's list.
    pub(super) members: Vec<Vec<usize>>,
    slot: Vec<usize>,
    /// The problem's mean network enrollment (the scale of the enrollment band's points).
    pub(super) mean: f64,
    /// Each network's violation (its terms' points), kept with its totals.
    violation: Vec<f64>,
    /// Units outside their pinned network.
    missed: usize,
}

impl Partition {
    /// The partition of `p`'s units that `assign` gives (one network in `0..p.k` per unit).
    pub fn new(p: &Problem, assign: Vec<usize>) -> Partition {
        let mut totals = vec![Totals::zero(p.limits.width); p.k];
        let mut members = vec![Vec::new(); p.k];
        let mut slot = vec![0; assign.len()];
        for (u, &c) in assign.iter().enumerate() {
            totals[c].add(&p.units[u], p.sums_of(u), 1.0);
            slot[u] = members[c].len();
            members[c].push(u);
        }
        let missed = p
            .pins
            .iter()
            .zip(&assign)
            .filter(|(pin, &c)| pin.is_some_and(|x| x != c))
            .count();
        let mean = p.mean_enrollment();
        let violation = totals.iter().map(|t| p.limits.violation(t, mean)).collect();
        Partition {
            missed,
            assign,
            totals,
            members,
            slot,
            mean,
            violation,
        }
    }

    /// Each unit's network.
    pub fn assign(&self) -> &[usize] {
        &self.assign
    }

    /// Each network's running totals.
    pub fn totals(&self) -> &[Totals] {
        &self.totals
    }

    /// How far network `c` is from meeting every term (0 when it does).
    pub fn network_violation(&self, c: usize) -> f64 {
        self.violation[c]
    }

    /// How far the plan is from meeting every rule: every network's terms, and the pins.
    pub fn total_violation(&self) -> f64 {
        let rules: f64 = self.violation.iter().sum();
        rules + self.missed as f64 * PIN_POINTS
    }

    /// Sum over schools of squared km to their network's centre.
    pub fn total_sse(&self) -> f64 {
        self.totals.iter().map(Totals::sse).sum()
    }

    /// Compactness plus the price of the links the plan cuts and of units away from their homes (the
    /// search's second objective).
    pub fn total_cost(&self, p: &Problem) -> f64 {
        let away: f64 = if p.homes.cost > 0.0 {
            self.assign
                .iter()
                .enumerate()
                .map(|(u, &c)| p.homes.price(u, c))
                .sum()
        } else {
            0.0
        };
        self.total_sse() + p.links.price(&self.assign) + away
    }

    /// Change in pin violation when `m` is made.
    pub(super) fn pin_delta(&self, p: &Problem, m: Move) -> f64 {
        match p.pin(m.unit) {
            Some(c) => {
                PIN_POINTS * (f64::from(u8::from(m.to != c)) - f64::from(u8::from(m.from != c)))
            }
            None => 0.0,
        }
    }

    /// Change in the price of units away from home when `m` is made.
    pub(super) fn home_delta(&self, p: &Problem, m: Move) -> f64 {
        p.homes.price(m.unit, m.to) - p.homes.price(m.unit, m.from)
    }

    /// Weight of unit `u`'s links to units now in network `c` (excluding `except`).
    fn link_weight(&self, p: &Problem, u: usize, c: usize, except: usize) -> f64 {
        p.links.of_unit.get(u).map_or(0.0, |l| {
            l.iter()
                .filter(|&&(v, _)| v != except && self.assign[v] == c)
                .map(|&(_, w)| w)
                .sum()
        })
    }

    /// Change in the price of cut links when `m` is made (and, for a swap, unit `other` moves the other
    /// way: their own link stays cut or uncut as it was).
    pub(super) fn link_delta(&self, p: &Problem, m: Move, other: usize) -> f64 {
        if p.links.cost == 0.0 {
            return 0.0;
        }
        p.links.cost
            * (self.link_weight(p, m.unit, m.from, other)
                - self.link_weight(p, m.unit, m.to, other))
    }

    /// (Δviolation, Δsse) when networks `a` and `b` would change to `na` and `nb`.
    fn change(&self, p: &Problem, a: usize, na: &Shifted, b: usize, nb: &Shifted) -> (f64, f64) {
        let (ta, tb) = (&self.totals[a], &self.totals[b]);
        let v = |t: &Shifted| p.limits.violation(t, self.mean);
        (
            v(na) + v(nb) - self.violation[a] - self.violation[b],
            na.sse() + nb.sse() - ta.sse() - tb.sse(),
        )
    }

    /// (Δviolation, Δcost) of making `m`.
    pub fn price(&self, p: &Problem, m: Move) -> (f64, f64) {
        self.price_leaving(p, m, &self.leaving(p, m.unit))
    }

    /// What unit `u` leaves behind in its network: the network's violation and compactness without it,
    /// the same for every network it might join (so a unit's moves are priced with it computed once).
    pub fn leaving(&self, p: &Problem, u: usize) -> Leaving {
        let na = Shifted {
            t: &self.totals[self.assign[u]],
            out: Some((&p.units[u], p.sums_of(u))),
            into: None,
        };
        Leaving {
            violation: p.limits.violation(&na, self.mean),
            sse: na.sse(),
        }
    }

    /// [`Partition::price`] with the unit's [`Partition::leaving`] already known.
    pub fn price_leaving(&self, p: &Problem, m: Move, leaving: &Leaving) -> (f64, f64) {
        debug_assert_eq!(
            self.assign[m.unit], m.from,
            "a move starts where its unit is"
        );
        let nb = Shifted {
            t: &self.totals[m.to],
            out: None,
            into: Some((&p.units[m.unit], p.sums_of(m.unit))),
        };
        let (a, b) = (m.from, m.to);
        let (ta, tb) = (&self.totals[a], &self.totals[b]);
        let v = leaving.violation + p.limits.violation(&nb, self.mean)
            - self.violation[a]
            - self.violation[b];
        let c = leaving.sse + nb.sse() - ta.sse() - tb.sse();
        (
            v + self.pin_delta(p, m),
            c + self.link_delta(p, m, usize::MAX) + self.home_delta(p, m),
        )
    }

    /// (Δviolation, Δcost) of making `m` and `n` together, where `n` takes a unit of `m.to` to `m.from`
    /// (a swap: the two networks trade units).
    pub fn price_swap(&self, p: &Problem, m: Move, n: Move) -> (f64, f64) {
        let (a, b) = (m.from, m.to);
        let (uu, vv) = (
            (&p.units[m.unit], p.sums_of(m.unit)),
            (&p.units[n.unit], p.sums_of(n.unit)),
        );
        let na = Shifted {
            t: &self.totals[a],
            out: Some(uu),
            into: Some(vv),
        };
        let nb = Shifted {
            t: &self.totals[b],
            out: Some(vv),
            into: Some(uu),
        };
        let (dv, dc) = self.change(p, a, &na, b, &nb);
        (
            dv + self.pin_delta(p, m) + self.pin_delta(p, n),
            dc + self.link_delta(p, m, n.unit)
                + self.link_delta(p, n, m.unit)
                + self.home_delta(p, m)
                + self.home_delta(p, n),
        )
    }

    /// Makes `m`: its unit leaves `m.from` for `m.to`, and every running total follows.
    pub fn apply(&mut self, p: &Problem, m: Move) {
        let (u, a, b) = (m.unit, m.from, m.to);
        debug_assert_eq!(self.assign[u], a, "a move starts where its unit is");
        if let Some(c) = p.pin(u) {
            self.missed = self.missed + usize::from(b != c) - usize::from(a != c);
        }
        let (unit, sums) = (&p.units[u], p.sums_of(u));
        self.totals[a].add(unit, sums, -1.0);
        self.totals[b].add(unit, sums, 1.0);
        self.violation[a] = p.limits.violation(&self.totals[a], self.mean);
        self.violation[b] = p.limits.violation(&self.totals[b], self.mean);
        self.assign[u] = b;
        let i = self.slot[u];
        self.members[a].swap_remove(i);
        if let Some(&moved) = self.members[a].get(i) {
            self.slot[moved] = i;
        }
        self.slot[u] = self.members[b].len();
        self.members[b].push(u);
        if let Some(watch) = &p.watch.0 {
            watch(p, &self.assign, &self.totals);
        }
    }

    /// Undoes `m` (made last): its unit goes back.
    pub fn undo(&mut self, p: &Problem, m: Move) {
        self.apply(p, m.reversed());
    }
}

/// A network's violation and compactness without one of its units ([`Partition::leaving`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leaving {
    violation: f64,
    sse: f64,
}

/// A partition in a search: the problem it belongs to, and scratch space for connectivity checks.
pub(crate) struct State<'p> {
    pub p: &'p Problem,
    part: Partition,
    stamp: Vec<u32>,
    epoch: u32,
    queue: Vec<usize>,
}

impl std::ops::Deref for State<'_> {
    type Target = Partition;
    fn deref(&self) -> &Partition {
        &self.part
    }
}

impl<'p> State<'p> {
    pub fn new(p: &'p Problem, assign: Vec<usize>) -> State<'p> {
        State {
            p,
            part: Partition::new(p, assign),
            stamp: vec![0; p.units.len()],
            epoch: 0,
            queue: Vec::new(),
        }
    }

    /// The search's partition, given back.
    pub fn into_partition(self) -> Partition {
        self.part
    }

    pub(crate) fn total_violation(&self) -> f64 {
        self.part.total_violation()
    }

    pub(crate) fn total_cost(&self) -> f64 {
        self.part.total_cost(self.p)
    }

    /// How far network `c` is from meeting every term.
    pub(crate) fn network_violation(&self, c: usize) -> f64 {
        self.part.network_violation(c)
    }

    /// The move of unit `u` from its network to `to`.
    #[inline]
    pub(crate) fn to(&self, u: usize, to: usize) -> Move {
        Move::of(&self.part.assign, u, to)
    }

    /// (Δviolation, Δcost) of moving unit `u` to network `b`.
    #[inline]
    pub(super) fn delta(&self, u: usize, b: usize) -> (f64, f64) {
        self.part.price(self.p, self.to(u, b))
    }

    /// (Δviolation, Δcost) of moving unit `u` to network `b`, with what `u` leaves behind computed once
    /// (`leaving` holds it after the first call for `u`).
    #[inline]
    pub(super) fn delta_leaving(
        &self,
        u: usize,
        b: usize,
        leaving: &mut Option<Leaving>,
    ) -> (f64, f64) {
        let l = *leaving.get_or_insert_with(|| self.part.leaving(self.p, u));
        self.part.price_leaving(self.p, self.to(u, b), &l)
    }

    /// Makes `m`.
    #[inline]
    pub fn apply(&mut self, m: Move) {
        self.part.apply(self.p, m);
    }

    /// Undoes `m`.
    pub fn undo(&mut self, m: Move) {
        self.part.undo(self.p, m);
    }

    /// Whether network `a` stays connected when unit `u` leaves it: all of `u`'s neighbours in `a` must
    /// still reach each other without `u`.
    pub(crate) fn stays_connected_without(&mut self, u: usize) -> bool {
        let assign = &self.part.assign;
        let a = assign[u];
        let targets: Vec<usize> = self.p.neighbors[u]
            .iter()
            .copied()
            .filter(|&v| assign[v] == a)
            .collect();
        if targets.len() <= 1 {
            return true;
        }
        self.epoch += 1;
        let epoch = self.epoch;
        self.stamp[u] = epoch;
        self.queue.clear();
        self.queue.push(targets[0]);
        self.stamp[targets[0]] = epoch;
        let mut found = 1;
        let mut i = 0;
        while i < self.queue.len() {
            let x = self.queue[i];
            i += 1;
            for &y in &self.p.neighbors[x] {
                if assign[y] == a && self.stamp[y] != epoch {
                    self.stamp[y] = epoch;
                    if targets.contains(&y) {
                        found += 1;
                        if found == targets.len() {
                            return true;
                        }
                    }
                    self.queue.push(y);
                }
            }
        }
        false
    }

    /// Whether network `c` is one connected piece, searching from its unit `start`.
    pub(super) fn network_connected(&mut self, c: usize, start: usize) -> bool {
        let assign = &self.part.assign;
        self.epoch += 1;
        let epoch = self.epoch;
        self.queue.clear();
        self.queue.push(start);
        self.stamp[start] = epoch;
        let mut i = 0;
        while i < self.queue.len() {
            let x = self.queue[i];
            i += 1;
            for &y in &self.p.neighbors[x] {
                if assign[y] == c && self.stamp[y] != epoch {
                    self.stamp[y] = epoch;
                    self.queue.push(y);
                }
            }
        }
        self.queue.len() == self.part.totals[c].units as usize
    }
}

impl Solution {
    /// The solution a search state stands at.
    pub(crate) fn of(state: &State<'_>, restart: usize, exhaustive: bool) -> Solution {
        Solution {
            violation: state.total_violation(),
            sse: state.total_sse(),
            cost: state.total_cost(),
            assignment: state.assign.clone(),
            restart,
            exhaustive,
        }
    }
}
