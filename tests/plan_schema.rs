//! plan.json has a published JSON Schema (`docs/plan.schema.json`) that other tools can rely on: the
//! committed file is the one the types give, and plans of every kind follow it (every test that reads a
//! plan.json through `common::plan_json` checks it too).

mod common;

use common::{plan_into, plan_json, valid_plan};

#[test]
fn the_published_schema_is_the_one_the_types_give() {
    let committed = common::json(&common::manifest("docs/plan.schema.json"));
    let generated = schoolnets::plan_file::schema();
    assert!(
        committed == generated,
        "docs/plan.schema.json is out of date: run `cargo run --example plan_schema > docs/plan.schema.json`"
    );
    assert_eq!(
        committed["properties"]["version"]["type"], "integer",
        "plans carry their layout's version"
    );
}

#[test]
fn plans_of_every_kind_follow_the_schema_and_a_plan_that_does_not_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let neighbourhood = dir.path().join("plan");
    plan_into(&neighbourhood, &["--restarts", "1"]);
    let plan = plan_json(&neighbourhood);
    assert_eq!(plan["version"], schoolnets::plan_file::VERSION);
    let steered = dir.path().join("steered");
    // The committee's pins but the Harbor's: in the feeder design on the real outline, San Pedro's and
    // Banning's pathways in one network leave the Harbor too few students for the rest (the README's
    // "Known limits").
    let pins = dir.path().join("pins.csv");
    let rows: String = std::fs::read_to_string(common::manifest("scenarios/lausd-pins.csv"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(",Harbor,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(rows.lines().count(), 4, "a header and three pins");
    std::fs::write(&pins, rows).unwrap();
    // Three restarts: with pins the feeder design's first restart alone does not meet every rule.
    plan_into(
        &steered,
        &[
            "--restarts",
            "3",
            "--scenario",
            "feeder",
            "--pins",
            pins.to_str().unwrap(),
        ],
    );
    let steered_plan = plan_json(&steered);
    assert!(steered_plan["pins"].is_object() && steered_plan["pathways"].is_object());
    // What the schema rejects: a field of the wrong type, a required field missing.
    let mut wrong = plan.clone();
    wrong["networks"][0]["enrollment"] = serde_json::json!("many");
    let caught = std::panic::catch_unwind(|| valid_plan(&wrong, "a plan with a text enrollment"));
    assert!(caught.is_err(), "a text enrollment passed the schema");
    let mut missing = plan.clone();
    missing.as_object_mut().unwrap().remove("assignment");
    let caught = std::panic::catch_unwind(|| valid_plan(&missing, "a plan without its assignment"));
    assert!(
        caught.is_err(),
        "a plan without its assignment passed the schema"
    );
}

#[test]
fn a_plan_of_another_layout_is_refused_with_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    plan_into(&out, &["--restarts", "1"]);
    let mut plan = plan_json(&out);
    plan["version"] = serde_json::json!(schoolnets::plan_file::VERSION + 1);
    let text = serde_json::to_string(&plan).unwrap();
    let err = schoolnets::plan_file::PlanFile::parse("plan.json", &text).unwrap_err();
    assert!(err.to_string().contains("layout version"), "{err}");
    // A plan of layout 1, or written before versions were recorded, is refused too: its fields would be
    // read with today's meanings. The message says which layout this build reads.
    plan["version"] = serde_json::json!(1);
    let err = schoolnets::plan_file::PlanFile::parse("plan.json", &plan.to_string()).unwrap_err();
    assert!(
        err.to_string()
            .contains("layout version 1, written by an older schoolnets"),
        "{err}"
    );
    plan.as_object_mut().unwrap().remove("version");
    let err = schoolnets::plan_file::PlanFile::parse("plan.json", &plan.to_string()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the plan records no layout version")
            && err.to_string().contains("reads layout version 2"),
        "{err}"
    );
}
