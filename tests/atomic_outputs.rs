//! An output folder holds exactly one run's complete set: an injected write or rename failure leaves the
//! previous set; a `plan` killed at any point leaves the previous set or the new one, never a mix; files an
//! earlier run wrote and this one does not are gone; the user's own files and the inputs are never touched.

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
    assert!(previous.len() >= 9);
    assert!(previous
        .keys()
        .all(|n| !n.starts_with('.') || n == ".schoolnets-outputs"));
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

/// Whether `snap` is one run's complete set: exactly the files its manifest lists, and the manifest.
fn one_complete_set(snap: &BTreeMap<String, Vec<u8>>) -> bool {
    let Some(manifest) = snap.get(".schoolnets-outputs") else {
        return false;
    };
    let listed: Vec<&str> = std::str::from_utf8(manifest)
        .unwrap()
        .lines()
        .skip(1)
        .collect();
    listed.len() + 1 == snap.len() && listed.iter().all(|f| snap.contains_key(*f))
}

#[test]
fn a_plan_killed_at_any_point_leaves_one_complete_set() {
    let s = setup();
    // The new run (seed 2) differs from the previous one (seed 1) in plan.json.
    let parent = s.out.parent().unwrap().to_path_buf();
    let mut outcomes = BTreeMap::new();
    // Kills from early (loading) to late (writing, swapping), with a pause after each file written so
    // that the kills land inside the writing too.
    for (i, delay_ms) in [50u64, 150, 300, 450, 600, 750, 900, 1100, 1400, 2000]
        .into_iter()
        .enumerate()
    {
        let mut child = plan(&s.table, &s.out, "2", Some("pause:60"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.kill();
        child.wait().unwrap();
        let after = snapshot(&s.out);
        assert!(
            one_complete_set(&after),
            "kill {i} after {delay_ms} ms: a mixed or partial folder: {:?}",
            after.keys()
        );
        let outcome = if after == s.previous {
            "previous"
        } else {
            assert_eq!(
                after.keys().collect::<Vec<_>>(),
                s.previous.keys().collect::<Vec<_>>(),
                "kill {i}: the new set has other files"
            );
            "new"
        };
        *outcomes.entry(outcome).or_insert(0) += 1;
        assert_eq!(std::fs::read(&s.table).unwrap(), s.table_bytes);
        // Put the previous set back for the next kill (a run with seed 1 writes it again).
        if outcome == "new" {
            assert_eq!(
                plan(&s.table, &s.out, "1", None).status().unwrap().code(),
                Some(0)
            );
            assert!(snapshot(&s.out) == s.previous);
        }
    }
    // The kills landed both before the swap and (for the latest) after it, or the test proves little.
    assert!(outcomes.contains_key("previous"), "{outcomes:?}");

    // The next run replaces the set and clears what the killed ones left beside the folder.
    assert_eq!(
        plan(&s.table, &s.out, "2", None).status().unwrap().code(),
        Some(0)
    );
    let next = snapshot(&s.out);
    assert!(one_complete_set(&next));
    let beside: Vec<String> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "left beside the folder: {beside:?}");
}

#[test]
fn a_run_leaves_no_stale_file_and_never_touches_the_users_own() {
    let s = setup();
    assert!(s.previous.contains_key("regions.geojson"));
    // Without regions, the new set has no regions.geojson: the old one must not stay beside it.
    let o = common::schoolnets()
        .args([
            "plan",
            "-q",
            "--regions",
            "0",
            "--networks",
            "5",
            "--max-schools",
            "400",
            "--schools",
        ])
        .arg(&s.table)
        .arg("--out")
        .arg(&s.out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = snapshot(&s.out);
    assert!(one_complete_set(&after));
    assert!(
        !after.contains_key("regions.geojson"),
        "a stale regions.geojson"
    );
    // A folder with a file of the user's is refused before any work, and left as it is.
    std::fs::write(s.out.join("my-notes.txt"), b"mine").unwrap();
    let before = snapshot(&s.out);
    let o = plan(&s.table, &s.out, "1", None).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("my-notes.txt") && stderr.contains("did not write"),
        "{stderr}"
    );
    assert!(snapshot(&s.out) == before);
    // An output folder that holds an input, or is inside one, is refused too.
    let o = plan(&s.table, s.table.parent().unwrap(), "1", None)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&o.stderr).contains("an input of this run"));
}

