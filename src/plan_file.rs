//! plan.json: the file a plan is, written by `plan` (and `rebalance`, `briefing`, `serve`) and read back
//! by `compare`, `rebalance`, `serve` and other tools.
//!
//! Every type of the file is defined here and nowhere else; the rooms that compute a plan fill them in.
//! The file carries a [`VERSION`]; `docs/plan.schema.json` is its JSON Schema (generated from these types
//! by `schemars`, checked against them and against every plan.json the tests write), so a district's GIS
//! scripts or a notebook can read it with confidence. The scenario inside it is the scenario file's own
//! format ([`crate::scenarios::Scenario`]).

use crate::error::{Error, Result};
use crate::scenarios::Scenario;
use crate::schools::Level;
use crate::text::Binding;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of plan.json's layout this build writes. It changes when a field is removed or changes
/// meaning (fields only added keep it); readers refuse a plan of a newer version.
pub const VERSION: u32 = 2;

/// The content of plan.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanFile {
    /// The layout's version: 2 for plans written by this version of schoolnets. Plans written before it
    /// was recorded (layout 1) are refused: their fields do not all mean what they mean now.
    pub version: u32,
    /// `schoolnets <version>`.
    pub tool: String,
    pub input: InputInfo,
    pub scenario_file: String,
    /// The scenario as run (after command-line overrides).
    pub scenario: Scenario,
    pub overrides: Vec<String>,
    pub seed: u64,
    pub all_constraints_hold: bool,
    pub constraints: Vec<ConstraintCheck>,
    /// Sum over schools of squared distance to their network's centre, km² (lower is more compact).
    pub compactness_km2: f64,
    /// District-wide figures the balance rules are measured against.
    pub district: District,
    /// Index of dissimilarity (0-100) of each ethnic group across networks.
    pub dissimilarity_index: BTreeMap<String, f64>,
    /// Feeder links (`feeds_into`) the plan cuts, and pathways it splits: counted for every plan.
    pub feeder_links: FeederLinks,
    /// Feeder mode: how pathways were built from the table's links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathways: Option<PathwaySummary>,
    /// How schools were grouped into campuses (each planned whole).
    #[serde(default)]
    pub campuses: CampusStats,
    pub adjacency: AdjacencyStats,
    pub networks: Vec<NetworkMetrics>,
    /// Support regions grouping the networks, when the scenario asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Regions>,
    /// Affiliations (extra groups of schools chosen by a rule), when the scenario asks for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<Affiliation>,
    /// Each network's staff and cost, when the scenario has a [staffing] section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffing: Option<Staffing>,
    /// The pins the plan was drawn with: their file, rows and the network holding each label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pins: Option<PinsRecord>,
    /// The barriers the plan was drawn with: their file and the links between campuses they removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barriers: Option<BarriersRecord>,
    /// A plan edited by hand (`schoolnets serve`): the plan it started from, every move, the locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edits: Option<EditsRecord>,
    /// How each network's enrollment is forecast to move over the next years (when the district's
    /// enrollment history was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlook: Option<Outlook>,
    /// School id → network id, for every school.
    pub assignment: BTreeMap<String, String>,
}

/// Where a plan's inputs came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InputInfo {
    pub schools_file: String,
    pub schools_sha256: String,
    pub schools: usize,
    pub enrollment: u64,
    pub outline_file: Option<String>,
    pub outline_sha256: Option<String>,
}

// Rules.

/// The result of checking one hard constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConstraintCheck {
    /// Short key, stable across versions (e.g. `enrollment_band`).
    pub key: String,
    /// The rule in words, with its numbers.
    pub rule: String,
    pub holds: bool,
    /// What the plan has (e.g. the smallest and largest network).
    pub observed: String,
    /// Slack to the nearest bound, in `unit`; negative when the rule is broken.
    pub margin: f64,
    pub unit: String,
    /// Networks that break the rule.
    pub failing_networks: Vec<String>,
    /// Which way the margin points (kept in memory for its words; not in the file).
    #[serde(skip)]
    pub binding: Binding,
}

