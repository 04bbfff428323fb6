//! Pins: the planner's "these schools belong together" and "this school stays where it is".
//!
//! A pins file is a CSV with columns `id,network` (others, such as a school name for the reader, are
//! ignored). The `network` value is a **label**: schools with one label end up in one network, different
//! labels in different networks, and the network that holds a label is named after it. A school in no row
//! is free. A campus (or, in feeder mode, a pathway) is planned whole, so pinning one of its schools pins
//! it all; pinning two of its schools to different labels is an error naming both rows.
//!
//! Parsing is pure ([`Pins::parse`]); the file is read by the `inputs` edge of the house. The solver sees pins only as
//! the network each unit must be in ([`crate::solver::Problem::pins`]); [`held`] measures the finished
//! plan against them.

use crate::error::{Amount, Proof};
use crate::error::{Error, Problem, Result};
use crate::plan_file::{PinRow, PinnedNetwork};
use crate::schools::SchoolTable;
use std::collections::BTreeMap;

/// Whether `label` has the shape of a network id (`N` and digits, any case): the plan numbers its networks
/// so, and a label of that shape would name another network than the one that id means on the map.
fn is_network_id(label: &str) -> bool {
    let mut chars = label.chars();
    matches!(chars.next(), Some('N' | 'n')) && label.len() > 1 && chars.all(|c| c.is_ascii_digit())
}

/// Longest label: it becomes a network's name on maps and in reports.
pub const MAX_LABEL_CHARS: usize = 60;

/// Most rows a pins file may hold (a district pins dozens; a table has at most 100,000 schools).
const MAX_ROWS: usize = 100_000;

/// The pins of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Pins {
    /// The file they were read from (or the plan they were carried over from), for messages and plan.json.
    pub source: String,
    /// SHA-256 of the file's bytes (set by the reader, `inputs::load_pins`).
    pub sha256: String,
    pub rows: Vec<PinRow>,
}

