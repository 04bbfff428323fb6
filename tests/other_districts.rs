//! The default scenario fits any California district: `import cde` then `plan --networks K`, as a new
//! user would run them, for districts of different sizes, with every rule of the default scenario (the
//! balance rules included) holding and the networks named, from the state files built in.

mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn other_districts_import_and_plan_with_the_default_scenario() {
    let dir = tempfile::tempdir().unwrap();
    // (district, CDS prefix, networks, schools at least)
    for (name, prefix, k, at_least) in [
        ("San Diego Unified", "3768338", 6, 200),
        ("Fresno Unified", "1062166", 5, 100),
        ("Long Beach Unified", "1964725", 3, 80),
        ("Oakland Unified", "0161259", 3, 70),
    ] {
        let table = dir.path().join(format!("{prefix}.csv"));
        let out = dir.path().join(prefix);
        run_ok(&[
            "import",
            "cde",
            "--district",
            prefix,
            "--out",
            table.to_str().unwrap(),
        ]);
        let rows = csv_rows(&table);
        assert!(rows.len() >= at_least, "{name}: {} schools", rows.len());
        assert!(rows.iter().all(|r| r["id"].starts_with(prefix)), "{name}");
        let o = run_ok(&[
            "plan",
            "--schools",
            table.to_str().unwrap(),
            "--networks",
            &k.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let said = String::from_utf8_lossy(&o.stderr);
        let plan = plan_json(&out);
        assert_eq!(plan["all_constraints_hold"], true, "{name}: {said}");
        let networks = plan["networks"].as_array().unwrap();
        assert_eq!(networks.len(), k, "{name}: --networks is kept");
        // The default scenario's balance rules are checked, not fitted away.
        let keys: BTreeSet<&str> = plan["constraints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect();
        for rule in ["max_low_performing_share", "dfs_band", "enrollment_band"] {
            assert!(keys.contains(rule), "{name}: no {rule} in {keys:?}");
        }
        // Regions of one or two networks mean nothing: switched off, and said so.
        assert!(plan.get("regions").is_none_or(|r| r.is_null()), "{name}");
        assert!(said.contains("regions = none (fitted"), "{name}: {said}");
        let names: BTreeSet<&str> = networks
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), k, "{name}: names not unique: {names:?}");
        assert!(names.iter().all(|n| !n.trim().is_empty()), "{name}");
    }
}
