//! Staffing and cost: the positions of each network and what they cost per year.
//!
//! Every network has the scenario's standard positions. Need-based positions (the seed design's 2 complex
//! project managers and 3 IT technicians per network on average) are shared out: the district has
//! round(average × networks) of each; every network first gets the minimum, and the rest go in proportion to
//! each network's need (a sum over its schools, such as low-performing schools or FRPM students) by the
//! largest-remainder method, ties to the network listed first. Pure: no file I/O.

use crate::error::{Error, Result};
use crate::plan_file::{NetworkStaff, Position, Staffing};
use crate::scenarios::StaffingRules;
use crate::schools::SchoolTable;
use crate::text::round;

/// Need measures that are not table columns.
pub(crate) const NEED_MEASURES: [&str; 3] = ["low_performing_schools", "frpm_students", "schools"];

/// Each school's need by `measure`: a [`NEED_MEASURES`] name or a numeric column of the table (blank is
/// 0). `low[i]` says whether school `i` is low-performing. An unknown measure or a non-numeric value is
/// an error naming the scenario field (`field`) or the table row.
pub(crate) fn school_need(
    table: &SchoolTable,
    low: &[Option<bool>],
    measure: &str,
    field: &str,
    scenario_source: &str,
) -> Result<Vec<f64>> {
    let schools = &table.schools;
    Ok(match measure {
        "low_performing_schools" => low
            .iter()
            .map(|l| f64::from(u8::from(*l == Some(true))))
            .collect(),
        "frpm_students" => schools
            .iter()
            .map(|s| f64::from(s.enrollment) * s.frpm_pct.unwrap_or(0.0) / 100.0)
            .collect(),
        "schools" => vec![1.0; schools.len()],
        column => {
            let Some(c) = table.column(column) else {
                return Err(Error::input(
                    scenario_source,
                    None,
                    Some(field),
                    format!(
                        "\"{column}\" is neither a need measure nor a column of {}",
                        table.source
                    ),
                    format!(
                        "use one of {} or a numeric column such as enrollment",
                        NEED_MEASURES.join(", ")
                    ),
                ));
            };
            let mut out = Vec::with_capacity(schools.len());
            for (i, s) in schools.iter().enumerate() {
                let text = s.row().swap_remove(c);
                let text = text.trim();
                if text.is_empty() {
                    out.push(0.0);
                    continue;
                }
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => out.push(v),
                    _ => {
                        return Err(Error::input(
                            table.source.clone(),
                            table.line(i),
                            Some(column),
                            format!(
                                "\"{text}\" is not a need of 0 or more ({field} sums this column)"
                            ),
                            "write a plain number, or choose another need measure in the scenario",
                        ))
                    }
                }
            }
            out
        }
    })
}

/// Shares `total` positions between networks: `min` each, the rest in proportion to `need` by largest
/// remainder (ties to the lower index). With no need at all, the rest is shared evenly the same way.
pub(crate) fn apportion(need: &[f64], total: u32, min: u32) -> Vec<u32> {
    let k = need.len() as u32;
    let mut out = vec![min; need.len()];
    let rest = total.saturating_sub(min * k);
    if rest == 0 || k == 0 {
        return out;
    }
    let sum: f64 = need.iter().sum();
    let share: Vec<f64> = if sum > 0.0 {
        need.iter().map(|n| n / sum * f64::from(rest)).collect()
    } else {
        vec![f64::from(rest) / f64::from(k); need.len()]
    };
    let mut given = 0;
    for (o, s) in out.iter_mut().zip(&share) {
        let f = s.floor() as u32;
        *o += f;
        given += f;
    }
    let mut order: Vec<usize> = (0..need.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = share[a] - share[a].floor();
        let rb = share[b] - share[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take((rest - given) as usize) {
        out[i] += 1;
    }
    out
}

/// The staffing of a plan: `school_network[i]` indexes `network_ids`; `low` marks low-performing schools.
pub fn plan(
    table: &SchoolTable,
    low: &[Option<bool>],
    school_network: &[usize],
    network_ids: &[String],
    rules: &StaffingRules,
    scenario_source: &str,
) -> Result<Staffing> {
    let k = network_ids.len();
    let mut positions: Vec<Position> = rules
        .standard
        .iter()
        .map(|p| Position {
            title: p.title.clone(),
            allocated_by: "standard".into(),
            cost: p.cost,
            positions: p.count * k as u32,
            total_cost: 0.0,
        })
        .collect();
    let mut per_network: Vec<Vec<u32>> = rules.standard.iter().map(|p| vec![p.count; k]).collect();
    let mut needs: Vec<Vec<f64>> = Vec::new();
    for (j, p) in rules.need_based.iter().enumerate() {
        let field = format!("staffing.need_based[{j}].need");
        let by_school = school_need(table, low, &p.need, &field, scenario_source)?;
        let mut need = vec![0.0; k];
        for (i, v) in by_school.iter().enumerate() {
            need[school_network[i]] += v;
        }
        let total = (p.per_network * k as f64).round() as u32;
        per_network.push(apportion(&need, total, p.min_per_network));
        needs.push(need.iter().map(|v| round(*v, 1)).collect());
        positions.push(Position {
            title: p.title.clone(),
            allocated_by: p.need.clone(),
            cost: p.cost,
            positions: total.max(p.min_per_network * k as u32),
            total_cost: 0.0,
        });
    }
    for p in &mut positions {
        p.total_cost = round(f64::from(p.positions) * p.cost, 2);
    }
    let networks: Vec<NetworkStaff> = (0..k)
        .map(|n| {
            let counts: Vec<u32> = per_network.iter().map(|v| v[n]).collect();
            let cost = counts
                .iter()
                .zip(&positions)
                .map(|(&c, p)| f64::from(c) * p.cost)
                .sum::<f64>();
            NetworkStaff {
                network: network_ids[n].clone(),
                total_positions: counts.iter().sum(),
                positions: counts,
                need: needs.iter().map(|v| v[n]).collect(),
                cost: round(cost, 2),
            }
        })
        .collect();
    Ok(Staffing {
        total_positions: positions.iter().map(|p| p.positions).sum(),
        total_cost: round(positions.iter().map(|p| p.total_cost).sum(), 2),
        positions,
        networks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_gives_the_minimum_then_follows_need() {
        // 64 positions over 32 networks, at least 1 each: 32 follow need.
        let mut need = vec![0.0; 32];
        need[0] = 30.0;
        need[1] = 10.0;
        let out = apportion(&need, 64, 1);
        assert_eq!(out.iter().sum::<u32>(), 64);
        assert_eq!((out[0], out[1], out[2]), (25, 9, 1));
        // Largest remainder: 3 positions by need 1:1:1 go to the first three; 2 by 1:1:1, ties to the first.
        assert_eq!(apportion(&[1.0, 1.0, 1.0], 2, 0), vec![1, 1, 0]);
        assert_eq!(apportion(&[5.0, 3.0, 2.0], 5, 0), vec![3, 1, 1]);
        // No need at all: shared evenly.
        assert_eq!(apportion(&[0.0; 4], 6, 0), vec![2, 2, 1, 1]);
        // Fewer positions than the minimum asks: every network still gets the minimum.
        assert_eq!(apportion(&[1.0, 2.0], 1, 1), vec![1, 1]);
    }
}
