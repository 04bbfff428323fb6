//! Affiliations: schools chosen by a rule on the table (for example both ELA and math at Dashboard level 1),
//! grouped into a few groups of nearby schools that cut across networks.
//!
//! In the seed design, 2-3 "designated networks for persistently underserved schools" of 15-20 schools each
//! give those schools extra support while they stay in their geographic network; the affiliation is an extra
//! label. A scenario's `[affiliation.<key>]` section says which schools ([`Condition`]s on table columns),
//! how many groups and how large. [`group`] splits the chosen schools so that the travel between schools of a
//! group (the sum of straight-line distances over every pair) is as small as local search finds.
//!
//! Pure: no file I/O. When the rule chooses too many or too few schools for the bounds, or names a column
//! the table lacks, the affiliation is not formed and [`Affiliation::problem`] says so, with how many would
//! fit or what to add.

use crate::geography::Projection;
use crate::plan_file::{Affiliation, Group, Member};
use crate::scenarios::{AffiliationRules, Condition, DFS_COLUMN};
use crate::schools::SchoolTable;
use crate::text::round;
use rand::{RngExt, SeedableRng};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// A selection rule resolved against a table: the conditions with their columns, and `keep_lowest`.
struct Compiled {
    conditions: Vec<(Column, Condition)>,
    keep: Option<(Column, String)>,
}

/// Resolves an affiliation's conditions against the table's columns. A column the table lacks is not an
/// error (the scenario may be meant for tables that have it, such as those `import cde` writes): the
/// affiliation is then not formed, and the text says which column is missing and what to do.
fn compile(table: &SchoolTable, rules: &AffiliationRules) -> std::result::Result<Compiled, String> {
    let lookup = |column: &str| {
        Column::resolve(table, column).ok_or_else(|| {
            format!(
                "the table {} has no column \"{column}\" (its columns: {}, and \"{DFS_COLUMN}\"). Add the \
                 column to the table (`schoolnets import cde` writes ela_level and math_level) or change the \
                 rule in the scenario.",
                table.source,
                table.column_names().join(", ")
            )
        })
    };
    let mut conditions = Vec::new();
    for text in &rules.select {
        // The scenario's own check has parsed every condition already.
        let c = Condition::parse(text).map_err(|e| format!("\"{text}\": {e}"))?;
        conditions.push((lookup(&c.column)?, c));
    }
    let keep = match &rules.keep_lowest {
        Some(c) => Some((lookup(c)?, c.clone())),
        None => None,
    };
    Ok(Compiled { conditions, keep })
}

/// An affiliation formed from the table alone: which schools, in which groups. The networks its schools are
/// in are a plan's, put in by [`Formed::in_plan`]; so a run forms its affiliations once (the grouping is a
/// local search) and every plan it assembles, each edit's included, only labels them.
#[derive(Debug, Clone)]
pub struct Formed {
    /// The affiliation with every member's network left empty, and every group's networks.
    affiliation: Affiliation,
    /// Each group's members' table rows, in the order of its members.
    rows: Vec<Vec<usize>>,
}

impl Formed {
    /// The affiliation in a plan: each member's network and each group's networks.
    pub fn in_plan(&self, school_network: &[usize], network_ids: &[String]) -> Affiliation {
        let mut out = self.affiliation.clone();
        for (g, rows) in out.groups.iter_mut().zip(&self.rows) {
            for (m, &i) in g.members.iter_mut().zip(rows) {
                m.network = network_ids[school_network[i]].clone();
            }
            let networks: BTreeSet<&String> = g.members.iter().map(|m| &m.network).collect();
            g.networks = networks.into_iter().cloned().collect();
        }
        out
    }
}

