//! Making a plan: table + outline + scenario → units (campuses, or feeder pathways) and adjacency → solve →
//! measure → plan.
//!
//! No file I/O here: the command line reads inputs and writes outputs; this module turns one into the other.

use crate::affiliations;
use crate::barriers::Barriers;
use crate::error::{Error, Infeasible, Result};
use crate::geography::{self, Outline};
use crate::metrics;
use crate::pathways::{self, Pathways};
use crate::pins::Pins;
use crate::plan_file::{
    AdjacencyStats, BarrierLink, BarriersRecord, ConstraintCheck, InputInfo, NetworkMetrics,
    PinsRecord, PlanFile,
};
use crate::regions;
use crate::rules::{self, Measured, RuleSet};
use crate::scenarios::{Mode, Scenario};
use crate::schools::SchoolTable;
use crate::solver::{self, Problem, Settings};
use crate::staffing;
use crate::units::{Adjacency, Units};
use rayon::prelude::*;

/// Everything a plan is made from.
#[derive(Clone)]
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
    /// The forecast of the table's schools (for a band that holds for years, and the plan's outlook).
    pub forecast: Option<&'a crate::forecast::Forecast>,
    /// The district's enrollment history (the outlook compares the forecast with the years it knows).
    pub history: Option<&'a crate::history::History>,
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
            forecast: None,
            history: None,
        }
    }

    /// The same inputs with a forecast of the table's schools.
    pub fn with_forecast(
        mut self,
        forecast: Option<&'a crate::forecast::Forecast>,
    ) -> PlanInputs<'a> {
        self.forecast = forecast;
        self
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
    /// The campuses' adjacency with the links across barriers kept: support regions are drawn on it
    /// (barriers keep networks apart, not the regions that group them).
    pub region_adjacency: Adjacency,
    /// Feeder mode: the pathways, as units over the campuses, and their adjacency.
    pub feeder: Option<FeederUnits>,
}

/// Feeder mode's planning units.
pub(crate) struct FeederUnits {
    pub pathways: Pathways,
    pub units: Units,
    pub adjacency: Adjacency,
}

impl FeederUnits {
    /// The pathways over `campuses` and their links, with the pathways of the top schools in `split` split.
    fn over(
        table: &SchoolTable,
        campuses: &Units,
        campus_adjacency: &Adjacency,
        split: &[String],
    ) -> FeederUnits {
        let pathways = Pathways::build(table, campuses, split);
        let n = pathways.units.len();
        FeederUnits {
            units: campuses.contract(&pathways.of_campus, n),
            adjacency: campus_adjacency.contract(&pathways.of_campus, n),
            pathways,
        }
    }
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
            scenario.barrier_price_km2.is_some(),
        );
        let feeder = (scenario.mode == Mode::Feeder).then(|| {
            FeederUnits::over(
                table,
                &campuses,
                &campus_adjacency,
                &scenario.pathways.split,
            )
        });
        let region_adjacency = campus_adjacency.across_barriers();
        PlanningUnits {
            campuses,
            campus_adjacency,
            region_adjacency,
            feeder,
        }
    }

    /// Closes the links put back across barriers where the pocket behind them can be a network of its own
    /// ([`Adjacency::close_gates`]), so barriers stay hard; in feeder mode the pathways' adjacency is drawn
    /// again from the campuses'.
    pub fn close_gates(&mut self, limits: &solver::Limits) {
        let too_small = |students: u64, schools: usize| {
            solver::pockets::too_small(limits, students as f64, schools)
        };
        self.campus_adjacency
            .close_gates(&self.campuses, &too_small);
        if let Some(f) = &mut self.feeder {
            f.adjacency = self
                .campus_adjacency
                .contract(&f.pathways.of_campus, f.units.len());
        }
    }

    /// Feeder mode: the pathways drawn again over the same campuses and links, with the pathways of the top
    /// schools in `split` split.
    fn split_pathways(&mut self, table: &SchoolTable, split: &[String]) {
        if let Some(f) = &mut self.feeder {
            *f = FeederUnits::over(table, &self.campuses, &self.campus_adjacency, split);
        }
    }

    /// The planning unit campus `campus` belongs to: itself, or its pathway in feeder mode.
    pub fn unit_of_campus(&self, campus: usize) -> usize {
        self.feeder
            .as_ref()
            .map_or(campus, |f| f.pathways.of_campus[campus])
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

/// The solver problem for a table and scenario: each planning unit's sums and the limits, from the rule
/// set; the feeder links a neighborhood plan should rather not cut, priced as the scenario says.
pub fn problem(
    table: &SchoolTable,
    units: &Units,
    adjacency: &Adjacency,
    scenario: &Scenario,
    rules: &RuleSet,
) -> Problem {
    // Soft goal (neighborhood mode): feeder links between units, priced per cut link.
    let links = if scenario.mode == Mode::Neighborhood && scenario.pathways.cut_link_cost_km2 > 0.0
    {
        let pairs = pathways::feeder_targets(table)
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| Some((units.of_school[i], units.of_school[t?])));
        solver::Links::from_pairs(units.len(), pairs, scenario.pathways.cut_link_cost_km2)
    } else {
        solver::Links::default()
    };
    let (data, sums) = rules.layout.units(units, &rules.school_sums);
    Problem {
        links,
        sums,
        ..Problem::new(
            data,
            adjacency.graph.clone(),
            scenario.networks,
            rules.limits(),
        )
    }
}

