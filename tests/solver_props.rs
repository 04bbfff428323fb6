//! Property tests on random small districts: every constraint a plan claims to hold really holds
//! (recomputed here from the assignment), and plans are reproducible.

use proptest::prelude::*;
use schoolnets::plans::{make_plan, PlanInputs};
use schoolnets::scenarios::Scenario;
use schoolnets::schools::{read_table, SchoolTable, COLUMNS};
use std::collections::{HashMap, HashSet};

/// A random district: `n` schools scattered over ~20 km, some co-located, levels mixed.
fn district(n: usize, seed: u64) -> SchoolTable {
    let mut x = seed | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 10_000) as f64 / 10_000.0
    };
    let mut text = COLUMNS.join(",");
    let mut last = (34.0, -118.3);
    for i in 0..n {
        let r = next();
        let (lat, lon) = if r < 0.1 && i > 0 {
            last
        } else {
            (34.0 + 0.2 * next(), -118.4 + 0.2 * next())
        };
        last = (lat, lon);
        let level = ["elementary", "elementary", "elementary", "middle", "high"][i % 5];
        let enrollment = 200 + (next() * 1800.0) as u32;
        text.push_str(&format!("\ns{i},School {i},{lat:.6},{lon:.6},{enrollment},{level},K,5,traditional,no,no,,,,,,,,,,,,,,,"));
    }
    read_table("random", text.as_bytes()).unwrap()
}

/// Brute force: the least compactness (Σ squared distances to each network's centroid) over every
/// labelling of the points with `k` networks of `min..=max` points each; infinite when there is none.
fn best_split(points: &[[f64; 2]], k: usize, min: usize, max: usize) -> f64 {
    let n = points.len();
    let mut best = f64::INFINITY;
    'all: for code in 0..k.pow(n as u32) {
        let label = |i: usize| code / k.pow(i as u32) % k;
        let mut total = 0.0;
        for c in 0..k {
            let m: Vec<[f64; 2]> = (0..n)
                .filter(|&i| label(i) == c)
                .map(|i| points[i])
                .collect();
            if m.len() < min.max(1) || m.len() > max {
                continue 'all;
            }
            let cx = m.iter().map(|p| p[0]).sum::<f64>() / m.len() as f64;
            let cy = m.iter().map(|p| p[1]).sum::<f64>() / m.len() as f64;
            total += m
                .iter()
                .map(|p| (p[0] - cx).powi(2) + (p[1] - cy).powi(2))
                .sum::<f64>();
        }
        best = best.min(total);
    }
    best
}

