//! Reading what a plan is made from: the school table (a file, or the built-in LAUSD table), the district
//! outline and the scenario, each with what plan.json records of it (its name and SHA-256).
//!
//! This is one of the two edges of the house that touch files (the other is [`crate::output`] and
//! `folder`); every reader goes through [`crate::limits`], and everything it returns is plain data
//! the pure modules take.

use crate::barriers::Barriers;
use crate::data;
use crate::error::{Error, Result};
use crate::geography::Outline;
use crate::history::{self, History};
use crate::limits;
use crate::pins::Pins;
use crate::plans::{sha256_hex, PlanInputs};
use crate::scenarios::{Scenario, DEFAULT_SCENARIO_NAME};
use crate::schools::{read_table, SchoolTable};
use crate::text::thousands;
use crate::validate;
use std::path::{Path, PathBuf};

/// A school table with the SHA-256 of its bytes.
pub struct LoadedTable {
    pub table: SchoolTable,
    pub sha256: String,
}

impl LoadedTable {
    /// The built-in LAUSD 2018-19 table.
    pub fn built_in() -> Result<LoadedTable> {
        Ok(LoadedTable {
            table: read_table(data::LAUSD_2018_NAME, data::LAUSD_2018_CSV.as_bytes())?,
            sha256: sha256_hex(data::LAUSD_2018_CSV.as_bytes()),
        })
    }

    /// The table at `path`, or the built-in one when there is none.
    pub fn load(path: Option<&Path>) -> Result<LoadedTable> {
        match path {
            None => LoadedTable::built_in(),
            Some(p) => {
                let bytes = limits::read_file(p, &limits::SCHOOL_TABLE)?;
                Ok(LoadedTable {
                    table: read_table(&p.display().to_string(), bytes.as_slice())?,
                    sha256: sha256_hex(&bytes),
                })
            }
        }
    }
}

/// Where `import cde` writes a district's outline, and where `plan` looks for one when no `--boundary`
/// is given: beside the table, `district.csv` → `district.outline.geojson` (another name keeps its
/// extension: `district.txt` → `district.txt.outline.geojson`).
pub fn outline_beside(table: &Path) -> PathBuf {
    let is_csv = table
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        table.with_extension("outline.geojson")
    } else {
        // `la.backup` → `la.backup.outline.geojson`, never `la.csv`'s outline.
        let mut name = table.file_name().unwrap_or_default().to_os_string();
        name.push(".outline.geojson");
        table.with_file_name(name)
    }
}

/// A district outline with its name and the SHA-256 of its text.
pub struct LoadedOutline {
    pub outline: Outline,
    pub name: String,
    pub sha256: String,
}

impl LoadedOutline {
    /// LAUSD's built-in outline.
    pub fn built_in() -> Result<LoadedOutline> {
        Ok(LoadedOutline {
            outline: Outline::parse(data::LAUSD_BOUNDARY_NAME, data::LAUSD_BOUNDARY)?,
            name: data::LAUSD_BOUNDARY_NAME.into(),
            sha256: sha256_hex(data::LAUSD_BOUNDARY.as_bytes()),
        })
    }

    /// The outline to use: the file at `path`, else LAUSD's when `built_in_table` (the built-in table is
    /// LAUSD's), else none.
    pub fn load(path: Option<&Path>, built_in_table: bool) -> Result<Option<LoadedOutline>> {
        match path {
            Some(p) => {
                let text = limits::read_text(p, &limits::OUTLINE)?;
                let name = p.display().to_string();
                Ok(Some(LoadedOutline {
                    outline: Outline::parse(&name, &text)?,
                    name,
                    sha256: sha256_hex(text.as_bytes()),
                }))
            }
            None if built_in_table => LoadedOutline::built_in().map(Some),
            None => Ok(None),
        }
    }
}

/// A scenario file, a built-in scenario by name (when no file of that name exists), or the default; with
/// the name plan.json records for it.
pub fn load_scenario(arg: Option<&Path>) -> Result<(Scenario, String)> {
    match arg {
        None => Ok((
            Scenario::default_scenario(),
            DEFAULT_SCENARIO_NAME.to_string(),
        )),
        Some(p) => match p.to_str().and_then(Scenario::built_in) {
            // A built-in name wins over anything that is not a file of that name (a folder `feeder`).
            Some(found) if !p.is_file() => Ok(found),
            _ => Ok((Scenario::load(p)?, p.display().to_string())),
        },
    }
}

