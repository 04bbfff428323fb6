//! Every rule a plan must keep, written once: for the solver, the checks, the reports and the editor.
//!
//! A [`RuleSet`] is a scenario's rules on one table. Each [`Rule`] has its key (`enrollment_band`), its
//! wording with its numbers ("14,000 to 17,000 students in each network (±10% of the mean, 15,493)"), its
//! unit, and how it is read: a per-network quantity within bounds ([`Bounded`]: the quantity the report
//! prints, and the solver's [`Term`]s with their points of violation), a graph property (each network one
//! connected piece), campuses or pathways kept whole, the pins, or a support-region band. From the same
//! rules come
//! - the solver's [`Limits`] ([`RuleSet::limits`]) and each planning unit's sums ([`sums::Layout`]: the
//!   only per-school, per-unit and per-network sum builder);
//! - every check of a plan, from each network's totals ([`RuleSet::check`]): the report recounts them
//!   school by school, a search state keeps them running, and both read them through the same rules, so
//!   the solver and the report cannot disagree;
//! - the arithmetic that proves a scenario impossible before any search ([`proofs`]), as data;
//! - a margin in words, the right way round ([`words`]).

pub mod district;
pub mod proofs;
pub mod sums;

use crate::error::{Error, Result};
use crate::plan_file::{ConstraintCheck, District, RegionMetrics};
use crate::scenarios::{Mode, RegionRules, Scenario};
use crate::schools::{SchoolTable, ETHNICITIES};
use crate::solver::{Column, Limits, Per, Quantity, Term, Totals};
use crate::text::{fmt_num, margin_words, round, thousands, Binding};
use sums::{Layout, Wanted};

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Short key, stable across versions (a key of plan.json's `constraints`).
    pub key: String,
    /// The rule in words, with its numbers.
    pub text: String,
    /// The unit its margin is counted in (plural: "students").
    pub unit: String,
    pub reading: Reading,
}

/// How a rule is read on a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Exactly the scenario's number of networks, none empty (the solver: 100 points per empty network).
    Networks { k: usize },
    /// A per-network quantity within bounds.
    Bounded(Bounded),
    /// Each network one connected piece of the planning units' graph.
    Connected,
    /// Each campus (or pathway) in one network; `what` names them ("campuses").
    Whole { what: &'static str },
    /// Each pinned label's schools in one network, and no two labels in one.
    Pins { labels: usize },
    /// A support region's total of `column` (schools or students) within `[lo, hi]`.
    RegionBand { column: Column, lo: f64, hi: f64 },
    /// Each support region one connected piece of neighbouring networks.
    RegionsConnected,
}

/// A per-network quantity within bounds: what the report reads, and what the solver searches with.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounded {
    /// The quantity the report prints, in the rule's unit, and its bounds (`±∞` for an open side).
    pub measure: Term,
    /// How its figures are printed.
    pub style: Style,
    /// The solver's terms: the same bounds as linear rows and the points a breach costs.
    pub terms: Vec<Term>,
    /// When the solver adds this rule's points: counts first, then the enrollment band, then shares and
    /// means (the order a sum of points is added in changes its last bits, and so a search's path).
    stage: u8,
}

/// How a bounded rule's figures are printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Whole numbers, "smallest 21, largest 44".
    Count,
    /// Students with thousands separators; the margin to the nearest student.
    Students,
    /// A minimum count, "fewest: 1".
    Fewest,
    /// Shares and means to one decimal, "lowest 12.5, highest 38.1"; margin to two; networks without the
    /// data are left out.
    Balance,
}

/// What a plan is, as the rules read it: each network's totals and the facts that are not sums.
#[derive(Debug, Clone)]
pub struct Measured<'a> {
    /// Network ids, in index order.
    pub ids: &'a [String],
    /// Each network's totals ([`sums::Layout::networks`] recounts them school by school; a search state
    /// keeps them running).
    pub totals: &'a [Totals],
    /// Each network is one connected piece of the planning units' graph.
    pub connected: &'a [bool],
    /// Schools assigned to a network, and schools in the table.
    pub assigned: usize,
    pub schools: usize,
    /// Campuses split between networks, of all campuses; and pathways, in feeder mode.
    pub campuses_split: (usize, usize),
    pub pathways_split: Option<(usize, usize)>,
    /// Pin labels not held, and the networks involved.
    pub pins: Option<(usize, Vec<String>)>,
}

