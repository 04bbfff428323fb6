//! Repairs that make an assignment a plan the moves can work on: no empty network, every network one
//! connected piece.

use super::moves::Move;
use super::problem::Problem;

/// Gives every empty network one unit: the unit farthest from its centre in the largest network.
pub(crate) fn fill_empty(p: &Problem, assign: &mut [usize]) {
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
        let members: Vec<usize> = (0..assign.len())
            .filter(|&u| assign[u] == big && p.pin(u).is_none())
            .collect();
        if members.is_empty() {
            return; // the largest network is all pinned: left to the search, which reports it
        }
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
        Move::of(assign, far, empty).apply_to(assign);
    }
}

/// Makes every network connected: each piece other than a network's largest (by schools) joins the
/// neighbouring network whose centre is nearest to it. With pins, the piece kept is the one holding most of
/// the network's pinned units; another piece holding some of them is joined to it by the shortest path of
/// units not pinned elsewhere, and a piece holding units pinned to a neighbouring network goes to that one.
pub(crate) fn repair_connectivity(p: &Problem, assign: &mut [usize]) {
    let mut seen = vec![usize::MAX; assign.len()];
    for pass in 0..100 {
        let mut changed = false;
        let mut members = vec![Vec::new(); p.k];
        for (u, &c) in assign.iter().enumerate() {
            members[c].push(u);
        }
        for c in 0..p.k {
            let comps = p.neighbors.pieces(
                members[c].iter().copied(),
                |u| assign[u] == c,
                &mut seen,
                pass * p.k + c,
            );
            if comps.len() <= 1 {
                continue;
            }
            let schools = |comp: &Vec<usize>| comp.iter().map(|&u| p.units[u].schools).sum::<u32>();
            let own = |comp: &Vec<usize>| comp.iter().filter(|&&u| p.pin(u) == Some(c)).count();
            let keep = (0..comps.len())
                .max_by_key(|&i| (own(&comps[i]), schools(&comps[i]), std::cmp::Reverse(i)))
                .expect("non-empty");
            if let Some(path) = (0..comps.len())
                .filter(|&i| i != keep && own(&comps[i]) > 0)
                .find_map(|i| path_joining(p, assign, c, &comps[i], &comps[keep]))
            {
                for u in path {
                    Move::of(assign, u, c).apply_to(assign);
                }
                changed = true;
                continue; // the pieces are counted again on the next pass
            }
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
                let pinned_to = |b: usize| comp.iter().any(|&u| p.pin(u) == Some(b));
                let target = options.into_iter().min_by(|&a, &b| {
                    pinned_to(b)
                        .cmp(&pinned_to(a))
                        .then(centre(a).total_cmp(&centre(b)))
                        .then(a.cmp(&b))
                });
                if let Some(t) = target {
                    for &u in comp {
                        Move::of(assign, u, t).apply_to(assign);
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

/// The shortest chain of units (by km along adjacency links) that joins piece `from` of network `c` to
/// piece `to`, through units not pinned to another network; the units on it not already in `c`, or `None`
/// when no such chain exists.
fn path_joining(
    p: &Problem,
    assign: &[usize],
    c: usize,
    from: &[usize],
    to: &[usize],
) -> Option<Vec<usize>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = p.units.len();
    let mut target = vec![false; n];
    for &u in to {
        target[u] = true;
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut parent = vec![usize::MAX; n];
    // (Reverse(distance in metres, rounded), unit): integer keys keep the order total and deterministic.
    let mut heap = BinaryHeap::new();
    for &u in from {
        dist[u] = 0.0;
        heap.push(Reverse((0u64, u)));
    }
    let length = |a: usize, b: usize| {
        let (x, y) = (p.units[a].pos, p.units[b].pos);
        (x[0] - y[0]).hypot(x[1] - y[1])
    };
    while let Some(Reverse((_, u))) = heap.pop() {
        if target[u] {
            let mut path = Vec::new();
            let mut at = parent[u];
            while at != usize::MAX {
                if assign[at] != c {
                    path.push(at);
                }
                at = parent[at];
            }
            return Some(path);
        }
        for &v in &p.neighbors[u] {
            if p.pin(v).is_some_and(|x| x != c) {
                continue;
            }
            let d = dist[u] + length(u, v);
            if d < dist[v] - 1e-12 {
                dist[v] = d;
                parent[v] = u;
                heap.push(Reverse(((d * 1000.0).round() as u64, v)));
            }
        }
    }
    None
}
