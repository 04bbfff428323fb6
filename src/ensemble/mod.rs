//! Ensembles: many plans that meet every rule of a plan's scenario, drawn by Markov chains, and where the
//! plan falls among them.
//!
//! A committee that adopts a plan is asked whether a fairer one could have been drawn under the same rules,
//! and why two schools are together. [`run`] answers both: it starts [`chain`]s from the plan, each a
//! Metropolis-Hastings chain over the plan's planning units whose every state meets every hard rule (the
//! solver's problem: its bounded terms, connectivity, whole campuses or pathways, pins and barriers), and
//! whose stationary distribution is stated and tested ([`chain`]'s notes). From the draws it measures each
//! figure the report prints ([`figures`]: with the same `metrics` functions), where the plan falls among them
//! ([`stats::percentile`]), whether the chains agree ([`stats::rhat`], [`stats::ess`]) and how often each
//! pair of neighbouring campuses shares a network (boundary firmness).
//!
//! **Comparable plans only.** An unrestricted ensemble is dominated by sprawling plans, and any optimised
//! plan then looks like an outlier. The chain keeps to plans at most [`Options::slack_pct`] percent less
//! compact than the plan (by the solver's compactness); [`DEFAULT_SLACK_PCT`] says why 10.

pub mod chain;
pub mod figures;
pub mod forest;
pub mod stats;

use crate::error::{Error, Result};
use crate::plan_file::{ConstraintCheck, PlanFile};
use crate::plans::{self, PlanInputs};
use crate::seeds;
use chain::{Chain, Counts, Settings, Space, Unfit};
use figures::Figure;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Default restriction: plans at most 10% less compact than the plan. Ten percent is wider than the
/// spread between the solver's own plans from different seeds on LAUSD (README, "Ensembles"), which a
/// planner would all call optimised, so every plan the solver might have drawn is inside, and narrow
/// enough that the networks still look like neighbourhoods.
pub const DEFAULT_SLACK_PCT: f64 = 10.0;

/// Most proposals a run takes (about a day on 2 cores with every rule).
pub const MAX_PROPOSALS: u64 = 1_000_000_000;

/// Widest restriction, percent: a million percent is no restriction in practice.
pub const MAX_SLACK_PCT: f64 = 1_000_000.0;

/// Default share of single-unit flips among the proposals.
pub const DEFAULT_FLIP_SHARE: f64 = 0.2;

/// How an ensemble is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Independent chains (run in parallel).
    pub chains: usize,
    /// Proposals in all, shared equally by the chains.
    pub proposals: u64,
    /// Base seed: chain `i` draws from stream `i` of it.
    pub seed: u64,
    /// Plans may be at most this many percent less compact than the plan.
    pub slack_pct: f64,
    /// Share of proposals that are single-unit flips.
    pub flip_share: f64,
    /// Share of each chain's proposals discarded at its start (warm-up).
    pub warmup: f64,
    /// Draws kept per chain (evenly spaced after warm-up).
    pub draws_per_chain: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            chains: 4,
            proposals: 100_000,
            seed: 2018,
            slack_pct: DEFAULT_SLACK_PCT,
            flip_share: DEFAULT_FLIP_SHARE,
            warmup: 0.2,
            draws_per_chain: 500,
        }
    }
}

/// One figure over the ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureDraws {
    pub figure: Figure,
    /// The plan's value.
    pub plan: Option<f64>,
    /// Each chain's draws, in order.
    pub chains: Vec<Vec<f64>>,
}

impl FigureDraws {
    /// Every draw, chain after chain.
    pub fn all(&self) -> Vec<f64> {
        self.chains.iter().flatten().copied().collect()
    }

    /// Percentage of the draws below the plan's value (ties half).
    pub fn percentile(&self) -> Option<f64> {
        self.plan.map(|v| stats::percentile(&self.all(), v))
    }

    pub fn rhat(&self) -> Option<f64> {
        stats::rhat(&self.chains)
    }

    pub fn ess(&self) -> Option<f64> {
        stats::ess(&self.chains)
    }
}

/// How often two campuses share a network across the draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    /// The two campuses (indexes of the plan's campuses, a < b).
    pub a: usize,
    pub b: usize,
    /// Neighbours on the campus graph.
    pub neighbours: bool,
    /// In one network in the plan.
    pub together_in_plan: bool,
    /// Draws in which they share a network.
    pub together: u64,
}

