//! One Markov chain over the plans of a problem: every state meets every hard rule of the problem.
//!
//! **What it samples.** A state is a plan (each unit's network) with a spanning tree of each network's
//! units. The chain is a Metropolis-Hastings chain whose stationary distribution is *uniform over these
//! pairs*: a plan is therefore drawn with probability proportional to the product of its networks'
//! spanning-tree counts (the *spanning-forest measure* that ReCom approximates and reversible ReCom
//! targets exactly), among the plans that meet every hard rule: each network's bounded terms (schools,
//! enrollment, levels, balance caps, forecast bands), connected networks, pins, and the restriction to
//! comparable plans (at most [`Settings::max_sse`] of compactness). Rules that are not the problem's
//! (support regions, drawn over the networks afterwards) are not part of it.
//!
//! **Two proposals**, each its own Metropolis-Hastings kernel (a mixture of kernels that each keep the
//! distribution keeps it too):
//!
//! - *Merge and split* ([`Chain::merge_split`], forest recombination): a cut link chosen uniformly merges
//!   its two networks; spanning trees of the merged units are drawn uniformly (Wilson) until one has a link
//!   whose removal leaves two valid networks, and one such link is cut at random. The two new trees are
//!   the two halves. The chance of proposing a particular result is the chance of the pair times a sum over
//!   the links that could join the two new trees, each weighted by one over its tree's count of valid
//!   cuts; that sum is computed for both directions (the reverse uses the trees the state holds), so the
//!   acceptance is exact. How many trees were drawn before one had a valid cut depends only on the merged
//!   units, which both directions share, so it cancels.
//! - *Flip* ([`Chain::flip`]): one endpoint of a cut link chosen uniformly joins the other's network; the
//!   acceptance carries the ratio of spanning-tree counts (matrix-tree theorem) and of cut links, and the
//!   two changed networks get new uniform trees.
//!
//! `tests` in this file enumerate every valid plan of small districts and check the chain's frequencies
//! against the target; a chain without the correction fails the same check.

use super::forest::{self, Local, Tree, NONE};
use crate::solver::problem::{Counted, Problem};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How a chain moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Largest compactness (the solver's: Σ schools × km² to their network's centre) a plan may have: the
    /// restriction to plans comparable with the one the chain starts from. `f64::INFINITY` for none.
    pub max_sse: f64,
    /// Share of steps that propose a single-unit flip; the rest merge and split two networks.
    pub flip_share: f64,
    /// Spanning trees a merge-split draws before it gives up (the step then stays where it is).
    pub tries: usize,
    /// The Metropolis-Hastings correction. Off only in tests, to show that the check of the chain's
    /// distribution can fail.
    pub(crate) correction: bool,
}

impl Settings {
    pub fn new(max_sse: f64, flip_share: f64) -> Settings {
        Settings {
            max_sse,
            flip_share,
            tries: TRIES,
            correction: true,
        }
    }
}

/// Spanning trees a merge-split draws before it gives up: the chance of drawing a valid cut depends only
/// on the merged networks, which both directions of a move share, so any limit keeps the target exact;
/// a pair that rarely splits validly then costs this many trees rather than thousands.
pub const TRIES: usize = 200;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The proposal was taken.
    Accepted,
    /// A valid proposal, turned down by the acceptance test.
    Rejected,
    /// A merge-split drew [`Settings::tries`] trees without a valid cut.
    NoSplit,
    /// A flip that would break a rule (or a pin, or connectivity).
    Invalid,
}

/// Counts of a chain's steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub proposals: u64,
    pub accepted: u64,
    pub merge_splits: u64,
    pub merge_splits_accepted: u64,
    pub flips: u64,
    pub flips_accepted: u64,
    /// Merge-splits that found no valid cut.
    pub no_split: u64,
    /// Spanning trees drawn by merge-splits.
    pub trees: u64,
    /// Accepted proposals that changed which units share a network (a merge-split can redraw the same
    /// two networks with new trees, or swap their labels).
    pub moved: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.proposals += o.proposals;
        self.accepted += o.accepted;
        self.merge_splits += o.merge_splits;
        self.merge_splits_accepted += o.merge_splits_accepted;
        self.flips += o.flips;
        self.flips_accepted += o.flips_accepted;
        self.no_split += o.no_split;
        self.trees += o.trees;
        self.moved += o.moved;
    }
}

/// Why a plan cannot start a chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Unfit {
    /// The problem has fewer than two networks: nothing can move.
    OneNetwork,
    /// Network `c` breaks one of its bounded terms (or is empty).
    Broken(usize),
    /// Network `c` is not one connected piece.
    Disconnected(usize),
    /// Unit `u` is outside the network it is pinned to.
    Pin(usize),
    /// The plan itself is less compact than the restriction allows.
    OverCap { sse: f64, max: f64 },
}

/// A problem's units as every chain reads them: a row per unit and the links with their ends.
pub struct Space<'p> {
    pub(crate) p: &'p Problem,
    /// Row layout: `[units, schools, students, sums.., Σ schools·x, Σ schools·y, Σ schools·|pos|²]`.
    stride: usize,
    rows: Vec<f64>,
    edges: Vec<(usize, usize)>,
    /// Each unit's links: (neighbour, link).
    incident: Vec<Vec<(usize, usize)>>,
    mean: f64,
}

