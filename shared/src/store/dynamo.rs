//! `DynamoStore`: the ports over one DynamoDB table. Only `Query`, `GetItem`, `PutItem` and
//! `TransactWriteItems`; never `Scan`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

use super::items::*;
use super::keys;
use crate::domain::booking::JobBooked;
use crate::domain::detection::adaptation::Adjustment;
use crate::domain::lead::{Lead, LeadDetail, Transcript};
use crate::domain::notification::{InAppNotification, NotificationId};
use crate::domain::settings::TenantSettings;
use crate::domain::status::ColdAfterDays;
use crate::domain::status::{LeadStatus, Tab};
use crate::domain::{LeadId, PhoneNumber, TenantId};
use crate::ports::{
    BookingStore, CallDecision, IngestStore, LeadChange, LeadCommands, LeadQueries, LeadWrite,
    NearMissWrite, RejectedEvent, RejectedEventStore, SettingsStore, StoreError,
};
use crate::ports::{DeliveryClaim, DeliveryKey, DeliveryStatus, HeldSms, NotificationStore};
use crate::query::{LeadPage, ListRequest, PageCursor};

pub(super) type Item = HashMap<String, AttributeValue>;

/// Raw events larger than this are stored cut, so a rejected-event record always fits.
const MAX_STORED_EVENT_BYTES: usize = 300_000;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    pub(super) client: Client,
    pub(super) table: String,
}

/// A failed DynamoDB call, named by its operation (`QueryError` -> `Query`), with the SDK's
/// error kept as the source.
pub(super) fn backend<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let type_name = std::any::type_name::<E>();
    let operation = type_name
        .rsplit("::")
        .next()
        .unwrap_or(type_name)
        .trim_end_matches("Error");
    StoreError::Backend {
        operation: operation.to_owned(),
        source: Box::new(DisplayedSdkError(DisplayErrorContext(e).to_string())),
    }
}

/// The SDK error's full context as text (its own `Display` says only "service error").
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct DisplayedSdkError(String);

/// A request that could not even be built.
pub(super) fn build_failed(what: &str, e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend {
        operation: format!("building {what}"),
        source: Box::new(e),
    }
}

pub(super) fn encode<T: Serialize>(v: &T) -> Result<Item, StoreError> {
    to_item(v).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

pub(super) fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    from_item(item).map_err(|e| StoreError::Corrupt(format!("decode: {e}")))
}

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn entity_of(item: &Item) -> Option<&str> {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub(super) fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_owned))
                .build()
                .map_err(|e| build_failed("a transaction item", e))?,
        )
        .build())
}

pub(super) fn put_with_version(
    table: &str,
    item: Item,
    expected: u64,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
                .build()
                .map_err(|e| build_failed("a transaction item", e))?,
        )
        .build())
}

