//! Making a plan: table + outline + scenario → units (campuses, or feeder pathways) and adjacency → solve →
//! measure → plan.
//!
//! No file I/O here: the command line reads inputs and writes outputs; this module turns one into the other.

use crate::affiliations::{self, Affiliation};
use crate::barriers::{BarrierLink, Barriers, BarriersRecord};
use crate::error::{Error, Result};
use crate::geography::{self, Outline};
use crate::metrics::{self, ConstraintCheck, District, NetworkMetrics};
use crate::pathways::{self, FeederLinks, PathwaySummary, Pathways};
use crate::pins::{Pins, PinsRecord};
use crate::regions::{self, Regions};
use crate::scenarios::{Mode, Scenario};
use crate::schools::SchoolTable;
use crate::solver::{self, feasibility, Limits, Problem, Settings, UnitData};
use crate::staffing::{self, Staffing};
use crate::units::{Adjacency, AdjacencyStats, CampusStats, Units};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything a plan is made from.
pub struct PlanInputs<'a> {
    pub table: &'a SchoolTable,
    /// SHA-256 of the table file's bytes.
    pub table_sha256: String,
    pub outline: Option<&'a Outline>,
    /// Name and SHA-256 of the outline file, if any.
    pub outline_source: Option<(String, String)>,
    pub scenario: &'a Scenario,
    pub scenario_source: String,
    /// Command-line overrides applied to the scenario, as `key = value`.
    pub overrides: Vec<String>,
    /// Write a plan even when some constraint does not hold.
    pub best_effort: bool,
    /// Schools the planner pinned to labelled networks.
    pub pins: Option<&'a Pins>,
    /// Lines no network may cross.
    pub barriers: Option<&'a Barriers>,
}

impl<'a> PlanInputs<'a> {
    /// Inputs with no outline, no overrides and no recorded provenance (an empty SHA-256, the source
    /// `scenario_source`): what a library caller or a test that builds its own table starts from.
    pub fn new(table: &'a SchoolTable, scenario: &'a Scenario) -> PlanInputs<'a> {
        PlanInputs {
            table,
            table_sha256: String::new(),
            outline: None,
            outline_source: None,
            scenario,
            scenario_source: String::new(),
            overrides: Vec::new(),
            best_effort: false,
            pins: None,
            barriers: None,
        }
    }

    /// The same inputs with pins.
    pub fn with_pins(mut self, pins: Option<&'a Pins>) -> PlanInputs<'a> {
        self.pins = pins;
        self
    }

    /// The same inputs with barriers.
    pub fn with_barriers(mut self, barriers: Option<&'a Barriers>) -> PlanInputs<'a> {
        self.barriers = barriers;
        self
    }

    /// The same inputs with a district outline.
    pub fn with_outline(mut self, outline: &'a Outline) -> PlanInputs<'a> {
        self.outline = Some(outline);
        self
    }

    /// The same inputs, writing a plan even when a rule breaks (`--best-effort`).
    pub fn best_effort(mut self, on: bool) -> PlanInputs<'a> {
        self.best_effort = on;
        self
    }

    /// The same inputs with another scenario (and the same provenance).
    pub(crate) fn with_scenario(&self, scenario: &'a Scenario) -> PlanInputs<'a> {
        PlanInputs {
            scenario,
            overrides: Vec::new(),
            best_effort: false,
            table_sha256: self.table_sha256.clone(),
            outline_source: self.outline_source.clone(),
            scenario_source: self.scenario_source.clone(),
            ..*self
        }
    }
}

/// Where a plan's inputs came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    pub schools_file: String,
    pub schools_sha256: String,
    pub schools: usize,
    pub enrollment: u64,
    pub outline_file: Option<String>,
    pub outline_sha256: Option<String>,
}

/// The content of plan.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
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
    /// School id → network id, for every school.
    pub assignment: BTreeMap<String, String>,
}

/// One school that changes network in an edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditChange {
    pub school_id: String,
    pub school_name: String,
    pub from: String,
    pub to: String,
}

