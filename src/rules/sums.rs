//! The sums every rule reads, built in one place: per school, per planning unit (what the solver adds and
//! takes away as units move) and per network (what the report checks).
//!
//! A [`Layout`] gives each column of the solver's sums its meaning, for the rules a scenario switches
//! on: high and middle schools, low-performing and rated schools, the enrollment-weighted distance from
//! standard and FRPM share (numerator and weight), students by ethnic group, schools of each model with a
//! minimum, and students in each forecast year. Columns of rules that are off are not kept, so the solver
//! adds up only what it reads.

use crate::schools::{Level, School, SchoolTable, ETHNICITIES};
use crate::solver::{Column, Totals, UnitData, MAX_SUMS};
use crate::units::Units;

/// Which column of the sums holds what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    pub high: Option<usize>,
    pub middle: Option<usize>,
    /// Low-performing schools, and schools rated at all.
    pub low: Option<usize>,
    pub rated: Option<usize>,
    /// Σ enrollment × distance from standard, and Σ enrollment, over schools with a score.
    pub dfs: Option<(usize, usize)>,
    /// Σ enrollment × FRPM percent, and Σ enrollment, over schools that report it.
    pub frpm: Option<(usize, usize)>,
    /// The first of nine columns of students by ethnic group (in [`ETHNICITIES`] order).
    pub ethnicity: Option<usize>,
    /// Schools of each model with a minimum: (model, column).
    pub models: Vec<(String, usize)>,
    /// Students in each year after the table's (forecast), in order: (year label, column).
    pub years: Vec<(String, usize)>,
    /// Columns in use.
    pub width: usize,
}

/// What a layout is asked to keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wanted {
    pub high: bool,
    pub middle: bool,
    pub low: bool,
    pub dfs: bool,
    pub frpm: bool,
    pub ethnicity: bool,
    pub models: Vec<String>,
    pub years: Vec<String>,
}

impl Layout {
    /// Columns for what is wanted, in a fixed order; `None` when they do not fit in [`MAX_SUMS`].
    pub fn new(wanted: &Wanted) -> Option<Layout> {
        let mut width = 0;
        let mut take = |n: usize| {
            let at = width;
            width += n;
            at
        };
        let mut l = Layout {
            high: wanted.high.then(|| take(1)),
            middle: wanted.middle.then(|| take(1)),
            ..Layout::default()
        };
        if wanted.low {
            l.low = Some(take(1));
            l.rated = Some(take(1));
        }
        l.dfs = wanted.dfs.then(|| (take(1), take(1)));
        l.frpm = wanted.frpm.then(|| (take(1), take(1)));
        l.ethnicity = wanted.ethnicity.then(|| take(ETHNICITIES.len()));
        l.models = wanted.models.iter().map(|m| (m.clone(), take(1))).collect();
        l.years = wanted.years.iter().map(|y| (y.clone(), take(1))).collect();
        l.width = width;
        (width <= MAX_SUMS).then_some(l)
    }

    /// The column of a sum.
    pub fn column(i: usize) -> Column {
        Column::Sum(i)
    }

    /// One school's sums (`width` columns). `low` is its low-performing flag (`None`: not rated), `years`
    /// its students in each forecast year (in the layout's order; empty without forecasts).
    pub fn school(&self, s: &School, low: Option<bool>, years: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.width];
        let e = f64::from(s.enrollment);
        if let Some(c) = self.high {
            x[c] = f64::from(u8::from(s.level == Level::High));
        }
        if let Some(c) = self.middle {
            x[c] = f64::from(u8::from(s.level == Level::Middle));
        }
        if let (Some(c), Some(r), Some(l)) = (self.low, self.rated, low) {
            x[c] = f64::from(u8::from(l));
            x[r] = 1.0;
        }
        if let (Some((a, b)), Some(d)) = (self.dfs, super::district::school_dfs(s)) {
            x[a] = e * d;
            x[b] = e;
        }
        if let (Some((a, b)), Some(f)) = (self.frpm, s.frpm_pct) {
            x[a] = e * f;
            x[b] = e;
        }
        if let Some(c) = self.ethnicity {
            for (j, v) in s.ethnicity.iter().enumerate() {
                x[c + j] = f64::from(v.unwrap_or(0));
            }
        }
        for (m, c) in &self.models {
            x[*c] = f64::from(u8::from(&s.model == m));
        }
        for ((_, c), v) in self.years.iter().zip(years) {
            x[*c] = *v;
        }
        x
    }

    /// Each planning unit's data for the solver (position, schools, students) and its row of sums (the
    /// sums of its schools', added in the unit's order), one row after another. `school_sums` holds each
    /// school's row ([`Layout::school`]), one after another.
    pub fn units(&self, units: &Units, school_sums: &[f64]) -> (Vec<UnitData>, Vec<f64>) {
        let w = self.width;
        let mut sums = vec![0.0; units.len() * w];
        let data = units
            .units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                let row = &mut sums[u * w..(u + 1) * w];
                for &i in &unit.schools {
                    for (a, b) in row.iter_mut().zip(&school_sums[i * w..(i + 1) * w]) {
                        *a += 1.0 * b;
                    }
                }
                UnitData {
                    pos: unit.pos,
                    schools: unit.schools.len() as u32,
                    enrollment: unit.enrollment as f64,
                }
            })
            .collect();
        (data, sums)
    }

    /// Each network's totals, recounted school by school in table order from the school → network
    /// assignment (`units` then counts schools). This is what the report checks.
    pub fn networks(
        &self,
        table: &SchoolTable,
        school_sums: &[f64],
        school_network: &[usize],
        k: usize,
    ) -> Vec<Totals> {
        let w = self.width;
        let mut out = vec![Totals::zero(w); k];
        for (i, (s, &c)) in table.schools.iter().zip(school_network).enumerate() {
            let t = &mut out[c];
            t.units += 1;
            t.schools += 1;
            t.enrollment += f64::from(s.enrollment);
            for (a, b) in t.sums.iter_mut().zip(&school_sums[i * w..(i + 1) * w]) {
                *a += 1.0 * b;
            }
        }
        out
    }
}
