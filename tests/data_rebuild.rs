//! `data/lausd-2018.csv`, `data/lausd-2019-20.csv` and `data/lausd-2020-21.csv` are exactly what
//! `schoolnets import cde` builds from the extracts in `data/cde-lausd/` (one FRPM file per school year), and
//! from the state files built in (`data/cde/`) too; `data/lausd-history.csv` is what `import cde --history`
//! builds from the same five FRPM files; the built-in state files are the upstream bytes their README lists;
//! and the built-in LAUSD outline is what `import cde` finds for LAUSD among the TIGER outlines.

use schoolnets::import::CdeFiles;
use std::path::Path;

/// Each committed table and the FRPM file giving its year's enrollment.
const YEARS: [(&str, &str); 3] = [
    ("data/lausd-2018.csv", "frpm1819.csv"),
    ("data/lausd-2019-20.csv", "frpm1920.csv"),
    ("data/lausd-2020-21.csv", "frpm2021.csv"),
];

fn folder(dir: &Path) -> CdeFiles {
    CdeFiles::Folder(dir.to_path_buf())
}

fn rebuild(files: &CdeFiles, frpm: &str) -> Vec<u8> {
    let import = schoolnets::import::import_cde(&schoolnets::import::ImportOptions {
        files: files.clone(),
        prefix: "1964733".into(),
        frpm_file: frpm.into(),
        extra_coordinates: None,
    })
    .unwrap();
    let mut out = Vec::new();
    schoolnets::schools::write_table(&import.table, &mut out).unwrap();
    out
}

#[test]
fn the_committed_table_is_rebuilt_from_the_extracts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (table, frpm) in YEARS {
        let committed = std::fs::read(root.join(table)).unwrap();
        let rebuilt = rebuild(&folder(&root.join("data/cde-lausd")), frpm);
        assert!(rebuilt == committed, "{table} is stale: run `schoolnets import cde --district 1964733 --cde-dir data/cde-lausd --frpm {frpm} --out {table}`");
    }
}

fn history(files: &CdeFiles) -> Vec<u8> {
    schoolnets::import::history(files, "1964733")
        .unwrap()
        .to_csv()
}

#[test]
fn the_committed_history_is_rebuilt_from_the_extracts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rebuilt = history(&folder(&root.join("data/cde-lausd")));
    assert!(
        rebuilt == std::fs::read(root.join("data/lausd-history.csv")).unwrap(),
        "data/lausd-history.csv is stale: run `schoolnets import cde --district 1964733 --cde-dir data/cde-lausd --history data/lausd-history.csv --out /tmp/t.csv`"
    );
    let h = schoolnets::import::history(&folder(&root.join("data/cde-lausd")), "1964733").unwrap();
    assert_eq!(
        h.years,
        ["2016-17", "2017-18", "2018-19", "2019-20", "2020-21"]
    );
}

#[test]
fn the_extracts_agree_with_the_built_in_state_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (table, frpm) in YEARS {
        assert!(
            rebuild(&CdeFiles::BuiltIn, frpm) == std::fs::read(root.join(table)).unwrap(),
            "{table}"
        );
    }
    assert!(
        history(&CdeFiles::BuiltIn) == std::fs::read(root.join("data/lausd-history.csv")).unwrap()
    );
}

/// Each built-in file unpacks to the bytes whose SHA-256 `data/cde/README.md` lists (the upstream file).
#[test]
fn the_built_in_state_files_are_the_upstream_bytes() {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("data/cde/README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines() {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        if cells.len() < 3 || cells[2].len() != 64 {
            continue;
        }
        let mut bytes = Vec::new();
        let gz = std::fs::read(root.join("data/cde").join(format!("{}.gz", cells[1]))).unwrap();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut bytes)
            .unwrap();
        let sum: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sum, cells[2], "{}", cells[1]);
        checked += 1;
    }
    assert_eq!(
        checked, 10,
        "every built-in file is listed with its SHA-256"
    );
}

