//! The capacitated assignment solved as a min-cost flow (with the other rows priced in by column
//! generation) against the same problem as a general linear program: on LAUSD and on random districts,
//! the flow's objective is within 0.1% of the LP optimum and every band holds.

use rand::{RngExt, SeedableRng};
use schoolnets::inputs::{LoadedOutline, LoadedTable};
use schoolnets::plans::problem;
use schoolnets::scenarios::Scenario;
use schoolnets::schools::SchoolTable;
use schoolnets::solver::assign::{capacitated, solve_shares, Assignment, Candidates};
use schoolnets::solver::{seed, Limits, Problem};
use schoolnets::units::{Adjacency, Units};

/// The problem of a table with the scenario's size rules only (enrollment band, school count), as the
/// comparison is about the bands.
fn sizes_only(
    table: &SchoolTable,
    outline: Option<&schoolnets::geography::Outline>,
    k: usize,
) -> Problem {
    let mut scenario = Scenario::default_scenario();
    scenario.networks = k;
    let units = Units::build(table);
    let adjacency = Adjacency::build(&units, outline, 4.0);
    let rules =
        schoolnets::rules::RuleSet::new(table, &scenario, &Default::default()).expect("rules");
    let mut p = problem(table, &units, &adjacency, &scenario, &rules);
    let l = p.limits.size();
    p.limits = Limits::basic(
        l.min_schools,
        l.max_schools,
        l.min_enrollment,
        l.max_enrollment,
    );
    p
}

/// Centres after a few rounds of capacitated Lloyd from k-means++ (where the solver calls the assignment).
fn centres(p: &Problem, seed_value: u64) -> Vec<[f64; 2]> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed_value);
    let mut c = seed::kmeans(p, &mut rng);
    for _ in 0..3 {
        if let Some(a) = capacitated(p, &c, Assignment::Flow) {
            c = seed::centres_of(p, &a, &c);
        }
    }
    c
}

/// Compares the flow and the LP on the `m` nearest centres of each unit; returns the flow's objective
/// over the LP's, or `None` when both find the bands impossible with those candidates.
fn compare(p: &Problem, centres: &[[f64; 2]], m: usize) -> Option<f64> {
    let d2 = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let cands = Candidates::from_lists(p.units.iter().map(|u| {
        let mut near: Vec<(f64, usize)> = centres
            .iter()
            .enumerate()
            .map(|(c, &x)| (d2(u.pos, x), c))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        near.into_iter().take(m).map(|x| x.1).collect::<Vec<_>>()
    }));
    let cost = |u: usize, c: usize| f64::from(p.units[u].schools) * d2(p.units[u].pos, centres[c]);
    let flow = solve_shares(p, &cands, &cost, Assignment::Flow);
    let lp = solve_shares(p, &cands, &cost, Assignment::Lp);
    let (flow, lp) = match (flow, lp) {
        (None, None) => return None,
        (Some(f), Some(l)) => (f, l),
        (f, l) => panic!("flow feasible {}, LP feasible {}", f.is_some(), l.is_some()),
    };
    let objective = |x: &[f64]| -> f64 {
        (0..p.units.len())
            .flat_map(|u| {
                cands
                    .range(u)
                    .zip(cands.of(u))
                    .map(move |(j, &c)| (u, j, c))
            })
            .map(|(u, j, c)| x[j] * cost(u, c))
            .sum()
    };
    // Every band holds in the flow's shares (students to the student, schools to a millionth).
    let mut enrollment = vec![0.0; p.k];
    let mut schools = vec![0.0; p.k];
    for u in 0..p.units.len() {
        let shares: f64 = cands.range(u).map(|j| flow[j]).sum();
        assert!(
            (shares - 1.0).abs() < 1e-9,
            "unit {u} assigned {shares} times"
        );
        for (j, &c) in cands.range(u).zip(cands.of(u)) {
            enrollment[c] += flow[j] * p.units[u].enrollment;
            schools[c] += flow[j] * f64::from(p.units[u].schools);
        }
    }
    let l = p.limits.size();
    for c in 0..p.k {
        assert!(
            enrollment[c] >= l.min_enrollment - 1.0 && enrollment[c] <= l.max_enrollment + 1.0,
            "network {c}: {} students, band {}-{}",
            enrollment[c],
            l.min_enrollment,
            l.max_enrollment
        );
        assert!(
            schools[c] >= f64::from(l.min_schools) - 1e-6
                && schools[c] <= f64::from(l.max_schools) + 1e-6,
            "network {c}: {} schools, band {}-{}",
            schools[c],
            l.min_schools,
            l.max_schools
        );
    }
    Some(objective(&flow) / objective(&lp))
}

#[test]
fn on_lausd_the_flow_matches_the_lp_optimum() {
    let table = LoadedTable::built_in().unwrap().table;
    let outline = LoadedOutline::built_in().unwrap().outline;
    let p = sizes_only(&table, Some(&outline), 32);
    let mut compared = 0;
    for seed_value in 0..3 {
        let c = centres(&p, seed_value);
        if let Some(ratio) = compare(&p, &c, 8) {
            assert!(
                (0.999..=1.001).contains(&ratio),
                "seed {seed_value}: flow / LP = {ratio}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 2, "only {compared} of 3 starts were feasible");
}

#[test]
fn on_random_districts_the_flow_matches_the_lp_optimum() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let mut compared = 0;
    for case in 0..8 {
        let n = rng.random_range(60..220usize);
        let k = rng.random_range(3..9usize);
        let table = schoolnets::synthetic::district(n, case);
        let mut p = sizes_only(&table, None, k);
        // School counts from 60% to 140% of the mean, enrollment within ±10%: as the default scenario.
        let mean = n as f64 / k as f64;
        let size = p.limits.size();
        p.limits = Limits::basic(
            (0.6 * mean).floor() as u32,
            (1.4 * mean).ceil() as u32,
            size.min_enrollment,
            size.max_enrollment,
        );
        let c = centres(&p, case);
        if let Some(ratio) = compare(&p, &c, k.min(5)) {
            assert!(
                (0.999..=1.001).contains(&ratio),
                "case {case} ({n} schools, {k} networks): flow / LP = {ratio}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 6, "only {compared} of 8 cases were feasible");
}
