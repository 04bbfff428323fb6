//! Maps of a plan: `networks.geojson` for GIS, `map.svg` and `map.png` for people.
//!
//! [`Map::new`] gathers what every map needs once: the networks' territories ([`crate::territories`]), their
//! fills ([`colours`]) and the title. The writers are pure functions of a `Map`:
//! [`geojson::geojson`], [`svg::svg`] and [`png::png`] (which renders the SVG).

pub mod colours;
pub mod geojson;
pub mod png;
pub mod svg;

pub use colours::ColourBy;

use crate::geography::Outline;
use crate::plans::Plan;
use crate::schools::SchoolTable;
use crate::territories::{self, Site, Territories};
use crate::text::thousands;

/// How to draw the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOptions {
    pub colour_by: ColourBy,
    /// The date printed in the title (`YYYY-MM-DD`); part of the inputs, so outputs stay reproducible.
    pub date: String,
    /// Schools to ring in red (by id), with what the ring means: the briefing's map of the schools whose
    /// network differs between two designs. Empty: none.
    pub highlight: Vec<String>,
    /// Each network's fill kept from another map (the plan the editor started from), so that a network
    /// keeps its colour through edits and in the folder saved from them; used when the map colours
    /// networks apart and the count matches. `None`: drawn afresh.
    pub kept_fills: Option<Vec<&'static str>>,
}

impl MapOptions {
    /// `fills` with the kept network colours put in, where they apply.
    pub fn keep_fills(&self, mut fills: colours::Fills) -> colours::Fills {
        if let Some(kept) = &self.kept_fills {
            if self.colour_by == ColourBy::Networks && kept.len() == fills.fills.len() {
                fills.fills = kept.clone();
            }
        }
        fills
    }
}

/// Everything the map writers need for one plan.
pub struct Map<'a> {
    pub plan: &'a Plan,
    pub table: &'a SchoolTable,
    pub territories: Territories,
    /// The regions' territories (the same Voronoi cells merged by region), when the plan has regions.
    pub regions: Option<Territories>,
    /// Affiliation group id of each school in one (the last listed, if several).
    pub affiliation_of_school: Vec<Option<String>>,
    pub fills: colours::Fills,
    pub options: MapOptions,
}