impl Pins {
    /// Parses a pins CSV; `source` names it in messages. Every problem in the file is reported at once.
    pub fn parse(source: &str, bytes: &[u8]) -> Result<Pins> {
        let fix_header = "the first row must name the columns `id` and `network`, for example:\nid,network\n19647331932334,Harbor";
        crate::limits::check_start(source, bytes, &crate::limits::PINS)?;
        let unreadable = |e: csv::Error, fix: &str| {
            Error::Input(vec![crate::limits::csv_problem(
                source,
                &e,
                &crate::limits::PINS,
                fix,
            )])
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(crate::limits::csv_text(bytes));
        let headers = rdr
            .headers()
            .map_err(|e| unreadable(e, fix_header))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (Some(id_col), Some(label_col)) = (column("id"), column("network")) else {
            return Err(Error::input(
                source,
                Some(1),
                None,
                format!(
                    "the header is `{}`; it needs the columns `id` and `network`",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
                fix_header,
            ));
        };
        let mut problems = Vec::new();
        let mut rows: Vec<PinRow> = Vec::new();
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        // Each label by how it reads (case and spacing aside): its first spelling and line.
        let mut spellings: BTreeMap<String, (String, u64)> = BTreeMap::new();
        for record in rdr.records() {
            let record = record
                .map_err(|e| unreadable(e, "save the file as CSV (UTF-8), one pin per row"))?;
            let line = record.position().map_or(0, |p| p.line());
            if rows.len() >= MAX_ROWS {
                return Err(Error::input(
                    source,
                    Some(line),
                    None,
                    format!("more than {MAX_ROWS} pins"),
                    "pin the schools that must be placed, not the whole table",
                ));
            }
            if record.iter().all(str::is_empty) {
                continue;
            }
            let id = record.get(id_col).unwrap_or("").to_string();
            let label = record.get(label_col).unwrap_or("").to_string();
            let problem = |field: &str, what: String, fix: &str| Problem {
                file: source.to_string(),
                line: Some(line),
                field: Some(field.to_string()),
                what,
                fix: fix.to_string(),
            };
            if id.is_empty() {
                problems.push(problem(
                    "id",
                    "empty id".into(),
                    "give the school's id as the school table writes it",
                ));
                continue;
            }
            if label.is_empty() {
                problems.push(problem(
                    "network",
                    format!("school {id} has an empty label"),
                    "give the name of the network it belongs to, for example Harbor; schools with one label share a network",
                ));
                continue;
            }
            if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
                problems.push(problem(
                    "network",
                    format!("the label {label:?} is longer than {MAX_LABEL_CHARS} characters or holds a control character"),
                    "labels name networks on the map: keep them short, such as Harbor or East Valley",
                ));
                continue;
            }
            if is_network_id(&label) {
                problems.push(problem(
                    "network",
                    format!("the label {label:?} reads as a network's id (N01, N02, ...), which the plan gives by position, so it would name one network while the map's {label} is another"),
                    "give the network a name instead, such as Harbor or East Valley; to keep a school in the network of an adopted plan, use that network's name from its report",
                ));
                continue;
            }
            if let Some(first) = seen.get(&id) {
                problems.push(problem(
                    "id",
                    format!("school {id} is pinned twice (first on line {first})"),
                    "pin each school once",
                ));
                continue;
            }
            // `Harbor` and `harbor` would be two networks of one name on the map: refused, both rows named,
            // rather than merged, since only the planner knows whether one is a typo of the other.
            let reads_as = label
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            match spellings.get(&reads_as) {
                Some((first, at)) if *first != label => {
                    problems.push(problem(
                        "network",
                        format!("the label {label:?} differs from {first:?} (line {at}) only in capitals or spaces: as written they are two labels, so two networks with one name"),
                        &format!("write the label one way on every row (for one network: {first:?} on both lines), or give the two networks names that differ in letters"),
                    ));
                    continue;
                }
                Some(_) => {}
                None => {
                    spellings.insert(reads_as, (label.clone(), line));
                }
            }
            seen.insert(id.clone(), line);
            rows.push(PinRow { line, id, label });
        }
        if !problems.is_empty() {
            return Err(Error::Input(problems));
        }
        if rows.is_empty() {
            return Err(Error::input(
                source,
                None,
                None,
                "the file pins no school",
                "add rows `id,network`, one per school to pin, or leave --pins out",
            ));
        }
        Ok(Pins {
            source: source.to_string(),
            sha256: String::new(),
            rows,
        })
    }

    /// The distinct labels, in the order they first appear.
    pub fn labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for r in &self.rows {
            if !labels.contains(&r.label) {
                labels.push(r.label.clone());
            }
        }
        labels
    }

