//! One definition of every rule: after every move the search makes (and every step of the editor), the
//! solver's running totals equal a recount from the assignment, and each rule's verdict and margin read
//! from those running totals equal the ones the report prints (read from a recount school by school).
//! The solver's points of violation and the rules' verdicts agree too: a network the solver counts as
//! clean breaks no rule, and one it charges breaks one. On random districts with every balance rule on,
//! and on LAUSD with the default scenario.

mod common;

use proptest::prelude::*;
use schoolnets::plan_file::ConstraintCheck;
use schoolnets::rules::RuleSet;
use schoolnets::scenarios::Scenario;
use schoolnets::schools::{read_table, SchoolTable, COLUMNS};
use schoolnets::solver::{self, Partition, Problem, Settings, Totals, Watch};
use schoolnets::units::{Adjacency, Units};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A random district of `n` schools over ~20 km with everything the balance rules read: test results
/// (some missing), performance levels, poverty shares, ethnic counts, magnet schools; some co-located.
fn district(n: usize, seed: u64) -> SchoolTable {
    let mut x = seed | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 100_000) as f64 / 100_000.0
    };
    let mut text = COLUMNS.join(",");
    let mut last = (34.0, -118.3);
    for i in 0..n {
        let (lat, lon) = if next() < 0.1 && i > 0 {
            last
        } else {
            (34.0 + 0.2 * next(), -118.4 + 0.2 * next())
        };
        last = (lat, lon);
        let level = ["elementary", "elementary", "elementary", "middle", "high"][i % 5];
        let enrollment = 150 + (next() * 1850.0) as u32;
        let magnet = next() < 0.3;
        let model = if magnet { "magnet" } else { "traditional" };
        let score = |r: f64| {
            if r < 0.1 {
                String::new()
            } else {
                format!("{:.1}", -120.0 + 160.0 * r)
            }
        };
        let (ela, math) = (score(next()), score(next()));
        let level_of = 1 + (next() * 5.0) as u32;
        let frpm = if next() < 0.1 {
            String::new()
        } else {
            format!("{:.1}", 100.0 * next())
        };
        let eth: Vec<String> = (0..9)
            .map(|_| ((next() * next()) * enrollment as f64) as u32)
            .map(|v| v.to_string())
            .collect();
        text.push_str(&format!(
            "\ns{i},School {i},{lat:.6},{lon:.6},{enrollment},{level},K,5,{model},no,{},{frpm},{ela},{math},{level_of},{},,",
            if magnet { "yes" } else { "no" },
            eth.join(",")
        ));
    }
    read_table("random", text.as_bytes()).unwrap()
}

/// Running totals against a recount: counts exactly, sums to rounding.
fn same_totals(running: &[Totals], recount: &[Totals], width: usize) -> Result<(), String> {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
    for (c, (r, e)) in running.iter().zip(recount).enumerate() {
        let sums_agree = (0..width).all(|i| close(r.sums[i], e.sums[i]));
        if r.units != e.units
            || r.schools != e.schools
            || r.enrollment != e.enrollment
            || !sums_agree
            || !close(r.pos[0], e.pos[0])
            || !close(r.pos[1], e.pos[1])
            || !close(r.sq, e.sq)
        {
            return Err(format!(
                "network {c}: running totals {r:?} but a recount gives {e:?}"
            ));
        }
    }
    Ok(())
}

/// The verdicts, margins, figures and failing networks of two readings of the same plan.
fn same_checks(a: &[ConstraintCheck], b: &[ConstraintCheck]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{} rules against {}", a.len(), b.len()));
    }
    for (x, y) in a.iter().zip(b) {
        let same = x.key == y.key
            && x.holds == y.holds
            && x.margin == y.margin
            && x.observed == y.observed
            && x.failing_networks == y.failing_networks;
        if !same {
            return Err(format!(
                "the solver's state reads {x:?}\nthe report reads {y:?}"
            ));
        }
    }
    Ok(())
}

/// What a watch checks after every move of a search on the top-level problem of a plan.
struct Audit {
    table: SchoolTable,
    rules: RuleSet,
    units: Units,
    ids: Vec<String>,
    moves: AtomicUsize,
    /// Moves after which the rules were read both ways (on the whole problem, not a sub-problem).
    read: AtomicUsize,
    failure: Mutex<Option<String>>,
}

