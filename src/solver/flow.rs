//! The capacitated assignment as a min-cost flow: a transportation problem with students as the flow.
//!
//! Each unit supplies its students; each network takes between `lo` and `hi` of them; shipping one of
//! unit `u`'s students to network `c` costs `cost[u][j]` (for the `j`-th of the unit's candidate networks).
//! The cheapest shipment is the LP optimum of the capacitated assignment with only the enrollment band as
//! rows, solved exactly and in a few milliseconds instead of a general simplex's second.
//!
//! **Algorithm: successive shortest paths over the networks**, in two phases. Only the networks (and a
//! sink or a source) are nodes: a step from network `a` to network `b` is "some unit with students in `a`
//! moves them to `b`", whose cheapest representative (`best[a][b]`) does not depend on the potentials and is
//! kept up to date as units come and go, so a search costs O(k²) for `k` networks.
//! 1. Units are added one at a time; each unit's students go along the cheapest path *unit → network →
//!    (another unit moves on) → … → a network with room under `hi`*, found by Dijkstra with node potentials
//!    (reduced costs stay non-negative). Most units go straight to their cheapest network. The result is the
//!    optimal shipment under the upper bounds alone.
//! 2. While a network is below `lo`, the cheapest chain of transfers from a network above its own `lo` to
//!    it carries students over (again Dijkstra with the same potentials). Starting from an optimal flow and
//!    augmenting along shortest paths keeps it optimal, so the end result is the optimum under both bounds.
//!
//! A unit whose students reach no network with room, or a short network that no chain reaches, proves the
//! band infeasible for these candidates. (Filling lower bounds while units are still being added, with a
//! −M price on the first `lo` students, gives the same optimum but sends every new unit on long chains
//! toward whichever network is still short: about seven times the work on LAUSD.)
//!
//! Costs are scaled to integers, so the search is exact and deterministic; ties go to the lowest index.

/// A transportation problem. Candidates are stored flat: unit `u`'s candidate networks are
/// `net[start[u]..start[u + 1]]`, and `cost` is aligned with `net`.
pub struct Transport<'a> {
    /// Students of each unit (non-negative; units with none are not shipped).
    pub supply: &'a [i64],
    /// Where each unit's candidates begin in `net` (one more entry than units).
    pub start: &'a [usize],
    /// Candidate networks, unit after unit (distinct within a unit).
    pub net: &'a [usize],
    /// Cost of one student of the unit in that candidate network.
    pub cost: &'a [f64],
    /// Fewest and most students of each network.
    pub lo: &'a [i64],
    pub hi: &'a [i64],
}

/// An optimal shipment: students of each unit in each of its candidates (aligned with `net`).
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    pub flow: Vec<i64>,
    /// Σ flow × cost (unscaled).
    pub cost: f64,
}

const INF: i64 = i64::MAX / 4;

/// The cheapest transfer from one network to another: unit `unit` moves students from its candidate `from`
/// to its candidate `to` (positions in `net`), at `delta` per student.
#[derive(Clone, Copy)]
struct Transfer {
    delta: i64,
    unit: usize,
    from: usize,
    to: usize,
}

/// How a node was reached in the last search.
#[derive(Clone, Copy)]
enum Via {
    None,
    /// From the unit being shipped, through its candidate at this position of `net`.
    Source(usize),
    /// From network `a` by a transfer.
    Transfer(usize, Transfer),
    /// From network `a` into the sink.
    Sink(usize),
}

/// Solves the problem; `None` when the bands cannot hold with these candidates (a unit whose students no
/// network can take, or a network left below its lower bound).
pub fn solve(t: &Transport) -> Option<Shipment> {
    let k = t.lo.len();
    if t.lo.iter().zip(t.hi).any(|(l, h)| l > h) {
        return None;
    }
    let mut net = Network::new(t);
    // Phase 1: every unit's students to the cheapest networks with room under `hi`.
    for u in 0..t.supply.len() {
        let mut remaining = t.supply[u];
        while remaining > 0 {
            remaining -= net.ship(u, remaining)?;
        }
    }
    // Phase 2: networks below `lo` draw students from networks above theirs, along the cheapest chains.
    loop {
        let short: i64 = (0..k).map(|c| (t.lo[c] - net.load[c]).max(0)).sum();
        if short == 0 {
            break;
        }
        net.fill_deficit()?;
    }
    let total = net
        .flow
        .iter()
        .zip(t.cost)
        .map(|(&x, &y)| x as f64 * y)
        .sum();
    Some(Shipment {
        flow: net.flow,
        cost: total,
    })
}

