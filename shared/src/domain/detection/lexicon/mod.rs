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

use std::collections::HashMap;
use std::sync::LazyLock;

use super::text;

mod equipment;
mod phrases;

use equipment::EQUIPMENT;
use phrases::PHRASES;

/// The trade a piece of equipment or an area belongs to, for readable reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Hvac,
    Plumbing,
    Electrical,
    Roof,
    GarageDoor,
    Appliance,
    Pest,
    Pool,
    Tree,
    Damage,
    Window,
    Yard,
    Home,
}

impl Category {
    /// "caller described a ... problem".
    pub fn problem_reason(self) -> &'static str {
        match self {
            Category::Hvac => "caller described a heating or cooling problem",
            Category::Plumbing => "caller described a plumbing problem",
            Category::Electrical => "caller described an electrical problem",
            Category::Roof => "caller described a roof or gutter problem",
            Category::GarageDoor => "caller described a garage door problem",
            Category::Appliance => "caller described an appliance problem",
            Category::Pest => "caller described a pest problem",
            Category::Pool => "caller described a pool or spa problem",
            Category::Tree => "caller described a tree problem",
            Category::Damage => "caller described water, fire or mold damage",
            Category::Window => "caller described a window or door problem",
            Category::Yard => "caller described a yard or irrigation problem",
            Category::Home => "caller described a problem in their home",
        }
    }
}

/// The kinds of phrase the detector looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lex {
    Equipment(Category),
    /// Something wrong: a leak, a noise, a smell, damage, pests.
    Fault,
    /// Something a thing should do; negated ("won't turn on") it is a fault.
    Function,
    /// Wants work done: replace, install, repair, estimate.
    Project,
    /// Asks for someone to come or for the service.
    Request,
    Price,
    Availability,
    Comparing,
    Defer,
    /// Must check with an insurer or home warranty company first.
    CheckPayer,
    Objection,
    Urgency,
    AgentQuote,
    AgentOfferVisit,
    AgentOfferSlot,
    AgentOfferPlan,
    AgentAskBook,
    AgentDiagnosis,
    AgentExisting,
    AgentNotOffered,
    AgentNeedsOwner,
    Existing,
    Warranty,
    HomeWarranty,
    Billing,
    Membership,
    Complaint,
    Vendor,
    Applicant,
    ThirdParty,
    Renter,
    Survey,
    Robocall,
    WrongNumber,
    Competitor,
    Resolved,
    Parts,
}

impl Lex {
    /// Kinds whose meaning a negation in front of them cancels ("no leaks", "I don't need a
    /// new one", "I'm not renting"). `Function` is inverted instead; the rest stand regardless.
    fn negatable(self) -> bool {
        !matches!(
            self,
            Lex::Function
                | Lex::Equipment(_)
                | Lex::Robocall
                | Lex::WrongNumber
                | Lex::Survey
                | Lex::Resolved
                | Lex::Objection
                | Lex::AgentNotOffered
                | Lex::AgentNeedsOwner
        )
    }
}

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    Word(String),
    /// Exactly one word of any kind.
    Any,
    /// Zero to three words.
    Gap,
    Number,
    Money,
}

#[derive(Debug)]
struct Phrase {
    lex: Lex,
    elems: Vec<Elem>,
}

/// Expands `(a|b|)` groups, nested or not, into every phrase they stand for.
fn expand_alternatives(pattern: &str) -> Vec<String> {
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

/// The phrases of `pattern` as elements. `stems` remembers each word's tokens and stems: the
/// 12,070 expanded phrases repeat a few thousand words, and stemming each occurrence afresh
/// was most of what building the matcher cost a cold start.
fn compile(pattern: &str, stems: &mut HashMap<String, Vec<String>>) -> Vec<Vec<Elem>> {
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
                            .or_insert_with(|| text::sentences(w).concat());
                        elems.extend(tokens.iter().cloned().map(Elem::Word));
                    }
                }
            }
            elems
        })
        .filter(|e| !e.is_empty())
        .collect()
}

