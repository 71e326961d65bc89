//! `CallCompleted` (docs/api.md, Events in): the raw event, and the typed command it becomes once every
//! field has been checked. Nothing downstream ever sees an unchecked value.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::FieldError;
use super::ids::{CallId, CrmId, TenantId};
use super::parse::{from_value_named, optional_crm_id, optional_text, parse_time};
use super::phone::PhoneNumber;
use super::transcript::{Speaker, TranscriptSegment};

pub use super::parse::MAX_SHORT_TEXT;
pub const MAX_REASON: usize = 500;
pub const MAX_NOTES: usize = 5_000;
pub const MAX_URL: usize = 2_048;
pub const MAX_SEGMENT_TEXT: usize = 10_000;
pub const MAX_SEGMENTS: usize = 20_000;
pub const MAX_CALL_SECONDS: u32 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Booked,
    Unbooked,
    Excused,
    Abandoned,
}

/// The phone platform's own opinion of the call, recorded beside ours.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformClassification {
    pub is_lead: bool,
    pub score: Option<f64>,
    pub label: Option<String>,
}

/// The event's detail exactly as sent, before any rule is applied.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCallCompleted {
    tenant_id: String,
    call_id: String,
    direction: Direction,
    answered: bool,
    outcome: Outcome,
    from_number: String,
    #[serde(default)]
    to_number: Option<String>,
    started_at: String,
    ended_at: String,
    duration_seconds: u32,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    agent_name: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    location_id: Option<String>,
    #[serde(default)]
    customer_name: Option<String>,
    #[serde(default)]
    call_reason: Option<String>,
    #[serde(default)]
    csr_notes: Option<String>,
    #[serde(default)]
    recording_url: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    transcript: Option<Vec<RawSegment>>,
    #[serde(default)]
    classification: Option<PlatformClassification>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegment {
    speaker: Speaker,
    start_ms: u64,
    text: String,
}

/// A completed call whose every field is known to be valid.
#[derive(Debug, Clone, PartialEq)]
pub struct CallCompleted {
    pub tenant_id: TenantId,
    pub call_id: CallId,
    pub direction: Direction,
    pub answered: bool,
    pub outcome: Outcome,
    pub from_number: PhoneNumber,
    pub to_number: Option<PhoneNumber>,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duration_seconds: u32,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub customer_id: Option<CrmId>,
    pub location_id: Option<CrmId>,
    pub customer_name: Option<String>,
    pub call_reason: Option<String>,
    pub csr_notes: Option<String>,
    pub recording_url: Option<String>,
    pub summary: Option<String>,
    pub transcript: Vec<TranscriptSegment>,
    pub classification: Option<PlatformClassification>,
}

