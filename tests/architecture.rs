//! The house's shape, checked from the source: the library's rooms import each other one way only, in the
//! layer order ARCHITECTURE.md states (its table "Rooms, lowest first"), and the solver knows nothing of
//! schools, scenarios or plans.
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

/// The rooms in the order ARCHITECTURE.md's table lists them, lowest first.
fn stated_order() -> Vec<String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    let table = text
        .split("## Rooms, lowest first")
        .nth(1)
        .expect("ARCHITECTURE.md has a section \"Rooms, lowest first\"");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cell = l.split('|').nth(1)?.trim();
            cell.strip_prefix('`')?
                .strip_suffix('`')
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn rooms_import_only_rooms_below_them_in_the_stated_order() {
    let graph = imports();
    let order = stated_order();
    let position: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let missing: Vec<&String> = graph
        .keys()
        .filter(|m| !position.contains_key(m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "rooms not in ARCHITECTURE.md's table: {missing:?}"
    );
    let stale: Vec<&String> = order.iter().filter(|m| !graph.contains_key(*m)).collect();
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md lists rooms that do not exist: {stale:?}"
    );
    let mut upward = Vec::new();
    for (m, deps) in &graph {
        for d in deps {
            if let (Some(&a), Some(&b)) = (position.get(m.as_str()), position.get(d.as_str())) {
                if b >= a {
                    upward.push(format!("{m} (row {}) imports {d} (row {})", a + 1, b + 1));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up ARCHITECTURE.md's order (lowest first):\n{}",
        upward.join("\n")
    );
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
    // The lowest rooms import nothing of the house (errors only their words from `text`).
    for leaf in ["text", "graph", "seeds"] {
        assert!(
            graph.get(leaf).is_none_or(|m| m.is_empty()),
            "{leaf} imports {:?}",
            graph[leaf]
        );
    }
    assert!(
        graph["error"].iter().all(|m| m == "text"),
        "error imports {:?}",
        graph["error"]
    );
}
