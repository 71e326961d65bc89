//! The detection ports over the table: near misses (kept 30 days, listed a page per Query,
//! promoted once) and per-business learning (label counts, the adjustment ingestion reads
//! with the settings, and the label counted for each lead). Key formats in `keys`.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};

use super::{
    backend, build_failed, decision_item, decode, encode, entity_of, put, s, transcript_puts,
    DynamoStore, Item, ItemRole, LeadCondition, NOT_EXISTS, UNDECIDED,
};
use crate::items::*;
use crate::keys;
use scl_core::ports::{
    CallDecision, CallRecord, DecisionKind, LeadWrite, LearningChange, LearningStore, NearMissPage,
    NearMissStore, NearMissWrite, StoreError,
};
use scl_core::query::{NearMissRequest, PageCursor};
use scl_domain::detection::adaptation::{Adjustment, CountedLabel, Learning};
use scl_domain::near_miss::{oldest_kept, NearMiss};
use scl_domain::settings::TenantSettings;
use scl_domain::{CallId, LeadId, TenantId};

/// TTL of a near miss's items: kept 30 days from the call (a day more, since TTL deletion
/// lags; reads filter on the call time, so the extra day is never shown).
fn near_miss_expiry(n: &NearMiss) -> i64 {
    (n.kept_until() + Duration::days(1)).timestamp()
}

fn versioned_put(table: &str, item: Item, expected: u64) -> Result<TransactWriteItem, StoreError> {
    let mut p = Put::builder().table_name(table).set_item(Some(item));
    p = if expected == 0 {
        p.condition_expression(NOT_EXISTS)
    } else {
        p.condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
    };
    Ok(TransactWriteItem::builder()
        .put(p.build().map_err(|e| build_failed("a put", e))?)
        .build())
}

fn delete(
    table: &str,
    pk: String,
    sk: String,
    expected_version: Option<u64>,
) -> Result<TransactWriteItem, StoreError> {
    let mut d = Delete::builder()
        .table_name(table)
        .key("pk", s(pk))
        .key("sk", s(sk));
    if let Some(v) = expected_version {
        d = d
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(v.to_string()));
    }
    Ok(TransactWriteItem::builder()
        .delete(d.build().map_err(|e| build_failed("a delete", e))?)
        .build())
}

impl DynamoStore {
    /// The settings and the learned adjustment: one Query over the tenant's `SETTINGS*` items.
    pub(crate) async fn settings_and_adjustment(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, Adjustment), StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :settings)")
            .expression_attribute_values(":pk", s(keys::business_pk(tenant)))
            .expression_attribute_values(":settings", s(keys::SETTINGS_PREFIX))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        let (mut settings, mut adjustment) = (TenantSettings::default(), Adjustment::default());
        for item in out.items.unwrap_or_default() {
            match entity_of(&item) {
                Some(ENTITY_SETTINGS) => settings = decode::<SettingsItem>(item)?.settings,
                Some(ENTITY_ADJUSTMENT) => {
                    adjustment = decode::<AdjustmentItem>(item)?.adjustment()
                }
                _ => {}
            }
        }
        Ok((settings, adjustment))
    }

    /// A near miss: the call's decision (its redelivery guard), the near miss and its
    /// transcript in the call's partition, and its row in the business's list.
    pub(crate) async fn put_near_miss(&self, w: &NearMissWrite) -> Result<(), StoreError> {
        let n = &w.near_miss;
        let tenant = &w.decision.tenant_id;
        let call_pk = keys::call_marker_pk(tenant, &n.qualified.call.call_id);
        let expires_at = near_miss_expiry(n);
        let mut items = vec![
            put(
                &self.table,
                encode(&decision_item(&w.decision))?,
                Some(UNDECIDED),
            )?,
            put(
                &self.table,
                encode(&NearMissItem {
                    pk: call_pk.clone(),
                    sk: keys::NEAR_MISS_SK.into(),
                    entity: ENTITY_NEAR_MISS.into(),
                    expires_at,
                    near_miss: n.clone(),
                })?,
                None,
            )?,
            put(
                &self.table,
                encode(&NearMissEntryItem {
                    pk: keys::near_miss_list_pk(tenant),
                    sk: keys::near_miss_list_sk(
                        n.qualified.call.started_at,
                        &n.qualified.call.call_id,
                    ),
                    entity: ENTITY_NEAR_MISS_ENTRY.into(),
                    expires_at,
                    entry: n.entry(),
                })?,
                None,
            )?,
        ];
        items.extend(transcript_puts(
            &self.table,
            &call_pk,
            keys::near_miss_transcript_sk,
            ENTITY_NEAR_MISS_TRANSCRIPT,
            Some(expires_at),
            &w.transcript,
        )?);
        // Item 0 is the decision: it exists when the call was processed before.
        self.transact(items, ItemRole::DoneMarker, ItemRole::DoneMarker)
            .await
    }
}

