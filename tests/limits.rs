//! Inputs far beyond any district: refused with a clear input error (exit 3), quickly and in bounded memory,
//! never an abort. The limits are in `src/limits.rs` and the README.

mod common;

use std::io::Write;

/// Runs `validate` on `path` and returns (exit code, stderr).
fn validate(path: &std::path::Path) -> (Option<i32>, String) {
    let out = common::schoolnets()
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_million_row_table_is_refused_at_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(common::header().as_bytes()).unwrap();
    for i in 0..1_000_000u32 {
        // Valid rows, spread over a grid so that nothing but the count is wrong.
        let lat = 33.0 + f64::from(i % 1000) * 0.001;
        let lon = -118.0 - f64::from(i / 1000) * 0.001;
        writeln!(
            f,
            "s{i},School {i},{lat:.3},{lon:.3},300,elementary,K,5,traditional,no,no,,,,,,,,,,,,,,,"
        )
        .unwrap();
    }
    f.into_inner().unwrap().sync_all().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < schoolnets::limits::MAX_TABLE_BYTES, "{size}");

    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("million.csv, line 100002")
            && stderr.contains("more than 100000 rows")
            && stderr.contains("plan one district or region at a time"),
        "{stderr}"
    );
}

#[test]
fn a_one_gigabyte_line_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-line.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(common::header().as_bytes()).unwrap();
    // A sparse file: 1 GB of NUL bytes with no line break, taking no disk space.
    f.set_len(common::header().len() as u64 + (1 << 30))
        .unwrap();
    drop(f);
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("huge-line.csv") && stderr.contains("larger than 128 MB"),
        "{stderr}"
    );
}

#[test]
fn a_long_line_in_a_small_file_is_refused_at_the_line_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-line.csv");
    let mut text = common::header();
    text.push_str("a,School a,34.05,-118.25,500,elementary,K,5,traditional,no,no,,,,,,,,,,,,,,,\n");
    text.push_str(&"x".repeat(2 << 20));
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("long-line.csv, line 3: line 3 is longer than 1 MB"),
        "{stderr}"
    );
}

#[test]
fn oversized_scenarios_outlines_and_plans_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("big.toml");
    let mut text = String::from("networks = 32\n");
    while text.len() <= 1 << 20 {
        text.push_str("# a comment line that pads the scenario file beyond its limit\n");
    }
    std::fs::write(&scenario, text).unwrap();
    let out = common::schoolnets()
        .args(["plan", "-q", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("big.toml") && stderr.contains("larger than 1 MB, the most a scenario"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());

    for (flag, name, what) in [
        ("--boundary", "big.geojson", "district outline"),
        ("--plan", "plan.json", "plan.json"),
    ] {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(300 << 20).unwrap();
        let cmd = if flag == "--plan" {
            "rebalance"
        } else {
            "plan"
        };
        let mut command = common::schoolnets();
        command.args([cmd, "-q", flag]).arg(&path);
        if cmd == "rebalance" {
            command.arg("--schools").arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/lausd-2019-20.csv"
            ));
        }
        let out = command
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{name}: {stderr}");
        assert!(
            stderr.contains(name)
                && stderr.contains(&format!("larger than 256 MB, the most a {what}")),
            "{stderr}"
        );
    }
}

/// The start of `s`, for a failure message that must not be megabytes long itself.
fn start(s: &str) -> String {
    s.chars().take(3000).collect()
}

#[test]
fn huge_values_are_refused_or_echoed_clipped_never_written_whole_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let out = common::schoolnets().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stderr)
    };
    // A pins file with a 20 MB label: the pins reader stops at the line limit like the table's.
    let pins = dir.path().join("pins.csv");
    std::fs::write(
        &pins,
        format!("id,network\n19647331937838,{}\n", "H".repeat(20 << 20)),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, stderr) = run(&[
        "plan".as_ref(),
        "-q".as_ref(),
        "--pins".as_ref(),
        pins.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(3), "{}", start(&stderr));
    assert!(
        stderr.len() < 2_000 && stderr.contains("pins.csv, line 2: line 2 is longer than 1 MB"),
        "{}",
        start(&stderr)
    );
    // Values within the line limit but far longer than a message: an id given twice, a model name. Each
    // is echoed with its start and end, the rest counted.
    let long = "9".repeat(900_000);
    let model = "m".repeat(900_000);
    for (name, rows, says) in [
        (
            "ids.csv",
            [(&long, "traditional"), (&long, "traditional")],
            "is used twice",
        ),
        (
            "model.csv",
            [(&long, "traditional"), (&"c".to_string(), model.as_str())],
            "is not a known school model",
        ),
    ] {
        let table = dir.path().join(name);
        let mut text = common::header();
        for (i, (id, m)) in rows.iter().enumerate() {
            text.push_str(&format!(
                "{id},School {i},34.0{i},-118.25,500,elementary,K,5,{m},no,no,,,,,,,,,,,,,,,\n"
            ));
        }
        std::fs::write(&table, text).unwrap();
        let (code, stderr) = validate(&table);
        let start = start(&stderr);
        assert_eq!(code, Some(3), "{start}");
        assert!(
            stderr.len() < 10_000
                && stderr.contains("characters left out")
                && stderr.contains(says),
            "{start}"
        );
    }
}
