//! Plan folders: the set of files `plan` writes (and `rebalance`, `briefing` and the editor write the same
//! set), and reading one back for `compare` and `rebalance`.
//!
//! Writing goes through [`OutputSet`], so a folder is replaced as a whole or not at all; this module only
//! says which files a plan has and what is in them.

use crate::compare::{self, Comparison};
use crate::data;
use crate::error::{Error, Result};
use crate::geography::Outline;
use crate::limits;
use crate::maps;
use crate::output::OutputSet;
use crate::plan_file::PlanFile;
use crate::plans::{self, Plan};
use crate::reports;
use crate::schools::{read_table, SchoolTable};
use std::path::{Path, PathBuf};

/// A plan folder read back: its plan.json and the label its column gets in a comparison.
pub struct PlanFolder {
    /// The path as given: a folder, or a plan.json in one.
    pub path: PathBuf,
    /// The folder's name (for column labels).
    pub label: String,
    pub file: PlanFile,
}

impl PlanFolder {
    /// The folder of a plan given as a folder or as its plan.json.
    pub(crate) fn folder_of(path: &Path) -> &Path {
        if path.is_dir() {
            path
        } else {
            path.parent().unwrap_or(path)
        }
    }

    /// The plan.json of a plan folder (or the plan.json named directly).
    pub fn json_of(path: &Path) -> PathBuf {
        if path.is_dir() {
            path.join("plan.json")
        } else {
            path.to_path_buf()
        }
    }

    /// Reads a plan folder's plan.json (or a plan.json named directly).
    pub fn read(path: &Path) -> Result<PlanFolder> {
        let file = PlanFolder::json_of(path);
        let shown = file.display().to_string();
        if !file.exists() {
            return Err(Error::input(
                &shown,
                None,
                None,
                "cannot read the plan: there is no plan.json here",
                "give a folder written by `schoolnets plan --out DIR` (it holds plan.json), or the plan.json itself",
            ));
        }
        let text = limits::read_text(&file, &limits::PLAN_JSON)?;
        let plan = PlanFile::parse(&shown, &text)?;
        check_figures(&shown, &plan)?;
        let folder = PlanFolder::folder_of(path);
        let label = folder
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| folder.display().to_string());
        Ok(PlanFolder {
            path: path.to_path_buf(),
            label,
            file: plan,
        })
    }

    /// [`read`](Self::read), for use with `table`: refused, naming the plan's `assignment`, when it is a plan
    /// of another table or district (fewer than half of the table's schools in it). Every command that
    /// takes `--plan` with a table of the planner's reads the plan through here.
    pub fn read_for(path: &Path, table: &SchoolTable) -> Result<PlanFolder> {
        let folder = PlanFolder::read(path)?;
        crate::rebalance::check_same_district(
            &folder.file,
            &PlanFolder::json_of(path).display().to_string(),
            table,
        )?;
        Ok(folder)
    }

    /// The folder's map.svg, when it has one.
    pub fn map_svg(&self) -> Option<String> {
        std::fs::read_to_string(PlanFolder::folder_of(&self.path).join("map.svg")).ok()
    }

    /// The paths an output must never replace: the folder and its plan.json.
    pub fn paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone(), self.path.join("plan.json")]
    }

    /// The school table the plan was made from, if it is at hand: the built-in one, or the file plan.json
    /// names, when its SHA-256 matches.
    pub fn table(&self) -> Option<SchoolTable> {
        table_of(&self.file)
    }
}

/// Refuses a plan.json whose per-network figures are not what its own assignment gives on the table it
/// was drawn from (when that table is at hand): schools moved by hand leave the figures of the plan before,
/// which every command reading the plan (compare, rebalance, serve, ensemble, forecast) would print.
fn check_figures(shown: &str, plan: &PlanFile) -> Result<()> {
    let Some(table) = table_of(plan) else {
        return Ok(());
    };
    match crate::metrics::stale_figure(&table, plan) {
        None => Ok(()),
        Some((network, figure, stated, got)) => Err(Error::input(
            shown,
            None,
            Some(&format!("networks[{network}].{figure}")),
            format!(
                "network '{network}' states {figure} {stated}, but the schools `assignment` puts in it give {got} on {}: the plan's figures do not belong to its assignment (was plan.json edited by hand?)",
                table.source
            ),
            "write the plan again with `schoolnets plan` (or move schools with `schoolnets serve --plan`, which measures every figure again); do not edit plan.json by hand",
        )),
    }
}

