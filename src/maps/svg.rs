//! `map.svg`: the plan as a static map for a board briefing.
//!
//! Territories filled by [`super::colours`], each labelled with its network's name at the point farthest
//! inside it; schools as small symbols by level; a legend listing every network with its key figures; a
//! scale bar, a north arrow, a title with the scenario and date, and a footnote saying how territories were
//! drawn. Every network and school carries a `<title>` (a tooltip in any SVG viewer) and a `data-tip`
//! attribute that `report.html` uses for its own tooltips. Styling is by presentation attributes, not CSS,
//! so every renderer (browsers, resvg, Inkscape) draws the same map.

use super::Map;
use crate::geography::Projection;
use crate::plan_file::NetworkMetrics;
use crate::schools::Level;
use crate::text::{escape_html as esc, fmt_num, thousands};
use geo::{Contains, Distance, Euclidean, MultiPolygon, Point, Polygon};
use std::fmt::Write;

/// Largest map width and height, px.
const MAP_W: f64 = 1000.0;
const MAP_H: f64 = 1150.0;
const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 84.0;
const FOOT_H: f64 = 78.0;
const LEGEND_W: f64 = 480.0;
/// The ring around a highlighted school (px) and its colour (ColorBrewer's red, apart from the network
/// palette and the affiliation rings).
const HIGHLIGHT_RING: f64 = 6.5;
const HIGHLIGHT_COLOUR: &str = "#d7191c";
/// Font stack: DejaVu Sans is embedded for the PNG; browsers fall back to their own sans-serif.
/// Width of region borders, px.
const REGION_STROKE: f64 = 3.5;
/// Radius of the ring marking a school in an affiliation, px, and its colour (magenta: apart from every
/// network fill and from the black school symbols).
const AFFILIATION_RING: f64 = 7.0;
const AFFILIATION_COLOUR: &str = "#c2185b";
const FONT: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

/// Where the map sits on the page and how km become px.
///
/// The frame fits the schools and the territory pieces that hold a school; pieces of the district without
/// a school far from the rest (LAUSD's outline includes San Clemente Island, 70 km offshore) are left off the
/// drawing and named in the footnote, so they do not shrink the map.
struct Frame {
    proj: Projection,
    scale: f64,
    min_x: f64,
    max_y: f64,
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(map: &Map) -> Frame {
        let schools = &map.table.schools;
        let proj = Projection::centred_on(schools.iter().map(|s| (s.lat, s.lon)));
        let mut pts: Vec<[f64; 2]> = schools.iter().map(|s| proj.forward(s.lat, s.lon)).collect();
        for (c, m) in map.territories.networks.iter().enumerate() {
            for p in m.0.iter().filter(|p| holds_school(map, c, p)) {
                pts.extend(p.exterior().0.iter().map(|c| proj.forward(c.y, c.x)));
            }
        }
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in &pts {
            min_x = min_x.min(p[0]);
            max_x = max_x.max(p[0]);
            min_y = min_y.min(p[1]);
            max_y = max_y.max(p[1]);
        }
        if !min_x.is_finite() {
            (min_x, max_x, min_y, max_y) = (-1.0, 1.0, -1.0, 1.0);
        }
        let w_km = (max_x - min_x).max(0.5);
        let h_km = (max_y - min_y).max(0.5);
        let scale = (MAP_W / w_km).min(MAP_H / h_km);
        Frame {
            proj,
            scale,
            min_x,
            max_y,
            left: MARGIN,
            top: TITLE_H,
            width: w_km * scale,
            height: h_km * scale,
        }
    }

    /// Whether a territory piece lies (mostly) inside the frame.
    fn shows(&self, p: &Polygon<f64>) -> bool {
        use geo::BoundingRect;
        let Some(r) = p.bounding_rect() else {
            return false;
        };
        let (x0, y0) = self.px(r.min().y, r.min().x);
        let (x1, y1) = self.px(r.max().y, r.max().x);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let slack = 0.05 * self.width.max(self.height);
        cx >= self.left - slack
            && cx <= self.left + self.width + slack
            && cy >= self.top - slack
            && cy <= self.top + self.height + slack
    }

