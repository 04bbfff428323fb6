//! Network figures, computed from a school → network assignment: enrollment, schools by level and model,
//! poverty, test results, the low-performing share, the ethnic mix, distances and connectivity.
//!
//! These are pure functions of the table, the units, the adjacency graph and the assignment: they say what
//! a plan *is*, not what the solver believed, and the report and plan.json print them. Whether the rules
//! hold is the rule set's business ([`crate::rules`]), which reads the same assignment.

use crate::geography::haversine_km;
use crate::plan_file::PlanFile;
use crate::plan_file::{District, NetworkMetrics};
use crate::rules::district::{ethnicity_pct, school_dfs, weighted_mean};
use crate::schools::{Level, School, SchoolTable, ETHNICITIES};
use crate::text::round;
use crate::units::{Adjacency, Units};
use std::collections::BTreeMap;

/// Index of dissimilarity of each ethnic group across networks (0 = every network has the district's mix,
/// 100 = the group and everyone else never share a network): ½ Σ_networks |g_n/G − r_n/R| × 100, where g
/// counts the group's students and r everyone else's.
pub fn dissimilarity(table: &SchoolTable, assignment: &[usize], k: usize) -> BTreeMap<String, f64> {
    let mut by_net = vec![[0f64; 9]; k];
    for (s, &c) in table.schools.iter().zip(assignment) {
        for (j, v) in s.ethnicity.iter().enumerate() {
            by_net[c][j] += f64::from(v.unwrap_or(0));
        }
    }
    let totals: Vec<f64> = (0..9).map(|j| by_net.iter().map(|n| n[j]).sum()).collect();
    let all: f64 = totals.iter().sum();
    ETHNICITIES
        .iter()
        .enumerate()
        .filter(|(j, _)| totals[*j] > 0.0 && all - totals[*j] > 0.0)
        .map(|(j, g)| {
            let d: f64 = by_net
                .iter()
                .map(|n| {
                    let rest = n.iter().sum::<f64>() - n[j];
                    (n[j] / totals[j] - rest / (all - totals[j])).abs()
                })
                .sum();
            (g.to_string(), round(50.0 * d, 1))
        })
        .collect()
}

/// Computes every network's figures. `assignment[i]` is the network index of school `i`; `campuses` counts
/// campuses; connectivity is judged on `planning` (the units the solver assigned and their adjacency).
pub(crate) fn measure(
    table: &SchoolTable,
    campuses: &Units,
    planning: (&Units, &Adjacency),
    assignment: &[usize],
    ids: &[String],
    district: &District,
) -> Vec<NetworkMetrics> {
    let (units, adjacency) = planning;
    let k = ids.len();
    let mean = table.total_enrollment() as f64 / k as f64;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in assignment.iter().enumerate() {
        members[c].push(i);
    }
    let mut cut = vec![0usize; k];
    for (i, t) in crate::pathways::feeder_targets(table)
        .into_iter()
        .enumerate()
    {
        if let Some(t) = t.filter(|&t| assignment[i] != assignment[t]) {
            cut[assignment[i]] += 1;
            cut[assignment[t]] += 1;
        }
    }
    members
        .iter()
        .enumerate()
        .map(|(c, m)| {
            let schools: Vec<&School> = m.iter().map(|&i| &table.schools[i]).collect();
            let n = schools.len().max(1) as f64;
            let centre_lat = schools.iter().map(|s| s.lat).sum::<f64>() / n;
            let centre_lon = schools.iter().map(|s| s.lon).sum::<f64>() / n;
            let centre = units.projection.forward(centre_lat, centre_lon);
            let sse: f64 = schools
                .iter()
                .map(|s| {
                    let p = units.projection.forward(s.lat, s.lon);
                    (p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)
                })
                .sum();
            let rated = m.iter().filter(|&&i| district.low[i].is_some()).count();
            let low = m.iter().filter(|&&i| district.low[i] == Some(true)).count();
            let mut member = vec![false; units.len()];
            let mut on_campus = vec![false; campuses.len()];
            for &i in m {
                member[units.of_school[i]] = true;
                on_campus[campuses.of_school[i]] = true;
            }
            NetworkMetrics {
                network: ids[c].clone(),
                campuses: on_campus.iter().filter(|b| **b).count(),
                low_performing_schools: low,
                rated_schools: rated,
                low_performing_pct: (rated > 0)
                    .then(|| round(100.0 * low as f64 / rated as f64, 1)),
                compactness_km2: round(sse, 1),
                feeder_links_cut: cut[c],
                connected: !m.is_empty() && adjacency.is_connected(&member),
                region: None,
                ..by_table(&schools, mean)
            }
        })
        .collect()
}

