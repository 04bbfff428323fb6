//! Prints the JSON Schema of plan.json (what `docs/plan.schema.json` holds):
//! `cargo run --example plan_schema > docs/plan.schema.json`.

fn main() {
    let schema = schoolnets::plan_file::schema();
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).expect("a schema is JSON")
    );
}
