//! The solver's vocabulary: a [`Problem`] (units with their sums, the neighbour graph, the number of
//! networks, the [`Limits`] and the soft goals) and what a search returns ([`Solution`]).
//!
//! The solver knows no school rule by name. A unit carries its position, its number of schools (the weight
//! of compactness) and its enrollment (what the capacitated assignment ships); the problem keeps each
//! unit's row of sums ([`Problem::sums_of`]): numbers that add up over a network, stored one unit after
//! another in one flat vector. A [`Term`] bounds one [`Quantity`] of those sums on every network and says
//! how many points of violation a breach costs. Which column holds what, and which rule a term stands for,
//! is the rule set's business (the `rules` room, above this one), which builds every problem a plan solves.

use crate::graph::Graph;
use std::sync::{Arc, OnceLock};

/// Most columns of sums a problem can have.
pub const MAX_SUMS: usize = 40;

/// What the solver needs to know about one unit (its sums are kept by the [`Problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UnitData {
    /// Position in km.
    pub pos: [f64; 2],
    /// Number of schools (the weight in the compactness objective).
    pub schools: u32,
    /// Students: what the capacitated assignment ships to networks.
    pub enrollment: f64,
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
    /// Its column `i` of sums.
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

/// A network's numbers, as terms read them: its row is `[units, schools, students, sums...]`.
pub trait Counted {
    /// Columns of sums it has.
    fn width(&self) -> usize;
    /// Writes its row into `row` (`3 + width` numbers).
    fn fill(&self, row: &mut [f64]);
}

/// Where a column sits in a network's row.
#[inline(always)]
fn slot(c: Column) -> usize {
    match c {
        Column::Units => 0,
        Column::Schools => 1,
        Column::Enrollment => 2,
        Column::Sum(i) => 3 + i,
    }
}

/// A term compiled for the search's inner loop: its quantity read from a network's row by position.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Compiled {
    op: Op,
    a: usize,
    b: usize,
    c: f64,
    lo: f64,
    hi: f64,
    /// Points per unit outside (when `per_mean` is off).
    per: f64,
    /// Points per 1% of the problem's mean enrollment instead.
    per_mean: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Total,
    Linear,
    Ratio,
    Percent,
    /// A share of the row's slots `[from, to)`.
    Share(usize, usize),
}

impl Compiled {
    fn of(t: &Term) -> Compiled {
        let (op, a, b, c) = match t.quantity {
            Quantity::Total(x) => (Op::Total, slot(x), 0, 0.0),
            Quantity::Linear { a, b, c } => (Op::Linear, slot(a), slot(b), c),
            Quantity::Ratio { num, den } => (Op::Ratio, slot(num), slot(den), 0.0),
            Quantity::Percent { num, den } => (Op::Percent, slot(num), slot(den), 0.0),
            Quantity::Share { part, of } => (Op::Share(3 + of.0, 3 + of.1), slot(part), 0, 0.0),
        };
        Compiled {
            op,
            a,
            b,
            c,
            lo: t.lo,
            hi: t.hi,
            per: match t.per {
                Per::Each(x) => x,
                Per::MeanPercent => 1.0,
            },
            per_mean: t.per == Per::MeanPercent,
        }
    }

    #[inline(always)]
    fn value(&self, row: &[f64]) -> Option<f64> {
        match self.op {
            Op::Total => Some(row[self.a]),
            Op::Linear => Some(row[self.a] - self.c * row[self.b]),
            Op::Ratio => {
                let d = row[self.b];
                (d > 0.0).then(|| row[self.a] / d)
            }
            Op::Percent => {
                let d = row[self.b];
                (d > 0.0).then(|| 100.0 * row[self.a] / d)
            }
            Op::Share(from, to) => {
                let total: f64 = row[from..to].iter().sum();
                (total > 0.0).then(|| 100.0 * row[self.a] / total)
            }
        }
    }

    /// Points of violation; `per_mean` is 1% of the problem's mean enrollment.
    #[inline(always)]
    fn points(&self, row: &[f64], per_mean: f64) -> f64 {
        match self.value(row) {
            None => 0.0,
            Some(v) => {
                let out = outside(v, (self.lo, self.hi));
                let per = if self.per_mean { per_mean } else { self.per };
                out / per
            }
        }
    }
}

