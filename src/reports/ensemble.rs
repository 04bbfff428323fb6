//! What an ensemble says, for people and for scripts: where the plan falls among the valid plans
//! (a histogram per figure), which of its boundaries are firm, which pairings are fragile, and whether
//! the chains agree. `ensemble.md` and `ensemble.html` come from one list of sections ([`sections`]);
//! the page adds the histograms and the firmness map, inline, so it opens offline.

use super::html;
use super::model::{self, Cell, Section, Table};
use crate::ensemble::{Ensemble, FigureDraws, Pairing};
use crate::schools::SchoolTable;
use crate::territories::{Border, Territories};
use crate::text::{escape_html as esc, round, thousands};
use std::fmt::Write;

/// R-hat above this warns that the chains have not agreed (Gelman et al.'s usual threshold is 1.1; Vehtari
/// et al. 2021 recommend 1.01 for final results; the issue that asked for this command set 1.05).
pub const RHAT_WARN: f64 = 1.05;

/// A pairing is fragile when the plan keeps two campuses together but fewer than this share of valid
/// plans do (or apart, and more than 100 minus this share keep them together).
pub const FRAGILE_PCT: f64 = 10.0;

/// Share of draws in which a pair shares a network, percent.
pub fn together_pct(e: &Ensemble, p: &Pairing) -> f64 {
    100.0 * p.together as f64 / e.draws.max(1) as f64
}

/// A plan boundary drawn on the map: the border between two campuses the plan puts apart, and the share
/// of valid plans that also put them apart.
pub struct Firm {
    pub border: Border,
    pub kept_pct: f64,
}