impl<'p> Space<'p> {
    pub fn new(p: &'p Problem) -> Space<'p> {
        let w = p.limits.width;
        let stride = 6 + w;
        let mut rows = vec![0.0; p.units.len() * stride];
        for (u, d) in p.units.iter().enumerate() {
            let r = &mut rows[u * stride..(u + 1) * stride];
            r[0] = 1.0;
            r[1] = f64::from(d.schools);
            r[2] = d.enrollment;
            r[3..3 + w].copy_from_slice(p.sums_of(u));
            let s = f64::from(d.schools);
            r[3 + w] = s * d.pos[0];
            r[4 + w] = s * d.pos[1];
            r[5 + w] = s * (d.pos[0] * d.pos[0] + d.pos[1] * d.pos[1]);
        }
        let mut edges = Vec::new();
        let mut incident = vec![Vec::new(); p.units.len()];
        for (u, list) in p.neighbors.iter().enumerate() {
            for &v in list {
                if u < v {
                    incident[u].push((v, edges.len()));
                    incident[v].push((u, edges.len()));
                    edges.push((u, v));
                }
            }
        }
        Space {
            p,
            stride,
            rows,
            edges,
            incident,
            mean: p.mean_enrollment(),
        }
    }

    fn row(&self, u: usize) -> &[f64] {
        &self.rows[u * self.stride..(u + 1) * self.stride]
    }

    /// Whether a network with this row meets every bounded term (and is not empty).
    fn holds(&self, row: &[f64]) -> bool {
        let size = self.p.limits.size();
        row[0] >= 1.0
            && row[1] >= f64::from(size.min_schools)
            && row[1] <= f64::from(size.max_schools)
            && row[2] >= size.min_enrollment
            && row[2] <= size.max_enrollment
            && self.p.limits.violation(
                &Row {
                    row,
                    width: self.p.limits.width,
                },
                self.mean,
            ) == 0.0
    }

    /// Σ schools × squared km to the centre of a network with this row.
    fn sse(&self, row: &[f64]) -> f64 {
        let w = self.p.limits.width;
        let n = row[1];
        if n == 0.0 {
            0.0
        } else {
            (row[5 + w] - (row[3 + w] * row[3 + w] + row[4 + w] * row[4 + w]) / n).max(0.0)
        }
    }
}

/// A row read as a network's totals.
struct Row<'a> {
    row: &'a [f64],
    width: usize,
}

impl Counted for Row<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn fill(&self, out: &mut [f64]) {
        out.copy_from_slice(&self.row[..3 + self.width]);
    }
}

fn add_into(acc: &mut [f64], row: &[f64]) {
    for (a, b) in acc.iter_mut().zip(row) {
        *a += b;
    }
}

/// Pins of a set of units inside the merged pair: how many are pinned to the first network, and to the
/// second.
type PinCount = [u32; 2];

/// Whether the two halves can carry the two networks' labels with every pin kept.
fn pins_fit(a: PinCount, b: PinCount) -> bool {
    match ((a[0] > 0, a[1] > 0), (b[0] > 0, b[1] > 0)) {
        // A half holding both labels' pins, or both halves holding one label's.
        ((true, true), _) | (_, (true, true)) | ((true, _), (true, _)) | ((_, true), (_, true)) => {
            false
        }
        _ => true,
    }
}

/// What a merge-split must keep: the merged units' row and pins, the compactness of the networks it
/// leaves alone, and the restriction.
#[derive(Clone, Copy)]
struct Merged<'a> {
    whole: &'a [f64],
    pins: PinCount,
    rest_sse: f64,
    max_sse: f64,
}

/// Whether splitting the merged units into `part` (with its pins) and the rest gives two valid networks,
/// with every pin kept and the compactness within the restriction. `buf` receives the rest's row.
fn split_ok(sp: &Space, m: Merged<'_>, part: &[f64], pins: PinCount, buf: &mut Vec<f64>) -> bool {
    let size = sp.p.limits.size();
    let fits = |schools: f64, students: f64| {
        schools >= f64::from(size.min_schools)
            && schools <= f64::from(size.max_schools)
            && students >= size.min_enrollment
            && students <= size.max_enrollment
    };
    if !fits(part[1], part[2]) || !fits(m.whole[1] - part[1], m.whole[2] - part[2]) {
        return false;
    }
    if !pins_fit(pins, [m.pins[0] - pins[0], m.pins[1] - pins[1]]) {
        return false;
    }
    buf.clear();
    buf.extend(m.whole.iter().zip(part).map(|(a, b)| a - b));
    if m.rest_sse + sp.sse(part) + sp.sse(buf) > m.max_sse {
        return false;
    }
    sp.holds(part) && sp.holds(buf)
}

/// One chain: the state (plan and trees), its running totals and scratch space.
pub struct Chain<'s, 'p> {
    space: &'s Space<'p>,
    settings: Settings,
    rng: ChaCha8Rng,
    assign: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// Each unit's parent in its network's spanning tree (`NONE` at the tree's root).
    parent: Vec<usize>,
    net_rows: Vec<Vec<f64>>,
    net_sse: Vec<f64>,
    total_sse: f64,
    /// ln of each network's spanning-tree count (kept only when flips are on).
    log_trees: Vec<f64>,
    cut_list: Vec<usize>,
    cut_pos: Vec<usize>,
    counts: Counts,
    scratch: Scratch,
}

