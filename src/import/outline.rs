//! The district's outline for an import: found among the state's school-district outlines (US Census
//! TIGER/Line 2012, `ca_districts_2012.topojson`), so a district's maps end at its real border instead of
//! a hull around its schools.
//!
//! The outlines carry names ("San Diego City Unified School District") but no CDS code, and the
//! directory writes names its own way ("San Diego Unified"), so an outline is matched on the names'
//! distinctive words (generic ones such as "Unified", "City" or "School District" set aside) and then
//! on geography: the outline must hold most of the district's schools. When several different outlines
//! fit equally, the import refuses to guess and lists them (`--outline-name` picks one).
//!
//! TopoJSON is decoded here (a few dozen lines) rather than with the `topojson` crate, which depends on
//! an older `geojson` than the rest of the project.

use super::CdeFiles;
use crate::error::{Error, Result};
use crate::schools::School;
use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The outlines' file name among the CDE files.
pub const OUTLINES_FILE: &str = "ca_districts_2012.topojson";
/// How the outlines are credited on maps and in the outline file.
pub const OUTLINES_SOURCE: &str = "US Census Bureau TIGER/Line 2012 school districts";

/// Words that say what kind of district a name is rather than which one.
const GENERIC: &[&str] = &[
    "school",
    "schools",
    "district",
    "unified",
    "elementary",
    "elem",
    "union",
    "joint",
    "city",
    "high",
    "usd",
    "esd",
    "of",
    "the",
];

/// A district outline found for an import.
#[derive(Debug, Clone)]
pub struct Found {
    /// The outline's own name ("San Diego City Unified School District").
    pub name: String,
    /// The directory's name of the district it was matched to.
    pub directory_name: String,
    /// Longitude/latitude polygons, coordinates rounded to 6 decimals.
    pub shape: MultiPolygon<f64>,
    /// Whether the outline's rings crossed or touched themselves and were repaired.
    pub repaired: bool,
    /// Schools of the import inside the outline, and in all.
    pub inside: usize,
    pub schools: usize,
}

/// The outcome of the search: an outline, or why there is none (the import goes on without one).
#[derive(Debug, Clone)]
pub enum Outcome {
    Found(Found),
    NotFound(String),
}

#[derive(Deserialize)]
struct Topology {
    transform: Option<Transform>,
    arcs: Vec<Vec<Vec<f64>>>,
    objects: BTreeMap<String, Collection>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    geometries: Vec<TopoGeometry>,
}

#[derive(Deserialize)]
struct TopoGeometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    arcs: serde_json::Value,
    #[serde(default)]
    properties: BTreeMap<String, serde_json::Value>,
}

/// One named outline of the file.
struct Named {
    name: String,
    shape: MultiPolygon<f64>,
}

/// A name's words, lower case, abbreviations spelt out, sorted, each once; `keep` says which.
fn words(name: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut words: Vec<String> = name
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "mt" => "mount".to_string(),
            "st" => "saint".to_string(),
            w => w.to_string(),
        })
        .filter(|w| keep(w))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// A name's words that say what kind of district it is ("union", "high"), "school" and "district" set
/// aside.
fn kind_words(name: &str) -> Vec<String> {
    words(name, |w| {
        GENERIC.contains(&w) && !matches!(w, "school" | "schools" | "district" | "of" | "the")
    })
}

/// A name's distinctive words ("Mt. Diablo Unified" → {mount, diablo}).
fn distinctive(name: &str) -> Vec<String> {
    words(name, |w| !GENERIC.contains(&w))
}