/// Names a campus by its schools.
fn campus_name(e: &Ensemble, table: &SchoolTable, c: usize) -> String {
    e.campus_schools[c]
        .iter()
        .map(|&s| table.schools[s].name.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn campus_ids(e: &Ensemble, table: &SchoolTable, c: usize) -> String {
    e.campus_schools[c]
        .iter()
        .map(|&s| table.schools[s].id.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn network_of(e: &Ensemble, c: usize) -> &str {
    &e.ids[e.school_network[e.campus_schools[c][0]]]
}

/// The fragile pairings: together in the plan and in under [`FRAGILE_PCT`]% of valid plans, or apart
/// and together in over 100 − that, least kept first.
pub fn fragile(e: &Ensemble) -> Vec<&Pairing> {
    let mut out: Vec<&Pairing> = e
        .pairings
        .iter()
        .filter(|p| {
            let t = together_pct(e, p);
            if p.together_in_plan {
                t < FRAGILE_PCT
            } else {
                t > 100.0 - FRAGILE_PCT
            }
        })
        .collect();
    let kept = |p: &Pairing| {
        let t = together_pct(e, p);
        if p.together_in_plan {
            t
        } else {
            100.0 - t
        }
    };
    out.sort_by(|a, b| {
        kept(a)
            .total_cmp(&kept(b))
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    out
}

/// "more compact than 97% of the valid plans" from a percentile (percent of draws below the plan).
fn standing(f: &FigureDraws) -> String {
    match f.percentile() {
        None => "no value".into(),
        Some(p) => {
            let better = 100.0 - p;
            if p < 5.0 {
                format!("{} than {:.0}% of valid plans", f.figure.lower, better)
            } else if p > 95.0 {
                format!(
                    "less {} than {:.0}% of valid plans",
                    strip_more(f.figure.lower),
                    p
                )
            } else {
                format!("typical ({:.0}th percentile)", p)
            }
        }
    }
}

fn strip_more(s: &str) -> &str {
    s.strip_prefix("more ")
        .or_else(|| s.strip_prefix("less "))
        .unwrap_or(s)
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "–".into(),
        Some(v) if unit == "km²" => thousands(round(v, 0)),
        Some(v) => format!("{:.1}", v),
    }
}

/// The sections of `ensemble.md` and `ensemble.html`.
pub fn sections(e: &Ensemble, table: &SchoolTable, from: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let o = &e.options;
    let mut what = Section::new("What was drawn");
    what.paragraph(format!(
        "{} valid plans drawn from {} by {} Markov chains ({} proposals in all; {} accepted: {} of {} merge-splits and {} of {} single-school flips). Each chain starts from the plan; the first {:.0}% of its proposals are warm-up and not counted, then {} draws are kept at even spacing.",
        thousands(e.draws as f64),
        from,
        o.chains,
        thousands(e.counts.proposals as f64),
        thousands(e.counts.accepted as f64),
        thousands(e.counts.merge_splits_accepted as f64),
        thousands(e.counts.merge_splits as f64),
        thousands(e.counts.flips_accepted as f64),
        thousands(e.counts.flips as f64),
        100.0 * o.warmup,
        thousands((e.draws / o.chains as u64) as f64),
    ));
    what.note(format!(
        "Comparable plans only: every plan drawn is at most {}% less compact than this plan (compactness at most {} km², the plan's {} km²). An unrestricted ensemble is dominated by sprawling plans, against which any optimised plan looks like an outlier.",
        o.slack_pct,
        thousands(round(e.max_sse, 0)),
        thousands(round(e.plan_sse, 0)),
    ));
    what.paragraph(format!(
        "Every plan drawn keeps every rule of the plan's scenario on each network (sizes, enrollment band, high and middle schools, balance rules, forecast years), keeps each network one connected piece, keeps campuses (and, in feeder mode, pathways) whole, keeps the pins and crosses no barrier. Plans are drawn in proportion to the number of ways each network can be connected (the product of its networks' spanning-tree counts, the measure redistricting ensembles use), which favours compact, simply shaped networks.{}",
        if e.not_kept.is_empty() {
            String::new()
        } else {
            format!(
                " Not kept: {} (support regions are drawn over the networks afterwards).",
                e.not_kept.iter().map(|k| crate::rules::title(k)).collect::<Vec<_>>().join(", ")
            )
        }
    ));
    out.push(what);

    let mut fall = Section::new("Where the plan falls");
    let mut t = Table::new(
        "",
        &[
            "Figure",
            "This plan",
            "Valid plans: median",
            "5th-95th percentile",
            "Standing",
            "R-hat",
            "Effective draws",
        ],
    );
    for f in &e.figures {
        let all = f.all();
        let q = |x| (!all.is_empty()).then(|| crate::ensemble::stats::quantile(&all, x));
        let unit = if f.figure.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", f.figure.unit)
        };
        t.row(vec![
            Cell::text(format!("{}{unit}", f.figure.title)),
            Cell::num(fmt(f.plan, f.figure.unit)),
            Cell::num(fmt(q(0.5), f.figure.unit)),
            Cell::num(format!(
                "{} to {}",
                fmt(q(0.05), f.figure.unit),
                fmt(q(0.95), f.figure.unit)
            )),
            Cell::text(standing(f)),
            Cell::num(f.rhat().map_or("–".into(), |r| format!("{r:.3}"))),
            Cell::num(f.ess().map_or("–".into(), |r| thousands(round(r, 0)))),
        ]);
    }
    fall.table(t);
    fall.paragraph("Lower is better for every figure. A plan optimised for compactness is expected to be more compact than most valid plans; the balance figures say whether the rules alone would have given as even a plan.".to_string());
    let unmixed: Vec<String> = e
        .figures
        .iter()
        .filter(|f| f.rhat().is_some_and(|r| r > RHAT_WARN))
        .map(|f| format!("{} ({:.3})", f.figure.title, f.rhat().unwrap_or(f64::NAN)))
        .collect();
    if !unmixed.is_empty() {
        fall.note(format!(
            "The chains have not agreed on {} (R-hat above {RHAT_WARN}): their percentiles are not yet reliable. Give more proposals (--proposals).",
            unmixed.join(", ")
        ));
    }
    out.push(fall);

    let boundaries: Vec<&Pairing> = e
        .pairings
        .iter()
        .filter(|p| p.neighbours && !p.together_in_plan)
        .collect();
    let firm = boundaries
        .iter()
        .filter(|p| 100.0 - together_pct(e, p) >= 90.0)
        .count();
    let soft = boundaries
        .iter()
        .filter(|p| 100.0 - together_pct(e, p) < 50.0)
        .count();
    let mut b = Section::new("Which boundaries are firm");
    b.paragraph(format!(
        "The plan's boundaries run between {} pairs of neighbouring campuses. {} of them are kept (the two campuses in different networks) in at least 90% of valid plans: firm. {} are kept in fewer than half: there the rules would as readily draw the line elsewhere. The map shows each.",
        thousands(boundaries.len() as f64),
        thousands(firm as f64),
        thousands(soft as f64),
    ));
    let fr = fragile(e);
    let mut t = Table::new(
        format!(
            "Fragile pairings ({}): together in the plan but in under {FRAGILE_PCT:.0}% of valid plans, or apart but together in over {:.0}% (all in fragile-pairings.csv)",
            fr.len(),
            100.0 - FRAGILE_PCT
        ),
        &["Campus", "Network", "With campus", "Network", "In the plan", "Valid plans with them together"],
    );
    for p in fr.iter().take(25) {
        t.row(vec![
            Cell::text(campus_name(e, table, p.a)),
            Cell::text(network_of(e, p.a)),
            Cell::text(campus_name(e, table, p.b)),
            Cell::text(network_of(e, p.b)),
            Cell::text(if p.together_in_plan {
                "together"
            } else {
                "apart"
            }),
            Cell::num(format!("{:.1}%", together_pct(e, p))),
        ]);
    }
    b.table(t);
    out.push(b);
    out
}

/// fragile-pairings.csv: every fragile pairing, by campus, least kept first.
pub fn fragile_csv(e: &Ensemble, table: &SchoolTable) -> Vec<u8> {
    let mut t = Table::new(
        "",
        &[
            "school_ids_a",
            "schools_a",
            "network_a",
            "school_ids_b",
            "schools_b",
            "network_b",
            "in_plan",
            "together_pct",
            "neighbours",
        ],
    );
    for p in fragile(e) {
        t.row(vec![
            Cell::text(campus_ids(e, table, p.a)),
            Cell::text(campus_name(e, table, p.a)),
            Cell::text(network_of(e, p.a)),
            Cell::text(campus_ids(e, table, p.b)),
            Cell::text(campus_name(e, table, p.b)),
            Cell::text(network_of(e, p.b)),
            Cell::text(if p.together_in_plan {
                "together"
            } else {
                "apart"
            }),
            Cell::num(format!("{:.1}", together_pct(e, p))),
            Cell::text(if p.neighbours { "yes" } else { "no" }),
        ]);
    }
    model::csv(&t)
}

/// samples.csv: one row per draw (chain, draw, then each figure).
pub fn samples_csv(e: &Ensemble) -> Vec<u8> {
    let mut header = vec!["chain".to_string(), "draw".to_string()];
    header.extend(e.figures.iter().map(|f| f.figure.key.clone()));
    let mut out = header.join(",");
    out.push('\n');
    for c in 0..e.options.chains {
        let n = e.figures.first().map_or(0, |f| f.chains[c].len());
        for i in 0..n {
            let _ = write!(out, "{},{}", c + 1, i + 1);
            for f in &e.figures {
                let _ = write!(
                    out,
                    ",{}",
                    f.chains[c]
                        .get(i)
                        .map_or(String::new(), |v| round(*v, 3).to_string())
                );
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// firmness.geojson: each plan boundary between two campuses as lines, with the share of valid plans
/// that keep it.
pub fn firmness_geojson(e: &Ensemble, table: &SchoolTable, firm: &[Firm]) -> String {
    let features: Vec<serde_json::Value> = firm
        .iter()
        .map(|f| {
            let (a, b) = (f.border.a, f.border.b);
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "schools_a": campus_name(e, table, a),
                    "network_a": network_of(e, a),
                    "schools_b": campus_name(e, table, b),
                    "network_b": network_of(e, b),
                    "kept_pct": round(f.kept_pct, 1),
                },
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": f.border.lines,
                }
            })
        })
        .collect();
    let fc = serde_json::json!({ "type": "FeatureCollection", "features": features });
    let mut s = serde_json::to_string_pretty(&fc).unwrap_or_default();
    s.push('\n');
    s
}

/// The colour and width of a boundary kept in `kept` percent of valid plans.
fn firm_style(kept: f64) -> (&'static str, f64) {
    if kept >= 90.0 {
        ("#1a237e", 2.2)
    } else if kept >= 50.0 {
        ("#ef8f00", 2.6)
    } else {
        ("#d50000", 3.0)
    }
}

/// The firmness map: the plan's territories in light grey, each boundary drawn by how often valid plans
/// keep it. Longitude is scaled by the cosine of the mean latitude.
pub fn firmness_svg(
    territories: &Territories,
    firm: &[Firm],
    e: &Ensemble,
    table: &SchoolTable,
) -> String {
    let mut pts: Vec<[f64; 2]> = Vec::new();
    for m in &territories.networks {
        for p in &m.0 {
            pts.extend(p.exterior().0.iter().map(|c| [c.x, c.y]));
        }
    }
    for f in firm {
        for l in &f.border.lines {
            pts.extend(l.iter().copied());
        }
    }
    if pts.is_empty() {
        return String::new();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pts {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos();
    let w = 900.0;
    let scale = w / ((x1 - x0) * k).max(1e-9);
    let h = ((y1 - y0) * scale).ceil();
    let xy = |p: [f64; 2]| ((p[0] - x0) * k * scale, (y1 - p[1]) * scale);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-10 -10 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"Boundary firmness\">",
        w + 20.0,
        h + 20.0,
        w + 20.0,
        h + 20.0
    );
    for (c, m) in territories.networks.iter().enumerate() {
        let mut d = String::new();
        for p in &m.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for (i, c) in ring.0.iter().enumerate() {
                    let (x, y) = xy([c.x, c.y]);
                    let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
                }
                d.push('Z');
            }
        }
        let _ = write!(
            s,
            "<path d=\"{d}\" fill=\"#eceff1\" stroke=\"#b0bec5\" stroke-width=\"0.6\" fill-rule=\"evenodd\" data-tip=\"{}\"><title>{}</title></path>",
            esc(&e.ids[c]),
            esc(&e.ids[c])
        );
    }
    for f in firm {
        let (colour, width) = firm_style(f.kept_pct);
        let tip = format!(
            "{} ({}) | {} ({}): apart in {:.0}% of valid plans",
            campus_name(e, table, f.border.a),
            network_of(e, f.border.a),
            campus_name(e, table, f.border.b),
            network_of(e, f.border.b),
            f.kept_pct
        );
        for l in &f.border.lines {
            let mut d = String::new();
            for (i, p) in l.iter().enumerate() {
                let (x, y) = xy(*p);
                let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
            }
            let _ = write!(
                s,
                "<path d=\"{d}\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-linecap=\"round\" fill=\"none\" data-tip=\"{t}\"><title>{t}</title></path>",
                t = esc(&tip)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A histogram of one figure's draws with the plan's value (and other designs') marked.
pub fn histogram_svg(f: &FigureDraws, marks: &[(String, f64)]) -> String {
    let all = f.all();
    let (w, h, pad) = (420.0, 150.0, 28.0);
    let mut values: Vec<f64> = all.clone();
    values.extend(f.plan);
    values.extend(marks.iter().map(|m| m.1));
    if values.is_empty() {
        return String::new();
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let bins = 24;
    let counts = crate::ensemble::stats::histogram(&all, lo, hi, bins);
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let x = |v: f64| pad + (v - lo) / (hi - lo) * (w - 2.0 * pad);
    let bw = (w - 2.0 * pad) / bins as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(&f.figure.title)
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = (h - 2.0 * pad) * c as f64 / top;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#90a4ae\"><title>{c} plans</title></rect>",
            pad + i as f64 * bw + 0.5,
            h - pad - bh,
            (bw - 1.0).max(0.5),
            bh
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#555\"/><text x=\"{pad}\" y=\"{ty}\" font-size=\"11\" fill=\"#333\">{}</text><text x=\"{x2}\" y=\"{ty}\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\">{}</text>",
        fmt(Some(lo), f.figure.unit),
        fmt(Some(hi), f.figure.unit),
        y = h - pad,
        x2 = w - pad,
        ty = h - pad + 14.0
    );
    let mut mark = |v: f64, label: &str, colour: &str, row: f64| {
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{y0}\" x2=\"{x:.1}\" y2=\"{y1}\" stroke=\"{colour}\" stroke-width=\"2.5\"/><text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\" font-weight=\"bold\" fill=\"{colour}\" text-anchor=\"middle\">{}</text>",
            esc(label),
            x = x(v),
            y0 = pad - 4.0,
            y1 = h - pad,
            tx = x(v).clamp(pad + 30.0, w - pad - 30.0),
            ty = 12.0 + 13.0 * row
        );
    };
    if let Some(v) = f.plan {
        mark(v, "this plan", "#c62828", 0.0);
    }
    for (i, (label, v)) in marks.iter().enumerate() {
        mark(*v, label, "#1565c0", 1.0 + i as f64);
    }
    s.push_str("</svg>");
    s
}

/// ensemble.html: the sections, each figure's histogram and the firmness map, every asset inline.
pub fn page(
    e: &Ensemble,
    table: &SchoolTable,
    from: &str,
    title: &str,
    date: &str,
    firmness_map: &str,
    marks: &[(String, Vec<(String, f64)>)],
) -> String {
    let secs = sections(e, table, from);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p class=\"verdict\">Comparable plans only: at most {}% less compact than the plan. Every percentile on this page is among those.</p>",
        e.options.slack_pct
    );
    body.push_str(&model::html(&secs[..2], 2));
    body.push_str("<section id=\"histograms\"><h2>Each figure among the valid plans</h2>\n<div style=\"display:flex;flex-wrap:wrap;gap:1em\">\n");
    for f in &e.figures {
        let m = marks
            .iter()
            .find(|(k, _)| *k == f.figure.key)
            .map_or(&[][..], |(_, v)| v.as_slice());
        let _ = writeln!(
            body,
            "<figure class=\"map\" style=\"margin:0\">{}<figcaption>{}{}: {}</figcaption></figure>",
            histogram_svg(f, m),
            esc(&f.figure.title),
            if f.figure.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(f.figure.unit))
            },
            esc(&standing(f))
        );
    }
    body.push_str("</div></section>\n");
    body.push_str("<section id=\"firmness\">\n");
    body.push_str(&model::html(&secs[2..], 2));
    if !firmness_map.is_empty() {
        body.push_str(&html::figure(
            firmness_map,
            "Each boundary of the plan, by the share of valid plans that keep it: <b style=\"color:#1a237e\">dark blue</b> at least 90% (firm), <b style=\"color:#ef8f00\">orange</b> 50-90%, <b style=\"color:#d50000\">red</b> under 50%. Point at a boundary for its two campuses.",
        ));
    }
    body.push_str("</section>\n");
    html::shell(
        title,
        &format!(
            "{date} · comparable plans only (at most {}% less compact)",
            e.options.slack_pct
        ),
        &body,
    )
}
