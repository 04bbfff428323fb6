//! The partitioner: assigns every unit (campus, or pathway) to one of `k` networks.
//!
//! Pure functions over plain data: no files, no printing, no school rule by name. The rooms, lowest first:
//! - [`problem`]: the vocabulary ([`Problem`], its units' sums, the [`Limits`] as generic terms, the soft
//!   goals, [`Settings`], [`Solution`]);
//! - [`moves`]: a [`moves::Move`] as a value; [`state`]: the partition with its running totals, which
//!   prices, applies and undoes moves;
//! - [`seed`], [`assign`] (with [`flow`]), [`repair`], [`search`], [`exact`]: the steps of a search;
//! - [`restarts`]: the pipeline of one restart ([`restarts::solve_once`]: seed, capacitated assignment
//!   with Lloyd rounds, [`restarts::finish`]) and the restarts run in parallel;
//! - [`parts`] (large problems split), [`pockets`] (a graph in pieces: each pocket its share of networks), [`pairs`] (pairs and groups of networks re-solved), [`groups`]
//!   (bands on groups of networks), [`bound`] (a proven lower bound on compactness).
//!
//! [`solve`] is the entry: problems of more than [`parts::SPLIT_ABOVE`] networks are solved in parts,
//! problems of at most `exact::MAX_UNITS` units exhaustively, the rest by restarts; then the best plan's
//! pairs of neighbouring networks are re-solved (`pairs::improve`) when [`Settings::pairs`] is on.
//! Restarts run in parallel (rayon) with seeds derived from the scenario seed; the winner is chosen by
//! (violation, compactness, restart index), so the result does not depend on the thread count.

pub mod assign;
pub mod bound;
pub mod exact;
pub mod flow;
pub mod groups;
pub mod moves;
pub mod pairs;
pub mod parts;
pub mod pockets;
pub mod problem;
pub mod repair;
pub mod restarts;
pub mod search;
pub mod seed;
pub mod state;

pub use moves::Move;
pub use problem::{
    Assignment, Column, Counted, Homes, Limits, Links, Per, Problem, Quantity, Settings, Shifted,
    Size, Solution, Term, Totals, UnitData, Watch, MAX_SUMS, PIN_POINTS,
};
pub(crate) use restarts::from_start;
pub use restarts::{finish, solve_once};
pub use state::Partition;

/// Solves a problem: the best of `settings.restarts` restarts (run in parallel), its pairs of neighbouring
/// networks re-solved when `settings.pairs` is on. `progress` is called once per finished restart (from
/// worker threads). Problems with more than [`parts::SPLIT_ABOVE`] networks are solved part by part
/// ([`parts`]); problems of at most `exact::MAX_UNITS` units are searched exhaustively: the result is
/// optimal, and if it breaks a rule, no plan can meet them all.
pub fn solve(p: &Problem, settings: Settings, progress: &(dyn Fn() + Sync)) -> Solution {
    let best = solve_ranked(p, settings, progress)
        .into_iter()
        .next()
        .expect("at least one solution");
    if settings.pairs {
        pairs::improve(p, best, settings, None)
    } else {
        best
    }
}

/// Every restart's solution, best first, without pair re-solving (whatever `settings.pairs` says): for
/// callers that check rules the solver does not see (support regions, drawn from the finished networks)
/// and fall back to the next restart when the best breaks them. Problems solved in parts or exhaustively
/// give one solution.
pub(crate) fn solve_ranked(
    p: &Problem,
    settings: Settings,
    progress: &(dyn Fn() + Sync),
) -> Vec<Solution> {
    // A graph in pieces (pockets closed by barriers) is solved pocket by pocket, each with its share of
    // the networks; tiny problems are searched exhaustively whatever their shape.
    let pocketed = (p.limits.connected && p.units.len() > exact::MAX_UNITS)
        .then(|| pockets::solve(p, settings, progress))
        .flatten();
    let ranked = if let Some(s) = pocketed {
        vec![s]
    } else if p.k > parts::SPLIT_ABOVE {
        vec![parts::solve(p, settings, progress)]
    } else {
        restarts::ranked_direct(p, settings, progress)
    };
    exhausted(p, ranked)
}

/// When the search found no plan and the problem is small enough, every split that could meet the bands
/// is searched ([`exact::solve_pruned`]): the plan the heuristic missed, or the proof that there is none
/// (the heuristic's closest plan, marked exhaustive). Plans the heuristic found are left as they are.
fn exhausted(p: &Problem, ranked: Vec<Solution>) -> Vec<Solution> {
    let failed = ranked
        .first()
        .is_some_and(|s| s.violation > 0.0 && !s.exhaustive);
    if !failed || p.units.len() <= exact::MAX_UNITS {
        return ranked;
    }
    match exact::solve_pruned(p) {
        exact::Searched::Proven(Some(a)) => {
            vec![Solution::of(&state::State::new(p, a), 0, true)]
        }
        exact::Searched::Proven(None) => {
            let mut ranked = ranked;
            ranked.truncate(1);
            ranked[0].exhaustive = true;
            ranked
        }
        exact::Searched::TooLarge => ranked,
    }
}
