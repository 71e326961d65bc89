//! A call as the model sees it: named features from both speakers, hashed word n-grams, and
//! the distinctive words a business's feedback can teach the detector about.

use super::lexicon::{self, Category, Hit, Lex};
use super::text::{self, Sentence};
use crate::domain::lead::{Speaker, TranscriptSegment};

/// Declares the named features once: the enum, their order (the order of the fitted
/// weights) and their stable names (written beside each weight in the weights file).
macro_rules! features {
    ($($variant:ident => $name:literal,)*) => {
        /// The named features. Adding, removing or reordering one changes the model: `make
        /// train` must be run (a test checks the weights file matches).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Feature {
            $($variant,)*
        }

        pub const FEATURES: &[Feature] = &[$(Feature::$variant,)*];

        impl Feature {
            pub fn name(self) -> &'static str {
                match self {
                    $(Feature::$variant => $name,)*
                }
            }
        }
    };
}

features! {
    ProblemWithEquipment => "problem_with_equipment",
    Problem => "problem",
    Equipment => "equipment",
    WantsWork => "wants_work",
    AsksForService => "asks_for_service",
    AsksPrice => "asks_price",
    AsksAvailability => "asks_availability",
    Comparing => "comparing",
    Defers => "defers",
    ChecksWithPayer => "checks_with_payer",
    PriceObjection => "price_objection",
    Urgent => "urgent",
    AgentQuoted => "agent_quoted",
    AgentOfferedVisit => "agent_offered_visit",
    AgentOfferedSlot => "agent_offered_slot",
    AgentOfferedPlan => "agent_offered_plan",
    AgentAskedToBook => "agent_asked_to_book",
    AgentDiagnosed => "agent_diagnosed",
    ExistingWork => "existing_work",
    AgentFoundExisting => "agent_found_existing",
    WarrantyOnOwnWork => "warranty_on_own_work",
    Warranty => "warranty",
    Billing => "billing",
    Membership => "membership",
    Complaint => "complaint",
    Vendor => "vendor",
    Applicant => "applicant",
    ThirdParty => "third_party",
    Renter => "renter",
    Survey => "survey",
    Robocall => "robocall",
    WrongNumber => "wrong_number",
    Competitor => "competitor",
    Resolved => "resolved",
    Parts => "parts",
    AgentNotOffered => "agent_not_offered",
    AgentNeedsOwner => "agent_needs_owner",
    CallerBrief => "caller_brief",
    NeedAndQuestion => "need_and_question",
}

pub const N_FEATURES: usize = FEATURES.len();

impl Feature {
    pub fn index(self) -> usize {
        self as usize
    }

    /// Which way the feature may move a score: what speaks for a sale can never count
    /// against one, and the reverse (enforced when fitting). `None`: the data decides.
    pub fn sign(self) -> Option<Sign> {
        use Feature::*;
        match self {
            ProblemWithEquipment | Problem | WantsWork | AsksForService | AsksPrice
            | AsksAvailability | Comparing | Defers | ChecksWithPayer | PriceObjection | Urgent
            | AgentQuoted | AgentOfferedVisit | AgentOfferedSlot | AgentOfferedPlan
            | AgentAskedToBook | NeedAndQuestion => Some(Sign::ForALead),
            ExistingWork | AgentFoundExisting | WarrantyOnOwnWork | Billing | Membership
            | Complaint | Vendor | Applicant | ThirdParty | Renter | Survey | Robocall
            | WrongNumber | Competitor | Resolved | Parts | AgentNotOffered | AgentNeedsOwner => {
                Some(Sign::AgainstALead)
            }
            Equipment | AgentDiagnosed | Warranty | CallerBrief => None,
        }
    }

    /// The weight fitting starts from and is pulled back to (logits). Zero for most; for the
    /// callers who cannot be customers whatever words they use (robocalls, vendors, job
    /// applicants, surveys, wrong numbers, competitors), a clear negative: the corpus holds
    /// few of them, and almost none that also sound like a sale, so the data alone cannot say
    /// how much a robocall's "lower your rate" should count against its "rate".
    pub fn prior(self) -> f64 {
        use Feature::*;
        match self {
            Vendor | Applicant | Survey | Robocall | WrongNumber | Competitor => -2.0,
            _ => 0.0,
        }
    }

