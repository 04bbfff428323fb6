//! `schoolnets import cde`: builds the canonical school table from California Department of Education files.
//!
//! Inputs (where each is published: [`CDE_SOURCES`] and the README; `data/cde-lausd/` holds LAUSD-only
//! extracts of the same files):
//! - `pubschls.txt`: the school directory (tab-separated): status, name, type, charter, grade span, magnet, coordinates;
//! - `frpm1819.csv` (or another year's FRPM file): K-12 enrollment and free/reduced-price meal eligibility;
//! - `english_2018_academic_indicator.csv`, `math_2018_academic_indicator.csv`: distance from standard and level;
//! - `demographics.csv`: enrollment by ethnicity.
//!
//! Scope: schools whose CDS code starts with the given prefix, open in the FRPM year (active or pending in the
//! directory and enrolling students), excluding adult education, preschool and ROC/ROP. Every school left out is
//! listed with its reason. Co-located schools (identical coordinates) share a `campus`. Because CDE publishes no
//! feeder patterns, `feeds_into` is *derived*: each district-run elementary school feeds the nearest district-run
//! middle school, and each district-run middle (or K-8) school the nearest district-run high school; the extra
//! column `feeds_into_source` says so for every derived link. The extra columns `ela_level` and `math_level`
//! keep the Dashboard's two status levels (1 = very low ... 5 = very high; `perf_level` is the lower of them),
//! so scenario rules such as affiliations can select on each.

use crate::error::{Error, Result};
use crate::geography::{haversine_km, Projection};
use crate::schools::{grade_number, Level, School, SchoolTable};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod files;
pub mod outline;
pub use files::CdeFiles;

/// File names inside a CDE folder.
pub(crate) const DIRECTORY_FILE: &str = "pubschls.txt";
pub const DEFAULT_FRPM_FILE: &str = "frpm1819.csv";
pub(crate) const ELA_FILE: &str = "english_2018_academic_indicator.csv";
pub(crate) const MATH_FILE: &str = "math_2018_academic_indicator.csv";
pub(crate) const DEMOGRAPHICS_FILE: &str = "demographics.csv";

/// The extra columns `import cde` writes after the canonical ones.
pub(crate) const EXTRA_COLUMNS: [&str; 5] = [
    "feeds_into_source",
    "ela_level",
    "math_level",
    "address",
    "city",
];

fn level_text(level: Option<u8>) -> String {
    level.map(|l| l.to_string()).unwrap_or_default()
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The CDE files: a folder, or the built-in state files.
    pub files: CdeFiles,
    /// CDS code prefix: 2 digits for a county, 7 for a district (e.g. `1964733` for LAUSD), empty for the state.
    pub prefix: String,
    /// FRPM file name among `files` (the school year of the enrollment).
    pub frpm_file: String,
    /// Optional CSV `id,lat,lon` with coordinates for schools the directory lacks.
    pub extra_coordinates: Option<PathBuf>,
}

/// A school left out of the table, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dropped {
    pub reason: DropReason,
    pub id: String,
    pub name: String,
}

/// Why a school was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// Closed or merged in the directory, but still listed with enrollment.
    Closed,
    /// Adult education center, preschool, or regional occupational (ROC/ROP) program.
    NotK12,
    /// Open in the directory but no K-12 enrollment in the FRPM year.
    NoEnrollment,
    /// Enrolling students but absent from the directory or without coordinates there.
    NoCoordinates,
    /// An aggregate row, not a school (e.g. "Nonpublic, Nonsectarian Schools").
    NotASchool,
    /// Placed by the directory far from all the district's other schools.
    FarAway,
}

impl DropReason {
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::Closed => "closed or merged in the directory",
            DropReason::NotK12 => "adult education, preschool or ROC/ROP",
            DropReason::NoEnrollment => "no K-12 enrollment in the FRPM year",
            DropReason::NoCoordinates => {
                "no coordinates (not in the directory; give them with --coordinates)"
            }
            DropReason::NotASchool => "aggregate row, not a school",
            DropReason::FarAway => {
                "placed by the directory far from all the district's other schools (over 100 km, and ten times the usual distance: an office elsewhere, or a wrong coordinate; give the school's own with --coordinates)"
            }
        }
    }
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Import {
    pub table: SchoolTable,
    /// The directory's district names of the schools imported, with how many schools each (one name
    /// for a district; several for a county or the state).
    pub districts: BTreeMap<String, usize>,
    pub dropped: Vec<Dropped>,
    /// Directory entries closed before the FRPM year (no enrollment): counted, not listed one by one.
    pub closed_earlier: usize,
    /// Number of `feeds_into` links derived by distance.
    pub derived_links: usize,
    /// Pairs of schools at one street address that the directory puts too far apart to be one campus
    /// (ids and metres): not merged, and worth a look.
    pub address_apart: Vec<(String, String, f64)>,
}

