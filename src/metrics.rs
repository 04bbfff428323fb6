//! Network figures and constraint checks, computed from a school → network assignment.
//!
//! These are pure functions of the table, the units, the adjacency graph and the assignment: they check
//! what a plan *is*, not what the solver believed, and the report and plan.json print their results.

use crate::geography::haversine_km;
use crate::scenarios::Scenario;
use crate::schools::{Level, SchoolTable, ETHNICITIES};
use crate::text::{fmt_num, round, thousands};
use crate::units::{Adjacency, Units};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A school's distance from standard: the average of its ELA and math figures, or the one it has.
pub(crate) fn school_dfs(s: &crate::schools::School) -> Option<f64> {
    match (s.ela_dfs, s.math_dfs) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        (a, b) => a.or(b),
    }
}

/// Enrollment-weighted mean of `f` over the schools that have a value (`None` if none has).
fn weighted_mean<'a>(
    schools: impl Iterator<Item = &'a crate::schools::School>,
    f: impl Fn(&crate::schools::School) -> Option<f64>,
) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for s in schools {
        if let Some(v) = f(s) {
            num += v * f64::from(s.enrollment);
            den += f64::from(s.enrollment);
        }
    }
    (den > 0.0).then(|| num / den)
}

/// Percent of students by ethnicity over the given schools, rounded to `decimals`.
fn ethnicity_pct<'a>(
    schools: impl Iterator<Item = &'a crate::schools::School>,
    decimals: i32,
) -> BTreeMap<String, f64> {
    let mut eth = [0u64; 9];
    for s in schools {
        for (j, v) in s.ethnicity.iter().enumerate() {
            eth[j] += u64::from(v.unwrap_or(0));
        }
    }
    let total: u64 = eth.iter().sum();
    ETHNICITIES
        .iter()
        .zip(eth)
        .map(|(g, n)| {
            (
                g.to_string(),
                if total > 0 {
                    round(100.0 * n as f64 / total as f64, decimals)
                } else {
                    0.0
                },
            )
        })
        .collect()
}

/// District-wide figures that the balance rules are measured against, and each school's low-performing flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    /// Per school: `Some(true)` low-performing, `Some(false)` rated and not, `None` without data.
    #[serde(skip)]
    pub low: Vec<Option<bool>>,
    /// How low-performing is decided, in words.
    pub low_performing_rule: String,
    pub low_performing_schools: usize,
    pub rated_schools: usize,
    /// Enrollment-weighted mean distance from standard (average of ELA and math).
    pub dfs: Option<f64>,
    /// Percent of students eligible for free or reduced-price meals.
    pub frpm_pct: Option<f64>,
    /// Percent of students by ethnicity.
    pub ethnicity_pct: BTreeMap<String, f64>,
}

/// Computes the district figures for a table under a scenario's definitions.
pub fn district(table: &SchoolTable, scenario: &Scenario) -> District {
    use crate::scenarios::LowPerforming;
    let perf = &scenario.performance;
    let (low, rule): (Vec<Option<bool>>, String) = match perf.low_performing {
        LowPerforming::Level => (
            table
                .schools
                .iter()
                .map(|s| s.perf_level.map(|p| p <= perf.low_performing_level))
                .collect(),
            format!(
                "performance level {} or below (the lower of ELA and math; 1 = very low)",
                perf.low_performing_level
            ),
        ),
        LowPerforming::BottomQuartile => {
            let mut scores: Vec<f64> = table.schools.iter().filter_map(school_dfs).collect();
            scores.sort_by(f64::total_cmp);
            // Nearest-rank 25th percentile.
            let cut = scores
                .get((scores.len() as f64 * 0.25).ceil().max(1.0) as usize - 1)
                .copied();
            let low = table
                .schools
                .iter()
                .map(|s| school_dfs(s).zip(cut).map(|(d, c)| d <= c))
                .collect();
            let rule = match cut {
                Some(c) => format!(
                    "bottom quarter of the district's schools by distance from standard (average of ELA and math at or below {})",
                    fmt_num(c, 1)
                ),
                None => "bottom quarter by distance from standard (no school has scores)".into(),
            };
            (low, rule)
        }
    };
    District {
        low_performing_rule: rule,
        low_performing_schools: low.iter().filter(|l| **l == Some(true)).count(),
        rated_schools: low.iter().filter(|l| l.is_some()).count(),
        low,
        dfs: weighted_mean(table.schools.iter(), school_dfs).map(|v| round(v, 2)),
        frpm_pct: weighted_mean(table.schools.iter(), |s| s.frpm_pct).map(|v| round(v, 2)),
        ethnicity_pct: ethnicity_pct(table.schools.iter(), 2),
    }
}

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

