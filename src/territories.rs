//! Network territories: the area each network serves, for maps.
//!
//! A campus's area is its **Voronoi cell**: every point closer to it than to any other campus. A network's
//! territory is the union of its campuses' cells, clipped to the district:
//!
//! - the district **outline** when there is one (LAUSD's is built in; `--boundary` gives another), grown by a
//!   small disc around any school that lies outside it, so every school lies inside its own network's
//!   territory;
//! - otherwise a **hull**: the convex hull of the schools, buffered by [`HULL_BUFFER_KM`].
//!
//! The order matters. Clipping each cell first and merging afterwards leaves hairline gaps and slivers
//! (each boolean operation snaps vertices to its own grid, so neighbouring cells stop sharing identical
//! edges). Merging the unclipped cells of each network first, then clipping each merged region once, keeps the
//! territories gap-free and non-overlapping to well under the 6-decimal rounding of the output (about 0.1 m).
//!
//! Geometry is computed in the local kilometre projection ([`Projection`]), where Voronoi cells are true
//! nearest-campus areas; that projection is linear in longitude and latitude, so straight edges stay straight
//! when mapped back. Output polygons follow RFC 7946: longitude/latitude, exterior rings counter-clockwise,
//! holes clockwise, coordinates rounded to 6 decimals.

use crate::geography::{Outline, Projection};
use crate::text::round;
use geo::{
    unary_union, Area, BooleanOps, BoundingRect, Buffer, Contains, ConvexHull, Coord, Distance,
    Euclidean, Intersects, LineString, MapCoords, MultiPoint, MultiPolygon, Orient, Point, Polygon,
    Rect, Validation,
};
use std::collections::BTreeMap;

/// How far the hull around the schools reaches beyond the outermost schools when there is no outline, km.
pub(crate) const HULL_BUFFER_KM: f64 = 1.5;

/// A school's position and network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    pub lat: f64,
    pub lon: f64,
    pub network: usize,
}

/// What bounds the territories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bounds {
    /// The district outline (grown around schools outside it, see [`Territories::outside`]).
    Outline,
    /// No outline was given: the schools' convex hull, buffered by [`HULL_BUFFER_KM`].
    Hull,
}

/// The networks' territories.
#[derive(Debug, Clone)]
pub struct Territories {
    /// One geometry per network in longitude/latitude (RFC 7946 orientation, 6 decimals). Empty for every
    /// network when no territory could be drawn (see `note`).
    pub networks: Vec<MultiPolygon<f64>>,
    /// Each territory's area, km².
    pub area_km2: Vec<f64>,
    /// Pairs of networks (a < b) whose territories touch: neighbours on the map.
    pub neighbours: Vec<(usize, usize)>,
    pub bounds: Bounds,
    /// Schools outside the outline, whose territory was grown to reach them.
    pub outside: usize,
    /// Why there are no territories, when there are none.
    pub note: Option<String>,
}

impl Territories {
    fn none(k: usize, bounds: Bounds, note: String) -> Territories {
        Territories {
            networks: vec![MultiPolygon::new(vec![]); k],
            area_km2: vec![0.0; k],
            neighbours: vec![],
            bounds,
            outside: 0,
            note: Some(note),
        }
    }
}

/// Builds the territories of `k` networks from the schools' sites.
pub fn build(sites: &[Site], k: usize, outline: Option<&Outline>) -> Territories {
    Cells::new(sites, outline).territories(sites, k)
}

/// The campuses' Voronoi cells and the region they are clipped to: what every territory is merged from.
///
/// They depend only on where the schools are, not on their networks, so whoever draws many plans of one
/// table (the editor, after every move; a map's networks and then its regions) makes them once, and each
/// territory is then one union and one clip.
#[derive(Debug, Clone)]
pub struct Cells {
    proj: Projection,
    /// Each site's distinct position (co-located schools share a campus, a cell and a network): an index
    /// into `points`.
    point_of_site: Vec<usize>,
    points: Vec<Point<f64>>,
    /// The cells, km, each with the position it belongs to (with one position, the region's parts all
    /// belong to it); why there are none when the positions do not span an area.
    cells: Result<Vec<(usize, Polygon<f64>)>, String>,
    /// The outline grown to reach the schools outside it, or the buffered hull, km.
    region: MultiPolygon<f64>,
    bounds: Bounds,
    outside: usize,
}