impl Audit {
    fn check(&self, p: &Problem, assign: &[usize], running: &[Totals]) -> Result<(), String> {
        let recount = Partition::new(p, assign.to_vec());
        same_totals(running, recount.totals(), p.limits.width)?;
        // Sub-problems (pairs of networks, parts) have only some of the units: their totals are checked.
        if assign.len() != self.units.len() || p.k != self.ids.len() {
            return Ok(());
        }
        let school_network: Vec<usize> = self.units.of_school.iter().map(|&u| assign[u]).collect();
        let by_school = self.rules.network_totals(&self.table, &school_network, p.k);
        let report = self.rules.check_totals(&self.ids, &by_school);
        let state = self.rules.check_totals(&self.ids, running);
        same_checks(&state, &report)?;
        self.read.fetch_add(1, Ordering::Relaxed);
        // The solver's points and the rules' verdicts: a network charged nothing breaks no rule; one
        // charged something breaks one.
        let mean = p.mean_enrollment();
        for (c, totals) in running.iter().enumerate() {
            let points = p.limits.violation(totals, mean);
            let broken = report
                .iter()
                .any(|r| !r.holds && r.failing_networks.contains(&self.ids[c]));
            if (points > 1e-6) != broken {
                return Err(format!(
                    "network {}: the solver charges {points} points, the rules say broken = {broken}: {report:?}",
                    self.ids[c]
                ));
            }
        }
        Ok(())
    }

    /// A problem whose every move is audited.
    fn watched(self: &Arc<Self>, mut p: Problem) -> Problem {
        let audit = Arc::clone(self);
        p.watch = Watch(Some(Arc::new(
            move |p: &Problem, assign: &[usize], totals: &[Totals]| {
                audit.moves.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = audit.check(p, assign, totals) {
                    audit.failure.lock().unwrap().get_or_insert(e);
                }
            },
        )));
        p
    }

    /// (moves audited, moves after which the rules were read both ways), or the first disagreement.
    fn result(&self) -> Result<(usize, usize), String> {
        match self.failure.lock().unwrap().take() {
            Some(e) => Err(e),
            None => Ok((
                self.moves.load(Ordering::Relaxed),
                self.read.load(Ordering::Relaxed),
            )),
        }
    }
}

/// Solves `table` under `scenario` with every move audited; returns how many moves were checked, and after
/// how many of them the rules were read both ways.
fn audited_solve(
    table: SchoolTable,
    scenario: &Scenario,
    outline: Option<&schoolnets::geography::Outline>,
) -> Result<(usize, usize), String> {
    let rules = RuleSet::new(&table, scenario, &Default::default()).map_err(|e| e.to_string())?;
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, outline, scenario.geography.max_edge_factor);
    let p = schoolnets::plans::problem(&table, &units, &adjacency, scenario, &rules);
    let ids = (1..=p.k).map(|c| format!("N{c:02}")).collect();
    let audit = Arc::new(Audit {
        table,
        rules,
        units,
        ids,
        moves: AtomicUsize::new(0),
        read: AtomicUsize::new(0),
        failure: Mutex::new(None),
    });
    let p = audit.watched(p);
    let settings = Settings::from(&scenario.solver);
    solver::solve(&p, settings, &|| {});
    audit.result()
}

/// Every balance rule on, tight enough to bind.
fn balanced(k: usize, n: usize, tolerance: f64) -> Scenario {
    let mut s = Scenario::default_scenario();
    s.networks = k;
    s.regions = None;
    s.affiliation.clear();
    s.staffing = None;
    s.size.min_schools = (n / k / 2).max(1);
    s.size.max_schools = n / k * 2;
    s.size.enrollment_tolerance = tolerance;
    s.coverage.min_high = 1;
    s.coverage.min_middle = 1;
    s.coverage.min_models = [("magnet".to_string(), 1)].into();
    s.performance.max_low_performing_share = Some(0.45);
    s.performance.dfs_band = Some(30.0);
    s.diversity.frpm_band = Some(20.0);
    s.diversity.ethnicity_band = Some(25.0);
    s.solver.restarts = 2;
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn on_random_districts_the_search_and_the_report_read_the_rules_alike(
        n in 40usize..120, k in 2usize..6, tolerance in 0.05f64..0.3, seed in any::<u64>(),
    ) {
        let table = district(n, seed);
        // (A search may find nothing to move: then the rules were read once, with the plan as drawn.)
        if let Err(e) = audited_solve(table, &balanced(k, n, tolerance), None) {
            return Err(TestCaseError::fail(e));
        }
    }
}

