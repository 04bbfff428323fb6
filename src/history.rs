//! A district's enrollment history: each school's students in each school year, read from a history CSV
//! (what `import cde --history` writes), from the CDE's yearly FRPM files, or from the CDE's enrollment by
//! grade files (`enrYYYYYY-vN.txt`), which also give each grade.
//!
//! Pure parsers (text in, [`History`] out); `inputs` reads the files. Every problem names the file, the line
//! and the field: a year that is not a school year, a count that is not a whole number of students, a school
//! given twice for one year, two files of one year, a year missing between two others. What may be real but
//! looks wrong (a school's enrollment jumping threefold, a school whose id seems to change) is a warning.

use crate::error::{Error, Problem, Result};
use crate::limits;
use std::collections::BTreeMap;

/// Grades a grade file gives, in order: K, 1 .. 12.
pub const GRADES: usize = 13;

/// One school's history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchoolHistory {
    pub name: String,
    /// Students in each year of [`History::years`] (`None`: not open, or not in the files that year).
    pub enrollment: Vec<Option<f64>>,
    /// Students by grade (K, 1 .. 12) in each year, where a grade file gave them.
    pub grades: Vec<Option<[f64; GRADES]>>,
}

/// Every school's students, year by year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// School years, oldest first ("2016-17").
    pub years: Vec<String>,
    /// By school id.
    pub schools: BTreeMap<String, SchoolHistory>,
    /// Where each year came from (file names), in year order.
    pub sources: Vec<String>,
    /// What looks wrong but may be real, each naming a file and a line.
    pub warnings: Vec<String>,
}

/// One year's rows of one file, before they are merged.
#[derive(Debug, Clone, Default)]
pub struct YearRows {
    pub year: String,
    pub source: String,
    pub rows: Vec<SchoolRow>,
}

/// One school's row of a year: (id, name, students, students by grade when the file gives them, line).
pub type SchoolRow = (String, String, f64, Option<[f64; GRADES]>, u64);

/// A delimited text's header cells (lower case, trimmed) and its rows with their line numbers.
type Sheet = (Vec<String>, Vec<(u64, csv::StringRecord)>);

/// A school year as written ("2016-17", "2016-2017", "201617", "1617") in its canonical form "2016-17";
/// `None` when it is not one.
pub fn school_year(text: &str) -> Option<String> {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let only = t
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '/' || c == ' ');
    if !only {
        return None;
    }
    let (start, end) = match digits.len() {
        8 => (
            digits[..4].parse::<u32>().ok()?,
            digits[4..].parse::<u32>().ok()? % 100,
        ),
        6 => (
            digits[..4].parse::<u32>().ok()?,
            digits[4..].parse::<u32>().ok()?,
        ),
        4 => (
            2000 + digits[..2].parse::<u32>().ok()?,
            digits[2..].parse::<u32>().ok()?,
        ),
        _ => return None,
    };
    ((1950..2200).contains(&start) && (start + 1) % 100 == end).then(|| format!("{start}-{end:02}"))
}

/// The school year after `year` ("2018-19" → "2019-20").
pub fn next_year(year: &str) -> String {
    let start: u32 = year[..4].parse().unwrap_or(2000) + 1;
    format!("{start}-{:02}", (start + 1) % 100)
}

/// Most students a school can have in a history (the same bound the school table has).
const MAX_STUDENTS: f64 = 100_000.0;

fn located(source: &str, line: u64, field: &str, what: String, fix: &str) -> Problem {
    Problem {
        file: source.to_string(),
        line: Some(line),
        field: Some(field.to_string()),
        what,
        fix: fix.to_string(),
    }
}

/// A count of students: a whole number, at least 0, at most [`MAX_STUDENTS`]; "1,234" accepted.
fn students(text: &str) -> std::result::Result<f64, String> {
    let t: String = text.trim().chars().filter(|c| *c != ',').collect();
    match t.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("{n} students: a count cannot be negative")),
        Ok(n) if n as f64 > MAX_STUDENTS => Err(format!(
            "{n} students: more than any school has (at most {MAX_STUDENTS})"
        )),
        Ok(n) => Ok(n as f64),
        Err(_) if t.parse::<f64>().is_ok() => Err(format!(
            "'{}' is not a whole number of students",
            text.trim()
        )),
        Err(_) => Err(format!("'{}' is not a number of students", text.trim())),
    }
}

