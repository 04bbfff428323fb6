//! What every number of a scenario may be: its range and unit, in one table read both by
//! [`Scenario::check`](super::Scenario::check) (a number of the right type out of range: `cost = 1e300`) and
//! by the reader when TOML gives a key a number its type cannot hold (`seed = -1`, `networks = 3.5`,
//! `min_high = 4294967297`), so every such error names the key, its line, the range and the unit.

use crate::limits::MAX_NETWORKS;
use crate::text::human;

/// One number of a scenario.
pub(crate) struct Number {
    /// The key, dotted; `*` stands for any one name (a model, an affiliation) and array indices are left
    /// out (`staffing.standard.cost` is the cost of every standard position).
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whether the bounds themselves are excluded (a tolerance is above 0 and below 1).
    pub above_min: bool,
    pub below_max: bool,
    /// A whole number.
    pub whole: bool,
    /// What the number counts or measures, after the range ("networks", "dollars a year").
    pub unit: &'static str,
    /// An example of a good setting.
    pub example: &'static str,
}

const fn real(
    key: &'static str,
    min: f64,
    max: f64,
    unit: &'static str,
    example: &'static str,
) -> Number {
    Number {
        key,
        min,
        max,
        above_min: false,
        below_max: false,
        whole: false,
        unit,
        example,
    }
}

const fn whole(
    key: &'static str,
    min: f64,
    max: f64,
    unit: &'static str,
    example: &'static str,
) -> Number {
    Number {
        whole: true,
        ..real(key, min, max, unit, example)
    }
}

/// A fraction of a mean: above 0 and below 1.
const fn fraction(key: &'static str, example: &'static str) -> Number {
    Number {
        above_min: true,
        below_max: true,
        ..real(
            key,
            0.0,
            1.0,
            "(a fraction of the mean: 0.10 is ±10%)",
            example,
        )
    }
}

/// Most schools any count of schools may be: the most rows a table may have.
const SCHOOLS: f64 = crate::limits::MAX_TABLE_ROWS as f64;
/// Most positions of one title in a network, and most a year's position may cost: far above any district,
/// low enough that a district's total is an exact whole number of dollars.
const POSITIONS: f64 = 1_000.0;
const COST: f64 = 10_000_000.0;