/// Arrays reused from step to step.
#[derive(Default)]
struct Scratch {
    local: Vec<usize>,
    nodes: Vec<usize>,
    graph: Local,
    tree: Tree,
    forest: Tree,
    seen: Vec<bool>,
    sub: Vec<f64>,
    sub_pins: Vec<PinCount>,
    pins: Vec<PinCount>,
    valid: Vec<usize>,
    quick: Vec<[f64; 2]>,
    buf: Vec<f64>,
    part: Vec<f64>,
    side: Vec<bool>,
    new_parent: Vec<usize>,
    ps: Vec<i64>,
    matrix: Vec<f64>,
    queue: Vec<usize>,
}

impl<'s, 'p> Chain<'s, 'p> {
    /// A chain starting from `assign` (each unit's network), its random stream seeded by `seed`.
    pub fn new(
        space: &'s Space<'p>,
        assign: Vec<usize>,
        settings: Settings,
        seed: u64,
    ) -> Result<Chain<'s, 'p>, Unfit> {
        let p = space.p;
        if p.k < 2 {
            return Err(Unfit::OneNetwork);
        }
        let mut members = vec![Vec::new(); p.k];
        for (u, &c) in assign.iter().enumerate() {
            members[c].push(u);
            if let Some(pin) = p.pins.get(u).copied().flatten() {
                if pin != c {
                    return Err(Unfit::Pin(u));
                }
            }
        }
        let mut chain = Chain {
            space,
            settings,
            rng: ChaCha8Rng::seed_from_u64(seed),
            parent: vec![NONE; assign.len()],
            net_rows: vec![Vec::new(); p.k],
            net_sse: vec![0.0; p.k],
            total_sse: 0.0,
            log_trees: vec![0.0; p.k],
            cut_list: Vec::new(),
            cut_pos: vec![NONE; space.edges.len()],
            counts: Counts::default(),
            scratch: Scratch {
                local: vec![NONE; assign.len()],
                ..Scratch::default()
            },
            assign,
            members,
        };
        for c in 0..p.k {
            chain.recount(c);
            if !space.holds(&chain.net_rows[c]) {
                return Err(Unfit::Broken(c));
            }
            if !chain.connected_without(c, NONE) {
                return Err(Unfit::Disconnected(c));
            }
            chain.new_tree(c);
            if settings.flip_share > 0.0 {
                chain.log_trees[c] = chain.count_trees(c);
            }
        }
        chain.total_sse = chain.net_sse.iter().sum();
        if chain.total_sse > settings.max_sse {
            return Err(Unfit::OverCap {
                sse: chain.total_sse,
                max: settings.max_sse,
            });
        }
        for e in 0..space.edges.len() {
            chain.set_cut(e);
        }
        Ok(chain)
    }

    /// Each unit's network.
    pub fn assign(&self) -> &[usize] {
        &self.assign
    }

