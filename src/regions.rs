//! Support regions: a plan's networks grouped into a few regions (the seed design's 6), each connected,
//! balanced in enrollment and number of schools, and compact.
//!
//! This is the network problem one level up, so it reuses the solver: each network becomes one unit (its
//! campuses contracted, positioned at the school-weighted mean), two networks are neighbours when any of
//! their campuses are, and the solver partitions those units into `count` connected regions within the
//! enrollment and school-count bands, minimising Σ schools × squared km from network centres to region
//! centres. Pure: no file I/O.

use crate::plan_file::{NetworkMetrics, RegionMetrics, Regions};
use crate::solver::{self, Homes, Limits, Problem, Settings, UnitData};
use crate::text::round;
use crate::units::{Adjacency, Units};

/// Price, in km² of compactness, of one school whose network leaves its adopted region: far above any
/// change in a district's compactness, so regions change only where a rule needs it.
const PRICE_PER_SCHOOL_MOVED: f64 = 1e6;

/// Restarts of the region search when the scenario's own restarts leave a rule broken: the region problem
/// is tiny (a few dozen networks), so many restarts cost little (BENCHMARKS.md, `lausd/regions`).
pub(crate) const RESTARTS_WHEN_BROKEN: usize = 64;

/// The bands on each region's totals, (schools, students), as the rule set defines them
/// (`crate::rules::RuleSet::region_bands`).
pub type Bands = ((f64, f64), (f64, f64));

/// Groups the networks of a plan into `count` regions within `bands`. `school_network[i]` indexes
/// `networks`; `campuses` and `adjacency` are the plan's campuses and their adjacency graph. `adopted`,
/// when re-running an adopted plan, gives each network's region in it (index into the adopted `R1`, `R2`,
/// ...): the search then starts there, every school whose network changes region is priced far above
/// compactness, and the adopted names stay. The rule set checks the regions' rules.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    campuses: &Units,
    adjacency: &Adjacency,
    school_network: &[usize],
    networks: &[NetworkMetrics],
    count: usize,
    bands: Bands,
    settings: Settings,
    adopted: Option<&[usize]>,
) -> Regions {
    let k = networks.len();
    let mut found = search(
        campuses,
        adjacency,
        school_network,
        k,
        count,
        bands,
        settings,
        adopted,
    );
    // The adopted regions are kept where the rules allow: when the search from them cannot meet the
    // bands, a fresh grouping that does wins (the regions are then renamed north to south).
    let mut keep_names = adopted.is_some();
    if keep_names && found.solution.violation > 0.0 {
        let fresh = search(
            campuses,
            adjacency,
            school_network,
            k,
            count,
            bands,
            settings,
            None,
        );
        if fresh.solution.violation < found.solution.violation {
            found = fresh;
            keep_names = false;
        }
    }
    measure(
        &found.units,
        &found.graph,
        networks,
        &found.solution.assignment,
        count,
        keep_names,
    )
}

/// What the region search found: the networks as units, their graph and the solver's grouping.
struct Found {
    units: Units,
    graph: Adjacency,
    solution: solver::Solution,
}

/// The region search of [`draw`]: networks (labelled as in `school_network`, `k` of them) contracted into
/// units and partitioned by the solver into `count` regions within `bands`.
#[allow(clippy::too_many_arguments)]
fn search(
    campuses: &Units,
    adjacency: &Adjacency,
    school_network: &[usize],
    k: usize,
    count: usize,
    (schools_band, enrollment_band): Bands,
    settings: Settings,
    adopted: Option<&[usize]>,
) -> Found {
    let network_of_campus: Vec<usize> = campuses
        .units
        .iter()
        .map(|u| school_network[u.schools[0]])
        .collect();
    let units = campuses.contract(&network_of_campus, k);
    let graph = adjacency.contract(&network_of_campus, k);
    let data: Vec<UnitData> = units
        .units
        .iter()
        .map(|u| UnitData {
            pos: u.pos,
            schools: u.schools.len() as u32,
            enrollment: u.enrollment as f64,
        })
        .collect();
    let homes = match adopted {
        Some(a) => Homes {
            cost: PRICE_PER_SCHOOL_MOVED,
            of_unit: a
                .iter()
                .zip(&data)
                .map(|(&r, u)| Some((r, f64::from(u.schools))))
                .collect(),
        },
        None => Homes::default(),
    };
    let problem = Problem {
        homes,
        ..Problem::new(
            data,
            graph.graph.clone(),
            count,
            Limits::basic(
                schools_band.0.ceil() as u32,
                schools_band.1.floor() as u32,
                enrollment_band.0,
                enrollment_band.1,
            ),
        )
    };
    let run = |settings: Settings| match adopted {
        Some(start) => solver::from_start(&problem, start.to_vec(), settings, &|| {}),
        None => solver::solve(&problem, settings, &|| {}),
    };
    let mut solution = run(settings);
    if solution.violation > 0.0 {
        // A region search costs milliseconds (a few dozen units), so when the scenario's restarts leave a
        // rule broken, many more are tried before the plan is declared broken.
        let more = run(Settings {
            restarts: RESTARTS_WHEN_BROKEN.max(settings.restarts),
            ..settings
        });
        if (more.violation, more.cost) < (solution.violation, solution.cost) {
            solution = more;
        }
    }
    Found {
        units,
        graph,
        solution,
    }
}

