//! `rebalance`: on a district small enough to search exhaustively, it restores the rules with the fewest
//! possible moves; on LAUSD with the real 2019-20 table, it restores every rule while moving a small share of
//! schools, and changes.csv agrees with the two plans.

mod common;

use common::Row;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

/// `schoolnets rebalance -q --plan PLAN --schools TABLE --out OUT`, with `extra` arguments.
fn rebalance(plan: &str, schools: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "rebalance",
        "-q",
        "--plan",
        plan,
        "--schools",
        schools,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    common::run(&args)
}

fn assignment(dir: &Path) -> BTreeMap<String, String> {
    let plan = common::plan_json(dir);
    assert!(plan["all_constraints_hold"].as_bool().unwrap());
    common::assignment(&plan)
}

/// Twelve schools in three clusters of four, far apart.
fn table(enrollment: &[u32; 12]) -> String {
    let rows: Vec<Row> = enrollment
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (cluster, j) = (i / 4, i % 4);
            let lat = 34.0 + 0.2 * cluster as f64 + 0.005 * (j / 2) as f64;
            let lon = -118.3 + 0.2 * cluster as f64 + 0.005 * (j % 2) as f64;
            let mut row = Row::new(&format!("S{i:02}"), lat, lon)
                .set("enrollment", e)
                .set("frpm_pct", 50)
                .set("ela_dfs", 0)
                .set("math_dfs", 0)
                .set("perf_level", 3)
                .set("hispanic", e);
            for g in [
                "black",
                "white",
                "asian",
                "filipino",
                "pacific",
                "native",
                "multi",
                "not_reported",
            ] {
                row = row.set(g, 0);
            }
            row
        })
        .collect();
    common::table_text(&rows)
}

const SCENARIO: &str = r#"
name = "Three clusters"
networks = 3
[size]
min_schools = 2
max_schools = 6
enrollment_tolerance = 0.10
[coverage]
min_high = 0
min_middle = 0
[geography]
connected = false
[solver]
seed = 1
restarts = 2
"#;

/// The fewest schools that must change network, found by trying all 3^12 assignments that keep networks'
/// identity, with the scenario's rules: 2 to 6 schools, enrollment within ±10% of the mean.
fn fewest_moves(old: &[usize; 12], enrollment: &[u32; 12]) -> usize {
    let total: u32 = enrollment.iter().sum();
    let mean = f64::from(total) / 3.0;
    let (lo, hi) = (mean * 0.9, mean * 1.1);
    let mut best = usize::MAX;
    for code in 0..3usize.pow(12) {
        let mut c = code;
        let mut sizes = [0usize; 3];
        let mut sums = [0u32; 3];
        let mut moves = 0;
        for i in 0..12 {
            let n = c % 3;
            c /= 3;
            sizes[n] += 1;
            sums[n] += enrollment[i];
            moves += usize::from(n != old[i]);
        }
        let ok =
            (0..3).all(|n| (2..=6).contains(&sizes[n]) && (lo..=hi).contains(&f64::from(sums[n])));
        if ok {
            best = best.min(moves);
        }
    }
    best
}

