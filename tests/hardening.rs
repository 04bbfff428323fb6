//! Inputs that look valid but are not trusted: a plan.json made inconsistent by hand is refused by
//! `rebalance` and `compare` with the field at fault (never "25 moves N05 → N05"), and control characters
//! in a school name or a scenario name are made safe in every output instead of crashing the map.

mod common;
use common::*;
use std::path::Path;

/// A copy of `plan`'s folder with plan.json changed by `edit` (on its text).
fn edited(plan: &Path, into: &Path, edit: &dyn Fn(String) -> String) {
    std::fs::create_dir_all(into).unwrap();
    let text = std::fs::read_to_string(plan.join("plan.json")).unwrap();
    let changed = edit(text.clone());
    assert_ne!(changed, text, "the edit changed nothing");
    std::fs::write(into.join("plan.json"), changed).unwrap();
}

#[test]
fn an_inconsistent_plan_json_is_refused_with_the_field_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    plan_into(&plan, &[]);
    let p = plan_json(&plan);
    let a = assignment(&p);
    let (school, network) = a
        .iter()
        .next()
        .map(|(s, n)| (s.clone(), n.clone()))
        .unwrap();
    let other = if network == "N01" { "N02" } else { "N01" };
    let first_name = p["networks"][0]["name"].as_str().unwrap().to_string();
    let second_name = p["networks"][1]["name"].as_str().unwrap().to_string();
    type Edit = Box<dyn Fn(String) -> String>;
    let cases: Vec<(&str, Edit, String)> = vec![
        (
            "a school relabelled to a network that does not exist",
            Box::new({
                let (school, network) = (school.clone(), network.clone());
                move |t: String| {
                    t.replacen(
                        &format!("\"{school}\": \"{network}\""),
                        &format!("\"{school}\": \"N99\""),
                        1,
                    )
                }
            }),
            format!("school '{school}' is assigned to network 'N99'"),
        ),
        (
            "a school moved without its network's figures",
            Box::new({
                let (school, network) = (school.clone(), network.clone());
                move |t: String| {
                    t.replacen(
                        &format!("\"{school}\": \"{network}\""),
                        &format!("\"{school}\": \"{other}\""),
                        1,
                    )
                }
            }),
            "schools, but the assignment gives it".to_string(),
        ),
        (
            "a duplicate key in assignment",
            Box::new({
                let (school, network) = (school.clone(), network.clone());
                move |t: String| {
                    t.replacen(
                        &format!("\"{school}\": \"{network}\""),
                        &format!("\"{school}\": \"{network}\",\n    \"{school}\": \"{other}\""),
                        1,
                    )
                }
            }),
            format!("school '{school}' is assigned twice"),
        ),
        (
            "two networks with one name",
            Box::new({
                let (first, second) = (first_name.clone(), second_name.clone());
                move |t: String| {
                    t.replacen(
                        &format!("\"name\": \"{second}\""),
                        &format!("\"name\": \"{first}\""),
                        1,
                    )
                }
            }),
            format!("two networks are named '{first_name}'"),
        ),
        (
            "a network listed twice",
            Box::new(|t: String| t.replacen("\"network\": \"N02\"", "\"network\": \"N01\"", 1)),
            "network 'N01' is listed twice".to_string(),
        ),
        (
            "a scenario asking for no networks",
            Box::new(|t: String| t.replacen("\"networks\": 32,", "\"networks\": 0,", 1)),
            "scenario.networks".to_string(),
        ),
        (
            "a scenario asking for other networks than the plan lists",
            Box::new(|t: String| t.replacen("\"networks\": 32,", "\"networks\": 30,", 1)),
            "the plan's scenario asks for 30 networks but the plan lists 32".to_string(),
        ),
    ];
    let next = manifest("data/lausd-2019-20.csv");
    for (i, (what, edit, expected)) in cases.iter().enumerate() {
        let bad = dir.path().join(format!("bad{i}"));
        edited(&plan, &bad, edit.as_ref());
        let bad_s = bad.to_str().unwrap();
        let out = dir.path().join(format!("out{i}"));
        for args in [
            vec![
                "rebalance",
                "--plan",
                bad_s,
                "--schools",
                next.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            vec![
                "compare",
                plan.to_str().unwrap(),
                bad_s,
                "--out",
                out.to_str().unwrap(),
            ],
        ] {
            let o = run(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(3), "{what} ({}): {stderr}", args[0]);
            assert!(
                stderr.contains(expected.as_str()) && stderr.contains("plan.json"),
                "{what} ({}): {stderr}",
                args[0]
            );
            assert!(!out.exists(), "{what}: something was written");
        }
    }
}

