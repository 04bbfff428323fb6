//! Scenarios: the rules a plan must follow, read from commented TOML files in `scenarios/`.
//!
//! Every section and key is optional except `networks`; missing ones take the defaults documented in
//! `scenarios/neighborhood.toml`. Unknown keys are errors (a misspelt key must not be silently ignored).

pub mod condition;
pub(crate) mod fit;
pub(crate) mod numbers;
pub mod overrides;

pub(crate) use condition::{Condition, DFS_COLUMN};
pub use overrides::Overrides;

use crate::error::{Error, Result};
use crate::text::echo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Schools closer than this are one campus by default (`geography.campus_distance_m`). On LAUSD every pair
/// of schools within 30 m either shares a street address in the state directory or is a charter school on
/// a district campus; the next pairs, 45-50 m apart, are neighbours on different streets (BENCHMARKS.md).
pub const CAMPUS_DISTANCE_M: f64 = 30.0;

/// The most years ahead a plan can be asked to hold for (and a forecast can be made).
pub const MAX_HORIZON_YEARS: usize = 10;

/// The highest price of a soft-barrier crossing, km²: more than a whole district's compactness, so a
/// higher one would be no softer than a hard barrier.
pub const MAX_BARRIER_PRICE_KM2: f64 = 1_000_000.0;

/// Most school models a scenario can give a per-network minimum (each is one sum the solver keeps).
pub const MAX_MODEL_RULES: usize = 8;

/// The default scenario, compiled into the binary (the file `scenarios/neighborhood.toml`).
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/neighborhood.toml");
/// How the default scenario is named in messages and plan.json.
pub(crate) const DEFAULT_SCENARIO_NAME: &str = "scenarios/neighborhood.toml (built in)";
/// The feeder-pattern scenario, compiled into the binary (the file `scenarios/feeder.toml`).
pub const FEEDER_SCENARIO: &str = include_str!("../../scenarios/feeder.toml");

/// The geography-only scenario, compiled into the binary (the file `scenarios/geography-only.toml`).
pub const GEOGRAPHY_ONLY_SCENARIO: &str = include_str!("../../scenarios/geography-only.toml");

/// The scenarios compiled into the binary: (short name, how plan.json names it, TOML text).
pub(crate) const BUILT_IN: [(&str, &str, &str); 3] = [
    ("neighborhood", DEFAULT_SCENARIO_NAME, DEFAULT_SCENARIO),
    (
        "feeder",
        "scenarios/feeder.toml (built in)",
        FEEDER_SCENARIO,
    ),
    (
        "geography-only",
        "scenarios/geography-only.toml (built in)",
        GEOGRAPHY_ONLY_SCENARIO,
    ),
];

/// How schools are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// By geography: networks of neighbouring campuses.
    Neighborhood,
    /// By feeder pattern: networks of whole pathways (a high school and the schools that feed it).
    Feeder,
}

/// A planning scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name shown in titles.
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// Number of networks.
    pub networks: usize,
    /// Pins: a CSV of `id,network` rows (path relative to the scenario file); `--pins` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pins: Option<String>,
    /// Barriers: a GeoJSON file of lines or polygons no network crosses (path relative to the scenario
    /// file); `--barriers` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barriers: Option<String>,
    /// Soft barriers: networks may cross the barriers, each link across one that a network keeps costing
    /// this many km² of compactness (the report lists every crossing); `--barrier-price` replaces it.
    /// Absent: barriers are hard, and no network crosses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barrier_price_km2: Option<f64>,
    #[serde(default)]
    pub size: Size,
    /// Years after the table's in which the enrollment band must hold too, on forecast enrollments.
    #[serde(default, skip_serializing_if = "Horizon::is_off")]
    pub horizon: Horizon,
    #[serde(default)]
    pub coverage: Coverage,
    #[serde(default)]
    pub geography: Geography,
    #[serde(default)]
    pub performance: Performance,
    #[serde(default)]
    pub diversity: Diversity,
    #[serde(default)]
    pub pathways: PathwayRules,
    #[serde(default)]
    pub solver: SolverSettings,
    /// Support regions grouping whole networks (none when the section is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<RegionRules>,
    /// Affiliations: schools selected by a rule, grouped across networks (`[affiliation.<key>]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub affiliation: BTreeMap<String, AffiliationRules>,
    /// Staff of each network and what they cost (none when the section is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffing: Option<StaffingRules>,
    /// Figures of an earlier design to show beside the plan (e.g. LAUSD's 2018 proposal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