    /// The projection from longitude and latitude to the page, which is linear in each:
    /// `[ax, bx, ay, by]` with x = ax·lon + bx and y = ay·lat + by (px). The map writes it on its root as
    /// `data-lonlat`, so that a page showing the map places lines on it and reads positions off it.
    fn affine(&self) -> [f64; 4] {
        let (x0, y0) = self.px(0.0, 0.0);
        let (x1, y1) = self.px(1.0, 1.0);
        [x1 - x0, x0, y1 - y0, y0]
    }

    /// Page position of a (lat, lon), px.
    fn px(&self, lat: f64, lon: f64) -> (f64, f64) {
        let p = self.proj.forward(lat, lon);
        (
            self.left + (p[0] - self.min_x) * self.scale,
            self.top + (self.max_y - p[1]) * self.scale,
        )
    }
}

/// Whether network `c`'s territory piece `p` holds one of its schools.
fn holds_school(map: &Map, c: usize, p: &Polygon<f64>) -> bool {
    use geo::Intersects;
    map.table
        .schools
        .iter()
        .zip(&map.plan.school_network)
        .any(|(s, &n)| n == c && p.intersects(&Point::new(s.lon, s.lat)))
}

/// Territory pieces drawn: those inside the frame.
fn drawn(frame: &Frame, m: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(m.0.iter().filter(|p| frame.shows(p)).cloned().collect())
}

/// Territory pieces left off the map, as (network, area km²), for the footnote.
fn left_off(map: &Map, frame: &Frame) -> Vec<(String, f64)> {
    use geo::{Area, MapCoords};
    let mut out = Vec::new();
    for (c, m) in map.territories.networks.iter().enumerate() {
        for p in m.0.iter().filter(|p| !frame.shows(p)) {
            let km = p.map_coords(|c| {
                let q = frame.proj.forward(c.y, c.x);
                geo::Coord { x: q[0], y: q[1] }
            });
            out.push((
                map.plan.file.networks[c].network.clone(),
                km.unsigned_area(),
            ));
        }
    }
    out
}

/// SVG path data of a territory, coordinates to 0.1 px.
fn path_data(frame: &Frame, m: &MultiPolygon<f64>) -> String {
    let mut d = String::new();
    for p in &m.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for (i, c) in ring.0.iter().enumerate() {
                let (x, y) = frame.px(c.y, c.x);
                let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
            }
            d.push('Z');
        }
    }
    d
}

/// The point of the territory's largest piece farthest from its edges (a coarse-to-fine grid search for
/// the pole of inaccessibility), in page px; `None` for an empty territory.
fn label_point(frame: &Frame, m: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    let to_px = |p: &Polygon<f64>| -> Polygon<f64> {
        use geo::MapCoords;
        p.map_coords(|c| {
            let (x, y) = frame.px(c.y, c.x);
            geo::Coord { x, y }
        })
    };
    use geo::Area;
    let piece =
        m.0.iter()
            .map(to_px)
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    let depth = |x: f64, y: f64| -> f64 {
        let p = Point::new(x, y);
        if !piece.contains(&p) {
            return f64::NEG_INFINITY;
        }
        std::iter::once(piece.exterior())
            .chain(piece.interiors())
            .map(|r| Euclidean.distance(&p, r))
            .fold(f64::INFINITY, f64::min)
    };
    use geo::BoundingRect;
    let r = piece.bounding_rect()?;
    let (mut cx, mut cy) = (r.center().x, r.center().y);
    let (mut hw, mut hh) = (r.width() / 2.0, r.height() / 2.0);
    let mut best = (depth(cx, cy), cx, cy);
    for _ in 0..4 {
        const N: usize = 12;
        for i in 0..=N {
            for j in 0..=N {
                let x = cx - hw + 2.0 * hw * i as f64 / N as f64;
                let y = cy - hh + 2.0 * hh * j as f64 / N as f64;
                let d = depth(x, y);
                if d > best.0 {
                    best = (d, x, y);
                }
            }
        }
        (cx, cy) = (best.1, best.2);
        hw /= 3.0;
        hh /= 3.0;
    }
    best.0.is_finite().then_some((best.1, best.2))
}