/// The district's enrollment history from every FRPM file of the set: each school's students in each
/// school year (schools whose CDS code starts with `prefix`).
pub fn history(files: &CdeFiles, prefix: &str) -> Result<crate::history::History> {
    let frpm = files.frpm_files()?;
    if frpm.is_empty() {
        return Err(Error::input(
            files.describe(),
            None,
            None,
            "no FRPM file (frpm*.csv) in this folder: the history is read from them",
            "download each year's FRPM file from https://www.cde.ca.gov/ds/ad/filessp.asp into the folder",
        ));
    }
    let mut parts = Vec::new();
    for f in frpm {
        let text = files.read_text(&f)?;
        parts.push(crate::history::parse_frpm(&files.name(&f), &text, prefix)?);
    }
    crate::history::merge(parts)
}

/// Reads a file as text: UTF-8 when valid, otherwise Latin-1 (CDE files have used both).
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::unreadable(path, e))?;
    // UTF-16 is neither, and read as Latin-1 it would be a header of odd characters; a zip archive
    // or a gzip file is no text at all.
    crate::limits::check_start(
        &path.display().to_string(),
        &bytes,
        &crate::limits::CDE_FILE,
    )?;
    Ok(files::decode(bytes))
}

/// A delimited file read into named columns (header cells with their whitespace collapsed).
struct Sheet {
    path: String,
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Sheet {
    fn read(files: &CdeFiles, file: &str, delimiter: u8) -> Result<Sheet> {
        let text = files.read_text(file)?;
        let name = files.name(file);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quoting(delimiter != b'\t')
            .flexible(true)
            .from_reader(crate::limits::csv_text(text.as_bytes()));
        let header = rdr
            .headers()
            .map_err(|e| {
                Error::input(
                    &name,
                    Some(1),
                    None,
                    format!("unreadable header: {e}"),
                    "use the file as CDE publishes it",
                )
            })?
            .iter()
            .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                Error::input(
                    &name,
                    e.position().map(|p| p.line()),
                    None,
                    format!("not readable: {e}"),
                    "use the file as CDE publishes it",
                )
            })?;
            rows.push((rec.position().map(|p| p.line()).unwrap_or(0), rec));
        }
        Ok(Sheet {
            path: name,
            header,
            rows,
        })
    }

    fn col(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            Error::input(
                &self.path,
                Some(1),
                Some(name),
                "this CDE column is missing",
                "use the file as CDE publishes it (the README section \"Data\" says which file and how to save it)",
            )
        })
    }
}

/// Parses a CDE count: "2,413" → 2413; empty, "*" or "N/A" → None.
fn parse_count(s: &str) -> Option<u32> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    t.parse::<u32>().ok()
}