/// Figures for one network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkMetrics {
    /// The short id (`N01`), the key every table and file uses.
    pub network: String,
    /// The community name a board would use (see [`crate::names`]); empty in plans written before names.
    #[serde(default)]
    pub name: String,
    pub schools: usize,
    pub campuses: usize,
    pub enrollment: u64,
    /// Enrollment minus the mean network enrollment, in percent of the mean.
    pub enrollment_deviation_pct: f64,
    /// Schools by level (every level listed).
    pub levels: BTreeMap<String, usize>,
    /// Schools by model.
    pub models: BTreeMap<String, usize>,
    pub charter_schools: usize,
    pub magnet_schools: usize,
    /// Percent of students eligible for free or reduced-price meals (schools that report it).
    pub frpm_pct: Option<f64>,
    /// Enrollment-weighted mean ELA distance from standard (schools with a score).
    pub ela_dfs: Option<f64>,
    /// Enrollment-weighted mean math distance from standard (schools with a score).
    pub math_dfs: Option<f64>,
    /// Enrollment-weighted mean of schools' distance from standard (average of ELA and math).
    pub dfs: Option<f64>,
    /// Low-performing schools (by the scenario's definition, see [`District`]).
    pub low_performing_schools: usize,
    /// Schools with the data that definition needs.
    pub rated_schools: usize,
    /// low_performing_schools / rated_schools, percent.
    pub low_performing_pct: Option<f64>,
    /// Percent of students by ethnicity (schools that report it).
    pub ethnicity_pct: BTreeMap<String, f64>,
    /// Centre: mean position of the network's schools.
    pub centre_lat: f64,
    pub centre_lon: f64,
    /// Mean and largest distance from a school to the centre, km.
    pub mean_km: f64,
    pub max_km: f64,
    /// Sum of squared distances from schools to the centre, km² (the compactness objective).
    pub compactness_km2: f64,
    /// Feeder links (`feeds_into`) that cross the network's boundary, either way.
    pub feeder_links_cut: usize,
    /// One connected piece on the adjacency graph of the units planned (campuses, or pathways in feeder
    /// mode).
    pub connected: bool,
    /// The support region the network belongs to, when the scenario draws regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl NetworkMetrics {
    /// The id with the name, for a line of text: "N05 Crenshaw" (the id alone before names existed).
    pub fn title(&self) -> String {
        if self.name.is_empty() {
            self.network.clone()
        } else {
            format!("{} {}", self.network, self.name)
        }
    }

    /// Schools of `level` in the network (0 when it has none).
    pub(crate) fn schools_at(&self, level: Level) -> usize {
        self.levels.get(level.as_str()).copied().unwrap_or(0)
    }
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
            let schools: Vec<&crate::schools::School> =
                m.iter().map(|&i| &table.schools[i]).collect();
            let enrollment: u64 = schools.iter().map(|s| u64::from(s.enrollment)).sum();
            let mut levels: BTreeMap<String, usize> = Level::ALL
                .iter()
                .map(|l| (l.as_str().to_string(), 0))
                .collect();
            let mut models = BTreeMap::new();
            for s in &schools {
                *levels.entry(s.level.as_str().into()).or_default() += 1;
                *models.entry(s.model.clone()).or_insert(0) += 1;
            }
            let weighted = |f: &dyn Fn(&crate::schools::School) -> Option<f64>| {
                weighted_mean(schools.iter().copied(), f).map(|v| round(v, 1))
            };
            let rated = m.iter().filter(|&&i| district.low[i].is_some()).count();
            let low = m.iter().filter(|&&i| district.low[i] == Some(true)).count();
            let ethnicity_pct = ethnicity_pct(schools.iter().copied(), 1);
            let n = schools.len().max(1) as f64;
            let centre_lat = schools.iter().map(|s| s.lat).sum::<f64>() / n;
            let centre_lon = schools.iter().map(|s| s.lon).sum::<f64>() / n;
            let dists: Vec<f64> = schools
                .iter()
                .map(|s| haversine_km(s.lat, s.lon, centre_lat, centre_lon))
                .collect();
            let centre = units.projection.forward(centre_lat, centre_lon);
            let sse: f64 = schools
                .iter()
                .map(|s| {
                    let p = units.projection.forward(s.lat, s.lon);
                    (p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)
                })
                .sum();
            let mut member = vec![false; units.len()];
            let mut on_campus = vec![false; campuses.len()];
            for &i in m {
                member[units.of_school[i]] = true;
                on_campus[campuses.of_school[i]] = true;
            }
            NetworkMetrics {
                network: ids[c].clone(),
                name: String::new(),
                schools: schools.len(),
                campuses: on_campus.iter().filter(|b| **b).count(),
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
                low_performing_schools: low,
                rated_schools: rated,
                low_performing_pct: (rated > 0)
                    .then(|| round(100.0 * low as f64 / rated as f64, 1)),
                ethnicity_pct,
                centre_lat: round(centre_lat, 6),
                centre_lon: round(centre_lon, 6),
                mean_km: round(dists.iter().sum::<f64>() / n, 2),
                max_km: round(dists.iter().copied().fold(0.0, f64::max), 2),
                compactness_km2: round(sse, 1),
                feeder_links_cut: cut[c],
                connected: !m.is_empty() && adjacency.is_connected(&member),
                region: None,
            }
        })
        .collect()
}