/// Reads a pins CSV.
pub fn load_pins(path: &Path) -> Result<Pins> {
    let bytes = limits::read_file(path, &limits::PINS)?;
    let mut pins = Pins::parse(&path.display().to_string(), &bytes)?;
    pins.sha256 = sha256_hex(&bytes);
    Ok(pins)
}

/// Reads a barriers GeoJSON file.
pub fn load_barriers(path: &Path) -> Result<Barriers> {
    let text = limits::read_text(path, &limits::BARRIERS)?;
    let mut barriers = Barriers::parse(&path.display().to_string(), &text)?;
    barriers.sha256 = sha256_hex(text.as_bytes());
    Ok(barriers)
}

/// A district's enrollment history, with what it was read from.
pub struct LoadedHistory {
    pub history: History,
    /// The files, as named ("data/lausd-history.csv (built in)").
    pub sources: Vec<String>,
    /// The built-in LAUSD history (whose warnings are known and only worth repeating when it sets rules).
    pub built_in: bool,
}

impl LoadedHistory {
    /// The table's school year in this history ([`crate::forecast::base_year`]), checked: an error naming
    /// the history's files when no year has the table's enrollments, or when none comes before it.
    pub fn base_year(&self, table: &SchoolTable) -> Result<String> {
        let problem = |what: String, fix: &str| {
            Err(Error::input(self.sources.join(", "), None, None, what, fix))
        };
        let history = &self.history;
        let Some(base) = crate::forecast::base_year(table, history) else {
            let closest = crate::forecast::closest_year(table, history)
                .filter(|(_, n)| *n > 0)
                .map_or(String::new(), |(y, n)| {
                    format!(
                        " (closest: {y}, where {} of the table's {} schools have the table's students)",
                        thousands(n as f64),
                        thousands(table.schools.len() as f64)
                    )
                });
            return problem(
                format!(
                    "no year of the history ({}) has the enrollments of {}: in the table's own year at least half of its schools should have the table's students{closest}",
                    history.years.join(", "),
                    table.source
                ),
                "give the history of the table's district, including the table's own year",
            );
        };
        if history.years.first() == Some(&base) {
            return problem(
                format!("the history has no year before the table's ({base}): a forecast follows each school from one year to the next"),
                "add the years before the table's (three years or more let the forecast measure its own error)",
            );
        }
        Ok(base)
    }
}

/// What kind of file a history file is, from its header.
fn history_kind(text: &str) -> Option<&'static str> {
    let header = text
        .lines()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .replace(['"', '\r'], "");
    let has = |c: &str| header.contains(c);
    if has("cds_code") && has("enr_total") {
        Some("grades")
    } else if has("academic year") || (has("academic") && has("enrollment")) {
        Some("frpm")
    } else if has("year") && has("id") && has("enrollment") {
        Some("history")
    } else {
        None
    }
}

/// The CDS code prefix of a district's schools (their first 7 digits, when every id is a 14-digit CDS
/// code sharing them), to keep state-wide CDE files to the district; empty otherwise.
fn district_prefix(table: &SchoolTable) -> String {
    let cds = |id: &str| id.len() == 14 && id.bytes().all(|b| b.is_ascii_digit());
    match table.schools.first() {
        Some(first)
            if table
                .schools
                .iter()
                .all(|s| cds(&s.id) && s.id[..7] == first.id[..7]) =>
        {
            first.id[..7].to_string()
        }
        _ => String::new(),
    }
}

