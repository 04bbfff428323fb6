//! Feeder-pattern networks on the built-in LAUSD data, checked from the outputs and the CSV alone (not
//! through the library): pathways kept whole, the size rules, feeder links counted in every plan, the
//! soft goal of keeping pathways together, and the explanation when a pathway is too large.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// id → (feeds_into, enrollment), read with the csv crate only.
fn lausd() -> BTreeMap<String, (String, u64)> {
    common::lausd_rows()
        .into_iter()
        .map(|r| {
            let v = (r["feeds_into"].clone(), r["enrollment"].parse().unwrap());
            (r["id"].clone(), v)
        })
        .collect()
}

/// Feeder links whose two schools are in different networks.
fn cut_links(rows: &BTreeMap<String, (String, u64)>, plan: &serde_json::Value) -> usize {
    let a = plan["assignment"].as_object().unwrap();
    rows.iter()
        .filter(|(_, (t, _))| !t.is_empty())
        .filter(|(id, (t, _))| a[id.as_str()] != a[t.as_str()])
        .count()
}

/// The chain of schools from `id` up its feeds_into links (`next` gives the school a school feeds, when it
/// is in the table): `id` first, its pathway's top last.
fn chain_up(id: &str, next: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut chain = vec![id.to_string()];
    while let Some(up) = next(chain.last().unwrap()) {
        assert!(chain.len() <= 10, "a feeder cycle at {id}");
        chain.push(up);
    }
    chain
}

/// Feeder links cut outside the pathways the plan split at a gateway (`pathways.split_at_gateways`, by top
/// school): a link is inside one when its school's chain of links reaches a split top.
fn cut_outside_gateway_splits(
    rows: &BTreeMap<String, (String, u64)>,
    plan: &serde_json::Value,
) -> usize {
    let tops: BTreeSet<&str> = plan["pathways"]["split_at_gateways"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["tops"].as_array().unwrap())
        .map(|t| t.as_str().unwrap())
        .collect();
    let in_split = |id: &str| {
        chain_up(id, &|id| {
            rows.get(id)
                .map(|r| r.0.clone())
                .filter(|f| rows.contains_key(f))
        })
        .iter()
        .any(|s| tops.contains(s.as_str()))
    };
    let a = plan["assignment"].as_object().unwrap();
    rows.iter()
        .filter(|(id, (t, _))| !t.is_empty() && !in_split(id))
        .filter(|(id, (t, _))| a[id.as_str()] != a[t.as_str()])
        .count()
}

#[test]
fn the_feeder_plan_keeps_every_pathway_whole_and_meets_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::run_into(&["plan", "-q", "--scenario", "feeder"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = common::plan_json(dir.path());
    let rows = lausd();
    assert!(plan["all_constraints_hold"].as_bool().unwrap());
    assert_eq!(plan["scenario"]["mode"], "feeder");

    // Every feeder link inside one network but those of the pathway split at the Harbor's gateway: every
    // other pathway is whole, and plan.json counts the links cut as the CSV does.
    assert!(rows.values().filter(|(t, _)| !t.is_empty()).count() > 500);
    assert_eq!(cut_outside_gateway_splits(&rows, &plan), 0);
    assert_eq!(plan["feeder_links"]["cut"], cut_links(&rows, &plan));

    // 33 networks within the band (±11%) and 20-45 schools, recomputed from the CSV.
    let tolerance = plan["scenario"]["size"]["enrollment_tolerance"]
        .as_f64()
        .unwrap();
    assert_eq!(tolerance, 0.11);
    let mut per: HashMap<&str, (u64, usize)> = HashMap::new();
    let a = plan["assignment"].as_object().unwrap();
    for (id, (_, e)) in &rows {
        let n = per.entry(a[id.as_str()].as_str().unwrap()).or_default();
        n.0 += e;
        n.1 += 1;
    }
    assert_eq!(per.len(), 33);
    let mean = rows.values().map(|r| r.1).sum::<u64>() as f64 / 33.0;
    for (net, (e, s)) in &per {
        assert!(
            (*e as f64) >= mean * (1.0 - tolerance) && (*e as f64) <= mean * (1.0 + tolerance),
            "{net}: {e} students"
        );
        assert!((20..=45).contains(s), "{net}: {s} schools");
    }

    // The report says how pathways were built and shows the 2018 proposal's averages.
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("## Feeder pathways"), "{report}");
    assert!(report.contains("63 pathways"), "{report}");
    assert!(report.contains("33 networks, on average 33 schools and 15,024 students"));
}