fn scenario(k: usize, min: usize, max: usize, tol: f64) -> Scenario {
    // The geography rules (those checked below); the balance rules have tests of their own.
    let (mut s, _) = Scenario::built_in("geography-only").unwrap();
    s.networks = k;
    // These small instances test the network solver; regions would need more networks.
    s.regions = None;
    s.size.min_schools = min;
    s.size.max_schools = max;
    s.size.enrollment_tolerance = tol;
    s.solver.restarts = 2;
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn claimed_constraints_really_hold(n in 30usize..90, k in 2usize..6, tol in 0.05f64..0.4, seed in any::<u64>()) {
        let table = district(n, seed);
        let per = n / k;
        let s = scenario(k, per / 2, per * 2, tol);
        let inputs = PlanInputs::new(&table, &s).best_effort(true);
        let plan = match make_plan(&inputs, &|| {}) {
            Ok(p) => p,
            // Only the arithmetic pre-check may refuse with best_effort; it must be right.
            Err(schoolnets::Error::Infeasible(why)) => {
                let high = table.schools.iter().filter(|s| s.level == schoolnets::schools::Level::High).count();
                let networks = why.proofs.iter().any(|p| p.settings.iter().any(|s| s == "networks"));
                prop_assert!(networks || high < k, "{}", why);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let f = &plan.file;
        let net: HashMap<&str, &str> = f.assignment.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        prop_assert_eq!(net.len(), n);
        let mut schools: HashMap<&str, usize> = HashMap::new();
        let mut enroll: HashMap<&str, f64> = HashMap::new();
        let mut high: HashMap<&str, usize> = HashMap::new();
        let mut middle: HashMap<&str, usize> = HashMap::new();
        let mut places: HashMap<(u64, u64), HashSet<&str>> = HashMap::new();
        for sc in &table.schools {
            let c = net[sc.id.as_str()];
            *schools.entry(c).or_default() += 1;
            *enroll.entry(c).or_default() += f64::from(sc.enrollment);
            *high.entry(c).or_default() += usize::from(sc.level == schoolnets::schools::Level::High);
            *middle.entry(c).or_default() += usize::from(sc.level == schoolnets::schools::Level::Middle);
            places.entry((sc.lat.to_bits(), sc.lon.to_bits())).or_default().insert(c);
        }
        let mean = table.total_enrollment() as f64 / k as f64;
        for c in &f.constraints {
            if !c.holds { continue; }
            match c.key.as_str() {
                "networks" => prop_assert_eq!(schools.len(), k),
                "schools_per_network" => prop_assert!(schools.values().all(|&v| v >= s.size.min_schools && v <= s.size.max_schools)),
                "enrollment_band" => prop_assert!(enroll.values().all(|&v| (v - mean).abs() <= tol * mean + 1e-6)),
                "min_high" => prop_assert!(schools.keys().all(|c| high.get(c).copied().unwrap_or(0) >= 1)),
                "min_middle" => prop_assert!(schools.keys().all(|c| middle.get(c).copied().unwrap_or(0) >= 1)),
                "campuses_together" => prop_assert!(places.values().all(|v| v.len() == 1)),
                "connected" => {
                    for c in schools.keys() {
                        let members: Vec<usize> = (0..plan.units.len()).filter(|&u| net[table.schools[plan.units.units[u].schools[0]].id.as_str()] == *c).collect();
                        let mut seen = HashSet::from([members[0]]);
                        let mut stack = vec![members[0]];
                        while let Some(u) = stack.pop() {
                            for &v in &plan.adjacency.graph[u] {
                                if net[table.schools[plan.units.units[v].schools[0]].id.as_str()] == *c && seen.insert(v) { stack.push(v); }
                            }
                        }
                        prop_assert_eq!(seen.len(), members.len());
                    }
                }
                other => prop_assert!(false, "unchecked constraint {}", other),
            }
        }
        prop_assert_eq!(f.all_constraints_hold, f.constraints.iter().all(|c| c.holds));
    }

    #[test]
    fn infeasible_only_when_brute_force_agrees(
        n in 3usize..9, k in 2usize..4, min in 1usize..3, extra in 1usize..6, tol in 0.2f64..0.9,
        high in 0u32..2, middle in 0u32..2, seed in any::<u64>(),
    ) {
        let table = district(n, seed);
        let mut s = scenario(k, min, min + extra, tol);
        s.coverage.min_high = high;
        s.coverage.min_middle = middle;
        let inputs = PlanInputs::new(&table, &s);
        let result = make_plan(&inputs, &|| {});
        // Brute force over every labelled assignment of campuses to networks.
        let units = schoolnets::units::Units::build(&table);
        let adj = schoolnets::units::Adjacency::build(&units, None, s.geography.max_edge_factor);
        let m = units.len();
        let mean = table.total_enrollment() as f64 / k as f64;
        let mut exists = false;
        let mut code = vec![0usize; m];
        'all: for mut x in 0..k.pow(m as u32) {
            for c in code.iter_mut() { *c = x % k; x /= k; }
            for net in 0..k {
                let members: Vec<usize> = (0..m).filter(|&u| code[u] == net).collect();
                if members.is_empty() { continue 'all; }
                let schools: Vec<&schoolnets::schools::School> =
                    members.iter().flat_map(|&u| units.units[u].schools.iter().map(|&i| &table.schools[i])).collect();
                let e: f64 = schools.iter().map(|s| f64::from(s.enrollment)).sum();
                let count = |l| schools.iter().filter(|s| s.level == l).count() as u32;
                if schools.len() < s.size.min_schools || schools.len() > s.size.max_schools
                    || (e - mean).abs() > tol * mean
                    || count(schoolnets::schools::Level::High) < high
                    || count(schoolnets::schools::Level::Middle) < middle {
                    continue 'all;
                }
                if !one_piece(&adj.graph, &members, |v| code[v] == net) { continue 'all; }
            }
            exists = true;
            break;
        }
        // The gateway arithmetic (a unit that is the only way between parts, whose network must take too
        // much) is a proof too, even where the exhaustive search answers first: it never fires on a
        // problem that has a plan.
        let rules = schoolnets::rules::RuleSet::new(&table, &s, &Default::default()).unwrap();
        let p = schoolnets::plans::problem(&table, &units, &adj, &s, &rules);
        let gateways = schoolnets::solver::pockets::gateways(&p);
        prop_assert!(gateways.is_empty() || !exists, "a gateway proof where a plan exists: {:?}", gateways);
        match result {
            Ok(plan) => {
                prop_assert!(exists, "a plan was returned where none exists");
                prop_assert!(plan.file.all_constraints_hold);
            }
            Err(schoolnets::Error::Infeasible(msg)) => prop_assert!(!exists, "reported infeasible, but a plan exists:\n{}", msg),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
    }

    #[test]
    fn the_arithmetic_check_never_rejects_a_feasible_count(n in 10usize..60, k in 1usize..5) {
        // Bounds chosen so that k networks of min..=max schools can hold n schools: never refused for counts.
        let table = district(n, n as u64 * 31 + k as u64);
        let s = scenario(k, 1, n, 0.9);
        let units = schoolnets::units::Units::build(&table);
        let adj = schoolnets::units::Adjacency::build(&units, None, 4.0);
        let rules = schoolnets::rules::RuleSet::new(&table, &s, &Default::default()).unwrap();
        let p = schoolnets::plans::problem(&table, &units, &adj, &s, &rules);
        let proofs = schoolnets::rules::proofs::check(&rules, &s, &p, &|u| u.to_string(), false);
        let counts = |key: &String| key.contains("min_schools") || key.contains("max_schools");
        prop_assert!(proofs.iter().all(|p| !p.settings.iter().any(counts)), "{:?}", proofs);
    }

    #[test]
    fn the_lower_bound_never_exceeds_the_best_split(
        pts in proptest::collection::vec((0.0f64..20.0, 0.0f64..20.0), 2..9),
        k in 1usize..4, min in 1usize..4, extra in 0usize..4, colocated in any::<bool>(),
    ) {
        use schoolnets::solver::bound;
        let mut points: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
        if colocated { let first = points[0]; points[1] = first; } // schools on one campus: distance 0
        let max = min + extra;
        let best = best_split(&points, k, min, max);
        let lp = bound::lower_bound(&points, k, min, max);
        match bound::size_prices(&points, k, min, max) {
            // No split of these sizes: the bound must say so too.
            None => {
                prop_assert!(best.is_infinite(), "sizes fit ({best}) but no bound");
                prop_assert!(lp.is_none());
            }
            Some(prices) => {
                prop_assert!(best.is_finite(), "no split exists, but the bound found sizes");
                let lp = lp.expect("the LP solves whenever sizes fit");
                let dual = bound::lagrangian(&prices, k);
                let tol = 1e-6 * (1.0 + best);
                prop_assert!(lp <= best + tol, "bound {lp} above the best split {best}");
                prop_assert!((lp - dual).abs() <= tol, "LP {lp} and Lagrangian {dual} disagree");
                prop_assert!(lp >= -tol);
            }
        }
    }
}

/// Whether `members` (non-empty) are one piece of `graph` through units where `inside` holds.
fn one_piece(
    graph: &schoolnets::graph::Graph,
    members: &[usize],
    inside: impl Fn(usize) -> bool,
) -> bool {
    let mut seen = HashSet::from([members[0]]);
    let mut stack = vec![members[0]];
    while let Some(u) = stack.pop() {
        for &v in &graph[u] {
            if inside(v) && seen.insert(v) {
                stack.push(v);
            }
        }
    }
    seen.len() == members.len()
}

/// Whether segments p-q and a-b properly cross, by orientation (the test's own geometry).
fn segments_cross(p: [f64; 2], q: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    let o = |u: [f64; 2], v: [f64; 2], w: [f64; 2]| {
        ((v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])).signum()
    };
    o(p, q, a) * o(p, q, b) < 0.0 && o(a, b, p) * o(a, b, q) < 0.0
}

/// Pieces of `graph` without the links in `without` (each unit's piece number).
fn pieces(graph: &schoolnets::graph::Graph, without: &HashSet<(usize, usize)>) -> Vec<usize> {
    let n = graph.len();
    let mut piece = vec![usize::MAX; n];
    for s in 0..n {
        if piece[s] != usize::MAX {
            continue;
        }
        piece[s] = s;
        let mut stack = vec![s];
        while let Some(u) = stack.pop() {
            for &v in &graph[u] {
                if piece[v] == usize::MAX && !without.contains(&(u.min(v), u.max(v))) {
                    piece[v] = s;
                    stack.push(v);
                }
            }
        }
    }
    piece
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    /// Random districts with random pins and a random barrier (a line, or a triangle that may enclose
    /// campuses): the solver returns a plan that honours every pin and the barrier, or an independent brute
    /// force over every assignment shows that none exists. Districts of at most ten campuses, which the
    /// solver searches exhaustively, so that its "none" is a claim the brute force can check; larger ones
    /// are searched heuristically, and the next property checks that what they claim is true. "Honours the barrier": every network is one piece
    /// of the campus graph whose links cross no barrier, except links put back because a campus could not
    /// be reached otherwise (checked here to be needed), and no label has schools on two sides of it.
    #[test]
    fn pins_and_barriers_hold_or_brute_force_shows_they_cannot(
        n in 4usize..11, k in 2usize..4, min in 1usize..3, extra in 2usize..8, tol in 0.3f64..0.9,
        labels in 1usize..5, pin_share in 0.1f64..0.5, corners in proptest::collection::vec((33.95f64..34.25, -118.45f64..-118.15), 2..4),
        seed in any::<u64>(),
    ) {
        use schoolnets::barriers::{Barrier, Barriers};
        use schoolnets::pins::Pins;
use schoolnets::plan_file::{PinRow};
        let table = district(n, seed);
        let mut s = scenario(k, min, min + extra, tol);
        // The rules the brute force below checks: sizes, enrollment, connectivity.
        s.coverage.min_high = 0;
        s.coverage.min_middle = 0;
        // The barrier: a line through the corners, or the closed triangle they make.
        let mut line: Vec<geo::Coord<f64>> = corners.iter().map(|&(lat, lon)| geo::Coord { x: lon, y: lat }).collect();
        if line.len() == 3 {
            line.push(line[0]);
        }
        let barriers = Barriers::new("random", vec![Barrier { name: "b".into(), line: geo::LineString(line.clone()) }]);
        // Pins on campuses (a campus's first school), labels 0..labels (sometimes more than networks).
        let units = schoolnets::units::Units::build_within(&table, s.geography.campus_distance_m);
        let m = units.len();
        let mut x = seed ^ 0x9e37_79b9_7f4a_7c15;
        let mut next = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
        let mut rows = Vec::new();
        let mut unit_label: Vec<Option<usize>> = vec![None; m];
        for (u, unit) in units.units.iter().enumerate() {
            if (next() % 1000) as f64 / 1000.0 < pin_share {
                let l = (next() % labels as u64) as usize;
                unit_label[u] = Some(l);
                rows.push(PinRow { line: rows.len() as u64 + 2, id: table.schools[unit.schools[0]].id.clone(), label: format!("L{l}") });
            }
        }
        prop_assume!(!rows.is_empty());
        let pins = Pins { source: "pins.csv".into(), sha256: String::new(), rows };
        // Labels are numbered in order of first appearance: renumber the test's own to match.
        let order = pins.labels();
        let unit_label: Vec<Option<usize>> = unit_label.iter().map(|l| l.map(|l| order.iter().position(|x| *x == format!("L{l}")).unwrap())).collect();
        let used_labels = order.len();

        let inputs = PlanInputs::new(&table, &s).with_pins(Some(&pins)).with_barriers(Some(&barriers));
        let result = make_plan(&inputs, &|| {});

        // The graph the plan may use, checked link by link against the barrier from the coordinates: links
        // across it are put back only into a pocket too small to be a network (fewer students than the band
        // or fewer schools than a network's least), by this test's own reading of the rules.
        let mean = table.total_enrollment() as f64 / k as f64;
        let too_small = |students: u64, schools: usize| (students as f64) < mean * (1.0 - tol) - 1e-9 || schools < s.size.min_schools;
        let mut adj = schoolnets::units::Adjacency::build_with(&units, None, s.geography.max_edge_factor, Some(&barriers), false);
        adj.close_gates(&units, &too_small);
        let at = |u: usize| [units.units[u].lon, units.units[u].lat];
        let crosses = |a: usize, b: usize| line.windows(2).any(|w| segments_cross(at(a), at(b), [w[0].x, w[0].y], [w[1].x, w[1].y]));
        let restored: HashSet<(usize, usize)> = adj.barrier_links.iter().filter(|l| l.restored).map(|l| l.units).collect();
        for a in 0..m {
            for &b in &adj.graph[a] {
                if a < b && crosses(a, b) {
                    prop_assert!(restored.contains(&(a, b)), "link {a}-{b} crosses the barrier and was not reported put back");
                }
            }
        }
        let side = pieces(&adj.graph, &restored);
        let size_of = |piece: usize| (0..m).filter(|&u| side[u] == piece).fold((0u64, 0usize), |(e, n), u| (e + units.units[u].enrollment, n + units.units[u].schools.len()));
        for &(a, b) in &restored {
            prop_assert_ne!(side[a], side[b], "link {}-{} was put back but was not needed", a, b);
            let ((ea, na), (eb, nb)) = (size_of(side[a]), size_of(side[b]));
            prop_assert!(too_small(ea, na) || too_small(eb, nb), "link {}-{} was put back between two pockets that can each be a network", a, b);
        }
        // Every pocket the plan's graph leaves can stand alone, or there was nothing to join it through.
        let whole = pieces(&adj.graph, &HashSet::new());
        let pockets: HashSet<usize> = whole.iter().copied().collect();
        if pockets.len() > 1 {
            for &pocket in &pockets {
                let (e, n) = (0..m).filter(|&u| whole[u] == pocket).fold((0u64, 0usize), |(e, n), u| (e + units.units[u].enrollment, n + units.units[u].schools.len()));
                prop_assert!(!too_small(e, n), "a pocket of {} schools and {} students is too small to stand alone but was left closed", n, e);
            }
        }

        // Brute force over every assignment of campuses to networks.
        // Sides are the pockets of the plan's graph: a pocket joined through a link put back is one side.
        let joined = pieces(&adj.graph, &HashSet::new());
        let labels_one_side = (0..used_labels).all(|l| {
            let sides: HashSet<usize> = (0..m).filter(|&u| unit_label[u] == Some(l)).map(|u| joined[u]).collect();
            sides.len() <= 1
        });
        let mut exists = false;
        let mut code = vec![0usize; m];
        if labels_one_side && used_labels <= k {
            'all: for mut y in 0..k.pow(m as u32) {
                for c in code.iter_mut() { *c = y % k; y /= k; }
                let mut label_net: Vec<Option<usize>> = vec![None; used_labels];
                let mut net_label: Vec<Option<usize>> = vec![None; k];
                for u in 0..m {
                    if let Some(l) = unit_label[u] {
                        let c = code[u];
                        if label_net[l].is_some_and(|x| x != c) || net_label[c].is_some_and(|x| x != l) { continue 'all; }
                        label_net[l] = Some(c);
                        net_label[c] = Some(l);
                    }
                }
                for net in 0..k {
                    let members: Vec<usize> = (0..m).filter(|&u| code[u] == net).collect();
                    if members.is_empty() { continue 'all; }
                    let count: usize = members.iter().map(|&u| units.units[u].schools.len()).sum();
                    let e: f64 = members.iter().map(|&u| units.units[u].enrollment as f64).sum();
                    if count < s.size.min_schools || count > s.size.max_schools || (e - mean).abs() > tol * mean {
                        continue 'all;
                    }
                    if !one_piece(&adj.graph, &members, |v| code[v] == net) { continue 'all; }
                }
                exists = true;
                break;
            }
        }
        match result {
            Ok(plan) => {
                prop_assert!(exists, "a plan was returned where none exists");
                prop_assert!(plan.file.all_constraints_hold);
                // The pins, from the plan's own assignment.
                let net_of = |u: usize| &plan.file.assignment[&table.schools[units.units[u].schools[0]].id];
                for a in 0..m {
                    for b in 0..m {
                        if let (Some(la), Some(lb)) = (unit_label[a], unit_label[b]) {
                            prop_assert_eq!(la == lb, net_of(a) == net_of(b), "pins broken between campuses {} and {}", a, b);
                        }
                    }
                }
                // Each network is one piece of the graph checked above.
                for a in 0..m {
                    for &b in &adj.graph[a] {
                        if a < b && crosses(a, b) && net_of(a) == net_of(b) {
                            prop_assert!(restored.contains(&(a, b)));
                        }
                    }
                }
            }
            Err(schoolnets::Error::Infeasible(msg)) => prop_assert!(!exists, "reported infeasible, but a plan exists:\n{}", msg),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// Larger random districts, searched heuristically, with pins and a barrier line across them: whatever
    /// plan comes back (with --best-effort), the pins rule holds exactly when every label's schools share a
    /// network and labels do not share one, and no network is joined across the barrier except by a link
    /// that was needed to reach a campus.
    #[test]
    fn heuristic_plans_report_pins_and_barriers_truly(
        n in 30usize..80, k in 2usize..5, tol in 0.1f64..0.4, labels in 1usize..4,
        a in (33.95f64..34.25, -118.45f64..-118.15), b in (33.95f64..34.25, -118.45f64..-118.15),
        seed in any::<u64>(),
    ) {
        use schoolnets::barriers::{Barrier, Barriers};
        use schoolnets::pins::Pins;
use schoolnets::plan_file::{PinRow};
        let table = district(n, seed);
        let per = n / k;
        let mut s = scenario(k, per / 2, per * 2, tol);
        s.coverage.min_high = 0;
        s.coverage.min_middle = 0;
        let line = vec![geo::Coord { x: a.1, y: a.0 }, geo::Coord { x: b.1, y: b.0 }];
        let barriers = Barriers::new("random", vec![Barrier { name: "b".into(), line: geo::LineString(line.clone()) }]);
        let units = schoolnets::units::Units::build_within(&table, s.geography.campus_distance_m);
        // Two campuses per label, chosen by the seed.
        let rows: Vec<PinRow> = (0..labels * 2)
            .map(|i| (i, (seed as usize).wrapping_mul(2654435761).wrapping_add(i * 7919) % units.len()))
            .map(|(i, u)| PinRow { line: i as u64 + 2, id: table.schools[units.units[u].schools[0]].id.clone(), label: format!("L{}", i / 2) })
            .collect();
        let ids: HashSet<&String> = rows.iter().map(|r| &r.id).collect();
        prop_assume!(ids.len() == rows.len());
        let pins = Pins { source: "pins.csv".into(), sha256: String::new(), rows: rows.clone() };
        let inputs = PlanInputs::new(&table, &s).with_pins(Some(&pins)).with_barriers(Some(&barriers)).best_effort(true);
        let plan = match make_plan(&inputs, &|| {}) {
            Ok(p) => p,
            Err(schoolnets::Error::Infeasible(why)) => {
                prop_assert!(why.rules().iter().any(|r| *r == "pins" || *r == "networks"), "{}", why);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let f = &plan.file;
        let net = |id: &String| f.assignment[id].clone();
        let together = (0..labels).all(|l| net(&rows[2 * l].id) == net(&rows[2 * l + 1].id));
        let apart: HashSet<String> = (0..labels).map(|l| net(&rows[2 * l].id)).collect();
        let truly = together && apart.len() == labels;
        let claimed = f.constraints.iter().find(|c| c.key == "pins").expect("a pins rule");
        prop_assert_eq!(claimed.holds, truly, "{:?}", claimed);
        // Links inside a network that cross the barrier were all put back to reach a campus.
        let at = |u: usize| [plan.units.units[u].lon, plan.units.units[u].lat];
        let restored: HashSet<(usize, usize)> = plan.adjacency.barrier_links.iter().filter(|l| l.restored).map(|l| l.units).collect();
        let side = pieces(&plan.adjacency.graph, &restored);
        for &(x, y) in &restored {
            prop_assert_ne!(side[x], side[y]);
        }
        for x in 0..plan.units.len() {
            for &y in &plan.adjacency.graph[x] {
                if x < y && segments_cross(at(x), at(y), [a.1, a.0], [b.1, b.0]) {
                    prop_assert!(restored.contains(&(x, y)), "link {x}-{y} crosses the barrier");
                }
            }
        }
    }
}