/// One step of editing: a move, or an accepted re-optimisation; undone as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditStep {
    /// "move" or "re-optimise".
    pub kind: String,
    /// In words, for the list of moves ("Carson Senior High (with 1 more) N31 → N32").
    pub what: String,
    pub changes: Vec<EditChange>,
}

/// What plan.json records of a plan edited by hand.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditsRecord {
    /// The plan the edits started from.
    pub from: String,
    /// Every step kept, in order.
    pub steps: Vec<EditStep>,
    /// Schools locked in their networks (pins) when the plan was saved, as "id → network".
    pub locks: Vec<String>,
}

/// A finished plan with what the writers need.
#[derive(Clone)]
pub struct Plan {
    pub file: PlanFile,
    /// The barrier lines, for the maps (none when the plan had no barriers).
    pub barrier_lines: Vec<crate::barriers::Barrier>,
    /// Network index of each school (indexes `file.networks`).
    pub school_network: Vec<usize>,
    /// Campuses and their adjacency.
    pub units: Units,
    pub adjacency: Adjacency,
}

/// What the solver assigns: the campuses (neighborhood mode), or pathways grouping them (feeder mode).
pub(crate) struct PlanningUnits {
    pub campuses: Units,
    pub campus_adjacency: Adjacency,
    /// Feeder mode: the pathways, as units over the campuses, and their adjacency.
    pub feeder: Option<FeederUnits>,
}

/// Feeder mode's planning units.
pub(crate) struct FeederUnits {
    pub pathways: Pathways,
    pub units: Units,
    pub adjacency: Adjacency,
}

impl PlanningUnits {
    /// Builds campuses, their adjacency and, in feeder mode, the pathway units over them.
    pub fn build(
        table: &SchoolTable,
        outline: Option<&Outline>,
        scenario: &Scenario,
        barriers: Option<&Barriers>,
    ) -> PlanningUnits {
        let campuses = Units::build_within(table, scenario.geography.campus_distance_m);
        let campus_adjacency = Adjacency::build_with(
            &campuses,
            outline,
            scenario.geography.max_edge_factor,
            barriers,
        );
        let feeder = (scenario.mode == Mode::Feeder).then(|| {
            let pathways = Pathways::build(table, &campuses, &scenario.pathways.split);
            let n = pathways.units.len();
            FeederUnits {
                units: campuses.contract(&pathways.of_campus, n),
                adjacency: campus_adjacency.contract(&pathways.of_campus, n),
                pathways,
            }
        });
        PlanningUnits {
            campuses,
            campus_adjacency,
            feeder,
        }
    }

    /// The units the solver assigns.
    pub fn units(&self) -> &Units {
        self.feeder.as_ref().map_or(&self.campuses, |f| &f.units)
    }

    /// Their adjacency.
    pub fn adjacency(&self) -> &Adjacency {
        self.feeder
            .as_ref()
            .map_or(&self.campus_adjacency, |f| &f.adjacency)
    }

    /// Names planning unit `u` for messages.
    pub fn describe(&self, table: &SchoolTable, u: usize) -> String {
        match &self.feeder {
            Some(f) => f.pathways.describe(table, &self.campuses, u),
            None => self.campuses.describe(table, u),
        }
    }
}