pub(super) const NOT_EXISTS: &str = "attribute_not_exists(pk)";

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// The newest lead for a phone in Open or Cold (one Query on ByPhone), optionally only if
    /// its latest call ended at or after `since`.
    async fn newest_open_lead_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: Option<DateTime<Utc>>,
    ) -> Result<Option<Lead>, StoreError> {
        let mut filter = "#status IN (:new, :cba)".to_owned();
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::INDEX_BY_PHONE)
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pk", s(keys::phone_partition(tenant, phone)))
            .expression_attribute_values(":new", s(LeadStatus::New.api_value()))
            .expression_attribute_values(":cba", s(LeadStatus::CallBackAttempted.api_value()))
            .scan_index_forward(false);
        if let Some(since) = since {
            filter.push_str(" AND call_ended_at >= :since");
            q = q.expression_attribute_values(":since", s(keys::sortable_time(since)));
        }
        let out = q.filter_expression(filter).send().await.map_err(backend)?;
        match out.items.unwrap_or_default().into_iter().next() {
            Some(item) => Ok(Some(decode::<LeadItem>(item)?.lead)),
            None => Ok(None),
        }
    }

    /// Puts an item unless its key exists; `false` when it did (a redelivery or a repeat).
    pub(super) async fn put_if_absent(&self, item: Item) -> Result<bool, StoreError> {
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(NOT_EXISTS)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    /// One item by key, read strongly consistently (a change decides from the latest state).
    pub(super) async fn get_consistent(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// The items of a lead write: decision marker first (its condition detects redelivery),
    /// then the lead, its call, transcript chunks and history entry.
    pub(super) fn lead_write_items(
        &self,
        write: &LeadWrite,
        lead_condition: LeadCondition,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let lead = &write.lead;
        let pk = keys::lead_pk(&lead.tenant_id, &lead.id);
        let decision = encode(&decision_item(&write.decision))?;
        let mut items = vec![match lead_condition {
            // A promotion: the call must still be a near miss (not promoted meanwhile).
            LeadCondition::Promoted => TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(decision))
                        .condition_expression("#d.#k = :near_miss")
                        .expression_attribute_names("#d", "decision")
                        .expression_attribute_names("#k", "decision")
                        .expression_attribute_values(":near_miss", s("near_miss"))
                        .build()
                        .map_err(|e| build_failed("a transaction item", e))?,
                )
                .build(),
            _ => put(&self.table, decision, Some(NOT_EXISTS))?,
        }];
        let lead_item = encode(&LeadItem::from_lead(lead))?;
        items.push(match lead_condition {
            LeadCondition::New | LeadCondition::Promoted => {
                put(&self.table, lead_item, Some(NOT_EXISTS))?
            }
            LeadCondition::Version(v) => put_with_version(&self.table, lead_item, v)?,
        });
        items.push(put(
            &self.table,
            encode(&CallItem {
                pk: pk.clone(),
                sk: keys::call_sk(write.call.started_at, &write.call.call_id),
                entity: ENTITY_CALL.into(),
                call: write.call.clone(),
            })?,
            None,
        )?);
        let (chunks, truncated) = chunk_transcript(&write.transcript);
        for (i, segments) in chunks.into_iter().enumerate() {
            let chunk = u32::try_from(i).unwrap_or(u32::MAX);
            items.push(put(
                &self.table,
                encode(&TranscriptChunkItem {
                    pk: pk.clone(),
                    sk: keys::transcript_sk(write.call.started_at, &write.call.call_id, chunk),
                    entity: ENTITY_TRANSCRIPT.into(),
                    expires_at: None,
                    chunk,
                    truncated,
                    segments,
                })?,
                None,
            )?);
        }
        items.push(put(
            &self.table,
            encode(&HistoryItem {
                pk: pk.clone(),
                sk: keys::history_sk(write.history.at, &ulid::Ulid::generate().to_string()),
                entity: ENTITY_HISTORY.into(),
                entry: write.history.clone(),
            })?,
            None,
        )?);
        Ok(items)
    }

    /// Runs a transaction; a condition failure reports which items failed.
    pub(super) async fn transact_raw(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Option<Vec<bool>>, StoreError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(None),
            Err(err) => {
                if let SdkError::ServiceError(se) = &err {
                    if let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() {
                        let failed: Vec<bool> = tc
                            .cancellation_reasons()
                            .iter()
                            .map(|r| r.code() == Some("ConditionalCheckFailed"))
                            .collect();
                        if failed.contains(&true) {
                            return Ok(Some(failed));
                        }
                        // Another transaction was writing the same items at that moment: the
                        // caller re-reads and decides again, as after a version conflict.
                        if tc
                            .cancellation_reasons()
                            .iter()
                            .any(|r| r.code() == Some("TransactionConflict"))
                        {
                            return Err(StoreError::VersionConflict);
                        }
                    }
                }
                Err(backend(err))
            }
        }
    }

    /// A lead write: item 0 is the call-decision marker (redelivery), item 1 the lead.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        match self.transact_raw(items).await? {
            None => Ok(()),
            Some(failed) if failed.first() == Some(&true) => Err(StoreError::AlreadyProcessed),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    /// Runs a Query, following pages until done (used only where a partition is small).
    pub(super) async fn query_all(
        &self,
        key_condition: &str,
        values: Vec<(&str, AttributeValue)>,
        pk: String,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start.take());
            for (k, v) in &values {
                q = q.expression_attribute_values(*k, v.clone());
            }
            let out = q.send().await.map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }
}