/// Decodes every named polygon outline of a TopoJSON text. `source` names the file in messages.
fn decode(source: &str, text: &str) -> Result<Vec<Named>> {
    let bad = |what: String| {
        Error::input(
            source,
            None,
            None,
            what,
            "use the TIGER school-district outlines as TopoJSON (the file data/cde/README.md describes)",
        )
    };
    let topo: Topology =
        serde_json::from_str(text).map_err(|e| bad(format!("not TopoJSON: {e}")))?;
    let (scale, translate) = topo
        .transform
        .as_ref()
        .map_or(([1.0, 1.0], [0.0, 0.0]), |t| (t.scale, t.translate));
    let quantized = topo.transform.is_some();
    // Every arc once, as coordinates.
    let arcs: Vec<Vec<Coord<f64>>> = topo
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0.0, 0.0);
            arc.iter()
                .filter(|p| p.len() >= 2)
                .map(|p| {
                    if quantized {
                        x += p[0];
                        y += p[1];
                    } else {
                        (x, y) = (p[0], p[1]);
                    }
                    Coord {
                        x: crate::text::round(x * scale[0] + translate[0], 6),
                        y: crate::text::round(y * scale[1] + translate[1], 6),
                    }
                })
                .collect()
        })
        .collect();
    let ring = |ixs: &serde_json::Value| -> Result<LineString<f64>> {
        let mut coords: Vec<Coord<f64>> = Vec::new();
        for ix in ixs.as_array().into_iter().flatten() {
            let i = ix
                .as_i64()
                .ok_or_else(|| bad(format!("an arc index is not a number: {ix}")))?;
            let (k, reversed) = if i < 0 {
                ((!i) as usize, true)
            } else {
                (i as usize, false)
            };
            let arc = arcs
                .get(k)
                .ok_or_else(|| bad(format!("arc {k} does not exist ({} arcs)", arcs.len())))?;
            let points: Box<dyn Iterator<Item = &Coord<f64>>> = if reversed {
                Box::new(arc.iter().rev())
            } else {
                Box::new(arc.iter())
            };
            // Consecutive arcs share their end point.
            let skip = usize::from(!coords.is_empty());
            coords.extend(points.skip(skip));
        }
        Ok(LineString::new(coords))
    };
    let polygon = |rings: &serde_json::Value| -> Result<Option<Polygon<f64>>> {
        let mut rs = rings
            .as_array()
            .into_iter()
            .flatten()
            .map(ring)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|r| r.0.len() >= 4);
        Ok(rs.next().map(|outer| Polygon::new(outer, rs.collect())))
    };
    let mut out = Vec::new();
    for g in topo.objects.values().flat_map(|c| &c.geometries) {
        let Some(name) = g.properties.get("District").and_then(|v| v.as_str()) else {
            continue;
        };
        let polys: Vec<Polygon<f64>> = match g.kind.as_str() {
            "Polygon" => polygon(&g.arcs)?.into_iter().collect(),
            "MultiPolygon" => g
                .arcs
                .as_array()
                .into_iter()
                .flatten()
                .map(polygon)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect(),
            _ => continue,
        };
        if !polys.is_empty() {
            out.push(Named {
                name: name.to_string(),
                shape: MultiPolygon::new(polys),
            });
        }
    }
    Ok(out)
}

/// The schools inside `shape`.
fn inside(shape: &MultiPolygon<f64>, schools: &[School]) -> usize {
    let Some(bbox) = shape.bounding_rect() else {
        return 0;
    };
    schools
        .iter()
        .map(|s| Point::new(s.lon, s.lat))
        .filter(|p| {
            bbox.min().x <= p.x()
                && p.x() <= bbox.max().x
                && bbox.min().y <= p.y()
                && p.y() <= bbox.max().y
        })
        .filter(|p| shape.contains(p))
        .count()
}

