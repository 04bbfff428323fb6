//! `import cde` and `plan` work for California districts other than LAUSD, of different sizes.
//! Needs the full state files in `../shared/cde` (present in CI); skipped with a message otherwise.

use schoolnets::plans::{make_plan, PlanInputs};
use schoolnets::scenarios::Scenario;
use std::path::Path;

#[test]
fn other_districts_import_and_plan_with_every_rule_holding() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cde");
    if !shared.join("pubschls.txt").is_file() {
        eprintln!("skipped: ../shared/cde is not beside this checkout");
        return;
    }
    // (district, CDS prefix, networks, schools at least)
    for (name, prefix, k, at_least) in [
        ("San Diego Unified", "3768338", 6, 200),
        ("Oakland Unified", "0161259", 3, 100),
        ("San Jose Unified", "4369666", 2, 40),
    ] {
        let import = schoolnets::import::import_cde(&schoolnets::import::ImportOptions {
            cde_dir: shared.clone(),
            prefix: prefix.into(),
            frpm_file: schoolnets::import::DEFAULT_FRPM_FILE.into(),
            extra_coordinates: None,
        })
        .unwrap();
        let table = &import.table;
        assert!(
            table.schools.len() >= at_least,
            "{name}: {} schools",
            table.schools.len()
        );
        assert!(
            table.schools.iter().all(|s| s.id.starts_with(prefix)),
            "{name}: a school from another district"
        );
        let v = schoolnets::validate::validate(table, None);
        assert!(v.errors.is_empty(), "{name}: {:?}", v.errors);
        let mut scenario = Scenario::default_scenario();
        scenario.networks = k;
        // Six support regions need more networks than these districts have.
        scenario.regions = None;
        let inputs = PlanInputs::new(table, &scenario);
        let plan = make_plan(&inputs, &|| {}).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(plan.file.all_constraints_hold, "{name}");
        assert_eq!(plan.file.assignment.len(), table.schools.len());
    }
}
