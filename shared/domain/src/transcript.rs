//! What was said on a call: speaker-labelled, time-stamped segments.

use serde::{Deserialize, Serialize};

/// Who spoke: the detector's own type, so a transcript reaches it without conversion.
pub use scl_detection::Speaker;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptSegment {
    pub speaker: Speaker,
    pub start_ms: u64,
    pub text: String,
}

/// A call's transcript. `truncated` is set when it was longer than we store (see
/// docs/data-model.md), so a reviewer knows the end is missing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    pub segments: Vec<TranscriptSegment>,
    pub truncated: bool,
}