/// A scenario's rules on one table.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    /// Network rules, in the order plans list them.
    pub rules: Vec<Rule>,
    /// Support-region rules (checked after the regions are drawn).
    pub region_rules: Vec<Rule>,
    /// The bands of the region search, when the scenario draws regions: (schools, students).
    pub region_bands: Option<((f64, f64), (f64, f64))>,
    /// Which column of the sums holds what.
    pub layout: Layout,
    /// The district's figures the balance rules are measured against.
    pub district: District,
    /// Each school's row of sums, one school after another (in table order).
    pub school_sums: Vec<f64>,
}

/// Tolerance of the balance rules' checks: sums recounted in another order differ in their last bits.
const BALANCE_SLACK: f64 = 1e-9;

/// A bounded rule.
fn bounded(
    key: impl Into<String>,
    text: String,
    unit: impl Into<String>,
    measure: Term,
    style: Style,
    terms: Vec<Term>,
    stage: u8,
) -> Rule {
    Rule {
        key: key.into(),
        text,
        unit: unit.into(),
        reading: Reading::Bounded(Bounded {
            measure,
            style,
            terms,
            stage,
        }),
    }
}

/// A term on a quantity, a point per unit outside.
fn term(quantity: Quantity, lo: f64, hi: f64) -> Term {
    Term {
        quantity,
        lo,
        hi,
        per: Per::Each(1.0),
    }
}

/// What else a rule set needs besides the scenario and the table.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Pinned labels, when the plan has pins.
    pub pins: Option<usize>,
    /// The forecast of the table's schools, for a scenario whose band holds for years (`[horizon]`).
    pub forecast: Option<&'a crate::forecast::Forecast>,
}