/// Reads a delimited text with a header: (header cells, lower case and trimmed, and the rows with their lines).
fn sheet(source: &str, text: &str, delimiter: u8) -> Result<Sheet> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(delimiter != b'\t')
        .flexible(true)
        .from_reader(limits::csv_text(text.as_bytes()));
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            Error::input(
                source,
                Some(1),
                None,
                format!("unreadable header: {e}"),
                "give a text file with a header line",
            )
        })?
        .iter()
        .map(|h| {
            h.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        })
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            Error::input(
                source,
                e.position().map(|p| p.line()),
                None,
                format!("not readable: {e}"),
                "check the quotes on that line",
            )
        })?;
        rows.push((rec.position().map(|p| p.line()).unwrap_or(0), rec));
    }
    Ok((header, rows))
}

fn column(source: &str, header: &[String], names: &[&str], what: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| names.contains(&h.as_str()))
        .ok_or_else(|| {
            Error::input(
                source,
                Some(1),
                Some(names[0]),
                format!("no {what} column (looked for {})", names.join(", ")),
                "give the history as `import cde --history` writes it (year,id,name,enrollment), a CDE FRPM file or a CDE enrollment by grade file",
            )
        })
}

/// Parses a history CSV: columns `year`, `id`, `enrollment` and optionally `name`, one row per school and
/// year (what `import cde --history` writes). Returns one [`YearRows`] per year it holds.
pub fn parse_csv(source: &str, text: &str) -> Result<Vec<YearRows>> {
    let (header, rows) = sheet(source, text, b',')?;
    let (y, id, e) = (
        column(source, &header, &["year"], "year")?,
        column(source, &header, &["id"], "school id")?,
        column(source, &header, &["enrollment"], "enrollment")?,
    );
    let name = header.iter().position(|h| h == "name");
    let mut by_year: BTreeMap<String, YearRows> = BTreeMap::new();
    let mut problems = Vec::new();
    for (line, r) in &rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let Some(year) = school_year(get(y)) else {
            problems.push(located(
                source,
                *line,
                "year",
                format!("'{}' is not a school year", get(y)),
                "write the school year as 2018-19",
            ));
            continue;
        };
        if get(id).is_empty() {
            problems.push(located(
                source,
                *line,
                "id",
                "no school id".into(),
                "give each row the school's id (its CDS code)",
            ));
            continue;
        }
        match students(get(e)) {
            Ok(n) => {
                let entry = by_year.entry(year.clone()).or_insert_with(|| YearRows {
                    year: year.clone(),
                    source: source.to_string(),
                    rows: Vec::new(),
                });
                entry.rows.push((
                    get(id).to_string(),
                    name.map(|i| get(i).to_string()).unwrap_or_default(),
                    n,
                    None,
                    *line,
                ));
            }
            Err(what) => problems.push(located(
                source,
                *line,
                "enrollment",
                what,
                "give the school's students that year as a whole number",
            )),
        }
    }
    if problems.is_empty() {
        Ok(by_year.into_values().collect())
    } else {
        Err(Error::Input(problems))
    }
}

/// The 14-digit CDS code of a school in the CDE's FRPM files, which give its county, district and school
/// codes apart and without their leading zeros (the school table's id, and the directory's code).
pub(crate) fn frpm_cds(county: &str, district: &str, school: &str) -> String {
    format!("{county:0>2}{district:0>5}{school:0>7}")
}