/// Reads an ensemble folder (what `schoolnets ensemble --out DIR` writes): ensemble.json, every draw's
/// figures from samples.csv, and firmness.svg when there.
pub fn read_ensemble(path: &Path) -> Result<crate::ensemble::Summary> {
    // The folder, or its ensemble.json named directly.
    let dir = if path.is_file() && path.file_name().is_some_and(|n| n == "ensemble.json") {
        path.parent().unwrap_or(Path::new("."))
    } else {
        path
    };
    let json = dir.join("ensemble.json");
    let shown = json.display().to_string();
    if !json.is_file() {
        return Err(Error::input(
            &shown,
            None,
            None,
            if dir.is_dir() {
                "cannot read the ensemble: there is no ensemble.json in this folder".to_string()
            } else if dir.exists() {
                "cannot read the ensemble: this is a file, not an ensemble folder".to_string()
            } else {
                "cannot read the ensemble: there is no such folder".to_string()
            },
            "give a folder written by `schoolnets ensemble --out DIR`",
        ));
    }
    let text = limits::read_text(&json, &limits::ENSEMBLE_JSON)?;
    let bad = |what: &str| {
        Error::input(
            &shown,
            None,
            Some(what),
            format!("not an ensemble.json as `schoolnets ensemble` writes it (no `{what}`)"),
            "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
        )
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            &shown,
            Some(e.line() as u64),
            None,
            format!("not JSON: {e}"),
            "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
        )
    })?;
    let figures_json = v["figures"].as_object().ok_or_else(|| bad("figures"))?;
    let samples = dir.join("samples.csv");
    let samples_shown = samples.display().to_string();
    let samples_text = limits::read_text(&samples, &limits::SAMPLES)?;
    let mut reader = csv::Reader::from_reader(samples_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            Error::input(
                &samples_shown,
                Some(1),
                None,
                format!("not a CSV: {e}"),
                "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    let mut figures: Vec<crate::ensemble::SummaryFigure> = figures_json
        .iter()
        .map(|(key, f)| crate::ensemble::SummaryFigure {
            key: key.clone(),
            title: f["title"].as_str().unwrap_or(key).to_string(),
            short: f["short"]
                .as_str()
                .or(f["title"].as_str())
                .unwrap_or(key)
                .to_string(),
            unit: f["unit"].as_str().unwrap_or("").to_string(),
            draws: Vec::new(),
        })
        .collect();
    let columns: Vec<Option<usize>> = figures
        .iter()
        .map(|f| header.iter().position(|h| *h == f.key))
        .collect();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Error::input(
                &samples_shown,
                Some(line as u64 + 2),
                None,
                format!("not a CSV row: {e}"),
                "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
            )
        })?;
        for (f, c) in figures.iter_mut().zip(&columns) {
            if let Some(x) = c.and_then(|c| record.get(c)).filter(|x| !x.is_empty()) {
                let x: f64 = x.parse().map_err(|_| {
                    Error::input(
                        &samples_shown,
                        Some(line as u64 + 2),
                        Some(&f.key),
                        format!("{x:?} is not a number"),
                        "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
                    )
                })?;
                if !x.is_finite() {
                    return Err(Error::input(
                        &samples_shown,
                        Some(line as u64 + 2),
                        Some(&f.key),
                        format!("{} is not a figure a plan can have", crate::text::echo(x)),
                        "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
                    ));
                }
                f.draws.push(x);
            }
        }
    }
    if figures.is_empty() {
        return Err(bad("figures"));
    }
    if let Some((f, _)) = figures.iter().zip(&columns).find(|(_, c)| c.is_none()) {
        return Err(Error::input(
            &samples_shown,
            Some(1),
            Some(&f.key),
            format!(
                "samples.csv has no column {}, which ensemble.json lists",
                f.key
            ),
            "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
        ));
    }
    if figures.iter().all(|f| f.draws.is_empty()) {
        return Err(Error::input(
            &samples_shown,
            None,
            None,
            "samples.csv holds no draws",
            "give a folder written by `schoolnets ensemble --out DIR`, unchanged",
        ));
    }
    Ok(crate::ensemble::Summary {
        folder: dir.display().to_string(),
        schools_sha256: v["schools_sha256"].as_str().map(str::to_string),
        from: v["plan"].as_str().ok_or_else(|| bad("plan"))?.to_string(),
        plan_sha256: v["plan_sha256"].as_str().map(str::to_string),
        slack_pct: v["slack_pct"].as_f64().ok_or_else(|| bad("slack_pct"))?,
        figures,
        firmness_svg: std::fs::read_to_string(dir.join("firmness.svg")).ok(),
    })
}