    /// The plan's compactness as the restriction reads it.
    pub fn sse(&self) -> f64 {
        self.total_sse
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Makes one step (a flip with [`Settings::flip_share`], else a merge-split).
    pub fn step(&mut self) -> Outcome {
        self.counts.proposals += 1;
        let flip =
            self.settings.flip_share > 0.0 && self.rng.random::<f64>() < self.settings.flip_share;
        let outcome = if flip {
            self.counts.flips += 1;
            self.flip()
        } else {
            self.counts.merge_splits += 1;
            self.merge_split()
        };
        if outcome == Outcome::Accepted {
            self.counts.accepted += 1;
            if flip {
                self.counts.flips_accepted += 1;
            } else {
                self.counts.merge_splits_accepted += 1;
            }
        }
        outcome
    }

    /// Recomputes network `c`'s row and compactness from its members.
    fn recount(&mut self, c: usize) {
        let sp = self.space;
        let mut row = std::mem::take(&mut self.net_rows[c]);
        row.clear();
        row.resize(sp.stride, 0.0);
        for &u in &self.members[c] {
            add_into(&mut row, sp.row(u));
        }
        self.net_sse[c] = sp.sse(&row);
        self.net_rows[c] = row;
    }

    /// Puts link `e` in or out of the cut list by its ends' networks.
    fn set_cut(&mut self, e: usize) {
        let (u, v) = self.space.edges[e];
        let cut = self.assign[u] != self.assign[v];
        let pos = self.cut_pos[e];
        if cut && pos == NONE {
            self.cut_pos[e] = self.cut_list.len();
            self.cut_list.push(e);
        } else if !cut && pos != NONE {
            let last = *self.cut_list.last().expect("a listed link");
            self.cut_list.swap_remove(pos);
            if last != e {
                self.cut_pos[last] = pos;
            }
            self.cut_pos[e] = NONE;
        }
    }

    /// Numbers `nodes` locally and builds the graph they induce.
    fn localise(&mut self) {
        let s = &mut self.scratch;
        for (l, &g) in s.nodes.iter().enumerate() {
            s.local[g] = l;
        }
        s.graph.induce(&s.nodes, &s.local, &self.space.p.neighbors);
    }

    fn unlocalise(&mut self) {
        let s = &mut self.scratch;
        for &g in &s.nodes {
            s.local[g] = NONE;
        }
    }

    /// Whether network `c` without unit `without` (`NONE`: whole) is one connected piece.
    fn connected_without(&mut self, c: usize, without: usize) -> bool {
        let s = &mut self.scratch;
        s.nodes.clear();
        s.nodes
            .extend(self.members[c].iter().copied().filter(|&u| u != without));
        if s.nodes.is_empty() {
            return false;
        }
        self.localise();
        let s = &mut self.scratch;
        let n = s.nodes.len();
        s.seen.clear();
        s.seen.resize(n, false);
        s.queue.clear();
        s.queue.push(0);
        s.seen[0] = true;
        let mut i = 0;
        while i < s.queue.len() {
            let v = s.queue[i];
            i += 1;
            for &w in s.graph.neighbours(v) {
                if !s.seen[w] {
                    s.seen[w] = true;
                    s.queue.push(w);
                }
            }
        }
        let all = s.queue.len() == n;
        self.unlocalise();
        all
    }

    /// Draws a new uniform spanning tree of network `c` (connected) into the state.
    fn new_tree(&mut self, c: usize) {
        self.scratch.nodes.clear();
        self.scratch.nodes.extend(&self.members[c]);
        self.localise();
        let s = &mut self.scratch;
        forest::wilson(&s.graph, &mut self.rng, &mut s.tree, &mut s.seen);
        for (l, &g) in s.nodes.iter().enumerate() {
            let p = s.tree.parent[l];
            self.parent[g] = if p == NONE { NONE } else { s.nodes[p] };
        }
        self.unlocalise();
    }

    /// ln of the spanning-tree count of network `c` (connected).
    fn count_trees(&mut self, c: usize) -> f64 {
        self.scratch.nodes.clear();
        self.scratch.nodes.extend(&self.members[c]);
        self.count_scratch_trees()
    }

    /// ln of the spanning-tree count of the units `nodes` (connected).
    fn log_trees_of(&mut self, nodes: &[usize]) -> f64 {
        self.scratch.nodes.clear();
        self.scratch.nodes.extend(nodes);
        self.count_scratch_trees()
    }

    /// ln of the spanning-tree count of the units in `scratch.nodes`.
    fn count_scratch_trees(&mut self) -> f64 {
        self.localise();
        let s = &mut self.scratch;
        let t = forest::log_trees(&s.graph, &mut s.matrix);
        self.unlocalise();
        t
    }

    /// Subtree rows and pin counts of the forest in `scratch.forest` over the local nodes.
    fn subtree_sums(&mut self) {
        let sp = self.space;
        let s = &mut self.scratch;
        let n = s.nodes.len();
        s.sub.clear();
        s.sub.resize(n * sp.stride, 0.0);
        s.sub_pins.clear();
        s.sub_pins.extend_from_slice(&s.pins[..n]);
        for (l, &g) in s.nodes.iter().enumerate() {
            s.sub[l * sp.stride..(l + 1) * sp.stride].copy_from_slice(sp.row(g));
        }
        for &v in s.forest.order.iter().rev() {
            let p = s.forest.parent[v];
            if p != NONE {
                let (lo, hi) = (v.min(p), v.max(p));
                let (a, b) = s.sub.split_at_mut(hi * sp.stride);
                let (from, into) = if v < p {
                    (
                        &a[lo * sp.stride..(lo + 1) * sp.stride],
                        &mut b[..sp.stride],
                    )
                } else {
                    (
                        &b[..sp.stride],
                        &mut a[lo * sp.stride..(lo + 1) * sp.stride],
                    )
                };
                add_into(into, from);
                let pv = s.sub_pins[v];
                s.sub_pins[p][0] += pv[0];
                s.sub_pins[p][1] += pv[1];
            }
        }
    }

    /// Σ over the links joining the two trees of `scratch.forest` (sides in `scratch.side`) of one over the
    /// number of valid cuts of the tree that link would make: the weight of proposing this pair of trees.
    fn joining_weight(&mut self, m: Merged<'_>) -> f64 {
        self.subtree_sums();
        let sp = self.space;
        let stride = sp.stride;
        let s = &mut self.scratch;
        let n = s.nodes.len();
        // Each side's root (its row is the root's subtree).
        let mut roots = [NONE; 2];
        for &v in &s.forest.order {
            if s.forest.parent[v] == NONE {
                roots[usize::from(s.side[v])] = v;
            }
        }
        s.ps.clear();
        s.ps.resize(n, 0);
        let mut total_down = [0i64; 2];
        for idx in 0..n {
            let v = s.forest.order[idx];
            let p = s.forest.parent[v];
            if p == NONE {
                continue;
            }
            let side = usize::from(s.side[v]);
            let d_row = &s.sub[v * stride..(v + 1) * stride];
            let d_pins = s.sub_pins[v];
            // The link joining the trees at a node outside v's subtree: the cut at v leaves v's subtree.
            let down = split_ok(sp, m, d_row, d_pins, &mut s.buf);
            // ... at a node inside it: the cut leaves the rest of v's tree.
            let r = roots[side];
            s.part.clear();
            s.part.extend(
                s.sub[r * stride..(r + 1) * stride]
                    .iter()
                    .zip(d_row)
                    .map(|(a, b)| a - b),
            );
            let rp = s.sub_pins[r];
            let up = split_ok(
                sp,
                m,
                &s.part,
                [rp[0] - d_pins[0], rp[1] - d_pins[1]],
                &mut s.buf,
            );
            total_down[side] += i64::from(down);
            s.ps[v] = s.ps[p] + i64::from(up) - i64::from(down);
        }
        let mut weight = 0.0;
        for l in 0..n {
            for &w in s.graph.neighbours(l) {
                if l < w && s.side[l] != s.side[w] {
                    let cuts = 1
                        + total_down[usize::from(s.side[l])]
                        + s.ps[l]
                        + total_down[usize::from(s.side[w])]
                        + s.ps[w];
                    weight += 1.0 / cuts as f64;
                }
            }
        }
        weight
    }

    /// Merges the two networks of a cut link chosen uniformly and splits them again along a valid cut
    /// of a uniform spanning tree (see the module's notes for the acceptance).
    pub fn merge_split(&mut self) -> Outcome {
        let sp = self.space;
        let e = self.cut_list[self.rng.random_range(0..self.cut_list.len())];
        let (u, v) = sp.edges[e];
        let (i, j) = (self.assign[u], self.assign[v]);
        let s = &mut self.scratch;
        s.nodes.clear();
        s.nodes.extend(&self.members[i]);
        let ni = s.nodes.len();
        s.nodes.extend(&self.members[j]);
        self.localise();
        let n = self.scratch.nodes.len();
        let mut whole = self.net_rows[i].clone();
        add_into(&mut whole, &self.net_rows[j]);
        let rest_sse = self.total_sse - self.net_sse[i] - self.net_sse[j];
        let s = &mut self.scratch;
        s.pins.clear();
        let mut whole_pins = [0u32; 2];
        for &g in &s.nodes {
            let pin = sp.p.pins.get(g).copied().flatten();
            let c = [u32::from(pin == Some(i)), u32::from(pin == Some(j))];
            whole_pins[0] += c[0];
            whole_pins[1] += c[1];
            s.pins.push(c);
        }
        let merged = Merged {
            whole: &whole,
            pins: whole_pins,
            rest_sse,
            max_sse: self.settings.max_sse,
        };

        // Trees until one has a valid cut.
        let mut chosen = NONE;
        for _ in 0..self.settings.tries {
            self.counts.trees += 1;
            let s = &mut self.scratch;
            forest::wilson(&s.graph, &mut self.rng, &mut s.forest, &mut s.seen);
            // First the school count and enrollment of every subtree, which most cuts fail...
            let size = sp.p.limits.size();
            let s = &mut self.scratch;
            s.quick.clear();
            for &g in &s.nodes {
                let r = sp.row(g);
                s.quick.push([r[1], r[2]]);
            }
            for &v in s.forest.order.iter().rev() {
                let p = s.forest.parent[v];
                if p != NONE {
                    let q = s.quick[v];
                    s.quick[p][0] += q[0];
                    s.quick[p][1] += q[1];
                }
            }
            let fits = |q: [f64; 2]| {
                q[0] >= f64::from(size.min_schools)
                    && q[0] <= f64::from(size.max_schools)
                    && q[1] >= size.min_enrollment
                    && q[1] <= size.max_enrollment
            };
            s.valid.clear();
            for idx in 1..n {
                let c = s.forest.order[idx];
                let q = s.quick[c];
                if fits(q) && fits([whole[1] - q[0], whole[2] - q[1]]) {
                    s.valid.push(c);
                }
            }
            if s.valid.is_empty() {
                continue;
            }
            // ... then every rule on the cuts that pass.
            self.subtree_sums();
            let stride = sp.stride;
            let s = &mut self.scratch;
            let mut valid = std::mem::take(&mut s.valid);
            valid.retain(|&c| {
                split_ok(
                    sp,
                    merged,
                    &s.sub[c * stride..(c + 1) * stride],
                    s.sub_pins[c],
                    &mut s.buf,
                )
            });
            if !valid.is_empty() {
                chosen = valid[self.rng.random_range(0..valid.len())];
            }
            self.scratch.valid = valid;
            if chosen != NONE {
                break;
            }
        }
        if chosen == NONE {
            self.unlocalise();
            self.counts.no_split += 1;
            return Outcome::NoSplit;
        }

        // The new halves: `chosen`'s subtree (A) and the rest (B), each with its tree.
        let s = &mut self.scratch;
        s.side.clear();
        s.side.resize(n, false);
        for idx in 0..n {
            let x = s.forest.order[idx];
            let p = s.forest.parent[x];
            s.side[x] = x == chosen || (p != NONE && s.side[p]);
        }
        s.new_parent.clear();
        s.new_parent.extend_from_slice(&s.forest.parent);
        s.new_parent[chosen] = NONE;
        let (mut pins_a, mut pins_b) = ([0u32; 2], [0u32; 2]);
        for l in 0..n {
            let t = if s.side[l] { &mut pins_a } else { &mut pins_b };
            t[0] += s.pins[l][0];
            t[1] += s.pins[l][1];
        }
        let a_to = if pins_a == [0, 0] && pins_b == [0, 0] {
            if self.rng.random::<bool>() {
                i
            } else {
                j
            }
        } else if pins_a[1] > 0 || pins_b[0] > 0 {
            j
        } else {
            i
        };
        let b_to = if a_to == i { j } else { i };
        let (mut e_ab, mut e_ij) = (0usize, 0usize);
        for l in 0..n {
            for &m in s.graph.neighbours(l) {
                if l < m {
                    e_ab += usize::from(s.side[l] != s.side[m]);
                    e_ij += usize::from((l < ni) != (m < ni));
                }
            }
        }
        let new_side = s.side.clone();
        let new_parent = s.new_parent.clone();

        // Weight of the forward proposal: the new trees joined by any A-B link.
        s.forest.parent.clone_from(&new_parent);
        s.forest.order_from_parents();
        let forward = self.joining_weight(merged);
        // ... and of the reverse: the state's trees of i and j, joined by any i-j link.
        let s = &mut self.scratch;
        for (l, &g) in s.nodes.iter().enumerate() {
            let p = self.parent[g];
            s.forest.parent[l] = if p == NONE { NONE } else { s.local[p] };
            s.side[l] = l < ni;
        }
        s.forest.order_from_parents();
        let reverse = self.joining_weight(merged);

        let c_now = self.cut_list.len() as f64;
        let c_next = c_now + e_ab as f64 - e_ij as f64;
        let ratio = (e_ab as f64 / c_next * reverse) / (e_ij as f64 / c_now * forward);
        if self.settings.correction && self.rng.random::<f64>() >= ratio {
            self.unlocalise();
            return Outcome::Rejected;
        }

        // Apply.
        let same =
            (0..n).all(|l| new_side[l] == (l < ni)) || (0..n).all(|l| new_side[l] != (l < ni));
        self.counts.moved += u64::from(!same);
        let nodes = std::mem::take(&mut self.scratch.nodes);
        self.members[i].clear();
        self.members[j].clear();
        for (l, &g) in nodes.iter().enumerate() {
            let to = if new_side[l] { a_to } else { b_to };
            self.assign[g] = to;
            self.members[to].push(g);
            let p = new_parent[l];
            self.parent[g] = if p == NONE { NONE } else { nodes[p] };
        }
        self.scratch.nodes = nodes;
        self.unlocalise();
        for c in [i, j] {
            self.recount(c);
        }
        self.total_sse = self.net_sse.iter().sum();
        for l in 0..n {
            let g = self.scratch.nodes[l];
            for k in 0..sp.incident[g].len() {
                let e = sp.incident[g][k].1;
                self.set_cut(e);
            }
        }
        if self.settings.flip_share > 0.0 {
            for c in [i, j] {
                self.log_trees[c] = self.count_trees(c);
            }
        }
        Outcome::Accepted
    }

    /// Moves one end of a cut link chosen uniformly into the other end's network.
    pub fn flip(&mut self) -> Outcome {
        let sp = self.space;
        let e = self.cut_list[self.rng.random_range(0..self.cut_list.len())];
        let (a, b) = sp.edges[e];
        let (u, w) = if self.rng.random::<bool>() {
            (a, b)
        } else {
            (b, a)
        };
        let (o, d) = (self.assign[u], self.assign[w]);
        if sp.p.pins.get(u).copied().flatten().is_some() || self.members[o].len() == 1 {
            return Outcome::Invalid;
        }
        let mut from = self.net_rows[o].clone();
        let mut into = self.net_rows[d].clone();
        for ((f, t), x) in from.iter_mut().zip(into.iter_mut()).zip(sp.row(u)) {
            *f -= x;
            *t += x;
        }
        if !sp.holds(&from) || !sp.holds(&into) {
            return Outcome::Invalid;
        }
        let sse =
            self.total_sse - self.net_sse[o] - self.net_sse[d] + sp.sse(&from) + sp.sse(&into);
        if sse > self.settings.max_sse || !self.connected_without(o, u) {
            return Outcome::Invalid;
        }
        let (mut e_o, mut e_d) = (0usize, 0usize);
        for &(x, _) in &sp.incident[u] {
            e_o += usize::from(self.assign[x] == o);
            e_d += usize::from(self.assign[x] == d);
        }
        let c_now = self.cut_list.len() as f64;
        let c_next = c_now - e_d as f64 + e_o as f64;
        let from_nodes: Vec<usize> = self.members[o]
            .iter()
            .copied()
            .filter(|&x| x != u)
            .collect();
        let mut into_nodes = self.members[d].clone();
        into_nodes.push(u);
        let t_from = self.log_trees_of(&from_nodes);
        let t_into = self.log_trees_of(&into_nodes);
        let log_ratio =
            (e_o as f64).ln() - (e_d as f64).ln() + c_now.ln() - c_next.ln() + t_from + t_into
                - self.log_trees[o]
                - self.log_trees[d];
        if self.settings.correction && self.rng.random::<f64>().ln() >= log_ratio {
            return Outcome::Rejected;
        }
        self.counts.moved += 1;
        self.assign[u] = d;
        self.members[o] = from_nodes;
        self.members[d] = into_nodes;
        for c in [o, d] {
            self.recount(c);
            self.new_tree(c);
        }
        // Their tree counts were computed for the acceptance.
        self.log_trees[o] = t_from;
        self.log_trees[d] = t_into;
        self.total_sse = self.net_sse.iter().sum();
        for k in 0..sp.incident[u].len() {
            let e = sp.incident[u][k].1;
            self.set_cut(e);
        }
        Outcome::Accepted
    }
}

#[cfg(test)]
mod tests {
    //! The chain's distribution against its target on districts small enough to list every valid plan.
    use super::*;
    use crate::graph::Graph;
    use crate::solver::problem::{Limits, UnitData};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// A `w`×`h` grid of units, with a diagonal in the cells `diagonals` lists (by lower-left corner).
    fn district(
        w: usize,
        h: usize,
        diagonals: &[usize],
        enrollment: &[f64],
    ) -> (Vec<UnitData>, Graph) {
        let units = (0..w * h)
            .map(|v| UnitData {
                pos: [(v % w) as f64, (v / w) as f64],
                schools: 1,
                enrollment: enrollment[v % enrollment.len()],
            })
            .collect();
        (units, forest::grid(w, h, diagonals))
    }