/// The longest row a network has.
const ROW: usize = 3 + MAX_SUMS;

/// A network's running totals: its units, schools, students and sums of their columns (with `pos`
/// holding Σ schools·position), and Σ schools·|position|² for the compactness objective.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub units: u32,
    pub schools: u32,
    pub enrollment: f64,
    /// The sums of the network's units' columns.
    pub sums: Vec<f64>,
    pub pos: [f64; 2],
    pub sq: f64,
}

impl Totals {
    /// Totals of an empty network with `width` columns of sums.
    pub fn zero(width: usize) -> Totals {
        Totals {
            sums: vec![0.0; width],
            ..Totals::default()
        }
    }

    /// Adds (`sign` = 1) or takes away (`sign` = -1) one unit with its row of sums.
    #[inline]
    pub fn add(&mut self, u: &UnitData, sums: &[f64], sign: f64) {
        let w = f64::from(u.schools) * sign;
        if sign > 0.0 {
            self.units += 1;
            self.schools += u.schools;
        } else {
            self.units -= 1;
            self.schools -= u.schools;
        }
        self.enrollment += sign * u.enrollment;
        for (a, b) in self.sums.iter_mut().zip(sums) {
            *a += sign * b;
        }
        self.pos[0] += w * u.pos[0];
        self.pos[1] += w * u.pos[1];
        self.sq += w * (u.pos[0] * u.pos[0] + u.pos[1] * u.pos[1]);
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

/// A network's totals with one unit taken out and perhaps another put in, read without copying the
/// totals: every column is computed as [`Totals::add`] would leave it (the same additions in the same
/// order), so a move is priced exactly as it would then be counted.
pub struct Shifted<'a> {
    pub t: &'a Totals,
    /// The unit leaving (taken away first) with its sums, and the one arriving (added after).
    pub out: Option<(&'a UnitData, &'a [f64])>,
    pub into: Option<(&'a UnitData, &'a [f64])>,
}

impl Shifted<'_> {
    #[inline(always)]
    fn schools(&self) -> u32 {
        self.t.schools - self.out.map_or(0, |u| u.0.schools) + self.into.map_or(0, |u| u.0.schools)
    }

    /// Sum of squared distances of the shifted network's schools to their centre (km²).
    pub fn sse(&self) -> f64 {
        let mut pos = self.t.pos;
        let mut sq = self.t.sq;
        for (u, sign) in [(self.out, -1.0), (self.into, 1.0)] {
            if let Some((u, _)) = u {
                let w = f64::from(u.schools) * sign;
                pos[0] += w * u.pos[0];
                pos[1] += w * u.pos[1];
                sq += w * (u.pos[0] * u.pos[0] + u.pos[1] * u.pos[1]);
            }
        }
        let n = f64::from(self.schools());
        if n == 0.0 {
            0.0
        } else {
            (sq - (pos[0] * pos[0] + pos[1] * pos[1]) / n).max(0.0)
        }
    }
}

impl Counted for Shifted<'_> {
    fn width(&self) -> usize {
        self.t.sums.len()
    }

    #[inline(always)]
    fn fill(&self, row: &mut [f64]) {
        row[0] = f64::from(
            self.t.units - u32::from(self.out.is_some()) + u32::from(self.into.is_some()),
        );
        row[1] = f64::from(self.schools());
        row[2] = self.t.enrollment;
        row[3..].copy_from_slice(&self.t.sums);
        // The same additions, in the same order, as `Totals::add` makes.
        if let Some((u, s)) = self.out {
            row[2] -= u.enrollment;
            for (a, b) in row[3..].iter_mut().zip(s) {
                *a -= b;
            }
        }
        if let Some((u, s)) = self.into {
            row[2] += 1.0 * u.enrollment;
            for (a, b) in row[3..].iter_mut().zip(s) {
                *a += 1.0 * b;
            }
        }
    }
}

impl Counted for Totals {
    fn width(&self) -> usize {
        self.sums.len()
    }

    #[inline(always)]
    fn fill(&self, row: &mut [f64]) {
        row[0] = f64::from(self.units);
        row[1] = f64::from(self.schools);
        row[2] = self.enrollment;
        row[3..].copy_from_slice(&self.sums);
    }
}