/// Parses a CDE FRPM file (one school year; `Academic Year` gives it), keeping schools whose CDS code starts
/// with `prefix` and that enrolled students (aggregate rows such as "Nonpublic, Nonsectarian Schools" are
/// left out).
pub fn parse_frpm(source: &str, text: &str, prefix: &str) -> Result<YearRows> {
    let (header, rows) = sheet(source, text, b',')?;
    let col = |n: &str| column(source, &header, &[n], n);
    let (year, county, district, school, name, enr) = (
        col("academic year")?,
        col("county code")?,
        col("district code")?,
        col("school code")?,
        col("school name")?,
        col("enrollment (k-12)")?,
    );
    let mut out = YearRows {
        source: source.to_string(),
        ..YearRows::default()
    };
    let mut problems = Vec::new();
    for (line, r) in &rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let code = frpm_cds(get(county), get(district), get(school));
        if !code.starts_with(prefix) || get(school).trim_start_matches('0').len() <= 1 {
            continue;
        }
        let Some(y) = school_year(get(year)) else {
            problems.push(located(
                source,
                *line,
                "Academic Year",
                format!("'{}' is not a school year", get(year)),
                "use the file as CDE publishes it",
            ));
            continue;
        };
        if out.year.is_empty() {
            out.year = y.clone();
        } else if out.year != y {
            problems.push(located(
                source,
                *line,
                "Academic Year",
                format!("{y}, but the file's first rows are {}", out.year),
                "give one year's FRPM file per --history",
            ));
            continue;
        }
        match get(enr) {
            "" | "*" | "N/A" => continue,
            v => match students(v) {
                Ok(n) if n > 0.0 => out.rows.push((code, get(name).to_string(), n, None, *line)),
                Ok(_) => {}
                Err(what) => problems.push(located(
                    source,
                    *line,
                    "Enrollment (K-12)",
                    what,
                    "use the file as CDE publishes it",
                )),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    if out.year.is_empty() {
        return Err(Error::input(
            source,
            None,
            None,
            format!("no school with a CDS code starting {prefix} enrolls students in this file"),
            "give the FRPM file of a year the district's schools are in",
        ));
    }
    Ok(out)
}

/// Parses a CDE enrollment by grade file (`enrYYYYYY-vN.txt`: tab-separated, one row per school, ethnic
/// group and gender, with `CDS_CODE`, grades `KDGN` or `GR_KN`, `GR_1` .. `GR_12`, ungraded `UNGR_ELM` and
/// `UNGR_SEC`, and `ENR_TOTAL`), keeping schools whose code starts with `prefix`. The year is its
/// `ACADEMIC_YEAR` column, or else the file name's (`enr201819-v2.txt` → 2018-19). Rows of a school are
/// added up; ungraded students count in its total but in no grade.
pub fn parse_grades(source: &str, text: &str, prefix: &str) -> Result<YearRows> {
    let delimiter = if text.lines().next().is_some_and(|l| l.contains('\t')) {
        b'\t'
    } else {
        b','
    };
    let (header, rows) = sheet(source, text, delimiter)?;
    let cds = column(source, &header, &["cds_code", "cds"], "CDS_CODE")?;
    let total = column(source, &header, &["enr_total"], "ENR_TOTAL")?;
    let year_col = header.iter().position(|h| h == "academic_year");
    let mut grade_cols = vec![column(
        source,
        &header,
        &["kdgn", "gr_kn", "gr_k"],
        "kindergarten (KDGN or GR_KN)",
    )?];
    for g in 1..GRADES {
        let name = format!("gr_{g}");
        grade_cols.push(column(
            source,
            &header,
            &[name.as_str()],
            &name.to_ascii_uppercase(),
        )?);
    }
    let file_year = std::path::Path::new(source)
        .file_name()
        .and_then(|f| f.to_str())
        .and_then(|f| {
            let digits: String = f
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            school_year(&digits)
        });
    let mut year: Option<String> = None;
    let mut schools: BTreeMap<String, (f64, [f64; GRADES], u64)> = BTreeMap::new();
    let mut problems = Vec::new();
    for (line, r) in &rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let code = format!("{:0>14}", get(cds));
        if !code.starts_with(prefix) {
            continue;
        }
        let y = match year_col {
            Some(c) => school_year(get(c)),
            None => file_year.clone(),
        };
        let Some(y) = y else {
            problems.push(located(
                source,
                *line,
                "ACADEMIC_YEAR",
                "no school year: the file has no ACADEMIC_YEAR column and its name does not say the year".into(),
                "keep the file's CDE name (enr201819-v2.txt)",
            ));
            break;
        };
        match &year {
            None => year = Some(y),
            Some(first) if *first != y => {
                problems.push(located(
                    source,
                    *line,
                    "ACADEMIC_YEAR",
                    format!("{y}, but the file's first rows are {first}"),
                    "give each year's enrollment by grade file as its own --history",
                ));
                continue;
            }
            _ => {}
        }
        let entry = schools.entry(code).or_insert((0.0, [0.0; GRADES], *line));
        match students(get(total)) {
            Ok(n) => entry.0 += n,
            Err(what) => problems.push(located(
                source,
                *line,
                "ENR_TOTAL",
                what,
                "use the file as CDE publishes it",
            )),
        }
        for (g, &c) in grade_cols.iter().enumerate() {
            match get(c) {
                "" => {}
                v => match students(v) {
                    Ok(n) => entry.1[g] += n,
                    Err(what) => problems.push(located(
                        source,
                        *line,
                        &header[c].to_ascii_uppercase(),
                        what,
                        "use the file as CDE publishes it",
                    )),
                },
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    let Some(year) = year else {
        return Err(Error::input(
            source,
            None,
            None,
            format!("no school with a CDS code starting {prefix} in this file"),
            "give the enrollment file of a year the district's schools are in",
        ));
    };
    Ok(YearRows {
        year,
        source: source.to_string(),
        rows: schools
            .into_iter()
            .filter(|(_, (n, _, _))| *n > 0.0)
            .map(|(id, (n, g, line))| (id, String::new(), n, Some(g), line))
            .collect(),
    })
}

/// How many times a school's enrollment may grow or shrink in a year before it is called suspect.
const JUMP: f64 = 3.0;

/// Merges yearly rows into one history. Two files of one year (two FRPM files, or a year given both in a
/// history CSV and an FRPM file) are an error naming both, unless one gives totals and the other grades for
/// the same year (a grade file then adds the grades); a school twice in one year's rows is an error naming
/// both lines; a year missing between two others is an error naming it. Jumps and ids that seem to change
/// are warnings.
pub fn merge(parts: Vec<YearRows>) -> Result<History> {
    let mut totals: BTreeMap<String, YearRows> = BTreeMap::new();
    let mut grades: BTreeMap<String, YearRows> = BTreeMap::new();
    let mut problems = Vec::new();
    for part in parts {
        let is_grades = part.rows.iter().any(|r| r.3.is_some());
        let slot = if is_grades { &mut grades } else { &mut totals };
        if let Some(other) = slot.get(&part.year) {
            problems.push(Problem {
                file: part.source.clone(),
                line: None,
                field: None,
                what: format!("gives {} again: {} gives it too", part.year, other.source),
                fix: "give each school year once".into(),
            });
            continue;
        }
        slot.insert(part.year.clone(), part);
    }
    let years: Vec<String> = totals
        .keys()
        .chain(grades.keys())
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for w in years.windows(2) {
        let expected = next_year(&w[0]);
        if expected != w[1] {
            problems.push(Problem {
                file: years_sources(&totals, &grades, &w[1]),
                line: None,
                field: Some("year".into()),
                what: format!(
                    "the history jumps from {} to {}: {expected} is missing",
                    w[0], w[1]
                ),
                fix: format!(
                    "add {expected}'s file (forecasts follow schools from one year to the next)"
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    let mut h = History {
        years: years.clone(),
        ..History::default()
    };
    let n = years.len();
    for (yi, year) in years.iter().enumerate() {
        h.sources.push(years_sources(&totals, &grades, year));
        // Totals from the totals file when there is one, else from the grade file.
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        let main = totals.get(year).or_else(|| grades.get(year));
        for part in [main, grades.get(year).filter(|_| totals.contains_key(year))]
            .into_iter()
            .flatten()
        {
            let grade_only = totals.contains_key(year) && part.rows.iter().any(|r| r.3.is_some());
            seen.clear();
            for (id, name, students, g, line) in &part.rows {
                if let Some(first) = seen.insert(id.clone(), *line) {
                    problems.push(located(
                        &part.source,
                        *line,
                        "id",
                        format!("school {id} is given twice for {year} (also line {first})"),
                        "give each school once a year",
                    ));
                    continue;
                }
                let s = h
                    .schools
                    .entry(id.clone())
                    .or_insert_with(|| SchoolHistory {
                        name: String::new(),
                        enrollment: vec![None; n],
                        grades: vec![None; n],
                    });
                if s.name.is_empty() && !name.is_empty() {
                    s.name = name.clone();
                }
                if grade_only {
                    s.grades[yi] = *g;
                    if s.enrollment[yi].is_none() {
                        s.enrollment[yi] = Some(*students);
                    }
                } else {
                    s.enrollment[yi] = Some(*students);
                    s.grades[yi] = *g;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    h.warnings = suspicious(&h, &totals);
    Ok(h)
}

fn years_sources(
    totals: &BTreeMap<String, YearRows>,
    grades: &BTreeMap<String, YearRows>,
    year: &str,
) -> String {
    let files: Vec<&str> = [totals.get(year), grades.get(year)]
        .into_iter()
        .flatten()
        .map(|p| p.source.as_str())
        .collect();
    files.join(" and ")
}

/// Warnings: enrollment that jumps more than threefold in a year (and by more than 100 students), and a
/// school id that ends the year before another with the same name begins (an id that changed).
fn suspicious(h: &History, parts: &BTreeMap<String, YearRows>) -> Vec<String> {
    let line_of = |year: &str, id: &str| -> String {
        parts
            .get(year)
            .and_then(|p| {
                p.rows
                    .iter()
                    .find(|r| r.0 == id)
                    .map(|r| format!("{}, line {}", p.source, r.4))
            })
            .unwrap_or_else(|| year.to_string())
    };
    let mut out = Vec::new();
    for (id, s) in &h.schools {
        for y in 1..h.years.len() {
            if let (Some(a), Some(b)) = (s.enrollment[y - 1], s.enrollment[y]) {
                let (lo, hi) = (a.min(b), a.max(b));
                if hi > JUMP * lo.max(1.0) && hi - lo > 100.0 {
                    out.push(format!(
                        "{}: school {id} ({}) goes from {a} students in {} to {b} in {}; check the figure, or expect its forecast to follow the jump",
                        line_of(&h.years[y], id),
                        s.name,
                        h.years[y - 1],
                        h.years[y]
                    ));
                }
            }
        }
    }
    // Ids that end and begin in consecutive years with the same name.
    let last = |s: &SchoolHistory| s.enrollment.iter().rposition(Option::is_some);
    let first = |s: &SchoolHistory| s.enrollment.iter().position(Option::is_some);
    let mut starting: BTreeMap<(usize, String), Vec<&String>> = BTreeMap::new();
    for (id, s) in &h.schools {
        if let Some(f) = first(s).filter(|&f| f > 0) {
            starting
                .entry((f, s.name.to_lowercase()))
                .or_default()
                .push(id);
        }
    }
    for (id, s) in &h.schools {
        let Some(l) = last(s).filter(|&l| l + 1 < h.years.len()) else {
            continue;
        };
        if s.name.is_empty() {
            continue;
        }
        if let Some(others) = starting.get(&(l + 1, s.name.to_lowercase())) {
            for other in others {
                out.push(format!(
                    "{}: school {id} ({}) ends in {} and school {other} with the same name begins in {}: if it is one school whose id changed, give both years one id",
                    line_of(&h.years[l + 1], other),
                    s.name,
                    h.years[l],
                    h.years[l + 1]
                ));
            }
        }
    }
    out
}

impl History {
    /// Index of a year.
    pub fn year_index(&self, year: &str) -> Option<usize> {
        self.years.iter().position(|y| y == year)
    }

    /// Total students in a year.
    pub fn total(&self, year: usize) -> f64 {
        self.schools
            .values()
            .filter_map(|s| s.enrollment[year])
            .sum()
    }

    /// The history as `import cde --history` writes it: `year,id,name,enrollment`, by year then id.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["year", "id", "name", "enrollment"]);
        for (y, year) in self.years.iter().enumerate() {
            for (id, s) in &self.schools {
                if let Some(e) = s.enrollment[y] {
                    let _ = w.write_record([year.as_str(), id, &s.name, &format!("{e}")]);
                }
            }
        }
        w.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_years_are_read_in_every_form_cde_uses() {
        for t in ["2016-17", "2016-2017", "201617", "1617", " 2016-17 "] {
            assert_eq!(school_year(t).as_deref(), Some("2016-17"), "{t}");
        }
        for t in [
            "2016-18", "2016", "16", "x2016-17", "2016-17b", "3016-17", "",
        ] {
            assert_eq!(school_year(t), None, "{t}");
        }
        assert_eq!(next_year("2018-19"), "2019-20");
        assert_eq!(next_year("2099-00"), "2100-01");
    }

    #[test]
    fn a_history_csv_is_read_and_its_mistakes_are_located() {
        let parts = parse_csv(
            "h.csv",
            "year,id,name,enrollment\n2017-18,a,A,100\n2018-19,a,A,\"1,050\"\n2018-19,b,B,20\n",
        )
        .unwrap();
        let h = merge(parts).unwrap();
        assert_eq!(h.years, ["2017-18", "2018-19"]);
        assert_eq!(h.schools["a"].enrollment, [Some(100.0), Some(1050.0)]);
        assert_eq!(h.schools["b"].enrollment, [None, Some(20.0)]);
        let err = parse_csv(
            "h.csv",
            "year,id,enrollment\n2018-19,a,-5\n2018-19,b,12.5\n2018,c,3\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && err.contains("negative"), "{err}");
        assert!(
            err.contains("line 3") && err.contains("whole number"),
            "{err}"
        );
        assert!(
            err.contains("line 4") && err.contains("not a school year"),
            "{err}"
        );
    }

    #[test]
    fn two_files_of_one_year_a_gap_and_a_school_twice_are_errors() {
        let a = parse_csv("a.csv", "year,id,enrollment\n2017-18,x,10\n").unwrap();
        let b = parse_csv("b.csv", "year,id,enrollment\n2017-18,x,10\n").unwrap();
        let err = merge([a.clone(), b].concat()).unwrap_err().to_string();
        assert!(
            err.contains("b.csv") && err.contains("a.csv") && err.contains("2017-18"),
            "{err}"
        );
        let c = parse_csv("c.csv", "year,id,enrollment\n2019-20,x,10\n").unwrap();
        let err = merge([a, c].concat()).unwrap_err().to_string();
        assert!(err.contains("2018-19 is missing"), "{err}");
        let d = parse_csv("d.csv", "year,id,enrollment\n2017-18,x,10\n2017-18,x,11\n").unwrap();
        let err = merge(d).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("twice"), "{err}");
    }

    #[test]
    fn jumps_and_renumbered_schools_are_warned_about() {
        let parts = parse_csv(
            "h.csv",
            "year,id,name,enrollment\n2016-17,a,Alpha,100\n2017-18,a,Alpha,900\n2016-17,old,Beta High,500\n2017-18,new,Beta High,510\n",
        )
        .unwrap();
        let h = merge(parts).unwrap();
        assert!(
            h.warnings
                .iter()
                .any(|w| w.contains("school a") && w.contains("900")),
            "{:?}",
            h.warnings
        );
        assert!(
            h.warnings
                .iter()
                .any(|w| w.contains("old") && w.contains("new") && w.contains("id changed")),
            "{:?}",
            h.warnings
        );
    }
}
