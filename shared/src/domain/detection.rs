//! The lead detector, as the rest of the domain uses it. The detector itself — text, lexicons,
//! features, the fitted model, per-business learning — is the `scl-detection` crate
//! (`shared/detection/`); here its verdict becomes the `Detection` a lead and a near miss keep,
//! beside the phone platform's own classification.

pub use scl_detection::{
    adaptation, features, lexicon, model, opportunity_signals_in, preload, text, Strictness,
};

use serde::{Deserialize, Serialize};

use super::call_event::PlatformClassification;
use super::transcript::TranscriptSegment;
use adaptation::Adjustment;

/// The detector's verdict on one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub score: f64,
    pub reasons: Vec<String>,
    /// Which fitted model scored the call (leads scored before models were versioned say
    /// `phrases-v1`).
    #[serde(default = "first_model_version")]
    pub model_version: String,
    /// The phone platform's own classification, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformClassification>,
}

fn first_model_version() -> String {
    "phrases-v1".to_owned()
}

/// A scored call: the verdict, and the distinctive words its labels will teach from.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub detection: Detection,
    pub terms: Vec<String>,
}

/// Scores a call. `extra` carries other free text about the call (reason, CSR notes);
/// `adjustment` is what the business's feedback taught (empty for none).
pub fn assess(
    transcript: &[TranscriptSegment],
    extra: &[&str],
    platform: Option<PlatformClassification>,
    adjustment: &Adjustment,
) -> Assessment {
    let said: Vec<scl_detection::Utterance<'_>> = transcript
        .iter()
        .map(|s| scl_detection::Utterance {
            speaker: s.speaker,
            text: &s.text,
        })
        .collect();
    let verdict = scl_detection::score_call(&said, extra, adjustment);
    Assessment {
        detection: Detection {
            score: verdict.score,
            reasons: verdict.reasons,
            model_version: verdict.model_version.to_owned(),
            platform,
        },
        terms: verdict.terms,
    }
}