#[test]
fn the_audit_fails_when_running_totals_or_readings_drift() {
    // The checks above can fail: a total off by one student, a margin off by one school.
    let table = district(60, 7);
    let scenario = balanced(3, 60, 0.2);
    let rules = RuleSet::new(&table, &scenario, &Default::default()).unwrap();
    let units = Units::build(&table);
    let adjacency = Adjacency::build(&units, None, 4.0);
    let p = schoolnets::plans::problem(&table, &units, &adjacency, &scenario, &rules);
    let assign: Vec<usize> = (0..p.units.len()).map(|u| u % 3).collect();
    let part = Partition::new(&p, assign);
    let mut drifted = part.totals().to_vec();
    drifted[1].enrollment += 1.0;
    assert!(same_totals(&drifted, part.totals(), p.limits.width).is_err());
    let ids: Vec<String> = (1..=3).map(|c| format!("N{c:02}")).collect();
    let checks = rules.check_totals(&ids, part.totals());
    let mut off = checks.clone();
    off[1].margin += 1.0;
    assert!(same_checks(&checks, &off).is_err());
    assert!(same_checks(&checks, &checks).is_ok());
}

#[test]
fn on_lausd_every_move_of_the_default_search_keeps_the_rules_read_alike() {
    let table = schoolnets::inputs::LoadedTable::built_in().unwrap().table;
    let outline = schoolnets::inputs::LoadedOutline::built_in()
        .unwrap()
        .outline;
    let mut scenario = Scenario::default_scenario();
    scenario.solver.restarts = 1;
    let (moves, read) = audited_solve(table, &scenario, Some(&outline)).unwrap();
    assert!(
        read > 1000,
        "the rules were read after only {read} of {moves} moves"
    );
    eprintln!("LAUSD: {moves} moves audited, the rules read both ways after {read}");
}

/// LAUSD with the default scenario at one restart, as the editor tests open it (rules broken are shown).
struct Lausd {
    table: SchoolTable,
    outline: schoolnets::geography::Outline,
    scenario: Scenario,
}

impl Lausd {
    fn new() -> Lausd {
        let mut scenario = Scenario::default_scenario();
        scenario.solver.restarts = 1;
        Lausd {
            table: schoolnets::inputs::LoadedTable::built_in().unwrap().table,
            outline: schoolnets::inputs::LoadedOutline::built_in()
                .unwrap()
                .outline,
            scenario,
        }
    }

    fn inputs(&self) -> schoolnets::plans::PlanInputs<'_> {
        schoolnets::plans::PlanInputs::new(&self.table, &self.scenario)
            .with_outline(&self.outline)
            .best_effort(true)
    }
}

#[test]
fn after_every_step_of_the_editor_its_totals_and_rules_agree_with_the_plan_it_shows() {
    use schoolnets::editor::Editor;
    use schoolnets::plans::make_plan;
    let lausd = Lausd::new();
    let (table, scenario) = (&lausd.table, &lausd.scenario);
    let start = make_plan(&lausd.inputs(), &|| {}).unwrap();
    let mut editor = Editor::new(lausd.inputs(), &start.file, "the default plan").unwrap();
    let rules = RuleSet::new(table, scenario, &Default::default()).unwrap();
    let ids: Vec<String> = start
        .file
        .networks
        .iter()
        .map(|n| n.network.clone())
        .collect();
    let check = |editor: &Editor, step: &str| {
        let (p, part) = (editor.problem(), editor.partition());
        let recount = Partition::new(p, part.assign().to_vec());
        same_totals(part.totals(), recount.totals(), p.limits.width)
            .unwrap_or_else(|e| panic!("after {step}: {e}"));
        // The editor's running totals read by the rules, against the plan it shows.
        let state = rules.check_totals(&ids, part.totals());
        let shown: Vec<ConstraintCheck> = editor
            .plan()
            .file
            .constraints
            .iter()
            .filter(|c| state.iter().any(|s| s.key == c.key))
            .cloned()
            .collect();
        same_checks(&state, &shown).unwrap_or_else(|e| panic!("after {step}: {e}"));
    };
    check(&editor, "opening");
    // Moves of schools to a neighbouring network, some undone and redone.
    let mut x: u64 = 2018;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    for step in 0..40 {
        match next(5) {
            0 if editor.undo().is_ok() => check(&editor, &format!("undo at step {step}")),
            1 if editor.redo().is_ok() => check(&editor, &format!("redo at step {step}")),
            _ => {
                let school = &table.schools[next(table.schools.len())];
                let view = editor.school_view(&school.id).unwrap();
                let Some(to) = view.neighbouring_networks.first() else {
                    continue;
                };
                editor.move_school(&school.id, to).unwrap();
                check(&editor, &format!("moving {} to {to}", school.id));
            }
        }
    }
}