/// The school table a plan was made from, if it is at hand (see [`PlanFolder::table`]).
pub fn table_of(f: &PlanFile) -> Option<SchoolTable> {
    let want = &f.input.schools_sha256;
    if *want == plans::sha256_hex(data::LAUSD_2018_CSV.as_bytes()) {
        return read_table(data::LAUSD_2018_NAME, data::LAUSD_2018_CSV.as_bytes()).ok();
    }
    let bytes = limits::read_file(Path::new(&f.input.schools_file), &limits::SCHOOL_TABLE).ok()?;
    (plans::sha256_hex(&bytes) == *want)
        .then(|| read_table(&f.input.schools_file, bytes.as_slice()).ok())
        .flatten()
}

/// Labels for the plans' columns: folder names, or the paths as given where two folders share a name.
pub fn unique_labels(folders: &[PlanFolder]) -> Vec<String> {
    folders
        .iter()
        .map(|f| {
            if folders.iter().filter(|g| g.label == f.label).count() > 1 {
                f.path.display().to_string()
            } else {
                f.label.clone()
            }
        })
        .collect()
}

/// Adds the files of a plan folder to `set`, under `prefix` ("" for the output folder itself, or
/// "feeder/"), and returns the map's SVG (for a report of several plans).
pub fn add_plan_files(
    set: &mut OutputSet,
    prefix: &str,
    plan: &Plan,
    table: &SchoolTable,
    outline: Option<&Outline>,
    options: &maps::MapOptions,
) -> Result<String> {
    let map = maps::Map::new(plan, table, outline, options.clone());
    let svg = maps::svg::svg(&map);
    let mut json =
        serde_json::to_string_pretty(&plan.file).map_err(|e| Error::Internal(e.to_string()))?;
    json.push('\n');
    set.add(&format!("{prefix}plan.json"), json.into_bytes());
    set.add(
        &format!("{prefix}networks.geojson"),
        maps::geojson::geojson(&map).into_bytes(),
    );
    if let Some(regions) = maps::geojson::regions_geojson(&map) {
        set.add(&format!("{prefix}regions.geojson"), regions.into_bytes());
    }
    if !plan.file.affiliations.is_empty() {
        set.add(
            &format!("{prefix}affiliations.csv"),
            reports::affiliations_csv(plan),
        );
    }
    set.add(&format!("{prefix}map.png"), maps::png::png(&svg)?);
    let part = reports::html::Part {
        label: String::new(),
        file: &plan.file,
        map_svg: Some(&svg),
        table: Some(table),
    };
    set.add(
        &format!("{prefix}report.html"),
        reports::html::page(&map.title(), &options.date, &[part], None).into_bytes(),
    );
    set.add(&format!("{prefix}map.svg"), svg.as_bytes().to_vec());
    if let Some(o) = &plan.file.outlook {
        let base: Vec<f64> = plan
            .file
            .networks
            .iter()
            .map(|n| n.enrollment_deviation_pct)
            .collect();
        set.add(
            &format!("{prefix}outlook.svg"),
            reports::forecast::outlook_svg(o, &base).into_bytes(),
        );
    }
    set.add(
        &format!("{prefix}report.md"),
        reports::markdown(plan, table).into_bytes(),
    );
    set.add(&format!("{prefix}report.csv"), reports::csv(plan));
    set.add(
        &format!("{prefix}schools.csv"),
        reports::schools_csv(plan, table),
    );
    Ok(svg)
}

/// Adds compare.md, compare.csv and moves.csv to `set`, under `prefix`.
pub fn add_comparison_files(set: &mut OutputSet, prefix: &str, c: &Comparison) {
    set.add(
        &format!("{prefix}compare.md"),
        compare::markdown(c).into_bytes(),
    );
    set.add(&format!("{prefix}compare.csv"), compare::csv(c));
    set.add(&format!("{prefix}moves.csv"), compare::moves_csv(c));
}
