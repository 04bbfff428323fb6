//! Spanning trees of the units of one or two networks: the chain's state keeps one tree per network, and a
//! merge-split proposal draws a new one over the two networks it merges.
//!
//! Everything here works on a [`Local`] graph (the units of the networks in play, renumbered `0..n`), so the
//! arrays stay small and reused. [`wilson`] draws a spanning tree uniformly at random (Wilson's
//! loop-erased random walks: exact, and about as fast as a breadth-first search on planar graphs);
//! [`log_trees`] counts a graph's spanning trees (the matrix-tree theorem: the determinant of the Laplacian
//! with one row and column removed, by Cholesky), which the single-unit flips need for their acceptance.

use rand::RngExt;

/// A graph over `0..n` in compressed rows: node `v`'s neighbours are `adj[start[v]..start[v + 1]]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Local {
    pub start: Vec<usize>,
    pub adj: Vec<usize>,
}

impl Local {
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    pub fn neighbours(&self, v: usize) -> &[usize] {
        &self.adj[self.start[v]..self.start[v + 1]]
    }

    /// Rebuilds the graph induced on `nodes` (global ids) by `global` neighbour lists; `local[g]` must be
    /// the node's local index for every node in `nodes` and `usize::MAX` for every other.
    pub fn induce(&mut self, nodes: &[usize], local: &[usize], global: &crate::graph::Graph) {
        self.start.clear();
        self.adj.clear();
        self.start.push(0);
        for &g in nodes {
            for &h in &global[g] {
                let l = local[h];
                if l != usize::MAX {
                    self.adj.push(l);
                }
            }
            self.start.push(self.adj.len());
        }
    }
}

/// A rooted spanning tree (or a forest of them) over a [`Local`] graph: each node's parent (`NONE` at a
/// root) and the nodes in an order with every parent before its children.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tree {
    pub parent: Vec<usize>,
    pub order: Vec<usize>,
    children_start: Vec<usize>,
    children: Vec<usize>,
}

/// No parent: the root.
pub(crate) const NONE: usize = usize::MAX;

impl Tree {
    /// Fills `order` (breadth first from the roots, in index order) from `parent`, which must describe a
    /// forest.
    pub fn order_from_parents(&mut self) {
        let n = self.parent.len();
        self.children_start.clear();
        self.children_start.resize(n + 1, 0);
        self.order.clear();
        for (v, &p) in self.parent.iter().enumerate() {
            if p == NONE {
                self.order.push(v);
            } else {
                self.children_start[p + 1] += 1;
            }
        }
        for v in 0..n {
            self.children_start[v + 1] += self.children_start[v];
        }
        self.children.clear();
        self.children.resize(n - self.order.len(), 0);
        let mut fill = self.children_start.clone();
        for (v, &p) in self.parent.iter().enumerate() {
            if p != NONE {
                self.children[fill[p]] = v;
                fill[p] += 1;
            }
        }
        let mut i = 0;
        while i < self.order.len() {
            let v = self.order[i];
            for k in self.children_start[v]..self.children_start[v + 1] {
                self.order.push(self.children[k]);
            }
            i += 1;
        }
        debug_assert_eq!(self.order.len(), n, "the parents do not describe a forest");
    }
}

/// Draws a spanning tree of connected `g` uniformly at random (Wilson's algorithm), rooted at node 0, into
/// `tree` (parents, and an order with every parent before its children). `seen` is scratch space.
pub(crate) fn wilson(g: &Local, rng: &mut impl rand::Rng, tree: &mut Tree, seen: &mut Vec<bool>) {
    let n = g.len();
    tree.parent.clear();
    tree.parent.resize(n, NONE);
    seen.clear();
    seen.resize(n, false);
    if n == 0 {
        tree.order.clear();
        return;
    }
    seen[0] = true;
    tree.order.clear();
    tree.order.push(0);
    for start in 1..n {
        // A random walk from `start` until it meets the tree, remembering only the last exit from each
        // node (which erases the loops)...
        let mut v = start;
        while !seen[v] {
            let nb = g.neighbours(v);
            let next = nb[rng.random_range(0..nb.len())];
            tree.parent[v] = next;
            v = next;
        }
        // ... then the loop-erased path joins the tree, listed from its end at the tree back to `start`
        // so that every parent comes before its children.
        let from = tree.order.len();
        let mut v = start;
        while !seen[v] {
            seen[v] = true;
            tree.order.push(v);
            v = tree.parent[v];
        }
        tree.order[from..].reverse();
    }
}

