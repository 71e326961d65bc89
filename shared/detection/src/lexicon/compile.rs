//! From a lexicon pattern to the phrases it stands for, as elements. Run by the build script
//! (`build.rs`), which writes the matcher's tables from every pattern, so this file uses
//! nothing outside itself: the text pipeline is passed in.

use std::collections::HashMap;

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    Word(String),
    /// Exactly one word of any kind.
    Any,
    /// Zero to three words.
    Gap,
    Number,
    Money,
}

/// Expands `(a|b|)` groups, nested or not, into every phrase they stand for.
pub fn expand_alternatives(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    expand_sequence(&chars, &mut at)
}

/// A sequence up to the end, a `|` or a `)` of the enclosing group.
fn expand_sequence(chars: &[char], at: &mut usize) -> Vec<String> {
    let mut out = vec![String::new()];
    while let Some(&c) = chars.get(*at) {
        match c {
            '|' | ')' => break,
            '(' => {
                *at += 1;
                let mut alternatives = Vec::new();
                loop {
                    alternatives.extend(expand_sequence(chars, at));
                    match chars.get(*at) {
                        Some('|') => *at += 1,
                        Some(')') => {
                            *at += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        alternatives
                            .iter()
                            .map(move |alt| format!("{prefix} {alt}"))
                    })
                    .collect();
            }
            c => {
                for p in &mut out {
                    p.push(c);
                }
                *at += 1;
            }
        }
    }
    out
}

/// The phrases of `pattern` as elements, each word through `sentences` (the transcripts' own
/// pipeline, `text::sentences`). `stems` remembers each word's tokens and stems: the 12,070
/// expanded phrases repeat a few thousand words.
fn compile(
    pattern: &str,
    stems: &mut HashMap<String, Vec<String>>,
    sentences: fn(&str) -> Vec<Vec<String>>,
) -> Vec<Vec<Elem>> {
    expand_alternatives(pattern)
        .iter()
        .map(|phrase| {
            let mut elems = Vec::new();
            for word in phrase.split_whitespace() {
                match word {
                    "*" => elems.push(Elem::Any),
                    "~" => elems.push(Elem::Gap),
                    "#num" => elems.push(Elem::Number),
                    "#money" => elems.push(Elem::Money),
                    w => {
                        let tokens = stems
                            .entry(w.to_owned())
                            .or_insert_with(|| sentences(w).concat());
                        elems.extend(tokens.iter().cloned().map(Elem::Word));
                    }
                }
            }
            elems
        })
        .filter(|e| !e.is_empty())
        .collect()
}

/// Every phrase of `patterns`, with its kind, in their order; phrases starting with a wildcard
/// are skipped (a phrase must start with a word, a number or an amount). What the build script
/// writes into the matcher's tables, and what the tests compare them with.
pub fn compile_all<L: Copy>(
    patterns: impl IntoIterator<Item = (L, &'static str)>,
    sentences: fn(&str) -> Vec<Vec<String>>,
) -> Vec<(L, Vec<Elem>)> {
    let mut stems = HashMap::new();
    patterns
        .into_iter()
        .flat_map(|(kind, pattern)| {
            compile(pattern, &mut stems, sentences)
                .into_iter()
                .map(move |elems| (kind, elems))
        })
        .filter(|(_, elems)| !matches!(elems.first(), None | Some(Elem::Any | Elem::Gap)))
        .collect()
}