impl CallCompleted {
    /// Parses the `detail` of a `CallCompleted` event. Field names in errors are prefixed with
    /// `detail.` so an operator can find them in the event.
    pub fn from_detail(detail: &Value) -> Result<Self, FieldError> {
        const P: &str = "detail.";
        let raw: RawCallCompleted = from_value_named(P, detail)?;
        let f = |name: &str| format!("{P}{name}");

        let started_at = parse_time(&f("started_at"), &raw.started_at)?;
        let ended_at = parse_time(&f("ended_at"), &raw.ended_at)?;
        if ended_at < started_at {
            return Err(FieldError::new(
                f("ended_at"),
                "must not be before started_at",
            ));
        }
        if raw.duration_seconds > MAX_CALL_SECONDS {
            return Err(FieldError::new(
                f("duration_seconds"),
                "must be at most 86400 (24 hours)",
            ));
        }
        let recording_url = optional_text(&f("recording_url"), raw.recording_url, MAX_URL)?;
        if let Some(url) = &recording_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(FieldError::new(
                    f("recording_url"),
                    "must be an http(s) URL",
                ));
            }
        }
        let to_number = match raw.to_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(PhoneNumber::parse_field(&f("to_number"), n)?),
        };
        let segments = raw.transcript.unwrap_or_default();
        if segments.len() > MAX_SEGMENTS {
            return Err(FieldError::new(
                f("transcript"),
                format!("must have at most {MAX_SEGMENTS} segments"),
            ));
        }
        let mut transcript = Vec::with_capacity(segments.len());
        for (i, s) in segments.into_iter().enumerate() {
            if s.text.chars().count() > MAX_SEGMENT_TEXT {
                return Err(FieldError::new(
                    format!("{P}transcript[{i}].text"),
                    format!("must be at most {MAX_SEGMENT_TEXT} characters"),
                ));
            }
            transcript.push(TranscriptSegment {
                speaker: s.speaker,
                start_ms: s.start_ms,
                text: s.text,
            });
        }
        if let Some(score) = raw.classification.as_ref().and_then(|c| c.score) {
            if !(0.0..=1.0).contains(&score) {
                return Err(FieldError::new(
                    f("classification.score"),
                    "must be between 0 and 1",
                ));
            }
        }
        if let Some(label) = raw.classification.as_ref().and_then(|c| c.label.as_ref()) {
            if label.chars().count() > MAX_SHORT_TEXT {
                return Err(FieldError::new(
                    f("classification.label"),
                    format!("must be at most {MAX_SHORT_TEXT} characters"),
                ));
            }
        }

        Ok(CallCompleted {
            tenant_id: TenantId::parse(&f("tenant_id"), raw.tenant_id.trim())?,
            call_id: CallId::parse(&f("call_id"), raw.call_id.trim())?,
            direction: raw.direction,
            answered: raw.answered,
            outcome: raw.outcome,
            from_number: PhoneNumber::parse_field(&f("from_number"), &raw.from_number)?,
            to_number,
            started_at,
            ended_at,
            duration_seconds: raw.duration_seconds,
            agent_id: optional_text(&f("agent_id"), raw.agent_id, MAX_SHORT_TEXT)?,
            agent_name: optional_text(&f("agent_name"), raw.agent_name, MAX_SHORT_TEXT)?,
            customer_id: optional_crm_id(&f("customer_id"), raw.customer_id)?,
            location_id: optional_crm_id(&f("location_id"), raw.location_id)?,
            customer_name: optional_text(&f("customer_name"), raw.customer_name, MAX_SHORT_TEXT)?,
            call_reason: optional_text(&f("call_reason"), raw.call_reason, MAX_REASON)?,
            csr_notes: optional_text(&f("csr_notes"), raw.csr_notes, MAX_NOTES)?,
            recording_url,
            summary: optional_text(&f("summary"), raw.summary, MAX_NOTES)?,
            transcript,
            classification: raw.classification,
        })
    }
}

/// A valid call's `detail`, borrowed, as `to_detail` writes it.
#[derive(Serialize)]
struct DetailOut<'a> {
    tenant_id: &'a str,
    call_id: &'a str,
    direction: Direction,
    answered: bool,
    outcome: Outcome,
    from_number: &'a str,
    to_number: Option<&'a str>,
    started_at: String,
    ended_at: String,
    duration_seconds: u32,
    agent_id: Option<&'a str>,
    agent_name: Option<&'a str>,
    customer_id: Option<&'a str>,
    location_id: Option<&'a str>,
    customer_name: Option<&'a str>,
    call_reason: Option<&'a str>,
    csr_notes: Option<&'a str>,
    recording_url: Option<&'a str>,
    summary: Option<&'a str>,
    transcript: &'a [TranscriptSegment],
    classification: Option<&'a PlatformClassification>,
}

