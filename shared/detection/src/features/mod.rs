//! A call as the model sees it: named features from both speakers, hashed word n-grams, and
//! the distinctive words a business's feedback can teach the detector about.

use super::lexicon::{self, Category, Hit, Lex};
use super::text::{self, Sentence};
use crate::{Speaker, Utterance};

mod catalog;
mod ngrams;
mod terms;

pub use catalog::{Feature, Sign, FEATURES, N_FEATURES};
use ngrams::push_ngrams;
use terms::candidate_terms;

/// A call, extracted.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFeatures {
    /// One value per `FEATURES` entry (0 or 1).
    pub values: [f32; N_FEATURES],
    /// Distinct hashed word unigrams and bigrams, per speaker, sorted.
    pub ngrams: Vec<u32>,
    /// The trade of the equipment the caller's problem was about.
    pub category: Option<Category>,
    /// Distinctive words and word pairs the caller used (per-business learning).
    pub candidate_terms: Vec<String>,
}

/// Callers under this many words said very little.
const BRIEF_CALLER_WORDS: usize = 12;
/// Distinctive terms kept per call.
pub const MAX_TERMS_PER_CALL: usize = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Caller,
    Agent,
    /// The call reason and CSR notes: the caller's need in the CSR's words, and what the
    /// agent did ("quoted $89, will call back"), so both sides' phrases count.
    Notes,
}

struct Analysed {
    side: Side,
    segment: usize,
    words: Sentence,
    hits: Vec<Hit>,
}

impl Analysed {
    fn has(&self, lex: Lex) -> bool {
        self.hits
            .iter()
            .any(|h| h.lex == lex && !lexicon::cancelled(h))
    }

    fn problem(&self) -> bool {
        self.hits.iter().any(|h| match h.lex {
            Lex::Fault => !h.negated,
            Lex::Function => h.negated,
            _ => false,
        })
    }

    /// The trade of the most specific equipment named (other than the home itself).
    fn equipment(&self) -> Option<Category> {
        let mut best: Option<(usize, Category)> = None;
        for h in &self.hits {
            if let Lex::Equipment(c) = h.lex {
                let len = h.end - h.start + usize::from(c != Category::Home) * 10;
                if best.is_none_or(|(l, _)| len > l) {
                    best = Some((len, c));
                }
            }
        }
        best.map(|(_, c)| c)
    }

    fn caller_side(&self) -> bool {
        self.side != Side::Agent
    }

    fn agent_side(&self) -> bool {
        self.side != Side::Caller
    }
}

