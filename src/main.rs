//! The `schoolnets` command line. Reads inputs, calls the library, writes outputs, maps errors to exit codes.

mod cli;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cli::briefing::BriefingArgs;
use cli::compare::CompareArgs;
use cli::ensemble::EnsembleArgs;
use cli::forecast::ForecastArgs;
use cli::frontier::FrontierArgs;
use cli::import::ImportCommand;
use cli::plan::PlanArgs;
use cli::rebalance::RebalanceArgs;
use cli::serve::ServeArgs;
use cli::validate::ValidateArgs;
use schoolnets::error::{exit, Error};

/// Draw a school district's support networks: group its schools into networks of neighbouring campuses
/// that are balanced in enrollment and performance and each offer a K-12 pathway, then write maps and
/// balance reports.
///
/// With no table given, commands use the built-in Los Angeles Unified (LAUSD) 2018-19 table.
#[derive(Parser)]
#[command(name = "schoolnets", version, propagate_version = true)]
#[command(after_help = "Examples:
  schoolnets plan                                 LAUSD, default scenario, into out/
  schoolnets plan --networks 30 --tolerance 0.05  what if: 30 networks within ±5%
  schoolnets briefing                             both designs and their comparison, into out-briefing/
  schoolnets compare out out-feeder               two plan folders side by side
  schoolnets validate my-district.csv             check and summarise a table
  schoolnets import cde --district 3768338 --out sd.csv   San Diego Unified (state files built in)
  schoolnets plan --schools sd.csv --networks 6   ... planned with the default scenario, fitted to it

