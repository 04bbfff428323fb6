//! `schoolnets validate`: checks a school table as a whole and summarises it.
//!
//! Field-level problems (a negative enrollment, a latitude that is not a number) are caught when the table
//! is read ([`crate::schools::read_table`]); this module checks what needs the whole table: unique ids,
//! feeder links, coordinates far from the others, and schools outside the district outline.

use crate::error::Problem;
use crate::geography::{haversine_km, Outline};
use crate::schools::{grade_number, Level, SchoolTable};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// The outcome of validation.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Problems that make the table unusable for planning.
    pub errors: Vec<Problem>,
    /// Things a planner should know but that do not stop planning.
    pub warnings: Vec<String>,
    /// A human-readable summary of the table.
    pub summary: String,
}

/// Distance from the median position above which a school is "far outside the others", km: the larger of
/// this and ten times the median distance of all schools from that position
/// ([`crate::geography::far_from_the_others`]).
pub(crate) const MIN_OUTLIER_KM: f64 = 100.0;

/// Validates a loaded table.
/// Ethnicity counts may exceed the enrollment by this share and this many students before the row is an
/// error: they are often from another census day or school year (LAUSD's 2020-21 table carries 2018-19
/// counts, up to 1.8 times a shrunken school's enrollment), but not from another school.
const ETHNICITY_SLACK: f64 = 1.0;
const ETHNICITY_SLACK_STUDENTS: f64 = 100.0;

