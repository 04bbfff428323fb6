//! Data compiled into the binary, so `schoolnets plan` works from any folder with no arguments.

/// The canonical LAUSD 2018-19 school table, built by `schoolnets import cde` from `data/cde-lausd/`.
pub const LAUSD_2018_CSV: &str = include_str!("../data/lausd-2018.csv");
/// How the built-in table is named in messages and plan.json.
pub(crate) const LAUSD_2018_NAME: &str = "data/lausd-2018.csv (built in)";
/// LAUSD's outline: US Census TIGER/Line 2012 school districts (about 10 m), as `schoolnets import cde
/// --district 1964733` writes it from `data/cde/ca_districts_2012.topojson`.
pub const LAUSD_BOUNDARY: &str = include_str!("../data/lausd_boundary.geojson");
/// How the built-in outline is named.
pub(crate) const LAUSD_BOUNDARY_NAME: &str = "data/lausd_boundary.geojson (built in)";
/// LAUSD's enrollment history, 2016-17 to 2020-21: every school's students each year, built by
/// `schoolnets import cde --history` from the FRPM files in `data/cde-lausd/`. The built-in table is of
/// 2018-19, so its forecasts use 2016-17 and 2017-18, and the later years are what happened.
pub const LAUSD_HISTORY_CSV: &str = include_str!("../data/lausd-history.csv");
/// How the built-in history is named.
pub(crate) const LAUSD_HISTORY_NAME: &str = "data/lausd-history.csv (built in)";