/// Support regions: whole networks grouped into a few regions (see `regions.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RegionRules {
    /// Number of regions.
    pub count: usize,
    /// Each region's enrollment within this fraction of the mean region enrollment (0.10 = ±10%).
    pub enrollment_tolerance: f64,
    /// Each region's number of schools within this fraction of the mean.
    pub schools_tolerance: f64,
}

impl Default for RegionRules {
    fn default() -> RegionRules {
        RegionRules {
            count: 6,
            enrollment_tolerance: 0.10,
            schools_tolerance: 0.15,
        }
    }
}

/// An affiliation: schools chosen by a rule on the table, grouped into a few groups of nearby schools that
/// cut across networks (see `affiliations.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AffiliationRules {
    /// What the groups are called in reports.
    pub label: String,
    /// Conditions on the table's columns, all of which must hold: `"column op value"` with op one of
    /// `= != < <= > >=` (e.g. `"ela_level = 1"`). A school with the column blank does not match.
    pub select: Vec<String>,
    /// When more schools match than the groups can hold, keep those with the lowest values of this column
    /// (or `dfs`, the average of ELA and math distance from standard). Without it, too many is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_lowest: Option<String>,
    /// Fewest and most groups.
    #[serde(default = "default_affiliation_groups")]
    pub min_groups: usize,
    #[serde(default = "default_affiliation_max_groups")]
    pub max_groups: usize,
    /// Fewest and most schools in a group.
    #[serde(default = "default_affiliation_min_size")]
    pub min_size: usize,
    #[serde(default = "default_affiliation_max_size")]
    pub max_size: usize,
}

fn default_affiliation_groups() -> usize {
    2
}
fn default_affiliation_max_groups() -> usize {
    3
}
fn default_affiliation_min_size() -> usize {
    15
}
fn default_affiliation_max_size() -> usize {
    20
}

/// Staffing of each network (see `staffing.rs`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StaffingRules {
    /// Positions every network has.
    pub standard: Vec<StandardPosition>,
    /// Positions shared out between networks by need.
    pub need_based: Vec<NeedPosition>,
}

/// A position every network has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardPosition {
    pub title: String,
    /// Positions of this title in each network.
    #[serde(default = "one")]
    pub count: u32,
    /// Yearly cost of one position (salary and benefits).
    pub cost: f64,
}

fn one() -> u32 {
    1
}

/// Positions shared out between networks by need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedPosition {
    pub title: String,
    /// Average per network: the district has round(per_network × networks) of them.
    pub per_network: f64,
    /// Every network gets at least this many; the rest follow need.
    #[serde(default)]
    pub min_per_network: u32,
    /// What need is measured by, summed over a network's schools: `low_performing_schools`,
    /// `frpm_students` (enrollment × FRPM share), `schools`, or any numeric column of the table (e.g.
    /// `enrollment`).
    pub need: String,
    /// Yearly cost of one position.
    pub cost: f64,
}

/// Feeder pathways (see `pathways.rs` for how they are built from `feeds_into`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PathwayRules {
    /// Feeder mode: ids of schools whose pathway may be split into the sub-pathways of the schools that
    /// feed them directly (for a pathway larger than the enrollment band allows).
    pub split: Vec<String>,
    /// Feeder mode: split a pathway the arithmetic proves too full where it is the only way between parts of
    /// the district (a gateway: its network must take what the parts beyond cannot make into whole
    /// networks), into its sub-pathways, and say so; false keeps it whole and refuses the plan with the proof.
    pub split_gateways: bool,
    /// Neighborhood mode, soft goal: each feeder link cut by a network boundary costs this much compactness
    /// (km²); 0 ignores pathways.
    pub cut_link_cost_km2: f64,
}

/// An earlier design's averages, shown beside the plan in reports and comparisons (not a rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// What the figures describe, with their source.
    pub label: String,
    pub networks: usize,
    pub schools_per_network: f64,
    pub students_per_network: f64,
}

