//! `networks.geojson`: one Point per school and one Polygon per network (RFC 7946: WGS84 lon/lat,
//! counter-clockwise exterior rings, no `crs` member, coordinates rounded to 6 decimals ≈ 0.1 m).
//!
//! Network polygons are the convex hulls of their schools: a simple outline for a first look. They can
//! overlap where networks interleave; territory polygons built from Voronoi cells are a later step.

use crate::metrics::round;
use crate::plans::Plan;
use crate::schools::SchoolTable;
use geo::{ConvexHull, MultiPoint, Orient, Point};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde_json::json;

fn props(v: serde_json::Value) -> Option<JsonObject> {
    match v {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Builds the GeoJSON text.
pub fn geojson(plan: &Plan, table: &SchoolTable) -> String {
    let nets = &plan.file.networks;
    let mut features = Vec::new();
    for (c, n) in nets.iter().enumerate() {
        let pts: MultiPoint<f64> = table
            .schools
            .iter()
            .zip(&plan.school_network)
            .filter(|(_, &k)| k == c)
            .map(|(s, _)| Point::new(s.lon, s.lat))
            .collect();
        let hull = pts.convex_hull().orient(geo::orient::Direction::Default);
        let ring: Vec<Vec<f64>> = hull
            .exterior()
            .0
            .iter()
            .map(|p| vec![round(p.x, 6), round(p.y, 6)])
            .collect();
        let mut distinct = ring.clone();
        distinct.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        distinct.dedup();
        if distinct.len() < 3 {
            continue; // a network of fewer than 3 distinct locations has no area to draw
        }
        features.push(Feature {
            bbox: None,
            geometry: Some(Geometry::new(GeometryValue::new_polygon(vec![ring]))),
            id: None,
            properties: props(json!({
                "kind": "network",
                "network": n.network,
                "schools": n.schools,
                "enrollment": n.enrollment,
                "enrollment_deviation_pct": n.enrollment_deviation_pct,
                "frpm_pct": n.frpm_pct,
                "ela_dfs": n.ela_dfs,
                "math_dfs": n.math_dfs,
                "low_performing_pct": n.low_performing_pct,
                "mean_km": n.mean_km,
                "connected": n.connected,
            })),
            foreign_members: None,
        });
    }
    for (s, &c) in table.schools.iter().zip(&plan.school_network) {
        features.push(Feature {
            bbox: None,
            geometry: Some(Geometry::new(GeometryValue::new_point(vec![
                round(s.lon, 6),
                round(s.lat, 6),
            ]))),
            id: None,
            properties: props(json!({
                "kind": "school",
                "id": s.id,
                "name": s.name,
                "network": nets[c].network,
                "level": s.level.as_str(),
                "model": s.model,
                "enrollment": s.enrollment,
                "campus": s.campus,
            })),
            foreign_members: None,
        });
    }
    let fc = FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    let mut text = serde_json::to_string(&fc).expect("GeoJSON serialises");
    text.push('\n');
    text
}
