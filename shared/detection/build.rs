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
//! - `FIRST_REST`, `NUMBER_REST`, `MONEY_REST`: where in `REST` each of those runs of phrases
//!   starts;
//! - `PHRASE_LEX` (a byte) and `PHRASE_LEN` (half a byte): each phrase's kind and how many bytes
//!   of `REST` its elements after the first take. They lie in `REST` one phrase after another,
//!   each element (a word id or one of the wildcard codes below) written as its rank in
//!   `REST_ALPHABET`, one byte for the 240 most frequent and two for the rest. A phrase is only
//!   ever read while walking its run, so no per-phrase offset is stored. These tables are in
//!   every IngestCall bootstrap: as 16-bit elements with a 16-bit offset per phrase they took
//!   about 46 KB more (BENCHMARKS.md, Deployment artifacts).

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
/// In `REST`, a byte below this is an element's rank in `REST_ALPHABET`; one at or above it
/// starts a two-byte rank.
const SHORT: u8 = 240;

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
    // Each phrase's elements after its first, as codes.
    let mut rests: Vec<Vec<u16>> = Vec::new();
    let mut push = |lex: Lex, elems: &[Elem], lexes: &mut Vec<Lex>| {
        lexes.push(lex);
        rests.push(elems[1..].iter().map(code).collect());
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
    assert!(end <= usize::from(u16::MAX), "phrase numbers outgrew u16");

    // The codes that follow a phrase's first word are few (a few hundred distinct words and
    // the wildcards): each is written as its rank by frequency, in one byte for the SHORT most
    // frequent and two for the others.
    let mut frequency: HashMap<u16, usize> = HashMap::new();
    for c in rests.iter().flatten() {
        *frequency.entry(*c).or_default() += 1;
    }
    let mut alphabet: Vec<u16> = frequency.keys().copied().collect();
    alphabet.sort_by_key(|c| (std::cmp::Reverse(frequency[c]), *c));
    let short = usize::from(SHORT);
    assert!(
        alphabet.len() <= short + (256 - short) * 256,
        "too many distinct elements for REST's coding"
    );
    let rank: HashMap<u16, usize> = alphabet.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut rest: Vec<u8> = Vec::new();
    let mut rest_at: Vec<usize> = Vec::with_capacity(end + 1);
    let mut lens: Vec<usize> = Vec::with_capacity(end);
    for r in &rests {
        rest_at.push(rest.len());
        for c in r {
            match rank[c] {
                i if i < short => rest.push(i as u8),
                i => rest.extend([(short + (i - short) / 256) as u8, ((i - short) % 256) as u8]),
            }
        }
        lens.push(rest.len() - rest_at[rest_at.len() - 1]);
    }
    rest_at.push(rest.len());
    // Two lengths to a byte, the even phrase's in the low half.
    assert!(
        lens.iter().all(|&n| n < 16),
        "a phrase outgrew a half-byte's length"
    );
    let packed_lens: Vec<usize> = lens
        .chunks(2)
        .map(|pair| pair[0] | pair.get(1).map_or(0, |n| n << 4))
        .collect();
    let first_rest: Vec<usize> = first_start.iter().map(|&p| rest_at[p]).collect();
    let (number_rest, money_rest) = (rest_at[numbers], rest_at[money]);

    let mut word_end = Vec::new();
    let mut text_all = String::new();
    for w in &words {
        text_all.push_str(w);
        word_end.push(text_all.len());
    }
    // Offsets into REST and WORD_TEXT fit 16 bits (checked).
    assert!(
        rest.len() <= usize::from(u16::MAX),
        "REST outgrew u16 offsets"
    );
    assert!(
        text_all.len() <= usize::from(u16::MAX),
        "WORD_TEXT outgrew u16 offsets"
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
    let _ = writeln!(out, "const SHORT: u8 = {SHORT};");
    let _ = writeln!(out, "static WORD_TEXT: &str = {text_all:?};");
    table(&mut out, "WORD_END", "u16", &word_end);
    table(&mut out, "FIRST_WORDS", "u16", &first_words);
    table(&mut out, "FIRST_START", "u16", &first_start);
    table(&mut out, "FIRST_REST", "u16", &first_rest);
    let _ = writeln!(
        out,
        "const NUMBER_PHRASES: std::ops::Range<usize> = {numbers}..{money};\n\
         const NUMBER_REST: usize = {number_rest};"
    );
    let _ = writeln!(
        out,
        "const MONEY_PHRASES: std::ops::Range<usize> = {money}..{end};\n\
         const MONEY_REST: usize = {money_rest};"
    );
    let lex_paths: Vec<String> = lexes.iter().map(|l| lex_path(*l)).collect();
    table(&mut out, "PHRASE_LEX", "Lex", &lex_paths);
    table(&mut out, "PHRASE_LEN", "u8", &packed_lens);
    table(&mut out, "REST", "u8", &rest);
    table(&mut out, "REST_ALPHABET", "u16", &alphabet);

    let dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_owned());
    let path = std::path::Path::new(&dir).join("lexicon_tables.rs");
    if let Err(e) = std::fs::write(&path, out) {
        panic!("writing {}: {e}", path.display());
    }
}