/// Parses a CDE percent: "22.0%" → 22.0.
fn parse_percent(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A grade of the CDE's files as the school table writes it: as is when the table reads it, a grade above
/// 12 (the FRPM files' 13) as post-secondary, anything else (N/A) left empty.
fn table_grade(g: &str) -> String {
    let g = g.trim();
    if g.is_empty() || grade_number(g).is_some() || crate::schools::is_other_grade(g) {
        g.to_string()
    } else if g.parse::<u32>().is_ok_and(|n| n > 12) {
        "Post Secondary".into()
    } else {
        String::new()
    }
}

/// Grade band from the lowest and highest grades served (the rule the README documents).
pub(crate) fn level_from_grades(low: &str, high: &str) -> Level {
    match (grade_number(low), grade_number(high)) {
        (Some(lo), Some(hi)) if lo <= hi => {
            if lo >= 9 {
                Level::High
            } else if lo >= 5 && (7..=9).contains(&hi) {
                Level::Middle
            } else if hi <= 6 {
                Level::Elementary
            } else {
                Level::Span
            }
        }
        _ => Level::Other,
    }
}

/// School model from directory fields.
fn model_of(charter: bool, funding: &str, edops: &str, magnet: bool) -> String {
    if charter {
        return match funding.trim() {
            "Locally funded" => "affiliated charter".into(),
            "Directly funded" => "independent charter".into(),
            _ => "charter".into(),
        };
    }
    match edops.trim() {
        "Continuation School" => "continuation".into(),
        "Alternative School of Choice" => "alternative".into(),
        "Special Education School" => "special education".into(),
        "Community Day School" => "community day".into(),
        "Opportunity School" => "opportunity".into(),
        "Traditional" | "" if magnet => "magnet".into(),
        "Traditional" | "" => "traditional".into(),
        other => {
            let m = other.to_ascii_lowercase();
            if crate::schools::MODELS.contains(&m.as_str()) {
                m
            } else {
                "other".into()
            }
        }
    }
}

struct DirEntry {
    status: String,
    name: String,
    soc_type: String,
    charter: bool,
    funding: String,
    edops: String,
    grades: String,
    magnet: bool,
    lat: Option<f64>,
    lon: Option<f64>,
    /// Street address and city, as the directory writes them.
    street: String,
    city: String,
    /// The district's name, as the directory writes it ("San Diego Unified").
    district: String,
}

struct FrpmEntry {
    name: String,
    enrollment: Option<u32>,
    frpm_pct: Option<f64>,
    low: String,
    high: String,
    charter: bool,
}

/// Where each CDE file is published (the README's "Data" section says how to save each one).
const CDE_SOURCES: [(&str, &str); 5] = [
    (
        DIRECTORY_FILE,
        "Public Schools and Districts Data Files, https://www.cde.ca.gov/ds/si/ds/pubschls.asp (the tab-separated text file)",
    ),
    (
        DEFAULT_FRPM_FILE,
        "Student Poverty FRPM Data, https://www.cde.ca.gov/ds/ad/filessp.asp (the year's workbook, its school sheet saved as CSV)",
    ),
    (
        ELA_FILE,
        "California School Dashboard data files, https://www.cde.ca.gov/ta/ac/cm/ (the ELA academic indicator, as CSV)",
    ),
    (
        MATH_FILE,
        "California School Dashboard data files, https://www.cde.ca.gov/ta/ac/cm/ (the mathematics academic indicator, as CSV)",
    ),
    (
        DEMOGRAPHICS_FILE,
        "Enrollment by School, https://www.cde.ca.gov/ds/ad/filesenr.asp (the year's file by ethnicity and gender, as CSV)",
    ),
];

/// Fails, before reading anything, when the CDE folder lacks a file, naming every missing one and the
/// CDE page it comes from.
fn check_cde_files(files: &CdeFiles, frpm_file: &str) -> Result<()> {
    let missing: Vec<crate::error::Problem> = CDE_SOURCES
        .iter()
        .map(|&(file, source)| {
            let file = if file == DEFAULT_FRPM_FILE {
                frpm_file
            } else {
                file
            };
            (file, source)
        })
        .filter(|(file, _)| !files.has(file))
        .map(|(file, source)| crate::error::Problem {
            file: files.name(file),
            line: None,
            field: None,
            what: "not found: import cde needs this CDE file".into(),
            fix: match files.folder() {
                Some(dir) => format!(
                    "download it from {source} into {} (or leave out --cde-dir to use the built-in 2018-19 state files)",
                    dir.display()
                ),
                None => format!(
                    "the built-in files hold the school years 2016-17 to 2020-21; for another, download it from {source} into a folder with the other files and give the folder with --cde-dir"
                ),
            },
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(missing))
    }
}

/// Runs the import.
pub fn import_cde(opts: &ImportOptions) -> Result<Import> {
    // A CDS code is county (2 digits), district (5 more), school (7 more): a prefix of another length
    // (`19647`) would cut across districts and silently merge several.
    if !opts.prefix.chars().all(|c| c.is_ascii_digit()) || ![0, 2, 7].contains(&opts.prefix.len()) {
        return Err(Error::Usage(format!(
            "--district '{}' is not a CDS code prefix ({} characters): give 7 digits for a district (LAUSD is 1964733), 2 for a county, or \"\" for the whole state",
            crate::text::clip(&opts.prefix, 40),
            opts.prefix.chars().count()
        )));
    }
    let files = &opts.files;
    check_cde_files(files, &opts.frpm_file)?;
    let directory = read_directory(files, &opts.prefix)?;
    let frpm = read_frpm(files, &opts.frpm_file, &opts.prefix)?;
    if directory.is_empty() && frpm.is_empty() {
        return Err(Error::Usage(format!(
            "--district {}: no school in {} or {} has a CDS code that starts with it (LAUSD is 1964733, San Diego Unified 3768338); the district's 7-digit code is the start of its schools' CDSCode in {DIRECTORY_FILE}",
            opts.prefix,
            files.name(DIRECTORY_FILE),
            files.name(&opts.frpm_file),
        )));
    }
    let ela = read_indicator(files, ELA_FILE, &opts.prefix)?;
    let math = read_indicator(files, MATH_FILE, &opts.prefix)?;
    let ethnicity = read_demographics(files, &opts.prefix)?;
    let extra_coords = match &opts.extra_coordinates {
        Some(p) => read_extra_coordinates(p)?,
        None => HashMap::new(),
    };

    let mut dropped = Vec::new();
    let mut closed_earlier = 0;
    let mut schools = Vec::new();
    let mut drop = |reason, id: &str, name: &str| {
        dropped.push(Dropped {
            reason,
            id: id.into(),
            name: name.into(),
        })
    };

    let mut districts: BTreeMap<String, usize> = BTreeMap::new();
    // Every code in either the directory or the FRPM file, in code order.
    let mut codes: Vec<&String> = directory.keys().chain(frpm.keys()).collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        if code.ends_with("0000000") {
            continue; // district or county office row
        }
        let d = directory.get(code);
        let f = frpm.get(code);
        let name = d
            .map(|d| d.name.clone())
            .or_else(|| f.map(|f| f.name.clone()))
            .unwrap_or_default();
        if code.ends_with("0000001") {
            drop(DropReason::NotASchool, code, &name);
            continue;
        }
        let enrollment = f.and_then(|f| f.enrollment).unwrap_or(0);
        if let Some(d) = d {
            if d.status != "Active" && d.status != "Pending" {
                if enrollment > 0 {
                    drop(DropReason::Closed, code, &name);
                } else {
                    closed_earlier += 1;
                }
                continue;
            }
            if matches!(
                d.soc_type.as_str(),
                "Adult Education Centers" | "Preschool" | "ROC/ROP"
            ) {
                drop(DropReason::NotK12, code, &name);
                continue;
            }
        }
        if enrollment == 0 {
            drop(DropReason::NoEnrollment, code, &name);
            continue;
        }
        let f = f.expect("enrollment > 0 implies an FRPM row");
        // The planner's own coordinates (--coordinates) win over the directory's.
        let coords = extra_coords
            .get(code.as_str())
            .copied()
            .or_else(|| d.and_then(|d| d.lat.zip(d.lon)));
        let Some((lat, lon)) = coords else {
            drop(DropReason::NoCoordinates, code, &name);
            continue;
        };
        let (low, high) = if grade_number(&f.low).is_some() {
            (f.low.clone(), f.high.clone())
        } else {
            let g = d.map(|d| d.grades.clone()).unwrap_or_default();
            let mut it = g.splitn(2, '-');
            (
                it.next().unwrap_or("").to_string(),
                it.next().unwrap_or("").to_string(),
            )
        };
        let (low, high) = (table_grade(&low), table_grade(&high));
        let charter = d.map(|d| d.charter).unwrap_or(f.charter);
        let magnet = d.map(|d| d.magnet).unwrap_or(false);
        let model = d
            .map(|d| model_of(charter, &d.funding, &d.edops, magnet))
            .unwrap_or_else(|| {
                if charter {
                    "charter".into()
                } else {
                    "traditional".into()
                }
            });
        let (ela_dfs, ela_level) = ela.get(code).copied().unwrap_or((None, None));
        let (math_dfs, math_level) = math.get(code).copied().unwrap_or((None, None));
        let perf_level = match (ela_level, math_level) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(d) = d.filter(|d| !d.district.is_empty()) {
            *districts.entry(d.district.clone()).or_insert(0) += 1;
        }
        schools.push(School {
            id: code.clone(),
            name,
            lat,
            lon,
            enrollment,
            level: level_from_grades(&low, &high),
            grade_low: low,
            grade_high: high,
            model,
            charter,
            magnet,
            frpm_pct: f.frpm_pct,
            ela_dfs,
            math_dfs,
            perf_level,
            ethnicity: ethnicity
                .get(code)
                .map(|e| e.map(Some))
                .unwrap_or([None; 9]),
            feeds_into: None,
            campus: None,
            extra: vec![
                String::new(),
                level_text(ela_level),
                level_text(math_level),
                d.map(|d| d.street.clone()).unwrap_or_default(),
                d.map(|d| d.city.clone()).unwrap_or_default(),
            ],
        });
    }
    // A school the directory puts far from all the others (a charter or online school registered at an
    // office elsewhere, or a wrong coordinate) would be refused by `plan`: left out here, and listed.
    let points: Vec<(f64, f64)> = schools.iter().map(|s| (s.lat, s.lon)).collect();
    let far = crate::geography::far_from_the_others(&points, crate::validate::MIN_OUTLIER_KM);
    for &(i, _, _) in far.iter().rev() {
        let s = schools.remove(i);
        dropped.push(Dropped {
            reason: DropReason::FarAway,
            id: s.id,
            name: s.name,
        });
    }
    let apart = assign_campuses(&mut schools);
    let derived_links = derive_feeders(&mut schools);
    let lines = (2..2 + schools.len() as u64).collect();
    let mut source = files.name(&opts.frpm_file);
    source.push_str(" + directory");
    dropped.sort();
    Ok(Import {
        districts,
        table: SchoolTable {
            source,
            schools,
            extra_columns: EXTRA_COLUMNS.map(String::from).to_vec(),
            lines,
        },
        dropped,
        closed_earlier,
        derived_links,
        address_apart: apart,
    })
}