pub fn validate(table: &SchoolTable, outline: Option<&Outline>) -> Validation {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let src = table.source.as_str();
    let problem = |i: usize, field: &str, what: String, fix: &str| Problem {
        file: src.into(),
        line: table.line(i),
        field: Some(field.into()),
        what,
        fix: fix.into(),
    };

    // Unique ids.
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in table.schools.iter().enumerate() {
        if let Some(&j) = first_seen.get(s.id.as_str()) {
            errors.push(problem(
                i,
                "id",
                format!(
                    "id '{}' is used twice (also on line {})",
                    s.id,
                    table.line(j).unwrap_or(0)
                ),
                "give each school its own id; if these are the same school, delete one row",
            ));
        } else {
            first_seen.insert(&s.id, i);
        }
    }

    // Feeder links: known target, not itself, no cycles.
    let index = table.index();
    for (i, s) in table.schools.iter().enumerate() {
        if let Some(t) = &s.feeds_into {
            if t == &s.id {
                errors.push(problem(
                    i,
                    "feeds_into",
                    format!("school '{}' feeds into itself", s.id),
                    "leave feeds_into empty for a school at the end of a pathway",
                ));
            } else if !index.contains_key(t.as_str()) {
                errors.push(problem(
                    i,
                    "feeds_into",
                    format!("'{t}' is not the id of any school in the table"),
                    "use the id of the school most students go on to, or leave it empty",
                ));
            }
        }
    }
    let mut state = vec![0u8; table.schools.len()]; // 0 new, 1 on current path, 2 done
    for start in 0..table.schools.len() {
        let mut path = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            if state[i] == 2 {
                break;
            }
            if state[i] == 1 {
                let pos = path.iter().position(|&p| p == i).unwrap_or(0);
                let cycle: Vec<&str> = path[pos..]
                    .iter()
                    .map(|&p: &usize| table.schools[p].id.as_str())
                    .collect();
                errors.push(problem(
                    i,
                    "feeds_into",
                    format!(
                        "feeder links form a cycle: {} → {}",
                        cycle.join(" → "),
                        table.schools[i].id
                    ),
                    "a pathway must end at a school that feeds nowhere; remove one of these links",
                ));
                break;
            }
            state[i] = 1;
            path.push(i);
            cur = table.schools[i]
                .feeds_into
                .as_ref()
                .and_then(|t| index.get(t.as_str()).copied())
                .filter(|&j| j != i);
        }
        for p in path {
            state[p] = 2;
        }
    }

    // Coordinates far from the others.
    if table.schools.len() >= 3 {
        let points: Vec<(f64, f64)> = table.schools.iter().map(|s| (s.lat, s.lon)).collect();
        for (i, d, half) in crate::geography::far_from_the_others(&points, MIN_OUTLIER_KM) {
            errors.push(problem(
                i,
                "lat",
                format!(
                    "{} is {:.0} km from the middle of the other schools (half are within {:.0} km)",
                    crate::text::echo_position(table.schools[i].lat, table.schools[i].lon),
                    d,
                    half
                ),
                "check the coordinates: a missing minus sign, swapped lat/lon, or 0,0 for an unknown address",
            ));
        }
        if points.iter().all(|p| *p == points[0]) {
            warnings.push(
                "every school has the same coordinates: the table cannot be split by geography"
                    .into(),
            );
        }
    }

    // Rows that contradict themselves.
    for (i, s) in table.schools.iter().enumerate() {
        if let (Some(lo), Some(hi)) = (grade_number(&s.grade_low), grade_number(&s.grade_high)) {
            let contradiction = if lo > hi {
                Some(format!(
                    "grade_low {} is above grade_high {}",
                    s.grade_low, s.grade_high
                ))
            } else {
                let serves = format!("grades {}-{}", s.grade_low, s.grade_high);
                match s.level {
                    Level::High if hi < 9 => Some(format!(
                        "level is high but it serves {serves}, no grade 9-12"
                    )),
                    Level::Elementary if lo > 6 => Some(format!(
                        "level is elementary but it serves {serves}, no grade K-6"
                    )),
                    Level::Middle if hi < 5 || lo > 9 => Some(format!(
                        "level is middle but it serves {serves}, no grade 5-9"
                    )),
                    _ => None,
                }
            };
            if let Some(what) = contradiction {
                errors.push(problem(
                    i,
                    "level",
                    what,
                    "correct the level or the grades: elementary serves up to grade 6, middle grades within 5-9, high from grade 9, span crosses bands",
                ));
            }
        }
        let counted: u64 = s.ethnicity.iter().flatten().map(|&c| u64::from(c)).sum();
        let allowed = f64::from(s.enrollment) * (1.0 + ETHNICITY_SLACK) + ETHNICITY_SLACK_STUDENTS;
        if counted as f64 > allowed {
            errors.push(problem(
                i,
                "hispanic",
                format!(
                    "the ethnicity counts add up to {} students, more than the enrollment of {} allows (counts from another day or year may exceed it by {:.0}% and {ETHNICITY_SLACK_STUDENTS} students)",
                    crate::text::thousands(counted as f64),
                    crate::text::thousands(f64::from(s.enrollment)),
                    100.0 * ETHNICITY_SLACK
                ),
                "check the ethnicity columns: they count students of this school, by group, and cannot exceed its enrollment",
            ));
        }
        if s.name
            .chars()
            .chain(s.id.chars())
            .any(crate::text::is_stray_control)
        {
            warnings.push(format!(
                "line {}: the id or name holds control characters (shown as {}); they are replaced in maps and reports",
                table.line(i).unwrap_or(0),
                crate::text::escape_control(&s.name)
            ));
        }
    }
    if !table.schools.is_empty() && table.schools.iter().all(|s| s.enrollment == 0) {
        errors.push(Problem {
            file: src.into(),
            line: None,
            field: Some("enrollment".into()),
            what: "every school has an enrollment of 0, so no network can be balanced by students"
                .into(),
            fix: "fill in the enrollment column (K-12 students of each school)".into(),
        });
    }
    // A campus is one place.
    let mut by_campus: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in table.schools.iter().enumerate() {
        if let Some(c) = s.campus.as_deref() {
            by_campus.entry(c).or_default().push(i);
        }
    }
    for (campus, members) in &by_campus {
        let widest = members
            .iter()
            .flat_map(|&a| members.iter().map(move |&b| (a, b)))
            .map(|(a, b)| {
                let (x, y) = (&table.schools[a], &table.schools[b]);
                (1000.0 * haversine_km(x.lat, x.lon, y.lat, y.lon), a, b)
            })
            .fold((0.0, 0, 0), |w, d| if d.0 > w.0 { d } else { w });
        if widest.0 > crate::units::CAMPUS_SPAN_M {
            errors.push(problem(
                widest.2,
                "campus",
                format!(
                    "campus '{campus}' joins schools {:.1} km apart (this row and line {}); a campus is one place",
                    widest.0 / 1000.0,
                    table.line(widest.1).unwrap_or(0)
                ),
                "give schools on different sites different campus ids (or fix their coordinates)",
            ));
        }
    }

    // Outside the outline: a few are a warning (coarse outlines miss schools near the edge, and charter
    // schools may stand outside the district they belong to); most of them mean the outline is another
    // district's (an outline left beside a table by an earlier import), another area or projection.
    if let Some(o) = outline {
        let inside = table
            .schools
            .iter()
            .filter(|s| o.contains(s.lat, s.lon))
            .count();
        if !table.schools.is_empty() && inside * 2 < table.schools.len() {
            errors.push(Problem {
                file: o.source.clone(),
                line: None,
                field: None,
                what: format!(
                    "the district outline contains {} of the {} schools of {}",
                    if inside == 0 { "none".to_string() } else { crate::text::thousands(inside as f64) },
                    crate::text::thousands(table.schools.len() as f64),
                    src
                ),
                fix: "check that the outline is this district's, in longitude/latitude (WGS84), and not another area or projection".into(),
            });
        }
        let outside: Vec<String> = table
            .schools
            .iter()
            .filter(|s| !o.contains(s.lat, s.lon))
            .map(|s| format!("{} ({})", s.name, s.id))
            .collect();
        if !outside.is_empty() {
            warnings.push(format!(
                "{} outside the district outline (kept; they join their nearest neighbours): {}",
                if outside.len() == 1 {
                    "1 school lies".to_string()
                } else {
                    format!("{} schools lie", outside.len())
                },
                if outside.len() > 10 {
                    format!(
                        "{}; and {} more",
                        outside[..10].join("; "),
                        outside.len() - 10
                    )
                } else {
                    outside.join("; ")
                }
            ));
        }
    }

    // Missing data (allowed, reported).
    let n = table.schools.len();
    let missing =
        |f: &dyn Fn(&crate::schools::School) -> bool| table.schools.iter().filter(|s| f(s)).count();
    let m_frpm = missing(&|s| s.frpm_pct.is_none());
    let m_ela = missing(&|s| s.ela_dfs.is_none());
    let m_math = missing(&|s| s.math_dfs.is_none());
    let m_perf = missing(&|s| s.perf_level.is_none());
    let m_eth = missing(&|s| s.ethnicity.iter().all(Option::is_none));
    let zero = missing(&|s| s.enrollment == 0);
    if zero > 0 {
        warnings.push(if zero == 1 {
            "1 school has an enrollment of 0".to_string()
        } else {
            format!("{zero} schools have an enrollment of 0")
        });
    }

    // Summary.
    let mut by_level: BTreeMap<Level, usize> = BTreeMap::new();
    let mut by_model: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &table.schools {
        *by_level.entry(s.level).or_default() += 1;
        *by_model.entry(&s.model).or_default() += 1;
    }
    // Campuses as the planner groups them: the same campus id, the same coordinates, or a few metres apart.
    let campuses = crate::units::Units::build(table);
    let shared: Vec<&crate::units::Unit> = campuses
        .units
        .iter()
        .filter(|u| u.schools.len() > 1)
        .collect();
    let links = table
        .schools
        .iter()
        .filter(|s| s.feeds_into.is_some())
        .count();
    let derived_col = table
        .extra_columns
        .iter()
        .position(|c| c == "feeds_into_source");
    let derived = derived_col.map_or(0, |c| {
        table
            .schools
            .iter()
            .filter(|s| s.extra[c].starts_with("derived"))
            .count()
    });

    let mut out = String::new();
    let pct = |m: usize| {
        if n > 0 {
            100.0 * m as f64 / n as f64
        } else {
            0.0
        }
    };
    let _ = writeln!(
        out,
        "{}: {} schools, {} students",
        table.source,
        n,
        crate::text::thousands(table.total_enrollment() as f64)
    );
    let _ = writeln!(
        out,
        "  by level: {}",
        by_level
            .iter()
            .map(|(l, c)| format!("{} {c}", l.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "  by model: {}",
        by_model
            .iter()
            .map(|(m, c)| format!("{m} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "  charter: {}, magnet: {}",
        table.schools.iter().filter(|s| s.charter).count(),
        table.schools.iter().filter(|s| s.magnet).count()
    );
    let cs = &campuses.campus_stats;
    let _ = writeln!(
        out,
        "  shared campuses (planned whole): {} campuses holding {} schools; joined by the campus column {}, by identical coordinates {}, by being within {} m {}",
        cs.shared_campuses,
        cs.schools_on_shared_campuses,
        cs.by_campus_id,
        cs.by_coordinates,
        crate::text::fmt_num(cs.distance_m, 0),
        cs.by_distance
    );
    for u in &shared {
        let names: Vec<&str> = u
            .schools
            .iter()
            .map(|&i| table.schools[i].name.as_str())
            .collect();
        let _ = writeln!(out, "    {}", names.join(" + "));
    }
    let _ = writeln!(
        out,
        "  feeder links: {links} schools have feeds_into{}",
        if derived_col.is_some() {
            format!(" ({derived} derived by distance, not from district records)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "  missing data (allowed; such schools are left out of that figure, never guessed):"
    );
    for (what, m) in [
        ("FRPM share", m_frpm),
        ("ELA distance from standard", m_ela),
        ("math distance from standard", m_math),
        ("performance level", m_perf),
        ("ethnicity counts", m_eth),
    ] {
        let _ = writeln!(out, "    {what}: {m} schools ({:.1}%)", pct(m));
    }
    Validation {
        errors,
        warnings,
        summary: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schools::{read_table, COLUMNS};

    fn table(rows: &[(&str, f64, f64, &str)]) -> SchoolTable {
        let mut text = COLUMNS.join(",");
        for (id, lat, lon, feeds) in rows {
            text.push_str(&format!("\n{id},S{id},{lat},{lon},100,elementary,K,5,traditional,no,no,,,,,,,,,,,,,,{feeds},"));
        }
        read_table("t.csv", text.as_bytes()).unwrap()
    }

    #[test]
    fn a_clean_table_passes_with_a_summary() {
        let v = validate(
            &table(&[
                ("a", 34.0, -118.0, "b"),
                ("b", 34.01, -118.0, ""),
                ("c", 34.02, -118.01, ""),
            ]),
            None,
        );
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert!(
            v.summary.contains("3 schools") && v.summary.contains("feeder links: 1"),
            "{}",
            v.summary
        );
    }

    #[test]
    fn duplicates_unknown_targets_self_links_and_cycles() {
        let t = table(&[
            ("a", 34.0, -118.0, "b"),
            ("b", 34.01, -118.0, "c"),
            ("c", 34.02, -118.0, "a"),
            ("a", 34.03, -118.0, "b"),
            ("d", 34.0, -118.02, "zz"),
            ("e", 34.0, -118.03, "e"),
        ]);
        let v = validate(&t, None);
        let text: Vec<String> = v.errors.iter().map(|p| p.to_string()).collect();
        let all = text.join("\n");
        assert!(
            all.contains("id 'a' is used twice (also on line 2)"),
            "{all}"
        );
        assert!(all.contains("'zz' is not the id"), "{all}");
        assert!(all.contains("feeds into itself"), "{all}");
        assert!(all.contains("cycle: a → b → c → a"), "{all}");
    }

    #[test]
    fn a_school_far_from_the_others_is_an_error() {
        let v = validate(
            &table(&[
                ("a", 34.0, -118.0, ""),
                ("b", 34.01, -118.0, ""),
                ("c", 34.02, -118.0, ""),
                ("d", 0.0, 0.0, ""),
            ]),
            None,
        );
        assert_eq!(v.errors.len(), 1, "{:?}", v.errors);
        assert_eq!(v.errors[0].line, Some(5));
    }
}