/// The result of checking one hard constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintCheck {
    /// Short key, stable across versions (e.g. `enrollment_band`).
    pub key: String,
    /// The rule in words, with its numbers.
    pub rule: String,
    pub holds: bool,
    /// What the plan has (e.g. the smallest and largest network).
    pub observed: String,
    /// Slack to the nearest bound, in `unit`; negative when the rule is broken.
    pub margin: f64,
    pub unit: String,
    /// Networks that break the rule.
    pub failing_networks: Vec<String>,
}

impl ConstraintCheck {
    /// The check that each of `total` pieces (networks or regions, the `unit`) is one connected piece;
    /// `failing` names those that are not.
    pub fn connected(
        key: &str,
        rule: String,
        total: usize,
        unit: &str,
        failing: Vec<String>,
    ) -> Self {
        ConstraintCheck {
            key: key.into(),
            rule,
            holds: failing.is_empty(),
            observed: format!("{} of {total} {unit} connected", total - failing.len()),
            margin: 0.0 - failing.len() as f64,
            unit: unit.into(),
            failing_networks: failing,
        }
    }
}

/// Enrollment band [min, max] for a scenario and table.
pub fn enrollment_band(total: u64, scenario: &Scenario) -> (f64, f64) {
    let mean = total as f64 / scenario.networks as f64;
    let t = scenario.size.enrollment_tolerance;
    (mean * (1.0 - t), mean * (1.0 + t))
}

