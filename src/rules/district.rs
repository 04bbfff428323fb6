//! The district's own figures, which the balance rules are measured against, and who is low-performing:
//! one definition for the solver, the checks and the report.

use crate::plan_file::District;
use crate::scenarios::{LowPerforming, Scenario};
use crate::schools::{School, SchoolTable, ETHNICITIES};
use crate::text::{fmt_num, round};
use std::collections::BTreeMap;

/// A school's distance from standard: the average of its ELA and math figures, or the one it has.
pub fn school_dfs(s: &School) -> Option<f64> {
    match (s.ela_dfs, s.math_dfs) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        (a, b) => a.or(b),
    }
}

/// Enrollment-weighted mean of `f` over the schools that have a value (`None` if none has).
pub fn weighted_mean<'a>(
    schools: impl Iterator<Item = &'a School>,
    f: impl Fn(&School) -> Option<f64>,
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
pub fn ethnicity_pct<'a>(
    schools: impl Iterator<Item = &'a School>,
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

/// Computes the district figures for a table under a scenario's definitions.
pub fn district(table: &SchoolTable, scenario: &Scenario) -> District {
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
