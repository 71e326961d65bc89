//! What the detector knows about home-services calls, as phrase lists, and the matcher that
//! finds them in stemmed sentences.
//!
//! A phrase is written the way people say it; `(a|b|)` lists alternatives (an empty one makes
//! the group optional), `*` stands for any one word, `~` for up to three words, `#num` for any
//! number and `#money` for a dollar amount. Every phrase goes through the same normalising and
//! stemming as transcripts (`text.rs`), so one spelling covers the others.
//!
//! The lists are deliberately broad — trades, equipment, symptoms and the ways callers and
//! agents talk — rather than the wording of any particular call: the detector must work on
//! calls nobody has seen. Which of these matter, and how much, is fitted (`make train`).

use super::text;

mod kinds;
pub use kinds::{Category, Lex};

#[cfg(test)]
mod compile;
#[cfg(test)]
mod equipment;
#[cfg(test)]
mod phrases;

// The matcher's tables, written by the build script from `equipment.rs` and `phrases.rs`
// (`build.rs` describes them), with the codes of the wildcard elements (`ANY`, `GAP`, `NUMBER`,
// `MONEY`; word ids are below them).
include!(concat!(env!("OUT_DIR"), "/lexicon_tables.rs"));

/// The word with id `id` (an index into the sorted word list).
fn word(id: u16) -> &'static str {
    let i = usize::from(id);
    let start = if i == 0 {
        0
    } else {
        usize::from(WORD_END[i - 1])
    };
    &WORD_TEXT[start..usize::from(WORD_END[i])]
}

/// The phrases `phrases` (one run of the tables: those starting with one word, with a
/// number or with an amount), whose coded elements after the first start at `REST[rest_at]`
/// one phrase after another: each phrase's number and those elements.
fn run(
    phrases: std::ops::Range<usize>,
    mut rest_at: usize,
) -> impl Iterator<Item = (usize, &'static [u8])> {
    phrases.map(move |p| {
        let from = rest_at;
        rest_at += usize::from(crate::half_byte(&PHRASE_LEN, p).unwrap_or(0));
        (p, &REST[from..rest_at])
    })
}

/// The first element of a phrase's coded elements, and the ones after it.
fn next_elem(coded: &[u8]) -> Option<(u16, &[u8])> {
    let (&b, tail) = coded.split_first()?;
    if b < SHORT {
        return Some((REST_ALPHABET[usize::from(b)], tail));
    }
    let (&low, tail) = tail.split_first()?;
    let rank = usize::from(SHORT) + usize::from(b - SHORT) * 256 + usize::from(low);
    Some((REST_ALPHABET[rank], tail))
}

/// The phrases whose first element is the word with id `first`.
fn phrases_starting_with(first: u16) -> impl Iterator<Item = (usize, &'static [u8])> {
    match FIRST_WORDS.binary_search(&first) {
        Ok(i) => run(
            usize::from(FIRST_START[i])..usize::from(FIRST_START[i + 1]),
            usize::from(FIRST_REST[i]),
        ),
        Err(_) => run(0..0, 0),
    }
}

/// The id of a word some phrase uses (ids follow the words' sorted order).
fn word_id(w: &str) -> Option<u16> {
    let (mut low, mut high) = (0usize, WORD_END.len());
    while low < high {
        let mid = (low + high) / 2;
        match word(mid as u16).cmp(w) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return Some(mid as u16),
        }
    }
    None
}

/// How many phrases the lexicons compiled to (the tables are built with the crate).
pub fn phrase_count() -> usize {
    PHRASE_LEX.len()
}

/// A sentence's words as the matcher compares them: each word's id, and whether it is a
/// number or an amount, worked out once per word instead of once per phrase tried (a
/// sentence's common words start hundreds of phrases each).
struct Read {
    ids: Vec<Option<u16>>,
    number: Vec<bool>,
    money: Vec<bool>,
}

