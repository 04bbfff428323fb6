//! The partition state: which network each unit is in, and what the search keeps derived from it.
//!
//! [`State`] holds the assignment, each network's running [`Totals`] (the sums every rule needs, and the
//! sums that give compactness), and each network's member list, all updated in O(1) per move, so a move's
//! effect on every rule and on compactness is priced without recomputing anything ([`State::delta`]).
//! The moves themselves live in [`super::moves`]; the graph they walk in [`crate::graph`].

use super::{Limits, Problem, UnitData};

/// Per-network running totals: the sum of its units' data (with `pos` holding Σ schools·position),
/// the number of units, and Σ schools·|position|² for the compactness objective.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub units: u32,
    pub sum: UnitData,
    pub sq: f64,
}

fn add_u32(a: u32, b: u32, sign: f64) -> u32 {
    if sign > 0.0 {
        a + b
    } else {
        a - b
    }
}

impl Totals {
    fn add(&mut self, u: &UnitData, sign: f64) {
        let w = f64::from(u.schools) * sign;
        let t = &mut self.sum;
        self.units = add_u32(self.units, 1, sign);
        t.schools = add_u32(t.schools, u.schools, sign);
        t.high = add_u32(t.high, u.high, sign);
        t.middle = add_u32(t.middle, u.middle, sign);
        t.low = add_u32(t.low, u.low, sign);
        t.rated = add_u32(t.rated, u.rated, sign);
        for (a, b) in t.models.iter_mut().zip(u.models) {
            *a = add_u32(*a, b, sign);
        }
        t.enrollment += sign * u.enrollment;
        t.dfs_sum += sign * u.dfs_sum;
        t.dfs_weight += sign * u.dfs_weight;
        t.frpm_sum += sign * u.frpm_sum;
        t.frpm_weight += sign * u.frpm_weight;
        for (a, b) in t.ethnicity.iter_mut().zip(u.ethnicity) {
            *a += sign * b;
        }
        t.pos[0] += w * u.pos[0];
        t.pos[1] += w * u.pos[1];
        self.sq += w * (u.pos[0] * u.pos[0] + u.pos[1] * u.pos[1]);
    }

    pub(super) fn with(mut self, u: &UnitData, sign: f64) -> Totals {
        self.add(u, sign);
        self
    }

    /// Sum of squared distances of the network's schools to their centre (km²).
    pub fn sse(&self) -> f64 {
        let (n, p) = (f64::from(self.sum.schools), self.sum.pos);
        if n == 0.0 {
            0.0
        } else {
            (self.sq - (p[0] * p[0] + p[1] * p[1]) / n).max(0.0)
        }
    }
}

/// Distance of `value` outside `[lo, hi]` (0 inside).
fn outside(value: f64, (lo, hi): (f64, f64)) -> f64 {
    (lo - value).max(0.0) + (value - hi).max(0.0)
}

/// How far a network is from meeting its limits; zero when every rule holds. One point per school
/// outside the count bounds, per missing high, middle or required-model school, per low-performing school
/// over the cap, per 1% of mean enrollment outside the band, per point of distance from standard and per
/// percentage point of FRPM or ethnic share outside their bands.
pub(crate) fn violation(t: &Totals, l: &Limits, mean_enrollment: f64) -> f64 {
    let s = &t.sum;
    let count = f64::from(
        l.min_schools.saturating_sub(s.schools) + s.schools.saturating_sub(l.max_schools),
    );
    let grades =
        f64::from(l.min_high.saturating_sub(s.high) + l.min_middle.saturating_sub(s.middle));
    let models: u32 = l
        .model_min
        .iter()
        .zip(s.models)
        .map(|(m, have)| m.saturating_sub(have))
        .sum();
    let band =
        outside(s.enrollment, (l.min_enrollment, l.max_enrollment)) / (0.01 * mean_enrollment);
    let empty = if t.units == 0 { 100.0 } else { 0.0 };
    let mut v = count + grades + f64::from(models) + band + empty;
    if let Some(cap) = l.max_low_share {
        v += (f64::from(s.low) - cap * f64::from(s.rated)).max(0.0);
    }
    if let (Some(b), true) = (l.dfs, s.dfs_weight > 0.0) {
        v += outside(s.dfs_sum / s.dfs_weight, b);
    }
    if let (Some(b), true) = (l.frpm, s.frpm_weight > 0.0) {
        v += 100.0 * outside(s.frpm_sum / s.frpm_weight, b);
    }
    let students: f64 = s.ethnicity.iter().sum();
    if students > 0.0 {
        for (g, b) in l.ethnicity.iter().enumerate() {
            if let Some(b) = b {
                v += 100.0 * outside(s.ethnicity[g] / students, *b);
            }
        }
    }
    v
}

