//! The shapes of stored items. Index and condition attributes (`status`, `version`,
//! `cold_at`, `gsi*`) sit at the top level; the domain value is nested under its own name.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use scl_core::ports::CallDecision;
use scl_domain::detection::adaptation::{Adjustment, CountedLabel, Learning};
use scl_domain::lead::{CallInfo, HistoryEntry, Lead, Note, TranscriptSegment};
use scl_domain::near_miss::{NearMiss, NearMissEntry};
use scl_domain::settings::TenantSettings;
use scl_domain::{CallId, JobId, LeadId, TenantId};

use super::keys;

pub const ENTITY_LEAD: &str = "lead";
pub const ENTITY_CALL: &str = "call";
pub const ENTITY_TRANSCRIPT: &str = "transcript";
pub const ENTITY_HISTORY: &str = "history";
pub const ENTITY_NOTE: &str = "note";
pub const ENTITY_CALL_DECISION: &str = "call_decision";
pub const ENTITY_SETTINGS: &str = "settings";
pub const ENTITY_REJECTED: &str = "rejected_event";
/// The stream handler's filter criteria select new items with this entity.
pub const ENTITY_BOOKING: &str = "booking";
pub const ENTITY_NEAR_MISS: &str = "near_miss";
pub const ENTITY_NEAR_MISS_ENTRY: &str = "near_miss_entry";
pub const ENTITY_NEAR_MISS_TRANSCRIPT: &str = "near_miss_transcript";
pub const ENTITY_LEARNING: &str = "detection_learning";
pub const ENTITY_ADJUSTMENT: &str = "detection_adjustment";
pub const ENTITY_LABEL: &str = "detection_label";
/// Report items (`keys::report_pk`): a month of day totals, the queue counts, a lead's counted
/// figures.
pub const ENTITY_REPORT_MONTH: &str = "report_month";
pub const ENTITY_REPORT_QUEUE: &str = "report_queue";
pub const ENTITY_REPORT_LEAD: &str = "report_lead";
pub const ENTITY_REPORT_WRAP_UP: &str = "report_wrap_up";
pub const ENTITY_REPORT_WRAP_UP_CALL: &str = "report_wrap_up_call";

/// Call decisions expire after 90 days: long after any redelivery (EventBridge retries for at
/// most 24 hours), short enough not to keep personal data about non-leads forever.
pub const DECISION_TTL_DAYS: i64 = 90;
pub const REJECTED_TTL_DAYS: i64 = 30;

/// Transcript chunk size and count. A chunk stays well under DynamoDB's 400 KB item limit; a
/// transcript beyond `MAX_TRANSCRIPT_CHUNKS` is cut and flagged `truncated`.
pub const TRANSCRIPT_CHUNK_BYTES: usize = 300_000;
pub const MAX_TRANSCRIPT_CHUNKS: usize = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeadItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub tenant_id: TenantId,
    pub status: String,
    pub version: u64,
    pub cold_at: String,
    /// The latest call's end, for the banner's 14-day window.
    pub call_ended_at: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    pub gsi3pk: String,
    pub gsi3sk: String,
    /// Only on a lead kept in Open: when it turns Cold (the ColdDue index, keys.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi4pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi4sk: Option<String>,
    pub lead: Lead,
}

impl LeadItem {
    /// The lead as written at `now`: in the Open, Cold or Done partitions by the Cold rule at
    /// that moment, and, while Open, due in ColdDue at its cold time.
    pub fn new(lead: &Lead, now: DateTime<Utc>) -> Self {
        let order = keys::call_order_sk(lead.call.started_at, &lead.id);
        let bucket = keys::Bucket::of_tab(lead.tab(now));
        let due = (bucket == keys::Bucket::Open).then(|| {
            (
                keys::cold_due_partition_of(&lead.tenant_id),
                keys::cold_due_sk(lead.cold_at, &lead.id),
            )
        });
        let (gsi4pk, gsi4sk) = due.unzip();
        LeadItem {
            pk: keys::lead_pk(&lead.tenant_id, &lead.id),
            sk: keys::LEAD_SK.to_owned(),
            entity: ENTITY_LEAD.to_owned(),
            tenant_id: lead.tenant_id.clone(),
            status: lead.status.api_value().to_owned(),
            version: lead.version,
            cold_at: keys::sortable_time(lead.cold_at),
            call_ended_at: keys::sortable_time(lead.call.ended_at),
            gsi1pk: keys::tab_partition(&lead.tenant_id, bucket),
            gsi1sk: order.clone(),
            gsi2pk: keys::status_partition(&lead.tenant_id, lead.status, bucket),
            gsi2sk: order.clone(),
            gsi3pk: keys::phone_partition(&lead.tenant_id, &lead.customer.phone),
            gsi3sk: order,
            gsi4pk,
            gsi4sk,
            lead: lead.clone(),
        }
    }
}

