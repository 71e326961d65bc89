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
//! through `scl-shared`'s domain, and the trainer (`model/`) fits and measures exactly this code
//! without compiling the rest, optimised even in test builds.

pub mod adaptation;
pub mod features;
pub mod lexicon;
pub mod model;
pub mod text;
mod weights;

use serde::{Deserialize, Serialize};

use adaptation::Adjustment;
use model::{logistic, MODEL};

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

/// A scored call: the score, the reasons, the model that scored it, and the distinctive words
/// its labels will teach from.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub score: f64,
    pub reasons: Vec<String>,
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
    let adjusted = adjustment.logit_for(&terms);
    let score = (logistic(breakdown.logit() + adjusted) * 1000.0).round() / 1000.0;
    Verdict {
        score,
        reasons: model::reasons(&breakdown, &f, adjusted),
        model_version: MODEL.version,
        terms,
    }
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

    fn say<'a>(lines: &[(Speaker, &'a str)]) -> Vec<Utterance<'a>> {
        lines
            .iter()
            .map(|&(speaker, text)| Utterance { speaker, text })
            .collect()
    }

    #[test]
    fn a_priced_repair_request_is_a_lead_with_reasons_and_a_model_version() {
        let a = score_call(
            &say(&[
                (Speaker::Customer, "My AC stopped cooling last night."),
                (Speaker::Customer, "How much would it cost to come out?"),
            ]),
            &[],
            &Adjustment::default(),
        );
        let d = a;
        assert!(d.score >= Strictness::Balanced.threshold(), "{d:?}");
        assert!(
            d.reasons.contains(&"caller asked about price".to_owned()),
            "{d:?}"
        );
        assert!(
            d.reasons
                .contains(&"caller described a heating or cooling problem".to_owned()),
            "{d:?}"
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
        assert!(
            d.reasons
                .contains(&"caller reached a wrong number".to_owned()),
            "{d:?}"
        );
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
        }
        let taught = score_call(&t, &[], &adj);
        assert!(taught.score < plain.score);
        assert!(taught
            .reasons
            .contains(&"your team marked similar calls Not a Lead".to_owned()));
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
        for r in &a.reasons {
            assert!(
                !r.contains("zxqv") && !r.contains("Smith") && !r.contains("555"),
                "{r}"
            );
        }
    }
}
