//! Every California district with at least 30 schools, as a planner there would run it on a fresh clone:
//! `import cde --district CDS` (the state files built in, the outline beside the table), then `plan` with
//! the default scenario given only `--networks` (one network per 25 schools imported, at least 2). Every plan must
//! hold every rule, checked again here from the written school list against the table (every school in one
//! network, no campus split, every network's students within the band), and the default scenario must fit
//! itself to each district (grade bands, magnets, sizes) with its reasons said.
//!
//! The districts are found from the state's directory itself (active schools, by the 7-digit district
//! code), not from a list kept here.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Districts with at least this many schools in the imported state table.
const AT_LEAST: usize = 30;
/// One network per this many schools.
const SCHOOLS_PER_NETWORK: usize = 25;

/// The 7-digit district codes with at least [`AT_LEAST`] active schools in the directory, with their counts.
fn districts() -> BTreeMap<String, usize> {
    let text = schoolnets::import::CdeFiles::BuiltIn
        .read_text("pubschls.txt")
        .unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (cds, status) = (col("CDSCode"), col("StatusType"));
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows.records() {
        let r = r.unwrap();
        let code = &r[cds];
        if code.len() == 14 && &r[status] == "Active" && !code.ends_with("0000000") {
            *count.entry(code[..7].to_string()).or_default() += 1;
        }
    }
    count.retain(|_, n| *n >= AT_LEAST);
    count
}