    /// What a CSR reads when this feature is among the strongest reasons.
    pub fn reason(self, category: Option<Category>) -> &'static str {
        use Feature::*;
        match self {
            ProblemWithEquipment => category.unwrap_or(Category::Home).problem_reason(),
            Problem => "caller described a problem",
            Equipment => "caller talked about equipment or a part of their home",
            WantsWork => "caller wants work done (a repair, replacement, installation or estimate)",
            AsksForService => "caller asked for service or a visit",
            AsksPrice => "caller asked about price",
            AsksAvailability => "caller asked when someone could come",
            Comparing => "caller is comparing companies or quotes",
            Defers => "caller said they would think about it or call back",
            ChecksWithPayer => "caller wants to check with their insurance or home warranty first",
            PriceObjection => "caller hesitated at the price",
            Urgent => "caller said it is urgent",
            AgentQuoted => "agent quoted a price or fee",
            AgentOfferedVisit => "agent offered a visit or an estimate",
            AgentOfferedSlot => "agent offered an appointment time",
            AgentOfferedPlan => "agent offered financing, a plan or a discount",
            AgentAskedToBook => "agent asked to book the job",
            AgentDiagnosed => "agent suggested what the problem is",
            ExistingWork => "caller asked about work already booked or done",
            AgentFoundExisting => "agent found an existing job, order or account",
            WarrantyOnOwnWork => "a warranty follow-up on the company's own work",
            Warranty => "caller mentioned a warranty",
            Billing => "a billing or payment question",
            Membership => "a question about an existing membership or plan",
            Complaint => "a complaint about earlier work",
            Vendor => "caller was selling something to the business",
            Applicant => "caller asked about a job with the company",
            ThirdParty => {
                "caller represents another party (realtor, adjuster, inspector, property manager)"
            }
            Renter => "caller is a renter who cannot authorise work",
            Survey => "the call was a survey",
            Robocall => "automated call or spam",
            WrongNumber => "caller reached a wrong number",
            Competitor => "caller works for another contractor",
            Resolved => "caller's problem was already solved",
            Parts => "caller wanted parts or to do the work themselves",
            AgentNotOffered => "the company does not offer this service",
            AgentNeedsOwner => "agent needs the property owner's approval",
            CallerBrief => "caller said very little",
            NeedAndQuestion => "caller described what they need and asked about price or timing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    ForALead,
    AgainstALead,
}

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

/// Words that say nothing about what the call is about.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "doe",
    "down",
    "each",
    "even",
    "every",
    "few",
    "for",
    "from",
    "get",
    "got",
    "had",
    "has",
    "have",
    "hav",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "kind",
    "like",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "really",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thi",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yeah",
    "yes",
    "okay",
    "ok",
    "um",
    "uh",
    "hi",
    "hello",
    "hey",
    "thank",
    "thanks",
    "please",
    "sorry",
    "guy",
    "actually",
    "maybe",
    "sure",
    "right",
    "go",
    "going",
    "know",
    "think",
    "say",
    "said",
    "want",
    "need",
    "see",
    "let",
    "look",
    "call",
    "calling",
    "way",
    "thing",
    "something",
    "anything",
    "lot",
    "bit",
    "little",
    "pretty",
    "still",
    "already",
    "ever",
    "never",
    "yet",
    "us",
    "y'all",
    "gonna",
    "el",
    "la",
    "los",
    "las",
    "de",
    "del",
    "que",
    "y",
    "en",
    "un",
    "una",
    "es",
    "por",
    "con",
    "para",
    "lo",
    "le",
    "se",
    "mi",
    "su",
    "si",
    "hola",
    "bueno",
    "gracia",
    "esta",
    "est",
    "okay",
    "alright",
];

fn is_content(word: &str) -> bool {
    word.len() >= 3 && !text::is_number(word) && !STOPWORDS.contains(&word)
}

/// FNV-1a: stable across platforms and releases, unlike the standard library's hasher.
fn fnv1a(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= u32::from(b' ');
            h = h.wrapping_mul(0x0100_0193);
        }
        for b in p.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Numbers become one token, so "$79" and "$129" are the same word to the model.
fn ngram_word(w: &str) -> &str {
    if text::is_number(w) {
        if w.starts_with('$') {
            "#$"
        } else {
            "#"
        }
    } else {
        w
    }
}

fn push_ngrams(side: &'static str, words: &[String], out: &mut Vec<u32>) {
    for (i, w) in words.iter().enumerate() {
        let w = ngram_word(w);
        out.push(fnv1a(&[side, w]));
        if let Some(next) = words.get(i + 1) {
            out.push(fnv1a(&[side, w, ngram_word(next)]));
        }
    }
}

