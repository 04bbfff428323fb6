//! Large problems by recursive bisection.
//!
//! A problem with more than [`SPLIT_ABOVE`] networks is cut in two along the longer axis of its
//! campuses, at the point where enrollment splits in proportion to the networks given to each side (so each
//! side's mean network keeps the district's mean), and again until parts have at most
//! [`MAX_NETWORKS_PER_PART`] networks. Each side is solved on its own (recursively, in
//! parallel), with the same absolute limits; then the joined plan is repaired and polished on the whole
//! adjacency graph, so moves can cross the cuts. Cost grows about linearly with the number of parts.

use super::problem::{renumbered, Homes, Links, Problem, Settings, Solution};
use super::restarts::{finish, solve_direct};
use crate::graph::Graph;
use std::sync::Arc;

/// Problems with more networks than this are split into parts; smaller ones are solved whole, which is
/// more compact than solving parts (BENCHMARKS.md, scale).
pub const SPLIT_ABOVE: usize = 40;

/// Parts are halved until each has at most this many networks: a part's search grows faster than
/// linearly with its size, so many small parts are quicker than a few large ones (BENCHMARKS.md, scale).
pub(crate) const MAX_NETWORKS_PER_PART: usize = 24;

/// How many separately solved parts a problem of `k` networks becomes (1 when it is not split), so
/// progress can be counted in parts × restarts.
pub fn count(k: usize) -> usize {
    fn leaves(k: usize) -> usize {
        if k <= MAX_NETWORKS_PER_PART {
            1
        } else {
            leaves(k / 2) + leaves(k - k / 2)
        }
    }
    if k > SPLIT_ABOVE {
        leaves(k)
    } else {
        1
    }
}

/// Splits `units` (indices into `p.units`) into two sides for `k1` and `k - k1` networks.
fn bisect(p: &Problem, units: &[usize], k: usize, k1: usize) -> (Vec<usize>, Vec<usize>) {
    let extent = |axis: usize| {
        let (lo, hi) = units
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &u| {
                (lo.min(p.units[u].pos[axis]), hi.max(p.units[u].pos[axis]))
            });
        hi - lo
    };
    let axis = usize::from(extent(1) > extent(0));
    let mut sorted = units.to_vec();
    sorted.sort_by(|&a, &b| {
        p.units[a].pos[axis]
            .total_cmp(&p.units[b].pos[axis])
            .then(a.cmp(&b))
    });
    let total: f64 = sorted.iter().map(|&u| p.units[u].enrollment).sum();
    let target = total * k1 as f64 / k as f64;
    let mut acc = 0.0;
    let mut cut = sorted.len();
    for (i, &u) in sorted.iter().enumerate() {
        if acc + p.units[u].enrollment / 2.0 > target {
            cut = i;
            break;
        }
        acc += p.units[u].enrollment;
    }
    let cut = cut.clamp(1, sorted.len() - 1);
    let right = sorted.split_off(cut);
    (sorted, right)
}