fn read_directory(files: &CdeFiles, prefix: &str) -> Result<BTreeMap<String, DirEntry>> {
    let s = Sheet::read(files, DIRECTORY_FILE, b'\t')?;
    let c = |n| s.col(n);
    let (cds, status, school, charter, funding, soc, edops, grades, magnet, lat, lon) = (
        c("CDSCode")?,
        c("StatusType")?,
        c("School")?,
        c("Charter")?,
        c("FundingType")?,
        c("SOCType")?,
        c("EdOpsName")?,
        c("GSserved")?,
        c("Magnet")?,
        c("Latitude")?,
        c("Longitude")?,
    );
    let (street, city, district) = (c("Street")?, c("City")?, c("District")?);
    let mut out = BTreeMap::new();
    for (_, r) in &s.rows {
        let code = r.get(cds).unwrap_or("").trim();
        if code.len() != 14 || !code.starts_with(prefix) {
            continue;
        }
        let get = |i: usize| r.get(i).unwrap_or("").trim().to_string();
        let num = |i: usize| {
            get(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v != 0.0)
        };
        out.insert(
            code.to_string(),
            DirEntry {
                status: get(status),
                name: get(school),
                soc_type: get(soc),
                charter: get(charter) == "Y",
                funding: get(funding),
                edops: get(edops),
                grades: get(grades),
                magnet: get(magnet) == "Y",
                lat: num(lat),
                lon: num(lon),
                street: get(street),
                city: get(city),
                district: get(district),
            },
        );
    }
    Ok(out)
}