/// An ensemble of a plan.
pub struct Ensemble {
    pub options: Options,
    /// The restriction: largest compactness a drawn plan may have (the solver's measure, km²), and the
    /// plan's own.
    pub max_sse: f64,
    pub plan_sse: f64,
    pub counts: Counts,
    /// Seconds the chains took (not the figures after).
    pub seconds: f64,
    pub threads: usize,
    /// Draws kept in all.
    pub draws: u64,
    pub figures: Vec<FigureDraws>,
    /// Pairs of neighbouring campuses, and of campuses together in the plan.
    pub pairings: Vec<Pairing>,
    /// The first school of each campus, and each campus's schools (table rows).
    pub campus_schools: Vec<Vec<usize>>,
    /// Each school's network in the plan.
    pub school_network: Vec<usize>,
    pub ids: Vec<String>,
    /// Rules of the plan's scenario the chain does not keep (region rules), by key.
    pub not_kept: Vec<String>,
    /// Each kept draw's school → network assignment, chain after chain (for re-checking).
    pub assignments: Vec<Vec<u16>>,
    /// Each campus's position (latitude, longitude), for the firmness map.
    pub campus_positions: Vec<[f64; 2]>,
    /// The chains' graph: each planning unit and the links between them (graph.json, for other tools).
    pub graph: UnitGraph,
    /// SHA-256 of the school table the plan was drawn from (as its plan.json records it).
    pub schools_sha256: String,
}

/// The planning units the chains move and their links.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitGraph {
    /// Position in the district's local projection, km.
    pub pos: Vec<[f64; 2]>,
    pub enrollment: Vec<f64>,
    pub schools: Vec<u32>,
    /// Network in the plan.
    pub network: Vec<usize>,
    /// Links (a < b).
    pub links: Vec<(usize, usize)>,
}

/// An ensemble read back from its folder (`folder::read_ensemble`): enough to place any plan of the same
/// district among its draws (`compare --ensemble`, `serve --ensemble`).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The folder, as given.
    pub folder: String,
    /// The plan the chains started from, as ensemble.json names it, and its plan.json's SHA-256 when it
    /// was read from a folder.
    pub from: String,
    pub plan_sha256: Option<String>,
    /// SHA-256 of the school table of the plan the chains started from.
    pub schools_sha256: Option<String>,
    pub slack_pct: f64,
    /// Each figure (key, title, unit) with every draw.
    pub figures: Vec<SummaryFigure>,
    /// firmness.svg, when the folder has it.
    pub firmness_svg: Option<String>,
}

/// Each figure's value for a plan and its percentile among the draws (`None` where it has none).
pub type Placed = Vec<(Option<f64>, Option<f64>)>;

/// One figure of a [`Summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryFigure {
    pub key: String,
    pub title: String,
    /// A short name for narrow tables.
    pub short: String,
    pub unit: String,
    pub draws: Vec<f64>,
}

impl Summary {
    /// Refuses to place a plan of another school table among these draws.
    pub fn check_table(&self, plan: &PlanFile, label: &str) -> Result<()> {
        match &self.schools_sha256 {
            Some(sha) if *sha != plan.input.schools_sha256 => Err(Error::input(
                format!("{}/ensemble.json", self.folder),
                None,
                Some("schools_sha256"),
                format!(
                    "the ensemble was drawn on another school table than {label} ({}): its plans cannot be compared with this one",
                    plan.input.schools_file
                ),
                "give an ensemble of a plan drawn from the same table (`schoolnets ensemble --plan FOLDER`)",
            )),
            _ => Ok(()),
        }
    }

    /// Draws in all.
    pub fn draws(&self) -> usize {
        self.figures.first().map_or(0, |f| f.draws.len())
    }

    /// A plan's value of each figure (from its networks' figures and dissimilarity indexes, as the report
    /// gives them) and where it falls among the draws (percent below, ties half).
    pub fn place(
        &self,
        networks: &[crate::plan_file::NetworkMetrics],
        dissimilarity: &std::collections::BTreeMap<String, f64>,
    ) -> Placed {
        let list = figures::list(dissimilarity);
        self.figures
            .iter()
            .map(|f| {
                let value = list
                    .iter()
                    .find(|g| g.key == f.key)
                    .and_then(|g| g.value(networks, dissimilarity));
                let pct = value
                    .filter(|_| !f.draws.is_empty())
                    .map(|v| stats::percentile(&f.draws, v));
                (value, pct)
            })
            .collect()
    }
}

