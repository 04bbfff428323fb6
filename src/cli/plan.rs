//! `schoolnets plan`.

use super::*;
use clap::Args;
use schoolnets::error::Result;
use schoolnets::folder;
use schoolnets::output::OutputSet;

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Write the plan that breaks the fewest rules even when some cannot hold (exit code 1).
    #[arg(long)]
    pub best_effort: bool,
    #[command(flatten)]
    pub map: MapArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: PlanArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    schoolnets::output::check_out(&a.out, &a.input.paths().files())?;
    if let (None, Some(found)) = (&a.input.boundary, &a.input.paths().boundary) {
        if !a.run.quiet {
            eprintln!(
                "outline: {} (found beside the table; give --boundary to use another)",
                found.display()
            );
        }
    }
    let mut inputs = a.input.paths().load()?;
    let input_files = inputs.files(&a.input.paths().files());
    schoolnets::output::check_out(&a.out, &input_files)?;
    let overrides = apply_overrides(&a.rules.overrides(), &mut inputs, a.run.quiet)?;
    forecast_outlook(&mut inputs, a.run.quiet)?;
    let start = std::time::Instant::now();
    let options = a.map.options()?;
    let plan = solve(&inputs, overrides, a.best_effort, a.run.quiet)?;
    let mut set = OutputSet::new();
    folder::add_plan_files(
        &mut set,
        "",
        &plan,
        inputs.table(),
        inputs.outline(),
        &options,
    )?;
    let written = set.commit(&a.out, &input_files)?;

    let f = &plan.file;
    if !a.run.quiet {
        eprintln!(
            "{} schools, {} students → {} networks in {:.1} s",
            f.input.schools,
            schoolnets::text::thousands(f.input.enrollment as f64),
            f.networks.len(),
            start.elapsed().as_secs_f64()
        );
        print_rules(f);
        print_written(&written);
    }
    Ok(exit_code(f))
}
