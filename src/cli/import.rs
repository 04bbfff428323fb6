//! `schoolnets import cde`.

use clap::{Args, Subcommand};
use schoolnets::error::{exit, Error, Result};
use schoolnets::import;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// From California Department of Education files (directory, FRPM, Dashboard indicators, ethnicity).
    Cde(CdeArgs),
}

#[derive(Args)]
pub struct CdeArgs {
    /// CDS code prefix: 7 digits for a district (LAUSD: 1964733), 2 for a county, "" for the whole state.
    #[arg(long, value_name = "CDS")]
    pub district: String,
    /// Folder holding CDE files you downloaded (pubschls.txt, frpm*.csv, the two indicator files,
    /// demographics.csv, and optionally ca_districts_2012.topojson for the outline), for other years than
    /// the built-in ones. Without it, the whole state's files built into schoolnets are read (directory of
    /// June 2018, enrollment 2016-17 to 2020-21, Dashboard 2018, TIGER 2012 outlines; data/cde/README.md).
    #[arg(long, value_name = "DIR")]
    pub cde_dir: Option<PathBuf>,
    /// FRPM file (among the CDE files) giving the school year's enrollment.
    #[arg(long, value_name = "FILE", default_value = import::DEFAULT_FRPM_FILE)]
    pub frpm: String,
    /// CSV id,lat,lon with coordinates for schools the directory lacks or places wrongly (these win over
    /// the directory's).
    #[arg(long, value_name = "CSV")]
    pub coordinates: Option<PathBuf>,
    /// Where to write the school table.
    #[arg(long, value_name = "CSV")]
    pub out: PathBuf,
    /// Where to write the district's outline (GeoJSON), found among the TIGER school-district outlines by
    /// the district's name and its schools. Default: beside --out (district.csv → district.outline.geojson),
    /// where `plan --schools district.csv` finds it without --boundary.
    #[arg(long, value_name = "GEOJSON")]
    pub outline: Option<PathBuf>,
    /// The outline's name in the TIGER file, when the district's name matches none or several
    /// ("San Diego City Unified School District").
    #[arg(long, value_name = "NAME")]
    pub outline_name: Option<String>,
    /// Also write the list of schools left out, with reasons, to this CSV.
    #[arg(long, value_name = "CSV")]
    pub dropped: Option<PathBuf>,
    /// Also write copies of the CDE files restricted to this district into this folder (every FRPM
    /// year in --cde-dir, so the history travels with them), and the district outlines file whole, so
    /// `import cde --cde-dir FOLDER` works from it alone.
    #[arg(long, value_name = "DIR")]
    pub extract_to: Option<PathBuf>,
    /// Also write the district's enrollment history: every school's students in every school year of
    /// the FRPM files in --cde-dir (frpm1617.csv, frpm1718.csv, ...), as year,id,name,enrollment rows, for
    /// `schoolnets forecast` and `plan --horizon`.
    #[arg(long, value_name = "CSV")]
    pub history: Option<PathBuf>,
}

/// Where the outline goes: `--outline`, else beside the table.
fn outline_path(a: &CdeArgs) -> PathBuf {
    a.outline
        .clone()
        .unwrap_or_else(|| schoolnets::inputs::outline_beside(&a.out))
}

