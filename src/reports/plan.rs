//! What a plan's report says, section by section: built once from plan.json's content (and the school
//! table, when at hand) and rendered to report.md and report.html by [`super::model`].

use super::model::{Block, Cell, Section, Table};
use crate::plan_file::NetworkMetrics;
use crate::plan_file::PlanFile;
use crate::schools::{Level, SchoolTable};
use crate::text::{fmt_num, money, or_na, signed_pct, thousands};

/// Every section of a plan's report, in reading order. The first (untitled) is the overview: the verdict
/// and the plan in one sentence; report.html puts the map after it. `table` is the school table the plan
/// was made from: with it the report names schools and counts missing data, without it (a comparison of
/// plan folders whose table is gone) it gives ids.
pub fn sections(f: &PlanFile, table: Option<&SchoolTable>) -> Vec<Section> {
    let mut out = vec![overview(f), rules(f)];
    out.extend(f.outlook.as_ref().map(super::forecast::outlook_section));
    out.extend(steering(f));
    out.extend([networks(f), balance(f), spread(f)]);
    out.extend(regions(f));
    out.extend(affiliations(f));
    out.extend(staffing(f));
    out.push(feeder(f, table));
    out.push(how_to_read(f, table));
    out.push(provenance(f));
    out
}

fn overview(f: &PlanFile) -> Section {
    let k = f.networks.len();
    let mut s = Section::new("");
    let broken: Vec<&str> = f
        .constraints
        .iter()
        .filter(|c| !c.holds)
        .map(|c| c.rule.as_str())
        .collect();
    s.blocks.push(if broken.is_empty() {
        Block::Verdict(
            true,
            format!(
                "Every rule of the scenario holds ({} rules).",
                f.constraints.len()
            ),
        )
    } else {
        Block::Verdict(
            false,
            format!(
                "{} of {} rules do not hold: {}. {}",
                broken.len(),
                f.constraints.len(),
                broken.join("; "),
                // Only the editor records edits, and it saves a plan with rules broken (or gives a
                // snapshot of one) only as the planner asks; everything else writes one only with
                // --best-effort.
                if f.edits.is_some() {
                    "This plan comes from the editor (schoolnets serve), where the planner kept it with these rules broken."
                } else {
                    "This plan was written with --best-effort."
                }
            ),
        )
    });
    let mut p = format!(
        "{} schools and {} students in {} networks: on average {} schools and {} students per network.",
        thousands(f.input.schools as f64),
        thousands(f.input.enrollment as f64),
        k,
        fmt_num(f.input.schools as f64 / k.max(1) as f64, 1),
        thousands(f.input.enrollment as f64 / k.max(1) as f64)
    );
    if let Some(r) = &f.scenario.reference {
        p.push_str(&format!(
            " For comparison, {}: {} networks, on average {} schools and {} students per network.",
            r.label,
            r.networks,
            fmt_num(r.schools_per_network, 1),
            thousands(r.students_per_network)
        ));
    }
    s.paragraph(p);
    s
}

fn rules(f: &PlanFile) -> Section {
    let mut s = Section::new("Rules");
    let mut t = Table::new("", &["Rule", "Holds", "In this plan", "Margin"]);
    t.row_headers = false;
    t.class = "rules".into();
    for c in &f.constraints {
        let mut observed = c.observed.clone();
        if !c.failing_networks.is_empty() {
            observed.push_str(&format!(" (fails in {})", c.failing_networks.join(", ")));
        }
        t.row(vec![
            Cell::text(&c.rule),
            Cell::verdict(c.holds),
            Cell::text(observed),
            Cell::text(crate::rules::words(c)),
        ]);
    }
    s.table(t);
    s.paragraph(
        "Margin: how far the tightest network is from the limit, or by how much it is past it (the editor and \
         `compare` say it in the same words; plan.json gives it as a number, `constraints[].margin`).",
    );
    s
}