impl RuleSet {
    /// The rules of `scenario` on `table`, with the district figures they are measured against.
    pub fn new(table: &SchoolTable, scenario: &Scenario, options: &Options<'_>) -> Result<RuleSet> {
        let district = district::district(table, scenario);
        let horizon = scenario.horizon.years;
        let forecast = match options.forecast {
            _ if horizon == 0 => None,
            Some(f) if f.years.len() >= horizon => Some(f),
            Some(f) => {
                return Err(Error::Usage(format!(
                    "the scenario's band must hold for {horizon} years ahead, but the forecast covers {}",
                    f.years.len()
                )))
            }
            None => {
                return Err(Error::Usage(format!(
                    "the scenario's band must hold for {horizon} years ahead ([horizon] years = {horizon}), which needs the district's enrollment history: give it with --history (as `import cde --history` writes it)"
                )))
            }
        };
        let perf = &scenario.performance;
        let div = &scenario.diversity;
        let cov = &scenario.coverage;
        let dfs = perf.dfs_band.zip(district.dfs);
        let frpm = div.frpm_band.zip(district.frpm_pct);
        let wanted = Wanted {
            high: cov.min_high > 0,
            middle: cov.min_middle > 0,
            low: perf.max_low_performing_share.is_some(),
            dfs: dfs.is_some(),
            frpm: frpm.is_some(),
            ethnicity: div.ethnicity_band.is_some(),
            models: cov.min_models.keys().cloned().collect(),
            years: forecast.map_or_else(Vec::new, |f| f.years[..horizon].to_vec()),
        };
        let layout = Layout::new(&wanted).ok_or_else(|| {
            Error::Usage(format!(
                "the scenario's rules need more than {} sums per network (ethnicity bands, {} model minimums): drop some model minimums",
                crate::solver::MAX_SUMS,
                cov.min_models.len()
            ))
        })?;
        let sum = Column::Sum;
        let total = table.total_enrollment();
        let k = scenario.networks;
        let fmt = |v: f64| fmt_num(v, 1);
        let mut rules = vec![Rule {
            key: "networks".into(),
            text: format!("exactly {k} networks, none empty"),
            unit: "networks".into(),
            reading: Reading::Networks { k },
        }];
        let (lo, hi) = (scenario.size.min_schools, scenario.size.max_schools);
        let schools = term(Quantity::Total(Column::Schools), lo as f64, hi as f64);
        rules.push(bounded(
            "schools_per_network",
            format!("{lo} to {hi} schools in each network"),
            "schools",
            schools,
            Style::Count,
            vec![schools],
            0,
        ));
        let (elo, ehi) = scenario.enrollment_band(total);
        let band = Term {
            per: Per::MeanPercent,
            ..term(Quantity::Total(Column::Enrollment), elo, ehi)
        };
        rules.push(bounded(
            "enrollment_band",
            format!(
                "{} to {} students in each network (±{}% of the mean, {})",
                thousands(elo.ceil()),
                thousands(ehi.floor()),
                fmt_num(scenario.size.enrollment_tolerance * 100.0, 2),
                thousands(total as f64 / k as f64)
            ),
            "students",
            band,
            Style::Students,
            vec![band],
            1,
        ));
        if let Some(f) = forecast {
            for (h, (year, column)) in layout.years.iter().enumerate() {
                let total: f64 = f.enrollment.iter().map(|s| s[h]).sum();
                let mean = total / k as f64;
                if scenario.horizon.margin.is_none() && f.backtest.scores.is_empty() {
                    return Err(Error::Usage(format!(
                        "the band must hold in {year} with a margin for the forecast's error, but the history ({} to {}) is too short for the forecast to measure it: its backtest needs three years up to the table's. Give a longer history (--history), or set the margin yourself (--horizon-margin, percentage points)",
                        f.backtest.years.first().map_or("", String::as_str),
                        f.backtest.years.last().map_or("", String::as_str)
                    )));
                }
                let margin = scenario.horizon.margin.unwrap_or(f.margin[h]);
                let points = scenario.size.enrollment_tolerance * 100.0 - margin;
                if points <= 0.0 {
                    return Err(Error::Usage(format!(
                        "the forecast's own error in {year} calls for a margin of {} points, as wide as the enrollment band itself (±{}%): nothing would be left of the band that year. Plan fewer years ahead (--horizon), widen the band (--tolerance), or set a smaller margin (--horizon-margin) knowing the forecast may miss by more",
                        fmt_num(margin, 2),
                        fmt_num(scenario.size.enrollment_tolerance * 100.0, 2)
                    )));
                }
                let (lo, hi) = (mean * (1.0 - points / 100.0), mean * (1.0 + points / 100.0));
                let t = Term {
                    per: Per::Each(0.01 * mean),
                    ..term(Quantity::Total(sum(*column)), lo, hi)
                };
                rules.push(bounded(
                    format!("enrollment_band_{}", year.replace('-', "_")),
                    format!(
                        "{} to {} forecast students in each network in {year} (±{}% of that year's forecast mean, {}: the band narrowed by {} points for the forecast's error)",
                        thousands(lo.ceil()),
                        thousands(hi.floor()),
                        fmt_num(points, 2),
                        thousands(mean),
                        fmt_num(margin, 2)
                    ),
                    "students",
                    t,
                    Style::Students,
                    vec![t],
                    1,
                ));
            }
        }
        if scenario.geography.connected {
            rules.push(Rule {
                key: "connected".into(),
                text: match scenario.mode {
                    Mode::Neighborhood => {
                        "each network is one connected piece of neighbouring campuses"
                    }
                    Mode::Feeder => "each network is one connected piece of neighbouring pathways",
                }
                .into(),
                unit: "networks".into(),
                reading: Reading::Connected,
            });
        }
        for (key, level, need, column) in [
            ("min_high", "high", cov.min_high, layout.high),
            ("min_middle", "middle", cov.min_middle, layout.middle),
        ] {
            if let (true, Some(c)) = (need > 0, column) {
                let t = term(Quantity::Total(sum(c)), f64::from(need), f64::INFINITY);
                rules.push(bounded(
                    key,
                    format!(
                        "at least {} in each network",
                        crate::text::count(need, &format!("{level} schools"))
                    ),
                    format!("{level} schools"),
                    t,
                    Style::Fewest,
                    vec![t],
                    0,
                ));
            }
        }
        if let (Some(cap), Some(low), Some(rated)) =
            (perf.max_low_performing_share, layout.low, layout.rated)
        {
            rules.push(bounded(
                "max_low_performing_share",
                format!(
                    "at most {}% of each network's rated schools low-performing ({})",
                    fmt(cap * 100.0),
                    district.low_performing_rule
                ),
                "percentage points",
                term(
                    Quantity::Percent {
                        num: sum(low),
                        den: sum(rated),
                    },
                    f64::NEG_INFINITY,
                    cap * 100.0,
                ),
                Style::Balance,
                // The solver counts schools over the cap: low − cap × rated ≤ 0, a point per school.
                vec![term(
                    Quantity::Linear {
                        a: sum(low),
                        b: sum(rated),
                        c: cap,
                    },
                    f64::NEG_INFINITY,
                    0.0,
                )],
                3,
            ));
        }
        if let (Some((b, m)), Some((num, den))) = (dfs, layout.dfs) {
            let t = term(
                Quantity::Ratio {
                    num: sum(num),
                    den: sum(den),
                },
                m - b,
                m + b,
            );
            rules.push(bounded(
                "dfs_band",
                format!(
                    "mean distance from standard within ±{} points of the district's ({})",
                    fmt(b),
                    fmt(m)
                ),
                "points",
                t,
                Style::Balance,
                vec![t],
                3,
            ));
        }
        if let (Some((b, m)), Some((num, den))) = (frpm, layout.frpm) {
            let t = term(
                Quantity::Ratio {
                    num: sum(num),
                    den: sum(den),
                },
                m - b,
                m + b,
            );
            rules.push(bounded(
                "frpm_band",
                format!(
                    "FRPM share within ±{} points of the district's ({}%)",
                    fmt(b),
                    fmt(m)
                ),
                "percentage points",
                t,
                Style::Balance,
                vec![t],
                3,
            ));
        }
        if let (Some(b), Some(first)) = (div.ethnicity_band, layout.ethnicity) {
            for (j, g) in ETHNICITIES.iter().enumerate() {
                let m = district.ethnicity_pct.get(*g).copied().unwrap_or(0.0);
                if m == 0.0 {
                    continue;
                }
                let t = term(
                    Quantity::Share {
                        part: sum(first + j),
                        of: (first, first + ETHNICITIES.len()),
                    },
                    m - b,
                    m + b,
                );
                rules.push(bounded(
                    format!("ethnicity_band_{g}"),
                    format!(
                        "{g} share within ±{} points of the district's ({}%)",
                        fmt(b),
                        fmt(m)
                    ),
                    "percentage points",
                    t,
                    Style::Balance,
                    vec![t],
                    3,
                ));
            }
        }
        for (model, c) in &layout.models {
            let need = cov.min_models[model];
            let t = term(Quantity::Total(sum(*c)), f64::from(need), f64::INFINITY);
            rules.push(bounded(
                format!("min_model_{}", model.replace(' ', "_")),
                format!(
                    "at least {} in each network",
                    crate::text::count(need, &format!("{model} schools"))
                ),
                format!("{model} schools"),
                t,
                Style::Fewest,
                vec![t],
                0,
            ));
        }
        rules.push(Rule {
            key: "campuses_together".into(),
            text: "co-located schools (same campus) are in the same network".into(),
            unit: "campuses".into(),
            reading: Reading::Whole { what: "campuses" },
        });
        if scenario.mode == Mode::Feeder {
            rules.push(Rule {
                key: "pathways_whole".into(),
                text: "each feeder pathway is in one network (pathways sharing a campus count as one; see the report for how pathways are built)".into(),
                unit: "pathways".into(),
                reading: Reading::Whole { what: "pathways" },
            });
        }
        if let Some(labels) = options.pins {
            rules.push(Rule {
                key: "pins".into(),
                text: format!(
                    "the schools of each of the {labels} pinned labels share one network, and different labels are in different networks"
                ),
                unit: "labels".into(),
                reading: Reading::Pins { labels },
            });
        }
        let (region_rules, region_bands) = match &scenario.regions {
            Some(r) => {
                let bands = region_bands(table.schools.len() as f64, total as f64, r);
                (region_rules(r, bands), Some(bands))
            }
            None => (Vec::new(), None),
        };
        let school_sums = table
            .schools
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                let years = forecast.map_or(&[][..], |f| &f.enrollment[i][..horizon]);
                layout.school(s, district.low[i], years)
            })
            .collect();
        Ok(RuleSet {
            rules,
            region_rules,
            region_bands,
            layout,
            district,
            school_sums,
        })
    }

    /// The solver's limits: every bounded rule's terms (whole-number counts first, then the enrollment
    /// band, empty networks, then shares and means) and connectivity.
    pub fn limits(&self) -> Limits {
        let mut staged: Vec<(u8, Term)> = Vec::new();
        let mut connected = false;
        for r in &self.rules {
            match &r.reading {
                Reading::Bounded(b) => staged.extend(b.terms.iter().map(|t| (b.stage, *t))),
                Reading::Networks { .. } => staged.push((2, Term::NOT_EMPTY)),
                Reading::Connected => connected = true,
                _ => {}
            }
        }
        staged.sort_by_key(|(stage, _)| *stage);
        let terms: Vec<Term> = staged.into_iter().map(|(_, t)| t).collect();
        // The forecast years' bands: weighed with this year's wherever the search looks for room.
        let is_year = |t: &Term| match t.quantity {
            Quantity::Total(Column::Sum(i)) => self.layout.years.iter().any(|(_, c)| *c == i),
            _ => false,
        };
        let years: Vec<usize> = (0..terms.len()).filter(|&i| is_year(&terms[i])).collect();
        // The assignment meets one band exactly: the narrowest of this year's and the forecast years'
        // (their students move together, so the others then nearly hold too).
        let width = |t: &Term| (t.hi - t.lo) / (t.hi + t.lo);
        let narrowest = terms
            .iter()
            .enumerate()
            .filter(|(_, t)| t.quantity == Quantity::Total(Column::Enrollment) || is_year(t))
            .min_by(|a, b| width(a.1).total_cmp(&width(b.1)).then(a.0.cmp(&b.0)))
            .map(|(i, _)| i);
        let limits = Limits::new(terms, connected, self.layout.width).forecast_bands(&years);
        match narrowest {
            Some(i) => limits.shipping(i),
            None => limits,
        }
    }

    /// The rule with this key.
    pub fn rule(&self, key: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .chain(&self.region_rules)
            .find(|r| r.key == key)
    }

    /// Each network's totals recounted school by school (what the report checks).
    pub fn network_totals(
        &self,
        table: &SchoolTable,
        school_network: &[usize],
        k: usize,
    ) -> Vec<Totals> {
        self.layout
            .networks(table, &self.school_sums, school_network, k)
    }

    /// Checks every network rule of a plan, in the order the rules are listed.
    pub fn check(&self, m: &Measured<'_>) -> Vec<ConstraintCheck> {
        self.rules.iter().filter_map(|r| r.check(m)).collect()
    }

    /// Checks the rules that read nothing but each network's totals (the networks rule, the sizes and
    /// every bounded rule), as a search state keeps them: the checks the report makes of the same plan,
    /// without the graph, the campuses and the pins.
    pub fn check_totals(&self, ids: &[String], totals: &[Totals]) -> Vec<ConstraintCheck> {
        let schools = totals.iter().map(|t| t.schools as usize).sum();
        let m = Measured {
            ids,
            totals,
            connected: &[],
            assigned: schools,
            schools,
            campuses_split: (0, 0),
            pathways_split: None,
            pins: None,
        };
        self.rules
            .iter()
            .filter(|r| matches!(r.reading, Reading::Networks { .. } | Reading::Bounded(_)))
            .filter_map(|r| r.check(&m))
            .collect()
    }

    /// Checks the support-region rules on drawn regions.
    pub fn check_regions(&self, regions: &[RegionMetrics]) -> Vec<ConstraintCheck> {
        self.region_rules
            .iter()
            .map(|r| r.check_regions(regions))
            .collect()
    }
}

