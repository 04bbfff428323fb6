//! The partitioner: assigns every unit (campus) to one of `k` networks.
//!
//! Pure functions over plain data: no files, no printing. The pipeline per restart ([`solve_once`]) is
//! 1. [`seed`]: k-means++ and a few Lloyd iterations on unit positions (weighted by school count);
//! 2. [`assign`]: a linear program (good_lp) that assigns units to the centres at least squared distance
//!    under every linear rule, rounded to whole units, with capacitated Lloyd rounds (recentre, solve again);
//! 3. [`repair::repair_connectivity`]: every network becomes one connected piece;
//! 4. [`moves::polish`]: local search, then chain moves and swaps while rules are broken, then swaps for
//!    compactness.
//!
//! After the restarts, [`pairs::improve`] re-solves each pair of neighbouring networks of the best plan as
//! a two-network problem and keeps the more compact borders (when [`Settings::pairs`] is on).
//!
//! Restarts run in parallel (rayon) with seeds derived from the scenario seed; the winner is chosen by
//! (violation, compactness, restart index), so the result does not depend on the thread count. Tiny
//! problems are searched exhaustively ([`exact`]); large ones are split into parts ([`parts`]).

pub mod assign;
pub mod bound;
pub mod exact;
pub mod feasibility;
pub mod flow;
pub mod groups;
pub mod moves;
pub mod pairs;
pub mod parts;
pub mod repair;
pub mod seed;
pub mod state;

use crate::graph::Graph;
use rayon::prelude::*;
use std::sync::Arc;

/// Most school models that can carry a per-network minimum.
pub(crate) const MAX_MODEL_RULES: usize = 8;

/// What the solver needs to know about one unit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UnitData {
    /// Position in km.
    pub pos: [f64; 2],
    /// Number of schools (the weight in the compactness objective).
    pub schools: u32,
    pub enrollment: f64,
    pub high: u32,
    pub middle: u32,
    /// Low-performing schools, and schools with a performance rating at all.
    pub low: u32,
    pub rated: u32,
    /// Σ enrollment × distance from standard, and Σ enrollment, over schools with a score.
    pub dfs_sum: f64,
    pub dfs_weight: f64,
    /// Σ enrollment × FRPM fraction, and Σ enrollment, over schools that report FRPM.
    pub frpm_sum: f64,
    pub frpm_weight: f64,
    /// Students by ethnicity (in `schools::ETHNICITIES` order).
    pub ethnicity: [f64; 9],
    /// Schools of each model that has a minimum (in `Limits::model_min` order).
    pub models: [u32; MAX_MODEL_RULES],
}

/// Hard limits on each network. `None` switches a rule off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub min_schools: u32,
    pub max_schools: u32,
    pub min_enrollment: f64,
    pub max_enrollment: f64,
    pub min_high: u32,
    pub min_middle: u32,
    /// Networks must be connected on the adjacency graph.
    pub connected: bool,
    /// At most this share of rated schools low-performing.
    pub max_low_share: Option<f64>,
    /// Enrollment-weighted mean distance from standard within [min, max].
    pub dfs: Option<(f64, f64)>,
    /// FRPM share (fraction) within [min, max].
    pub frpm: Option<(f64, f64)>,
    /// Each ethnic group's share (fraction) within [min, max].
    pub ethnicity: [Option<(f64, f64)>; 9],
    /// Fewest schools of each tracked model.
    pub model_min: [u32; MAX_MODEL_RULES],
}

impl Limits {
    /// Limits with only the size rules set; every optional rule off.
    pub fn basic(
        min_schools: u32,
        max_schools: u32,
        min_enrollment: f64,
        max_enrollment: f64,
    ) -> Limits {
        Limits {
            min_schools,
            max_schools,
            min_enrollment,
            max_enrollment,
            min_high: 0,
            min_middle: 0,
            connected: true,
            max_low_share: None,
            dfs: None,
            frpm: None,
            ethnicity: [None; 9],
            model_min: [0; MAX_MODEL_RULES],
        }
    }
}

