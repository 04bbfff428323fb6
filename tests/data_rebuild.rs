//! `data/lausd-2018.csv`, `data/lausd-2019-20.csv` and `data/lausd-2020-21.csv` are exactly what
//! `schoolnets import cde` builds from the extracts in `data/cde-lausd/` (one FRPM file per school year), and
//! (where the full state files are present beside the project) from the full CDE files too; and
//! `data/lausd-history.csv` is what `import cde --history` builds from the same folder's five FRPM files.

use std::path::Path;

/// Each committed table and the FRPM file giving its year's enrollment.
const YEARS: [(&str, &str); 3] = [
    ("data/lausd-2018.csv", "frpm1819.csv"),
    ("data/lausd-2019-20.csv", "frpm1920.csv"),
    ("data/lausd-2020-21.csv", "frpm2021.csv"),
];

fn rebuild(cde_dir: &Path, frpm: &str) -> Vec<u8> {
    let import = schoolnets::import::import_cde(&schoolnets::import::ImportOptions {
        cde_dir: cde_dir.to_path_buf(),
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
        let rebuilt = rebuild(&root.join("data/cde-lausd"), frpm);
        assert!(rebuilt == committed, "{table} is stale: run `schoolnets import cde --district 1964733 --cde-dir data/cde-lausd --frpm {frpm} --out {table}`");
    }
}

fn history(cde_dir: &Path) -> Vec<u8> {
    schoolnets::import::history(cde_dir, "1964733")
        .unwrap()
        .to_csv()
}

#[test]
fn the_committed_history_is_rebuilt_from_the_extracts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rebuilt = history(&root.join("data/cde-lausd"));
    assert!(
        rebuilt == std::fs::read(root.join("data/lausd-history.csv")).unwrap(),
        "data/lausd-history.csv is stale: run `schoolnets import cde --district 1964733 --cde-dir data/cde-lausd --history data/lausd-history.csv --out /tmp/t.csv`"
    );
    let h = schoolnets::import::history(&root.join("data/cde-lausd"), "1964733").unwrap();
    assert_eq!(
        h.years,
        ["2016-17", "2017-18", "2018-19", "2019-20", "2020-21"]
    );
}

#[test]
fn the_extracts_agree_with_the_full_state_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/cde");
    if !shared.join("pubschls.txt").is_file() {
        eprintln!("skipped: ../shared/cde is not beside this checkout");
        return;
    }
    for (table, frpm) in YEARS {
        assert!(
            rebuild(&shared, frpm) == std::fs::read(root.join(table)).unwrap(),
            "{table}"
        );
    }
    assert!(history(&shared) == std::fs::read(root.join("data/lausd-history.csv")).unwrap());
}

#[test]
fn the_import_reports_what_it_left_out_and_why() {
    use schoolnets::import::DropReason;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let import = schoolnets::import::import_cde(&schoolnets::import::ImportOptions {
        cde_dir: root.join("data/cde-lausd"),
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
