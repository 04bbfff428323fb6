//! Editing a plan by hand, as a planning committee does in a meeting: move a school (with its campus, or in
//! feeder mode its pathway: whatever the scenario keeps whole) to another network, and see every rule
//! re-checked at once; undo and redo; lock schools or whole networks and let the solver re-draw the rest.
//!
//! Every check is the one `plan` makes: each change re-assembles the plan with [`plans::assemble`] (figures,
//! rules, names, regions, affiliations, staffing), so an edited plan is a plan like any other, and saving it
//! writes the same files. No I/O here: `schoolnets serve` (`src/cli/serve.rs`) puts it behind HTTP.

use crate::error::Result;
use crate::plan_file::{ConstraintCheck, NetworkMetrics, PlanFile};
use crate::plans::{self, Plan, PlanInputs, Prepared};
use crate::solver::{self, Move, Partition, Settings};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Why an edit was refused; the server turns each kind into its HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// No such school or network (404).
    Unknown(String),
    /// The request makes no sense in this state: nothing to undo, no proposal to accept (409).
    Conflict(String),
    /// What the request gives cannot be used: a barrier of one point, or outside the district (400).
    Invalid(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unknown(m) | Refused::Conflict(m) | Refused::Invalid(m) => f.write_str(m),
        }
    }
}

use crate::barriers::{Barrier, Barriers};
pub use crate::plan_file::{DrawnBarrier, EditChange as Change, EditStep as Step, EditsRecord};

/// Longest name of a barrier drawn in the editor, in characters.
pub const MAX_BARRIER_NAME: usize = 80;

/// The solver's proposal after "re-optimise the rest": not applied until accepted. A proposal that would
/// break a rule holding now is never offered: it is `rejected`, with no changes, and says why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub changes: Vec<Change>,
    /// Whether every rule holds in the proposed plan, and the rules it breaks in words.
    pub all_hold: bool,
    pub broken: Vec<String>,
    /// The keys of the rules it breaks (for scripts; the page shows `broken`).
    pub broken_keys: Vec<String>,
    /// Rules broken now that the proposal restores (titles).
    pub restored: Vec<String>,
    /// Rules holding now that the solver's plan would break, in words: when any, the proposal is rejected.
    pub newly_broken: Vec<String>,
    /// The solver's plan would break a rule that holds now, so nothing is offered.
    pub rejected: bool,
    /// Whether accepting makes the plan better: it restores a broken rule (or, every rule holding, is more
    /// compact) and breaks none.
    pub improves: bool,
    /// The proposal in words, for the page.
    pub said: String,
    pub compactness_km2: f64,
    #[serde(skip)]
    school_network: Vec<usize>,
}

/// A saved draft: the steps made and the locks, replayed on the same starting plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// What the edits started from (the same text as [`EditsRecord::from`]).
    pub from: String,
    /// SHA-256 of the starting plan (its plan.json as the editor holds it): a draft belongs to the plan it
    /// edits, whatever folder it is saved into. Empty in drafts written before it was recorded.
    #[serde(default)]
    pub plan_sha256: String,
    pub steps: Vec<Step>,
    pub locked_schools: Vec<String>,
}

/// What the page shows: the plan as it stands, with what changed and what can be done.
#[derive(Debug, Clone, Serialize)]
pub struct View<'a> {
    /// The scenario's name, with "(edited)" once the plan differs from the starting plan.
    pub title: String,
    /// Whether the plan differs from the starting plan (undoing back to the start makes it false again).
    pub edited: bool,
    /// The last action in words ("Moved Vista Middle from N05 Crenshaw to N09 Venice"); empty at the start.
    pub said: String,
    /// The rules in words: "every rule holds", or "2 rules broken: ..." with each broken rule.
    pub rules_said: String,
    /// Each broken rule in plain words: "Enrollment within the band around the mean (N05): short by 1,234
    /// students".
    pub broken: Vec<String>,
    /// Each network that breaks a rule, with the titles of the rules it breaks (networks in id order).
    pub network_breaks: BTreeMap<String, Vec<String>>,
    pub all_hold: bool,
    pub compactness_km2: f64,
    pub mean_enrollment: f64,
    pub rules: Vec<RuleView<'a>>,
    pub networks: &'a [NetworkMetrics],
    /// Networks the last step changed (ids).
    pub changed: Vec<String>,
    pub locked_networks: Vec<String>,
    pub locked_schools: Vec<String>,
    pub steps: Vec<&'a Step>,
    pub can_undo: bool,
    pub can_redo: bool,
    pub proposal: Option<&'a Proposal>,
    /// Networks whose support region the last step (or undo, or redo) changed ("N03: R1 → R2").
    pub region_changes: &'a [String],
    /// What the start is: the plan editing started from, as it was opened.
    pub start: &'a str,
    /// Every school in another network than at the start, net of steps undone or moved back, in table
    /// order: from its network at the start to its network now.
    pub since_start: Vec<Change>,
}

/// One rule as the page shows it: the check, its short title and its margin in words.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView<'a> {
    #[serde(flatten)]
    pub check: &'a ConstraintCheck,
    /// "Enrollment within the band around the mean".
    pub title: String,
    /// "over by 886 students", "4 schools to spare".
    pub words: String,
}

/// A school's place in the plan, for the page's edit panel.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolView {
    pub id: String,
    pub name: String,
    /// "elementary", "middle", "high", "span" or "other".
    pub level: String,
    pub enrollment: u32,
    pub network: String,
    /// The network's id and name ("N05 Crenshaw").
    pub network_title: String,
    /// The schools that move with it (its campus, or its pathway), itself included.
    pub moves_with: Vec<String>,
    /// The same schools with their names, levels and enrollments, for the page.
    pub moves_with_schools: Vec<SchoolBrief>,
    /// Networks it could join: those of its unit's neighbours (a move elsewhere splits the network).
    pub neighbouring_networks: Vec<String>,
    pub locked: bool,
}

