//! The solver's vocabulary: a [`Problem`] (units with their sums, the neighbour graph, the number of
//! networks, the [`Limits`] and the soft goals) and what a search returns ([`Solution`]).
//!
//! The solver knows no school rule by name. A unit carries its position, its number of schools (the weight
//! of compactness), its enrollment (what the capacitated assignment ships) and a row of [`Sums`]: numbers
//! that add up over a network. A [`Term`] bounds one [`Quantity`] of those sums on every network and says
//! how many points of violation a breach costs. Which column holds what, and which rule a term stands for,
//! is the rule set's business (the `rules` room, above this one), which builds every problem a plan solves.

use crate::graph::Graph;
use std::sync::Arc;

/// Most columns a unit's [`Sums`] can hold.
pub const MAX_SUMS: usize = 32;

/// A unit's (or a network's) sums, column by column; only the first [`Limits::width`] are used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sums(pub [f64; MAX_SUMS]);

impl Default for Sums {
    fn default() -> Sums {
        Sums([0.0; MAX_SUMS])
    }
}

impl Sums {
    /// Adds `sign` × `other` to the first `width` columns.
    #[inline]
    pub fn add(&mut self, other: &Sums, sign: f64, width: usize) {
        for (a, b) in self.0[..width].iter_mut().zip(&other.0[..width]) {
            *a += sign * b;
        }
    }
}

/// What the solver needs to know about one unit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UnitData {
    /// Position in km.
    pub pos: [f64; 2],
    /// Number of schools (the weight in the compactness objective).
    pub schools: u32,
    /// Students: what the capacitated assignment ships to networks.
    pub enrollment: f64,
    /// The columns the rules bound.
    pub sums: Sums,
}

/// A number a network has, read from its totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    /// Its units (an empty network has none).
    Units,
    /// Its schools.
    Schools,
    /// Its students.
    Enrollment,
    /// Column `i` of its [`Sums`].
    Sum(usize),
}

/// What a [`Term`] bounds on each network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// A column's total.
    Total(Column),
    /// `a − c·b`: a share rule multiplied out (low-performing schools − cap × rated schools ≤ 0).
    Linear { a: Column, b: Column, c: f64 },
    /// `num / den`, judged only where `den > 0` (an enrollment-weighted mean).
    Ratio { num: Column, den: Column },
    /// `100 × num / den`, judged only where `den > 0` (a share in percent).
    Percent { num: Column, den: Column },
    /// `100 × part / (Σ of sum columns in `of`)`: a share in percent of a group of columns, judged only
    /// where the group is not empty.
    Share { part: Column, of: (usize, usize) },
}

/// How many points of violation one unit outside a term's bounds costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Per {
    /// One point per this much (1 for counts: a point per school short).
    Each(f64),
    /// One point per 1% of the problem's mean network enrollment.
    MeanPercent,
}

/// One bounded quantity on every network, with the price of a breach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub quantity: Quantity,
    /// Bounds; `-∞` or `+∞` for a side that is open.
    pub lo: f64,
    pub hi: f64,
    pub per: Per,
}

/// Distance of `value` outside `[lo, hi]` (0 inside).
#[inline]
pub(crate) fn outside(value: f64, (lo, hi): (f64, f64)) -> f64 {
    (lo - value).max(0.0) + (value - hi).max(0.0)
}

/// A network's numbers, as terms read them.
pub trait Counted {
    fn column(&self, c: Column) -> f64;
}

/// A network's running totals: its units, the sums of their data (with `pos` holding Σ schools·position),
/// and Σ schools·|position|² for the compactness objective.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub units: u32,
    pub schools: u32,
    pub enrollment: f64,
    pub sums: Sums,
    pub pos: [f64; 2],
    pub sq: f64,
}

impl Totals {
    /// Adds (`sign` = 1) or takes away (`sign` = -1) one unit; `width` columns of its sums.
    #[inline]
    pub fn add(&mut self, u: &UnitData, sign: f64, width: usize) {
        let w = f64::from(u.schools) * sign;
        if sign > 0.0 {
            self.units += 1;
            self.schools += u.schools;
        } else {
            self.units -= 1;
            self.schools -= u.schools;
        }
        self.enrollment += sign * u.enrollment;
        self.sums.add(&u.sums, sign, width);
        self.pos[0] += w * u.pos[0];
        self.pos[1] += w * u.pos[1];
        self.sq += w * (u.pos[0] * u.pos[0] + u.pos[1] * u.pos[1]);
    }

    /// These totals with one unit added or taken away.
    #[inline]
    pub fn with(mut self, u: &UnitData, sign: f64, width: usize) -> Totals {
        self.add(u, sign, width);
        self
    }