/// The figures of a network that its schools' rows alone decide (not its campuses, connectivity,
/// compactness, feeder links or low-performing count, which need the units, the graph or the rules).
fn by_table(schools: &[&School], mean: f64) -> NetworkMetrics {
    let enrollment: u64 = schools.iter().map(|s| u64::from(s.enrollment)).sum();
    let mut levels: BTreeMap<String, usize> = Level::ALL
        .iter()
        .map(|l| (l.as_str().to_string(), 0))
        .collect();
    let mut models = BTreeMap::new();
    for s in schools {
        *levels.entry(s.level.as_str().into()).or_default() += 1;
        *models.entry(s.model.clone()).or_insert(0) += 1;
    }
    let weighted = |f: &dyn Fn(&School) -> Option<f64>| {
        weighted_mean(schools.iter().copied(), f).map(|v| round(v, 1))
    };
    let n = schools.len().max(1) as f64;
    let centre_lat = schools.iter().map(|s| s.lat).sum::<f64>() / n;
    let centre_lon = schools.iter().map(|s| s.lon).sum::<f64>() / n;
    let dists: Vec<f64> = schools
        .iter()
        .map(|s| haversine_km(s.lat, s.lon, centre_lat, centre_lon))
        .collect();
    NetworkMetrics {
        schools: schools.len(),
        enrollment,
        enrollment_deviation_pct: round(100.0 * (enrollment as f64 - mean) / mean, 2),
        levels,
        models,
        charter_schools: schools.iter().filter(|s| s.charter).count(),
        magnet_schools: schools.iter().filter(|s| s.magnet).count(),
        frpm_pct: weighted(&|s| s.frpm_pct),
        ela_dfs: weighted(&|s| s.ela_dfs),
        math_dfs: weighted(&|s| s.math_dfs),
        dfs: weighted(&school_dfs),
        ethnicity_pct: ethnicity_pct(schools.iter().copied(), 1),
        centre_lat: round(centre_lat, 6),
        centre_lon: round(centre_lon, 6),
        mean_km: round(dists.iter().sum::<f64>() / n, 2),
        max_km: round(dists.iter().copied().fold(0.0, f64::max), 2),
        ..NetworkMetrics::default()
    }
}

/// The first figure a plan file states that its own assignment, on the school table it was drawn from,
/// does not give: (network id, figure, as stated, as the assignment gives it). A plan.json whose schools
/// were moved by hand keeps the figures of the plan before, and every report of it would print them.
/// Only the figures the table alone decides are checked (enrollment, levels, models, charter and magnet
/// counts, poverty, test results, ethnic mix, centre and distances); `None` when every one agrees.
pub fn stale_figure(
    table: &SchoolTable,
    file: &PlanFile,
) -> Option<(String, String, String, String)> {
    let index = table.index();
    let k = file.networks.len().max(1);
    let mean = table.total_enrollment() as f64 / k as f64;
    for n in &file.networks {
        let schools: Vec<&School> = file
            .assignment
            .iter()
            .filter(|(_, net)| **net == n.network)
            .filter_map(|(id, _)| index.get(id.as_str()).map(|&i| &table.schools[i]))
            .collect();
        let got = by_table(&schools, mean);
        let num = |x: Option<f64>| x.map_or("none".to_string(), |x| x.to_string());
        let close = |a: Option<f64>, b: Option<f64>, tol: f64| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= tol,
            (a, b) => a.is_none() && b.is_none(),
        };
        let mut differs: Vec<(&str, String, String)> = Vec::new();
        if got.enrollment != n.enrollment {
            differs.push((
                "enrollment",
                n.enrollment.to_string(),
                got.enrollment.to_string(),
            ));
        }
        for (level, count) in &got.levels {
            let stated = n.levels.get(level).copied().unwrap_or(0);
            if stated != *count {
                differs.push((
                    "levels",
                    format!("{stated} {level}"),
                    format!("{count} {level}"),
                ));
            }
        }
        let models: BTreeMap<&String, &usize> = n.models.iter().filter(|(_, c)| **c > 0).collect();
        if models != got.models.iter().collect::<BTreeMap<_, _>>() {
            differs.push(("models", format!("{models:?}"), format!("{:?}", got.models)));
        }
        if got.charter_schools != n.charter_schools {
            differs.push((
                "charter_schools",
                n.charter_schools.to_string(),
                got.charter_schools.to_string(),
            ));
        }
        if got.magnet_schools != n.magnet_schools {
            differs.push((
                "magnet_schools",
                n.magnet_schools.to_string(),
                got.magnet_schools.to_string(),
            ));
        }
        for (key, stated, g) in [
            ("frpm_pct", n.frpm_pct, got.frpm_pct),
            ("ela_dfs", n.ela_dfs, got.ela_dfs),
            ("math_dfs", n.math_dfs, got.math_dfs),
            ("dfs", n.dfs, got.dfs),
        ] {
            if !close(stated, g, 0.051) {
                differs.push((key, num(stated), num(g)));
            }
        }
        for (group, pct) in &got.ethnicity_pct {
            let stated = n.ethnicity_pct.get(group).copied();
            if !close(stated, Some(*pct), 0.051) {
                differs.push((
                    "ethnicity_pct",
                    format!("{group} {}", num(stated)),
                    format!("{group} {pct}"),
                ));
            }
        }
        for (key, stated, g, tol) in [
            ("centre_lat", n.centre_lat, got.centre_lat, 2e-6),
            ("centre_lon", n.centre_lon, got.centre_lon, 2e-6),
            ("mean_km", n.mean_km, got.mean_km, 0.0051),
            ("max_km", n.max_km, got.max_km, 0.0051),
        ] {
            if (stated - g).abs() > tol {
                differs.push((key, stated.to_string(), g.to_string()));
            }
        }
        if let Some((key, stated, g)) = differs.into_iter().next() {
            return Some((n.network.clone(), key.to_string(), stated, g));
        }
    }
    None
}