pub fn run(a: CdeArgs) -> Result<i32> {
    check_import_outputs(&a)?;
    let files = import::CdeFiles::from_option(a.cde_dir.as_deref());
    let opts = import::ImportOptions {
        files: files.clone(),
        prefix: a.district.clone(),
        frpm_file: a.frpm.clone(),
        extra_coordinates: a.coordinates.clone(),
    };
    eprintln!("reading {}", files.describe());
    let imported = import::import_cde(&opts)?;
    let outline = import::outline::find(
        &files,
        &imported.districts,
        &imported.table.schools,
        a.outline_name.as_deref(),
    )?;
    if let Some(dir) = &a.extract_to {
        let mut frpm = files.frpm_files()?;
        if !frpm.contains(&a.frpm) {
            frpm.push(a.frpm.clone());
        }
        let written = import::extract(&files, &a.district, &frpm, dir)?;
        eprintln!("extracted {} files into {}", written.len(), dir.display());
    }
    if imported.table.schools.is_empty() {
        return Err(Error::Usage(format!(
            "--district {}: no school of it is open in the school year of {} ({}{}): nothing to plan; check the code, or give another year's FRPM file with --frpm",
            a.district,
            a.frpm,
            schoolnets::text::count(imported.closed_earlier as f64, "directory entries closed before it"),
            if imported.dropped.is_empty() {
                String::new()
            } else {
                format!(", {} left out as listed above", imported.dropped.len())
            }
        )));
    }
    // The outline as plan will read it: an outline plan would refuse is not written.
    let outline = match outline {
        import::outline::Outcome::Found(f) => {
            let text = schoolnets::maps::geojson::outline_geojson(
                &f.shape,
                serde_json::json!({
                    "name": f.name,
                    "district": f.directory_name,
                    "source": import::outline::OUTLINES_SOURCE,
                }),
            );
            match schoolnets::geography::Outline::parse(&f.name, &text) {
                Ok(_) => Some((f, text)),
                Err(e) => {
                    eprintln!("outline: '{}' found but not written: {e}", f.name);
                    None
                }
            }
        }
        import::outline::Outcome::NotFound(why) => {
            eprintln!("outline: {why}");
            None
        }
    };
    let mut bytes = Vec::new();
    schoolnets::schools::write_table(&imported.table, &mut bytes)?;
    schoolnets::output::write_atomic(&a.out, &bytes)?;
    let beside = schoolnets::inputs::outline_beside(&a.out);
    match &outline {
        Some((f, text)) => {
            let path = outline_path(&a);
            schoolnets::output::write_atomic(&path, text.as_bytes())?;
            if path != beside {
                remove_stale_outline(&beside);
            }
            let outside = f.schools - f.inside;
            eprintln!(
                "wrote {}: the outline '{}' ({}), matched to the directory's '{}' by name and by its schools ({} of {} inside{})",
                path.display(),
                f.name,
                import::outline::OUTLINES_SOURCE,
                f.directory_name,
                schoolnets::text::thousands(f.inside as f64),
                schoolnets::text::thousands(f.schools as f64),
                if outside > 0 { "; the others are mapped where they stand" } else { "" }
            );
            if f.repaired {
                eprintln!("    its rings crossed or touched themselves (TIGER quantized to about 10 m): repaired");
            }
        }
        None => {
            remove_stale_outline(&outline_path(&a));
            remove_stale_outline(&beside);
        }
    }
    eprintln!(
        "wrote {}: {} schools, {} students; {} feeder links derived by distance (no feeder records exist in CDE data)",
        a.out.display(),
        schoolnets::text::thousands(imported.table.schools.len() as f64),
        schoolnets::text::thousands(imported.table.total_enrollment() as f64),
        imported.derived_links
    );
    eprintln!(
        "left out: {} directory entries closed before the school year",
        imported.closed_earlier
    );
    for (a, b, m) in &imported.address_apart {
        eprintln!(
            "note: {a} and {b} share a street address but the directory puts them {} m apart: not made one campus (check their coordinates)",
            schoolnets::text::thousands(*m)
        );
    }
    let mut by_reason: std::collections::BTreeMap<import::DropReason, Vec<&import::Dropped>> =
        Default::default();
    for d in &imported.dropped {
        by_reason.entry(d.reason).or_default().push(d);
    }
    for (reason, list) in &by_reason {
        eprintln!("left out: {} — {}", list.len(), reason.describe());
        for d in list.iter().take(15) {
            eprintln!("    {} {}", d.id, d.name);
        }
        if list.len() > 15 {
            eprintln!(
                "    ... and {} more{}",
                list.len() - 15,
                if a.dropped.is_some() {
                    " (see the --dropped file)"
                } else {
                    " (use --dropped FILE for the full list)"
                }
            );
        }
    }
    if let Some(p) = &a.history {
        let history = import::history(&files, &a.district)?;
        schoolnets::output::write_atomic(p, &history.to_csv())?;
        eprintln!(
            "wrote {}: {} schools' students in {} school years ({})",
            p.display(),
            history.schools.len(),
            history.years.len(),
            history.years.join(", ")
        );
        for w in &history.warnings {
            eprintln!("warning: {w}");
        }
    }
    if let Some(p) = &a.dropped {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["id", "name", "reason"]);
        for d in &imported.dropped {
            let _ = w.write_record([d.id.as_str(), d.name.as_str(), d.reason.describe()]);
        }
        let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
        schoolnets::output::write_atomic(p, &bytes)?;
    }
    Ok(exit::OK)
}