/// A school in a line of the page: its id, name, level and enrollment.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolBrief {
    pub id: String,
    pub name: String,
    pub level: String,
    pub enrollment: u32,
}

/// An editing session on one plan.
pub struct Editor<'a> {
    inputs: PlanInputs<'a>,
    prepared: Prepared,
    from: String,
    ids: Vec<String>,
    /// The planning units' networks, with running totals: every step is a list of moves made on it.
    partition: Partition,
    /// Each school's network (follows `partition`).
    school_network: Vec<usize>,
    /// Each school's network in the starting plan: the plan is edited while it differs.
    start_network: Vec<usize>,
    /// The last action in words.
    said: String,
    plan: Plan,
    done: Vec<Step>,
    undone: Vec<Step>,
    /// Each planning unit's lock: a locked unit is kept in the network it is in as the plan stands, so
    /// that undoing a move of a locked school takes its lock back with it.
    locks: Vec<bool>,
    proposal: Option<Proposal>,
    /// SHA-256 of the starting plan as JSON: what a draft is made on.
    start_sha256: String,
    /// The plan editing started from: every step's regions and names are drawn from it, so the plan after
    /// any steps depends only on the schools' networks, and undo gives back exactly the plan before.
    start: PlanFile,
    /// Networks whose support region the last step changed, in words ("N03: R1 → R2").
    region_changes: Vec<String>,
    changed: Vec<usize>,
    /// School id → index in the table.
    index: HashMap<&'a str, usize>,
    /// The barriers drawn in the editor by the steps kept, in the order drawn.
    drawn: Vec<Barrier>,
    /// The plan's own barriers and those drawn, indexed (what the plan is checked with); `None` while
    /// none is drawn (the plan's own, `inputs.barriers`, stand).
    barriers: Option<Barriers>,
}

impl<'a> Editor<'a> {
    /// Opens `start` (a plan of `inputs`' table, drawn with its scenario) for editing; `from` names it in
    /// plan.json. Rules that break are shown, never refused, so the inputs are used with `--best-effort`.
    pub fn new(inputs: PlanInputs<'a>, start: &PlanFile, from: &str) -> Result<Editor<'a>> {
        let inputs = PlanInputs {
            best_effort: true,
            ..inputs
        };
        let prepared = plans::prepare(&inputs)?;
        let (ids, school_network, unit_network) =
            plans::adopt(&prepared, inputs.table, inputs.scenario, start, from)?;
        let index = inputs.table.index();
        let units = unit_network.len();
        let partition = Partition::new(&prepared.problem, unit_network);
        let plan = plans::assemble(
            &inputs,
            &prepared,
            school_network.clone(),
            ids.clone(),
            "the plan as edited",
            Some(start),
        )?;
        Ok(Editor {
            inputs,
            prepared,
            from: from.to_string(),
            ids,
            partition,
            start_network: school_network.clone(),
            school_network,
            said: String::new(),
            plan,
            done: Vec::new(),
            undone: Vec::new(),
            locks: vec![false; units],
            proposal: None,
            start_sha256: plans::sha256_hex(&serde_json::to_vec(start).unwrap_or_default()),
            start: start.clone(),
            region_changes: Vec::new(),
            changed: Vec::new(),
            index,
            drawn: Vec::new(),
            barriers: None,
        })
    }

    /// The plan's inputs with the barriers as they stand: the plan's own and those drawn in the editor.
    fn plan_inputs(&self) -> PlanInputs<'_> {
        PlanInputs {
            barriers: self.barriers.as_ref().or(self.inputs.barriers),
            ..self.inputs.clone()
        }
    }

