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

/// "1st", "2nd", "3rd", "11th", "72nd".
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A share of plans in words: "97%", "more than 99%", "all".
fn share(pct: f64) -> String {
    if pct >= 100.0 {
        "all".into()
    } else if pct > 99.0 {
        "more than 99%".into()
    } else if pct < 1.0 && pct > 0.0 {
        "under 1%".into()
    } else {
        format!("{pct:.0}%")
    }
}

/// Where a figure of the plan stands among the draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Better (lower) than 95% of valid plans.
    Better,
    /// Worse (higher) than 95% of them.
    Worse,
    /// Between.
    Typical,
    /// Most valid plans have exactly this value (a rule's limit).
    Shared,
    /// No value.
    None,
}

/// The standing of the plan's value of `f`, and it in words.
pub fn standing(f: &FigureDraws) -> (Standing, String) {
    let all = f.all();
    let (Some(v), Some(p)) = (f.plan, f.percentile()) else {
        return (Standing::None, "no value".into());
    };
    let ties = 100.0 * all.iter().filter(|&&d| d == v).count() as f64 / all.len().max(1) as f64;
    let below = 100.0 * all.iter().filter(|&&d| d < v).count() as f64 / all.len().max(1) as f64;
    let above = 100.0 - below - ties;
    if ties >= 50.0 {
        (
            Standing::Shared,
            format!("the same as {} of valid plans", share(ties)),
        )
    } else if p < 5.0 {
        (
            Standing::Better,
            format!("{} than {} of valid plans", f.figure.lower, share(above)),
        )
    } else if p > 95.0 {
        (
            Standing::Worse,
            format!("{} than {} of valid plans", f.figure.higher, share(below)),
        )
    } else {
        (
            Standing::Typical,
            format!("typical ({} percentile)", ordinal(p.round() as u32)),
        )
    }
}

/// Whether the chains agree on a figure (R-hat at most [`RHAT_WARN`]).
pub fn reliable(f: &FigureDraws) -> bool {
    f.rhat().is_none_or(|r| r <= RHAT_WARN)
}

/// A figure's value for people: thousands separated, one decimal below 1,000.
pub fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v.abs() >= 1000.0 => thousands(round(v, 0)),
        Some(v) => format!("{v:.1}"),
    }
}

/// A figure's title with its unit: "Compactness: …, km²".
fn titled(f: &crate::ensemble::figures::Figure) -> String {
    if f.unit.is_empty() {
        f.title.clone()
    } else {
        format!("{}, {}", f.title, f.unit)
    }
}

/// The answer to the page's question, in a few sentences.
pub fn verdict(e: &Ensemble) -> String {
    let mut typical = Vec::new();
    let mut better = Vec::new();
    let mut worse = Vec::new();
    let mut shared = Vec::new();
    let mut unsure = Vec::new();
    for f in &e.figures {
        let name = f.figure.short.clone();
        if !reliable(f) {
            unsure.push(name);
            continue;
        }
        match standing(f).0 {
            Standing::Typical => typical.push(name),
            Standing::Better => better.push(name),
            Standing::Worse => worse.push(name),
            Standing::Shared => shared.push(name),
            Standing::None => {}
        }
    }
    let list = |v: &[String]| crate::text::and_list(v);
    let mut out = Vec::new();
    if !better.is_empty() {
        out.push(format!(
            "The plan is better than at least 95% of the valid plans on {}.",
            list(&better)
        ));
    }
    if !worse.is_empty() {
        out.push(format!(
            "It is worse than at least 95% of them on {}.",
            list(&worse)
        ));
    }
    if !typical.is_empty() {
        out.push(format!("It is typical of them on {}.", list(&typical)));
    }
    if !shared.is_empty() {
        out.push(format!(
            "On {} most valid plans have exactly the plan's value (a rule's limit).",
            list(&shared)
        ));
    }
    if !unsure.is_empty() {
        out.push(format!(
            "Not yet reliable ({} figure{}: the chains still disagree; run again with more --proposals): {}.",
            unsure.len(),
            if unsure.len() == 1 { "" } else { "s" },
            list(&unsure)
        ));
    }
    out.join(" ")
}