/// What every plan starts from: planning units, district figures and the solver problem, after the
/// arithmetic feasibility checks.
pub(crate) struct Prepared {
    pub planning: PlanningUnits,
    /// The scenario's rules on the table (with the district's figures).
    pub rules: RuleSet,
    pub problem: Problem,
    /// The pins, when there are any: each label's planning units.
    pub pinned: Option<Pinned>,
    /// The scenario's affiliations, formed on the table once: each plan only says which networks their
    /// schools are in.
    pub affiliations: Vec<affiliations::Formed>,
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
    if scenario.barrier_price_km2.is_some() && inputs.barriers.is_none() {
        return Err(Error::Usage(
            "--barrier-price (barrier_price_km2) prices each crossing of a barrier, but no barriers were given: add --barriers FILE.geojson, or leave the price out".into(),
        ));
    }
    let planning = PlanningUnits::build(table, inputs.outline, scenario, inputs.barriers);
    if let Some(f) = &planning.feeder {
        if let Some(id) = f.pathways.summary.split_not_found.first() {
            let what = match table.index().get(id.as_str()) {
                Some(&row) => format!(
                    "'{id}' ({}) is in the table, but no school feeds into it, so there is no pathway of it to split",
                    table.schools[row].name
                ),
                None => format!("'{id}' is no school id of the table"),
            };
            return Err(Error::input(
                source.as_str(),
                None,
                Some("pathways.split"),
                what,
                "list the ids of high schools (tops of pathways) whose pathway may be split, as in the table's id column; remove the others",
            ));
        }
    }
    let mut pinned = match inputs.pins {
        Some(pins) => Some(resolve_pins(pins, table, &planning)?),
        None => None,
    };
    let options = rules::Options {
        pins: pinned.as_ref().map(|p| p.labels.len()),
        forecast: inputs.forecast,
    };
    let rules = RuleSet::new(table, scenario, &options)?;
    let mut planning = planning;
    // Pockets hold whole networks only when networks must be connected.
    let limits = rules.limits();
    let hard = inputs
        .barriers
        .filter(|_| scenario.barrier_price_km2.is_none() && limits.connected);
    if hard.is_some() {
        planning.close_gates(&limits);
    }
    if let Some(staff) = &scenario.staffing {
        for (j, p) in staff.need_based.iter().enumerate() {
            let field = format!("staffing.need_based[{j}].need");
            staffing::school_need(table, &rules.district.low, &p.need, &field, source)?;
        }
    }
    let priced = inputs.barriers.and(scenario.barrier_price_km2);
    let solver_problem = |planning: &PlanningUnits| {
        let mut p = problem(
            table,
            planning.units(),
            planning.adjacency(),
            scenario,
            &rules,
        );
        if let Some(price) = priced {
            p.links = crossing_prices(&p.links, planning, price);
        }
        p
    };
    let mut p = solver_problem(&planning);
    let resplit = planning.feeder.is_some()
        && scenario.pathways.split_gateways
        && split_at_gateways(table, scenario, &mut planning, &mut p, &solver_problem);
    if let (true, Some(pins)) = (resplit, inputs.pins) {
        // The pins' units are the pathways as split now.
        pinned = Some(resolve_pins(pins, table, &planning)?);
    }
    let feeder = planning.feeder.is_some();
    let mut proofs = rules::proofs::check(
        &rules,
        scenario,
        &p,
        &|u| planning.describe(table, u),
        feeder,
    );
    if let (Some(pins), Some(pinned)) = (inputs.pins, &pinned) {
        // Soft barriers may be crossed, so only hard ones put a label's schools on two sides.
        let sides = (!feeder && hard.is_some()).then(|| barrier_sides(&planning.campus_adjacency));
        proofs.extend(crate::pins::conflicts(
            pins,
            &p,
            &pinned.labels,
            &pinned.of_unit,
            &pinned.row_unit,
            sides.as_deref(),
        ));
    }
    if let Some(barriers) = hard {
        proofs.extend(pocket_proofs(barriers, table, &planning, &p, scenario));
    }
    if !proofs.is_empty() && !inputs.best_effort {
        return Err(Error::Infeasible(Box::new(Infeasible {
            proofs,
            ..Infeasible::default()
        })));
    }
    if p.k > p.units.len() {
        return Err(Error::Infeasible(Box::new(Infeasible {
            proofs: vec![crate::error::Proof {
                rule: "networks".into(),
                settings: vec!["networks".into()],
                need: crate::error::Amount::new(p.k as f64, "campuses"),
                have: crate::error::Amount::new(p.units.len() as f64, "campuses"),
                reason: format!(
                    "{} networks but only {} campuses; even --best-effort cannot leave networks empty",
                    p.k,
                    p.units.len()
                ),
                nearest: Vec::new(),
            }],
            ..Infeasible::default()
        })));
    }
    let affiliations = affiliations::form(
        table,
        &planning.campuses.projection,
        &scenario.affiliation,
        scenario.solver.seed,
    );
    let mut prepared = Prepared {
        planning,
        rules,
        problem: p,
        pinned,
        affiliations,
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

/// How many rounds of gateway splits: a pathway split at a gateway leaves its top campus and sub-pathways,
/// one of which may be the gateway again (high school, then middle school, then elementary school).
const GATEWAY_SPLIT_ROUNDS: usize = 3;

/// Feeder mode with `pathways.split_gateways`: splits every pathway that is the only way between parts of
/// the district and whose network the arithmetic proves too full ([`solver::pockets::gateways`]), round
/// after round until none is left or only campuses are, and records each split in the pathway summary
/// with its reason. `p` is the problem drawn again after each round. True when a pathway was split.
fn split_at_gateways(
    table: &SchoolTable,
    scenario: &Scenario,
    planning: &mut PlanningUnits,
    p: &mut Problem,
    solver_problem: &dyn Fn(&PlanningUnits) -> Problem,
) -> bool {
    let mut split = scenario.pathways.split.clone();
    let mut record = Vec::new();
    for _ in 0..GATEWAY_SPLIT_ROUNDS {
        let Some(f) = &planning.feeder else {
            break;
        };
        let before = record.len();
        for g in solver::pockets::gateways(p) {
            let tops: Vec<String> = f.pathways.units[g.unit]
                .tops
                .iter()
                .map(|&t| table.schools[t].id.clone())
                .filter(|id| !split.contains(id))
                .collect();
            if tops.is_empty() {
                continue;
            }
            let why = rules::proofs::gateway_reason(&g, &|u| planning.describe(table, u));
            split.extend(tops.iter().cloned());
            record.push(crate::plan_file::GatewaySplit { tops, why });
        }
        if record.len() == before {
            break;
        }
        planning.split_pathways(table, &split);
        *p = solver_problem(planning);
    }
    if let Some(f) = &mut planning.feeder {
        // The summary's `split` is what the scenario asked for; these are listed apart, with their reason.
        f.pathways
            .summary
            .split
            .retain(|id| scenario.pathways.split.contains(id));
        f.pathways.summary.split_at_gateways = record;
    }
    planning
        .feeder
        .as_ref()
        .is_some_and(|f| !f.pathways.summary.split_at_gateways.is_empty())
}

/// The solver's priced links with every link across a soft barrier added: keeping one inside a network
/// costs `price` km² (a negative weight, [`solver::Links`]); the feeder links keep their price.
fn crossing_prices(links: &solver::Links, planning: &PlanningUnits, price: f64) -> solver::Links {
    let unit_of = |campus: usize| planning.unit_of_campus(campus);
    let feeder = links.of_unit.iter().enumerate().flat_map(|(u, l)| {
        l.iter()
            .filter(move |&&(v, _)| u < v)
            .map(move |&(v, w)| (u, v, w * links.cost))
    });
    let crossings = planning
        .campus_adjacency
        .barrier_links
        .iter()
        .map(|l| (unit_of(l.units.0), unit_of(l.units.1), -price));
    solver::Links::weighted(planning.units().len(), feeder.chain(crossings), 1.0)
}

/// Proofs that the pockets hard barriers close cannot share out the plan's networks: each network is one
/// piece of the graph, so a pocket holds a whole number of networks within the bands
/// ([`solver::pockets`]). A pocket that holds none is named by its schools and the barriers around it;
/// pockets whose numbers cannot add up to the plan's are counted.
fn pocket_proofs(
    barriers: &Barriers,
    table: &SchoolTable,
    planning: &PlanningUnits,
    p: &Problem,
    scenario: &Scenario,
) -> Vec<crate::error::Proof> {
    use crate::error::{Amount, Proof, Setting};
    use crate::text::{count, thousands};
    use solver::pockets::{self, Shortfall};
    let found = pockets::pockets(p);
    if found.len() < 2 {
        return Vec::new();
    }
    let shortfall = match pockets::share(&found, p.k) {
        Ok(_) => return Vec::new(),
        Err(s) => s,
    };
    let soft = Setting::new(
        "barrier_price_km2",
        SUGGESTED_BARRIER_PRICE.to_string(),
        format!("--barrier-price {SUGGESTED_BARRIER_PRICE}: soft barriers, which a network may cross at that many km² of compactness a link; the report lists every crossing"),
    );
    // Students and schools are whole numbers, so the bands are read inward, as the rules print them.
    let whole = |(lo, hi): (f64, f64)| ((lo - 1e-9).ceil(), (hi + 1e-9).floor());
    let (lo, hi) = whole(pockets::band(&p.limits, solver::Column::Enrollment));
    let (min_s, max_s) = whole(pockets::band(&p.limits, solver::Column::Schools));
    let band = format!(
        "a network holds {} to {} students and {} to {} schools",
        thousands(lo),
        thousands(hi),
        thousands(min_s),
        thousands(max_s)
    );
    match shortfall {
        Shortfall::Count { fewest, most } => {
            let nearest = if p.k < fewest { fewest } else { most };
            vec![Proof {
                rule: "enrollment_band".into(),
                settings: vec!["barriers".into(), "networks".into()],
                need: Amount::new(p.k as f64, "networks"),
                have: Amount::new(nearest as f64, "networks"),
                reason: format!(
                    "the barriers of {} close {} pockets; {band}, so together they hold {} to {} networks, not {}, and no network crosses a hard barrier.",
                    barriers.source,
                    found.len(),
                    fewest,
                    most,
                    p.k
                ),
                // (Another network count moves the band too, so no count is offered unchecked.)
                nearest: vec![soft],
            }]
        }
        Shortfall::Pocket(i) => {
            let pocket = &found[i];
            let inside: std::collections::BTreeSet<usize> = pocket.units.iter().copied().collect();
            let unit_of = |campus: usize| planning.unit_of_campus(campus);
            let mut schools: Vec<usize> = planning
                .campuses
                .units
                .iter()
                .enumerate()
                .filter(|&(c, _)| inside.contains(&unit_of(c)))
                .flat_map(|(_, u)| u.schools.iter().copied())
                .collect();
            schools.sort_by_key(|&i| (std::cmp::Reverse(table.schools[i].enrollment), i));
            let named: Vec<&str> = schools
                .iter()
                .map(|&i| table.schools[i].name.as_str())
                .collect();
            let mut around: Vec<&str> = planning
                .campus_adjacency
                .barrier_links
                .iter()
                .filter(|l| {
                    inside.contains(&unit_of(l.units.0)) != inside.contains(&unit_of(l.units.1))
                })
                .map(|l| barriers.lines[l.barrier].name.as_str())
                .collect();
            around.sort_unstable();
            around.dedup();
            let quoted: Vec<String> = around.iter().map(|n| format!("\"{n}\"")).collect();
            let behind = crate::text::first_of(&quoted, 6);
            let e = pocket.enrollment;
            // Networks by students: m hold at most m·hi, m + 1 need at least (m + 1)·lo.
            let m = (e / lo).floor().max(0.0);
            let by_students = m * hi < e && (m + 1.0) * lo > e;
            // What every network must have (high schools, middle schools, models) caps the networks.
            let most = solver::pockets::most_by_coverage(p, &pocket.units);
            let need = (e / hi).ceil().max(1.0);
            let why = if by_students {
                format!(
                    "{} {} at most {} students and {} need at least {}",
                    count(m as u32, "networks"),
                    if m == 1.0 { "holds" } else { "hold" },
                    thousands(m * hi),
                    m + 1.0,
                    thousands((m + 1.0) * lo)
                )
            } else if most < need {
                format!(
                    "its students need at least {} and it has the high schools, middle schools and school models every network must have for {}",
                    count(need, "networks"),
                    if most <= 0.0 {
                        "none".to_string()
                    } else {
                        format!("at most {}", count(most, "networks"))
                    }
                )
            } else {
                // Students allow some whole numbers of networks; its schools allow none, or none of those.
                let schools = f64::from(pocket.schools);
                let by_schools = (
                    (schools / max_s).ceil().max(1.0),
                    if min_s > 0.0 {
                        (schools / min_s).floor()
                    } else {
                        f64::INFINITY
                    },
                );
                let range = |(a, b): (f64, f64)| {
                    if a == b {
                        format!("{a}")
                    } else if b.is_finite() {
                        format!("{a} to {b}")
                    } else {
                        format!("{a} or more")
                    }
                };
                if by_schools.0 > by_schools.1 {
                    format!(
                        "its {} schools make no whole number of networks of {} to {} schools",
                        thousands(schools),
                        thousands(min_s),
                        thousands(max_s)
                    )
                } else {
                    format!(
                        "by its students it holds {} networks and by its {} schools {}, and no number is both",
                        range(((e / hi).ceil().max(1.0), (e / lo).floor())),
                        thousands(schools),
                        range(by_schools)
                    )
                }
            };
            // The narrowest band (share of the mean) in which this pocket holds a whole number of networks.
            let mean = p.mean_enrollment();
            let widest = (1..=p.k)
                .map(|m| (e / (m as f64 * mean) - 1.0).abs())
                .fold(f64::INFINITY, f64::min);
            let mut nearest = vec![soft];
            if by_students && widest.is_finite() && widest > scenario.size.enrollment_tolerance {
                let t = (widest * 1000.0).ceil() / 1000.0;
                nearest.push(Setting::new(
                    "size.enrollment_tolerance",
                    format!("{t:.3}"),
                    format!("--tolerance {t:.3}, for this pocket alone"),
                ));
            }
            let (rule, setting, need, have) = if by_students {
                (
                    "enrollment_band",
                    "size.enrollment_tolerance",
                    Amount::new((m + 1.0) * lo, "students for a whole number of networks"),
                    Amount::new(e, "students in the pocket"),
                )
            } else {
                (
                    "schools_per_network",
                    "size.min_schools",
                    Amount::new(min_s, "schools a network needs at least"),
                    Amount::new(f64::from(pocket.schools), "schools in the pocket"),
                )
            };
            vec![Proof {
                rule: rule.into(),
                settings: vec!["barriers".into(), setting.into()],
                need,
                have,
                reason: format!(
                    "the barriers of {} close a pocket of {} and {} students ({}) behind {behind}; {band}, so {why}, and no network crosses a hard barrier.",
                    barriers.source,
                    count(schools.len() as u32, "schools"),
                    thousands(e),
                    crate::text::first_of(&named, 3),
                ),
                nearest,
            }]
        }
    }
}

/// The price per crossing that proofs and messages suggest for soft barriers, km².
pub const SUGGESTED_BARRIER_PRICE: f64 = 25.0;

/// Which side of the barriers each unit is on: the pockets of the graph (its connected pieces once hard
/// barriers have dropped their links and closed their gates). Units in different pockets share no network;
/// a pocket too small to be a network was joined to its neighbour, so its units may.
fn barrier_sides(adjacency: &Adjacency) -> Vec<usize> {
    let n = adjacency.graph.len();
    let mut side = vec![0; n];
    for (i, piece) in adjacency
        .graph
        .components(&vec![true; n])
        .iter()
        .enumerate()
    {
        for &u in piece {
            side[u] = i;
        }
    }
    side
}

impl Prepared {
    /// Each network's figures and the check of every rule (with `pathways_whole` in feeder mode, and the
    /// pins) for a school → network assignment, networks named `ids`.
    pub(crate) fn measure(
        &self,
        table: &SchoolTable,
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
            &self.rules.district,
        );
        let totals = self.rules.network_totals(table, school_network, ids.len());
        let connected: Vec<bool> = networks.iter().map(|n| n.connected).collect();
        let pins = self.pinned.as_ref().map(|pinned| {
            let held = crate::pins::held(&pinned.labels, &pinned.of_school, school_network, ids);
            (held.broken, held.failing)
        });
        let measured = Measured {
            ids,
            totals: &totals,
            connected: &connected,
            assigned: school_network.len(),
            schools: table.schools.len(),
            campuses_split: (
                planning.campuses.split(school_network),
                planning.campuses.len(),
            ),
            pathways_split: planning
                .feeder
                .as_ref()
                .map(|f| (f.units.split(school_network), f.units.len())),
            pins,
        };
        (networks, self.rules.check(&measured))
    }
}

/// An existing plan (`start`, named `from` in messages) read onto `prepared`'s table: its network ids,
/// each school's network and each planning unit's. Fails when a school of the table is not in the plan,
/// when the plan's network count is not the scenario's, and when the plan splits a planning unit (a
/// campus, or a pathway in feeder mode), which the editor and the ensemble move whole.
pub(crate) fn adopt(
    prepared: &Prepared,
    table: &SchoolTable,
    scenario: &Scenario,
    start: &PlanFile,
    from: &str,
) -> Result<(Vec<String>, Vec<usize>, Vec<usize>)> {
    let ids: Vec<String> = start.networks.iter().map(|n| n.network.clone()).collect();
    let net: std::collections::BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(c, id)| (id.as_str(), c))
        .collect();
    let mut school_network = Vec::with_capacity(table.schools.len());
    for s in &table.schools {
        let c = start
            .assignment
            .get(&s.id)
            .and_then(|n| net.get(n.as_str()))
            .ok_or_else(|| {
                // The plan and the table do not belong together: an input error (exit 3), as for
                // any plan folder that does not fit what it is given with.
                Error::input(
                    from,
                    None,
                    Some("assignment"),
                    format!("school {} of {} is not in the plan", s.id, table.source),
                    "open the plan with the table it was drawn from (or rebalance it onto this table with `schoolnets rebalance`)",
                )
            })?;
        school_network.push(*c);
    }
    if start.assignment.len() != table.schools.len() {
        return Err(Error::input(
            from,
            None,
            Some("assignment"),
            format!(
                "the plan assigns {} schools but {} has {}: it was drawn from another table",
                start.assignment.len(),
                table.source,
                table.schools.len()
            ),
            "open the plan with the table it was drawn from (or rebalance it onto this table with `schoolnets rebalance`)",
        ));
    }
    if ids.len() != scenario.networks {
        return Err(Error::input(
            from,
            None,
            Some("networks"),
            format!(
                "the plan has {} networks but the scenario asks for {}",
                ids.len(),
                scenario.networks
            ),
            "open it with its own scenario",
        ));
    }
    let planning = prepared.planning.units();
    let mut unit_network = Vec::with_capacity(planning.len());
    for (u, unit) in planning.units.iter().enumerate() {
        let c = school_network[unit.schools[0]];
        if let Some(&j) = unit.schools.iter().find(|&&j| school_network[j] != c) {
            let t = &table.schools;
            return Err(Error::Usage(format!(
                "the plan {from} puts {} ({}) and {} ({}) in different networks, but they are one {} under its scenario and are moved together: open a plan drawn with this scenario",
                t[unit.schools[0]].name,
                ids[c],
                t[j].name,
                ids[school_network[j]],
                if prepared.planning.feeder.is_some() { "feeder pathway" } else { "campus" },
            )));
        }
        debug_assert_eq!(planning.of_school[unit.schools[0]], u);
        unit_network.push(c);
    }
    Ok((ids, school_network, unit_network))
}

