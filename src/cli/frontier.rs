//! `schoolnets frontier`.

use super::*;
use clap::Args;
use schoolnets::error::{exit, Error, Result};
use schoolnets::frontier;
use schoolnets::output::OutputSet;

#[derive(Args)]
pub struct FrontierArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Balance rules to tighten, comma-separated: low (low-performing share), dfs (distance from standard),
    /// frpm (poverty share), ethnicity.
    #[arg(long, value_name = "LIST", default_value = "low,dfs")]
    pub balance: String,
    /// Steps from no balance rule (strength 0) to the district's own figures (strength 1).
    #[arg(long, value_parser = super::whole::<usize>, value_name = "N", default_value_t = 10)]
    pub steps: usize,
    /// Output folder for frontier.csv, frontier.md and frontier.svg.
    #[arg(long, value_name = "DIR", default_value = "out-frontier")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: FrontierArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    let rules =
        frontier::Rules::parse(&a.balance).map_err(|e| Error::Usage(format!("--balance: {e}")))?;
    if a.steps == 0 || a.steps > 100 {
        return Err(Error::Usage("--steps must be 1 to 100".into()));
    }
    schoolnets::output::check_out(&a.out, &a.input.paths().files())?;
    let mut inputs = a.input.paths().load()?;
    let input_files = inputs.files(&a.input.paths().files());
    schoolnets::output::check_out(&a.out, &input_files)?;
    let overrides = apply_overrides(&a.rules.overrides(), &mut inputs, a.run.quiet)?;
    let bar = progress_bar(
        a.run.quiet,
        a.steps as u64 + 1,
        "plans",
        "sweeping balance strength".into(),
    );
    let points = frontier::sweep(
        &inputs.plan_inputs(overrides, false),
        rules,
        a.steps,
        &|_| bar.inc(1),
    );
    bar.finish_and_clear();
    let points = points?;
    let title = inputs.scenario.name.clone();
    let mut set = OutputSet::new();
    set.add("frontier.csv", frontier::csv(&points));
    set.add(
        "frontier.md",
        frontier::markdown(&points, &title).into_bytes(),
    );
    set.add("frontier.svg", frontier::svg(&points, &title).into_bytes());
    let written = set.commit(&a.out, &input_files)?;
    if !a.run.quiet {
        print!("{}", frontier::markdown(&points, &title));
        print_written(&written);
    }
    Ok(exit::OK)
}