    /// Each school's label (an index into [`Pins::labels`]) and the row that pinned it; every id must be in
    /// the table.
    pub fn of_schools(&self, table: &SchoolTable) -> Result<Vec<Option<(usize, usize)>>> {
        let labels = self.labels();
        let index = table.index();
        let mut out = vec![None; table.schools.len()];
        let mut problems = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            match index.get(row.id.as_str()) {
                Some(&i) => {
                    let l = labels.iter().position(|x| x == &row.label).expect("listed");
                    out[i] = Some((l, r));
                }
                None => problems.push(Problem {
                    file: self.source.clone(),
                    line: (row.line > 0).then_some(row.line),
                    field: Some("id".into()),
                    what: format!("school {} is not in the school table {}", row.id, table.source),
                    fix: "use the ids of the table's `id` column (CDS codes for CDE data); `schoolnets validate` lists the table".into(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::Input(problems))
        }
    }

    /// Each planning unit's label, from the schools' labels: a unit takes the label of any school in it,
    /// and two labels in one unit are an error naming both rows. `of_school` gives each school's unit;
    /// `what` names the units ("campus", "feeder pathway"); `describe` names a unit.
    pub fn of_units(
        &self,
        school_label: &[Option<(usize, usize)>],
        of_school: &[usize],
        units: usize,
        what: &str,
        describe: &dyn Fn(usize) -> String,
    ) -> Result<Vec<Option<usize>>> {
        let mut out: Vec<Option<(usize, usize)>> = vec![None; units];
        let mut problems = Vec::new();
        for (i, pin) in school_label.iter().enumerate() {
            let Some((l, r)) = *pin else { continue };
            let u = of_school[i];
            match out[u] {
                None => out[u] = Some((l, r)),
                Some((l0, r0)) if l0 != l => {
                    // Reported at the later row, naming the earlier.
                    let (a, b) = if self.rows[r0].line <= self.rows[r].line {
                        (&self.rows[r0], &self.rows[r])
                    } else {
                        (&self.rows[r], &self.rows[r0])
                    };
                    problems.push(Problem {
                        file: self.source.clone(),
                        line: (b.line > 0).then_some(b.line),
                        field: Some("network".into()),
                        what: format!(
                            "school {} is pinned to {:?} but school {} (line {}) of the same {what} is pinned to {:?}: {}",
                            b.id, b.label, a.id, a.line, a.label, describe(u)
                        ),
                        fix: format!("a {what} is planned whole: give both rows one label, or remove one"),
                    });
                }
                Some(_) => {}
            }
        }
        if problems.is_empty() {
            Ok(out.into_iter().map(|x| x.map(|(l, _)| l)).collect())
        } else {
            Err(Error::Input(problems))
        }
    }
}

/// The pins' arithmetic, before any search: no more labels than networks, no label with more schools or
/// students than one network may hold, no label with schools on two sides of a barrier (`side` gives each
/// unit's side, when there are barriers; `row_unit` each row's unit). Each proof names the label, the rows
/// and the numbers.
pub(crate) fn conflicts(
    pins: &Pins,
    p: &crate::solver::Problem,
    labels: &[String],
    of_unit: &[Option<usize>],
    row_unit: &[usize],
    side: Option<&[usize]>,
) -> Vec<Proof> {
    let mut out = Vec::new();
    let proof = |need: Amount, have: Amount, reason: String| Proof {
        rule: "pins".into(),
        settings: vec!["pins".into()],
        need,
        have,
        reason,
        nearest: Vec::new(),
    };
    if labels.len() > p.k {
        out.push(proof(
            Amount::new(p.k as f64, "labels"),
            Amount::new(labels.len() as f64, "labels"),
            format!(
                "{} has {} labels but the plan has {} networks, and each label needs a network of its own: use at most {} labels, or ask for {} networks (--networks {})",
                pins.source,
                labels.len(),
                p.k,
                p.k,
                labels.len(),
                labels.len()
            ),
        ));
    }
    let lines = |l: usize| -> String {
        let ls: Vec<String> = pins
            .rows
            .iter()
            .filter(|r| r.label == labels[l] && r.line > 0)
            .map(|r| r.line.to_string())
            .collect();
        match ls.len() {
            0 => String::new(),
            n if n <= 6 => format!(" (lines {})", ls.join(", ")),
            n => format!(" (lines {} and {} more)", ls[..6].join(", "), n - 6),
        }
    };
    let size = p.limits.size();
    for (li, label) in labels.iter().enumerate() {
        let units: Vec<usize> = (0..of_unit.len())
            .filter(|&u| of_unit[u] == Some(li))
            .collect();
        let schools: u32 = units.iter().map(|&u| p.units[u].schools).sum();
        let students: f64 = units.iter().map(|&u| p.units[u].enrollment).sum();
        if schools > size.max_schools {
            out.push(proof(
                Amount::new(f64::from(size.max_schools), "schools"),
                Amount::new(f64::from(schools), "schools"),
                format!(
                    "label {label:?}{} pins {schools} schools with their campuses, more than a network may hold (size.max_schools = {}): split the label in two, or raise the bound (--max-schools {schools})",
                    lines(li),
                    size.max_schools
                ),
            ));
        }
        if students > size.max_enrollment {
            out.push(proof(
                Amount::new(size.max_enrollment.floor(), "students"),
                Amount::new(students, "students"),
                format!(
                    "label {label:?}{} pins {} students, more than a network may hold ({} under the enrollment band): split the label in two, or widen the band (--tolerance)",
                    lines(li),
                    crate::text::thousands(students),
                    crate::text::thousands(size.max_enrollment.floor())
                ),
            ));
        }
        if let Some(side) = side {
            let rows: Vec<usize> = (0..pins.rows.len())
                .filter(|&r| pins.rows[r].label == *label)
                .collect();
            let first = rows[0];
            if let Some(&other) = rows
                .iter()
                .find(|&&r| side[row_unit[r]] != side[row_unit[first]])
            {
                let (a, b) = (&pins.rows[first], &pins.rows[other]);
                out.push(proof(
                    Amount::new(1.0, "sides of the barriers"),
                    Amount::new(2.0, "sides of the barriers"),
                    format!(
                        "label {label:?} pins schools on two sides of a barrier: school {} (line {}) and school {} (line {}) can be joined only by crossing it; give them different labels, or change the barrier",
                        a.id, a.line, b.id, b.line
                    ),
                ));
            }
        }
    }
    out
}

/// Which labels a finished plan holds: each label's schools in one network, and no two labels in one.
pub struct Held {
    /// Labels not held.
    pub broken: usize,
    /// Networks involved in a label not held, sorted.
    pub failing: Vec<String>,
    /// Each label's network.
    pub groups: Vec<PinnedNetwork>,
}

/// The labels a finished plan holds. `school_label` gives each school's label (campus members included);
/// `ids` names the networks.
pub fn held(
    labels: &[String],
    school_label: &[Option<usize>],
    school_network: &[usize],
    ids: &[String],
) -> Held {
    let k = ids.len();
    let mut count = vec![BTreeMap::<usize, usize>::new(); labels.len()];
    for (i, l) in school_label.iter().enumerate() {
        if let Some(l) = l {
            *count[*l].entry(school_network[i]).or_default() += 1;
        }
    }
    // The network holding most of each label's schools (ties: the lower index).
    let home: Vec<Option<usize>> = count
        .iter()
        .map(|c| {
            c.iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&n, _)| n)
        })
        .collect();
    let mut labels_in = vec![0usize; k];
    for n in home.iter().flatten() {
        labels_in[*n] += 1;
    }
    let mut failing = Vec::new();
    let groups: Vec<PinnedNetwork> = labels
        .iter()
        .enumerate()
        .map(|(l, label)| {
            let schools: usize = count[l].values().sum();
            let held = count[l].len() == 1 && home[l].is_some_and(|n| labels_in[n] == 1);
            if !held {
                failing.extend(count[l].keys().map(|&n| ids[n].clone()));
            }
            PinnedNetwork {
                label: label.clone(),
                network: home[l].map_or_else(String::new, |n| ids[n].clone()),
                schools,
                held,
            }
        })
        .collect();
    failing.sort();
    failing.dedup();
    Held {
        broken: groups.iter().filter(|g| !g.held).count(),
        failing,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_with_located_errors() {
        let p = Pins::parse(
            "p.csv",
            b"id,network,name\n1,Harbor,San Pedro\n2, Harbor ,Banning\n3,East,\n",
        )
        .unwrap();
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[1].label, "Harbor");
        assert_eq!(p.rows[2].line, 4);
        assert_eq!(p.labels(), vec!["Harbor".to_string(), "East".to_string()]);
        let err = Pins::parse("p.csv", b"id,network\n1,\n,East\n1,West\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p.csv, line 2") && err.contains("empty label"),
            "{err}"
        );
        assert!(err.contains("line 3") && err.contains("empty id"), "{err}");
        let err = Pins::parse("p.csv", b"school,label\n1,A\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs the columns `id` and `network`"),
            "{err}"
        );
        let err = Pins::parse("p.csv", b"id,network\n1,A\n1,B\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("pinned twice (first on line 2)"), "{err}");
    }

    #[test]
    fn the_check_counts_split_and_shared_labels() {
        let labels = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let ids: Vec<String> = (1..=3).map(|i| format!("N{i}")).collect();
        // A in N1; B split over N2 and N3; C in N3 alone... but B's home is N2 (lower index on a tie).
        let school_label = [Some(0), Some(0), Some(1), Some(1), Some(2), None];
        let school_network = [0, 0, 1, 2, 2, 1];
        let h = held(&labels, &school_label, &school_network, &ids);
        assert_eq!(h.broken, 1);
        assert_eq!(h.failing, ["N2", "N3"]);
        let groups = h.groups;
        assert!(groups[0].held && !groups[1].held && groups[2].held);
        assert_eq!(groups[1].network, "N2");
        let h = held(&labels, &school_label, &[0, 0, 1, 1, 2, 0], &ids);
        assert_eq!(h.broken, 0);
        // Two labels in one network: neither is held.
        let groups = held(&labels, &school_label, &[0, 0, 0, 0, 2, 0], &ids).groups;
        assert!(!groups[0].held && !groups[1].held && groups[2].held);
    }
}