impl Cells {
    /// The cells of the sites' positions (their networks are not read), clipped to `outline` or, without
    /// one, to the schools' buffered hull.
    pub fn new(sites: &[Site], outline: Option<&Outline>) -> Cells {
        let bounds = if outline.is_some() {
            Bounds::Outline
        } else {
            Bounds::Hull
        };
        let proj = Projection::centred_on(sites.iter().map(|s| (s.lat, s.lon)));
        let mut distinct: BTreeMap<(u64, u64), usize> = BTreeMap::new();
        let mut points: Vec<Point<f64>> = Vec::new();
        let point_of_site: Vec<usize> = sites
            .iter()
            .map(|s| {
                let p = proj.forward(s.lat, s.lon);
                *distinct
                    .entry((p[0].to_bits(), p[1].to_bits()))
                    .or_insert_with(|| {
                        points.push(Point::new(p[0], p[1]));
                        points.len() - 1
                    })
            })
            .collect();
        let (region, outside) = match outline {
            Some(o) => grow_to_reach(o.shape.map_coords(|c| to_km(&proj, c)), &points),
            None => (
                MultiPoint(points.clone())
                    .convex_hull()
                    .buffer(HULL_BUFFER_KM),
                0,
            ),
        };
        let cells = match points.len() {
            0 => Err("there are no schools to draw".to_string()),
            1 => Ok(region.0.iter().map(|p| (0, p.clone())).collect()),
            _ => voronoi_cells(&points, 10.0 * extent(&region, &points) + 10.0)
                .map(|cells| cells.into_iter().enumerate().collect())
                .ok_or_else(|| {
                    "the schools' positions do not span an area (fewer than three distinct positions, or all on one line)".to_string()
                }),
        };
        Cells {
            proj,
            point_of_site,
            points,
            cells,
            region,
            bounds,
            outside,
        }
    }

    /// The territories of `k` networks, each site in its network (`sites` in the order the cells were made
    /// from; a site at a position shared with an earlier one is in that one's network).
    pub fn territories(&self, sites: &[Site], k: usize) -> Territories {
        let merged = match self.merged(sites, k, |_| true) {
            Ok(m) if k > 0 => m,
            Ok(_) => return self.none(k, "there are no schools to draw".into()),
            Err(note) => return self.none(k, note),
        };
        let neighbours = touching(&merged);
        Territories {
            area_km2: merged.iter().map(|m| round(m.unsigned_area(), 3)).collect(),
            networks: merged.iter().map(|m| to_lon_lat(m, &self.proj)).collect(),
            neighbours,
            bounds: self.bounds,
            outside: self.outside,
            note: None,
        }
    }

    /// `old` with the territories of the networks in `changed` drawn again from the sites as they are now:
    /// each is exactly what [`Cells::territories`] draws, the others are kept, and so are the neighbours
    /// (the pairs of `old`, which only choose colours).
    pub fn redraw(
        &self,
        old: &Territories,
        sites: &[Site],
        changed: &std::collections::BTreeSet<usize>,
    ) -> Territories {
        let k = old.networks.len();
        let mut t = old.clone();
        if changed.is_empty() || old.note.is_some() {
            return t;
        }
        if let Ok(merged) = self.merged(sites, k, |n| changed.contains(&n)) {
            for &n in changed.iter().filter(|&&n| n < k) {
                t.area_km2[n] = round(merged[n].unsigned_area(), 3);
                t.networks[n] = to_lon_lat(&merged[n], &self.proj);
            }
        }
        t
    }

    /// Each network's cells merged and clipped to the region, km, for the networks `wanted` (the others
    /// are left empty).
    fn merged(
        &self,
        sites: &[Site],
        k: usize,
        wanted: impl Fn(usize) -> bool,
    ) -> Result<Vec<MultiPolygon<f64>>, String> {
        assert_eq!(
            sites.len(),
            self.point_of_site.len(),
            "the sites are those the cells were made from"
        );
        let cells = self.cells.as_ref().map_err(String::clone)?;
        // Each position's network: that of its first site.
        let mut network_of_point = vec![usize::MAX; self.points.len()];
        for (s, &p) in sites.iter().zip(&self.point_of_site) {
            if network_of_point[p] == usize::MAX {
                network_of_point[p] = s.network;
            }
        }
        let mut by_network: Vec<Vec<&Polygon<f64>>> = vec![Vec::new(); k];
        for (p, cell) in cells {
            let n = network_of_point[*p];
            if n < k && wanted(n) {
                by_network[n].push(cell);
            }
        }
        // Each network's union and clip are its own: drawn side by side, in the same order at any thread
        // count.
        use rayon::prelude::*;
        Ok(by_network
            .par_iter()
            .map(|cells| {
                if cells.is_empty() {
                    MultiPolygon::new(vec![])
                } else {
                    unary_union(cells.iter().copied()).intersection(&self.region)
                }
            })
            .collect())
    }