pub(super) enum LeadCondition {
    New,
    Version(u64),
    /// A new lead made of a near miss.
    Promoted,
}

pub(super) fn decision_item(d: &CallDecision) -> CallDecisionItem {
    CallDecisionItem {
        pk: keys::call_marker_pk(&d.tenant_id, &d.call_id),
        sk: keys::CALL_MARKER_SK.into(),
        entity: ENTITY_CALL_DECISION.into(),
        expires_at: (d.decided_at + Duration::days(DECISION_TTL_DAYS)).timestamp(),
        decision: d.clone(),
    }
}

pub(super) fn assemble_transcript(lead: &Lead, mut chunks: Vec<TranscriptChunkItem>) -> Transcript {
    let prefix = keys::transcript_call_prefix(lead.call.started_at, &lead.call.call_id);
    chunks.retain(|c| c.sk.starts_with(&prefix));
    chunks.sort_by(|a, b| a.sk.cmp(&b.sk));
    Transcript {
        truncated: chunks.iter().any(|c| c.truncated),
        segments: chunks.into_iter().flat_map(|c| c.segments).collect(),
    }
}

impl IngestStore for DynamoStore {
    async fn detection_context(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, Adjustment), StoreError> {
        self.settings_and_adjustment(tenant).await
    }

    async fn record_near_miss(&self, write: &NearMissWrite) -> Result<(), StoreError> {
        self.put_near_miss(write).await
    }

    async fn open_lead_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> Result<Option<Lead>, StoreError> {
        self.newest_open_lead_for_phone(tenant, phone, None).await
    }

    async fn create_lead(&self, write: &LeadWrite) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::New)?;
        self.transact(items).await
    }

    async fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::Version(expected_version))?;
        self.transact(items).await
    }

    async fn record_decision(&self, decision: &CallDecision) -> Result<(), StoreError> {
        match self
            .put_if_absent(encode(&decision_item(decision))?)
            .await?
        {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }
}