/// Checks every hard constraint of the scenario.
pub(crate) fn check_constraints(
    table: &SchoolTable,
    units: &Units,
    assignment: &[usize],
    metrics: &[NetworkMetrics],
    scenario: &Scenario,
    district: &District,
) -> Vec<ConstraintCheck> {
    let mut out = Vec::new();
    let ids = |f: &dyn Fn(&NetworkMetrics) -> bool| {
        metrics
            .iter()
            .filter(|m| f(m))
            .map(|m| m.network.clone())
            .collect::<Vec<_>>()
    };

    let non_empty = metrics.iter().filter(|m| m.schools > 0).count();
    out.push(ConstraintCheck {
        key: "networks".into(),
        rule: format!("exactly {} networks, none empty", scenario.networks),
        holds: non_empty == scenario.networks && assignment.len() == table.schools.len(),
        observed: format!(
            "{non_empty} networks with schools; {} of {} schools assigned",
            assignment.len(),
            table.schools.len()
        ),
        margin: non_empty as f64 - scenario.networks as f64,
        unit: "networks".into(),
        failing_networks: ids(&|m| m.schools == 0),
    });

    let (lo, hi) = (scenario.size.min_schools, scenario.size.max_schools);
    let smin = metrics.iter().map(|m| m.schools).min().unwrap_or(0);
    let smax = metrics.iter().map(|m| m.schools).max().unwrap_or(0);
    let failing = ids(&|m| m.schools < lo || m.schools > hi);
    out.push(ConstraintCheck {
        key: "schools_per_network".into(),
        rule: format!("{lo} to {hi} schools in each network"),
        holds: failing.is_empty(),
        observed: format!("smallest {smin}, largest {smax}"),
        margin: (smin as f64 - lo as f64).min(hi as f64 - smax as f64),
        unit: "schools".into(),
        failing_networks: failing,
    });

    let (elo, ehi) = enrollment_band(table.total_enrollment(), scenario);
    let emin = metrics.iter().map(|m| m.enrollment).min().unwrap_or(0) as f64;
    let emax = metrics.iter().map(|m| m.enrollment).max().unwrap_or(0) as f64;
    let failing = ids(&|m| (m.enrollment as f64) < elo || m.enrollment as f64 > ehi);
    out.push(ConstraintCheck {
        key: "enrollment_band".into(),
        rule: format!(
            "{} to {} students in each network (±{}% of the mean, {})",
            thousands(elo.ceil()),
            thousands(ehi.floor()),
            fmt_num(scenario.size.enrollment_tolerance * 100.0, 2),
            thousands(table.total_enrollment() as f64 / scenario.networks as f64)
        ),
        holds: failing.is_empty(),
        observed: format!("smallest {}, largest {}", thousands(emin), thousands(emax)),
        margin: round((emin - elo).min(ehi - emax), 0),
        unit: "students".into(),
        failing_networks: failing,
    });

    if scenario.geography.connected {
        let rule = match scenario.mode {
            crate::scenarios::Mode::Neighborhood => {
                "each network is one connected piece of neighbouring campuses"
            }
            crate::scenarios::Mode::Feeder => {
                "each network is one connected piece of neighbouring pathways"
            }
        };
        out.push(ConstraintCheck::connected(
            "connected",
            rule.into(),
            metrics.len(),
            "networks",
            ids(&|m| !m.connected),
        ));
    }

    for (key, level, need) in [
        ("min_high", Level::High, scenario.coverage.min_high),
        ("min_middle", Level::Middle, scenario.coverage.min_middle),
    ] {
        if need == 0 {
            continue;
        }
        let have = |m: &NetworkMetrics| m.schools_at(level);
        let least = metrics.iter().map(have).min().unwrap_or(0);
        let failing = ids(&|m| have(m) < need as usize);
        out.push(ConstraintCheck {
            key: key.into(),
            rule: format!(
                "at least {need} {} school(s) in each network",
                level.as_str()
            ),
            holds: failing.is_empty(),
            observed: format!("fewest: {least}"),
            margin: least as f64 - f64::from(need),
            unit: format!("{} schools", level.as_str()),
            failing_networks: failing,
        });
    }

    balance_checks(table, assignment, metrics, scenario, district, &mut out);

    out.push(units_whole(
        "campuses_together",
        "co-located schools (same campus) are in the same network",
        "campuses",
        units,
        assignment,
    ));
    out
}

/// Checks that every unit of `units` (campuses, or pathways) has all its schools in one network.
pub(crate) fn units_whole(
    key: &str,
    rule: &str,
    what: &str,
    units: &Units,
    assignment: &[usize],
) -> ConstraintCheck {
    let split = units
        .units
        .iter()
        .filter(|u| {
            u.schools
                .iter()
                .any(|&i| assignment[i] != assignment[u.schools[0]])
        })
        .count();
    ConstraintCheck {
        key: key.into(),
        rule: rule.into(),
        holds: split == 0,
        observed: format!("{split} of {} {what} split", units.len()),
        margin: -(split as f64),
        unit: what.into(),
        failing_networks: Vec::new(),
    }
}

/// Unrounded sums of one network, for checking rules exactly at their bounds.
#[derive(Default, Clone)]
struct Raw {
    low: f64,
    rated: f64,
    dfs: (f64, f64),
    frpm: (f64, f64),
    eth: [f64; 9],
    models: BTreeMap<String, u32>,
}

/// Checks a rule "value within [lo, hi]" on every network; `value` returns `None` when a network has no data.
#[allow(clippy::too_many_arguments)]
fn band_check(
    out: &mut Vec<ConstraintCheck>,
    key: &str,
    rule: String,
    unit: &str,
    metrics: &[NetworkMetrics],
    raws: &[Raw],
    (lo, hi): (f64, f64),
    value: &dyn Fn(&Raw) -> Option<f64>,
) {
    let vals: Vec<Option<f64>> = raws.iter().map(value).collect();
    let present: Vec<f64> = vals.iter().flatten().copied().collect();
    let vmin = present.iter().copied().fold(f64::INFINITY, f64::min);
    let vmax = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let failing: Vec<String> = metrics
        .iter()
        .zip(&vals)
        .filter(|(_, v)| v.is_some_and(|v| v < lo - 1e-9 || v > hi + 1e-9))
        .map(|(m, _)| m.network.clone())
        .collect();
    out.push(ConstraintCheck {
        key: key.into(),
        rule,
        holds: failing.is_empty(),
        observed: format!("lowest {}, highest {}", fmt_num(vmin, 1), fmt_num(vmax, 1)),
        margin: round((vmin - lo).min(hi - vmax), 2),
        unit: unit.into(),
        failing_networks: failing,
    });
}

