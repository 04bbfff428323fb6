//! The report sections on regions, affiliations and staffing, built once from plan.json's content and
//! rendered as Markdown (report.md) or HTML (report.html), so both say the same thing.

use crate::plans::PlanFile;
use crate::text::{escape_html as esc, fmt_num, money, signed_pct, thousands};
use std::fmt::Write;

/// A titled section: paragraphs, then tables.
pub struct Section {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
}

/// A table with its caption; `numeric[c]` right-aligns column `c`; `total` is an optional last row set
/// apart; `collapsed` folds the table away in HTML (long member lists).
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub total: Option<Vec<String>>,
    pub collapsed: bool,
}

impl Table {
    fn new(caption: impl Into<String>, columns: &[(&str, bool)]) -> Table {
        Table {
            caption: caption.into(),
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            numeric: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            total: None,
            collapsed: false,
        }
    }
}

/// The sections a plan has (none when its scenario draws no regions, affiliations or staffing).
pub fn sections(f: &PlanFile) -> Vec<Section> {
    let mut out = Vec::new();
    out.extend(regions(f));
    out.extend(affiliations(f));
    out.extend(staffing(f));
    out
}

fn regions(f: &PlanFile) -> Option<Section> {
    let r = f.regions.as_ref()?;
    let rules = f.scenario.regions.as_ref()?;
    let mut t = Table::new(
        "Regions",
        &[
            ("Region", false),
            ("Networks", false),
            ("Schools", true),
            ("vs mean", true),
            ("Students", true),
            ("vs mean", true),
            ("Low-performing schools", true),
            ("One piece", false),
        ],
    );
    for g in &r.regions {
        t.rows.push(vec![
            g.region.clone(),
            g.networks.join(", "),
            g.schools.to_string(),
            signed_pct(g.schools_deviation_pct),
            thousands(g.enrollment as f64),
            signed_pct(g.enrollment_deviation_pct),
            g.low_performing_schools.to_string(),
            if g.connected { "yes" } else { "no" }.into(),
        ]);
    }
    Some(Section {
        title: "Regions".into(),
        paragraphs: vec![format!(
            "The {} networks are grouped into {} support regions of neighbouring networks, each within ±{}% of \
             the mean enrollment and ±{}% of the mean number of schools (the rules above give the margins), and \
             as compact as the search found (Σ schools × squared km from network centre to region centre: {} km²). \
             Regions are numbered from north to south; the map draws their borders.",
            f.networks.len(),
            r.regions.len(),
            fmt_num(rules.enrollment_tolerance * 100.0, 1),
            fmt_num(rules.schools_tolerance * 100.0, 1),
            thousands(r.compactness_km2)
        )],
        tables: vec![t],
    })
}

fn affiliations(f: &PlanFile) -> Vec<Section> {
    f.affiliations
        .iter()
        .map(|a| {
            let mut paragraphs = vec![format!(
                "Schools where {}: {} match{}. A school keeps its geographic network; the affiliation is an \
                 extra label. Groups are made of nearby schools (least total distance between every two schools \
                 of a group) and numbered from north to south.",
                a.rule,
                a.matched,
                match &a.kept_up_to {
                    Some(k) => format!(", of which the {} kept are those with {k}", a.kept),
                    None => String::new(),
                }
            )];
            if let Some(p) = &a.problem {
                paragraphs.push(format!("Not formed. {p}"));
            }
            let mut groups = Table::new(
                format!("{}: groups", a.label),
                &[
                    ("Group", false),
                    ("Schools", true),
                    ("Students", true),
                    ("Networks", false),
                    ("Mean km between schools", true),
                    ("Farthest two, km", true),
                ],
            );
            let mut members = Table::new(
                format!("{}: members", a.label),
                &[
                    ("Group", false),
                    ("School", false),
                    ("Id", false),
                    ("Level", false),
                    ("Students", true),
                    ("Distance from standard", true),
                    ("Network", false),
                ],
            );
            members.collapsed = true;
            for g in &a.groups {
                groups.rows.push(vec![
                    g.id.clone(),
                    g.schools.to_string(),
                    thousands(g.enrollment as f64),
                    g.networks.join(", "),
                    fmt_num(g.mean_pair_km, 1),
                    fmt_num(g.max_pair_km, 1),
                ]);
                for m in &g.members {
                    members.rows.push(vec![
                        g.id.clone(),
                        m.name.clone(),
                        m.id.clone(),
                        m.level.clone(),
                        thousands(f64::from(m.enrollment)),
                        m.dfs.map_or("n/a".into(), |v| fmt_num(v, 1)),
                        m.network.clone(),
                    ]);
                }
            }
            Section {
                title: format!("Affiliation: {}", a.label),
                paragraphs,
                tables: if a.groups.is_empty() {
                    Vec::new()
                } else {
                    vec![groups, members]
                },
            }
        })
        .collect()
}

