//! schoolnets: draws a school district's support networks.
//!
//! Data flows one way: [`schools`] (load) → [`validate`] → [`units`] (campuses and adjacency) →
//! [`solver`] (partition) → [`metrics`] (measure) → [`plans`], [`reports`], [`maps`] (write, via
//! [`output`]). [`import`] builds the school table from California Department of Education files.
//! Everything except the command line (`main.rs`) and [`output`] is free of I/O side effects on the
//! outputs, so tests can drive the solver and the metrics directly. ARCHITECTURE.md maps the code.

pub mod affiliations;
pub mod compare;
pub mod data;
pub mod error;
pub mod folder;
pub mod frontier;
pub mod geography;
pub mod graph;
pub mod import;
pub mod inputs;
pub mod limits;
pub mod maps;
pub mod metrics;
pub mod output;
pub mod pathways;
pub mod plans;
pub mod rebalance;
pub mod regions;
pub mod reports;
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