/// Makes a plan. Returns `Error::Infeasible` when the scenario cannot hold (arithmetic conflicts), or
/// when the best plan found breaks a constraint and `best_effort` is off.
///
/// Every restart that meets the network rules has its pairs and triangles of networks re-solved
/// ([`solver::pairs::improve`]); they are then ranked again, since the restart that starts best is not
/// always the one that ends best. Support regions are drawn from the finished networks, so the network
/// search cannot see their rules: the restarts are tried best first, each as improved and then as it
/// was before (improving shifts enrollments and can leave no grouping into regions within the bands);
/// the first that keeps every rule wins. When none does, the best restart's plan is returned (with its
/// broken rules).
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
    // (improved, as searched), best improved first.
    let ranked: Vec<(solver::Solution, solver::Solution)> = {
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
        // Improved in parallel, one restart per thread: each is independent and keeps its order, so
        // the plan does not depend on the thread count.
        let mut ranked: Vec<_> = ranked
            .into_par_iter()
            .map(|s| (solver::pairs::improve(p, s.clone(), settings, None), s))
            .collect();
        ranked.sort_by(|(a, _), (b, _)| {
            a.violation
                .total_cmp(&b.violation)
                .then(a.cost.total_cmp(&b.cost))
                .then(a.restart.cmp(&b.restart))
        });
        ranked
    };
    let broken = |r: &Result<Plan>| match r {
        Ok(plan) => !plan.file.all_constraints_hold,
        Err(Error::Infeasible(_)) => true,
        Err(_) => false,
    };
    let mut first: Option<Result<Plan>> = None;
    for (improved, searched) in &ranked {
        // Only restarts that meet every network rule can do better than the best one.
        if first.is_some() && searched.violation > 0.0 {
            break;
        }
        let mut candidates = vec![improved];
        if improved.assignment != searched.assignment && inputs.scenario.regions.is_some() {
            candidates.push(searched);
        }
        for solution in candidates {
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

/// What the planner's steering may have to do with a search that found no plan: the pins and barriers,
/// named first, since they narrow what the search may draw far more than the bands do.
fn steering_hints(
    inputs: &PlanInputs<'_>,
    campus_adjacency: &Adjacency,
    problem: &Problem,
) -> Vec<String> {
    let mut hints = Vec::new();
    if let Some(b) = inputs.barriers {
        let crossing = campus_adjacency.barrier_links.len();
        hints.push(match inputs.scenario.barrier_price_km2 {
            Some(price) => format!(
                "The barriers of {} are soft at {} km² a crossing ({crossing} links cross them): a lower price lets networks cross where balance needs it.",
                b.source,
                crate::text::echo(price)
            ),
            None => {
                let dropped = campus_adjacency
                    .barrier_links
                    .iter()
                    .filter(|l| !l.restored)
                    .count();
                let pockets = match solver::pockets::pockets(problem).len() {
                    1 => "close no pocket apart from the rest".to_string(),
                    n => format!("close {n} pockets, each of which can hold a whole number of networks by its students and schools"),
                };
                format!(
                    "The barriers of {} drop {dropped} links between neighbouring campuses and {pockets}, so nothing is proven, but networks must close at the barriers. Let them cross at a price (--barrier-price {SUGGESTED_BARRIER_PRICE}), or run once without --barriers to see whether they are the cause.",
                    b.source,
                )
            }
        });
    }
    if let Some(p) = inputs.pins {
        let (schools, labels) = (p.rows.len(), p.labels().len());
        hints.push(format!(
            "The pins of {} hold {schools} school{} in {labels} labelled network{}: pinned schools far apart force long, thin networks. Run once without --pins, or with fewer labels, to see whether they are the cause.",
            p.source,
            if schools == 1 { "" } else { "s" },
            if labels == 1 { "" } else { "s" },
        ));
    }
    hints
}

/// Rounds of [`fit_regions`]: each shifts units against the closest grouping the region search finds in
/// the plan the round before.
const FIT_ROUNDS: usize = 3;

/// When a solution meets every network rule but its networks cannot be grouped into regions within the
/// region bands: the solution with a few units shifted so that they can ([`regions::repair_networks`]),
/// then improved again one region at a time (networks of one region re-solved together keep every
/// region's totals). The region search that draws the plan's regions must find the grouping again in the
/// new networks; when it does not in the improved plan, the plan before the improvement is offered, and
/// when it does not there either, the next round repairs against the grouping it finds instead. `None`
/// when the regions already hold or no round makes them.
pub(crate) fn fit_regions(
    inputs: &PlanInputs<'_>,
    prepared: &Prepared,
    solution: &solver::Solution,
    settings: Settings,
) -> Option<solver::Solution> {
    let rules = inputs.scenario.regions.as_ref()?;
    let bands = prepared.rules.region_bands?;
    if solution.violation > 0.0 {
        return None;
    }
    let (p, planning) = (&prepared.problem, &prepared.planning);
    let labelled = |a: &[usize]| school_networks(inputs.table, planning.units(), a, p.k);
    let hold = |s: &solver::Solution| {
        regions::hold(
            &planning.campuses,
            &planning.region_adjacency,
            &labelled(&s.assignment),
            p.k,
            rules.count,
            bands,
            settings,
        )
    };
    let mut current = solution.clone();
    for _ in 0..FIT_ROUNDS {
        let (fitted, region) = regions::repair_networks(
            p,
            &current.assignment,
            planning.units(),
            &planning.campuses,
            &planning.region_adjacency,
            &labelled(&current.assignment),
            rules.count,
            bands,
            settings,
        )?;
        let fitted = solver::Solution::of(
            &solver::state::State::new(p, fitted),
            solution.restart,
            false,
        );
        let improved = solver::pairs::improve(p, fitted.clone(), settings, Some(&region));
        if hold(&improved) {
            return Some(improved);
        }
        if hold(&fitted) {
            return Some(fitted);
        }
        current = fitted;
    }
    None
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
            "no plan meets every rule (all splits of the {} {} were checked); the closest",
            p.units.len(),
            units_word(scenario)
        )
    } else {
        format!(
            "the best plan found after {} restarts",
            scenario.solver.restarts
        )
    };
    match assemble(inputs, &prepared, school_network, ids, &searched, None) {
        Err(Error::Infeasible(mut why)) if solution.exhaustive => {
            why.hints.insert(0, tightest_band_hint(p, scenario));
            Err(Error::Infeasible(why))
        }
        other => other,
    }
}

