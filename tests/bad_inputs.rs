//! The catalogue of bad school tables in `tests/bad-tables/`: each `NAME.csv` must make both `validate` and
//! `plan` exit with the code on the first line of `NAME.expected`, print every other line of it, write no
//! output, and never panic.

use std::path::Path;
use std::process::Command;

fn schoolnets() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schoolnets"))
}

#[test]
fn every_bad_table_gets_a_clear_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-tables");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 19,
        "the catalogue lost cases: {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for csv in &cases {
        let expected = std::fs::read_to_string(csv.with_extension("expected")).unwrap();
        let mut lines = expected.lines();
        let code: i32 = lines.next().unwrap().parse().unwrap();
        let wanted: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        let out_dir = tempfile::tempdir().unwrap();
        for args in [
            vec!["validate".as_ref(), csv.as_os_str()],
            vec![
                "plan".as_ref(),
                "--schools".as_ref(),
                csv.as_os_str(),
                "--out".as_ref(),
                out_dir.path().as_os_str(),
                "-q".as_ref(),
            ],
        ] {
            let out = schoolnets().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let name = csv.file_name().unwrap().to_string_lossy();
            if out.status.code() != Some(code) {
                failures.push(format!(
                    "{name} ({:?}): exit {:?}, wanted {code}\n{stderr}",
                    args[0],
                    out.status.code()
                ));
            }
            for w in &wanted {
                if !stderr.contains(w) {
                    failures.push(format!(
                        "{name} ({:?}): error lacks {w:?}:\n{stderr}",
                        args[0]
                    ));
                }
            }
            if !stderr.contains(&*name) {
                failures.push(format!(
                    "{name}: the error does not name the file:\n{stderr}"
                ));
            }
        }
        assert_eq!(
            std::fs::read_dir(out_dir.path()).unwrap().count(),
            0,
            "{csv:?}: plan wrote outputs for a bad table"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_missing_file_and_a_bad_scenario_are_input_errors() {
    let out = schoolnets()
        .args(["plan", "--schools", "no/such/file.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.csv: cannot read"));

    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "networks = 32\n[size]\nmax_school = 40\n").unwrap();
    let out = schoolnets()
        .args(["plan", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("line 3") && stderr.contains("max_school"),
        "{stderr}"
    );
}

#[test]
fn bad_command_lines_are_usage_errors() {
    for args in [
        vec!["plan", "--tolerance", "0"],
        vec!["plan", "--networks", "0"],
        vec!["plan", "--no-such-flag"],
        vec!["plan", "--threads", "0"],
    ] {
        let out = schoolnets().args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn infeasible_scenarios_explain_the_arithmetic() {
    let out = schoolnets()
        .args([
            "plan",
            "--networks",
            "40",
            "--min-schools",
            "30",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("40 networks × at least 30 schools = 1200 schools, but the table has 1007"),
        "{stderr}"
    );
    assert!(
        stderr.contains("networks = 33") && stderr.contains("min_schools = 25"),
        "{stderr}"
    );

    // A campus bigger than the whole enrollment band allows.
    let out = schoolnets()
        .args([
            "plan",
            "--networks",
            "200",
            "--min-schools",
            "1",
            "--tolerance",
            "0.1",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("students, more than any network may hold")
            && stderr.contains("enrollment_tolerance ="),
        "{stderr}"
    );
}

#[test]
fn equity_rules_the_district_itself_cannot_meet_are_explained() {
    let out = schoolnets()
        .args([
            "plan",
            "--max-low-share",
            "0.2",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("240 low-performing schools among 957 rated (25.1%)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("max_low_performing_share = 0.251 or more"),
        "{stderr}"
    );

    let out = schoolnets()
        .args([
            "plan",
            "--min-model",
            "opportunity=1",
            "--out",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(
            "32 networks × at least 1 opportunity school(s) = 32 schools, but the table has 4"
        ),
        "{stderr}"
    );
}
