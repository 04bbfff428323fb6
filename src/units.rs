//! Planning units (campuses) and their adjacency graph.
//!
//! The solver never splits a campus: schools that share a `campus` id, or sit at exactly the same
//! coordinates, form one *unit*. Units are adjacent when they are Delaunay neighbours, minus edges that
//! leave the district outline or are implausibly long, plus the shortest removed edges needed to keep the
//! graph connected. ARCHITECTURE.md explains why.

use crate::barriers::{Barriers, CrossingLink};
use crate::geography::{Outline, Projection};
use crate::graph::Graph;
use crate::plan_file::{AdjacencyStats, CampusStats};
use crate::schools::{Level, SchoolTable};
use petgraph::unionfind::UnionFind;
use std::collections::HashMap;
use std::sync::Arc;

/// A campus: one or more co-located schools, planned as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unit {
    /// Indices of the member schools in the table, ascending.
    pub schools: Vec<usize>,
    /// Position in the local projection (km).
    pub pos: [f64; 2],
    pub lat: f64,
    pub lon: f64,
    pub enrollment: u64,
    pub high: u32,
    pub middle: u32,
}

/// The units of a table.
#[derive(Debug, Clone)]
pub struct Units {
    pub units: Vec<Unit>,
    /// Unit index of each school.
    pub of_school: Vec<usize>,
    pub projection: Projection,
    /// How schools were grouped into campuses.
    pub campus_stats: CampusStats,
}

/// The widest a campus can be: schools given one `campus` id further apart than this are an error
/// (`validate`), since a campus is one place; `import cde` joins schools at one street address only
/// within it.
pub const CAMPUS_SPAN_M: f64 = 500.0;

impl Units {
    /// Groups schools into units by the default campus distance (`geography.campus_distance_m`; see
    /// [`Units::build_within`]).
    pub fn build(table: &SchoolTable) -> Units {
        Units::build_within(table, crate::scenarios::CAMPUS_DISTANCE_M)
    }