/// The solver problem for a table and scenario.
pub fn problem(
    table: &SchoolTable,
    units: &Units,
    adjacency: &Adjacency,
    scenario: &Scenario,
    district: &District,
) -> Problem {
    let (min_enrollment, max_enrollment) =
        metrics::enrollment_band(table.total_enrollment(), scenario);
    let models: Vec<(&String, u32)> = scenario
        .coverage
        .min_models
        .iter()
        .map(|(m, &n)| (m, n))
        .collect();
    let unit_data = |u: &crate::units::Unit| {
        let mut d = UnitData {
            pos: u.pos,
            schools: u.schools.len() as u32,
            enrollment: u.enrollment as f64,
            high: u.high,
            middle: u.middle,
            ..UnitData::default()
        };
        for &i in &u.schools {
            let s = &table.schools[i];
            let e = f64::from(s.enrollment);
            if let Some(low) = district.low[i] {
                d.rated += 1;
                d.low += u32::from(low);
            }
            if let Some(v) = metrics::school_dfs(s) {
                d.dfs_sum += e * v;
                d.dfs_weight += e;
            }
            if let Some(f) = s.frpm_pct {
                d.frpm_sum += e * f / 100.0;
                d.frpm_weight += e;
            }
            for (j, v) in s.ethnicity.iter().enumerate() {
                d.ethnicity[j] += f64::from(v.unwrap_or(0));
            }
            for (j, (m, _)) in models.iter().enumerate() {
                d.models[j] += u32::from(&&s.model == m);
            }
        }
        d
    };
    let mut limits = Limits::basic(
        scenario.size.min_schools as u32,
        scenario.size.max_schools as u32,
        min_enrollment,
        max_enrollment,
    );
    limits.min_high = scenario.coverage.min_high;
    limits.min_middle = scenario.coverage.min_middle;
    limits.connected = scenario.geography.connected;
    limits.max_low_share = scenario.performance.max_low_performing_share;
    limits.dfs = scenario
        .performance
        .dfs_band
        .zip(district.dfs)
        .map(|(b, m)| (m - b, m + b));
    limits.frpm = scenario
        .diversity
        .frpm_band
        .zip(district.frpm_pct)
        .map(|(b, m)| ((m - b) / 100.0, (m + b) / 100.0));
    if let Some(b) = scenario.diversity.ethnicity_band {
        for (j, g) in crate::schools::ETHNICITIES.iter().enumerate() {
            let m = district.ethnicity_pct.get(*g).copied().unwrap_or(0.0);
            if m > 0.0 {
                limits.ethnicity[j] = Some(((m - b) / 100.0, (m + b) / 100.0));
            }
        }
    }
    for (j, (_, n)) in models.iter().enumerate() {
        limits.model_min[j] = *n;
    }
    // Soft goal (neighborhood mode): feeder links between units, priced per cut link.
    let links = if scenario.mode == Mode::Neighborhood && scenario.pathways.cut_link_cost_km2 > 0.0
    {
        let pairs = pathways::feeder_targets(table)
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| Some((units.of_school[i], units.of_school[t?])));
        crate::solver::Links::from_pairs(units.len(), pairs, scenario.pathways.cut_link_cost_km2)
    } else {
        crate::solver::Links::default()
    };
    Problem {
        units: units.units.iter().map(unit_data).collect(),
        neighbors: adjacency.graph.clone(),
        k: scenario.networks,
        limits,
        links,
        homes: crate::solver::Homes::default(),
        pins: Vec::new(),
    }
}

/// What every plan starts from: planning units, district figures and the solver problem, after the
/// arithmetic feasibility checks.
pub(crate) struct Prepared {
    pub planning: PlanningUnits,
    pub district: District,
    pub problem: Problem,
    /// The pins, when there are any: each label's planning units.
    pub pinned: Option<Pinned>,
}

/// Pins resolved onto the planning units.
pub(crate) struct Pinned {
    /// The distinct labels, in file order.
    pub labels: Vec<String>,
    /// Each planning unit's label.
    pub of_unit: Vec<Option<usize>>,
    /// Each school's label (a campus's or pathway's schools share it).
    pub of_school: Vec<Option<usize>>,
    /// Each pin row's planning unit.
    pub row_unit: Vec<usize>,
}

impl Prepared {
    /// Binds each label to a network (`network[label]`; `None` leaves it free) as the solver's pins.
    pub(crate) fn bind_pins(&mut self, network: &[Option<usize>]) {
        if let Some(pinned) = &self.pinned {
            self.problem.pins = pinned
                .of_unit
                .iter()
                .map(|l| l.and_then(|l| network[l]))
                .collect();
        }
    }
}