    fn none(&self, k: usize, note: String) -> Territories {
        Territories::none(k, self.bounds, note)
    }

    /// The borders between the cells of each pair of sites in `pairs` (indexes of the sites the cells were
    /// made from) whose cells meet, clipped to the region territories are clipped to: where a network
    /// boundary between those two sites runs on the map. Sites at one position have no border.
    pub fn borders(&self, pairs: &[(usize, usize)]) -> Vec<Border> {
        let Ok(cells) = &self.cells else {
            return Vec::new();
        };
        if self.points.len() < 3 {
            return Vec::new();
        }
        let corners: Vec<std::collections::BTreeSet<(u64, u64)>> = cells
            .iter()
            .map(|(_, c)| {
                c.exterior()
                    .0
                    .iter()
                    .map(|p| (p.x.to_bits(), p.y.to_bits()))
                    .collect()
            })
            .collect();
        let mut out = Vec::new();
        for &(a, b) in pairs {
            let (pa, pb) = (self.point_of_site[a], self.point_of_site[b]);
            if pa == pb {
                continue;
            }
            let shared: Vec<Coord<f64>> = cells[pa]
                .1
                .exterior()
                .0
                .iter()
                .filter(|p| corners[pb].contains(&(p.x.to_bits(), p.y.to_bits())))
                .copied()
                .collect();
            let (Some(&first), Some(&last)) = (
                shared.first(),
                shared.iter().rev().find(|&&c| c != shared[0]),
            ) else {
                continue;
            };
            let line = geo::MultiLineString::new(vec![LineString(vec![first, last])]);
            let clipped = self.region.clip(&line, false);
            let lines: Vec<Vec<[f64; 2]>> = clipped
                .0
                .iter()
                .map(|ls| {
                    ls.0.iter()
                        .map(|c| {
                            let (lat, lon) = self.proj.inverse([c.x, c.y]);
                            [round(lon, 6), round(lat, 6)]
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|l: &Vec<[f64; 2]>| l.len() >= 2 && l[0] != l[l.len() - 1])
                .collect();
            if !lines.is_empty() {
                out.push(Border { a, b, lines });
            }
        }
        out
    }
}

/// The border between two sites' cells ([`Cells::borders`]): the sites (indexes of the sites the cells were
/// made from) and the border's pieces inside the region, longitude/latitude (6 decimals).
#[derive(Debug, Clone, PartialEq)]
pub struct Border {
    pub a: usize,
    pub b: usize,
    pub lines: Vec<Vec<[f64; 2]>>,
}

fn to_km(proj: &Projection, c: Coord<f64>) -> Coord<f64> {
    let p = proj.forward(c.y, c.x);
    Coord { x: p[0], y: p[1] }
}

/// The outline, grown by a disc around each site outside it that just reaches the outline (plus 300 m), so
/// the site's cell keeps the site. Returns the region and how many sites needed it.
fn grow_to_reach(shape: MultiPolygon<f64>, points: &[Point<f64>]) -> (MultiPolygon<f64>, usize) {
    let discs: Vec<Polygon<f64>> = points
        .iter()
        .filter(|p| !shape.contains(*p) && !shape.intersects(*p))
        .map(|p| disc(*p, Euclidean.distance(p, &shape) + 0.3))
        .collect();
    if discs.is_empty() {
        return (shape, 0);
    }
    let n = discs.len();
    // One orientation for every part: a union sums windings, so a clockwise outline ring and a
    // counter-clockwise disc would cancel where they overlap.
    let mut parts: Vec<Polygon<f64>> = shape.orient(geo::orient::Direction::Default).0;
    parts.extend(discs);
    (unary_union(parts.iter()), n)
}

/// A 48-sided polygon approximating a circle, km.
fn disc(centre: Point<f64>, radius: f64) -> Polygon<f64> {
    const SIDES: usize = 48;
    let ring: Vec<Coord<f64>> = (0..=SIDES)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % SIDES) as f64 / SIDES as f64;
            Coord {
                x: centre.x() + radius * a.cos(),
                y: centre.y() + radius * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}

/// The diagonal of the box holding the region and every site, km.
fn extent(region: &MultiPolygon<f64>, points: &[Point<f64>]) -> f64 {
    let mut xs: Vec<f64> = points.iter().map(|p| p.x()).collect();
    let mut ys: Vec<f64> = points.iter().map(|p| p.y()).collect();
    if let Some(r) = region.bounding_rect() {
        xs.extend([r.min().x, r.max().x]);
        ys.extend([r.min().y, r.max().y]);
    }
    let span = |v: &[f64]| {
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    span(&xs).hypot(span(&ys))
}

/// Each point's Voronoi cell, from spade's Delaunay triangulation. Corners are the circumcentres of the
/// triangles around the point; a point on the hull has an unbounded cell, closed by two far corners, one on
/// each hull edge's outward ray, `reach` km from where the ray starts. Every corner is computed once and
/// shared by the cells that meet there, so neighbouring cells share edges exactly and merge cleanly.
/// `None` when the points do not span an area (fewer than three, or all on one line).
fn voronoi_cells(points: &[Point<f64>], reach: f64) -> Option<Vec<Polygon<f64>>> {
    use spade::{DelaunayTriangulation, Point2, Triangulation};
    let mut tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
    let mut site_of_vertex: Vec<usize> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let vi = tri.insert(Point2::new(p.x(), p.y())).ok()?.index();
        if site_of_vertex.len() <= vi {
            site_of_vertex.resize(vi + 1, usize::MAX);
        }
        site_of_vertex[vi] = i;
    }
    if tri.num_inner_faces() == 0 {
        return None;
    }
    let coord = |p: Point2<f64>| Coord { x: p.x, y: p.y };
    let mut corners: Vec<Vec<Coord<f64>>> = vec![Vec::new(); points.len()];
    for f in tri.inner_faces() {
        let c = coord(f.circumcenter());
        for v in f.vertices() {
            corners[site_of_vertex[v.fix().index()]].push(c);
        }
    }
    for e in tri.convex_hull() {
        let inner = e.face().as_inner().or_else(|| e.rev().face().as_inner())?;
        let [a, b] = e.vertices();
        let (pa, pb) = (a.position(), b.position());
        let third = inner
            .vertices()
            .into_iter()
            .find(|v| v.fix() != a.fix() && v.fix() != b.fix())?
            .position();
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let len = dx.hypot(dy);
        let (mut nx, mut ny) = (dy / len, -dx / len);
        if nx * (third.x - pa.x) + ny * (third.y - pa.y) > 0.0 {
            (nx, ny) = (-nx, -ny);
        }
        let cc = inner.circumcenter();
        let far = Coord {
            x: cc.x + nx * reach,
            y: cc.y + ny * reach,
        };
        corners[site_of_vertex[a.fix().index()]].push(far);
        corners[site_of_vertex[b.fix().index()]].push(far);
    }
    let cells = corners
        .into_iter()
        .zip(points)
        .map(|(mut ring, site)| {
            ring.sort_by(|p, q| {
                let angle = |c: &Coord<f64>| (c.y - site.y()).atan2(c.x - site.x());
                angle(p).total_cmp(&angle(q))
            });
            ring.dedup();
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            Polygon::new(LineString(ring), vec![])
        })
        .collect();
    Some(cells)
}

/// Pairs of territories closer than 1 m: they share a border (or a corner).
fn touching(merged: &[MultiPolygon<f64>]) -> Vec<(usize, usize)> {
    const TOUCH_KM: f64 = 0.001;
    let rects: Vec<Option<Rect<f64>>> = merged.iter().map(|m| m.bounding_rect()).collect();
    let mut pairs = Vec::new();
    for a in 0..merged.len() {
        for b in a + 1..merged.len() {
            let (Some(ra), Some(rb)) = (rects[a], rects[b]) else {
                continue;
            };
            let apart = ra.min().x > rb.max().x + TOUCH_KM
                || rb.min().x > ra.max().x + TOUCH_KM
                || ra.min().y > rb.max().y + TOUCH_KM
                || rb.min().y > ra.max().y + TOUCH_KM;
            if !apart && Euclidean.distance(&merged[a], &merged[b]) < TOUCH_KM {
                pairs.push((a, b));
            }
        }
    }
    pairs
}

/// Back to longitude/latitude, rounded to 6 decimals, without repeated positions or rings that rounding
/// collapsed, oriented by the right-hand rule.
fn to_lon_lat(m: &MultiPolygon<f64>, proj: &Projection) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| -> Option<LineString<f64>> {
        let mut out: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
        for c in &ls.0 {
            let (lat, lon) = proj.inverse([c.x, c.y]);
            let c = Coord {
                x: round(lon, 6),
                y: round(lat, 6),
            };
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        if out.first() != out.last() {
            let first = out[0];
            out.push(first);
        }
        (out.len() >= 4).then_some(LineString(out))
    };
    let polys: Vec<Polygon<f64>> =
        m.0.iter()
            .filter_map(|p| {
                let exterior = ring(p.exterior())?;
                let holes = p.interiors().iter().filter_map(ring).collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect();
    let out = MultiPolygon::new(polys).orient(geo::orient::Direction::Default);
    debug_assert!(out.is_valid() || out.0.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_sites(n: usize, k: usize) -> Vec<Site> {
        // n × n schools on a 0.01° grid; network = column band.
        let mut v = Vec::new();
        for i in 0..n {
            for j in 0..n {
                v.push(Site {
                    lat: 34.0 + 0.01 * i as f64,
                    lon: -118.3 + 0.01 * j as f64 + 0.001 * (i % 2) as f64,
                    network: j * k / n,
                });
            }
        }
        v
    }

    #[test]
    fn hull_territories_tile_without_gaps_or_overlaps() {
        let sites = grid_sites(8, 3);
        let t = build(&sites, 3, None);
        assert!(t.note.is_none());
        assert_eq!(t.bounds, Bounds::Hull);
        for m in &t.networks {
            assert!(!m.0.is_empty());
            assert!(m.is_valid(), "{:?}", m.check_validation());
        }
        // Bands 0-1 and 1-2 touch; 0 and 2 do not.
        assert_eq!(t.neighbours, vec![(0, 1), (1, 2)]);
        for (a, b) in [(0, 1), (1, 2), (0, 2)] {
            let overlap = t.networks[a].intersection(&t.networks[b]).unsigned_area();
            assert!(overlap < 1e-12, "{a} and {b} overlap by {overlap}");
        }
        // Each school lies in its own network's territory.
        for s in &sites {
            assert!(t.networks[s.network].intersects(&Point::new(s.lon, s.lat)));
        }
    }

    #[test]
    fn territories_drawn_again_are_those_drawn_whole() {
        // Schools reassigned (two on one campus among them): the networks they left and joined, drawn again
        // from the cells, are exactly what drawing every territory gives; the others are kept as they were.
        let mut sites = grid_sites(8, 4);
        sites.push(Site {
            network: 3,
            ..sites[27]
        });
        let cells = Cells::new(&sites, None);
        let before = cells.territories(&sites, 4);
        let mut after = sites.clone();
        for i in [2, 10, 27, 64] {
            after[i].network = (after[i].network + 1) % 4;
        }
        let changed: std::collections::BTreeSet<usize> = sites
            .iter()
            .zip(&after)
            .filter(|(a, b)| a.network != b.network)
            .flat_map(|(a, b)| [a.network, b.network])
            .collect();
        let redrawn = cells.redraw(&before, &after, &changed);
        let whole = cells.territories(&after, 4);
        assert_ne!(
            before.networks, whole.networks,
            "the moves change territories"
        );
        assert_eq!(redrawn.networks, whole.networks);
        assert_eq!(redrawn.area_km2, whole.area_km2);
        assert_eq!(
            cells.redraw(&before, &after, &Default::default()).networks,
            before.networks
        );
        assert_eq!(whole.networks, build(&after, 4, None).networks);
    }

    #[test]
    fn a_school_outside_the_outline_is_reached() {
        let sites = grid_sites(5, 2);
        // An outline covering only the lower half of the grid.
        let ring = LineString::from(vec![
            (-118.31, 33.99),
            (-118.25, 33.99),
            (-118.25, 34.025),
            (-118.31, 34.025),
            (-118.31, 33.99),
        ]);
        let outline = Outline::new(MultiPolygon::new(vec![Polygon::new(ring, vec![])]), "test");
        let t = build(&sites, 2, Some(&outline));
        assert_eq!(t.outside, 10);
        for s in &sites {
            assert!(t.networks[s.network].intersects(&Point::new(s.lon, s.lat)));
        }
    }

    #[test]
    fn collinear_schools_have_no_territory_and_say_why() {
        let sites: Vec<Site> = (0..4)
            .map(|i| Site {
                lat: 34.0,
                lon: -118.0 + 0.01 * i as f64,
                network: i / 2,
            })
            .collect();
        let t = build(&sites, 2, None);
        assert!(t.note.is_some());
        assert!(t.networks.iter().all(|m| m.0.is_empty()));
    }
}
