//! Coordinates, distances and the district outline.
//!
//! Schools come in WGS84 longitude/latitude. The solver works in a local flat projection in kilometres
//! (equirectangular, centred on the district), which is accurate to well under 1% across a district the
//! size of Los Angeles and makes squared distances meaningful. Distances reported to people use the
//! great-circle (haversine) formula.

use crate::error::{Error, Result};
use geo::{
    Contains, Coord, Intersects, Line, LineString, MultiPolygon, Point, Polygon, Validation,
};
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

/// A district outline in lon/lat degrees.
#[derive(Debug, Clone)]
pub struct Outline {
    pub shape: MultiPolygon<f64>,
}

impl Outline {
    /// Reads an outline from a GeoJSON file: a Polygon or MultiPolygon geometry, a Feature holding one, or a
    /// FeatureCollection whose polygon features are all part of the outline.
    pub fn load(path: &Path) -> Result<Outline> {
        let text =
            crate::limits::read_text(path, crate::limits::MAX_DOCUMENT_BYTES, "district outline")?;
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
                    "a position has {} number(s); each needs a longitude and a latitude",
                    p.len()
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
                        "position ({}, {}) is not longitude/latitude; {why}",
                        c.x, c.y
                    )));
                }
            }
        }
        let shape = MultiPolygon(polys);
        if let Err(e) = shape.check_validation() {
            return Err(Error::input(
                source,
                None,
                None,
                format!("the outline is not a valid polygon: {e}"),
                "repair it in QGIS (Vector > Geometry Tools > Fix Geometries) and save it again as GeoJSON in EPSG:4326",
            ));
        }
        Ok(Outline { shape })
    }

    /// Whether a (lat, lon) point lies inside (or on) the outline.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        let p = Point::new(lon, lat);
        self.shape.contains(&p) || self.shape.intersects(&p)
    }

    /// Whether the straight segment between two (lat, lon) points leaves the outline. Checked by sampling
    /// the segment every ~1/16 of its length and at both ends' neighbourhood; precise enough for the
    /// adjacency rule, which only needs to catch edges that jump across land outside the district.
    pub fn segment_leaves(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let line = Line::new(Coord { x: a.1, y: a.0 }, Coord { x: b.1, y: b.0 });
        if self.shape.contains(&line) {
            return false;
        }
        // Not wholly inside: decide by how much lies outside, ignoring an end point that is itself
        // outside (a school just across a coarse outline still has neighbours).
        const STEPS: usize = 16;
        (1..STEPS).any(|i| {
            let t = i as f64 / STEPS as f64;
            !self.contains(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        })
    }

    /// The outline as a polygon ring set, for drawing.
    pub fn rings(&self) -> Vec<&LineString<f64>> {
        self.shape.0.iter().map(|p| p.exterior()).collect()
    }
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
