//! Connectivity repair and the moves that improve a plan.
//!
//! Every move (one unit to a neighbouring network, a chain of such steps, or a swap of two units) is
//! taken only if the networks stay connected and it lowers (violation, cost) lexicographically, where cost
//! is compactness plus the price of any soft links it cuts ([`super::Links`]), so
//! once every hard constraint holds no move breaks one again. [`polish`] runs them in order.

use super::{Limits, Problem, UnitData};
use rand::seq::SliceRandom;

/// Per-network running totals: the sum of its units' data (with `pos` holding Σ schools·position),
/// the number of units, and Σ schools·|position|² for the compactness objective.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
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

    fn with(mut self, u: &UnitData, sign: f64) -> Totals {
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
pub fn violation(t: &Totals, l: &Limits, mean_enrollment: f64) -> f64 {
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
pub struct State<'p> {
    pub p: &'p Problem,
    pub assign: Vec<usize>,
    pub totals: Vec<Totals>,
    /// Units of each network (unordered), and each unit's index in its network's list.
    members: Vec<Vec<usize>>,
    slot: Vec<usize>,
    mean: f64,
    stamp: Vec<u32>,
    epoch: u32,
    queue: Vec<usize>,
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
        State {
            p,
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

    pub fn total_violation(&self) -> f64 {
        self.totals
            .iter()
            .map(|t| violation(t, &self.p.limits, self.mean))
            .sum()
    }

    pub fn total_sse(&self) -> f64 {
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
    fn home_delta(&self, u: usize, b: usize) -> f64 {
        let homes = &self.p.homes;
        homes.price(u, b) - homes.price(u, self.assign[u])
    }

    /// Weight of unit `u`'s links to units now in network `c` (excluding `except`).
    fn link_weight(&self, u: usize, c: usize, except: usize) -> f64 {
        self.p.links.of_unit.get(u).map_or(0.0, |l| {
            l.iter()
                .filter(|&&(v, _)| v != except && self.assign[v] == c)
                .map(|&(_, w)| w)
                .sum()
        })
    }

    /// Change in the price of cut links when unit `u` moves from its network to `b` (and, for a swap,
    /// unit `other` moves the other way: their own link stays cut or uncut as it was).
    fn link_delta(&self, u: usize, b: usize, other: usize) -> f64 {
        if self.p.links.cost == 0.0 {
            return 0.0;
        }
        let a = self.assign[u];
        self.p.links.cost * (self.link_weight(u, a, other) - self.link_weight(u, b, other))
    }

    /// Whether network `a` stays connected when unit `u` leaves it: all of `u`'s neighbours in `a` must
    /// still reach each other without `u`.
    pub fn stays_connected_without(&mut self, u: usize) -> bool {
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
    fn change(&self, a: usize, na: &Totals, b: usize, nb: &Totals) -> (f64, f64) {
        let (ta, tb) = (&self.totals[a], &self.totals[b]);
        let v = |t: &Totals| violation(t, &self.p.limits, self.mean);
        (
            v(na) + v(nb) - v(ta) - v(tb),
            na.sse() + nb.sse() - ta.sse() - tb.sse(),
        )
    }

    /// (Δviolation, Δcost) of moving unit `u` to network `b`.
    fn delta(&self, u: usize, b: usize) -> (f64, f64) {
        let a = self.assign[u];
        let unit = &self.p.units[u];
        let (na, nb) = (
            self.totals[a].with(unit, -1.0),
            self.totals[b].with(unit, 1.0),
        );
        let (v, c) = self.change(a, &na, b, &nb);
        (
            v,
            c + self.link_delta(u, b, usize::MAX) + self.home_delta(u, b),
        )
    }

    /// Moves unit `u` to network `b`.
    pub fn apply(&mut self, u: usize, b: usize) {
        let a = self.assign[u];
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

const EPS: f64 = 1e-9;

fn better(d: (f64, f64), than: (f64, f64)) -> bool {
    d.0 < than.0 - EPS || (d.0 <= than.0 + EPS && d.1 < than.1 - EPS)
}

/// Boundary moves until none improves (or a pass limit is reached).
pub fn local_search(s: &mut State<'_>, rng: &mut impl rand::Rng) {
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
            for &v in &s.p.neighbors[u] {
                let b = s.assign[v];
                if b == a || best.is_some_and(|(bb, _)| bb == b) {
                    continue;
                }
                let d = s.delta(u, b);
                if better(d, best.map_or((0.0, 0.0), |x| x.1)) {
                    best = Some((b, d));
                }
            }
            if let Some((b, _)) = best {
                if !s.p.limits.connected || s.stays_connected_without(u) {
                    s.apply(u, b);
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
}

/// Gives every empty network one unit: the unit farthest from its centre in the largest network.
pub fn fill_empty(p: &Problem, assign: &mut [usize]) {
    loop {
        let mut count = vec![0usize; p.k];
        for &c in assign.iter() {
            count[c] += 1;
        }
        let Some(empty) = count.iter().position(|&c| c == 0) else {
            return;
        };
        let big = (0..p.k)
            .max_by_key(|&c| (count[c], std::cmp::Reverse(c)))
            .expect("k >= 1");
        if count[big] <= 1 {
            return; // fewer units than networks: reported by the feasibility check
        }
        let members: Vec<usize> = (0..assign.len()).filter(|&u| assign[u] == big).collect();
        let (mut cx, mut cy) = (0.0, 0.0);
        for &u in &members {
            cx += p.units[u].pos[0];
            cy += p.units[u].pos[1];
        }
        let m = members.len() as f64;
        let far = members
            .iter()
            .copied()
            .max_by(|&x, &y| {
                let dx = (p.units[x].pos[0] - cx / m).hypot(p.units[x].pos[1] - cy / m);
                let dy = (p.units[y].pos[0] - cx / m).hypot(p.units[y].pos[1] - cy / m);
                dx.total_cmp(&dy).then(y.cmp(&x))
            })
            .expect("non-empty");
        assign[far] = empty;
    }
}

/// Makes every network connected: each piece other than a network's largest (by schools) joins the
/// neighbouring network whose centre is nearest to it.
pub fn repair_connectivity(p: &Problem, assign: &mut [usize]) {
    let mut seen = vec![usize::MAX; assign.len()];
    for pass in 0..100 {
        let mut changed = false;
        let mut members = vec![Vec::new(); p.k];
        for (u, &c) in assign.iter().enumerate() {
            members[c].push(u);
        }
        for c in 0..p.k {
            let comps = pieces(
                &p.neighbors,
                members[c].iter().copied(),
                |u| assign[u] == c,
                &mut seen,
                pass * p.k + c,
            );
            if comps.len() <= 1 {
                continue;
            }
            let schools = |comp: &Vec<usize>| comp.iter().map(|&u| p.units[u].schools).sum::<u32>();
            let keep = (0..comps.len())
                .max_by_key(|&i| (schools(&comps[i]), std::cmp::Reverse(i)))
                .expect("non-empty");
            for (i, comp) in comps.iter().enumerate() {
                if i == keep {
                    continue;
                }
                let (mut x, mut y) = (0.0, 0.0);
                for &u in comp {
                    x += p.units[u].pos[0];
                    y += p.units[u].pos[1];
                }
                let m = comp.len() as f64;
                let centroid = [x / m, y / m];
                let mut options: Vec<usize> = comp
                    .iter()
                    .flat_map(|&u| p.neighbors[u].iter().map(|&v| assign[v]))
                    .filter(|&b| b != c)
                    .collect();
                options.sort_unstable();
                options.dedup();
                // The neighbouring network whose school-weighted centre is nearest to the piece.
                let centre = |b: usize| {
                    let (mut x, mut y, mut n) = (0.0, 0.0, 0.0);
                    for &u in members[b].iter().filter(|&&u| assign[u] == b) {
                        let w = f64::from(p.units[u].schools);
                        x += w * p.units[u].pos[0];
                        y += w * p.units[u].pos[1];
                        n += w;
                    }
                    ((x / n - centroid[0]).powi(2) + (y / n - centroid[1]).powi(2)).sqrt()
                };
                let target = options
                    .into_iter()
                    .min_by(|&a, &b| centre(a).total_cmp(&centre(b)).then(a.cmp(&b)));
                if let Some(t) = target {
                    for &u in comp {
                        assign[u] = t;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Connected pieces among the units `starts` that satisfy `inside` (breadth-first search), in the order
/// of their first unit in `starts`. Visited units are marked with `mark` in `seen`, so a caller can reuse
/// one `seen` across many calls by passing a new mark each time.
pub fn pieces(
    neighbors: &[Vec<usize>],
    starts: impl IntoIterator<Item = usize>,
    inside: impl Fn(usize) -> bool,
    seen: &mut [usize],
    mark: usize,
) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for start in starts {
        if !inside(start) || seen[start] == mark {
            continue;
        }
        seen[start] = mark;
        let mut piece = vec![start];
        let mut i = 0;
        while i < piece.len() {
            let u = piece[i];
            i += 1;
            for &v in &neighbors[u] {
                if inside(v) && seen[v] != mark {
                    seen[v] = mark;
                    piece.push(v);
                }
            }
        }
        out.push(piece);
    }
    out
}

/// Connected pieces of the selected units, in order of their smallest unit.
pub fn components(neighbors: &[Vec<usize>], member: &[bool]) -> Vec<Vec<usize>> {
    let mut seen = vec![usize::MAX; member.len()];
    pieces(neighbors, 0..member.len(), |u| member[u], &mut seen, 0)
}

/// Whether network `t` can take in (`incoming`) or give away a unit without breaking its own bounds
/// on school count; enrollment slack is judged by the chain's result as a whole.
fn has_slack(s: &State<'_>, t: usize, incoming: bool) -> bool {
    let (tot, l) = (&s.totals[t], &s.p.limits);
    if incoming {
        tot.sum.schools < l.max_schools && tot.sum.enrollment < l.max_enrollment
    } else {
        tot.sum.schools > l.min_schools && tot.sum.enrollment > l.min_enrollment && tot.units > 1
    }
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

/// Moves one unit from network `x` to neighbouring network `y`: the movable unit (x stays connected and
/// non-empty) whose move lowers (violation, compactness) the most, even if it raises them. `None` if no
/// unit of `x` borders `y` or none can leave.
fn step(s: &mut State<'_>, x: usize, y: usize) -> Option<usize> {
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
    s.apply(u, y);
    Some(u)
}

/// Chain moves: for a network outside its bounds, pass units along a path of neighbouring networks to
/// (or from) a network with room, one unit per step, and keep the chain only if the total violation
/// falls. This reaches balance that single moves cannot when the network with room is not a neighbour.
/// Returns whether anything changed.
pub fn balance_chains(s: &mut State<'_>) -> bool {
    const MAX_PATH: usize = 10;
    const TARGETS_PER_NETWORK: usize = 24;
    const MAX_ROUNDS: usize = 50;
    let mut changed = false;
    for _round in 0..MAX_ROUNDS {
        let mut v0 = s.total_violation();
        if v0 <= EPS {
            break;
        }
        let l = s.p.limits;
        let mut bad: Vec<(f64, usize)> = (0..s.p.k)
            .map(|c| (violation(&s.totals[c], &l, s.mean), c))
            .filter(|(v, _)| *v > EPS)
            .collect();
        bad.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let nb = network_neighbours(s);
        let mut improved = false;
        'networks: for &(_, a) in &bad {
            let t = s.totals[a];
            let push_out = t.sum.enrollment > l.max_enrollment || t.sum.schools > l.max_schools;
            let pull_in = t.sum.enrollment < l.min_enrollment || t.sum.schools < l.min_schools;
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
                    let mut path = vec![y];
                    while *path.last().expect("non-empty") != a {
                        path.push(parent[*path.last().expect("non-empty")]);
                    }
                    if push_out {
                        path.reverse();
                    }
                    let mut moves: Vec<(usize, usize)> = Vec::new();
                    let mut ok = true;
                    for w in path.windows(2) {
                        match step(s, w[0], w[1]) {
                            Some(u) => moves.push((u, w[0])),
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    let v1 = s.total_violation();
                    if ok && v1 < v0 - EPS {
                        v0 = v1;
                        improved = true;
                        changed = true;
                        continue 'networks;
                    }
                    for &(u, from) in moves.iter().rev() {
                        s.apply(u, from);
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    changed
}

/// Whether network `c` is one connected piece, searching from its unit `start`.
fn network_connected(s: &mut State<'_>, c: usize, start: usize) -> bool {
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

/// Pair swaps: unit `u` of network A and a nearby unit `v` of a neighbouring network B trade places.
/// Sizes change little while the mix changes, which share rules (low-performing, FRPM, ethnicity) need.
/// A swap is kept when both networks stay connected and (violation, compactness) falls. Returns whether
/// anything changed.
pub fn swap_pass(s: &mut State<'_>) -> bool {
    let n = s.p.units.len();
    let l = s.p.limits;
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
            let (uu, vv) = (s.p.units[u], s.p.units[v]);
            let na = s.totals[a].with(&uu, -1.0).with(&vv, 1.0);
            let nb = s.totals[b].with(&vv, -1.0).with(&uu, 1.0);
            let (dv, dc) = s.change(a, &na, b, &nb);
            let d = (
                dv,
                dc + s.link_delta(u, b, v)
                    + s.link_delta(v, a, u)
                    + s.home_delta(u, b)
                    + s.home_delta(v, a),
            );
            if better(d, best.map_or((0.0, 0.0), |x| x.1)) {
                best = Some((v, d));
            }
        }
        let Some((v, _)) = best else { continue };
        let b = s.assign[v];
        s.apply(u, b);
        s.apply(v, a);
        if !l.connected || (network_connected(s, a, v) && network_connected(s, b, u)) {
            changed = true;
        } else {
            s.apply(v, b);
            s.apply(u, a);
        }
    }
    changed
}

/// Local search, then, while rules are broken, rounds of chain moves and swaps (each followed by local
/// search) until a round changes nothing.
pub fn polish(state: &mut State<'_>, rng: &mut impl rand::Rng) {
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
pub const SWAP_ROUNDS: usize = 3;

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
                ..UnitData::default()
            })
            .collect();
        Problem {
            units,
            neighbors: vec![vec![1], vec![0, 2], vec![1, 3], vec![2]],
            k: 2,
            limits: Limits::basic(1, 3, 0.0, 1e9),
            links,
            homes: Default::default(),
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
        s.apply(2, 0);
        assert!((s.total_cost() - (before + dc)).abs() < 1e-9);
        assert!((s.total_cost() - s.total_sse()).abs() < 1e-9, "nothing cut");
        // A swap of units 1 (network 0) and 3 (network 1): its delta against the recomputed cost.
        let before = s.total_cost();
        let (na, nb) = (
            s.totals[0].with(&p.units[1], -1.0).with(&p.units[3], 1.0),
            s.totals[1].with(&p.units[3], -1.0).with(&p.units[1], 1.0),
        );
        let (_, dc) = s.change(0, &na, 1, &nb);
        let dl = s.link_delta(1, 1, 3) + s.link_delta(3, 0, 1);
        s.apply(1, 1);
        s.apply(3, 0);
        assert!((s.total_cost() - (before + dc + dl)).abs() < 1e-9);
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
    }
}