/// Local search state.
pub(crate) struct State<'p> {
    pub p: &'p Problem,
    pub assign: Vec<usize>,
    pub totals: Vec<Totals>,
    /// Units of each network (unordered), and each unit's index in its network's list.
    pub(super) members: Vec<Vec<usize>>,
    slot: Vec<usize>,
    pub(super) mean: f64,
    stamp: Vec<u32>,
    epoch: u32,
    queue: Vec<usize>,
    /// Units outside their pinned network, kept up to date by [`State::apply`].
    missed: usize,
}

impl<'p> State<'p> {
    pub fn new(p: &'p Problem, assign: Vec<usize>) -> State<'p> {
        let mut totals = vec![Totals::default(); p.k];
        let mut members = vec![Vec::new(); p.k];
        let mut slot = vec![0; assign.len()];
        for (u, &c) in assign.iter().enumerate() {
            totals[c].add(&p.units[u], 1.0);
            slot[u] = members[c].len();
            members[c].push(u);
        }
        let missed = p
            .pins
            .iter()
            .zip(&assign)
            .filter(|(pin, &c)| pin.is_some_and(|x| x != c))
            .count();
        State {
            p,
            missed,
            assign,
            totals,
            members,
            slot,
            mean: p.mean_enrollment(),
            stamp: vec![0; p.units.len()],
            epoch: 0,
            queue: Vec::new(),
        }
    }

    pub(crate) fn total_violation(&self) -> f64 {
        let rules: f64 = self
            .totals
            .iter()
            .map(|t| violation(t, &self.p.limits, self.mean))
            .sum();
        rules + self.missed as f64 * super::PIN_POINTS
    }

    /// Change in pin violation when unit `u` moves to network `b`.
    pub(super) fn pin_delta(&self, u: usize, b: usize) -> f64 {
        match self.p.pin(u) {
            Some(c) => {
                super::PIN_POINTS
                    * (f64::from(u8::from(b != c)) - f64::from(u8::from(self.assign[u] != c)))
            }
            None => 0.0,
        }
    }

    pub(crate) fn total_sse(&self) -> f64 {
        self.totals.iter().map(Totals::sse).sum()
    }

    /// Compactness plus the price of the links the plan cuts and of units away from their homes (the
    /// search's second objective).
    pub fn total_cost(&self) -> f64 {
        let away: f64 = if self.p.homes.cost > 0.0 {
            self.assign
                .iter()
                .enumerate()
                .map(|(u, &c)| self.p.homes.price(u, c))
                .sum()
        } else {
            0.0
        };
        let links = &self.p.links;
        if !links.active() {
            return self.total_sse() + away;
        }
        let cut: f64 = links
            .of_unit
            .iter()
            .enumerate()
            .flat_map(|(u, l)| l.iter().map(move |&(v, w)| (u, v, w)))
            .filter(|&(u, v, _)| u < v && self.assign[u] != self.assign[v])
            .map(|(_, _, w)| w)
            .sum();
        self.total_sse() + links.cost * cut + away
    }

    /// Change in the price of units away from home when unit `u` moves to network `b`.
    pub(super) fn home_delta(&self, u: usize, b: usize) -> f64 {
        let homes = &self.p.homes;
        homes.price(u, b) - homes.price(u, self.assign[u])
    }

    /// Weight of unit `u`'s links to units now in network `c` (excluding `except`).
    pub(super) fn link_weight(&self, u: usize, c: usize, except: usize) -> f64 {
        self.p.links.of_unit.get(u).map_or(0.0, |l| {
            l.iter()
                .filter(|&&(v, _)| v != except && self.assign[v] == c)
                .map(|&(_, w)| w)
                .sum()
        })
    }

    /// Change in the price of cut links when unit `u` moves from its network to `b` (and, for a swap,
    /// unit `other` moves the other way: their own link stays cut or uncut as it was).
    pub(super) fn link_delta(&self, u: usize, b: usize, other: usize) -> f64 {
        if self.p.links.cost == 0.0 {
            return 0.0;
        }
        let a = self.assign[u];
        self.p.links.cost * (self.link_weight(u, a, other) - self.link_weight(u, b, other))
    }

    /// Whether network `a` stays connected when unit `u` leaves it: all of `u`'s neighbours in `a` must
    /// still reach each other without `u`.
    pub(crate) fn stays_connected_without(&mut self, u: usize) -> bool {
        let a = self.assign[u];
        let targets: Vec<usize> = self.p.neighbors[u]
            .iter()
            .copied()
            .filter(|&v| self.assign[v] == a)
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
                if self.assign[y] == a && self.stamp[y] != epoch {
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

    /// (Δviolation, Δsse) when networks `a` and `b` would change to the totals `na` and `nb`.
    pub(super) fn change(&self, a: usize, na: &Totals, b: usize, nb: &Totals) -> (f64, f64) {
        let (ta, tb) = (&self.totals[a], &self.totals[b]);
        let v = |t: &Totals| violation(t, &self.p.limits, self.mean);
        (
            v(na) + v(nb) - v(ta) - v(tb),
            na.sse() + nb.sse() - ta.sse() - tb.sse(),
        )
    }

    /// (Δviolation, Δcost) of moving unit `u` to network `b`.
    pub(super) fn delta(&self, u: usize, b: usize) -> (f64, f64) {
        let a = self.assign[u];
        let unit = &self.p.units[u];
        let (na, nb) = (
            self.totals[a].with(unit, -1.0),
            self.totals[b].with(unit, 1.0),
        );
        let (v, c) = self.change(a, &na, b, &nb);
        (
            v + self.pin_delta(u, b),
            c + self.link_delta(u, b, usize::MAX) + self.home_delta(u, b),
        )
    }

    /// Moves unit `u` to network `b`.
    pub fn apply(&mut self, u: usize, b: usize) {
        let a = self.assign[u];
        if let Some(c) = self.p.pin(u) {
            self.missed = self.missed + usize::from(b != c) - usize::from(a != c);
        }
        let unit = self.p.units[u];
        self.totals[a].add(&unit, -1.0);
        self.totals[b].add(&unit, 1.0);
        self.assign[u] = b;
        let i = self.slot[u];
        self.members[a].swap_remove(i);
        if let Some(&moved) = self.members[a].get(i) {
            self.slot[moved] = i;
        }
        self.slot[u] = self.members[b].len();
        self.members[b].push(u);
    }
}

impl State<'_> {
    /// Whether network `c` is one connected piece, searching from its unit `start`.
    pub(super) fn network_connected(&mut self, c: usize, start: usize) -> bool {
        let s = self;
        s.epoch += 1;
        let epoch = s.epoch;
        s.queue.clear();
        s.queue.push(start);
        s.stamp[start] = epoch;
        let mut i = 0;
        while i < s.queue.len() {
            let x = s.queue[i];
            i += 1;
            for &y in &s.p.neighbors[x] {
                if s.assign[y] == c && s.stamp[y] != epoch {
                    s.stamp[y] = epoch;
                    s.queue.push(y);
                }
            }
        }
        s.queue.len() == s.totals[c].units as usize
    }
}