    /// The plan as it stands.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// What the page shows.
    pub fn view(&self) -> View<'_> {
        let f = &self.plan.file;
        let units = self.prepared.planning.units();
        let mut locked_networks = Vec::new();
        for (c, id) in self.ids.iter().enumerate() {
            let members: Vec<usize> = (0..units.len())
                .filter(|&u| self.unit_network(u) == c)
                .collect();
            if !members.is_empty() && members.iter().all(|&u| self.locks[u]) {
                locked_networks.push(id.clone());
            }
        }
        let edited = self.school_network != self.start_network;
        let broken = self.broken_in_words();
        let rules_said = if broken.is_empty() {
            "every rule holds".to_string()
        } else {
            format!(
                "{} broken: {}",
                crate::text::count(broken.len() as f64, "rules"),
                broken.join("; ")
            )
        };
        let mut network_breaks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in f.constraints.iter().filter(|c| !c.holds) {
            for n in &c.failing_networks {
                network_breaks
                    .entry(n.clone())
                    .or_default()
                    .push(rule_title(c));
            }
        }
        View {
            title: if edited {
                format!("{} (edited)", f.scenario.name)
            } else {
                f.scenario.name.clone()
            },
            edited,
            said: self.said.clone(),
            rules_said,
            broken,
            network_breaks,
            all_hold: f.all_constraints_hold,
            compactness_km2: f.compactness_km2,
            mean_enrollment: f.input.enrollment as f64 / self.ids.len() as f64,
            rules: f
                .constraints
                .iter()
                .map(|c| RuleView {
                    check: c,
                    title: rule_title(c),
                    words: crate::rules::words(c),
                })
                .collect(),
            networks: &f.networks,
            changed: self.changed.iter().map(|&c| self.ids[c].clone()).collect(),
            locked_networks,
            locked_schools: self.locked_schools(),
            steps: self.done.iter().collect(),
            can_undo: !self.done.is_empty(),
            can_redo: !self.undone.is_empty(),
            proposal: self.proposal.as_ref(),
            region_changes: &self.region_changes,
            start: &self.from,
            since_start: self.since_start(),
        }
    }

    /// Every school in another network than at the start (net of undos and of moves back), in table order.
    pub fn since_start(&self) -> Vec<Change> {
        self.inputs
            .table
            .schools
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.school_network[i] != self.start_network[i])
            .map(|(i, s)| Change {
                school_id: s.id.clone(),
                school_name: s.name.clone(),
                from: self.ids[self.start_network[i]].clone(),
                to: self.ids[self.school_network[i]].clone(),
            })
            .collect()
    }

    /// Each broken rule in plain words: its title, the networks that break it and its margin
    /// ("Enrollment within the band around the mean (N05): short by 1,234 students").
    pub fn broken_in_words(&self) -> Vec<String> {
        broken_words(self.plan.file.constraints.iter())
    }

    /// A network's id and name, "N05 Crenshaw" (the id alone when the plan has no names).
    pub fn network_title(&self, id: &str) -> String {
        self.plan
            .file
            .networks
            .iter()
            .find(|n| n.network == id)
            .map_or_else(|| id.to_string(), |n| n.title())
    }

    /// Says what the last action was, for an action the editor does not make itself (a save, a second
    /// plan opened): shown with the rules' state.
    pub fn say(&mut self, what: impl Into<String>) {
        self.said = what.into();
    }

    /// A step in words, made (`back` false) or undone: "Moved Vista Middle from N05 Crenshaw to N09 Venice".
    fn step_words(&self, step: &Step, back: bool) -> String {
        let n = step.changes.len();
        // The school the planner moved leads the step's words (`what` starts with its name).
        let lead = step
            .changes
            .iter()
            .find(|ch| step.what.starts_with(&ch.school_name))
            .or(step.changes.first());
        if lock_kind(step).is_some() || step.kind == BARRIER {
            return if back {
                format!("Undid: {}", step.what)
            } else {
                step.what.clone()
            };
        }
        match (step.kind.as_str(), lead) {
            ("move-selected", Some(ch)) => {
                let names: Vec<&str> = step
                    .changes
                    .iter()
                    .map(|c| c.school_name.as_str())
                    .collect();
                let list = format!(
                    "{} ({})",
                    crate::text::count(n as f64, "schools"),
                    crate::text::first_of(&names, 3)
                );
                if back {
                    format!(
                        "Undid the move of {list} to {}: back where they were",
                        self.network_title(&ch.to)
                    )
                } else {
                    format!("Moved {list} to {}", self.network_title(&ch.to))
                }
            }
            ("move", Some(ch)) => {
                let (from, to) = if back {
                    (&ch.to, &ch.from)
                } else {
                    (&ch.from, &ch.to)
                };
                let with = if n > 1 {
                    format!(
                        " (with {} that {} with it)",
                        crate::text::count((n - 1) as f64, "more schools"),
                        if n == 2 { "moves" } else { "move" }
                    )
                } else {
                    String::new()
                };
                format!(
                    "{} {}{with} from {} to {}",
                    if back {
                        "Undid the move: moved"
                    } else {
                        "Moved"
                    },
                    ch.school_name,
                    self.network_title(from),
                    self.network_title(to)
                )
            }
            _ => format!(
                "{} the re-optimisation around the locks: {} {}",
                if back { "Undid" } else { "Made" },
                crate::text::count(n as f64, "schools"),
                if back {
                    "back where they were"
                } else {
                    "changed network"
                }
            ),
        }
    }

    /// Every school whose unit is locked, by id.
    fn locked_schools(&self) -> Vec<String> {
        let units = self.prepared.planning.units();
        let mut out: Vec<String> = (0..units.len())
            .filter(|&u| self.locks[u])
            .flat_map(|u| units.units[u].schools.iter())
            .map(|&i| self.inputs.table.schools[i].id.clone())
            .collect();
        out.sort();
        out
    }

    fn school(&self, id: &str) -> std::result::Result<usize, Refused> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| Refused::Unknown(format!("no school with id {id:?} in the plan")))
    }

    fn network(&self, id: &str) -> std::result::Result<usize, Refused> {
        self.ids.iter().position(|n| n == id).ok_or_else(|| {
            Refused::Unknown(format!(
                "no network {id:?}: the plan's networks are {} to {}",
                self.ids[0],
                self.ids[self.ids.len() - 1]
            ))
        })
    }

    fn unit_of(&self, school: usize) -> usize {
        self.prepared.planning.units().of_school[school]
    }

    fn unit_network(&self, u: usize) -> usize {
        self.partition.assign()[u]
    }

    /// The planning units' partition as it stands, with its running totals.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// The solver problem of the plan's planning units (what [`Editor::partition`] partitions).
    pub fn problem(&self) -> &solver::Problem {
        &self.prepared.problem
    }

    /// A school's place: its network, the schools that move with it, the networks it borders.
    pub fn school_view(&self, id: &str) -> std::result::Result<SchoolView, Refused> {
        let i = self.school(id)?;
        let u = self.unit_of(i);
        let units = self.prepared.planning.units();
        let here = self.unit_network(u);
        let mut near: Vec<usize> = self.prepared.planning.adjacency().graph[u]
            .iter()
            .map(|&v| self.unit_network(v))
            .filter(|&c| c != here)
            .collect();
        near.sort_unstable();
        near.dedup();
        let s = &self.inputs.table.schools[i];
        let brief = |j: usize| {
            let s = &self.inputs.table.schools[j];
            SchoolBrief {
                id: s.id.clone(),
                name: s.name.clone(),
                level: s.level.as_str().to_string(),
                enrollment: s.enrollment,
            }
        };
        Ok(SchoolView {
            id: s.id.clone(),
            name: s.name.clone(),
            level: s.level.as_str().to_string(),
            enrollment: s.enrollment,
            network: self.ids[here].clone(),
            network_title: self.network_title(&self.ids[here]),
            moves_with: units.units[u]
                .schools
                .iter()
                .map(|&j| self.inputs.table.schools[j].id.clone())
                .collect(),
            moves_with_schools: units.units[u].schools.iter().map(|&j| brief(j)).collect(),
            neighbouring_networks: near.into_iter().map(|c| self.ids[c].clone()).collect(),
            locked: self.locks[u],
        })
    }

    /// Moves a school (with its campus or pathway) to network `to`. A move that breaks a rule is made and
    /// shown broken; only unknown schools and networks are refused.
    pub fn move_school(&mut self, id: &str, to: &str) -> std::result::Result<(), Refused> {
        let i = self.school(id)?;
        let c = self.network(to)?;
        let u = self.unit_of(i);
        let from = self.unit_network(u);
        if from == c {
            return Err(Refused::Conflict(format!(
                "{} is already in {to}",
                self.inputs.table.schools[i].name
            )));
        }
        let units = self.prepared.planning.units();
        let changes: Vec<Change> = units.units[u]
            .schools
            .iter()
            .map(|&j| self.change(j, c))
            .collect();
        let s = &self.inputs.table.schools[i];
        let what = format!(
            "{}{} {} → {}",
            s.name,
            if changes.len() > 1 {
                format!(" (with {} more)", changes.len() - 1)
            } else {
                String::new()
            },
            self.ids[from],
            self.ids[c]
        );
        let step = Step {
            kind: "move".into(),
            what,
            changes,
            barriers: Vec::new(),
        };
        self.said = self.step_words(&step, false);
        self.apply(step);
        self.undone.clear();
        Ok(())
    }

    /// Moves several schools (each with its campus or pathway) to network `to` as ONE step, undone at once.
    /// Schools already in `to` stay; refused when none would move, or a school or the network is unknown.
    pub fn move_schools(&mut self, ids: &[String], to: &str) -> std::result::Result<(), Refused> {
        let c = self.network(to)?;
        let mut units: Vec<usize> = Vec::new();
        for id in ids {
            let u = self.unit_of(self.school(id)?);
            if self.unit_network(u) != c && !units.contains(&u) {
                units.push(u);
            }
        }
        if units.is_empty() {
            return Err(Refused::Conflict(format!(
                "every school selected is in {to} already"
            )));
        }
        let schools = self.prepared.planning.units();
        let changes: Vec<Change> = units
            .iter()
            .flat_map(|&u| schools.units[u].schools.iter())
            .map(|&j| self.change(j, c))
            .collect();
        let names: Vec<&str> = changes.iter().map(|ch| ch.school_name.as_str()).collect();
        let what = format!(
            "{} selected ({}) → {}",
            crate::text::count(changes.len() as f64, "schools"),
            crate::text::first_of(&names, 3),
            self.ids[c]
        );
        let step = Step {
            kind: "move-selected".into(),
            what,
            changes,
            barriers: Vec::new(),
        };
        self.said = self.step_words(&step, false);
        self.apply(step);
        self.undone.clear();
        Ok(())
    }

    /// The schools of `ids` whose campus (or pathway) would be cut off from network `to` if they all
    /// joined it: neither bordering it nor joined to it through other schools selected. Their names, in
    /// the order given; empty when every one borders it.
    pub fn cut_off_from(
        &self,
        ids: &[String],
        to: &str,
    ) -> std::result::Result<Vec<String>, Refused> {
        let c = self.network(to)?;
        let mut chosen = std::collections::BTreeSet::new();
        for id in ids {
            chosen.insert(self.unit_of(self.school(id)?));
        }
        let graph = &self.prepared.planning.adjacency().graph;
        let mut reached: std::collections::BTreeSet<usize> = chosen
            .iter()
            .copied()
            .filter(|&u| {
                self.unit_network(u) == c
                    || graph[u]
                        .iter()
                        .any(|&v| !chosen.contains(&v) && self.unit_network(v) == c)
            })
            .collect();
        let mut queue: Vec<usize> = reached.iter().copied().collect();
        while let Some(u) = queue.pop() {
            for &v in &graph[u] {
                if chosen.contains(&v) && reached.insert(v) {
                    queue.push(v);
                }
            }
        }
        let mut out = Vec::new();
        for id in ids {
            let i = self.school(id)?;
            if !reached.contains(&self.unit_of(i)) {
                out.push(self.inputs.table.schools[i].name.clone());
            }
        }
        Ok(out)
    }

    fn change(&self, school: usize, to: usize) -> Change {
        let s = &self.inputs.table.schools[school];
        Change {
            school_id: s.id.clone(),
            school_name: s.name.clone(),
            from: self.ids[self.school_network[school]].clone(),
            to: self.ids[to].clone(),
        }
    }

    /// Applies a step's changes and re-checks every rule; a lock or unlock sets its schools' locks.
    fn apply(&mut self, mut step: Step) {
        if let Some(on) = lock_kind(&step) {
            self.set_locks(&step.changes, on);
            self.done.push(step);
            return;
        }
        if step.kind == BARRIER {
            let first = self.barrier_count();
            let lines = step
                .barriers
                .iter()
                .filter_map(|d| Barrier::through(&d.name, &d.line).ok());
            self.drawn.extend(lines);
            self.rebuild();
            self.changed = self.cut_by(first).1;
            self.done.push(step);
            return;
        }
        self.set(&step.changes, false);
        if !self.region_changes.is_empty() {
            // A region that changes with a step is part of it, said where the step is listed.
            step.what = format!(
                "{}; regions redrawn: {}",
                step.what,
                self.region_changes.join(", ")
            );
        }
        self.done.push(step);
    }

    /// The moves of a step's changes: one per planning unit (its schools move together).
    fn moves(&self, changes: &[Change]) -> Vec<Move> {
        let network = |id: &str| {
            self.ids
                .iter()
                .position(|n| n == id)
                .expect("a known network")
        };
        let mut moves: Vec<Move> = Vec::new();
        for ch in changes {
            let unit = self.unit_of(self.index[ch.school_id.as_str()]);
            if !moves.iter().any(|m| m.unit == unit) {
                moves.push(Move {
                    unit,
                    from: network(&ch.from),
                    to: network(&ch.to),
                });
            }
        }
        moves
    }

    /// Makes a step's moves (`back`: undoes them, last first), then re-assembles the plan.
    fn set(&mut self, changes: &[Change], back: bool) {
        let moves = self.moves(changes);
        let ordered: Vec<Move> = if back {
            solver::moves::reversed(&moves).collect()
        } else {
            moves
        };
        let mut changed = Vec::new();
        let units = self.prepared.planning.units();
        for m in ordered {
            self.partition.apply(&self.prepared.problem, m);
            for &i in &units.units[m.unit].schools {
                self.school_network[i] = m.to;
            }
            changed.extend([m.from, m.to]);
        }
        changed.sort_unstable();
        changed.dedup();
        self.changed = changed;
        self.proposal = None;
        self.reassemble();
    }

    /// Re-assembles the plan from the assignment, its names and regions drawn from the starting plan (not
    /// the plan before, so the result does not depend on the path of edits), and notes the networks whose
    /// region changed.
    fn reassemble(&mut self) {
        let next = plans::assemble(
            &self.plan_inputs(),
            &self.prepared,
            self.school_network.clone(),
            self.ids.clone(),
            "the plan as edited",
            Some(&self.start),
        )
        .expect("assembling with --best-effort cannot fail on a plan it assembled before");
        self.region_changes = self
            .plan
            .file
            .networks
            .iter()
            .zip(&next.file.networks)
            .filter(|(a, b)| a.region != b.region)
            .map(|(a, b)| {
                format!(
                    "{}: {} → {}",
                    b.network,
                    a.region.as_deref().unwrap_or("none"),
                    b.region.as_deref().unwrap_or("none")
                )
            })
            .collect();
        self.plan = next;
    }

    /// Sets the locks of the units of `changes`' schools (a lock step's), the plan unchanged.
    fn set_locks(&mut self, changes: &[Change], on: bool) {
        for ch in changes {
            if let Some(&i) = self.index.get(ch.school_id.as_str()) {
                let u = self.unit_of(i);
                self.locks[u] = on;
            }
        }
        self.changed.clear();
        self.region_changes.clear();
        self.proposal = None;
    }

    /// Undoes the last step.
    pub fn undo(&mut self) -> std::result::Result<(), Refused> {
        let step = self
            .done
            .pop()
            .ok_or_else(|| Refused::Conflict("nothing to undo".into()))?;
        match lock_kind(&step) {
            Some(on) => self.set_locks(&step.changes, !on),
            None if step.kind == BARRIER => {
                let first = self.barrier_count() - step.barriers.len();
                let cut = self.cut_by(first).1;
                self.drawn.truncate(self.drawn.len() - step.barriers.len());
                self.rebuild();
                self.changed = cut;
            }
            None => self.set(&step.changes, true),
        }
        self.said = self.step_words(&step, true);
        self.undone.push(step);
        Ok(())
    }

    /// Makes the last undone step again.
    pub fn redo(&mut self) -> std::result::Result<(), Refused> {
        let step = self
            .undone
            .pop()
            .ok_or_else(|| Refused::Conflict("nothing to redo".into()))?;
        self.said = format!("Redone: {}", self.step_words(&step, false));
        self.apply(step);
        Ok(())
    }

    /// Locks a school (its campus or pathway) in its network, or unlocks it: a step, listed, undone and
    /// redone like a move. Refused when the school is locked (or unlocked) already.
    pub fn lock_school(&mut self, id: &str, on: bool) -> std::result::Result<(), Refused> {
        let i = self.school(id)?;
        let u = self.unit_of(i);
        let name = &self.inputs.table.schools[i].name;
        if self.locks[u] == on {
            return Err(Refused::Conflict(format!(
                "{name} is {} already",
                if on { "locked" } else { "not locked" }
            )));
        }
        let what = format!(
            "{} {name} in {}",
            if on { "Locked" } else { "Unlocked" },
            self.network_title(&self.ids[self.unit_network(u)])
        );
        self.lock_step(vec![u], on, what);
        Ok(())
    }

    /// Locks every school of a network in it, or unlocks them: one step. Refused when every school of it is
    /// locked (or unlocked) already.
    pub fn lock_network(&mut self, id: &str, on: bool) -> std::result::Result<(), Refused> {
        let c = self.network(id)?;
        let units: Vec<usize> = (0..self.locks.len())
            .filter(|&u| self.unit_network(u) == c && self.locks[u] != on)
            .collect();
        if units.is_empty() {
            return Err(Refused::Conflict(format!(
                "every school of {} is {} already",
                self.network_title(id),
                if on { "locked" } else { "unlocked" }
            )));
        }
        let what = format!(
            "{} every school of {}",
            if on { "Locked" } else { "Unlocked" },
            self.network_title(id)
        );
        self.lock_step(units, on, what);
        Ok(())
    }

    /// A lock (or unlock) of units as a step: its changes are the units' schools, each staying in its
    /// network (`from` = `to`).
    fn lock_step(&mut self, units: Vec<usize>, on: bool, what: String) {
        let schools = self.prepared.planning.units();
        let changes: Vec<Change> = units
            .iter()
            .flat_map(|&u| schools.units[u].schools.iter())
            .map(|&i| self.change(i, self.school_network[i]))
            .collect();
        let step = Step {
            kind: if on { "lock" } else { "unlock" }.into(),
            what,
            changes,
            barriers: Vec::new(),
        };
        self.said = self.step_words(&step, false);
        self.apply(step);
        self.undone.clear();
    }

    /// Draws barriers (lines no network crosses, as `plan --barriers` reads them from a file) as ONE step,
    /// listed, undone and redone like a move: the links between campuses they cross are dropped, and every
    /// rule is checked again, so a network now joined only across a barrier breaks `connected`. `from`
    /// names where the lines come from (a reference layer's file), for the step's words. Refused: no line,
    /// a line of fewer than two positions or with a position that is not longitude/latitude, or lines that
    /// all lie outside the district (lines outside it among others are left out, and said).
    pub fn draw_barriers(
        &mut self,
        lines: Vec<DrawnBarrier>,
        from: Option<&str>,
    ) -> std::result::Result<(), Refused> {
        if lines.is_empty() {
            return Err(Refused::Invalid(
                "no barrier given: draw a line of at least two points".into(),
            ));
        }
        let mut checked = Vec::with_capacity(lines.len());
        for (i, d) in lines.iter().enumerate() {
            let name = d.name.trim();
            let name = if name.is_empty() {
                format!("drawn barrier {}", self.drawn.len() + i + 1)
            } else {
                name.chars().take(MAX_BARRIER_NAME).collect()
            };
            let b = Barrier::through(&name, &d.line)
                .map_err(|e| Refused::Invalid(format!("the barrier {name:?}: {e}")))?;
            checked.push(b);
        }
        let outside = match self.inputs.outline {
            Some(o) => Barriers::new("drawn", checked.clone()).outside(o),
            None => Vec::new(),
        };
        if outside.len() == checked.len() {
            return Err(Refused::Invalid(format!(
                "{} wholly outside the district: {} would cut no link between its campuses. Draw across the district",
                if checked.len() == 1 {
                    format!("the barrier {:?} lies", checked[0].name)
                } else {
                    format!("all {} barriers lie", checked.len())
                },
                if checked.len() == 1 { "it" } else { "they" }
            )));
        }
        let kept: Vec<Barrier> = checked
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !outside.contains(i))
            .map(|(_, b)| b)
            .collect();
        let n = kept.len();
        let mut what = match (from, n) {
            (None, 1) => format!(
                "Drew the barrier \u{201c}{}\u{201d} ({})",
                kept[0].name,
                crate::text::count(kept[0].line.0.len() as f64, "points")
            ),
            (Some(f), _) => format!("Drew {} from {f}", crate::text::count(n as f64, "barriers")),
            (None, _) => format!("Drew {}", crate::text::count(n as f64, "barriers")),
        };
        if !outside.is_empty() {
            what.push_str(&format!(
                " ({} outside the district left out)",
                crate::text::count(outside.len() as f64, "lines")
            ));
        }
        let first = self.barrier_count();
        let step = Step {
            kind: BARRIER.into(),
            what,
            changes: Vec::new(),
            barriers: kept
                .iter()
                .map(|b| DrawnBarrier {
                    name: b.name.clone(),
                    line: b.positions(),
                })
                .collect(),
        };
        self.apply(step);
        self.undone.clear();
        // What the barriers cut, said where the step is listed (worked out once, as drawn).
        let (links, networks) = self.cut_by(first);
        let step = self.done.last_mut().expect("applied above");
        step.what = format!(
            "{}: {}{}",
            step.what,
            if links == 0 {
                "it cuts no link between neighbouring campuses".to_string()
            } else {
                format!(
                    "{} between neighbouring campuses cut",
                    crate::text::count(links as f64, "links")
                )
            },
            if networks.is_empty() {
                String::new()
            } else {
                format!(
                    ", inside {}",
                    networks
                        .iter()
                        .map(|&c| self.ids[c].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        self.said = step.what.clone();
        Ok(())
    }

    /// How many barriers the plan is checked with: its own and those drawn.
    fn barrier_count(&self) -> usize {
        self.inputs.barriers.map_or(0, |b| b.lines.len()) + self.drawn.len()
    }

    /// The links between neighbouring campuses that the barriers from the `first`-th on cut (dropped, not
    /// put back), and the networks (indices) that had schools at both ends of one of them.
    fn cut_by(&self, first: usize) -> (usize, Vec<usize>) {
        let planning = &self.prepared.planning;
        let network_of =
            |campus: usize| self.school_network[planning.campuses.units[campus].schools[0]];
        let cut: Vec<_> = planning
            .campus_adjacency
            .barrier_links
            .iter()
            .filter(|l| l.barrier >= first && !l.restored)
            .collect();
        let mut networks: Vec<usize> = cut
            .iter()
            .map(|l| (network_of(l.units.0), network_of(l.units.1)))
            .filter(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect();
        networks.sort_unstable();
        networks.dedup();
        (cut.len(), networks)
    }

    /// Checks the plan again with the barriers as they stand (the plan's own and those drawn): the planning
    /// units' links are drawn again, as `plan --barriers` draws them, and every rule re-checked.
    fn rebuild(&mut self) {
        self.barriers = (!self.drawn.is_empty()).then(|| {
            let own = self.inputs.barriers;
            let drawn = crate::text::count(self.drawn.len() as f64, "barriers");
            let source = match own {
                Some(b) => format!("{} and {drawn} drawn in the editor", b.source),
                None => format!("{drawn} drawn in the editor"),
            };
            let mut lines = own.map(|b| b.lines.clone()).unwrap_or_default();
            lines.extend(self.drawn.iter().cloned());
            Barriers::new(&source, lines)
        });
        let assignment = self.partition.assign().to_vec();
        let prepared = plans::prepare(&self.plan_inputs())
            .expect("preparing with --best-effort cannot fail on inputs it prepared before");
        self.partition = Partition::new(&prepared.problem, assignment);
        self.prepared = prepared;
        self.proposal = None;
        self.reassemble();
    }

    /// Re-optimises the rest of the plan around the locks and the schools moved so far (both kept where
    /// they are, as pins): from the plan as it stands, the solver restores every rule the edits broke,
    /// moving as few other schools as its search can (each priced far above any gain in compactness, as
    /// `rebalance` does), so the committee's plan stays the committee's. Returns the proposal, which
    /// [`Editor::accept`] applies as one step; networks keep their ids. When every rule holds, nothing
    /// needs to move and the proposal is empty.
    pub fn reoptimise(&mut self, progress: &(dyn Fn() + Sync)) -> &Proposal {
        let units = self.prepared.planning.units();
        let moved: std::collections::BTreeSet<usize> = self
            .done
            .iter()
            .filter(|s| lock_kind(s).is_none())
            .flat_map(|s| s.changes.iter())
            .map(|ch| self.unit_of(self.index[ch.school_id.as_str()]))
            .collect();
        let mut p = self.prepared.problem.clone();
        let base = p.pins.clone();
        p.pins = (0..units.len())
            .map(|u| {
                (self.locks[u] || moved.contains(&u))
                    .then(|| self.unit_network(u))
                    .or_else(|| base.get(u).copied().flatten())
            })
            .collect();
        let settings: Settings = (&self.inputs.scenario.solver).into();
        let current: Vec<usize> = (0..units.len()).map(|u| self.unit_network(u)).collect();
        p.homes = solver::Homes {
            cost: crate::rebalance::PRICE_PER_SCHOOL,
            of_unit: (0..units.len())
                .map(|u| Some((current[u], f64::from(p.units[u].schools))))
                .collect(),
        };
        let found = solver::from_start(&p, current.clone(), settings, progress);
        let school_network: Vec<usize> = (0..self.school_network.len())
            .map(|i| found.assignment[self.unit_of(i)])
            .collect();
        let changes: Vec<Change> = Move::between(&current, &found.assignment)
            .into_iter()
            .flat_map(|m| units.units[m.unit].schools.iter().map(move |&i| (i, m.to)))
            .map(|(i, to)| self.change(i, to))
            .collect();
        let proposed = plans::assemble(
            &self.plan_inputs(),
            &self.prepared,
            school_network.clone(),
            self.ids.clone(),
            "the re-optimised plan",
            Some(&self.start),
        )
        .expect("assembling with --best-effort cannot fail");
        // Re-checked with the rules: a rule that holds now must hold in what is offered.
        let now = &self.plan.file.constraints;
        let holds_now = |key: &str| now.iter().any(|c| c.key == key && c.holds);
        let after = &proposed.file.constraints;
        let newly_broken = broken_words(after.iter().filter(|c| !c.holds && holds_now(&c.key)));
        let restored: Vec<String> = after
            .iter()
            .filter(|c| c.holds && !holds_now(&c.key))
            .map(rule_title)
            .collect();
        let still: Vec<String> = after
            .iter()
            .filter(|c| !c.holds && !holds_now(&c.key))
            .map(rule_title)
            .collect();
        let rejected = !newly_broken.is_empty();
        let all_held = now.iter().all(|c| c.holds);
        let improves = !rejected
            && !changes.is_empty()
            && (!restored.is_empty()
                || (all_held && proposed.file.compactness_km2 < self.plan.file.compactness_km2));
        let n = changes.len();
        let list = |v: &[String]| v.join("; ");
        let said = if rejected {
            format!(
                "Re-optimising cannot restore the rules around the locks and the schools moved so far: the solver's best plan would break {} that {} now ({}){}, so it is not offered. Move or unlock schools by hand, or undo steps, and try again.",
                crate::text::count(newly_broken.len() as f64, "rules"),
                if newly_broken.len() == 1 { "holds" } else { "hold" },
                list(&newly_broken),
                if still.is_empty() {
                    String::new()
                } else {
                    format!(" and still leave broken {}", list(&still))
                }
            )
        } else if n == 0 && all_held {
            "Re-optimised around the locks: every rule holds, no school needs to move".to_string()
        } else if n == 0 {
            format!(
                "Re-optimising cannot restore {} without moving a locked school or one moved by hand: no school would change network",
                list(&still)
            )
        } else {
            format!(
                "Re-optimised around the locks: {} would change network (ringed in teal on the map); {}{}",
                crate::text::count(n as f64, "schools"),
                if restored.is_empty() {
                    "it restores no broken rule".to_string()
                } else {
                    format!("it restores {}", list(&restored))
                },
                if still.is_empty() {
                    String::new()
                } else {
                    format!(", and leaves broken {}", list(&still))
                }
            )
        };
        self.proposal = Some(Proposal {
            changes: if rejected { Vec::new() } else { changes },
            all_hold: proposed.file.all_constraints_hold,
            broken: broken_words(after.iter()),
            broken_keys: after
                .iter()
                .filter(|c| !c.holds)
                .map(|c| c.key.clone())
                .collect(),
            restored,
            newly_broken,
            rejected,
            improves,
            said: said.clone(),
            compactness_km2: proposed.file.compactness_km2,
            school_network,
        });
        self.said = said;
        self.proposal.as_ref().expect("set above")
    }

    /// Applies the proposal as one step.
    pub fn accept(&mut self) -> std::result::Result<(), Refused> {
        let p = self
            .proposal
            .take()
            .ok_or_else(|| Refused::Conflict("no re-optimised plan to accept".into()))?;
        if p.rejected {
            let said = p.said.clone();
            self.proposal = Some(p);
            return Err(Refused::Conflict(format!("nothing to accept: {said}")));
        }
        if p.changes.is_empty() {
            self.said = "Accepted the re-optimisation: no school needed to move".into();
            return Ok(());
        }
        let n = p.changes.len();
        let step = Step {
            kind: "re-optimise".into(),
            what: format!("re-optimised around the locks: {n} schools change network"),
            changes: p.changes,
            barriers: Vec::new(),
        };
        self.said = self.step_words(&step, false);
        self.apply(step);
        self.undone.clear();
        Ok(())
    }

    /// Drops the proposal.
    pub fn discard(&mut self) -> std::result::Result<(), Refused> {
        self.proposal
            .take()
            .ok_or_else(|| Refused::Conflict("no re-optimised plan to discard".into()))?;
        self.said = "Discarded the re-optimisation".into();
        Ok(())
    }

    /// Every school moved by the steps kept, with its network at the start and now (net of steps that
    /// moved it back), in table order.
    pub fn net_moves(&self) -> Vec<Change> {
        let mut first: BTreeMap<&str, &str> = BTreeMap::new();
        for ch in self
            .done
            .iter()
            .filter(|s| lock_kind(s).is_none())
            .flat_map(|s| s.changes.iter())
        {
            first.entry(&ch.school_id).or_insert(&ch.from);
        }
        self.inputs
            .table
            .schools
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let from = *first.get(s.id.as_str())?;
                let to = &self.ids[self.school_network[i]];
                (from != to).then(|| Change {
                    school_id: s.id.clone(),
                    school_name: s.name.clone(),
                    from: from.to_string(),
                    to: to.clone(),
                })
            })
            .collect()
    }

    /// The moves as CSV: one row per step and school (locks, which move no school, are left out).
    pub fn moves_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["step", "kind", "school_id", "school_name", "from", "to"]);
        for (n, s) in self.done.iter().enumerate() {
            if lock_kind(s).is_some() {
                continue;
            }
            for ch in &s.changes {
                let _ = w.write_record([
                    (n + 1).to_string().as_str(),
                    &s.kind,
                    &ch.school_id,
                    &ch.school_name,
                    &ch.from,
                    &ch.to,
                ]);
            }
        }
        w.into_inner().unwrap_or_default()
    }

    /// The plan to save, its edits recorded, and when barriers were drawn the GeoJSON file of every
    /// barrier it is checked with (its own and those drawn), to be written at `barriers_file`: plan.json
    /// then names that file with its SHA-256, as `plan --barriers` records the file it read, so that the
    /// saved folder opens again with them.
    pub fn saved(&self, barriers_file: &str) -> (Plan, Option<String>) {
        let mut plan = self.plan.clone();
        plan.file.edits = Some(self.edits());
        let text = self.barriers.as_ref().map(Barriers::geojson);
        if let (Some(text), Some(record)) = (&text, plan.file.barriers.as_mut()) {
            record.file = barriers_file.to_string();
            record.sha256 = plans::sha256_hex(text.as_bytes());
        }
        (plan, text)
    }

    /// The starting plan, the steps kept and the locks, as plan.json records them.
    fn edits(&self) -> EditsRecord {
        EditsRecord {
            from: self.from.clone(),
            steps: self.done.clone(),
            locks: self
                .locked_schools()
                .into_iter()
                .map(|id| {
                    let n = &self.ids[self.school_network[self.index[id.as_str()]]];
                    format!("{id} → {n}")
                })
                .collect(),
        }
    }

    /// The steps and locks, to be saved as a draft and restored after a restart.
    pub fn draft(&self) -> Draft {
        Draft {
            from: self.from.clone(),
            plan_sha256: self.start_sha256.clone(),
            steps: self.done.clone(),
            locked_schools: self.locked_schools(),
        }
    }

    /// Whether `draft` was made on the plan edited here: the same starting plan, by name and by content.
    pub fn made_here(&self, draft: &Draft) -> bool {
        draft.from == self.from
            && (draft.plan_sha256.is_empty() || draft.plan_sha256 == self.start_sha256)
    }

    /// Replays a draft's steps and locks on the starting plan. Refused when it was made on another plan
    /// or names schools or networks this plan does not have.
    pub fn restore(&mut self, draft: &Draft) -> std::result::Result<(), Refused> {
        if !self.made_here(draft) {
            return Err(Refused::Conflict(format!(
                "the draft was made on {}, not on {}",
                draft.from, self.from
            )));
        }
        for step in &draft.steps {
            for ch in &step.changes {
                self.school(&ch.school_id)?;
                self.network(&ch.to)?;
                self.network(&ch.from)?;
            }
            for d in &step.barriers {
                Barrier::through(&d.name, &d.line).map_err(|e| {
                    Refused::Invalid(format!("the draft's barrier {:?}: {e}", d.name))
                })?;
            }
        }
        for step in &draft.steps {
            self.apply(step.clone());
        }
        self.undone.clear();
        // Locks made as steps are back with them; a draft from before locks were steps lists them only.
        for id in &draft.locked_schools {
            let i = self.school(id)?;
            let u = self.unit_of(i);
            self.locks[u] = true;
        }
        self.said = format!(
            "Restored the draft: {}",
            crate::text::count(draft.steps.len() as f64, "steps")
        );
        Ok(())
    }

    /// The plan file as it stands (for download).
    pub fn plan_file(&self) -> PlanFile {
        let mut file = self.plan.file.clone();
        file.edits = Some(self.edits());
        file
    }
}

/// A rule's short title in words; a rule with no short title (the region rules, pins) is named by its own
/// text, never by its key.
fn rule_title(c: &ConstraintCheck) -> String {
    let title = crate::rules::title(&c.key);
    if title.is_empty() || title == c.key {
        c.rule.clone()
    } else {
        title
    }
}

/// Each broken check in plain words: its title, the networks that break it and its margin.
fn broken_words<'c>(checks: impl Iterator<Item = &'c ConstraintCheck>) -> Vec<String> {
    checks
        .filter(|c| !c.holds)
        .map(|c| {
            let networks = if c.failing_networks.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.failing_networks.join(", "))
            };
            format!("{}{networks}: {}", rule_title(c), crate::rules::words(c))
        })
        .collect()
}

/// The kind of a step that draws barriers.
const BARRIER: &str = "barrier";

/// Whether a step locks (`Some(true)`) or unlocks (`Some(false)`) schools; `None` for a step that moves them.
fn lock_kind(step: &Step) -> Option<bool> {
    match step.kind.as_str() {
        "lock" => Some(true),
        "unlock" => Some(false),
        _ => None,
    }
}