impl CallCompleted {
    /// The `detail` this call reads from (`from_detail`), as JSON text: how a call waiting for
    /// its decision is kept, so that it is read back through the same rules it arrived through.
    pub fn to_detail(&self) -> Result<String, serde_json::Error> {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        serde_json::to_string(&DetailOut {
            tenant_id: self.tenant_id.as_str(),
            call_id: self.call_id.as_str(),
            direction: self.direction,
            answered: self.answered,
            outcome: self.outcome,
            from_number: self.from_number.as_str(),
            to_number: self.to_number.as_ref().map(PhoneNumber::as_str),
            started_at: time(&self.started_at),
            ended_at: time(&self.ended_at),
            duration_seconds: self.duration_seconds,
            agent_id: self.agent_id.as_deref(),
            agent_name: self.agent_name.as_deref(),
            customer_id: self.customer_id.as_ref().map(CrmId::as_str),
            location_id: self.location_id.as_ref().map(CrmId::as_str),
            customer_name: self.customer_name.as_deref(),
            call_reason: self.call_reason.as_deref(),
            csr_notes: self.csr_notes.as_deref(),
            recording_url: self.recording_url.as_deref(),
            summary: self.summary.as_deref(),
            transcript: &self.transcript,
            classification: self.classification.as_ref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn valid_detail() -> Value {
        json!({
            "tenant_id": "t-1", "call_id": "call-123", "direction": "inbound", "answered": true,
            "outcome": "unbooked", "from_number": "(512) 555-0100", "to_number": "+15125550000",
            "started_at": "2026-11-24T15:00:00Z", "ended_at": "2026-11-24T15:04:12Z",
            "duration_seconds": 252, "agent_id": "u-7", "agent_name": "Sam",
            "customer_id": "c-881", "location_id": "l-42", "customer_name": "Dana Reyes",
            "call_reason": "AC not cooling", "csr_notes": "wants a price", "recording_url": "https://rec.example/1",
            "summary": null,
            "transcript": [{"speaker": "agent", "start_ms": 0, "text": "Thanks for calling"}]
        })
    }

    #[test]
    fn a_call_reads_back_from_its_own_detail() {
        let mut full = valid_detail();
        full["classification"] = json!({"is_lead": true, "score": 0.8, "label": "hot"});
        full["started_at"] = json!("2026-11-24T15:00:00.123Z");
        let minimal = json!({
            "tenant_id": "t-1", "call_id": "c-1", "direction": "outbound", "answered": false,
            "outcome": "abandoned", "from_number": "+442071838750",
            "started_at": "2026-11-24T15:00:00Z", "ended_at": "2026-11-24T15:00:00Z",
            "duration_seconds": 0
        });
        for detail in [full, minimal] {
            let call = CallCompleted::from_detail(&detail).unwrap();
            let detail: Value = serde_json::from_str(&call.to_detail().unwrap()).unwrap();
            assert_eq!(CallCompleted::from_detail(&detail).unwrap(), call);
        }
    }

    #[test]
    fn a_full_contract_event_parses() {
        let c = CallCompleted::from_detail(&valid_detail()).unwrap();
        assert_eq!(c.from_number.as_str(), "+15125550100");
        assert_eq!(c.duration_seconds, 252);
        assert_eq!(c.transcript.len(), 1);
        assert_eq!(c.summary, None);
    }

    #[test]
    fn only_the_required_fields_are_required() {
        let d = json!({
            "tenant_id": "t-1", "call_id": "c", "direction": "inbound", "answered": true,
            "outcome": "unbooked", "from_number": "5125550100",
            "started_at": "2026-11-24T15:00:00Z", "ended_at": "2026-11-24T15:04:12Z",
            "duration_seconds": 252
        });
        assert!(CallCompleted::from_detail(&d).is_ok());
    }

    fn error_for(patch: impl FnOnce(&mut serde_json::Map<String, Value>)) -> FieldError {
        let mut d = valid_detail();
        patch(d.as_object_mut().unwrap());
        CallCompleted::from_detail(&d).unwrap_err()
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(
            error_for(|d| {
                d.remove("call_id");
            })
            .field,
            "detail.call_id"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("colour".into(), json!("red"));
            })
            .field,
            "detail.colour"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("from_number".into(), json!("hello"));
            })
            .field,
            "detail.from_number"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("started_at".into(), json!("yesterday"));
            })
            .field,
            "detail.started_at"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("ended_at".into(), json!("2026-11-24T14:00:00Z"));
            })
            .field,
            "detail.ended_at"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("outcome".into(), json!("maybe"));
            })
            .field,
            "detail.outcome"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("duration_seconds".into(), json!(-4));
            })
            .field,
            "detail.duration_seconds"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("csr_notes".into(), json!("x".repeat(5001)));
            })
            .field,
            "detail.csr_notes"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("tenant_id".into(), json!("a#b"));
            })
            .field,
            "detail.tenant_id"
        );
        assert_eq!(
            error_for(|d| {
                d.insert(
                    "transcript".into(),
                    json!([{"speaker": "robot", "start_ms": 0, "text": "x"}]),
                );
            })
            .field,
            "detail.transcript[0].speaker"
        );
        assert_eq!(
            error_for(|d| {
                d.insert(
                    "transcript".into(),
                    json!([{"speaker": "agent", "start_ms": 0, "text": "x", "mood": 1}]),
                );
            })
            .field,
            "detail.transcript[0].mood"
        );
        assert_eq!(
            error_for(|d| {
                d.insert("recording_url".into(), json!("ftp://x"));
            })
            .field,
            "detail.recording_url"
        );
    }
}