/// A network's line in the legend: id, name and region, cut to fit the column.
fn legend_label(n: &NetworkMetrics) -> String {
    let mut label = n.network.clone();
    if !n.name.is_empty() {
        let name: String = if n.name.chars().count() > 24 {
            n.name.chars().take(23).chain(['…']).collect()
        } else {
            n.name.clone()
        };
        label = format!("{label} {name}");
    }
    if let Some(r) = &n.region {
        label = format!("{label} · {r}");
    }
    label
}

/// The tooltip of a network: its size and balance figures in one line.
pub(crate) fn network_tip(n: &NetworkMetrics) -> String {
    let mut tip = format!(
        "{}: {} schools ({} elementary, {} middle, {} high, {} span), {} students ({:+.1}% vs. mean)",
        n.title(),
        n.schools,
        n.schools_at(Level::Elementary),
        n.schools_at(Level::Middle),
        n.schools_at(Level::High),
        n.schools_at(Level::Span),
        thousands(n.enrollment as f64),
        n.enrollment_deviation_pct
    );
    if let Some(v) = n.frpm_pct {
        let _ = write!(tip, "; FRPM {}%", fmt_num(v, 1));
    }
    if let Some(v) = n.low_performing_pct {
        let _ = write!(
            tip,
            "; low-performing {} of {} rated ({}%)",
            n.low_performing_schools,
            n.rated_schools,
            fmt_num(v, 1)
        );
    }
    if let (Some(e), Some(m)) = (n.ela_dfs, n.math_dfs) {
        let _ = write!(tip, "; DFS ELA {} / math {}", fmt_num(e, 1), fmt_num(m, 1));
    }
    let _ = write!(
        tip,
        "; magnet {}, charter {}",
        n.magnet_schools, n.charter_schools
    );
    tip
}

/// A school symbol by level, centred on (x, y), with its tooltip and, on the map, the school's id (which the
/// editor's page and scripts pick schools by).
fn school_symbol(out: &mut String, level: Level, x: f64, y: f64, tip: &str, id: Option<&str>) {
    let r = 3.2;
    let shape = match level {
        Level::Elementary => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}""#, r * 0.85),
        Level::Middle => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}""#,
            x - r * 0.8,
            y - r * 0.8,
            r * 1.6,
            r * 1.6
        ),
        Level::High => format!(
            r#"<path d="M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z""#,
            x,
            y - r * 1.25,
            x + r * 1.1,
            y + r * 0.75,
            x - r * 1.1,
            y + r * 0.75
        ),
        Level::Span => format!(
            r#"<path d="M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z""#,
            x,
            y - r * 1.2,
            x + r * 1.2,
            y,
            x,
            y + r * 1.2,
            x - r * 1.2,
            y
        ),
        Level::Other => format!(
            r#"<path d="M{:.1} {:.1}h{:.1}v{:.1}h{:.1}v{:.1}h{:.1}v{:.1}h{:.1}v{:.1}h{:.1}v{:.1}h{:.1}Z""#,
            x - r * 0.35,
            y - r,
            r * 0.7,
            r * 0.65,
            r * 0.65,
            r * 0.7,
            -r * 0.65,
            r * 0.65,
            -r * 0.7,
            -r * 0.65,
            -r * 0.65,
            -r * 0.7,
            r * 0.65
        ),
    };
    let tip = esc(tip);
    let id = id.map_or(String::new(), |id| format!(r#" data-school="{}""#, esc(id)));
    let _ = writeln!(
        out,
        r#"{shape}{id} data-tip="{tip}"><title>{tip}</title></{}>"#,
        tag(level)
    );
}

fn tag(level: Level) -> &'static str {
    match level {
        Level::Elementary => "circle",
        Level::Middle => "rect",
        _ => "path",
    }
}

