//! Coordinates, distances and the district outline.
//!
//! Schools come in WGS84 longitude/latitude. The solver works in a local flat projection in kilometres
//! (equirectangular, centred on the district), which is accurate to well under 1% across a district the
//! size of Los Angeles and makes squared distances meaningful. Distances reported to people use the
//! great-circle (haversine) formula.

use crate::error::{Error, Result};
use geo::{LineString, MultiPolygon, Polygon, Validation};
use std::path::Path;

/// Mean Earth radius in km (IUGG).
pub(crate) const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Order in which to number places (networks, regions, groups) so names are stable and readable: from north
/// to south by `(lat, lon)` centre, then west to east, then by index.
pub(crate) fn north_to_south(centres: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..centres.len()).collect();
    order.sort_by(|&a, &b| {
        centres[b]
            .0
            .total_cmp(&centres[a].0)
            .then(centres[a].1.total_cmp(&centres[b].1))
            .then(a.cmp(&b))
    });
    order
}

/// Great-circle distance in km between two (lat, lon) points in degrees.
pub(crate) fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

/// Local equirectangular projection to kilometres around a reference point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    lat0: f64,
    lon0: f64,
    kx: f64,
    ky: f64,
}

impl Projection {
    /// A projection centred on the mean of the given (lat, lon) points.
    pub(crate) fn centred_on(points: impl Iterator<Item = (f64, f64)>) -> Projection {
        let (mut n, mut slat, mut slon) = (0.0, 0.0, 0.0);
        for (la, lo) in points {
            n += 1.0;
            slat += la;
            slon += lo;
        }
        let (lat0, lon0) = if n > 0.0 {
            (slat / n, slon / n)
        } else {
            (0.0, 0.0)
        };
        let ky = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;
        Projection {
            lat0,
            lon0,
            kx: ky * lat0.to_radians().cos(),
            ky,
        }
    }