/// Finds the outline of the district the schools belong to. `districts` are the directory's district
/// names with their schools' counts; `choose` is an outline name given with `--outline-name`.
pub fn find(
    files: &CdeFiles,
    districts: &BTreeMap<String, usize>,
    schools: &[School],
    choose: Option<&str>,
) -> Result<Outcome> {
    if !files.has(OUTLINES_FILE) {
        return Ok(Outcome::NotFound(format!(
            "no {OUTLINES_FILE} (district outlines) among {}: none written{}; the built-in state files have it (leave out --cde-dir), or give plan an outline with --boundary",
            files.describe(),
            if choose.is_some() { ", and --outline-name has nothing to pick from" } else { "" }
        )));
    }
    let directory_name = match (choose, districts.len()) {
        (_, 1) => districts.keys().next().cloned().unwrap_or_default(),
        (Some(c), _) => c.to_string(),
        (None, 0) => return Ok(Outcome::NotFound("no school names its district in the directory: no outline written".into())),
        (None, n) => {
            return Ok(Outcome::NotFound(format!(
                "the schools belong to {n} districts (a county or the state): no one outline written; give plan an outline with --boundary, or pick one with --outline-name"
            )))
        }
    };
    let source = files.name(OUTLINES_FILE);
    let all = decode(&source, &files.read_text(OUTLINES_FILE)?)?;
    let matches_name = |n: &Named| match choose {
        Some(c) => n.name.trim().eq_ignore_ascii_case(c.trim()),
        None => distinctive(&n.name) == distinctive(&directory_name),
    };
    // Candidates by name, the same shape listed once (the file carries unified districts in two layers).
    let mut candidates: Vec<(&Named, usize)> = Vec::new();
    for n in all.iter().filter(|n| matches_name(n)) {
        if candidates.iter().any(|(c, _)| c.shape == n.shape) {
            continue;
        }
        candidates.push((n, inside(&n.shape, schools)));
    }
    if candidates.is_empty() {
        if let Some(c) = choose {
            let mut names: Vec<&str> = all.iter().map(|n| n.name.as_str()).collect();
            names.sort();
            names.dedup();
            // The name sharing most of its distinctive words, then nearest by edits, when it is near
            // enough to be what was meant.
            let wanted = c.trim().to_lowercase();
            let words = distinctive(c);
            let near = names
                .iter()
                .map(|n| {
                    let theirs = distinctive(n);
                    let missing = words.iter().filter(|w| !theirs.contains(w)).count();
                    (missing, strsim::levenshtein(&n.to_lowercase(), &wanted), *n)
                })
                .filter(|(missing, d, _)| *missing < words.len() && *d <= (wanted.len() / 4).max(3))
                .min()
                .map(|(_, _, n)| n);
            return Err(Error::Usage(format!(
                "--outline-name '{c}': no outline in {source} has this name{}",
                near.map(|n| format!(" (did you mean '{n}'?)"))
                    .unwrap_or_default()
            )));
        }
        return Ok(Outcome::NotFound(format!(
            "no outline in {source} is named like '{directory_name}': none written; give plan an outline with --boundary, or name the outline with --outline-name"
        )));
    }
    let total = schools.len();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.1));
    let (best, best_inside) = candidates[0];
    if best_inside * 2 < total && choose.is_some() {
        return Err(Error::Usage(format!(
            "--outline-name '{}': that outline holds {best_inside} of the {total} schools imported; name the district's own outline, or leave --outline-name out",
            best.name
        )));
    }
    if best_inside * 2 < total {
        return Ok(Outcome::NotFound(format!(
            "the outline '{}' holds only {best_inside} of the {total} schools: not used (none written); give plan an outline with --boundary",
            best.name
        )));
    }
    // Outlines holding as many schools: an elementary and a high-school district of one name
    // ("Escondido Union" and "Escondido Union High"). The one whose kind ("Elementary", "High", "Union",
    // "Unified") is the directory's wins; when that does not decide, nothing is guessed.
    let tied: Vec<&Named> = candidates
        .iter()
        .filter(|(_, k)| *k == best_inside)
        .map(|(n, _)| *n)
        .collect();
    let best = if tied.len() > 1 {
        let kind = kind_words(&directory_name);
        let mut same: Vec<&Named> = tied
            .iter()
            .copied()
            .filter(|n| kind_words(&n.name) == kind)
            .collect();
        // A name without "High" is not the high-school district's ("Escondido Union" is the elementary one).
        if same.is_empty() && !kind.iter().any(|w| w == "high") {
            same = tied
                .iter()
                .copied()
                .filter(|n| !kind_words(&n.name).iter().any(|w| w == "high"))
                .collect();
        }
        match same.as_slice() {
            [one] => *one,
            _ => {
                return Ok(Outcome::NotFound(format!(
                    "{} outlines in {source} fit '{directory_name}' and hold {best_inside} of its {total} schools each ({}): none written; pick one with --outline-name",
                    tied.len(),
                    crate::text::and_list(&tied.iter().map(|n| format!("'{}'", n.name)).collect::<Vec<_>>())
                )))
            }
        }
    } else {
        best
    };
    // TIGER's rings, quantized to about 10 m, sometimes touch or cross themselves; repaired here (odd-even
    // rule) so every reader of the outline gets a valid polygon.
    use geo::{MakeValid, Validation};
    let repaired = !best.shape.is_valid();
    let shape = if repaired {
        let fixed = best.shape.make_valid().map_err(|e| {
            Error::input(
                &source,
                None,
                None,
                format!(
                    "the outline '{}' is not a valid polygon and cannot be repaired: {e}",
                    best.name
                ),
                "give plan an outline with --boundary",
            )
        })?;
        // Rounded to the input's precision, exteriors anticlockwise and holes clockwise (RFC 7946), each
        // ring from its lowest vertex and the polygons in order: the same outline every run.
        use geo::orient::{Direction, Orient};
        let round = |r: &LineString<f64>| {
            canonical_ring(
                r.coords()
                    .map(|c| Coord {
                        x: crate::text::round(c.x, 6),
                        y: crate::text::round(c.y, 6),
                    })
                    .collect::<LineString<f64>>(),
            )
        };
        let mut polygons: Vec<Polygon<f64>> = fixed
            .0
            .into_iter()
            .map(|p| {
                let p = p.orient(Direction::Default);
                let mut holes: Vec<LineString<f64>> = p.interiors().iter().map(round).collect();
                holes.sort_by(by_first_vertex);
                Polygon::new(round(p.exterior()), holes)
            })
            .collect();
        polygons.sort_by(|a, b| by_first_vertex(a.exterior(), b.exterior()));
        MultiPolygon::new(polygons)
    } else {
        best.shape.clone()
    };
    Ok(Outcome::Found(Found {
        name: best.name.clone(),
        directory_name,
        repaired,
        shape,
        inside: best_inside,
        schools: total,
    }))
}