/// Undo is exact: after each of 100 random single moves (a school to a network its campus borders) and
/// its undo, the plan is the plan before in every figure, support regions included, and a step that
/// changes regions says so where it is listed.
#[test]
fn undo_gives_back_exactly_the_plan_before_regions_included() {
    use rand::{RngExt, SeedableRng};
    use schoolnets::editor::Editor;
    use schoolnets::plans::make_plan;
    let lausd = Lausd::new();
    let table = &lausd.table;
    let start = make_plan(&lausd.inputs(), &|| {}).unwrap();
    let mut editor = Editor::new(lausd.inputs(), &start.file, "the default plan").unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let (mut moved, mut redrawn, mut tries) = (0, 0, 0);
    while moved < 100 && tries < 2000 {
        tries += 1;
        let before = serde_json::to_string(&editor.plan().file).unwrap();
        let school = &table.schools[rng.random_range(0..table.schools.len())];
        let view = editor.school_view(&school.id).unwrap();
        if view.neighbouring_networks.is_empty() {
            continue;
        }
        let to = &view.neighbouring_networks[rng.random_range(0..view.neighbouring_networks.len())];
        editor.move_school(&school.id, to).unwrap();
        moved += 1;
        let v = editor.view();
        if !v.region_changes.is_empty() {
            redrawn += 1;
            let last = v.steps.last().unwrap();
            assert!(last.what.contains("regions redrawn"), "{}", last.what);
        }
        editor.undo().unwrap();
        let after = serde_json::to_string(&editor.plan().file).unwrap();
        assert!(
            before == after,
            "undo after moving {} to {to} left a different plan",
            school.id
        );
    }
    assert_eq!(moved, 100);
    assert!(
        redrawn > 0,
        "no move redrew a region: the test would not tell"
    );
    eprintln!("{moved} moves undone exactly; {redrawn} of them redrew regions");
}