/// Resolves the pins onto the planning units: every id in the table, one label per campus (or pathway).
fn resolve_pins(pins: &Pins, table: &SchoolTable, planning: &PlanningUnits) -> Result<Pinned> {
    let by_school = pins.of_schools(table)?;
    let units = planning.units();
    let what = if planning.feeder.is_some() {
        "feeder pathway"
    } else {
        "campus"
    };
    let of_unit = pins.of_units(&by_school, &units.of_school, units.len(), what, &|u| {
        planning.describe(table, u)
    })?;
    let of_school = units.of_school.iter().map(|&u| of_unit[u]).collect();
    let mut row_unit = vec![0; pins.rows.len()];
    for (i, pin) in by_school.iter().enumerate() {
        if let Some((_, r)) = pin {
            row_unit[*r] = units.of_school[i];
        }
    }
    Ok(Pinned {
        labels: pins.labels(),
        of_unit,
        of_school,
        row_unit,
    })
}

/// Builds the planning units and the solver problem, and checks that the rules can hold at all. Returns
/// `Error::Infeasible` with the arithmetic when they cannot (unless `best_effort`).
pub(crate) fn prepare(inputs: &PlanInputs<'_>) -> Result<Prepared> {
    let table = inputs.table;
    let scenario = inputs.scenario;
    let source = &inputs.scenario_source;
    // The command line checks scenarios as it reads them; a library caller may have changed one since.
    scenario.check(source)?;
    let district = metrics::district(table, scenario);
    if let Some(rules) = &scenario.staffing {
        for (j, p) in rules.need_based.iter().enumerate() {
            let field = format!("staffing.need_based[{j}].need");
            staffing::school_need(table, &district.low, &p.need, &field, source)?;
        }
    }
    let planning = PlanningUnits::build(table, inputs.outline, scenario, inputs.barriers);
    let pinned = match inputs.pins {
        Some(pins) => Some(resolve_pins(pins, table, &planning)?),
        None => None,
    };
    let (units, adjacency) = (planning.units(), planning.adjacency());
    let p = problem(table, units, adjacency, scenario, &district);
    let model_names: Vec<String> = scenario.coverage.min_models.keys().cloned().collect();
    let mut conflicts =
        feasibility::check(&p, scenario.size.enrollment_tolerance, &model_names, &|u| {
            planning.describe(table, u)
        });
    if let (Some(pins), Some(pinned)) = (inputs.pins, &pinned) {
        let sides = (planning.feeder.is_none() && inputs.barriers.is_some())
            .then(|| barrier_sides(&planning.campus_adjacency));
        conflicts.extend(crate::pins::conflicts(
            pins,
            &p,
            &pinned.labels,
            &pinned.of_unit,
            &pinned.row_unit,
            sides.as_deref(),
        ));
    }
    if planning.feeder.is_some() {
        for c in &mut conflicts {
            if c.constraint == "size.enrollment_tolerance" || c.constraint == "size.max_schools" {
                c.explanation.push_str(
                    " Or let that pathway split: add its top school's id to pathways.split in the scenario \
                     (it is then split into the sub-pathways of the schools that feed it directly).",
                );
            }
        }
    }
    if !conflicts.is_empty() && !inputs.best_effort {
        let text: Vec<String> = conflicts
            .iter()
            .map(|c| format!("- {}: {}", c.constraint, c.explanation))
            .collect();
        return Err(Error::Infeasible(text.join("\n")));
    }
    if p.k > p.units.len() {
        return Err(Error::Infeasible(format!(
            "- networks: {} networks but only {} campuses; even --best-effort cannot leave networks empty",
            p.k,
            p.units.len()
        )));
    }
    let mut prepared = Prepared {
        planning,
        district,
        problem: p,
        pinned,
    };
    // New plans give label i network i (labels beyond the network count, possible only with
    // --best-effort, stay free and are reported broken).
    let k = prepared.problem.k;
    if let Some(n) = prepared.pinned.as_ref().map(|x| x.labels.len()) {
        let binding: Vec<Option<usize>> = (0..n).map(|l| (l < k).then_some(l)).collect();
        prepared.bind_pins(&binding);
    }
    Ok(prepared)
}