impl<'a> Map<'a> {
    /// Builds the territories and colours of `plan`'s networks.
    pub fn new(
        plan: &'a Plan,
        table: &'a SchoolTable,
        outline: Option<&Outline>,
        options: MapOptions,
    ) -> Map<'a> {
        let sites = Map::sites(plan, table);
        // A county outline's survey points are simplified for drawing (see `Outline::for_maps`).
        let simplified = outline.map(Outline::for_maps);
        let outline = simplified.as_deref();
        // The networks' and the regions' territories are merged from the same cells.
        let cells = territories::Cells::new(&sites, outline);
        let territories = cells.territories(&sites, plan.file.networks.len());
        let regions = Map::region_of(plan).map(|of| {
            let count = plan.file.regions.as_ref().map_or(0, |r| r.regions.len());
            cells.territories(&Map::region_sites(&sites, &of), count)
        });
        Map::with_territories(plan, table, territories, regions, options)
    }

    /// Each school as a site of its network, in table order: what territories are drawn from.
    pub fn sites(plan: &Plan, table: &SchoolTable) -> Vec<Site> {
        table
            .schools
            .iter()
            .zip(&plan.school_network)
            .map(|(s, &network)| Site {
                lat: s.lat,
                lon: s.lon,
                network,
            })
            .collect()
    }

    /// Each network's region index, from the region names the networks carry; `None` without regions.
    pub fn region_of(plan: &Plan) -> Option<Vec<usize>> {
        plan.file.regions.as_ref().and_then(|r| {
            plan.file
                .networks
                .iter()
                .map(|n| {
                    let name = n.region.as_deref()?;
                    r.regions.iter().position(|g| g.region == name)
                })
                .collect()
        })
    }

    /// The network sites as sites of their regions (`of`: each network's region).
    pub fn region_sites(sites: &[Site], of: &[usize]) -> Vec<Site> {
        sites
            .iter()
            .map(|s| Site {
                network: of[s.network],
                ..*s
            })
            .collect()
    }

    /// The map of `plan` on territories already drawn (the editor keeps those of networks that did not
    /// change): each school's affiliation group and the networks' colours.
    pub fn with_territories(
        plan: &'a Plan,
        table: &'a SchoolTable,
        territories: Territories,
        regions: Option<Territories>,
        options: MapOptions,
    ) -> Map<'a> {
        let index = table.index();
        let mut affiliation_of_school = vec![None; table.schools.len()];
        for a in &plan.file.affiliations {
            for g in &a.groups {
                for m in &g.members {
                    if let Some(&i) = index.get(m.id.as_str()) {
                        affiliation_of_school[i] = Some(g.id.clone());
                    }
                }
            }
        }
        let fills = options.keep_fills(colours::fills(
            options.colour_by,
            &plan.file.networks,
            &territories.neighbours,
            plan.file.scenario.size.enrollment_tolerance * 100.0,
            plan.file.outlook.as_ref(),
        ));
        Map {
            plan,
            table,
            territories,
            regions,
            affiliation_of_school,
            fills,
            options,
        }
    }

    /// "Community neighborhood networks: 32 networks".
    pub fn title(&self) -> String {
        let f = &self.plan.file;
        format!("{}: {} networks", f.scenario.name, f.networks.len())
    }

    /// Schools, students, seed, date and whether every rule holds.
    pub(crate) fn subtitle(&self) -> String {
        let f = &self.plan.file;
        format!(
            "{} schools, {} students · seed {} · {} · {}",
            thousands(f.input.schools as f64),
            thousands(f.input.enrollment as f64),
            f.seed,
            self.options.date,
            if f.all_constraints_hold {
                "every rule holds"
            } else {
                "some rules do not hold"
            }
        )
    }

    /// How the territories were drawn, for the map's footnote.
    pub(crate) fn method_note(&self) -> String {
        let t = &self.territories;
        if let Some(note) = &t.note {
            return format!("No territories drawn: {note}.");
        }
        let bound = match t.bounds {
            territories::Bounds::Outline => {
                let mut s = "clipped to the district outline".to_string();
                if t.outside > 0 {
                    s.push_str(&format!(
                        " (grown to reach {} school{} outside it)",
                        t.outside,
                        if t.outside == 1 { "" } else { "s" }
                    ));
                }
                s
            }
            territories::Bounds::Hull => format!(
                "clipped to the schools' hull plus {} km (no district outline given)",
                territories::HULL_BUFFER_KM
            ),
        };
        format!("Territories: each campus's nearest area (Voronoi), merged by network and {bound}.")
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, the default for [`MapOptions::date`].
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    civil_from_days(days)
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's civil calendar algorithm).
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Years a plan may be dated in: a date before 1900 or after 2199 is a typo (`0000-01-01`), not a plan.
pub const DATE_YEARS: std::ops::RangeInclusive<u32> = 1900..=2199;

/// Whether `s` is a `YYYY-MM-DD` calendar date in [`DATE_YEARS`].
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && {
            let year: u32 = s[..4].parse().unwrap_or(0);
            let month: u32 = s[5..7].parse().unwrap_or(0);
            let day: u32 = s[8..10].parse().unwrap_or(0);
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let days = match month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => 0,
            };
            (1..=days).contains(&day) && DATE_YEARS.contains(&year)
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_779), "2026-11-22");
        assert_eq!(civil_from_days(11_016), "2000-02-29");
        assert!(is_date("2026-11-22"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("22/11/2026"));
        // Calendar dates only: no 30 February, a 29th only in leap years.
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026-02-29"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(is_date("2000-02-29"));
        assert!(!is_date("2026-04-31"));
        assert!(!is_date("2026-00-10"));
    }
}
