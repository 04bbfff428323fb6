//! The neighbour graph over planning units: which campuses (or pathways, or networks) touch.
//!
//! One structure serves the whole house: `units` builds it from the Delaunay triangulation, the solver
//! walks it in every move, and metrics and regions judge connectivity on it. It is shared behind an
//! [`Arc`](std::sync::Arc), so a solver problem holds the same lists the units built instead of a copy.

use std::ops::Index;

/// An undirected graph over `0..len()`: sorted, duplicate-free neighbour lists, no self-loops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    lists: Vec<Vec<usize>>,
}

impl Graph {
    /// A graph from neighbour lists; each list is sorted and deduplicated, and self-loops are dropped. The
    /// lists must be symmetric (`v` in `lists[u]` exactly when `u` in `lists[v]`).
    pub(crate) fn from_lists(mut lists: Vec<Vec<usize>>) -> Graph {
        for (u, l) in lists.iter_mut().enumerate() {
            l.retain(|&v| v != u);
            l.sort_unstable();
            l.dedup();
        }
        Graph { lists }
    }

    /// A graph from undirected edges over `n` nodes.
    pub fn from_edges(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Graph {
        let mut lists = vec![Vec::new(); n];
        for (a, b) in edges {
            lists[a].push(b);
            lists[b].push(a);
        }
        Graph::from_lists(lists)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Number of undirected edges.
    pub fn edges(&self) -> usize {
        self.lists.iter().map(Vec::len).sum::<usize>() / 2
    }

    /// The neighbour lists, node by node.
    pub fn iter(&self) -> std::slice::Iter<'_, Vec<usize>> {
        self.lists.iter()
    }

    /// The nodes whose removal splits their piece of the graph in two or more (articulation points),
    /// ascending: the only way between the pieces on either side. petgraph's Tarjan search, which keeps its
    /// own stack, so long chains of units cannot overflow ours.
    pub fn cut_nodes(&self) -> Vec<usize> {
        use petgraph::graph::{NodeIndex, UnGraph};
        let mut g = UnGraph::<(), ()>::with_capacity(self.len(), self.edges());
        for _ in 0..self.len() {
            g.add_node(());
        }
        for (u, list) in self.lists.iter().enumerate() {
            for &v in list.iter().filter(|&&v| u < v) {
                g.add_edge(NodeIndex::new(u), NodeIndex::new(v), ());
            }
        }
        let mut out: Vec<usize> = petgraph::algo::articulation_points::articulation_points(&g)
            .into_iter()
            .map(|n| n.index())
            .collect();
        out.sort_unstable();
        out
    }

    /// The graph of grouped nodes: `group[u]` is the new node of node `u` (0..n); two groups are
    /// neighbours when any of their members are.
    pub(crate) fn contract(&self, group: &[usize], n: usize) -> Graph {
        let mut lists = vec![Vec::new(); n];
        for (u, list) in self.lists.iter().enumerate() {
            for &v in list {
                let (a, b) = (group[u], group[v]);
                if a != b {
                    lists[a].push(b);
                }
            }
        }
        Graph::from_lists(lists)
    }

    /// The graph induced on `nodes` (renumbered 0.. in the order given).
    pub(crate) fn induced(&self, nodes: &[usize]) -> Graph {
        let mut local = vec![usize::MAX; self.len()];
        for (i, &u) in nodes.iter().enumerate() {
            local[u] = i;
        }
        Graph::from_lists(
            nodes
                .iter()
                .map(|&u| {
                    self.lists[u]
                        .iter()
                        .filter(|&&v| local[v] != usize::MAX)
                        .map(|&v| local[v])
                        .collect()
                })
                .collect(),
        )
    }

    /// Connected pieces among the nodes `starts` that satisfy `inside` (breadth-first search), in the order
    /// of their first node in `starts`. Visited nodes are marked with `mark` in `seen`, so a caller can
    /// reuse one `seen` across many calls by passing a new mark each time.
    pub fn pieces(
        &self,
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
                for &v in &self.lists[u] {
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

    /// Connected pieces of the nodes with `member[u] == true`, in order of their smallest node.
    pub(crate) fn components(&self, member: &[bool]) -> Vec<Vec<usize>> {
        let mut seen = vec![usize::MAX; member.len()];
        self.pieces(0..member.len(), |u| member[u], &mut seen, 0)
    }

    /// Whether the nodes with `member[u] == true` form one connected piece (an empty set is not connected).
    pub(crate) fn is_connected(&self, member: &[bool]) -> bool {
        self.components(member).len() == 1
    }
}

impl Index<usize> for Graph {
    type Output = Vec<usize>;

    fn index(&self, u: usize) -> &Vec<usize> {
        &self.lists[u]
    }
}

impl<'a> IntoIterator for &'a Graph {
    type Item = &'a Vec<usize>;
    type IntoIter = std::slice::Iter<'a, Vec<usize>>;

    fn into_iter(self) -> Self::IntoIter {
        self.lists.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_normalised_and_pieces_found() {
        // 0-1-2 and 3-4, with a duplicate and a self-loop in the input.
        let g = Graph::from_lists(vec![vec![1, 1], vec![2, 0, 1], vec![1], vec![4], vec![3]]);
        assert_eq!(g[1], vec![0, 2]);
        assert_eq!(g.edges(), 3);
        assert_eq!(g.components(&[true; 5]), vec![vec![0, 1, 2], vec![3, 4]]);
        assert!(g.is_connected(&[true, true, true, false, false]));
        assert!(!g.is_connected(&[true, false, true, false, false]));
        assert!(!g.is_connected(&[false; 5]));
    }

    #[test]
    fn cut_nodes_are_the_only_ways_between_pieces() {
        // 0-1-2 a triangle; 2-3 a bridge; 3-4, 4-5 a chain; 6-7 apart.
        let g = Graph::from_edges(8, [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (6, 7)]);
        assert_eq!(g.cut_nodes(), vec![2, 3, 4]);
        assert!(Graph::from_edges(3, [(0, 1), (1, 2), (0, 2)])
            .cut_nodes()
            .is_empty());
    }

    #[test]
    fn contraction_and_induced_subgraphs() {
        let g = Graph::from_edges(4, [(0, 1), (1, 2), (2, 3)]);
        let c = g.contract(&[0, 0, 1, 1], 2);
        assert_eq!((c[0].clone(), c[1].clone()), (vec![1], vec![0]));
        let s = g.induced(&[3, 2, 0]);
        assert_eq!(s[0], vec![1]);
        assert!(s[2].is_empty());
    }
}