impl NearMissStore for DynamoStore {
    async fn near_misses(
        &self,
        tenant: &TenantId,
        request: &NearMissRequest,
        now: DateTime<Utc>,
    ) -> Result<NearMissPage, StoreError> {
        if request
            .after
            .as_ref()
            .is_some_and(|a| !keys::is_near_miss_list_sk(&a.after))
        {
            return Err(StoreError::BadCursor);
        }
        let oldest = keys::sortable_time(oldest_kept(now));
        if request.after.as_ref().is_some_and(|a| a.after < oldest) {
            // A cursor from a page read long ago: everything after it has expired.
            return Ok(NearMissPage {
                items: Vec::new(),
                next: None,
            });
        }
        // Calls older than 30 days are outside the key range, whether or not TTL has
        // removed them yet. After a cursor, the range ends at the cursor's row (inclusive,
        // so that row is read once more and dropped).
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(keys::near_miss_list_pk(tenant)))
            .expression_attribute_values(":oldest", s(oldest))
            .scan_index_forward(false)
            .limit(request.limit as i32 + 2);
        q = match &request.after {
            Some(after) => q
                .key_condition_expression("pk = :pk AND sk BETWEEN :oldest AND :after")
                .expression_attribute_values(":after", s(after.after.clone())),
            None => q.key_condition_expression("pk = :pk AND sk >= :oldest"),
        };
        let out = q.send().await.map_err(backend)?;
        let mut rows: Vec<NearMissEntryItem> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(decode::<NearMissEntryItem>)
            .collect::<Result<_, _>>()?;
        if let Some(after) = &request.after {
            rows.retain(|r| r.sk != after.after);
        }
        let limit = request.limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| PageCursor {
                list: NearMissRequest::LIST.into(),
                after: r.sk.clone(),
            })
        } else {
            None
        };
        Ok(NearMissPage {
            items: rows.into_iter().map(|r| r.entry).collect(),
            next,
        })
    }

    async fn call_record(
        &self,
        tenant: &TenantId,
        call: &CallId,
        now: DateTime<Utc>,
    ) -> Result<Option<CallRecord>, StoreError> {
        let items = self
            .query_all("pk = :pk", vec![], keys::call_marker_pk(tenant, call))
            .await?;
        let (mut decision, mut near_miss, mut chunks) = (None::<CallDecision>, None, Vec::new());
        for item in items {
            match entity_of(&item) {
                Some(ENTITY_CALL_DECISION) => {
                    decision = Some(decode::<CallDecisionItem>(item)?.decision)
                }
                Some(ENTITY_NEAR_MISS) => near_miss = Some(decode::<NearMissItem>(item)?.near_miss),
                Some(ENTITY_NEAR_MISS_TRANSCRIPT) => {
                    chunks.push(decode::<TranscriptChunkItem>(item)?)
                }
                _ => {}
            }
        }
        let Some(decision) = decision else {
            return Ok(None);
        };
        Ok(Some(
            match (decision.decision, decision.lead_id, near_miss) {
                (DecisionKind::LeadCreated | DecisionKind::AttachedToLead, Some(id), _) => {
                    CallRecord::Lead(id)
                }
                (DecisionKind::NearMiss, _, Some(n)) if n.is_kept_at(now) => {
                    chunks.sort_by(|a, b| a.sk.cmp(&b.sk));
                    CallRecord::NearMiss {
                        near_miss: Box::new(n),
                        transcript: chunks.into_iter().flat_map(|c| c.segments).collect(),
                    }
                }
                _ => CallRecord::Other,
            },
        ))
    }

    async fn promote(&self, write: &LeadWrite) -> Result<(), StoreError> {
        let call = &write.call;
        let tenant = &write.lead.tenant_id;
        let call_pk = keys::call_marker_pk(tenant, &call.call_id);
        let mut items = self.lead_write_items(write, LeadCondition::Promoted)?;
        items.push(delete(
            &self.table,
            keys::near_miss_list_pk(tenant),
            keys::near_miss_list_sk(call.started_at, &call.call_id),
            None,
        )?);
        items.push(delete(
            &self.table,
            call_pk.clone(),
            keys::NEAR_MISS_SK.into(),
            None,
        )?);
        for chunk in 0..MAX_TRANSCRIPT_CHUNKS as u32 {
            items.push(delete(
                &self.table,
                call_pk.clone(),
                keys::near_miss_transcript_sk(chunk),
                None,
            )?);
        }
        // Item 0 is the call's decision, conditional on it still being a near miss.
        self.transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
    }
}

