//! What-if overrides: rule values given on the command line (`--networks 30 --tolerance 0.05`) that
//! replace the scenario's for one run and are recorded in plan.json.

use super::Scenario;
use crate::error::{Error, Result};
use crate::schools::SchoolTable;

/// Values that override a scenario; `None` (or empty) leaves the scenario's own. Each field is the
/// command-line option of the same name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--networks`
    pub networks: Option<usize>,
    /// `--tolerance`: the enrollment band as a fraction of the mean.
    pub tolerance: Option<f64>,
    /// `--min-schools`
    pub min_schools: Option<usize>,
    /// `--max-schools`
    pub max_schools: Option<usize>,
    /// `--max-low-share`
    pub max_low_share: Option<f64>,
    /// `--dfs-band`
    pub dfs_band: Option<f64>,
    /// `--frpm-band`
    pub frpm_band: Option<f64>,
    /// `--ethnicity-band`
    pub ethnicity_band: Option<f64>,
    /// `--min-model MODEL=N`, as written.
    pub min_model: Vec<String>,
    /// `--regions` (0: none).
    pub regions: Option<usize>,
    /// `--seed`
    pub seed: Option<u64>,
    /// `--restarts`
    pub restarts: Option<usize>,
    /// `--horizon`: forecast years the enrollment band must hold in.
    pub horizon: Option<usize>,
    /// `--horizon-margin`: percentage points the band is narrowed by in forecast years.
    pub horizon_margin: Option<f64>,
    /// `--barrier-price`: soft barriers, km² a crossing.
    pub barrier_price: Option<f64>,
}

/// The command-line option that sets a scenario key, if one does.
pub(crate) fn flag_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "networks" => "--networks",
        "size.enrollment_tolerance" => "--tolerance",
        "size.min_schools" => "--min-schools",
        "size.max_schools" => "--max-schools",
        "solver.restarts" => "--restarts",
        "performance.max_low_performing_share" => "--max-low-share",
        "performance.dfs_band" => "--dfs-band",
        "diversity.frpm_band" => "--frpm-band",
        "diversity.ethnicity_band" => "--ethnicity-band",
        "coverage.min_models" => "--min-model",
        "regions.count" => "--regions",
        "horizon.years" => "--horizon",
        "horizon.margin" => "--horizon-margin",
        "barrier_price_km2" => "--barrier-price",
        _ => return None,
    })
}

/// A problem of a value the command line set, as the usage error naming its option.
fn usage(flag: &str, p: &crate::error::Problem) -> Error {
    Error::Usage(format!("{flag}: {} ({})", p.what, p.fix))
}

/// An error of [`Scenario::check`] after the command line set a key (as `rebalance --horizon` does on an
/// adopted plan's scenario): a usage error naming the option when the key is one an option sets, so the
/// plan or scenario file is not blamed for the command line's value.
pub fn command_line_error(e: Error) -> Error {
    match e {
        Error::Input(p) => match p[0].field.as_deref().and_then(flag_for) {
            Some(flag) => usage(flag, &p[0]),
            None => Error::Input(p),
        },
        other => other,
    }
}