impl RejectedEventStore for DynamoStore {
    async fn record_rejected(&self, r: &RejectedEvent) -> Result<(), StoreError> {
        let mut event = r.event.to_string();
        if event.len() > MAX_STORED_EVENT_BYTES {
            let mut cut = MAX_STORED_EVENT_BYTES;
            while !event.is_char_boundary(cut) {
                cut -= 1;
            }
            event.truncate(cut);
        }
        let unique = ulid::Ulid::generate().to_string();
        let item = RejectedEventItem {
            pk: keys::rejected_pk(r.received_at),
            sk: keys::rejected_sk(r.received_at, &unique),
            entity: ENTITY_REJECTED.into(),
            expires_at: (r.received_at + Duration::days(REJECTED_TTL_DAYS)).timestamp(),
            received_at: keys::sortable_time(r.received_at),
            event_id: r.event_id.clone(),
            detail_type: r.detail_type.clone(),
            tenant_id: r.tenant_id.as_ref().map(ToString::to_string),
            error_field: r.error.field.clone(),
            error_message: r.error.message.clone(),
            event,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(&item)?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

impl LeadQueries for DynamoStore {
    async fn list_leads(
        &self,
        tenant: &TenantId,
        request: &ListRequest,
        now: DateTime<Utc>,
    ) -> Result<LeadPage, StoreError> {
        // A status filter reads that status's partition; otherwise the tab's partition.
        let representative = request.status.unwrap_or(match request.tab {
            Tab::Open | Tab::Cold => LeadStatus::New,
            Tab::Done => LeadStatus::NotALead,
        });
        let (index, pk_attr, sk_attr, partition) = match request.status {
            Some(st) => (
                keys::INDEX_BY_STATUS,
                "gsi2pk",
                "gsi2sk",
                keys::status_partition(tenant, st),
            ),
            None => (
                keys::INDEX_BY_TAB,
                "gsi1pk",
                "gsi1sk",
                keys::tab_partition(tenant, representative),
            ),
        };
        // Open and Cold share a partition; `cold_at` (denormalised on every write) splits them
        // at read time, so a lead is in exactly one of them at every moment.
        let filter = match request.tab {
            Tab::Open => Some("cold_at > :now"),
            Tab::Cold => Some("cold_at <= :now"),
            Tab::Done => None,
        };
        let limit = request.limit as usize;
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(format!("{pk_attr} = :pk"))
            .expression_attribute_values(":pk", s(partition.clone()))
            .scan_index_forward(false);
        match filter {
            Some(f) => {
                // No Limit: DynamoDB applies Limit before the filter, which would make short
                // pages. One request reads up to 1 MB (hundreds of leads) and we cut the page.
                q = q
                    .filter_expression(f)
                    .expression_attribute_values(":now", s(keys::sortable_time(now)));
            }
            None => {
                // One more than asked, to know whether another page exists.
                q = q.limit(request.limit as i32 + 1);
            }
        }
        if let Some(after) = &request.after {
            let lead = keys::lead_of_call_order_sk(&after.after).ok_or(StoreError::BadCursor)?;
            q = q
                .exclusive_start_key("pk", s(keys::lead_pk(tenant, &lead)))
                .exclusive_start_key("sk", s(keys::LEAD_SK))
                .exclusive_start_key(pk_attr, s(partition.clone()))
                .exclusive_start_key(sk_attr, s(after.after.clone()));
        }
        let out = q.send().await.map_err(backend)?;
        let mut rows: Vec<LeadItem> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(decode::<LeadItem>)
            .collect::<Result<_, _>>()?;
        let list = ListRequest::list_name(request.tab, request.status);
        let cursor_at = |sk: String| PageCursor {
            list: list.clone(),
            after: sk,
        };
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| cursor_at(r.gsi1sk.clone()))
        } else if filter.is_some() {
            // Fewer matches than asked within the 1 MB read: continue after what was read.
            out.last_evaluated_key
                .as_ref()
                .and_then(|k| k.get(sk_attr))
                .and_then(|v| v.as_s().ok())
                .map(|sk| cursor_at(sk.clone()))
        } else {
            None
        };
        Ok(LeadPage {
            items: rows.into_iter().map(|r| r.lead).collect(),
            next,
        })
    }

    async fn lead_detail(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
    ) -> Result<Option<LeadDetail>, StoreError> {
        let items = self
            .query_all("pk = :pk", vec![], keys::lead_pk(tenant, lead_id))
            .await?;
        let (mut lead, mut chunks, mut notes, mut history, mut calls) =
            (None, Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for item in items {
            match entity_of(&item) {
                Some(ENTITY_LEAD) => lead = Some(decode::<LeadItem>(item)?.lead),
                Some(ENTITY_TRANSCRIPT) => chunks.push(decode::<TranscriptChunkItem>(item)?),
                Some(ENTITY_NOTE) => notes.push(decode::<NoteItem>(item)?.note),
                Some(ENTITY_HISTORY) => history.push(decode::<HistoryItem>(item)?.entry),
                Some(ENTITY_CALL) => calls.push(decode::<CallItem>(item)?.call),
                _ => {}
            }
        }
        // Sort keys put calls, history and notes in time order already.
        Ok(lead.map(|lead| LeadDetail {
            transcript: assemble_transcript(&lead, chunks),
            lead,
            notes,
            history,
            calls,
        }))
    }

    async fn lead_transcript(
        &self,
        tenant: &TenantId,
        lead_id: &LeadId,
    ) -> Result<Option<(Lead, Transcript)>, StoreError> {
        let items = self
            .query_all(
                "pk = :pk AND begins_with(sk, :lead)",
                vec![(":lead", s(keys::LEAD_SK))],
                keys::lead_pk(tenant, lead_id),
            )
            .await?;
        let (mut lead, mut chunks) = (None, Vec::new());
        for item in items {
            match entity_of(&item) {
                Some(ENTITY_LEAD) => lead = Some(decode::<LeadItem>(item)?.lead),
                Some(ENTITY_TRANSCRIPT) => chunks.push(decode::<TranscriptChunkItem>(item)?),
                _ => {}
            }
        }
        Ok(lead.map(|lead| {
            let t = assemble_transcript(&lead, chunks);
            (lead, t)
        }))
    }
}

pub(super) fn is_condition_failure<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    matches!(e, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

impl SettingsStore for DynamoStore {
    async fn settings_versioned(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, u64), StoreError> {
        match self
            .get_consistent(keys::tenant_pk(tenant), keys::SETTINGS_SK)
            .await?
        {
            Some(item) => {
                let item = decode::<SettingsItem>(item)?;
                Ok((item.settings, item.version))
            }
            None => Ok((TenantSettings::default(), 0)),
        }
    }

    async fn save_settings(
        &self,
        tenant: &TenantId,
        settings: &TenantSettings,
        expected: u64,
    ) -> Result<(), StoreError> {
        let item = encode(&SettingsItem {
            pk: keys::tenant_pk(tenant),
            sk: keys::SETTINGS_SK.into(),
            entity: ENTITY_SETTINGS.into(),
            version: expected + 1,
            settings: settings.clone(),
        })?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        put = if expected == 0 {
            put.condition_expression(NOT_EXISTS)
        } else {
            put.condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::VersionConflict),
            Err(e) => Err(backend(e)),
        }
    }

    async fn recompute_cold_at(
        &self,
        tenant: &TenantId,
        cold_after_days: ColdAfterDays,
    ) -> Result<usize, StoreError> {
        let mut rewritten = 0;
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_BY_TAB)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::tab_partition(tenant, LeadStatus::New)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                let mut lead = decode::<LeadItem>(item)?.lead;
                let cold_at = cold_after_days.cold_at(lead.touched_at());
                if cold_at == lead.cold_at {
                    continue;
                }
                lead.cold_at = cold_at;
                // Not a change a CSR sees, so no new version; conditional so a concurrent change
                // (which computes its own cold_at) is never overwritten.
                let put = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(encode(&LeadItem::from_lead(&lead))?))
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", AttributeValue::N(lead.version.to_string()))
                    .send()
                    .await;
                match put {
                    Ok(_) => rewritten += 1,
                    Err(e) if is_condition_failure(&e) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(rewritten),
            }
        }
    }
}