/// Keys of the rules that hold across networks rather than on each: drawn over the networks afterwards,
/// so the chain does not keep them.
fn region_rule(key: &str) -> bool {
    key.starts_with("region")
}

/// Draws an ensemble of `start` (a plan of `inputs`, named `from` in messages). Fails with a message that
/// says what to do when the plan breaks a rule the chain keeps, or when no chain can move.
pub fn run(
    inputs: &PlanInputs<'_>,
    start: &PlanFile,
    from: &str,
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Ensemble> {
    let (prepared, ids, school_network, unit_network) = start_from(inputs, start, from)?;
    let table = inputs.table;
    let (_, checks) = prepared.measure(table, &school_network, &ids);
    let broken: Vec<&ConstraintCheck> = checks
        .iter()
        .filter(|c| !c.holds && !region_rule(&c.key))
        .collect();
    if !broken.is_empty() {
        return Err(Error::input(
            from,
            None,
            Some("constraints"),
            format!(
                "the plan breaks {} of its own rules ({}); an ensemble draws plans that keep every rule, starting from the plan, so it cannot start from one that breaks them",
                broken.len(),
                broken
                    .iter()
                    .map(|c| crate::rules::title(&c.key))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            "draw the plan again with `schoolnets plan`, or mend it in `schoolnets serve` and save it",
        ));
    }
    let not_kept: Vec<String> = checks
        .iter()
        .filter(|c| region_rule(&c.key))
        .map(|c| c.key.clone())
        .collect();
    check_options(options)?;

    let problem = &prepared.problem;
    let space = Space::new(problem);
    let probe = Chain::new(
        &space,
        unit_network.clone(),
        Settings::new(f64::INFINITY, 0.0),
        0,
    )
    .map_err(|u| unfit(u, &prepared, table, &ids, from))?;
    let plan_sse = probe.sse();
    let max_sse = plan_sse * (1.0 + options.slack_pct / 100.0);
    let settings = Settings::new(max_sse, options.flip_share);

    let per_chain = options.proposals / options.chains as u64;
    let warmup = ((per_chain as f64) * options.warmup).floor() as u64;
    let kept = per_chain - warmup;
    let draws = options.draws_per_chain.min(kept as usize).max(1) as u64;
    let every = (kept / draws).max(1);
    let done = AtomicU64::new(0);
    let of_school = &prepared.planning.units().of_school;
    let clock = std::time::Instant::now();
    let runs: Vec<(Counts, Vec<Vec<u16>>)> = (0..options.chains)
        .into_par_iter()
        .map(|c| {
            let mut chain = Chain::new(
                &space,
                unit_network.clone(),
                settings,
                seeds::derive(options.seed, c),
            )
            .expect("every chain starts from the plan checked above");
            let mut kept_draws = Vec::with_capacity(draws as usize);
            let mut since = 0u64;
            for step in 0..per_chain {
                chain.step();
                if step >= warmup
                    && (step - warmup + 1) % every == 0
                    && (kept_draws.len() as u64) < draws
                {
                    let units = chain.assign();
                    kept_draws.push(of_school.iter().map(|&u| units[u] as u16).collect());
                }
                since += 1;
                if since == 1000 {
                    progress(done.fetch_add(since, Ordering::Relaxed) + since);
                    since = 0;
                }
            }
            progress(done.fetch_add(since, Ordering::Relaxed) + since);
            (chain.counts(), kept_draws)
        })
        .collect();
    let seconds = clock.elapsed().as_secs_f64();
    let mut counts = Counts::default();
    for (c, _) in &runs {
        counts += *c;
    }
    if counts.moved == 0 {
        return Err(Error::Usage(format!(
            "no proposal changed the plan in {} proposals: {}",
            counts.proposals,
            if counts.no_split == counts.merge_splits && counts.merge_splits > 0 {
                "no two neighbouring networks of the plan can be split again any other way within the rules and the restriction; widen the restriction (--slack), loosen the rules, or give more proposals"
            } else {
                "the plan sits where the rules and the restriction leave no room to move; widen the restriction (--slack) or loosen the rules"
            }
        )));
    }

    // Figures of the plan and of every draw, measured as the report measures them.
    let planning = &prepared.planning;
    let measure = |assignment: &[usize]| {
        let (networks, _) = prepared.measure(table, assignment, &ids);
        let dissimilarity = crate::metrics::dissimilarity(table, assignment, ids.len());
        (networks, dissimilarity)
    };
    let (plan_networks, plan_dissimilarity) = measure(&school_network);
    let list = figures::list(&plan_dissimilarity);
    let chain_values: Vec<Vec<Vec<Option<f64>>>> = runs
        .par_iter()
        .map(|(_, draws)| {
            draws
                .par_iter()
                .map(|d| {
                    let a: Vec<usize> = d.iter().map(|&c| usize::from(c)).collect();
                    let (n, dis) = measure(&a);
                    list.iter().map(|f| f.value(&n, &dis)).collect()
                })
                .collect()
        })
        .collect();
    let figures: Vec<FigureDraws> = list
        .iter()
        .enumerate()
        .map(|(i, f)| FigureDraws {
            figure: f.clone(),
            plan: f.value(&plan_networks, &plan_dissimilarity),
            chains: chain_values
                .iter()
                .map(|c| c.iter().filter_map(|v| v[i]).collect())
                .collect(),
        })
        .collect();

    // Pairings: neighbouring campuses, and campuses together in the plan.
    let campuses = &planning.campuses;
    let campus_network: Vec<usize> = campuses
        .units
        .iter()
        .map(|u| school_network[u.schools[0]])
        .collect();
    let mut pairs: Vec<(usize, usize, bool)> = Vec::new();
    let mut neighbour = std::collections::BTreeSet::new();
    for (a, list) in planning.campus_adjacency.graph.iter().enumerate() {
        for &b in list {
            if a < b {
                neighbour.insert((a, b));
            }
        }
    }
    let mut by_network: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (c, &n) in campus_network.iter().enumerate() {
        by_network[n].push(c);
    }
    for m in &by_network {
        for (x, &a) in m.iter().enumerate() {
            for &b in &m[x + 1..] {
                pairs.push((
                    a.min(b),
                    a.max(b),
                    neighbour.contains(&(a.min(b), a.max(b))),
                ));
            }
        }
    }
    for &(a, b) in &neighbour {
        if campus_network[a] != campus_network[b] {
            pairs.push((a, b, true));
        }
    }
    pairs.sort_unstable();
    let first_school: Vec<usize> = campuses.units.iter().map(|u| u.schools[0]).collect();
    let assignments: Vec<Vec<u16>> = runs.into_iter().flat_map(|(_, d)| d).collect();
    let pairings: Vec<Pairing> = pairs
        .par_iter()
        .map(|&(a, b, neighbours)| Pairing {
            a,
            b,
            neighbours,
            together_in_plan: campus_network[a] == campus_network[b],
            together: assignments
                .iter()
                .filter(|d| d[first_school[a]] == d[first_school[b]])
                .count() as u64,
        })
        .collect();
    Ok(Ensemble {
        options: options.clone(),
        max_sse,
        plan_sse,
        counts,
        seconds,
        threads: rayon::current_num_threads(),
        draws: assignments.len() as u64,
        figures,
        pairings,
        campus_schools: campuses.units.iter().map(|u| u.schools.clone()).collect(),
        school_network,
        ids,
        not_kept,
        assignments,
        campus_positions: campuses.units.iter().map(|u| [u.lat, u.lon]).collect(),
        schools_sha256: start.input.schools_sha256.clone(),
        graph: UnitGraph {
            pos: problem.units.iter().map(|u| u.pos).collect(),
            enrollment: problem.units.iter().map(|u| u.enrollment).collect(),
            schools: problem.units.iter().map(|u| u.schools).collect(),
            network: unit_network,
            links: problem
                .neighbors
                .iter()
                .enumerate()
                .flat_map(|(a, l)| l.iter().filter(move |&&b| a < b).map(move |&b| (a, b)))
                .collect(),
        },
    })
}

/// Refuses options no chain can run with.
fn check_options(o: &Options) -> Result<()> {
    if o.chains == 0 || o.chains > 1024 {
        return Err(Error::Usage(format!(
            "--chains {} is not between 1 and 1,024",
            o.chains
        )));
    }
    if o.proposals > MAX_PROPOSALS {
        return Err(Error::Usage(format!(
            "--proposals {} is more than {} (about a day on 2 cores); give fewer",
            o.proposals,
            crate::text::thousands(MAX_PROPOSALS as f64)
        )));
    }
    if o.proposals < 10 * o.chains as u64 {
        return Err(Error::Usage(format!(
            "--proposals {} gives each of {} chains fewer than 10 proposals; give at least {}",
            o.proposals,
            o.chains,
            10 * o.chains
        )));
    }
    if !(o.slack_pct.is_finite() && (0.0..=MAX_SLACK_PCT).contains(&o.slack_pct)) {
        return Err(Error::Usage(format!(
            "--slack {} is not a percentage of 0 or more (10 keeps plans at most 10% less compact than the plan)",
            o.slack_pct
        )));
    }
    if !(0.0..=1.0).contains(&o.flip_share) {
        return Err(Error::Usage(format!(
            "--flip-share {} is not between 0 and 1",
            o.flip_share
        )));
    }
    Ok(())
}

/// Words for a plan no chain can start from.
fn unfit(
    u: Unfit,
    prepared: &plans::Prepared,
    table: &crate::schools::SchoolTable,
    ids: &[String],
    from: &str,
) -> Error {
    let what = match u {
        Unfit::OneNetwork => "it has one network, so there is nothing to redraw".to_string(),
        Unfit::Broken(c) => format!("network {} breaks a rule", ids[c]),
        Unfit::Disconnected(c) => format!(
            "network {} is not one connected piece of neighbouring campuses, and every plan the chain draws is",
            ids[c]
        ),
        Unfit::Pin(u) => format!("{} is outside its pinned network", prepared.planning.describe(table, u)),
        Unfit::OverCap { .. } => "it is outside its own restriction".to_string(),
    };
    Error::Usage(format!("an ensemble cannot start from {from}: {what}"))
}

/// Re-checks every draw with the rule set, school by school, as plan.json's checks are made (not with
/// the chain's own bookkeeping): every rule's check of each draw, region rules included.
pub fn recheck(
    inputs: &PlanInputs<'_>,
    start: &PlanFile,
    ensemble: &Ensemble,
) -> Result<Vec<Vec<ConstraintCheck>>> {
    let (prepared, ..) = start_from(inputs, start, "the plan")?;
    Ok(ensemble
        .assignments
        .iter()
        .map(|d| {
            let a: Vec<usize> = d.iter().map(|&c| usize::from(c)).collect();
            prepared.measure(inputs.table, &a, &ensemble.ids).1
        })
        .collect())
}

/// What a chain starts from: the prepared problem, the network ids, each school's and each planning unit's
/// network.
type Start = (plans::Prepared, Vec<String>, Vec<usize>, Vec<usize>);

/// The plan's problem (its rules on its table, broken rules shown rather than refused), its network ids,
/// each school's and each planning unit's network, with each pin label bound to the network that holds
/// its schools in the plan.
fn start_from(inputs: &PlanInputs<'_>, start: &PlanFile, from: &str) -> Result<Start> {
    let inputs = PlanInputs {
        best_effort: true,
        ..inputs.clone()
    };
    let mut prepared = plans::prepare(&inputs)?;
    let (ids, school_network, unit_network) =
        plans::adopt(&prepared, inputs.table, inputs.scenario, start, from)?;
    if ids.len() > usize::from(u16::MAX) {
        return Err(Error::Usage(format!(
            "{from} has {} networks; an ensemble takes at most {}",
            ids.len(),
            u16::MAX
        )));
    }
    if let Some(pinned) = &prepared.pinned {
        let mut network = vec![None; pinned.labels.len()];
        for (u, l) in pinned.of_unit.iter().enumerate() {
            if let Some(l) = l {
                network[*l].get_or_insert(unit_network[u]);
            }
        }
        prepared.bind_pins(&network);
    }
    Ok((prepared, ids, school_network, unit_network))
}
