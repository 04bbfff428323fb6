//! `briefing` and `compare` on the built-in LAUSD data, checked from the files they write: the side-by-side
//! figures agree with each plan.json, the reference design's averages are shown, school moves agree with the
//! network matching, and bad plan folders are reported as input errors.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// compare.csv as metric → values (one per plan, in column order).
fn compare_csv(path: &Path) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let labels = r
        .headers()
        .unwrap()
        .iter()
        .skip(3)
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[1].to_string(),
                rec.iter().skip(3).map(String::from).collect(),
            )
        })
        .collect();
    (labels, rows)
}

#[test]
fn the_briefing_puts_both_plans_side_by_side_with_the_2018_proposal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("briefing");
    let o = common::run(&["briefing", "-q", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "neighborhood/plan.json",
        "neighborhood/networks.geojson",
        "neighborhood/report.md",
        "neighborhood/report.csv",
        "feeder/plan.json",
        "feeder/report.md",
        "comparison/compare.md",
        "comparison/compare.csv",
        "comparison/moves.csv",
        "neighborhood/map.svg",
        "feeder/map.png",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let nb = common::json(&out.join("neighborhood/plan.json"));
    let fd = common::json(&out.join("feeder/plan.json"));
    assert_eq!(nb["scenario"]["mode"], "neighborhood");
    assert_eq!(fd["scenario"]["mode"], "feeder");

    let (labels, rows) = compare_csv(&out.join("comparison/compare.csv"));
    assert_eq!(labels, ["neighborhood", "feeder"]);
    let row = |m: &str| rows.get(m).unwrap_or_else(|| panic!("no row {m}")).clone();
    // Figures agree with each plan.json.
    for (i, plan) in [&nb, &fd].into_iter().enumerate() {
        let nets = plan["networks"].as_array().unwrap();
        assert_eq!(row("Networks")[i], nets.len().to_string());
        let enr: Vec<u64> = nets
            .iter()
            .map(|n| n["enrollment"].as_u64().unwrap())
            .collect();
        assert_eq!(
            row("Students per network: fewest")[i],
            enr.iter().min().unwrap().to_string()
        );
        assert_eq!(
            row("Students per network: most")[i],
            enr.iter().max().unwrap().to_string()
        );
        assert_eq!(
            row("Feeder links cut by network boundaries")[i],
            plan["feeder_links"]["cut"].to_string()
        );
        let holds = plan["all_constraints_hold"].as_bool().unwrap();
        assert_eq!(row("Every rule holds")[i], if holds { "yes" } else { "NO" });
    }
    // The 2018 proposal's averages, next to each plan.
    assert_eq!(row("Networks in the reference design"), ["32", "33"]);
    assert_eq!(
        row("Schools per network in the reference design (mean)"),
        ["34", "33"]
    );
    assert_eq!(
        row("Students per network in the reference design (mean)"),
        ["15493", "15024"]
    );
    // The feeder plan keeps pathways whole but the one it split at the Harbor's gateway (plan.json says
    // which), so it cuts a handful of links at most; the neighborhood plan cuts many, and says how many.
    assert!(!fd["pathways"]["split_at_gateways"]
        .as_array()
        .unwrap()
        .is_empty());
    let feeder_cut: u32 = row("Feeder links cut by network boundaries")[1]
        .parse()
        .unwrap();
    assert!(feeder_cut <= 5, "{feeder_cut} feeder links cut");
    assert!(
        row("Feeder links cut by network boundaries")[0]
            .parse::<u32>()
            .unwrap()
            > 0
    );
    assert_eq!(row("Feeder pathways kept whole")[0], "not a rule here");
    assert!(row("Feeder pathways kept whole")[1].starts_with("yes"));

    // Moves: recount from the two assignments and the matching compare.md lists.
    let a = common::assignment(&nb);
    let b = common::assignment(&fd);
    let md = std::fs::read_to_string(out.join("comparison/compare.md")).unwrap();
    let section = md
        .split("## neighborhood → feeder: matched networks")
        .nth(1)
        .unwrap();
    let matched: BTreeMap<String, String> = section
        .lines()
        .filter(|l| l.starts_with("| N"))
        .map(|l| {
            let c: Vec<&str> = l.split('|').map(str::trim).collect();
            (c[2].to_string(), c[1].to_string())
        })
        .collect();
    // One-to-one, and every network of the smaller plan matched unless it shares no school with any
    // network left (greedy matching by overlap), which compare.md then names.
    assert_eq!(
        matched.values().collect::<BTreeSet<_>>().len(),
        matched.len()
    );
    assert!(matched.len() >= 30, "{} pairs", matched.len());
    if matched.len() < 32 {
        assert!(section.contains("Not matched"), "{section}");
    }
    let expected: BTreeSet<String> = a
        .iter()
        .filter(|(id, na)| matched.get(&b[*id]) != Some(na))
        .map(|(id, _)| id.clone())
        .collect();
    let mut r = csv::Reader::from_path(out.join("comparison/moves.csv")).unwrap();
    let listed: BTreeSet<String> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(
                &rec[6],
                a[&rec[2]].as_str(),
                "baseline network of {}",
                &rec[2]
            );
            assert_eq!(&rec[7], b[&rec[2]].as_str(), "plan network of {}", &rec[2]);
            assert!(
                !rec[3].is_empty(),
                "school names come from the built-in table"
            );
            rec[2].to_string()
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(listed, expected);
    assert_eq!(
        row("Schools in another network than in neighborhood")[1],
        expected.len().to_string()
    );

    // The briefing's report holds both plans' maps and the comparison, and loads nothing from elsewhere.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<section id=\"comparison\">"));
    // The first page's two maps side by side and the map of schools that differ, then one map per plan,
    // and each plan's enrollment outlook chart.
    let outlooks = html
        .matches("<title>Each network's gap from the mean network")
        .count();
    assert_eq!(outlooks, 2, "outlook charts in the briefing");
    assert_eq!(
        html.matches("<svg ").count(),
        5 + outlooks,
        "maps in the briefing"
    );
    assert!(html.contains("<section id=\"front\">"));
    let front = &html[html.find("<section id=\"front\">").unwrap()
        ..html.find("<section class=\"plan\"").unwrap()];
    assert_eq!(
        front.matches("<svg ").count(),
        3,
        "two designs and the schools that differ"
    );
    assert!(front.contains("What balance costs") && front.contains("geography-only"));
    assert_eq!(
        front.matches("<g class=\"highlight\"").count(),
        1,
        "the schools that differ are ringed on one map"
    );
    assert_eq!(html.matches("<table class=\"balance\">").count(), 2);
    for external in ["<script src", "<link", "url(", "@import", "<img", "<iframe"] {
        assert!(!html.contains(external), "external resource: {external}");
    }
}

#[test]
fn a_plan_compared_with_itself_moves_nothing_and_bad_folders_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    let o = common::run(&[
        "plan",
        "-q",
        "--networks",
        "24",
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cmp = dir.path().join("cmp");
    let o = common::run(&[
        "compare",
        "-q",
        plan.to_str().unwrap(),
        plan.join("plan.json").to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (labels, rows) = compare_csv(&cmp.join("compare.csv"));
    assert_eq!(labels.len(), 2);
    assert_ne!(
        labels[0], labels[1],
        "two columns of the same name are told apart"
    );
    let moved = rows
        .iter()
        .find(|(m, _)| m.starts_with("Schools in another network"))
        .unwrap();
    assert_eq!(moved.1[1], "0");
    // ... among every school, which the plans share.
    let shared = rows
        .iter()
        .find(|(m, _)| m.starts_with("Schools in both this plan and"))
        .unwrap();
    assert_eq!(shared.1[1], "1007");
    assert!(std::fs::read_to_string(cmp.join("compare.md"))
        .unwrap()
        .contains("The plans share 1,007 schools; 0 of them are in another network"));
    assert_eq!(
        std::fs::read_to_string(cmp.join("moves.csv"))
            .unwrap()
            .lines()
            .count(),
        1
    );

    // A folder without plan.json, and a plan.json that is not one: exit 3, naming the file and a fix.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("plan.json"), "{\n  \"tool\": 3\n}\n").unwrap();
    for (folder, says) in [(&empty, "cannot read the plan"), (&bad, "line 2")] {
        let o = common::run(&[
            "compare",
            plan.to_str().unwrap(),
            folder.to_str().unwrap(),
            "--out",
            cmp.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(
            err.contains("plan.json") && err.contains(says) && err.contains("fix:"),
            "{err}"
        );
    }
}

/// Two plans that share no school have no school that could move: `compare` refuses them (exit 3) rather
/// than report "0 schools in another network"; and a plan whose figures are not its assignment's (two
/// schools swapped by hand) is refused, naming the network and the figure, rather than compared on stale
/// figures.
#[test]
fn plans_sharing_no_school_and_stale_figures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    common::plan_into(&plan, &["--date", "2026-11-30"]);
    // Another district: the catalogue's plan of 239 schools, its ids changed so none is LAUSD's.
    let other = dir.path().join("elsewhere");
    std::fs::create_dir(&other).unwrap();
    let mut p = common::json(&common::manifest(
        "tests/bad-plans/other-district/plan.json",
    ));
    let renamed: serde_json::Map<String, serde_json::Value> = p["assignment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (format!("X{k}"), v.clone()))
        .collect();
    p["assignment"] = renamed.into();
    std::fs::write(other.join("plan.json"), p.to_string()).unwrap();
    let cmp = dir.path().join("cmp");
    let stale = common::manifest("tests/bad-plans/stale-figures");
    for (folder, says) in [
        (
            other.as_path(),
            vec![
                "elsewhere/plan.json",
                "key 'assignment'",
                "shares no school with",
                "compare plans of the same district",
            ],
        ),
        (
            stale.as_path(),
            vec![
                "stale-figures/plan.json",
                "key 'networks[N15].enrollment'",
                "give 19406",
                "fix:",
            ],
        ),
    ] {
        let o = common::run(&[
            "compare",
            plan.to_str().unwrap(),
            folder.to_str().unwrap(),
            "--out",
            cmp.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{err}");
        for s in says {
            assert!(err.contains(s), "{s:?} not in: {err}");
        }
        assert!(!cmp.exists());
    }
}