impl LeadCommands for DynamoStore {
    async fn get_lead(&self, tenant: &TenantId, lead: &LeadId) -> Result<Option<Lead>, StoreError> {
        self.get_consistent(keys::lead_pk(tenant, lead), keys::LEAD_SK)
            .await?
            .map(|i| decode::<LeadItem>(i).map(|l| l.lead))
            .transpose()
    }

    async fn save_change(
        &self,
        change: &LeadChange,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let lead = &change.lead;
        let pk = keys::lead_pk(&lead.tenant_id, &lead.id);
        let mut items = vec![put_with_version(
            &self.table,
            encode(&LeadItem::from_lead(lead))?,
            expected_version,
        )?];
        items.push(put(
            &self.table,
            encode(&HistoryItem {
                pk: pk.clone(),
                sk: keys::history_sk(
                    change.history.at,
                    &change
                        .history_id
                        .clone()
                        .unwrap_or_else(|| ulid::Ulid::generate().to_string()),
                ),
                entity: ENTITY_HISTORY.into(),
                entry: change.history.clone(),
            })?,
            Some(NOT_EXISTS),
        )?);
        if let Some(note) = &change.note {
            items.push(put(
                &self.table,
                encode(&NoteItem {
                    pk: pk.clone(),
                    sk: keys::note_sk(note.created_at, &note.id),
                    entity: ENTITY_NOTE.into(),
                    note: note.clone(),
                })?,
                Some(NOT_EXISTS),
            )?);
        }
        // Item 0 is the lead: its condition failing means someone else changed it. Otherwise
        // the history entry (or note) already exists: this change was applied before.
        match self.transact_raw(items).await? {
            None => Ok(()),
            Some(failed) if failed.first() == Some(&true) => Err(StoreError::VersionConflict),
            Some(_) => Err(StoreError::AlreadyProcessed),
        }
    }