#[test]
fn control_characters_in_names_are_made_safe_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("schools.csv");
    let text = std::fs::read_to_string(manifest("data/lausd-2018.csv")).unwrap();
    // The first school's name gets a vertical tab, an escape and a NUL.
    let first = lausd_rows()[0]["name"].clone();
    let text = text.replacen(&first, &format!("{first}\u{b}\u{1b}[31m\u{0}x"), 1);
    std::fs::write(&table, text).unwrap();
    let scenario = dir.path().join("s.toml");
    let default = std::fs::read_to_string(manifest("scenarios/neighborhood.toml")).unwrap();
    std::fs::write(
        &scenario,
        default.replacen(
            "name = \"Community neighborhood networks\"",
            "name = \"Networks \\u000b\\u001b draft\"",
            1,
        ),
    )
    .unwrap();
    let v = run(&["validate", table.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("control characters")
            || String::from_utf8_lossy(&v.stderr).contains("control characters")
    );
    let out = dir.path().join("out");
    let o = run(&[
        "plan",
        "-q",
        "--schools",
        table.to_str().unwrap(),
        "--boundary",
        manifest("data/lausd_boundary.geojson").to_str().unwrap(),
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for file in ["map.svg", "report.html"] {
        let t = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !t.chars().any(|c| matches!(c, '\u{0}' | '\u{b}' | '\u{1b}')),
            "{file} holds a control character"
        );
    }
    // The GeoJSON and plan.json keep the name, escaped as JSON does.
    let geo = json(&out.join("networks.geojson"));
    assert!(geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["name"]
            .as_str()
            .is_some_and(|n| n.contains('\u{1b}'))));
}

#[test]
fn a_byte_order_mark_and_windows_line_ends_are_read_by_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    // Every input as Notepad or Excel on Windows saves it: a UTF-8 byte-order mark, and CR LF line ends
    // in the text files (GeoJSON keeps its own).
    let windows = |from: &str, name: &str, crlf: bool| {
        let text = std::fs::read_to_string(manifest(from)).unwrap();
        let text = if crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        };
        let path = dir.path().join(name);
        std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let table = windows("data/lausd-2018.csv", "schools.csv", true);
    let outline = windows("data/lausd_boundary.geojson", "outline.geojson", false);
    let scenario = windows("scenarios/neighborhood.toml", "scenario.toml", true);
    let pins = windows("scenarios/lausd-pins.csv", "pins.csv", true);
    let barriers = windows(
        "scenarios/santa-monica-mountains.geojson",
        "ridge.geojson",
        false,
    );
    let plan = dir.path().join("plan");
    plan_into(
        &plan,
        &[
            "--schools",
            &table,
            "--boundary",
            &outline,
            "--scenario",
            &scenario,
            "--pins",
            &pins,
            "--barriers",
            &barriers,
        ],
    );
    // plan.json read back (compare, rebalance, forecast, serve read it through one reader) with a mark.
    let marked = dir.path().join("marked");
    std::fs::create_dir(&marked).unwrap();
    let text = std::fs::read_to_string(plan.join("plan.json")).unwrap();
    std::fs::write(marked.join("plan.json"), format!("\u{feff}{text}")).unwrap();
    let o = run(&[
        "compare",
        plan.to_str().unwrap(),
        marked.to_str().unwrap(),
        "--out",
        dir.path().join("cmp").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
