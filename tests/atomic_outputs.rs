//! Outputs are all replaced or none is: an injected write or rename failure, or a `plan` killed while it
//! writes, leaves the output folder holding the previous complete set, and the inputs untouched.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every file under `dir` (relative name → bytes), hidden ones included.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let name = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn visible(s: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    s.iter()
        .filter(|(n, _)| !n.starts_with('.'))
        .map(|(n, b)| (n.clone(), b.clone()))
        .collect()
}

/// `plan` on a copy of the LAUSD table, with a seed, into `out`.
fn plan(table: &Path, out: &Path, seed: &str, fault: Option<&str>) -> Command {
    let mut c = common::schoolnets();
    c.args([
        "plan",
        "-q",
        "--date",
        "2026-11-23",
        "--seed",
        seed,
        "--schools",
    ])
    .arg(table)
    .arg("--boundary")
    .arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/lausd_boundary.geojson"
    ))
    .arg("--out")
    .arg(out);
    if let Some(f) = fault {
        c.env("SCHOOLNETS_TEST_FAULT", f);
    }
    c
}

struct Setup {
    _dir: tempfile::TempDir,
    table: PathBuf,
    out: PathBuf,
    table_bytes: Vec<u8>,
    previous: BTreeMap<String, Vec<u8>>,
}

/// A table and an output folder holding a complete plan (seed 1).
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("schools.csv");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/lausd-2018.csv"),
        &table,
    )
    .unwrap();
    let out = dir.path().join("out");
    let st = plan(&table, &out, "1", None).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let previous = snapshot(&out);
    assert!(previous.len() >= 9 && previous.keys().all(|n| !n.starts_with('.')));
    Setup {
        table_bytes: std::fs::read(&table).unwrap(),
        _dir: dir,
        table,
        out,
        previous,
    }
}

#[test]
fn an_injected_failure_leaves_the_previous_outputs() {
    let s = setup();
    for fault in [
        "write:plan.json",
        "write:report.html",
        "rename:networks.geojson",
        "rename:report.html",
        "rename:affiliations.csv",
    ] {
        let o = plan(&s.table, &s.out, "2", Some(fault)).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(5), "{fault}: {stderr}");
        assert!(stderr.contains("the folder is as it was"), "{stderr}");
        assert!(
            snapshot(&s.out) == s.previous,
            "{fault}: the folder changed"
        );
        assert_eq!(std::fs::read(&s.table).unwrap(), s.table_bytes);
    }
    // Into a new folder: nothing at all.
    let fresh = s.out.with_file_name("fresh");
    let o = plan(&s.table, &fresh, "2", Some("rename:report.html"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5));
    assert!(!fresh.exists());
    // The same seed without the fault does replace them.
    assert_eq!(
        plan(&s.table, &s.out, "2", None).status().unwrap().code(),
        Some(0)
    );
    assert!(snapshot(&s.out) != s.previous);
}

#[test]
fn a_plan_killed_while_writing_leaves_the_previous_outputs() {
    let s = setup();
    // Pause after each temporary file so that the kill lands mid-write.
    let mut child = plan(&s.table, &s.out, "2", Some("pause:400"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut seen_temp = false;
    while start.elapsed() < Duration::from_secs(60) {
        if snapshot(&s.out).keys().any(|n| n.contains(".tmp-")) {
            seen_temp = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(seen_temp, "no temporary file appeared");
    child.kill().unwrap();
    child.wait().unwrap();

    let after = snapshot(&s.out);
    assert!(visible(&after) == s.previous, "the visible outputs changed");
    assert!(after.keys().any(|n| n.contains(".tmp-")));
    assert_eq!(std::fs::read(&s.table).unwrap(), s.table_bytes);

    // The next run replaces the set and clears what the killed one left.
    assert_eq!(
        plan(&s.table, &s.out, "2", None).status().unwrap().code(),
        Some(0)
    );
    let next = snapshot(&s.out);
    assert!(
        next.keys().all(|n| !n.starts_with('.')),
        "{:?}",
        next.keys()
    );
    assert_eq!(
        next.keys().collect::<Vec<_>>(),
        s.previous.keys().collect::<Vec<_>>()
    );
}
