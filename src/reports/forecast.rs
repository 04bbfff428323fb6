//! What a forecast's report says (`schoolnets forecast`: forecast.md and backtest.csv), and a plan's
//! enrollment outlook (its report section, and the chart of each network's share of the mean).

use super::model::{self, Cell, Section, Table};
use crate::forecast::{Backtest, Forecast, Method};
use crate::plan_file::Outlook;
use crate::schools::SchoolTable;
use crate::text::{fmt_num, thousands};

/// forecast.md.
pub fn markdown(
    f: &Forecast,
    table: &SchoolTable,
    sources: &[String],
    outlook: Option<&Outlook>,
) -> String {
    let mut out = format!(
        "# Enrollment forecast: {} to {}\n\n",
        f.years.first().map_or("", String::as_str),
        f.years.last().map_or("", String::as_str)
    );
    out.push_str(&model::markdown(&sections(f, table, sources, outlook), 2));
    out
}

/// The sections of a forecast's report.
pub fn sections(
    f: &Forecast,
    table: &SchoolTable,
    sources: &[String],
    outlook: Option<&Outlook>,
) -> Vec<Section> {
    let mut out = Vec::new();
    let mut top = Section::new("");
    top.paragraph(format!(
        "{} of {} ({}), forecast {} ahead by {}: chosen as {}.",
        crate::text::count(table.schools.len() as f64, "schools"),
        f.base_year,
        table.source,
        crate::text::count(f.years.len() as f64, "years"),
        f.method.describe(),
        f.why
    ));
    for n in &f.notes {
        top.note(n.clone());
    }
    let mut t = Table::new(
        "District students",
        &["School year", "Students", "Low (80%)", "High (80%)"],
    );
    t.row(vec![
        Cell::text(format!("{} (the table)", f.base_year)),
        Cell::num(thousands(table.total_enrollment() as f64)),
        Cell::text(""),
        Cell::text(""),
    ]);
    for (h, y) in f.years.iter().enumerate() {
        let sum = |v: &[Vec<f64>]| v.iter().map(|s| s[h]).sum::<f64>();
        t.row(vec![
            Cell::text(y.clone()),
            Cell::num(thousands(sum(&f.enrollment))),
            Cell::num(thousands(sum(&f.low))),
            Cell::num(thousands(sum(&f.high))),
        ]);
    }
    top.table(t);
    if !f.margin.is_empty() {
        let each: Vec<String> = f
            .years
            .iter()
            .zip(&f.margin)
            .enumerate()
            .map(|(h, (y, m))| {
                let unit = if h == 0 {
                    " points of the year's mean"
                } else {
                    ""
                };
                format!("{}{unit} in {y}", fmt_num(*m, 2))
            })
            .collect();
        top.paragraph(format!(
            "A plan that holds for these years (`plan --horizon {}`) narrows its enrollment band by {} (three spreads of the network share error measured below).",
            f.years.len(),
            crate::text::and_list(&each)
        ));
    }
    top.paragraph("Each school's forecast and its 80% interval are in forecast.csv. The interval is the backtest's own spread of actual over forecast (10th to 90th percentile) at that horizon; summed over schools it is wider than the district's own uncertainty, since schools' errors partly cancel.");
    out.push(top);
    out.push(backtest_section(
        "Backtest: what was known",
        &f.backtest,
        "Forecasts from each year of the history up to the base year, using only the years before, scored against what happened. This chose the method and sizes the intervals and the margins of plans that hold for years.",
    ));
    if let Some(h) = &f.hindsight {
        out.push(backtest_section(
            "Backtest on the whole history",
            h,
            "The same, with every year the history has: years after the base year serve only as what happened (no forecast of the base year used them).",
        ));
    }
    if let Some(o) = outlook {
        out.push(outlook_section(o));
    }
    let changes = |title: &str, list: &[crate::forecast::Change], what: &str| {
        let mut s = Section::new(title);
        if list.is_empty() {
            s.paragraph(format!("None {what}."));
        } else {
            let mut t = Table::new("", &["School", "Id", "Year"]);
            t.collapsed = list.len() > 20;
            for c in list {
                t.row(vec![
                    Cell::text(&c.name),
                    Cell::text(&c.id),
                    Cell::text(&c.year),
                ]);
            }
            s.table(t);
        }
        s
    };
    out.push(changes(
        "Schools that opened inside the history (first year)",
        &f.opened,
        "opened",
    ));
    out.push(changes(
        "Schools that closed inside the history (last year)",
        &f.closed,
        "closed",
    ));
    let mut how = Section::new("How to read this");
    how.bullets(vec![
        "School error: students a forecast was off by, summed over schools open in both years, in percent of their students.".into(),
        "Network error: each network's students off, in percent of its students, averaged over networks and years (new schools of the years ahead are not forecast, so they count against every method alike).".into(),
        "Share error: how far a network's share of the mean network was off, in percentage points: what an enrollment band of ±10% sees. Its spread is the root-mean-square; `plan --horizon` narrows the band in each forecast year by three spreads of the backtest on what was known (widened with √years beyond the years it could score), unless the scenario sets a margin.".into(),
        "Persistence (next year as this year) and the district ratio (every school changes as the district did) are baselines anyone can compute; a method earns its place by beating them. Their share errors are the same: scaling every school alike leaves each network's share of the mean unchanged.".into(),
    ]);
    out.push(how);
    let mut src = Section::new("Data");
    src.bullets(
        sources
            .iter()
            .map(|s| format!("history: {s}"))
            .chain([format!("schools: {}", table.source)])
            .collect(),
    );
    out.push(src);
    out
}