/// The performance, diversity and school-model rules that the scenario switches on.
fn balance_checks(
    table: &SchoolTable,
    assignment: &[usize],
    metrics: &[NetworkMetrics],
    scenario: &Scenario,
    district: &District,
    out: &mut Vec<ConstraintCheck>,
) {
    let mut raws = vec![Raw::default(); metrics.len()];
    for (i, (s, &c)) in table.schools.iter().zip(assignment).enumerate() {
        let r = &mut raws[c];
        let e = f64::from(s.enrollment);
        if let Some(l) = district.low[i] {
            r.rated += 1.0;
            r.low += f64::from(u8::from(l));
        }
        if let Some(d) = school_dfs(s) {
            r.dfs.0 += e * d;
            r.dfs.1 += e;
        }
        if let Some(f) = s.frpm_pct {
            r.frpm.0 += e * f;
            r.frpm.1 += e;
        }
        for (j, v) in s.ethnicity.iter().enumerate() {
            r.eth[j] += f64::from(v.unwrap_or(0));
        }
        *r.models.entry(s.model.clone()).or_default() += 1;
    }
    let fmt = |v: f64| fmt_num(v, 1);
    if let Some(cap) = scenario.performance.max_low_performing_share {
        let share = |r: &Raw| (r.rated > 0.0).then(|| 100.0 * r.low / r.rated);
        band_check(
            out,
            "max_low_performing_share",
            format!(
                "at most {}% of each network's rated schools low-performing ({})",
                fmt(cap * 100.0),
                district.low_performing_rule
            ),
            "percentage points",
            metrics,
            &raws,
            (f64::NEG_INFINITY, cap * 100.0),
            &share,
        );
    }
    if let (Some(b), Some(m)) = (scenario.performance.dfs_band, district.dfs) {
        band_check(
            out,
            "dfs_band",
            format!(
                "mean distance from standard within ±{} points of the district's ({})",
                fmt(b),
                fmt(m)
            ),
            "points",
            metrics,
            &raws,
            (m - b, m + b),
            &|r: &Raw| (r.dfs.1 > 0.0).then(|| r.dfs.0 / r.dfs.1),
        );
    }
    if let (Some(b), Some(m)) = (scenario.diversity.frpm_band, district.frpm_pct) {
        band_check(
            out,
            "frpm_band",
            format!(
                "FRPM share within ±{} points of the district's ({}%)",
                fmt(b),
                fmt(m)
            ),
            "percentage points",
            metrics,
            &raws,
            (m - b, m + b),
            &|r: &Raw| (r.frpm.1 > 0.0).then(|| r.frpm.0 / r.frpm.1),
        );
    }
    if let Some(b) = scenario.diversity.ethnicity_band {
        for (j, g) in ETHNICITIES.iter().enumerate() {
            let m = district.ethnicity_pct.get(*g).copied().unwrap_or(0.0);
            if m == 0.0 {
                continue;
            }
            band_check(
                out,
                &format!("ethnicity_band_{g}"),
                format!(
                    "{g} share within ±{} points of the district's ({}%)",
                    fmt(b),
                    fmt(m)
                ),
                "percentage points",
                metrics,
                &raws,
                (m - b, m + b),
                &|r: &Raw| {
                    let t: f64 = r.eth.iter().sum();
                    (t > 0.0).then(|| 100.0 * r.eth[j] / t)
                },
            );
        }
    }
    for (model, &need) in &scenario.coverage.min_models {
        let have = |r: &Raw| r.models.get(model).copied().unwrap_or(0);
        let least = raws.iter().map(have).min().unwrap_or(0);
        let failing: Vec<String> = metrics
            .iter()
            .zip(&raws)
            .filter(|(_, r)| have(r) < need)
            .map(|(m, _)| m.network.clone())
            .collect();
        out.push(ConstraintCheck {
            key: format!("min_model_{}", model.replace(' ', "_")),
            rule: format!("at least {need} {model} school(s) in each network"),
            holds: failing.is_empty(),
            observed: format!("fewest: {least}"),
            margin: f64::from(least) - f64::from(need),
            unit: format!("{model} schools"),
            failing_networks: failing,
        });
    }
}
