//! Arithmetic checks that show a scenario cannot hold, before any search.
//!
//! Each check is a necessary condition. When one fails, the message gives the numbers and the nearest
//! setting that would pass that check.

use super::Problem;

/// One constraint that cannot hold, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Scenario key(s) involved.
    pub constraint: String,
    /// The arithmetic and the nearest setting that would work.
    pub explanation: String,
}

/// Runs every check; empty when none fails. `unit_name(u)` names a unit in messages.
///
/// `model_names[j]` names the model of `p.limits.model_min[j]`.
pub fn check(
    p: &Problem,
    tolerance: f64,
    model_names: &[String],
    unit_name: &dyn Fn(usize) -> String,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    let k = p.k as u64;
    let l = &p.limits;
    let n_units = p.units.len() as u64;
    let schools: u64 = p.units.iter().map(|u| u64::from(u.schools)).sum();
    let high: u64 = p.units.iter().map(|u| u64::from(u.high)).sum();
    let middle: u64 = p.units.iter().map(|u| u64::from(u.middle)).sum();
    let mean = p.mean_enrollment();
    if n_units < k {
        out.push(Conflict {
            constraint: "networks".into(),
            explanation: format!(
                "{k} networks need at least {k} campuses, but the table has {n_units} (co-located schools count as one campus).{}",
                nearest(&[(n_units > 0).then(|| format!("networks = {n_units} or fewer"))])
            ),
        });
    }
    let min_s = u64::from(l.min_schools);
    if k * min_s > schools {
        out.push(Conflict {
            constraint: "networks, size.min_schools".into(),
            explanation: format!(
                "{k} networks × at least {min_s} schools = {} schools, but the table has {schools}.{}",
                k * min_s,
                nearest(&[
                    at_least_one(schools / min_s.max(1), |n| format!("networks = {n} (at {min_s} schools each)")),
                    at_least_one(schools / k, |m| format!("min_schools = {m} (with {k} networks)")),
                ])
            ),
        });
    }
    let max_s = u64::from(l.max_schools);
    if k * max_s < schools {
        out.push(Conflict {
            constraint: "networks, size.max_schools".into(),
            explanation: format!(
                "{k} networks × at most {max_s} schools = {} schools, but the table has {schools}.{}",
                k * max_s,
                nearest(&[
                    Some(format!("networks = {} (at {max_s} schools each)", schools.div_ceil(max_s.max(1)))),
                    Some(format!("max_schools = {} (with {k} networks)", schools.div_ceil(k))),
                ])
            ),
        });
    }
    for (what, have, need, key) in [
        ("high", high, l.min_high, "coverage.min_high"),
        ("middle", middle, l.min_middle, "coverage.min_middle"),
    ] {
        let need = u64::from(need);
        if need > 0 && k * need > have {
            out.push(Conflict {
                constraint: format!("networks, {key}"),
                explanation: format!(
                    "{k} networks × at least {need} {what} school(s) = {} {what} schools, but the table has {have}.{}",
                    k * need,
                    nearest(&[
                        at_least_one(have / need, |n| format!("networks = {n} or fewer")),
                        Some(format!("{key} = {}", have / k)),
                    ])
                ),
            });
        }
    }
    // Shares average out to the district's: no cap below the district's own share can hold everywhere.
    if let Some(cap) = l.max_low_share {
        let low: u64 = p.units.iter().map(|u| u64::from(u.low)).sum();
        let rated: u64 = p.units.iter().map(|u| u64::from(u.rated)).sum();
        if rated > 0 && low as f64 > cap * rated as f64 + 1e-9 {
            let share = low as f64 / rated as f64;
            out.push(Conflict {
                constraint: "performance.max_low_performing_share".into(),
                explanation: format!(
                    "the district has {low} low-performing schools among {rated} rated ({:.1}%); the networks' shares average out to that, \
                     so no plan can keep every network at or below {:.1}%. Nearest setting that works: max_low_performing_share = {:.3} or more.",
                    100.0 * share,
                    100.0 * cap,
                    (share * 1000.0).ceil() / 1000.0
                ),
            });
        }
    }
    for (j, &need) in l.model_min.iter().enumerate().filter(|(_, n)| **n > 0) {
        let have: u64 = p.units.iter().map(|u| u64::from(u.models[j])).sum();
        let name = model_names.get(j).map_or("?", String::as_str);
        if have < k * u64::from(need) {
            out.push(Conflict {
                constraint: format!("coverage.min_models.{name}"),
                explanation: format!(
                    "{k} networks × at least {need} {name} school(s) = {} schools, but the table has {have}.{}",
                    k * u64::from(need),
                    nearest(&[
                        at_least_one(have / u64::from(need), |n| format!("networks = {n} or fewer")),
                        Some(format!("{name} = {}", have / k)),
                    ])
                ),
            });
        }
    }
    // The largest campus must fit the enrollment band and the school count.
    if let Some((u, unit)) = p.units.iter().enumerate().max_by(|a, b| {
        a.1.enrollment
            .total_cmp(&b.1.enrollment)
            .then(b.0.cmp(&a.0))
    }) {
        if unit.enrollment > l.max_enrollment + 1e-9 {
            let needed = unit.enrollment / mean - 1.0;
            // At most this many networks let the mean network, with the band as it is, hold the campus.
            let fewer =
                ((mean * p.k as f64 * (1.0 + tolerance)) / unit.enrollment).floor() as usize;
            let fewer = if fewer >= 1 {
                format!("networks = {fewer} or fewer")
            } else {
                "a table where this campus is split into its schools (a campus id or coordinates that join schools on different sites)".into()
            };
            // The tolerance must stay below 1 (±100%): beyond it, only fewer networks help.
            let hint = if needed + 0.0005 < 1.0 {
                format!(
                    "Nearest settings that work: enrollment_tolerance = {:.3} or more (±{:.1}%), or {fewer}.",
                    (needed + 0.0005).max(tolerance),
                    (needed * 100.0 + 0.05).max(tolerance * 100.0),
                )
            } else {
                format!("No enrollment tolerance (below ±100%) makes room for it. Nearest setting that works: {fewer}.")
            };
            out.push(Conflict {
                constraint: "size.enrollment_tolerance".into(),
                explanation: format!(
                    "{} has {:.0} students, more than any network may hold: the mean network has {:.0} students and ±{:.1}% allows at most {:.0}. {hint}",
                    unit_name(u),
                    unit.enrollment,
                    mean,
                    tolerance * 100.0,
                    l.max_enrollment,
                ),
            });
        }
    }
    if let Some((u, unit)) = p
        .units
        .iter()
        .enumerate()
        .max_by_key(|(i, u)| (u.schools, std::cmp::Reverse(*i)))
    {
        if unit.schools > l.max_schools {
            out.push(Conflict {
                constraint: "size.max_schools".into(),
                explanation: format!(
                    "{} groups {} co-located schools, more than max_schools = {}. Nearest setting that works: max_schools = {}.",
                    unit_name(u),
                    unit.schools,
                    l.max_schools,
                    unit.schools
                ),
            });
        }
    }
    out
}

/// " Nearest setting(s) that work: a, or b." for the settings given; empty when none is.
fn nearest(settings: &[Option<String>]) -> String {
    let given: Vec<&str> = settings.iter().flatten().map(String::as_str).collect();
    match given.len() {
        0 => String::new(),
        1 => format!(" Nearest setting that works: {}.", given[0]),
        _ => format!(" Nearest settings that work: {}.", given.join(", or ")),
    }
}

/// A setting worth suggesting only when it keeps at least one network (or one school): zero networks is
/// no plan, and zero schools per network is no rule.
fn at_least_one(n: u64, setting: impl Fn(u64) -> String) -> Option<String> {
    (n >= 1).then(|| setting(n))
}
