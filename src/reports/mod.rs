//! Balance reports: `report.md` for people, `report.csv` for spreadsheets and ([`html`]) `report.html`, the
//! self-contained page with the map.

pub mod html;
pub mod sections;

use crate::metrics::NetworkMetrics;
use crate::plans::Plan;
use crate::schools::{Level, SchoolTable, ETHNICITIES};
use crate::text::{fmt_num, fmt_opt, or_na as opt, slug, thousands};
use std::fmt::Write;

/// All school models in the plan, sorted.
fn models(networks: &[NetworkMetrics]) -> Vec<String> {
    let mut m: Vec<String> = networks
        .iter()
        .flat_map(|n| n.models.keys().cloned())
        .collect();
    m.sort();
    m.dedup();
    m
}

/// `affiliations.csv`: one row per school in an affiliation group, with its geographic network.
pub fn affiliations_csv(plan: &Plan) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "affiliation",
        "group",
        "id",
        "name",
        "level",
        "enrollment",
        "dfs",
        "network",
        "region",
    ])
    .expect("writing to memory");
    let region = |n: &str| {
        plan.file
            .networks
            .iter()
            .find(|m| m.network == n)
            .and_then(|m| m.region.clone())
            .unwrap_or_default()
    };
    for a in &plan.file.affiliations {
        for g in &a.groups {
            for m in &g.members {
                w.write_record([
                    a.label.as_str(),
                    &g.id,
                    &m.id,
                    &m.name,
                    &m.level,
                    &m.enrollment.to_string(),
                    &fmt_opt(m.dfs, 1),
                    &m.network,
                    &region(&m.network),
                ])
                .expect("writing to memory");
            }
        }
    }
    w.into_inner().expect("writing to memory")
}