/// Forms every affiliation of the scenario on the table.
pub fn form(
    table: &SchoolTable,
    projection: &Projection,
    rules: &BTreeMap<String, AffiliationRules>,
    seed: u64,
) -> Vec<Formed> {
    rules
        .iter()
        .map(|(key, r)| match compile(table, r) {
            Ok(compiled) => one(table, projection, key, r, &compiled, seed),
            Err(problem) => Formed {
                affiliation: Affiliation {
                    key: key.clone(),
                    label: r.label.clone(),
                    rule: r.select.join(" and "),
                    matched: 0,
                    kept: 0,
                    kept_up_to: None,
                    problem: Some(problem),
                    pair_km_total: 0.0,
                    groups: Vec::new(),
                },
                rows: Vec::new(),
            },
        })
        .collect()
}

/// Where a condition's values come from.
enum Column {
    /// Position in [`crate::schools::School::row`].
    Table(usize),
    /// The average of ELA and math distance from standard.
    Dfs,
}

impl Column {
    fn resolve(table: &SchoolTable, name: &str) -> Option<Column> {
        match table.column(name) {
            Some(i) => Some(Column::Table(i)),
            None if name == DFS_COLUMN => Some(Column::Dfs),
            None => None,
        }
    }

    fn value(&self, table: &SchoolTable, i: usize) -> String {
        let s = &table.schools[i];
        match self {
            Column::Table(c) => s.row().swap_remove(*c),
            Column::Dfs => crate::text::fmt_opt(crate::rules::district::school_dfs(s), 1),
        }
    }
}

/// The fewest groups in `rules`' range that can hold `n` schools, or why none can (with what would fit).
pub(crate) fn groups_for(n: usize, rules: &AffiliationRules) -> std::result::Result<usize, String> {
    let (lo, hi) = (rules.min_size, rules.max_size);
    if let Some(g) = (rules.min_groups..=rules.max_groups).find(|g| g * lo <= n && n <= g * hi) {
        return Ok(g);
    }
    let fewest = rules.min_groups * lo;
    let most = rules.max_groups * hi;
    let bounds = format!(
        "{}-{} groups of {}-{} schools hold",
        rules.min_groups, rules.max_groups, lo, hi
    );
    if n < fewest {
        return Err(format!(
            "{n} schools meet the rule, too few: {bounds} at least {fewest}. Loosen the rule (by {} schools), \
             or lower min_groups or min_size (e.g. min_size = {}).",
            fewest - n,
            (n / rules.min_groups).max(1)
        ));
    }
    if n > most {
        return Err(format!(
            "{n} schools meet the rule, too many: {bounds} at most {most}. Tighten the rule (by {} schools), \
             add keep_lowest = \"{DFS_COLUMN}\" to keep the {most} lowest-scoring, or raise max_groups to {}.",
            n - most,
            n.div_ceil(hi)
        ));
    }
    // Between two group counts: g groups are too few, g + 1 too many.
    let g = n / hi;
    Err(format!(
        "{n} schools meet the rule, which no count of groups fits: {g} groups hold at most {}, {} groups need \
         at least {}. Drop {} schools from the rule, add {}, or set max_size = {}.",
        g * hi,
        g + 1,
        (g + 1) * lo,
        n - g * hi,
        (g + 1) * lo - n,
        n.div_ceil(g.max(1))
    ))
}

