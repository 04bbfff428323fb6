//! Barriers: lines a network must not cross (freeways, rivers, ridges, board-district lines), drawn by the
//! planner as GeoJSON lines or polygons.
//!
//! A barrier acts on the adjacency graph, exactly as the district outline does: a link between two campuses
//! whose straight segment crosses a barrier is dropped (`Adjacency::build_with` in `units`, which reads this module), and put
//! back only where a campus would otherwise be unreachable. Since every network is one connected piece of
//! that graph, no network reaches across a barrier except through such a restored link, which the report
//! names.
//!
//! Parsing is pure ([`Barriers::parse`]); the file is read by the `inputs` edge of the house.

use crate::error::{Error, Result};
use crate::geography::{self, Outline};
use geo::LineString;

/// One barrier: a line (or a polygon's ring) with the name the report gives it.
#[derive(Debug, Clone)]
pub struct Barrier {
    /// The feature's `name` property, or "barrier N" (N counts features from 1).
    pub name: String,
    /// Longitude/latitude positions.
    pub line: LineString<f64>,
}

impl Barrier {
    /// A barrier named `name` through `positions` (longitude, latitude), checked as a file's lines are: at
    /// least two positions, each a finite longitude and latitude. The error says what is wrong, in words.
    pub fn through(name: &str, positions: &[[f64; 2]]) -> std::result::Result<Barrier, String> {
        if positions.len() < 2 {
            return Err(format!(
                "a line has {}; a barrier needs at least two",
                crate::text::count(positions.len() as f64, "positions")
            ));
        }
        let mut coords = Vec::with_capacity(positions.len());
        for &[lon, lat] in positions {
            if !lon.is_finite()
                || !lat.is_finite()
                || !(-180.0..=180.0).contains(&lon)
                || !(-90.0..=90.0).contains(&lat)
            {
                return Err(format!(
                    "position {} is not longitude/latitude; reproject the file to EPSG:4326",
                    crate::text::echo_position(lon, lat)
                ));
            }
            coords.push(geo::Coord { x: lon, y: lat });
        }
        Ok(Barrier {
            name: name.to_string(),
            line: LineString(coords),
        })
    }

    /// The line's positions as (longitude, latitude).
    pub fn positions(&self) -> Vec<[f64; 2]> {
        self.line.0.iter().map(|c| [c.x, c.y]).collect()
    }
}

/// A barrier segment in the index, with the barrier it belongs to.
type Segment = rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, usize>;

/// The barriers of one file, their segments indexed so that testing a link costs the segments near it.
#[derive(Debug, Clone)]
pub struct Barriers {
    /// The file they were read from, for messages and plan.json.
    pub source: String,
    /// SHA-256 of the file's text.
    pub sha256: String,
    pub lines: Vec<Barrier>,
    index: rstar::RTree<Segment>,
}

/// A link between two campuses that crosses a barrier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossingLink {
    /// The two units (campuses), lower index first.
    pub units: (usize, usize),
    /// Index of the first barrier (in file order) the link crosses.
    pub barrier: usize,
    /// Length of the link, km.
    pub km: f64,
    /// In the adjacency graph: put back because without it a campus could not be reached, or across a soft
    /// barrier (every such link stays, at a price).
    pub restored: bool,
}

impl Barriers {
    /// Parses a GeoJSON file of barriers: a FeatureCollection (or a Feature, or a bare geometry) of
    /// LineString, MultiLineString, Polygon or MultiPolygon geometries in longitude/latitude. A polygon's
    /// rings are its barriers (draw a board district as a polygon). `source` names the file in messages.
    pub fn parse(source: &str, text: &str) -> Result<Barriers> {
        let fix = "give a GeoJSON file of LineString, MultiLineString, Polygon or MultiPolygon features in longitude/latitude (EPSG:4326), as QGIS writes with 'Save Features As > GeoJSON'";
        let bad = |what: String| Error::input(source, None, None, what, fix);
        let gj: geojson::GeoJson = text
            .parse()
            .map_err(|e| bad(format!("not valid GeoJSON: {e}")))?;
        let features: Vec<(Option<String>, Option<geojson::Geometry>)> = match gj {
            geojson::GeoJson::Geometry(g) => vec![(None, Some(g))],
            geojson::GeoJson::Feature(f) => vec![(feature_name(&f), f.geometry)],
            geojson::GeoJson::FeatureCollection(fc) => fc
                .features
                .into_iter()
                .map(|f| (feature_name(&f), f.geometry))
                .collect(),
        };
        let mut lines = Vec::new();
        for (i, (name, geometry)) in features.into_iter().enumerate() {
            let name = name.unwrap_or_else(|| format!("barrier {}", i + 1));
            let Some(g) = geometry else {
                return Err(bad(format!("feature {} ({name}) has no geometry", i + 1)));
            };
            let positions: Vec<&Vec<geojson::Position>> = match &g.value {
                geojson::GeometryValue::LineString { coordinates } => vec![coordinates],
                geojson::GeometryValue::MultiLineString { coordinates }
                | geojson::GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
                geojson::GeometryValue::MultiPolygon { coordinates } => {
                    coordinates.iter().flatten().collect()
                }
                other => {
                    return Err(bad(format!(
                        "feature {} ({name}) is a {}; a barrier is a line or a polygon",
                        i + 1,
                        other.type_name()
                    )))
                }
            };
            for ring in positions {
                let mut coords = Vec::with_capacity(ring.len());
                for p in ring {
                    match p.as_slice() {
                        [lon, lat, ..] => coords.push([*lon, *lat]),
                        _ => {
                            return Err(bad(format!(
                                "feature {} ({name}): a position has {}; each needs a longitude and a latitude",
                                i + 1,
                                crate::text::count(p.len() as f64, "numbers")
                            )))
                        }
                    }
                }
                let barrier = Barrier::through(&name, &coords)
                    .map_err(|e| bad(format!("feature {} ({name}): {e}", i + 1)))?;
                lines.push(barrier);
            }
        }
        if lines.is_empty() {
            return Err(bad("no barrier found: the file has no features".into()));
        }
        Ok(Barriers::new(source, lines))
    }

