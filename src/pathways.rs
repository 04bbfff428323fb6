//! Feeder pathways ("families of schools"): a high school with every school that feeds it, kept whole.
//!
//! Built from the table's `feeds_into` links (supplied by a district, or derived by `import cde` and marked
//! in `feeds_into_source`). The rules, which the report repeats to its readers:
//!
//! 1. A school with a `feeds_into` link belongs to the pathway of the school it feeds, and so on up the
//!    chain: an elementary school that feeds a middle school that feeds a high school is in that high
//!    school's pathway. The school at the top of a chain (normally a high school; sometimes a 6-12 or K-12
//!    span school) names the pathway.
//! 2. A school that has no link and that no school feeds (most charter, continuation, special-education and
//!    option schools) belongs to no pathway. It is planned on its own, by geography, as in neighborhood mode.
//! 3. Co-located schools stay together: when one campus holds schools of two pathways, the two pathways are
//!    merged into one planning unit, and the report lists the merge.
//! 4. A pathway named in the scenario's `pathways.split` list is split into its top school and the
//!    sub-pathways of the schools that feed it directly (for a pathway too large for any network).
//!
//! The table gives each school one `feeds_into`; a school whose students go on to several schools is
//! linked to the one most of them attend, so no school belongs to two pathways.

use crate::plan_file::{FeederLinks, PathwaySummary};
use crate::schools::{Level, SchoolTable};
use crate::units::Units;
use petgraph::unionfind::UnionFind;
use std::collections::BTreeMap;

/// One planning unit of feeder mode: a whole pathway (or several merged by a shared campus), or a school
/// in no pathway with its campus.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pathway {
    /// Indices of the top schools of the pathways it holds (one, unless campuses merged several); empty
    /// for a campus of schools in no pathway.
    pub tops: Vec<usize>,
    /// Campus units (indices into the campus [`Units`]) it holds, ascending.
    pub campuses: Vec<usize>,
}

/// The pathways of a table, as planning units over its campuses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pathways {
    /// Planning unit of each campus.
    pub of_campus: Vec<usize>,
    pub units: Vec<Pathway>,
    pub summary: PathwaySummary,
}

impl Pathways {
    /// Groups the table's campuses into pathway units. `split` lists top-school ids whose pathways are split
    /// into sub-pathways (rule 4).
    pub fn build(table: &SchoolTable, campuses: &Units, split: &[String]) -> Pathways {
        let n = table.schools.len();
        let index = table.index();
        let target = feeder_targets(table);
        let split_set: Vec<usize> = split
            .iter()
            .filter_map(|id| index.get(id.as_str()).copied())
            .collect();
        // Links into a split top are not followed: its direct feeders top their own sub-pathways.
        let link = |i: usize| target[i].filter(|t| !split_set.contains(t));
        let mut fed = vec![false; n];
        for i in 0..n {
            if let Some(t) = link(i) {
                fed[t] = true;
            }
        }
        // Top of each school's pathway; `None` for a school in no pathway (no link, nothing feeds it).
        let top_of_school: Vec<Option<usize>> = (0..n)
            .map(|i| {
                let x = chain_top(&link, i, n);
                (x != i || fed[i]).then_some(x)
            })
            .collect();

        let mut summary = PathwaySummary::default();
        for (i, s) in table.schools.iter().enumerate() {
            match top_of_school[i] {
                Some(t) if t == i => {
                    summary.pathways += 1;
                    if s.level == Level::High {
                        summary.topped_by_high += 1;
                    } else {
                        summary
                            .other_tops
                            .insert(s.id.clone(), s.level.as_str().into());
                    }
                }
                Some(_) if s.level == Level::Span => {
                    summary.span_schools_in_pathways.push(s.id.clone());
                }
                _ => {}
            }
        }
        summary.schools_in_pathways = top_of_school.iter().flatten().count();
        summary.schools_without_pathway = n - summary.schools_in_pathways;
        for id in split {
            match index.get(id.as_str()) {
                Some(&t) if target.contains(&Some(t)) => summary.split.push(id.clone()),
                _ => summary.split_not_found.push(id.clone()),
            }
        }

        // Campuses of one pathway join; a campus with schools of two pathways joins them (rule 3).
        let m = campuses.len();
        let mut uf = UnionFind::<usize>::new(m);
        let mut campus_of_top: BTreeMap<usize, usize> = BTreeMap::new();
        for (i, top) in top_of_school.iter().enumerate() {
            if let Some(t) = top {
                let c = campuses.of_school[i];
                match campus_of_top.get(t) {
                    Some(&c0) => {
                        uf.union(c0, c);
                    }
                    None => {
                        campus_of_top.insert(*t, c);
                    }
                }
            }
        }
        let mut unit_of_root: BTreeMap<usize, usize> = BTreeMap::new();
        let mut units: Vec<Pathway> = Vec::new();
        let mut of_campus = vec![0; m];
        for (c, slot) in of_campus.iter_mut().enumerate() {
            let root = uf.find(c);
            let u = *unit_of_root.entry(root).or_insert_with(|| {
                units.push(Pathway {
                    tops: Vec::new(),
                    campuses: Vec::new(),
                });
                units.len() - 1
            });
            *slot = u;
            units[u].campuses.push(c);
        }
        for (&t, &c) in &campus_of_top {
            units[of_campus[c]].tops.push(t);
        }
        for u in &mut units {
            u.tops.sort_unstable();
            if u.tops.len() > 1 {
                summary.merged_by_campus.push(
                    u.tops
                        .iter()
                        .map(|&t| table.schools[t].id.clone())
                        .collect(),
                );
            }
        }
        summary.units = units.len();
        Pathways {
            of_campus,
            units,
            summary,
        }
    }

