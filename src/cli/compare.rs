//! `schoolnets compare`.

use super::*;
use clap::Args;
use schoolnets::error::{exit, Result};
use schoolnets::folder::{self, PlanFolder};
use schoolnets::output::OutputSet;
use schoolnets::{compare, reports};

#[derive(Args)]
pub struct CompareArgs {
    /// Plan folders (or plan.json files), at least two; the first is the baseline for school moves.
    #[arg(value_name = "PLAN", num_args = 2.., required = true)]
    pub plans: Vec<PathBuf>,
    /// Output folder for compare.md, compare.csv, moves.csv and report.html.
    #[arg(long, value_name = "DIR", default_value = "out/comparison")]
    pub out: PathBuf,
    /// Date printed on the report (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: CompareArgs) -> Result<i32> {
    let date = report_date(a.date.as_deref())?;
    schoolnets::output::check_out(&a.out, &a.plans)?;
    let found: Vec<PlanFolder> = a
        .plans
        .iter()
        .map(|p| PlanFolder::read(p))
        .collect::<Result<_>>()?;
    let labels = folder::unique_labels(&found);
    let table = found[0].table();
    let compared: Vec<compare::Compared> = labels
        .iter()
        .zip(&found)
        .map(|(label, f)| compare::Compared {
            label: label.clone(),
            file: &f.file,
        })
        .collect();
    let c = compare::compare(&compared, table.as_ref());
    let mut set = OutputSet::new();
    folder::add_comparison_files(&mut set, "", &c);
    let maps: Vec<Option<String>> = found.iter().map(PlanFolder::map_svg).collect();
    let parts: Vec<reports::html::Part> = labels
        .iter()
        .zip(&found)
        .zip(&maps)
        .map(
            |((label, PlanFolder { file, .. }), svg)| reports::html::Part {
                label: label.clone(),
                file,
                map_svg: svg.as_deref(),
                // The first plan's table, for every plan made from the same one.
                table: table
                    .as_ref()
                    .filter(|_| file.input.schools_sha256 == found[0].file.input.schools_sha256),
            },
        )
        .collect();
    set.add(
        "report.html",
        reports::html::page(
            &format!("Plans compared: {}", labels.join(", ")),
            &date,
            &parts,
            Some(&compare::sections(&c)),
        )
        .into_bytes(),
    );
    let inputs: Vec<PathBuf> = found.iter().flat_map(PlanFolder::paths).collect();
    let written = set.commit(&a.out, &inputs)?;
    if !a.quiet {
        print!("{}", compare::headline(&c));
        print_written(&written);
    }
    Ok(exit::OK)
}