    fn problem(
        units: Vec<UnitData>,
        g: Graph,
        k: usize,
        schools: (u32, u32),
        students: (f64, f64),
    ) -> Problem {
        Problem::new(
            units,
            Arc::new(g),
            k,
            Limits::basic(schools.0, schools.1, students.0, students.1),
        )
    }

    /// Every valid plan of `p` with its target weight (the product of its networks' spanning-tree
    /// counts), found by listing all k^n assignments and checking each from scratch (not with the chain's
    /// own checks).
    fn target(p: &Problem, max_sse: f64) -> BTreeMap<Vec<usize>, f64> {
        let (n, k) = (p.units.len(), p.k);
        let size = p.limits.size();
        let mut out = BTreeMap::new();
        let mut a = vec![0usize; n];
        let total = k.pow(n as u32);
        let mut scratch = Vec::new();
        'next: for code in 0..total {
            let mut x = code;
            for slot in a.iter_mut() {
                *slot = x % k;
                x /= k;
            }
            if a.iter()
                .enumerate()
                .any(|(u, &c)| p.pins.get(u).copied().flatten().is_some_and(|q| q != c))
            {
                continue;
            }
            let mut weight = 1.0;
            let mut sse = 0.0;
            for c in 0..k {
                let m: Vec<usize> = (0..n).filter(|&u| a[u] == c).collect();
                let schools: u32 = m.iter().map(|&u| p.units[u].schools).sum();
                let students: f64 = m.iter().map(|&u| p.units[u].enrollment).sum();
                if m.is_empty()
                    || schools < size.min_schools
                    || schools > size.max_schools
                    || students < size.min_enrollment
                    || students > size.max_enrollment
                {
                    continue 'next;
                }
                let mut local = vec![NONE; n];
                for (l, &u) in m.iter().enumerate() {
                    local[u] = l;
                }
                let mut g = Local::default();
                g.induce(&m, &local, &p.neighbors);
                // Connected: a breadth-first search from the first unit reaches all.
                let mut seen = vec![false; m.len()];
                let mut queue = vec![0];
                seen[0] = true;
                while let Some(v) = queue.pop() {
                    for &w in g.neighbours(v) {
                        if !seen[w] {
                            seen[w] = true;
                            queue.push(w);
                        }
                    }
                }
                if seen.iter().any(|s| !s) {
                    continue 'next;
                }
                weight *= forest::log_trees(&g, &mut scratch).exp();
                let cx = m.iter().map(|&u| p.units[u].pos[0]).sum::<f64>() / m.len() as f64;
                let cy = m.iter().map(|&u| p.units[u].pos[1]).sum::<f64>() / m.len() as f64;
                sse += m
                    .iter()
                    .map(|&u| (p.units[u].pos[0] - cx).powi(2) + (p.units[u].pos[1] - cy).powi(2))
                    .sum::<f64>();
            }
            if sse <= max_sse + 1e-9 {
                out.insert(a.clone(), weight);
            }
        }
        let z: f64 = out.values().sum();
        out.values_mut().for_each(|w| *w /= z);
        out
    }