/// Extracts a call's features. `extra` is other text about the call (reason, CSR notes).
pub fn extract(transcript: &[TranscriptSegment], extra: &[&str]) -> CallFeatures {
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
            (side, s.text.as_str())
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

/// The caller's distinctive words and adjacent word pairs, first use first.
fn candidate_terms(sentences: &[Analysed]) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let add = |t: String, terms: &mut Vec<String>| {
        if terms.len() < MAX_TERMS_PER_CALL && !terms.contains(&t) {
            terms.push(t);
        }
    };
    for s in sentences.iter().filter(|s| s.caller_side()) {
        for (i, w) in s.words.iter().enumerate() {
            if !is_content(w) {
                continue;
            }
            add(w.clone(), &mut terms);
            if let Some(next) = s.words.get(i + 1).filter(|n| is_content(n)) {
                add(format!("{w} {next}"), &mut terms);
            }
        }
    }
    terms
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
mod tests {
    use super::*;

    fn call(lines: &[(&str, &str)]) -> CallFeatures {
        let t: Vec<TranscriptSegment> = lines
            .iter()
            .enumerate()
            .map(|(i, (who, text))| TranscriptSegment {
                speaker: if *who == "A" {
                    Speaker::Agent
                } else {
                    Speaker::Customer
                },
                start_ms: i as u64 * 1000,
                text: (*text).to_owned(),
            })
            .collect();
        extract(&t, &[])
    }

    fn on(f: &CallFeatures, feature: Feature) -> bool {
        f.values[feature.index()] > 0.0
    }

    #[test]
    fn features_are_named_uniquely_in_index_order() {
        for (i, f) in FEATURES.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(FEATURES.iter().filter(|g| g.name() == f.name()).count(), 1);
        }
    }

    #[test]
    fn a_problem_without_the_usual_words_is_found_with_its_trade() {
        let f = call(&[("C", "The furnace is blowing cold air.")]);
        assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
        assert_eq!(f.category, Some(Category::Hvac));
        let f = call(&[("C", "The alarm on our sump pump keeps beeping.")]);
        assert_eq!(f.category, Some(Category::Plumbing), "{f:?}");
        let f = call(&[("C", "There's scratching in the walls at night.")]);
        assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
        let f = call(&[("C", "We have water coming through the ceiling.")]);
        assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
    }

    #[test]
    fn the_agents_lines_are_evidence_of_their_own() {
        let f = call(&[
            ("C", "It's making a noise."),
            (
                "A",
                "I can send a tech tomorrow between 8 and 11, the service call is $79.",
            ),
        ]);
        assert!(on(&f, Feature::AgentQuoted));
        assert!(on(&f, Feature::AgentOfferedVisit));
        assert!(on(&f, Feature::AgentOfferedSlot));
        assert!(
            !on(&f, Feature::AsksPrice),
            "the agent's price is not the caller's question"
        );
    }

    #[test]
    fn deferrals_take_many_forms() {
        for line in [
            "I'm calling around.",
            "Let me check with my home warranty company.",
            "I need to call my insurance first.",
            "Let me talk it over with my wife.",
            "Lo voy a pensar y le llamo.",
        ] {
            let f = call(&[("C", line)]);
            assert!(
                on(&f, Feature::Defers)
                    || on(&f, Feature::Comparing)
                    || on(&f, Feature::ChecksWithPayer),
                "{line}"
            );
        }
    }

    #[test]
    fn warranty_on_the_companys_own_work_is_told_apart_from_a_home_warranty() {
        let f = call(&[(
            "C",
            "You guys installed our AC last year and it's under warranty, right?",
        )]);
        assert!(on(&f, Feature::WarrantyOnOwnWork), "{f:?}");
        let f = call(&[("C", "Let me check if my home warranty covers it.")]);
        assert!(
            !on(&f, Feature::WarrantyOnOwnWork) && !on(&f, Feature::Warranty),
            "{f:?}"
        );
    }

    #[test]
    fn negation_cancels_a_symptom() {
        let f = call(&[("C", "It's not leaking anymore, it's fine now.")]);
        assert!(!on(&f, Feature::Problem) && !on(&f, Feature::ProblemWithEquipment));
        assert!(on(&f, Feature::Resolved));
    }

    #[test]
    fn terms_are_the_callers_distinctive_words() {
        let f = call(&[
            ("C", "We need our septic tank pumped, how much is that?"),
            ("A", "Let me check with the office."),
        ]);
        assert!(
            f.candidate_terms.contains(&"septic".to_owned()),
            "{:?}",
            f.candidate_terms
        );
        assert!(f.candidate_terms.contains(&"septic tank".to_owned()));
        assert!(
            !f.candidate_terms.iter().any(|t| t.contains("office")),
            "agent words are not terms"
        );
        assert!(!f.candidate_terms.contains(&"how".to_owned()));
    }
}
