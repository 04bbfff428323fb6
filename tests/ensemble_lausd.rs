//! Ensembles on LAUSD (the chain's distribution against its target is checked in
//! `src/ensemble/chain.rs`, on districts small enough to list every valid plan).
//!
//! - Every plan the chains draw around the default plan, with pins, keeps every rule of each network,
//!   re-checked by the rule set school by school (plan.json's checks), not by the chain's bookkeeping.
//! - `schoolnets ensemble` writes its set; the same seed gives the same files at 1 and 2 threads (but the
//!   run's own `seconds`, `threads` and speed in ensemble.json); ensemble.json carries what scripts need.
//! - Bad starts get a clear message: a plan that breaks its rules, a chain that cannot move, options that
//!   cannot run.

mod common;

use common::{json, manifest, plan_into, run_into};
use schoolnets::ensemble::{self, Options};
use schoolnets::plans::{make_plan, PlanInputs};
use schoolnets::scenarios::Scenario;
use std::path::Path;

#[test]
fn every_drawn_plan_keeps_every_network_rule_read_by_the_rule_set() {
    let table = schoolnets::inputs::LoadedTable::built_in().unwrap().table;
    let outline = schoolnets::inputs::LoadedOutline::built_in()
        .unwrap()
        .outline;
    let pins = schoolnets::inputs::load_pins(&manifest("scenarios/lausd-pins.csv")).unwrap();
    let mut scenario = Scenario::default_scenario();
    scenario.solver.restarts = 1;
    let inputs = || {
        PlanInputs::new(&table, &scenario)
            .with_outline(&outline)
            .with_pins(Some(&pins))
    };
    let start = make_plan(&inputs(), &|| {}).unwrap();
    assert!(
        start.file.all_constraints_hold,
        "the start plan keeps its rules"
    );
    let options = Options {
        chains: 2,
        proposals: 6_000,
        draws_per_chain: 60,
        ..Options::default()
    };
    let e = ensemble::run(
        &inputs(),
        &start.file,
        "the default plan",
        &options,
        &|_| {},
    )
    .unwrap();
    assert_eq!(e.draws, 120);
    assert!(e.counts.moved > 1_000, "{:?}", e.counts);
    let mut differ = 0;
    let rechecked = ensemble::recheck(&inputs(), &start.file, &e).unwrap();
    assert_eq!(rechecked.len() as u64, e.draws);
    for (i, checks) in rechecked.iter().enumerate() {
        for c in checks.iter().filter(|c| !c.key.starts_with("region")) {
            assert!(c.holds, "draw {i} breaks {}: {}", c.key, c.rule);
        }
        assert!(
            checks.iter().any(|c| c.key == "pins" && c.holds),
            "pins are checked"
        );
        let moved = e.assignments[i]
            .iter()
            .zip(&e.school_network)
            .filter(|(a, b)| usize::from(**a) != **b)
            .count();
        differ += usize::from(moved > 0);
    }
    assert!(differ > 100, "only {differ} draws differ from the plan");
    // The figures are the report's: the plan's compactness is its plan.json's.
    let compact = e
        .figures
        .iter()
        .find(|f| f.figure.key == "compactness_km2")
        .unwrap();
    assert!((compact.plan.unwrap() - start.file.compactness_km2).abs() < 1.0);
    // No drawn plan is much less compact than the restriction allows (the report's measure is by school,
    // the restriction's by campus, so allow 1%).
    for v in compact.all() {
        assert!(
            v <= 1.01 * (1.0 + options.slack_pct / 100.0) * start.file.compactness_km2,
            "{v}"
        );
    }
}

fn ensemble_into(plan: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "ensemble",
        "--plan",
        plan.to_str().unwrap(),
        "--date",
        "2026-12-03",
        "-q",
    ];
    args.extend(extra);
    run_into(&args, out)
}