fn staffing(f: &PlanFile) -> Option<Section> {
    let s = f.staffing.as_ref()?;
    let k = s.networks.len().max(1) as f64;
    let mut titles = Table::new(
        "Positions",
        &[
            ("Position", false),
            ("Allocated", false),
            ("Per network", true),
            ("District", true),
            ("Cost each", true),
            ("District cost", true),
        ],
    );
    for p in &s.positions {
        titles.rows.push(vec![
            p.title.clone(),
            if p.allocated_by == "standard" {
                "every network".into()
            } else {
                format!("by need: {}", p.allocated_by.replace('_', " "))
            },
            fmt_num(f64::from(p.positions) / k, 2),
            p.positions.to_string(),
            money(p.cost),
            money(p.total_cost),
        ]);
    }
    titles.total = Some(vec![
        "Total".into(),
        String::new(),
        fmt_num(f64::from(s.total_positions) / k, 2),
        s.total_positions.to_string(),
        String::new(),
        money(s.total_cost),
    ]);
    let need_based: Vec<&crate::staffing::Position> = s
        .positions
        .iter()
        .filter(|p| p.allocated_by != "standard")
        .collect();
    let standard = s.positions.len() - need_based.len();
    let mut columns: Vec<(String, bool)> = vec![
        ("Network".into(), false),
        ("Region".into(), false),
        ("Standard positions".into(), true),
    ];
    for p in &need_based {
        columns.push((p.title.clone(), true));
        columns.push((format!("need: {}", p.allocated_by.replace('_', " ")), true));
    }
    columns.push(("All positions".into(), true));
    columns.push(("Yearly cost".into(), true));
    let columns: Vec<(&str, bool)> = columns.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    let mut per_network = Table::new("Staff of each network", &columns);
    for (n, m) in s.networks.iter().zip(&f.networks) {
        let mut row = vec![
            n.network.clone(),
            m.region.clone().unwrap_or_default(),
            n.positions[..standard].iter().sum::<u32>().to_string(),
        ];
        for (j, c) in n.positions[standard..].iter().enumerate() {
            row.push(c.to_string());
            row.push(thousands(n.need.get(j).copied().unwrap_or(0.0)));
        }
        row.push(n.total_positions.to_string());
        row.push(money(n.cost));
        per_network.rows.push(row);
    }
    let mut total = vec![
        "District".into(),
        String::new(),
        s.positions[..standard]
            .iter()
            .map(|p| p.positions)
            .sum::<u32>()
            .to_string(),
    ];
    for p in &need_based {
        total.push(p.positions.to_string());
        total.push(String::new());
    }
    total.push(s.total_positions.to_string());
    total.push(money(s.total_cost));
    per_network.total = Some(total);
    Some(Section {
        title: "Staffing and cost".into(),
        paragraphs: vec![
            "Every network has the standard positions. Need-based positions are shared out: each network first \
             gets the scenario's minimum, and the rest go in proportion to its need, counted over its schools \
             (largest remainders round up). Costs are the scenario's yearly cost per position."
                .into(),
        ],
        tables: vec![titles, per_network],
    })
}

/// Markdown: `## title`, paragraphs, tables (captions in bold).
pub fn markdown(s: &Section) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## {}\n", s.title);
    for p in &s.paragraphs {
        let _ = writeln!(out, "{p}\n");
    }
    let cell = |c: &str| c.replace('|', "\\|");
    for t in &s.tables {
        let _ = writeln!(out, "**{}**\n", t.caption);
        let _ = writeln!(out, "| {} |", t.header.join(" | "));
        let align: Vec<&str> = t
            .numeric
            .iter()
            .map(|&n| if n { "--:" } else { "---" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        for r in t.rows.iter().chain(&t.total) {
            let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    out
}

/// HTML: `<h3>` title, paragraphs, tables (member lists folded in `<details>`).
pub fn html(s: &Section) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<h3>{}</h3>", esc(&s.title));
    for p in &s.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", esc(p));
    }
    for t in &s.tables {
        if t.collapsed {
            let _ = writeln!(
                out,
                "<details><summary>{} ({} rows)</summary>",
                esc(&t.caption),
                t.rows.len()
            );
        }
        let _ = write!(
            out,
            "<table class=\"support\"><caption>{}</caption><thead><tr>",
            esc(&t.caption)
        );
        for h in &t.header {
            let _ = write!(out, "<th>{}</th>", esc(h));
        }
        out.push_str("</tr></thead><tbody>\n");
        let row = |out: &mut String, r: &[String], class: &str| {
            let _ = write!(out, "<tr{class}>");
            for (c, v) in r.iter().enumerate() {
                let num = if t.numeric.get(c) == Some(&true) {
                    " class=\"num\""
                } else {
                    ""
                };
                if c == 0 {
                    let _ = write!(out, "<th scope=\"row\">{}</th>", esc(v));
                } else {
                    let _ = write!(out, "<td{num}>{}</td>", esc(v));
                }
            }
            out.push_str("</tr>\n");
        };
        for r in &t.rows {
            row(&mut out, r, "");
        }
        if let Some(r) = &t.total {
            row(&mut out, r, " class=\"total\"");
        }
        out.push_str("</tbody></table>\n");
        if t.collapsed {
            out.push_str("</details>\n");
        }
    }
    out
}