    /// Names a planning unit for messages: "the pathway of Grant High (19647331932334), 16 schools".
    pub fn describe(&self, table: &SchoolTable, campuses: &Units, u: usize) -> String {
        let p = &self.units[u];
        let schools: usize = p
            .campuses
            .iter()
            .map(|&c| campuses.units[c].schools.len())
            .sum();
        let tops: Vec<String> = p
            .tops
            .iter()
            .map(|&t| format!("{} ({})", table.schools[t].name, table.schools[t].id))
            .collect();
        match tops.len() {
            0 => campuses.describe(table, p.campuses[0]),
            1 => format!("the pathway of {}, {schools} schools", tops[0]),
            _ => format!(
                "the pathways of {} (merged: they share a campus), {schools} schools",
                tops.join(" and ")
            ),
        }
    }
}

/// The school each school feeds (`feeds_into` as a school index; `None` without a link). Validation has
/// already rejected links to unknown schools.
pub(crate) fn feeder_targets(table: &SchoolTable) -> Vec<Option<usize>> {
    let index = table.index();
    table
        .schools
        .iter()
        .map(|s| s.feeds_into.as_deref().and_then(|t| index.get(t).copied()))
        .collect()
}

/// The school at the top of `i`'s chain of links (`i` itself without a link). Validation rejects cycles;
/// the limit of `n` steps only guards against a bug.
fn chain_top(link: &dyn Fn(usize) -> Option<usize>, i: usize, n: usize) -> usize {
    let mut x = i;
    for _ in 0..n {
        match link(x) {
            Some(t) => x = t,
            None => break,
        }
    }
    x
}