/// A network's row, read once for several terms.
#[inline(always)]
fn read_row<'b, const N: usize>(t: &impl Counted, buf: &'b mut [f64; N]) -> &'b [f64] {
    let n = 3 + t.width();
    t.fill(&mut buf[..n]);
    &buf[..n]
}

/// Rows of most scenarios fit this many numbers: a buffer this short costs little to clear.
const SHORT_ROW: usize = 16;

/// Consecutive compiled terms of one kind, so the inner loop does not ask each term what it is (the
/// runs keep the terms' order, and so the order their points are added in).
#[derive(Debug, Clone, PartialEq)]
struct Run {
    op: Op,
    terms: Vec<Compiled>,
}

/// Groups compiled terms into runs of one kind, in order.
fn runs(terms: &[Compiled]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for t in terms {
        match out.last_mut() {
            Some(r) if r.op == t.op => r.terms.push(*t),
            _ => out.push(Run {
                op: t.op,
                terms: vec![*t],
            }),
        }
    }
    out
}

impl Run {
    /// The run's points added to `v`, term after term.
    #[inline(always)]
    fn add_points(&self, row: &[f64], per_mean: f64, mut v: f64) -> f64 {
        let per = |t: &Compiled| if t.per_mean { per_mean } else { t.per };
        match self.op {
            Op::Total => {
                for t in &self.terms {
                    v += outside(row[t.a], (t.lo, t.hi)) / per(t);
                }
            }
            Op::Linear => {
                for t in &self.terms {
                    v += outside(row[t.a] - t.c * row[t.b], (t.lo, t.hi)) / per(t);
                }
            }
            _ => {
                for t in &self.terms {
                    v += t.points(row, per_mean);
                }
            }
        }
        v
    }
}

impl Limits {
    /// How far a network is from meeting every term: the sum of the terms' points, in order (0 when every
    /// term holds). `mean` is the problem's mean network enrollment.
    #[inline]
    pub fn violation(&self, t: &impl Counted, mean: f64) -> f64 {
        let per_mean = 0.01 * mean;
        let points = |row: &[f64]| {
            let mut v = 0.0;
            for run in &self.runs {
                v = run.add_points(row, per_mean, v);
            }
            v
        };
        if 3 + self.width <= SHORT_ROW {
            points(read_row(t, &mut [0.0; SHORT_ROW]))
        } else {
            points(read_row(t, &mut [0.0; ROW]))
        }
    }
}

impl Term {
    /// The term's quantity for a network (`None` where a ratio or share has nothing to divide by).
    pub fn value(&self, t: &impl Counted) -> Option<f64> {
        let mut buf = [0.0; ROW];
        Compiled::of(self).value(read_row(t, &mut buf))
    }

    /// Points of violation of a network (0 when the term holds). `mean` is the problem's mean network
    /// enrollment, for [`Per::MeanPercent`].
    pub fn points(&self, t: &impl Counted, mean: f64) -> f64 {
        let mut buf = [0.0; ROW];
        Compiled::of(self).points(read_row(t, &mut buf), 0.01 * mean)
    }

