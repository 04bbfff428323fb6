//! Enrollment forecasts: each school's students in the next years, from the district's history, with an
//! interval, by a method a planner recognises and that the history itself chose.
//!
//! Methods ([`Method`]):
//! - **persistence**: next year as this year (a baseline);
//! - **district ratio**: every school changes as the district did last year (a baseline);
//! - **neighbourhood trend**: the district ratio, times how much faster or slower the school's
//!   neighbourhood (its [`NEIGHBOURS`] nearest schools, itself included) has grown than the district, that
//!   difference fading by half each year ahead. A neighbourhood's trend is far steadier than one school's,
//!   and it is what moves a network's share of the district: new housing, an ageing area, a charter
//!   opening nearby;
//! - **grade progression** (cohort survival), where the CDE's enrollment by grade files are given: each
//!   grade next year is last year's grade below times the school's survival rate (shrunk toward the
//!   district's by how few students it rests on); entry grades follow the district.
//!
//! The **backtest** forecasts from every past year of the history (using only the years up to it) and
//! scores against what happened, 1, 2 and 3 years ahead, at school level (students off, in percent of all
//! students) and at network level (each network's students off, in percent; and its share of the mean
//! network off, in percentage points, which is what an enrollment band sees). The method with the least
//! network error is chosen. Intervals are the backtest's own errors (10th to 90th percentile of the
//! ratio actual / forecast at each horizon); where a horizon has no case, the nearest horizon's, widened
//! with the square root of the years.
//!
//! Pure: the history, the table and the networks in; figures out.

use crate::error::{Error, Result};
use crate::history::{next_year, History, GRADES};
use crate::plan_file::{NetworkOutlook, Outlook};
use crate::schools::SchoolTable;
use serde::Serialize;

/// Schools in a neighbourhood (the school and its nearest neighbours).
pub const NEIGHBOURS: usize = 12;

/// How fast a neighbourhood's lead over the district fades: half of it each year ahead.
pub const FADE: f64 = 0.5;

/// Students a school's survival rates rest on before they count as much as the district's.
pub const SURVIVAL_PRIOR: f64 = 30.0;

/// Longest forecast.
pub const MAX_YEARS: usize = crate::scenarios::MAX_HORIZON_YEARS;

/// Horizons the backtest scores.
pub const BACKTEST_HORIZONS: usize = 3;

/// A forecasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Persistence,
    DistrictRatio,
    NeighbourhoodTrend,
    GradeProgression,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Persistence,
        Method::DistrictRatio,
        Method::NeighbourhoodTrend,
        Method::GradeProgression,
    ];

    /// The name the command line and the files use.
    pub fn key(self) -> &'static str {
        match self {
            Method::Persistence => "persistence",
            Method::DistrictRatio => "district-ratio",
            Method::NeighbourhoodTrend => "neighbourhood-trend",
            Method::GradeProgression => "grade-progression",
        }
    }

    /// In words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Persistence => "persistence (each school next year as this year)",
            Method::DistrictRatio => "district ratio (every school changes as the district did last year)",
            Method::NeighbourhoodTrend => "neighbourhood trend (the district ratio, times how much faster the school's 12 nearest schools have grown than the district, fading by half each year)",
            Method::GradeProgression => "grade progression (each grade next year from last year's grade below, by the school's survival rates shrunk toward the district's)",
        }
    }

    /// The method of a command-line name.
    pub fn parse(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == key)
    }
}

/// What to forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Years after the base year.
    pub years: usize,
    /// A method to use; `None`: the one the backtest finds best.
    pub method: Option<Method>,
    /// Networks to score the backtest on when no plan's are given: this many compact groups of schools.
    pub groups: usize,
}

/// The networks a backtest scores: each table school's network (`None`: in none), and what they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    pub of_school: Vec<Option<usize>>,
    pub count: usize,
    /// "the networks of out/plan.json", "32 compact groups of schools".
    pub what: String,
}

/// One method's backtest at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub method: Method,
    pub horizon: usize,
    /// Forecasts scored (origins).
    pub origins: usize,
    /// Σ|forecast − actual| / Σ actual over schools open at both years, percent.
    pub school_error_pct: f64,
    /// Mean over networks and origins of |forecast − actual| / actual, percent.
    pub network_error_pct: f64,
    /// The largest error in a network's share of the mean network, percentage points.
    pub share_error_max: f64,
    /// The mean error in a network's share of the mean network, percentage points.
    pub share_error_mean: f64,
    /// The root-mean-square error in a network's share of the mean network, percentage points (the
    /// spread [`MARGIN_SPREADS`] scales into a plan's margin).
    pub share_error_rms: f64,
}