/// A partitioning problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub units: Vec<UnitData>,
    /// The adjacency graph (shared with the units it was built from).
    pub neighbors: Arc<Graph>,
    /// Number of networks.
    pub k: usize,
    pub limits: Limits,
    /// Soft goal: links between units that should share a network (feeder links), and their price.
    pub links: Links,
    /// Soft goal when rebalancing an adopted plan: each unit's network in that plan, and the price of moving
    /// it away (off for new plans).
    pub homes: Homes,
    /// Pins: the network each unit must be in (`None`: free); empty when nothing is pinned. A unit outside
    /// its pinned network counts [`PIN_POINTS`] of violation, so the search treats pins as the hardest rule;
    /// the assignment offers a pinned unit only its network, and no repair moves it away.
    pub pins: Vec<Option<usize>>,
}

/// Violation of one unit outside its pinned network: far above what any other rule's breach adds, so no
/// move trades a pin for another rule.
pub(crate) const PIN_POINTS: f64 = 1000.0;

/// Where units were in an adopted plan, and what moving one away costs: with a price far above any change in
/// compactness, the search moves as few schools (or students) as the rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Homes {
    /// Price per unit of weight of a unit away from its home network; 0 switches the goal off.
    pub cost: f64,
    /// Home network of each unit and its weight (schools or students that would move); `None` for new units.
    pub of_unit: Vec<Option<(usize, f64)>>,
}

impl Homes {
    /// The price of unit `u` being in network `c`.
    pub fn price(&self, u: usize, c: usize) -> f64 {
        match self.of_unit.get(u) {
            Some(Some((home, w))) if *home != c => self.cost * w,
            _ => 0.0,
        }
    }
}

/// Links between units that a plan should rather not cut (a soft goal, unlike the hard [`Limits`]): each
/// cut link adds `cost` × its weight to the compactness objective.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    /// km² per unit of cut weight; 0 switches the goal off.
    pub cost: f64,
    /// For each unit, the units it is linked to and the weight of the link (symmetric, no self-links,
    /// sorted by unit).
    pub of_unit: Vec<Vec<(usize, f64)>>,
}

impl Links {
    /// Symmetric links from (unit, unit) pairs, each pair adding weight 1; pairs within one unit are dropped.
    pub(crate) fn from_pairs(
        n: usize,
        pairs: impl IntoIterator<Item = (usize, usize)>,
        cost: f64,
    ) -> Links {
        let mut of_unit: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (a, b) in pairs {
            if a != b {
                of_unit[a].push((b, 1.0));
                of_unit[b].push((a, 1.0));
            }
        }
        for l in &mut of_unit {
            l.sort_by_key(|x| x.0);
            l.dedup_by(|x, y| {
                if x.0 == y.0 {
                    y.1 += x.1;
                    true
                } else {
                    false
                }
            });
        }
        Links { cost, of_unit }
    }

    /// Whether the goal is on.
    pub(crate) fn active(&self) -> bool {
        self.cost > 0.0 && self.of_unit.iter().any(|l| !l.is_empty())
    }
}

impl Problem {
    /// The network unit `u` is pinned to, if any.
    pub fn pin(&self, u: usize) -> Option<usize> {
        self.pins.get(u).copied().flatten()
    }

    /// Puts every pinned unit in its network.
    pub(crate) fn apply_pins(&self, assign: &mut [usize]) {
        for (u, a) in assign.iter_mut().enumerate() {
            if let Some(c) = self.pin(u) {
                *a = c;
            }
        }
    }

    /// Mean enrollment per network.
    pub(crate) fn mean_enrollment(&self) -> f64 {
        self.units.iter().map(|u| u.enrollment).sum::<f64>() / self.k as f64
    }
}

/// `assign` with its networks renumbered: network `c` becomes `to[c]` where that is set (distinct numbers),
/// and the others take the numbers left over, lowest first, in order of `c`.
pub(crate) fn renumbered(assign: &[usize], to: Vec<Option<usize>>) -> Vec<usize> {
    let mut taken = vec![false; to.len()];
    for t in to.iter().flatten() {
        taken[*t] = true;
    }
    let mut free = (0..to.len()).filter(|&t| !taken[t]);
    let to: Vec<usize> = to
        .iter()
        .map(|x| {
            x.or_else(|| free.next())
                .expect("as many numbers as networks")
        })
        .collect();
    assign.iter().map(|&c| to[c]).collect()
}