    /// (x east, y north) in km.
    pub(crate) fn forward(&self, lat: f64, lon: f64) -> [f64; 2] {
        [(lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky]
    }

    /// Back to (lat, lon) in degrees.
    pub(crate) fn inverse(&self, p: [f64; 2]) -> (f64, f64) {
        (p[1] / self.ky + self.lat0, p[0] / self.kx + self.lon0)
    }
}

/// Points far from the others: each index with its distance, km, from the median position, and the
/// median distance of all points from it. Far means more than the larger of `min_km` and ten times that
/// median distance (robust to the outliers themselves, however few points there are). Fewer than 3
/// points have no "others" to be far from.
pub(crate) fn far_from_the_others(points: &[(f64, f64)], min_km: f64) -> Vec<(usize, f64, f64)> {
    if points.len() < 3 {
        return Vec::new();
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mlat = median(points.iter().map(|p| p.0).collect());
    let mlon = median(points.iter().map(|p| p.1).collect());
    let dists: Vec<f64> = points
        .iter()
        .map(|p| haversine_km(p.0, p.1, mlat, mlon))
        .collect();
    let half = median(dists.clone());
    let limit = min_km.max(10.0 * half);
    dists
        .iter()
        .enumerate()
        .filter(|(_, d)| **d > limit)
        .map(|(i, d)| (i, *d, half))
        .collect()
}

/// A district outline in lon/lat degrees.
#[derive(Debug, Clone)]
pub struct Outline {
    pub shape: MultiPolygon<f64>,
    /// The file it was read from, for messages.
    pub source: String,
    /// Every edge of every ring, indexed, so that asking whether a segment leaves the outline costs a few
    /// edges near it rather than all of them (county outlines have tens of thousands of vertices).
    edges: rstar::RTree<Edge>,
}

/// An outline edge with its ring and position in the ring (to tell neighbouring edges apart).
type Edge =
    rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, (usize, usize, usize)>;

/// Outlines with more vertices than this are checked for crossing edges through the edge index rather
/// than by `geo`'s full validation, whose pairwise test grows with the square of the vertex count (a
/// 50,000-vertex county outline took a minute).
const FULL_VALIDATION_MAX_VERTICES: usize = 5_000;

/// Outlines with more vertices than this are drawn and clip territories simplified (Ramer-Douglas-Peucker)
/// to [`MAP_TOLERANCE_DEG`]: a county outline's every survey point adds nothing a map can show, and each
/// costs the polygon clipping time. Adjacency and containment keep the outline as given.
const MAP_SIMPLIFY_ABOVE_VERTICES: usize = 5_000;

/// The simplification tolerance for maps, in degrees: 0.0001° is about 11 m of latitude (9 m of longitude
/// in Los Angeles), under a pixel at any scale the maps are drawn at.
pub const MAP_TOLERANCE_DEG: f64 = 0.0001;

impl Outline {
    /// An outline of `shape`, indexed.
    pub fn new(shape: MultiPolygon<f64>, source: &str) -> Outline {
        let edges = rings_of(&shape)
            .enumerate()
            .flat_map(|(r, ring)| {
                let n = ring.0.len().saturating_sub(1);
                ring.lines().enumerate().map(move |(i, l)| {
                    Edge::new(
                        rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                        (r, i, n),
                    )
                })
            })
            .collect();
        Outline {
            shape,
            source: source.to_string(),
            edges: rstar::RTree::bulk_load(edges),
        }
    }

    /// Reads an outline from a GeoJSON file: a Polygon or MultiPolygon geometry, a Feature holding one, or a
    /// FeatureCollection whose polygon features are all part of the outline.
    pub fn load(path: &Path) -> Result<Outline> {
        let text = crate::limits::read_text(path, &crate::limits::OUTLINE)?;
        Outline::parse(&path.display().to_string(), &text)
    }

    /// Parses outline GeoJSON text; `source` names it in messages.
    pub fn parse(source: &str, text: &str) -> Result<Outline> {
        let bad = |what: String| {
            Error::input(
                source,
                None,
                None,
                what,
                "give a GeoJSON file whose geometry is a Polygon or MultiPolygon in longitude/latitude (as QGIS exports with 'Save Features As > GeoJSON', CRS EPSG:4326)",
            )
        };
        let gj: geojson::GeoJson = text
            .parse()
            .map_err(|e| bad(format!("not valid GeoJSON: {e}")))?;
        let geometries: Vec<geojson::Geometry> = match gj {
            geojson::GeoJson::Geometry(g) => vec![g],
            geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
            geojson::GeoJson::FeatureCollection(fc) => {
                fc.features.into_iter().filter_map(|f| f.geometry).collect()
            }
        };
        let mut polys: Vec<Polygon<f64>> = Vec::new();
        for g in geometries {
            // Only polygons are outlines; and the geojson crate's conversion indexes each position's second
            // number without checking, so positions are checked first (found by fuzzing).
            let rings: Vec<&Vec<geojson::Position>> = match &g.value {
                geojson::GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
                geojson::GeometryValue::MultiPolygon { coordinates } => {
                    coordinates.iter().flatten().collect()
                }
                other => {
                    return Err(bad(format!(
                        "the outline is a {}, not a polygon",
                        other.type_name()
                    )))
                }
            };
            if let Some(p) = rings.iter().flat_map(|r| r.iter()).find(|p| p.len() < 2) {
                return Err(bad(format!(
                    "a position has {}; each needs a longitude and a latitude",
                    crate::text::count(p.len() as f64, "numbers")
                )));
            }
            let geom: geo::Geometry<f64> = g
                .try_into()
                .map_err(|e: geojson::Error| bad(format!("cannot read geometry: {e}")))?;
            match geom {
                geo::Geometry::Polygon(p) => polys.push(p),
                geo::Geometry::MultiPolygon(mp) => polys.extend(mp.0),
                other => {
                    return Err(bad(format!(
                        "the outline is a {}, not a polygon",
                        geometry_name(&other)
                    )))
                }
            }
        }
        if polys.is_empty() {
            return Err(bad("no polygon found".into()));
        }
        for p in &polys {
            if p.exterior().0.len() < 4 {
                return Err(bad("a polygon ring has fewer than 4 positions".into()));
            }
            for c in &p.exterior().0 {
                if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
                    let why = if (-90.0..=90.0).contains(&c.x) && (-180.0..=180.0).contains(&c.y) {
                        "the outline seems to be written latitude first; GeoJSON writes longitude, latitude"
                    } else {
                        "reproject the outline to EPSG:4326"
                    };
                    return Err(bad(format!(
                        "position {} is not longitude/latitude; {why}",
                        crate::text::echo_position(c.x, c.y)
                    )));
                }
            }
        }
        let shape = MultiPolygon(polys);
        let vertices = vertex_count(&shape);
        let outline = Outline::new(shape, source);
        let invalid = if vertices <= FULL_VALIDATION_MAX_VERTICES {
            outline
                .shape
                .check_validation()
                .err()
                .map(|e| e.to_string())
        } else {
            outline.crossing_edges()
        };
        if let Some(e) = invalid {
            return Err(Error::input(
                source,
                None,
                None,
                format!("the outline is not a valid polygon: {e}"),
                "repair it in QGIS (Vector > Geometry Tools > Fix Geometries) and save it again as GeoJSON in EPSG:4326",
            ));
        }
        Ok(outline)
    }

    /// Whether a (lat, lon) point lies inside (or on) the outline.
    ///
    /// Counted on the edge index: the edges crossing the point's latitude east of it (the even-odd rule over
    /// every ring, holes included), and the edges through the point itself.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        let p = [lon, lat];
        let here = rstar::AABB::from_point(p);
        let on_edge = self
            .edges
            .locate_in_envelope_intersecting(&here)
            .any(|e| segments_meet(e.geom().from, e.geom().to, p, p));
        if on_edge {
            return true;
        }
        let east = self.edges.root().envelope().upper()[0];
        if lon.is_nan() || lon > east {
            return false;
        }
        let ray = rstar::AABB::from_corners(p, [east, lat]);
        let crossings = self
            .edges
            .locate_in_envelope_intersecting(&ray)
            .filter(|e| {
                let (a, b) = (e.geom().from, e.geom().to);
                if (a[1] > lat) == (b[1] > lat) {
                    return false;
                }
                let x = a[0] + (lat - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                x > lon
            })
            .count();
        crossings % 2 == 1
    }

    /// Whether the straight segment between two (lat, lon) points leaves the outline. Checked by sampling
    /// the segment every ~1/16 of its length and at both ends' neighbourhood; precise enough for the
    /// adjacency rule, which only needs to catch edges that jump across land outside the district.
    ///
    /// The samples are judged exactly, without testing each against the whole outline: the places where
    /// the segment crosses an edge (found through the edge index) cut it into stretches that are wholly
    /// inside or wholly outside, and one test of the segment's start says which is which. So the cost grows
    /// with the edges near the segment, not with the size of the outline.
    pub fn segment_leaves(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        const STEPS: usize = 16;
        let (p, q) = ([a.1, a.0], [b.1, b.0]);
        let envelope = rstar::AABB::from_corners(
            [p[0].min(q[0]), p[1].min(q[1])],
            [p[0].max(q[0]), p[1].max(q[1])],
        );
        let mut cuts: Vec<f64> = self
            .edges
            .locate_in_envelope_intersecting(&envelope)
            .filter_map(|e| crossing(p, q, e.geom().from, e.geom().to))
            .collect();
        if cuts.is_empty() {
            // Wholly inside or wholly outside: the middle says which.
            return !self.contains((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        }
        cuts.sort_by(f64::total_cmp);
        // Whether each sample lies inside, from a point just after the start: the stretch before the first
        // crossing is inside when its middle is.
        let first = cuts[0] / 2.0;
        let mut inside = self.contains(a.0 + first * (b.0 - a.0), a.1 + first * (b.1 - a.1));
        let mut next = 0;
        for i in 1..STEPS {
            let t = i as f64 / STEPS as f64;
            while next < cuts.len() && cuts[next] < t {
                inside = !inside;
                next += 1;
            }
            let on_cut = cuts.iter().any(|&c| (c - t).abs() < 1e-12);
            if !inside && !on_cut {
                return true;
            }
        }
        false
    }

    /// Whether the segment from `p` to `q` (longitude, latitude) crosses an edge of the outline.
    pub fn crosses_edge(&self, p: [f64; 2], q: [f64; 2]) -> bool {
        let envelope = rstar::AABB::from_corners(
            [p[0].min(q[0]), p[1].min(q[1])],
            [p[0].max(q[0]), p[1].max(q[1])],
        );
        self.edges
            .locate_in_envelope_intersecting(&envelope)
            .any(|e| crossing(p, q, e.geom().from, e.geom().to).is_some())
    }

    /// Two edges that cross or touch (other than neighbours in one ring meeting at their shared vertex),
    /// described, if any: the check of a large outline's validity, through the edge index.
    fn crossing_edges(&self) -> Option<String> {
        for e in self.edges.iter() {
            let (r, i, n) = e.data;
            let (a, b) = (e.geom().from, e.geom().to);
            let envelope = rstar::AABB::from_corners(
                [a[0].min(b[0]), a[1].min(b[1])],
                [a[0].max(b[0]), a[1].max(b[1])],
            );
            for f in self.edges.locate_in_envelope_intersecting(&envelope) {
                let (s, j, _) = f.data;
                let neighbours = s == r && (j == i || (i + 1) % n == j || (j + 1) % n == i);
                if !neighbours && segments_meet(a, b, f.geom().from, f.geom().to) {
                    return Some(format!(
                        "two of its edges cross or touch near ({:.5}, {:.5})",
                        a[0], a[1]
                    ));
                }
            }
        }
        None
    }

    /// The outline to draw and to clip territories with: as given, or simplified to
    /// [`MAP_TOLERANCE_DEG`] when it has more than 5,000 vertices.
    pub fn for_maps(&self) -> std::borrow::Cow<'_, Outline> {
        use geo::Simplify;
        if vertex_count(&self.shape) <= MAP_SIMPLIFY_ABOVE_VERTICES {
            return std::borrow::Cow::Borrowed(self);
        }
        std::borrow::Cow::Owned(Outline::new(
            self.shape.simplify(MAP_TOLERANCE_DEG),
            &self.source,
        ))
    }

    /// The outline as a polygon ring set, for drawing.
    pub fn rings(&self) -> Vec<&LineString<f64>> {
        self.shape.0.iter().map(|p| p.exterior()).collect()
    }
}

/// Every ring of `shape`: each polygon's exterior, then its holes.
fn rings_of(shape: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Vertices of all of `shape`'s rings (each ring's closing vertex counted).
fn vertex_count(shape: &MultiPolygon<f64>) -> usize {
    rings_of(shape).map(|r| r.0.len()).sum()
}

/// Where the segment `p`-`q` crosses the edge `c`-`d`, as a fraction of the way from `p` (strictly
/// between 0 and 1); `None` when they do not cross or are parallel. An edge counts from `c` up to but not
/// including `d`, so a segment through a vertex crosses one edge there, not two.
pub(crate) fn crossing(p: [f64; 2], q: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Option<f64> {
    let r = [q[0] - p[0], q[1] - p[1]];
    let s = [d[0] - c[0], d[1] - c[1]];
    let denom = r[0] * s[1] - r[1] * s[0];
    if denom == 0.0 {
        return None;
    }
    let w = [c[0] - p[0], c[1] - p[1]];
    let t = (w[0] * s[1] - w[1] * s[0]) / denom;
    let u = (w[0] * r[1] - w[1] * r[0]) / denom;
    (t > 0.0 && t < 1.0 && (0.0..1.0).contains(&u)).then_some(t)
}

/// Whether the closed segments `a`-`b` and `c`-`d` share any point.
fn segments_meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        let v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
        v.partial_cmp(&0.0).map_or(0, |o| o as i8)
    };
    let on = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    (o1 != o2 && o3 != o4)
        || (o1 == 0 && on(a, b, c))
        || (o2 == 0 && on(a, b, d))
        || (o3 == 0 && on(c, d, a))
        || (o4 == 0 && on(c, d, b))
}

fn geometry_name(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) | geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
        _ => "non-polygon geometry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Los Angeles City Hall to Santa Monica Pier: about 23.4 km.
        let d = haversine_km(34.0537, -118.2428, 34.0094, -118.4973);
        assert!((d - 23.9).abs() < 0.6, "{d}");
    }

    #[test]
    fn projection_round_trips_and_agrees_with_haversine() {
        let p = Projection::centred_on([(34.0, -118.3), (34.2, -118.5)].into_iter());
        let a = p.forward(34.0537, -118.2428);
        let b = p.forward(34.0094, -118.4973);
        let flat = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        let great = haversine_km(34.0537, -118.2428, 34.0094, -118.4973);
        assert!((flat - great).abs() / great < 0.005, "{flat} vs {great}");
        let (la, lo) = p.inverse(a);
        assert!((la - 34.0537).abs() < 1e-9 && (lo + 118.2428).abs() < 1e-9);
    }

    #[test]
    fn outline_rejects_non_polygons_and_tests_segments() {
        let err = Outline::parse("o.geojson", r#"{"type":"Point","coordinates":[0,0]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a Point"), "{err}");
        // A U shape: two arms joined at the bottom; a segment between the arms' tops leaves it.
        let u = r#"{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[2,3],[2,1],[1,1],[1,3],[0,3],[0,0]]]}"#;
        let o = Outline::parse("u", u).unwrap();
        assert!(o.contains(2.5, 0.5));
        assert!(o.segment_leaves((2.5, 0.5), (2.5, 2.5)));
        assert!(!o.segment_leaves((0.5, 0.5), (0.5, 2.5)));
    }
}