/// A backtest: every method at every horizon the years allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The years it used, oldest first.
    pub years: Vec<String>,
    /// The networks it scored.
    pub groups: String,
    pub scores: Vec<Score>,
}

impl Backtest {
    /// A method's score at a horizon.
    pub fn score(&self, method: Method, horizon: usize) -> Option<&Score> {
        self.scores
            .iter()
            .find(|s| s.method == method && s.horizon == horizon)
    }

    /// Horizons scored.
    pub fn horizons(&self) -> usize {
        self.scores.iter().map(|s| s.horizon).max().unwrap_or(0)
    }
}

/// A school that opens or closes inside the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub id: String,
    pub name: String,
    /// Its first year (opened) or its last (closed).
    pub year: String,
}

/// A forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The table's year.
    pub base_year: String,
    /// The years forecast, in order.
    pub years: Vec<String>,
    pub method: Method,
    /// Why this method.
    pub why: String,
    /// Each table school's students in each forecast year (`[school][year]`), and its 80% interval.
    pub enrollment: Vec<Vec<f64>>,
    pub low: Vec<Vec<f64>>,
    pub high: Vec<Vec<f64>>,
    /// The backtest on the years up to the base year (what chose the method and sizes the intervals).
    pub backtest: Backtest,
    /// The same backtest with every year the history has (years after the base year only as outcomes),
    /// when it has any.
    pub hindsight: Option<Backtest>,
    /// The margin a plan that holds for years narrows its band by in each forecast year, percentage
    /// points of that year's mean: [`MARGIN_SPREADS`] times the backtest's root-mean-square error in a
    /// network's share at that year ahead (the nearest measured horizon's, widened with √years, where
    /// none was measured).
    pub margin: Vec<f64>,
    /// Table schools that opened inside the history (their first year), and schools of the history the
    /// table no longer has (their last year).
    pub opened: Vec<Change>,
    pub closed: Vec<Change>,
    /// Anything else the reader should know.
    pub notes: Vec<String>,
}

/// The history year whose enrollments the table has: the year in which most of the table's schools have
/// exactly the table's students (at least half of them). `None` when no year is.
pub fn base_year(table: &SchoolTable, history: &History) -> Option<String> {
    let (year, same) = closest_year(table, history)?;
    (2 * same >= table.schools.len() && same > 0).then_some(year)
}

/// The history year in which most of the table's schools have exactly the table's students, and how many
/// do (for [`base_year`], and for saying how close a history that does not match came).
pub fn closest_year(table: &SchoolTable, history: &History) -> Option<(String, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for y in 0..history.years.len() {
        let same = table
            .schools
            .iter()
            .filter(|s| {
                history
                    .schools
                    .get(&s.id)
                    .and_then(|h| h.enrollment[y])
                    .is_some_and(|e| e == f64::from(s.enrollment))
            })
            .count();
        if best.is_none_or(|(_, n)| same > n) {
            best = Some((y, same));
        }
    }
    best.map(|(y, n)| (history.years[y].clone(), n))
}

/// Everything known, year by year: one row per school (table schools first, in table order, then
/// schools only in the history).
struct Data {
    years: Vec<String>,
    /// Students by school and year.
    enr: Vec<Vec<Option<f64>>>,
    /// Students by grade, by school and year.
    grades: Vec<Vec<Option<[f64; GRADES]>>>,
    /// District total each year.
    total: Vec<f64>,
    /// The district's growth into each year among the schools open the year before too (what a
    /// neighbourhood's growth, summed over the same kind of schools, is compared with).
    matched: Vec<f64>,
    /// Each school's neighbourhood (rows of `enr`), for the table's schools.
    near: Vec<Vec<usize>>,
}

impl Data {
    /// The district's ratio from year `t - 1` to `t`.
    fn ratio(&self, t: usize) -> f64 {
        if t == 0 || self.total[t - 1] <= 0.0 {
            1.0
        } else {
            self.total[t] / self.total[t - 1]
        }
    }