/// District-wide figures that the balance rules are measured against, and each school's low-performing flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct District {
    /// Per school: `Some(true)` low-performing, `Some(false)` rated and not, `None` without data.
    #[serde(skip)]
    pub low: Vec<Option<bool>>,
    /// How low-performing is decided, in words.
    pub low_performing_rule: String,
    pub low_performing_schools: usize,
    pub rated_schools: usize,
    /// Enrollment-weighted mean distance from standard (average of ELA and math).
    pub dfs: Option<f64>,
    /// Percent of students eligible for free or reduced-price meals.
    pub frpm_pct: Option<f64>,
    /// Percent of students by ethnicity.
    pub ethnicity_pct: BTreeMap<String, f64>,
}

// Networks.

/// Figures for one network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkMetrics {
    /// The short id (`N01`), the key every table and file uses.
    pub network: String,
    /// The community name a board would use (a shared city, else its largest comprehensive high school); empty in plans written before names.
    #[serde(default)]
    pub name: String,
    pub schools: usize,
    pub campuses: usize,
    pub enrollment: u64,
    /// Enrollment minus the mean network enrollment, in percent of the mean.
    pub enrollment_deviation_pct: f64,
    /// Schools by level (every level listed).
    pub levels: BTreeMap<String, usize>,
    /// Schools by model.
    pub models: BTreeMap<String, usize>,
    pub charter_schools: usize,
    pub magnet_schools: usize,
    /// Percent of students eligible for free or reduced-price meals (schools that report it).
    pub frpm_pct: Option<f64>,
    /// Enrollment-weighted mean ELA distance from standard (schools with a score).
    pub ela_dfs: Option<f64>,
    /// Enrollment-weighted mean math distance from standard (schools with a score).
    pub math_dfs: Option<f64>,
    /// Enrollment-weighted mean of schools' distance from standard (average of ELA and math).
    pub dfs: Option<f64>,
    /// Low-performing schools (by the scenario's definition: `district.low_performing_rule`).
    pub low_performing_schools: usize,
    /// Schools with the data that definition needs.
    pub rated_schools: usize,
    /// low_performing_schools / rated_schools, percent.
    pub low_performing_pct: Option<f64>,
    /// Percent of students by ethnicity (schools that report it).
    pub ethnicity_pct: BTreeMap<String, f64>,
    /// Centre: mean position of the network's schools.
    pub centre_lat: f64,
    pub centre_lon: f64,
    /// Mean and largest distance from a school to the centre, km.
    pub mean_km: f64,
    pub max_km: f64,
    /// Sum of squared distances from schools to the centre, km² (the compactness objective).
    pub compactness_km2: f64,
    /// Feeder links (`feeds_into`) that cross the network's boundary, either way.
    pub feeder_links_cut: usize,
    /// One connected piece on the adjacency graph of the units planned (campuses, or pathways in feeder
    /// mode).
    pub connected: bool,
    /// The support region the network belongs to, when the scenario draws regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl NetworkMetrics {
    /// The id with the name, for a line of text: "N05 Crenshaw" (the id alone before names existed).
    pub fn title(&self) -> String {
        if self.name.is_empty() {
            self.network.clone()
        } else {
            format!("{} {}", self.network, self.name)
        }
    }

    /// Schools of `level` in the network (0 when it has none).
    pub(crate) fn schools_at(&self, level: Level) -> usize {
        self.levels.get(level.as_str()).copied().unwrap_or(0)
    }
}

// Campuses, adjacency and feeder pathways.

/// How schools were grouped into campuses, rule by rule: each count is the schools a rule joined to
/// another school's campus (a campus of `m` schools counts `m − 1`), the rules applied in this order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CampusStats {
    /// Campuses holding more than one school, and the schools on them.
    pub shared_campuses: usize,
    pub schools_on_shared_campuses: usize,
    /// Joined by the table's `campus` column.
    pub by_campus_id: usize,
    /// Joined by identical coordinates.
    pub by_coordinates: usize,
    /// Joined by being within `distance_m` of a school of the campus.
    pub by_distance: usize,
    pub distance_m: f64,
}

