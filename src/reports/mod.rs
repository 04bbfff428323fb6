//! Balance reports: `report.md` for people, `report.csv` for spreadsheets and ([`html`]) `report.html`, the
//! self-contained page with the map.
//!
//! What a report says is built once ([`plan::sections`], in the content model of [`model`]) and rendered
//! by the model's Markdown, HTML and CSV renderers.

pub mod board;
pub mod ensemble;
pub mod forecast;
pub mod html;
pub mod model;
pub mod plan;

use crate::plan_file::NetworkMetrics;
use crate::plans::Plan;
use crate::schools::{Level, SchoolTable, ETHNICITIES};
use crate::text::{fmt_num, fmt_opt, slug};
use model::{Cell, Table};

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
/// schools.csv: one row per school, in table order, with its network (id and name), region,
/// affiliation group and campus beside the school's own figures; what district staff load into a
/// spreadsheet or a student information system. A school's campus is named by the first id on it.
pub(crate) fn schools_csv(plan: &Plan, table: &SchoolTable) -> Vec<u8> {
    let mut t = Table::new(
        "",
        &[
            "id",
            "name",
            "network",
            "network_name",
            "region",
            "affiliation",
            "campus",
            "level",
            "model",
            "enrollment",
            "frpm_pct",
            "ela_dfs",
            "math_dfs",
            "low_performing",
        ],
    );
    let mut group: std::collections::BTreeMap<&str, String> = Default::default();
    for a in &plan.file.affiliations {
        for g in &a.groups {
            for m in &g.members {
                group.insert(m.id.as_str(), g.id.clone());
            }
        }
    }
    for (i, (s, &c)) in table.schools.iter().zip(&plan.school_network).enumerate() {
        let n = &plan.file.networks[c];
        let campus = &plan.units.units[plan.units.of_school[i]];
        let low = match plan.file.district.low.get(i).copied().flatten() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        t.row(
            [
                s.id.clone(),
                s.name.clone(),
                n.network.clone(),
                n.name.clone(),
                n.region.clone().unwrap_or_default(),
                group.get(s.id.as_str()).cloned().unwrap_or_default(),
                table.schools[campus.schools[0]].id.clone(),
                s.level.as_str().to_string(),
                s.model.clone(),
                s.enrollment.to_string(),
                fmt_opt(s.frpm_pct, 1),
                fmt_opt(s.ela_dfs, 1),
                fmt_opt(s.math_dfs, 1),
                low.to_string(),
            ]
            .into_iter()
            .map(Cell::text)
            .collect(),
        );
    }
    model::csv(&t)
}

pub(crate) fn affiliations_csv(plan: &Plan) -> Vec<u8> {
    let mut t = Table::new(
        "",
        &[
            "affiliation",
            "group",
            "id",
            "name",
            "level",
            "enrollment",
            "dfs",
            "network",
            "region",
        ],
    );
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
                t.row(
                    [
                        a.label.clone(),
                        g.id.clone(),
                        m.id.clone(),
                        m.name.clone(),
                        m.level.clone(),
                        m.enrollment.to_string(),
                        fmt_opt(m.dfs, 1),
                        m.network.clone(),
                        region(&m.network),
                    ]
                    .into_iter()
                    .map(Cell::text)
                    .collect(),
                );
            }
        }
    }
    model::csv(&t)
}

/// report.md: the plan's sections under its title.
pub fn markdown(plan: &Plan, table: &SchoolTable) -> String {
    let f = &plan.file;
    let mut out = format!("# {}: {} networks\n\n", f.scenario.name, f.networks.len());
    out.push_str(&model::markdown(&plan::sections(f, Some(table)), 2));
    out
}

/// The CSV report: one row per network.
pub fn csv(plan: &Plan) -> Vec<u8> {
    let nets = &plan.file.networks;
    let models = models(nets);
    let mut header: Vec<String> = [
        "network",
        "name",
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
    let mut t = Table {
        header,
        ..Table::new("", &[])
    };
    for n in nets {
        let mut row = vec![
            n.network.clone(),
            n.name.clone(),
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
        t.row(row.into_iter().map(Cell::text).collect());
    }
    model::csv(&t)
}