fn default_name() -> String {
    "Neighborhood networks".into()
}
fn default_mode() -> Mode {
    Mode::Neighborhood
}

/// Size of each network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Size {
    pub min_schools: usize,
    pub max_schools: usize,
    /// Each network's enrollment must lie within this fraction of the mean (0.10 = ±10%).
    pub enrollment_tolerance: f64,
}

impl Default for Size {
    fn default() -> Size {
        Size {
            min_schools: 20,
            max_schools: 45,
            enrollment_tolerance: 0.10,
        }
    }
}

/// A plan that holds for years: the enrollment band also holds in each of the next `years` school years,
/// on each school's forecast enrollment (`schoolnets forecast`), narrowed by the forecast's own error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Horizon {
    /// Forecast years the band must hold in (0: the table's year only).
    pub years: usize,
    /// How much narrower the band is in forecast years, in percentage points of that year's mean (the
    /// safety margin for forecast error). Left out: three times the typical (root-mean-square) error the
    /// forecast's own backtest measured in a network's share of the mean, at each year ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
}

impl Horizon {
    /// No forecast year.
    pub fn is_off(&self) -> bool {
        self.years == 0 && self.margin.is_none()
    }
}

/// Grade-band coverage: the K-12 pathway in each network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Coverage {
    pub min_high: u32,
    pub min_middle: u32,
    /// Fewest schools of a model in each network, by model name (as in the table's `model` column).
    pub min_models: BTreeMap<String, u32>,
}

impl Default for Coverage {
    fn default() -> Coverage {
        Coverage {
            min_high: 1,
            min_middle: 1,
            min_models: BTreeMap::new(),
        }
    }
}

/// How a school is judged low-performing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LowPerforming {
    /// The average of its ELA and math distance from standard is in the district's bottom quarter.
    BottomQuartile,
    /// Its `perf_level` is at or below `low_performing_level`.
    Level,
}

/// Geographic rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Geography {
    /// Every network must be one connected piece on the campus adjacency graph.
    pub connected: bool,
    /// Adjacency edges longer than this many times the median edge length are dropped (unless needed to
    /// keep the graph connected).
    pub max_edge_factor: f64,
    /// Schools closer than this (metres) share a campus and are planned whole, as are schools with the same
    /// `campus` id or identical coordinates.
    pub campus_distance_m: f64,
}

impl Default for Geography {
    fn default() -> Geography {
        Geography {
            connected: true,
            max_edge_factor: 4.0,
            campus_distance_m: CAMPUS_DISTANCE_M,
        }
    }
}

/// How performance is summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Performance {
    /// How a school is judged low-performing.
    pub low_performing: LowPerforming,
    /// With `low_performing = "level"`: low-performing when `perf_level` is at or below this (1 = very low).
    pub low_performing_level: u8,
    /// Hard rule: at most this share (0-1) of a network's rated schools may be low-performing.
    pub max_low_performing_share: Option<f64>,
    /// Hard rule: each network's enrollment-weighted mean distance from standard (the average of ELA and
    /// math) within this many points of the district's.
    pub dfs_band: Option<f64>,
}

impl Default for Performance {
    fn default() -> Performance {
        Performance {
            low_performing: LowPerforming::BottomQuartile,
            low_performing_level: 1,
            max_low_performing_share: None,
            dfs_band: None,
        }
    }
}

/// Demographic diversity rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Diversity {
    /// Hard rule: each network's FRPM share within this many percentage points of the district's.
    pub frpm_band: Option<f64>,
    /// Hard rule: each ethnic group's share of a network within this many percentage points of its
    /// district share.
    pub ethnicity_band: Option<f64>,
}

/// Search settings. They change how hard the solver looks, not what a valid plan is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SolverSettings {
    /// Random seed; the same seed gives the same plan.
    pub seed: u64,
    /// Independent restarts; the best plan wins.
    pub restarts: usize,
    /// How the capacitated assignment is solved: `flow` (min-cost flow, the default) or `lp` (a general
    /// linear program, for comparison).
    #[serde(default, skip_serializing_if = "is_flow")]
    pub assignment: crate::solver::assign::Assignment,
}

fn is_flow(a: &crate::solver::assign::Assignment) -> bool {
    *a == crate::solver::assign::Assignment::Flow
}