    async fn leads_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        let mut leads = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_BY_PHONE)
                .key_condition_expression("gsi3pk = :pk")
                .filter_expression("call_ended_at >= :since")
                .expression_attribute_values(":pk", s(keys::phone_partition(tenant, phone)))
                .expression_attribute_values(":since", s(keys::sortable_time(since)))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                leads.push(decode::<LeadItem>(item)?.lead);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(leads),
            }
        }
    }

    async fn banner_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Option<Lead>, StoreError> {
        self.newest_open_lead_for_phone(tenant, phone, Some(since))
            .await
    }
}

impl BookingStore for DynamoStore {
    async fn put_booking(
        &self,
        booking: &JobBooked,
        received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let item = encode(&BookingItem {
            pk: keys::booking_pk(&booking.tenant_id, &booking.job_id),
            sk: keys::BOOKING_SK.into(),
            entity: ENTITY_BOOKING.into(),
            received_at: keys::sortable_time(received_at),
            booking: booking.clone(),
        })?;
        match self.put_if_absent(item).await? {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }
}

/// A delivery stuck in `sending` this long is taken to have crashed and may be retried.
const STALE_SENDING_SECONDS: i64 = 120;

fn held_from_item(item: HeldSmsItem) -> Result<HeldSms, StoreError> {
    let release_at = DateTime::parse_from_rfc3339(&item.release_at)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_utc();
    Ok(HeldSms {
        key: DeliveryKey {
            tenant_id: item.tenant_id,
            lead_id: item.lead_id,
            user_id: item.user_id,
            channel: "sms",
        },
        phone: item.phone,
        text: item.text,
        release_at,
    })
}

fn held_key(h: &HeldSms) -> (String, String) {
    (
        keys::HELD_SMS_PK.to_owned(),
        keys::held_sms_sk(
            h.release_at,
            &h.key.tenant_id,
            &h.key.lead_id,
            &h.key.user_id,
        ),
    )
}

impl NotificationStore for DynamoStore {
    async fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> Result<DeliveryClaim, StoreError> {
        let stale = keys::sortable_time(now - Duration::seconds(STALE_SENDING_SECONDS));
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::delivery_pk(&key.tenant_id, &key.lead_id)))
            .item("sk", s(keys::delivery_sk(&key.user_id, key.channel)))
            .item("entity", s(ENTITY_DELIVERY))
            .item("status", s("sending"))
            .item("updated_at", s(keys::sortable_time(now)))
            .item("expires_at", AttributeValue::N((now + Duration::days(DECISION_TTL_DAYS)).timestamp().to_string()))
            .condition_expression(
                "attribute_not_exists(pk) OR #status = :failed OR (#status = :sending AND updated_at < :stale)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s("failed"))
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":stale", s(stale))
            .send()
            .await;
        match res {
            Ok(_) => Ok(DeliveryClaim::Proceed),
            Err(e) if is_condition_failure(&e) => Ok(DeliveryClaim::AlreadyHandled),
            Err(e) => Err(backend(e)),
        }
    }

    async fn finish_delivery(
        &self,
        key: &DeliveryKey,
        status: DeliveryStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = match status {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Held => "held",
            DeliveryStatus::Failed => "failed",
        };
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::delivery_pk(&key.tenant_id, &key.lead_id)))
            .item("sk", s(keys::delivery_sk(&key.user_id, key.channel)))
            .item("entity", s(ENTITY_DELIVERY))
            .item("status", s(status))
            .item("updated_at", s(keys::sortable_time(now)))
            .item(
                "expires_at",
                AttributeValue::N(
                    (now + Duration::days(DECISION_TTL_DAYS))
                        .timestamp()
                        .to_string(),
                ),
            );
        if let Some(e) = error {
            put = put.item("error", s(e));
        }
        put.send().await.map_err(backend)?;
        Ok(())
    }

    async fn put_in_app(
        &self,
        tenant: &TenantId,
        user_id: &str,
        n: &InAppNotification,
    ) -> Result<(), StoreError> {
        let item = encode(&NotificationItem {
            pk: keys::feed_pk(tenant, user_id),
            sk: keys::feed_sk(&n.id),
            entity: ENTITY_NOTIFICATION.into(),
            expires_at: (n.created_at + Duration::days(NOTIFICATION_TTL_DAYS)).timestamp(),
            unread: n.read_at.is_none(),
            notification: n.clone(),
        })?;
        self.put_if_absent(item).await.map(|_| ())
    }

    async fn hold_sms(&self, h: &HeldSms) -> Result<(), StoreError> {
        let (pk, sk) = held_key(h);
        let item = encode(&HeldSmsItem {
            pk,
            sk,
            entity: ENTITY_HELD_SMS.into(),
            status: "held".into(),
            updated_at: keys::sortable_time(h.release_at),
            tenant_id: h.key.tenant_id.clone(),
            lead_id: h.key.lead_id,
            user_id: h.key.user_id.clone(),
            phone: h.phone.clone(),
            text: h.text.clone(),
            release_at: keys::sortable_time(h.release_at),
        })?;
        self.put_if_absent(item).await.map(|_| ())
    }

    async fn due_held_sms(&self, now: DateTime<Utc>) -> Result<Vec<HeldSms>, StoreError> {
        let items = self
            .query_all(
                "pk = :pk AND sk <= :due",
                // Every key released at `now` or earlier sorts before `now` + '~'.
                vec![(":due", s(format!("{}~", keys::sortable_time(now))))],
                keys::HELD_SMS_PK.to_owned(),
            )
            .await?;
        items
            .into_iter()
            .map(|i| decode::<HeldSmsItem>(i).and_then(held_from_item))
            .collect()
    }

    async fn take_held_sms(&self, h: &HeldSms, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let (pk, sk) = held_key(h);
        let stale = keys::sortable_time(now - Duration::seconds(STALE_SENDING_SECONDS));
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression("SET #status = :sending, updated_at = :now")
            .condition_expression("attribute_exists(pk) AND (#status = :held OR (#status = :sending AND updated_at < :stale))")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":held", s("held"))
            .expression_attribute_values(":now", s(keys::sortable_time(now)))
            .expression_attribute_values(":stale", s(stale))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn remove_held_sms(&self, h: &HeldSms) -> Result<(), StoreError> {
        let (pk, sk) = held_key(h);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        user_id: &str,
        unread_only: bool,
    ) -> Result<Vec<InAppNotification>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::feed_pk(tenant, user_id)))
            .scan_index_forward(false)
            .limit(100);
        if unread_only {
            q = q
                .filter_expression("unread = :true")
                .expression_attribute_values(":true", AttributeValue::Bool(true));
        }
        let out = q.send().await.map_err(backend)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| decode::<NotificationItem>(i).map(|n| n.notification))
            .collect()
    }

    async fn mark_read(
        &self,
        tenant: &TenantId,
        user_id: &str,
        id: &NotificationId,
        now: DateTime<Utc>,
    ) -> Result<Option<InAppNotification>, StoreError> {
        let key_pk = keys::feed_pk(tenant, user_id);
        let key_sk = keys::feed_sk(id);
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key_pk.clone()))
            .key("sk", s(key_sk.clone()))
            .update_expression("SET unread = :false, notification.read_at = :now")
            .condition_expression("attribute_exists(pk) AND unread = :true")
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(
                ":now",
                s(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            )
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match res {
            Ok(out) => out
                .attributes
                .map(|a| decode::<NotificationItem>(a).map(|n| n.notification))
                .transpose(),
            // Missing, or already read (which keeps its first read time): read it as it is.
            Err(e) if is_condition_failure(&e) => self
                .get_consistent(key_pk, &key_sk)
                .await?
                .map(|i| decode::<NotificationItem>(i).map(|n| n.notification))
                .transpose(),
            Err(e) => Err(backend(e)),
        }
    }
}