#[test]
fn outputs_over_or_inside_inputs_are_refused_before_any_work() {
    let s = setup();
    let dir = s.out.parent().unwrap();
    let other = dir.join("other");
    assert_eq!(
        plan(&s.table, &other, "2", None).status().unwrap().code(),
        Some(0)
    );
    let before = snapshot(&s.out);
    let refused = |args: &[&str], what: &str| {
        let o = common::run(args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(stderr.contains(what), "{args:?}: {stderr}");
    };
    let out = s.out.to_str().unwrap();
    let other = other.to_str().unwrap();
    let inside = s.out.join("sub");
    // compare and rebalance: over a plan they read, or inside it.
    refused(
        &["compare", out, other, "--out", out],
        "an input of this run",
    );
    refused(
        &["compare", out, other, "--out", inside.to_str().unwrap()],
        "an input of this run",
    );
    let table = s.table.to_str().unwrap();
    refused(
        &["rebalance", "--plan", out, "--schools", table, "--out", out],
        "an input of this run",
    );
    assert!(
        snapshot(&s.out) == before,
        "a refused command changed the plan folder"
    );

    // import cde: the extracts over the CDE folder, the table over one of its files.
    let cde = dir.join("cde");
    std::fs::create_dir(&cde).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cde-lausd");
    for e in std::fs::read_dir(&source).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), cde.join(e.file_name())).unwrap();
    }
    let cde_before = snapshot(&cde);
    let c = cde.to_str().unwrap();
    let t = dir.join("t.csv");
    refused(
        &[
            "import",
            "cde",
            "--district",
            "1964733",
            "--cde-dir",
            c,
            "--out",
            t.to_str().unwrap(),
            "--extract-to",
            c,
        ],
        "over or inside the CDE folder",
    );
    let over = cde.join("pubschls.txt");
    refused(
        &[
            "import",
            "cde",
            "--district",
            "1964733",
            "--cde-dir",
            c,
            "--out",
            over.to_str().unwrap(),
        ],
        "inside the CDE folder",
    );
    assert!(
        snapshot(&cde) == cde_before,
        "a refused import changed the CDE files"
    );
    assert!(!t.exists());
}

#[test]
fn a_symbolic_link_out_is_written_through_and_one_leading_nowhere_is_refused_before_any_work() {
    let s = setup();
    let dir = s.out.parent().unwrap();
    // `--out current`, a link to this year's folder: the new set goes into the folder, the link stays.
    let link = dir.join("current");
    std::os::unix::fs::symlink("out", &link).unwrap();
    assert_eq!(
        plan(&s.table, &link, "2", None).status().unwrap().code(),
        Some(0)
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let after = snapshot(&s.out);
    assert!(after != s.previous, "the link's folder was not written");
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        s.previous.keys().collect::<Vec<_>>()
    );
    // A link whose folder is missing, and a loop of links: refused by every command before any work.
    let dangling = dir.join("dangling");
    std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
    let looped = dir.join("loop");
    std::os::unix::fs::symlink("loop", &looped).unwrap();
    let out = s.out.to_str().unwrap();
    for bad in [&dangling, &looped] {
        let b = bad.to_str().unwrap();
        let table = s.table.to_str().unwrap();
        for args in [
            vec!["plan", "-q", "--schools", table, "--out", b],
            vec!["compare", out, out, "--out", b],
            vec!["forecast", "--plan", out, "--out", b],
            vec!["rebalance", "--plan", out, "--schools", table, "--out", b],
        ] {
            let started = Instant::now();
            let o = common::run(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(5), "{args:?}: {stderr}");
            assert!(
                stderr.contains("is a symbolic link") && stderr.contains("before any work"),
                "{args:?}: {stderr}"
            );
            assert!(started.elapsed() < Duration::from_secs(5), "{args:?}");
            assert!(std::fs::symlink_metadata(bad)
                .unwrap()
                .file_type()
                .is_symlink());
        }
    }
    assert!(!dir.join("nowhere").exists());
}
