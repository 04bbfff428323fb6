//! The board briefing's first page: what a board member reads before anything else.
//!
//! Two designs side by side, the handful of figures that decide between them, what balance costs against
//! a plan drawn by geography alone, and (with the maps, in `html`) where the schools are whose network
//! differs. Everything here is computed from the plans' own figures, so the page says nothing the reports
//! behind it do not.

use super::html::figure;
use super::model::{self, Cell, Section, Table};
use crate::plan_file::NetworkMetrics;
use crate::plan_file::PlanFile;
use crate::text::{escape_html, fmt_num, thousands};

/// One design on the page: its label and plan.
pub struct Design<'a> {
    pub label: &'a str,
    pub file: &'a PlanFile,
}

/// Mean distance from a school to its network's centre, km (weighted by schools): the compactness a
/// board can picture.
fn mean_km(f: &PlanFile) -> f64 {
    let schools: usize = f.networks.iter().map(|n| n.schools).sum();
    f.networks
        .iter()
        .map(|n| n.mean_km * n.schools as f64)
        .sum::<f64>()
        / schools.max(1) as f64
}

fn range(f: &PlanFile, v: &dyn Fn(&NetworkMetrics) -> Option<f64>) -> Option<(f64, f64)> {
    let vals: Vec<f64> = f.networks.iter().filter_map(v).collect();
    let lo = vals.iter().copied().reduce(f64::min)?;
    let hi = vals.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// The deciding figures, one column per design (the last may be the geography-only reference);
/// `moved[i]` is the schools in another network than the first design's, for design `i` (`None`: the
/// first design itself, or not compared).
pub fn key_figures(designs: &[Design], moved: &[Option<(usize, usize)>]) -> Section {
    let mut header = vec![""];
    header.extend(designs.iter().map(|d| d.label));
    let mut t = Table::new("", &header);
    let mut row = |label: &str, cells: Vec<Cell>| {
        let mut r = vec![Cell::text(label)];
        r.extend(cells);
        t.row(r);
    };
    let each = |f: &dyn Fn(&PlanFile) -> Cell| designs.iter().map(|d| f(d.file)).collect();
    row(
        "Every rule holds",
        each(&|f| {
            let held = f.constraints.iter().filter(|c| c.holds).count();
            let mut c = Cell::verdict(f.all_constraints_hold);
            c.text = format!(
                "{} ({held} of {})",
                if f.all_constraints_hold { "yes" } else { "no" },
                f.constraints.len()
            );
            c
        }),
    );
    row(
        "Networks",
        each(&|f| Cell::num(f.networks.len().to_string())),
    );
    row(
        "Students per network: smallest – largest",
        each(&|f| match range(f, &|n| Some(n.enrollment as f64)) {
            Some((lo, hi)) => Cell::num(format!("{} – {}", thousands(lo), thousands(hi))),
            None => Cell::text("n/a"),
        }),
    );
    row(
        "Low-performing schools: lowest – highest network",
        each(&|f| match range(f, &|n| n.low_performing_pct) {
            Some((lo, hi)) => Cell::num(format!("{}% – {}%", fmt_num(lo, 0), fmt_num(hi, 0))),
            None => Cell::text("n/a"),
        }),
    );
    row(
        "Spread in distance from standard (points, highest − lowest network)",
        each(&|f| match range(f, &|n| n.dfs) {
            Some((lo, hi)) => Cell::num(fmt_num(hi - lo, 0)),
            None => Cell::text("n/a"),
        }),
    );
    row(
        "Networks without a magnet school",
        each(&|f| {
            Cell::num(
                f.networks
                    .iter()
                    .filter(|n| n.magnet_schools == 0)
                    .count()
                    .to_string(),
            )
        }),
    );
    if designs.iter().any(|d| d.file.outlook.is_some()) {
        row(
            "How long it holds (forecast): every network within its band",
            each(&|f| match &f.outlook {
                None => Cell::text("no forecast"),
                Some(o) => match o.first_year_leaving() {
                    None => Cell::text(format!(
                        "through {}",
                        o.years.last().map_or("", String::as_str)
                    )),
                    Some(y) => Cell::text(format!(
                        "until {y} ({} leave it then)",
                        crate::text::count(
                            o.networks
                                .iter()
                                .filter(|n| n.leaves_band.as_deref() == Some(y))
                                .count() as f64,
                            "networks"
                        )
                    )),
                },
            }),
        );
    }
    row(
        "Mean distance from a school to its network's centre (km)",
        each(&|f| Cell::num(fmt_num(mean_km(f), 1))),
    );
    row(
        "Compactness (km², lower is more compact)",
        each(&|f| Cell::num(thousands(f.compactness_km2))),
    );
    let mut cells = Vec::new();
    for m in moved {
        cells.push(match m {
            Some((n, of)) => Cell::num(format!(
                "{} of {} ({}%)",
                thousands(*n as f64),
                thousands(*of as f64),
                fmt_num(100.0 * *n as f64 / (*of).max(1) as f64, 0)
            )),
            None => Cell::text("–"),
        });
    }
    let first = designs.first().map(|d| d.label).unwrap_or("");
    row(
        &format!("Schools in another network than in {first}"),
        cells,
    );
    let mut s = Section::new("The designs at a glance");
    s.table(t);
    s
}

/// What balance costs: the balanced design against the plan drawn by geography alone on the same table.
pub fn balance_cost(balanced: &Design, geography: &Design) -> Section {
    let (b, g) = (balanced.file, geography.file);
    let mut s = Section::new("What balance costs");
    let worst = |f: &PlanFile| {
        range(f, &|n| n.low_performing_pct)
            .map(|r| format!("{}%", fmt_num(r.1, 0)))
            .unwrap_or_else(|| "n/a".into())
    };
    let spread = |f: &PlanFile| {
        range(f, &|n| n.dfs)
            .map(|r| format!("{} points", fmt_num(r.1 - r.0, 0)))
            .unwrap_or_else(|| "n/a".into())
    };
    s.paragraph(format!(
        "Balance asks each network to hold a mix of performance and school models, so some schools join a network a little further away. In {}, a school is on average {} km from its network's centre, against {} km in a plan drawn by geography alone ({}; compactness {:+.0}%). In exchange, the network with the most low-performing schools has {} of them against {}, and the spread in distance from standard between networks is {} against {}.",
        balanced.label,
        fmt_num(mean_km(b), 1),
        fmt_num(mean_km(g), 1),
        geography.label,
        100.0 * (b.compactness_km2 / g.compactness_km2.max(1e-9) - 1.0),
        worst(b),
        worst(g),
        spread(b),
        spread(g),
    ));
    s
}

/// The first page as HTML: the designs' maps side by side (`maps[i]` is `designs[i]`'s; designs beyond
/// the maps, such as the geography-only reference, appear in the figures only), the deciding figures, what
/// balance costs (the first design against the last), and, when given, the map of the schools whose
/// network differs with its caption.
pub fn front_page(
    designs: &[Design],
    maps: &[&str],
    moved: &[Option<(usize, usize)>],
    differing: Option<(&str, &str)>,
) -> String {
    let mut sections = vec![key_figures(designs, moved)];
    if let (Some(b), Some(g)) = (designs.first(), designs.last()) {
        sections.push(balance_cost(b, g));
    }
    let mut out = String::from("<h2>The designs side by side</h2>\n<div class=\"side-by-side\">\n");
    for (d, svg) in designs.iter().zip(maps) {
        out.push_str(&figure(
            svg,
            &escape_html(&format!("{}: {} networks", d.label, d.file.networks.len())),
        ));
    }
    out.push_str("</div>\n");
    out.push_str(&model::html(&sections, 2));
    if let Some((svg, caption)) = differing {
        out.push_str("<h2>Schools whose network differs</h2>\n");
        out.push_str(&figure(svg, &escape_html(caption)));
    }
    out
}