    /// Forecasts `h` years ahead from year `o`, knowing only years up to `o`, for every school open at `o`.
    fn predict(&self, method: Method, o: usize, h: usize) -> Vec<Option<f64>> {
        let r = self.ratio(o);
        let n = self.enr.len();
        match method {
            Method::Persistence => (0..n).map(|s| self.enr[s][o]).collect(),
            Method::DistrictRatio => (0..n)
                .map(|s| self.enr[s][o].map(|e| e * r.powi(h as i32)))
                .collect(),
            Method::NeighbourhoodTrend => (0..n)
                .map(|s| {
                    let e = self.enr[s][o]?;
                    let lead = self.lead(s, o);
                    let fade: f64 = (1..=h).map(|j| FADE.powi(j as i32)).sum();
                    Some(e * r.powi(h as i32) * (lead * fade).exp())
                })
                .collect(),
            Method::GradeProgression => {
                let survival = self.district_survival(o);
                (0..n)
                    .map(|s| {
                        let e = self.enr[s][o]?;
                        match self.progress(s, o, h, &survival) {
                            Some(v) => Some(v),
                            None => {
                                let lead = self.lead(s, o);
                                let fade: f64 = (1..=h).map(|j| FADE.powi(j as i32)).sum();
                                Some(e * r.powi(h as i32) * (lead * fade).exp())
                            }
                        }
                    })
                    .collect()
            }
        }
    }

    /// How much faster school `s`'s neighbourhood grew than the district each year up to `o` (mean of
    /// the yearly log differences, both among schools open both years); 0 without a neighbourhood or
    /// years to compare.
    fn lead(&self, s: usize, o: usize) -> f64 {
        let Some(near) = self.near.get(s) else {
            return 0.0;
        };
        let mut leads = Vec::new();
        for b in 1..=o {
            let a = b - 1;
            let (mut na, mut nb) = (0.0, 0.0);
            for &x in near {
                if let (Some(ea), Some(eb)) = (self.enr[x][a], self.enr[x][b]) {
                    na += ea;
                    nb += eb;
                }
            }
            if na > 0.0 && nb > 0.0 && self.matched[b] > 0.0 {
                leads.push((nb / na).ln() - self.matched[b].ln());
            }
        }
        if leads.is_empty() {
            0.0
        } else {
            leads.iter().sum::<f64>() / leads.len() as f64
        }
    }

    /// The district's survival rate into each grade (1..12) from the year before, pooled over the years up
    /// to `o`: students in grade g at b over students in grade g − 1 at b − 1, over schools with both.
    fn district_survival(&self, o: usize) -> [f64; GRADES] {
        let mut num = [0.0; GRADES];
        let mut den = [0.0; GRADES];
        for row in &self.grades {
            for b in 1..=o {
                if let (Some(ga), Some(gb)) = (row[b - 1], row[b]) {
                    for g in 1..GRADES {
                        if ga[g - 1] > 0.0 && gb[g] > 0.0 {
                            num[g] += gb[g];
                            den[g] += ga[g - 1];
                        }
                    }
                }
            }
        }
        let mut out = [1.0; GRADES];
        for g in 1..GRADES {
            if den[g] > 0.0 {
                out[g] = num[g] / den[g];
            }
        }
        out
    }

    /// Grade progression for school `s` from `o`, `h` years ahead; `None` when it has no grades at `o`
    /// and the year before.
    fn progress(&self, s: usize, o: usize, h: usize, district: &[f64; GRADES]) -> Option<f64> {
        if o == 0 {
            return None;
        }
        let now = self.grades[s][o]?;
        self.grades[s][o - 1]?;
        let total = self.enr[s][o]?;
        // The school's own survival into each grade, pooled over its years, shrunk to the district's.
        let mut num = [0.0; GRADES];
        let mut den = [0.0; GRADES];
        for b in 1..=o {
            if let (Some(ga), Some(gb)) = (self.grades[s][b - 1], self.grades[s][b]) {
                for g in 1..GRADES {
                    num[g] += gb[g];
                    den[g] += ga[g - 1];
                }
            }
        }
        let serves = |g: usize| now[g] > 0.0;
        let survival: Vec<f64> = (0..GRADES)
            .map(|g| {
                if g == 0 {
                    0.0
                } else {
                    (num[g] + SURVIVAL_PRIOR * district[g]) / (den[g] + SURVIVAL_PRIOR)
                }
            })
            .collect();
        let r = self.ratio(o);
        let ungraded = (total - now.iter().sum::<f64>()).max(0.0);
        let mut g_now = now;
        for _ in 0..h {
            let mut next = [0.0; GRADES];
            for g in 0..GRADES {
                next[g] = if g > 0 && serves(g - 1) && serves(g) {
                    g_now[g - 1] * survival[g]
                } else if serves(g) {
                    // An entry grade (kindergarten, or the first grade the school has): as the district.
                    g_now[g] * r
                } else {
                    0.0
                };
            }
            g_now = next;
        }
        Some(g_now.iter().sum::<f64>() + ungraded * r.powi(h as i32))
    }
}

