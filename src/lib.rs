//! schoolnets: draws a school district's support networks.
//!
//! A district's schools are grouped into networks of neighbouring campuses (or of whole feeder pathways),
//! balanced in enrollment and make-up, and each network's figures and every rule are measured and written
//! as maps and reports. ARCHITECTURE.md maps the code; this page lists the rooms by the way data flows
//! through them, one way, from the files read to the files written:
//!
//! 1. **Inputs** (the only readers of files): [`inputs`] (school table, outline, scenario),
//!    [`folder`] (plan folders read back), [`import`] (California Department of Education files), all
//!    through [`limits`].
//! 2. **What a district is**: [`schools`] (the table), [`geography`] (distances, the outline),
//!    [`scenarios`] (the rules), [`validate`] (whole-table checks), and what the planner imposes:
//!    [`pins`] (schools kept together in a named network) and [`barriers`] (lines no network crosses).
//! 3. **Units and adjacency**: [`units`] (campuses and which touch), [`pathways`] (feeder pathways),
//!    on the shared [`graph`]; **rules**: [`rules`], every rule of the scenario defined once (its words,
//!    the quantity it bounds, its bounds and points), with the only sum builder, the solver's limits, every
//!    check and the proofs of infeasibility.
//! 4. **Solve**: [`solver`], which knows only its [`solver::Problem`] (plus [`graph`] and [`seeds`]): sums,
//!    generic bounds, a graph.
//! 5. **Measure**: [`metrics`] (each network's figures) and [`rules`] (every rule's check), then the
//!    design's upper levels: [`regions`], [`affiliations`], [`staffing`]. [`plans`] runs steps 3-5 and
//!    holds the plan, whose file format is [`plan_file`] (plan.json, versioned, with a JSON Schema);
//!    [`rebalance`] and [`frontier`] run it again under other conditions; [`compare`] puts plans side
//!    by side; [`editor`] lets a planner move schools by hand, every rule re-checked.
//! 6. **Write**: [`territories`] and [`maps`] (GeoJSON, SVG, PNG), [`reports`] (one content model,
//!    rendered to Markdown, HTML and CSV), with numbers formatted by [`text`]; [`output`] commits a
//!    folder's files all together or not at all.
//!
//! Everything between the readers and [`output`] is a pure function of its inputs, so tests drive the
//! solver and the metrics directly.
//!
//! # Example
//!
//! Plan the built-in LAUSD table with the default scenario (one restart, to be quick) and read the
//! result:
//!
//! ```
//! use schoolnets::inputs::{LoadedOutline, LoadedTable};
//! use schoolnets::plans::{make_plan, PlanInputs};
//! use schoolnets::scenarios::Scenario;
//!
//! let table = LoadedTable::built_in()?.table;
//! let outline = LoadedOutline::built_in()?.outline;
//! let mut scenario = Scenario::default_scenario();
//! scenario.solver.restarts = 1;
//! let inputs = PlanInputs::new(&table, &scenario).with_outline(&outline).best_effort(true);
//! let plan = make_plan(&inputs, &|| {})?;
//! assert_eq!(plan.file.networks.len(), 32);
//! for rule in &plan.file.constraints {
//!     println!("{}: {} ({})", rule.key, rule.holds, rule.observed);
//! }
//! # Ok::<(), schoolnets::Error>(())
//! ```

pub mod affiliations;
pub mod barriers;
pub mod compare;
pub mod data;
pub mod editor;
pub mod ensemble;
pub mod error;
pub mod folder;
pub mod forecast;
pub mod frontier;
pub mod geography;
pub mod graph;
pub mod history;
pub mod import;
pub mod inputs;
pub mod limits;
pub mod maps;
pub mod metrics;
pub mod names;
pub mod output;
pub mod pathways;
pub mod pins;
pub mod plan_file;
pub mod plans;
pub mod rebalance;
pub mod regions;
pub mod reports;
pub mod rules;
pub mod scenarios;
pub mod schools;
pub mod seeds;
pub mod solver;
pub mod staffing;
pub mod synthetic;
pub mod territories;
pub mod text;
pub mod units;
pub mod validate;

pub use error::{Error, Result};
