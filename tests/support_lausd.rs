//! Regions, affiliations and staffing on the built-in LAUSD data, checked against the table (read with the
//! csv crate) and the campus adjacency graph (built by `units`, not by the regions code), and their
//! configuration through a scenario file.

mod common;

use schoolnets::geography::Outline;
use schoolnets::schools::read_table;
use schoolnets::units::{Adjacency, Units};
use std::collections::BTreeSet;

/// Whether each region's networks form one connected piece of neighbouring campuses, judged on the campus
/// graph that `units` builds (the regions code contracts that graph; this walks it directly).
fn regions_connected(plan: &serde_json::Value) -> Vec<bool> {
    let table = read_table("t", schoolnets::data::LAUSD_2018_CSV.as_bytes()).unwrap();
    let outline = Outline::parse("o", schoolnets::data::LAUSD_BOUNDARY).unwrap();
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, Some(&outline), 4.0);
    let network_region = common::network_regions(plan);
    let assignment = plan["assignment"].as_object().unwrap();
    let region_of_unit: Vec<String> = units
        .units
        .iter()
        .map(|u| {
            let id = &table.schools[u.schools[0]].id;
            network_region[assignment[id].as_str().unwrap()].clone()
        })
        .collect();
    plan["regions"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["region"].as_str().unwrap();
            let members: Vec<usize> = (0..units.len())
                .filter(|&u| region_of_unit[u] == name)
                .collect();
            let mut seen = BTreeSet::from([members[0]]);
            let mut stack = vec![members[0]];
            while let Some(u) = stack.pop() {
                for &v in &adjacency.graph[u] {
                    if region_of_unit[v] == name && seen.insert(v) {
                        stack.push(v);
                    }
                }
            }
            seen.len() == members.len()
        })
        .collect()
}