/// The region rules' checks of `regions` in a district of `schools` schools and `students` students.
pub fn check_region_rules(
    rules: &RegionRules,
    schools: f64,
    students: f64,
    regions: &[RegionMetrics],
) -> Vec<ConstraintCheck> {
    region_rules(rules, region_bands(schools, students, rules))
        .iter()
        .map(|r| r.check_regions(regions))
        .collect()
}

/// The school-count and enrollment bands [min, max] of each support region, for a district of `schools`
/// schools and `students` students.
pub fn region_bands(schools: f64, students: f64, rules: &RegionRules) -> ((f64, f64), (f64, f64)) {
    let r = rules.count as f64;
    let band = |mean: f64, t: f64| (mean * (1.0 - t), mean * (1.0 + t));
    (
        band(schools / r, rules.schools_tolerance),
        band(students / r, rules.enrollment_tolerance),
    )
}

/// The three region rules: enrollment band, school-count band, connected.
fn region_rules(rules: &RegionRules, (schools, students): ((f64, f64), (f64, f64))) -> Vec<Rule> {
    let pct = |t: f64| fmt_num(t * 100.0, 2);
    let (elo, ehi) = (students.0.ceil(), students.1.floor());
    let (slo, shi) = (schools.0.ceil(), schools.1.floor());
    vec![
        Rule {
            key: "region_enrollment_band".into(),
            text: format!(
                "{} to {} students in each of {} regions (±{}% of the mean)",
                thousands(elo),
                thousands(ehi),
                rules.count,
                pct(rules.enrollment_tolerance)
            ),
            unit: "students".into(),
            reading: Reading::RegionBand {
                column: Column::Enrollment,
                lo: elo,
                hi: ehi,
            },
        },
        Rule {
            key: "region_schools_band".into(),
            text: format!(
                "{} to {} schools in each region (±{}% of the mean)",
                slo,
                shi,
                pct(rules.schools_tolerance)
            ),
            unit: "schools".into(),
            reading: Reading::RegionBand {
                column: Column::Schools,
                lo: slo,
                hi: shi,
            },
        },
        Rule {
            key: "regions_connected".into(),
            text: "each region is one connected piece of neighbouring networks".into(),
            unit: "regions".into(),
            reading: Reading::RegionsConnected,
        },
    ]
}

