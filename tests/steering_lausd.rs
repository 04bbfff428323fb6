//! Pins and barriers on LAUSD, end to end through the command line: the pinned schools share and name their
//! networks, no network reaches across the Santa Monica Mountains ridge (recomputed here from the
//! coordinates, on the plain adjacency, not read from the solver), `rebalance` keeps the pins, and bad pins
//! or barriers are refused with located errors and nothing written.

mod common;

use schoolnets::schools::read_table;
use schoolnets::units::{Adjacency, Units};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const PINS: &str = "scenarios/lausd-pins.csv";
const RIDGE: &str = "scenarios/santa-monica-mountains.geojson";
const HARBOR: [&str; 2] = ["19647331937838", "19647331930650"]; // San Pedro, Banning
const EASTSIDE: [&str; 2] = ["19647331933381", "19647331937424"]; // Garfield, Roosevelt
const CRENSHAW: &str = "19647331932128";

/// The barrier's segments, read from the GeoJSON with serde_json alone: ((lon, lat), (lon, lat)).
fn segments(path: &str) -> Vec<([f64; 2], [f64; 2])> {
    segments_named(&common::json(&common::manifest(path)), |_| true)
}

/// The segments of the features of a GeoJSON FeatureCollection of LineStrings whose name `keep` accepts.
fn segments_named(v: &serde_json::Value, keep: impl Fn(&str) -> bool) -> Vec<([f64; 2], [f64; 2])> {
    let mut out = Vec::new();
    for f in v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(f["properties"]["name"].as_str().unwrap_or("")))
    {
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        let pts: Vec<[f64; 2]> = c
            .iter()
            .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
            .collect();
        for w in pts.windows(2) {
            out.push((w[0], w[1]));
        }
    }
    out
}

/// Whether segments p-q and a-b properly cross (orientation test).
fn cross(p: [f64; 2], q: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    let o = |u: [f64; 2], v: [f64; 2], w: [f64; 2]| {
        ((v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])).signum()
    };
    o(p, q, a) * o(p, q, b) < 0.0 && o(a, b, p) * o(a, b, q) < 0.0
}

/// Networks (by id) that are not one piece of the plain adjacency once every link crossing the barrier is
/// taken away: those a network could only join by crossing it.
fn networks_across(dir: &Path, barrier: &[([f64; 2], [f64; 2])]) -> Vec<String> {
    networks_across_on(dir, barrier, 4.0, true)
}

/// [`networks_across`] on the Delaunay links of the campuses no longer than `max_edge_factor` times the
/// median at either end, within the outline when `outline` (the plain adjacency: 4 and true; every
/// Delaunay link: infinity and false, for plans whose adjacency puts back long links a barrier made
/// necessary).
fn networks_across_on(
    dir: &Path,
    barrier: &[([f64; 2], [f64; 2])],
    max_edge_factor: f64,
    outline: bool,
) -> Vec<String> {
    let text = std::fs::read_to_string(common::manifest("data/lausd-2018.csv")).unwrap();
    let table = read_table("lausd", text.as_bytes()).unwrap();
    let shape =
        &schoolnets::geography::Outline::load(&common::manifest("data/lausd_boundary.geojson"))
            .unwrap();
    let units = Units::build_within(&table, 30.0);
    let adjacency = Adjacency::build(&units, outline.then_some(shape), max_edge_factor);
    let assignment = common::assignment(&common::plan_json(dir));
    let network: Vec<&str> = units
        .units
        .iter()
        .map(|u| assignment[&table.schools[u.schools[0]].id].as_str())
        .collect();
    let at = |u: usize| [units.units[u].lon, units.units[u].lat];
    let crosses = |a: usize, b: usize| barrier.iter().any(|s| cross(at(a), at(b), s.0, s.1));
    let mut failing = Vec::new();
    let names: BTreeSet<&str> = network.iter().copied().collect();
    for n in names {
        let members: Vec<usize> = (0..units.len()).filter(|&u| network[u] == n).collect();
        let mut seen = BTreeSet::from([members[0]]);
        let mut stack = vec![members[0]];
        while let Some(u) = stack.pop() {
            for &v in &adjacency.graph[u] {
                if network[v] == n && !crosses(u, v) && seen.insert(v) {
                    stack.push(v);
                }
            }
        }
        if seen.len() != members.len() {
            failing.push(n.to_string());
        }
    }
    failing
}

