//! Fitting a scenario to the district it is run on.
//!
//! The built-in scenarios are written for LAUSD: 32 networks of 20-45 schools in 6 support regions, with
//! affiliation groups of 15-20 schools. Run on San Diego Unified (221 schools) with `--networks 6`, six
//! regions of one network each mean nothing, and a 20-school minimum with 5 networks of 21 schools leaves
//! no room to draw. So every value the district's size decides is fitted here, unless the planner set it
//! on the command line: what a planner sets is kept, and every value fitted is recorded in plan.json with
//! the reason, as a line of the run's overrides.
//!
//! Nothing changes when the scenario already fits: on the built-in LAUSD table the default scenario runs
//! as written.

use super::{Overrides, Scenario};
use crate::schools::{Level, SchoolTable};

/// The mean network may sit this far inside the school-count band before the band is refitted: a band
/// whose minimum is above 0.8× the mean (or maximum under 1.25× it) leaves the solver almost no choice.
const BAND_ROOM: f64 = 0.8;

/// Support regions need at least this many networks each to be worth a layer of management.
const NETWORKS_PER_REGION: usize = 3;

/// Affiliation groups are scaled down when the district has less than this share of the schools the
/// scenario was written for.
const AFFILIATION_SCALE_BELOW: f64 = 0.75;

/// The smallest affiliation group worth its own support.
const MIN_AFFILIATION_GROUP: usize = 3;

