//! Plans side by side: `schoolnets compare A B [C ...]`.
//!
//! Takes finished plans (the contents of their plan.json) and returns a [`Comparison`]: every figure and rule
//! of each plan in one table, each plan against the earlier design it names in its scenario's `[reference]`,
//! and which schools change network between the first plan (the baseline) and each other plan. Writers turn
//! it into compare.md, compare.csv, moves.csv and an HTML section. No file I/O here.
//!
//! Network names are arbitrary labels (`N01` in one plan has nothing to do with `N01` in another), so
//! before counting moves the networks of two plans are **matched by overlap**: the pair of networks sharing
//! the most schools is matched first, then the next largest among networks not yet matched, and so on (ties
//! broken by network name). A school *moves* when its network in the other plan is not the one matched to
//! its baseline network. Greedy matching is what a planner would do by hand with the two maps, and it is
//! what makes "N05 became N07" readable; it can differ from the matching that minimises total moves only
//! when overlaps are close, which the matching table makes visible.

use crate::plan_file::NetworkMetrics;
use crate::plan_file::PlanFile;
use crate::reports::model::{self, Cell, Kind, Section, Table};
use crate::schools::SchoolTable;
use crate::text::{fmt_num, human, thousands};
use std::collections::{BTreeMap, BTreeSet};

/// One plan to compare, with the label its column gets (usually its folder's name).
pub struct Compared<'a> {
    pub label: String,
    pub file: &'a PlanFile,
}

/// One cell of the side-by-side table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number and the decimals to show.
    Number(f64, usize),
    Text(String),
    /// The figure does not apply to this plan (for example no reference design).
    Missing,
}

/// One line of the side-by-side table: a figure for every plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Heading the row is listed under (Plan, Size, Distance, Balance, Feeder pathways, Rules, Changes).
    pub section: &'static str,
    pub metric: String,
    /// Unit of the numbers (empty for counts and text).
    pub unit: &'static str,
    pub values: Vec<Value>,
}

/// Two networks, one in each plan, matched because they share the most schools.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkMatch {
    pub baseline_network: String,
    pub plan_network: String,
    /// Schools in both.
    pub shared: usize,
    pub baseline_schools: usize,
    pub plan_schools: usize,
}

/// A school in a different network than in the baseline (after matching networks).
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub school_id: String,
    /// Name, level and enrollment from the school table, when the table the plans were made from is at hand.
    pub name: Option<String>,
    pub level: Option<String>,
    pub enrollment: Option<u32>,
    pub baseline_network: String,
    pub plan_network: String,
    /// The baseline network that `plan_network` was matched to (`None`: it matched none).
    pub plan_network_matches: Option<String>,
}

/// What changes between the baseline and one other plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub baseline: String,
    pub plan: String,
    pub matches: Vec<NetworkMatch>,
    pub unmatched_baseline: Vec<String>,
    pub unmatched_plan: Vec<String>,
    /// Schools present in both plans (moves are counted among them).
    pub compared: usize,
    pub only_in_baseline: usize,
    pub only_in_plan: usize,
    pub moves: Vec<Move>,
    /// Students in the schools that move (`None` without the school table).
    pub moved_students: Option<u64>,
}

/// Everything `compare` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub labels: Vec<String>,
    pub rows: Vec<Row>,
    /// The first plan against each of the others.
    pub changes: Vec<Changes>,
    /// Things the reader must know (different tables, no school names, ...).
    pub notes: Vec<String>,
    /// Where each plan falls among an ensemble's valid plans (`compare --ensemble`), when one is given.
    pub among_valid: Option<Section>,
}