    /// Total-variation distance between the chain's visits over `steps` steps and the target, and the
    /// number of valid plans.
    fn distance(p: &Problem, settings: Settings, steps: usize, seed: u64) -> (f64, usize) {
        let want = target(p, settings.max_sse);
        let start = want.keys().next().expect("a valid plan").clone();
        let space = Space::new(p);
        let mut chain = Chain::new(&space, start, settings, seed).expect("a valid start");
        let mut seen: BTreeMap<Vec<usize>, f64> = BTreeMap::new();
        for _ in 0..steps {
            chain.step();
            assert!(
                want.contains_key(chain.assign()),
                "the chain left the valid plans: {:?}",
                chain.assign()
            );
            *seen.entry(chain.assign().to_vec()).or_default() += 1.0 / steps as f64;
        }
        let tv = 0.5
            * want
                .iter()
                .map(|(a, w)| (seen.get(a).copied().unwrap_or(0.0) - w).abs())
                .sum::<f64>();
        eprintln!("total variation {tv:.4} over {} plans", want.len());
        (tv, want.len())
    }

    const STEPS: usize = 300_000;

    /// The largest total-variation distance a chain may be from its target after [`STEPS`] steps (ten
    /// times as many for flips alone, which move less). The corrected chains stay near 0.01-0.02 here;
    /// the uncorrected ones below land above 0.05.
    const TV_MAX: f64 = 0.03;