/// The Markdown report.
pub fn markdown(plan: &Plan, table: &SchoolTable) -> String {
    let f = &plan.file;
    let s = &f.scenario;
    let mut out = String::new();
    let nets = &f.networks;
    let k = nets.len();
    let _ = writeln!(out, "# {}: {} networks\n", s.name, k);
    let verdict = if f.all_constraints_hold {
        "**Every rule of the scenario holds.**".to_string()
    } else {
        let broken: Vec<&str> = f
            .constraints
            .iter()
            .filter(|c| !c.holds)
            .map(|c| c.key.as_str())
            .collect();
        format!(
            "**Some rules do not hold: {}.** This plan was written with --best-effort.",
            broken.join(", ")
        )
    };
    let _ = writeln!(out, "{verdict}\n");
    let _ = writeln!(
        out,
        "{} schools and {} students in {} networks: on average {} schools and {} students per network.\n",
        f.input.schools,
        thousands(f.input.enrollment as f64),
        k,
        fmt_num(f.input.schools as f64 / k as f64, 1),
        thousands(f.input.enrollment as f64 / k as f64)
    );
    if let Some(r) = &s.reference {
        let _ = writeln!(
            out,
            "For comparison, {}: {} networks, on average {} schools and {} students per network.\n",
            r.label,
            r.networks,
            fmt_num(r.schools_per_network, 0),
            thousands(r.students_per_network)
        );
    }
    let _ = writeln!(out, "## Rules\n");
    let _ = writeln!(out, "| Rule | Holds | In this plan | Margin |");
    let _ = writeln!(out, "|---|---|---|---|");
    for c in &f.constraints {
        let mut observed = c.observed.clone();
        if !c.failing_networks.is_empty() {
            observed.push_str(&format!(" (fails in {})", c.failing_networks.join(", ")));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} |",
            c.rule,
            if c.holds { "yes" } else { "**NO**" },
            observed,
            fmt_num(c.margin, 0),
            c.unit
        );
    }
    let _ = writeln!(out, "\nMargin: how far the tightest network is from the limit (negative: by how much it is broken).\n");

    let _ = writeln!(out, "## Networks\n");
    let _ = writeln!(
        out,
        "| Network | Schools | Students | vs mean | Elem. | Middle | High | Span | Other | Charter | Magnet | FRPM % | ELA DFS | Math DFS | Low-perf. % | Hispanic % | Black % | White % | Asian % | Mean km | Max km | Connected |"
    );
    let _ = writeln!(
        out,
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    );
    for n in nets {
        let lv = |l: Level| n.schools_at(l);
        let eth = |g: &str| fmt_num(n.ethnicity_pct.get(g).copied().unwrap_or(0.0), 1);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}{}% | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            n.network,
            n.schools,
            thousands(n.enrollment as f64),
            if n.enrollment_deviation_pct > 0.0 { "+" } else { "" },
            fmt_num(n.enrollment_deviation_pct, 1),
            lv(Level::Elementary),
            lv(Level::Middle),
            lv(Level::High),
            lv(Level::Span),
            lv(Level::Other),
            n.charter_schools,
            n.magnet_schools,
            opt(n.frpm_pct, 1),
            opt(n.ela_dfs, 1),
            opt(n.math_dfs, 1),
            opt(n.low_performing_pct, 1),
            eth("hispanic"),
            eth("black"),
            eth("white"),
            eth("asian"),
            fmt_num(n.mean_km, 1),
            fmt_num(n.max_km, 1),
            if n.connected { "yes" } else { "**NO**" }
        );
    }

    let d = &f.district;
    let _ = writeln!(out, "\n## Balance\n");
    let _ = writeln!(
        out,
        "District: FRPM {}%, mean distance from standard {} points, {} of {} rated schools low-performing ({}).\n",
        opt(d.frpm_pct, 1),
        opt(d.dfs, 1),
        d.low_performing_schools,
        d.rated_schools,
        d.low_performing_rule
    );
    let _ = writeln!(
        out,
        "Index of dissimilarity across networks (0 = every network has the district's mix; 100 = complete separation): {}.",
        f.dissimilarity_index.iter().map(|(g, v)| format!("{g} {}", fmt_num(*v, 1))).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(out, "\n## Spread across networks\n");
    let spread = |name: &str, vals: Vec<f64>, d: usize, out: &mut String| {
        if vals.is_empty() {
            return;
        }
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        // Whole numbers (students) with thousands separators, as everywhere else in the report.
        let show = |v: f64| if d == 0 { thousands(v) } else { fmt_num(v, d) };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            show(lo),
            show(mean),
            show(hi)
        );
    };
    let _ = writeln!(
        out,
        "| Figure | Lowest | Mean | Highest |\n|---|--:|--:|--:|"
    );
    spread(
        "Schools",
        nets.iter().map(|n| n.schools as f64).collect(),
        1,
        &mut out,
    );
    spread(
        "Students",
        nets.iter().map(|n| n.enrollment as f64).collect(),
        0,
        &mut out,
    );
    spread(
        "FRPM %",
        nets.iter().filter_map(|n| n.frpm_pct).collect(),
        1,
        &mut out,
    );
    spread(
        "ELA distance from standard",
        nets.iter().filter_map(|n| n.ela_dfs).collect(),
        1,
        &mut out,
    );
    spread(
        "Math distance from standard",
        nets.iter().filter_map(|n| n.math_dfs).collect(),
        1,
        &mut out,
    );
    spread(
        "Distance from standard (ELA and math)",
        nets.iter().filter_map(|n| n.dfs).collect(),
        1,
        &mut out,
    );
    spread(
        "Low-performing schools %",
        nets.iter().filter_map(|n| n.low_performing_pct).collect(),
        1,
        &mut out,
    );
    spread(
        "Mean distance to centre, km",
        nets.iter().map(|n| n.mean_km).collect(),
        1,
        &mut out,
    );

    for section in sections::sections(f) {
        out.push_str(&sections::markdown(&section));
    }

    feeder_section(&mut out, plan, table);

    let _ = writeln!(out, "\n## How to read this\n");
    let _ = writeln!(
        out,
        "- **Students**: K-12 enrollment. **vs mean**: difference from the average network ({}).",
        thousands(f.input.enrollment as f64 / k as f64)
    );
    let _ = writeln!(out, "- **FRPM %**: share of students eligible for free or reduced-price meals (a poverty measure).");
    let _ = writeln!(
        out,
        "- **ELA / Math DFS**: average distance from standard on state tests, in points, weighted by enrollment (0 = at standard; negative = below)."
    );
    let _ = writeln!(
        out,
        "- **Low-perf. %**: share of rated schools that are low-performing: {}.",
        d.low_performing_rule
    );
    let _ = writeln!(
        out,
        "- **Mean / Max km**: distance from a school to the centre of its network."
    );
    let _ = writeln!(out, "- **Connected**: the network is one piece of neighbouring campuses (neighbouring pathways, for feeder networks), with no island cut off from the rest.");
    let missing =
        |f: &dyn Fn(&crate::schools::School) -> bool| table.schools.iter().filter(|s| f(s)).count();
    let _ = writeln!(
        out,
        "- Schools without data are left out of a figure, never guessed: {} without FRPM, {} without ELA, {} without math scores, {} without a performance level.",
        missing(&|s| s.frpm_pct.is_none()),
        missing(&|s| s.ela_dfs.is_none()),
        missing(&|s| s.math_dfs.is_none()),
        missing(&|s| s.perf_level.is_none())
    );
    if table.extra_columns.iter().any(|c| c == "feeds_into_source") {
        let _ = writeln!(out, "- Feeder links in this table were derived by distance (no district feeder records); see `feeds_into_source`.");
    }
    let _ = writeln!(out, "\n## Provenance\n");
    let _ = writeln!(
        out,
        "- Schools: `{}` (SHA-256 {})",
        f.input.schools_file, &f.input.schools_sha256
    );
    if let Some(o) = &f.input.outline_file {
        let _ = writeln!(out, "- District outline: `{o}`");
    }
    let _ = writeln!(
        out,
        "- Scenario: `{}`{}",
        f.scenario_file,
        if f.overrides.is_empty() {
            String::new()
        } else {
            format!(", with {}", f.overrides.join(", "))
        }
    );
    let _ = writeln!(
        out,
        "- Seed {}, {} restarts; compactness {} km² (sum of squared school-to-centre distances).",
        f.seed,
        s.solver.restarts,
        fmt_num(f.compactness_km2, 0)
    );
    let _ = writeln!(
        out,
        "- Campus adjacency: {} links ({} Delaunay links; {} removed as crossing the outline, {} as too long; {} restored to keep every campus reachable).",
        f.adjacency.edges,
        f.adjacency.delaunay_edges,
        f.adjacency.removed_outside_outline,
        f.adjacency.removed_too_long,
        f.adjacency.restored_to_connect
    );
    let _ = writeln!(out, "- Made by {}.", f.tool);
    out
}