#[test]
fn the_default_plan_has_regions_affiliations_and_staffing_from_the_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::run_into(&["plan", "-q", "--date", "2026-11-23"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = common::plan_json(dir.path());
    let rows = common::lausd_by_id();
    let networks = plan["networks"].as_array().unwrap();

    // Regions: 6, each network in exactly one, within ±10% of the mean enrollment and ±15% of the mean
    // school count, figures equal to the sums of their networks, connected on the campus graph.
    let regions = plan["regions"]["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 6);
    let mut seen = BTreeSet::new();
    let total: f64 = networks
        .iter()
        .map(|n| n["enrollment"].as_f64().unwrap())
        .sum();
    let schools: f64 = networks
        .iter()
        .map(|n| n["schools"].as_f64().unwrap())
        .sum();
    for r in regions {
        let members: Vec<&serde_json::Value> = networks
            .iter()
            .filter(|n| n["region"] == r["region"])
            .collect();
        let listed: Vec<&str> = r["networks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(members.len(), listed.len());
        for n in &members {
            assert!(listed.contains(&n["network"].as_str().unwrap()));
            assert!(seen.insert(n["network"].as_str().unwrap().to_string()));
        }
        let enrollment: f64 = members
            .iter()
            .map(|n| n["enrollment"].as_f64().unwrap())
            .sum();
        let count: f64 = members.iter().map(|n| n["schools"].as_f64().unwrap()).sum();
        assert_eq!(r["enrollment"].as_f64().unwrap(), enrollment);
        assert_eq!(r["schools"].as_f64().unwrap(), count);
        assert!((enrollment / (total / 6.0) - 1.0).abs() <= 0.10, "{r}");
        assert!((count / (schools / 6.0) - 1.0).abs() <= 0.15, "{r}");
    }
    assert_eq!(seen.len(), 32);
    assert_eq!(regions_connected(&plan), vec![true; 6]);
    for key in [
        "region_enrollment_band",
        "region_schools_band",
        "regions_connected",
    ] {
        let c = plan["constraints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .unwrap();
        assert_eq!(c["holds"], true, "{c}");
    }
    let geo = std::fs::read_to_string(dir.path().join("regions.geojson")).unwrap();
    let geo: serde_json::Value = serde_json::from_str(&geo).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 6);

    // Affiliation: every school with both ELA and math at level 1 matches (counted here from the CSV); the
    // 60 kept are the lowest by distance from standard; 3 groups of 15-20; each member keeps its network.
    let a = &plan["affiliations"][0];
    let matching: Vec<&String> = rows
        .iter()
        .filter(|(_, r)| r["ela_level"] == "1" && r["math_level"] == "1")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(a["matched"].as_u64().unwrap() as usize, matching.len());
    assert!(
        matching.len() > 60,
        "the rule matches {} schools",
        matching.len()
    );
    let groups = a["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let mut kept = BTreeSet::new();
    for g in groups {
        let members = g["members"].as_array().unwrap();
        assert!((15..=20).contains(&members.len()));
        for m in members {
            let id = m["id"].as_str().unwrap();
            assert_eq!(m["network"], plan["assignment"][id]);
            kept.insert(id.to_string());
        }
    }
    assert_eq!(kept.len(), 60);
    let worst_kept = kept
        .iter()
        .map(|id| common::row_dfs(&rows[id]).unwrap())
        .fold(f64::MIN, f64::max);
    for id in &matching {
        if !kept.contains(*id) {
            assert!(
                common::row_dfs(&rows[*id]).is_none_or(|v| v >= worst_kept),
                "{id} left out"
            );
        }
    }
    let csv_rows = std::fs::read_to_string(dir.path().join("affiliations.csv")).unwrap();
    assert_eq!(csv_rows.lines().count(), 61);

    // Staffing: 7 standard positions in every network; 64 complex project managers (at least 1 each, more
    // where more schools are low-performing) and 96 IT technicians (at least 2 each); costs add up.
    let s = &plan["staffing"];
    let nets = s["networks"].as_array().unwrap();
    assert_eq!(nets.len(), 32);
    let count = |n: &serde_json::Value, j: usize| n["positions"][j].as_u64().unwrap();
    let cpm: Vec<u64> = nets.iter().map(|n| count(n, 7)).collect();
    let it: Vec<u64> = nets.iter().map(|n| count(n, 8)).collect();
    assert_eq!(cpm.iter().sum::<u64>(), 64);
    assert_eq!(it.iter().sum::<u64>(), 96);
    assert!(cpm.iter().all(|&c| c >= 1) && it.iter().all(|&c| c >= 2));
    for (n, m) in nets.iter().zip(networks) {
        assert!((0..7).all(|j| count(n, j) == 1));
        assert_eq!(n["need"][0].as_f64(), m["low_performing_schools"].as_f64());
    }
    for i in 0..32 {
        for j in 0..32 {
            if nets[i]["need"][0].as_f64() > nets[j]["need"][0].as_f64() {
                assert!(cpm[i] >= cpm[j], "more need, fewer positions: {i} {j}");
            }
        }
    }
    let cost: f64 = nets.iter().map(|n| n["cost"].as_f64().unwrap()).sum();
    assert!((cost - s["total_cost"].as_f64().unwrap()).abs() < 0.01);
    assert_eq!(s["total_positions"], 7 * 32 + 64 + 96);

    // The reports show all three.
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for heading in [
        "## Regions",
        "## Affiliation: Persistently underserved schools",
        "## Staffing and cost",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<h3>Staffing and cost</h3>") && html.contains("class=\"regions\""));
    let name = rows[kept.iter().next().unwrap()]["name"].replace('&', "&amp;");
    assert!(md.contains(&rows[kept.iter().next().unwrap()]["name"]) && html.contains(&name));
}

#[test]
fn regions_affiliations_and_staffing_follow_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = schoolnets::scenarios::DEFAULT_SCENARIO;
    // 4 regions; an affiliation that matches too many schools (no keep_lowest); one need-based title by
    // enrollment, with no minimum.
    let cut = base.find("[regions]").unwrap();
    let reference = base.find("\n# Figures of an earlier design").unwrap();
    let scenario = format!(
        "{}[regions]\ncount = 4\nenrollment_tolerance = 0.12\nschools_tolerance = 0.2\n\n\
         [affiliation.level1]\nlabel = \"Level 1 in ELA\"\nselect = [\"ela_level <= 1\"]\n\n\
         [staffing]\nstandard = [{{ title = \"Director\", cost = 100000 }}]\n\
         [[staffing.need_based]]\ntitle = \"Coach\"\nper_network = 1.5\nneed = \"enrollment\"\ncost = 50000\n{}",
        &base[..cut],
        &base[reference..]
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, scenario).unwrap();
    let out = dir.path().join("out");
    let o = common::run_into(&["plan", "-q", "--scenario", path.to_str().unwrap()], &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = common::plan_json(&out);
    assert_eq!(plan["regions"]["regions"].as_array().unwrap().len(), 4);
    let a = &plan["affiliations"][0];
    let level1 = common::lausd_by_id()
        .values()
        .filter(|r| r["ela_level"] == "1")
        .count();
    assert_eq!(a["matched"].as_u64().unwrap() as usize, level1);
    let problem = a["problem"].as_str().unwrap();
    assert!(
        problem.contains("too many")
            && problem.contains("at most 60")
            && problem.contains("keep_lowest"),
        "{problem}"
    );
    assert!(a["groups"].as_array().unwrap().is_empty());
    let s = &plan["staffing"];
    assert_eq!(s["total_positions"], 32 + 48);
    assert_eq!(
        s["total_cost"].as_f64().unwrap(),
        32.0 * 100000.0 + 48.0 * 50000.0
    );

    // A rule on a column the table lacks leaves the affiliation unformed, and says which column and what to do
    // (the plan itself still stands: the affiliation is an extra label).
    let bad = std::fs::read_to_string(&path)
        .unwrap()
        .replace("ela_level <= 1", "csi = yes");
    std::fs::write(&path, bad).unwrap();
    let out = dir.path().join("csi");
    let o = common::run_into(&["plan", "-q", "--scenario", path.to_str().unwrap()], &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let problem = common::plan_json(&out)["affiliations"][0]["problem"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(problem.contains("no column \"csi\""), "{problem}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("Not formed.") && md.contains("no column \"csi\""));

    // A condition that does not parse is an input error (exit 3) naming the field.
    let broken = std::fs::read_to_string(&path)
        .unwrap()
        .replace("csi = yes", "csi yes");
    std::fs::write(&path, broken).unwrap();
    let o = common::run_into(
        &["plan", "-q", "--scenario", path.to_str().unwrap()],
        &dir.path().join("bad"),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("affiliation.level1.select") && err.contains("csi yes"),
        "{err}"
    );
    assert!(!dir.path().join("bad").exists());
}

/// Regions are drawn from finished networks, so tight network rules can leave no grouping within the
/// region bands for the best restart; `plan` then tries the next restarts (and each without pair
/// re-solving) before giving up. Both runs below broke the region enrollment band before that (short by
/// 3,693 and 1,036 students). Region enrollments are recomputed from the assignment and the table.
#[test]
fn regions_hold_when_network_rules_are_tight() {
    let rows = common::lausd_by_id();
    let total: f64 = rows
        .values()
        .map(|r| r["enrollment"].parse::<f64>().unwrap())
        .sum();
    let mean = total / 6.0;
    for args in [
        &["--max-low-share", "0.40"][..],
        &["--tolerance", "0.05", "--restarts", "16"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = common::run_into(&[&["plan", "-q"][..], args].concat(), dir.path());
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let plan = common::plan_json(dir.path());
        assert_eq!(plan["all_constraints_hold"], true, "{args:?}");
        let assignment = plan["assignment"].as_object().unwrap();
        for r in plan["regions"]["regions"].as_array().unwrap() {
            let nets: BTreeSet<&str> = r["networks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let enrollment: f64 = rows
                .values()
                .filter(|row| nets.contains(assignment[&row["id"]].as_str().unwrap()))
                .map(|row| row["enrollment"].parse::<f64>().unwrap())
                .sum();
            assert!(
                (enrollment - mean).abs() <= 0.10 * mean,
                "{args:?}: region {} has {enrollment} students, mean {mean}",
                r["region"]
            );
        }
    }
}