/// Reads history files: history CSVs (`year,id,name,enrollment`, as `import cde --history` writes), the
/// CDE's FRPM files (one year each) and its enrollment by grade files (`enrYYYYYY-vN.txt`); state-wide CDE
/// files are kept to `table`'s district.
pub fn load_history(paths: &[PathBuf], table: &SchoolTable) -> Result<LoadedHistory> {
    let prefix = district_prefix(table);
    let mut parts = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let text = limits::read_text(p, &limits::HISTORY)?;
        if text.trim().is_empty() {
            return Err(Error::input(
                &name,
                None,
                None,
                "the file is empty",
                "give the history `import cde --history` writes, or the CDE's yearly FRPM or enrollment files",
            ));
        }
        match history_kind(&text) {
            Some("history") => parts.extend(history::parse_csv(&name, &text)?),
            Some("frpm") => parts.push(history::parse_frpm(&name, &text, &prefix)?),
            Some("grades") => parts.push(history::parse_grades(&name, &text, &prefix)?),
            _ => {
                return Err(Error::input(
                    name,
                    Some(1),
                    None,
                    "not a history file: its header has neither year,id,enrollment (a history CSV), Academic Year and Enrollment (K-12) (a CDE FRPM file) nor CDS_CODE and ENR_TOTAL (a CDE enrollment by grade file)",
                    "give the history `import cde --history` writes, or the CDE's yearly FRPM or enrollment files",
                ))
            }
        }
    }
    Ok(LoadedHistory {
        history: history::merge(parts)?,
        sources: paths.iter().map(|p| p.display().to_string()).collect(),
        built_in: false,
    })
}

/// The built-in LAUSD history.
pub fn built_in_history() -> Result<LoadedHistory> {
    Ok(LoadedHistory {
        history: history::merge(history::parse_csv(
            data::LAUSD_HISTORY_NAME,
            data::LAUSD_HISTORY_CSV,
        )?)?,
        sources: vec![data::LAUSD_HISTORY_NAME.to_string()],
        built_in: true,
    })
}

/// The history for `table`: the files named, else the built-in LAUSD history when it knows the table's
/// year (the built-in table, or a later LAUSD table such as `data/lausd-2020-21.csv`), else none.
pub fn history_for(paths: &[PathBuf], table: &SchoolTable) -> Result<Option<LoadedHistory>> {
    if !paths.is_empty() {
        return load_history(paths, table).map(Some);
    }
    let built_in = built_in_history()?;
    Ok(crate::forecast::base_year(table, &built_in.history).map(|_| built_in))
}

/// Where a plan's inputs come from, as the command line names them.
#[derive(Debug, Clone, Default)]
pub struct InputPaths {
    /// The school table (`None`: the built-in LAUSD table).
    pub schools: Option<PathBuf>,
    /// The district outline (`None`: LAUSD's with the built-in table, none otherwise).
    pub boundary: Option<PathBuf>,
    /// A scenario file or built-in name (`None`: the default scenario).
    pub scenario: Option<PathBuf>,
    /// A pins CSV (`None`: the scenario's `pins`, if any).
    pub pins: Option<PathBuf>,
    /// A barriers GeoJSON file (`None`: the scenario's `barriers`, if any).
    pub barriers: Option<PathBuf>,
    /// Enrollment history files (none: the built-in LAUSD history when it knows the table's year).
    pub history: Vec<PathBuf>,
}

impl InputPaths {
    /// Reads and validates every input.
    pub fn load(&self) -> Result<Inputs> {
        let loaded = LoadedTable::load(self.schools.as_deref())?;
        let outline = LoadedOutline::load(self.boundary.as_deref(), self.schools.is_none())?;
        let scenario = load_scenario(self.scenario.as_deref())?;
        let (pins, barriers) = self.steering(&scenario.0);
        let history = history_for(&self.history, &loaded.table)?;
        let mut inputs = Inputs::validated(loaded, outline, scenario)?;
        inputs.history = history;
        inputs.pins = pins.as_deref().map(load_pins).transpose()?;
        inputs.barriers = barriers.as_deref().map(load_barriers).transpose()?;
        inputs.steering_files = pins.into_iter().chain(barriers).collect();
        Ok(inputs)
    }

    /// The pins and barriers files to read: the command line's, else the scenario's (relative to the
    /// scenario file).
    pub fn steering(&self, scenario: &Scenario) -> (Option<PathBuf>, Option<PathBuf>) {
        let beside = |f: &String| match self.scenario.as_deref().and_then(Path::parent) {
            Some(dir) if self.scenario.as_deref().is_some_and(Path::exists) => dir.join(f),
            _ => PathBuf::from(f),
        };
        (
            self.pins
                .clone()
                .or_else(|| scenario.pins.as_ref().map(beside)),
            self.barriers
                .clone()
                .or_else(|| scenario.barriers.as_ref().map(beside)),
        )
    }

