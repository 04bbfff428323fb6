//! Problems whose graph is in pieces ("pockets": closed by barriers, or by an outline's gaps).
//!
//! A network is one connected piece of the graph, so it never spans two pockets: each pocket holds a whole
//! number of networks, and that number is bounded by the pocket's students and schools against the
//! per-network bands. [`share`] is that arithmetic (used before solving, to prove a plan impossible, and by
//! the search, to give each pocket its networks); [`solve`] solves each pocket on its own with its share,
//! then repairs and polishes the joined plan as [`super::parts`] does.

use super::problem::{Column, Limits, Problem, Quantity, Settings, Solution};
use super::restarts::finish;

/// One connected piece of a problem's graph and how many networks it can hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Pocket {
    /// Its units, smallest first.
    pub units: Vec<usize>,
    pub enrollment: f64,
    pub schools: u32,
    /// The fewest and most networks it can hold within the enrollment and school bands; `None` when no
    /// whole number of networks fits both (one is too few and two too many, say).
    pub fits: Option<(usize, usize)>,
}

/// Why the networks cannot be shared out among the pockets.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortfall {
    /// Pocket `i` holds no whole number of networks.
    Pocket(usize),
    /// Every pocket has a range, but the plan's `k` networks are fewer than the sum of their fewest
    /// (`fewest`) or more than the sum of their most (`most`).
    Count { fewest: usize, most: usize },
}

/// The bounds of a total on every network, `(-∞, ∞)` when no term bounds it.
pub fn band(limits: &Limits, column: Column) -> (f64, f64) {
    limits
        .terms
        .iter()
        .filter(|t| t.quantity == Quantity::Total(column))
        .fold((f64::NEG_INFINITY, f64::INFINITY), |(lo, hi), t| {
            (lo.max(t.lo), hi.min(t.hi))
        })
}

/// Whether a piece of `students` and `schools` is too small to be one network of its own (below the
/// enrollment band or the fewest schools a network may have).
pub fn too_small(limits: &Limits, students: f64, schools: usize) -> bool {
    let (e, s) = (
        band(limits, Column::Enrollment),
        band(limits, Column::Schools),
    );
    students < e.0 - 1e-9 * e.0.abs() || (schools as f64) < s.0
}

/// The whole numbers `m ≥ 1` with `m·lo ≤ total ≤ m·hi`, as (fewest, most); `None` when there is none.
fn whole(total: f64, (lo, hi): (f64, f64)) -> Option<(usize, usize)> {
    // A small slack so that a pocket exactly at a bound (rounded band limits) is not refused.
    let eps = 1e-9 * total.abs().max(1.0);
    let fewest = if hi.is_finite() && hi > 0.0 {
        ((total - eps) / hi).ceil().max(1.0)
    } else {
        1.0
    };
    let most = if lo.is_finite() && lo > 0.0 {
        ((total + eps) / lo).floor()
    } else {
        f64::INFINITY
    };
    (fewest <= most).then(|| (fewest as usize, most.min(usize::MAX as f64 / 2.0) as usize))
}

/// The problem's pockets, in order of their smallest unit (one pocket when the graph is connected).
pub fn pockets(p: &Problem) -> Vec<Pocket> {
    let enrollment = band(&p.limits, Column::Enrollment);
    let schools = band(&p.limits, Column::Schools);
    p.neighbors
        .components(&vec![true; p.units.len()])
        .into_iter()
        .map(|mut units| {
            units.sort_unstable();
            let e: f64 = units.iter().map(|&u| p.units[u].enrollment).sum();
            let s: u32 = units.iter().map(|&u| p.units[u].schools).sum();
            // A unit is never split, so a pocket holds at most one network per unit.
            let fits = match (whole(e, enrollment), whole(f64::from(s), schools)) {
                (Some(a), Some(b)) => {
                    Some((a.0.max(b.0), a.1.min(b.1).min(units.len()))).filter(|r| r.0 <= r.1)
                }
                _ => None,
            };
            Pocket {
                units,
                enrollment: e,
                schools: s,
                fits,
            }
        })
        .collect()
}

/// How many of the `k` networks each pocket holds: each its fewest, then one at a time to the pocket whose
/// networks would otherwise be largest (students per network), ties to the earlier pocket.
pub fn share(pockets: &[Pocket], k: usize) -> Result<Vec<usize>, Shortfall> {
    let mut ranges = Vec::with_capacity(pockets.len());
    for (i, pocket) in pockets.iter().enumerate() {
        ranges.push(pocket.fits.ok_or(Shortfall::Pocket(i))?);
    }
    let fewest: usize = ranges.iter().map(|r| r.0).sum();
    let most = ranges.iter().fold(0usize, |a, r| a.saturating_add(r.1));
    if k < fewest || k > most {
        return Err(Shortfall::Count { fewest, most });
    }
    let mut given: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    for _ in fewest..k {
        let next = (0..pockets.len())
            .filter(|&i| given[i] < ranges[i].1)
            .max_by(|&a, &b| {
                let per = |i: usize| pockets[i].enrollment / given[i] as f64;
                per(a).total_cmp(&per(b)).then(b.cmp(&a))
            })
            .expect("k is at most the sum of the pockets' most");
        given[next] += 1;
    }
    Ok(given)
}