/// A 14-digit CDS code from a file that may have dropped leading zeros (`demographics.csv` does).
fn padded_cds(code: &str) -> String {
    format!("{code:0>14}")
}

fn read_frpm(files: &CdeFiles, file: &str, prefix: &str) -> Result<BTreeMap<String, FrpmEntry>> {
    let s = Sheet::read(files, file, b',')?;
    let (county, district, school, name, charter, low, high, enr, pct) = (
        s.col("County Code")?,
        s.col("District Code")?,
        s.col("School Code")?,
        s.col("School Name")?,
        s.col("Charter School (Y/N)")?,
        s.col("Low Grade")?,
        s.col("High Grade")?,
        s.col("Enrollment (K-12)")?,
        s.col("Percent (%) Eligible FRPM (K-12)")?,
    );
    let mut out = BTreeMap::new();
    for (_, r) in &s.rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim().to_string();
        let code = crate::history::frpm_cds(&get(county), &get(district), &get(school));
        if code.len() != 14 || !code.starts_with(prefix) {
            continue;
        }
        out.insert(
            code,
            FrpmEntry {
                name: get(name),
                enrollment: parse_count(&get(enr)),
                frpm_pct: parse_percent(&get(pct)),
                low: get(low),
                high: get(high),
                charter: get(charter) == "Yes",
            },
        );
    }
    Ok(out)
}

type Indicator = (Option<f64>, Option<u8>);

fn read_indicator(
    files: &CdeFiles,
    file: &str,
    prefix: &str,
) -> Result<HashMap<String, Indicator>> {
    let s = Sheet::read(files, file, b',')?;
    let (cds, rtype, group, status, level) = (
        s.col("cds")?,
        s.col("rtype")?,
        s.col("studentgroup")?,
        s.col("currstatus")?,
        s.col("statuslevel")?,
    );
    let mut out = HashMap::new();
    for (_, r) in &s.rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let code = padded_cds(get(cds));
        if !code.starts_with(prefix) || get(rtype) != "S" || get(group) != "ALL" {
            continue;
        }
        let dfs = get(status).parse::<f64>().ok().filter(|v| v.is_finite());
        let lvl = get(level)
            .parse::<u8>()
            .ok()
            .filter(|v| (1..=5).contains(v));
        out.insert(code, (dfs, lvl));
    }
    Ok(out)
}

fn read_demographics(files: &CdeFiles, prefix: &str) -> Result<HashMap<String, [u32; 9]>> {
    let s = Sheet::read(files, DEMOGRAPHICS_FILE, b',')?;
    let (cds, ethnic, total) = (s.col("CDS_CODE")?, s.col("ETHNIC")?, s.col("ENR_TOTAL")?);
    // CDE ethnic codes → index in schools::ETHNICITIES
    // (hispanic, black, white, asian, filipino, pacific, native, multi, not_reported).
    let slot = |code: &str| match code {
        "5" => Some(0),
        "6" => Some(1),
        "7" => Some(2),
        "2" => Some(3),
        "4" => Some(4),
        "3" => Some(5),
        "1" => Some(6),
        "9" => Some(7),
        "0" => Some(8),
        _ => None,
    };
    let mut out: HashMap<String, [u32; 9]> = HashMap::new();
    for (line, r) in &s.rows {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        // The file drops the leading zero of county codes 01-09: pad back to 14 digits.
        let code = padded_cds(get(cds));
        if !code.starts_with(prefix) {
            continue;
        }
        let Some(k) = slot(get(ethnic)) else { continue };
        let n = parse_count(get(total)).ok_or_else(|| {
            Error::input(
                &s.path,
                Some(*line),
                Some("ENR_TOTAL"),
                "not a count",
                "use the file as CDE publishes it",
            )
        })?;
        out.entry(code).or_insert([0; 9])[k] += n;
    }
    Ok(out)
}