    /// The term's bounds as one linear row per side on the unit sums, for the assignment's linear
    /// program: `(coefficient of each unit, lower bound, upper bound)`. Ratios and shares are multiplied
    /// out (num − lo·den ≥ 0, num − hi·den ≤ 0); a term on the number of units gives none.
    pub(crate) fn rows(&self, p: &Problem) -> Vec<(Vec<f64>, Option<f64>, Option<f64>)> {
        let w = p.limits.width;
        // Each column as one vector over the units (sums are stored a unit's row after another).
        let column = |c: Column| -> Vec<f64> {
            match c {
                Column::Units => vec![1.0; p.units.len()],
                Column::Schools => p.units.iter().map(|u| f64::from(u.schools)).collect(),
                Column::Enrollment => p.units.iter().map(|u| u.enrollment).collect(),
                Column::Sum(i) => p.sums.iter().skip(i).step_by(w).copied().collect(),
            }
        };
        let bound = |x: f64| x.is_finite().then_some(x);
        // A ratio's or share's sides: num − times·x·den ≥ 0 at the lower bound, ≤ 0 at the upper.
        let sides = |num: Vec<f64>, den: Vec<f64>, times: f64| {
            let side = |x: f64| -> Vec<f64> {
                num.iter()
                    .zip(&den)
                    .map(|(a, b)| a - times * x * b)
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
        };
        match self.quantity {
            Quantity::Total(Column::Units) => Vec::new(),
            Quantity::Total(c) => vec![(column(c), bound(self.lo), bound(self.hi))],
            Quantity::Linear { a, b, c } => vec![(
                column(a)
                    .iter()
                    .zip(column(b))
                    .map(|(x, y)| x - c * y)
                    .collect(),
                bound(self.lo),
                bound(self.hi),
            )],
            Quantity::Ratio { num, den } => sides(column(num), column(den), 1.0),
            Quantity::Percent { num, den } => sides(column(num), column(den), 0.01),
            Quantity::Share { part, of } => sides(
                column(part),
                (0..p.units.len())
                    .map(|u| (of.0..of.1).map(|i| p.sums_of(u)[i]).sum::<f64>())
                    .collect(),
                0.01,
            ),
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
    /// How many columns of sums each unit has (what the terms read).
    pub width: usize,
    size: Size,
    /// The terms compiled for the search's inner loop, in runs of one kind.
    runs: Vec<Run>,
    /// The term whose quantity the capacitated assignment ships (a total within a band: the enrollment
    /// band unless [`Limits::shipping`] chose a narrower one).
    flow: usize,
    /// Bands on other totals of students (forecast years' enrollment, [`Limits::forecast_bands`]) that
    /// the chains weigh beside this year's band: column and bounds.
    forecast: Vec<(usize, f64, f64)>,
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
        let flow = terms
            .iter()
            .position(|t| t.quantity == Quantity::Total(Column::Enrollment))
            .expect("the limits bound the enrollment");
        Limits {
            flow,
            runs: runs(&terms.iter().map(Compiled::of).collect::<Vec<_>>()),
            size: Size {
                min_schools: schools.0.max(0.0) as u32,
                max_schools: schools.1.min(f64::from(u32::MAX)) as u32,
                min_enrollment: enrollment.0,
                max_enrollment: enrollment.1,
            },
            terms,
            connected,
            width,
            forecast: Vec::new(),
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

    /// The same limits with the capacitated assignment shipping term `i` (a total of a column within a
    /// band, such as students in a forecast year whose band is narrower than this year's): the band the
    /// assignment meets exactly is then the one hardest to meet, and the others ride on it.
    pub fn shipping(mut self, i: usize) -> Limits {
        assert!(
            matches!(self.terms[i].quantity, Quantity::Total(c) if c != Column::Units),
            "the assignment ships a total"
        );
        self.flow = i;
        self
    }

    /// The term the capacitated assignment ships.
    pub fn shipped(&self) -> &Term {
        &self.terms[self.flow]
    }

    /// The same limits with terms `bands` (totals of a column of sums within a band: students in a
    /// forecast year) weighed as size bands too: a network over or under one of them is over or under
    /// size, and a network has room only when it has room in every one.
    pub fn forecast_bands(mut self, bands: &[usize]) -> Limits {
        self.forecast = bands
            .iter()
            .map(|&i| match self.terms[i].quantity {
                Quantity::Total(Column::Sum(c)) => (c, self.terms[i].lo, self.terms[i].hi),
                _ => panic!("a forecast band is a total of a column of sums"),
            })
            .collect();
        self
    }

    /// Whether a network is over its school count or any band of students (this year's or a forecast
    /// year's): units must leave it.
    pub fn over_size(&self, t: &Totals) -> bool {
        let l = &self.size;
        t.schools > l.max_schools
            || t.enrollment > l.max_enrollment
            || self.forecast.iter().any(|&(c, _, hi)| t.sums[c] > hi)
    }

    /// Whether a network is under its school count or any band of students: units must join it.
    pub fn under_size(&self, t: &Totals) -> bool {
        let l = &self.size;
        t.schools < l.min_schools
            || t.enrollment < l.min_enrollment
            || self.forecast.iter().any(|&(c, lo, _)| t.sums[c] < lo)
    }

    /// Whether a network can take a unit (`incoming`) or give one up without going past a bound it
    /// is inside: below every upper bound, or above every lower bound with more than one unit.
    pub fn has_room(&self, t: &Totals, incoming: bool) -> bool {
        let l = &self.size;
        if incoming {
            t.schools < l.max_schools
                && t.enrollment < l.max_enrollment
                && self.forecast.iter().all(|&(c, _, hi)| t.sums[c] < hi)
        } else {
            t.schools > l.min_schools
                && t.enrollment > l.min_enrollment
                && t.units > 1
                && self.forecast.iter().all(|&(c, lo, _)| t.sums[c] > lo)
        }
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
    /// Each unit's row of sums, [`Limits::width`] columns a unit, one unit after another.
    pub sums: Vec<f64>,
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
    /// The linear rows of the limits, built the first time an assignment needs them (they depend on the
    /// units, their sums and the limits, which do not change once a problem is being solved).
    pub(crate) rows: Rows,
}

/// One linear rule on each network `c`: `lo ≤ Σ_u coef[u]·x[u][c] ≤ hi`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinearRow {
    pub coef: Vec<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

/// A problem's linear rows, built once ([`Problem::rows`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows(OnceLock<Arc<Vec<LinearRow>>>);

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

/// Links between units with a price (a soft goal, unlike the hard [`Limits`]). A link of positive weight
/// is one a plan should rather not cut (a feeder link): cutting it adds `cost` × its weight to the
/// compactness objective. A link of negative weight is one a plan should rather not keep inside a network
/// (a link across a soft barrier): keeping it adds `cost` × the weight's size. Either way a move's change
/// in price is `cost` × the change in cut weight, so the search prices both alike.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    /// km² per unit of weight; 0 switches the goal off.
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
        Links::weighted(n, pairs.into_iter().map(|(a, b)| (a, b, 1.0)), cost)
    }

    /// Symmetric links from (unit, unit, weight) triples (see [`Links`] for the sign); weights of one pair
    /// add up and pairs within one unit are dropped.
    pub fn weighted(
        n: usize,
        triples: impl IntoIterator<Item = (usize, usize, f64)>,
        cost: f64,
    ) -> Links {
        let mut of_unit: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (a, b, w) in triples {
            if a != b {
                of_unit[a].push((b, w));
                of_unit[b].push((a, w));
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

    /// The price of the links as `assign` cuts and keeps them: `cost` × (the weight of the positive links
    /// cut + the size of the negative links kept).
    pub fn price(&self, assign: &[usize]) -> f64 {
        if !self.active() {
            return 0.0;
        }
        let weight: f64 = self
            .of_unit
            .iter()
            .enumerate()
            .flat_map(|(u, l)| l.iter().map(move |&(v, w)| (u, v, w)))
            .filter(|&(u, v, _)| u < v)
            .map(|(u, v, w)| match (assign[u] != assign[v], w > 0.0) {
                (true, true) => w,
                (false, false) => -w,
                _ => 0.0,
            })
            .sum();
        self.cost * weight
    }
}

impl Problem {
    /// A problem with no soft goal, no pin and no watch.
    /// A problem whose units' sums are all 0 (set [`Problem::sums`] for rules on them).
    pub fn new(units: Vec<UnitData>, neighbors: Arc<Graph>, k: usize, limits: Limits) -> Problem {
        Problem {
            sums: vec![0.0; units.len() * limits.width],
            units,
            neighbors,
            k,
            limits,
            links: Links::default(),
            homes: Homes::default(),
            pins: Vec::new(),
            watch: Watch::default(),
            rows: Rows::default(),
        }
    }

    /// The problem's linear rows, built by `build` the first time they are asked for.
    pub(crate) fn rows(&self, build: impl FnOnce() -> Vec<LinearRow>) -> Arc<Vec<LinearRow>> {
        self.rows.0.get_or_init(|| Arc::new(build())).clone()
    }

    /// Unit `u`'s row of sums.
    #[inline]
    pub fn sums_of(&self, u: usize) -> &[f64] {
        let w = self.limits.width;
        &self.sums[u * w..(u + 1) * w]
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
