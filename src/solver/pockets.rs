//! Problems whose graph is in pieces ("pockets": closed by barriers, or by an outline's gaps).
//!
//! A network is one connected piece of the graph, so it never spans two pockets: each pocket holds a whole
//! number of networks, and that number is bounded by the pocket's students and schools against the
//! per-network bands. [`share`] is that arithmetic (used before solving, to prove a plan impossible, and by
//! the search, to give each pocket its networks); [`solve`] solves each pocket on its own with its share,
//! then repairs and polishes the joined plan as [`super::parts`] does.
//!
//! A graph in one piece can still be a chain of pockets joined through single units ("gateways": a
//! pathway or campus that is the only way between a harbour and the rest of a district, along a strip of
//! its outline). Every network beyond a gateway is whole on its side, so each side can keep at most a whole
//! number of networks and the rest of its students must join the gateway's network; [`gateways`] finds the
//! gateways whose network would then hold more than a network may.

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

/// The most whole networks a set of units can hold by the least every network must have of a counted
/// column other than students and schools (high schools, middle schools, magnets: the coverage rules):
/// ⌊total/least⌋ over every such column, or unbounded when no such rule asks for any.
pub fn most_by_coverage(p: &Problem, units: &[usize]) -> f64 {
    p.limits
        .terms
        .iter()
        .filter_map(|t| match t.quantity {
            Quantity::Total(Column::Sum(i)) if t.lo > 0.0 => {
                let total: f64 = units.iter().map(|&u| p.sums_of(u)[i]).sum();
                Some(((total + 1e-9) / t.lo).floor())
            }
            _ => None,
        })
        .fold(f64::INFINITY, f64::min)
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
            // A unit is never split, so a pocket holds at most one network per unit; and each network
            // has what the coverage rules ask of every network.
            let coverage = most_by_coverage(p, &units);
            let fits = match (whole(e, enrollment), whole(f64::from(s), schools)) {
                (Some(a), Some(b)) => Some((
                    a.0.max(b.0),
                    a.1.min(b.1)
                        .min(units.len())
                        .min(coverage.min(usize::MAX as f64 / 2.0) as usize),
                ))
                .filter(|r| r.0 <= r.1),
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

/// The least of a side's `total` that must join a network reaching in from outside it: the rest are whole
/// networks of `lo` to `hi`, so at most ⌊total/lo⌋ of them, holding at most that many times `hi`;
/// `most` caps the networks by what else each must have ([`most_by_coverage`]).
pub fn must_leave(total: f64, (lo, hi): (f64, f64), most: f64) -> f64 {
    if !hi.is_finite() {
        return 0.0;
    }
    let eps = 1e-9 * total.abs().max(1.0);
    let by_band = if lo > 0.0 && lo.is_finite() {
        ((total + eps) / lo).floor()
    } else {
        f64::INFINITY
    };
    let networks = by_band.min(most);
    if !networks.is_finite() {
        return 0.0;
    }
    (total - networks * hi).max(0.0)
}

/// A part of the graph that reaches the rest only through a gateway, and what it must give the gateway's
/// network.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// Its units, largest total first.
    pub units: Vec<usize>,
    pub total: f64,
    /// The most whole networks it can hold by the coverage rules ([`most_by_coverage`]; infinite when
    /// none applies).
    pub most: f64,
    /// The least of `total` that joins the gateway's network ([`must_leave`]).
    pub gives: f64,
}

/// A unit that is the only way between parts of the graph, whose network must hold more than a network
/// may: a proof that no plan meets the band on `column`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    pub unit: usize,
    pub column: Column,
    /// The unit's own total.
    pub own: f64,
    /// The sides that must give its network something, most first.
    pub sides: Vec<Side>,
    /// The least its network holds: its own total and every side's gift.
    pub least: f64,
    /// The band on every network.
    pub band: (f64, f64),
}