impl Rule {
    /// The check of this rule on a plan (`None` for region rules, and for pins or pathways a plan without
    /// them does not have).
    pub fn check(&self, m: &Measured<'_>) -> Option<ConstraintCheck> {
        let ids_where = |f: &dyn Fn(usize) -> bool| -> Vec<String> {
            (0..m.ids.len())
                .filter(|&c| f(c))
                .map(|c| m.ids[c].clone())
                .collect()
        };
        Some(match &self.reading {
            Reading::Networks { k } => {
                let non_empty = m.totals.iter().filter(|t| t.schools > 0).count();
                ConstraintCheck {
                    holds: non_empty == *k && m.assigned == m.schools,
                    observed: format!(
                        "{non_empty} networks with schools; {} of {} schools assigned",
                        m.assigned, m.schools
                    ),
                    margin: non_empty as f64 - *k as f64,
                    failing_networks: ids_where(&|c| m.totals[c].schools == 0),
                    binding: Binding::Floor,
                    ..self.verdict()
                }
            }
            Reading::Bounded(b) => self.check_bounded(b, m.ids, m.totals),
            Reading::Connected => {
                let failing = ids_where(&|c| !m.connected[c]);
                self.count_check(
                    format!(
                        "{} of {} networks connected",
                        m.ids.len() - failing.len(),
                        m.ids.len()
                    ),
                    failing.len(),
                    failing,
                    "not in one piece",
                )
            }
            Reading::Whole { what } => {
                let (split, total) = match *what {
                    "pathways" => m.pathways_split?,
                    _ => m.campuses_split,
                };
                self.count_check(
                    format!("{split} of {total} {what} split"),
                    split,
                    Vec::new(),
                    "split",
                )
            }
            Reading::Pins { labels } => {
                let (broken, failing) = m.pins.clone()?;
                self.count_check(
                    format!("{} of {labels} labels held", labels - broken),
                    broken,
                    failing,
                    "not held",
                )
            }
            Reading::RegionBand { .. } | Reading::RegionsConnected => return None,
        })
    }