/// Issue 31: a barrier drawn in the editor is a step like a move. The links it crosses are dropped as `plan
/// --barriers` drops them, so the network it is drawn across (at a latitude between its schools, from its
/// westernmost school to its easternmost) is joined only across it and breaks `connected`; the running
/// totals still agree with the plan shown; undo gives back exactly the plan before and redo the plan after;
/// a draft replays it; the plan saved records it with the file it is written to; re-optimising then keeps
/// every network on its side of it. A barrier of one point, with a position that is not a number, or wholly
/// outside the district is refused with a message.
#[test]
fn a_barrier_drawn_in_the_editor_breaks_the_network_it_cuts_and_is_undone_exactly() {
    use schoolnets::editor::{DrawnBarrier, Editor, Refused};
    use schoolnets::plans::make_plan;
    let lausd = Lausd::new();
    let table = &lausd.table;
    let start = make_plan(&lausd.inputs(), &|| {}).unwrap();
    let mut editor = Editor::new(lausd.inputs(), &start.file, "the default plan").unwrap();
    let line = |points: &[[f64; 2]]| DrawnBarrier {
        name: String::new(),
        line: points.to_vec(),
    };
    // Refused, each with a message, the plan unchanged.
    let before = serde_json::to_string(&editor.plan().file).unwrap();
    for (bad, says) in [
        (vec![line(&[[-118.3, 34.0]])], "at least two"),
        (
            vec![line(&[[-118.3, 34.0], [f64::NAN, 34.1]])],
            "not longitude/latitude",
        ),
        (
            vec![line(&[[10.0, 0.0], [11.0, 1.0]])],
            "outside the district",
        ),
        (vec![], "no barrier given"),
    ] {
        match editor.draw_barriers(bad, None) {
            Err(Refused::Invalid(m)) => assert!(m.contains(says), "{m}"),
            other => panic!("not refused as {says:?}: {other:?}"),
        }
    }
    assert_eq!(serde_json::to_string(&editor.plan().file).unwrap(), before);
    assert!(editor.view().steps.is_empty());
    // Across the network with the most schools.
    let f = &start.file;
    let n = f.networks.iter().max_by_key(|n| n.schools).unwrap();
    let of = |id: &str| f.assignment[id].as_str();
    let mut lats: Vec<f64> = table
        .schools
        .iter()
        .filter(|s| of(&s.id) == n.network)
        .map(|s| s.lat)
        .collect();
    lats.sort_by(f64::total_cmp);
    let middle = &lats[lats.len() / 4..lats.len() * 3 / 4];
    let gap = middle
        .windows(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .unwrap();
    let lat = (gap[0] + gap[1]) / 2.0;
    let lons = table
        .schools
        .iter()
        .filter(|s| of(&s.id) == n.network)
        .map(|s| s.lon);
    let (west, east) = lons.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let across = vec![DrawnBarrier {
        name: "the test line".into(),
        line: vec![
            [west - 0.005, lat],
            [(west + east) / 2.0, lat],
            [east + 0.005, lat],
        ],
    }];
    editor.draw_barriers(across.clone(), None).unwrap();
    let after = serde_json::to_string(&editor.plan().file).unwrap();
    let view = editor.view();
    let connected = view
        .rules
        .iter()
        .find(|r| r.check.key == "connected")
        .unwrap();
    assert!(!connected.check.holds, "{:?}", connected.check);
    assert!(
        connected.check.failing_networks.contains(&n.network),
        "{:?}",
        connected.check
    );
    assert!(view.changed.contains(&n.network), "{:?}", view.changed);
    let step = view.steps.last().unwrap();
    assert_eq!((step.kind.as_str(), step.barriers.len()), ("barrier", 1));
    assert!(
        step.what.contains("the test line") && step.what.contains(&n.network),
        "{}",
        step.what
    );
    let record = editor.plan().file.barriers.clone().unwrap();
    assert_eq!(record.barriers, vec!["the test line".to_string()]);
    assert!(record.links.iter().any(|l| !l.restored), "{record:?}");
    // The running totals read alike after the links changed.
    let (p, part) = (editor.problem(), editor.partition());
    let recount = Partition::new(p, part.assign().to_vec());
    same_totals(part.totals(), recount.totals(), p.limits.width).unwrap();
    editor.undo().unwrap();
    assert_eq!(
        serde_json::to_string(&editor.plan().file).unwrap(),
        before,
        "undo is not exact"
    );
    assert!(editor.plan().file.barriers.is_none());
    editor.redo().unwrap();
    assert_eq!(
        serde_json::to_string(&editor.plan().file).unwrap(),
        after,
        "redo is not exact"
    );
    // A draft replays it on a fresh editor.
    let mut again = Editor::new(lausd.inputs(), &start.file, "the default plan").unwrap();
    again.restore(&editor.draft()).unwrap();
    assert_eq!(serde_json::to_string(&again.plan().file).unwrap(), after);
    // Saved: plan.json names the file of every barrier with its SHA-256, and that file reads back.
    let (saved, text) = editor.saved("out/barriers.geojson");
    let text = text.expect("the barriers' file");
    let record = saved.file.barriers.unwrap();
    assert_eq!(record.file, "out/barriers.geojson");
    assert_eq!(
        record.sha256,
        schoolnets::plans::sha256_hex(text.as_bytes())
    );
    let read = schoolnets::barriers::Barriers::parse("out/barriers.geojson", &text).unwrap();
    assert_eq!(read.lines.len(), 1);
    assert_eq!(read.lines[0].name, "the test line");
    assert_eq!(saved.file.edits.unwrap().steps[0].barriers, across);
    // Re-optimised, every network keeps to its side: `connected` holds again, with the barrier in place.
    let proposal = editor.reoptimise(&|| {}).clone();
    assert!(!proposal.rejected, "{}", proposal.said);
    assert!(
        proposal.restored.iter().any(|r| r.contains("connected")),
        "{proposal:?}"
    );
    editor.accept().unwrap();
    let c = editor
        .plan()
        .file
        .constraints
        .iter()
        .find(|c| c.key == "connected")
        .unwrap()
        .clone();
    assert!(c.holds, "{c:?}");
    assert_eq!(
        editor.plan().file.barriers.as_ref().unwrap().barriers,
        vec!["the test line".to_string()]
    );
}
