//! Conditional writes and transactions, and the items of a lead write.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::Duration;

use super::*;
use crate::keys;
use scl_core::ports::{CallDecision, PhoneClaim, StoreError};
use scl_domain::events::{IntegrationEvent, PendingEvent};
use scl_domain::lead::Lead;
use scl_domain::transcript::TranscriptSegment;

/// A transaction's put of `item`, written only if `condition` (when given) holds.
pub(crate) fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
) -> Result<TransactWriteItem, StoreError> {
    conditional_put(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned)),
    )
}

/// A transaction's put of `item`, written only over the version the writer read.
pub(crate) fn put_with_version(
    table: &str,
    item: Item,
    expected: u64,
) -> Result<TransactWriteItem, StoreError> {
    conditional_put(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string())),
    )
}

fn conditional_put(
    put: aws_sdk_dynamodb::types::builders::PutBuilder,
) -> Result<TransactWriteItem, StoreError> {
    let put = put
        .build()
        .map_err(|e| build_failed("a transaction item", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The puts of a change's events out (the outbox), in the change's transaction. Each is written
/// once: its key is the event's, so a change applied twice cannot publish twice.
pub(crate) fn outbox_puts(
    table: &str,
    lead: &Lead,
    events: &[IntegrationEvent],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let expires_at = (lead.updated_at + Duration::days(OUTBOX_TTL_DAYS)).timestamp();
    events
        .iter()
        .enumerate()
        .map(|(n, event)| {
            let pending = PendingEvent::of(event, &lead.id, lead.version, n);
            let item = encode(&OutboxItem {
                pk: keys::outbox_pk(&lead.tenant_id, &lead.id),
                sk: keys::outbox_sk(lead.version, n),
                entity: ENTITY_OUTBOX.into(),
                event_id: pending.event_id,
                event_type: pending.event_type,
                payload: pending.payload,
                expires_at,
            })?;
            put(table, item, Some(NOT_EXISTS))
        })
        .collect()
}

/// Makes `lead` the number's claim, if the claim is still `read` (another call taking it first
/// fails the whole transaction, and that call's lead is found on the retry).
pub(crate) fn phone_claim_put(
    table: &str,
    lead: &Lead,
    read: &PhoneClaim,
) -> Result<TransactWriteItem, StoreError> {
    let item = encode(&PhoneClaimItem {
        pk: keys::phone_claim_pk(&lead.tenant_id, &lead.customer.phone),
        sk: keys::PHONE_CLAIM_SK.into(),
        entity: ENTITY_PHONE_CLAIM.into(),
        lead_id: lead.id,
    })?;
    let put = Put::builder().table_name(table).set_item(Some(item));
    conditional_put(match read {
        PhoneClaim::Unclaimed => put.condition_expression(NOT_EXISTS),
        PhoneClaim::Lead(previous) => put
            .condition_expression("lead_id = :previous")
            .expression_attribute_values(":previous", AttributeValue::S(previous.to_string())),
    })
}

pub(crate) const NOT_EXISTS: &str = "attribute_not_exists(pk)";

/// A call's decision may be written where there is none yet, or over the call's wait for it
/// (a waiting call's marker has `decide_at`; a decided one has not).
pub(crate) const UNDECIDED: &str = "attribute_not_exists(pk) OR attribute_exists(decide_at)";

pub(crate) enum LeadCondition {
    New,
    Version(u64),
    /// A new lead made of a near miss.
    Promoted,
}

pub(crate) fn decision_item(d: &CallDecision) -> CallDecisionItem {
    CallDecisionItem {
        pk: keys::call_marker_pk(&d.tenant_id, &d.call_id),
        sk: keys::CALL_MARKER_SK.into(),
        entity: ENTITY_CALL_DECISION.into(),
        expires_at: (d.decided_at + Duration::days(DECISION_TTL_DAYS)).timestamp(),
        decision: d.clone(),
    }
}

/// The puts of a transcript's chunks (at most `MAX_TRANSCRIPT_CHUNKS`, `truncated` set when it
/// was longer), keyed in `pk` by `sk_of(chunk)`.
pub(crate) fn transcript_puts(
    table: &str,
    pk: &str,
    sk_of: impl Fn(u32) -> String,
    entity: &str,
    expires_at: Option<i64>,
    transcript: &[TranscriptSegment],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let (chunks, truncated) = chunk_transcript(transcript);
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, segments)| {
            let chunk = u32::try_from(i).unwrap_or(u32::MAX);
            put(
                table,
                encode(&TranscriptChunkItem {
                    pk: pk.to_owned(),
                    sk: sk_of(chunk),
                    entity: entity.to_owned(),
                    expires_at,
                    chunk,
                    truncated,
                    segments,
                })?,
                None,
            )
        })
        .collect()
}
