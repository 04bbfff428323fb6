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
        _ => return None,
    })
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
        overrides.extend(super::fit::to_district(scenario, table, self, designed));
        scenario.check(source).map_err(|e| match e {
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
                    Some(flag) if from_cli => {
                        Error::Usage(format!("{flag}: {} ({})", p[0].what, p[0].fix))
                    }
                    _ => Error::Input(p),
                }
            }
            other => other,
        })?;
        Ok(overrides)
    }
}
