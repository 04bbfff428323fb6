//! `networks.geojson`: one feature per network (its territory, with the network's figures and region) and
//! one Point per school (with its network, region and affiliation group); `regions.geojson`: one feature
//! per support region. RFC 7946: WGS84 longitude/latitude, exterior rings counter-clockwise and holes clockwise, no
//! `crs` member, coordinates rounded to 6 decimals (about 0.1 m).

use super::Map;
use crate::schools::Level;
use crate::text::round;
use geo::MultiPolygon;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde_json::json;

fn props(v: serde_json::Value) -> Option<JsonObject> {
    match v {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A territory as a GeoJSON geometry: a Polygon when it is one piece, a MultiPolygon otherwise, none when
/// it is empty.
fn territory(m: &MultiPolygon<f64>) -> Option<Geometry> {
    let rings = |p: &geo::Polygon<f64>| -> Vec<Vec<Vec<f64>>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| r.0.iter().map(|c| vec![c.x, c.y]).collect())
            .collect()
    };
    match m.0.as_slice() {
        [] => None,
        [p] => Some(Geometry::new(GeometryValue::new_polygon(rings(p)))),
        ps => Some(Geometry::new(GeometryValue::new_multi_polygon(
            ps.iter().map(rings).collect::<Vec<_>>(),
        ))),
    }
}

/// Builds the GeoJSON text.
pub fn geojson(map: &Map) -> String {
    let plan = map.plan;
    let nets = &plan.file.networks;
    let mut features = Vec::new();
    for (c, n) in nets.iter().enumerate() {
        features.push(Feature {
            bbox: None,
            geometry: territory(&map.territories.networks[c]),
            id: None,
            properties: props(json!({
                "kind": "network",
                "network": n.network,
                "name": n.name,
                "fill": map.fills.fills[c],
                "schools": n.schools,
                "campuses": n.campuses,
                "elementary": n.schools_at(Level::Elementary),
                "middle": n.schools_at(Level::Middle),
                "high": n.schools_at(Level::High),
                "span": n.schools_at(Level::Span),
                "magnet_schools": n.magnet_schools,
                "charter_schools": n.charter_schools,
                "enrollment": n.enrollment,
                "enrollment_deviation_pct": n.enrollment_deviation_pct,
                "frpm_pct": n.frpm_pct,
                "ela_dfs": n.ela_dfs,
                "math_dfs": n.math_dfs,
                "low_performing_schools": n.low_performing_schools,
                "low_performing_pct": n.low_performing_pct,
                "area_km2": map.territories.area_km2[c],
                "mean_km": n.mean_km,
                "max_km": n.max_km,
                "feeder_links_cut": n.feeder_links_cut,
                "connected": n.connected,
                "region": n.region,
            })),
            foreign_members: None,
        });
    }
    for (i, (s, &c)) in map
        .table
        .schools
        .iter()
        .zip(&plan.school_network)
        .enumerate()
    {
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
                "network_name": nets[c].name,
                "level": s.level.as_str(),
                "model": s.model,
                "enrollment": s.enrollment,
                "campus": s.campus,
                "region": nets[c].region,
                "affiliation": map.affiliation_of_school[i],
            })),
            foreign_members: None,
        });
    }
    collection(features)
}

/// A district outline as a one-feature collection (exterior rings counter-clockwise, holes clockwise),
/// with `properties` saying what it is and where it comes from; `plan` reads it back as `--boundary`.
pub fn outline_geojson(shape: &MultiPolygon<f64>, properties: serde_json::Value) -> String {
    use geo::orient::{Direction, Orient};
    collection(vec![Feature {
        bbox: None,
        geometry: territory(&shape.orient(Direction::Default)),
        id: None,
        properties: props(properties),
        foreign_members: None,
    }])
}

fn collection(features: Vec<Feature>) -> String {
    let fc = FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    let mut text = serde_json::to_string(&fc).expect("GeoJSON serialises");
    text.push('\n');
    text
}

/// `regions.geojson`: one feature per support region (the union of its networks' territories, with its
/// figures), when the plan has regions.
pub(crate) fn regions_geojson(map: &Map) -> Option<String> {
    let regions = map.plan.file.regions.as_ref()?;
    let shapes = map.regions.as_ref()?;
    let features = regions
        .regions
        .iter()
        .enumerate()
        .map(|(r, g)| Feature {
            bbox: None,
            geometry: territory(&shapes.networks[r]),
            id: None,
            properties: props(json!({
                "kind": "region",
                "region": g.region,
                "networks": g.networks.join(", "),
                "network_count": g.networks.len(),
                "schools": g.schools,
                "schools_deviation_pct": g.schools_deviation_pct,
                "enrollment": g.enrollment,
                "enrollment_deviation_pct": g.enrollment_deviation_pct,
                "low_performing_schools": g.low_performing_schools,
                "area_km2": shapes.area_km2[r],
                "connected": g.connected,
            })),
            foreign_members: None,
        })
        .collect();
    Some(collection(features))
}