/// Removes an outline an earlier import wrote at `path` (for another district), so `plan` does not find
/// it beside the new table; any other file there is left alone.
fn remove_stale_outline(path: &Path) {
    let ours = std::fs::read_to_string(path).ok().is_some_and(|t| {
        serde_json::from_str::<serde_json::Value>(&t)
            .ok()
            .is_some_and(|v| {
                v["features"][0]["properties"]["source"] == import::outline::OUTLINES_SOURCE
            })
    });
    if ours && std::fs::remove_file(path).is_ok() {
        eprintln!(
            "outline: removed {}, written by an earlier import for another district",
            path.display()
        );
    }
}

/// Refuses, before reading anything, outputs that would replace an input: the table, the list of schools
/// left out or the extracts written into (or over) the CDE folder, or over the coordinates file, or two
/// outputs on one path.
fn check_import_outputs(a: &CdeArgs) -> Result<()> {
    use schoolnets::output::absolute;
    let cde = a.cde_dir.as_deref().map(absolute);
    let outline = outline_path(a);
    let mut files: Vec<(&str, &PathBuf)> = vec![("--out", &a.out), ("--outline", &outline)];
    files.extend(a.dropped.iter().map(|d| ("--dropped", d)));
    files.extend(a.history.iter().map(|d| ("--history", d)));
    for (flag, f) in &files {
        schoolnets::output::through_link(f, flag)?;
        let f_abs = absolute(f);
        if let Some((cde, dir)) = cde.as_ref().zip(a.cde_dir.as_ref()) {
            if f_abs.starts_with(cde) {
                return Err(Error::Output(format!(
                    "{flag} {} is inside the CDE folder {} (an input of import cde); write it elsewhere",
                    f.display(),
                    dir.display()
                )));
            }
        }
        if a.coordinates.as_ref().is_some_and(|c| absolute(c) == f_abs) {
            return Err(Error::Output(format!(
                "{flag} {} is the --coordinates file (an input); write it elsewhere",
                f.display()
            )));
        }
        if f.is_dir() {
            return Err(Error::Output(format!(
                "{flag} {} is a folder: give a file name (for example {})",
                f.display(),
                if *flag == "--outline" {
                    "district.outline.geojson"
                } else {
                    "district.csv"
                }
            )));
        }
    }
    for (i, (flag, f)) in files.iter().enumerate() {
        if let Some((other, _)) = files[..i].iter().find(|(_, g)| absolute(g) == absolute(f)) {
            return Err(Error::Output(format!(
                "{other} and {flag} name the same file: give each its own"
            )));
        }
    }
    if let Some(x) = &a.extract_to {
        let x_abs = absolute(x);
        if let Some((cde, dir)) = cde.as_ref().zip(a.cde_dir.as_ref()) {
            if x_abs == *cde || cde.starts_with(&x_abs) || x_abs.starts_with(cde) {
                return Err(Error::Output(format!(
                    "--extract-to {} would write over or inside the CDE folder {} (an input: its state-wide files would be replaced by extracts); choose another folder",
                    x.display(),
                    dir.display()
                )));
            }
        }
        if absolute(&a.out).starts_with(&x_abs) {
            return Err(Error::Output(format!(
                "--out {} is inside --extract-to {}; write the table elsewhere",
                a.out.display(),
                x.display()
            )));
        }
    }
    Ok(())
}