fn backtest_section(title: &str, b: &Backtest, intro: &str) -> Section {
    let mut s = Section::new(title);
    s.paragraph(format!(
        "{intro} Years {} to {}; networks: {}.",
        b.years.first().map_or("", String::as_str),
        b.years.last().map_or("", String::as_str),
        b.groups
    ));
    if b.scores.is_empty() {
        s.note("No forecast could be scored: the history needs three years or more (two before the year scored).");
        return s;
    }
    let mut t = Table::new(
        "",
        &[
            "Method",
            "Years ahead",
            "Forecasts scored",
            "School error %",
            "Network error %",
            "Share error, mean (points)",
            "Share error, spread (points)",
            "Share error, largest (points)",
        ],
    );
    for sc in &b.scores {
        t.row(vec![
            Cell::text(match sc.method {
                Method::Persistence | Method::DistrictRatio => {
                    format!("{} (baseline)", sc.method.key())
                }
                m => m.key().to_string(),
            }),
            Cell::num(sc.horizon.to_string()),
            Cell::num(sc.origins.to_string()),
            Cell::num(fmt_num(sc.school_error_pct, 2)),
            Cell::num(fmt_num(sc.network_error_pct, 2)),
            Cell::num(fmt_num(sc.share_error_mean, 2)),
            Cell::num(fmt_num(sc.share_error_rms, 2)),
            Cell::num(fmt_num(sc.share_error_max, 2)),
        ]);
    }
    s.table(t);
    s
}