/// A ring started at its lowest vertex (by longitude, then latitude), so that the same ring is written the
/// same way whatever vertex a repair happened to start it at (geo's MakeValid does not say, and varies
/// from run to run).
fn canonical_ring(ring: LineString<f64>) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.0;
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if let Some(lowest) = (0..pts.len()).min_by(|&a, &b| {
        pts[a]
            .x
            .total_cmp(&pts[b].x)
            .then(pts[a].y.total_cmp(&pts[b].y))
            .then(a.cmp(&b))
    }) {
        pts.rotate_left(lowest);
    }
    if let Some(&start) = pts.first() {
        pts.push(start);
    }
    LineString(pts)
}

/// Rings in order of their vertices (by longitude, then latitude, vertex by vertex), so that rings
/// starting at one point are still ordered the same way every run.
fn by_first_vertex(a: &LineString<f64>, b: &LineString<f64>) -> std::cmp::Ordering {
    let key = |c: &Coord<f64>| (c.x, c.y);
    a.0.iter()
        .map(key)
        .zip(b.0.iter().map(key))
        .map(|(x, y)| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.0.len().cmp(&b.0.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinctive_words_set_the_kind_of_district_aside() {
        assert_eq!(
            distinctive("San Diego City Unified School District"),
            distinctive("San Diego Unified")
        );
        assert_eq!(
            distinctive("Mount Diablo Unified School District"),
            distinctive("Mt. Diablo Unified")
        );
        assert_eq!(distinctive("Ontario-Montclair"), ["montclair", "ontario"]);
        assert_ne!(
            distinctive("Kern High School District"),
            distinctive("Bakersfield City")
        );
    }

    /// A hand-made topology: two squares sharing an arc, one of them quantized through the transform.
    #[test]
    fn shared_and_reversed_arcs_close_each_ring() {
        let text = r#"{"type":"Topology","transform":{"scale":[0.5,0.5],"translate":[10,20]},
          "arcs":[[[0,0],[0,2]],[[0,2],[2,0],[0,-2],[-2,0]],[[0,0],[-2,0],[0,2],[2,0]]],
          "objects":{"d":{"type":"GeometryCollection","geometries":[
            {"type":"Polygon","arcs":[[0,1]],"properties":{"District":"East"}},
            {"type":"Polygon","arcs":[[2,-1]],"properties":{"District":"West"}},
            {"type":"LineString","arcs":[0],"properties":{"District":"A line"}}]}}}"#;
        let named = decode("t", text).unwrap();
        assert_eq!(named.len(), 2);
        use geo::Area;
        for n in &named {
            let ring = n.shape.0[0].exterior();
            assert_eq!(ring.0.first(), ring.0.last(), "{} closes", n.name);
            assert!((n.shape.unsigned_area() - 1.0).abs() < 1e-9, "{}", n.name);
        }
        assert_eq!(
            named[0].shape.0[0].exterior().0[0],
            Coord { x: 10.0, y: 20.0 }
        );
        assert!(decode("t", "{\"arcs\": 3}").is_err());
    }
}