/// How the adjacency graph was built, for the report and plan.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdjacencyStats {
    pub delaunay_edges: usize,
    pub removed_outside_outline: usize,
    pub removed_too_long: usize,
    pub restored_to_connect: usize,
    /// Links removed because they cross a barrier (barriers), restored ones included.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub removed_at_barriers: usize,
    pub edges: usize,
    pub median_edge_km: f64,
    pub max_edge_km: f64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What the pathway rules did, for plan.json and the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PathwaySummary {
    /// Pathways (schools at the top of a chain that at least one school feeds).
    pub pathways: usize,
    /// Of those, topped by a high school.
    pub topped_by_high: usize,
    /// Pathways topped by another level (top school id → level), e.g. a 6-12 span school.
    pub other_tops: BTreeMap<String, String>,
    /// Schools in a pathway (tops included).
    pub schools_in_pathways: usize,
    /// Schools in no pathway (planned by geography).
    pub schools_without_pathway: usize,
    /// Span schools (K-8, 6-12, K-12) inside a pathway, by id.
    pub span_schools_in_pathways: Vec<String>,
    /// Pathways merged because a campus holds schools of more than one: each entry lists the top school ids.
    pub merged_by_campus: Vec<Vec<String>>,
    /// Pathways split on the scenario's request (top school ids).
    pub split: Vec<String>,
    /// Ids in `pathways.split` that no school feeds (nothing to split; ignored).
    pub split_not_found: Vec<String>,
    /// Pathways split because each was a gateway too full to keep whole (`pathways.split_gateways`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split_at_gateways: Vec<GatewaySplit>,
    /// Planning units: merged pathways, plus campuses of schools in no pathway.
    pub units: usize,
}

/// A pathway split at a gateway: the only way between parts of the district, whose network would have to hold
/// more than a network may if it stayed whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GatewaySplit {
    /// Top school ids of the pathways split (several when a campus merged them).
    pub tops: Vec<String>,
    /// Why, in words: the parts beyond and the arithmetic.
    pub why: String,
}

/// Feeder links in a plan: how many there are and how many a network boundary cuts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeederLinks {
    /// Schools with a `feeds_into` link.
    pub links: usize,
    /// Links whose two schools are in different networks.
    pub cut: usize,
    /// Pathways (by top school) whose schools are in more than one network.
    pub pathways_split: usize,
    /// Pathways in all.
    pub pathways: usize,
}

// Support regions, affiliations, staffing.

/// A plan's regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Regions {
    /// Region index of each network (in the plan's network order).
    #[serde(skip)]
    pub of_network: Vec<usize>,
    /// Sum over schools of squared km from their network's centre to their region's centre.
    pub compactness_km2: f64,
    pub regions: Vec<RegionMetrics>,
}

/// One region's figures (in plan.json and the reports).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegionMetrics {
    /// `R1`, `R2`, ... numbered from north to south.
    pub region: String,
    /// Its networks, by id.
    pub networks: Vec<String>,
    pub schools: usize,
    pub enrollment: u64,
    /// Enrollment minus the mean region enrollment, in percent of the mean.
    pub enrollment_deviation_pct: f64,
    /// Schools minus the mean number per region, in percent of the mean.
    pub schools_deviation_pct: f64,
    pub low_performing_schools: usize,
    /// One connected piece of neighbouring networks.
    pub connected: bool,
    /// Mean position of its schools.
    pub centre_lat: f64,
    pub centre_lon: f64,
}

/// An affiliation as built for a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Affiliation {
    /// The scenario's section key (`[affiliation.<key>]`).
    pub key: String,
    pub label: String,
    /// The selection rule in words.
    pub rule: String,
    /// Schools meeting the rule.
    pub matched: usize,
    /// Schools placed in groups (fewer than `matched` when `keep_lowest` trimmed the list).
    pub kept: usize,
    /// With `keep_lowest`: the column, and the highest value kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_up_to: Option<String>,
    /// Why the affiliation was not formed (too many or too few schools for the bounds), with what would fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Sum over groups of the straight-line distances between every two schools of a group, km.
    pub pair_km_total: f64,
    pub groups: Vec<Group>,
}

/// One group of an affiliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Group {
    /// `<key>-<n>`, numbered from north to south.
    pub id: String,
    pub schools: usize,
    pub enrollment: u64,
    /// Geographic networks its schools belong to.
    pub networks: Vec<String>,
    /// Mean and largest straight-line distance between two of its schools, km.
    pub mean_pair_km: f64,
    pub max_pair_km: f64,
    pub members: Vec<Member>,
}