/// Compares plans. `table` is the school table the plans were made from, when available: it supplies names,
/// levels and enrollments of the schools that move; schools not in it are listed by id alone.
pub fn compare(plans: &[Compared], table: Option<&SchoolTable>) -> Comparison {
    let labels: Vec<String> = plans.iter().map(|p| p.label.clone()).collect();
    let mut notes = Vec::new();
    let hashes: BTreeSet<&str> = plans
        .iter()
        .map(|p| p.file.input.schools_sha256.as_str())
        .collect();
    if hashes.len() > 1 {
        notes.push(format!(
            "The plans were made from {} different school tables (see each plan.json `input`): figures are each plan's own, and school moves are counted over the schools present in both plans.",
            hashes.len()
        ));
    }
    if table.is_none() {
        notes.push("The school table the plans were made from was not found (neither the built-in table nor the file plan.json names, with the same SHA-256), so moves.csv lists schools by id only.".into());
    }
    for p in plans {
        if let Some(r) = &p.file.scenario.reference {
            let (schools, students) = (
                r.networks as f64 * r.schools_per_network,
                r.networks as f64 * r.students_per_network,
            );
            let off = |have: f64, want: f64| (have - want).abs() > 0.05 * want;
            if off(p.file.input.schools as f64, schools)
                || off(p.file.input.enrollment as f64, students)
            {
                notes.push(format!(
                    "{}: the reference design ({}) covers about {} schools and {} students (networks × its averages); this plan's table has {} schools and {} students. Per-network figures differ by what each counted as well as by the design.",
                    p.label,
                    r.label,
                    thousands(schools),
                    thousands(students),
                    thousands(p.file.input.schools as f64),
                    thousands(p.file.input.enrollment as f64)
                ));
            }
        }
    }
    let changes: Vec<Changes> = plans
        .iter()
        .skip(1)
        .map(|p| changes(&plans[0], p, table))
        .collect();
    for ch in changes.iter().filter(|ch| ch.compared == 0) {
        notes.push(format!(
            "{} and {} share no school: no school can move between them, so their changes say nothing (they are plans of different districts or tables).",
            ch.baseline, ch.plan
        ));
    }
    let mut rows = figure_rows(plans);
    rows.extend(change_rows(&changes));
    Comparison {
        among_valid: None,
        labels,
        rows,
        changes,
        notes,
    }
}

/// Minimum, mean and maximum.
fn spread(values: impl Iterator<Item = f64>) -> Option<(f64, f64, f64)> {
    let v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((min, v.iter().sum::<f64>() / v.len() as f64, max))
}