/// Whether the networks of a plan (`school_network`, labelled as the plan names them, `k` of them) can be
/// grouped into `count` regions within `bands`: the search [`draw`] makes finds a grouping that holds.
pub(crate) fn hold(
    campuses: &Units,
    adjacency: &Adjacency,
    school_network: &[usize],
    k: usize,
    count: usize,
    bands: Bands,
    settings: Settings,
) -> bool {
    let found = search(
        campuses,
        adjacency,
        school_network,
        k,
        count,
        bands,
        settings,
        None,
    );
    found.solution.violation <= 0.0
}

/// When no grouping of a plan's networks keeps the region bands, shifts units across network borders
/// that are also borders of the closest grouping found, until it does ([`solver::groups::repair`]):
/// networks are drawn before regions and cannot see their bands, and the closest grouping usually misses
/// by a few hundred students. `problem` and `assignment` are the plan's search (its units, `planning`, →
/// networks); `school_network` is the same plan per school, with the networks labelled as the plan names
/// them (which the region search depends on). Returns the new assignment with each of the search's
/// networks' region, or `None` when the regions already hold or no repair is found.
#[allow(clippy::too_many_arguments)]
pub(crate) fn repair_networks(
    problem: &Problem,
    assignment: &[usize],
    planning: &Units,
    campuses: &Units,
    adjacency: &Adjacency,
    school_network: &[usize],
    count: usize,
    bands: Bands,
    settings: Settings,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let k = problem.k;
    let found = search(
        campuses,
        adjacency,
        school_network,
        k,
        count,
        bands,
        settings,
        None,
    );
    if found.solution.violation <= 0.0 {
        return None;
    }
    // The region of each of the search's networks, through the plan's label of the network.
    let mut group = vec![0; k];
    for (u, &c) in assignment.iter().enumerate() {
        group[c] = found.solution.assignment[school_network[planning.units[u].schools[0]]];
    }
    let bands = solver::groups::GroupBands {
        group,
        count,
        enrollment: bands.1,
        schools: bands.0,
    };
    let fitted = solver::groups::repair(problem, assignment.to_vec(), &bands)?;
    Some((fitted, bands.group))
}

