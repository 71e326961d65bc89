//! A call as the model sees it: named features from both speakers (each with the places in the
//! transcript that set it), hashed word and character n-grams, and the distinctive words a
//! business's feedback can teach the detector about.

use super::lexicon::{self, Category, Hit, Lex};
use super::text::{self, Clause};
use crate::{Speaker, Utterance};

mod catalog;
mod ngrams;
mod terms;

pub use catalog::{Feature, Sign, FEATURES, N_FEATURES};
pub use ngrams::{bucket_of_word, word_buckets, HASH_BITS, HASH_BUCKETS};
use terms::candidate_terms;

/// Where something was said: a segment (the transcript's segments in order, then the extra
/// texts — call reason, CSR notes — numbered after them) and `[from, to)` in its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub segment: usize,
    pub from: u32,
    pub to: u32,
}

/// A call, extracted.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFeatures {
    /// One value per `FEATURES` entry (0 or 1).
    pub values: [f32; N_FEATURES],
    /// Hashed n-grams as (bucket, value), buckets distinct and sorted (`ngrams`).
    pub hashed: Vec<(u32, f32)>,
    /// The trade of the equipment the caller's problem was about.
    pub category: Option<Category>,
    /// Distinctive words and word pairs the caller used (per-business learning).
    pub candidate_terms: Vec<String>,
    /// For each feature that is on, where it was said (at most `MAX_EVIDENCE` places).
    pub evidence: Vec<Vec<Span>>,
}

/// Callers under this many words said very little.
const BRIEF_CALLER_WORDS: usize = 12;
/// Distinctive terms kept per call.
pub const MAX_TERMS_PER_CALL: usize = 48;
/// Places kept per feature.
const MAX_EVIDENCE: usize = 3;

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
    clause: Clause,
    hits: Vec<Hit>,
}

impl Analysed {
    fn words(&self) -> &[String] {
        &self.clause.stems
    }

    fn live(&self, lex: Lex) -> impl Iterator<Item = &Hit> {
        self.hits
            .iter()
            .filter(move |h| h.lex == lex && !lexicon::cancelled(h))
    }

    fn has(&self, lex: Lex) -> bool {
        self.live(lex).next().is_some()
    }

    fn is_problem(h: &Hit) -> bool {
        match h.lex {
            Lex::Fault => !h.negated,
            Lex::Function => h.negated,
            _ => false,
        }
    }

    fn problems(&self) -> impl Iterator<Item = &Hit> {
        self.hits.iter().filter(|h| Self::is_problem(h))
    }

    /// The most specific equipment named (other than the home itself), and its trade.
    fn equipment(&self) -> Option<(&Hit, Category)> {
        let mut best: Option<(usize, &Hit, Category)> = None;
        for h in &self.hits {
            if let Lex::Equipment(c) = h.lex {
                let len = h.end - h.start + usize::from(c != Category::Home) * 10;
                if best.is_none_or(|(l, _, _)| len > l) {
                    best = Some((len, h, c));
                }
            }
        }
        best.map(|(_, h, c)| (h, c))
    }

    fn span(&self, h: &Hit) -> Span {
        let spans = &self.clause.spans;
        let from = spans.get(h.said_from.min(h.start)).map_or(0, |s| s.0);
        let to = spans
            .get(h.end.saturating_sub(1).max(h.start))
            .map_or(from, |s| s.1);
        Span {
            segment: self.segment,
            from,
            to,
        }
    }

    fn caller_side(&self) -> bool {
        self.side != Side::Agent
    }

    fn agent_side(&self) -> bool {
        self.side != Side::Caller
    }
}

/// Feature values and their evidence while they are being set.
struct Found {
    values: [f32; N_FEATURES],
    evidence: Vec<Vec<Span>>,
}

impl Found {
    fn set(&mut self, f: Feature, at: impl IntoIterator<Item = Span>) {
        self.values[f.index()] = 1.0;
        let e = &mut self.evidence[f.index()];
        for span in at {
            if e.len() < MAX_EVIDENCE && !e.contains(&span) {
                e.push(span);
            }
        }
    }

    fn on(&self, f: Feature) -> bool {
        self.values[f.index()] > 0.0
    }
}

