//! Helpers shared by the integration tests: running the binary, reading what it writes, reading the LAUSD
//! table independently of the library (with the csv crate only), and building small school tables.
//!
//! Each test file is its own crate and uses only some of these, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod browser;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `schoolnets` binary built for these tests.
pub fn schoolnets() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schoolnets"))
}

/// Runs `schoolnets ARGS` and returns what it did.
pub fn run(args: &[&str]) -> Output {
    schoolnets().args(args).output().unwrap()
}

/// Runs `schoolnets ARGS`, failing the test (with its error output) unless it succeeds.
pub fn run_ok(args: &[&str]) -> Output {
    let o = run(args);
    assert!(
        o.status.success(),
        "schoolnets {} failed ({:?}): {}",
        args.join(" "),
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Runs `schoolnets ARGS --out OUT`.
pub fn run_into(args: &[&str], out: &Path) -> Output {
    schoolnets()
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Runs `schoolnets plan -q --out OUT EXTRA`, failing the test unless it succeeds.
pub fn plan_into(out: &Path, extra: &[&str]) -> Output {
    let o = schoolnets()
        .args(["plan", "-q", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "plan failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A path inside the repository.
pub fn manifest(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A plan folder's plan.json, checked against the published schema (`docs/plan.schema.json`): every
/// plan a test reads is one another tool could read.
pub fn plan_json(dir: &Path) -> serde_json::Value {
    let plan = json(&dir.join("plan.json"));
    valid_plan(&plan, &dir.join("plan.json").display().to_string());
    plan
}

/// Panics, listing the first errors, when `plan` does not follow `docs/plan.schema.json`.
pub fn valid_plan(plan: &serde_json::Value, what: &str) {
    use std::sync::OnceLock;
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema = json(&manifest("docs/plan.schema.json"));
        jsonschema::validator_for(&schema).expect("docs/plan.schema.json is a JSON Schema")
    });
    let errors: Vec<String> = validator
        .iter_errors(plan)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow docs/plan.schema.json:\n{}",
        errors.join("\n")
    );
}

/// A plan's school id → network id.
pub fn assignment(plan: &serde_json::Value) -> BTreeMap<String, String> {
    plan["assignment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// A plan's network id → one text field of each network (`name`, `region`), from its plan.json.
pub fn network_field(plan: &serde_json::Value, field: &str) -> BTreeMap<String, String> {
    plan["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["network"].as_str().unwrap().to_string(),
                n[field].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A plan's network id → support region, from its plan.json.
pub fn network_regions(plan: &serde_json::Value) -> BTreeMap<String, String> {
    network_field(plan, "region")
}

/// A CSV file as rows of column → value, read with the csv crate only.
pub fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            h.iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The built-in LAUSD 2018-19 table as rows of column → value (not through the library).
pub fn lausd_rows() -> Vec<BTreeMap<String, String>> {
    csv_rows(&manifest("data/lausd-2018.csv"))
}

/// The same, by school id.
pub fn lausd_by_id() -> BTreeMap<String, BTreeMap<String, String>> {
    lausd_rows()
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect()
}

/// A school's distance from standard as the library defines it: the mean of ELA and math where both
/// exist, else the one it has.
pub fn row_dfs(row: &BTreeMap<String, String>) -> Option<f64> {
    let e: Option<f64> = row["ela_dfs"].parse().ok();
    let m: Option<f64> = row["math_dfs"].parse().ok();
    match (e, m) {
        (Some(e), Some(m)) => Some((e + m) / 2.0),
        (e, m) => e.or(m),
    }
}

/// One row of a school table under construction: an ordinary traditional elementary school of 100
/// students with no other data, until columns are set.
#[derive(Clone)]
pub struct Row(BTreeMap<&'static str, String>);

impl Row {
    pub fn new(id: &str, lat: f64, lon: f64) -> Row {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("id", id.to_string()),
            ("name", format!("School {id}")),
            ("lat", format!("{lat:.6}")),
            ("lon", format!("{lon:.6}")),
            ("enrollment", "100".into()),
            ("level", "elementary".into()),
            ("grade_low", "K".into()),
            ("grade_high", "5".into()),
            ("model", "traditional".into()),
            ("charter", "no".into()),
            ("magnet", "no".into()),
        ] {
            m.insert(k, v);
        }
        Row(m)
    }

    /// Sets a column (one of `schools::COLUMNS`).
    pub fn set(mut self, column: &'static str, value: impl ToString) -> Row {
        assert!(
            schoolnets::schools::COLUMNS.contains(&column),
            "{column} is not a column of the school table"
        );
        self.0.insert(column, value.to_string());
        self
    }
}

/// The header line of a school table (from `schools::COLUMNS`), with its line break.
pub fn header() -> String {
    format!("{}\n", schoolnets::schools::COLUMNS.join(","))
}

/// The CSV text of a school table: the header from `schools::COLUMNS`, then the rows.
pub fn table_text(rows: &[Row]) -> String {
    let cols = schoolnets::schools::COLUMNS;
    let mut out = cols.join(",");
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                let v = r.0.get(c).cloned().unwrap_or_default();
                if v.contains([',', '"', '\n']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