impl Default for SolverSettings {
    fn default() -> SolverSettings {
        SolverSettings {
            seed: 2018,
            restarts: 3,
            assignment: Default::default(),
        }
    }
}

impl From<&SolverSettings> for crate::solver::Settings {
    /// The solver's settings for a scenario: its seed, restarts and assignment, with pair re-solving on.
    fn from(s: &SolverSettings) -> crate::solver::Settings {
        crate::solver::Settings {
            assignment: s.assignment,
            ..crate::solver::Settings::new(s.seed, s.restarts)
        }
    }
}

impl Scenario {
    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::parse(DEFAULT_SCENARIO_NAME, DEFAULT_SCENARIO)
            .expect("the built-in scenario is valid")
    }

    /// A built-in scenario by short name (`neighborhood`, `feeder`, `geography-only`), with its name for
    /// plan.json.
    pub fn built_in(name: &str) -> Option<(Scenario, String)> {
        BUILT_IN.iter().find(|b| b.0 == name).map(|b| {
            (
                Scenario::parse(b.1, b.2).expect("built-in scenarios are valid"),
                b.1.to_string(),
            )
        })
    }

    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = crate::limits::read_text(path, &crate::limits::SCENARIO)?;
        Scenario::parse(&path.display().to_string(), &text)
    }

    /// Parses scenario TOML; `source` names it in messages.
    pub fn parse(source: &str, text: &str) -> Result<Scenario> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1);
            // A number the key's type cannot hold (`seed = -1`, `min_high = 4294967297`, `networks = 3.5`)
            // is named with its key and range, as a number in its type but out of range is by `check`.
            if let Some((key, what, fix)) = toml::from_str::<toml::Table>(text)
                .ok()
                .and_then(|t| numbers::first_out_of_range(&t))
            {
                return Error::input(source, line, Some(&key), what, fix);
            }
            Error::input(
                source,
                line,
                None,
                plain_types(e.message().trim()),
                "compare with scenarios/neighborhood.toml, which lists every key with its meaning and type",
            )
        })?;
        scenario.check(source).map_err(|e| locate_keys(e, text))?;
        Ok(scenario)
    }

    /// Checks that the bounds make sense on their own (whether the data can meet them is the solver's job).
    pub fn check(&self, source: &str) -> Result<()> {
        let bad = |field: &str, what: String, fix: &str| {
            Err(Error::input(source, None, Some(field), what, fix))
        };
        for (key, v) in self.numbers() {
            if let Some((what, fix)) = numbers::out_of_range(&key, v, &echo(v), false) {
                return bad(&key, what, &fix);
            }
        }
        if let Some(m) = self.horizon.margin {
            let t = self.size.enrollment_tolerance * 100.0;
            if m >= t {
                return bad(
                    "horizon.margin",
                    format!("{} percentage points: the margin must be at least 0 and less than the band itself (±{}%)", echo(m), echo(t)),
                    "give a margin such as 1.5, or leave the key out to use the forecast's own error",
                );
            }
        }
        if self.size.min_schools > self.size.max_schools {
            return bad(
                "size.min_schools",
                format!(
                    "min_schools ({}) is larger than max_schools ({})",
                    self.size.min_schools, self.size.max_schools
                ),
                "make min_schools at most max_schools",
            );
        }
        if self.coverage.min_models.len() > MAX_MODEL_RULES {
            return bad(
                "coverage.min_models",
                format!("at most {} models can have a minimum", MAX_MODEL_RULES),
                "keep the models that matter most",
            );
        }
        self.check_regions(source)?;
        self.check_affiliations(source)?;
        self.check_staffing(source)?;
        Ok(())
    }
}

impl Scenario {
    /// The enrollment band [min, max] of the networks on a table of `total` students: the mean network's
    /// enrollment ± the tolerance.
    pub fn enrollment_band(&self, total: u64) -> (f64, f64) {
        let mean = total as f64 / self.networks as f64;
        let t = self.size.enrollment_tolerance;
        (mean * (1.0 - t), mean * (1.0 + t))
    }