/// Figures of the regions of `assignment` (network → region index), numbered north to south (or, with
/// `keep_names`, in index order: region `i` is `R{i+1}`).
fn measure(
    units: &Units,
    graph: &Adjacency,
    networks: &[NetworkMetrics],
    assignment: &[usize],
    count: usize,
    keep_names: bool,
) -> Regions {
    let centres = units.centres(assignment, count);
    let order: Vec<usize> = if keep_names {
        (0..count).collect()
    } else {
        crate::geography::north_to_south(&centres)
    };
    let mut rank = vec![0; count];
    for (i, &r) in order.iter().enumerate() {
        rank[r] = i;
    }
    let of_network: Vec<usize> = assignment.iter().map(|&r| rank[r]).collect();
    let total_schools: usize = networks.iter().map(|m| m.schools).sum();
    let total_students: u64 = networks.iter().map(|m| m.enrollment).sum();
    let mean_schools = total_schools as f64 / count as f64;
    let mean_students = total_students as f64 / count as f64;
    let mut compactness = 0.0;
    let regions = order
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let members: Vec<usize> = (0..networks.len())
                .filter(|&n| assignment[n] == r)
                .collect();
            let schools: usize = members.iter().map(|&n| networks[n].schools).sum();
            let enrollment: u64 = members.iter().map(|&n| networks[n].enrollment).sum();
            let member: Vec<bool> = (0..networks.len()).map(|n| assignment[n] == r).collect();
            let (lat, lon) = centres[r];
            let c = units.projection.forward(lat, lon);
            for &n in &members {
                let p = units.units[n].pos;
                compactness += units.units[n].schools.len() as f64
                    * ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2));
            }
            RegionMetrics {
                region: format!("R{}", i + 1),
                networks: members
                    .iter()
                    .map(|&n| networks[n].network.clone())
                    .collect(),
                schools,
                enrollment,
                enrollment_deviation_pct: round(
                    (enrollment as f64 - mean_students) / mean_students * 100.0,
                    1,
                ),
                schools_deviation_pct: round(
                    (schools as f64 - mean_schools) / mean_schools * 100.0,
                    1,
                ),
                low_performing_schools: members
                    .iter()
                    .map(|&n| networks[n].low_performing_schools)
                    .sum(),
                connected: graph.is_connected(&member),
                centre_lat: round(lat, 5),
                centre_lon: round(lon, 5),
            }
        })
        .collect();
    Regions {
        of_network,
        compactness_km2: round(compactness, 1),
        regions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geography::Projection;
    use crate::plan_file::AdjacencyStats;
    use crate::scenarios::RegionRules;
    use crate::units::Unit;

    /// A 6 × 4 grid of networks, one campus each (the campus is the network), 10 schools and 1,000 students
    /// each, neighbours along grid lines.
    fn grid() -> (Units, Adjacency, Vec<usize>, Vec<NetworkMetrics>) {
        let (w, h) = (6, 4);
        let projection = Projection::centred_on([(34.0, -118.0)].into_iter());
        let mut units = Vec::new();
        let mut neighbors = vec![Vec::new(); w * h];
        let mut school_network = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (lat, lon) = (34.0 + y as f64 * 0.05, -118.0 + x as f64 * 0.05);
                units.push(Unit {
                    schools: (i * 10..i * 10 + 10).collect(),
                    pos: projection.forward(lat, lon),
                    lat,
                    lon,
                    enrollment: 1000,
                    high: 1,
                    middle: 1,
                });
                school_network.extend(std::iter::repeat_n(i, 10));
                if x + 1 < w {
                    neighbors[i].push(i + 1);
                    neighbors[i + 1].push(i);
                }
                if y + 1 < h {
                    neighbors[i].push(i + w);
                    neighbors[i + w].push(i);
                }
            }
        }
        let networks = (0..w * h)
            .map(|i| NetworkMetrics {
                network: format!("N{:02}", i + 1),
                schools: 10,
                enrollment: 1000,
                ..NetworkMetrics::default()
            })
            .collect();
        let units = Units {
            of_school: school_network.clone(),
            units,
            projection,
            campus_stats: Default::default(),
        };
        let adjacency = Adjacency {
            graph: std::sync::Arc::new(crate::graph::Graph::from_lists(neighbors)),
            stats: AdjacencyStats::default(),
            barrier_links: Vec::new(),
        };
        (units, adjacency, school_network, networks)
    }

    #[test]
    fn grid_networks_form_balanced_connected_regions() {
        let (units, adjacency, school_network, networks) = grid();
        let rules = RegionRules {
            count: 6,
            enrollment_tolerance: 0.01,
            schools_tolerance: 0.01,
        };
        let settings = Settings::new(1, 2);
        let run = |adopted: Option<&[usize]>| {
            let regions = draw(
                &units,
                &adjacency,
                &school_network,
                &networks,
                rules.count,
                crate::rules::region_bands(240.0, 24_000.0, &rules),
                settings,
                adopted,
            );
            let checks =
                crate::rules::check_region_rules(&rules, 240.0, 24_000.0, &regions.regions);
            (regions, checks)
        };
        let (regions, checks) = run(None);
        assert!(checks.iter().all(|c| c.holds), "{checks:#?}");
        assert_eq!(regions.regions.len(), 6);
        for r in &regions.regions {
            assert_eq!((r.schools, r.enrollment, r.networks.len()), (40, 4000, 4));
            assert!(r.connected);
        }
        // Numbered north to south: R1's centre is at least as far north as R6's.
        assert!(regions.regions[0].centre_lat >= regions.regions[5].centre_lat);
        // Every network has a region, and the regions list each network once.
        let mut listed: Vec<&String> = regions.regions.iter().flat_map(|r| &r.networks).collect();
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), 24);
        assert_eq!(regions.of_network.len(), 24);
        // Same seed, same regions.
        let (again, _) = run(None);
        assert_eq!(again, regions);
        // Re-drawn from itself as the adopted regions: nothing changes, names included.
        let (kept, checks) = run(Some(&regions.of_network));
        assert!(checks.iter().all(|c| c.holds));
        assert_eq!(kept.regions, regions.regions);
    }

    #[test]
    fn an_impossible_band_is_reported_with_its_margin() {
        let (units, adjacency, school_network, mut networks) = grid();
        // One network five times as large as the others: no split into 6 regions within ±1%.
        networks[0].enrollment = 5000;
        let mut units = units;
        units.units[0].enrollment = 5000;
        let rules = RegionRules {
            count: 6,
            enrollment_tolerance: 0.01,
            schools_tolerance: 0.5,
        };
        let settings = Settings::new(1, 1);
        let regions = draw(
            &units,
            &adjacency,
            &school_network,
            &networks,
            rules.count,
            crate::rules::region_bands(240.0, 28_000.0, &rules),
            settings,
            None,
        );
        let checks = crate::rules::check_region_rules(&rules, 240.0, 28_000.0, &regions.regions);
        let band = checks
            .iter()
            .find(|c| c.key == "region_enrollment_band")
            .unwrap();
        assert!(
            !band.holds && band.margin < 0.0 && !band.failing_networks.is_empty(),
            "{band:#?}"
        );
    }
}