/// Which side of the barriers each unit is on: the pieces of the graph without the links put back across a
/// barrier (units in different pieces can be joined only across one).
fn barrier_sides(adjacency: &Adjacency) -> Vec<usize> {
    let n = adjacency.graph.len();
    let restored: std::collections::BTreeSet<(usize, usize)> = adjacency
        .barrier_links
        .iter()
        .filter(|l| l.restored)
        .map(|l| l.units)
        .collect();
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(n);
    for (a, list) in adjacency.graph.iter().enumerate() {
        for &b in list {
            if a < b && !restored.contains(&(a, b)) {
                uf.union(a, b);
            }
        }
    }
    (0..n).map(|u| uf.find(u)).collect()
}

impl Prepared {
    /// Each network's figures and the check of every rule (with `pathways_whole` in feeder mode) for a
    /// school → network assignment, networks named `ids`.
    pub(crate) fn measure(
        &self,
        table: &SchoolTable,
        scenario: &Scenario,
        school_network: &[usize],
        ids: &[String],
    ) -> (Vec<NetworkMetrics>, Vec<ConstraintCheck>) {
        let planning = &self.planning;
        let networks = metrics::measure(
            table,
            &planning.campuses,
            (planning.units(), planning.adjacency()),
            school_network,
            ids,
            &self.district,
        );
        let mut constraints = metrics::check_constraints(
            table,
            &planning.campuses,
            school_network,
            &networks,
            scenario,
            &self.district,
        );
        if planning.feeder.is_some() {
            constraints.push(pathways_whole(planning.units(), school_network));
        }
        if let Some(pinned) = &self.pinned {
            let (check, _) =
                crate::pins::check(&pinned.labels, &pinned.of_school, school_network, ids);
            constraints.push(check);
        }
        (networks, constraints)
    }
}

/// Makes a plan. Returns `Error::Infeasible` when the scenario cannot hold (arithmetic conflicts), or
/// when the best plan found breaks a constraint and `best_effort` is off.
///
/// Support regions are drawn from the finished networks, so the network search cannot see their rules.
/// The restarts are therefore tried best first: each with pair re-solving (which shifts enrollments and can
/// leave no grouping into regions within the bands), then as it was before it; the first that keeps every
/// rule wins. When none does, the best restart's plan is returned (with its broken rules).
pub fn make_plan(inputs: &PlanInputs<'_>, progress: &(dyn Fn() + Sync)) -> Result<Plan> {
    let settings: Settings = (&inputs.scenario.solver).into();
    // Each attempt consumes a `Prepared`; `prepare` is a pure function of the inputs, so preparing again
    // gives the same one. Only fallbacks (below) need a second.
    let mut slot = Some(prepare(inputs)?);
    let ready = |slot: &mut Option<Prepared>| -> Result<Prepared> {
        match slot.take() {
            Some(p) => Ok(p),
            None => prepare(inputs),
        }
    };
    let ranked = {
        let p = &slot.as_ref().expect("prepared above").problem;
        let mut ranked = solver::solve_ranked(p, settings, progress);
        // When no restart meets every network rule, the best is repaired by redrawing groups of networks
        // around the broken ones.
        if ranked[0].violation > 0.0 {
            let repaired = solver::pairs::repair(p, ranked[0].clone(), settings);
            if repaired.violation < ranked[0].violation {
                ranked.insert(0, repaired);
            }
        }
        ranked
    };
    let broken = |r: &Result<Plan>| match r {
        Ok(plan) => !plan.file.all_constraints_hold,
        Err(Error::Infeasible(_)) => true,
        Err(_) => false,
    };
    let mut first: Option<Result<Plan>> = None;
    for searched in &ranked {
        // Only restarts that meet every network rule can do better than the best one.
        if first.is_some() && searched.violation > 0.0 {
            break;
        }
        let prepared = ready(&mut slot)?;
        let improved = solver::pairs::improve(&prepared.problem, searched.clone(), settings);
        slot = Some(prepared);
        let mut candidates = vec![improved];
        if candidates[0].assignment != searched.assignment && inputs.scenario.regions.is_some() {
            candidates.push(searched.clone());
        }
        for solution in &candidates {
            let prepared = ready(&mut slot)?;
            let solution = match fit_regions(inputs, &prepared, solution, settings) {
                Some(fitted) => fitted,
                None => solution.clone(),
            };
            let plan = plan_from(inputs, prepared, &solution);
            if !broken(&plan) || inputs.scenario.regions.is_none() {
                return plan;
            }
            first.get_or_insert(plan);
        }
    }
    first.expect("at least one restart was tried")
}