    /// The check with only the rule's own fields filled in.
    fn verdict(&self) -> ConstraintCheck {
        ConstraintCheck {
            key: self.key.clone(),
            rule: self.text.clone(),
            holds: true,
            observed: String::new(),
            margin: 0.0,
            unit: self.unit.clone(),
            failing_networks: Vec::new(),
            binding: Binding::Unknown,
        }
    }

    /// A rule that holds when nothing breaks it: `broken` things, each described by `what`.
    fn count_check(
        &self,
        observed: String,
        broken: usize,
        failing: Vec<String>,
        what: &'static str,
    ) -> ConstraintCheck {
        // Campuses and pins have always written their margin as -(count), which is -0 when it holds.
        let margin = match self.reading {
            Reading::Whole { .. } | Reading::Pins { .. } => -(broken as f64),
            _ => 0.0 - broken as f64,
        };
        ConstraintCheck {
            holds: broken == 0,
            observed,
            margin,
            failing_networks: failing,
            binding: Binding::Count(what),
            ..self.verdict()
        }
    }

    /// A bounded rule on each network's totals.
    fn check_bounded(&self, b: &Bounded, ids: &[String], totals: &[Totals]) -> ConstraintCheck {
        let (lo, hi) = (b.measure.lo, b.measure.hi);
        let values: Vec<Option<f64>> = totals.iter().map(|t| b.measure.value(t)).collect();
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let slack = if b.style == Style::Balance {
            BALANCE_SLACK
        } else {
            0.0
        };
        let failing: Vec<String> = ids
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_some_and(|v| v < lo - slack || v > hi + slack))
            .map(|(id, _)| id.clone())
            .collect();
        let (vmin, vmax) = match b.style {
            // Empty plans read 0 (no network).
            Style::Balance => (
                present.iter().copied().fold(f64::INFINITY, f64::min),
                present.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            _ => (
                present.iter().copied().reduce(f64::min).unwrap_or(0.0),
                present.iter().copied().reduce(f64::max).unwrap_or(0.0),
            ),
        };
        // A balance rule with nothing to read (no school has scores, or no network a rated school) holds,
        // and says why rather than printing infinities.
        if matches!(b.style, Style::Balance) && present.is_empty() {
            return ConstraintCheck {
                holds: failing.is_empty(),
                observed: "no network has a rated school".into(),
                margin: 0.0,
                failing_networks: failing,
                binding: Binding::Count("rated, so nothing to compare"),
                ..self.verdict()
            };
        }
        let (below, above) = (vmin - lo, hi - vmax);
        let binding = if below <= above {
            Binding::Floor
        } else {
            Binding::Ceiling
        };
        let slack = below.min(above);
        let (observed, margin) = match b.style {
            Style::Count => (
                format!("smallest {}, largest {}", vmin as u64, vmax as u64),
                slack,
            ),
            Style::Students => (
                format!("smallest {}, largest {}", thousands(vmin), thousands(vmax)),
                round(slack, 0),
            ),
            Style::Fewest => (format!("fewest: {}", vmin as u64), slack),
            Style::Balance => (
                format!("lowest {}, highest {}", fmt_num(vmin, 1), fmt_num(vmax, 1)),
                round(slack, 2),
            ),
        };
        ConstraintCheck {
            holds: failing.is_empty(),
            observed,
            margin,
            failing_networks: failing,
            binding,
            ..self.verdict()
        }
    }