/// A member of an affiliation group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// The school's geographic network, which it keeps.
    pub network: String,
    pub level: String,
    pub enrollment: u32,
    /// Average of ELA and math distance from standard, if the school has both.
    pub dfs: Option<f64>,
}

/// A plan's staffing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Staffing {
    pub positions: Vec<Position>,
    pub networks: Vec<NetworkStaff>,
    pub total_positions: u32,
    pub total_cost: f64,
}

/// One position title and its totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Position {
    pub title: String,
    /// `standard`, or the need measure that shares it out.
    pub allocated_by: String,
    /// Yearly cost of one position.
    pub cost: f64,
    /// Positions in the district, and their yearly cost.
    pub positions: u32,
    pub total_cost: f64,
}

/// One network's staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkStaff {
    pub network: String,
    /// Positions of each title, in the order of the plan's `staffing.positions`.
    pub positions: Vec<u32>,
    /// Need measured for each need-based title (in the order of the need-based titles).
    pub need: Vec<f64>,
    pub total_positions: u32,
    pub cost: f64,
}

// Steering: pins and barriers.

/// What plan.json records of the pins a plan was drawn with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PinsRecord {
    pub file: String,
    pub sha256: String,
    /// The rows used, so that `rebalance` can keep them.
    pub rows: Vec<PinRow>,
    /// Each label: the network that holds it and whether all its schools are there.
    pub groups: Vec<PinnedNetwork>,
}

/// One row of a pins file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PinRow {
    /// Line of the file (the header is line 1); 0 for pins carried over from an adopted plan.
    #[serde(skip)]
    pub line: u64,
    pub id: String,
    pub label: String,
}

/// One label in a finished plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PinnedNetwork {
    pub label: String,
    /// The network holding most of the label's schools.
    pub network: String,
    /// Schools pinned by the label (campus members pinned with them included).
    pub schools: usize,
    /// All of them in `network`, and no other label there.
    pub held: bool,
}

impl PinnedNetwork {
    /// "Harbor → N32", or "Harbor → N32 (NOT held)".
    pub fn describe(&self) -> String {
        format!(
            "{} → {}{}",
            self.label,
            self.network,
            if self.held { "" } else { " (NOT held)" }
        )
    }
}

/// What plan.json records of the barriers a plan was drawn with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BarriersRecord {
    pub file: String,
    pub sha256: String,
    /// Each barrier's name, in file order.
    pub barriers: Vec<String>,
    /// Soft barriers: the price of each crossing in km² of compactness (`barrier_price_km2`); absent when
    /// the barriers are hard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_km2: Option<f64>,
    /// Hard barriers: every adjacency link a barrier removed; those `restored` were put back to keep
    /// every campus reachable. Soft barriers: every link across one (all `restored`: none is removed).
    pub links: Vec<BarrierLink>,
    /// Barriers that lie outside the district or cross no link between campuses (they change nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A link between two campuses that crosses a barrier, by the schools at either end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BarrierLink {
    pub barrier: String,
    /// A school of each campus: "name (id)".
    pub from: String,
    pub to: String,
    pub km: f64,
    pub restored: bool,
    /// The network that keeps this link inside it, so crosses the barrier here (a crossing); absent when
    /// the link is dropped or joins two networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossed_by: Option<String>,
}

impl BarriersRecord {
    /// Links dropped and not put back.
    pub fn dropped(&self) -> usize {
        self.links.iter().filter(|l| !l.restored).count()
    }

    /// The links a network keeps inside it: where the plan crosses a barrier.
    pub fn crossings(&self) -> impl Iterator<Item = &BarrierLink> {
        self.links.iter().filter(|l| l.crossed_by.is_some())
    }
}

// The enrollment outlook.

/// Each network's forecast enrollment over the next years, and when it would leave its band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Outlook {
    /// The table's school year.
    pub base_year: String,
    /// The years forecast.
    pub years: Vec<String>,
    /// How they were forecast (`schoolnets forecast`'s method name).
    pub method: String,
    /// The enrollment band, ± percent of each year's mean network.
    pub band_pct: f64,
    /// Years after the base year the history knows: what happened, for comparison.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_years: Vec<String>,
    pub networks: Vec<NetworkOutlook>,
}

