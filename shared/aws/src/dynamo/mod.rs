//! `DynamoStore`: the ports over one DynamoDB table, one module per port (`codec` and
//! `writes` hold what they share). Query, GetItem, PutItem, UpdateItem, DeleteItem and
//! TransactWriteItems only; never Scan.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use super::items::*;
use super::keys;
use scl_core::ports::{LeadWrite, StoreError};
use scl_domain::lead::Lead;
use scl_domain::status::LeadStatus;
use scl_domain::{PhoneNumber, TenantId};

mod bookings;
mod codec;
mod detection;
mod idempotency;
mod ingest;
pub mod item_de;
mod leads;
mod notifications;
mod queries;
mod rejected;
mod report_codec;
mod reports;
mod settings;
mod webhook;
mod writes;

use codec::*;
use writes::*;

/// The read path's item decoders as the store runs them. A generic's code is generated (and
/// optimised) in the crate that names its types: through these, the queue and detail
/// benchmarks (shared/render/benches) run the decoding this crate's Queries run.
pub fn decode_lead_row(item: Item) -> Result<LeadRow, StoreError> {
    decode(item)
}

/// A lead item (`decode_lead_row`).
pub fn decode_lead(item: Item) -> Result<LeadItem, StoreError> {
    decode(item)
}

/// A transcript chunk item (`decode_lead_row`).
pub fn decode_transcript_chunk(item: Item) -> Result<TranscriptChunkItem, StoreError> {
    decode(item)
}

/// What an item in a transaction stands for, and so what its failed condition means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemRole {
    /// Exists once the work has been done (a call's decision, a history entry): its condition
    /// failing means this write was applied before.
    DoneMarker,
    /// Carries a version another writer may have moved on: its condition failing means
    /// someone else changed it first.
    Versioned,
}

impl ItemRole {
    fn condition_failed(self) -> StoreError {
        match self {
            ItemRole::DoneMarker => StoreError::AlreadyProcessed,
            ItemRole::Versioned => StoreError::VersionConflict,
        }
    }
}

#[derive(Clone, Debug)]
pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
}

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
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::INDEX_BY_PHONE)
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pk", s(keys::phone_partition(tenant, phone)))
            .scan_index_forward(false);
        // `#status IN (...)` over the domain's open statuses.
        let mut placeholders = Vec::new();
        for (i, status) in LeadStatus::open_statuses().enumerate() {
            let name = format!(":open{i}");
            q = q.expression_attribute_values(&name, s(status.api_value()));
            placeholders.push(name);
        }
        let mut filter = format!("#status IN ({})", placeholders.join(", "));
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
    pub(crate) async fn put_if_absent(&self, item: Item) -> Result<bool, StoreError> {
        self.put_when(item, NOT_EXISTS).await
    }

    /// Puts `item` if `condition` holds: false (nothing written) if it does not.
    pub(crate) async fn put_when(&self, item: Item, condition: &str) -> Result<bool, StoreError> {
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    /// One item by key, read strongly consistently (a change decides from the latest state).
    pub(crate) async fn get_consistent(
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
    pub(crate) fn lead_write_items(
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
            _ => put(&self.table, decision, Some(UNDECIDED))?,
        }];
        let lead_item = encode(&LeadItem::new(lead, lead.updated_at))?;
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
        items.extend(transcript_puts(
            &self.table,
            &pk,
            |chunk| keys::transcript_sk(write.call.started_at, &write.call.call_id, chunk),
            ENTITY_TRANSCRIPT,
            None,
            &write.transcript,
        )?);
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
        items.extend(outbox_puts(&self.table, lead, &write.events)?);
        if let Some(claim) = &write.claim {
            items.push(phone_claim_put(&self.table, lead, claim)?);
        }
        Ok(items)
    }

    /// Runs a transaction. When conditions fail, the first failed item's role says what it
    /// means: `first` is the role of item 0, `rest` the role of every other item.
    pub(crate) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        first: ItemRole,
        rest: ItemRole,
    ) -> Result<(), StoreError> {
        let Err(err) = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        else {
            return Ok(());
        };
        if let SdkError::ServiceError(se) = &err {
            if let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() {
                let reasons = tc.cancellation_reasons();
                let failed = reasons
                    .iter()
                    .position(|r| r.code() == Some("ConditionalCheckFailed"));
                if let Some(index) = failed {
                    let role = if index == 0 { first } else { rest };
                    return Err(role.condition_failed());
                }
                // Another transaction was writing the same items at that moment: the caller
                // re-reads and decides again, as after a version conflict.
                if reasons
                    .iter()
                    .any(|r| r.code() == Some("TransactionConflict"))
                {
                    return Err(StoreError::VersionConflict);
                }
            }
        }
        Err(backend(err))
    }

    /// Runs a Query, following pages until done (used only where a partition is small).
    pub(crate) async fn query_all(
        &self,
        key_condition: &str,
        values: Vec<(&str, AttributeValue)>,
        pk: String,
    ) -> Result<Vec<Item>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .expression_attribute_values(":pk", s(pk));
        for (k, v) in values {
            q = q.expression_attribute_values(k, v);
        }
        self.all_pages(q).await
    }

    /// Every item a Query returns, following its pages (used only where the result is small,
    /// or read once by an administrator's change).
    pub(crate) async fn all_pages(
        &self,
        query: QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        Ok(self.all_pages_costed(query).await?.0)
    }

    /// [`Self::all_pages`], with the read capacity units the pages consumed (when the query
    /// asks DynamoDB to return them).
    pub(crate) async fn all_pages_costed(
        &self,
        query: QueryFluentBuilder,
    ) -> Result<(Vec<Item>, f64), StoreError> {
        let (mut items, mut units) = (Vec::new(), 0.0);
        let mut start: Option<Item> = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            units += capacity_units(out.consumed_capacity.as_ref());
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok((items, units)),
            }
        }
    }
}