fn read_extra_coordinates(path: &Path) -> Result<HashMap<String, (f64, f64)>> {
    let name = path.display().to_string();
    let text = read_text(path)?;
    let mut rdr = csv::Reader::from_reader(crate::limits::csv_text(text.as_bytes()));
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            Error::input(
                &name,
                Some(1),
                None,
                format!("unreadable header: {e}"),
                "write a header line: id,lat,lon",
            )
        })?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| {
        header.iter().position(|h| h == n).ok_or_else(|| {
            Error::input(
                &name,
                Some(1),
                Some(n),
                "column missing",
                "the coordinates file needs the columns id,lat,lon",
            )
        })
    };
    let (id, lat, lon) = (col("id")?, col("lat")?, col("lon")?);
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            Error::input(
                &name,
                e.position().map(|p| p.line()),
                None,
                e.to_string(),
                "fix the CSV row",
            )
        })?;
        let line = rec.position().map(|p| p.line());
        let num = |i: usize, field: &str, range: std::ops::RangeInclusive<f64>| {
            let t = rec.get(i).unwrap_or("").trim();
            t.parse::<f64>()
                .ok()
                .filter(|v| range.contains(v))
                .ok_or_else(|| {
                    Error::input(
                        &name,
                        line,
                        Some(field),
                        format!("'{t}' is not a valid {field}"),
                        "write decimal degrees (lat -90..90, lon -180..180)",
                    )
                })
        };
        out.insert(
            rec.get(id).unwrap_or("").trim().to_string(),
            (
                num(lat, "lat", -90.0..=90.0)?,
                num(lon, "lon", -180.0..=180.0)?,
            ),
        );
    }
    Ok(out)
}

/// Positions of the address and city in [`EXTRA_COLUMNS`].
const ADDRESS: usize = 3;
const CITY: usize = 4;

/// A street address in a form two spellings of one place share: lower case, without punctuation,
/// suite or room numbers and compass words (the directory writes "24300 South Western Avenue" and
/// "24300 Western Avenue" for one campus, and "322 Lucas Avenue" beside "322 South Lucas Avenue"), with
/// street types abbreviated; then the city. Empty when there is no street address.
pub fn normalise_address(street: &str, city: &str) -> String {
    let lower = street.to_lowercase();
    // What follows a comma is a suite, room or building within the address.
    let main = lower.split(',').next().unwrap_or("");
    let words: Vec<String> = main
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take_while(|w| !matches!(*w, "suite" | "ste" | "room" | "rm" | "unit" | "bldg"))
        .filter(|w| {
            !matches!(
                *w,
                "north" | "south" | "east" | "west" | "n" | "s" | "e" | "w"
            )
        })
        .map(|w| {
            match w {
                "street" => "st",
                "avenue" => "ave",
                "boulevard" => "blvd",
                "road" => "rd",
                "drive" => "dr",
                "place" => "pl",
                "lane" => "ln",
                "court" => "ct",
                "terrace" => "ter",
                "parkway" => "pkwy",
                "highway" => "hwy",
                other => other,
            }
            .to_string()
        })
        .collect();
    if words.is_empty() {
        return String::new();
    }
    format!("{}, {}", words.join(" "), city.trim().to_lowercase())
}

/// Schools at one street address are one campus only when the directory puts them within this distance
/// of each other: the widest LAUSD campus of one address measures 365 m, while two schools 1.4 and 28.6 km
/// apart share an address through a coordinate or address error in the directory.
pub const ADDRESS_CAMPUS_SPAN_M: f64 = crate::units::CAMPUS_SPAN_M;

