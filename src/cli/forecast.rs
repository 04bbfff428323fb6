//! `schoolnets forecast`.

use super::*;
use clap::Args;
use schoolnets::error::Result;
use schoolnets::forecast::{self, Method};
use schoolnets::output::OutputSet;

#[derive(Args)]
pub struct ForecastArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// School years to forecast after the table's.
    #[arg(long, value_parser = super::whole::<usize>, value_name = "N", default_value_t = OUTLOOK_YEARS)]
    pub years: usize,
    /// Use this method instead of the one the backtest finds best: persistence, district-ratio,
    /// neighbourhood-trend or grade-progression (needs enrollment by grade files in --history).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// A plan folder (or its plan.json): its networks are scored in the backtest and given an outlook
    /// (default: the networks `schoolnets plan` draws from the same inputs; compact groups of schools,
    /// as many as the scenario's networks, where that plan leaves a rule broken).
    #[arg(long, value_name = "DIR")]
    pub plan: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out-forecast")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(a: ForecastArgs) -> Result<i32> {
    set_threads(a.run.threads)?;
    if a.years == 0 || a.years > forecast::MAX_YEARS {
        return Err(Error::Usage(format!(
            "--years {}: forecasts go 1 to {} years ahead",
            a.years,
            forecast::MAX_YEARS
        )));
    }
    let method = match a.method.as_deref() {
        None => None,
        Some(m) => Some(Method::parse(m).ok_or_else(|| {
            Error::Usage(format!(
                "--method {m}: not a method; use {}",
                Method::ALL.map(|m| m.key()).join(", ")
            ))
        })?),
    };
    let mut named = a.input.paths().files();
    named.extend(a.plan.iter().cloned());
    schoolnets::output::check_out(&a.out, &named)?;
    schoolnets::output::check_keeps_plan(&a.out)?;
    let mut inputs = a.input.paths().load()?;
    let mut named = inputs.files(&named);
    named.extend(a.plan.iter().cloned());
    schoolnets::output::check_out(&a.out, &named)?;
    apply_overrides(&Default::default(), &mut inputs, a.run.quiet)?;
    let Some(loaded) = &inputs.history else {
        return Err(Error::Usage(format!(
            "no enrollment history for {}: give it with --history FILE (what `import cde --history` writes, or the CDE's yearly FRPM files)",
            inputs.table().source
        )));
    };
    let table = inputs.table();
    let base = loaded.base_year(table)?;
    let plan = match &a.plan {
        Some(p) => Some(schoolnets::folder::PlanFolder::read_for(p, table)?),
        None => None,
    };
    // Networks to score: the plan's, or those of the plan `plan` draws from the same inputs (the
    // networks a forecast will be read against), or, when even its best effort leaves a rule broken,
    // compact groups of schools as many as the scenario's networks.
    let default_plan;
    let groups = match &plan {
        Some(folder) => plan_groups(&folder.file, table, &folder.label),
        None => {
            default_plan = super::solve(&inputs, Vec::new(), true, a.run.quiet)?;
            if default_plan.file.all_constraints_hold {
                plan_groups(
                    &default_plan.file,
                    table,
                    "the default plan (`schoolnets plan` on the same inputs)",
                )
            } else {
                forecast::compact_groups(table, inputs.scenario.networks)
            }
        }
    };
    let f = forecast::forecast(
        table,
        &loaded.history,
        &base,
        &groups,
        &forecast::Options {
            years: a.years,
            method,
            groups: inputs.scenario.networks,
        },
    )?;
    let outlook = plan.as_ref().map(|folder| {
        let (school_network, ids, names) = assignment_of(&folder.file, table);
        forecast::outlook(
            &f,
            &school_network,
            &ids,
            &names,
            folder.file.scenario.size.enrollment_tolerance,
            Some(&loaded.history),
            table,
        )
    });
    let mut set = OutputSet::new();
    set.add("forecast.csv", f.csv(table));
    set.add(
        "backtest.csv",
        schoolnets::reports::forecast::backtest_csv(&f),
    );
    set.add(
        "forecast.md",
        schoolnets::reports::forecast::markdown(&f, table, &loaded.sources, outlook.as_ref())
            .into_bytes(),
    );
    let written = set.commit(&a.out, &named)?;
    if !a.run.quiet {
        let totals = f.totals();
        eprintln!(
            "{} schools of {}: forecast {} by {}",
            table.schools.len(),
            f.base_year,
            f.years.join(", "),
            f.method.key()
        );
        for (y, t) in f.years.iter().zip(&totals) {
            eprintln!("  {y}: {} students", schoolnets::text::thousands(*t));
        }
        for w in &loaded.history.warnings {
            eprintln!("  warning: {w}");
        }
        print_written(&written);
    }
    Ok(schoolnets::error::exit::OK)
}

/// Each table school's network in a plan, the plan's network ids and names.
fn assignment_of(
    plan: &schoolnets::plan_file::PlanFile,
    table: &schoolnets::schools::SchoolTable,
) -> (Vec<Option<usize>>, Vec<String>, Vec<String>) {
    let ids: Vec<String> = plan.networks.iter().map(|n| n.network.clone()).collect();
    let names = plan.networks.iter().map(|n| n.name.clone()).collect();
    let of = table
        .schools
        .iter()
        .map(|s| {
            plan.assignment
                .get(&s.id)
                .and_then(|n| ids.iter().position(|i| i == n))
        })
        .collect();
    (of, ids, names)
}

/// A plan's networks as the backtest's groups.
fn plan_groups(
    plan: &schoolnets::plan_file::PlanFile,
    table: &schoolnets::schools::SchoolTable,
    label: &str,
) -> forecast::Groups {
    let (of_school, ids, _) = assignment_of(plan, table);
    forecast::Groups {
        of_school,
        count: ids.len(),
        what: format!("the {} networks of {label}", ids.len()),
    }
}
