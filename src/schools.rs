//! The canonical school table: one row per school, the tool's own input format.
//!
//! Columns (in this order when written; any order and letter case when read):
//!
//! `id,name,lat,lon,enrollment,level,grade_low,grade_high,model,charter,magnet,frpm_pct,ela_dfs,math_dfs,perf_level,`
//! `hispanic,black,white,asian,filipino,pacific,native,multi,not_reported,feeds_into,campus`
//!
//! Columns after these are *extra* columns: kept as they are and passed through to outputs.
//! Loading collects every problem in the file (not just the first) so a planner can fix a spreadsheet
//! in one pass.

use crate::error::{Error, Problem, Result};
use crate::limits;
use crate::text::{fmt_num, fmt_opt};
use std::collections::HashMap;
use std::io::Read;

/// The school models a table may name (lower case). The first ten are LAUSD's and most districts'; the rest
/// are the California Department of Education's other kinds of school (its `EdOpsName`, lower-cased), which
/// `import cde` writes as they are. A typo such as `magent` would otherwise make a model of its own that no
/// model rule counts, so an unknown name is an input error.
pub(crate) const MODELS: &[&str] = &[
    "traditional",
    "magnet",
    "affiliated charter",
    "independent charter",
    "charter",
    "continuation",
    "alternative",
    "special education",
    "community day",
    "opportunity",
    "county community school",
    "juvenile court school",
    "youth authority school",
    "state special school",
    "district special education consortia school",
    "home and hospital",
    "rop",
    "other",
];

/// "rename 'enrolment' to 'enrollment'; " for each missing column that the header seems to misspell.
fn misspelt_columns(header: &[String], missing: &[&str]) -> String {
    let present: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !COLUMNS.contains(h))
        .collect();
    missing
        .iter()
        .filter_map(|m| closest(m, &present).map(|h| format!("rename '{h}' to '{m}'; ")))
        .collect()
}

/// The known name nearest to `s` when it is a likely typo of it (at most two edits away).
pub(crate) fn closest<'a>(s: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(s, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Most students a school may have: far above the largest real school (a few thousand; online charters
/// reach about 20,000) and low enough that sums over a state fit every counter.
pub const MAX_STUDENTS: u32 = 1_000_000;

/// The most a school's average distance from standard (`ela_dfs`, `math_dfs`) may be from 0, in points:
/// real schools lie within a few hundred points; a value beyond is a typo or another column's number.
pub const MAX_DFS_POINTS: f64 = 1000.0;

/// The required columns of the canonical table, in the order `write_table` uses.
pub const COLUMNS: [&str; 26] = [
    "id",
    "name",
    "lat",
    "lon",
    "enrollment",
    "level",
    "grade_low",
    "grade_high",
    "model",
    "charter",
    "magnet",
    "frpm_pct",
    "ela_dfs",
    "math_dfs",
    "perf_level",
    "hispanic",
    "black",
    "white",
    "asian",
    "filipino",
    "pacific",
    "native",
    "multi",
    "not_reported",
    "feeds_into",
    "campus",
];

/// Ethnicity columns, in table order. Values are student counts.
pub const ETHNICITIES: [&str; 9] = [
    "hispanic",
    "black",
    "white",
    "asian",
    "filipino",
    "pacific",
    "native",
    "multi",
    "not_reported",
];

/// Grade band of a school.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Highest grade 6 or below (K-5, K-6, ...).
    Elementary,
    /// Grades within 5-9 (6-8, 7-8, ...).
    Middle,
    /// Lowest grade 9 or above (9-12, 10-12).
    High,
    /// Crosses bands: K-8, 6-12, K-12.
    Span,
    /// Ungraded or otherwise unclassified.
    Other,
}

impl Level {
    /// All levels, in report order.
    pub(crate) const ALL: [Level; 5] = [
        Level::Elementary,
        Level::Middle,
        Level::High,
        Level::Span,
        Level::Other,
    ];

    /// The word used in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Elementary => "elementary",
            Level::Middle => "middle",
            Level::High => "high",
            Level::Span => "span",
            Level::Other => "other",
        }
    }

    /// Parses a level word, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "elementary" => Some(Level::Elementary),
            "middle" => Some(Level::Middle),
            "high" => Some(Level::High),
            "span" => Some(Level::Span),
            "other" => Some(Level::Other),
            _ => None,
        }
    }
}