/// When a solution meets every network rule but its networks cannot be grouped into regions within the
/// region bands, the solution with a few units shifted so that they can ([`regions::repair_networks`]).
fn fit_regions(
    inputs: &PlanInputs<'_>,
    prepared: &Prepared,
    solution: &solver::Solution,
    settings: Settings,
) -> Option<solver::Solution> {
    let rules = inputs.scenario.regions.as_ref()?;
    if solution.violation > 0.0 {
        return None;
    }
    let (p, planning) = (&prepared.problem, &prepared.planning);
    let school_network = school_networks(inputs.table, planning.units(), &solution.assignment, p.k);
    let fitted = regions::repair_networks(
        p,
        &solution.assignment,
        planning.units(),
        &planning.campuses,
        &planning.campus_adjacency,
        &school_network,
        rules,
        settings,
    )?;
    Some(solver::Solution::of(
        &solver::state::State::new(p, fitted),
        solution.restart,
        false,
    ))
}

/// Each school's network, with networks numbered from north to south (then west to east) by their centre,
/// as the plan names them.
fn school_networks(
    table: &SchoolTable,
    units: &Units,
    assignment: &[usize],
    k: usize,
) -> Vec<usize> {
    let order = geography::north_to_south(&units.centres(assignment, k));
    let mut rank = vec![0; k];
    for (r, &c) in order.iter().enumerate() {
        rank[c] = r;
    }
    (0..table.schools.len())
        .map(|i| rank[assignment[units.of_school[i]]])
        .collect()
}

/// Names the networks of a solution and assembles its plan.
fn plan_from(
    inputs: &PlanInputs<'_>,
    prepared: Prepared,
    solution: &solver::Solution,
) -> Result<Plan> {
    let table = inputs.table;
    let scenario = inputs.scenario;
    let (p, units) = (&prepared.problem, prepared.planning.units());

    // Name networks N01.. from north to south (then west to east) so names are stable and readable.
    let width = p.k.to_string().len().max(2);
    let ids: Vec<String> = (0..p.k).map(|r| format!("N{:0width$}", r + 1)).collect();
    let school_network = school_networks(table, units, &solution.assignment, p.k);
    let searched = if solution.exhaustive {
        format!(
            "no plan meets every rule (all splits of the {} campuses were checked); the closest",
            p.units.len()
        )
    } else {
        format!(
            "the best plan found after {} restarts",
            scenario.solver.restarts
        )
    };
    assemble(inputs, &prepared, school_network, ids, &searched, None)
}

/// Each network's region index in an adopted plan, when it had `count` regions and every network had one.
fn adopted_regions(
    adopted: &PlanFile,
    networks: &[NetworkMetrics],
    count: usize,
) -> Option<Vec<usize>> {
    let regions = adopted.regions.as_ref()?;
    if regions.regions.len() != count {
        return None;
    }
    networks
        .iter()
        .map(|n| {
            regions
                .regions
                .iter()
                .position(|r| r.networks.contains(&n.network))
        })
        .collect()
}