/// Counts the feeder links a school → network assignment cuts, and the pathways it splits.
pub fn feeder_links(table: &SchoolTable, school_network: &[usize]) -> FeederLinks {
    let target = feeder_targets(table);
    let link = |i: usize| target[i];
    let mut out = FeederLinks::default();
    // Networks of each pathway, keyed by its top school.
    let mut networks_of_top: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, t) in target.iter().enumerate() {
        let Some(t) = *t else { continue };
        out.links += 1;
        out.cut += usize::from(school_network[i] != school_network[t]);
        let top = chain_top(&link, t, target.len());
        let nets = networks_of_top.entry(top).or_default();
        nets.push(school_network[i]);
        nets.push(school_network[top]);
    }
    out.pathways = networks_of_top.len();
    for v in networks_of_top.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    out.pathways_split = networks_of_top.values().filter(|v| v.len() > 1).count();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schools::read_table;

    /// (id, lat, level, feeds_into, campus) rows at distinct points along a line.
    fn table(rows: &[(&str, f64, &str, &str, &str)]) -> SchoolTable {
        let mut text = crate::schools::COLUMNS.join(",");
        for (id, lat, level, feeds, campus) in rows {
            text.push_str(&format!(
                "\n{id},S{id},{lat},-118.0,100,{level},K,5,traditional,no,no,,,,,,,,,,,,,,{feeds},{campus}"
            ));
        }
        read_table("t", text.as_bytes()).unwrap()
    }

    #[test]
    fn chains_join_their_top_and_unlinked_schools_stand_alone() {
        let t = table(&[
            ("h1", 34.00, "high", "", ""),
            ("m1", 34.01, "middle", "h1", ""),
            ("e1", 34.02, "elementary", "m1", ""),
            ("e2", 34.03, "elementary", "m1", ""),
            ("h2", 34.10, "high", "", ""),
            ("k8", 34.11, "span", "h2", ""),
            ("c1", 34.20, "elementary", "", ""),
        ]);
        let campuses = Units::build(&t);
        let p = Pathways::build(&t, &campuses, &[]);
        assert_eq!(p.units.len(), 3);
        assert_eq!(p.units[0].tops, vec![0]);
        assert_eq!(p.units[0].campuses, vec![0, 1, 2, 3]);
        assert_eq!(p.units[1].campuses, vec![4, 5]);
        assert!(p.units[2].tops.is_empty(), "c1 is in no pathway");
        assert_eq!(p.summary.pathways, 2);
        assert_eq!(p.summary.topped_by_high, 2);
        assert_eq!(p.summary.schools_without_pathway, 1);
        assert_eq!(p.summary.span_schools_in_pathways, vec!["k8".to_string()]);
    }

    #[test]
    fn a_shared_campus_merges_pathways_and_split_separates_feeders() {
        let t = table(&[
            ("h1", 34.00, "high", "", ""),
            ("m1", 34.01, "middle", "h1", "x"),
            ("h2", 34.10, "high", "", ""),
            ("e2", 34.11, "elementary", "h2", "x"),
            ("m3", 34.20, "middle", "h1", ""),
        ]);
        let campuses = Units::build(&t);
        let merged = Pathways::build(&t, &campuses, &[]);
        assert_eq!(merged.units.len(), 1);
        assert_eq!(merged.units[0].tops, vec![0, 2]);
        assert_eq!(
            merged.summary.merged_by_campus,
            vec![vec!["h1".to_string(), "h2".to_string()]]
        );
        // Splitting h1: m1 (with its campus, hence h2's pathway) and m3 become separate units from h1.
        let split = Pathways::build(&t, &campuses, &["h1".into(), "nope".into()]);
        assert_eq!(split.summary.split, vec!["h1".to_string()]);
        assert_eq!(split.summary.split_not_found, vec!["nope".to_string()]);
        assert_eq!(split.units.len(), 3, "{:?}", split.units);
    }

    #[test]
    fn feeder_links_count_cuts_and_split_pathways() {
        let t = table(&[
            ("h1", 34.00, "high", "", ""),
            ("m1", 34.01, "middle", "h1", ""),
            ("e1", 34.02, "elementary", "m1", ""),
            ("h2", 34.10, "high", "", ""),
            ("e2", 34.11, "elementary", "h2", ""),
        ]);
        let whole = feeder_links(&t, &[0, 0, 0, 1, 1]);
        assert_eq!(
            (whole.links, whole.cut, whole.pathways_split, whole.pathways),
            (3, 0, 0, 2)
        );
        let cut = feeder_links(&t, &[0, 0, 1, 1, 1]);
        assert_eq!((cut.cut, cut.pathways_split), (1, 1));
    }
}
