//! Re-running an adopted plan after enrollment changes: `schoolnets rebalance`.
//!
//! The adopted plan (its plan.json) fixes each network's identity and each school's network. With a new school
//! table (a later year), schools still open keep their network, closed schools drop out, new schools join the
//! network of their nearest neighbouring campus, and then the fewest schools (or students) move that bring every
//! rule back within bounds. That is the usual search ([`solver::finish`]: local moves between neighbouring
//! networks, chains, swaps, the rebalancing LP and kicks) started from the adopted plan, with a soft goal
//! ([`solver::Homes`]) that prices a school away from its adopted network far above any gain in compactness:
//! moves are made only where a rule needs them, and a move that turns out unnecessary is undone. In feeder mode
//! the units are whole pathways, so a pathway is never broken.
//!
//! The search is a heuristic: its count of moves is small but not proven minimal on large districts; a test
//! checks it against exhaustive search on a small one. No file I/O here.

use crate::error::{Error, Result};
use crate::plan_file::ConstraintCheck;
use crate::plan_file::PlanFile;
use crate::plans::{self, Plan, PlanInputs};
use crate::schools::SchoolTable;
use crate::solver::{self, Homes};
use crate::text::fmt_num;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What counts as disruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Minimize {
    /// Move as few schools as possible.
    Schools,
    /// Move as few students as possible (schools weighted by enrollment).
    Students,
}

/// Price of one school (or one student) away from its adopted network, in km² of compactness: far above any
/// change a move makes to a district's compactness, so a school moves only where a rule needs it.
pub(crate) const PRICE_PER_SCHOOL: f64 = 1e6;
const PRICE_PER_STUDENT: f64 = 1e4;

/// Options of a rebalancing run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub minimize: Minimize,
    /// Fail (and say how many are needed) when restoring the rules takes more school moves than this.
    pub max_moves: Option<usize>,
}

/// One school that moves, joins or leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolChange {
    pub school_id: String,
    /// Name and figures from the new table (empty for schools that closed).
    pub name: String,
    pub level: String,
    pub enrollment: Option<u32>,
    /// Network in the adopted plan (`None` for new schools).
    pub from: Option<String>,
    /// Network now (`None` for schools that closed).
    pub to: Option<String>,
    /// Rules broken before rebalancing in the network it leaves or joins (for moves).
    pub fixes: Vec<String>,
}

/// What rebalancing changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub minimize: Minimize,
    pub moved: Vec<SchoolChange>,
    pub added: Vec<SchoolChange>,
    pub removed: Vec<SchoolChange>,
    /// Schools in both the adopted plan and the new table.
    pub kept: usize,
    pub moved_students: u64,
    /// The rules on the new table with the adopted networks (new schools placed), before any move.
    pub before: Vec<ConstraintCheck>,
    /// The rules after rebalancing.
    pub after: Vec<ConstraintCheck>,
    /// Networks whose support region changed: (network, adopted region, new region). Regions are kept
    /// unless a region rule needs a change.
    pub region_moves: Vec<(String, String, String)>,
}

/// A rebalanced plan and what changed.
pub struct Rebalanced {
    pub plan: Plan,
    pub changes: Changes,
}

/// Checks that `adopted` (read from `plan_source`) is a plan of the district `table` describes: a later
/// year's table keeps almost every school, so when fewer than half of the table's schools are in the plan,
/// the plan was drawn for another table, and rebalancing would treat most schools as new.
pub fn check_same_district(
    adopted: &PlanFile,
    plan_source: &str,
    table: &SchoolTable,
) -> Result<()> {
    let matched = table
        .schools
        .iter()
        .filter(|s| adopted.assignment.contains_key(&s.id))
        .count();
    let n = table.schools.len();
    if matched * 2 >= n {
        return Ok(());
    }
    Err(Error::input(
        plan_source,
        None,
        Some("assignment"),
        format!(
            "this plan was drawn for {} schools of {}; only {matched} of the {n} schools in {} are among them ({:.0}%), so it is a plan of another table or district",
            adopted.assignment.len(),
            adopted.input.schools_file,
            table.source,
            100.0 * matched as f64 / n.max(1) as f64
        ),
        format!(
            "give the plan drawn from an earlier table of the same district, or draw new networks with `schoolnets plan --schools {}`",
            table.source
        ),
    ))
}