/// Extracts a call's features. `extra` is other text about the call (reason, CSR notes).
pub fn extract(transcript: &[Utterance<'_>], extra: &[&str]) -> CallFeatures {
    let mut sentences: Vec<Analysed> = Vec::new();
    let mut caller_words = 0usize;
    let mut ngrams = Vec::new();
    let texts = transcript
        .iter()
        .map(|s| {
            let side = match s.speaker {
                Speaker::Customer => Side::Caller,
                Speaker::Agent => Side::Agent,
            };
            (side, s.text)
        })
        .chain(extra.iter().map(|t| (Side::Notes, *t)));
    for (segment, (side, raw)) in texts.enumerate() {
        for words in text::sentences(raw) {
            let prefix = match side {
                Side::Agent => "a",
                Side::Caller | Side::Notes => "c",
            };
            if side == Side::Caller {
                caller_words += words.len();
            }
            push_ngrams(prefix, &words, &mut ngrams);
            let hits = lexicon::find(&words);
            sentences.push(Analysed {
                side,
                segment,
                words,
                hits,
            });
        }
    }
    ngrams.sort_unstable();
    ngrams.dedup();

    let mut values = [0f32; N_FEATURES];
    let mut set = |f: Feature| values[f.index()] = 1.0;
    let caller = |lex: Lex| sentences.iter().any(|s| s.caller_side() && s.has(lex));
    let agent = |lex: Lex| sentences.iter().any(|s| s.agent_side() && s.has(lex));

    // A problem counts with equipment when the caller names the equipment in the same turn
    // or within two turns of it ("It's the furnace." ... "It's blowing cold air.").
    let caller_sentences: Vec<&Analysed> = sentences.iter().filter(|s| s.caller_side()).collect();
    let mut category = None;
    let mut problem = false;
    for s in caller_sentences.iter().filter(|s| s.problem()) {
        problem = true;
        if category.is_some() {
            continue;
        }
        let same_turn = caller_sentences
            .iter()
            .filter(|o| o.segment == s.segment)
            .find_map(|o| o.equipment());
        category = same_turn.or_else(|| {
            caller_sentences
                .iter()
                .filter(|o| o.segment.abs_diff(s.segment) <= 4)
                .find_map(|o| o.equipment())
        });
    }
    if category.is_some() {
        set(Feature::ProblemWithEquipment);
    } else if problem {
        set(Feature::Problem);
    }
    if caller_sentences.iter().any(|s| s.equipment().is_some()) {
        set(Feature::Equipment);
    }
    for (lex, feature) in [
        (Lex::Project, Feature::WantsWork),
        (Lex::Request, Feature::AsksForService),
        (Lex::Price, Feature::AsksPrice),
        (Lex::Availability, Feature::AsksAvailability),
        (Lex::Comparing, Feature::Comparing),
        (Lex::Defer, Feature::Defers),
        (Lex::CheckPayer, Feature::ChecksWithPayer),
        (Lex::Objection, Feature::PriceObjection),
        (Lex::Urgency, Feature::Urgent),
        (Lex::Existing, Feature::ExistingWork),
        (Lex::Billing, Feature::Billing),
        (Lex::Membership, Feature::Membership),
        (Lex::Complaint, Feature::Complaint),
        (Lex::Vendor, Feature::Vendor),
        (Lex::Applicant, Feature::Applicant),
        (Lex::ThirdParty, Feature::ThirdParty),
        (Lex::Renter, Feature::Renter),
        (Lex::Survey, Feature::Survey),
        (Lex::Robocall, Feature::Robocall),
        (Lex::WrongNumber, Feature::WrongNumber),
        (Lex::Competitor, Feature::Competitor),
        (Lex::Resolved, Feature::Resolved),
        (Lex::Parts, Feature::Parts),
    ] {
        if caller(lex) {
            set(feature);
        }
    }
    for (lex, feature) in [
        (Lex::AgentQuote, Feature::AgentQuoted),
        (Lex::AgentOfferVisit, Feature::AgentOfferedVisit),
        (Lex::AgentOfferSlot, Feature::AgentOfferedSlot),
        (Lex::AgentOfferPlan, Feature::AgentOfferedPlan),
        (Lex::AgentAskBook, Feature::AgentAskedToBook),
        (Lex::AgentDiagnosis, Feature::AgentDiagnosed),
        (Lex::AgentExisting, Feature::AgentFoundExisting),
        (Lex::AgentNotOffered, Feature::AgentNotOffered),
        (Lex::AgentNeedsOwner, Feature::AgentNeedsOwner),
    ] {
        if agent(lex) {
            set(feature);
        }
    }
    // "Warranty" is about the company's own work when someone also refers to that work; a
    // home warranty company is a third party who may pay for a new job, and an agent's
    // guarantee on new work is a sales point.
    let warranty = |side: fn(&Analysed) -> bool| {
        sentences.iter().filter(|s| side(s)).any(|s| {
            s.hits.iter().any(|h| {
                h.lex == Lex::Warranty
                    && !s
                        .hits
                        .iter()
                        .any(|o| o.lex == Lex::HomeWarranty && o.start <= h.start && h.end <= o.end)
            })
        })
    };
    let (caller_warranty, agent_warranty) = (
        warranty(Analysed::caller_side),
        warranty(Analysed::agent_side),
    );
    let own_work = caller(Lex::Existing) || agent(Lex::AgentExisting);
    if (caller_warranty || agent_warranty) && own_work {
        set(Feature::WarrantyOnOwnWork);
    } else if caller_warranty {
        set(Feature::Warranty);
    }
    if caller_words < BRIEF_CALLER_WORDS {
        set(Feature::CallerBrief);
    }
    // A need and a question about it, together, whether or not the agent answered them.
    let on = |v: &[f32; N_FEATURES], f: Feature| v[f.index()] > 0.0;
    let need = [
        Feature::ProblemWithEquipment,
        Feature::Problem,
        Feature::WantsWork,
        Feature::AsksForService,
    ]
    .iter()
    .any(|f| on(&values, *f));
    let question = on(&values, Feature::AsksPrice) || on(&values, Feature::AsksAvailability);
    if need && question {
        values[Feature::NeedAndQuestion.index()] = 1.0;
    }

    CallFeatures {
        values,
        ngrams,
        category,
        candidate_terms: candidate_terms(&sentences),
    }
}

/// How many opportunity phrases a caller's sentence carries (the summary picks the most
/// telling sentences with it).
pub fn opportunity_phrases_in(sentence: &str) -> usize {
    text::sentences(sentence)
        .iter()
        .flat_map(|words| lexicon::find(words))
        .filter(|h| {
            !lexicon::cancelled(h)
                && matches!(
                    h.lex,
                    Lex::Fault
                        | Lex::Project
                        | Lex::Request
                        | Lex::Price
                        | Lex::Availability
                        | Lex::Comparing
                        | Lex::Defer
                        | Lex::CheckPayer
                        | Lex::Urgency
                )
                || (h.lex == Lex::Function && h.negated)
        })
        .count()
}

#[cfg(test)]
mod tests;