#[test]
fn every_plan_counts_the_feeder_links_it_cuts_and_the_soft_goal_cuts_fewer() {
    let rows = lausd();
    let plain = tempfile::tempdir().unwrap();
    let o = common::run_into(&["plan", "-q"], plain.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p0 = common::plan_json(plain.path());
    let cut0 = cut_links(&rows, &p0);
    assert!(cut0 > 0, "neighborhood networks ignore pathways by default");
    assert_eq!(p0["feeder_links"]["cut"].as_u64().unwrap() as usize, cut0);
    // report.csv: each cut link crosses two networks' boundaries.
    let mut r = csv::Reader::from_path(plain.path().join("report.csv")).unwrap();
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|c| c == "feeder_links_cut")
        .unwrap();
    let total: usize = r
        .records()
        .map(|x| x.unwrap()[col].parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, 2 * cut0);

    // The same scenario with a price on cut links.
    let scen = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/neighborhood.toml"),
    )
    .unwrap()
    .replace("cut_link_cost_km2 = 0.0", "cut_link_cost_km2 = 5.0");
    let file = scen.path().join("soft.toml");
    std::fs::write(&file, text).unwrap();
    let soft = tempfile::tempdir().unwrap();
    let o = common::run_into(
        &["plan", "-q", "--scenario", file.to_str().unwrap()],
        soft.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p1 = common::plan_json(soft.path());
    assert!(p1["all_constraints_hold"].as_bool().unwrap());
    let cut1 = cut_links(&rows, &p1);
    assert!(
        (cut1 as f64) < 0.8 * cut0 as f64,
        "soft goal: {cut1} cut links against {cut0} without it"
    );
}