    /// Groups schools into units, each a campus planned whole: schools with the same `campus` id, at
    /// identical coordinates, or within `distance_m` metres of each other (transitively). Units are ordered
    /// by their first school's position in the table.
    pub fn build_within(table: &SchoolTable, distance_m: f64) -> Units {
        let n = table.schools.len();
        let projection = Projection::centred_on(table.schools.iter().map(|s| (s.lat, s.lon)));
        let mut uf = UnionFind::<usize>::new(n);
        let mut stats = CampusStats {
            distance_m,
            ..CampusStats::default()
        };
        // Rule by rule, counting the unions each makes.
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (i, s) in table.schools.iter().enumerate() {
            if let Some(c) = &s.campus {
                match by_key.get(c) {
                    Some(&j) => stats.by_campus_id += usize::from(uf.union(i, j)),
                    None => {
                        by_key.insert(c.clone(), i);
                    }
                }
            }
        }
        let mut at: HashMap<(u64, u64), usize> = HashMap::new();
        for (i, s) in table.schools.iter().enumerate() {
            match at.get(&(s.lat.to_bits(), s.lon.to_bits())) {
                Some(&j) => stats.by_coordinates += usize::from(uf.union(i, j)),
                None => {
                    at.insert((s.lat.to_bits(), s.lon.to_bits()), i);
                }
            }
        }
        if distance_m > 0.0 {
            use rstar::primitives::GeomWithData;
            let points: Vec<[f64; 2]> = table.points(&projection);
            let tree = rstar::RTree::bulk_load(
                points
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| GeomWithData::new(p, i))
                    .collect(),
            );
            let r2 = (distance_m / 1000.0).powi(2);
            for (i, p) in points.iter().enumerate() {
                let mut near: Vec<usize> = tree
                    .locate_within_distance(*p, r2)
                    .map(|g| g.data)
                    .filter(|&j| j > i)
                    .collect();
                near.sort_unstable();
                for j in near {
                    stats.by_distance += usize::from(uf.union(i, j));
                }
            }
        }
        let mut unit_of_root: HashMap<usize, usize> = HashMap::new();
        let mut units: Vec<Unit> = Vec::new();
        let mut of_school = vec![0; n];
        for (i, s) in table.schools.iter().enumerate() {
            let root = uf.find(i);
            let u = *unit_of_root.entry(root).or_insert_with(|| {
                units.push(Unit::default());
                units.len() - 1
            });
            of_school[i] = u;
            let unit = &mut units[u];
            unit.schools.push(i);
            unit.lat += s.lat;
            unit.lon += s.lon;
            unit.enrollment += u64::from(s.enrollment);
            unit.high += u32::from(s.level == Level::High);
            unit.middle += u32::from(s.level == Level::Middle);
        }
        for u in &mut units {
            let m = u.schools.len() as f64;
            u.lat /= m;
            u.lon /= m;
            u.pos = projection.forward(u.lat, u.lon);
        }
        let shared: Vec<&Unit> = units.iter().filter(|u| u.schools.len() > 1).collect();
        stats.shared_campuses = shared.len();
        stats.schools_on_shared_campuses = shared.iter().map(|u| u.schools.len()).sum();
        Units {
            units,
            of_school,
            projection,
            campus_stats: stats,
        }
    }

    /// Groups these units into larger ones: `group[u]` is the new unit of unit `u` (0..n, every value
    /// used). A new unit's position is the school-weighted mean of its members', so the solver's compactness
    /// still weighs every school.
    pub(crate) fn contract(&self, group: &[usize], n: usize) -> Units {
        let mut units = vec![Unit::default(); n];
        for (u, unit) in self.units.iter().enumerate() {
            let g = &mut units[group[u]];
            let w = unit.schools.len() as f64;
            g.schools.extend_from_slice(&unit.schools);
            g.lat += w * unit.lat;
            g.lon += w * unit.lon;
            g.enrollment += unit.enrollment;
            g.high += unit.high;
            g.middle += unit.middle;
        }
        for g in &mut units {
            g.schools.sort_unstable();
            let m = g.schools.len().max(1) as f64;
            g.lat /= m;
            g.lon /= m;
            g.pos = self.projection.forward(g.lat, g.lon);
        }
        Units {
            of_school: self.of_school.iter().map(|&u| group[u]).collect(),
            units,
            projection: self.projection,
            campus_stats: self.campus_stats.clone(),
        }
    }

    /// The school-weighted mean (lat, lon) of the units in each of `k` groups (`group[u]` in 0..k); (0, 0)
    /// for an empty group.
    pub fn centres(&self, group: &[usize], k: usize) -> Vec<(f64, f64)> {
        let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); k];
        for (u, &g) in group.iter().enumerate() {
            let w = self.units[u].schools.len() as f64;
            sums[g].0 += self.units[u].lat * w;
            sums[g].1 += self.units[u].lon * w;
            sums[g].2 += w;
        }
        sums.iter()
            .map(|&(lat, lon, w)| (lat / w.max(1.0), lon / w.max(1.0)))
            .collect()
    }

    /// Units whose schools a school → network assignment puts in more than one network.
    pub fn split(&self, school_network: &[usize]) -> usize {
        self.units
            .iter()
            .filter(|u| {
                u.schools
                    .iter()
                    .any(|&i| school_network[i] != school_network[u.schools[0]])
            })
            .count()
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Names unit `u` for messages: its school, or its campus and schools.
    pub fn describe(&self, table: &SchoolTable, u: usize) -> String {
        let s = &self.units[u].schools;
        let first = &table.schools[s[0]];
        if s.len() == 1 {
            format!("{} ({})", first.name, first.id)
        } else {
            let names: Vec<&str> = s.iter().map(|&i| table.schools[i].name.as_str()).collect();
            format!(
                "campus {} ({})",
                first.campus.as_deref().unwrap_or(&first.id),
                names.join(", ")
            )
        }
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// Undirected adjacency between units.
#[derive(Debug, Clone)]
pub struct Adjacency {
    /// The neighbour graph, shared with the solver problems built on it.
    pub graph: Arc<Graph>,
    pub stats: AdjacencyStats,
    /// The Delaunay links that cross a barrier, and which were put back to keep every unit reachable.
    pub barrier_links: Vec<CrossingLink>,
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

impl Adjacency {
    /// Builds the adjacency graph of the units.
    ///
    /// Rule: start from the Delaunay triangulation of unit positions; drop an edge when part of it lies
    /// outside `outline` (it jumps across land that is not the district's), or when it is longer than
    /// `max_edge_factor` times the median Delaunay edge at either of its ends (the long edges on the hull of the
    /// triangulation, across empty land or water);
    /// then put back, shortest first, the dropped edges that join otherwise separate pieces, so that every
    /// unit can be reached.
    pub fn build(units: &Units, outline: Option<&Outline>, max_edge_factor: f64) -> Adjacency {
        Adjacency::build_with(units, outline, max_edge_factor, None, false)
    }

    /// [`Adjacency::build`], with links that cross a barrier dropped as links leaving the outline are.
    /// When something must be put back to keep every unit reachable, links dropped for their length or for
    /// leaving the outline go back before any that crosses a barrier (each kind shortest first). Soft
    /// barriers (`soft`, with a price in the scenario) drop nothing: their crossing links stay, listed in
    /// `barrier_links`.
    pub fn build_with(
        units: &Units,
        outline: Option<&Outline>,
        max_edge_factor: f64,
        barriers: Option<&Barriers>,
        soft: bool,
    ) -> Adjacency {
        use spade::{DelaunayTriangulation, Point2, Triangulation};
        let n = units.len();
        let mut tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
        let mut unit_of_vertex: Vec<Vec<usize>> = Vec::new();
        for (u, unit) in units.units.iter().enumerate() {
            let handle = tri
                .insert(Point2::new(unit.pos[0], unit.pos[1]))
                .expect("projected coordinates are finite");
            let vi = handle.index();
            if unit_of_vertex.len() <= vi {
                unit_of_vertex.resize(vi + 1, Vec::new());
            }
            unit_of_vertex[vi].push(u);
        }
        let mut edges: Vec<(usize, usize, f64)> = Vec::new();
        for e in tri.undirected_edges() {
            let [a, b] = e.vertices();
            let (ua, ub) = (
                unit_of_vertex[a.fix().index()][0],
                unit_of_vertex[b.fix().index()][0],
            );
            let (ua, ub) = (ua.min(ub), ua.max(ub));
            edges.push((ua, ub, dist(units.units[ua].pos, units.units[ub].pos)));
        }
        edges.sort_by_key(|e| (e.0, e.1));
        let mut stats = AdjacencyStats {
            delaunay_edges: edges.len(),
            ..Default::default()
        };
        let mut lengths: Vec<f64> = edges.iter().map(|e| e.2).collect();
        lengths.sort_by(f64::total_cmp);
        stats.median_edge_km = lengths.get(lengths.len() / 2).copied().unwrap_or(0.0);
        // "Too long" is judged locally: against the median Delaunay edge at either end, so sparse rural
        // campuses keep their natural neighbours while a hull edge across empty land or water goes.
        let mut at: Vec<Vec<f64>> = vec![Vec::new(); n];
        for &(a, b, len) in &edges {
            at[a].push(len);
            at[b].push(len);
        }
        let local_median: Vec<f64> = at
            .iter_mut()
            .map(|l| {
                l.sort_by(f64::total_cmp);
                l.get(l.len() / 2).copied().unwrap_or(0.0)
            })
            .collect();

        let mut soft_links = Vec::new();
        let mut kept = Vec::new();
        // (barrier crossed, removed for that alone, a, b, length)
        let mut removed: Vec<(Option<usize>, bool, usize, usize, f64)> = Vec::new();
        for &(a, b, len) in &edges {
            let (ua, ub) = (&units.units[a], &units.units[b]);
            let barrier = barriers.and_then(|x| x.crossed((ua.lat, ua.lon), (ub.lat, ub.lon)));
            if outline.is_some_and(|o| o.segment_leaves((ua.lat, ua.lon), (ub.lat, ub.lon))) {
                stats.removed_outside_outline += 1;
                removed.push((barrier, false, a, b, len));
            } else if len > max_edge_factor * local_median[a].min(local_median[b]) {
                stats.removed_too_long += 1;
                removed.push((barrier, false, a, b, len));
            } else if let Some(crossed) = barrier.filter(|_| soft) {
                // A soft barrier keeps the link; the plan pays for keeping it inside a network.
                kept.push((a, b, len));
                soft_links.push(CrossingLink {
                    units: (a, b),
                    barrier: crossed,
                    km: len,
                    restored: true,
                });
            } else if barrier.is_some() {
                stats.removed_at_barriers += 1;
                removed.push((barrier, true, a, b, len));
            } else {
                kept.push((a, b, len));
            }
        }
        let mut uf = UnionFind::<usize>::new(n);
        for &(a, b, _) in &kept {
            uf.union(a, b);
        }
        // Links that cross no barrier go back first; a link across a barrier only when nothing else joins.
        removed.sort_by(|x, y| {
            (x.0.is_some(), x.4)
                .partial_cmp(&(y.0.is_some(), y.4))
                .expect("finite lengths")
                .then((x.2, x.3).cmp(&(y.2, y.3)))
        });
        let mut barrier_links = soft_links;
        for &(barrier, only_barrier, a, b, len) in &removed {
            let restored = uf.union(a, b);
            if restored {
                kept.push((a, b, len));
                stats.restored_to_connect += 1;
            }
            // Links dropped for length or for leaving the outline are listed only when put back.
            if let Some(barrier) = barrier.filter(|_| restored || only_barrier) {
                barrier_links.push(CrossingLink {
                    units: (a, b),
                    barrier,
                    km: len,
                    restored,
                });
            }
        }
        barrier_links.sort_by_key(|l| l.units);
        let mut neighbors = vec![Vec::new(); n];
        for &(a, b, len) in &kept {
            neighbors[a].push(b);
            neighbors[b].push(a);
            stats.max_edge_km = stats.max_edge_km.max(len);
        }
        // Units that share a Delaunay vertex (same projected point, different campus ids) are adjacent.
        for group in unit_of_vertex.iter().filter(|g| g.len() > 1) {
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    neighbors[a].push(b);
                    neighbors[b].push(a);
                }
                let first_nbrs = neighbors[group[0]].clone();
                for b in first_nbrs {
                    if b != a && !neighbors[a].contains(&b) {
                        neighbors[a].push(b);
                        neighbors[b].push(a);
                    }
                }
            }
        }
        let graph = Graph::from_lists(neighbors);
        stats.edges = graph.edges();
        Adjacency {
            graph: Arc::new(graph),
            stats,
            barrier_links,
        }
    }

    /// Closes the links put back across barriers ("gates", [`Adjacency::build_with`]) except where the
    /// pocket behind one is too small to be a network of its own: barriers are hard, so a pocket that can
    /// hold a network holds whole networks, and only a pocket that cannot (`too_small(students, schools)`)
    /// is joined to its neighbour, through its shortest gate, smallest pocket first, until every pocket can
    /// stand alone or none is left to join. A closed gate is listed as dropped (`restored: false`).
    pub fn close_gates(&mut self, units: &Units, too_small: &dyn Fn(u64, usize) -> bool) {
        let gates: Vec<usize> = (0..self.barrier_links.len())
            .filter(|&i| self.barrier_links[i].restored)
            .collect();
        if gates.is_empty() {
            return;
        }
        let is_gate: std::collections::BTreeSet<(usize, usize)> =
            gates.iter().map(|&i| self.barrier_links[i].units).collect();
        let n = self.graph.len();
        let mut uf = UnionFind::<usize>::new(n);
        for (a, list) in self.graph.iter().enumerate() {
            for &b in list {
                if a < b && !is_gate.contains(&(a, b)) {
                    uf.union(a, b);
                }
            }
        }
        let mut open = vec![false; self.barrier_links.len()];
        loop {
            // Each pocket's students and schools, keyed by its root.
            let mut size: std::collections::BTreeMap<usize, (u64, usize, usize)> =
                Default::default();
            for (u, unit) in units.units.iter().enumerate() {
                let e = size.entry(uf.find(u)).or_insert((0, 0, u));
                e.0 += unit.enrollment;
                e.1 += unit.schools.len();
            }
            if size.len() < 2 {
                break;
            }
            // The smallest pocket that cannot stand alone, and its shortest gate not yet open.
            let mut small: Vec<(u64, usize, usize)> = size
                .iter()
                .filter(|(_, s)| too_small(s.0, s.1))
                .map(|(&root, s)| (s.0, s.2, root))
                .collect();
            small.sort_unstable();
            let next = small.iter().find_map(|&(_, _, root)| {
                gates
                    .iter()
                    .copied()
                    .filter(|&i| !open[i])
                    .filter(|&i| {
                        let (a, b) = self.barrier_links[i].units;
                        (uf.find(a) == root) != (uf.find(b) == root)
                    })
                    .min_by(|&x, &y| {
                        let (lx, ly) = (&self.barrier_links[x], &self.barrier_links[y]);
                        lx.km.total_cmp(&ly.km).then(lx.units.cmp(&ly.units))
                    })
            });
            let Some(i) = next else { break };
            open[i] = true;
            let (a, b) = self.barrier_links[i].units;
            uf.union(a, b);
        }
        let closed: std::collections::BTreeSet<(usize, usize)> = gates
            .iter()
            .filter(|&&i| !open[i])
            .map(|&i| self.barrier_links[i].units)
            .collect();
        if closed.is_empty() {
            return;
        }
        for l in &mut self.barrier_links {
            if closed.contains(&l.units) {
                l.restored = false;
            }
        }
        let lists: Vec<Vec<usize>> = self
            .graph
            .iter()
            .enumerate()
            .map(|(a, list)| {
                list.iter()
                    .copied()
                    .filter(|&b| !closed.contains(&(a.min(b), a.max(b))))
                    .collect()
            })
            .collect();
        self.graph = Arc::new(Graph::from_lists(lists));
        self.stats.restored_to_connect =
            self.stats.restored_to_connect.saturating_sub(closed.len());
        self.stats.edges = self.graph.edges();
    }

    /// This adjacency with every link across a barrier in it (dropped or not): what support regions are
    /// drawn on, since barriers keep networks apart but a region groups networks on both sides of one.
    pub fn across_barriers(&self) -> Adjacency {
        let mut lists: Vec<Vec<usize>> = self.graph.iter().cloned().collect();
        for l in self.barrier_links.iter().filter(|l| !l.restored) {
            lists[l.units.0].push(l.units.1);
            lists[l.units.1].push(l.units.0);
        }
        let graph = Graph::from_lists(lists);
        Adjacency {
            stats: AdjacencyStats {
                edges: graph.edges(),
                ..self.stats.clone()
            },
            graph: Arc::new(graph),
            barrier_links: Vec::new(),
        }
    }

    /// The adjacency of grouped units (see [`Units::contract`]): two groups are adjacent when any of their
    /// members are. The statistics are those of the underlying graph, with `edges` counting group links.
    pub(crate) fn contract(&self, group: &[usize], n: usize) -> Adjacency {
        let graph = self.graph.contract(group, n);
        let stats = AdjacencyStats {
            edges: graph.edges(),
            ..self.stats.clone()
        };
        Adjacency {
            graph: Arc::new(graph),
            stats,
            barrier_links: Vec::new(),
        }
    }

    /// Whether the units with `member[u] == true` form one connected piece (an empty set is not connected).
    pub(crate) fn is_connected(&self, member: &[bool]) -> bool {
        self.graph.is_connected(member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schools::read_table;

    fn table(rows: &[(&str, f64, f64, &str)]) -> SchoolTable {
        let mut text = crate::schools::COLUMNS.join(",");
        for (id, lat, lon, campus) in rows {
            text.push_str(&format!("\n{id},S{id},{lat},{lon},100,elementary,K,5,traditional,no,no,,,,,,,,,,,,,,,{campus}"));
        }
        read_table("t", text.as_bytes()).unwrap()
    }

    #[test]
    fn campuses_and_shared_coordinates_form_units() {
        let t = table(&[
            ("a", 34.0, -118.0, ""),
            ("b", 34.0, -118.0, ""),
            ("c", 34.1, -118.0, "x"),
            ("d", 34.2, -118.1, "x"),
        ]);
        let u = Units::build(&t);
        assert_eq!(u.len(), 2);
        assert_eq!(u.units[0].schools, vec![0, 1]);
        assert_eq!(u.units[1].schools, vec![2, 3]);
        assert_eq!(u.of_school, vec![0, 0, 1, 1]);
    }

    #[test]
    fn long_edges_are_dropped_but_the_graph_stays_connected() {
        // A 3x3 grid 1 km apart, and one school far to the east.
        let mut rows = Vec::new();
        let ids: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        for (i, id) in ids.iter().take(9).enumerate() {
            rows.push((
                id.as_str(),
                34.0 + 0.009 * (i / 3) as f64,
                -118.0 + 0.011 * (i % 3) as f64,
                "",
            ));
        }
        rows.push((ids[9].as_str(), 34.009, -117.5, ""));
        let t = table(&rows);
        let units = Units::build(&t);
        let adj = Adjacency::build(&units, None, 3.0);
        assert!(adj.stats.removed_too_long >= 2, "{:?}", adj.stats);
        assert_eq!(adj.stats.restored_to_connect, 1);
        assert!(adj.is_connected(&[true; 10]));
        assert_eq!(
            adj.graph[9].len(),
            1,
            "the far school keeps only its shortest link"
        );
    }

    #[test]
    fn contracted_units_and_adjacency_follow_their_members() {
        // A row of four schools 1 km apart; groups {0,1} and {2,3}.
        let ids: Vec<String> = (0..4).map(|i| i.to_string()).collect();
        let rows: Vec<(&str, f64, f64, &str)> = (0..4)
            .map(|i| (ids[i].as_str(), 34.0, -118.0 + 0.011 * i as f64, ""))
            .collect();
        let t = table(&rows);
        let units = Units::build(&t);
        let adj = Adjacency::build(&units, None, 4.0);
        let group = [0, 0, 1, 1];
        let g = units.contract(&group, 2);
        assert_eq!(g.units[0].schools, vec![0, 1]);
        assert_eq!(g.units[1].enrollment, 200);
        assert_eq!(g.of_school, vec![0, 0, 1, 1]);
        assert!((g.units[0].lon - (-117.9945)).abs() < 1e-9);
        let ga = adj.contract(&group, 2);
        assert_eq!(
            (ga.graph[0].clone(), ga.graph[1].clone()),
            (vec![1], vec![0])
        );
        assert_eq!(ga.stats.edges, 1);
    }
}