/// Scores every method on the years `0..=last` of `data`: forecasts from each year `o` with at least one
/// year before it, `h` = 1..3 years ahead, against year `o + h`.
fn backtest(data: &Data, last: usize, groups: &Groups, methods: &[Method]) -> Backtest {
    let mut scores = Vec::new();
    for &m in methods {
        for h in 1..=BACKTEST_HORIZONS {
            let (mut off, mut actual_sum) = (0.0, 0.0);
            let mut net_err = Vec::new();
            let mut share = Vec::new();
            let mut origins = 0;
            for o in 1..=last {
                if o + h > last {
                    break;
                }
                origins += 1;
                let f = data.predict(m, o, h);
                let t = o + h;
                let mut nf = vec![0.0; groups.count];
                let mut na = vec![0.0; groups.count];
                for (s, (&fs, row)) in f.iter().zip(&data.enr).enumerate() {
                    let a = row[t];
                    if let (Some(fs), Some(a)) = (fs, a) {
                        off += (fs - a).abs();
                        actual_sum += a;
                    }
                    if let Some(g) = groups.of_school.get(s).copied().flatten() {
                        nf[g] += fs.unwrap_or(0.0);
                        na[g] += a.unwrap_or(0.0);
                    }
                }
                let (mf, ma) = (
                    nf.iter().sum::<f64>() / groups.count as f64,
                    na.iter().sum::<f64>() / groups.count as f64,
                );
                for g in 0..groups.count {
                    if na[g] > 0.0 {
                        net_err.push(100.0 * (nf[g] - na[g]).abs() / na[g]);
                    }
                    if mf > 0.0 && ma > 0.0 {
                        share.push(100.0 * (nf[g] / mf - na[g] / ma).abs());
                    }
                }
            }
            if origins == 0 {
                continue;
            }
            let mean = |v: &[f64]| {
                if v.is_empty() {
                    0.0
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            };
            scores.push(Score {
                method: m,
                horizon: h,
                origins,
                school_error_pct: round2(100.0 * off / actual_sum.max(1.0)),
                network_error_pct: round2(mean(&net_err)),
                share_error_max: round2(share.iter().copied().fold(0.0, f64::max)),
                share_error_mean: round2(mean(&share)),
                share_error_rms: round2(
                    mean(&share.iter().map(|x| x * x).collect::<Vec<_>>()).sqrt(),
                ),
            });
        }
    }
    Backtest {
        years: data.years[..=last].to_vec(),
        groups: groups.what.clone(),
        scores,
    }
}

fn round2(v: f64) -> f64 {
    crate::text::round(v, 2)
}

/// Compact groups of the table's schools (k-means on their positions, seeded, weighted by nothing):
/// networks to score a backtest on when no plan's are given.
pub fn compact_groups(table: &SchoolTable, k: usize) -> Groups {
    use rand::{RngExt, SeedableRng};
    let n = table.schools.len();
    let k = k.clamp(1, n.max(1));
    let projection =
        crate::geography::Projection::centred_on(table.schools.iter().map(|s| (s.lat, s.lon)));
    let pts = table.points(&projection);
    let d2 = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(crate::seeds::derive(2018, 0));
    // k-means++ seeding, then Lloyd.
    let mut centres = vec![pts[rng.random_range(0..n)]];
    while centres.len() < k {
        let dist: Vec<f64> = pts
            .iter()
            .map(|&p| {
                centres
                    .iter()
                    .map(|&c| d2(p, c))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let total: f64 = dist.iter().sum();
        let mut pick = rng.random_range(0.0..total.max(1e-12));
        let mut chosen = n - 1;
        for (i, d) in dist.iter().enumerate() {
            pick -= d;
            if pick <= 0.0 {
                chosen = i;
                break;
            }
        }
        centres.push(pts[chosen]);
    }
    let mut of = vec![0usize; n];
    for _ in 0..50 {
        for (i, &p) in pts.iter().enumerate() {
            of[i] = (0..k)
                .min_by(|&a, &b| d2(p, centres[a]).total_cmp(&d2(p, centres[b])))
                .unwrap_or(0);
        }
        let mut sums = vec![[0.0f64; 3]; k];
        for (i, &p) in pts.iter().enumerate() {
            sums[of[i]][0] += p[0];
            sums[of[i]][1] += p[1];
            sums[of[i]][2] += 1.0;
        }
        for (c, s) in sums.iter().enumerate() {
            if s[2] > 0.0 {
                centres[c] = [s[0] / s[2], s[1] / s[2]];
            }
        }
    }
    Groups {
        of_school: of.into_iter().map(Some).collect(),
        count: k,
        what: format!("{k} compact groups of schools (k-means on their positions), as many as the plan's networks"),
    }
}

/// Forecasts the table's schools `options.years` years after `base_year` from `history` (its years up to
/// `base_year`; the table gives the base year itself). `groups` are the networks the backtest scores
/// (each table school's network).
pub fn forecast(
    table: &SchoolTable,
    history: &History,
    base_year: &str,
    groups: &Groups,
    options: &Options,
) -> Result<Forecast> {
    if options.years == 0 || options.years > MAX_YEARS {
        return Err(Error::Usage(format!(
            "a forecast is for 1 to {MAX_YEARS} years ahead, not {}",
            options.years
        )));
    }
    // Years known up to the base year, then any after it (outcomes only).
    let base_in_history = history.year_index(base_year);
    let before: Vec<usize> = (0..history.years.len())
        .filter(|&y| history.years[y].as_str() < base_year)
        .collect();
    if let Some(&last) = before.last() {
        if next_year(&history.years[last]) != base_year {
            return Err(Error::Usage(format!(
                "the history ends in {} but the table is of {base_year}: give the years between (forecasts follow schools from one year to the next)",
                history.years[last]
            )));
        }
    }
    let after: Vec<usize> = (0..history.years.len())
        .filter(|&y| history.years[y].as_str() > base_year)
        .collect();
    let mut years: Vec<String> = before.iter().map(|&y| history.years[y].clone()).collect();
    years.push(base_year.to_string());
    let base = years.len() - 1;
    years.extend(after.iter().map(|&y| history.years[y].clone()));
    let column_of = |t: usize| -> Option<usize> {
        if t < base {
            Some(before[t])
        } else if t == base {
            base_in_history
        } else {
            Some(after[t - base - 1])
        }
    };

    // Rows: table schools first, then schools only in the history.
    let index = table.index();
    let mut ids: Vec<String> = table.schools.iter().map(|s| s.id.clone()).collect();
    ids.extend(
        history
            .schools
            .keys()
            .filter(|id| !index.contains_key(id.as_str()))
            .cloned(),
    );
    let nyears = years.len();
    let mut enr = vec![vec![None; nyears]; ids.len()];
    let mut grades = vec![vec![None; nyears]; ids.len()];
    for (row, id) in ids.iter().enumerate() {
        if let Some(h) = history.schools.get(id) {
            for t in 0..nyears {
                if let Some(c) = column_of(t) {
                    enr[row][t] = h.enrollment[c];
                    grades[row][t] = h.grades[c];
                }
            }
        }
        // The table is the base year's truth for its schools; schools it leaves out (an importer drops
        // aggregate rows and schools without coordinates) keep the history's figure, so the district's
        // totals stay comparable from year to year.
        if row < table.schools.len() {
            enr[row][base] = Some(f64::from(table.schools[row].enrollment));
        }
    }
    let total: Vec<f64> = (0..nyears)
        .map(|t| enr.iter().filter_map(|r| r[t]).sum())
        .collect();
    // Neighbourhoods of the table's schools (themselves included).
    let projection =
        crate::geography::Projection::centred_on(table.schools.iter().map(|s| (s.lat, s.lon)));
    let pts = table.points(&projection);
    let near: Vec<Vec<usize>> = {
        use rstar::primitives::GeomWithData;
        let tree = rstar::RTree::bulk_load(
            pts.iter()
                .enumerate()
                .map(|(i, &p)| GeomWithData::new(p, i))
                .collect(),
        );
        pts.iter()
            .map(|p| {
                tree.nearest_neighbor_iter(p)
                    .take(NEIGHBOURS)
                    .map(|g| g.data)
                    .collect()
            })
            .collect()
    };
    let matched: Vec<f64> = (0..nyears)
        .map(|b| {
            let (mut na, mut nb) = (0.0, 0.0);
            if b > 0 {
                for r in &enr {
                    if let (Some(x), Some(y)) = (r[b - 1], r[b]) {
                        na += x;
                        nb += y;
                    }
                }
            }
            if na > 0.0 {
                nb / na
            } else {
                0.0
            }
        })
        .collect();
    let data = Data {
        years: years.clone(),
        enr,
        grades,
        total,
        matched,
        near,
    };
    let row_groups = Groups {
        of_school: (0..ids.len())
            .map(|r| groups.of_school.get(r).copied().flatten())
            .collect(),
        ..groups.clone()
    };
    let with_grades = data
        .grades
        .iter()
        .any(|g| g[..=base].iter().filter(|x| x.is_some()).count() >= 2);
    let mut methods = vec![
        Method::Persistence,
        Method::DistrictRatio,
        Method::NeighbourhoodTrend,
    ];
    if with_grades {
        methods.push(Method::GradeProgression);
    }
    let known = backtest(&data, base, &row_groups, &methods);
    let hindsight = (nyears > base + 1).then(|| backtest(&data, nyears - 1, &row_groups, &methods));
    // The method: the planner's, or the least network error in the backtest (simpler on a tie).
    let candidates: Vec<Method> = methods
        .iter()
        .copied()
        .filter(|m| *m != Method::Persistence)
        .collect();
    let mean_error = |m: Method| -> Option<f64> {
        let s: Vec<f64> = known
            .scores
            .iter()
            .filter(|s| s.method == m)
            .map(|s| s.network_error_pct)
            .collect();
        (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
    };
    let mut notes = Vec::new();
    let (method, why) = match options.method {
        Some(m) => {
            if m == Method::GradeProgression && !with_grades {
                return Err(Error::Usage(
                    "grade progression needs enrollment by grade for two years or more: give the CDE's enrollment by grade files (enrYYYYYY-vN.txt) with --history".into(),
                ));
            }
            (m, "named with --method".to_string())
        }
        None if base == 0 => (
            Method::Persistence,
            "the history has no year before the base year: nothing to project but the base year itself".to_string(),
        ),
        None => match candidates
            .iter()
            .filter_map(|&m| mean_error(m).map(|e| (m, e)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        {
            Some((m, e)) => (
                m,
                format!(
                    "the least network error in the backtest on {} to {} ({e:.2}% on average over the horizons scored)",
                    data.years[0], data.years[base]
                ),
            ),
            None => (
                Method::DistrictRatio,
                format!(
                    "the history ({} to {}) is too short to backtest (it needs three years): the district ratio, the simplest method that follows the district",
                    data.years[0], data.years[base]
                ),
            ),
        },
    };
    // The forecast itself, and its intervals from the backtest's errors.
    let n = table.schools.len();
    let mut enrollment = vec![Vec::with_capacity(options.years); n];
    let mut low = vec![Vec::with_capacity(options.years); n];
    let mut high = vec![Vec::with_capacity(options.years); n];
    let quantiles = interval_quantiles(&data, base, method);
    if quantiles.iter().all(Option::is_none) {
        notes.push("The backtest has no case to size the intervals with (the history is too short): the intervals are ±5% a year, a guess, not a measurement.".into());
    }
    let mut forecast_years = Vec::new();
    let mut year = base_year.to_string();
    for h in 1..=options.years {
        year = next_year(&year);
        forecast_years.push(year.clone());
        let f = data.predict(method, base, h);
        let (lo, hi) = widen(&quantiles, h);
        for s in 0..n {
            let v = f[s].unwrap_or(0.0);
            enrollment[s].push(crate::text::round(v, 1));
            low[s].push(crate::text::round(v * lo, 1));
            high[s].push(crate::text::round(v * hi, 1));
        }
    }
    let margin = (1..=options.years)
        .map(|h| margin_at(&known, method, h))
        .collect();
    // Schools that open or close inside the history.
    let first_year = &data.years[0];
    let mut opened = Vec::new();
    for (s, school) in table.schools.iter().enumerate() {
        let first = (0..=base)
            .find(|&t| data.enr[s][t].is_some())
            .unwrap_or(base);
        if data.years[first] != *first_year {
            opened.push(Change {
                id: school.id.clone(),
                name: school.name.clone(),
                year: data.years[first].clone(),
            });
        }
    }
    let mut closed = Vec::new();
    for (row, id) in ids.iter().enumerate().skip(n) {
        if let Some(last) = (0..base).rev().find(|&t| data.enr[row][t].is_some()) {
            closed.push(Change {
                id: id.clone(),
                name: history.schools[id].name.clone(),
                year: data.years[last].clone(),
            });
        }
    }
    if !opened.is_empty() {
        notes.push(format!(
            "{} of the table's schools opened after {first_year} (listed below): their trend rests on the years they have, and new schools of the years ahead are not forecast.",
            opened.len()
        ));
    }
    if !closed.is_empty() {
        notes.push(format!(
            "{} schools of the history closed before {base_year} (listed below): they count in the district's past totals, not in the forecast.",
            closed.len()
        ));
    }
    Ok(Forecast {
        base_year: base_year.to_string(),
        years: forecast_years,
        method,
        why,
        enrollment,
        low,
        high,
        backtest: known,
        hindsight,
        margin,
        opened,
        closed,
        notes,
    })
}

/// The 10th and 90th percentiles of actual / forecast for each backtest horizon of `method`, at school
/// level (schools open in both years).
fn interval_quantiles(data: &Data, last: usize, method: Method) -> Vec<Option<(f64, f64)>> {
    (1..=BACKTEST_HORIZONS)
        .map(|h| {
            let mut ratios = Vec::new();
            for o in 1..=last {
                if o + h > last {
                    break;
                }
                let f = data.predict(method, o, h);
                for (&fs, row) in f.iter().zip(&data.enr) {
                    if let (Some(fs), Some(a)) = (fs, row[o + h]) {
                        if fs > 0.0 && a > 0.0 {
                            ratios.push(a / fs);
                        }
                    }
                }
            }
            if ratios.len() < 10 {
                return None;
            }
            ratios.sort_by(f64::total_cmp);
            let q = |p: f64| ratios[((ratios.len() - 1) as f64 * p).round() as usize];
            Some((q(0.1), q(0.9)))
        })
        .collect()
}

/// The interval multipliers at horizon `h`: the backtest's own where it has them, else the nearest
/// measured horizon's widened by √(h / that horizon) in log terms, else ±5% a year.
fn widen(quantiles: &[Option<(f64, f64)>], h: usize) -> (f64, f64) {
    if let Some(Some(q)) = quantiles.get(h - 1) {
        return *q;
    }
    match (1..h.min(quantiles.len() + 1))
        .rev()
        .find_map(|m| quantiles[m - 1].map(|q| (m, q)))
    {
        Some((m, (lo, hi))) => {
            let k = (h as f64 / m as f64).sqrt();
            ((lo.ln() * k).exp(), (hi.ln() * k).exp())
        }
        None => (1.0 - 0.05 * h as f64, 1.0 + 0.05 * h as f64),
    }
}

/// How many spreads (root-mean-square errors of a network's share) a plan's band is narrowed by in a
/// forecast year: three, the usual engineering safety factor. A network at the very edge of its
/// narrowed band then leaves the real band only if the forecast misses by three times its typical error
/// in that direction (about 1 chance in 740 a year if errors were normal). They are not quite: the
/// backtest's largest error is reported beside it, and a single school's jump can exceed it. So this is a
/// planner's default, not a guarantee; `[horizon] margin` sets another.
pub const MARGIN_SPREADS: f64 = 3.0;

/// The margin at horizon `h` for `method`: [`MARGIN_SPREADS`] times the backtest's root-mean-square share
/// error there, or at the nearest measured horizon widened by √(h / that horizon); 0 when nothing was
/// measured.
fn margin_at(b: &Backtest, method: Method, h: usize) -> f64 {
    let spread = b.score(method, h).map(|s| s.share_error_rms).or_else(|| {
        (1..h).rev().find_map(|m| {
            b.score(method, m)
                .map(|s| s.share_error_rms * (h as f64 / m as f64).sqrt())
        })
    });
    spread.map_or(0.0, |s| round2(MARGIN_SPREADS * s))
}

impl Forecast {
    /// forecast.csv: one row per school, its base year and each forecast year with the interval.
    pub fn csv(&self, table: &SchoolTable) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["id".to_string(), "name".into(), self.base_year.clone()];
        for y in &self.years {
            header.extend([y.clone(), format!("{y}_low"), format!("{y}_high")]);
        }
        let _ = w.write_record(&header);
        for (s, school) in table.schools.iter().enumerate() {
            let mut row = vec![
                school.id.clone(),
                crate::text::escape_control(&school.name),
                school.enrollment.to_string(),
            ];
            for h in 0..self.years.len() {
                row.extend([
                    crate::text::fmt_num(self.enrollment[s][h], 1),
                    crate::text::fmt_num(self.low[s][h], 1),
                    crate::text::fmt_num(self.high[s][h], 1),
                ]);
            }
            let _ = w.write_record(&row);
        }
        w.into_inner().unwrap_or_default()
    }

    /// Students of the district in each forecast year.
    pub fn totals(&self) -> Vec<f64> {
        (0..self.years.len())
            .map(|h| self.enrollment.iter().map(|s| s[h]).sum())
            .collect()
    }

    /// Each network's students in each forecast year, for `school_network` (table order).
    pub fn by_network(&self, school_network: &[usize], k: usize) -> Vec<Vec<f64>> {
        let mut out = vec![vec![0.0; self.years.len()]; k];
        for (&c, school) in school_network.iter().zip(&self.enrollment) {
            for (sum, e) in out[c].iter_mut().zip(school) {
                *sum += e;
            }
        }
        out
    }
}

/// Each network's outlook under forecast `f`: its students each forecast year and their gap from that
/// year's mean network, the first year the gap is outside ±`tolerance` (a fraction), and, for years after
/// the base year that `history` knows, the gap its schools actually had (the plan's schools only: schools
/// opened later are in no network of the plan). `school_network` gives each table school's network.
pub fn outlook(
    f: &Forecast,
    school_network: &[Option<usize>],
    ids: &[String],
    names: &[String],
    tolerance: f64,
    history: Option<&History>,
    table: &SchoolTable,
) -> Outlook {
    let k = ids.len();
    let mut students = vec![vec![0.0; f.years.len()]; k];
    for (c, school) in school_network.iter().zip(&f.enrollment) {
        if let Some(c) = *c {
            for (sum, e) in students[c].iter_mut().zip(school) {
                *sum += e;
            }
        }
    }
    let gaps = |per: &[Vec<f64>], n: usize| -> Vec<Vec<f64>> {
        let means: Vec<f64> = (0..n)
            .map(|h| per.iter().map(|x| x[h]).sum::<f64>() / k.max(1) as f64)
            .collect();
        per.iter()
            .map(|x| {
                (0..n)
                    .map(|h| {
                        if means[h] > 0.0 {
                            crate::text::round(100.0 * (x[h] / means[h] - 1.0), 2)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let deviation = gaps(&students, f.years.len());
    let known_years: Vec<String> = history
        .map(|h| {
            h.years
                .iter()
                .filter(|y| y.as_str() > f.base_year.as_str())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let known = history.map(|h| {
        let mut per = vec![vec![0.0; known_years.len()]; k];
        for (s, c) in school_network.iter().enumerate() {
            let (Some(c), Some(sh)) = (*c, h.schools.get(&table.schools[s].id)) else {
                continue;
            };
            for (j, y) in known_years.iter().enumerate() {
                if let Some(e) = h.year_index(y).and_then(|i| sh.enrollment[i]) {
                    per[c][j] += e;
                }
            }
        }
        gaps(&per, known_years.len())
    });
    let band = tolerance * 100.0;
    Outlook {
        base_year: f.base_year.clone(),
        years: f.years.clone(),
        method: f.method.key().to_string(),
        band_pct: crate::text::round(band, 2),
        known_years: known_years.clone(),
        networks: (0..k)
            .map(|c| NetworkOutlook {
                network: ids[c].clone(),
                name: names.get(c).cloned().unwrap_or_default(),
                students: students[c]
                    .iter()
                    .map(|v| crate::text::round(*v, 0))
                    .collect(),
                deviation_pct: deviation[c].clone(),
                leaves_band: (0..f.years.len())
                    .find(|&h| deviation[c][h].abs() > band)
                    .map(|h| f.years[h].clone()),
                known_deviation_pct: known.as_ref().map(|g| g[c].clone()).unwrap_or_default(),
            })
            .collect(),
    }
}