/// One network's outlook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkOutlook {
    pub network: String,
    pub name: String,
    /// Students forecast in each year.
    pub students: Vec<f64>,
    /// Each year's gap from that year's mean network, percent.
    pub deviation_pct: Vec<f64>,
    /// The first forecast year its gap is outside the band (none: inside every year forecast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaves_band: Option<String>,
    /// Its gap in each known year after the base year (its schools' actual students, against the mean of
    /// the plan's networks that year).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_deviation_pct: Vec<f64>,
}

impl Outlook {
    /// The first forecast year any network leaves its band (none: the plan holds through every year).
    pub fn first_year_leaving(&self) -> Option<&str> {
        self.years
            .iter()
            .find(|y| {
                self.networks
                    .iter()
                    .any(|n| n.leaves_band.as_deref() == Some(y.as_str()))
            })
            .map(String::as_str)
    }

    /// Networks that leave their band within the years forecast.
    pub fn leaving(&self) -> usize {
        self.networks
            .iter()
            .filter(|n| n.leaves_band.is_some())
            .count()
    }
}

// Edits made in `schoolnets serve`.

/// What plan.json records of a plan edited by hand.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EditsRecord {
    /// The plan the edits started from.
    pub from: String,
    /// Every step kept, in order.
    pub steps: Vec<EditStep>,
    /// Schools locked in their networks (pins) when the plan was saved, as "id → network".
    pub locks: Vec<String>,
}

/// One step of editing: a move, a lock, an accepted re-optimisation or barriers drawn; undone as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EditStep {
    /// "move", "move-selected", "lock", "unlock", "re-optimise" or "barrier".
    pub kind: String,
    /// In words, for the list of moves ("Carson Senior High (with 1 more) N31 → N32").
    pub what: String,
    pub changes: Vec<EditChange>,
    /// A "barrier" step: the barriers drawn, which the plan's `barriers` then holds too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barriers: Vec<DrawnBarrier>,
}

/// A barrier drawn in the editor: its name and its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DrawnBarrier {
    pub name: String,
    /// The line's positions, each [longitude, latitude].
    pub line: Vec<[f64; 2]>,
}

/// One school that changes network in an edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EditChange {
    pub school_id: String,
    pub school_name: String,
    pub from: String,
    pub to: String,
}

// Reading a plan.json back.

/// Refuses a plan.json of a layout this build does not read, so its fields are not read with today's
/// meanings: no `version` (written before plan.json recorded one: layout 1), an older or newer version, or
/// a version that is no whole number. Text that is no JSON object, or no object schoolnets wrote (no
/// `tool` naming it), is left to the reader's own message.
fn check_version(source: &str, text: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct Head {
        version: Option<serde_json::Value>,
        tool: Option<serde_json::Value>,
    }
    let Ok(head) = serde_json::from_str::<Head>(text) else {
        return Ok(());
    };
    let Some(tool) = head
        .tool
        .as_ref()
        .and_then(|t| t.as_str())
        .filter(|t| t.starts_with("schoolnets"))
        .map(|t| crate::text::clip(t, 60).into_owned())
    else {
        return Ok(());
    };
    let what = match &head.version {
        Some(v) if v.as_u64() == Some(u64::from(VERSION)) => return Ok(()),
        None => format!(
            "the plan records no layout version: {tool} wrote it before plan.json recorded one (layout 1); this schoolnets reads layout version {VERSION}"
        ),
        Some(v) => match v.as_u64() {
            Some(n) if n > u64::from(VERSION) => format!(
                "this plan.json is of layout version {n}, written by a newer schoolnets ({tool}); this one reads layout version {VERSION}"
            ),
            Some(n) => format!(
                "this plan.json is of layout version {n}, written by an older schoolnets ({tool}); this one reads layout version {VERSION}"
            ),
            None => format!(
                "the version is {}, not a layout version (a whole number); this schoolnets reads layout version {VERSION}",
                crate::text::clip(&v.to_string(), 40)
            ),
        },
    };
    Err(Error::input(
        source,
        None,
        Some("version"),
        what,
        format!(
            "draw the plan again with this schoolnets (`schoolnets plan` with the plan's table and scenario), or open it with the schoolnets that wrote it; do not edit plan.json's version by hand (its fields would be read with layout {VERSION}'s meanings)"
        ),
    ))
}