fn one(
    table: &SchoolTable,
    projection: &Projection,
    key: &str,
    rules: &AffiliationRules,
    compiled: &Compiled,
    seed: u64,
) -> Formed {
    let (conditions, keep) = (&compiled.conditions, compiled.keep.as_ref());
    let mut chosen: Vec<usize> = (0..table.schools.len())
        .filter(|&i| {
            conditions
                .iter()
                .all(|(col, c)| c.matches(&col.value(table, i)))
        })
        .collect();
    let matched = chosen.len();
    let mut rule = rules.select.join(" and ");
    let mut kept_up_to = None;
    let most = rules.max_groups * rules.max_size;
    if let Some((col, name)) = keep {
        rule.push_str(&format!("; the {most} lowest by {name} when more match"));
        if matched > most {
            // Each school's value read once; lowest first, schools without a value last, table order breaks ties.
            let value: Vec<Option<f64>> = chosen
                .iter()
                .map(|&i| col.value(table, i).trim().parse::<f64>().ok())
                .collect();
            let mut by_value: Vec<usize> = (0..chosen.len()).collect();
            by_value.sort_by(|&a, &b| match (value[a], value[b]) {
                (Some(x), Some(y)) => x.total_cmp(&y).then(a.cmp(&b)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => a.cmp(&b),
            });
            chosen = by_value.iter().map(|&k| chosen[k]).collect();
            chosen.truncate(most);
            kept_up_to = chosen
                .last()
                .map(|&i| format!("{name} up to {}", col.value(table, i)));
            chosen.sort_unstable();
        }
    }
    let mut rows = Vec::new();
    let mut out = Affiliation {
        key: key.to_string(),
        label: rules.label.clone(),
        rule,
        matched,
        kept: chosen.len(),
        kept_up_to,
        problem: None,
        pair_km_total: 0.0,
        groups: Vec::new(),
    };
    let g = match groups_for(chosen.len(), rules) {
        Ok(g) => g,
        Err(why) => {
            out.problem = Some(why);
            out.kept = 0;
            return Formed {
                affiliation: out,
                rows,
            };
        }
    };
    let points: Vec<[f64; 2]> = chosen
        .iter()
        .map(|&i| projection.forward(table.schools[i].lat, table.schools[i].lon))
        .collect();
    let of = group(&points, g, rules.min_size, rules.max_size, seed);
    // Number groups from north to south.
    let mut centres = vec![(0.0f64, 0.0f64); g];
    let mut sizes = vec![0.0f64; g];
    for (p, &c) in of.iter().enumerate() {
        let s = &table.schools[chosen[p]];
        centres[c].0 += s.lat;
        centres[c].1 += s.lon;
        sizes[c] += 1.0;
    }
    for (c, n) in centres.iter_mut().zip(&sizes) {
        *c = (c.0 / n.max(1.0), c.1 / n.max(1.0));
    }
    let order = crate::geography::north_to_south(&centres);
    for (n, &c) in order.iter().enumerate() {
        let idx: Vec<usize> = (0..points.len()).filter(|&p| of[p] == c).collect();
        let (mut sum, mut max, mut pairs) = (0.0f64, 0.0f64, 0usize);
        for (x, &p) in idx.iter().enumerate() {
            for &q in &idx[x + 1..] {
                let d = dist(points[p], points[q]);
                sum += d;
                max = max.max(d);
                pairs += 1;
            }
        }
        out.pair_km_total += sum;
        let members: Vec<Member> = idx
            .iter()
            .map(|&p| {
                let i = chosen[p];
                let s = &table.schools[i];
                Member {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    network: String::new(),
                    level: s.level.as_str().to_string(),
                    enrollment: s.enrollment,
                    dfs: crate::rules::district::school_dfs(s).map(|v| round(v, 1)),
                }
            })
            .collect();
        rows.push(idx.iter().map(|&p| chosen[p]).collect());
        out.groups.push(Group {
            id: format!("{key}-{}", n + 1),
            schools: members.len(),
            enrollment: members.iter().map(|m| u64::from(m.enrollment)).sum(),
            networks: Vec::new(),
            mean_pair_km: round(sum / pairs.max(1) as f64, 2),
            max_pair_km: round(max, 2),
            members,
        });
    }
    out.pair_km_total = round(out.pair_km_total, 1);
    Formed {
        affiliation: out,
        rows,
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Restarts of [`group`]'s local search.
pub(crate) const GROUP_RESTARTS: usize = 32;

/// Splits `points` (km) into `g` groups of `min..=max` points each (the caller checks that `g` groups can
/// hold them), minimising the sum over groups of the distances between every two members. Each of
/// [`GROUP_RESTARTS`] restarts seeds `g` centres at random, fills groups greedily by distance, then moves
/// and swaps points while that lowers the sum; the best restart wins (ties: the first). Deterministic for a
/// seed.
pub fn group(points: &[[f64; 2]], g: usize, min: usize, max: usize, seed: u64) -> Vec<usize> {
    let n = points.len();
    let d: Vec<Vec<f64>> = points
        .iter()
        .map(|&a| points.iter().map(|&b| dist(a, b)).collect())
        .collect();
    let mut best: Option<(f64, Vec<usize>)> = None;
    for r in 0..GROUP_RESTARTS {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(crate::seeds::derive(seed, r));
        let of = greedy_start(&d, g, max, min, &mut rng);
        let of = improve(&d, of, g, min, max);
        let cost = pair_sum(&d, &of);
        if best.as_ref().is_none_or(|b| cost < b.0 - 1e-9) {
            best = Some((cost, of));
        }
    }
    best.map(|b| b.1).unwrap_or_else(|| vec![0; n])
}

/// Sum over groups of the distances between every two members.
pub(crate) fn pair_sum(d: &[Vec<f64>], of: &[usize]) -> f64 {
    let mut s = 0.0;
    for i in 0..of.len() {
        for j in i + 1..of.len() {
            if of[i] == of[j] {
                s += d[i][j];
            }
        }
    }
    s
}

/// `g` random centres; then every (point, centre) pair from the nearest up, a point joining its centre's
/// group while that has fewer than its share (`n / g`, rounded up for the first `n % g` groups).
fn greedy_start(
    d: &[Vec<f64>],
    g: usize,
    max: usize,
    min: usize,
    rng: &mut impl rand::Rng,
) -> Vec<usize> {
    let n = d.len();
    let mut centres: Vec<usize> = Vec::new();
    while centres.len() < g.min(n) {
        let c = rng.random_range(0..n);
        if !centres.contains(&c) {
            centres.push(c);
        }
    }
    let cap: Vec<usize> = (0..g)
        .map(|c| (n / g + usize::from(c < n % g)).clamp(min.min(n), max))
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = (0..n)
        .flat_map(|i| centres.iter().enumerate().map(move |(c, &p)| (i, c, p)))
        .map(|(i, c, p)| (d[i][p], i, c))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut of = vec![usize::MAX; n];
    let mut size = vec![0usize; g];
    for (_, i, c) in pairs {
        if of[i] == usize::MAX && size[c] < cap[c] {
            of[i] = c;
            size[c] += 1;
        }
    }
    of
}

/// Moves and swaps while either lowers the pair sum and keeps every group within `min..=max`.
fn improve(d: &[Vec<f64>], mut of: Vec<usize>, g: usize, min: usize, max: usize) -> Vec<usize> {
    let n = d.len();
    // s[i][c]: sum of distances from point i to the members of group c.
    let mut s = vec![vec![0.0f64; g]; n];
    let mut size = vec![0usize; g];
    for i in 0..n {
        size[of[i]] += 1;
        for j in 0..n {
            s[i][of[j]] += d[i][j];
        }
    }
    let shift = |s: &mut Vec<Vec<f64>>, i: usize, from: usize, to: usize| {
        for (k, row) in s.iter_mut().enumerate() {
            row[from] -= d[k][i];
            row[to] += d[k][i];
        }
    };
    const EPS: f64 = 1e-9;
    loop {
        let mut changed = false;
        for i in 0..n {
            let a = of[i];
            for b in 0..g {
                if b != a && size[a] > min && size[b] < max && s[i][b] - s[i][a] < -EPS {
                    shift(&mut s, i, a, b);
                    of[i] = b;
                    size[a] -= 1;
                    size[b] += 1;
                    changed = true;
                    break;
                }
            }
        }
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (of[i], of[j]);
                if a == b {
                    continue;
                }
                let delta = s[i][b] - s[i][a] + s[j][a] - s[j][b] - 2.0 * d[i][j];
                if delta < -EPS {
                    shift(&mut s, i, a, b);
                    shift(&mut s, j, b, a);
                    of[i] = b;
                    of[j] = a;
                    changed = true;
                }
            }
        }
        if !changed {
            return of;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(min_groups: usize, max_groups: usize, min: usize, max: usize) -> AffiliationRules {
        AffiliationRules {
            label: "test".into(),
            select: vec!["perf_level = 1".into()],
            keep_lowest: None,
            min_groups,
            max_groups,
            min_size: min,
            max_size: max,
        }
    }

    #[test]
    fn group_counts_and_what_would_fit() {
        let r = rules(2, 3, 15, 20);
        assert_eq!(groups_for(30, &r), Ok(2));
        assert_eq!(groups_for(40, &r), Ok(2));
        assert_eq!(groups_for(45, &r), Ok(3));
        assert_eq!(groups_for(60, &r), Ok(3));
        let few = groups_for(29, &r).unwrap_err();
        assert!(
            few.contains("too few") && few.contains("at least 30"),
            "{few}"
        );
        let many = groups_for(90, &r).unwrap_err();
        assert!(
            many.contains("too many")
                && many.contains("at most 60")
                && many.contains("max_groups to 5"),
            "{many}"
        );
        let gap = groups_for(42, &r).unwrap_err();
        assert!(
            gap.contains("2 groups hold at most 40") && gap.contains("3 groups need at least 45"),
            "{gap}"
        );
    }

    /// Every assignment of `n` points to `g` labelled groups within the size bounds.
    fn brute_force(d: &[Vec<f64>], g: usize, min: usize, max: usize) -> f64 {
        let n = d.len();
        let mut best = f64::INFINITY;
        let mut of = vec![0usize; n];
        loop {
            let mut size = vec![0; g];
            for &c in &of {
                size[c] += 1;
            }
            if size.iter().all(|&s| (min..=max).contains(&s)) {
                best = best.min(pair_sum(d, &of));
            }
            let mut i = 0;
            while i < n && of[i] == g - 1 {
                of[i] = 0;
                i += 1;
            }
            if i == n {
                return best;
            }
            of[i] += 1;
        }
    }

    #[test]
    fn grouping_matches_brute_force_on_small_cases() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..12 {
            let n = 7 + case % 4;
            let (g, min, max) = if case % 2 == 0 { (2, 3, 6) } else { (3, 2, 4) };
            if !(g * min <= n && n <= g * max) {
                continue;
            }
            let points: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.random_range(0.0..20.0), rng.random_range(0.0..20.0)])
                .collect();
            let d: Vec<Vec<f64>> = points
                .iter()
                .map(|&a| points.iter().map(|&b| dist(a, b)).collect())
                .collect();
            let of = group(&points, g, min, max, 2018);
            let mut size = vec![0; g];
            for &c in &of {
                size[c] += 1;
            }
            assert!(
                size.iter().all(|&s| (min..=max).contains(&s)),
                "case {case}: {size:?}"
            );
            let exact = brute_force(&d, g, min, max);
            assert!(
                (pair_sum(&d, &of) - exact).abs() < 1e-6,
                "case {case}: {} vs {exact}",
                pair_sum(&d, &of)
            );
        }
    }

    #[test]
    fn distant_clusters_are_kept_apart() {
        // Two tight clusters of 5, 100 km apart, listed interleaved.
        let points: Vec<[f64; 2]> = (0..10)
            .map(|i| [if i % 2 == 0 { 0.0 } else { 100.0 }, i as f64 * 0.1])
            .collect();
        let of = group(&points, 2, 5, 5, 1);
        for i in 0..10 {
            assert_eq!(of[i], of[i % 2], "point {i}");
        }
        assert_ne!(of[0], of[1]);
    }
}