Exit codes: 0 ok; 1 plan written with --best-effort but some rules broken; 2 bad command line;
3 bad input file; 4 the scenario cannot be satisfied; 5 an output could not be written; 70 internal error.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Partition the schools into networks and write plan.json, the maps, the reports and schools.csv.
    ///
    /// Every network must be one connected piece of neighbouring campuses, hold between min and max
    /// schools, have an enrollment within the tolerance of the mean, and include the required high and
    /// middle schools; co-located schools stay together. Among plans that meet those rules, the most
    /// compact one found is kept. If the rules cannot all hold, nothing is written (exit code 4) and the
    /// message says which rule fails and what setting would work; --best-effort writes the closest plan.
    Plan(PlanArgs),
    /// Show what balance costs in distance: plans from no balance rule to the strictest the solver can meet.
    ///
    /// Writes frontier.csv, frontier.md and frontier.svg (compactness against balance strength). Strength 0
    /// has no balance rule; strength 1 holds every network to the district's own low-performing share and
    /// mean distance from standard (and FRPM and ethnic mix, with --balance frpm,ethnicity).
    Frontier(FrontierArgs),
    /// Put plans side by side: every figure and rule, the reference design, and the schools that move.
    ///
    /// Takes plan folders written by `plan` (or their plan.json files) and writes compare.md, compare.csv,
    /// moves.csv and report.html (each plan's map, from its folder's map.svg, then the comparison). Changes are counted against the first plan: networks are matched across
    /// plans by the schools they share (largest overlap first), and a school moves when its network in the
    /// other plan is not the one matched to its network in the first. With --ensemble DIR (what `ensemble`
    /// writes), each plan's percentile among the valid plans is added, with the firmness map.
    #[command(after_help = "Example:
  schoolnets plan --out out/neighborhood
  schoolnets plan --scenario feeder --out out/feeder
  schoolnets compare out/neighborhood out/feeder --out out/comparison
  schoolnets ensemble --plan out/neighborhood --out out/ensemble
  schoolnets compare out/neighborhood out/feeder --ensemble out/ensemble --out out/comparison")]
    Compare(CompareArgs),
    /// Everything for a board briefing in one run: the neighborhood plan, the feeder-pattern plan, and their
    /// comparison.
    ///
    /// Runs the two built-in scenarios (32 neighborhood networks, 33 feeder-pattern networks) on the same
    /// table and writes DIR/neighborhood/, DIR/feeder/ (each as `plan` writes them) and DIR/comparison/ (as
    /// `compare` writes it). Nothing is written unless both plans succeed.
    Briefing(BriefingArgs),
    /// Re-run an adopted plan on a new school table (a later year), moving as few schools as the rules need.
    ///
    /// Keeps every network of the adopted plan: schools still open stay in their network, closed schools drop
    /// out, new schools join the network of their nearest neighbouring campus, and then the fewest schools
    /// (or students, with --minimize students) move between neighbouring networks to bring every rule back
    /// within bounds. Feeder pathways are never broken in feeder mode. Writes the new plan (the four files of
    /// `plan`) and changes.md / changes.csv: each school moved, with the rule it fixes, schools added and
    /// removed, and every rule before and after.
    #[command(after_help = "Example:
  schoolnets plan --out out/2018
  schoolnets rebalance --plan out/2018 --schools data/lausd-2019-20.csv --out out/2019-20")]
    Rebalance(RebalanceArgs),
    /// Edit a plan in the browser, with every rule re-checked after each move.
    ///
    /// Starts a local web server (127.0.0.1 unless --host) and prints its address. The page shows the map
    /// (zoom with the wheel, pan by dragging), every rule with its margin and every network's figures. Click
    /// a school to move it (with its campus, or in feeder mode its pathway) to a neighbouring network, or
    /// drag it onto one; lock schools or networks and re-optimise the rest; undo, redo; compare with another
    /// design; Save writes a plan folder like `plan` does, plan.json recording the moves. The page works
    /// offline; its JSON API is in the README ("Editing a plan").
    #[command(after_help = "Examples:
  schoolnets serve                                  # edit the default LAUSD plan
  schoolnets plan --out out && schoolnets serve --plan out --out out-edited --port 8080")]
    Serve(ServeArgs),
    /// Forecast each school's enrollment for the next years, with intervals and a backtest.
    ///
    /// From the district's enrollment history (built in for LAUSD; --history FILE otherwise: what
    /// `import cde --history` writes, the CDE's yearly FRPM files, or its enrollment by grade files), the
    /// method the history's own backtest finds best: the district ratio, the neighbourhood trend, or grade
    /// progression where grades are given. Writes forecast.csv (each school, each year, 80% interval),
    /// backtest.csv and forecast.md (the method and why, the backtest beside the two baselines, schools that
    /// opened or closed; with --plan, each network's outlook).
    #[command(after_help = "Examples:
  schoolnets forecast                                  LAUSD 2018-19, three years ahead, into out-forecast/
  schoolnets forecast --plan out --years 2             ... with the outlook of the plan in out/
  schoolnets import cde --district 3768338 --out sd.csv --history sd-history.csv
  schoolnets forecast --schools sd.csv --history sd-history.csv --out sd-forecast")]
    Forecast(ForecastArgs),
    /// Draw many valid plans around a plan: is it typical, and which of its boundaries are firm?
    ///
    /// Runs independent Markov chains (in parallel) from the plan, each state a plan that keeps every rule
    /// of the plan's scenario on each network (sizes, enrollment band, levels, balance rules, forecast
    /// years, connected networks, whole campuses or pathways, pins, barriers). Proposals merge two
    /// neighbouring networks and split them again along a random spanning tree, or move one campus across
    /// a boundary; a Metropolis-Hastings test makes the chain draw plans in proportion to the product of
    /// their networks' spanning-tree counts (the measure redistricting ensembles use). Comparable plans
    /// only: at most --slack percent (10) less compact than the plan. Writes ensemble.html (each figure's
    /// histogram with the plan's percentile, the firmness map, fragile pairings, R-hat), ensemble.md,
    /// ensemble.json, samples.csv, fragile-pairings.csv, firmness.geojson, firmness.svg and graph.json.
    #[command(after_help = "Examples:
  schoolnets ensemble                                    # around the default LAUSD plan, into out-ensemble/
  schoolnets plan --out out && schoolnets ensemble --plan out --proposals 200000 --out out-ensemble
  schoolnets ensemble --plan out --mark out-feeder      # mark another design on every histogram")]
    Ensemble(EnsembleArgs),
    /// Check a school table and print a summary (counts, missing data, campuses, feeder links).
    Validate(ValidateArgs),
    /// Build a school table from public data.
    #[command(subcommand)]
    Import(ImportCommand),
}

/// The command line, every option that takes a value accepting a negative number (`--tolerance -0.1`),
/// so the option's own range check says what is wrong instead of clap's "unexpected argument '-0'".
fn command() -> clap::Command {
    fn negatives(c: clap::Command) -> clap::Command {
        c.mut_args(|a| {
            if a.get_action().takes_values() {
                a.allow_negative_numbers(true)
            } else {
                a
            }
        })
        .mut_subcommands(negatives)
    }
    negatives(Cli::command())
}

fn main() {
    // Output piped into `head` that closes early ends the process quietly, as for other Unix tools,
    // instead of failing a write deep inside a report.
    #[cfg(target_os = "linux")]
    // SAFETY: restores the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", Error::Internal(info.to_string()));
        std::process::exit(exit::INTERNAL);
    }));
    let cli = match command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Plan(a) => cli::plan::run(a),
        Command::Frontier(a) => cli::frontier::run(a),
        Command::Compare(a) => cli::compare::run(a),
        Command::Briefing(a) => cli::briefing::run(a),
        Command::Rebalance(a) => cli::rebalance::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::Forecast(a) => cli::forecast::run(a),
        Command::Ensemble(a) => cli::ensemble::run(a),
        Command::Validate(a) => cli::validate::run(a),
        Command::Import(ImportCommand::Cde(a)) => cli::import::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("schoolnets: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