fn networks(f: &PlanFile) -> Section {
    let mut s = Section::new("Networks");
    let with_regions = f.networks.iter().any(|n| n.region.is_some());
    let mut header = vec!["Network", "Name"];
    if with_regions {
        header.push("Region");
    }
    header.extend([
        "Schools",
        "Students",
        "vs mean",
        "Elem.",
        "Middle",
        "High",
        "Span",
        "Other",
        "Magnet",
        "Charter",
        "FRPM %",
        "ELA DFS",
        "Math DFS",
        "Low-perf. %",
        "Hispanic %",
        "Black %",
        "White %",
        "Asian %",
        "Mean km",
        "Max km",
        "One piece",
    ]);
    let mut t = Table::new("", &header);
    t.class = "balance".into();
    let num = |v: usize| Cell::num(v.to_string());
    for n in &f.networks {
        let eth = |g: &str| Cell::num(fmt_num(n.ethnicity_pct.get(g).copied().unwrap_or(0.0), 1));
        let mut row = vec![Cell::text(&n.network), Cell::text(&n.name)];
        if with_regions {
            row.push(Cell::text(n.region.clone().unwrap_or_default()));
        }
        row.extend([
            num(n.schools),
            Cell::num(thousands(n.enrollment as f64)),
            Cell::num(signed_pct(n.enrollment_deviation_pct)),
            num(n.schools_at(Level::Elementary)),
            num(n.schools_at(Level::Middle)),
            num(n.schools_at(Level::High)),
            num(n.schools_at(Level::Span)),
            num(n.schools_at(Level::Other)),
            num(n.magnet_schools),
            num(n.charter_schools),
            Cell::num(or_na(n.frpm_pct, 1)),
            Cell::num(or_na(n.ela_dfs, 1)),
            Cell::num(or_na(n.math_dfs, 1)),
            Cell::num(or_na(n.low_performing_pct, 1)),
            eth("hispanic"),
            eth("black"),
            eth("white"),
            eth("asian"),
            Cell::num(fmt_num(n.mean_km, 1)),
            Cell::num(fmt_num(n.max_km, 1)),
            if n.connected {
                Cell::verdict(true)
            } else {
                Cell::verdict(false)
            },
        ]);
        t.row(row);
    }
    s.table(t);
    s
}