/// A solution: the network of each unit and how good it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Network index (0..k) of each unit.
    pub assignment: Vec<usize>,
    /// Sum of constraint violations (0 when every hard constraint holds); see [`state::violation`].
    pub violation: f64,
    /// Sum over schools of squared distance to their network's centre, km².
    pub sse: f64,
    /// What the search minimised once every rule holds: `sse` plus the price of cut links ([`Links`]) and of
    /// units away from their homes ([`Homes`]).
    pub cost: f64,
    /// Which restart produced it.
    pub restart: usize,
    /// Found by exhaustive search: optimal, and when it breaks a rule, no assignment meets them all.
    pub exhaustive: bool,
}

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub restarts: usize,
    /// After the restarts, re-solve pairs of neighbouring networks ([`pairs::improve`]).
    pub pairs: bool,
    /// How the capacitated assignment is solved.
    pub assignment: assign::Assignment,
}

impl Settings {
    /// `restarts` restarts from `seed`, with pair re-solving and the default assignment.
    pub fn new(seed: u64, restarts: usize) -> Settings {
        Settings {
            seed,
            restarts,
            pairs: true,
            assignment: assign::Assignment::default(),
        }
    }
}

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
        moves::cheapest_repairs(&mut state);
    }
    moves::polish(&mut state, rng);
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
        moves::polish(&mut next, rng);
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
        let mean = p.mean_enrollment();
        let broken: Vec<bool> = state
            .totals
            .iter()
            .map(|t| state::violation(t, &p.limits, mean) > 0.0)
            .collect();
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
            a[u] = b;
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

impl Solution {
    /// The solution a search state stands at.
    pub(crate) fn of(state: &state::State<'_>, restart: usize, exhaustive: bool) -> Solution {
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

/// Runs `settings.restarts` restarts in parallel and returns the best (least violation, then least cost). `progress` is called once per
/// finished restart (from worker threads). Problems with more than [`parts::SPLIT_ABOVE`]
/// networks are solved part by part ([`parts`]).
///
/// Problems of at most [`exact::MAX_UNITS`] units are searched exhaustively instead: the result is optimal,
/// and if it breaks a rule, no plan can meet them all.
pub fn solve(p: &Problem, settings: Settings, progress: &(dyn Fn() + Sync)) -> Solution {
    let best = solve_ranked(p, settings, progress)
        .into_iter()
        .next()
        .expect("at least one solution");
    if settings.pairs {
        pairs::improve(p, best, settings)
    } else {
        best
    }
}

/// Every restart's solution, best first, without pair re-solving (whatever `settings.pairs` says): for
/// callers that check rules the solver does not see (support regions, drawn from the finished networks)
/// and fall back to the next restart when the best breaks them. Problems solved in parts or exhaustively
/// give one solution.
pub(crate) fn solve_ranked(
    p: &Problem,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Vec<Solution> {
    if p.k > parts::SPLIT_ABOVE {
        vec![parts::solve(p, settings, progress)]
    } else {
        ranked_direct(p, settings, progress)
    }
}

/// [`solve`] without splitting into parts (and without pair re-solving).
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

/// [`solve_ranked`] without splitting into parts.
fn ranked_direct(p: &Problem, settings: Settings, progress: &(dyn Fn() + Sync)) -> Vec<Solution> {
    if p.units.len() <= exact::MAX_UNITS && p.k <= p.units.len() {
        let found = exact::solve(p);
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

/// Searches from an adopted assignment `start`: returns it as it is when it already meets every rule (calling
/// `progress` once per restart), otherwise the best of `settings.restarts` runs of [`finish`] from it. With
/// [`Homes`] set, every run keeps as much of `start` as the rules allow.
pub(crate) fn from_start(
    p: &Problem,
    start: Vec<usize>,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Solution {
    let mut start = start;
    p.apply_pins(&mut start);
    let initial = Solution::of(&state::State::new(p, start.clone()), 0, false);
    if initial.violation <= 0.0 {
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
