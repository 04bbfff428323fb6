//! Mutation fuzzing of the six input readers, a fixed budget on every test run (CI included).
//!
//! Each case takes a seed file of that reader (real inputs and the catalogue of bad ones; the folders are in
//! `seed_dirs`, the same that FUZZING.md gives cargo-fuzz), applies a few random byte-level mutations (flips, inserts of bytes and of tokens
//! that parsers trip on, deletions, duplications, splices of another seed) and runs the same calls as the
//! cargo-fuzz target of that name (`fuzz/fuzz_targets/`). A panic fails the test and proptest shrinks the
//! mutations. Longer coverage-guided runs are done by hand with cargo-fuzz; see FUZZING.md.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, FileFailurePersistence};
use schoolnets::{barriers, geography, pins, plan_file, scenarios, schools, units, validate};
use std::path::Path;

/// Cases per target on each test run.
const CASES: u32 = 50_000;

/// The seed folders of each target (the same that FUZZING.md gives cargo-fuzz), and the file extension.
fn seed_dirs(target: &str) -> (&'static [&'static str], &'static str) {
    match target {
        "table" => (&["fuzz/seeds/table", "tests/bad-tables"], "csv"),
        "scenario" => (&["scenarios", "tests/bad-scenarios"], "toml"),
        "outline" => (&["fuzz/seeds/outline", "tests/bad-outlines"], "geojson"),
        "pins" => (&["scenarios", "tests/bad-pins"], "csv"),
        "barriers" => (&["scenarios", "tests/bad-barriers"], "geojson"),
        "plan" => (
            &[
                "fuzz/seeds/plan",
                "tests/bad-plans",
                "tests/bad-plans/other-district",
            ],
            "json",
        ),
        _ => unreachable!("no fuzz target {target}"),
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let (dirs, ext) = seed_dirs(target);
    let mut files: Vec<_> = dirs
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(d))
                .unwrap()
                .map(|e| e.unwrap().path())
        })
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(seeds.len() >= 5, "{target}: too few seeds");
    seeds
}

/// Byte strings that readers of CSV, TOML and JSON are likely to trip on.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"NaN",
    b"inf",
    b"-0",
    b"1e308",
    b"-1e308",
    b"18446744073709551616",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"[",
    b"]",
    b"{",
    b"}",
    b"=",
    b"[[",
    b"null",
    b"\"coordinates\":[]",
    b"0.0",
    b"-118.25",
    b"34.05",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Token(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (at, any::<u8>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
        (at, 0..TOKENS.len()).prop_map(|(a, t)| Mutation::Token(a, t)),
        (at, 1usize..200).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (at, 1usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (at, any::<usize>(), 1usize..400).prop_map(|(a, s, n)| Mutation::Splice(a, s, n)),
    ]
}

/// Applies `muts` to seed `pick` (among `seeds`).
fn mutate(seeds: &[Vec<u8>], pick: usize, muts: &[Mutation]) -> Vec<u8> {
    let mut d = seeds[pick % seeds.len()].clone();
    for m in muts {
        let at = |a: usize, d: &Vec<u8>| if d.is_empty() { 0 } else { a % (d.len() + 1) };
        match *m {
            Mutation::Flip(a, b) if !d.is_empty() => {
                let i = a % d.len();
                d[i] ^= b | 1;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(a, b) => {
                let i = at(a, &d);
                d.insert(i, b);
            }
            Mutation::Token(a, t) => {
                let i = at(a, &d);
                d.splice(i..i, TOKENS[t].iter().copied());
            }
            Mutation::Delete(a, n) => {
                let i = at(a, &d);
                let j = (i + n).min(d.len());
                d.drain(i..j);
            }
            Mutation::Duplicate(a, n) => {
                let i = at(a, &d);
                let j = (i + n).min(d.len());
                let part = d[i..j].to_vec();
                d.splice(j..j, part);
            }
            Mutation::Splice(a, s, n) => {
                let other = &seeds[s % seeds.len()];
                let from = if other.is_empty() { 0 } else { s % other.len() };
                let part = other[from..(from + n).min(other.len())].to_vec();
                let i = at(a, &d);
                d.splice(i..i, part);
            }
        }
    }
    d
}

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    }
}

fn cases() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (any::<usize>(), prop::collection::vec(mutation(), 1..5))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn table_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("table"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        if let Ok(table) = schools::read_table("fuzz.csv", data.as_slice()) {
            if validate::validate(&table, None).errors.is_empty() {
                let campuses = units::Units::build(&table);
                let _ = units::Adjacency::build(&campuses, None, 4.0);
            }
        }
    }

    #[test]
    fn scenario_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("scenario"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = scenarios::Scenario::parse("fuzz.toml", text);
        }
    }

    #[test]
    fn outline_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("outline"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        if let Ok(text) = std::str::from_utf8(&data) {
            if let Ok(outline) = geography::Outline::parse("fuzz.geojson", text) {
                let _ = outline.contains(34.05, -118.25);
                let _ = outline.segment_leaves((34.0, -118.5), (34.2, -118.2));
            }
        }
    }

    #[test]
    fn pins_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("pins"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        let _ = pins::Pins::parse("fuzz.csv", &data);
    }

    #[test]
    fn barriers_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("barriers"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        if let Ok(text) = std::str::from_utf8(&data) {
            if let Ok(b) = barriers::Barriers::parse("fuzz.geojson", text) {
                let _ = b.crossed((34.0, -118.5), (34.2, -118.2));
            }
        }
    }

    #[test]
    fn plan_reader_never_panics((pick, muts) in cases()) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds("plan"));
        let data = SEEDS.with(|s| mutate(s, pick, &muts));
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = plan_file::PlanFile::parse("plan.json", text);
        }
    }
}

#[test]
fn mutations_do_change_the_inputs() {
    // The budget is only worth something if the mutated inputs differ from the seeds and reach the
    // readers' error paths as well as their success paths.
    let seeds = seeds("table");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut changed, mut ok, mut err) = (0, 0, 0);
    for _ in 0..300 {
        let (pick, muts) = cases().new_tree(&mut runner).unwrap().current();
        let data = mutate(&seeds, pick, &muts);
        changed += usize::from(data != seeds[pick % seeds.len()]);
        match schools::read_table("fuzz.csv", data.as_slice()) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(changed > 250, "{changed}");
    assert!(ok >= 1 && err >= 100, "ok {ok}, err {err}");
}