/// One school.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    /// Unique id (for California, the 14-digit CDS code).
    pub id: String,
    pub name: String,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// K-12 enrollment (students).
    pub enrollment: u32,
    pub level: Level,
    /// Lowest grade served, as written (`K`, `TK`, `1` .. `12`); may be empty.
    pub grade_low: String,
    /// Highest grade served, as written; may be empty.
    pub grade_high: String,
    /// School model, lower case (traditional, magnet, affiliated charter, independent charter, continuation, ...).
    pub model: String,
    pub charter: bool,
    pub magnet: bool,
    /// Percent (0-100) of students eligible for free or reduced-price meals; `None` when not reported.
    pub frpm_pct: Option<f64>,
    /// English language arts: average distance from standard (points; higher is better).
    pub ela_dfs: Option<f64>,
    /// Mathematics: average distance from standard (points; higher is better).
    pub math_dfs: Option<f64>,
    /// Performance level 1 (very low) to 5 (very high): the lower of the ELA and math levels.
    pub perf_level: Option<u8>,
    /// Student counts by ethnicity, in [`ETHNICITIES`] order; `None` when not reported.
    pub ethnicity: [Option<u32>; 9],
    /// Id of the school most students go on to.
    pub feeds_into: Option<String>,
    /// Campus id grouping co-located schools.
    pub campus: Option<String>,
    /// Extra columns' values, in the order of [`SchoolTable::extra_columns`].
    pub extra: Vec<String>,
}

/// A loaded school table.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolTable {
    /// Where it came from, as the user named it (used in messages and plan.json).
    pub source: String,
    pub schools: Vec<School>,
    /// Names of columns beyond the canonical ones, in file order.
    pub extra_columns: Vec<String>,
    /// Line number of each school's row in the source file (header = line 1), for messages.
    pub lines: Vec<u64>,
}

impl SchoolTable {
    /// Each school's position in km in `projection`, in table order (the points compactness and the lower
    /// bound measure distances between).
    pub fn points(&self, projection: &crate::geography::Projection) -> Vec<[f64; 2]> {
        self.schools
            .iter()
            .map(|s| projection.forward(s.lat, s.lon))
            .collect()
    }

    /// Index of each school id (the first row, where an id is duplicated).
    pub fn index(&self) -> HashMap<&str, usize> {
        let mut index = HashMap::with_capacity(self.schools.len());
        for (i, s) in self.schools.iter().enumerate() {
            index.entry(s.id.as_str()).or_insert(i);
        }
        index
    }

    /// Line number of school `i` in the source, if known.
    pub fn line(&self, i: usize) -> Option<u64> {
        self.lines.get(i).copied()
    }

    /// Total enrollment.
    pub fn total_enrollment(&self) -> u64 {
        self.schools.iter().map(|s| u64::from(s.enrollment)).sum()
    }
}