/// The sections of `ensemble.md` and `ensemble.html`.
pub fn sections(e: &Ensemble, table: &SchoolTable, from: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let o = &e.options;
    let mut answer = Section::new("Is this plan typical?");
    answer.paragraph(verdict(e));
    if let Some(c) = e.figures.iter().find(|f| f.figure.key == "compactness_km2") {
        let all = c.all();
        if !all.is_empty() {
            answer.note(format!(
                "Compactness sets the range: valid plans may be at most {}% less compact than this one, and most of them sit near that limit (median {} km², this plan {} km²). A plan drawn to be compact is expected to be more compact than the valid plans around it; the other figures say whether the rules alone would have given as balanced a plan.",
                o.slack_pct,
                fmt_value(Some(crate::ensemble::stats::quantile(&all, 0.5))),
                fmt_value(c.plan),
            ));
        }
    }
    out.push(answer);
    let mut what = Section::new("What was drawn");
    what.paragraph(format!(
        "{} valid plans drawn around {} by {} independent random walks (Markov chains) ({} proposals in all; {} accepted: {} of {} merge-splits and {} of {} single-school flips). Each chain starts from the plan; the first {:.0}% of its proposals are warm-up and not counted, then {} draws are kept at even spacing.",
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
            "Figure (lower is better)",
            "This plan",
            "Valid plans: median",
            "Middle 90% of valid plans",
            "Where the plan stands",
            "Chains agree (R-hat ≤ 1.05)",
            "Effective draws",
        ],
    );
    for f in &e.figures {
        let all = f.all();
        let q = |x| (!all.is_empty()).then(|| crate::ensemble::stats::quantile(&all, x));
        let (_, words) = standing(f);
        t.row(vec![
            Cell::text(titled(&f.figure)),
            Cell::num(fmt_value(f.plan)),
            Cell::num(fmt_value(q(0.5))),
            Cell::num(format!("{} to {}", fmt_value(q(0.05)), fmt_value(q(0.95)))),
            Cell::text(if reliable(f) {
                words
            } else {
                format!("{words}; not reliable yet")
            }),
            Cell::num(f.rhat().map_or("–".into(), |r| {
                format!(
                    "{} ({r:.2})",
                    if r <= RHAT_WARN { "yes" } else { "not yet" }
                )
            })),
            Cell::num(f.ess().map_or("–".into(), |r| thousands(round(r, 0)))),
        ]);
    }
    fall.table(t);
    fall.paragraph("Lower is better for every figure. \"Where the plan stands\": better or worse than at least 95% of valid plans, else typical, with its percentile (the share of valid plans below it). R-hat compares the independent chains: near 1 they agree; above 1.05 the figure's standing is not reliable yet. Effective draws: how many independent plans the correlated draws are worth.".to_string());
    let unmixed: Vec<String> = e
        .figures
        .iter()
        .filter(|f| f.rhat().is_some_and(|r| r > RHAT_WARN))
        .map(|f| f.figure.short.clone())
        .collect();
    if !unmixed.is_empty() {
        fall.note(format!(
            "{} of {} figures are not reliable yet (R-hat above {RHAT_WARN}: the chains still disagree): run again with more --proposals, for example four times as many.",
            unmixed.len(),
            e.figures.len()
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
        "The plan's boundaries run between {} pairs of neighbouring campuses. {} of them are kept (the two campuses in different networks) in at least 90% of valid plans: firm. {} are kept in fewer than half: there the rules would as readily draw the line elsewhere, so the plan's choice there is a choice, not a consequence of the rules. The map draws each boundary where the two campuses' areas meet.",
        thousands(boundaries.len() as f64),
        thousands(firm as f64),
        thousands(soft as f64),
    ));
    let all_fragile = fragile(e);
    let fr: Vec<&Pairing> = all_fragile
        .iter()
        .copied()
        .filter(|p| p.neighbours)
        .collect();
    let mut t = Table::new(
        format!(
            "Fragile pairings of neighbouring campuses ({}): together in the plan but in under {FRAGILE_PCT:.0}% of valid plans, or apart in the plan but together in over {:.0}% ({} pairs in all, neighbours or not, in fragile-pairings.csv)",
            fr.len(),
            100.0 - FRAGILE_PCT,
            all_fragile.len()
        ),
        &["Campus", "Its network", "Neighbouring campus", "Its network", "In the plan", "Valid plans with them together"],
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

/// The colour, width and dash of a boundary kept in `kept` percent of valid plans (Okabe-Ito blue and
/// orange, and vermillion dashed, so the three differ without colour too).
fn firm_style(kept: f64) -> (&'static str, f64, &'static str) {
    if kept >= 90.0 {
        ("#0b3d91", 2.4, "none")
    } else if kept >= 50.0 {
        ("#e69f00", 2.6, "none")
    } else {
        ("#d55e00", 2.6, "5 3")
    }
}

/// The firmness map: the plan's territories in light grey with their network ids, each boundary drawn by
/// how often valid plans keep it. The frame holds the campuses (a far piece of the outline is cut off).
/// Longitude is scaled by the cosine of the mean latitude.
pub fn firmness_svg(
    territories: &Territories,
    firm: &[Firm],
    e: &Ensemble,
    table: &SchoolTable,
) -> String {
    let mut pts: Vec<[f64; 2]> = e.campus_positions.iter().map(|p| [p[1], p[0]]).collect();
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
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-20 -20 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"Boundary firmness\" style=\"overflow:hidden\">",
        w + 40.0,
        h + 40.0,
        w + 40.0,
        h + 40.0
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
        let (colour, width, dash) = firm_style(f.kept_pct);
        let tip = format!(
            "{} ({}) | {} ({}): kept apart in {:.0}% of valid plans",
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
            // A wide transparent line under each boundary makes short ones easy to point at.
            let _ = write!(
                s,
                "<g data-tip=\"{t}\"><title>{t}</title><path d=\"{d}\" stroke=\"transparent\" stroke-width=\"10\" fill=\"none\"/><path d=\"{d}\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\" stroke-linecap=\"round\" fill=\"none\"/></g>",
                t = esc(&tip)
            );
        }
    }
    // Network ids at the mean of each network's campuses.
    let mut sum = vec![(0.0, 0.0, 0usize); e.ids.len()];
    for (c, p) in e.campus_positions.iter().enumerate() {
        let n = e.school_network[e.campus_schools[c][0]];
        sum[n].0 += p[1];
        sum[n].1 += p[0];
        sum[n].2 += 1;
    }
    for (n, (lon, lat, count)) in sum.iter().enumerate() {
        if *count > 0 {
            let (x, y) = xy([lon / *count as f64, lat / *count as f64]);
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"15\" font-weight=\"bold\" fill=\"#37474f\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                esc(&e.ids[n])
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A histogram of one figure's draws with the plan's value, the median, and other designs' values marked
/// (a design outside the draws' range is marked at the edge, with an arrow and its value).
pub fn histogram_svg(f: &FigureDraws, marks: &[(String, f64)]) -> String {
    let all = f.all();
    let (w, h, pad) = (440.0, 170.0, 30.0);
    let mut values: Vec<f64> = all.clone();
    values.extend(f.plan);
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
    let x = |v: f64| pad + (v.clamp(lo, hi) - lo) / (hi - lo) * (w - 2.0 * pad);
    let bw = (w - 2.0 * pad) / bins as f64;
    let base = h - pad;
    let unit = if f.figure.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", f.figure.unit)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(&f.figure.title)
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = (h - 3.2 * pad) * c as f64 / top;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#90a4ae\"><title>{} plan{}</title></rect>",
            pad + i as f64 * bw + 0.5,
            base - bh,
            (bw - 1.0).max(0.5),
            bh,
            thousands(c as f64),
            if c == 1 { "" } else { "s" }
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\" stroke=\"#555\"/><text x=\"{pad}\" y=\"{ty}\" font-size=\"11\" fill=\"#333\">{}{unit}</text><text x=\"{x2}\" y=\"{ty}\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\">{}{unit}</text>",
        fmt_value(Some(lo)),
        fmt_value(Some(hi)),
        x2 = w - pad,
        ty = base + 14.0
    );
    if !all.is_empty() {
        let m = crate::ensemble::stats::quantile(&all, 0.5);
        let _ = write!(
            s,
            "<line x1=\"{mx:.1}\" y1=\"{y0}\" x2=\"{mx:.1}\" y2=\"{base}\" stroke=\"#37474f\" stroke-dasharray=\"3 2\"/><text x=\"{mx:.1}\" y=\"{ty}\" font-size=\"10\" fill=\"#37474f\" text-anchor=\"middle\">median</text>",
            mx = x(m),
            y0 = 2.2 * pad,
            ty = base + 25.0
        );
    }
    let mut mark = |v: f64, label: &str, colour: &str, row: f64| {
        let off = if v < lo {
            "← "
        } else if v > hi {
            "→ "
        } else {
            ""
        };
        let text = format!("{off}{label} {}", fmt_value(Some(v)));
        let anchor = if x(v) < w / 3.0 {
            "start"
        } else if x(v) > 2.0 * w / 3.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            s,
            "<line x1=\"{xv:.1}\" y1=\"{y0}\" x2=\"{xv:.1}\" y2=\"{base}\" stroke=\"{colour}\" stroke-width=\"2.5\"/><text x=\"{xv:.1}\" y=\"{ty}\" font-size=\"12\" font-weight=\"bold\" fill=\"{colour}\" text-anchor=\"{anchor}\">{}</text>",
            esc(&text),
            xv = x(v),
            y0 = 14.0 + 14.0 * row,
            ty = 12.0 + 14.0 * row
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
        "<p class=\"verdict\">Comparable plans only: every valid plan drawn is at most {}% less compact than this plan. Every percentile on this page is among those.</p>",
        e.options.slack_pct
    );
    body.push_str(&model::html(&secs[..3], 2));
    body.push_str("<section id=\"histograms\"><h2>Each figure among the valid plans</h2>\n");
    let _ = writeln!(
        body,
        "<p>Grey bars: how many valid plans have each value; dashed line: their median. <b style=\"color:#c62828\">Red</b>: this plan.{}</p>",
        if marks.iter().any(|(_, v)| !v.is_empty()) {
            " <b style=\"color:#1565c0\">Blue</b>: another design given with --mark, measured the same way (it need not keep this plan's rules or number of networks; an arrow marks a value beyond the valid plans' range)."
        } else {
            ""
        }
    );
    body.push_str("<div style=\"display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:1em\">\n");
    for f in &e.figures {
        let m = marks
            .iter()
            .find(|(k, _)| *k == f.figure.key)
            .map_or(&[][..], |(_, v)| v.as_slice());
        let _ = writeln!(
            body,
            "<figure class=\"map\" style=\"margin:0\">{}<figcaption>{}: {}</figcaption></figure>",
            histogram_svg(f, m),
            esc(&titled(&f.figure)),
            esc(&if reliable(f) {
                standing(f).1
            } else {
                format!("{}; not reliable yet", standing(f).1)
            })
        );
    }
    body.push_str("</div></section>\n");
    body.push_str("<section id=\"firmness\">\n");
    body.push_str(&model::html(&secs[3..], 2));
    if !firmness_map.is_empty() {
        body.push_str(&html::figure(
            firmness_map,
            "Each boundary of the plan, by the share of valid plans that keep it (its two campuses in different networks): <b style=\"color:#0b3d91\">dark blue</b> at least 90% (firm), <b style=\"color:#e69f00\">orange</b> 50-90%, <b style=\"color:#d55e00\">dashed vermillion</b> under 50%. Point at a boundary for its two campuses.",
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