/// Extracts a call's features. `extra` is other text about the call (reason, CSR notes).
pub fn extract(transcript: &[Utterance<'_>], extra: &[&str]) -> CallFeatures {
    let mut sentences: Vec<Analysed> = Vec::new();
    let mut caller_words = 0usize;
    let mut hashed = ngrams::Hashed::default();
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
        for clause in text::clauses(raw) {
            if side == Side::Caller {
                caller_words += clause.stems.len();
            }
            hashed.add(
                match side {
                    Side::Agent => ngrams::AGENT,
                    Side::Caller => ngrams::CALLER,
                    Side::Notes => ngrams::NOTES,
                },
                &clause,
            );
            let hits = lexicon::find(&clause.stems);
            sentences.push(Analysed {
                side,
                segment,
                clause,
                hits,
            });
        }
    }

    let mut found = Found {
        values: [0f32; N_FEATURES],
        evidence: vec![Vec::new(); N_FEATURES],
    };
    let side_hits = |lex: Lex, side: fn(&Analysed) -> bool| -> Vec<Span> {
        sentences
            .iter()
            .filter(|s| side(s))
            .flat_map(|s| s.live(lex).map(move |h| s.span(h)))
            .collect()
    };

    // A problem counts with equipment when the caller names the equipment in the same turn
    // or within two turns of it ("It's the furnace." ... "It's blowing cold air.").
    let caller_sentences: Vec<&Analysed> = sentences.iter().filter(|s| s.caller_side()).collect();
    let mut category = None;
    let mut problem_at: Vec<Span> = Vec::new();
    let mut equipment_at: Vec<Span> = Vec::new();
    for s in caller_sentences.iter().copied() {
        let Some(problem) = s.problems().next() else {
            continue;
        };
        problem_at.push(s.span(problem));
        if category.is_some() {
            continue;
        }
        let same_turn = caller_sentences
            .iter()
            .filter(|o| o.segment == s.segment)
            .find_map(|o| o.equipment().map(|(h, c)| (o.span(h), c)));
        let near = same_turn.or_else(|| {
            caller_sentences
                .iter()
                .filter(|o| o.segment.abs_diff(s.segment) <= 4)
                .find_map(|o| o.equipment().map(|(h, c)| (o.span(h), c)))
        });
        if let Some((at, c)) = near {
            category = Some(c);
            equipment_at.push(at);
        }
    }
    if category.is_some() {
        found.set(
            Feature::ProblemWithEquipment,
            problem_at
                .iter()
                .copied()
                .chain(equipment_at.iter().copied()),
        );
    } else if !problem_at.is_empty() {
        found.set(Feature::Problem, problem_at.iter().copied());
    }
    let named_equipment: Vec<Span> = caller_sentences
        .iter()
        .filter_map(|s| s.equipment().map(|(h, _)| s.span(h)))
        .collect();
    if !named_equipment.is_empty() {
        found.set(Feature::Equipment, named_equipment);
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
        (Lex::Commercial, Feature::Commercial),
        (Lex::Renter, Feature::Renter),
        (Lex::Survey, Feature::Survey),
        (Lex::Robocall, Feature::Robocall),
        (Lex::WrongNumber, Feature::WrongNumber),
        (Lex::Competitor, Feature::Competitor),
        (Lex::Resolved, Feature::Resolved),
        (Lex::Parts, Feature::Parts),
    ] {
        let at = side_hits(lex, Analysed::caller_side);
        if !at.is_empty() {
            found.set(feature, at);
        }
    }
    // A price in a clause about a bill, a balance or a claim is what is owed, not a quote for
    // new work.
    let quotes: Vec<Span> = sentences
        .iter()
        .filter(|s| s.agent_side() && !s.has(Lex::Billing))
        .flat_map(|s| s.live(Lex::AgentQuote).map(move |h| s.span(h)))
        .collect();
    if !quotes.is_empty() {
        found.set(Feature::AgentQuoted, quotes);
    }
    for (lex, feature) in [
        (Lex::AgentOfferVisit, Feature::AgentOfferedVisit),
        (Lex::AgentOfferSlot, Feature::AgentOfferedSlot),
        (Lex::AgentOfferPlan, Feature::AgentOfferedPlan),
        (Lex::AgentAskBook, Feature::AgentAskedToBook),
        (Lex::AgentDiagnosis, Feature::AgentDiagnosed),
        (Lex::AgentExisting, Feature::AgentFoundExisting),
        (Lex::AgentNotOffered, Feature::AgentNotOffered),
        (Lex::AgentNeedsOwner, Feature::AgentNeedsOwner),
    ] {
        let at = side_hits(lex, Analysed::agent_side);
        if !at.is_empty() {
            found.set(feature, at);
        }
    }
    // "Warranty" is about the company's own work when someone also refers to that work; a
    // home warranty company is a third party who may pay for a new job, and an agent's
    // guarantee on new work is a sales point.
    let warranty = |side: fn(&Analysed) -> bool| -> Vec<Span> {
        sentences
            .iter()
            .filter(|s| side(s))
            .flat_map(|s| {
                s.hits
                    .iter()
                    .filter(|h| {
                        h.lex == Lex::Warranty
                            && !s.hits.iter().any(|o| {
                                o.lex == Lex::HomeWarranty && o.start <= h.start && h.end <= o.end
                            })
                    })
                    .map(move |h| s.span(h))
            })
            .collect()
    };
    let (caller_warranty, agent_warranty) = (
        warranty(Analysed::caller_side),
        warranty(Analysed::agent_side),
    );
    let own_work = found.on(Feature::ExistingWork) || found.on(Feature::AgentFoundExisting);
    if (!caller_warranty.is_empty() || !agent_warranty.is_empty()) && own_work {
        found.set(
            Feature::WarrantyOnOwnWork,
            caller_warranty.iter().chain(&agent_warranty).copied(),
        );
    } else if !caller_warranty.is_empty() {
        found.set(Feature::Warranty, caller_warranty);
    }
    if caller_words < BRIEF_CALLER_WORDS {
        let said: Vec<Span> = caller_sentences
            .iter()
            .filter(|s| s.side == Side::Caller)
            .filter_map(|s| {
                let first = s.clause.spans.first()?;
                let last = s.clause.spans.last()?;
                Some(Span {
                    segment: s.segment,
                    from: first.0,
                    to: last.1,
                })
            })
            .collect();
        found.set(Feature::CallerBrief, said);
    }
    // A need and a question about it, together, whether or not the agent answered them.
    let need = [
        Feature::ProblemWithEquipment,
        Feature::Problem,
        Feature::WantsWork,
        Feature::AsksForService,
    ]
    .into_iter()
    .find(|f| found.on(*f));
    let question = [Feature::AsksPrice, Feature::AsksAvailability]
        .into_iter()
        .find(|f| found.on(*f));
    if let (Some(need), Some(question)) = (need, question) {
        let at: Vec<Span> = found.evidence[need.index()]
            .iter()
            .take(1)
            .chain(found.evidence[question.index()].iter().take(1))
            .copied()
            .collect();
        found.set(Feature::NeedAndQuestion, at);
    }

    // A need with nothing at all against a sale: how a plain lead reads, however few its words.
    // And the reverse: a call where nobody speaks of a need, work, a price or a visit.
    let against = FEATURES
        .iter()
        .any(|f| f.sign() == Some(Sign::AgainstALead) && found.on(*f));
    let need_or_ask = [
        Feature::ProblemWithEquipment,
        Feature::Problem,
        Feature::WantsWork,
        Feature::AsksForService,
        Feature::AsksPrice,
        Feature::AsksAvailability,
    ]
    .into_iter()
    .find(|f| found.on(*f));
    match need_or_ask {
        Some(need) if !against => {
            let at: Vec<Span> = found.evidence[need.index()].clone();
            found.set(Feature::PlainNeed, at);
        }
        None if ![
            Feature::AgentQuoted,
            Feature::AgentOfferedVisit,
            Feature::AgentOfferedSlot,
            Feature::AgentDiagnosed,
            Feature::Comparing,
            Feature::Defers,
            Feature::ChecksWithPayer,
        ]
        .into_iter()
        .any(|f| found.on(f)) =>
        {
            found.set(Feature::NoOpportunity, []);
        }
        _ => {}
    }

    CallFeatures {
        values: found.values,
        hashed: hashed.finish(),
        category,
        candidate_terms: candidate_terms(
            sentences
                .iter()
                .filter(|s| s.caller_side())
                .map(|s| s.words()),
        ),
        evidence: found.evidence,
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