/// Solves a problem in pockets: each pocket with its [`share`] of the networks (numbered pocket by
/// pocket), then the joined plan repaired and polished on the whole graph. `None` when the graph is
/// connected, the problem has pins, or the networks cannot be shared out (the search then runs on the whole problem, and the
/// proof before solving has said why no plan meets the rules).
pub fn solve(p: &Problem, settings: Settings, progress: &(dyn Fn() + Sync)) -> Option<Solution> {
    use rand::SeedableRng;
    // Pins name networks across the whole plan; shares by students alone could give a pocket fewer
    // networks than labels pinned in it, so pinned problems are searched whole.
    if p.pins.iter().any(Option::is_some) {
        return None;
    }
    let pockets = pockets(p);
    if pockets.len() < 2 {
        return None;
    }
    let shares = share(&pockets, p.k).ok()?;
    let mut assignment = vec![0; p.units.len()];
    let mut first = 0;
    for (pocket, &m) in pockets.iter().zip(&shares) {
        let sub = super::parts::sub_problem(p, &pocket.units, m, None);
        let solved = super::solve_ranked(&sub, settings, &|| {})
            .into_iter()
            .next()
            .expect("at least one solution");
        for (&u, c) in pocket.units.iter().zip(solved.assignment) {
            assignment[u] = first + c;
        }
        first += m;
    }
    (0..settings.restarts.max(1)).for_each(|_| progress());
    let mut rng =
        rand_chacha::ChaCha8Rng::seed_from_u64(crate::seeds::derive(settings.seed, usize::MAX - 1));
    Some(finish(p, settings, assignment, &mut rng, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::solver::{Per, Term, UnitData};
    use std::sync::Arc;

    /// Units in a row, 1 km apart, each with `students`; `cut` removes the link after those units.
    fn row(students: &[f64], cuts: &[usize], k: usize, band: (f64, f64)) -> Problem {
        let units = students
            .iter()
            .enumerate()
            .map(|(i, &e)| UnitData {
                pos: [i as f64, 0.0],
                schools: 1,
                enrollment: e,
            })
            .collect();
        let edges = (1..students.len())
            .filter(|i| !cuts.contains(i))
            .map(|i| (i - 1, i));
        let term = |c, lo, hi| Term {
            quantity: Quantity::Total(c),
            lo,
            hi,
            per: Per::Each(1.0),
        };
        let limits = Limits::new(
            vec![
                term(Column::Schools, 1.0, 100.0),
                term(Column::Enrollment, band.0, band.1),
            ],
            true,
            0,
        );
        Problem::new(
            units,
            Arc::new(Graph::from_edges(students.len(), edges)),
            k,
            limits,
        )
    }

    #[test]
    fn a_pocket_between_one_and_two_networks_holds_none() {
        // Pockets of 150 and 250 students with networks of 90 to 110: 150 is more than one network and
        // less than two.
        let p = row(&[50.0, 50.0, 50.0, 125.0, 125.0], &[3], 4, (90.0, 110.0));
        let found = pockets(&p);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].units, vec![0, 1, 2]);
        assert_eq!(found[0].fits, None);
        assert_eq!(
            found[1].fits, None,
            "250 students: 3 networks too many, 2 too few"
        );
        assert_eq!(share(&found, 4), Err(Shortfall::Pocket(0)));
    }

    #[test]
    fn networks_are_shared_by_students_and_each_pocket_is_solved_whole() {
        // 200 and 400 students, networks of 90 to 110: 2 and 4 of them.
        let students = [50.0; 12];
        let p = row(&students, &[4], 6, (90.0, 110.0));
        let found = pockets(&p);
        assert_eq!(
            found.iter().map(|x| x.fits).collect::<Vec<_>>(),
            vec![Some((2, 2)), Some((4, 4))]
        );
        assert_eq!(share(&found, 6), Ok(vec![2, 4]));
        assert_eq!(
            share(&found, 7),
            Err(Shortfall::Count { fewest: 6, most: 6 })
        );
        let s = solve(&p, Settings::new(7, 2), &|| {}).expect("two pockets");
        assert_eq!(s.violation, 0.0, "{:?}", s.assignment);
        // No network spans the cut.
        for c in 0..6 {
            let sides: Vec<bool> = (0..12)
                .filter(|&u| s.assignment[u] == c)
                .map(|u| u < 4)
                .collect();
            assert!(sides.iter().all(|&x| x == sides[0]), "{:?}", s.assignment);
        }
    }

    #[test]
    fn a_connected_graph_is_one_pocket_and_left_to_the_search() {
        let p = row(&[50.0; 12], &[], 6, (90.0, 110.0));
        assert_eq!(pockets(&p).len(), 1);
        assert_eq!(solve(&p, Settings::new(7, 1), &|| {}), None);
    }
}