impl Gateway {
    /// The narrowest enrollment band around `mean` (a share of it: 0.176 for ±17.6%) within which this
    /// gateway's network fits, to the thousandth; `None` when none below ±100% does.
    pub fn tolerance(&self, mean: f64) -> Option<f64> {
        let fits = |t: f64| {
            let band = (mean * (1.0 - t), mean * (1.0 + t));
            let least = self.own
                + self
                    .sides
                    .iter()
                    .map(|s| must_leave(s.total, band, s.most))
                    .sum::<f64>();
            least <= band.1 + 1e-9 * band.1.abs()
        };
        // The least falls and the band's top rises as the band widens, so the first that fits is found by
        // halving.
        let (mut lo, mut hi) = (0.0, 0.999);
        if !fits(hi) {
            return None;
        }
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if fits(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some((hi * 1000.0).ceil() / 1000.0)
    }
}

/// Every gateway whose network must hold more students (then more schools) than a network may, the
/// widest breach first. Empty when networks need not be connected: a network may then skip the gateway.
pub fn gateways(p: &Problem) -> Vec<Gateway> {
    if !p.limits.connected {
        return Vec::new();
    }
    let g = &p.neighbors;
    let mut seen = vec![usize::MAX; g.len()];
    let mut out = Vec::new();
    for (mark, v) in g.cut_nodes().into_iter().enumerate() {
        let pieces = g.pieces(g[v].iter().copied(), |u| u != v, &mut seen, mark);
        for column in [Column::Enrollment, Column::Schools] {
            let b = band(&p.limits, column);
            if !b.1.is_finite() {
                continue;
            }
            let value = |u: usize| match column {
                Column::Schools => f64::from(p.units[u].schools),
                _ => p.units[u].enrollment,
            };
            let own = value(v);
            let mut sides: Vec<Side> = pieces
                .iter()
                .filter_map(|piece| {
                    let total: f64 = piece.iter().map(|&u| value(u)).sum();
                    let most = most_by_coverage(p, piece);
                    let gives = must_leave(total, b, most);
                    let mut units = piece.clone();
                    units.sort_by(|&a, &c| value(c).total_cmp(&value(a)).then(a.cmp(&c)));
                    (gives > 0.0).then_some(Side {
                        units,
                        total,
                        most,
                        gives,
                    })
                })
                .collect();
            let least = own + sides.iter().map(|s| s.gives).sum::<f64>();
            if least > b.1 + 1e-9 * b.1.abs().max(1.0) {
                sides.sort_by(|a, c| c.gives.total_cmp(&a.gives).then(a.units.cmp(&c.units)));
                out.push(Gateway {
                    unit: v,
                    column,
                    own,
                    sides,
                    least,
                    band: b,
                });
            }
        }
    }
    out.sort_by(|a, c| {
        let over = |x: &Gateway| (x.least - x.band.1) / x.band.1.abs().max(1.0);
        over(c).total_cmp(&over(a)).then(a.unit.cmp(&c.unit))
    });
    out
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
        let limits = Limits::basic(1, 100, band.0, band.1);
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
    fn a_gateway_whose_network_must_take_too_much_is_found() {
        // 65 65 | 80 | 65 65, networks of 90 to 110 students: unit 2 is the only way between two sides of
        // 130 students. One network holds at most 110 and two need at least 180, so 20 of each side join
        // unit 2's network, which then has at least 80 + 20 + 20 = 120 students.
        let p = row(&[65.0, 65.0, 80.0, 65.0, 65.0], &[], 3, (90.0, 110.0));
        let found = gateways(&p);
        // Units 1 and 3 are gateways too: unit 0 alone is too small, and with unit 1 it has 130 students.
        assert_eq!(
            found.iter().map(|g| (g.unit, g.least)).collect::<Vec<_>>(),
            vec![(1, 130.0), (3, 130.0), (2, 120.0)],
            "widest breach first"
        );
        let g = &found[2];
        assert_eq!((g.column, g.own), (Column::Enrollment, 80.0));
        assert_eq!(
            g.sides
                .iter()
                .map(|s| (s.total, s.gives))
                .collect::<Vec<_>>(),
            vec![(130.0, 20.0), (130.0, 20.0)]
        );
        // Around a mean of 100: 140 - 200t ≤ 100 + 100t from t = 2/15.
        assert_eq!(g.tolerance(100.0), Some(0.134));
        // A row whose networks fit: no gateway is too full.
        let p = row(&[50.0; 8], &[], 4, (90.0, 110.0));
        assert!(gateways(&p).is_empty(), "{:?}", gateways(&p));
        let any = f64::INFINITY;
        assert_eq!(must_leave(180.0, (90.0, 110.0), any), 0.0);
        assert_eq!(must_leave(80.0, (90.0, 110.0), any), 80.0);
        assert_eq!(must_leave(130.0, (90.0, 110.0), any), 20.0);
        // A side with one high school holds at most one network when each needs one.
        assert_eq!(must_leave(200.0, (90.0, 110.0), 1.0), 90.0);
        assert_eq!(must_leave(200.0, (90.0, 110.0), 0.0), 200.0);
    }

    /// Whether some split of `p`'s units into `p.k` connected networks meets the enrollment and school
    /// bands: every labelled assignment tried (small problems only).
    fn has_plan(p: &Problem) -> bool {
        let (n, k) = (p.units.len(), p.k);
        let e = band(&p.limits, Column::Enrollment);
        let s = band(&p.limits, Column::Schools);
        let mut code = vec![0; n];
        'all: for mut x in 0..k.pow(n as u32) {
            for c in code.iter_mut() {
                *c = x % k;
                x /= k;
            }
            for net in 0..k {
                let members: Vec<bool> = code.iter().map(|&c| c == net).collect();
                let students: f64 = (0..n)
                    .filter(|&u| members[u])
                    .map(|u| p.units[u].enrollment)
                    .sum();
                let schools = members.iter().filter(|&&m| m).count() as f64;
                if schools < s.0 || schools > s.1 || students < e.0 || students > e.1 {
                    continue 'all;
                }
                if !p.neighbors.is_connected(&members) {
                    continue 'all;
                }
            }
            return true;
        }
        false
    }