/// "Feeder pathways": in every plan, the feeder links it cuts; in feeder mode, how pathways were built.
fn feeder_section(out: &mut String, plan: &Plan, table: &SchoolTable) {
    let f = &plan.file;
    let l = &f.feeder_links;
    let _ = writeln!(out, "\n## Feeder pathways\n");
    if l.links == 0 {
        let _ = writeln!(
            out,
            "The table has no feeder links (`feeds_into`), so pathways cannot be counted."
        );
        return;
    }
    let pct = |a: usize, b: usize| fmt_num(100.0 * a as f64 / b.max(1) as f64, 1);
    let _ = writeln!(
        out,
        "Network boundaries cut {} of the table's {} feeder links ({}%): {} of {} pathways (a school at the top of a chain with the schools that feed it) are spread over more than one network. report.csv gives each network's cut links (`feeder_links_cut`, links crossing its boundary either way).",
        l.cut,
        l.links,
        pct(l.cut, l.links),
        l.pathways_split,
        l.pathways
    );
    let Some(p) = &f.pathways else {
        let cost = f.scenario.pathways.cut_link_cost_km2;
        if cost > 0.0 {
            let _ = writeln!(out, "\nSoft goal of this scenario: each cut link cost {} km² of compactness, so pathways were kept together where that cost little distance.", fmt_num(cost, 1));
        }
        return;
    };
    let name = |id: &str| {
        table
            .schools
            .iter()
            .find(|s| s.id == id)
            .map_or(id.to_string(), |s| format!("{} ({id})", s.name))
    };
    let _ = writeln!(out, "\nThese are feeder-pattern networks: every pathway is kept whole, and schools in no pathway join their neighbours by geography. How pathways were built from the table's `feeds_into` links:\n");
    let _ = writeln!(out, "- A school belongs to the pathway of the school it feeds, up the chain: {} pathways, {} of them topped by a high school; {} schools in pathways.", p.pathways, p.topped_by_high, p.schools_in_pathways);
    if !p.other_tops.is_empty() {
        let list: Vec<String> = p
            .other_tops
            .iter()
            .map(|(id, level)| format!("{} ({level})", name(id)))
            .collect();
        let _ = writeln!(
            out,
            "- Pathways topped by a school that is not a high school: {}.",
            list.join("; ")
        );
    }
    let _ = writeln!(out, "- Schools in no pathway (no link, and no school feeds them; mostly charter, continuation, special-education and option schools) are planned on their own by geography: {} schools.", p.schools_without_pathway);
    if !p.span_schools_in_pathways.is_empty() {
        let list: Vec<String> = p
            .span_schools_in_pathways
            .iter()
            .map(|id| name(id))
            .collect();
        let _ = writeln!(
            out,
            "- Span schools (K-8, 6-12, K-12) sit in a pathway through their own link: {}.",
            list.join("; ")
        );
    }
    if p.merged_by_campus.is_empty() {
        let _ = writeln!(
            out,
            "- No campus holds schools of two pathways, so no pathways were merged."
        );
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
        let _ = writeln!(out, "- Pathways merged because a campus holds schools of both (co-located schools stay together): {}.", list.join("; "));
    }
    if !p.split.is_empty() {
        let list: Vec<String> = p.split.iter().map(|id| name(id)).collect();
        let _ = writeln!(out, "- Split on the scenario's request (`pathways.split`) into the sub-pathways of the schools feeding them: {}.", list.join("; "));
    }
    if !p.split_not_found.is_empty() {
        let _ = writeln!(
            out,
            "- Ignored in `pathways.split` (no school feeds them): {}.",
            p.split_not_found.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "- Planning units: {} (whole pathways, plus campuses of schools in no pathway).",
        p.units
    );
    let _ = writeln!(out, "- A school feeds one school only; where students go on to several, the table links it to the main one.");
}

/// The CSV report: one row per network.
pub fn csv(plan: &Plan) -> Vec<u8> {
    let nets = &plan.file.networks;
    let models = models(nets);
    let mut header: Vec<String> = [
        "network",
        "schools",
        "campuses",
        "enrollment",
        "enrollment_deviation_pct",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(Level::ALL.iter().map(|l| format!("level_{}", l.as_str())));
    header.extend(
        models
            .iter()
            .map(|m| format!("model_{}", m.replace(' ', "_"))),
    );
    header.extend(
        [
            "charter_schools",
            "magnet_schools",
            "frpm_pct",
            "ela_dfs",
            "math_dfs",
            "low_performing_schools",
            "rated_schools",
            "low_performing_pct",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    header.extend(ETHNICITIES.iter().map(|e| format!("{e}_pct")));
    header.extend(
        [
            "centre_lat",
            "centre_lon",
            "mean_km",
            "max_km",
            "compactness_km2",
            "feeder_links_cut",
            "connected",
            "region",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let staff = plan.file.staffing.as_ref();
    if let Some(st) = staff {
        header.extend(
            st.positions
                .iter()
                .map(|p| format!("staff_{}", slug(&p.title))),
        );
        header.extend(["staff_positions".to_string(), "staff_cost".to_string()]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("writing to memory");
    for n in nets {
        let mut row = vec![
            n.network.clone(),
            n.schools.to_string(),
            n.campuses.to_string(),
            n.enrollment.to_string(),
            fmt_num(n.enrollment_deviation_pct, 2),
        ];
        row.extend(Level::ALL.iter().map(|l| n.schools_at(*l).to_string()));
        row.extend(
            models
                .iter()
                .map(|m| n.models.get(m).copied().unwrap_or(0).to_string()),
        );
        row.extend([
            n.charter_schools.to_string(),
            n.magnet_schools.to_string(),
            fmt_opt(n.frpm_pct, 1),
            fmt_opt(n.ela_dfs, 1),
            fmt_opt(n.math_dfs, 1),
            n.low_performing_schools.to_string(),
            n.rated_schools.to_string(),
            fmt_opt(n.low_performing_pct, 1),
        ]);
        row.extend(
            ETHNICITIES
                .iter()
                .map(|e| fmt_num(n.ethnicity_pct.get(*e).copied().unwrap_or(0.0), 1)),
        );
        row.extend([
            fmt_num(n.centre_lat, 6),
            fmt_num(n.centre_lon, 6),
            fmt_num(n.mean_km, 2),
            fmt_num(n.max_km, 2),
            fmt_num(n.compactness_km2, 1),
            n.feeder_links_cut.to_string(),
            if n.connected {
                "yes".into()
            } else {
                "no".into()
            },
            n.region.clone().unwrap_or_default(),
        ]);
        if let Some(st) = staff.and_then(|st| st.networks.iter().find(|s| s.network == n.network)) {
            row.extend(st.positions.iter().map(|c| c.to_string()));
            row.extend([st.total_positions.to_string(), fmt_num(st.cost, 2)]);
        }
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