fn balance(f: &PlanFile) -> Section {
    let d = &f.district;
    let mut s = Section::new("Balance");
    s.paragraph(format!(
        "District: FRPM {}%, mean distance from standard {} points, {} of {} rated schools low-performing ({}).",
        or_na(d.frpm_pct, 1),
        or_na(d.dfs, 1),
        d.low_performing_schools,
        d.rated_schools,
        d.low_performing_rule
    ));
    s.paragraph(format!(
        "Index of dissimilarity across networks (0 = every network has the district's mix; 100 = complete separation): {}.",
        f.dissimilarity_index
            .iter()
            .map(|(g, v)| format!("{g} {}", fmt_num(*v, 1)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s
}

fn spread(f: &PlanFile) -> Section {
    let nets = &f.networks;
    let mut s = Section::new("Spread across networks");
    let mut t = Table::new("", &["Figure", "Lowest", "Mean", "Highest"]);
    let mut add = |name: &str, vals: Vec<f64>, d: usize| {
        if vals.is_empty() {
            return;
        }
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        // Whole numbers (students) with thousands separators, as everywhere else in the report.
        let show = |v: f64| Cell::num(if d == 0 { thousands(v) } else { fmt_num(v, d) });
        t.row(vec![Cell::text(name), show(lo), show(mean), show(hi)]);
    };
    let of = |g: &dyn Fn(&NetworkMetrics) -> Option<f64>| nets.iter().filter_map(g).collect();
    add("Schools", of(&|n| Some(n.schools as f64)), 1);
    add("Students", of(&|n| Some(n.enrollment as f64)), 0);
    add("FRPM %", of(&|n| n.frpm_pct), 1);
    add("ELA distance from standard", of(&|n| n.ela_dfs), 1);
    add("Math distance from standard", of(&|n| n.math_dfs), 1);
    add("Distance from standard (ELA and math)", of(&|n| n.dfs), 1);
    add("Low-performing schools %", of(&|n| n.low_performing_pct), 1);
    add("Mean distance to centre, km", of(&|n| Some(n.mean_km)), 1);
    s.table(t);
    s
}

/// What the planner imposed: the pinned labels and the network holding each, and the links between
/// campuses that barriers removed (and any put back into a pocket too small to be a network).
fn steering(f: &PlanFile) -> Option<Section> {
    if f.pins.is_none() && f.barriers.is_none() {
        return None;
    }
    let mut s = Section::new("Steering: pins and barriers");
    if let Some(p) = &f.pins {
        let held = p.groups.iter().filter(|g| g.held).count();
        s.paragraph(format!(
            "{} schools are pinned to {} labels (`{}`). Schools with one label share a network, different labels are in different networks, and the network holding a label is named after it; a campus follows its pinned school. {} of {} labels are held.",
            p.rows.len(),
            p.groups.len(),
            p.file,
            held,
            p.groups.len()
        ));
        let mut t = Table::new(
            "Pinned networks",
            &[
                "Label",
                "Network",
                "Pinned schools (with their campuses)",
                "Held",
            ],
        );
        for g in &p.groups {
            let name = f
                .networks
                .iter()
                .find(|n| n.network == g.network)
                .map_or(String::new(), |n| n.title());
            t.row(vec![
                Cell::text(&g.label),
                Cell::text(name),
                Cell::num(g.schools.to_string()),
                Cell::verdict(g.held),
            ]);
        }
        s.table(t);
    }
    if let Some(b) = &f.barriers {
        barriers_section(&mut s, b);
    }
    Some(s)
}

fn regions(f: &PlanFile) -> Option<Section> {
    let r = f.regions.as_ref()?;
    let rules = f.scenario.regions.as_ref()?;
    let mut t = Table::new(
        "Regions",
        &[
            "Region",
            "Networks",
            "Schools",
            "vs mean",
            "Students",
            "vs mean",
            "Low-performing schools",
            "One piece",
        ],
    );
    for g in &r.regions {
        t.row(vec![
            Cell::text(&g.region),
            Cell::text(g.networks.join(", ")),
            Cell::num(g.schools.to_string()),
            Cell::num(signed_pct(g.schools_deviation_pct)),
            Cell::num(thousands(g.enrollment as f64)),
            Cell::num(signed_pct(g.enrollment_deviation_pct)),
            Cell::num(g.low_performing_schools.to_string()),
            Cell::verdict(g.connected),
        ]);
    }
    let mut s = Section::new("Regions");
    s.paragraph(format!(
        "The {} networks are grouped into {} support regions of neighbouring networks, each within ±{}% of \
         the mean enrollment and ±{}% of the mean number of schools (the rules above give the margins), and \
         as compact as the search found (Σ schools × squared km from network centre to region centre: {} km²). \
         Regions are numbered from north to south; the map draws their borders.",
        f.networks.len(),
        r.regions.len(),
        fmt_num(rules.enrollment_tolerance * 100.0, 1),
        fmt_num(rules.schools_tolerance * 100.0, 1),
        thousands(r.compactness_km2)
    ));
    s.table(t);
    Some(s)
}

fn affiliations(f: &PlanFile) -> Vec<Section> {
    f.affiliations
        .iter()
        .map(|a| {
            let mut s = Section::new(format!("Affiliation: {}", a.label));
            s.paragraph(format!(
                "Schools where {}: {} match{}. A school keeps its geographic network; the affiliation is an \
                 extra label. Groups are made of nearby schools (least total distance between every two schools \
                 of a group) and numbered from north to south.",
                a.rule,
                a.matched,
                match &a.kept_up_to {
                    Some(k) => format!(", of which the {} kept are those with {k}", a.kept),
                    None => String::new(),
                }
            ));
            if let Some(p) = &a.problem {
                s.paragraph(format!("Not formed. {p}"));
            }
            if a.groups.is_empty() {
                return s;
            }
            let mut groups = Table::new(
                format!("{}: groups", a.label),
                &[
                    "Group",
                    "Schools",
                    "Students",
                    "Networks",
                    "Mean km between schools",
                    "Farthest two, km",
                ],
            );
            let mut members = Table::new(
                format!("{}: members", a.label),
                &[
                    "Group",
                    "School",
                    "Id",
                    "Level",
                    "Students",
                    "Distance from standard",
                    "Network",
                ],
            );
            members.collapsed = true;
            for g in &a.groups {
                groups.row(vec![
                    Cell::text(&g.id),
                    Cell::num(g.schools.to_string()),
                    Cell::num(thousands(g.enrollment as f64)),
                    Cell::text(g.networks.join(", ")),
                    Cell::num(fmt_num(g.mean_pair_km, 1)),
                    Cell::num(fmt_num(g.max_pair_km, 1)),
                ]);
                for m in &g.members {
                    members.row(vec![
                        Cell::text(&g.id),
                        Cell::text(&m.name),
                        Cell::text(&m.id),
                        Cell::text(&m.level),
                        Cell::num(thousands(f64::from(m.enrollment))),
                        Cell::num(or_na(m.dfs, 1)),
                        Cell::text(&m.network),
                    ]);
                }
            }
            s.table(groups);
            s.table(members);
            s
        })
        .collect()
}

fn staffing(f: &PlanFile) -> Option<Section> {
    let st = f.staffing.as_ref()?;
    let k = st.networks.len().max(1) as f64;
    let mut titles = Table::new(
        "Positions",
        &[
            "Position",
            "Allocated",
            "Per network",
            "District",
            "Cost each",
            "District cost",
        ],
    );
    for p in &st.positions {
        titles.row(vec![
            Cell::text(&p.title),
            Cell::text(if p.allocated_by == "standard" {
                "every network".into()
            } else {
                format!("by need: {}", p.allocated_by.replace('_', " "))
            }),
            Cell::num(fmt_num(f64::from(p.positions) / k, 2)),
            Cell::num(p.positions.to_string()),
            Cell::num(money(p.cost)),
            Cell::num(money(p.total_cost)),
        ]);
    }
    titles.total = Some(vec![
        Cell::text("Total"),
        Cell::text(""),
        Cell::num(fmt_num(f64::from(st.total_positions) / k, 2)),
        Cell::num(st.total_positions.to_string()),
        Cell::text(""),
        Cell::num(money(st.total_cost)),
    ]);
    let need_based: Vec<&crate::plan_file::Position> = st
        .positions
        .iter()
        .filter(|p| p.allocated_by != "standard")
        .collect();
    let standard = st.positions.len() - need_based.len();
    let mut columns: Vec<String> = vec![
        "Network".into(),
        "Region".into(),
        "Standard positions".into(),
    ];
    for p in &need_based {
        columns.push(p.title.clone());
        columns.push(format!("need: {}", p.allocated_by.replace('_', " ")));
    }
    columns.push("All positions".into());
    columns.push("Yearly cost".into());
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut per_network = Table::new("Staff of each network", &columns);
    for (n, m) in st.networks.iter().zip(&f.networks) {
        let mut row = vec![
            Cell::text(&n.network),
            Cell::text(m.region.clone().unwrap_or_default()),
            Cell::num(n.positions[..standard].iter().sum::<u32>().to_string()),
        ];
        for (j, c) in n.positions[standard..].iter().enumerate() {
            row.push(Cell::num(c.to_string()));
            row.push(Cell::num(thousands(n.need.get(j).copied().unwrap_or(0.0))));
        }
        row.push(Cell::num(n.total_positions.to_string()));
        row.push(Cell::num(money(n.cost)));
        per_network.row(row);
    }
    let mut total = vec![
        Cell::text("District"),
        Cell::text(""),
        Cell::num(
            st.positions[..standard]
                .iter()
                .map(|p| p.positions)
                .sum::<u32>()
                .to_string(),
        ),
    ];
    for p in &need_based {
        total.push(Cell::num(p.positions.to_string()));
        total.push(Cell::text(""));
    }
    total.push(Cell::num(st.total_positions.to_string()));
    total.push(Cell::num(money(st.total_cost)));
    per_network.total = Some(total);
    let mut s = Section::new("Staffing and cost");
    s.paragraph(
        "Every network has the standard positions. Need-based positions are shared out: each network first \
         gets the scenario's minimum, and the rest go in proportion to its need, counted over its schools \
         (largest remainders round up). Costs are the scenario's yearly cost per position.",
    );
    s.table(titles);
    s.table(per_network);
    Some(s)
}

/// "Feeder pathways": in every plan, the feeder links it cuts; in feeder mode, how pathways were built.
fn feeder(f: &PlanFile, table: Option<&SchoolTable>) -> Section {
    let mut s = Section::new("Feeder pathways");
    let l = &f.feeder_links;
    if l.links == 0 {
        s.paragraph("The table has no feeder links (`feeds_into`), so pathways cannot be counted.");
        return s;
    }
    let pct = |a: usize, b: usize| fmt_num(100.0 * a as f64 / b.max(1) as f64, 1);
    s.paragraph(format!(
        "Network boundaries cut {} of the table's {} feeder links ({}%): {} of {} pathways (a school at the top of a chain with the schools that feed it) {} spread over more than one network. report.csv gives each network's cut links (`feeder_links_cut`, links crossing its boundary either way).",
        l.cut,
        l.links,
        pct(l.cut, l.links),
        l.pathways_split,
        l.pathways,
        if l.pathways_split == 1 { "is" } else { "are" }
    ));
    let Some(p) = &f.pathways else {
        let cost = f.scenario.pathways.cut_link_cost_km2;
        if cost > 0.0 {
            s.paragraph(format!("Soft goal of this scenario: each cut link cost {} km² of compactness, so pathways were kept together where that cost little distance.", fmt_num(cost, 1)));
        }
        return s;
    };
    let name = |id: &str| {
        table
            .and_then(|t| t.schools.iter().find(|s| s.id == id))
            .map_or(id.to_string(), |s| format!("{} ({id})", s.name))
    };
    let but_split = if p.split.is_empty() && p.split_at_gateways.is_empty() {
        ""
    } else {
        " but those split below (into their top school and the sub-pathways feeding it, each kept whole)"
    };
    s.paragraph(format!("These are feeder-pattern networks: every pathway is kept whole{but_split}, and schools in no pathway join their neighbours by geography. How pathways were built from the table's `feeds_into` links:"));
    let mut items = vec![format!(
        "A school belongs to the pathway of the school it feeds, up the chain: {} pathways, {} of them topped by a high school; {} schools in pathways.",
        p.pathways, p.topped_by_high, p.schools_in_pathways
    )];
    if !p.other_tops.is_empty() {
        let list: Vec<String> = p
            .other_tops
            .iter()
            .map(|(id, level)| format!("{} ({level})", name(id)))
            .collect();
        items.push(format!(
            "Pathways topped by a school that is not a high school: {}.",
            list.join("; ")
        ));
    }
    items.push(format!("Schools in no pathway (no link, and no school feeds them; mostly charter, continuation, special-education and option schools) are planned on their own by geography: {} schools.", p.schools_without_pathway));
    if !p.span_schools_in_pathways.is_empty() {
        let list: Vec<String> = p
            .span_schools_in_pathways
            .iter()
            .map(|id| name(id))
            .collect();
        items.push(format!(
            "Span schools (K-8, 6-12, K-12) sit in a pathway through their own link: {}.",
            list.join("; ")
        ));
    }
    if p.merged_by_campus.is_empty() {
        items.push("No campus holds schools of two pathways, so no pathways were merged.".into());
    } else {
        let list: Vec<String> = p
            .merged_by_campus
            .iter()
            .map(|ids| {
                ids.iter()
                    .map(|id| name(id))
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        items.push(format!("Pathways merged because a campus holds schools of both (co-located schools stay together): {}.", list.join("; ")));
    }
    if !p.split.is_empty() {
        let list: Vec<String> = p.split.iter().map(|id| name(id)).collect();
        items.push(format!("Split on the scenario's request (`pathways.split`) into the sub-pathways of the schools feeding them: {}.", list.join("; ")));
    }
    for g in &p.split_at_gateways {
        let list: Vec<String> = g.tops.iter().map(|id| name(id)).collect();
        items.push(format!(
            "Split because kept whole it would stand where no network can hold it (`pathways.split_gateways`): {}. Why: {}",
            list.join("; "),
            g.why
        ));
    }
    if !p.split_not_found.is_empty() {
        items.push(format!(
            "Ignored in `pathways.split` (no school feeds them): {}.",
            p.split_not_found.join(", ")
        ));
    }
    items.push(format!(
        "Planning units: {} (whole pathways, plus campuses of schools in no pathway).",
        p.units
    ));
    items.push("A school feeds one school only; where students go on to several, the table links it to the main one.".into());
    s.bullets(items);
    s
}

fn how_to_read(f: &PlanFile, table: Option<&SchoolTable>) -> Section {
    let k = f.networks.len().max(1);
    let d = &f.district;
    let mut items = vec![
        format!(
            "Students: K-12 enrollment. vs mean: difference from the average network ({}).",
            thousands(f.input.enrollment as f64 / k as f64)
        ),
        "FRPM %: share of students eligible for free or reduced-price meals (a poverty measure).".into(),
        "ELA / Math DFS: average distance from standard on state tests, in points, weighted by enrollment (0 = at standard; negative = below).".into(),
        format!(
            "Low-perf. %: share of rated schools that are low-performing: {}.",
            d.low_performing_rule
        ),
        "Mean / Max km: distance from a school to the centre of its network.".into(),
        "One piece: the network is one piece of neighbouring campuses (neighbouring pathways, for feeder networks), with no island cut off from the rest.".into(),
    ];
    if let Some(table) = table {
        let missing = |f: &dyn Fn(&crate::schools::School) -> bool| {
            table.schools.iter().filter(|s| f(s)).count()
        };
        items.push(format!(
            "Schools without data are left out of a figure, never guessed: {} without FRPM, {} without ELA, {} without math scores, {} without a performance level.",
            missing(&|s| s.frpm_pct.is_none()),
            missing(&|s| s.ela_dfs.is_none()),
            missing(&|s| s.math_dfs.is_none()),
            missing(&|s| s.perf_level.is_none())
        ));
        if table.extra_columns.iter().any(|c| c == "feeds_into_source") {
            items.push("Feeder links in this table were derived by distance (no district feeder records); see `feeds_into_source`.".into());
        }
    }
    let mut s = Section::new("How to read this");
    s.bullets(items);
    s
}

fn provenance(f: &PlanFile) -> Section {
    let items = vec![
        format!(
            "Schools: `{}` (SHA-256 {})",
            f.input.schools_file, f.input.schools_sha256
        ),
        match (&f.input.outline_file, &f.input.outline_sha256) {
            (Some(file), Some(sha)) => format!("District outline: `{file}` (SHA-256 {sha})"),
            _ => "District outline: none (maps use a hull around the schools)".into(),
        },
        format!(
            "Scenario: {} (`{}`){}",
            f.scenario.name,
            f.scenario_file,
            if f.overrides.is_empty() {
                String::new()
            } else {
                format!(", with {}", f.overrides.join(", "))
            }
        ),
        format!(
            "Seed {}, {} restarts; compactness {} km² (sum of squared school-to-centre distances).",
            f.seed,
            f.scenario.solver.restarts,
            fmt_num(f.compactness_km2, 0)
        ),
        format!(
            "Campus adjacency: {} links ({} Delaunay links; {} removed as crossing the outline, {} as too long; {} restored to keep every campus reachable).",
            f.adjacency.edges,
            f.adjacency.delaunay_edges,
            f.adjacency.removed_outside_outline,
            f.adjacency.removed_too_long,
            f.adjacency.restored_to_connect
        ),
        format!("Made by {}.", f.tool),
    ];
    let mut items = items;
    if let Some(p) = &f.pins {
        items.insert(3, format!("Pins: `{}` (SHA-256 {})", p.file, p.sha256));
    }
    if let Some(b) = &f.barriers {
        items.insert(3, format!("Barriers: `{}` (SHA-256 {})", b.file, b.sha256));
    }
    let mut s = Section::new("Provenance");
    s.bullets(items);
    if let Ok(toml) = toml::to_string(&f.scenario) {
        s.blocks.push(Block::Folded {
            summary: "The scenario as run (TOML)".into(),
            text: toml,
        });
    }
    s
}

/// The barriers' distinct names, the first few and how many more (a county's layer names thousands of
/// features).
pub(crate) fn barrier_names(b: &crate::plan_file::BarriersRecord) -> String {
    let mut names = b.barriers.clone();
    names.sort();
    names.dedup();
    crate::text::first_of(&names, 8)
}

/// What the barriers did to a plan, in a few words: the links dropped (hard) or the crossings (soft).
pub(crate) fn barrier_outcome(b: &crate::plan_file::BarriersRecord) -> String {
    match b.price_km2 {
        Some(price) => format!(
            "soft at {} km² a crossing; {}",
            fmt_num(price, 2),
            crate::text::count(b.crossings().count() as f64, "crossings")
        ),
        None => format!(
            "{} dropped",
            crate::text::count(b.dropped() as f64, "links")
        ),
    }
}

/// The barriers' paragraph and table: hard barriers with the links they dropped (and any put back), soft
/// barriers with every crossing the plan makes.
fn barriers_section(s: &mut Section, b: &crate::plan_file::BarriersRecord) {
    use crate::text::count;
    let named = barrier_names(b);
    let lines = count(b.barriers.len() as f64, "barrier lines");
    let crossings: Vec<&crate::plan_file::BarrierLink> = b.crossings().collect();
    let text = match b.price_km2 {
        Some(price) => format!(
            "{lines} from `{}` ({named}) are soft: a network may cross one, each link across it that a network keeps costing {} km² of compactness. {} between neighbouring campuses {} them; the plan keeps {} inside a network (its crossings, listed below) and divides the rest between networks.",
            b.file,
            fmt_num(price, 2),
            count(b.links.len() as f64, "links"),
            if b.links.len() == 1 { "crosses" } else { "cross" },
            count(crossings.len() as f64, "links"),
        ),
        None => {
            let restored = b.links.iter().filter(|l| l.restored).count();
            format!(
                "{lines} from `{}` ({named}): {} between neighbouring campuses {} them and {} dropped, so no network reaches across a barrier{}.",
                b.file,
                count(b.dropped() as f64, "links"),
                if b.dropped() == 1 { "crosses" } else { "cross" },
                if b.dropped() == 1 { "was" } else { "were" },
                if restored == 0 {
                    String::new()
                } else {
                    format!(
                        " except through the {} put back because the pocket behind each is too small to be a network of its own (listed below; {} of them inside a network)",
                        count(restored as f64, "links"),
                        crossings.len()
                    )
                }
            )
        }
    };
    s.paragraph(text);
    for w in &b.warnings {
        s.note(format!("Warning: {w}."));
    }
    let network = |l: &crate::plan_file::BarrierLink| {
        Cell::text(
            l.crossed_by
                .as_deref()
                .unwrap_or("none: joins two networks"),
        )
    };
    if b.price_km2.is_some() {
        let mut t = Table::new(
            "Crossings: links across a barrier kept inside a network",
            &["Barrier", "Network", "From", "To", "km"],
        );
        for l in &crossings {
            t.row(vec![
                Cell::text(&l.barrier),
                network(l),
                Cell::text(&l.from),
                Cell::text(&l.to),
                Cell::num(fmt_num(l.km, 2)),
            ]);
        }
        if !crossings.is_empty() {
            s.table(t);
        }
        return;
    }
    let mut t = Table::new(
        "Links dropped at barriers",
        &["Barrier", "From", "To", "km", "Put back"],
    );
    for l in &b.links {
        t.row(vec![
            Cell::text(&l.barrier),
            Cell::text(&l.from),
            Cell::text(&l.to),
            Cell::num(fmt_num(l.km, 2)),
            Cell::text(match (l.restored, &l.crossed_by) {
                (false, _) => "no".to_string(),
                (true, Some(n)) => {
                    format!("yes: the pocket behind is too small to be a network; {n} crosses here")
                }
                (true, None) => "yes: the pocket behind is too small to be a network".to_string(),
            }),
        ]);
    }
    if !b.links.is_empty() {
        s.table(t);
    }
}