    #[test]
    fn a_gateway_proof_is_never_given_where_a_plan_exists() {
        // Random trees (every unit a cut node or a leaf) of 4 to 8 units with 10 to 100 students each,
        // into 2 or 3 networks within ±10% to ±40% of the mean: whenever a gateway breaches, no split
        // of the units meets the bands.
        let mut next = crate::seeds::test_stream(0x2545_f491_4f6c_dd1du64);
        let (mut fired, mut planned) = (0, 0);
        for _ in 0..600 {
            let n = 4 + next(5) as usize;
            let k = 2 + next(2) as usize;
            let students: Vec<f64> = (0..n).map(|_| 10.0 + next(91) as f64).collect();
            let edges: Vec<(usize, usize)> = (1..n).map(|i| (next(i as u64) as usize, i)).collect();
            let mean = students.iter().sum::<f64>() / k as f64;
            let tol = 0.1 + next(31) as f64 / 100.0;
            let mut p = row(&students, &[], k, (mean * (1.0 - tol), mean * (1.0 + tol)));
            p.neighbors = Arc::new(Graph::from_edges(n, edges));
            let plan = has_plan(&p);
            planned += usize::from(plan);
            if !gateways(&p).is_empty() {
                fired += 1;
                assert!(
                    !plan,
                    "a gateway proof where a plan exists: {students:?} {:?}",
                    p.neighbors
                );
            }
        }
        assert!(
            fired > 50 && planned > 50,
            "{fired} proofs, {planned} with a plan: the cases test both"
        );
    }

    #[test]
    fn what_every_network_must_have_caps_a_pocket_and_a_gateway_side() {
        // Two pockets of 200 students (networks of 90 to 110: two each by students), but every network
        // needs a high school and the first pocket has one: it holds at most one network, so none.
        let mut p = row(&[50.0; 8], &[4], 4, (90.0, 110.0));
        let high = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        p.limits = Limits::new(
            p.limits
                .terms
                .iter()
                .copied()
                .chain([Term {
                    quantity: Quantity::Total(Column::Sum(0)),
                    lo: 1.0,
                    hi: f64::INFINITY,
                    per: Per::Each(1.0),
                }])
                .collect(),
            true,
            1,
        );
        p.sums = high.to_vec();
        assert_eq!(most_by_coverage(&p, &[0, 1, 2, 3]), 1.0);
        let found = pockets(&p);
        assert_eq!(
            found[0].fits, None,
            "200 students need 2 networks, 1 high school makes 1"
        );
        assert_eq!(found[1].fits, Some((2, 2)));
        // One row, high schools at units 3, 4 and 7: unit 3 is the only way between units 0-2 (150
        // students, no high school, so no network of their own: all join unit 3's network) and 4-7.
        // Without the rule, 40 of the 150 would join and unit 3's network would fit (50 + 40 = 90).
        let mut joined = p.clone();
        joined.neighbors = Arc::new(Graph::from_edges(8, (1..8).map(|i| (i - 1, i))));
        joined.sums = vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        let g = gateways(&joined);
        let at3 = g.iter().find(|g| g.unit == 3).expect("unit 3 breaches");
        assert_eq!((at3.least, at3.sides[0].most), (200.0, 0.0), "{at3:?}");
        let plain = row(&[50.0; 8], &[], 4, (90.0, 110.0));
        assert!(gateways(&plain).iter().all(|g| g.unit != 3));
    }

    #[test]
    fn a_connected_graph_is_one_pocket_and_left_to_the_search() {
        let p = row(&[50.0; 12], &[], 6, (90.0, 110.0));
        assert_eq!(pockets(&p).len(), 1);
        assert_eq!(solve(&p, Settings::new(7, 1), &|| {}), None);
    }
}