/// The residual network over the networks (and a sink or a source), with the potentials that keep every
/// reduced cost non-negative.
struct Network<'a> {
    t: &'a Transport<'a>,
    k: usize,
    /// Integer costs, scaled so the largest is about 1e9 (exact, deterministic arithmetic).
    cost: Vec<i64>,
    /// Potentials of the networks and of the extra node (index k: the sink in phase 1, the source in 2).
    pi: Vec<i64>,
    load: Vec<i64>,
    flow: Vec<i64>,
    /// Units with students in each network, ascending.
    members: Vec<Vec<usize>>,
    /// The cheapest transfer from each network to each other (`best[a * k + b]`).
    best: Vec<Option<Transfer>>,
    dist: Vec<i64>,
    via: Vec<Via>,
    done: Vec<bool>,
    path: Vec<usize>,
    /// Networks a unit left since the last update (their transfers are recomputed), and (network, unit)
    /// pairs a unit joined (their transfers are compared with the unit's).
    left: Vec<usize>,
    joined: Vec<(usize, usize)>,
}

impl<'a> Network<'a> {
    fn new(t: &'a Transport<'a>) -> Network<'a> {
        let k = t.lo.len();
        let max_cost = t.cost.iter().fold(0.0f64, |m, c| m.max(c.abs()));
        let scale = if max_cost > 0.0 { 1e9 / max_cost } else { 1.0 };
        Network {
            t,
            k,
            cost: t.cost.iter().map(|c| (c * scale).round() as i64).collect(),
            pi: vec![0; k + 1],
            load: vec![0; k],
            flow: vec![0; t.net.len()],
            members: vec![Vec::new(); k],
            best: vec![None; k * k],
            dist: vec![INF; k + 1],
            via: vec![Via::None; k + 1],
            done: vec![false; k + 1],
            path: Vec::new(),
            left: Vec::new(),
            joined: Vec::new(),
        }
    }

    /// Dijkstra over the networks from the labels already set, until `target(node)` is popped; returns it.
    fn search(
        &mut self,
        target: &dyn Fn(&Network, usize) -> bool,
        into_sink: bool,
    ) -> Option<usize> {
        let k = self.k;
        loop {
            let mut x = usize::MAX;
            let mut dx = INF;
            for (node, &d) in self.dist.iter().enumerate() {
                if !self.done[node] && d < dx {
                    dx = d;
                    x = node;
                }
            }
            if x == usize::MAX {
                return None;
            }
            if target(self, x) {
                return Some(x);
            }
            self.done[x] = true;
            if into_sink && self.load[x] < self.t.hi[x] {
                let d = dx + self.pi[x] - self.pi[k];
                if d < self.dist[k] {
                    self.dist[k] = d;
                    self.via[k] = Via::Sink(x);
                }
            }
            for b in 0..k {
                if self.done[b] {
                    continue;
                }
                if let Some(tr) = self.best[x * k + b] {
                    let d = dx + tr.delta + self.pi[x] - self.pi[b];
                    if d < self.dist[b] {
                        self.dist[b] = d;
                        self.via[b] = Via::Transfer(x, tr);
                    }
                }
            }
        }
    }

    fn reset(&mut self) {
        self.dist.iter_mut().for_each(|d| *d = INF);
        self.via.iter_mut().for_each(|v| *v = Via::None);
        self.done.iter_mut().for_each(|d| *d = false);
    }

    /// Phase 1: ships up to `remaining` of unit `u`'s students along the cheapest path to a network with
    /// room; returns how many went, or `None` when no network can take any.
    fn ship(&mut self, u: usize, remaining: i64) -> Option<i64> {
        let (k, sink) = (self.k, self.k);
        self.reset();
        for j in self.t.start[u]..self.t.start[u + 1] {
            let c = self.t.net[j];
            let d = self.cost[j] - self.pi[c];
            if d < self.dist[c] {
                self.dist[c] = d;
                self.via[c] = Via::Source(j);
            }
        }
        self.search(&|_, x| x == sink, true)?;
        // The path back from the sink, and how much it carries.
        self.path.clear();
        let mut node = sink;
        let mut amount = remaining;
        loop {
            self.path.push(node);
            match self.via[node] {
                Via::Sink(a) => {
                    amount = amount.min(self.t.hi[a] - self.load[a]);
                    node = a;
                }
                Via::Transfer(a, tr) => {
                    amount = amount.min(self.flow[tr.from]);
                    node = a;
                }
                Via::Source(_) => break,
                Via::None => unreachable!("every node on the path was reached"),
            }
        }
        for i in 0..self.path.len() {
            let node = self.path[i];
            match self.via[node] {
                Via::Sink(a) => self.load[a] += amount,
                Via::Transfer(a, tr) => self.transfer(a, node, tr, amount),
                Via::Source(j) => {
                    if self.flow[j] == 0 {
                        self.join(node, u);
                    }
                    self.flow[j] += amount;
                }
                Via::None => {}
            }
        }
        let dt = self.dist[sink];
        debug_assert!(k == sink);
        self.update(dt);
        Some(amount)
    }

    /// Phase 2: moves students from a network above its lower bound to the nearest (cheapest) network
    /// below its own, along transfers; `None` when no such move exists.
    fn fill_deficit(&mut self) -> Option<()> {
        let k = self.k;
        self.reset();
        // The source reaches every network that can give a student without falling below `lo`; its
        // potential is the largest of theirs, so those arcs cost at least 0.
        let givers: Vec<usize> = (0..k).filter(|&c| self.load[c] > self.t.lo[c]).collect();
        let top = givers.iter().map(|&c| self.pi[c]).max()?;
        for &c in &givers {
            self.dist[c] = top - self.pi[c];
            self.via[c] = Via::Source(usize::MAX);
        }
        let target = self.search(&|n, x| x < n.k && n.load[x] < n.t.lo[x], false)?;
        self.path.clear();
        let mut node = target;
        let mut amount = self.t.lo[target] - self.load[target];
        loop {
            self.path.push(node);
            match self.via[node] {
                Via::Transfer(a, tr) => {
                    amount = amount.min(self.flow[tr.from]);
                    node = a;
                }
                Via::Source(_) => {
                    amount = amount.min(self.load[node] - self.t.lo[node]);
                    break;
                }
                _ => unreachable!("phase 2 paths are transfers from a giver"),
            }
        }
        let giver = *self.path.last().expect("a path has a start");
        if giver == target {
            return None;
        }
        for i in 0..self.path.len() {
            let node = self.path[i];
            if let Via::Transfer(a, tr) = self.via[node] {
                self.transfer(a, node, tr, amount);
            }
        }
        self.load[giver] -= amount;
        self.load[target] += amount;
        let dt = self.dist[target];
        self.update(dt);
        Some(())
    }

    /// Moves `amount` of unit `tr.unit`'s students from network `a` to network `b`.
    fn transfer(&mut self, a: usize, b: usize, tr: Transfer, amount: i64) {
        let v = tr.unit;
        self.flow[tr.from] -= amount;
        if self.flow[tr.from] == 0 {
            if let Ok(i) = self.members[a].binary_search(&v) {
                self.members[a].remove(i);
            }
            self.left.push(a);
        }
        if self.flow[tr.to] == 0 {
            self.join(b, v);
        }
        self.flow[tr.to] += amount;
    }

    /// Unit `v` gets students in network `b`.
    fn join(&mut self, b: usize, v: usize) {
        let at = self.members[b].partition_point(|&w| w < v);
        self.members[b].insert(at, v);
        self.joined.push((b, v));
    }

    /// New potentials after a search that ended at distance `dt`, and the transfers out of every network
    /// whose members changed.
    fn update(&mut self, dt: i64) {
        for (p, &d) in self.pi.iter_mut().zip(&self.dist) {
            *p += d.min(dt);
        }
        // A network a unit left is searched afresh (that unit may have been its cheapest transfer); a unit
        // that joined a network only needs comparing with what is there.
        let mut left = std::mem::take(&mut self.left);
        left.sort_unstable();
        left.dedup();
        for &a in &left {
            self.refresh(a);
        }
        for (b, v) in std::mem::take(&mut self.joined) {
            if left.binary_search(&b).is_err() && self.members[b].binary_search(&v).is_ok() {
                self.consider(b, v);
            }
        }
        left.clear();
        self.left = left;
    }

    /// Compares unit `v`'s transfers out of network `a` with the cheapest known (ties: the lowest unit).
    fn consider(&mut self, a: usize, v: usize) {
        let t = self.t;
        let k = self.k;
        let range = t.start[v]..t.start[v + 1];
        let Some(ja) = range.clone().find(|&j| t.net[j] == a) else {
            return;
        };
        for jb in range {
            let b = t.net[jb];
            if b == a {
                continue;
            }
            let delta = self.cost[jb] - self.cost[ja];
            let better = match self.best[a * k + b] {
                None => true,
                Some(x) => delta < x.delta || (delta == x.delta && v < x.unit),
            };
            if better {
                self.best[a * k + b] = Some(Transfer {
                    delta,
                    unit: v,
                    from: ja,
                    to: jb,
                });
            }
        }
    }

    /// The cheapest transfer out of network `a` to each other network, over the units with students in it.
    fn refresh(&mut self, a: usize) {
        let k = self.k;
        for b in self.best[a * k..(a + 1) * k].iter_mut() {
            *b = None;
        }
        for i in 0..self.members[a].len() {
            let v = self.members[a][i];
            self.consider(a, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A problem from per-unit candidate and cost lists.
    struct Lists {
        supply: Vec<i64>,
        start: Vec<usize>,
        net: Vec<usize>,
        cost: Vec<f64>,
        lo: Vec<i64>,
        hi: Vec<i64>,
    }

    impl Lists {
        fn new(
            supply: &[i64],
            cands: &[Vec<usize>],
            cost: &[Vec<f64>],
            lo: &[i64],
            hi: &[i64],
        ) -> Lists {
            let mut start = vec![0];
            for c in cands {
                start.push(start.last().unwrap() + c.len());
            }
            Lists {
                supply: supply.to_vec(),
                start,
                net: cands.concat(),
                cost: cost.concat(),
                lo: lo.to_vec(),
                hi: hi.to_vec(),
            }
        }

        fn transport(&self) -> Transport<'_> {
            Transport {
                supply: &self.supply,
                start: &self.start,
                net: &self.net,
                cost: &self.cost,
                lo: &self.lo,
                hi: &self.hi,
            }
        }
    }

    /// Every way of shipping whole units (no unit split), for tiny cases: with supplies of 1 the optimum
    /// ships whole units, so this is the optimum.
    fn brute(t: &Transport) -> Option<f64> {
        let n = t.supply.len();
        let k = t.lo.len();
        let mut best: Option<f64> = None;
        let mut pick = vec![0usize; n];
        loop {
            let mut load = vec![0i64; k];
            let mut cost = 0.0;
            for (u, &pu) in pick.iter().enumerate() {
                let j = t.start[u] + pu;
                load[t.net[j]] += t.supply[u];
                cost += t.supply[u] as f64 * t.cost[j];
            }
            if (0..k).all(|c| load[c] >= t.lo[c] && load[c] <= t.hi[c])
                && best.is_none_or(|b| cost < b)
            {
                best = Some(cost);
            }
            let mut i = 0;
            loop {
                if i == n {
                    return best;
                }
                pick[i] += 1;
                if pick[i] < t.start[i + 1] - t.start[i] {
                    break;
                }
                pick[i] = 0;
                i += 1;
            }
        }
    }

    #[test]
    fn unit_supplies_match_the_brute_force_optimum() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for case in 0..2000 {
            let n = rng.random_range(1..9usize);
            let k = rng.random_range(1..5usize);
            let supply = vec![1i64; n];
            let cands: Vec<Vec<usize>> = (0..n)
                .map(|_| {
                    let mut c: Vec<usize> = (0..k).filter(|_| rng.random_range(0..3) > 0).collect();
                    if c.is_empty() {
                        c.push(rng.random_range(0..k));
                    }
                    c
                })
                .collect();
            let cost: Vec<Vec<f64>> = cands
                .iter()
                .map(|c| c.iter().map(|_| rng.random_range(0.0..10.0)).collect())
                .collect();
            let lo: Vec<i64> = (0..k).map(|_| rng.random_range(0..3)).collect();
            let hi: Vec<i64> = lo.iter().map(|l| l + rng.random_range(0..4)).collect();
            let lists = Lists::new(&supply, &cands, &cost, &lo, &hi);
            let t = lists.transport();
            let got = solve(&t).map(|s| s.cost);
            let want = brute(&t);
            match (got, want) {
                (Some(a), Some(b)) => {
                    assert!((a - b).abs() < 1e-6 * (1.0 + b), "case {case}: {a} vs {b}")
                }
                (None, None) => {}
                (a, b) => panic!("case {case}: flow {a:?}, brute force {b:?}"),
            }
        }
    }

    #[test]
    fn split_supplies_fill_both_bounds() {
        // Two units of 10 students, two networks that each need at least 8 and take at most 12: the cheap
        // network cannot take everything, so 8 go to the dear one, from the unit for which it costs least.
        let cands = [vec![0, 1], vec![0, 1]];
        let cost = [vec![1.0, 5.0], vec![1.0, 3.0]];
        let lists = Lists::new(&[10, 10], &cands, &cost, &[8, 8], &[12, 12]);
        let s = solve(&lists.transport()).unwrap();
        assert_eq!(s.flow, vec![10, 0, 2, 8]);
        assert!((s.cost - (10.0 + 2.0 + 24.0)).abs() < 1e-9);
        // Too few students for both lower bounds.
        let lists = Lists::new(&[10, 10], &cands, &cost, &[11, 11], &[12, 12]);
        assert!(solve(&lists.transport()).is_none());
    }
}