/// A lead as a queue page reads it: only what a page uses, the attributes in
/// `LEAD_ROW_ATTRIBUTES` (the Query's projection). The lead's own place and its order in
/// every list (`gsi1sk`, equal to `gsi2sk`); the other keys and index attributes are left in
/// DynamoDB, so a page transfers and decodes ~14 fewer attributes per lead.
#[derive(Debug, Clone, Deserialize)]
pub struct LeadRow {
    pub pk: String,
    pub gsi1sk: String,
    pub lead: Lead,
}

/// What a list Query projects (`LeadRow`).
pub const LEAD_ROW_ATTRIBUTES: [&str; 3] = ["pk", "gsi1sk", "lead"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub call: CallInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TranscriptChunkItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    /// Set on a near miss's transcript (kept 30 days); a lead's transcript stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    pub chunk: u32,
    pub truncated: bool,
    pub segments: Vec<TranscriptSegment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub entry: HistoryEntry,
}

pub const ENTITY_PHONE_CLAIM: &str = "phone_claim";

/// Which lead a phone number's next qualifying call belongs to (`scl_core::ports::PhoneClaim`, defined in `scl_domain::call_decision`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneClaimItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub lead_id: LeadId,
}

pub const ENTITY_IDEMPOTENCY: &str = "idempotency";

/// A client's idempotency key: `in_progress` while its first request runs, then `completed`
/// with the answer to replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub state: String,
    pub fingerprint: String,
    /// Epoch seconds after which an `in_progress` key may be taken again.
    pub in_progress_until: i64,
    pub answer: Option<scl_core::ports::StoredAnswer>,
    /// Epoch seconds: the end of the replay window (and the TTL).
    pub expires_at: i64,
}

pub const ENTITY_WEBHOOK_SIGNATURE: &str = "webhook_signature";

/// A webhook request's signature, received once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSignatureItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    /// Epoch seconds: when the signature is stale (and the TTL).
    pub expires_at: i64,
}

pub const ENTITY_OUTBOX: &str = "outbox";
/// Outbox items exist to reach the table's stream, whose mapping gives up on a record after a
/// day; they stay a week for an operator to look at, then expire.
pub const OUTBOX_TTL_DAYS: i64 = 7;

/// An event out, written with its change; the stream hands it to PublishEventsFunction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub event_id: String,
    pub event_type: String,
    /// The message body, JSON text.
    pub payload: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub note: Note,
}

/// A qualifying call waiting for its After Call Work Time to end, at the call's marker key
/// (so its decision, written over it, ends the wait) and in the sparse `DecideDue` index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingCallItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub tenant_id: TenantId,
    pub call_id: CallId,
    /// When the decision is due (sortable time); its presence marks the call as waiting.
    pub decide_at: String,
    pub gsi5pk: String,
    pub gsi5sk: String,
    /// The event's `detail` as it arrived (JSON).
    pub detail: String,
    pub expires_at: i64,
}

pub const ENTITY_CALL_PENDING: &str = "call_pending";

/// A booking's marker in its number's (and customer's) partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookedMarkerItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub job_id: JobId,
    pub expires_at: i64,
}

pub const ENTITY_BOOKED_MARKER: &str = "booked_marker";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallDecisionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub decision: CallDecision,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettingsItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub version: u64,
    pub settings: TenantSettings,
}

/// A near miss, in its call's partition, kept until `expires_at` (TTL).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearMissItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub near_miss: NearMiss,
}