/// Gives schools that share one campus a shared campus id (`campus-` + the smallest member id): schools
/// at the same street address in the same city ([`normalise_address`]) and within
/// [`ADDRESS_CAMPUS_SPAN_M`] of each other, and schools at identical coordinates. (Schools a few metres
/// apart with no address in common are grouped by the planner's distance rule,
/// `geography.campus_distance_m`, in any table.) Returns the pairs of schools at one address that were too
/// far apart to join.
pub(crate) fn assign_campuses(schools: &mut [School]) -> Vec<(String, String, f64)> {
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(schools.len());
    let mut at_point: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    let mut at_address: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in schools.iter().enumerate() {
        match at_point.get(&(s.lat.to_bits(), s.lon.to_bits())) {
            Some(&j) => {
                uf.union(i, j);
            }
            None => {
                at_point.insert((s.lat.to_bits(), s.lon.to_bits()), i);
            }
        }
        let address = normalise_address(
            s.extra.get(ADDRESS).map_or("", String::as_str),
            s.extra.get(CITY).map_or("", String::as_str),
        );
        if !address.is_empty() {
            at_address.entry(address).or_default().push(i);
        }
    }
    let mut too_far = Vec::new();
    for members in at_address.values() {
        for (a, &i) in members.iter().enumerate() {
            for &j in &members[a + 1..] {
                let (x, y) = (&schools[i], &schools[j]);
                let m = 1000.0 * haversine_km(x.lat, x.lon, y.lat, y.lon);
                if m <= ADDRESS_CAMPUS_SPAN_M {
                    uf.union(i, j);
                } else {
                    too_far.push((x.id.clone(), y.id.clone(), m));
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..schools.len() {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let first = members
            .iter()
            .map(|&i| schools[i].id.clone())
            .min()
            .expect("non-empty group");
        for &i in members {
            schools[i].campus = Some(format!("campus-{first}"));
        }
    }
    too_far
}

fn is_pathway_target(s: &School, level: Level) -> bool {
    !s.charter && s.level == level && (s.model == "traditional" || s.model == "magnet")
}

/// Derives `feeds_into` for district-run schools without one, and marks each derived link in the
/// `feeds_into_source` extra column (the table's first extra column). Links stay inside a district (the
/// first 7 digits of the CDS code), so a statewide table does not link schools across district lines.
/// Returns the number of links derived.
pub(crate) fn derive_feeders(schools: &mut [School]) -> usize {
    let mut districts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in schools.iter().enumerate() {
        districts
            .entry(s.id.chars().take(7).collect())
            .or_default()
            .push(i);
    }
    districts
        .values()
        .map(|members| derive_within(schools, members))
        .sum()
}

/// [`derive_feeders`] for the schools of one district (`members`, indices into `schools`).
fn derive_within(schools: &mut [School], members: &[usize]) -> usize {
    use rstar::primitives::GeomWithData;
    let proj = Projection::centred_on(members.iter().map(|&i| (schools[i].lat, schools[i].lon)));
    let tree_of = |level: Level| {
        rstar::RTree::bulk_load(
            members
                .iter()
                .filter(|&&i| is_pathway_target(&schools[i], level))
                .map(|&i| GeomWithData::new(proj.forward(schools[i].lat, schools[i].lon), i))
                .collect(),
        )
    };
    let middles = tree_of(Level::Middle);
    let highs = tree_of(Level::High);
    let mut n = 0;
    for &i in members {
        let s = &schools[i];
        if s.charter || s.feeds_into.is_some() || !(s.model == "traditional" || s.model == "magnet")
        {
            continue;
        }
        let feeds_high_directly = s.level == Level::Middle
            || (s.level == Level::Span && grade_number(&s.grade_high) == Some(8));
        let (tree, label) = match s.level {
            Level::Elementary if middles.size() > 0 => (&middles, "middle"),
            Level::Elementary => (&highs, "high"),
            _ if feeds_high_directly => (&highs, "high"),
            _ => continue,
        };
        let p = proj.forward(s.lat, s.lon);
        // Nearest target other than the school itself; ties broken by the smaller id for determinism.
        let mut best: Option<(f64, usize)> = None;
        for t in tree.nearest_neighbor_iter(&p).take(8) {
            let j = t.data;
            if j == i {
                continue;
            }
            let d = haversine_km(s.lat, s.lon, schools[j].lat, schools[j].lon);
            let better = match best {
                None => true,
                Some((bd, bj)) => {
                    d < bd - 1e-9 || ((d - bd).abs() <= 1e-9 && schools[j].id < schools[bj].id)
                }
            };
            if better {
                best = Some((d, j));
            }
        }
        if let Some((d, j)) = best {
            let target = schools[j].id.clone();
            let s = &mut schools[i];
            s.feeds_into = Some(target);
            s.extra[0] = format!("derived: nearest {label} school, {d:.1} km");
            n += 1;
        }
    }
    n
}

/// Keeps a CDE row (given the file's header) or not.
type RowFilter<'a> = Box<dyn Fn(&csv::StringRecord, &[String]) -> bool + 'a>;

/// Writes copies of the CDE files restricted to codes starting with `prefix` into `out_dir`
/// (same columns, same delimiters), so a district's data can travel with a project.
pub fn extract(
    files: &CdeFiles,
    prefix: &str,
    frpm_files: &[String],
    out_dir: &Path,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Error::Output(format!("cannot create {}: {e}", out_dir.display())))?;
    let mut written = Vec::new();
    let mut jobs: Vec<(String, u8, RowFilter)> = vec![
        (
            DIRECTORY_FILE.into(),
            b'\t',
            Box::new(|r, h| field(r, h, "CDSCode").starts_with(prefix)),
        ),
        (
            ELA_FILE.into(),
            b',',
            Box::new(|r, h| padded_cds(field(r, h, "cds")).starts_with(prefix)),
        ),
        (
            MATH_FILE.into(),
            b',',
            Box::new(|r, h| padded_cds(field(r, h, "cds")).starts_with(prefix)),
        ),
        (
            DEMOGRAPHICS_FILE.into(),
            b',',
            Box::new(|r, h| padded_cds(field(r, h, "CDS_CODE")).starts_with(prefix)),
        ),
    ];
    for f in frpm_files {
        jobs.push((
            f.clone(),
            b',',
            Box::new(|r, h| {
                let code = crate::history::frpm_cds(
                    field(r, h, "County Code"),
                    field(r, h, "District Code"),
                    field(r, h, "School Code"),
                );
                code.starts_with(prefix)
            }),
        ));
    }
    for (name, delim, keep) in jobs {
        let src = files.name(&name);
        let text = files.read_text(&name)?;
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .quoting(delim != b'\t')
            .flexible(true)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut recs = rdr.records();
        let header = match recs.next() {
            Some(Ok(h)) => h,
            _ => {
                return Err(Error::input(
                    &src,
                    Some(1),
                    None,
                    "no header",
                    "use the file as CDE publishes it",
                ))
            }
        };
        let norm: Vec<String> = header
            .iter()
            .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let dst = out_dir.join(&name);
        let mut out = Vec::new();
        {
            let mut w = csv::WriterBuilder::new()
                .delimiter(delim)
                .quote_style(if delim == b'\t' {
                    csv::QuoteStyle::Never
                } else {
                    csv::QuoteStyle::Necessary
                })
                .from_writer(&mut out);
            let werr = |e: csv::Error| Error::Output(format!("writing {}: {e}", dst.display()));
            w.write_record(&header).map_err(werr)?;
            for r in recs {
                let r = r.map_err(|e| {
                    Error::input(
                        &src,
                        e.position().map(|p| p.line()),
                        None,
                        e.to_string(),
                        "use the file as CDE publishes it",
                    )
                })?;
                if keep(&r, &norm) {
                    w.write_record(&r).map_err(werr)?;
                }
            }
            w.flush()
                .map_err(|e| Error::Output(format!("writing {}: {e}", dst.display())))?;
        }
        crate::output::write_atomic(&dst, &out)?;
        written.push(dst);
    }
    // The district outlines, whole (TopoJSON shares arcs between districts, so a district's outline
    // cannot be cut out of it by rows), so that an import from the extract writes the outline too.
    if files.has(outline::OUTLINES_FILE) {
        let dst = out_dir.join(outline::OUTLINES_FILE);
        crate::output::write_atomic(&dst, files.read_text(outline::OUTLINES_FILE)?.as_bytes())?;
        written.push(dst);
    }
    Ok(written)
}

fn field<'a>(r: &'a csv::StringRecord, header: &[String], name: &str) -> &'a str {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| r.get(i))
        .unwrap_or("")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_grade_rule() {
        assert_eq!(level_from_grades("K", "5"), Level::Elementary);
        assert_eq!(level_from_grades("6", "8"), Level::Middle);
        assert_eq!(level_from_grades("9", "12"), Level::High);
        assert_eq!(level_from_grades("K", "8"), Level::Span);
        assert_eq!(level_from_grades("6", "12"), Level::Span);
        assert_eq!(level_from_grades("N/A", "N/A"), Level::Other);
    }

    #[test]
    fn cde_number_quirks() {
        assert_eq!(parse_count("2,413"), Some(2413));
        assert_eq!(parse_count("*"), None);
        assert_eq!(parse_percent("22.0%"), Some(22.0));
        assert_eq!(
            model_of(true, "Locally funded", "Traditional", false),
            "affiliated charter"
        );
        assert_eq!(model_of(false, "", "Traditional", true), "magnet");
        assert_eq!(
            model_of(false, "", "Continuation School", false),
            "continuation"
        );
    }

    fn school(id: &str, lat: f64, level: Level) -> School {
        School {
            id: id.into(),
            name: id.into(),
            lat,
            lon: -118.0,
            enrollment: 100,
            level,
            grade_low: String::new(),
            grade_high: String::new(),
            model: "traditional".into(),
            charter: false,
            magnet: false,
            frpm_pct: None,
            ela_dfs: None,
            math_dfs: None,
            perf_level: None,
            ethnicity: [None; 9],
            feeds_into: None,
            campus: None,
            extra: vec![String::new()],
        }
    }

    #[test]
    fn derived_feeders_stay_inside_the_district() {
        // District 1111111's elementary school is nearer to district 2222222's middle school.
        let mut schools = vec![
            school("11111110000001", 34.00, Level::Elementary),
            school("11111110000002", 34.50, Level::Middle),
            school("22222220000001", 34.01, Level::Middle),
            school("11111110000003", 34.60, Level::High),
        ];
        assert_eq!(derive_feeders(&mut schools), 2);
        assert_eq!(schools[0].feeds_into.as_deref(), Some("11111110000002"));
        assert_eq!(schools[1].feeds_into.as_deref(), Some("11111110000003"));
        assert!(schools[0].extra[0].starts_with("derived: nearest middle school"));
        assert_eq!(
            schools[2].feeds_into, None,
            "no high school in its district"
        );
    }
}