/// A scale bar of a round length, about a fifth of the map wide, at the map's lower left.
fn scale_bar(out: &mut String, frame: &Frame) {
    let target_km = frame.width / frame.scale / 5.0;
    let km = [
        0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 500.0,
    ]
    .into_iter()
    .rev()
    .find(|&k| k <= target_km)
    .unwrap_or(0.5);
    let len = km * frame.scale;
    let (x, y) = (frame.left + 24.0, frame.top + frame.height - 14.0);
    let half = len / 2.0;
    let label = |at: f64, text: String| {
        format!(
            r##"<text x="{at:.1}" y="{:.1}" font-size="12" fill="#222222" text-anchor="middle">{text}</text>"##,
            y - 6.0
        )
    };
    let _ = writeln!(
        out,
        r##"<g class="scale-bar"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="34" fill="#ffffff" fill-opacity="0.85"/><rect x="{x:.1}" y="{y:.1}" width="{half:.1}" height="6" fill="#222222"/><rect x="{:.1}" y="{y:.1}" width="{half:.1}" height="6" fill="#ffffff" stroke="#222222" stroke-width="1"/>{}{}{}</g>"##,
        x - 16.0,
        y - 22.0,
        len + 56.0,
        x + half,
        label(x, "0".into()),
        label(x + half, fmt_num(km / 2.0, 2)),
        label(x + len + 8.0, format!("{} km", fmt_num(km, 1))),
    );
}

/// A north arrow at the map's upper right (the projection keeps north up).
fn north_arrow(out: &mut String, frame: &Frame) {
    let (x, y) = (frame.left + frame.width - 26.0, frame.top + 16.0);
    let _ = writeln!(
        out,
        r##"<g class="north-arrow"><path d="M{x:.1} {y:.1}L{:.1} {:.1}L{x:.1} {:.1}L{:.1} {:.1}Z" fill="#222222"/><text x="{x:.1}" y="{:.1}" font-size="16" font-weight="bold" text-anchor="middle" fill="#222222">N</text></g>"##,
        x + 10.0,
        y + 34.0,
        y + 26.0,
        x - 10.0,
        y + 34.0,
        y + 52.0,
    );
}

/// The map as SVG text.
pub fn svg(map: &Map) -> String {
    svg_with(map, &mut ShapeCache::default())
}

/// Territories drawn before, each by its shape and where the map places it: its path data and label
/// point. The editor draws the map after every move, and a territory the move left as it was is then
/// neither written out again nor searched for its label point (most of a map's drawing time). What it holds
/// is a pure function of its key, so a map drawn with a cache is the map drawn without one.
#[derive(Default)]
pub struct ShapeCache {
    found: std::collections::HashMap<Vec<u64>, Drawn>,
}

/// A territory as the map draws it.
struct Drawn {
    path: String,
    label: Option<(f64, f64)>,
}

/// Most territories a [`ShapeCache`] keeps (it is emptied when full): a map's networks and regions, and
/// those of a few dozen moves.
const SHAPES_KEPT: usize = 256;

impl ShapeCache {
    /// The territory `m` (its pieces inside the frame) drawn: [`path_data`] and [`label_point`], each made
    /// once per territory and placing.
    fn drawn(&mut self, frame: &Frame, m: &MultiPolygon<f64>) -> &Drawn {
        let mut key: Vec<u64> = frame.affine().iter().map(|v| v.to_bits()).collect();
        for p in &m.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                key.push(u64::MAX);
                key.extend(ring.0.iter().flat_map(|c| [c.x.to_bits(), c.y.to_bits()]));
            }
        }
        if self.found.len() >= SHAPES_KEPT && !self.found.contains_key(&key) {
            self.found.clear();
        }
        self.found.entry(key).or_insert_with(|| Drawn {
            path: path_data(frame, m),
            label: label_point(frame, m),
        })
    }
}