#[test]
fn a_pathway_too_large_for_the_band_is_named_with_the_ways_out() {
    let dir = tempfile::tempdir().unwrap();
    // 60 networks: mean 10,087 students, so ±10% allows at most 11,096; the largest pathway has more.
    let o = common::run_into(
        &["plan", "-q", "--scenario", "feeder", "--networks", "60"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the pathway of"), "{err}");
    assert!(err.contains("enrollment_tolerance ="), "{err}");
    assert!(err.contains("pathways.split"), "{err}");
    assert!(!dir.path().join("plan.json").exists(), "nothing written");
}

/// Feeder networks hold for other seeds too, not only the scenario's own. Before kicks (a unit moved into or
/// out of a network that breaks a rule, then the plan settled again) only one seed in ten held: San Pedro's
/// network stayed 633 students short. Seeds 5 and 6 were among the failures.
#[test]
fn feeder_plans_hold_for_other_seeds() {
    for seed in ["1", "5", "6"] {
        let dir = tempfile::tempdir().unwrap();
        let o = common::run_into(
            &["plan", "-q", "--scenario", "feeder", "--seed", seed],
            dir.path(),
        );
        assert!(
            o.status.success(),
            "seed {seed}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let plan = common::plan_json(dir.path());
        assert!(plan["all_constraints_hold"].as_bool().unwrap());
        assert_eq!(
            cut_outside_gateway_splits(&lausd(), &plan),
            0,
            "seed {seed}: pathways whole"
        );
    }
}

/// The numbers in a message: "12,273 students" → 12273.
fn figures(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit()
            || (c == ',' && !current.is_empty())
            || (c == '.' && !current.is_empty())
        {
            current.push(c);
        } else if !current.is_empty() {
            let digits = current.trim_end_matches([',', '.']).replace(',', "");
            if let Ok(v) = digits.parse() {
                out.push(v);
            }
            current.clear();
        }
    }
    out
}

/// The feeder scenario with every pathway kept whole (`split_gateways = false`) at ±10%, in `dir`.
fn whole_pathways_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(common::manifest("scenarios/feeder.toml")).unwrap();
    let text = text
        .replace("split_gateways = true", "split_gateways = false")
        .replacen(
            "enrollment_tolerance = 0.11",
            "enrollment_tolerance = 0.10",
            1,
        );
    assert!(text.contains("split_gateways = false"));
    let file = dir.join("whole.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// On LAUSD's real outline (TIGER 2012, built in), the Harbor reaches the rest of the district only along
/// the Harbor Gateway strip, whose schools feed Carson: the Carson pathway is the only way between them.
/// With every pathway kept whole, the feeder design at ±10% is then refused before any search, with the
/// arithmetic, and the tolerance it offers is the first at which that arithmetic passes.
#[test]
fn a_pathway_that_is_the_only_way_to_the_harbor_is_proven_too_full() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = whole_pathways_scenario(dir.path());
    let plan = |tolerance: Option<&str>| {
        let mut args = vec!["plan", "-q", "--scenario", scenario.to_str().unwrap()];
        if let Some(t) = tolerance {
            args.extend(["--tolerance", t]);
        }
        let o = common::run_into(&args, &dir.path().join("out"));
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = plan(None);
    assert_eq!(code, Some(4), "{err}");
    let proof = err
        .lines()
        .find(|l| l.contains("is the only way between"))
        .unwrap_or_else(|| panic!("no gateway proof: {err}"));
    assert!(proof.contains("Carson Senior High"), "{proof}");
    assert!(proof.contains("Phineas Banning Senior High"), "{proof}");
    assert!(proof.contains("San Pedro Senior High"), "{proof}");
    // The gateway's students, from the table: the schools of the two Carson pathways (they share a campus).
    let rows = common::lausd_by_id();
    let root = |rows: &BTreeMap<String, BTreeMap<String, String>>, id: &str| {
        let chain = chain_up(id, &|id| {
            rows[id]
                .get("feeds_into")
                .filter(|f| rows.contains_key(f.as_str()))
                .cloned()
        });
        chain.last().cloned().unwrap()
    };
    // The two Carson pathways, and every school on a campus of theirs with its own pathway (a campus is
    // never split): grown until nothing joins.
    let mut tops: BTreeSet<String> = ["19647330126615", "19647331931526"]
        .map(String::from)
        .into();
    loop {
        let campuses: BTreeSet<&str> = rows
            .keys()
            .filter(|id| tops.contains(&root(&rows, id)))
            .filter_map(|id| Some(rows[id]["campus"].as_str()).filter(|c| !c.is_empty()))
            .collect();
        let more: BTreeSet<String> = rows
            .keys()
            .filter(|id| campuses.contains(rows[*id]["campus"].as_str()))
            .map(|id| root(&rows, id))
            .collect();
        if more.is_subset(&tops) {
            break;
        }
        tops.extend(more);
    }
    let carson: f64 = rows
        .keys()
        .filter(|id| tops.contains(&root(&rows, id)))
        .map(|id| rows[id]["enrollment"].parse::<f64>().unwrap_or(0.0))
        .sum();
    let head = &proof[..proof.find("is the only way").unwrap()];
    assert_eq!(figures(head).last(), Some(&carson), "{proof}");
    // "... joins: at least X students join it ...; Y ... all of them join it; ... at least LEAST students,
    // more than HI students": the gateway's own, plus what each part gives, is the least, above the band.
    let (lo, hi) = {
        let band = &proof[proof.find("a network holds").unwrap()..];
        let f = figures(&band[..band.find(';').unwrap()]);
        (f[0], f[1])
    };
    let tail = &proof[proof
        .rfind("so the network that holds it has at least")
        .unwrap()..];
    let least = figures(tail)[0];
    assert!(least > hi, "{proof}");
    let gives: f64 = proof
        .split("; ")
        .filter_map(|part| {
            if let Some(i) = part.find("so at least ") {
                figures(&part[i..]).first().copied()
            } else if part.contains("all of them join it") {
                // "N planning units (TOTAL students: ...)": all of the part joins.
                figures(&part[part.find('(').unwrap()..]).first().copied()
            } else {
                None
            }
        })
        .sum();
    assert_eq!(carson + gives, least, "{proof}");
    assert!(lo < hi);
    // The tolerance it offers is the first that passes this arithmetic (the search may still fail there:
    // whole pathways are lumpier than the arithmetic).
    let offered = proof
        .split("--tolerance ")
        .nth(1)
        .and_then(|s| s.split([' ', ',', ')']).next())
        .expect("a tolerance offered")
        .to_string();
    let t: f64 = offered.parse().unwrap();
    let (_, at) = plan(Some(&offered));
    assert!(
        !at.lines()
            .any(|l| l.contains("is the only way between") && l.contains("Carson Senior High")),
        "{at}"
    );
    let below = format!("{:.3}", t - 0.001);
    let (code, under) = plan(Some(&below));
    assert_eq!(code, Some(4));
    assert!(under.contains("is the only way between"), "{under}");
}

/// The built-in feeder scenario splits the pathway the arithmetic proves too full at the Harbor's gateway
/// (`pathways.split_gateways`), plans with every rule holding, and says which pathway and why in plan.json
/// and the report; every other pathway stays whole.
#[test]
fn the_feeder_design_splits_the_harbor_gateway_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::run_into(&["plan", "-q", "--scenario", "feeder"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = common::plan_json(dir.path());
    assert!(plan["all_constraints_hold"].as_bool().unwrap());
    let splits = plan["pathways"]["split_at_gateways"].as_array().unwrap();
    assert_eq!(splits.len(), 1, "{splits:?}");
    let tops: BTreeSet<&str> = splits[0]["tops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    // Carson Senior High and the Academies at Carson, merged by their shared campus.
    assert_eq!(tops, BTreeSet::from(["19647330126615", "19647331931526"]));
    let why = splits[0]["why"].as_str().unwrap();
    assert!(
        why.contains("is the only way between") && why.contains("San Pedro Senior High"),
        "{why}"
    );
    assert!(
        plan["pathways"]["split"].as_array().unwrap().is_empty(),
        "not the scenario's own list"
    );
    // Only the split pathways' feeder links may be cut: every other pathway is whole.
    assert_eq!(cut_outside_gateway_splits(&lausd(), &plan), 0);
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        report.contains("pathways.split_gateways"),
        "the report says which was split and why"
    );
}