    /// The input files named on the command line, which outputs must never overwrite (the scenario's own
    /// pins and barriers files are added by [`Inputs::files`] once the scenario is read).
    pub fn files(&self) -> Vec<PathBuf> {
        self.schools
            .iter()
            .chain(&self.scenario)
            .chain(&self.boundary)
            .chain(&self.pins)
            .chain(&self.barriers)
            .chain(&self.history)
            .cloned()
            .collect()
    }
}

/// Loaded inputs whose table passed validation (against the outline, if any).
pub struct Inputs {
    pub loaded: LoadedTable,
    pub outline: Option<LoadedOutline>,
    pub scenario: Scenario,
    pub scenario_source: String,
    pub pins: Option<Pins>,
    pub barriers: Option<Barriers>,
    /// The pins and barriers files read.
    pub steering_files: Vec<PathBuf>,
    /// The district's enrollment history, when at hand.
    pub history: Option<LoadedHistory>,
    /// The forecast of the table's schools ([`Inputs::forecast_for`]).
    pub forecast: Option<crate::forecast::Forecast>,
}

impl Inputs {
    /// Validates the table (against the outline, if any); every problem found is an error.
    pub fn validated(
        loaded: LoadedTable,
        outline: Option<LoadedOutline>,
        (scenario, scenario_source): (Scenario, String),
    ) -> Result<Inputs> {
        let v = validate::validate(&loaded.table, outline.as_ref().map(|o| &o.outline));
        if !v.errors.is_empty() {
            return Err(Error::Input(v.errors));
        }
        Ok(Inputs {
            loaded,
            outline,
            scenario,
            scenario_source,
            pins: None,
            barriers: None,
            steering_files: Vec::new(),
            history: None,
            forecast: None,
        })
    }

    /// Every input file read, given those named on the command line (`named`).
    pub fn files(&self, named: &[PathBuf]) -> Vec<PathBuf> {
        let mut all = named.to_vec();
        all.extend(self.steering_files.iter().cloned());
        all
    }

    /// Forecasts the table's schools `years` years ahead from the history (when there is one), the
    /// method chosen by its backtest on compact groups of the scenario's number of networks, and keeps it
    /// for the plan ([`Inputs::plan_inputs`]). Without a history nothing is forecast, unless the scenario
    /// asks its band to hold for years ahead, which is then an error saying what to give.
    pub fn forecast_for(&mut self, years: usize) -> Result<()> {
        let horizon = self.scenario.horizon.years;
        let Some(h) = &self.history else {
            self.forecast = None;
            return if horizon > 0 {
                Err(Error::Usage(format!(
                    "the band must hold for {horizon} years ahead (--horizon, or the scenario's [horizon]), which needs the district's enrollment history: give it with --history FILE (what `import cde --history` writes, or the CDE's yearly FRPM files)"
                )))
            } else {
                Ok(())
            };
        };
        let table = &self.loaded.table;
        let base = match h.base_year(table) {
            Ok(base) => base,
            // Without a horizon the forecast only adds the outlook: a history that does not fit the
            // table leaves it out.
            Err(_) if horizon == 0 => {
                self.forecast = None;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let groups = crate::forecast::compact_groups(table, self.scenario.networks);
        let options = crate::forecast::Options {
            years: years.max(horizon),
            method: None,
            groups: self.scenario.networks,
        };
        self.forecast = Some(crate::forecast::forecast(
            table, &h.history, &base, &groups, &options,
        )?);
        Ok(())
    }

    /// The table.
    pub fn table(&self) -> &SchoolTable {
        &self.loaded.table
    }

    /// The outline, if any.
    pub fn outline(&self) -> Option<&Outline> {
        self.outline.as_ref().map(|o| &o.outline)
    }

    /// What `plans::make_plan` takes, with the command-line `overrides` recorded.
    pub fn plan_inputs(&self, overrides: Vec<String>, best_effort: bool) -> PlanInputs<'_> {
        PlanInputs {
            table: &self.loaded.table,
            table_sha256: self.loaded.sha256.clone(),
            outline: self.outline(),
            outline_source: self
                .outline
                .as_ref()
                .map(|o| (o.name.clone(), o.sha256.clone())),
            scenario: &self.scenario,
            scenario_source: self.scenario_source.clone(),
            overrides,
            best_effort,
            pins: self.pins.as_ref(),
            barriers: self.barriers.as_ref(),
            forecast: self.forecast.as_ref(),
            history: self.history.as_ref().map(|h| &h.history),
        }
    }
}