/// Fits `scenario` (already carrying the command line's values, `set`) to `table`, and returns one line
/// `key = value (why)` for each value it changed. `designed` is the network count the scenario file
/// asks for, before `--networks`.
pub(crate) fn to_district(
    scenario: &mut Scenario,
    table: &SchoolTable,
    set: &Overrides,
    designed: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let schools = table.schools.len();
    if schools == 0 || scenario.networks == 0 {
        return lines;
    }
    let size = &mut scenario.size;
    let band_set = set.min_schools.is_some() || set.max_schools.is_some();
    // The mean the band was written around: the geometric middle of the band (30 for 20-45).
    let design_mean = ((size.min_schools.max(1) * size.max_schools.max(1)) as f64).sqrt();
    let fits = |k: usize, min: usize, max: usize| {
        let mean = schools as f64 / k as f64;
        min as f64 <= BAND_ROOM * mean && max as f64 >= mean / BAND_ROOM
    };
    if set.networks.is_none()
        && !band_set
        && !fits(scenario.networks, size.min_schools, size.max_schools)
    {
        let k = ((schools as f64 / design_mean).round() as usize).max(1);
        if k != scenario.networks {
            lines.push(format!(
                "networks = {k} (fitted: {schools} schools make about {k} networks of the {}-{} schools the scenario asks for; set --networks to choose)",
                size.min_schools, size.max_schools
            ));
            scenario.networks = k;
        }
    }
    let k = scenario.networks;
    let mean = schools as f64 / k as f64;
    if !band_set && !fits(k, size.min_schools, size.max_schools) {
        let scale = mean / design_mean;
        let min = ((size.min_schools as f64 * scale).floor() as usize).max(1);
        let max = ((size.max_schools as f64 * scale).ceil() as usize).max(min + 1);
        lines.push(format!(
            "size.min_schools = {min}, size.max_schools = {max} (fitted: {k} networks of {schools} schools average {mean:.1}; the scenario's {}-{} scaled to it; set --min-schools/--max-schools to choose)",
            size.min_schools, size.max_schools
        ));
        size.min_schools = min;
        size.max_schools = max;
    }
    if set.regions.is_none() {
        if let Some(r) = &scenario.regions {
            let count = if k == designed {
                r.count
            } else {
                ((r.count * k) as f64 / designed.max(1) as f64).round() as usize
            };
            if count < 2 || k < NETWORKS_PER_REGION * count {
                lines.push(format!(
                    "regions = none (fitted: {k} networks at the scenario's {designed} networks to {} regions make fewer than 2 regions of {NETWORKS_PER_REGION} or more networks; set --regions to choose)",
                    r.count
                ));
                scenario.regions = None;
            } else if count != r.count {
                lines.push(format!(
                    "regions.count = {count} (fitted: {} regions for {designed} networks scaled to {k}; set --regions to choose)",
                    r.count
                ));
                scenario.regions.as_mut().expect("checked above").count = count;
            }
        }
    }
    // Grade-band minimums: an elementary district has no high school, and a district with one middle school
    // cannot give one to each of several networks. A school counts for a band by its `level`, as the rule
    // counts it (`rules::sums`).
    for (key, level, need) in [
        ("min_high", Level::High, &mut scenario.coverage.min_high),
        (
            "min_middle",
            Level::Middle,
            &mut scenario.coverage.min_middle,
        ),
    ] {
        let have = table.schools.iter().filter(|s| s.level == level).count();
        let most = (have / k) as u32;
        if most < *need {
            let what = level.as_str();
            let schools_word = if have == 1 { "school" } else { "schools" };
            lines.push(format!(
                "coverage.{key} = {most} (fitted: {have} {what} {schools_word} cannot give each of {k} networks {need}{}; set it in a scenario file to choose)",
                if most == 0 { ", so the rule is off" } else { "" },
                need = *need
            ));
            *need = most;
        }
    }
    // Model minimums: a district with fewer magnet schools than networks cannot give each one.
    if set.min_model.is_empty() {
        let models: Vec<(String, u32)> = scenario
            .coverage
            .min_models
            .iter()
            .map(|(m, n)| (m.clone(), *n))
            .collect();
        for (model, n) in models {
            let have = table.schools.iter().filter(|s| s.model == model).count();
            let most = (have / k) as u32;
            if most < n {
                lines.push(format!(
                    "coverage.min_models.{model} = {most} (fitted: {have} {model} schools cannot give each of {k} networks {n}; set --min-model to choose)"
                ));
                if most == 0 {
                    scenario.coverage.min_models.remove(&model);
                } else {
                    scenario.coverage.min_models.insert(model, most);
                }
            }
        }
    }
    let written_for = designed as f64 * design_mean;
    let share = schools as f64 / written_for;
    if share < AFFILIATION_SCALE_BELOW {
        for (key, a) in scenario.affiliation.iter_mut() {
            let min = ((a.min_size as f64 * share).round() as usize).max(MIN_AFFILIATION_GROUP);
            let max = ((a.max_size as f64 * share).round() as usize).max(min + 2);
            if (min, max, 1) != (a.min_size, a.max_size, a.min_groups) {
                lines.push(format!(
                    "affiliation.{key}: min_groups = 1, min_size = {min}, max_size = {max} (fitted: {schools} schools are {:.0}% of the {written_for:.0} the scenario was written for)",
                    100.0 * share
                ));
                a.min_groups = 1;
                a.min_size = min;
                a.max_size = max;
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` schools, one in ten a high school and one in ten a middle school (none of either when
    /// `elementary_only`), the first `magnets` of them magnets.
    fn table_of(n: usize, magnets: usize, elementary_only: bool) -> SchoolTable {
        let mut text = crate::schools::COLUMNS.join(",");
        for i in 0..n {
            let model = if i < magnets { "magnet" } else { "traditional" };
            let magnet = if i < magnets { "yes" } else { "no" };
            let (level, low, high) = match i % 10 {
                _ if elementary_only => ("elementary", "K", "5"),
                0 => ("high", "9", "12"),
                1 => ("middle", "6", "8"),
                _ => ("elementary", "K", "5"),
            };
            text.push_str(&format!(
                "\ns{i},School {i},34.{i:03},-118.0,300,{level},{low},{high},{model},no,{magnet},,,,,,,,,,,,,,,"
            ));
        }
        crate::schools::read_table("t", text.as_bytes()).unwrap()
    }

    fn table(n: usize, magnets: usize) -> SchoolTable {
        table_of(n, magnets, false)
    }

    #[test]
    fn an_elementary_district_gets_the_grade_bands_it_has() {
        let mut s = Scenario::default_scenario();
        s.networks = 4;
        let set = Overrides {
            networks: Some(4),
            ..Overrides::default()
        };
        let lines = to_district(&mut s, &table_of(100, 0, true), &set, 32);
        assert_eq!((s.coverage.min_high, s.coverage.min_middle), (0, 0));
        assert!(
            lines.iter().any(|l| l.starts_with(
                "coverage.min_high = 0 (fitted: 0 high schools cannot give each of 4 networks 1, so the rule is off"
            )),
            "{lines:?}"
        );
        s.check("t").unwrap();
        // Ten middle schools give each of 4 networks 1 but not 3.
        let mut s = Scenario::default_scenario();
        s.networks = 4;
        s.coverage.min_middle = 3;
        to_district(&mut s, &table(100, 0), &set, 32);
        assert_eq!((s.coverage.min_high, s.coverage.min_middle), (1, 2));
    }

    #[test]
    fn the_default_scenario_runs_as_written_on_a_lausd_sized_district() {
        let mut s = Scenario::default_scenario();
        let before = s.clone();
        let lines = to_district(&mut s, &table(1000, 100), &Overrides::default(), 32);
        assert!(lines.is_empty(), "{lines:?}");
        assert_eq!(s, before);
    }

    #[test]
    fn a_small_district_gets_regions_off_a_fitted_band_and_smaller_groups() {
        let mut s = Scenario::default_scenario();
        let set = Overrides {
            networks: Some(5),
            ..Overrides::default()
        };
        s.networks = 5;
        let lines = to_district(&mut s, &table(105, 3), &set, 32);
        assert_eq!(s.networks, 5, "--networks is kept");
        assert!(s.regions.is_none(), "{lines:?}");
        assert!(s.size.min_schools as f64 <= 0.8 * 21.0 && s.size.max_schools >= 27);
        assert!(
            !s.coverage.min_models.contains_key("magnet"),
            "3 magnets, 5 networks"
        );
        let a = s.affiliation.values().next().unwrap();
        assert_eq!(a.min_groups, 1);
        assert!(a.min_size >= MIN_AFFILIATION_GROUP && a.min_size < 15);
        assert_eq!(lines.len(), 4, "{lines:?}");
        s.check("t").unwrap();
    }

    #[test]
    fn without_networks_the_count_follows_the_district_and_what_the_planner_set_stays() {
        let mut s = Scenario::default_scenario();
        let lines = to_district(&mut s, &table(221, 40), &Overrides::default(), 32);
        assert_eq!(s.networks, 7, "{lines:?}");
        s.check("t").unwrap();
        let mut s = Scenario::default_scenario();
        s.size.min_schools = 30;
        let set = Overrides {
            min_schools: Some(30),
            regions: Some(6),
            ..Overrides::default()
        };
        s.networks = 8;
        let lines = to_district(&mut s, &table(221, 40), &set, 32);
        assert_eq!(s.size.min_schools, 30);
        assert_eq!(s.regions.as_ref().map(|r| r.count), Some(6), "{lines:?}");
    }
}