/// Every number a scenario holds (`Scenario::numbers` lists their values).
pub(crate) const NUMBERS: &[Number] = &[
    whole("networks", 1.0, MAX_NETWORKS as f64, "networks", "networks = 32"),
    Number {
        above_min: true,
        ..real(
            "barrier_price_km2",
            0.0,
            super::MAX_BARRIER_PRICE_KM2,
            "km² a crossing",
            "barrier_price_km2 = 25 (km² of compactness for each link across a barrier a network keeps), or leave it out for hard barriers",
        )
    },
    whole("size.min_schools", 0.0, SCHOOLS, "schools", "min_schools = 20"),
    whole("size.max_schools", 1.0, SCHOOLS, "schools", "max_schools = 45"),
    fraction("size.enrollment_tolerance", "enrollment_tolerance = 0.10 for ±10%"),
    whole(
        "horizon.years",
        0.0,
        super::MAX_HORIZON_YEARS as f64,
        "years",
        "years = 2 (2 or 3 is what a board adopts a plan for)",
    ),
    real(
        "horizon.margin",
        0.0,
        100.0,
        "percentage points",
        "margin = 1.5, or leave the key out to use the forecast's own error",
    ),
    whole("coverage.min_high", 0.0, SCHOOLS, "schools", "min_high = 1"),
    whole("coverage.min_middle", 0.0, SCHOOLS, "schools", "min_middle = 1"),
    whole("coverage.min_models.*", 0.0, SCHOOLS, "schools", "magnet = 1"),
    real(
        "geography.max_edge_factor",
        1.0,
        1_000.0,
        "times the median link",
        "max_edge_factor = 4.0",
    ),
    real(
        "geography.campus_distance_m",
        0.0,
        1_000.0,
        "metres",
        "campus_distance_m = 30 (0 groups only schools with a campus id or the same coordinates)",
    ),
    whole(
        "performance.low_performing_level",
        1.0,
        5.0,
        "(1 very low to 5 very high)",
        "low_performing_level = 1",
    ),
    real(
        "performance.max_low_performing_share",
        0.0,
        1.0,
        "(a share: 0.35 is 35%)",
        "max_low_performing_share = 0.35 for at most 35% of a network's rated schools",
    ),
    real(
        "performance.dfs_band",
        0.0,
        2.0 * crate::schools::MAX_DFS_POINTS,
        "points",
        "dfs_band = 15.0, or remove the key to drop the rule",
    ),
    real(
        "diversity.frpm_band",
        0.0,
        100.0,
        "percentage points",
        "frpm_band = 15.0, or remove the key to drop the rule",
    ),
    real(
        "diversity.ethnicity_band",
        0.0,
        100.0,
        "percentage points",
        "ethnicity_band = 15.0, or remove the key to drop the rule",
    ),
    real(
        "pathways.cut_link_cost_km2",
        0.0,
        super::MAX_BARRIER_PRICE_KM2,
        "km² a link",
        "cut_link_cost_km2 = 5.0, or 0 to ignore pathways",
    ),
    whole("solver.seed", 0.0, u64::MAX as f64, "", "seed = 2018"),
    whole("solver.restarts", 1.0, 10_000.0, "restarts", "restarts = 3"),
    whole("regions.count", 1.0, MAX_NETWORKS as f64, "regions", "count = 6"),
    fraction("regions.enrollment_tolerance", "enrollment_tolerance = 0.10"),
    fraction("regions.schools_tolerance", "schools_tolerance = 0.15"),
    whole("affiliation.*.min_groups", 1.0, 5_000.0, "groups", "min_groups = 2"),
    whole("affiliation.*.max_groups", 1.0, 5_000.0, "groups", "max_groups = 3"),
    whole("affiliation.*.min_size", 1.0, 5_000.0, "schools", "min_size = 15"),
    whole("affiliation.*.max_size", 1.0, 5_000.0, "schools", "max_size = 20"),
    whole(
        "staffing.standard.count",
        0.0,
        POSITIONS,
        "positions in each network",
        "count = 1",
    ),
    real(
        "staffing.standard.cost",
        0.0,
        COST,
        "dollars a year",
        "cost = 150000 (the yearly cost of one position)",
    ),
    real(
        "staffing.need_based.per_network",
        0.0,
        POSITIONS,
        "positions on average in each network",
        "per_network = 2",
    ),
    whole(
        "staffing.need_based.min_per_network",
        0.0,
        POSITIONS,
        "positions in each network",
        "min_per_network = 1",
    ),
    real(
        "staffing.need_based.cost",
        0.0,
        COST,
        "dollars a year",
        "cost = 150000 (the yearly cost of one position)",
    ),
    whole("reference.networks", 1.0, MAX_NETWORKS as f64, "networks", "networks = 32"),
    real("reference.schools_per_network", 0.0, SCHOOLS, "schools", "schools_per_network = 31.5"),
    real(
        "reference.students_per_network",
        0.0,
        1e7,
        "students",
        "students_per_network = 19000",
    ),
];

impl Number {
    /// The range in words: "a whole number from 1 to 4,000 networks", "a number above 0 and below 1 (...)".
    pub(crate) fn range(&self) -> String {
        let n = |v: f64| human(v, 3);
        let from = if self.above_min {
            format!("above {}", n(self.min))
        } else {
            format!("from {}", n(self.min))
        };
        let range = if self.max >= 1e18 {
            if self.above_min {
                from
            } else {
                format!("{} or more", n(self.min))
            }
        } else {
            match (self.above_min, self.below_max) {
                (false, false) => format!("from {} to {}", n(self.min), n(self.max)),
                (true, true) => format!("{from} and below {}", n(self.max)),
                (true, false) => format!("{from} and at most {}", n(self.max)),
                (false, true) => format!("at least {} and below {}", n(self.min), n(self.max)),
            }
        };
        let kind = if self.whole {
            "a whole number"
        } else {
            "a number"
        };
        if self.unit.is_empty() {
            format!("{kind} {range}")
        } else {
            format!("{kind} {range} {}", self.unit)
        }
    }

    fn holds(&self, v: f64) -> bool {
        let above = if self.above_min {
            v > self.min
        } else {
            v >= self.min
        };
        let below = if self.below_max {
            v < self.max
        } else {
            v <= self.max
        };
        above && below && (!self.whole || v.fract() == 0.0)
    }
}

/// The number the dotted `key` is ("staffing.need_based[1].cost", "coverage.min_models.magnet").
pub(crate) fn number(key: &str) -> Option<&'static Number> {
    let mut plain = String::with_capacity(key.len());
    let mut depth = 0;
    for c in key.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let parts: Vec<&str> = plain.split('.').collect();
    NUMBERS.iter().find(|n| {
        let pattern: Vec<&str> = n.key.split('.').collect();
        pattern.len() == parts.len() && pattern.iter().zip(&parts).all(|(p, k)| *p == "*" || p == k)
    })
}