    /// Sum of squared distances of the network's schools to their centre (km²).
    pub fn sse(&self) -> f64 {
        let (n, p) = (f64::from(self.schools), self.pos);
        if n == 0.0 {
            0.0
        } else {
            (self.sq - (p[0] * p[0] + p[1] * p[1]) / n).max(0.0)
        }
    }
}

impl Counted for Totals {
    #[inline]
    fn column(&self, c: Column) -> f64 {
        match c {
            Column::Units => f64::from(self.units),
            Column::Schools => f64::from(self.schools),
            Column::Enrollment => self.enrollment,
            Column::Sum(i) => self.sums.0[i],
        }
    }
}

impl Limits {
    /// How far a network is from meeting every term: the sum of the terms' points, in order (0 when every
    /// term holds). `mean` is the problem's mean network enrollment.
    #[inline]
    pub fn violation(&self, t: &impl Counted, mean: f64) -> f64 {
        let mut v = 0.0;
        for term in &self.terms {
            v += term.points(t, mean);
        }
        v
    }
}

impl Term {
    /// The term's quantity for a network (`None` where a ratio or share has nothing to divide by).
    #[inline]
    pub fn value(&self, t: &impl Counted) -> Option<f64> {
        match self.quantity {
            Quantity::Total(c) => Some(t.column(c)),
            Quantity::Linear { a, b, c } => Some(t.column(a) - c * t.column(b)),
            Quantity::Ratio { num, den } => {
                let d = t.column(den);
                (d > 0.0).then(|| t.column(num) / d)
            }
            Quantity::Percent { num, den } => {
                let d = t.column(den);
                (d > 0.0).then(|| 100.0 * t.column(num) / d)
            }
            Quantity::Share { part, of } => {
                let total: f64 = (of.0..of.1).map(|i| t.column(Column::Sum(i))).sum();
                (total > 0.0).then(|| 100.0 * t.column(part) / total)
            }
        }
    }

    /// Points of violation of a network (0 when the term holds). `mean` is the problem's mean network
    /// enrollment, for [`Per::MeanPercent`].
    #[inline]
    pub fn points(&self, t: &impl Counted, mean: f64) -> f64 {
        match self.value(t) {
            None => 0.0,
            Some(v) => {
                let out = outside(v, (self.lo, self.hi));
                match self.per {
                    Per::Each(x) => out / x,
                    Per::MeanPercent => out / (0.01 * mean),
                }
            }
        }
    }

    /// The term's bounds as one linear row per side on the unit sums, for the assignment's linear
    /// program: `(coefficient of each unit, lower bound, upper bound)`. Ratios and shares are multiplied
    /// out (num − lo·den ≥ 0, num − hi·den ≤ 0); a term on the number of units gives none.
    pub(crate) fn rows(&self, units: &[UnitData]) -> Vec<(Vec<f64>, Option<f64>, Option<f64>)> {
        let unit_column = |u: &UnitData, c: Column| match c {
            Column::Units => 1.0,
            Column::Schools => f64::from(u.schools),
            Column::Enrollment => u.enrollment,
            Column::Sum(i) => u.sums.0[i],
        };
        let bound = |x: f64| x.is_finite().then_some(x);
        match self.quantity {
            Quantity::Total(Column::Units) => Vec::new(),
            Quantity::Total(c) => vec![(
                units.iter().map(|u| unit_column(u, c)).collect(),
                bound(self.lo),
                bound(self.hi),
            )],
            Quantity::Linear { a, b, c } => vec![(
                units
                    .iter()
                    .map(|u| unit_column(u, a) - c * unit_column(u, b))
                    .collect(),
                bound(self.lo),
                bound(self.hi),
            )],
            Quantity::Ratio { num, den } | Quantity::Percent { num, den } => {
                let times = if matches!(self.quantity, Quantity::Percent { .. }) {
                    0.01
                } else {
                    1.0
                };
                let side = |x: f64| -> Vec<f64> {
                    units
                        .iter()
                        .map(|u| unit_column(u, num) - times * x * unit_column(u, den))
                        .collect()
                };
                let mut rows = Vec::new();
                if let Some(lo) = bound(self.lo) {
                    rows.push((side(lo), Some(0.0), None));
                }
                if let Some(hi) = bound(self.hi) {
                    rows.push((side(hi), None, Some(0.0)));
                }
                rows
            }
            Quantity::Share { part, of } => {
                let total = |u: &UnitData| (of.0..of.1).map(|i| u.sums.0[i]).sum::<f64>();
                let side = |x: f64| -> Vec<f64> {
                    units
                        .iter()
                        .map(|u| unit_column(u, part) - x / 100.0 * total(u))
                        .collect()
                };
                let mut rows = Vec::new();
                if let Some(lo) = bound(self.lo) {
                    rows.push((side(lo), Some(0.0), None));
                }
                if let Some(hi) = bound(self.hi) {
                    rows.push((side(hi), None, Some(0.0)));
                }
                rows
            }
        }
    }
}