impl Read {
    fn new(words: &[String]) -> Read {
        let number: Vec<bool> = words.iter().map(|w| text::is_number(w)).collect();
        Read {
            ids: words.iter().map(|w| word_id(w)).collect(),
            money: words
                .iter()
                .zip(&number)
                .map(|(w, n)| *n && w.starts_with('$'))
                .collect(),
            number,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn matches(&self, e: u16, at: usize) -> bool {
        match e {
            ANY | GAP => true,
            NUMBER => self.number[at],
            MONEY => self.money[at],
            id => self.ids[at] == Some(id),
        }
    }
}

/// The end (exclusive) of the longest match of the coded elements `elems` at word `at`.
fn match_at(elems: &[u8], words: &Read, at: usize) -> Option<usize> {
    let Some((first, rest)) = next_elem(elems) else {
        return Some(at);
    };
    if first == GAP {
        // Up to three words, preferring the shortest gap that lets the rest match.
        return (0..=3)
            .filter(|skip| at + skip <= words.len())
            .find_map(|skip| match_at(rest, words, at + skip));
    }
    if at < words.len() && words.matches(first, at) {
        match_at(rest, words, at + 1)
    } else {
        None
    }
}

/// A phrase found in a sentence: words `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub lex: Lex,
    pub start: usize,
    pub end: usize,
    /// A negation ("not", "no", "never", "stopped"...) shortly before it.
    pub negated: bool,
    /// Where the negation starts when there is one ("stopped" in "stopped cooling"), else
    /// `start`: the words that together say it.
    pub said_from: usize,
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "none", "nobody", "neither", "nor", "hardly",
    "barely", "nunca", "tampoco",
];
/// Words that, before a function, mean it does not happen ("stopped cooling").
const FUNCTION_NEGATORS: &[&str] = &["stop", "quit", "fail", "refus"];

/// Words that start a new clause: a negation before one does not reach past it ("it's not
/// the furnace, the AC is leaking"; "no heat and the pipe burst"; "no sé pero gotea").
const CLAUSE_BREAKS: &[&str] = &[
    "but", "and", "so", "because", "cause", "since", "though", "although", "then", "now", "pero",
    "y", "porque", "entonce", "aunque", "ahora",
];

/// The position of a negation shortly before `start`, in the same clause.
fn negated_before(words: &[String], start: usize, lex: Lex) -> Option<usize> {
    let from = start.saturating_sub(4);
    for (at, w) in words[from..start].iter().enumerate().rev() {
        if CLAUSE_BREAKS.contains(&w.as_str()) {
            return None;
        }
        let w = w.as_str();
        if NEGATORS.contains(&w) || (lex == Lex::Function && FUNCTION_NEGATORS.contains(&w)) {
            return Some(from + at);
        }
    }
    None
}

/// Every phrase in a sentence. Equipment found inside a longer equipment phrase ("heater" in
/// "water heater") is dropped, so the longer, more specific one decides the trade.
pub fn find(words: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let read = Read::new(words);
    for i in 0..words.len() {
        let numbers = if read.number[i] { NUMBER_PHRASES } else { 0..0 };
        let money = if read.money[i] { MONEY_PHRASES } else { 0..0 };
        let phrases = read.ids[i]
            .map(phrases_starting_with)
            .into_iter()
            .flatten()
            .chain(run(numbers, NUMBER_REST))
            .chain(run(money, MONEY_REST));
        for (p, rest) in phrases {
            if let Some(end) = match_at(rest, &read, i + 1) {
                hits.push(Hit {
                    lex: PHRASE_LEX[p],
                    start: i,
                    end,
                    negated: false,
                    said_from: i,
                });
            }
        }
    }
    let equipment: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| matches!(h.lex, Lex::Equipment(_)))
        .map(|h| (h.start, h.end))
        .collect();
    hits.retain(|h| {
        !matches!(h.lex, Lex::Equipment(_))
            || !equipment
                .iter()
                .any(|&(s, e)| s <= h.start && h.end <= e && (e - s) > (h.end - h.start))
    });
    // Stems drop the tense, so "do you install" would read as "you installed": a question
    // about the company's work is not a reference to work it did.
    hits.retain(|h| {
        h.lex != Lex::Existing
            || h.start == 0
            || !QUESTION_AUXILIARIES.contains(&words[h.start - 1].as_str())
    });
    // A fee is not a fault: "trip charge", "service call", "surge protector" name things, not
    // something wrong.
    hits.retain(|h| {
        h.lex != Lex::Fault
            || !words
                .get(h.end)
                .is_some_and(|next| NOT_A_FAULT_BEFORE.contains(&next.as_str()))
    });
    for h in &mut hits {
        if let Some(at) = negated_before(words, h.start, h.lex) {
            h.negated = true;
            h.said_from = at;
        }
    }
    hits
}

/// Words after which a fault word names a thing rather than a fault.
const NOT_A_FAULT_BEFORE: &[&str] = &["charg", "fee", "rat", "protector", "cost"];

const QUESTION_AUXILIARIES: &[&str] = &["do", "doe", "can", "could", "would", "will"];

/// Negation that cancels a hit (see `Lex::negatable`).
pub fn cancelled(hit: &Hit) -> bool {
    hit.negated && hit.lex.negatable()
}

#[cfg(test)]
mod tests;