/// A plan's outlook: each network's gap from the mean network in each forecast year.
pub fn outlook_section(o: &Outlook) -> Section {
    let mut s = Section::new("Enrollment outlook");
    let holds = match o.first_year_leaving() {
        None => format!(
            "Forecast by {}: every network stays within ±{}% of the mean network through {}.",
            o.method,
            fmt_num(o.band_pct, 2),
            o.years.last().map_or("", String::as_str)
        ),
        Some(y) => format!(
            "Forecast by {}: the plan holds its ±{}% band until {y}, when {} would leave it; {} of {} leave it by {}.",
            o.method,
            fmt_num(o.band_pct, 2),
            crate::text::count(
                o.networks.iter().filter(|n| n.leaves_band.as_deref() == Some(y)).count() as f64,
                "networks"
            ),
            o.leaving(),
            o.networks.len(),
            o.years.last().map_or("", String::as_str)
        ),
    };
    s.paragraph(holds);
    let mut header: Vec<String> = vec!["Network".into(), "Name".into()];
    header.extend(o.years.iter().map(|y| format!("{y} gap %")));
    header.push("Leaves the band in".into());
    header.extend(o.known_years.iter().map(|y| format!("{y} actual gap %")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new("", &header);
    t.class = "outlook".into();
    for n in &o.networks {
        let mut row = vec![Cell::text(&n.network), Cell::text(&n.name)];
        row.extend(n.deviation_pct.iter().map(|d| Cell::num(signed(*d))));
        row.push(Cell::text(
            n.leaves_band.clone().unwrap_or_else(|| "—".into()),
        ));
        row.extend(n.known_deviation_pct.iter().map(|d| Cell::num(signed(*d))));
        t.row(row);
    }
    s.table(t);
    if !o.known_years.is_empty() {
        s.note(format!(
            "The actual gaps of {} are what the plan's schools enrolled in those years (schools opened since are in no network of this plan); they show how the forecast and the plan fared.",
            o.known_years.join(" and ")
        ));
    }
    s
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", fmt_num(v, 1))
    } else {
        fmt_num(v, 1)
    }
}

/// backtest.csv: every score of both backtests, for a spreadsheet.
pub fn backtest_csv(f: &Forecast) -> Vec<u8> {
    let mut t = Table::new(
        "",
        &[
            "backtest",
            "method",
            "years_ahead",
            "forecasts_scored",
            "school_error_pct",
            "network_error_pct",
            "share_error_mean_points",
            "share_error_rms_points",
            "share_error_max_points",
        ],
    );
    for (name, b) in std::iter::once(("known", &f.backtest))
        .chain(f.hindsight.iter().map(|h| ("whole_history", h)))
    {
        for s in &b.scores {
            t.row(
                [
                    name.to_string(),
                    s.method.key().to_string(),
                    s.horizon.to_string(),
                    s.origins.to_string(),
                    fmt_num(s.school_error_pct, 2),
                    fmt_num(s.network_error_pct, 2),
                    fmt_num(s.share_error_mean, 2),
                    fmt_num(s.share_error_rms, 2),
                    fmt_num(s.share_error_max, 2),
                ]
                .into_iter()
                .map(Cell::text)
                .collect(),
            );
        }
    }
    model::csv(&t)
}

/// An SVG chart of each network's gap from the mean network over the base year and the forecast years,
/// the band drawn, networks that leave it in colour: the outlook at a glance.
pub fn outlook_svg(o: &Outlook, base_gaps: &[f64]) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 360.0, 56.0, 16.0, 28.0, 40.0);
    let years: Vec<&str> = std::iter::once(o.base_year.as_str())
        .chain(o.years.iter().map(String::as_str))
        .collect();
    let n = years.len().max(2) as f64 - 1.0;
    let max_gap = o
        .networks
        .iter()
        .flat_map(|x| x.deviation_pct.iter().copied())
        .chain(base_gaps.iter().copied())
        .fold(o.band_pct * 1.5, |a, b| a.max(b.abs()))
        .ceil();
    let x = |i: usize| left + (w - left - right) * i as f64 / n;
    let y = |gap: f64| top + (h - top - bottom) * (0.5 - gap / (2.0 * max_gap));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\n<title>Each network's gap from the mean network, {} to {}</title>\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        years[0],
        years[years.len() - 1]
    );
    // The band.
    svg.push_str(&format!(
        "<rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e8f3e8\"/>\n",
        y(o.band_pct),
        w - left - right,
        y(-o.band_pct) - y(o.band_pct)
    ));
    for g in [-o.band_pct, 0.0, o.band_pct] {
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}%</text>\n",
            w - right,
            y(g),
            y(g),
            if g == 0.0 { "#999999" } else { "#4a8f4a" },
            left - 4.0,
            y(g) + 4.0,
            if g > 0.0 { format!("+{}", fmt_num(g, 1)) } else { fmt_num(g, 1) }
        ));
    }
    for (i, yr) in years.iter().enumerate() {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x(i),
            h - bottom + 16.0,
            crate::text::escape_html(yr)
        ));
    }
    for (j, net) in o.networks.iter().enumerate() {
        let leaves = net.leaves_band.is_some();
        let points: Vec<String> = std::iter::once(base_gaps.get(j).copied().unwrap_or(0.0))
            .chain(net.deviation_pct.iter().copied())
            .enumerate()
            .map(|(i, g)| format!("{:.1},{:.1}", x(i), y(g)))
            .collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"><title>{} {}: {}</title></polyline>\n",
            points.join(" "),
            if leaves { "#c0392b" } else { "#7f8c8d" },
            if leaves { 2 } else { 1 },
            crate::text::escape_html(&net.network),
            crate::text::escape_html(&net.name),
            match &net.leaves_band {
                Some(y) => format!("leaves the band in {y}"),
                None => "within the band every year".into(),
            }
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"16\" font-size=\"12\">Gap from the mean network (%), band ±{}% shaded; red: networks that leave it</text>\n</svg>\n",
        fmt_num(o.band_pct, 1)
    ));
    svg
}
