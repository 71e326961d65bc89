//! The lead detector, as the rest of the domain uses it. The detector itself — text, lexicons,
//! features, the fitted model, per-business learning — is the `scl-detection` crate
//! (`shared/detection/`); here its verdict becomes the `Detection` a lead and a near miss keep,
//! beside the phone platform's own classification, with each reason's evidence placed in the
//! call's transcript, reason or notes.

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
    /// Where each reason was said, by reason (leads scored before evidence was kept have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
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

/// One reason and the places in the call that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub reason: String,
    pub spans: Vec<EvidenceSpan>,
}

/// Which text of the call a span is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceField {
    Transcript,
    CallReason,
    CsrNotes,
}

/// `[start, end)` in characters of one transcript segment (`segment_index`) or of the call
/// reason or the CSR's notes — the same units as the transcript search's highlights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSpan {
    pub field: EvidenceField,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_index: Option<usize>,
    pub start: u32,
    pub end: u32,
}

/// A scored call: the verdict, and the distinctive words its labels will teach from.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub detection: Detection,
    pub terms: Vec<String>,
}

/// The free text a call carries besides its transcript.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallText<'a> {
    pub call_reason: Option<&'a str>,
    pub csr_notes: Option<&'a str>,
}

/// Scores a call. `text` is the call reason and CSR notes; `adjustment` is what the business's
/// feedback taught (empty for none).
pub fn assess(
    transcript: &[TranscriptSegment],
    text: CallText<'_>,
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
    // The extra texts in order, and which field each is: the detector numbers them after the
    // transcript's segments.
    let extra: Vec<(EvidenceField, &str)> = [
        (EvidenceField::CallReason, text.call_reason),
        (EvidenceField::CsrNotes, text.csr_notes),
    ]
    .into_iter()
    .filter_map(|(field, t)| t.map(|t| (field, t)))
    .collect();
    let extra_text: Vec<&str> = extra.iter().map(|(_, t)| *t).collect();
    let verdict = scl_detection::score_call(&said, &extra_text, adjustment);
    let place = |span: &features::Span| -> Option<EvidenceSpan> {
        let (field, segment_index) = match span.segment.checked_sub(transcript.len()) {
            None => (EvidenceField::Transcript, Some(span.segment)),
            Some(k) => (extra.get(k)?.0, None),
        };
        Some(EvidenceSpan {
            field,
            segment_index,
            start: span.from,
            end: span.to,
        })
    };
    let evidence = verdict
        .reasons
        .iter()
        .map(|r| Evidence {
            reason: r.text.clone(),
            spans: r.evidence.iter().filter_map(place).collect(),
        })
        .collect();
    Assessment {
        detection: Detection {
            score: verdict.score,
            reasons: verdict.reasons.into_iter().map(|r| r.text).collect(),
            evidence,
            model_version: verdict.model_version.to_owned(),
            platform,
        },
        terms: verdict.terms,
    }
}
