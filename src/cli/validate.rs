//! `schoolnets validate`.

use clap::Args;
use schoolnets::error::{exit, Error, Result};
use schoolnets::inputs::{LoadedOutline, LoadedTable};
use schoolnets::validate;
use std::path::PathBuf;

#[derive(Args)]
pub struct ValidateArgs {
    /// School table to check. Default: the built-in LAUSD 2018-19 table.
    #[arg(value_name = "CSV")]
    pub schools: Option<PathBuf>,
    /// District outline to check school locations against (GeoJSON).
    #[arg(long, value_name = "GEOJSON")]
    pub boundary: Option<PathBuf>,
}

pub fn run(a: ValidateArgs) -> Result<i32> {
    let loaded = LoadedTable::load(a.schools.as_deref())?;
    let beside = a
        .schools
        .as_deref()
        .map(schoolnets::inputs::outline_beside)
        .filter(|o| o.is_file());
    let outline = LoadedOutline::load(
        a.boundary.as_deref().or(beside.as_deref()),
        a.schools.is_none(),
    )?;
    let v = validate::validate(&loaded.table, outline.as_ref().map(|o| &o.outline));
    print!("{}", v.summary);
    for w in &v.warnings {
        println!("  note: {w}");
    }
    if v.errors.is_empty() {
        println!("OK: the table can be planned.");
        Ok(exit::OK)
    } else {
        Err(Error::Input(v.errors))
    }
}
