//! Layers hold inside each crate too: no two modules of a crate import each other, directly or
//! through others. Cargo already refuses a cycle between crates (the domain cannot name the
//! core, the core cannot name the AWS adapters); this checks the modules of every crate in the
//! workspace, file by file, the way a reader follows `use` lines.
//!
//! A module's imports are the `crate::…` and `super::…` paths its production code names (its
//! comments, its `#[cfg(test)]` tail and test files are left out), resolved to the deepest module file they
//! reach. A module naming its own ancestor or descendant is structure (a parent declares and
//! re-exports its children; a child uses what its parent defines), not layering, and is left
//! out; every other import is an arrow, and the arrows must not close a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use scl_tests::repo_root;

/// Every workspace member's `src/` folder (a bin's separate roots under `src/bin/` excepted).
fn crate_sources(root: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap();
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| root.join(m).join("src"))
        .filter(|src| src.is_dir())
        .collect()
}

/// The crate's module files by module path (`a::b`; the crate root is empty).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, src: &Path, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if rel != "bin" {
                    walk(&path, src, out);
                }
                continue;
            }
            let Some(stem) = rel.strip_suffix(".rs") else {
                continue;
            };
            let module = match stem {
                "lib" | "main" => String::new(),
                _ => stem.trim_end_matches("/mod").replace('/', "::"),
            };
            let is_test = module == "tests" || module.ends_with("::tests");
            if !is_test {
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The production part of a file: everything before its inline `#[cfg(test)]` module (a
/// `mod tests;` declaration only names a test file, which `modules` leaves out).
fn production(text: &str) -> &str {
    text.match_indices("#[cfg(test)]\nmod ")
        .find(|(at, _)| {
            let line = text[*at + "#[cfg(test)]\n".len()..].lines().next();
            line.is_some_and(|l| l.trim_end().ends_with('{'))
        })
        .map_or(text, |(at, _)| &text[..at])
}

/// The paths a file names after `prefix` (`crate::` or `super::`), as segment lists; a
/// `{a::b, c}` group gives one path per member.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `foo::super::` or an identifier ending in `crate`
        }
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            for member in group[..end].split(',') {
                out.push(segments(member.trim()));
            }
        } else {
            out.push(segments(rest));
        }
    }
    out
}

fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    loop {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        out.push(rest[..len].to_owned());
        match rest[len..].strip_prefix("::") {
            Some(more) => rest = more,
            None => break,
        }
    }
    out
}

/// The deepest module `base` + `path` reaches.
fn resolve(base: &[String], path: &[String], known: &BTreeMap<String, PathBuf>) -> String {
    let mut best = base.join("::");
    let mut cur = base.to_vec();
    for seg in path {
        if seg == "super" {
            cur.pop();
            best = cur.join("::");
            continue;
        }
        cur.push(seg.clone());
        let name = cur.join("::");
        if !known.contains_key(&name) {
            break;
        }
        best = name;
    }
    best
}

fn related(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}::"))
    };
    inside(a, b) || inside(b, a)
}

/// Arrows between modules of one crate: module -> modules it imports.
fn arrows(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let known = modules(src);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).unwrap();
        // Comments name modules too (`crate::memory` in a doc line), without importing them.
        let code: String = production(&text)
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = code.as_str();
        let here: Vec<String> = if module.is_empty() {
            Vec::new()
        } else {
            module.split("::").map(str::to_owned).collect()
        };
        let mut targets = Vec::new();
        for path in paths_after(text, "crate::") {
            targets.push(resolve(&[], &path, &known));
        }
        for path in paths_after(text, "super::") {
            // `super` is the parent of this file's module.
            let mut full = vec!["super".to_owned()];
            full.extend(path);
            targets.push(resolve(&here, &full, &known));
        }
        let entry = out.entry(module.clone()).or_default();
        for t in targets {
            if !related(module, &t) {
                entry.insert(t);
            }
        }
    }
    out
}

/// The loops in a graph (strongly connected parts with more than one module), by Tarjan.
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut part = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                part.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                s.found.push(part);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_crate_has_modules_that_import_each_other() {
    let root = repo_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for src in crate_sources(&root) {
        let graph = arrows(&src);
        checked += graph.len();
        for part in loops(&graph) {
            let edges: Vec<String> = part
                .iter()
                .flat_map(|m| {
                    graph[m]
                        .iter()
                        .filter(|t| part.contains(t))
                        .map(move |t| format!("{m} -> {t}"))
                })
                .collect();
            let name = src.strip_prefix(&root).unwrap_or(&src).display();
            problems.push(format!("{name}: {}", edges.join(", ")));
        }
    }
    assert!(checked > 100, "only {checked} modules found");
    assert!(
        problems.is_empty(),
        "modules that import each other:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_loop_between_two_modules_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("notify", &["ses"][..]),
        ("ses", &["notify"][..]),
        ("keys", &[][..]),
        ("items", &["keys"][..]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_owned(), to.iter().map(|t| t.to_string()).collect()))
    .collect();
    assert_eq!(
        loops(&graph),
        vec![vec!["notify".to_owned(), "ses".to_owned()]]
    );
}

#[test]
fn imports_resolve_to_the_deepest_module_named() {
    let known: BTreeMap<String, PathBuf> = ["", "adapters", "adapters::dynamo", "domain"]
        .into_iter()
        .map(|m| (m.to_owned(), PathBuf::new()))
        .collect();
    let seg = |p: &str| segments(p);
    assert_eq!(
        resolve(&[], &seg("adapters::dynamo::DynamoStore"), &known),
        "adapters::dynamo"
    );
    assert_eq!(resolve(&[], &seg("domain::Lead"), &known), "domain");
    let here = ["adapters".to_owned(), "dynamo".to_owned()];
    let mut up = vec!["super".to_owned()];
    up.extend(seg("super::domain::Lead"));
    assert_eq!(resolve(&here, &up, &known), "domain");
    assert_eq!(
        paths_after("use crate::{a::B, c};", "crate::"),
        vec![seg("a::B"), seg("c")]
    );
}