    /// Barriers of `lines`, indexed.
    pub fn new(source: &str, lines: Vec<Barrier>) -> Barriers {
        let segments = lines
            .iter()
            .enumerate()
            .flat_map(|(b, barrier)| {
                barrier.line.lines().map(move |l| {
                    Segment::new(
                        rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                        b,
                    )
                })
            })
            .collect();
        Barriers {
            source: source.to_string(),
            sha256: String::new(),
            lines,
            index: rstar::RTree::bulk_load(segments),
        }
    }

    /// The barriers as a GeoJSON FeatureCollection, a LineString with its `name` for each, which
    /// [`Barriers::parse`] reads back as the same barriers (what the editor saves of barriers drawn in it).
    pub fn geojson(&self) -> String {
        let features: Vec<serde_json::Value> = self
            .lines
            .iter()
            .map(|b| {
                serde_json::json!({
                    "type": "Feature",
                    "properties": { "name": b.name },
                    "geometry": { "type": "LineString", "coordinates": b.positions() },
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(
            &serde_json::json!({ "type": "FeatureCollection", "features": features }),
        )
        .unwrap_or_default();
        text.push('\n');
        text
    }

    /// The first barrier (lowest index) that the straight segment between two (lat, lon) points crosses.
    pub fn crossed(&self, a: (f64, f64), b: (f64, f64)) -> Option<usize> {
        let (p, q) = ([a.1, a.0], [b.1, b.0]);
        let envelope = rstar::AABB::from_corners(
            [p[0].min(q[0]), p[1].min(q[1])],
            [p[0].max(q[0]), p[1].max(q[1])],
        );
        self.index
            .locate_in_envelope_intersecting(&envelope)
            .filter(|s| geography::crossing(p, q, s.geom().from, s.geom().to).is_some())
            .map(|s| s.data)
            .min()
    }

    /// The barriers wholly outside `outline`: no position inside it and no segment crossing its edge.
    pub fn outside(&self, outline: &Outline) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&b| {
                let line = &self.lines[b].line;
                !line.0.iter().any(|c| outline.contains(c.y, c.x))
                    && !line
                        .lines()
                        .any(|l| outline.crosses_edge([l.start.x, l.start.y], [l.end.x, l.end.y]))
            })
            .collect()
    }
}

/// A feature's `name` property (or `NAME`, as many shapefiles carry it), when it is text.
fn feature_name(f: &geojson::Feature) -> Option<String> {
    ["name", "NAME", "Name"]
        .iter()
        .find_map(|k| f.property(k).and_then(|v| v.as_str()))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_polygon_rings_are_barriers_and_points_are_refused() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"ridge"},"geometry":{"type":"LineString","coordinates":[[0,1],[2,1]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,6],[5,5]]]}}]}"#;
        let b = Barriers::parse("b.geojson", text).unwrap();
        assert_eq!(b.lines.len(), 2);
        assert_eq!(b.lines[0].name, "ridge");
        assert_eq!(b.lines[1].name, "barrier 2");
        // (lat, lon): a link from (0, 1) to (2, 1) crosses the ridge at latitude 1.
        assert_eq!(b.crossed((0.0, 1.0), (2.0, 1.0)), Some(0));
        assert_eq!(b.crossed((0.0, 1.0), (0.5, 1.5)), None);
        // Into the square crosses its ring; within it does not.
        assert_eq!(b.crossed((5.5, 4.0), (5.5, 5.5)), Some(1));
        assert_eq!(b.crossed((5.2, 5.2), (5.8, 5.8)), None);
        let err = Barriers::parse("b.geojson", r#"{"type":"Point","coordinates":[0,0]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("is a Point; a barrier is a line or a polygon"),
            "{err}"
        );
        // Written as GeoJSON, read back the same.
        let again = Barriers::parse("again.geojson", &b.geojson()).unwrap();
        assert_eq!(again.lines.len(), 2);
        assert_eq!(again.lines[1].name, "barrier 2");
        assert_eq!(again.lines[1].line, b.lines[1].line);
        assert_eq!(again.crossed((5.5, 4.0), (5.5, 5.5)), Some(1));
        let err = Barriers::parse("b.geojson", r#"{"type":"FeatureCollection","features":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no barrier found"), "{err}");
    }

    #[test]
    fn a_line_through_positions_is_checked_as_a_files_are() {
        let ok = Barrier::through("ridge", &[[-118.3, 34.0], [-118.2, 34.1]]).unwrap();
        assert_eq!(ok.positions(), vec![[-118.3, 34.0], [-118.2, 34.1]]);
        let one = Barrier::through("x", &[[-118.3, 34.0]]).unwrap_err();
        assert!(
            one.contains("a line has 1 position; a barrier needs at least two"),
            "{one}"
        );
        for bad in [
            [f64::NAN, 34.0],
            [-118.0, f64::INFINITY],
            [34.0, -118.0],
            [200.0, 0.0],
        ] {
            let e = Barrier::through("x", &[[-118.3, 34.0], bad]).unwrap_err();
            assert!(e.contains("is not longitude/latitude"), "{e}");
        }
    }
}
