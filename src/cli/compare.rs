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
    /// An ensemble folder (`schoolnets ensemble --out DIR`): adds where each plan falls among its valid
    /// plans (each figure's percentile) and, for the plan it was drawn around, the firmness map.
    #[arg(long, value_name = "DIR")]
    pub ensemble: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: CompareArgs) -> Result<i32> {
    let date = report_date(a.date.as_deref())?;
    let mut named = a.plans.clone();
    named.extend(a.ensemble.iter().cloned());
    schoolnets::output::check_out(&a.out, &named)?;
    schoolnets::output::check_keeps_plan(&a.out)?;
    let found: Vec<PlanFolder> = a
        .plans
        .iter()
        .map(|p| PlanFolder::read(p))
        .collect::<Result<_>>()?;
    // Plans that share no school have no school that could move between them: a comparison of them would
    // say "0 schools in another network", which reads as "the same plan".
    for f in &found[1..] {
        if !f
            .file
            .assignment
            .keys()
            .any(|id| found[0].file.assignment.contains_key(id))
        {
            return Err(Error::input(
                PlanFolder::json_of(&f.path).display().to_string(),
                None,
                Some("assignment"),
                format!(
                    "this plan shares no school with {} (its {} schools are of {}, the first plan's {} of {}): no school can move between them, so they cannot be compared school by school",
                    PlanFolder::json_of(&found[0].path).display(),
                    f.file.assignment.len(),
                    f.file.input.schools_file,
                    found[0].file.assignment.len(),
                    found[0].file.input.schools_file
                ),
                "compare plans of the same district (drawn from its table, or rebalanced onto a later one)",
            ));
        }
    }
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
    let mut c = compare::compare(&compared, table.as_ref());
    if let Some(dir) = &a.ensemble {
        let e = folder::read_ensemble(dir)?;
        for (label, f) in labels.iter().zip(&found) {
            e.check_table(&f.file, label)?;
        }
        let sha: Vec<Option<String>> = found
            .iter()
            .map(|f| {
                std::fs::read(PlanFolder::json_of(&f.path))
                    .ok()
                    .map(|b| schoolnets::plans::sha256_hex(&b))
            })
            .collect();
        c.among_valid = Some(compare::among_valid(&e, &compared, &sha));
    }
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
    let mut inputs: Vec<PathBuf> = found.iter().flat_map(PlanFolder::paths).collect();
    inputs.extend(a.ensemble.iter().cloned());
    let written = set.commit(&a.out, &inputs)?;
    if !a.quiet {
        print!("{}", compare::headline(&c));
        print_written(&written);
    }
    Ok(exit::OK)
}