/// Normalises a header cell (the reader has skipped a byte-order mark): strips surrounding spaces, and
/// lower-cases; inner spaces and dashes become underscores (`Feeds Into` → `feeds_into`).
fn normalise_header(h: &str) -> String {
    h.trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// Reads a table from any reader; `source` names it in messages.
pub fn read_table(source: &str, reader: impl Read) -> Result<SchoolTable> {
    let mut reader = std::io::BufReader::new(reader);
    let start = std::io::BufRead::fill_buf(&mut reader).map_err(|e| {
        Error::Input(vec![Problem {
            file: source.into(),
            line: None,
            field: None,
            what: format!("cannot read it: {e}"),
            fix: "check that the file exists and is readable".into(),
        }])
    })?;
    limits::check_start(source, start, &limits::SCHOOL_TABLE)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(limits::csv_text(reader));
    let mut records = rdr.byte_records();
    let header = match records.next() {
        None => {
            return Err(Error::input(
                source,
                None,
                None,
                "the file is empty",
                format!(
                    "a school table starts with a header line naming its columns: {}",
                    COLUMNS.join(",")
                ),
            ))
        }
        Some(Err(e)) => return Err(csv_error(source, e)),
        Some(Ok(h)) => h,
    };
    let header: Vec<String> = header
        .iter()
        .map(|b| normalise_header(&String::from_utf8_lossy(b)))
        .collect();
    if header.len() == 1 && (header[0].contains(';') || header[0].contains('\t')) {
        return Err(Error::input(
            source,
            Some(1),
            None,
            "the header has a single column; the file seems to use ';' or tabs between columns",
            "save the table as comma-separated CSV (in a spreadsheet: Save As > CSV UTF-8, comma delimited)",
        ));
    }

    // Map required columns to positions.
    let mut pos: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(c) = COLUMNS.iter().find(|c| **c == h) {
            if pos.insert(c, i).is_some() {
                problems.push(Problem {
                    file: source.into(),
                    line: Some(1),
                    field: Some(h.clone()),
                    what: "this column appears twice".into(),
                    fix: "delete or rename one of the two columns".into(),
                });
            }
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !pos.contains_key(c))
        .collect();
    if !missing.is_empty() {
        problems.push(Problem {
            file: source.into(),
            line: Some(1),
            field: None,
            what: format!(
                "missing required {}: {}",
                if missing.len() == 1 { "column" } else { "columns" },
                missing.join(", ")
            ),
            fix: format!(
                "{}add {} to the header (they may be left empty where the README allows); the full header is: {}",
                misspelt_columns(&header, &missing),
                if missing.len() == 1 { "it" } else { "them" },
                COLUMNS.join(",")
            ),
        });
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    let extra_idx: Vec<usize> = (0..header.len())
        .filter(|i| !COLUMNS.contains(&header[*i].as_str()))
        .collect();
    let extra_columns: Vec<String> = extra_idx.iter().map(|&i| header[i].clone()).collect();

    let mut schools = Vec::new();
    let mut lines = Vec::new();
    for (row, rec) in records.enumerate() {
        if row == limits::MAX_TABLE_ROWS {
            return Err(Error::input(
                source,
                rec.ok().and_then(|r| r.position().map(|p| p.line())),
                None,
                format!(
                    "the table has more than {} rows, the most schoolnets plans at once",
                    limits::MAX_TABLE_ROWS
                ),
                "plan one district or region at a time (California has about 10,000 schools)",
            ));
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(csv_error(source, e))
            }
            Err(e) => {
                problems.push(csv_problem(source, e));
                if problems.len() > 1000 {
                    break;
                }
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank line
        }
        if rec.len() != header.len() {
            // A quote left open swallows the lines after it into one field: name the quote, not the count.
            if let Some(i) = rec.iter().position(|f| f.contains(&b'\n')) {
                let last = line + rec.iter().flatten().filter(|&&b| b == b'\n').count() as u64;
                let column = header
                    .get(i)
                    .map_or_else(|| format!("field {}", i + 1), |h| format!("column '{h}'"));
                problems.push(Problem {
                    file: source.into(),
                    line: Some(line),
                    field: None,
                    what: format!(
                        "a double quote opened in {column} on line {line} is not closed, so lines {line} to {last} were read as one row of {} fields (the header has {})",
                        rec.len(),
                        header.len()
                    ),
                    fix: "close the quote on that line, or remove it (a quote inside a quoted field is written twice: \"\")".into(),
                });
                continue;
            }
            problems.push(Problem {
                file: source.into(),
                line: Some(line),
                field: None,
                what: format!("this row has {} fields but the header has {}", rec.len(), header.len()),
                fix: "check for a missing or extra comma; put text containing commas in double quotes".into(),
            });
            continue;
        }
        let mut row = RowReader {
            source,
            line,
            rec: &rec,
            pos: &pos,
            problems: &mut problems,
        };
        if let Some(s) = row.school(&extra_idx) {
            schools.push(s);
            lines.push(line);
        }
        if problems.len() > 1000 {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    if schools.is_empty() {
        return Err(Error::input(
            source,
            None,
            None,
            "the table has a header but no schools",
            "add one row per school below the header",
        ));
    }
    Ok(SchoolTable {
        source: source.into(),
        schools,
        extra_columns,
        lines,
    })
}

fn csv_problem(source: &str, e: csv::Error) -> Problem {
    limits::csv_problem(
        source,
        &e,
        &limits::SCHOOL_TABLE,
        "save the table as comma-separated CSV (UTF-8); put text containing commas or line breaks in double quotes",
    )
}

fn csv_error(source: &str, e: csv::Error) -> Error {
    Error::Input(vec![csv_problem(source, e)])
}

/// Reads the fields of one row, recording problems instead of stopping at the first.
struct RowReader<'a> {
    source: &'a str,
    line: u64,
    rec: &'a csv::ByteRecord,
    pos: &'a HashMap<&'static str, usize>,
    problems: &'a mut Vec<Problem>,
}

impl RowReader<'_> {
    fn problem(&mut self, field: &str, what: String, fix: &str) {
        self.problems.push(Problem {
            file: self.source.into(),
            line: Some(self.line),
            field: Some(field.into()),
            what,
            fix: fix.into(),
        });
    }

    /// The trimmed text of a column; records a problem for bytes that are not UTF-8.
    fn text(&mut self, col: &'static str) -> Option<String> {
        let raw = &self.rec[self.pos[col]];
        match std::str::from_utf8(raw) {
            Ok(s) => Some(s.trim().to_string()),
            Err(_) => {
                self.problem(
                    col,
                    "contains bytes that are not UTF-8 text".into(),
                    "save the file as CSV UTF-8 (spreadsheets offer this under Save As)",
                );
                None
            }
        }
    }

    fn required(&mut self, col: &'static str, fix: &str) -> Option<String> {
        let t = self.text(col)?;
        if t.is_empty() {
            self.problem(col, "is empty but required".into(), fix);
            return None;
        }
        Some(t)
    }

    fn optional_text(&mut self, col: &'static str) -> Option<String> {
        self.text(col).filter(|t| !t.is_empty())
    }

    fn float(&mut self, col: &'static str, required: bool, fix: &str) -> Option<Option<f64>> {
        let t = self.text(col)?;
        if t.is_empty() {
            if required {
                self.problem(col, "is empty but required".into(), fix);
                return None;
            }
            return Some(None);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(Some(v)),
            _ => {
                self.problem(col, format!("'{t}' is not a number"), fix);
                None
            }
        }
    }

    fn count(&mut self, col: &'static str, required: bool) -> Option<Option<u32>> {
        let t = self.text(col)?;
        if t.is_empty() {
            if required {
                self.problem(
                    col,
                    "is empty but required".into(),
                    "write the number of students (0 or more)",
                );
                return None;
            }
            return Some(None);
        }
        let fix = "write a whole number of students without thousands separators, e.g. 2413";
        if let Ok(v) = t.parse::<u32>() {
            if v <= MAX_STUDENTS {
                return Some(Some(v));
            }
        }
        let what = if t.starts_with('-') {
            format!("'{t}' is negative; a number of students cannot be")
        } else if t.contains(',') || t.contains(' ') {
            format!("'{t}' has a thousands separator")
        } else if let Ok(v) = t.parse::<f64>() {
            if v > f64::from(MAX_STUDENTS) {
                format!(
                    "'{t}' is too large: no school has more than {} students",
                    crate::text::thousands(f64::from(MAX_STUDENTS))
                )
            } else if v.fract() == 0.0 {
                format!("'{t}' is a whole number written as a decimal or in scientific notation")
            } else {
                format!("'{t}' is not a whole number")
            }
        } else {
            format!("'{t}' is not a number")
        };
        self.problem(col, what, fix);
        None
    }

    /// Records a problem when `v` (a number read from `col`) lies outside `range`, in `unit`.
    fn within(
        &mut self,
        col: &'static str,
        v: Option<Option<f64>>,
        range: std::ops::RangeInclusive<f64>,
        unit: &str,
        fix: &str,
    ) {
        if let Some(Some(v)) = v {
            if !range.contains(&v) {
                let echo = crate::text::echo;
                self.problem(
                    col,
                    format!(
                        "{}{unit} is not between {} and {}{unit}",
                        echo(v),
                        echo(*range.start()),
                        echo(*range.end())
                    ),
                    fix,
                );
            }
        }
    }

    /// A grade as written: empty, or one [`grade_number`] reads, or a grade of another kind the CDE lists
    /// ([`OTHER_GRADES`]); anything else (13, 5.5, -1) is recorded as a problem.
    fn grade(&mut self, col: &'static str) -> Option<String> {
        let t = self.text(col)?;
        if t.is_empty() || grade_number(&t).is_some() || is_other_grade(&t) {
            return Some(t);
        }
        self.problem(
            col,
            format!("'{t}' is not a grade"),
            &format!(
                "write P (preschool), TK, K or a whole number from 1 to 12, or {}, or leave it empty",
                OTHER_GRADES.join(", ")
            ),
        );
        None
    }

    fn flag(&mut self, col: &'static str) -> Option<bool> {
        let t = self.text(col)?;
        match t.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Some(true),
            "no" | "n" | "false" | "0" | "" => Some(false),
            _ => {
                self.problem(
                    col,
                    format!("'{t}' is not yes or no"),
                    "write yes or no (or leave empty for no)",
                );
                None
            }
        }
    }

    /// Parses the whole row; `None` when any field had a problem (already recorded).
    fn school(&mut self, extra_idx: &[usize]) -> Option<School> {
        let before = self.problems.len();
        let id = self.required(
            "id",
            "give every school a unique id (for California, the 14-digit CDS code)",
        );
        let name = self.text("name").unwrap_or_default();
        let lat = self.float(
            "lat",
            true,
            "write the latitude in decimal degrees, e.g. 34.0522",
        );
        let lon = self.float(
            "lon",
            true,
            "write the longitude in decimal degrees, e.g. -118.2437",
        );
        if let (Some(Some(la)), Some(Some(lo))) = (lat, lon) {
            if !(-90.0..=90.0).contains(&la) {
                let hint = if (-180.0..=180.0).contains(&la) && (-90.0..=90.0).contains(&lo) {
                    "latitude and longitude look swapped: lat is the north-south number (34 for Los Angeles), lon the east-west one (-118)"
                } else {
                    "latitude must be between -90 and 90 decimal degrees"
                };
                self.problem(
                    "lat",
                    format!("{} degrees is out of range", crate::text::echo(la)),
                    hint,
                );
            }
            if !(-180.0..=180.0).contains(&lo) {
                self.problem(
                    "lon",
                    format!("{} degrees is out of range", crate::text::echo(lo)),
                    "longitude must be between -180 and 180 decimal degrees",
                );
            }
        }
        let enrollment = self.count("enrollment", true);
        let level = self.text("level").and_then(|t| match Level::parse(&t) {
            Some(l) => Some(l),
            None => {
                const LEVELS: &[&str] = &["elementary", "middle", "high", "span", "other"];
                let hint = closest(&t.to_ascii_lowercase(), LEVELS)
                    .map(|c| format!("did you mean '{c}'? "))
                    .unwrap_or_default();
                self.problem(
                    "level",
                    format!("'{t}' is not a known level"),
                    &format!("{hint}use one of: {}", LEVELS.join(", ")),
                );
                None
            }
        });
        let grade_low = self.grade("grade_low");
        let grade_high = self.grade("grade_high");
        let model = self.text("model").map(|m| m.to_ascii_lowercase());
        let model = match model {
            Some(m) if m.is_empty() => {
                self.problem(
                    "model",
                    "is empty but required".into(),
                    &format!("name the school model, one of: {}", MODELS.join(", ")),
                );
                None
            }
            Some(m) if !MODELS.contains(&m.as_str()) => {
                let hint = closest(&m, MODELS)
                    .map(|c| format!("did you mean '{c}'? "))
                    .unwrap_or_default();
                self.problem(
                    "model",
                    format!("'{m}' is not a known school model"),
                    &format!(
                        "{hint}use one of: {} (a model the list lacks can be written 'other')",
                        MODELS.join(", ")
                    ),
                );
                None
            }
            m => m,
        };
        let charter = self.flag("charter");
        let magnet = self.flag("magnet");
        let frpm = self.float(
            "frpm_pct",
            false,
            "write a percent between 0 and 100 without the % sign, or leave empty",
        );
        self.within(
            "frpm_pct",
            frpm,
            0.0..=100.0,
            "%",
            "write a percent between 0 and 100 (a share of 0.8 is 80)",
        );
        let ela = self.float(
            "ela_dfs",
            false,
            "write the average distance from standard in points, or leave empty",
        );
        let math = self.float(
            "math_dfs",
            false,
            "write the average distance from standard in points, or leave empty",
        );
        for (col, v) in [("ela_dfs", ela), ("math_dfs", math)] {
            self.within(
                col,
                v,
                -MAX_DFS_POINTS..=MAX_DFS_POINTS,
                " points",
                "write the school's average distance from standard in points (real schools lie within a few hundred of 0), or leave it empty",
            );
        }
        let perf = self.text("perf_level").and_then(|t| {
            if t.is_empty() {
                return Some(None);
            }
            match t.parse::<u8>() {
                Ok(v @ 1..=5) => Some(Some(v)),
                _ => {
                    self.problem(
                        "perf_level",
                        format!("'{t}' is not a level from 1 to 5"),
                        "write 1 (very low) to 5 (very high), or leave empty",
                    );
                    None
                }
            }
        });
        let mut ethnicity = [None; 9];
        let mut eth_ok = true;
        for (i, col) in ETHNICITIES.iter().enumerate() {
            match self.count(col, false) {
                Some(v) => ethnicity[i] = v,
                None => eth_ok = false,
            }
        }
        let feeds_into = self.optional_text("feeds_into");
        let campus = self.optional_text("campus");
        let extra = extra_idx
            .iter()
            .map(|&i| String::from_utf8_lossy(&self.rec[i]).trim().to_string())
            .collect();
        if self.problems.len() > before || !eth_ok {
            return None;
        }
        Some(School {
            id: id?,
            name,
            lat: lat??,
            lon: lon??,
            enrollment: enrollment??,
            level: level?,
            grade_low: grade_low?,
            grade_high: grade_high?,
            model: model?,
            charter: charter?,
            magnet: magnet?,
            frpm_pct: frpm?,
            ela_dfs: ela?,
            math_dfs: math?,
            perf_level: perf?,
            ethnicity,
            feeds_into,
            campus,
            extra,
        })
    }
}

impl School {
    /// The school's fields as the table writes them: canonical columns in [`COLUMNS`] order, then the extra
    /// columns.
    pub fn row(&self) -> Vec<String> {
        let yn = |b: bool| if b { "yes" } else { "no" };
        let mut row = vec![
            self.id.clone(),
            self.name.clone(),
            fmt_num(self.lat, 6),
            fmt_num(self.lon, 6),
            self.enrollment.to_string(),
            self.level.as_str().into(),
            self.grade_low.clone(),
            self.grade_high.clone(),
            self.model.clone(),
            yn(self.charter).into(),
            yn(self.magnet).into(),
            fmt_opt(self.frpm_pct, 1),
            fmt_opt(self.ela_dfs, 1),
            fmt_opt(self.math_dfs, 1),
            self.perf_level.map(|v| v.to_string()).unwrap_or_default(),
        ];
        row.extend(
            self.ethnicity
                .iter()
                .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
        );
        row.push(self.feeds_into.clone().unwrap_or_default());
        row.push(self.campus.clone().unwrap_or_default());
        row.extend(self.extra.iter().cloned());
        row
    }
}

impl SchoolTable {
    /// Position of a column (canonical or extra, matched exactly) in [`School::row`].
    pub fn column(&self, name: &str) -> Option<usize> {
        COLUMNS
            .iter()
            .copied()
            .chain(self.extra_columns.iter().map(String::as_str))
            .position(|c| c == name)
    }

    /// Every column name: canonical, then extra.
    pub(crate) fn column_names(&self) -> Vec<&str> {
        COLUMNS
            .iter()
            .copied()
            .chain(self.extra_columns.iter().map(String::as_str))
            .collect()
    }
}

/// Writes a table in canonical column order, extra columns last.
pub fn write_table(table: &SchoolTable, out: impl std::io::Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| Error::Output(format!("writing the school table: {e}"));
    w.write_record(table.column_names()).map_err(io)?;
    for s in &table.schools {
        w.write_record(s.row()).map_err(io)?;
    }
    w.flush()
        .map_err(|e| Error::Output(format!("writing the school table: {e}")))?;
    Ok(())
}

/// Grades the CDE lists that are no grade of a school's K-12 span (adult and post-secondary education,
/// ungraded classes): read, kept, and ignored where grades decide something.
pub(crate) const OTHER_GRADES: [&str; 3] = ["Adult", "Post Secondary", "UG"];

/// Whether `g` is one of [`OTHER_GRADES`] (in any case).
pub(crate) fn is_other_grade(g: &str) -> bool {
    OTHER_GRADES
        .iter()
        .any(|o| o.eq_ignore_ascii_case(g.trim()))
}

/// Grade as a number: P (preschool) -1, TK/K 0, 1..12; `None` for anything else (blank, "Adult").
pub(crate) fn grade_number(g: &str) -> Option<i32> {
    match g.trim().to_ascii_uppercase().as_str() {
        "P" | "PK" => Some(-1),
        "K" | "TK" => Some(0),
        other => other.parse::<i32>().ok().filter(|v| (0..=12).contains(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        COLUMNS.join(",")
    }

    fn row(id: &str) -> String {
        format!("{id},School {id},34.05,-118.25,500,elementary,K,5,traditional,no,no,80.5,-20,-30,2,400,50,20,10,5,1,1,10,3,,")
    }

    #[test]
    fn reads_and_round_trips() {
        let text = format!("{}\n{}\n{}\n", header(), row("1"), row("2"));
        let t = read_table("t.csv", text.as_bytes()).unwrap();
        assert_eq!(t.schools.len(), 2);
        assert_eq!(t.schools[1].id, "2");
        assert_eq!(t.schools[0].ethnicity[0], Some(400));
        assert_eq!(t.lines, vec![2, 3]);
        let mut out = Vec::new();
        write_table(&t, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }

    #[test]
    fn header_spelling_is_forgiving_and_extras_pass_through() {
        let h = header()
            .replace("feeds_into", "Feeds Into")
            .replace("id,", "\u{feff}ID,");
        let text = format!("{h},Board District\n{},7\n", row("1"));
        let t = read_table("t.csv", text.as_bytes()).unwrap();
        assert_eq!(t.extra_columns, vec!["board_district"]);
        assert_eq!(t.schools[0].extra, vec!["7"]);
    }

    #[test]
    fn every_bad_field_is_reported_with_line_and_column() {
        let bad = row("1")
            .replace("500", "-5")
            .replace("elementary", "primary");
        let text = format!("{}\n{}\n{}\n", header(), row("0"), bad);
        let Err(Error::Input(p)) = read_table("t.csv", text.as_bytes()) else {
            panic!("expected input error")
        };
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(
            (p[0].line, p[0].field.as_deref()),
            (Some(3), Some("enrollment"))
        );
        assert!(p[0].what.contains("negative"));
        assert_eq!((p[1].line, p[1].field.as_deref()), (Some(3), Some("level")));
    }

    #[test]
    fn swapped_coordinates_are_named() {
        let text = format!(
            "{}\n{}\n",
            header(),
            row("1").replace("34.05,-118.25", "-118.25,34.05")
        );
        let err = read_table("t.csv", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("swapped"), "{err}");
    }

    #[test]
    fn thousands_separators_are_explained() {
        let text = format!(
            "{}\n{}\n",
            header(),
            row("1").replace(",500,", ",\"2,413\",")
        );
        let err = read_table("t.csv", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("thousands separator") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn empty_header_only_and_missing_column() {
        assert!(read_table("t.csv", "".as_bytes())
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(read_table("t.csv", format!("{}\n", header()).as_bytes())
            .unwrap_err()
            .to_string()
            .contains("no schools"));
        let h = header().replace(",campus", "");
        let err = read_table("t.csv", format!("{h}\n").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing required column: campus"), "{err}");
    }

    #[test]
    fn semicolon_files_are_recognised() {
        let err = read_table("t.csv", header().replace(',', ";").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("';' or tabs"), "{err}");
    }
}
