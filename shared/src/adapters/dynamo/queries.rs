//! `LeadQueries`: the queue pages and a lead's detail, one request each.

use chrono::{DateTime, Utc};

use super::*;
use crate::adapters::keys;
use crate::domain::lead::{Lead, LeadDetail, Transcript};
use crate::domain::status::Coldness;
use crate::domain::{LeadId, TenantId};
use crate::ports::{LeadQueries, StoreError};
use crate::query::{LeadPage, ListRequest, PageCursor};

impl LeadQueries for DynamoStore {
    async fn list_leads(
        &self,
        tenant: &TenantId,
        request: &ListRequest,
        now: DateTime<Utc>,
    ) -> Result<LeadPage, StoreError> {
        // A status filter reads that status's partition; otherwise the tab's partition.
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
                keys::partition_of_tab(tenant, request.tab),
            ),
        };
        // Open and Cold share a partition; `cold_at` (denormalised on every write) splits them
        // at read time, so a lead is in exactly one of them at every moment.
        let filter = request.tab.coldness().map(|c| match c {
            Coldness::NotYetCold => "cold_at > :now",
            Coldness::Cold => "cold_at <= :now",
        });
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
            let lead = keys::lead_of_call_order_sk(&after.after)
                .filter(|_| keys::is_call_order_sk(&after.after))
                .ok_or(StoreError::BadCursor)?;
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