/// A near miss's row in the business's list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearMissEntryItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub entry: NearMissEntry,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearningItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub version: u64,
    pub learning: Learning,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdjustmentItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub version: u64,
    /// The active words and weights, flattened and left out when there are none: DynamoDB
    /// Local's stream renders an empty map as `{}`, which no SDK can read, and that stalls
    /// every reader of the stream.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, f64>,
    /// The words backed by enough labels to un-flag a call the base model is sure of (a string
    /// set; absent when empty, and in items written before it existed).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub strong: BTreeSet<String>,
}

impl AdjustmentItem {
    pub fn adjustment(self) -> Adjustment {
        Adjustment {
            weights: self.weights,
            strong: self.strong,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub version: u64,
    pub counted: CountedLabel,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RejectedEventItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub received_at: String,
    pub event_id: Option<String>,
    pub detail_type: Option<String>,
    pub tenant_id: Option<String>,
    pub error_field: String,
    pub error_message: String,
    /// The event as received (JSON text), for replay.
    pub event: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookingItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub received_at: String,
    pub booking: scl_domain::booking::JobBooked,
}

pub const ENTITY_DELIVERY: &str = "delivery";
pub const ENTITY_NOTIFICATION: &str = "notification";
pub const ENTITY_HELD_SMS: &str = "held_sms";
pub const NOTIFICATION_TTL_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    /// Top-level for the `unread_only` filter.
    pub unread: bool,
    pub notification: scl_domain::notification::InAppNotification,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldSmsItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub status: String,
    pub updated_at: String,
    pub tenant_id: TenantId,
    pub lead_id: scl_domain::LeadId,
    pub user_id: String,
    pub phone: scl_domain::PhoneNumber,
    pub text: String,
    pub release_at: String,
}

/// What is counted in the reports for one lead (`keys::report_lead_sk`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportLeadItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub lead_id: LeadId,
    pub version: u64,
    pub figures: scl_domain::report::LeadFigures,
}

/// Splits a transcript into chunks that each fit in one item; drops what is beyond the
/// stored maximum and says so.
pub fn chunk_transcript(segments: &[TranscriptSegment]) -> (Vec<Vec<TranscriptSegment>>, bool) {
    let mut chunks: Vec<Vec<TranscriptSegment>> = Vec::new();
    let mut current: Vec<TranscriptSegment> = Vec::new();
    let mut size = 0usize;
    for seg in segments {
        // Attribute names and numbers add a little to each segment's text.
        let seg_size = seg.text.len() + 64;
        if size + seg_size > TRANSCRIPT_CHUNK_BYTES && !current.is_empty() {
            chunks.push(std::mem::take(&mut current));
            size = 0;
            if chunks.len() == MAX_TRANSCRIPT_CHUNKS {
                return (chunks, true);
            }
        }
        size += seg_size;
        current.push(seg.clone());
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    (chunks, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scl_domain::lead::Speaker;

    fn seg(len: usize) -> TranscriptSegment {
        TranscriptSegment {
            speaker: Speaker::Customer,
            start_ms: 0,
            text: "x".repeat(len),
        }
    }

    #[test]
    fn small_transcripts_are_one_chunk() {
        let (chunks, truncated) = chunk_transcript(&[seg(10), seg(20)]);
        assert_eq!((chunks.len(), truncated), (1, false));
        assert_eq!(chunk_transcript(&[]).0.len(), 0);
    }

    #[test]
    fn huge_transcripts_are_chunked_then_capped() {
        let segments: Vec<_> = (0..100).map(|_| seg(10_000)).collect();
        let (chunks, truncated) = chunk_transcript(&segments);
        assert_eq!(chunks.len(), MAX_TRANSCRIPT_CHUNKS);
        assert!(truncated);
        for c in &chunks {
            let bytes: usize = c.iter().map(|s| s.text.len() + 64).sum();
            assert!(bytes <= TRANSCRIPT_CHUNK_BYTES);
        }
        let segments: Vec<_> = (0..40).map(|_| seg(10_000)).collect();
        let (chunks, truncated) = chunk_transcript(&segments);
        assert_eq!((chunks.len(), truncated), (2, false));
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 40);
    }
}