/// What a district's planning units are, for messages.
fn units_word(scenario: &Scenario) -> &'static str {
    match scenario.mode {
        Mode::Feeder => "planning units (whole pathways, and campuses in none)",
        Mode::Neighborhood => "campuses",
    }
}

/// After an exhaustive search found no plan: the narrowest enrollment band that works with every other
/// rule holding, from the same search, at the scenario's network count and one either side.
fn tightest_band_hint(p: &solver::Problem, scenario: &Scenario) -> String {
    let pct = |f: f64| (f * 1000.0).ceil() / 10.0;
    let k = p.k;
    let counts: Vec<usize> = [k.saturating_sub(1), k + 1]
        .into_iter()
        .filter(|&c| c >= 1 && c <= p.units.len())
        .collect();
    let others: Vec<String> = counts
        .iter()
        .filter_map(|&c| {
            let solver::exact::Searched::Proven(Some(b)) = solver::exact::tightest_band(p, c)
            else {
                return None;
            };
            Some(format!(
                "with {c} networks ±{}% (`--networks {c}{}`)",
                pct(b),
                if b > scenario.size.enrollment_tolerance {
                    format!(" --tolerance {:.3}", pct(b) / 100.0)
                } else {
                    String::new()
                }
            ))
        })
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!("; {}", crate::text::and_list(&others))
    };
    match solver::exact::tightest_band(p, k) {
        solver::exact::Searched::TooLarge => format!(
            "Finding the narrowest enrollment band that works would take a longer search than the one that proved this band impossible{others}."
        ),
        solver::exact::Searched::Proven(Some(b)) => format!(
            "The same search gives the narrowest enrollment band that works with every other rule holding: ±{}% of the mean with {k} networks (`--tolerance {:.3}`){others}.",
            pct(b),
            pct(b) / 100.0
        ),
        solver::exact::Searched::Proven(None) => format!(
            "No split of the {} {} into {k} networks meets the other rules, whatever the enrollment band: the band is not what stands in the way{others}.",
            p.units.len(),
            units_word(scenario)
        ),
    }
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
    let (mut networks, mut constraints) = prepared.measure(table, &school_network, &ids);
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
    // A pinned label names the network that holds it (and no other network keeps that name); an adopted
    // plan's names stand (`rebalance` binds a label to the network of that name and refuses others).
    let pins = match (inputs.pins, &prepared.pinned) {
        (Some(pins), Some(pinned)) => {
            let groups =
                crate::pins::held(&pinned.labels, &pinned.of_school, &school_network, &ids).groups;
            for g in groups.iter().filter(|_| adopted.is_none()) {
                for name in kept.iter_mut() {
                    if name.as_deref() == Some(g.label.as_str()) {
                        *name = None;
                    }
                }
            }
            for g in groups.iter().filter(|_| adopted.is_none()) {
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
    let (planning, district) = (&prepared.planning, &prepared.rules.district);
    let settings: Settings = (&scenario.solver).into();
    let regions = scenario
        .regions
        .as_ref()
        .zip(prepared.rules.region_bands)
        .map(|(rules, bands)| {
            let kept = adopted.and_then(|a| adopted_regions(a, &networks, rules.count));
            let regions = regions::draw(
                &planning.campuses,
                &planning.region_adjacency,
                &school_network,
                &networks,
                rules.count,
                bands,
                settings,
                kept.as_deref(),
            );
            constraints.extend(prepared.rules.check_regions(&regions.regions));
            for (m, &r) in networks.iter_mut().zip(&regions.of_network) {
                m.region = Some(regions.regions[r].region.clone());
            }
            regions
        });
    let source = &inputs.scenario_source;
    let affiliations = prepared
        .affiliations
        .iter()
        .map(|f| f.in_plan(&school_network, &ids))
        .collect();
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
        return Err(Error::Infeasible(Box::new(Infeasible {
            broken: rules::broken(&constraints),
            searched: searched.to_string(),
            hints: steering_hints(inputs, &planning.campus_adjacency, &prepared.problem)
                .into_iter()
                .chain(["Try a wider band (--tolerance), other school-count bounds, more restarts, or --best-effort to write this plan with its violations listed.".to_string()])
                .collect(),
            ..Infeasible::default()
        })));
    }
    let assignment = table
        .schools
        .iter()
        .zip(&school_network)
        .map(|(s, &c)| (s.id.clone(), ids[c].clone()))
        .collect();
    let outlook = inputs.forecast.map(|f| {
        let of: Vec<Option<usize>> = school_network.iter().map(|&c| Some(c)).collect();
        let names: Vec<String> = networks.iter().map(|n| n.name.clone()).collect();
        crate::forecast::outlook(
            f,
            &of,
            &ids,
            &names,
            scenario.size.enrollment_tolerance,
            inputs.history,
            table,
        )
    });
    let file = PlanFile {
        version: crate::plan_file::VERSION,
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
            let network_of = |campus: usize| {
                ids[school_network[planning.campuses.units[campus].schools[0]]].clone()
            };
            barriers_record(
                b,
                table,
                &planning.campuses,
                &planning.campus_adjacency,
                inputs.outline,
                scenario.barrier_price_km2,
                &network_of,
            )
        }),
        edits: None,
        outlook,
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
    price_km2: Option<f64>,
    network_of: &dyn Fn(usize) -> String,
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
            crossed_by: {
                let (a, b) = (network_of(l.units.0), network_of(l.units.1));
                (l.restored && a == b).then_some(a)
            },
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
        price_km2,
        links,
        warnings,
    }
}

/// SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