    /// A region rule on drawn regions (network rules read nothing here).
    fn check_regions(&self, rs: &[RegionMetrics]) -> ConstraintCheck {
        let ids = |f: &dyn Fn(&RegionMetrics) -> bool| -> Vec<String> {
            rs.iter()
                .filter(|r| f(r))
                .map(|r| r.region.clone())
                .collect()
        };
        match self.reading {
            Reading::RegionBand { column, lo, hi } => {
                let value = |r: &RegionMetrics| match column {
                    Column::Schools => r.schools as f64,
                    _ => r.enrollment as f64,
                };
                let min = rs.iter().map(value).reduce(f64::min).unwrap_or(0.0);
                let max = rs.iter().map(value).reduce(f64::max).unwrap_or(0.0);
                let observed = match column {
                    Column::Schools => format!("smallest {min}, largest {max}"),
                    _ => format!("smallest {}, largest {}", thousands(min), thousands(max)),
                };
                ConstraintCheck {
                    holds: min >= lo && max <= hi,
                    observed,
                    margin: (min - lo).min(hi - max),
                    failing_networks: ids(&|r| value(r) < lo || value(r) > hi),
                    binding: if min - lo <= hi - max {
                        Binding::Floor
                    } else {
                        Binding::Ceiling
                    },
                    ..self.verdict()
                }
            }
            _ => {
                let failing = ids(&|r| !r.connected);
                self.count_check(
                    format!(
                        "{} of {} regions connected",
                        rs.len() - failing.len(),
                        rs.len()
                    ),
                    failing.len(),
                    failing,
                    "not in one piece",
                )
            }
        }
    }
}