/// ensemble.json without the fields that describe the run rather than its result.
fn result_fields(path: &Path) -> serde_json::Value {
    let mut v = json(path);
    for k in ["seconds", "threads", "proposals_per_second"] {
        assert!(v.get(k).is_some(), "ensemble.json has {k}");
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn the_command_writes_its_set_the_same_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    plan_into(&plan, &["--date", "2026-12-03"]);
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        let o = ensemble_into(&plan, out, &["--proposals", "8000", "--threads", threads]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in [
        "ensemble.html",
        "ensemble.md",
        "samples.csv",
        "fragile-pairings.csv",
        "firmness.geojson",
        "firmness.svg",
        "graph.json",
    ] {
        let (a, b) = (
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    assert_eq!(
        result_fields(&one.join("ensemble.json")),
        result_fields(&two.join("ensemble.json"))
    );
    let e = json(&one.join("ensemble.json"));
    assert_eq!(e["proposals"], 8000);
    assert_eq!(e["chains"], 4);
    assert!(e["accepted"].as_u64().unwrap() > 1000);
    let c = &e["figures"]["compactness_km2"];
    for k in ["plan", "percentile", "rhat", "ess", "median"] {
        assert!(c[k].is_number(), "compactness has {k}: {c}");
    }
    // The restriction holds on every draw (samples.csv, the report's compactness; 1% for the measure).
    let plan_value = c["plan"].as_f64().unwrap();
    let rows = common::csv_rows(&one.join("samples.csv"));
    assert_eq!(rows.len() as u64, e["draws"].as_u64().unwrap());
    for r in &rows {
        let v: f64 = r["compactness_km2"].parse().unwrap();
        assert!(v <= plan_value * 1.10 * 1.01, "{v} against {plan_value}");
    }
    // graph.json is a node-link graph of the planning units with the plan's networks.
    let g = json(&one.join("graph.json"));
    let nodes = g["nodes"].as_array().unwrap();
    assert!(nodes.len() > 800, "one node per campus");
    assert!(nodes.iter().all(|n| n["network"].as_u64().unwrap() < 32));
    assert!(g["links"].as_array().unwrap().len() > 2000);
    // The page says on its face that only comparable plans were drawn, and has a histogram per figure.
    let html = std::fs::read_to_string(one.join("ensemble.html")).unwrap();
    assert!(html.contains("Comparable plans only"));
    assert!(html.matches("<svg").count() > 6);
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing fetched"
    );
    // firmness.geojson: lines with the share of plans that keep each boundary.
    let f = json(&one.join("firmness.geojson"));
    let features = f["features"].as_array().unwrap();
    assert!(features.len() > 100);
    for x in features {
        let k = x["properties"]["kept_pct"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&k));
        assert_eq!(x["geometry"]["type"], "MultiLineString");
    }
    // GDAL opens it with every feature, and every line is valid (CI requires ogrinfo).
    let path = one.join("firmness.geojson");
    match std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(&path)
        .output()
    {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert!(
                text.contains(&format!("Feature Count: {}", features.len())),
                "{text}"
            );
            assert!(text.contains("Multi Line String"), "{text}");
            let q = std::process::Command::new("ogrinfo")
                .args(["-ro", "-q", "-dialect", "SQLite", "-sql"])
                .arg("SELECT COUNT(*) AS n FROM firmness WHERE NOT ST_IsValid(geometry)")
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                String::from_utf8_lossy(&q.stdout).contains("n (Integer) = 0"),
                "{}",
                String::from_utf8_lossy(&q.stdout)
            );
        }
        Err(_) => assert!(
            std::env::var_os("SCHOOLNETS_REQUIRE_GDAL").is_none(),
            "SCHOOLNETS_REQUIRE_GDAL is set but ogrinfo cannot run; install gdal-bin"
        ),
    }
}

