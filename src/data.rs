//! Data compiled into the binary, so `schoolnets plan` works from any folder with no arguments.

/// The canonical LAUSD 2018-19 school table, built by `schoolnets import cde` from `data/cde-lausd/`.
pub const LAUSD_2018_CSV: &str = include_str!("../data/lausd-2018.csv");
/// How the built-in table is named in messages and plan.json.
pub(crate) const LAUSD_2018_NAME: &str = "data/lausd-2018.csv (built in)";
/// LAUSD's outline (US Census TIGER/Line 2016, coarse).
pub const LAUSD_BOUNDARY: &str = include_str!("../data/lausd_boundary.geojson");
/// How the built-in outline is named.
pub(crate) const LAUSD_BOUNDARY_NAME: &str = "data/lausd_boundary.geojson (built in)";
