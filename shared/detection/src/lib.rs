//! The lead detector: is this call a genuine sales opportunity, and why?
//!
//! A call is read from both speakers (`features`): what the caller described, asked, compared
//! or put off; what the agent quoted, offered or found (an existing job, a warranty, an
//! account); who the caller is (a vendor, an applicant, a realtor, a renter, a robocall). A
//! logistic model (`model`) fitted on a labelled corpus (`make train`, model/README.md) turns
//! those features and hashed word n-grams into a score; the business's own learned adjustment
//! (`adaptation`) shifts it within bounds. Every call keeps the strongest contributions as
//! reasons a CSR can read, and the version of the model that scored it.

//!
//! A crate of its own, with nothing of AWS, Lambda or storage in it: the functions link it
//! through the domain crate (`scl-domain`), and the trainer (`model/`) fits and measures exactly this code
//! without compiling the rest, optimised even in test builds.

pub mod adaptation;
pub mod features;
pub mod lexicon;
pub mod model;
pub mod text;
// Written by `make train` exactly as `tests/detection_quality.rs` re-derives it; not reformatted.
#[rustfmt::skip]
mod weights;

use serde::{Deserialize, Serialize};

use adaptation::Adjustment;
use features::{CallFeatures, Span};
use model::{logistic, Extra, Reason, MODEL};

/// Who said a part of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Agent,
    Customer,
}

/// One part of what was said: who said it and the words, as the transcript has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utterance<'a> {
    pub speaker: Speaker,
    pub text: &'a str,
}

/// How strict detection is (an administrator's setting): the score a call must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strictness {
    Lenient,
    #[default]
    Balanced,
    Strict,
}

impl Strictness {
    /// Calibrated when the model is fitted: `balanced` at the best F1 and `strict` at a
    /// precision of at least 0.95 on cross-validated scores, `lenient` keeping nearly every
    /// lead (model/README.md).
    pub fn threshold(self) -> f64 {
        let t = MODEL.thresholds;
        match self {
            Strictness::Lenient => t.lenient,
            Strictness::Balanced => t.balanced,
            Strictness::Strict => t.strict,
        }
    }
}

/// A scored call: the score, the reasons with their evidence, the model that scored it, and
/// the distinctive words its labels will teach from.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub model_version: &'static str,
    pub terms: Vec<String>,
}

/// The words of a call that per-business learning uses: its distinctive words, without the
/// ones too common in calls of every kind to say anything.
fn learning_terms(candidates: Vec<String>) -> Vec<String> {
    let common = MODEL.common_terms;
    candidates
        .into_iter()
        .filter(|t| common.binary_search(&t.as_str()).is_err())
        .collect()
}