#[test]
fn bad_starts_and_options_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    plan_into(&plan, &["--date", "2026-12-03"]);
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();

    // A plan that breaks its own rules: the default plan with a school of one network moved into another
    // far away, written as a plan folder with the enrollment band broken.
    let broken = dir.path().join("broken");
    plan_into(&broken, &["--date", "2026-12-03", "--tolerance", "0.30"]);
    let mut pj = json(&broken.join("plan.json"));
    pj["scenario"]["size"]["enrollment_tolerance"] = serde_json::json!(0.01);
    std::fs::write(
        broken.join("plan.json"),
        serde_json::to_string_pretty(&pj).unwrap(),
    )
    .unwrap();
    let o = ensemble_into(&broken, &dir.path().join("e1"), &["--proposals", "1000"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("breaks") && stderr(&o).contains("of its own rules"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("Enrollment within the band"),
        "{}",
        stderr(&o)
    );

    // A chain that cannot move: every school pinned to its network in the plan, so no campus can leave
    // and no two networks can be split any other way.
    let pins = dir.path().join("pins.csv");
    let mut text = String::from("id,network\n");
    for (id, network) in common::assignment(&common::plan_json(&plan)) {
        text.push_str(&format!("{id},pinned {network}\n"));
    }
    std::fs::write(&pins, text).unwrap();
    let pinned = dir.path().join("pinned");
    plan_into(
        &pinned,
        &["--date", "2026-12-03", "--pins", pins.to_str().unwrap()],
    );
    let o = ensemble_into(&pinned, &dir.path().join("e2"), &["--proposals", "2000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no proposal changed the plan"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("e2").exists(), "nothing written");

    // Options no chain can run with, refused before any work.
    for (args, says) in [
        (vec!["--chains", "0"], "--chains 0"),
        (vec!["--proposals", "5"], "--proposals 5"),
        (vec!["--slack=-3"], "--slack -3"),
        (vec!["--slack", "NaN"], "--slack NaN"),
        (vec!["--flip-share", "1.5"], "--flip-share 1.5"),
        (vec!["--proposals", "1000000000000000"], "about a day"),
    ] {
        let o = ensemble_into(&plan, &dir.path().join("e3"), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    // A marked design that does not exist fails before the chains run, naming it.
    let o = ensemble_into(&plan, &dir.path().join("e4"), &["--mark", "no-such-plan"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no-such-plan"), "{}", stderr(&o));
    assert!(!dir.path().join("e4").exists());
}

/// `compare --ensemble` places every compared plan among the valid plans (the plan it was drawn around
/// with the percentiles ensemble.json gives it) and shows that plan's firmness map; a folder that is not
/// an ensemble is refused, naming it.
#[test]
fn compare_places_each_plan_among_the_valid_plans() {
    let dir = tempfile::tempdir().unwrap();
    let (plan, feeder, ens) = (
        dir.path().join("plan"),
        dir.path().join("feeder"),
        dir.path().join("ens"),
    );
    plan_into(&plan, &["--date", "2026-12-03"]);
    plan_into(&feeder, &["--date", "2026-12-03", "--scenario", "feeder"]);
    let o = ensemble_into(
        &plan,
        &ens,
        &["--proposals", "4000", "--mark", feeder.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = json(&ens.join("ensemble.json"));
    assert!(e["plan_sha256"].is_string());
    // --mark put the feeder design's value and percentile in ensemble.json.
    let d = &e["figures"]["compactness_km2"]["designs"]["feeder"];
    assert!(d["percentile"].is_number(), "{d}");
    let out = dir.path().join("cmp");
    let args = [
        "compare",
        plan.to_str().unwrap(),
        feeder.to_str().unwrap(),
        "--ensemble",
        ens.to_str().unwrap(),
        "-q",
        "--date",
        "2026-12-03",
    ];
    let o = run_into(&args, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("## Among the valid plans"), "{md}");
    assert!(
        md.contains("around the plan in column \u{201c}plan\u{201d}"),
        "the plan it was drawn around is named: {md}"
    );
    let pct = e["figures"]["compactness_km2"]["percentile"]
        .as_f64()
        .unwrap();
    assert!(md.contains(&format!("({pct:.0}%)")), "{md}");
    let feeder_pct = d["percentile"].as_f64().unwrap();
    assert!(md.contains(&format!("({feeder_pct:.0}%)")), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Among the valid plans") && html.contains("apart in"),
        "the firmness map is inline"
    );
    // Not an ensemble folder.
    let o = run_into(
        &[
            "compare",
            plan.to_str().unwrap(),
            feeder.to_str().unwrap(),
            "--ensemble",
            plan.to_str().unwrap(),
        ],
        &dir.path().join("cmp2"),
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no ensemble.json"));
}

/// The class of "files that are not what they claim" for ensembles: an --out that holds a plan (which an
/// ensemble would replace), an ensemble of another school table given to compare, and ensemble folders
/// whose samples are empty, lack a figure or hold numbers no plan can have; the ensemble.json itself is
/// accepted in place of its folder.
#[test]
fn plans_are_not_replaced_and_foreign_or_damaged_ensembles_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (plan, ens) = (dir.path().join("plan"), dir.path().join("ens"));
    plan_into(&plan, &["--date", "2026-12-03"]);
    let other = dir.path().join("other");
    plan_into(&other, &["--date", "2026-12-03", "--seed", "7"]);
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // An ensemble (or a comparison) written over another plan's folder is refused before any work.
    let o = ensemble_into(&plan, &other, &["--proposals", "2000"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds a plan"), "{}", stderr(&o));
    assert!(other.join("plan.json").is_file(), "the plan is still there");
    let o = run_into(
        &[
            "compare",
            plan.to_str().unwrap(),
            plan.to_str().unwrap(),
            "-q",
        ],
        &other,
    );
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(other.join("plan.json").is_file());

    let o = ensemble_into(&plan, &ens, &["--proposals", "2000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let compare_with = |e: &Path, out: &str| {
        run_into(
            &[
                "compare",
                plan.to_str().unwrap(),
                other.to_str().unwrap(),
                "-q",
                "--ensemble",
                e.to_str().unwrap(),
            ],
            &dir.path().join(out),
        )
    };
    // ensemble.json named directly is the folder.
    let o = compare_with(&ens.join("ensemble.json"), "c1");
    assert!(o.status.success(), "{}", stderr(&o));
    // Damaged copies.
    let damaged = |name: &str, edit: &dyn Fn(&Path)| -> std::process::Output {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["ensemble.json", "samples.csv"] {
            std::fs::copy(ens.join(f), d.join(f)).unwrap();
        }
        edit(&d);
        compare_with(&d, &format!("out-{name}"))
    };
    let o = damaged("other-table", &|d| {
        let mut v = json(&d.join("ensemble.json"));
        v["schools_sha256"] = serde_json::json!("0".repeat(64));
        std::fs::write(d.join("ensemble.json"), v.to_string()).unwrap();
    });
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another school table"),
        "{}",
        stderr(&o)
    );
    let o = damaged("header-only", &|d| {
        let text = std::fs::read_to_string(d.join("samples.csv")).unwrap();
        std::fs::write(d.join("samples.csv"), text.lines().next().unwrap()).unwrap();
    });
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("no draws"), "{}", stderr(&o));
    let o = damaged("renamed-column", &|d| {
        let text = std::fs::read_to_string(d.join("samples.csv")).unwrap();
        std::fs::write(
            d.join("samples.csv"),
            text.replacen("compactness_km2", "compact", 1),
        )
        .unwrap();
    });
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no column compactness_km2"),
        "{}",
        stderr(&o)
    );
    let o = damaged("not-a-number", &|d| {
        let text = std::fs::read_to_string(d.join("samples.csv")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let cells: Vec<&str> = lines[1].split(',').collect();
        let mut cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        cells[2] = "inf".into();
        lines[1] = cells.join(",");
        std::fs::write(d.join("samples.csv"), lines.join("\n")).unwrap();
    });
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 2"),
        "the row is named: {}",
        stderr(&o)
    );
    let o = compare_with(&dir.path().join("no-such-ensemble"), "c5");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("no such folder"), "{}", stderr(&o));
}
