//! The modules of `src/server` form layers: each uses only modules below it, so a maintainer
//! can read them bottom-up and change one without the ones it does not import. This test
//! reads the sources and fails on any import loop between the top-level modules (a parent
//! and its own children may use each other freely). Unit tests are not product code: they
//! may use any layer (the guard's tests read sql-eval gold queries through `eval`), so
//! `tests.rs` files and everything after a file's `#[cfg(test)]` are not read.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

/// The first-level names after `prefix` at `at`: `x` in `prefix x::…`, or each of `a, b` in
/// `prefix {a::…, b}`.
fn names_after(text: &str, at: usize) -> Vec<String> {
    let rest = &text[at..];
    let word = |s: &str| s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    if !rest.starts_with('{') {
        return vec![word(rest)];
    }
    let (mut depth, mut names, mut current) = (0, Vec::new(), String::new());
    for c in rest.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    names.push(word(&current));
                    break;
                }
            }
            ',' if depth == 1 => {
                names.push(word(&current));
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    names
}

/// Top-level module → the top-level modules its files name.
fn imports(server: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = std::fs::read_dir(server)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "mod.rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending = vec![server.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(server).unwrap();
            let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
            if parts == ["mod"] || parts.last().is_some_and(|p| p == "tests") {
                continue;
            }
            let top = parts[0].clone();
            // This file's module path below `server` (a `mod.rs` is its directory's module).
            let depth = parts.len() - usize::from(parts.last().is_some_and(|p| p == "mod"));
            let source = std::fs::read_to_string(&path).unwrap();
            let product = source.split("#[cfg(test)]").next().unwrap_or_default();
            let text: String = product.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
            let mut named = BTreeSet::new();
            for (at, _) in text.match_indices("server::") {
                let before = &text[..at];
                if before.ends_with("crate::") || before.rfind("crate::{").is_some_and(|open| !before[open..].contains(';')) {
                    named.extend(names_after(&text, at + "server::".len()));
                }
            }
            let mut at = 0;
            while let Some(found) = text[at..].find("super::") {
                let start = at + found;
                let mut end = start;
                let mut supers = 0;
                while text[end..].starts_with("super::") {
                    supers += 1;
                    end += "super::".len();
                }
                if supers == depth {
                    named.extend(names_after(&text, end));
                }
                at = end;
            }
            let entry = graph.entry(top.clone()).or_default();
            entry.extend(named.into_iter().filter(|n| modules.contains(n) && *n != top));
        }
    }
    graph
}

/// A loop through `start`, if there is one.
fn loop_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        for next in graph.get(path.last().unwrap()).into_iter().flatten() {
            if next == start {
                let mut found = path.clone();
                found.push(next.clone());
                return Some(found);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn server_modules_import_each_other_without_loops() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server");
    let graph = imports(&server);
    assert!(graph.get("ops").is_some_and(|o| o.contains("datasources")), "the reader sees imports: {graph:?}");
    let loops: Vec<String> = graph.keys().filter_map(|m| loop_through(&graph, m)).map(|l| l.join(" → ")).collect();
    assert!(loops.is_empty(), "import loops: {loops:#?}");
}

#[test]
fn the_reader_finds_grouped_and_relative_imports() {
    assert_eq!(names_after("{a::b, c, d::{e, f}}", 0), ["a", "c", "d"]);
    assert_eq!(names_after("store::Store;", 0), ["store"]);
}