/// Measures a school → network assignment, checks every rule and builds the plan. `searched` says how the
/// assignment was found, for the message when a rule is broken and `best_effort` is off. `adopted`, when
/// re-running an adopted plan, keeps its regions where the rules allow (see [`regions::draw`]).
pub(crate) fn assemble(
    inputs: &PlanInputs<'_>,
    prepared: &Prepared,
    school_network: Vec<usize>,
    ids: Vec<String>,
    searched: &str,
    adopted: Option<&PlanFile>,
) -> Result<Plan> {
    let table = inputs.table;
    let scenario = inputs.scenario;
    let (mut networks, mut constraints) = prepared.measure(table, scenario, &school_network, &ids);
    // Names: an adopted plan's stay with its networks; the rest are named after their communities.
    let mut kept: Vec<Option<String>> = ids
        .iter()
        .map(|id| {
            adopted
                .and_then(|a| a.networks.iter().find(|n| &n.network == id))
                .map(|n| n.name.clone())
                .filter(|name| !name.is_empty())
        })
        .collect();
    // A pinned label names the network that holds it (and no other network keeps that name).
    let pins = match (inputs.pins, &prepared.pinned) {
        (Some(pins), Some(pinned)) => {
            let (_, groups) =
                crate::pins::check(&pinned.labels, &pinned.of_school, &school_network, &ids);
            for g in &groups {
                for name in kept.iter_mut() {
                    if name.as_deref() == Some(g.label.as_str()) {
                        *name = None;
                    }
                }
            }
            for g in &groups {
                if let Some(c) = ids.iter().position(|id| *id == g.network) {
                    if kept[c].is_none()
                        || !groups.iter().any(|h| Some(&h.label) == kept[c].as_ref())
                    {
                        kept[c] = Some(g.label.clone());
                    }
                }
            }
            Some(PinsRecord {
                file: pins.source.clone(),
                sha256: pins.sha256.clone(),
                rows: pins.rows.clone(),
                groups,
            })
        }
        _ => None,
    };
    for (m, name) in
        networks
            .iter_mut()
            .zip(crate::names::network_names(table, &school_network, &kept))
    {
        m.name = name;
    }
    let (planning, district) = (&prepared.planning, &prepared.district);
    let settings: Settings = (&scenario.solver).into();
    let regions = scenario.regions.as_ref().map(|rules| {
        let kept = adopted.and_then(|a| adopted_regions(a, &networks, rules.count));
        let (regions, checks) = regions::draw(
            &planning.campuses,
            &planning.campus_adjacency,
            &school_network,
            &networks,
            rules,
            settings,
            kept.as_deref(),
        );
        constraints.extend(checks);
        for (m, &r) in networks.iter_mut().zip(&regions.of_network) {
            m.region = Some(regions.regions[r].region.clone());
        }
        regions
    });
    let source = &inputs.scenario_source;
    let affiliations = affiliations::build(
        table,
        &planning.campuses.projection,
        &school_network,
        &ids,
        &scenario.affiliation,
        scenario.solver.seed,
    );
    let staffing = match &scenario.staffing {
        Some(rules) => Some(staffing::plan(
            table,
            &district.low,
            &school_network,
            &ids,
            rules,
            source,
        )?),
        None => None,
    };
    let all_hold = constraints.iter().all(|c| c.holds);
    // (Arithmetic conflicts without --best-effort returned above, so only search results are left here.)
    if !all_hold && !inputs.best_effort {
        let mut text: Vec<String> = Vec::new();
        text.extend(constraints.iter().filter(|c| !c.holds).map(|c| {
            format!(
                "- {}: {searched} breaks \"{}\": {} (short by {} {}; networks {}).",
                c.key,
                c.rule,
                c.observed,
                crate::text::round(-c.margin, 1),
                c.unit,
                c.failing_networks.join(", ")
            )
        }));
        text.push(
            "  Try a wider band (--tolerance), other school-count bounds, more restarts, or --best-effort to write this plan with its violations listed."
                .into(),
        );
        return Err(Error::Infeasible(text.join("\n")));
    }
    let assignment = table
        .schools
        .iter()
        .zip(&school_network)
        .map(|(s, &c)| (s.id.clone(), ids[c].clone()))
        .collect();
    let file = PlanFile {
        tool: format!("schoolnets {}", env!("CARGO_PKG_VERSION")),
        input: InputInfo {
            schools_file: table.source.clone(),
            schools_sha256: inputs.table_sha256.clone(),
            schools: table.schools.len(),
            enrollment: table.total_enrollment(),
            outline_file: inputs.outline_source.as_ref().map(|o| o.0.clone()),
            outline_sha256: inputs.outline_source.as_ref().map(|o| o.1.clone()),
        },
        scenario_file: inputs.scenario_source.clone(),
        scenario: scenario.clone(),
        overrides: inputs.overrides.clone(),
        seed: scenario.solver.seed,
        all_constraints_hold: all_hold,
        constraints,
        compactness_km2: crate::text::round(networks.iter().map(|m| m.compactness_km2).sum(), 1),
        dissimilarity_index: metrics::dissimilarity(table, &school_network, ids.len()),
        district: district.clone(),
        feeder_links: pathways::feeder_links(table, &school_network),
        pathways: planning.feeder.as_ref().map(|f| f.pathways.summary.clone()),
        campuses: planning.campuses.campus_stats.clone(),
        adjacency: AdjacencyStats {
            median_edge_km: crate::text::round(planning.campus_adjacency.stats.median_edge_km, 3),
            max_edge_km: crate::text::round(planning.campus_adjacency.stats.max_edge_km, 3),
            ..planning.campus_adjacency.stats.clone()
        },
        networks,
        regions,
        affiliations,
        staffing,
        pins,
        barriers: inputs.barriers.map(|b| {
            barriers_record(
                b,
                table,
                &planning.campuses,
                &planning.campus_adjacency,
                inputs.outline,
            )
        }),
        edits: None,
        assignment,
    };
    Ok(Plan {
        file,
        barrier_lines: inputs.barriers.map(|b| b.lines.clone()).unwrap_or_default(),
        school_network,
        units: planning.campuses.clone(),
        adjacency: planning.campus_adjacency.clone(),
    })
}