/// The figures and rules of every plan, row by row.
fn figure_rows(plans: &[Compared]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |section: &'static str,
                   metric: &str,
                   unit: &'static str,
                   f: &dyn Fn(&PlanFile) -> Value| {
        rows.push(Row {
            section,
            metric: metric.to_string(),
            unit,
            values: plans.iter().map(|p| f(p.file)).collect(),
        });
    };
    let num = |d: usize| move |v: f64| Value::Number(v, d);
    let opt = |v: Option<f64>, d: usize| v.map(num(d)).unwrap_or(Value::Missing);
    let text = |s: &str| Value::Text(s.to_string());

    add("Plan", "Scenario", "", &|f| text(&f.scenario.name));
    add("Plan", "Kind of networks", "", &|f| {
        text(match f.scenario.mode {
            crate::scenarios::Mode::Neighborhood => "neighborhood",
            crate::scenarios::Mode::Feeder => "feeder pattern",
        })
    });
    add("Plan", "Seed", "", &|f| Value::Text(f.seed.to_string()));
    add("Plan", "Every rule holds", "", &|f| {
        text(if f.all_constraints_hold { "yes" } else { "NO" })
    });
    add("Plan", "Schools", "", &|f| num(0)(f.input.schools as f64));
    add("Plan", "Students", "", &|f| {
        num(0)(f.input.enrollment as f64)
    });

    // What the planner imposed: each plan's pins (label → network) and barriers, when any plan has them.
    let steered = |has: fn(&PlanFile) -> bool| plans.iter().any(|p| has(p.file));
    if steered(|f| f.pins.is_some()) {
        add("Plan", "Pins (label → network)", "", &|f| match &f.pins {
            Some(p) => text(
                &p.groups
                    .iter()
                    .map(|g| g.describe())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            None => text("none"),
        });
    }
    if steered(|f| f.barriers.is_some()) {
        add("Plan", "Barriers", "", &|f| match &f.barriers {
            Some(b) => text(&format!(
                "{} ({}; {})",
                crate::reports::plan::barrier_names(b),
                b.file,
                crate::reports::plan::barrier_outcome(b)
            )),
            None => text("none"),
        });
    }
    let nets = |f: &PlanFile| f.networks.len() as f64;
    let reference = |f: &PlanFile, g: &dyn Fn(&crate::scenarios::Reference) -> f64, d| {
        opt(f.scenario.reference.as_ref().map(g), d)
    };
    add("Size", "Networks", "", &|f| num(0)(nets(f)));
    add("Size", "Networks in the reference design", "", &|f| {
        reference(f, &|r| r.networks as f64, 0)
    });
    // The spread of schools and students per network, each beside the reference design's mean.
    type PerNetwork = fn(&NetworkMetrics) -> Option<f64>;
    type PerReference = fn(&crate::scenarios::Reference) -> f64;
    let sizes: [(&str, PerNetwork, usize, PerReference); 2] = [
        (
            "Schools",
            |n| Some(n.schools as f64),
            1,
            |r| r.schools_per_network,
        ),
        (
            "Students",
            |n| Some(n.enrollment as f64),
            0,
            |r| r.students_per_network,
        ),
    ];
    for (what, per, mean_decimals, reference_mean) in sizes {
        let s = move |f: &PlanFile| spread(f.networks.iter().filter_map(per));
        let label = |which: &str| format!("{what} per network: {which}");
        add("Size", &label("fewest"), "", &|f| opt(s(f).map(|s| s.0), 0));
        add("Size", &label("mean"), "", &|f| {
            opt(s(f).map(|s| s.1), mean_decimals)
        });
        add("Size", &label("most"), "", &|f| opt(s(f).map(|s| s.2), 0));
        add(
            "Size",
            &format!("{what} per network in the reference design (mean)"),
            "",
            &|f| reference(f, &|r| reference_mean(r), mean_decimals),
        );
    }
    add(
        "Size",
        "Students in the reference design (networks × mean)",
        "",
        &|f| reference(f, &|r| r.networks as f64 * r.students_per_network, 0),
    );
    add("Size", "Largest gap from the mean enrollment", "%", &|f| {
        opt(
            f.networks
                .iter()
                .map(|n| n.enrollment_deviation_pct.abs())
                .reduce(f64::max),
            1,
        )
    });

    add(
        "Distance",
        "Compactness (sum of squared school-to-centre distances)",
        "km²",
        &|f| num(0)(f.compactness_km2),
    );
    add(
        "Distance",
        "Mean distance from a school to its network's centre",
        "km",
        &|f| {
            let schools: usize = f.networks.iter().map(|n| n.schools).sum();
            let total: f64 = f
                .networks
                .iter()
                .map(|n| n.mean_km * n.schools as f64)
                .sum();
            opt((schools > 0).then(|| total / schools as f64), 1)
        },
    );
    add(
        "Distance",
        "Farthest school from its network's centre",
        "km",
        &|f| opt(f.networks.iter().map(|n| n.max_km).reduce(f64::max), 1),
    );
    add(
        "Distance",
        "Networks not in one connected piece",
        "",
        &|f| num(0)(f.networks.iter().filter(|n| !n.connected).count() as f64),
    );

    // Each balance figure: the district's, and the lowest and highest network's.
    type District = fn(&PlanFile) -> Option<f64>;
    let balances: [(&str, &str, &'static str, District, PerNetwork); 3] = [
        (
            "Low-performing share of rated schools: district",
            "Low-performing share",
            "%",
            |f| {
                let d = &f.district;
                (d.rated_schools > 0)
                    .then(|| 100.0 * d.low_performing_schools as f64 / d.rated_schools as f64)
            },
            |n| n.low_performing_pct,
        ),
        (
            "Distance from standard (ELA and math): district",
            "Distance from standard",
            "points",
            |f| f.district.dfs,
            |n| n.dfs,
        ),
        (
            "Poverty (FRPM) share: district",
            "Poverty (FRPM) share",
            "%",
            |f| f.district.frpm_pct,
            |n| n.frpm_pct,
        ),
    ];
    for (district_label, what, unit, district, per) in balances {
        let s = move |f: &PlanFile| spread(f.networks.iter().filter_map(per));
        add("Balance", district_label, unit, &|f| opt(district(f), 1));
        add("Balance", &format!("{what}: lowest network"), unit, &|f| {
            opt(s(f).map(|s| s.0), 1)
        });
        add("Balance", &format!("{what}: highest network"), unit, &|f| {
            opt(s(f).map(|s| s.2), 1)
        });
    }
    let groups: BTreeSet<String> = plans
        .iter()
        .flat_map(|p| p.file.dissimilarity_index.keys().cloned())
        .collect();
    for g in &groups {
        add(
            "Balance",
            &format!("Dissimilarity index, {g} students (0-100)"),
            "",
            &|f| opt(f.dissimilarity_index.get(g).copied(), 1),
        );
    }
    add("Balance", "Networks without a magnet school", "", &|f| {
        num(0)(f.networks.iter().filter(|n| n.magnet_schools == 0).count() as f64)
    });
    add("Balance", "Networks without a charter school", "", &|f| {
        num(0)(f.networks.iter().filter(|n| n.charter_schools == 0).count() as f64)
    });

    add("Feeder pathways", "Feeder links in the table", "", &|f| {
        num(0)(f.feeder_links.links as f64)
    });
    add(
        "Feeder pathways",
        "Feeder links cut by network boundaries",
        "",
        &|f| num(0)(f.feeder_links.cut as f64),
    );
    add("Feeder pathways", "Share of feeder links cut", "%", &|f| {
        let l = &f.feeder_links;
        opt(
            (l.links > 0).then(|| 100.0 * l.cut as f64 / l.links as f64),
            1,
        )
    });
    add(
        "Feeder pathways",
        "Pathways spread over several networks",
        "",
        &|f| num(0)(f.feeder_links.pathways_split as f64),
    );
    add("Feeder pathways", "Pathways", "", &|f| {
        num(0)(f.feeder_links.pathways as f64)
    });

    // Rules: every rule any plan has, in the order they first appear.
    let mut keys: Vec<&str> = Vec::new();
    for p in plans {
        for c in &p.file.constraints {
            if !keys.contains(&c.key.as_str()) {
                keys.push(&c.key);
            }
        }
    }
    for key in keys {
        add("Rules", &crate::rules::title(key), "", &|f| match f
            .constraints
            .iter()
            .find(|c| c.key == key)
        {
            None => text("not a rule here"),
            Some(c) => Value::Text(format!(
                "{}: {} ({})",
                if c.holds { "yes" } else { "NO" },
                c.observed,
                crate::rules::words(c)
            )),
        });
    }
    rows
}

/// Rows counting the schools that change network against the baseline.
fn change_rows(changes: &[Changes]) -> Vec<Row> {
    let first = |base: Value, f: &dyn Fn(&Changes) -> Value| {
        std::iter::once(base)
            .chain(changes.iter().map(f))
            .collect::<Vec<_>>()
    };
    let baseline = || Value::Text("baseline".into());
    vec![
        Row {
            section: "Changes",
            metric: format!(
                "Schools in another network than in {}",
                changes
                    .first()
                    .map(|c| c.baseline.as_str())
                    .unwrap_or("the baseline")
            ),
            unit: "",
            values: first(baseline(), &|c| {
                if c.compared == 0 {
                    Value::Text("NO: no school in common".into())
                } else {
                    Value::Number(c.moves.len() as f64, 0)
                }
            }),
        },
        Row {
            section: "Changes",
            metric: format!(
                "Schools in both this plan and {}",
                changes
                    .first()
                    .map(|c| c.baseline.as_str())
                    .unwrap_or("the baseline")
            ),
            unit: "",
            values: first(baseline(), &|c| Value::Number(c.compared as f64, 0)),
        },
        Row {
            section: "Changes",
            metric: "Share of schools in another network".into(),
            unit: "%",
            values: first(baseline(), &|c| {
                if c.compared == 0 {
                    Value::Missing
                } else {
                    Value::Number(100.0 * c.moves.len() as f64 / c.compared as f64, 1)
                }
            }),
        },
        Row {
            section: "Changes",
            metric: "Students in schools in another network".into(),
            unit: "",
            values: first(baseline(), &|c| {
                c.moved_students
                    .map(|s| Value::Number(s as f64, 0))
                    .unwrap_or(Value::Missing)
            }),
        },
        Row {
            section: "Changes",
            metric: "Networks matched to a baseline network".into(),
            unit: "",
            values: first(baseline(), &|c| Value::Number(c.matches.len() as f64, 0)),
        },
    ]
}

/// Matches the networks of two assignments (school id → network) greedily by overlap.
pub(crate) fn match_networks(
    baseline: &BTreeMap<String, String>,
    plan: &BTreeMap<String, String>,
) -> Vec<NetworkMatch> {
    let mut overlap: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut size_a: BTreeMap<&str, usize> = BTreeMap::new();
    let mut size_b: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, a) in baseline {
        *size_a.entry(a).or_default() += 1;
        if let Some(b) = plan.get(id) {
            *overlap.entry((a, b)).or_default() += 1;
        }
    }
    for b in plan.values() {
        *size_b.entry(b).or_default() += 1;
    }
    let mut pairs: Vec<((&str, &str), usize)> = overlap.into_iter().collect();
    pairs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let (mut used_a, mut used_b) = (BTreeSet::new(), BTreeSet::new());
    let mut out = Vec::new();
    for ((a, b), shared) in pairs {
        if used_a.contains(a) || used_b.contains(b) {
            continue;
        }
        used_a.insert(a);
        used_b.insert(b);
        out.push(NetworkMatch {
            baseline_network: a.to_string(),
            plan_network: b.to_string(),
            shared,
            baseline_schools: size_a[a],
            plan_schools: size_b[b],
        });
    }
    out.sort_by(|x, y| x.baseline_network.cmp(&y.baseline_network));
    out
}

/// The schools that change network between `base` and `other`.
fn changes(base: &Compared, other: &Compared, table: Option<&SchoolTable>) -> Changes {
    let a = &base.file.assignment;
    let b = &other.file.assignment;
    let matches = match_networks(a, b);
    let to_baseline: BTreeMap<&str, &str> = matches
        .iter()
        .map(|m| (m.plan_network.as_str(), m.baseline_network.as_str()))
        .collect();
    let networks = |f: &PlanFile| -> BTreeSet<String> {
        f.networks.iter().map(|n| n.network.clone()).collect()
    };
    let unmatched_baseline = networks(base.file)
        .into_iter()
        .filter(|n| !matches.iter().any(|m| &m.baseline_network == n))
        .collect();
    let unmatched_plan = networks(other.file)
        .into_iter()
        .filter(|n| !to_baseline.contains_key(n.as_str()))
        .collect();
    let school: BTreeMap<&str, &crate::schools::School> = table
        .map(|t| t.schools.iter().map(|s| (s.id.as_str(), s)).collect())
        .unwrap_or_default();
    let mut moves = Vec::new();
    let mut compared = 0;
    for (id, na) in a {
        let Some(nb) = b.get(id) else { continue };
        compared += 1;
        let matched = to_baseline.get(nb.as_str()).copied();
        if matched == Some(na.as_str()) {
            continue;
        }
        let s = school.get(id.as_str());
        moves.push(Move {
            school_id: id.clone(),
            name: s.map(|s| s.name.clone()),
            level: s.map(|s| s.level.as_str().to_string()),
            enrollment: s.map(|s| s.enrollment),
            baseline_network: na.clone(),
            plan_network: nb.clone(),
            plan_network_matches: matched.map(str::to_string),
        });
    }
    let moved_students = table.map(|_| {
        moves
            .iter()
            .filter_map(|m| m.enrollment)
            .map(u64::from)
            .sum()
    });
    Changes {
        baseline: base.label.clone(),
        plan: other.label.clone(),
        matches,
        unmatched_baseline,
        unmatched_plan,
        compared,
        only_in_baseline: a.keys().filter(|id| !b.contains_key(*id)).count(),
        only_in_plan: b.keys().filter(|id| !a.contains_key(*id)).count(),
        moves,
        moved_students,
    }
}

impl Value {
    /// For people (Markdown, HTML).
    fn show(&self, unit: &str) -> String {
        match self {
            Value::Number(v, d) => {
                let n = human(*v, *d);
                match unit {
                    "" => n,
                    "%" => format!("{n}%"),
                    u => format!("{n} {u}"),
                }
            }
            Value::Text(t) => t.clone(),
            Value::Missing => "—".into(),
        }
    }

    /// For spreadsheets: plain numbers, no separators.
    fn raw(&self) -> String {
        match self {
            Value::Number(v, d) => fmt_num(*v, *d),
            Value::Text(t) => t.clone(),
            Value::Missing => String::new(),
        }
    }
}

/// What compare.md and the comparison in report.html say: the side-by-side figures by section, the matched
/// networks of each plan against the first, and how to read them.
pub fn sections(c: &Comparison) -> Vec<Section> {
    let mut out = Vec::new();
    let mut intro = Section::new("");
    intro.paragraph("Each column is one plan (its folder). \"Reference design\" rows give the averages of the earlier design the plan's scenario names (for LAUSD, the 2018 proposal); they are for comparison, not rules. Changes are counted against the first plan, after matching networks by the schools they share.");
    for n in &c.notes {
        intro.note(n.clone());
    }
    out.push(intro);
    let mut header: Vec<&str> = vec![""];
    header.extend(c.labels.iter().map(String::as_str));
    let mut current: Option<(Section, Table)> = None;
    for r in &c.rows {
        if current.as_ref().is_none_or(|(s, _)| s.title != r.section) {
            if let Some((mut s, t)) = current.take() {
                s.table(t);
                out.push(s);
            }
            current = Some((Section::new(r.section), Table::new("", &header)));
        }
        let (_, t) = current.as_mut().expect("set above");
        let mut row = vec![Cell::text(&r.metric)];
        row.extend(r.values.iter().map(|v| {
            let shown = v.show(r.unit);
            match v {
                Value::Text(t) if t == "NO" || t.starts_with("NO:") => Cell {
                    text: shown,
                    kind: Kind::Broken,
                },
                Value::Number(..) => Cell::num(shown),
                _ => Cell::text(shown),
            }
        }));
        t.row(row);
    }
    if let Some((mut s, t)) = current {
        s.table(t);
        out.push(s);
    }
    for ch in &c.changes {
        let mut s = Section::new(format!("{} → {}: matched networks", ch.baseline, ch.plan));
        s.paragraph(format!(
            "The plans share {} schools; {} of them are in another network ({}); moves.csv lists them. Schools only in one plan: {} in {}, {} in {}.",
            thousands(ch.compared as f64),
            thousands(ch.moves.len() as f64),
            ch.moved_students
                .map(|s| format!("{} students", thousands(s as f64)))
                .unwrap_or_else(|| "students unknown without the school table".into()),
            ch.only_in_baseline,
            ch.baseline,
            ch.only_in_plan,
            ch.plan
        ));
        let (b, p) = (
            format!("{} network", ch.baseline),
            format!("{} network", ch.plan),
        );
        let (sb, sp) = (
            format!("Schools in {} network", ch.baseline),
            format!("Schools in {} network", ch.plan),
        );
        let mut t = Table::new("", &[&b, &p, "Schools in both", &sb, &sp]);
        for m in &ch.matches {
            t.row(vec![
                Cell::text(&m.baseline_network),
                Cell::text(&m.plan_network),
                Cell::num(m.shared.to_string()),
                Cell::num(m.baseline_schools.to_string()),
                Cell::num(m.plan_schools.to_string()),
            ]);
        }
        s.table(t);
        if !ch.unmatched_baseline.is_empty() || !ch.unmatched_plan.is_empty() {
            let mut unmatched: Vec<String> = ch
                .unmatched_baseline
                .iter()
                .map(|n| format!("{n} of {}", ch.baseline))
                .collect();
            unmatched.extend(
                ch.unmatched_plan
                    .iter()
                    .map(|n| format!("{n} of {}", ch.plan)),
            );
            s.paragraph(format!(
                "Not matched (the plans have different numbers of networks): {}.",
                unmatched.join(", ")
            ));
        }
        out.push(s);
    }
    let mut how = Section::new("How to read this");
    how.bullets(vec![
        "Compactness is the sum over schools of the squared distance to their network's centre: lower means tighter networks. Plans with different numbers of networks are not strictly comparable on it.".into(),
        "Low-performing: the rule each plan.json states under `district.low_performing_rule`. Distance from standard: mean of ELA and math, enrollment-weighted.".into(),
        "Dissimilarity index: the share of a group's students who would have to change network for every network to have the district's mix (0 = even, 100 = complete separation).".into(),
        "A feeder link is one school's `feeds_into`; it is cut when the two schools are in different networks. A pathway is a top school with every school that feeds it.".into(),
        "A school is \"in another network\" when its network in the other plan is not the one matched to its baseline network.".into(),
    ]);
    out.push(how);
    out.extend(c.among_valid.clone());
    out
}

/// compare.md.
/// Where each plan falls among the valid plans of an ensemble: each figure's value and percentile per
/// plan, which plan the chains started from (`sha256[i]`: plan `i`'s plan.json SHA-256), and the firmness
/// map of that plan when the ensemble has one.
pub fn among_valid(
    e: &crate::ensemble::Summary,
    plans: &[Compared],
    sha256: &[Option<String>],
) -> Section {
    let mut s = Section::new("Among the valid plans");
    let started = plans
        .iter()
        .zip(sha256)
        .find(|(_, h)| h.is_some() && *h == &e.plan_sha256)
        .map(|(p, _)| p.label.clone());
    s.paragraph(format!(
        "{} valid plans drawn by schoolnets ensemble ({}) around {}, comparable plans only (at most {}% less compact than it). Each cell: the plan's value, then the share of valid plans below it (lower is better for every figure: near 0%, better than almost every valid plan; near 100%, worse).",
        crate::text::thousands(e.draws() as f64),
        e.folder,
        match &started {
            Some(l) => format!("the plan in column \u{201c}{l}\u{201d}"),
            None => format!("{} (not one of the plans compared here)", e.from),
        },
        e.slack_pct
    ));
    let mut header = vec!["Figure".to_string()];
    header.extend(plans.iter().map(|p| p.label.clone()));
    let mut t = model::Table::new("", &header.iter().map(String::as_str).collect::<Vec<_>>());
    let placed: Vec<Vec<(Option<f64>, Option<f64>)>> = plans
        .iter()
        .map(|p| e.place(&p.file.networks, &p.file.dissimilarity_index))
        .collect();
    for (i, f) in e.figures.iter().enumerate() {
        let mut row = vec![model::Cell::text(if f.unit.is_empty() {
            f.short.clone()
        } else {
            format!("{}, {}", f.short, f.unit)
        })];
        for p in &placed {
            row.push(model::Cell::num(match p[i] {
                (Some(v), Some(pct)) => format!(
                    "{} ({:.0}%)",
                    crate::reports::ensemble::fmt_value(Some(v)),
                    pct
                ),
                (Some(v), None) => crate::reports::ensemble::fmt_value(Some(v)),
                _ => "–".into(),
            }));
        }
        t.row(row);
    }
    s.table(t);
    if let (Some(svg), Some(l)) = (&e.firmness_svg, &started) {
        s.blocks.push(model::Block::Figure {
            svg: svg.clone(),
            caption: format!(
                "The boundaries of \u{201c}{l}\u{201d} by the share of valid plans that keep them: dark blue at least 90% (firm), orange 50-90%, dashed vermillion under 50%."
            ),
            file: format!("{}/firmness.svg", e.folder),
        });
    }
    s
}

pub fn markdown(c: &Comparison) -> String {
    let mut out = format!("# Plans compared: {}\n\n", c.labels.join(", "));
    out.push_str(&model::markdown(&sections(c), 2));
    out
}

/// The figures a terminal summary shows.
const HEADLINE: [&str; 10] = [
    "Every rule holds",
    "Networks",
    "Schools per network: mean",
    "Schools per network in the reference design (mean)",
    "Students per network: mean",
    "Students per network in the reference design (mean)",
    "Compactness (sum of squared school-to-centre distances)",
    "Low-performing share: highest network",
    "Feeder links cut by network boundaries",
    "Pathways spread over several networks",
];

/// A short Markdown table of the headline figures and the school moves, for the terminal.
pub fn headline(c: &Comparison) -> String {
    let mut header: Vec<&str> = vec![""];
    header.extend(c.labels.iter().map(String::as_str));
    let mut t = Table::new("", &header);
    for r in &c.rows {
        if HEADLINE.contains(&r.metric.as_str())
            || r.metric.starts_with("Schools in another network than")
        {
            let mut row = vec![Cell::text(&r.metric)];
            row.extend(r.values.iter().map(|v| Cell::text(v.show(r.unit))));
            t.row(row);
        }
    }
    let mut s = Section::new("");
    s.table(t);
    model::markdown(&[s], 2)
}

/// compare.csv: one row per figure, one column per plan; plain numbers for spreadsheets.
pub fn csv(c: &Comparison) -> Vec<u8> {
    let mut header = vec!["section", "metric", "unit"];
    header.extend(c.labels.iter().map(String::as_str));
    let mut t = Table::new("", &header);
    for r in &c.rows {
        let mut rec = vec![
            Cell::text(r.section),
            Cell::text(&r.metric),
            Cell::text(r.unit),
        ];
        rec.extend(r.values.iter().map(|v| Cell::text(v.raw())));
        t.row(rec);
    }
    model::csv(&t)
}

/// moves.csv: every school in another network than in the baseline, for each other plan.
pub(crate) fn moves_csv(c: &Comparison) -> Vec<u8> {
    let mut t = Table::new(
        "",
        &[
            "baseline",
            "plan",
            "school_id",
            "school_name",
            "level",
            "enrollment",
            "baseline_network",
            "plan_network",
            "plan_network_matches_baseline_network",
        ],
    );
    for ch in &c.changes {
        for m in &ch.moves {
            t.row(
                [
                    ch.baseline.as_str(),
                    ch.plan.as_str(),
                    &m.school_id,
                    m.name.as_deref().unwrap_or(""),
                    m.level.as_deref().unwrap_or(""),
                    &m.enrollment.map(|e| e.to_string()).unwrap_or_default(),
                    &m.baseline_network,
                    &m.plan_network,
                    m.plan_network_matches.as_deref().unwrap_or(""),
                ]
                .into_iter()
                .map(Cell::text)
                .collect(),
            );
        }
    }
    model::csv(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignment(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(s, n)| (s.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn relabelled_networks_match_and_nothing_moves() {
        let a = assignment(&[("1", "N01"), ("2", "N01"), ("3", "N02"), ("4", "N02")]);
        let b = assignment(&[("1", "N02"), ("2", "N02"), ("3", "N01"), ("4", "N01")]);
        let m = match_networks(&a, &b);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (
                m[0].baseline_network.as_str(),
                m[0].plan_network.as_str(),
                m[0].shared
            ),
            ("N01", "N02", 2)
        );
        assert_eq!(
            (
                m[1].baseline_network.as_str(),
                m[1].plan_network.as_str(),
                m[1].shared
            ),
            ("N02", "N01", 2)
        );
    }

    #[test]
    fn greedy_matching_takes_the_largest_overlap_first() {
        // N01 shares 3 schools with X and 1 with Y; N02 shares 2 with X and 1 with Y. X goes to N01 first,
        // so N02 gets Y although it shares more with X.
        let a = assignment(&[
            ("1", "N01"),
            ("2", "N01"),
            ("3", "N01"),
            ("4", "N01"),
            ("5", "N02"),
            ("6", "N02"),
            ("7", "N02"),
        ]);
        let b = assignment(&[
            ("1", "X"),
            ("2", "X"),
            ("3", "X"),
            ("4", "Y"),
            ("5", "X"),
            ("6", "X"),
            ("7", "Y"),
        ]);
        let m = match_networks(&a, &b);
        assert_eq!(m[0].plan_network, "X");
        assert_eq!(m[0].shared, 3);
        assert_eq!(m[1].plan_network, "Y");
        assert_eq!(m[1].shared, 1);
    }

    #[test]
    fn unequal_network_counts_leave_networks_unmatched() {
        let a = assignment(&[("1", "N01"), ("2", "N02"), ("3", "N03")]);
        let b = assignment(&[("1", "N01"), ("2", "N01"), ("3", "N02")]);
        let m = match_networks(&a, &b);
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|m| m.shared == 1));
    }
}