impl PlanFile {
    /// Parses a plan.json written by `schoolnets plan`; `source` names it in messages.
    ///
    /// The plan is then checked as strictly as a table, since `rebalance` and `compare` trust it: every
    /// school assigned once, to a network the plan lists; network ids and names unique; each network's
    /// school count what the assignment gives it; a layout [`VERSION`] this build knows.
    pub fn parse(source: &str, text: &str) -> Result<PlanFile> {
        let bad = |line: Option<u64>, field: &str, what: String| {
            Error::input(
                source,
                line,
                Some(field),
                what,
                "re-run `schoolnets plan` to write the plan again; do not edit plan.json by hand",
            )
        };
        let plan: PlanFile = serde_json::from_str(text).map_err(|e| {
            // A plan of another layout fails on fields it lacks or has otherwise: its version says why.
            check_version(source, text).err().unwrap_or_else(|| {
                Error::input(
                    source,
                    Some(e.line() as u64),
                    None,
                    format!("not a plan.json this version of schoolnets can read: {e}"),
                    "re-run `schoolnets plan` with this version to write the plan again; do not edit plan.json by hand",
                )
            })
        })?;
        check_version(source, text)?;
        // A key given twice is silently overwritten by the parser, so the keys are counted on their own.
        let keys: AssignmentKeys = serde_json::from_str(text).map_err(|e| {
            bad(
                Some(e.line() as u64),
                "assignment",
                format!("unreadable: {e}"),
            )
        })?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(k) = keys.assignment.0.iter().find(|k| !seen.insert(k.as_str())) {
            return Err(bad(
                None,
                "assignment",
                format!("school '{k}' is assigned twice"),
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for n in &plan.networks {
            if !ids.insert(n.network.as_str()) {
                return Err(bad(
                    None,
                    "networks",
                    format!("network '{}' is listed twice", n.network),
                ));
            }
            if !n.name.is_empty() && !names.insert(n.name.as_str()) {
                return Err(bad(
                    None,
                    "networks",
                    format!("two networks are named '{}'", n.name),
                ));
            }
        }
        // The scenario it was drawn with is what `rebalance` and the editor keep: it must hold on its own
        // and agree with the networks listed.
        if let Err(Error::Input(p)) = plan.scenario.check(source) {
            let field = format!("scenario.{}", p[0].field.clone().unwrap_or_default());
            return Err(bad(None, &field, p[0].what.clone()));
        }
        if plan.scenario.networks != plan.networks.len() {
            return Err(bad(
                None,
                "scenario.networks",
                format!(
                    "the plan's scenario asks for {} networks but the plan lists {}",
                    plan.scenario.networks,
                    plan.networks.len()
                ),
            ));
        }
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for (school, network) in &plan.assignment {
            if !ids.contains(network.as_str()) {
                return Err(bad(
                    None,
                    "assignment",
                    format!("school '{school}' is assigned to network '{network}', which the plan does not list in `networks`"),
                ));
            }
            *count.entry(network.as_str()).or_default() += 1;
        }
        for n in &plan.networks {
            let assigned = count.get(n.network.as_str()).copied().unwrap_or(0);
            if assigned != n.schools {
                return Err(bad(
                    None,
                    "networks",
                    format!(
                        "network '{}' says it has {} schools, but the assignment gives it {assigned}",
                        n.network, n.schools
                    ),
                ));
            }
        }
        Ok(plan)
    }
}

/// The keys of plan.json's `assignment`, in the order written, duplicates kept.
#[derive(Deserialize)]
struct AssignmentKeys {
    #[serde(default)]
    assignment: KeyList,
}

#[derive(Default)]
struct KeyList(Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<KeyList, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of school id → network id")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(KeyList(keys))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// The JSON Schema of plan.json (draft 2020-12), generated from the types above: what
/// `docs/plan.schema.json` holds (`cargo run --example plan_schema > docs/plan.schema.json` writes it again;
/// a test checks it is current).
pub fn schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(PlanFile)).expect("a schema is JSON");
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "description".into(),
            format!(
                "plan.json, layout version {VERSION}: a school district's support networks as `schoolnets plan` writes them. Every school's network is in `assignment`; every rule, with its margin, in `constraints`; each network's figures in `networks`."
            )
            .into(),
        );
    }
    schema
}