/// The adopted network each pin label is bound to: the network of that name. Rebalancing keeps the adopted
/// networks and their names (changes.md says so), so a label that names none of them would either rename a
/// network or pin schools to a network nobody chose: it is refused, each such label with its first row and
/// the names there are.
fn bind_labels(
    labels: &[String],
    pins: Option<&crate::pins::Pins>,
    adopted: &PlanFile,
) -> Result<Vec<Option<usize>>> {
    let binding: Vec<Option<usize>> = labels
        .iter()
        .map(|l| {
            adopted
                .networks
                .iter()
                .position(|n| !n.name.is_empty() && &n.name == l)
        })
        .collect();
    let names: Vec<String> = adopted
        .networks
        .iter()
        .filter(|n| !n.name.is_empty())
        .map(|n| format!("{} ({})", n.name, n.network))
        .collect();
    let source = pins.map_or("the pins", |p| p.source.as_str());
    let problems: Vec<crate::error::Problem> = labels
        .iter()
        .zip(&binding)
        .filter(|(_, b)| b.is_none())
        .map(|(label, _)| {
            let line = pins
                .and_then(|p| p.rows.iter().find(|r| &r.label == label))
                .map(|r| r.line)
                .filter(|&l| l > 0);
            crate::error::Problem {
                file: source.to_string(),
                line,
                field: Some("network".into()),
                what: format!(
                    "the label {label:?} names no network of the adopted plan; rebalance keeps the adopted networks and their names, so it would not say which network the schools belong to"
                ),
                fix: if names.is_empty() {
                    "the adopted plan's networks have no names (it was written before names): draw it again with `schoolnets plan`, or rebalance without --pins".to_string()
                } else {
                    format!(
                        "use the name of the adopted network the schools should stay in, one of: {}; or draw new networks with `schoolnets plan --pins`",
                        names.join(", ")
                    )
                },
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(binding)
    } else {
        Err(Error::Input(problems))
    }
}

/// Rebalances `adopted` on the new table in `inputs` (whose scenario must have as many networks).
pub fn rebalance(
    inputs: &PlanInputs<'_>,
    adopted: &PlanFile,
    options: Options,
    progress: &(dyn Fn() + Sync),
) -> Result<Rebalanced> {
    let table = inputs.table;
    let ids: Vec<String> = adopted.networks.iter().map(|n| n.network.clone()).collect();
    let k = ids.len();
    if inputs.scenario.networks != k {
        return Err(Error::Usage(format!(
            "the adopted plan has {k} networks but the scenario asks for {}: rebalancing keeps the adopted networks. Set networks = {k} in the scenario, or draw new networks with `schoolnets plan`.",
            inputs.scenario.networks
        )));
    }
    let index: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(c, n)| (n.as_str(), c))
        .collect();
    let old: Vec<Option<usize>> = table
        .schools
        .iter()
        .map(|s| {
            adopted
                .assignment
                .get(&s.id)
                .and_then(|n| index.get(n.as_str()).copied())
        })
        .collect();
    let weight = |i: usize| match options.minimize {
        Minimize::Schools => 1.0,
        Minimize::Students => f64::from(table.schools[i].enrollment),
    };

    let mut prepared = plans::prepare(inputs)?;
    if let Some(pinned) = &prepared.pinned {
        let binding = bind_labels(&pinned.labels, inputs.pins, adopted)?;
        prepared.bind_pins(&binding);
    }
    let units = prepared.planning.units();
    // Each unit's home: the adopted network holding most of its schools (a campus or pathway may now join
    // schools the adopted plan had apart; the others then move with it).
    let homes: Vec<Option<(usize, f64)>> = units
        .units
        .iter()
        .map(|u| {
            let mut w = vec![0.0f64; k];
            let mut any = false;
            for &i in &u.schools {
                if let Some(c) = old[i] {
                    w[c] += weight(i) + 1e-9;
                    any = true;
                }
            }
            any.then(|| {
                let home = (0..k).fold(0, |b, c| if w[c] > w[b] { c } else { b });
                (home, w[home])
            })
        })
        .collect();
    let start = place_new_units(&prepared.problem, &homes);
    let school_network = |assign: &[usize]| -> Vec<usize> {
        (0..table.schools.len())
            .map(|i| assign[units.of_school[i]])
            .collect()
    };
    let before = prepared.measure(table, &school_network(&start), &ids).1;

    prepared.problem.homes = Homes {
        cost: match options.minimize {
            Minimize::Schools => PRICE_PER_SCHOOL,
            Minimize::Students => PRICE_PER_STUDENT,
        },
        of_unit: homes,
    };
    let p = &prepared.problem;
    let restarts = inputs.scenario.solver.restarts.max(1);
    let settings = (&inputs.scenario.solver).into();
    let best = solver::from_start(p, start, settings, progress);
    // Regions are drawn after the networks: when their bands no longer hold, a few more moves across
    // borders between regions (as a new plan makes them).
    let best = plans::fit_regions(inputs, &prepared, &best, settings).unwrap_or(best);
    let after_network = school_network(&best.assignment);

    // School-level changes.
    let mut moved = Vec::new();
    let mut added = Vec::new();
    let mut moved_students = 0u64;
    let failing_in = |c: usize| -> Vec<String> {
        before
            .iter()
            .filter(|r| !r.holds && r.failing_networks.contains(&ids[c]))
            .map(|r| r.key.clone())
            .collect()
    };
    for (i, s) in table.schools.iter().enumerate() {
        let change = |from: Option<usize>, fixes: Vec<String>| SchoolChange {
            school_id: s.id.clone(),
            name: s.name.clone(),
            level: s.level.as_str().to_string(),
            enrollment: Some(s.enrollment),
            from: from.map(|c| ids[c].clone()),
            to: Some(ids[after_network[i]].clone()),
            fixes,
        };
        match old[i] {
            None => added.push(change(None, Vec::new())),
            Some(c) if c != after_network[i] => {
                let mut fixes = failing_in(c);
                fixes.extend(failing_in(after_network[i]));
                fixes.sort();
                fixes.dedup();
                moved_students += u64::from(s.enrollment);
                moved.push(change(Some(c), fixes));
            }
            Some(_) => {}
        }
    }
    let present: std::collections::BTreeSet<&str> =
        table.schools.iter().map(|s| s.id.as_str()).collect();
    let removed: Vec<SchoolChange> = adopted
        .assignment
        .iter()
        .filter(|(id, _)| !present.contains(id.as_str()))
        .map(|(id, n)| SchoolChange {
            school_id: id.clone(),
            name: String::new(),
            level: String::new(),
            enrollment: None,
            from: Some(n.clone()),
            to: None,
            fixes: Vec::new(),
        })
        .collect();
    if let Some(max) = options.max_moves {
        if moved.len() > max {
            let mut keys: Vec<&str> = moved
                .iter()
                .flat_map(|m| m.fixes.iter().map(String::as_str))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            return Err(Error::Infeasible(Box::new(crate::error::Infeasible {
                proofs: vec![crate::error::Proof {
                    rule: "max_moves".into(),
                    settings: vec!["max_moves".into()],
                    need: crate::error::Amount::new(max as f64, "school moves"),
                    have: crate::error::Amount::new(moved.len() as f64, "school moves"),
                    reason: format!(
                        "restoring the rules took {} school moves ({} students), but --max-moves is {max}. Raise it to {}, or loosen the rules the moves fix ({}).",
                        moved.len(),
                        crate::text::thousands(moved_students as f64),
                        moved.len(),
                        keys.join(", ")
                    ),
                    nearest: Vec::new(),
                }],
                ..Default::default()
            })));
        }
    }
    let kept = old.iter().filter(|o| o.is_some()).count();
    let plan = plans::assemble(
        inputs,
        &prepared,
        after_network,
        ids,
        &format!("rebalancing (the best of {restarts} restarts from the adopted plan)"),
        Some(adopted),
    )?;
    let after = plan.file.constraints.clone();
    let region_moves = plan
        .file
        .networks
        .iter()
        .filter_map(|n| {
            let new = n.region.clone()?;
            let old = adopted
                .networks
                .iter()
                .find(|m| m.network == n.network)?
                .region
                .clone()?;
            (old != new).then(|| (n.network.clone(), old, new))
        })
        .collect();
    Ok(Rebalanced {
        plan,
        changes: Changes {
            minimize: options.minimize,
            moved,
            added,
            removed,
            kept,
            moved_students,
            before,
            after,
            region_moves,
        },
    })
}

/// Units with a home start there; each new unit joins the network of its nearest neighbouring unit that has
/// one (breadth-first from the placed units, so a cluster of new campuses joins the nearest network), and a
/// unit with no placed neighbour at all joins the network of the nearest placed unit.
fn place_new_units(p: &solver::Problem, homes: &[Option<(usize, f64)>]) -> Vec<usize> {
    let n = p.units.len();
    let mut assign: Vec<Option<usize>> = homes.iter().map(|h| h.map(|h| h.0)).collect();
    let d2 = |a: usize, b: usize| {
        let (x, y) = (p.units[a].pos, p.units[b].pos);
        (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)
    };
    loop {
        let mut placed_any = false;
        let snapshot = assign.clone();
        for u in 0..n {
            if snapshot[u].is_some() {
                continue;
            }
            let nearest = p.neighbors[u]
                .iter()
                .filter(|&&v| snapshot[v].is_some())
                .min_by(|&&a, &&b| d2(u, a).total_cmp(&d2(u, b)).then(a.cmp(&b)));
            if let Some(&v) = nearest {
                assign[u] = snapshot[v];
                placed_any = true;
            }
        }
        if !placed_any {
            break;
        }
    }
    let placed: Vec<usize> = (0..n).filter(|&u| assign[u].is_some()).collect();
    (0..n)
        .map(|u| {
            assign[u].unwrap_or_else(|| {
                placed
                    .iter()
                    .copied()
                    .min_by(|&a, &b| d2(u, a).total_cmp(&d2(u, b)).then(a.cmp(&b)))
                    .and_then(|v| assign[v])
                    .unwrap_or(0)
            })
        })
        .collect()
}

/// changes.md: what moved and why, and every rule before and after.
pub fn markdown(c: &Changes, adopted: &str, table: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Rebalancing {adopted} on {table}\n");
    let share = |n: usize| {
        if c.kept == 0 {
            "0".into()
        } else {
            fmt_num(100.0 * n as f64 / c.kept as f64, 1)
        }
    };
    let _ = writeln!(
        out,
        "{} of the {} schools still open change network ({}%; {} students). New schools: {}, each placed in the network of its nearest neighbouring campus. Schools of the adopted plan not in the new table (closed, or left out by the importer): {}. The search moved as few {} as it could while bringing every rule back within bounds.\n",
        c.moved.len(),
        c.kept,
        share(c.moved.len()),
        crate::text::thousands(c.moved_students as f64),
        c.added.len(),
        c.removed.len(),
        match c.minimize {
            Minimize::Schools => "schools",
            Minimize::Students => "students",
        }
    );
    if !c.region_moves.is_empty() {
        let _ = writeln!(
            out,
            "Support regions are kept where their rules allow; these networks change region: {}.\n",
            c.region_moves
                .iter()
                .map(|(n, a, b)| format!("{n} from {a} to {b}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out, "## Rules before and after\n");
    let _ = writeln!(
        out,
        "| Rule | Before: holds | Before | After: holds | After | Margin after |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|--:|");
    for a in &c.after {
        let b = c.before.iter().find(|b| b.key == a.key);
        let yes = |h: bool| if h { "yes" } else { "**NO**" };
        let observed = |r: &ConstraintCheck| {
            if r.failing_networks.is_empty() {
                r.observed.clone()
            } else {
                format!(
                    "{} (fails in {})",
                    r.observed,
                    r.failing_networks.join(", ")
                )
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} {} |",
            a.rule,
            b.map_or("", |b| yes(b.holds)),
            b.map(observed).unwrap_or_default(),
            yes(a.holds),
            observed(a),
            fmt_num(a.margin, 0),
            a.unit
        );
    }
    let list = |title: &str, rows: &[SchoolChange], out: &mut String| {
        let _ = writeln!(out, "\n## {title} ({})\n", rows.len());
        if rows.is_empty() {
            let _ = writeln!(out, "None.");
            return;
        }
        let _ = writeln!(
            out,
            "| School | Id | Level | Students | From | To | Fixes |"
        );
        let _ = writeln!(out, "|---|---|---|--:|---|---|---|");
        for r in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.name.replace('|', "\\|"),
                r.school_id,
                r.level,
                r.enrollment
                    .map(|e| crate::text::thousands(f64::from(e)))
                    .unwrap_or_default(),
                r.from.as_deref().unwrap_or("(new)"),
                r.to.as_deref().unwrap_or("(closed)"),
                r.fixes.join(", ")
            );
        }
    };
    list("Schools that move", &c.moved, &mut out);
    list("New schools", &c.added, &mut out);
    list("Schools no longer in the table", &c.removed, &mut out);
    let _ = writeln!(
        out,
        "\n\"Fixes\" lists the rules that were broken, before rebalancing, in the network the school leaves or joins. Network names are the adopted plan's."
    );
    out
}

/// changes.csv: one row per school that moves, joins or leaves.
pub fn csv(c: &Changes) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "change",
        "school_id",
        "school_name",
        "level",
        "enrollment",
        "from_network",
        "to_network",
        "fixes",
    ]);
    for (kind, rows) in [
        ("moved", &c.moved),
        ("added", &c.added),
        ("removed", &c.removed),
    ] {
        for r in rows {
            let _ = w.write_record([
                kind,
                &r.school_id,
                &r.name,
                &r.level,
                &r.enrollment.map(|e| e.to_string()).unwrap_or_default(),
                r.from.as_deref().unwrap_or(""),
                r.to.as_deref().unwrap_or(""),
                &r.fixes.join(" "),
            ]);
        }
    }
    w.into_inner().unwrap_or_default()
}