/// The sub-problem on `units`: induced adjacency, with the shortest links added back to join pieces
/// the cut separated. `networks`, when the sub-problem redraws existing networks, names the network each
/// of its `k` networks stands for, so that pins carry over; without it (a part of a large problem, whose
/// networks are numbered afresh) pins are left out and [`solve`] puts them back on the joined plan.
pub(crate) fn sub_problem(
    p: &Problem,
    units: &[usize],
    k: usize,
    networks: Option<&[usize]>,
) -> Problem {
    let mut local = vec![usize::MAX; p.units.len()];
    for (i, &u) in units.iter().enumerate() {
        local[u] = i;
    }
    let mut graph = p.neighbors.induced(units);
    let member = vec![true; units.len()];
    let mut comps = graph.components(&member);
    comps.sort_by_key(|c| std::cmp::Reverse(c.len()));
    if comps.len() > 1 {
        let mut links: Vec<(usize, usize)> = Vec::new();
        let main: Vec<usize> = comps[0].clone();
        for comp in &comps[1..] {
            // Shortest link from this piece to the largest piece.
            let mut best = (f64::INFINITY, 0, 0);
            for &a in comp {
                for &b in &main {
                    let (pa, pb) = (p.units[units[a]].pos, p.units[units[b]].pos);
                    let d = (pa[0] - pb[0]).powi(2) + (pa[1] - pb[1]).powi(2);
                    if d < best.0 {
                        best = (d, a, b);
                    }
                }
            }
            links.push((best.1, best.2));
        }
        let mut lists: Vec<Vec<usize>> = graph.iter().cloned().collect();
        for (a, b) in links {
            lists[a].push(b);
            lists[b].push(a);
        }
        graph = Graph::from_lists(lists);
    }
    let links = Links {
        cost: p.links.cost,
        of_unit: units
            .iter()
            .map(|&u| {
                p.links
                    .of_unit
                    .get(u)
                    .into_iter()
                    .flatten()
                    .filter(|&&(v, _)| local[v] != usize::MAX)
                    .map(|&(v, w)| (local[v], w))
                    .collect()
            })
            .collect(),
    };
    Problem {
        units: units.iter().map(|&u| p.units[u]).collect(),
        sums: units
            .iter()
            .flat_map(|&u| p.sums_of(u).iter().copied())
            .collect(),
        neighbors: Arc::new(graph),
        k,
        limits: p.limits.clone(),
        links,
        // Parts number their networks afresh, so homes would not match; rebalancing never splits into parts.
        homes: Homes::default(),
        pins: match networks {
            Some(nets) if !p.pins.is_empty() => units
                .iter()
                .map(|&u| p.pin(u).and_then(|c| nets.iter().position(|&x| x == c)))
                .collect(),
            _ => Vec::new(),
        },
        watch: p.watch.clone(),
        rows: Default::default(),
    }
}

/// Solves the part `units` with `k` networks; returns each unit's network (0..k) in `units` order.
fn solve_part(
    p: &Problem,
    units: &[usize],
    k: usize,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Vec<usize> {
    if k <= MAX_NETWORKS_PER_PART || units.len() < 2 * k {
        return solve_direct(&sub_problem(p, units, k, None), settings, progress).assignment;
    }
    let k1 = k / 2;
    let (left, right) = bisect(p, units, k, k1);
    let (a, b) = rayon::join(
        || solve_part(p, &left, k1, settings, progress),
        || solve_part(p, &right, k - k1, settings, progress),
    );
    let mut network = vec![0; p.units.len()];
    for (&u, c) in left.iter().zip(a) {
        network[u] = c;
    }
    for (&u, c) in right.iter().zip(b) {
        network[u] = k1 + c;
    }
    units.iter().map(|&u| network[u]).collect()
}

/// Solves a large problem part by part, then repairs and polishes the joined plan on the whole graph.
pub fn solve(p: &Problem, settings: Settings, progress: &(dyn Fn() + Sync)) -> Solution {
    use rand::SeedableRng;
    let all: Vec<usize> = (0..p.units.len()).collect();
    let mut assignment = solve_part(p, &all, p.k, settings, progress);
    if p.pins.iter().any(Option::is_some) {
        assignment = renumbered_for_pins(p, &assignment);
        p.apply_pins(&mut assignment);
    }
    let mut rng =
        rand_chacha::ChaCha8Rng::seed_from_u64(crate::seeds::derive(settings.seed, usize::MAX));
    finish(p, settings, assignment, &mut rng, 0)
}

/// The joined plan with its networks renumbered so that each pinned network is the one holding most of its
/// pinned units (greedily, the networks with most pinned units first), which leaves the fewest units to move
/// when the pins are put back.
fn renumbered_for_pins(p: &Problem, assignment: &[usize]) -> Vec<usize> {
    // votes[(pinned network, network of the joined plan)] = pinned units there
    let mut votes: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
    for (u, &c) in assignment.iter().enumerate() {
        if let Some(pin) = p.pin(u) {
            *votes.entry((pin, c)).or_default() += 1;
        }
    }
    let mut order: Vec<((usize, usize), usize)> = votes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut to: Vec<Option<usize>> = vec![None; p.k]; // joined network → new number
    let mut taken = vec![false; p.k];
    for ((pin, c), _) in order {
        if to[c].is_none() && !taken[pin] {
            to[c] = Some(pin);
            taken[pin] = true;
        }
    }
    renumbered(assignment, to)
}

#[cfg(test)]
mod tests {
    #[test]
    fn part_counts() {
        assert_eq!(super::count(32), 1);
        assert_eq!(super::count(40), 1);
        assert_eq!(super::count(64), 4);
        assert_eq!(super::count(320), 16);
    }
}