#[test]
fn rebalance_moves_the_fewest_schools_on_a_case_checked_exhaustively() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    std::fs::write(d("scenario.toml"), SCENARIO).unwrap();
    std::fs::write(d("2018.csv"), table(&[100; 12])).unwrap();
    let o = common::run(&[
        "plan",
        "-q",
        "--schools",
        &d("2018.csv"),
        "--scenario",
        &d("scenario.toml"),
        "--out",
        &d("plan"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let adopted = assignment(Path::new(&d("plan")));
    // The adopted plan is the three clusters.
    let net = |i: usize| adopted[&format!("S{i:02}")].clone();
    for i in 0..12 {
        assert_eq!(net(i), net(i / 4 * 4), "school {i} is with its cluster");
    }
    let names: Vec<String> = (0..3).map(|c| net(4 * c)).collect();
    let old: [usize; 12] =
        std::array::from_fn(|i| names.iter().position(|n| *n == net(i)).unwrap());

    // Enrollment shifts between clusters. The first shift breaks one network's band only (the first
    // cluster's 330 students against a band of 339-414); the others break several.
    let out_of_band = |e: &[u32; 12]| {
        let mean = f64::from(e.iter().sum::<u32>()) / 3.0;
        (0..3)
            .filter(|c| {
                let s: u32 = (0..4).map(|j| e[4 * c + j]).sum();
                !(mean * 0.9..=mean * 1.1).contains(&f64::from(s))
            })
            .count()
    };
    let one = [100, 100, 70, 60, 130, 120, 80, 70, 100, 100, 100, 100];
    assert_eq!(out_of_band(&one), 1);
    for shift in [
        one,
        [190, 170, 150, 110, 100, 100, 100, 100, 90, 90, 100, 100],
        [260, 200, 100, 100, 60, 60, 100, 100, 100, 100, 100, 100],
        [100, 100, 100, 100, 300, 300, 50, 50, 100, 100, 100, 100],
    ] {
        std::fs::write(d("new.csv"), table(&shift)).unwrap();
        let o = rebalance(&d("plan"), &d("new.csv"), &d("re"), &[]);
        assert!(
            o.status.success(),
            "{shift:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let after = assignment(Path::new(&d("re")));
        let moved = (0..12)
            .filter(|&i| after[&format!("S{i:02}")] != net(i))
            .count();
        let fewest = fewest_moves(&old, &shift);
        assert!(fewest > 0, "{shift:?} breaks a rule");
        assert_eq!(
            moved, fewest,
            "{shift:?}: rebalance moved {moved}, the minimum is {fewest}"
        );
        // changes.csv lists exactly those moves.
        let text = std::fs::read_to_string(d("re/changes.csv")).unwrap();
        assert_eq!(
            text.lines().filter(|l| l.starts_with("moved,")).count(),
            moved
        );
        // A cap below the minimum fails with exit 4 and says how many moves it took.
        let o = rebalance(
            &d("plan"),
            &d("new.csv"),
            &d("capped"),
            &["--max-moves", &(fewest - 1).to_string()],
        );
        assert_eq!(o.status.code(), Some(4));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("took {fewest} school moves")),
            "{err}"
        );
        assert!(!Path::new(&d("capped")).exists(), "nothing written");
    }
    // A horizon beyond the forecasts is the command line's error, not the plan file's.
    let o = rebalance(&d("plan"), &d("new.csv"), &d("far"), &["--horizon", "11"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--horizon: 11 is out of range: it must be a whole number from 0 to 10 years")
            && !err.contains("plan.json"),
        "{err}"
    );
}

#[test]
fn rebalancing_lausd_for_2019_20_restores_every_rule_moving_few_schools() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let o = common::run(&["plan", "-q", "--out", &d("2018")]);
    assert!(o.status.success());
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/lausd-2019-20.csv");
    let o = rebalance(&d("2018"), table.to_str().unwrap(), &d("2019"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = assignment(Path::new(&d("2018")));
    let after = assignment(Path::new(&d("2019")));

    // The 2018 networks break the band on the 2019-20 table, so something had to move.
    let md = std::fs::read_to_string(d("2019/changes.md")).unwrap();
    assert!(
        md.contains("| **NO** |"),
        "a rule was broken before rebalancing"
    );

    let mut r = csv::Reader::from_path(d("2019/changes.csv")).unwrap();
    let mut listed: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        listed.insert(
            rec[1].to_string(),
            (rec[0].to_string(), rec[5].to_string(), rec[6].to_string()),
        );
    }
    // Every school that moved, joined or left is listed with its networks, and nothing else.
    let mut expected = BTreeMap::new();
    for (id, n) in &after {
        match before.get(id) {
            None => {
                expected.insert(id.clone(), ("added".to_string(), String::new(), n.clone()));
            }
            Some(o) if o != n => {
                expected.insert(id.clone(), ("moved".to_string(), o.clone(), n.clone()));
            }
            _ => {}
        }
    }
    for (id, o) in &before {
        if !after.contains_key(id) {
            expected.insert(
                id.clone(),
                ("removed".to_string(), o.clone(), String::new()),
            );
        }
    }
    assert_eq!(listed, expected);
    let moved = expected.values().filter(|v| v.0 == "moved").count();
    assert!(
        moved > 0 && moved * 50 < after.len(),
        "{moved} schools moved: fewer than 2% expected"
    );

    // Networks keep their names, and the other school years' rules hold (checked in plan.json above).
    let a: std::collections::BTreeSet<&String> = before.values().collect();
    let b: std::collections::BTreeSet<&String> = after.values().collect();
    assert_eq!(a, b);

    // A scenario with another number of networks is refused: rebalancing keeps the adopted networks.
    let o = rebalance(
        &d("2018"),
        table.to_str().unwrap(),
        &d("x"),
        &["--scenario", "feeder"],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn rebalancing_keeps_support_regions_unless_a_region_rule_needs_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let o = common::run(&["plan", "-q", "--out", &d("2018")]);
    assert!(o.status.success());
    let adopted = common::network_regions(&common::plan_json(Path::new(&d("2018"))));
    // A scenario like the default with a tighter region band (±6%), so that the adopted regions cannot
    // all hold and the branch where regions change is exercised whatever the plan.
    let default = std::fs::read_to_string(common::manifest("scenarios/neighborhood.toml")).unwrap();
    let at = default.find("[regions]").unwrap();
    let tight = format!(
        "{}{}",
        &default[..at],
        default[at..].replacen(
            "enrollment_tolerance = 0.10",
            "enrollment_tolerance = 0.09",
            1
        )
    );
    assert_ne!(tight, default);
    std::fs::write(d("tight.toml"), tight).unwrap();
    let mut changed = Vec::new();
    for (case, year, tolerance) in [
        ("2019-20", "2019-20", 0.10),
        ("2020-21", "2020-21", 0.10),
        ("2020-21-tight", "2020-21", 0.09),
    ] {
        let table = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/lausd-{year}.csv"));
        let scenario = d("tight.toml");
        let extra: &[&str] = if tolerance < 0.10 {
            &["--scenario", &scenario]
        } else {
            &[]
        };
        let o = rebalance(&d("2018"), table.to_str().unwrap(), &d(case), extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let year = case;
        let now = common::network_regions(&common::plan_json(Path::new(&d(year))));
        let moved: Vec<&String> = now.keys().filter(|n| now[*n] != adopted[*n]).collect();
        // Whether the adopted regions, filled with this year's networks, still meet the region bands
        // (±`tolerance` of the mean region's students, ±15% of its schools).
        let plan = common::plan_json(Path::new(&d(year)));
        let mut totals: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for n in plan["networks"].as_array().unwrap() {
            let t = totals
                .entry(adopted[n["network"].as_str().unwrap()].as_str())
                .or_default();
            t.0 += n["enrollment"].as_f64().unwrap();
            t.1 += n["schools"].as_f64().unwrap();
        }
        let count = totals.len() as f64;
        let (students, schools): (f64, f64) = totals
            .values()
            .fold((0.0, 0.0), |a, t| (a.0 + t.0, a.1 + t.1));
        let adopted_hold = totals.values().all(|&(e, s)| {
            (e - students / count).abs() <= tolerance * students / count
                && s >= (0.85 * schools / count).ceil()
                && s <= (1.15 * schools / count).floor()
        });
        if adopted_hold {
            assert!(
                moved.is_empty(),
                "{year}: regions changed though they held: {moved:?}"
            );
        } else {
            // A few networks change region: at most one in three (the tight band needs the most).
            assert!(
                !moved.is_empty() && moved.len() * 3 <= adopted.len(),
                "{year}: {moved:?}"
            );
        }
        // Each network that changed region is named in changes.md.
        let md = std::fs::read_to_string(d(&format!("{year}/changes.md"))).unwrap();
        for n in &moved {
            assert!(
                md.contains(&format!("{n} from {} to {}", adopted[*n], now[*n])),
                "{md}"
            );
        }
        changed.push(moved.len());
    }
    // The tight band breaks at least one adopted region, so both branches above are exercised.
    assert!(changed.iter().any(|&c| c > 0), "{changed:?}");
}

/// Rebalancing keeps the adopted networks' names (changes.md says so): a pin label that names an adopted
/// network pins to it and the name stands; a label that names none is refused (exit 3), with the file, the
/// row, the field and the names there are, instead of renaming the adopted network after it.
#[test]
fn a_pin_label_that_names_no_adopted_network_is_refused_and_names_stand() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    common::plan_into(Path::new(&d("2018")), &["--date", "2026-11-30"]);
    let adopted = common::plan_json(Path::new(&d("2018")));
    let san_pedro = "19647331937838";
    let network = adopted["assignment"][san_pedro]
        .as_str()
        .unwrap()
        .to_string();
    let names = common::network_field(&adopted, "name");
    let name = names[&network].clone();
    assert_ne!(name, "Harbor", "the test needs a label that is not a name");
    let table = common::manifest("data/lausd-2019-20.csv");
    let table = table.to_str().unwrap();

    // A new label: refused, naming the file, its row, the field and the adopted names.
    std::fs::write(d("new.csv"), format!("id,network\n{san_pedro},Harbor\n")).unwrap();
    let o = rebalance(&d("2018"), table, &d("new-out"), &["--pins", &d("new.csv")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    for want in [
        "new.csv",
        "line 2",
        "network",
        "\"Harbor\" names no network of the adopted plan",
        &format!("{name} ({network})"),
    ] {
        assert!(err.contains(want), "{want:?} not in: {err}");
    }
    assert!(!Path::new(&d("new-out")).exists());

    // The adopted name: pinned there, and every network keeps its adopted name.
    std::fs::write(d("kept.csv"), format!("id,network\n{san_pedro},{name}\n")).unwrap();
    let o = rebalance(
        &d("2018"),
        table,
        &d("kept-out"),
        &["--pins", &d("kept.csv")],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = common::plan_json(Path::new(&d("kept-out")));
    assert_eq!(common::network_field(&plan, "name"), names);
    assert_eq!(
        plan["assignment"][san_pedro].as_str(),
        Some(network.as_str())
    );
    let md = std::fs::read_to_string(d("kept-out/changes.md")).unwrap();
    assert!(md.contains("Network names are the adopted plan's"));
}