/// What plan.json records of the barriers: the links they removed (by a school at each end) and the
/// barriers that change nothing.
fn barriers_record(
    barriers: &Barriers,
    table: &SchoolTable,
    campuses: &Units,
    adjacency: &Adjacency,
    outline: Option<&Outline>,
) -> BarriersRecord {
    let school = |u: usize| {
        let s = &table.schools[campuses.units[u].schools[0]];
        format!("{} ({})", s.name, s.id)
    };
    let links: Vec<BarrierLink> = adjacency
        .barrier_links
        .iter()
        .map(|l| BarrierLink {
            barrier: barriers.lines[l.barrier].name.clone(),
            from: school(l.units.0),
            to: school(l.units.1),
            km: crate::text::round(l.km, 2),
            restored: l.restored,
        })
        .collect();
    let outside = outline.map(|o| barriers.outside(o)).unwrap_or_default();
    let mut warnings: Vec<String> = outside
        .iter()
        .map(|&b| {
            format!(
                "barrier {:?} lies outside the district outline; it changes nothing",
                barriers.lines[b].name
            )
        })
        .collect();
    for (b, line) in barriers.lines.iter().enumerate() {
        if !outside.contains(&b) && !adjacency.barrier_links.iter().any(|l| l.barrier == b) {
            warnings.push(format!(
                "barrier {:?} crosses no link between neighbouring campuses; it changes nothing",
                line.name
            ));
        }
    }
    warnings.dedup();
    let mut names: Vec<String> = barriers.lines.iter().map(|b| b.name.clone()).collect();
    names.dedup();
    BarriersRecord {
        file: barriers.source.clone(),
        sha256: barriers.sha256.clone(),
        barriers: names,
        links,
        warnings,
    }
}

/// Feeder mode's rule: each pathway (planning unit) in one network.
fn pathways_whole(units: &Units, school_network: &[usize]) -> ConstraintCheck {
    metrics::units_whole(
        "pathways_whole",
        "each feeder pathway is in one network (pathways sharing a campus count as one; see the report for how pathways are built)",
        "pathways",
        units,
        school_network,
    )
}

impl PlanFile {
    /// Parses a plan.json written by `schoolnets plan`; `source` names it in messages.
    ///
    /// The plan is then checked as strictly as a table, since `rebalance` and `compare` trust it: every
    /// school assigned once, to a network the plan lists; network ids and names unique; each network's
    /// school count what the assignment gives it.
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
            Error::input(
                source,
                Some(e.line() as u64),
                None,
                format!("not a plan.json this version of schoolnets can read: {e}"),
                "re-run `schoolnets plan` with this version to write the plan again; do not edit plan.json by hand",
            )
        })?;
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

/// SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
