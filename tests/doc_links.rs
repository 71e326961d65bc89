//! The repository explains itself: every pointer in its docs and comments leads somewhere
//! inside it. Checked over the files the project writes (Markdown, Rust, TypeScript, the
//! template, scripts), not build output or the detector's corpus:
//! - a Markdown link to a relative path names a file or folder that exists;
//! - a reference written as a Markdown file's path, a comma and a heading names a file that
//!   exists and a section of it: a heading, or a paragraph's bold lead-in, that starts with
//!   those words ("X and Y" may name two);
//! - no link or reference resolves outside the repository, every Markdown file named by its
//!   name is one the repository has, and a numbered section sign cites a public standard.

use std::path::{Path, PathBuf};

use scl_tests::repo_root;

const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    ".local",
    "node_modules",
    "dist",
    ".aws-sam",
    "corpus",
    "test-results",
    "playwright-report",
];
const EXTENSIONS: &[&str] = &["md", "rs", "ts", "tsx", "toml", "yaml", "yml", "sh", "mjs"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                files(&path, out);
            }
        } else if name == "Makefile"
            || path
                .extension()
                .is_some_and(|e| EXTENSIONS.contains(&e.to_string_lossy().as_ref()))
        {
            out.push(path);
        }
    }
}

/// The sections of a Markdown file: its headings and bold paragraph lead-ins, as plain text.
fn sections(markdown: &str) -> Vec<String> {
    let plain = |s: &str| s.replace(['`', '*'], "").trim().to_owned();
    markdown
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            if t.starts_with('#') {
                Some(plain(t.trim_start_matches('#')))
            } else if let Some(rest) = t.strip_prefix("- **").or_else(|| t.strip_prefix("**")) {
                rest.split_once("**").map(|(bold, _)| plain(bold))
            } else {
                None
            }
        })
        .collect()
}

/// Where a referenced file is: from the repository's root, else beside the referring file.
/// A target that leaves the repository (through `..`) does not count, even where it exists on
/// this machine: a clone has nothing beside it.
fn resolve(root: &Path, from: &Path, target: &str) -> Option<PathBuf> {
    [root.join(target), from.parent()?.join(target)]
        .into_iter()
        .filter_map(|p| p.canonicalize().ok())
        .find(|p| p.starts_with(root))
}

/// References to a Markdown file's section in a text: (the file, the words after its comma,
/// up to the end of the phrase).
fn references(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(".md, ") {
        let before = &text[..at];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || "_-./".contains(c)))
            .map_or(0, |i| i + 1);
        let file = format!("{}.md", &before[start..]);
        let after = &text[at + 5..];
        let words: String = after
            .chars()
            .take_while(|c| !matches!(c, ')' | ';' | '\n' | '"' | '(' | '`' | '.' | ','))
            .collect();
        let words = words.trim().trim_end_matches(':').to_owned();
        if file.len() > 3 && words.starts_with(|c: char| c.is_uppercase()) {
            out.push((file, words));
        }
    }
    out
}

/// The file names of every Markdown document in the repository, the corpus's included.
fn markdown_files(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let (path, name) = (
            entry.path(),
            entry.file_name().to_string_lossy().into_owned(),
        );
        if path.is_dir() && ![".git", "target", ".local", "node_modules"].contains(&name.as_str()) {
            out.extend(markdown_files(&path));
        } else if name.ends_with(".md") {
            out.insert(name);
        }
    }
    out
}

/// Markdown file names a text mentions (`EVALUATIONS.md`), but not those a build writes
/// (`target/…`).
fn markdown_names(text: &str) -> Vec<String> {
    text.match_indices(".md")
        .filter(|(at, _)| {
            let next = text[at + 3..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .filter_map(|(at, _)| {
            let before = &text[..at];
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || "_-".contains(c)))
                .map_or(0, |i| i + 1);
            let built = before[..start].ends_with("target/");
            (start < at && !built).then(|| format!("{}.md", &before[start..]))
        })
        .collect()
}

/// Whether the text before a section sign cites a standard by number: `RFC 9110 `.
fn cites_a_standard(before: &str) -> bool {
    let mut words = before.split_whitespace().rev();
    let number = words.next().unwrap_or("");
    let cited = words
        .next()
        .map(|w| w.trim_start_matches(|c: char| !c.is_alphanumeric()));
    !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) && cited == Some("RFC")
}

fn section_exists(sections: &[String], words: &str) -> bool {
    let named = |w: &str| sections.iter().any(|s| s.starts_with(w.trim()));
    named(words) || words.split(" and ").all(named)
}

#[test]
fn every_pointer_in_the_repository_leads_inside_it() {
    let root = repo_root().canonicalize().expect("the repository");
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(all.len() > 100, "{} files", all.len());
    let documents = markdown_files(&root);
    let mut broken = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        if file.extension().is_some_and(|e| e == "md") {
            for (at, _) in text.match_indices("](") {
                let target: String = text[at + 2..].chars().take_while(|c| *c != ')').collect();
                let path = target.split('#').next().unwrap_or("").trim();
                if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                    continue;
                }
                if resolve(&root, file, path).is_none() {
                    broken.push(format!("{shown}: link to {path}"));
                }
            }
        }
        for (target, words) in references(&text) {
            match resolve(&root, file, &target) {
                None => broken.push(format!("{shown}: {target} does not exist")),
                Some(path) => {
                    let markdown = std::fs::read_to_string(&path).unwrap_or_default();
                    if !section_exists(&sections(&markdown), &words) {
                        broken.push(format!("{shown}: {target} has no section \"{words}\""));
                    }
                }
            }
        }
        // A document named by its file name is one the repository has (or one a build writes
        // under target/): a clone has nothing else.
        for name in markdown_names(&text) {
            if !documents.contains(&name) {
                broken.push(format!(
                    "{shown}: names {name}, which the repository does not have"
                ));
            }
        }
        // A numbered section is a public standard's (RFC 7636 and the like); the repository's
        // own documents are pointed at by path and heading.
        for (at, _) in text.match_indices('\u{a7}') {
            if !cites_a_standard(&text[..at]) {
                broken.push(format!("{shown}: a numbered section of no document here"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken pointers:\n{}",
        broken.len(),
        broken.join("\n")
    );
}