/// Why `v` (shown to the planner as `shown`, as written) cannot be the value of `key`, and the fix; `None`
/// when it can, or when `key` is no number of a scenario. `decimal`: TOML read it as a decimal number
/// (`32.0`), which a whole-number key does not take even when its value is whole.
pub(crate) fn out_of_range(
    key: &str,
    v: f64,
    shown: &str,
    decimal: bool,
) -> Option<(String, String)> {
    let n = number(key)?;
    let in_range = n.holds(v.trunc()) && v.is_finite();
    let problem = if n.whole && decimal && in_range && v.fract() == 0.0 {
        "is written as a decimal number"
    } else if n.holds(v) {
        return None;
    } else if n.whole && in_range {
        "is not a whole number"
    } else {
        "is out of range"
    };
    Some((
        format!("{shown} {problem}: it must be {}", n.range()),
        format!("write a value in that range, for example {}", n.example),
    ))
}

/// The first number of a scenario read as plain TOML that its key cannot hold (key, what, fix): what
/// explains an error of the typed reader, which says only "invalid value: integer `-1`, expected u64".
pub(crate) fn first_out_of_range(table: &toml::Table) -> Option<(String, String, String)> {
    fn walk(prefix: &str, v: &toml::Value) -> Option<(String, String, String)> {
        match v {
            toml::Value::Integer(i) => {
                out_of_range(prefix, *i as f64, &crate::text::thousands_exact(*i), false)
                    .map(|(w, f)| (prefix.to_string(), w, f))
            }
            toml::Value::Float(x) => {
                // `32.0` as written, not `32`: the point is what a whole-number key refuses.
                let shown = if x.fract() == 0.0 && x.abs() < 1e15 {
                    format!("{x:.1}")
                } else {
                    crate::text::echo(*x)
                };
                out_of_range(prefix, *x, &shown, true).map(|(w, f)| (prefix.to_string(), w, f))
            }
            toml::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(&format!("{prefix}[{i}]"), item)),
            toml::Value::Table(t) => t.iter().find_map(|(k, item)| {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(&key, item)
            }),
            _ => None,
        }
    }
    table.iter().find_map(|(k, v)| walk(k, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_of_a_scenario_has_a_range_and_every_range_a_number() {
        // A scenario with every optional section, as the README's full example has them.
        let mut s = crate::scenarios::Scenario::default_scenario();
        let (feeder, _) = crate::scenarios::Scenario::built_in("feeder").unwrap();
        s.staffing = feeder.staffing.or(s.staffing);
        s.barrier_price_km2 = Some(25.0);
        s.horizon.margin = Some(1.0);
        s.performance.max_low_performing_share = Some(0.4);
        s.performance.dfs_band = Some(35.0);
        s.diversity.frpm_band = Some(15.0);
        s.diversity.ethnicity_band = Some(15.0);
        s.coverage.min_models.insert("magnet".into(), 1);
        let listed = s.numbers();
        for (key, v) in &listed {
            let n = number(key).unwrap_or_else(|| panic!("{key} has no range"));
            assert!(n.holds(*v), "{key} = {v}: {}", n.range());
        }
        assert!(s.staffing.is_some() && s.regions.is_some() && s.reference.is_some());
        assert!(!s.affiliation.is_empty());
        for n in NUMBERS.iter().filter(|n| n.key != "solver.seed") {
            assert!(
                listed
                    .iter()
                    .any(|(k, _)| number(k).is_some_and(|m| m.key == n.key)),
                "{} is in no scenario's numbers",
                n.key
            );
        }
    }

    #[test]
    fn a_number_out_of_range_names_its_key_range_and_unit() {
        let (what, fix) = out_of_range("staffing.standard[0].cost", 1e300, "1e300", true).unwrap();
        assert_eq!(
            what,
            "1e300 is out of range: it must be a number from 0 to 10,000,000 dollars a year"
        );
        assert!(fix.contains("cost = 150000"), "{fix}");
        let (what, _) = out_of_range("solver.seed", -1.0, "-1", false).unwrap();
        assert!(what.ends_with("a whole number 0 or more"), "{what}");
        let (what, _) = out_of_range("networks", 3.5, "3.5", true).unwrap();
        assert!(what.contains("not a whole number"), "{what}");
        let (what, _) = out_of_range("networks", 32.0, "32.0", true).unwrap();
        assert!(what.contains("written as a decimal number"), "{what}");
        assert!(out_of_range("networks", 32.0, "32", false).is_none());
        let (what, _) = out_of_range("size.enrollment_tolerance", 10.0, "10", true).unwrap();
        assert!(what.contains("above 0 and below 1 (a fraction"), "{what}");
        assert!(out_of_range("coverage.min_models.magnet", 2.0, "2", false).is_none());
        assert!(out_of_range("no.such.key", -1.0, "-1", false).is_none());
    }
}
