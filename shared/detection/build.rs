//! Compiles the detector's lexicons into the matcher's tables at build time
//! (`src/lexicon/mod.rs` reads them), so that no function builds them when it
//! starts: expanding the 12,070 phrases and stemming their words took IngestCallFunction's
//! cold start from ~2.5 ms to ~13 ms (BENCHMARKS.md, Cold starts). The phrases go through the
//! same pipeline as transcripts (`text.rs`), compiled in here from the crate's own source.
//!
//! The tables (`$OUT_DIR/lexicon_tables.rs`), all plain numbers and one string, so they cost
//! no relocations or allocation at start:
//! - `WORD_TEXT`, `WORD_END`: every distinct word of every phrase, sorted, concatenated;
//! - `FIRST_WORDS` (word ids, sorted) with `FIRST_START`: the phrases starting with each word;
//!   then `NUMBER_PHRASES` and `MONEY_PHRASES`, the ranges starting with `#num` / `#money`;
//! - `PHRASE_LEX`, `PHRASE_REST` (16-bit offsets into `REST`): each phrase's kind and the elements
//!   after its first, as word ids or the wildcard codes below.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

#[path = "src/text.rs"]
#[allow(dead_code)]
mod text;

#[path = "src/lexicon/kinds.rs"]
#[allow(dead_code)]
mod kinds;

#[path = "src/lexicon/compile.rs"]
#[allow(dead_code)]
mod compile;

#[path = "src/lexicon/equipment.rs"]
mod equipment;

#[path = "src/lexicon/phrases.rs"]
mod phrases;

use compile::Elem;
use kinds::{Category, Lex};

/// The codes of the wildcard elements in `REST` (word ids are below them); written into the
/// tables for the matcher.
const ANY: u16 = u16::MAX;
const GAP: u16 = u16::MAX - 1;
const NUMBER: u16 = u16::MAX - 2;
const MONEY: u16 = u16::MAX - 3;

/// `static NAME: [TY; N] = [items],` sixteen items a line.
fn table<T: std::fmt::Display>(out: &mut String, name: &str, ty: &str, items: &[T]) {
    let _ = writeln!(out, "static {name}: [{ty}; {}] = [", items.len());
    for (i, item) in items.iter().enumerate() {
        let _ = write!(out, "{item},");
        if i % 16 == 15 {
            out.push('\n');
        }
    }
    let _ = writeln!(out, "\n];");
}

fn lex_path(lex: Lex) -> String {
    match lex {
        Lex::Equipment(c) => format!("Lex::Equipment(Category::{c:?})"),
        other => format!("Lex::{other:?}"),
    }
}

fn main() {
    for file in [
        "text.rs",
        "lexicon/kinds.rs",
        "lexicon/compile.rs",
        "lexicon/equipment.rs",
        "lexicon/phrases.rs",
    ] {
        println!("cargo:rerun-if-changed=src/{file}");
    }

    // Every phrase, in the lexicons' order (equipment first): a sentence's hits come out in
    // this order, as they did when the matcher was built at start.
    let mut by_word: Vec<(String, Lex, Vec<Elem>)> = Vec::new();
    let (mut by_number, mut by_money) = (Vec::new(), Vec::new());
    let patterns = kinds::every_pattern(equipment::EQUIPMENT, phrases::PHRASES);
    for (lex, elems) in compile::compile_all(patterns, text::sentences) {
        match elems.first() {
            Some(Elem::Word(w)) => by_word.push((w.clone(), lex, elems)),
            Some(Elem::Number) => by_number.push((lex, elems)),
            // compile_all keeps only phrases starting with a word, a number or an amount.
            _ => by_money.push((lex, elems)),
        }
    }
    // Grouped by first word; a stable sort keeps each word's phrases in lexicon order.
    by_word.sort_by(|a, b| a.0.cmp(&b.0));

    let words: Vec<String> = by_word
        .iter()
        .flat_map(|(_, _, elems)| elems.iter())
        .chain(
            by_number
                .iter()
                .chain(&by_money)
                .flat_map(|(_, e)| e.iter()),
        )
        .filter_map(|e| match e {
            Elem::Word(w) => Some(w.clone()),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        words.len() < usize::from(MONEY),
        "too many distinct words for u16 ids"
    );
    let id: HashMap<&str, u16> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u16))
        .collect();
    let code = |e: &Elem| match e {
        Elem::Word(w) => id[w.as_str()],
        Elem::Any => ANY,
        Elem::Gap => GAP,
        Elem::Number => NUMBER,
        Elem::Money => MONEY,
    };

    let mut first_words: Vec<u16> = Vec::new();
    let mut first_start: Vec<usize> = Vec::new();
    let mut lexes: Vec<Lex> = Vec::new();
    let mut rest_start: Vec<usize> = vec![0];
    let mut rest: Vec<u16> = Vec::new();
    let mut push = |lex: Lex, elems: &[Elem], lexes: &mut Vec<Lex>| {
        lexes.push(lex);
        rest.extend(elems[1..].iter().map(code));
        rest_start.push(rest.len());
    };
    for (word, lex, elems) in &by_word {
        if first_words.last() != Some(&id[word.as_str()]) {
            first_words.push(id[word.as_str()]);
            first_start.push(lexes.len());
        }
        push(*lex, elems, &mut lexes);
    }
    first_start.push(lexes.len());
    let numbers = lexes.len();
    for (lex, elems) in &by_number {
        push(*lex, elems, &mut lexes);
    }
    let money = lexes.len();
    for (lex, elems) in &by_money {
        push(*lex, elems, &mut lexes);
    }
    let end = lexes.len();

    let mut word_end = Vec::new();
    let mut text_all = String::new();
    for w in &words {
        text_all.push_str(w);
        word_end.push(text_all.len());
    }
    // Offsets into REST fit 16 bits (checked): 24 KB less of every IngestCall bootstrap.
    assert!(
        rest.len() <= usize::from(u16::MAX),
        "REST outgrew u16 offsets"
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by build.rs from the lexicons: do not edit."
    );
    for (name, code) in [
        ("ANY", ANY),
        ("GAP", GAP),
        ("NUMBER", NUMBER),
        ("MONEY", MONEY),
    ] {
        let _ = writeln!(out, "const {name}: u16 = {code};");
    }
    let _ = writeln!(out, "static WORD_TEXT: &str = {text_all:?};");
    table(&mut out, "WORD_END", "u32", &word_end);
    table(&mut out, "FIRST_WORDS", "u16", &first_words);
    table(&mut out, "FIRST_START", "u32", &first_start);
    let _ = writeln!(
        out,
        "const NUMBER_PHRASES: std::ops::Range<usize> = {numbers}..{money};"
    );
    let _ = writeln!(
        out,
        "const MONEY_PHRASES: std::ops::Range<usize> = {money}..{end};"
    );
    let lex_paths: Vec<String> = lexes.iter().map(|l| lex_path(*l)).collect();
    table(&mut out, "PHRASE_LEX", "Lex", &lex_paths);
    table(&mut out, "PHRASE_REST", "u16", &rest_start);
    table(&mut out, "REST", "u16", &rest);

    let dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_owned());
    let path = std::path::Path::new(&dir).join("lexicon_tables.rs");
    if let Err(e) = std::fs::write(&path, out) {
        panic!("writing {}: {e}", path.display());
    }
}