/// Every phrase, indexed by its first word; phrases starting with a number pattern apart.
struct Matcher {
    by_first: HashMap<String, Vec<Phrase>>,
    by_number: Vec<Phrase>,
    by_money: Vec<Phrase>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(build);

/// Compiles every lexicon into the matcher: what a cold start pays once (`preload`).
fn build() -> Matcher {
    let mut m = Matcher {
        by_first: HashMap::new(),
        by_number: Vec::new(),
        by_money: Vec::new(),
    };
    let equipment = EQUIPMENT
        .iter()
        .flat_map(|(cat, patterns)| patterns.iter().map(move |p| (Lex::Equipment(*cat), *p)));
    let phrases = PHRASES
        .iter()
        .flat_map(|(lex, patterns)| patterns.iter().map(move |p| (*lex, *p)));
    let mut stems = HashMap::new();
    for (lex, pattern) in equipment.chain(phrases) {
        for elems in compile(pattern, &mut stems) {
            let phrase = Phrase { lex, elems };
            match phrase.elems.first() {
                Some(Elem::Word(w)) => m.by_first.entry(w.clone()).or_default().push(phrase),
                Some(Elem::Number) => m.by_number.push(phrase),
                Some(Elem::Money) => m.by_money.push(phrase),
                // A phrase may not start with a wildcard; such a pattern is skipped.
                _ => {}
            }
        }
    }
    m
}

/// Builds the matcher afresh and says how many phrases it holds (for the benchmark of what a
/// cold start costs; the detector itself builds it once).
pub fn build_fresh() -> usize {
    let m = build();
    m.by_first.values().map(Vec::len).sum::<usize>() + m.by_number.len() + m.by_money.len()
}

/// Loads the lexicons now rather than in the first call scored.
pub fn preload() {
    LazyLock::force(&MATCHER);
}

fn elem_matches(e: &Elem, word: &str) -> bool {
    match e {
        Elem::Word(w) => w == word,
        Elem::Any => true,
        Elem::Number => text::is_number(word),
        Elem::Money => word.starts_with('$') && text::is_number(word),
        Elem::Gap => true,
    }
}

/// The end (exclusive) of the longest match of `elems` at `words[at..]`.
fn match_at(elems: &[Elem], words: &[String], at: usize) -> Option<usize> {
    let Some((first, rest)) = elems.split_first() else {
        return Some(at);
    };
    if *first == Elem::Gap {
        // Up to three words, preferring the shortest gap that lets the rest match.
        return (0..=3)
            .filter(|skip| at + skip <= words.len())
            .find_map(|skip| match_at(rest, words, at + skip));
    }
    let word = words.get(at)?;
    if elem_matches(first, word) {
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
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "none", "nobody", "neither", "nor", "hardly",
    "barely", "nunca", "tampoco",
];
/// Words that, before a function, mean it does not happen ("stopped cooling").
const FUNCTION_NEGATORS: &[&str] = &["stop", "quit", "fail", "refus"];

fn negated_before(words: &[String], start: usize, lex: Lex) -> bool {
    let from = start.saturating_sub(4);
    for w in words[from..start].iter().rev() {
        if w == "but" || w == "pero" {
            return false;
        }
        let w = w.as_str();
        if NEGATORS.contains(&w) || (lex == Lex::Function && FUNCTION_NEGATORS.contains(&w)) {
            return true;
        }
    }
    false
}

/// Every phrase in a sentence. Equipment found inside a longer equipment phrase ("heater" in
/// "water heater") is dropped, so the longer, more specific one decides the trade.
pub fn find(words: &[String]) -> Vec<Hit> {
    let m = &*MATCHER;
    let mut hits = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let by_word = m.by_first.get(word).map(Vec::as_slice).unwrap_or(&[]);
        let (numbers, money): (&[Phrase], &[Phrase]) = match text::is_number(word) {
            false => (&[], &[]),
            true if word.starts_with('$') => (&m.by_number, &m.by_money),
            true => (&m.by_number, &[]),
        };
        for p in by_word.iter().chain(numbers).chain(money) {
            if let Some(end) = match_at(&p.elems[1..], words, i + 1) {
                hits.push(Hit {
                    lex: p.lex,
                    start: i,
                    end,
                    negated: false,
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
    for h in &mut hits {
        h.negated = negated_before(words, h.start, h.lex);
    }
    hits
}

const QUESTION_AUXILIARIES: &[&str] = &["do", "doe", "can", "could", "would", "will"];

/// Negation that cancels a hit (see `Lex::negatable`).
pub fn cancelled(hit: &Hit) -> bool {
    hit.negated && hit.lex.negatable()
}

#[cfg(test)]
mod tests;