/// Scores a call. `extra` carries other free text about the call (reason, CSR notes);
/// `adjustment` is what the business's feedback taught (empty for none).
pub fn score_call(
    transcript: &[Utterance<'_>],
    extra: &[&str],
    adjustment: &Adjustment,
) -> Verdict {
    let f = features::extract(transcript, extra);
    let breakdown = MODEL.weights.breakdown(&f);
    let terms = learning_terms(f.candidate_terms.clone());
    let base = MODEL.calibration.logit(breakdown.logit());
    let strict = Strictness::Strict.threshold();
    let shift = adaptation::bounded_shift(adjustment, &terms, base, logit_of(strict));
    let mut score = (logistic(base + shift) * 1000.0).round() / 1000.0;
    if base + shift >= logit_of(strict) - 1e-9 {
        // Held at the strict threshold: rounding the score must not take it under.
        score = score.max((strict * 1000.0).ceil() / 1000.0);
    }
    let (wording_for, wording_against) = wording_evidence(transcript, &f);
    let explained = Extra {
        adjustment: shift,
        adjustment_evidence: if shift == 0.0 {
            Vec::new()
        } else {
            adjustment_evidence(transcript, adjustment)
        },
        wording_for,
        wording_against,
    };
    Verdict {
        score,
        reasons: model::reasons(&breakdown, &f, MODEL.calibration.slope, &explained),
        model_version: MODEL.version,
        terms,
    }
}

/// Item `i` of a table of half-byte values packed two to a byte, the even item in the low half:
/// the layout of the shipped hashed weights' codes (`hashed_weights.bin`) and of the lexicon's
/// phrase lengths.
pub fn half_byte(table: &[u8], i: usize) -> Option<u8> {
    table.get(i / 2).map(|&byte| {
        if i.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    })
}

fn logit_of(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// Places kept for the wording's and the adjustment's evidence.
const WORD_EVIDENCE: usize = 3;

/// The words whose n-grams weigh most for a lead and against one: each word's own buckets
/// summed (speaker-tagged word, speaker-free word, its character n-grams), read in one pass.
fn wording_evidence(transcript: &[Utterance<'_>], f: &CallFeatures) -> (Vec<Span>, Vec<Span>) {
    if f.hashed.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut scored: Vec<(f64, Span)> = Vec::new();
    let mut buckets = Vec::new();
    for (segment, u) in transcript.iter().enumerate() {
        for clause in text::clauses(u.text) {
            for i in 0..clause.stems.len() {
                buckets.clear();
                features::word_buckets(u.speaker == Speaker::Agent, &clause, i, &mut buckets);
                let w: f64 = buckets.iter().map(|&b| MODEL.weights.hashed.get(b)).sum();
                if w != 0.0 {
                    let (from, to) = clause.spans[i];
                    scored.push((w, Span { segment, from, to }));
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let strongest = |scored: &mut dyn Iterator<Item = &(f64, Span)>| {
        let mut out: Vec<Span> = Vec::new();
        for (_, span) in scored {
            if out.len() == WORD_EVIDENCE {
                break;
            }
            if !out.contains(span) {
                out.push(*span);
            }
        }
        out
    };
    let for_lead = strongest(&mut scored.iter().filter(|(w, _)| *w > 0.0));
    let against = strongest(&mut scored.iter().rev().filter(|(w, _)| *w < 0.0));
    (for_lead, against)
}

/// The caller's words that the business's adjustment weighs.
fn adjustment_evidence(transcript: &[Utterance<'_>], adjustment: &Adjustment) -> Vec<Span> {
    let mut out = Vec::new();
    for (segment, u) in transcript.iter().enumerate() {
        if u.speaker != Speaker::Customer {
            continue;
        }
        for clause in text::clauses(u.text) {
            for (i, w) in clause.stems.iter().enumerate() {
                let pair = clause.stems.get(i + 1).map(|next| format!("{w} {next}"));
                let hit = adjustment.weights.contains_key(w)
                    || pair.is_some_and(|p| adjustment.weights.contains_key(&p));
                if hit && out.len() < WORD_EVIDENCE {
                    let (from, to) = clause.spans[i];
                    out.push(Span { segment, from, to });
                }
            }
        }
    }
    out
}

/// Loads the model now (in `main`), not in the first call scored. (The lexicons' matcher needs
/// no loading: its tables are compiled into the binary, `shared/detection/build.rs`.)
pub fn preload() {
    std::sync::LazyLock::force(&MODEL);
}

/// How many opportunity phrases a sentence carries (the summary's sentence picker).
pub fn opportunity_signals_in(text: &str) -> usize {
    features::opportunity_phrases_in(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(v: &Verdict, text: &str) -> bool {
        v.reasons.iter().any(|r| r.text == text)
    }

    fn say<'a>(lines: &[(Speaker, &'a str)]) -> Vec<Utterance<'a>> {
        lines
            .iter()
            .map(|&(speaker, text)| Utterance { speaker, text })
            .collect()
    }

    /// The text a span covers.
    fn said<'a>(call: &[Utterance<'a>], span: &Span) -> String {
        call[span.segment]
            .text
            .chars()
            .skip(span.from as usize)
            .take((span.to - span.from) as usize)
            .collect()
    }

    #[test]
    fn a_priced_repair_request_is_a_lead_with_reasons_their_evidence_and_a_model_version() {
        let call = say(&[
            (Speaker::Customer, "My AC stopped cooling last night."),
            (Speaker::Customer, "How much would it cost to come out?"),
        ]);
        let d = score_call(&call, &[], &Adjustment::default());
        assert!(d.score >= Strictness::Balanced.threshold(), "{d:?}");
        let problem = d
            .reasons
            .iter()
            .find(|r| r.text == "caller described a heating or cooling problem")
            .expect("the problem is a reason");
        let places: Vec<String> = problem.evidence.iter().map(|s| said(&call, s)).collect();
        assert!(places.contains(&"stopped cooling".to_owned()), "{places:?}");
        assert!(places.contains(&"AC".to_owned()), "{places:?}");
        // Every reason points at the call, and the price question is among what was shown.
        let everything: Vec<String> = d
            .reasons
            .iter()
            .flat_map(|r| r.evidence.iter().map(|s| said(&call, s)))
            .collect();
        assert!(d.reasons.iter().all(|r| !r.evidence.is_empty()), "{d:?}");
        assert!(
            everything
                .iter()
                .any(|t| t.contains("much") || t.contains("cost")),
            "{everything:?}"
        );
        assert_eq!(d.model_version, MODEL.version);
    }

    #[test]
    fn a_wrong_number_is_not_a_lead_whatever_else_is_said() {
        let d = score_call(
            &say(&[(
                Speaker::Customer,
                "Sorry, wrong number. I wanted a price on pizza.",
            )]),
            &[],
            &Adjustment::default(),
        );
        assert!(d.score < Strictness::Lenient.threshold(), "{d:?}");
        assert!(has(&d, "caller reached a wrong number"), "{d:?}");
    }

    #[test]
    fn a_business_adjustment_moves_the_score_within_its_cap() {
        let t = say(&[(
            Speaker::Customer,
            "How much to pump a septic tank? Can you come Friday?",
        )]);
        let plain = score_call(&t, &[], &Adjustment::default());
        let mut adj = Adjustment::default();
        for term in &plain.terms {
            adj.weights.insert(term.clone(), -adaptation::TERM_CAP);
            // Labelled often and consistently enough to move even a sure call (the bound on
            // weaker learning has tests of its own, in adaptation).
            adj.strong.insert(term.clone());
        }
        let taught = score_call(&t, &[], &adj);
        assert!(taught.score < plain.score);
        assert!(has(&taught, "your team marked similar calls Not a Lead"));
    }

    #[test]
    fn reasons_never_quote_the_transcript() {
        let a = score_call(
            &say(&[(
                Speaker::Customer,
                "My zxqv furnace is leaking on Mrs Smith's carpet, call 512 555 0100",
            )]),
            &[],
            &Adjustment::default(),
        );
        for r in a.reasons.iter().map(|r| &r.text) {
            assert!(
                !r.contains("zxqv") && !r.contains("Smith") && !r.contains("555"),
                "{r}"
            );
        }
    }
}
