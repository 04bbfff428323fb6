//! The sums every rule reads, built in one place: per school, per planning unit (what the solver adds and
//! takes away as units move) and per network (what the report checks).
//!
//! A [`Layout`] gives each column of the solver's [`Sums`] its meaning, for the rules a scenario switches
//! on: high and middle schools, low-performing and rated schools, the enrollment-weighted distance from
//! standard and FRPM share (numerator and weight), students by ethnic group, schools of each model with a
//! minimum, and students in each forecast year. Columns of rules that are off are not kept, so the solver
//! adds up only what it reads.

use crate::schools::{Level, School, SchoolTable, ETHNICITIES};
use crate::solver::{Column, Sums, Totals, UnitData, MAX_SUMS};
use crate::units::Units;

/// Which column of [`Sums`] holds what.
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

    /// One school's sums. `low` is its low-performing flag (`None`: not rated), `years` its students in
    /// each forecast year (in the layout's order; empty without forecasts).
    pub fn school(&self, s: &School, low: Option<bool>, years: &[f64]) -> Sums {
        let mut sums = Sums::default();
        let x = &mut sums.0;
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
        sums
    }

    /// Each planning unit's data for the solver: position, schools, students and the sums of its schools
    /// (added in the unit's order). `school_sums[i]` is school `i`'s sums ([`Layout::school`]).
    pub fn units(&self, units: &Units, school_sums: &[Sums]) -> Vec<UnitData> {
        units
            .units
            .iter()
            .map(|u| {
                let mut sums = Sums::default();
                for &i in &u.schools {
                    sums.add(&school_sums[i], 1.0, self.width);
                }
                UnitData {
                    pos: u.pos,
                    schools: u.schools.len() as u32,
                    enrollment: u.enrollment as f64,
                    sums,
                }
            })
            .collect()
    }

    /// Each network's totals, recounted school by school in table order from the school → network
    /// assignment (`units` then counts schools). This is what the report checks.
    pub fn networks(
        &self,
        table: &SchoolTable,
        school_sums: &[Sums],
        school_network: &[usize],
        k: usize,
    ) -> Vec<Totals> {
        let mut out = vec![Totals::default(); k];
        for (i, (s, &c)) in table.schools.iter().zip(school_network).enumerate() {
            let t = &mut out[c];
            t.units += 1;
            t.schools += 1;
            t.enrollment += f64::from(s.enrollment);
            t.sums.add(&school_sums[i], 1.0, self.width);
        }
        out
    }
}
