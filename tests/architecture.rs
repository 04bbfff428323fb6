//! The house's shape, checked from the source: the library's modules import each other one way only (no
//! loop), and the solver knows nothing of schools, scenarios or plans.
//!
//! A module here is a top-level room of the library: `src/NAME.rs` or the folder `src/NAME/`. An import is
//! any `crate::NAME` in a file of another module, doc comments' links included (plain comments and tests left
//! out). The command line (`src/main.rs`, `src/cli/`) sits above everything and is not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the modules it imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "main" || module == "cli" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Unit tests at the end of a file may reach anywhere.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let entry = out.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.trim_start();
            // Plain comments are left out; a doc comment's link is a reference like an import (a
            // lower room's docs linking a higher one reads as a back-reference).
            if line.starts_with("//") && !line.starts_with("///") && !line.starts_with("//!") {
                continue;
            }
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module && name != "Error" && name != "Result" {
                    entry.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn modules_import_each_other_one_way_only() {
    let graph = imports();
    assert!(graph.len() > 20, "found the modules: {graph:?}");
    // Depth-first search for a cycle, reporting it.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == m).unwrap();
                let mut cycle = path[at..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut state, &mut Vec::new()) {
            panic!("import loop: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_solver_knows_only_its_problem() {
    let graph = imports();
    let allowed: BTreeSet<String> = ["graph", "seeds"].map(String::from).into();
    let solver = &graph["solver"];
    assert!(
        solver.is_subset(&allowed),
        "the solver imports {:?}; it may use only the graph and the seed streams",
        solver.difference(&allowed).collect::<Vec<_>>()
    );
    // The lowest rooms import nothing of the house but errors and limits.
    for leaf in ["text", "graph", "seeds", "error"] {
        assert!(
            graph[leaf].iter().all(|m| m == "error" || m == "limits"),
            "{leaf} imports {:?}",
            graph[leaf]
        );
    }
}