/// A network's size bounds, which several moves consult directly (chains look for networks with room).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub min_schools: u32,
    pub max_schools: u32,
    pub min_enrollment: f64,
    pub max_enrollment: f64,
}

/// Hard limits on each network: the terms, in the order their points are added, and connectivity.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Every bounded quantity. The school count (`Total(Schools)`) and the enrollment band
    /// (`Total(Enrollment)`) are always among them.
    pub terms: Vec<Term>,
    /// Networks must be connected on the adjacency graph.
    pub connected: bool,
    /// How many columns of [`Sums`] the terms use.
    pub width: usize,
    size: Size,
}

impl Limits {
    /// Limits from their terms. Panics when the school count or the enrollment band is missing (a
    /// programming error: every rule set has both).
    pub fn new(terms: Vec<Term>, connected: bool, width: usize) -> Limits {
        let find = |c: Column| {
            terms
                .iter()
                .find(|t| t.quantity == Quantity::Total(c))
                .map(|t| (t.lo, t.hi))
                .expect("the limits bound the school count and the enrollment")
        };
        let (schools, enrollment) = (find(Column::Schools), find(Column::Enrollment));
        assert!(width <= MAX_SUMS, "at most {MAX_SUMS} columns of sums");
        Limits {
            size: Size {
                min_schools: schools.0.max(0.0) as u32,
                max_schools: schools.1.min(f64::from(u32::MAX)) as u32,
                min_enrollment: enrollment.0,
                max_enrollment: enrollment.1,
            },
            terms,
            connected,
            width,
        }
    }

    /// Limits with only the size rules, in the order the rule set gives them: the school count, the
    /// enrollment band (a point per 1% of the mean) and no empty network; connected networks.
    pub fn basic(
        min_schools: u32,
        max_schools: u32,
        min_enrollment: f64,
        max_enrollment: f64,
    ) -> Limits {
        Limits::new(
            vec![
                Term {
                    quantity: Quantity::Total(Column::Schools),
                    lo: f64::from(min_schools),
                    hi: f64::from(max_schools),
                    per: Per::Each(1.0),
                },
                Term {
                    quantity: Quantity::Total(Column::Enrollment),
                    lo: min_enrollment,
                    hi: max_enrollment,
                    per: Per::MeanPercent,
                },
                Term::NOT_EMPTY,
            ],
            true,
            0,
        )
    }

    /// The size bounds.
    pub fn size(&self) -> Size {
        self.size
    }
}

impl Term {
    /// Every network has at least one unit: 100 points for an empty one.
    pub const NOT_EMPTY: Term = Term {
        quantity: Quantity::Total(Column::Units),
        lo: 1.0,
        hi: f64::INFINITY,
        per: Per::Each(0.01),
    };
}

/// A partitioning problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub units: Vec<UnitData>,
    /// The adjacency graph (shared with the units it was built from).
    pub neighbors: Arc<Graph>,
    /// Number of networks.
    pub k: usize,
    pub limits: Limits,
    /// Soft goal: links between units that should share a network (feeder links), and their price.
    pub links: Links,
    /// Soft goal when rebalancing an adopted plan: each unit's network in that plan, and the price of moving
    /// it away (off for new plans).
    pub homes: Homes,
    /// Pins: the network each unit must be in (`None`: free); empty when nothing is pinned. A unit outside
    /// its pinned network counts [`PIN_POINTS`] of violation, so the search treats pins as the hardest rule;
    /// the assignment offers a pinned unit only its network, and no repair moves it away.
    pub pins: Vec<Option<usize>>,
    /// Called after every move a search state applies (tests audit the running totals with it).
    pub watch: Watch,
}

/// A function called after every move a search state applies, with the problem, the assignment and the
/// running totals of each network: tests recount the totals from the assignment with it. Off (`None`)
/// outside tests.
#[derive(Clone, Default)]
pub struct Watch(pub Option<Arc<WatchFn>>);

/// What a [`Watch`] calls.
pub type WatchFn = dyn Fn(&Problem, &[usize], &[Totals]) + Send + Sync;

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Watch(on)"
        } else {
            "Watch(off)"
        })
    }
}

/// Violation of one unit outside its pinned network: far above what any other rule's breach adds, so no
/// move trades a pin for another rule.
pub const PIN_POINTS: f64 = 1000.0;

/// Where units were in an adopted plan, and what moving one away costs: with a price far above any change in
/// compactness, the search moves as few schools (or students) as the rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Homes {
    /// Price per unit of weight of a unit away from its home network; 0 switches the goal off.
    pub cost: f64,
    /// Home network of each unit and its weight (schools or students that would move); `None` for new units.
    pub of_unit: Vec<Option<(usize, f64)>>,
}