/// A rule's short title, for a line of a table or a heading: the rule's own text carries its numbers
/// ("14,000 to 17,000 students in each network"), the title does not ("Enrollment within the band around
/// the mean"). Keyed by the rule key, so plans read back from plan.json get it too.
pub fn title(key: &str) -> String {
    let fixed = match key {
        "networks" => "Every network has schools",
        "schools_per_network" => "Schools per network within the limits",
        "enrollment_band" => "Enrollment within the band around the mean",
        "connected" => "Each network is one connected piece",
        "min_high" => "High schools in each network",
        "min_middle" => "Middle schools in each network",
        "campuses_together" => "Schools sharing a campus kept together",
        "pathways_whole" => "Feeder pathways kept whole",
        "max_low_performing_share" => "Low-performing share capped",
        "dfs_band" => "Test results near the district's",
        "frpm_band" => "Poverty (FRPM) share near the district's",
        "pins" => "Pinned schools together, labels apart",
        "region_enrollment_band" => "Region enrollment within its band",
        "region_schools_band" => "Schools per region within the limits",
        "regions_connected" => "Each region is one connected piece",
        _ => "",
    };
    if !fixed.is_empty() {
        fixed.to_string()
    } else if let Some(g) = key.strip_prefix("ethnicity_band_") {
        format!("Share of {g} students near the district's")
    } else if let Some(m) = key.strip_prefix("min_model_") {
        format!("{} schools in each network", m.replace('_', " "))
    } else if let Some(year) = key
        .strip_prefix("enrollment_band_")
        .filter(|y| y.len() == 7 && y.as_bytes()[4] == b'_')
    {
        format!(
            "Enrollment within the band in {} (forecast)",
            year.replace('_', "-")
        )
    } else {
        key.to_string()
    }
}

/// A check's margin in words, the right way round: "4 schools to spare", "over by 886 students".
pub fn words(c: &ConstraintCheck) -> String {
    margin_words(c.margin, c.holds, c.binding, &c.unit)
}

/// The rules a plan breaks, as data for [`crate::error::Infeasible`].
pub fn broken(checks: &[ConstraintCheck]) -> Vec<crate::error::Broken> {
    checks
        .iter()
        .filter(|c| !c.holds)
        .map(|c| crate::error::Broken {
            rule: c.key.clone(),
            text: c.rule.clone(),
            observed: c.observed.clone(),
            margin: c.margin,
            unit: c.unit.clone(),
            binding: c.binding,
            networks: c.failing_networks.clone(),
        })
        .collect()
}