    #[test]
    fn merge_split_matches_the_target_on_a_grid() {
        // 3×3 grid, three networks of exactly three units.
        let (u, g) = district(3, 3, &[], &[1.0]);
        let p = problem(u, g, 3, (3, 3), (0.0, 1e9));
        let (tv, plans) = distance(
            &p,
            Settings {
                flip_share: 0.0,
                ..Settings::new(f64::INFINITY, 0.0)
            },
            STEPS,
            1,
        );
        assert!(plans > 20, "{plans} plans");
        assert!(tv <= TV_MAX, "total variation {tv:.3} over {plans} plans");
    }

    #[test]
    fn flips_and_merge_splits_match_the_target_with_a_band_and_pins() {
        // 4×3 with two diagonals, uneven enrollment within a band, three networks, one unit pinned.
        let (u, g) = district(4, 3, &[0, 5], &[3.0, 1.0, 2.0, 2.0, 1.0]);
        let mut p = problem(u, g, 3, (3, 5), (6.0, 9.0));
        p.pins = vec![None; 12];
        p.pins[0] = Some(0);
        p.pins[11] = Some(2);
        let (tv, plans) = distance(&p, Settings::new(f64::INFINITY, 0.5), STEPS, 2);
        assert!(plans > 20, "{plans} plans");
        assert!(tv <= TV_MAX, "total variation {tv:.3} over {plans} plans");
    }