/// Natural log of the number of spanning trees of connected `g` (0 for one node): the log-determinant of
/// its Laplacian without the last row and column, by Cholesky. `scratch` holds the matrix.
pub(crate) fn log_trees(g: &Local, scratch: &mut Vec<f64>) -> f64 {
    let n = g.len();
    if n <= 1 {
        return 0.0;
    }
    let m = n - 1;
    scratch.clear();
    scratch.resize(m * m, 0.0);
    for v in 0..m {
        for &w in g.neighbours(v) {
            scratch[v * m + v] += 1.0;
            if w < m {
                scratch[v * m + w] -= 1.0;
            }
        }
    }
    // In-place Cholesky (lower triangle); the reduced Laplacian of a connected graph is positive definite.
    let a = scratch;
    let mut log_det = 0.0;
    for j in 0..m {
        let mut d = a[j * m + j];
        for k in 0..j {
            d -= a[j * m + k] * a[j * m + k];
        }
        let d = d.max(f64::MIN_POSITIVE).sqrt();
        a[j * m + j] = d;
        log_det += 2.0 * d.ln();
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s / d;
        }
    }
    log_det
}

/// A `w`×`h` grid (node `y·w + x`), with a diagonal in each cell whose lower-left corner `diagonals` lists:
/// the small districts the tests here and in `chain` list every plan of.
#[cfg(test)]
pub(crate) fn grid(w: usize, h: usize, diagonals: &[usize]) -> crate::graph::Graph {
    let mut e = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let v = y * w + x;
            if x + 1 < w {
                e.push((v, v + 1));
            }
            if y + 1 < h {
                e.push((v, v + w));
            }
        }
    }
    for &v in diagonals {
        e.push((v, v + w + 1));
    }
    crate::graph::Graph::from_edges(w * h, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use rand::SeedableRng;
    use std::collections::BTreeMap;

    fn local(g: &Graph) -> Local {
        let nodes: Vec<usize> = (0..g.len()).collect();
        let mut l = Local::default();
        l.induce(&nodes, &nodes, g);
        l
    }

    #[test]
    fn counts_spanning_trees() {
        let mut s = Vec::new();
        // A 3×3 grid has 192 spanning trees, a 4-cycle 4, K4 16, a path 1.
        assert!((log_trees(&local(&grid(3, 3, &[])), &mut s) - 192f64.ln()).abs() < 1e-9);
        let cycle = Graph::from_edges(4, [(0, 1), (1, 2), (2, 3), (3, 0)]);
        assert!((log_trees(&local(&cycle), &mut s) - 4f64.ln()).abs() < 1e-9);
        let k4 = Graph::from_edges(4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        assert!((log_trees(&local(&k4), &mut s) - 16f64.ln()).abs() < 1e-9);
        assert!(log_trees(&local(&grid(5, 1, &[])), &mut s).abs() < 1e-9);
    }

    /// Every one of a 3×3 grid's 192 spanning trees is drawn about equally often.
    #[test]
    fn wilson_is_uniform() {
        let g = local(&grid(3, 3, &[]));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (mut t, mut seen) = (Tree::default(), Vec::new());
        let draws = 192_000;
        let mut count: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
        for _ in 0..draws {
            wilson(&g, &mut rng, &mut t, &mut seen);
            assert_eq!(t.order.len(), 9);
            *count.entry(t.parent.clone()).or_default() += 1;
        }
        assert_eq!(count.len(), 192);
        // Each tree is expected 1,000 times; 5 standard deviations is about ±160.
        for (tree, c) in &count {
            assert!((840..=1160).contains(c), "{tree:?} drawn {c} times");
        }
    }
}