/// Network id of each label's schools, checking they share one and that it is named after the label.
fn pinned_networks(dir: &Path) -> BTreeMap<&'static str, String> {
    let plan = common::plan_json(dir);
    assert!(plan["all_constraints_hold"].as_bool().unwrap());
    let assignment = common::assignment(&plan);
    let names = common::network_field(&plan, "name");
    let mut out = BTreeMap::new();
    for (label, ids) in [
        ("Harbor", &HARBOR[..]),
        ("Eastside", &EASTSIDE[..]),
        ("Crenshaw", &[CRENSHAW][..]),
    ] {
        let nets: BTreeSet<&String> = ids.iter().map(|id| &assignment[*id]).collect();
        assert_eq!(nets.len(), 1, "{label}'s schools are split: {nets:?}");
        let n = nets.into_iter().next().unwrap().clone();
        assert_eq!(names[&n], label, "network {n} is not named after its label");
        out.insert(label, n);
    }
    let distinct: BTreeSet<&String> = out.values().collect();
    assert_eq!(distinct.len(), 3, "two labels share a network: {out:?}");
    let pins = &plan["pins"];
    assert_eq!(pins["rows"].as_array().unwrap().len(), 5);
    assert!(pins["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["held"] == true));
    out
}

#[test]
fn pins_and_the_ridge_hold_on_lausd_and_rebalance_keeps_them() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let steered = tmp.path().join("steered");
    common::plan_into(&plain, &["--date", "2026-11-30"]);
    let o = common::plan_into(
        &steered,
        &["--pins", PINS, "--barriers", RIDGE, "--date", "2026-11-30"],
    );
    let ridge = segments(RIDGE);
    // The check below can fail: the plain plan has networks reaching across the mountains.
    let across = networks_across(&plain, &ridge);
    assert!(
        !across.is_empty(),
        "the plain plan no longer reaches across the ridge; the barrier test proves nothing"
    );
    assert_eq!(
        networks_across(&steered, &ridge),
        Vec::<String>::new(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pinned = pinned_networks(&steered);

    // A campus follows its pinned school: Roosevelt's campus mates are in the Eastside network.
    let plan = common::plan_json(&steered);
    let assignment = common::assignment(&plan);
    let rows = common::lausd_rows();
    let roosevelt_campus = &rows.iter().find(|r| r["id"] == EASTSIDE[1]).unwrap()["campus"];
    let mates: Vec<&String> = rows
        .iter()
        .filter(|r| &r["campus"] == roosevelt_campus)
        .map(|r| &r["id"])
        .collect();
    assert!(mates.len() > 1);
    for id in mates {
        assert_eq!(assignment[id], pinned["Eastside"], "{id} left its campus");
    }

    // Recorded and reported: the files with their SHA-256, the links dropped, the barrier drawn.
    let pins_sha = schoolnets::plans::sha256_hex(&std::fs::read(common::manifest(PINS)).unwrap());
    assert_eq!(plan["pins"]["sha256"], pins_sha.as_str());
    assert_eq!(plan["barriers"]["file"], RIDGE);
    let dropped = plan["barriers"]["links"].as_array().unwrap();
    assert!(dropped.len() >= 5, "{dropped:?}");
    assert!(dropped.iter().all(|l| l["restored"] == false));
    let report = std::fs::read_to_string(steered.join("report.md")).unwrap();
    assert!(report.contains("## Steering: pins and barriers"));
    assert!(report.contains("| Harbor |"));
    assert!(report.contains(&format!(
        "{} links between neighbouring campuses",
        dropped.len()
    )));
    let svg = std::fs::read_to_string(steered.join("map.svg")).unwrap();
    assert!(svg.contains(r#"class="barriers""#) && svg.contains("Santa Monica Mountains ridge"));
    let html = std::fs::read_to_string(steered.join("report.html")).unwrap();
    assert!(html.contains(r#"class="barriers""#) && html.contains("Links dropped at barriers"));

    // compare shows each plan's pins.
    let cmp = tmp.path().join("cmp");
    common::run_ok(&[
        "compare",
        plain.to_str().unwrap(),
        steered.to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(cmp.join("compare.md")).unwrap();
    let line = md
        .lines()
        .find(|l| l.starts_with("| Pins (label → network)"))
        .expect("compare lists the pins");
    assert!(line.contains("none") && line.contains(&format!("Harbor → {}", pinned["Harbor"])));

    // Rebalance onto 2020-21: the adopted plan's pins and barrier are kept (read from plan.json), and again
    // when the pins are given on the command line.
    for extra in [&[][..], &["--pins", PINS][..]] {
        let out = tmp.path().join("rebalanced");
        let mut args = vec![
            "rebalance",
            "-q",
            "--plan",
            steered.to_str().unwrap(),
            "--schools",
            "data/lausd-2020-21.csv",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::run_ok(&args);
        let kept = pinned_networks(&out);
        assert_eq!(kept, pinned, "rebalancing moved a label to another network");
        let again = common::plan_json(&out);
        assert_eq!(again["barriers"]["file"], RIDGE);
    }
}

/// Writes `text` into `dir/name` and returns the path as a string.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Runs `plan` with `extra` into `dir/out`, expecting exit `code` and stderr holding every one of `says`;
/// returns stderr. When the run fails, nothing may be written.
fn plan_expect(dir: &Path, extra: &[&str], code: i32, says: &[&str]) -> String {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["plan", "-q", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = common::run(&args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(code), "{err}");
    for s in says {
        assert!(err.contains(s), "expected {s:?} in:\n{err}");
    }
    if code > 1 {
        assert!(!out.exists(), "a failed run wrote {}", out.display());
    }
    err
}

#[test]
fn bad_pins_and_barriers_are_refused_with_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let unknown = file(
        d,
        "unknown.csv",
        "id,network\n19647331937838,Harbor\n999,Harbor\n",
    );
    plan_expect(
        d,
        &["--pins", &unknown],
        3,
        &[
            "unknown.csv, line 3",
            "school 999 is not in the school table",
        ],
    );
    let empty = file(d, "empty.csv", "id,network\n19647331937838,\n");
    plan_expect(
        d,
        &["--pins", &empty],
        3,
        &["empty.csv, line 2", "empty label"],
    );
    // Two schools of Roosevelt's campus pinned apart: both rows named.
    let rows = common::lausd_rows();
    let campus = &rows.iter().find(|r| r["id"] == EASTSIDE[1]).unwrap()["campus"];
    let mate = &rows
        .iter()
        .find(|r| &r["campus"] == campus && r["id"] != EASTSIDE[1])
        .unwrap()["id"];
    let apart = file(
        d,
        "apart.csv",
        &format!(
            "id,network\n{},Eastside\n{mate},Boyle Heights\n",
            EASTSIDE[1]
        ),
    );
    plan_expect(
        d,
        &["--pins", &apart],
        3,
        &[
            "apart.csv, line 3",
            "(line 2) of the same campus",
            "Boyle Heights",
        ],
    );
    let point = file(
        d,
        "point.geojson",
        r#"{"type":"Point","coordinates":[-118.3,34.1]}"#,
    );
    plan_expect(
        d,
        &["--barriers", &point],
        3,
        &[
            "point.geojson",
            "is a Point; a barrier is a line or a polygon",
        ],
    );
    // A barrier far outside the district: a warning, and the plan is written.
    let away = file(
        d,
        "away.geojson",
        r#"{"type":"Feature","properties":{"name":"Sacramento"},"geometry":{"type":"LineString","coordinates":[[-121.5,38.5],[-121.4,38.6]]}}"#,
    );
    let out = d.join("out");
    let o = common::run(&["plan", "--out", out.to_str().unwrap(), "--barriers", &away]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: barrier \"Sacramento\" lies outside the district outline"),
        "{err}"
    );
    let plan = common::plan_json(&out);
    assert_eq!(plan["barriers"]["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn impossible_pins_are_explained_before_solving() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let rows = common::lausd_rows();
    // More labels than networks.
    let many: String = rows[..33]
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{},L{i}\n", r["id"]))
        .collect();
    let many = file(d, "many.csv", &format!("id,network\n{many}"));
    plan_expect(
        d,
        &["--pins", &many],
        4,
        &["33 labels but the plan has 32 networks", "--networks 33"],
    );
    // With --best-effort the closest plan is written, the pins rule listed as broken (exit 1).
    plan_expect(d, &["--pins", &many, "--best-effort"], 1, &[]);
    let plan = common::plan_json(&d.join("out"));
    let pins = plan["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "pins")
        .unwrap();
    assert_eq!(pins["holds"], false);
    assert_eq!(plan["pins"]["groups"].as_array().unwrap().len(), 33);
    // One label with more schools than a network may hold.
    let big: String = rows[..50]
        .iter()
        .map(|r| format!("{},Big\n", r["id"]))
        .collect();
    let big = file(d, "big.csv", &format!("id,network\n{big}"));
    plan_expect(
        d,
        &["--pins", &big],
        4,
        &[
            "label \"Big\" (lines 2, 3, 4, 5, 6, 7 and 44 more) pins",
            "size.max_schools = 45",
        ],
    );
    // A ring around San Pedro: its campuses reach the rest only across it. The plan holds through the
    // link put back (and says which); a label with schools on both sides cannot.
    let ring = file(
        d,
        "ring.geojson",
        r#"{"type":"Feature","properties":{"name":"San Pedro ring"},"geometry":{"type":"Polygon","coordinates":[[[-118.34,33.70],[-118.26,33.70],[-118.26,33.752],[-118.34,33.752],[-118.34,33.70]]]}}"#,
    );
    let out = d.join("ring-out");
    let o = common::run(&[
        "plan",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--barriers",
        &ring,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan = common::plan_json(&out);
    let links = plan["barriers"]["links"].as_array().unwrap();
    assert_eq!(
        links.iter().filter(|l| l["restored"] == true).count(),
        1,
        "{links:?}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("put back because the pocket behind each is too small to be a network"));
    let across = file(
        d,
        "across.csv",
        &format!("id,network\n{},Harbor\n{},Harbor\n", HARBOR[0], HARBOR[1]),
    );
    // The ring's pocket is too small to be a network, so it is joined through the link put back: both
    // Harbor schools may share a network across it.
    common::plan_into(
        &d.join("joined-ring"),
        &["--pins", &across, "--barriers", &ring],
    );
    // A ring around the whole Harbor closes a pocket that can stand alone: a label with a school inside
    // it and one outside (Garfield, in East LA) cannot hold.
    let harbor_ring = file(
        d,
        "harbor-ring.geojson",
        r#"{"type":"Feature","properties":{"name":"Harbor ring"},"geometry":{"type":"Polygon","coordinates":[[[-118.34,33.70],[-118.20,33.70],[-118.20,33.84],[-118.34,33.84],[-118.34,33.70]]]}}"#,
    );
    let apart = file(
        d,
        "apart.csv",
        &format!("id,network\n{},Harbor\n{},Harbor\n", HARBOR[0], EASTSIDE[0]),
    );
    plan_expect(
        d,
        &["--pins", &apart, "--barriers", &harbor_ring],
        4,
        &[
            "label \"Harbor\" pins schools on two sides of a barrier",
            "school 19647331937838 (line 2) and school 19647331933381 (line 3)",
        ],
    );
    // A soft ring may be crossed: the same pins plan, and the crossing that joins them is listed.
    let out = d.join("soft-ring");
    common::plan_into(
        &out,
        &[
            "--pins",
            &across,
            "--barriers",
            &ring,
            "--barrier-price",
            "25",
        ],
    );
    let plan = common::plan_json(&out);
    let harbor = &common::assignment(&plan)[HARBOR[0]];
    assert_eq!(&common::assignment(&plan)[HARBOR[1]], harbor);
    assert!(plan["barriers"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["crossed_by"].as_str() == Some(harbor.as_str())));
}

#[test]
fn a_scenario_names_its_pins_and_barriers_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("steered");
    std::fs::create_dir(&d).unwrap();
    let text = std::fs::read_to_string(common::manifest("scenarios/neighborhood.toml"))
        .unwrap()
        .replace("# pins = \"", "pins = \"steering/")
        .replace("# barriers = \"", "barriers = \"steering/");
    std::fs::write(d.join("steered.toml"), text).unwrap();
    std::fs::create_dir(d.join("steering")).unwrap();
    for f in [PINS, RIDGE] {
        let name = Path::new(f).file_name().unwrap();
        std::fs::copy(common::manifest(f), d.join("steering").join(name)).unwrap();
    }
    let out = tmp.path().join("out");
    let scenario = d.join("steered.toml");
    common::plan_into(&out, &["--scenario", scenario.to_str().unwrap()]);
    let plan = common::plan_json(&out);
    let steering = d.join("steering");
    assert_eq!(
        plan["pins"]["file"],
        steering.join("lausd-pins.csv").to_str().unwrap()
    );
    assert_eq!(
        plan["barriers"]["file"],
        steering
            .join("santa-monica-mountains.geojson")
            .to_str()
            .unwrap()
    );
    pinned_networks(&out);
}

/// `scenarios/lausd-freeways.geojson` (14 freeways, traced by hand) with `ramps` short stubs beside them,
/// as a county's layer has: thousands of features, most of which cross no link between campuses.
fn county_layer(ramps: usize) -> serde_json::Value {
    let mut v = common::json(&common::manifest(FREEWAYS));
    let lines: Vec<Vec<[f64; 2]>> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
                .collect()
        })
        .collect();
    let features = v["features"].as_array_mut().unwrap();
    for i in 0..ramps {
        // A point along a freeway segment, and a stub about 50 m long starting 40 m to its side.
        let line = &lines[i % lines.len()];
        let k = (i / lines.len()) % (line.len() - 1);
        let t = ((i * 7919) % 1000) as f64 / 1000.0;
        let (a, b) = (line[k], line[k + 1]);
        let p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = (dx * dx + dy * dy).sqrt();
        let side = if i % 2 == 0 { 1.0 } else { -1.0 };
        let n = [-dy / len * side, dx / len * side];
        let deg = 1.0 / 111_000.0;
        let start = [p[0] + n[0] * 40.0 * deg, p[1] + n[1] * 40.0 * deg];
        let end = [start[0] + n[0] * 50.0 * deg, start[1] + n[1] * 50.0 * deg];
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": {"name": format!("ramp {}", i + 1)},
            "geometry": {"type": "LineString", "coordinates": [start, end]},
        }));
    }
    v
}

/// The school id at the end of "name (id)".
fn id_of(school: &str) -> &str {
    school
        .rsplit_once('(')
        .and_then(|(_, id)| id.strip_suffix(')'))
        .unwrap()
}

/// Every whole number in `text` after `after`, commas removed.
fn number_after(text: &str, after: &str) -> f64 {
    let rest = &text[text
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} in {text}"))
        + after.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    digits.parse().unwrap()
}

const FREEWAYS: &str = "scenarios/lausd-freeways.geojson";

#[test]
fn a_county_freeway_layer_is_proven_impossible_before_solving_and_soft_barriers_list_their_crossings(
) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let layer = county_layer(4_200);
    let path = d.join("county-freeways.geojson");
    std::fs::write(&path, layer.to_string()).unwrap();
    let path = path.to_str().unwrap();

    // Hard: a pocket the freeways close holds no whole number of networks, proven by arithmetic before
    // any search, naming its schools and the freeways around it; nothing is written.
    let hard = d.join("hard");
    let o = common::run(&["plan", "--out", hard.to_str().unwrap(), "--barriers", path]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("close a pocket of"), "{err}");
    assert!(!err.contains("restarts"), "proven before searching: {err}");
    assert!(
        err.contains("Freeway\""),
        "names the freeways around it: {err}"
    );
    assert!(err.contains("--barrier-price 25"), "{err}");
    assert!(err.lines().count() < 10, "{err}");
    assert!(!hard.exists());
    // The arithmetic as printed holds: m networks hold too few students and m + 1 need too many.
    let students = number_after(&err, "schools and");
    let at_most = number_after(&err, "hold at most");
    let at_least = number_after(&err, "need at least");
    assert!(at_most < students && students < at_least, "{err}");
    let lo = number_after(&err, "a network holds");
    let hi = number_after(&err, &format!("a network holds {} to", text_thousands(lo)));
    let m = number_after(&err, "schools, so");
    assert_eq!(at_most, m * hi, "{err}");
    assert_eq!(at_least, (m + 1.0) * lo, "{err}");

    // Soft: the plan is drawn; the layer's thousands of features that change nothing are summarised; every
    // crossing is listed, and it is one: both schools in the network named, on two sides of the freeway.
    let soft = d.join("soft");
    let o = common::run(&[
        "plan",
        "--out",
        soft.to_str().unwrap(),
        "--barriers",
        path,
        "--barrier-price",
        "25",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("more barrier features that change nothing"),
        "{err}"
    );
    assert!(err.lines().count() < 40, "{} lines", err.lines().count());
    let plan = common::plan_json(&soft);
    let b = &plan["barriers"];
    assert_eq!(b["price_km2"], 25.0);
    let network = common::assignment(&plan);
    let links = b["links"].as_array().unwrap();
    assert!(links.len() > 100, "{}", links.len());
    let by_id = common::lausd_by_id();
    let at = |id: &str| {
        let r = &by_id[id];
        [
            r["lon"].parse::<f64>().unwrap(),
            r["lat"].parse::<f64>().unwrap(),
        ]
    };
    let mut crossings = 0;
    for l in links {
        assert_eq!(l["restored"], true, "a soft barrier drops no link: {l}");
        let (from, to) = (
            id_of(l["from"].as_str().unwrap()),
            id_of(l["to"].as_str().unwrap()),
        );
        match l["crossed_by"].as_str() {
            Some(n) => {
                crossings += 1;
                assert_eq!(
                    (network[from].as_str(), network[to].as_str()),
                    (n, n),
                    "{l}"
                );
                let name = l["barrier"].as_str().unwrap();
                let line = segments_named(&layer, |x| x == name);
                assert!(
                    line.iter().any(|s| cross(at(from), at(to), s.0, s.1)),
                    "{from}-{to} does not cross {name}"
                );
            }
            None => assert_ne!(network[from], network[to], "{l}"),
        }
    }
    assert!(crossings > 0 && crossings < links.len());
    let report = std::fs::read_to_string(soft.join("report.md")).unwrap();
    assert!(report.contains(&format!(
        "the plan keeps {crossings} links inside a network"
    )));
    assert!(report.contains("Crossings: links across a barrier kept inside a network"));
    assert!(report.contains("and 4,206 more"), "names capped");
}

/// `n` with thousands separators, as the messages print it.
fn text_thousands(n: f64) -> String {
    schoolnets::text::thousands(n)
}

#[test]
fn a_hard_freeway_the_networks_can_go_around_is_never_crossed() {
    let tmp = tempfile::tempdir().unwrap();
    let layer = common::json(&common::manifest(FREEWAYS));
    let keep = |n: &str| n.starts_with("I-405");
    let only: Vec<serde_json::Value> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(f["properties"]["name"].as_str().unwrap()))
        .cloned()
        .collect();
    let path = tmp.path().join("405.geojson");
    std::fs::write(
        &path,
        serde_json::json!({"type": "FeatureCollection", "features": only}).to_string(),
    )
    .unwrap();
    let plain = tmp.path().join("plain");
    let hard = tmp.path().join("hard");
    common::plan_into(&plain, &["--date", "2026-11-30"]);
    let o = common::plan_into(&hard, &["--barriers", path.to_str().unwrap()]);
    let freeway = segments_named(&layer, keep);
    assert!(
        !networks_across(&plain, &freeway).is_empty(),
        "the plain plan no longer reaches across the I-405; the test proves nothing"
    );
    // Every Delaunay link: the plan's adjacency puts back long links (never across the freeway) to join
    // campuses the freeway's dropped links left apart.
    assert_eq!(
        networks_across_on(&hard, &freeway, f64::INFINITY, false),
        Vec::<String>::new(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan = common::plan_json(&hard);
    let links = plan["barriers"]["links"].as_array().unwrap();
    assert!(links
        .iter()
        .all(|l| l["restored"] == false && l["crossed_by"].is_null()));
}