impl Overrides {
    /// Applies the overrides to `scenario` and checks the result; returns them as `key = value` lines for
    /// plan.json. A bad value given here is a usage error naming the option; a problem of the scenario
    /// file itself stays an input error naming the file.
    ///
    /// Values the district's size decides and the command line left alone are then fitted to `table`
    /// (see [`super::fit`]) and recorded with the reason.
    pub fn apply(
        &self,
        scenario: &mut Scenario,
        source: &str,
        table: &SchoolTable,
    ) -> Result<Vec<String>> {
        let designed = scenario.networks;
        let mut overrides = Vec::new();
        let mut set = |key: &str, value: String| overrides.push(format!("{key} = {value}"));
        if let Some(k) = self.networks {
            scenario.networks = k;
            set("networks", k.to_string());
        }
        if let Some(t) = self.tolerance {
            scenario.size.enrollment_tolerance = t;
            set("size.enrollment_tolerance", t.to_string());
        }
        if let Some(n) = self.min_schools {
            scenario.size.min_schools = n;
            set("size.min_schools", n.to_string());
        }
        if let Some(n) = self.max_schools {
            scenario.size.max_schools = n;
            set("size.max_schools", n.to_string());
        }
        if let Some(v) = self.max_low_share {
            scenario.performance.max_low_performing_share = Some(v);
            set("performance.max_low_performing_share", v.to_string());
        }
        if let Some(v) = self.dfs_band {
            scenario.performance.dfs_band = Some(v);
            set("performance.dfs_band", v.to_string());
        }
        if let Some(v) = self.frpm_band {
            scenario.diversity.frpm_band = Some(v);
            set("diversity.frpm_band", v.to_string());
        }
        if let Some(v) = self.ethnicity_band {
            scenario.diversity.ethnicity_band = Some(v);
            set("diversity.ethnicity_band", v.to_string());
        }
        for m in &self.min_model {
            let (model, n) = m
                .rsplit_once('=')
                .and_then(|(model, n)| {
                    Some((
                        model.trim().to_ascii_lowercase(),
                        n.trim().parse::<u32>().ok()?,
                    ))
                })
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--min-model '{m}': write MODEL=N, e.g. --min-model magnet=1"
                    ))
                })?;
            set(&format!("coverage.min_models.{model}"), n.to_string());
            scenario.coverage.min_models.insert(model, n);
        }
        match self.regions {
            Some(0) => {
                scenario.regions = None;
                set("regions", "none".into());
            }
            Some(n) => {
                scenario.regions.get_or_insert_with(Default::default).count = n;
                set("regions.count", n.to_string());
            }
            None => {}
        }
        if let Some(v) = self.barrier_price {
            scenario.barrier_price_km2 = Some(v);
            set("barrier_price_km2", v.to_string());
        }
        if let Some(v) = self.seed {
            scenario.solver.seed = v;
            set("solver.seed", v.to_string());
        }
        if let Some(v) = self.restarts {
            scenario.solver.restarts = v;
            set("solver.restarts", v.to_string());
        }
        if let Some(v) = self.horizon {
            scenario.horizon.years = v;
            set("horizon.years", v.to_string());
        }
        if let Some(v) = self.horizon_margin {
            scenario.horizon.margin = Some(v);
            set("horizon.margin", v.to_string());
        }
        // Before fitting, which drops a minimum the district cannot meet: a model no school has is refused
        // when the command line asked for it, or when it is a likely typo of a model the table has; the
        // fit then handles a real model the district lacks (the built-in scenarios' magnet minimum).
        for (model, &need) in &scenario.coverage.min_models {
            if need > 0 && !table.schools.iter().any(|s| &s.model == model) {
                let from_cli = overridden_model(&overrides, model);
                if from_cli || nearest_model(table, model).is_some() {
                    return Err(unknown_model(table, model, source, from_cli));
                }
            }
        }
        overrides.extend(super::fit::to_district(scenario, table, self, designed));
        let checked = scenario
            .check(source)
            .and_then(|()| scenario.check_on(table, source));
        checked.map_err(|e| match e {
            Error::Input(p) => {
                let key = p[0].field.clone().unwrap_or_default();
                let overridden = |k: &str| overrides.iter().any(|o| o.starts_with(k));
                let from_cli = match key.as_str() {
                    "size.min_schools" | "size.max_schools" => {
                        overridden("size.min_schools") || overridden("size.max_schools")
                    }
                    "regions.count" => overridden("regions.count") || overridden("networks"),
                    k => overridden(k),
                };
                match flag_for(&key) {
                    Some(flag) if from_cli => usage(flag, &p[0]),
                    _ => Error::Input(p),
                }
            }
            other => other,
        })?;
        Ok(overrides)
    }
}

/// Whether the command line set a minimum for `model` (`--min-model`).
fn overridden_model(overrides: &[String], model: &str) -> bool {
    let key = format!("coverage.min_models.{model} = ");
    overrides.iter().any(|o| o.starts_with(&key))
}

/// The table's school models, sorted, each once.
fn table_models(table: &SchoolTable) -> Vec<&str> {
    let mut models: Vec<&str> = table.schools.iter().map(|s| s.model.as_str()).collect();
    models.sort_unstable();
    models.dedup();
    models
}

/// The table's model `model` is most likely a typo of (at most two edits away).
fn nearest_model(table: &SchoolTable, model: &str) -> Option<String> {
    crate::schools::closest(model, &table_models(table)).map(str::to_string)
}

/// A model minimum names a model no school of the table has: most often a typo (`--min-model magent=1`),
/// so it is refused with the nearest model and the table's models, before any arithmetic about zero
/// schools. From the command line a usage error; from a scenario file an error naming its key.
fn unknown_model(table: &SchoolTable, model: &str, source: &str, from_cli: bool) -> Error {
    let models = table_models(table);
    let hint = nearest_model(table, model)
        .map(|c| format!("did you mean '{c}'? "))
        .unwrap_or_default();
    let listed =
        crate::text::and_list(&models.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>());
    let what = format!("no school of the table has the model '{model}'");
    let fix = format!(
        "{hint}the table's models are {listed}; a minimum needs a model that some schools have"
    );
    if from_cli {
        Error::Usage(format!("--min-model {model}: {what} ({fix})"))
    } else {
        Error::input(
            source,
            None,
            Some(&format!("coverage.min_models.{model}")),
            what,
            fix,
        )
    }
}