impl Homes {
    /// The price of unit `u` being in network `c`.
    pub fn price(&self, u: usize, c: usize) -> f64 {
        match self.of_unit.get(u) {
            Some(Some((home, w))) if *home != c => self.cost * w,
            _ => 0.0,
        }
    }
}

/// Links between units that a plan should rather not cut (a soft goal, unlike the hard [`Limits`]): each
/// cut link adds `cost` × its weight to the compactness objective.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    /// km² per unit of cut weight; 0 switches the goal off.
    pub cost: f64,
    /// For each unit, the units it is linked to and the weight of the link (symmetric, no self-links,
    /// sorted by unit).
    pub of_unit: Vec<Vec<(usize, f64)>>,
}

impl Links {
    /// Symmetric links from (unit, unit) pairs, each pair adding weight 1; pairs within one unit are dropped.
    pub fn from_pairs(
        n: usize,
        pairs: impl IntoIterator<Item = (usize, usize)>,
        cost: f64,
    ) -> Links {
        let mut of_unit: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (a, b) in pairs {
            if a != b {
                of_unit[a].push((b, 1.0));
                of_unit[b].push((a, 1.0));
            }
        }
        for l in &mut of_unit {
            l.sort_by_key(|x| x.0);
            l.dedup_by(|x, y| {
                if x.0 == y.0 {
                    y.1 += x.1;
                    true
                } else {
                    false
                }
            });
        }
        Links { cost, of_unit }
    }

    /// Whether the goal is on.
    pub(crate) fn active(&self) -> bool {
        self.cost > 0.0 && self.of_unit.iter().any(|l| !l.is_empty())
    }
}

impl Problem {
    /// A problem with no soft goal, no pin and no watch.
    pub fn new(units: Vec<UnitData>, neighbors: Arc<Graph>, k: usize, limits: Limits) -> Problem {
        Problem {
            units,
            neighbors,
            k,
            limits,
            links: Links::default(),
            homes: Homes::default(),
            pins: Vec::new(),
            watch: Watch::default(),
        }
    }

    /// The network unit `u` is pinned to, if any.
    pub fn pin(&self, u: usize) -> Option<usize> {
        self.pins.get(u).copied().flatten()
    }

    /// Puts every pinned unit in its network.
    pub(crate) fn apply_pins(&self, assign: &mut [usize]) {
        for (u, a) in assign.iter_mut().enumerate() {
            if let Some(c) = self.pin(u) {
                *a = c;
            }
        }
    }

    /// Mean enrollment per network.
    pub fn mean_enrollment(&self) -> f64 {
        self.units.iter().map(|u| u.enrollment).sum::<f64>() / self.k as f64
    }
}

/// `assign` with its networks renumbered: network `c` becomes `to[c]` where that is set (distinct numbers),
/// and the others take the numbers left over, lowest first, in order of `c`.
pub(crate) fn renumbered(assign: &[usize], to: Vec<Option<usize>>) -> Vec<usize> {
    let mut taken = vec![false; to.len()];
    for t in to.iter().flatten() {
        taken[*t] = true;
    }
    let mut free = (0..to.len()).filter(|&t| !taken[t]);
    let to: Vec<usize> = to
        .iter()
        .map(|x| {
            x.or_else(|| free.next())
                .expect("as many numbers as networks")
        })
        .collect();
    assign.iter().map(|&c| to[c]).collect()
}

/// A solution: the network of each unit and how good it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Network index (0..k) of each unit.
    pub assignment: Vec<usize>,
    /// Sum of constraint violations (0 when every hard constraint holds); see [`Term::points`].
    pub violation: f64,
    /// Sum over schools of squared distance to their network's centre, km².
    pub sse: f64,
    /// What the search minimised once every rule holds: `sse` plus the price of cut links ([`Links`]) and of
    /// units away from their homes ([`Homes`]).
    pub cost: f64,
    /// Which restart produced it.
    pub restart: usize,
    /// Found by exhaustive search: optimal, and when it breaks a rule, no assignment meets them all.
    pub exhaustive: bool,
}

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub restarts: usize,
    /// After the restarts, re-solve pairs of neighbouring networks (`pairs::improve`).
    pub pairs: bool,
    /// How the capacitated assignment is solved.
    pub assignment: Assignment,
}

/// How the capacitated assignment is solved (a search setting: both give an optimal plan of the
/// relaxation when the rows beside the enrollment band do not bind).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Assignment {
    /// Min-cost flow for the enrollment band, Lagrangian multipliers for the other rows.
    #[default]
    Flow,
    /// A general linear program (good_lp).
    Lp,
}

impl Settings {
    /// `restarts` restarts from `seed`, with pair re-solving and the default assignment.
    pub fn new(seed: u64, restarts: usize) -> Settings {
        Settings {
            seed,
            restarts,
            pairs: true,
            assignment: Assignment::default(),
        }
    }
}