    /// Checks what the scenario's settings make of `table`, beyond what they are on their own
    /// ([`check`](Self::check)): an enrollment band too narrow to hold a whole number of students (a
    /// tolerance of 1e-300 gives "18,914 to 18,913 students"), and an affiliation's column that the table
    /// lacks but nearly has (`keep_lowest = "dsf"`: a typo, which would otherwise leave the affiliation
    /// unformed with only a note).
    pub(crate) fn check_on(&self, table: &crate::schools::SchoolTable, source: &str) -> Result<()> {
        let total = table.total_enrollment();
        let (lo, hi) = self.enrollment_band(total);
        if total > 0 && lo.ceil() > hi.floor() {
            let mean = total as f64 / self.networks as f64;
            let off = (mean - mean.floor()).min(mean.ceil() - mean);
            let t = self.size.enrollment_tolerance;
            return Err(Error::input(
                source,
                None,
                Some("size.enrollment_tolerance"),
                format!(
                    "{} of the mean network ({} students) is {} to {} students, a band that holds no whole number of students",
                    echo(t),
                    crate::text::human(mean, 2),
                    crate::text::human(lo, 2),
                    crate::text::human(hi, 2)
                ),
                format!(
                    "give a tolerance of at least {} (the narrowest band holding a whole number here); 0.10 is ±10%",
                    echo(((off / mean) * 1e6).ceil() / 1e6)
                ),
            ));
        }
        let mut columns = table.column_names();
        columns.push(DFS_COLUMN);
        for (key, a) in &self.affiliation {
            let named = a
                .select
                .iter()
                .filter_map(|c| Condition::parse(c).ok().map(|c| ("select", c.column)))
                .chain(a.keep_lowest.iter().map(|c| ("keep_lowest", c.clone())));
            for (field, column) in named {
                if columns.contains(&column.as_str()) {
                    continue;
                }
                if let Some(near) = crate::schools::closest(&column, &columns) {
                    return Err(Error::input(
                        source,
                        None,
                        Some(&format!("affiliation.{key}.{field}")),
                        format!("the table {} has no column \"{}\"", table.source, crate::text::clip(&column, 60)),
                        format!(
                            "did you mean \"{near}\"? (\"{DFS_COLUMN}\" is the average of ELA and math distance from standard; the table's columns: {})",
                            columns.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every number the scenario holds, by its key as a message names it ("staffing.need_based[1].cost"),
    /// for the range check ([`numbers::NUMBERS`] says what each may be).
    pub(crate) fn numbers(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        let mut put = |key: String, v: f64| out.push((key, v));
        put("networks".into(), self.networks as f64);
        if let Some(p) = self.barrier_price_km2 {
            put("barrier_price_km2".into(), p);
        }
        put("size.min_schools".into(), self.size.min_schools as f64);
        put("size.max_schools".into(), self.size.max_schools as f64);
        put(
            "size.enrollment_tolerance".into(),
            self.size.enrollment_tolerance,
        );
        put("horizon.years".into(), self.horizon.years as f64);
        if let Some(m) = self.horizon.margin {
            put("horizon.margin".into(), m);
        }
        put("coverage.min_high".into(), self.coverage.min_high.into());
        put(
            "coverage.min_middle".into(),
            self.coverage.min_middle.into(),
        );
        for (model, &n) in &self.coverage.min_models {
            put(format!("coverage.min_models.{model}"), n.into());
        }
        let g = &self.geography;
        put("geography.max_edge_factor".into(), g.max_edge_factor);
        put("geography.campus_distance_m".into(), g.campus_distance_m);
        let p = &self.performance;
        put(
            "performance.low_performing_level".into(),
            p.low_performing_level.into(),
        );
        let optional = [
            (
                "performance.max_low_performing_share",
                p.max_low_performing_share,
            ),
            ("performance.dfs_band", p.dfs_band),
            ("diversity.frpm_band", self.diversity.frpm_band),
            ("diversity.ethnicity_band", self.diversity.ethnicity_band),
        ];
        for (key, v) in optional {
            if let Some(v) = v {
                put(key.into(), v);
            }
        }
        put(
            "pathways.cut_link_cost_km2".into(),
            self.pathways.cut_link_cost_km2,
        );
        // The seed takes every value of its type: nothing to check, and as f64 it would lose digits.
        put("solver.restarts".into(), self.solver.restarts as f64);
        if let Some(r) = &self.regions {
            put("regions.count".into(), r.count as f64);
            put(
                "regions.enrollment_tolerance".into(),
                r.enrollment_tolerance,
            );
            put("regions.schools_tolerance".into(), r.schools_tolerance);
        }
        for (name, a) in &self.affiliation {
            put(
                format!("affiliation.{name}.min_groups"),
                a.min_groups as f64,
            );
            put(
                format!("affiliation.{name}.max_groups"),
                a.max_groups as f64,
            );
            put(format!("affiliation.{name}.min_size"), a.min_size as f64);
            put(format!("affiliation.{name}.max_size"), a.max_size as f64);
        }
        if let Some(st) = &self.staffing {
            for (i, p) in st.standard.iter().enumerate() {
                put(format!("staffing.standard[{i}].count"), p.count.into());
                put(format!("staffing.standard[{i}].cost"), p.cost);
            }
            for (i, p) in st.need_based.iter().enumerate() {
                put(
                    format!("staffing.need_based[{i}].per_network"),
                    p.per_network,
                );
                put(
                    format!("staffing.need_based[{i}].min_per_network"),
                    p.min_per_network.into(),
                );
                put(format!("staffing.need_based[{i}].cost"), p.cost);
            }
        }
        if let Some(r) = &self.reference {
            put("reference.networks".into(), r.networks as f64);
            put(
                "reference.schools_per_network".into(),
                r.schools_per_network,
            );
            put(
                "reference.students_per_network".into(),
                r.students_per_network,
            );
        }
        out
    }

    fn check_regions(&self, source: &str) -> Result<()> {
        let Some(r) = &self.regions else {
            return Ok(());
        };
        let bad = |field: &str, what: String, fix: String| {
            Err(Error::input(source, None, Some(field), what, fix))
        };
        if r.count > self.networks {
            return bad(
                "regions.count",
                format!(
                    "{} regions cannot be made from {} networks",
                    r.count, self.networks
                ),
                format!(
                    "use 1 to {} regions (6 is the seed design's; --regions N on the command line, 0 for none), or remove the [regions] section",
                    self.networks
                ),
            );
        }
        Ok(())
    }

    fn check_affiliations(&self, source: &str) -> Result<()> {
        for (key, a) in &self.affiliation {
            let field = |f: &str| format!("affiliation.{key}.{f}");
            let bad = |f: &str, what: String, fix: &str| {
                Err(Error::input(source, None, Some(&field(f)), what, fix))
            };
            if a.select.is_empty() {
                return bad(
                    "select",
                    "lists no condition".into(),
                    "add conditions such as select = [\"ela_level = 1\", \"math_level = 1\"]",
                );
            }
            for c in &a.select {
                if let Err(e) = Condition::parse(c) {
                    return bad("select", format!("\"{c}\": {e}"), "write each condition as \"column op value\", e.g. \"ela_level <= 1\" (op: = != < <= > >=)");
                }
            }
            if a.min_groups > a.max_groups {
                return bad(
                    "min_groups",
                    format!(
                        "groups from {} to {} is not a range of at least one group",
                        a.min_groups, a.max_groups
                    ),
                    "use e.g. min_groups = 2 and max_groups = 3",
                );
            }
            if a.min_size > a.max_size {
                return bad(
                    "min_size",
                    format!(
                        "sizes from {} to {} is not a range of at least one school",
                        a.min_size, a.max_size
                    ),
                    "use e.g. min_size = 15 and max_size = 20",
                );
            }
            if a.max_groups * a.max_size > 5_000 {
                return bad(
                    "max_groups",
                    format!(
                        "{} groups of up to {} schools is more than 5,000 schools",
                        a.max_groups, a.max_size
                    ),
                    "affiliations are for small groups; use fewer or smaller groups",
                );
            }
        }
        Ok(())
    }

    fn check_staffing(&self, source: &str) -> Result<()> {
        let Some(st) = &self.staffing else {
            return Ok(());
        };
        let bad = |field: String, what: String, fix: &str| {
            Err(Error::input(source, None, Some(&field), what, fix))
        };
        for (i, p) in st.need_based.iter().enumerate() {
            let field = |f: &str| format!("staffing.need_based[{i}].{f}");
            if f64::from(p.min_per_network) > p.per_network {
                return bad(
                    field("min_per_network"),
                    format!(
                        "every network gets at least {}, more than the average of {}",
                        p.min_per_network, p.per_network
                    ),
                    "make min_per_network at most per_network",
                );
            }
        }
        Ok(())
    }
}

/// Gives each problem that names a key but no line the line where `text` sets that key.
fn locate_keys(e: Error, text: &str) -> Error {
    match e {
        Error::Input(mut problems) => {
            for p in problems.iter_mut().filter(|p| p.line.is_none()) {
                p.line = p.field.as_deref().and_then(|f| line_of_key(text, f));
            }
            Error::Input(problems)
        }
        other => other,
    }
}

/// The 1-based line where TOML `text` sets the dotted `key` ("size.min_schools"; an index such as
/// "staffing.need_based[1].cost" finds that table of the array), or the line of its table when the key
/// itself is not written (a default), if the table is.
fn line_of_key(text: &str, key: &str) -> Option<u64> {
    // Split "a.b[1].c" into the table path "a.b", which array element, and the last key "c".
    let (table_part, last) = key.rsplit_once('.').unwrap_or(("", key));
    let (table, index) = match table_part.split_once('[') {
        Some((t, rest)) => (
            t.to_string(),
            rest.trim_end_matches(']')
                .split(']')
                .next()
                .and_then(|i| i.parse::<usize>().ok()),
        ),
        None => (table_part.to_string(), None),
    };
    let mut current = String::new();
    let mut seen_of_array = 0usize;
    let mut table_line = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            let name = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            let is_ours = name == table;
            let is_array = line.starts_with("[[");
            current = name;
            if is_ours {
                if is_array {
                    seen_of_array += 1;
                    if index.is_some_and(|k| k + 1 != seen_of_array) {
                        current.push_str("#other");
                        continue;
                    }
                }
                table_line = Some(i as u64 + 1);
            }
            continue;
        }
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().trim_matches('"');
            if current == table && k == last {
                return Some(i as u64 + 1);
            }
        }
    }
    table_line
}

/// A TOML reader's message with Rust's type names in a planner's words ("expected f64" → "expected a
/// number").
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, words) in [
        ("expected f64", "expected a number"),
        ("expected usize", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in quotes"),
    ] {
        out = out.replace(rust, words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_parses() {
        let s = Scenario::default_scenario();
        assert_eq!(s.networks, 32);
        assert_eq!((s.size.min_schools, s.size.max_schools), (20, 45));
        assert_eq!(s.size.enrollment_tolerance, 0.10);
    }

    #[test]
    fn the_feeder_scenario_parses_and_names_resolve() {
        let (s, name) = Scenario::built_in("feeder").unwrap();
        assert_eq!(s.mode, Mode::Feeder);
        assert_eq!(s.networks, 33);
        assert!(name.contains("feeder.toml"));
        assert_eq!(s.reference.as_ref().map(|r| r.networks), Some(33));
        assert!(Scenario::built_in("nope").is_none());
    }

    #[test]
    fn unknown_keys_wrong_types_and_contradictions_are_errors() {
        let err = Scenario::parse("s.toml", "networks = 32\n[size]\nmin_school = 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("min_school"),
            "{err}"
        );
        let err = Scenario::parse("s.toml", "networks = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
        let err = Scenario::parse(
            "s.toml",
            "networks = 3\n[size]\nmin_schools = 50\nmax_schools = 40\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("larger than max_schools"), "{err}");
    }

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "networks = 32\n\n[size]\n# comment\nmin_schools = 40\n\n[[staffing.need_based]]\ncost = 1\n\n[[staffing.need_based]]\n  cost = -1\n";
        assert_eq!(line_of_key(text, "networks"), Some(1));
        assert_eq!(line_of_key(text, "size.min_schools"), Some(5));
        // Not written: the line of its table.
        assert_eq!(line_of_key(text, "size.max_schools"), Some(3));
        assert_eq!(line_of_key(text, "staffing.need_based[1].cost"), Some(11));
        assert_eq!(line_of_key(text, "staffing.need_based[0].cost"), Some(8));
        assert_eq!(line_of_key(text, "regions.count"), None);
    }
}