/// `each` of the districts, two at a time (each run is one process), in the districts' order.
fn two_at_a_time<T: Send>(codes: &[String], each: impl Fn(&str) -> T + Sync) -> Vec<T> {
    let (a, b) = codes.split_at(codes.len() / 2);
    std::thread::scope(|s| {
        let each = &each;
        let handles: Vec<_> = [a, b]
            .into_iter()
            .map(|part| s.spawn(move || part.iter().map(|c| each(c)).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// What one district's run found, or what went wrong.
struct Outcome {
    code: String,
    name: String,
    schools: usize,
    networks: usize,
    outline: bool,
    fitted: Vec<String>,
    problem: Option<String>,
    seconds: f64,
}

fn plan_district(dir: &Path, code: &str) -> Outcome {
    let start = std::time::Instant::now();
    let table = dir.join(format!("{code}.csv"));
    let out = dir.join(code);
    let imported = run(&[
        "import",
        "cde",
        "--district",
        code,
        "--out",
        table.to_str().unwrap(),
    ]);
    let mut outcome = Outcome {
        code: code.into(),
        name: String::new(),
        schools: 0,
        networks: 0,
        outline: dir.join(format!("{code}.outline.geojson")).is_file(),
        fitted: Vec::new(),
        problem: None,
        seconds: 0.0,
    };
    if !imported.status.success() {
        outcome.problem = Some(format!(
            "import failed: {}",
            String::from_utf8_lossy(&imported.stderr)
        ));
        return outcome;
    }
    if outcome.outline {
        let o = json(&dir.join(format!("{code}.outline.geojson")));
        outcome.name = o["features"][0]["properties"]["district"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    let rows = csv_rows(&table);
    outcome.schools = rows.len();
    let k = (rows.len() / SCHOOLS_PER_NETWORK).max(2);
    outcome.networks = k;
    let o = run(&[
        "plan",
        "--schools",
        table.to_str().unwrap(),
        "--networks",
        &k.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr).to_string();
    outcome.fitted = said
        .lines()
        .filter(|l| l.contains("(fitted:"))
        .map(|l| l.trim().to_string())
        .collect();
    outcome.seconds = start.elapsed().as_secs_f64();
    if !o.status.success() {
        outcome.problem = Some(format!("plan exit {:?}: {said}", o.status.code()));
        return outcome;
    }
    let plan = plan_json(&out);
    if plan["all_constraints_hold"] != true {
        outcome.problem = Some(format!("a rule is broken: {said}"));
        return outcome;
    }
    outcome.problem = check_independently(&rows, &out.join("schools.csv"), k);
    outcome
}

/// Re-checks a plan from its school list and the table alone: every school in exactly one of `k`
/// networks, no campus split, each network's students within ±10% of the mean (the default band).
fn check_independently(
    table: &[BTreeMap<String, String>],
    written: &Path,
    k: usize,
) -> Option<String> {
    let network: BTreeMap<String, String> = csv_rows(written)
        .into_iter()
        .map(|r| (r["id"].clone(), r["network"].clone()))
        .collect();
    if network.len() != table.len() {
        return Some(format!(
            "{} schools in the plan, {} in the table",
            network.len(),
            table.len()
        ));
    }
    let mut students: BTreeMap<&str, f64> = BTreeMap::new();
    let mut campus: BTreeMap<&str, &str> = BTreeMap::new();
    for r in table {
        let Some(n) = network.get(&r["id"]) else {
            return Some(format!("{} is in no network", r["id"]));
        };
        *students.entry(n).or_default() += r["enrollment"].parse::<f64>().unwrap();
        if !r["campus"].is_empty() {
            if let Some(other) = campus.insert(&r["campus"], n) {
                if other != n {
                    return Some(format!("campus {} is split", r["campus"]));
                }
            }
        }
    }
    if students.len() != k {
        return Some(format!("{} networks with schools, not {k}", students.len()));
    }
    let mean = students.values().sum::<f64>() / k as f64;
    students
        .iter()
        .find(|(_, s)| (**s - mean).abs() > 0.1 * mean + 1e-6)
        .map(|(n, s)| format!("{n} has {s} students, outside ±10% of {mean:.0}"))
}

#[test]
fn every_district_with_30_schools_plans_with_the_default_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let codes: Vec<String> = districts().into_keys().collect();
    assert!(codes.len() >= 60, "{} districts", codes.len());
    let outcomes: Vec<Outcome> = two_at_a_time(&codes, |c| plan_district(dir.path(), c));
    let mut failed = Vec::new();
    let mut fitted_bands = BTreeSet::new();
    for o in &outcomes {
        eprintln!(
            "{} {:<45} {:>4} schools {:>3} networks  outline {}  {:.1} s{}",
            o.code,
            o.name,
            o.schools,
            o.networks,
            if o.outline { "yes" } else { "no " },
            o.seconds,
            o.problem
                .as_deref()
                .map(|p| format!("  FAILED: {p}"))
                .unwrap_or_default()
        );
        if o.problem.is_some() {
            failed.push(o.code.clone());
        }
        if o.fitted
            .iter()
            .any(|l| l.contains("coverage.min_high") || l.contains("coverage.min_middle"))
        {
            fitted_bands.insert(o.code.clone());
        }
    }
    eprintln!(
        "{} districts in {:.0} s; grade bands fitted in {}",
        outcomes.len(),
        start.elapsed().as_secs_f64(),
        fitted_bands.len()
    );
    assert!(failed.is_empty(), "did not plan: {failed:?}");
    // Elementary districts are among them (Chula Vista Elementary, Bakersfield City): fitted, and said.
    for code in ["3768023", "1563321"] {
        assert!(
            fitted_bands.contains(code),
            "{code} had no grade band fitted"
        );
    }
    // Nearly every district's outline is found by name and schools.
    let with_outline = outcomes.iter().filter(|o| o.outline).count();
    assert!(
        with_outline * 10 >= outcomes.len() * 9,
        "{with_outline} of {} outlines found",
        outcomes.len()
    );
}

/// The feeder design on the same districts: each either plans with every rule holding, or, where the
/// search over whole pathways was exhaustive and found no plan, says the narrowest enrollment band that
/// works (or that the band is not what stands in the way), or is refused before searching with the
/// arithmetic and the nearest settings. Only where the search was a heuristic may it end without either.
#[test]
fn the_feeder_design_plans_or_says_the_tightest_band_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let codes: Vec<String> = districts().into_keys().collect();
    let outcomes: Vec<(String, Option<i32>, String)> = two_at_a_time(&codes, |code| {
        let dir = dir.path();
        let table = dir.join(format!("{code}.csv"));
        run_ok(&[
            "import",
            "cde",
            "--district",
            code,
            "--out",
            table.to_str().unwrap(),
        ]);
        let k = (csv_rows(&table).len() / SCHOOLS_PER_NETWORK).max(2);
        let out = dir.join(code);
        let o = run(&[
            "plan",
            "--scenario",
            "feeder",
            "--schools",
            table.to_str().unwrap(),
            "--networks",
            &k.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        (
            code.to_string(),
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    });
    let (mut planned, mut banded, mut proven, mut searched) = (0, 0, 0, 0);
    for (code, exit, said) in &outcomes {
        let verdict = match exit {
            Some(0) => {
                planned += 1;
                "plans"
            }
            Some(4) if said.contains("were checked") => {
                // The narrowest band, or that no band helps; or, where finding the band would take
                // longer than the proof, that it would, with the band at another network count.
                assert!(
                    said.contains("gives the narrowest enrollment band that works")
                        || said.contains("whatever the enrollment band")
                        || (said.contains("would take a longer search")
                            && said.contains(" networks ±")),
                    "{code}: an exhaustive search without the tightest band: {said}"
                );
                banded += 1;
                "proven by exhaustive search, tightest band said"
            }
            Some(4) if said.contains("Nearest setting") => {
                proven += 1;
                "proven before searching, nearest settings said"
            }
            Some(4) => {
                searched += 1;
                "not found by the heuristic search"
            }
            other => panic!("{code}: exit {other:?}: {said}"),
        };
        eprintln!("{code} {verdict}");
    }
    eprintln!(
        "feeder on {} districts in {:.0} s: {planned} plan, {banded} proven with the tightest band, {proven} proven before searching, {searched} not found by the heuristic",
        outcomes.len(),
        start.elapsed().as_secs_f64()
    );
    // Two of the 62 end without a proof (2026-12-03): LAUSD at 40 networks, 382 planning units, beyond the
    // exhaustive search; and San Diego at 8, whose Lincoln pathway, the only way to Morse's, is split at
    // that gateway (`pathways.split_gateways`), after which a magnet in every network is not found. A change
    // that loses a proof, or a plan, shows here.
    assert!(searched <= 2, "{searched} not found by the heuristic");
    assert!(planned >= 47, "{planned} planned");
}
