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
use crate::limits;
use crate::pins::Pins;
use crate::plans::{sha256_hex, PlanInputs};
use crate::scenarios::{Scenario, DEFAULT_SCENARIO_NAME};
use crate::schools::{read_table, SchoolTable};
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
                let bytes = limits::read_file(p, limits::MAX_TABLE_BYTES, "school table")?;
                Ok(LoadedTable {
                    table: read_table(&p.display().to_string(), bytes.as_slice())?,
                    sha256: sha256_hex(&bytes),
                })
            }
        }
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
                let text = limits::read_text(p, limits::MAX_DOCUMENT_BYTES, "district outline")?;
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
            Some(found) if !p.exists() => Ok(found),
            _ => Ok((Scenario::load(p)?, p.display().to_string())),
        },
    }
}

/// Reads a pins CSV.
pub fn load_pins(path: &Path) -> Result<Pins> {
    let bytes = limits::read_file(path, limits::MAX_TABLE_BYTES, "pins file")?;
    let mut pins = Pins::parse(&path.display().to_string(), &bytes)?;
    pins.sha256 = sha256_hex(&bytes);
    Ok(pins)
}

/// Reads a barriers GeoJSON file.
pub fn load_barriers(path: &Path) -> Result<Barriers> {
    let text = limits::read_text(path, limits::MAX_DOCUMENT_BYTES, "barriers file")?;
    let mut barriers = Barriers::parse(&path.display().to_string(), &text)?;
    barriers.sha256 = sha256_hex(text.as_bytes());
    Ok(barriers)
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
}

impl InputPaths {
    /// Reads and validates every input.
    pub fn load(&self) -> Result<Inputs> {
        let loaded = LoadedTable::load(self.schools.as_deref())?;
        let outline = LoadedOutline::load(self.boundary.as_deref(), self.schools.is_none())?;
        let scenario = load_scenario(self.scenario.as_deref())?;
        let (pins, barriers) = self.steering(&scenario.0);
        let mut inputs = Inputs::validated(loaded, outline, scenario)?;
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
        })
    }

    /// Every input file read, given those named on the command line (`named`).
    pub fn files(&self, named: &[PathBuf]) -> Vec<PathBuf> {
        let mut all = named.to_vec();
        all.extend(self.steering_files.iter().cloned());
        all
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
        }
    }
}
