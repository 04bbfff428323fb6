//! Arithmetic that shows a scenario's rules cannot hold, before any search.
//!
//! Each check is a necessary condition on the planning units' sums. When one fails, the [`Proof`] gives
//! the rule, what it needs and what the table has, and the nearest settings that would pass; prose is made
//! from it only where it is shown.

use super::RuleSet;
use crate::error::{Amount, Proof, Setting};
use crate::scenarios::Scenario;
use crate::solver::Problem;

/// Runs every check; empty when none fails. `unit_name(u)` names a planning unit; `feeder` says the units
/// are whole pathways (which a scenario can split).
pub fn check(
    rules: &RuleSet,
    scenario: &Scenario,
    p: &Problem,
    unit_name: &dyn Fn(usize) -> String,
    feeder: bool,
) -> Vec<Proof> {
    let mut out = Vec::new();
    let k = p.k as u64;
    let size = p.limits.size();
    let tolerance = scenario.size.enrollment_tolerance;
    let n_units = p.units.len() as u64;
    let total = |c: Option<usize>| -> u64 {
        c.map_or(0, |c| {
            (0..p.units.len()).map(|u| p.sums_of(u)[c] as u64).sum()
        })
    };
    let schools: u64 = p.units.iter().map(|u| u64::from(u.schools)).sum();
    let mean = p.mean_enrollment();
    let proof = |rule: &str,
                 settings: &[&str],
                 need: Amount,
                 have: Amount,
                 reason: String,
                 nearest: Vec<Setting>| Proof {
        rule: rule.into(),
        settings: settings.iter().map(|s| s.to_string()).collect(),
        need,
        have,
        reason,
        nearest,
    };
    if n_units < k {
        out.push(proof(
            "networks",
            &["networks"],
            Amount::new(k as f64, "campuses"),
            Amount::new(n_units as f64, "campuses"),
            format!("{k} networks need at least {k} campuses, but the table has {n_units} (co-located schools count as one campus)."),
            (n_units > 0)
                .then(|| Setting::new("networks", format!("{n_units} or fewer"), ""))
                .into_iter()
                .collect(),
        ));
    }
    let min_s = u64::from(size.min_schools);
    if k * min_s > schools {
        out.push(proof(
            "schools_per_network",
            &["networks", "size.min_schools"],
            Amount::new((k * min_s) as f64, "schools"),
            Amount::new(schools as f64, "schools"),
            format!(
                "{k} networks × at least {min_s} schools = {} schools, but the table has {schools}.",
                k * min_s
            ),
            [
                at_least_one(schools / min_s.max(1), |n| {
                    Setting::new("networks", n.to_string(), format!("at {min_s} schools each"))
                }),
                at_least_one(schools / k, |m| {
                    Setting::new("min_schools", m.to_string(), format!("with {k} networks"))
                }),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ));
    }
    let max_s = u64::from(size.max_schools);
    if k * max_s < schools {
        out.push(proof(
            "schools_per_network",
            &["networks", "size.max_schools"],
            Amount::new((k * max_s) as f64, "schools"),
            Amount::new(schools as f64, "schools"),
            format!(
                "{k} networks × at most {max_s} schools = {} schools, but the table has {schools}.",
                k * max_s
            ),
            vec![
                Setting::new(
                    "networks",
                    schools.div_ceil(max_s.max(1)).to_string(),
                    format!("at {max_s} schools each"),
                ),
                Setting::new(
                    "max_schools",
                    schools.div_ceil(k).to_string(),
                    format!("with {k} networks"),
                ),
            ],
        ));
    }
    let layout = &rules.layout;
    for (rule, what, column, need, key) in [
        (
            "min_high",
            "high",
            layout.high,
            scenario.coverage.min_high,
            "coverage.min_high",
        ),
        (
            "min_middle",
            "middle",
            layout.middle,
            scenario.coverage.min_middle,
            "coverage.min_middle",
        ),
    ] {
        let (need, have) = (u64::from(need), total(column));
        if need > 0 && k * need > have {
            out.push(proof(
                rule,
                &["networks", key],
                Amount::new((k * need) as f64, format!("{what} schools")),
                Amount::new(have as f64, format!("{what} schools")),
                format!(
                    "{} × at least {} = {}, but the table has {}.",
                    crate::text::count(k as f64, "networks"),
                    crate::text::count(need as f64, &format!("{what} schools")),
                    crate::text::count((k * need) as f64, &format!("{what} schools")),
                    crate::text::thousands(have as f64)
                ),
                [
                    at_least_one(have / need, |n| {
                        Setting::new("networks", format!("{n} or fewer"), "")
                    }),
                    Some(Setting::new(key, (have / k).to_string(), "")),
                ]
                .into_iter()
                .flatten()
                .collect(),
            ));
        }
    }
    // Shares average out to the district's: no cap below the district's own share can hold everywhere.
    if let Some(cap) = scenario.performance.max_low_performing_share {
        let (low, rated) = (total(layout.low), total(layout.rated));
        if rated > 0 && low as f64 > cap * rated as f64 + 1e-9 {
            let share = low as f64 / rated as f64;
            out.push(proof(
                "max_low_performing_share",
                &["performance.max_low_performing_share"],
                Amount::new(100.0 * cap, "percent"),
                Amount::new(100.0 * share, "percent"),
                format!(
                    "the district has {low} low-performing schools among {rated} rated ({:.1}%); the networks' shares average out to that, \
                     so no plan can keep every network at or below {:.1}%.",
                    100.0 * share,
                    100.0 * cap,
                ),
                vec![Setting::new(
                    "max_low_performing_share",
                    format!("{:.3} or more", (share * 1000.0).ceil() / 1000.0),
                    "",
                )],
            ));
        }
    }
    for (name, column) in &layout.models {
        let need = u64::from(scenario.coverage.min_models[name]);
        let have = total(Some(*column));
        if need > 0 && have < k * need {
            let key = format!("coverage.min_models.{name}");
            out.push(Proof {
                settings: vec![key],
                ..proof(
                    &format!("min_model_{}", name.replace(' ', "_")),
                    &[],
                    Amount::new((k * need) as f64, format!("{name} schools")),
                    Amount::new(have as f64, format!("{name} schools")),
                    format!(
                        "{} × at least {} = {}, but the table has {}.",
                        crate::text::count(k as f64, "networks"),
                        crate::text::count(need as f64, &format!("{name} schools")),
                        crate::text::count((k * need) as f64, "schools"),
                        crate::text::thousands(have as f64)
                    ),
                    [
                        at_least_one(have / need, |n| {
                            Setting::new("networks", format!("{n} or fewer"), "")
                        }),
                        Some(Setting::new(name.clone(), (have / k).to_string(), "")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                )
            });
        }
    }
    let split_pathway = || {
        Setting::new(
            "",
            "let that pathway split: add its top school's id to pathways.split in the scenario (it is then split into the sub-pathways of the schools that feed it directly)",
            "",
        )
    };
    // The largest unit must fit the enrollment band and the school count.
    if let Some((u, unit)) = p.units.iter().enumerate().max_by(|a, b| {
        a.1.enrollment
            .total_cmp(&b.1.enrollment)
            .then(b.0.cmp(&a.0))
    }) {
        if unit.enrollment > size.max_enrollment + 1e-9 {
            let needed = unit.enrollment / mean - 1.0;
            // At most this many networks let the mean network, with the band as it is, hold the campus.
            let fewer =
                ((mean * p.k as f64 * (1.0 + tolerance)) / unit.enrollment).floor() as usize;
            let fewer = if fewer >= 1 {
                Setting::new("networks", format!("{fewer} or fewer"), "")
            } else {
                Setting::new("", "a table where this campus is split into its schools (a campus id or coordinates that join schools on different sites)", "")
            };
            // The tolerance must stay below 1 (±100%): beyond it, only fewer networks help.
            let mut nearest = Vec::new();
            let mut reason = format!(
                "{} has {:.0} students, more than any network may hold: the mean network has {:.0} students and ±{:.1}% allows at most {:.0}.",
                unit_name(u),
                unit.enrollment,
                mean,
                tolerance * 100.0,
                size.max_enrollment,
            );
            if needed + 0.0005 < 1.0 {
                nearest.push(Setting::new(
                    "enrollment_tolerance",
                    format!("{:.3} or more", (needed + 0.0005).max(tolerance)),
                    format!("±{:.1}%", (needed * 100.0 + 0.05).max(tolerance * 100.0)),
                ));
            } else {
                reason.push_str(" No enrollment tolerance (below ±100%) makes room for it.");
            }
            nearest.push(fewer);
            if feeder {
                nearest.push(split_pathway());
            }
            out.push(proof(
                "enrollment_band",
                &["size.enrollment_tolerance"],
                Amount::new(size.max_enrollment, "students"),
                Amount::new(unit.enrollment, "students"),
                reason,
                nearest,
            ));
        }
    }
    if let Some((u, unit)) = p
        .units
        .iter()
        .enumerate()
        .max_by_key(|(i, u)| (u.schools, std::cmp::Reverse(*i)))
    {
        if unit.schools > size.max_schools {
            let mut nearest = vec![Setting::new("max_schools", unit.schools.to_string(), "")];
            if feeder {
                nearest.push(split_pathway());
            }
            out.push(proof(
                "schools_per_network",
                &["size.max_schools"],
                Amount::new(f64::from(size.max_schools), "schools"),
                Amount::new(f64::from(unit.schools), "schools"),
                format!(
                    "{} groups {} co-located schools, more than max_schools = {}.",
                    unit_name(u),
                    unit.schools,
                    size.max_schools,
                ),
                nearest,
            ));
        }
    }
    out.extend(gateway_proof(p, unit_name, feeder, tolerance));
    out
}

/// The widest breach of [`pockets::gateways`] as a proof: a unit that is the only way between parts of the
/// district whose network must hold more than a network may (how many other units breach the same way
/// is said, not listed).
fn gateway_proof(
    p: &Problem,
    unit_name: &dyn Fn(usize) -> String,
    feeder: bool,
    tolerance: f64,
) -> Option<Proof> {
    use crate::solver::pockets;
    use crate::solver::Column;
    use crate::text::count;
    // Problems small enough for the exhaustive search are left to it: its proof also gives the narrowest
    // band that works.
    if p.units.len() <= crate::solver::exact::MAX_UNITS {
        return None;
    }
    let found = pockets::gateways(p);
    let g = found.first()?;
    let (what, rule, setting) = match g.column {
        Column::Schools => ("schools", "schools_per_network", "size.max_schools"),
        _ => ("students", "enrollment_band", "size.enrollment_tolerance"),
    };
    let hi = (g.band.1 + 1e-9).floor();
    let mut reason = gateway_reason(g, unit_name);
    let others = found.len() - 1;
    if others > 0 {
        reason.push_str(&format!(
            " {} {} the same way.",
            count(others as u32, "other planning units"),
            if others == 1 { "breaks" } else { "break" }
        ));
    }
    let mut nearest = Vec::new();
    if g.column == Column::Enrollment {
        if let Some(t) = g.tolerance(p.mean_enrollment()).filter(|&t| t > tolerance) {
            nearest.push(Setting::new(
                "size.enrollment_tolerance",
                format!("{t:.3}"),
                format!("--tolerance {t:.3}, for this one alone"),
            ));
        }
    }
    if feeder {
        nearest.push(Setting::new(
            "",
            "let that pathway split: add its top school's id to pathways.split in the scenario, or set pathways.split_gateways = true to split every pathway proven too full this way",
            "",
        ));
    }
    Some(Proof {
        rule: rule.into(),
        settings: vec![setting.into()],
        need: Amount::new(hi, what),
        have: Amount::new(g.least, what),
        reason,
        nearest,
    })
}

/// Why gateway `g` cannot hold its network: the unit, each part beyond it by its largest units, what each
/// part must give, and the sum against the band.
pub(crate) fn gateway_reason(
    g: &crate::solver::pockets::Gateway,
    unit_name: &dyn Fn(usize) -> String,
) -> String {
    use crate::solver::Column;
    use crate::text::{count, first_of, thousands};
    let what = match g.column {
        Column::Schools => "schools",
        _ => "students",
    };
    let amount = |v: f64| format!("{} {what}", thousands(v));
    let (lo, hi) = ((g.band.0 - 1e-9).ceil(), (g.band.1 + 1e-9).floor());
    let sides: Vec<String> = g
        .sides
        .iter()
        .map(|s| {
            let names: Vec<String> = s.units.iter().map(|&u| unit_name(u)).collect();
            let what_side = format!(
                "{} ({}: {})",
                count(s.units.len() as u32, "planning units"),
                amount(s.total),
                first_of(&names, 2)
            );
            let by_band = if g.band.0 > 0.0 {
                ((s.total + 1e-9) / g.band.0).floor()
            } else {
                f64::INFINITY
            };
            // Fewer networks than the band allows: what every network must have runs out first.
            let short = if s.most < by_band {
                " (each network must have the high schools, middle schools and school models the rules ask for)"
            } else {
                ""
            };
            if s.gives >= s.total {
                format!("{what_side}, too few for a network of their own{short}, so all of them join it")
            } else {
                format!(
                    "{what_side} make at most {}{short} of at most {}, so at least {} join it",
                    count(by_band.min(s.most), "networks"),
                    amount(hi),
                    amount(s.gives)
                )
            }
        })
        .collect();
    format!(
        "{} ({}) is the only way between the rest of the district and {}: a network holds {} to {} {what}; {}; so the network that holds it has at least {}, more than {}.",
        unit_name(g.unit),
        amount(g.own),
        count(g.sides.len() as u32, "parts"),
        thousands(lo),
        thousands(hi),
        sides.join("; "),
        amount(g.least),
        amount(hi),
    )
}

/// A setting worth suggesting only when it keeps at least one network (or one school): zero networks is
/// no plan, and zero schools per network is no rule.
fn at_least_one(n: u64, setting: impl Fn(u64) -> Setting) -> Option<Setting> {
    (n >= 1).then(|| setting(n))
}