/// `import cde` finds LAUSD's real outline among the TIGER outlines, and `plan` takes it from beside the
/// table.
#[test]
fn import_writes_the_tiger_outline_and_plan_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("la.csv");
    let run = |args: &[&std::ffi::OsStr]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_schoolnets"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let said = run(&[
        &os("import"),
        &os("cde"),
        &os("--district"),
        &os("1964733"),
        &os("--out"),
        out.as_os_str(),
    ]);
    assert!(
        said.contains("'Los Angeles Unified School District'")
            && said.contains("1,004 of 1,007 inside"),
        "{said}"
    );
    let outline = dir.path().join("la.outline.geojson");
    let gj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outline).unwrap()).unwrap();
    let vertices: usize = gj["features"][0]["geometry"]["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p.as_array().unwrap())
        .map(|r| r.as_array().unwrap().len())
        .sum();
    assert!(
        vertices > 4_000,
        "the real outline, not a sketch: {vertices} vertices"
    );
    let plan = dir.path().join("plan");
    let said = run(&[
        &os("plan"),
        &os("--schools"),
        out.as_os_str(),
        &os("--out"),
        plan.as_os_str(),
        &os("--scenario"),
        &os("geography-only"),
    ]);
    assert!(
        said.contains("outline: ") && said.contains("la.outline.geojson (found beside the table"),
        "{said}"
    );
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("plan.json")).unwrap()).unwrap();
    assert!(p["input"]["outline_file"]
        .as_str()
        .unwrap()
        .ends_with("la.outline.geojson"));
}

#[test]
fn the_import_reports_what_it_left_out_and_why() {
    use schoolnets::import::DropReason;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let import = schoolnets::import::import_cde(&schoolnets::import::ImportOptions {
        files: folder(&root.join("data/cde-lausd")),
        prefix: "1964733".into(),
        frpm_file: schoolnets::import::DEFAULT_FRPM_FILE.into(),
        extra_coordinates: None,
    })
    .unwrap();
    let t = &import.table;
    assert_eq!(t.schools.len(), 1007);
    assert_eq!(t.total_enrollment(), 605_230);
    let count = |r: DropReason| import.dropped.iter().filter(|d| d.reason == r).count();
    assert_eq!(
        count(DropReason::NotASchool),
        1,
        "the Nonpublic, Nonsectarian pseudo-row"
    );
    assert_eq!(
        count(DropReason::NoCoordinates),
        1,
        "19647330138305 is missing from the June 2018 directory"
    );
    assert!(import.dropped.iter().any(|d| d.id == "19647330138305"));
    assert_eq!(
        count(DropReason::NotK12),
        13,
        "adult education, preschool and ROC/ROP"
    );
    // Quirks: thousands separators and percents parsed, trailing-space charter flags, co-located campuses.
    assert!(t.schools.iter().any(|s| s.enrollment >= 1000));
    assert!(t
        .schools
        .iter()
        .all(|s| s.frpm_pct.is_some_and(|p| (0.0..=100.0).contains(&p))));
    // Schools sharing a street address (within 500 m) or identical coordinates get a campus id: 180 schools
    // (97 by coordinates alone, before addresses were read).
    let campuses = t.schools.iter().filter(|s| s.campus.is_some()).count();
    assert_eq!(campuses, 180);
    // Derived feeder links are marked as derived and point to district-run middle or high schools.
    let idx = t.index();
    let derived: Vec<_> = t
        .schools
        .iter()
        .filter(|s| s.feeds_into.is_some())
        .collect();
    assert_eq!(derived.len(), import.derived_links);
    for s in derived {
        assert!(s.extra[0].starts_with("derived: nearest"), "{}", s.extra[0]);
        let target = &t.schools[idx[s.feeds_into.as_deref().unwrap()]];
        assert!(!target.charter && !s.charter);
        assert!(matches!(
            target.level,
            schoolnets::schools::Level::Middle | schoolnets::schools::Level::High
        ));
    }
}