impl LearningStore for DynamoStore {
    async fn learning(&self, tenant: &TenantId) -> Result<(Learning, u64), StoreError> {
        match self
            .get_consistent(keys::business_pk(tenant), keys::LEARNING_SK)
            .await?
        {
            Some(item) => {
                let i = decode::<LearningItem>(item)?;
                Ok((i.learning, i.version))
            }
            None => Ok((Learning::default(), 0)),
        }
    }

    async fn counted_label(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<(Option<CountedLabel>, u64), StoreError> {
        match self
            .get_consistent(keys::lead_pk(tenant, lead), keys::LABEL_SK)
            .await?
        {
            Some(item) => {
                let i = decode::<LabelItem>(item)?;
                Ok((Some(i.counted), i.version))
            }
            None => Ok((None, 0)),
        }
    }

    async fn save_learning(&self, c: &LearningChange) -> Result<(), StoreError> {
        let business_pk = keys::business_pk(&c.tenant_id);
        let version = c.expected_version + 1;
        let adjustment = c.learning.adjustment();
        let mut items = vec![
            versioned_put(
                &self.table,
                encode(&LearningItem {
                    pk: business_pk.clone(),
                    sk: keys::LEARNING_SK.into(),
                    entity: ENTITY_LEARNING.into(),
                    version,
                    learning: c.learning.clone(),
                })?,
                c.expected_version,
            )?,
            // Derived from the learning, written with it: ingestion reads only this.
            put(
                &self.table,
                encode(&AdjustmentItem {
                    pk: business_pk,
                    sk: keys::ADJUSTMENT_SK.into(),
                    entity: ENTITY_ADJUSTMENT.into(),
                    version,
                    weights: adjustment.weights,
                    strong: adjustment.strong,
                })?,
                None,
            )?,
        ];
        if let Some(label) = &c.label {
            let pk = keys::lead_pk(&c.tenant_id, &label.lead_id);
            items.push(match &label.counted {
                Some(counted) => versioned_put(
                    &self.table,
                    encode(&LabelItem {
                        pk,
                        sk: keys::LABEL_SK.into(),
                        entity: ENTITY_LABEL.into(),
                        version: label.expected_version + 1,
                        counted: counted.clone(),
                    })?,
                    label.expected_version,
                )?,
                None => delete(
                    &self.table,
                    pk,
                    keys::LABEL_SK.into(),
                    Some(label.expected_version),
                )?,
            });
        }
        self.transact(items, ItemRole::Versioned, ItemRole::Versioned)
            .await
    }
}