/// The map as SVG text, with territories drawn before taken from `shapes`.
pub fn svg_with(map: &Map, shapes: &mut ShapeCache) -> String {
    let frame = Frame::new(map);
    let nets = &map.plan.file.networks;
    let legend_x = frame.left + frame.width + 2.0 * MARGIN;
    let legend_rows = nets.len() as f64 * 19.0
        + 304.0
        + map.fills.classes.len() as f64 * 20.0
        + if map.plan.barrier_lines.is_empty() {
            0.0
        } else {
            22.0
        };
    let width = legend_x + LEGEND_W + MARGIN;
    let height = (frame.top + frame.height).max(TITLE_H + legend_rows) + FOOT_H;
    let lonlat = frame.affine();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="network-map" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONT}" data-lonlat="{:.6} {:.6} {:.6} {:.6}">"#,
        lonlat[0], lonlat[1], lonlat[2], lonlat[3]
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&map.title()));
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="{MARGIN}" y="38" font-size="26" font-weight="bold" fill="#111111">{}</text>"##,
        esc(&map.title())
    );
    let _ = writeln!(
        out,
        r##"<text x="{MARGIN}" y="64" font-size="15" fill="#444444">{}</text>"##,
        esc(&map.subtitle())
    );

    // Territories, then their labels above the schools.
    let _ = writeln!(
        out,
        r##"<g class="territories" stroke="#4d4d4d" stroke-width="1.2" stroke-linejoin="round" fill-rule="evenodd">"##
    );
    let shown: Vec<MultiPolygon<f64>> = map
        .territories
        .networks
        .iter()
        .map(|m| drawn(&frame, m))
        .collect();
    // Each territory drawn once (its path here, its label point kept for the labels above the schools).
    let mut network_labels = vec![None; nets.len()];
    for (c, (n, (m, fill))) in nets
        .iter()
        .zip(shown.iter().zip(&map.fills.fills))
        .enumerate()
    {
        if m.0.is_empty() {
            continue;
        }
        let tip = esc(&network_tip(n));
        let d = shapes.drawn(&frame, m);
        network_labels[c] = d.label;
        let _ = writeln!(
            out,
            r#"<path class="network" data-network="{}" d="{}" fill="{}" data-tip="{tip}"><title>{tip}</title></path>"#,
            esc(&n.network),
            d.path,
            fill,
        );
    }
    out.push_str("</g>\n");
    let region_shapes: Vec<MultiPolygon<f64>> = map
        .regions
        .as_ref()
        .map(|r| r.networks.iter().map(|m| drawn(&frame, m)).collect())
        .unwrap_or_default();
    let mut region_labels = vec![None; region_shapes.len()];
    if !region_shapes.is_empty() {
        let _ = writeln!(
            out,
            r##"<g class="regions" fill="none" stroke="#111111" stroke-width="{REGION_STROKE}" stroke-linejoin="round" pointer-events="none">"##
        );
        let names = map.plan.file.regions.iter().flat_map(|r| &r.regions);
        for (r, (g, m)) in names.zip(&region_shapes).enumerate() {
            if m.0.is_empty() {
                continue;
            }
            let d = shapes.drawn(&frame, m);
            region_labels[r] = d.label;
            let _ = writeln!(
                out,
                r#"<path data-region="{}" d="{}"/>"#,
                esc(&g.region),
                d.path
            );
        }
        out.push_str("</g>\n");
    }
    barriers(&mut out, map, &frame);
    let _ = writeln!(
        out,
        r##"<g class="schools" fill="#1a1a1a" stroke="#ffffff" stroke-width="0.7">"##
    );
    let mut rings = String::new();
    let mut highlighted = String::new();
    let highlight: std::collections::BTreeSet<&str> =
        map.options.highlight.iter().map(String::as_str).collect();
    for (i, (s, &c)) in map
        .table
        .schools
        .iter()
        .zip(&map.plan.school_network)
        .enumerate()
    {
        let (x, y) = frame.px(s.lat, s.lon);
        let mut tip = format!(
            "{}: {} {}, {} students, network {}",
            s.name,
            s.level.as_str(),
            s.model,
            thousands(s.enrollment as f64),
            nets[c].title()
        );
        if let Some(r) = &nets[c].region {
            tip.push_str(&format!(" (region {r})"));
        }
        if let Some(g) = &map.affiliation_of_school[i] {
            tip.push_str(&format!(", affiliation {g}"));
            let _ = writeln!(
                rings,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{AFFILIATION_RING}"/>"#
            );
        }
        if highlight.contains(s.id.as_str()) {
            let _ = writeln!(
                highlighted,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{HIGHLIGHT_RING}"/>"#
            );
        }
        school_symbol(&mut out, s.level, x, y, &tip, Some(&s.id));
    }
    out.push_str("</g>\n");
    if !highlighted.is_empty() {
        let _ = writeln!(
            out,
            r##"<g class="highlight" fill="none" stroke="{HIGHLIGHT_COLOUR}" stroke-width="2.2" pointer-events="none">{highlighted}</g>"##
        );
    }
    if !rings.is_empty() {
        let _ = writeln!(
            out,
            r##"<g class="affiliations" fill="none" stroke="{AFFILIATION_COLOUR}" stroke-width="2" pointer-events="none">{rings}</g>"##
        );
    }
    let _ = writeln!(
        out,
        r##"<g class="labels" font-size="15" font-weight="bold" text-anchor="middle" fill="#111111" stroke="#ffffff" stroke-width="3.5" stroke-linejoin="round" paint-order="stroke" pointer-events="none">"##
    );
    for (n, label) in nets.iter().zip(&network_labels) {
        if let Some((x, y)) = *label {
            let _ = writeln!(
                out,
                r#"<text x="{x:.1}" y="{:.1}">{}</text>"#,
                y + 1.0,
                esc(&n.network)
            );
            if !n.name.is_empty() {
                let _ = writeln!(
                    out,
                    r#"<text class="name" x="{x:.1}" y="{:.1}" font-size="11" font-weight="normal">{}</text>"#,
                    y + 14.0,
                    esc(&n.name)
                );
            }
        }
    }
    out.push_str("</g>\n");
    if let Some(regions) = &map.plan.file.regions {
        // Region names sit above their area's pole of inaccessibility, clear of the network label there.
        let _ = writeln!(
            out,
            r##"<g class="region-labels" font-size="22" font-weight="bold" font-style="italic" text-anchor="middle" fill="#111111" fill-opacity="0.8" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke" pointer-events="none">"##
        );
        for (g, label) in regions.regions.iter().zip(&region_labels) {
            if let Some((x, y)) = *label {
                let _ = writeln!(
                    out,
                    r#"<text x="{x:.1}" y="{:.1}">{}</text>"#,
                    y - 14.0,
                    esc(&g.region)
                );
            }
        }
        out.push_str("</g>\n");
    }
    scale_bar(&mut out, &frame);
    north_arrow(&mut out, &frame);

    legend(&mut out, map, legend_x);

    let mut notes = vec![map.method_note()];
    let off = left_off(map, &frame);
    if !off.is_empty() {
        notes.push(format!(
            "Not drawn, far from any school: {}.",
            off.iter()
                .map(|(n, a)| format!("{} km² of {n}'s territory", thousands(*a)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let input = &map.plan.file.input;
    notes.push(format!(
        "Schools: {} (SHA-256 {}…). Made with {}.",
        input.schools_file,
        &input.schools_sha256[..input.schools_sha256.len().min(12)],
        map.plan.file.tool
    ));
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<text x="{MARGIN}" y="{:.0}" font-size="12" fill="#555555">{}</text>"##,
            height - FOOT_H + 18.0 + 17.0 * i as f64,
            esc(note)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Barriers: dark red dashes.
const BARRIER_COLOUR: &str = "#8b0000";
const BARRIER_STROKE: f64 = 3.0;
const BARRIER_DASH: &str = "9 5";

/// The plan's barriers as dashed lines, clipped to the map's frame, each with its name as a tip.
fn barriers(out: &mut String, map: &Map, frame: &Frame) {
    if map.plan.barrier_lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        r##"<clipPath id="map-frame"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath>"##,
        frame.left, frame.top, frame.width, frame.height
    );
    let _ = writeln!(
        out,
        r##"<g class="barriers" fill="none" stroke="{BARRIER_COLOUR}" stroke-width="{BARRIER_STROKE}" stroke-dasharray="{BARRIER_DASH}" stroke-linecap="round" clip-path="url(#map-frame)">"##
    );
    for b in &map.plan.barrier_lines {
        let mut d = String::new();
        for (i, c) in b.line.0.iter().enumerate() {
            let (x, y) = frame.px(c.y, c.x);
            let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        let tip = esc(&format!("barrier: {}", b.name));
        let _ = writeln!(
            out,
            r#"<path d="{d}" data-tip="{tip}"><title>{tip}</title></path>"#
        );
    }
    out.push_str("</g>\n");
}

/// The legend: school symbols, colour classes (when shading by a figure) and every network's key figures.
fn legend(out: &mut String, map: &Map, x: f64) {
    let nets = &map.plan.file.networks;
    let mut y = TITLE_H + 14.0;
    let _ = writeln!(out, r##"<g class="legend" fill="#222222">"##);
    let _ = writeln!(
        out,
        r#"<text x="{x:.0}" y="{y:.0}" font-size="16" font-weight="bold">Schools</text>"#
    );
    y += 22.0;
    let mut levels = String::new();
    for (i, (level, words)) in [
        (Level::Elementary, "elementary"),
        (Level::Middle, "middle"),
        (Level::High, "high"),
        (Level::Span, "span (K-8, 6-12, K-12)"),
        (Level::Other, "other"),
    ]
    .into_iter()
    .enumerate()
    {
        let (cx, cy) = (x + 8.0 + 180.0 * (i % 2) as f64, y + 22.0 * (i / 2) as f64);
        school_symbol(&mut levels, level, cx, cy - 4.0, words, None);
        let _ = writeln!(
            out,
            r#"<text x="{:.0}" y="{:.0}" font-size="13">{words}</text>"#,
            cx + 12.0,
            cy
        );
    }
    let _ = writeln!(
        out,
        r##"<g stroke="#ffffff" stroke-width="0.7">{levels}</g>"##
    );
    y += 3.0 * 22.0;
    if map.plan.file.regions.is_some() {
        let _ = writeln!(
            out,
            r##"<path d="M{x:.0} {:.0}h22" stroke="#111111" stroke-width="{REGION_STROKE}"/><text x="{:.0}" y="{y:.0}" font-size="13">support region border (R1, R2, …)</text>"##,
            y - 4.0,
            x + 30.0
        );
        y += 22.0;
    }
    if !map.plan.barrier_lines.is_empty() {
        let _ = writeln!(
            out,
            r##"<path d="M{x:.0} {:.0}h22" stroke="{BARRIER_COLOUR}" stroke-width="{BARRIER_STROKE}" stroke-dasharray="{BARRIER_DASH}"/><text x="{:.0}" y="{y:.0}" font-size="13">barrier no network crosses</text>"##,
            y - 4.0,
            x + 30.0
        );
        y += 22.0;
    }
    if map.affiliation_of_school.iter().any(Option::is_some) {
        let _ = writeln!(
            out,
            r##"<circle cx="{:.0}" cy="{:.0}" r="{AFFILIATION_RING}" fill="none" stroke="{AFFILIATION_COLOUR}" stroke-width="2"/><text x="{:.0}" y="{y:.0}" font-size="13">school in an affiliation ({})</text>"##,
            x + 8.0,
            y - 4.0,
            x + 30.0,
            esc(&map
                .plan
                .file
                .affiliations
                .iter()
                .map(|a| a.label.as_str())
                .collect::<Vec<_>>()
                .join("; "))
        );
        y += 22.0;
    }
    y += 12.0;
    let by = map.options.colour_by;
    let _ = writeln!(
        out,
        r#"<text x="{x:.0}" y="{y:.0}" font-size="16" font-weight="bold">{}</text>"#,
        esc(by.title())
    );
    y += 10.0;
    for class in &map.fills.classes {
        let _ = writeln!(
            out,
            r##"<rect x="{x:.0}" y="{y:.0}" width="22" height="14" fill="{}" stroke="#4d4d4d" stroke-width="0.8"/><text x="{:.0}" y="{:.0}" font-size="13">{}</text>"##,
            class.colour,
            x + 30.0,
            y + 12.0,
            esc(&class.label)
        );
        y += 20.0;
    }
    y += 14.0;
    let _ = writeln!(
        out,
        r#"<text x="{x:.0}" y="{y:.0}" font-size="13" font-weight="bold">network</text><text x="{:.0}" y="{y:.0}" font-size="13" font-weight="bold" text-anchor="end">schools</text><text x="{:.0}" y="{y:.0}" font-size="13" font-weight="bold" text-anchor="end">students</text><text x="{:.0}" y="{y:.0}" font-size="13" font-weight="bold" text-anchor="end">{}</text>"#,
        x + 290.0,
        x + 380.0,
        x + LEGEND_W - 10.0,
        match by {
            super::ColourBy::Networks | super::ColourBy::Frpm => "FRPM %",
            super::ColourBy::LowPerforming => "low %",
            super::ColourBy::Enrollment => "vs. mean",
            super::ColourBy::Outlook => "leaves in",
        }
    );
    y += 8.0;
    for (c, n) in nets.iter().enumerate() {
        let figure = match by {
            super::ColourBy::Networks | super::ColourBy::Frpm => {
                n.frpm_pct.map_or("n/a".into(), |v| format!("{v:.1}"))
            }
            super::ColourBy::LowPerforming => n
                .low_performing_pct
                .map_or("n/a".into(), |v| format!("{v:.1}")),
            super::ColourBy::Enrollment => format!("{:+.1}%", n.enrollment_deviation_pct),
            super::ColourBy::Outlook => map
                .plan
                .file
                .outlook
                .as_ref()
                .and_then(|o| o.networks.iter().find(|x| x.network == n.network))
                .and_then(|x| x.leaves_band.clone())
                .unwrap_or_else(|| "—".into()),
        };
        let _ = writeln!(
            out,
            r##"<rect x="{x:.0}" y="{y:.0}" width="22" height="14" fill="{}" stroke="#4d4d4d" stroke-width="0.8"/><text x="{:.0}" y="{:.0}" font-size="13">{}</text><text x="{:.0}" y="{:.0}" font-size="13" text-anchor="end">{}</text><text x="{:.0}" y="{:.0}" font-size="13" text-anchor="end">{}</text><text x="{:.0}" y="{:.0}" font-size="13" text-anchor="end">{}</text>"##,
            map.fills.fills[c],
            x + 30.0,
            y + 12.0,
            esc(&legend_label(n)),
            x + 290.0,
            y + 12.0,
            n.schools,
            x + 380.0,
            y + 12.0,
            thousands(n.enrollment as f64),
            x + LEGEND_W - 10.0,
            y + 12.0,
            esc(&figure)
        );
        y += 19.0;
    }
    out.push_str("</g>\n");
}