    /// Flips alone, where they connect every valid plan (looser sizes; alone they may not: under a tight
    /// band no single unit can move, which is why merge-splits are the main proposal).
    #[test]
    fn flips_alone_match_the_target_where_they_connect_the_plans() {
        let (u, g) = district(4, 3, &[0, 5], &[1.0]);
        let p = problem(u, g, 3, (3, 5), (0.0, 1e9));
        let (tv, plans) = distance(&p, Settings::new(f64::INFINITY, 1.0), 10 * STEPS, 5);
        assert!(plans > 20, "{plans} plans");
        assert!(tv <= TV_MAX, "total variation {tv:.3} over {plans} plans");
    }

    #[test]
    fn the_compactness_restriction_is_kept_and_sampled_right() {
        let (u, g) = district(4, 3, &[1, 6], &[1.0]);
        let p = problem(u, g, 3, (3, 5), (0.0, 1e9));
        let all = target(&p, f64::INFINITY);
        // Between the most and the least compact valid plan.
        let sse = |a: &Vec<usize>| {
            let s = Space::new(&p);
            let c = Chain::new(&s, a.clone(), Settings::new(f64::INFINITY, 0.0), 0).unwrap();
            c.sse()
        };
        let mut values: Vec<f64> = all.keys().map(sse).collect();
        values.sort_by(f64::total_cmp);
        let cap = values[values.len() / 3];
        let (tv, plans) = distance(&p, Settings::new(cap, 0.3), STEPS, 3);
        assert!(plans < all.len() && plans > 5, "{plans} of {}", all.len());
        assert!(tv <= TV_MAX, "total variation {tv:.3} over {plans} plans");
    }

    /// The same check fails for a chain without the Metropolis-Hastings correction (plain forest
    /// recombination and plain flips): the test can tell a biased chain.
    #[test]
    fn a_chain_without_its_correction_fails_the_check() {
        let biased = |flip_share| Settings {
            correction: false,
            ..Settings::new(f64::INFINITY, flip_share)
        };
        // Merge-splits on a 4×3 district with two diagonals and two networks of 4-8 units (182 plans):
        // the corrected chain passes, the uncorrected one does not.
        let (u, g) = district(4, 3, &[0, 5], &[1.0]);
        let p = problem(u, g, 2, (4, 8), (0.0, 1e9));
        let (tv, _) = distance(&p, Settings::new(f64::INFINITY, 0.0), STEPS, 4);
        assert!(tv <= TV_MAX, "merge-splits: total variation {tv:.3}");
        let (tv, _) = distance(&p, biased(0.0), STEPS, 4);
        assert!(
            tv > TV_MAX,
            "merge-splits: a biased chain passed with {tv:.3}"
        );
        // Flips alone, as in the test above.
        let (u, g) = district(4, 3, &[0, 5], &[1.0]);
        let p = problem(u, g, 3, (3, 5), (0.0, 1e9));
        let (tv, _) = distance(&p, biased(1.0), 10 * STEPS, 5);
        assert!(tv > TV_MAX, "flips: a biased chain passed with {tv:.3}");
    }
}
