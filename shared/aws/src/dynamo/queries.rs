//! `LeadQueries`: the queue pages (about a page of items read each, whatever the backlog;
//! docs/data-model.md, The Cold tab) and a lead's detail (one Query).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use chrono::{DateTime, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{ColdSweep, LeadQueries, StoreError};
use scl_core::query::{LeadPage, ListRequest, PageCursor};
use scl_domain::lead::{Lead, LeadDetail, Transcript};
use scl_domain::status::Tab;
use scl_domain::{LeadId, TenantId};

/// How many Query requests one Open page may take while it skips leads that turned Cold but
/// were not moved yet (normally none; only if the sweep has been down a long time is the
/// page cut short, with a cursor to go on).
const MAX_OPEN_PAGE_READS: usize = 8;

/// The index partition one list is read from.
struct ListPartition<'a> {
    index: &'static str,
    pk_attr: &'static str,
    sk_attr: &'static str,
    partition: String,
    tenant: &'a TenantId,
}

impl LeadQueries for DynamoStore {
    async fn list_leads(
        &self,
        tenant: &TenantId,
        request: &ListRequest,
        now: DateTime<Utc>,
    ) -> Result<LeadPage, StoreError> {
        // Each tab (and each status within it) has its own index partition, so a page reads
        // about a page of items whatever the backlog. A status filter reads that status's
        // partition; otherwise the tab's.
        let bucket = keys::Bucket::of_tab(request.tab);
        let list_partition = match request.status {
            Some(st) => ListPartition {
                index: keys::INDEX_BY_STATUS,
                pk_attr: "gsi2pk",
                sk_attr: "gsi2sk",
                partition: keys::status_partition(tenant, st, bucket),
                tenant,
            },
            None => ListPartition {
                index: keys::INDEX_BY_TAB,
                pk_attr: "gsi1pk",
                sk_attr: "gsi1sk",
                partition: keys::tab_partition(tenant, bucket),
                tenant,
            },
        };
        let after = match &request.after {
            Some(cursor) => Some(
                keys::lead_of_call_order_sk(&cursor.after)
                    .filter(|_| keys::is_call_order_sk(&cursor.after))
                    .map(|lead| (cursor.after.clone(), lead))
                    .ok_or(StoreError::BadCursor)?,
            ),
            None => None,
        };
        let want = request.limit as usize + 1; // one more, to know whether a next page exists
        let mut read_units = 0.0;
        let (mut rows, resume) = match request.tab {
            Tab::Done => {
                self.read_list(&list_partition, after, want, None, &mut read_units)
                    .await?
            }
            // A lead past its cold time stays in the Open partition until the sweep moves it
            // (within a minute); the filter keeps it off the Open tab from its exact moment.
            Tab::Open => {
                self.read_list(&list_partition, after, want, Some(now), &mut read_units)
                    .await?
            }
            // The Cold partition, plus the leads that turned Cold but were not moved yet.
            // The two reads are independent: made at once, a Cold page waits for one round
            // trip, not two (BENCHMARKS.md, The queue at 10,000 leads).
            Tab::Cold => {
                let position = after.as_ref().map(|(sk, _)| sk.as_str());
                let (mut cold_units, mut due_units) = (0.0, 0.0);
                let ((mut rows, resume), due) = futures_util::future::try_join(
                    self.read_list(&list_partition, after.clone(), want, None, &mut cold_units),
                    self.due_leads(tenant, request.status, position, now, &mut due_units),
                )
                .await?;
                read_units += cold_units + due_units;
                rows.extend(due);
                // A lead moved meanwhile can come from both reads: keep it once.
                let mut seen = std::collections::HashSet::new();
                rows.retain(|r| seen.insert(r.pk.clone()));
                rows.sort_by(|a, b| b.gsi1sk.cmp(&a.gsi1sk));
                (rows, resume)
            }
        };
        let list = ListRequest::list_name(request.tab, request.status);
        let cursor_at = |sk: String| PageCursor {
            list: list.clone(),
            after: sk,
        };
        let next = if rows.len() >= want {
            rows.truncate(want - 1);
            rows.last().map(|r| cursor_at(r.gsi1sk.clone()))
        } else {
            resume.map(cursor_at)
        };
        Ok(LeadPage {
            items: rows.into_iter().map(|r| r.lead).collect(),
            next,
            read_units,
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

impl DynamoStore {
    /// Up to `want` leads of one list partition after `after`, newest call first. With
    /// `open_at`, only leads still Open at that moment (not yet at their cold time); then more
    /// than one request may be needed, and if the reads run out first the position reached is
    /// returned to resume from.
    async fn read_list(
        &self,
        list: &ListPartition<'_>,
        after: Option<(String, LeadId)>,
        want: usize,
        open_at: Option<DateTime<Utc>>,
        read_units: &mut f64,
    ) -> Result<(Vec<LeadRow>, Option<String>), StoreError> {
        let mut rows: Vec<LeadRow> = Vec::with_capacity(want);
        let mut start = after.map(|(position, lead)| {
            std::collections::HashMap::from([
                ("pk".to_owned(), s(keys::lead_pk(list.tenant, &lead))),
                ("sk".to_owned(), s(keys::LEAD_SK)),
                (list.pk_attr.to_owned(), s(list.partition.clone())),
                (list.sk_attr.to_owned(), s(position)),
            ])
        });
        for _ in 0..MAX_OPEN_PAGE_READS {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(list.index)
                .key_condition_expression(format!("{} = :pk", list.pk_attr))
                .expression_attribute_values(":pk", s(list.partition.clone()))
                .scan_index_forward(false)
                // DynamoDB applies Limit before the filter: ask for what is missing.
                .limit((want - rows.len()) as i32)
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total);
            q = project_lead_row(q);
            if let Some(now) = open_at {
                q = q
                    .filter_expression("cold_at > :now")
                    .expression_attribute_values(":now", s(keys::sortable_time(now)));
            }
            let out = q.send().await.map_err(backend)?;
            *read_units += capacity_units(out.consumed_capacity.as_ref());
            for item in out.items.unwrap_or_default() {
                rows.push(decode::<LeadRow>(item)?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() && rows.len() < want => start = Some(k),
                _ => return Ok((rows, None)),
            }
        }
        let resume = start
            .as_ref()
            .and_then(|k| k.get(list.sk_attr))
            .and_then(|v| v.as_s().ok())
            .cloned();
        Ok((rows, resume))
    }

    /// The tenant's leads that reached their cold time but are still kept in Open (the sweep
    /// has not moved them yet: normally none, at most a minute's worth), after `position`.
    async fn due_leads(
        &self,
        tenant: &TenantId,
        status: Option<scl_domain::status::LeadStatus>,
        position: Option<&str>,
        now: DateTime<Utc>,
        read_units: &mut f64,
    ) -> Result<Vec<LeadRow>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::INDEX_COLD_DUE)
            .key_condition_expression("gsi4pk = :pk AND gsi4sk <= :due")
            .expression_attribute_values(":pk", s(keys::cold_due_partition_of(tenant)))
            .expression_attribute_values(":due", s(keys::due_upto(now)))
            .expression_attribute_values(":tenant", s(tenant.to_string()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        q = project_lead_row(q);
        q = match status {
            Some(st) => q
                .filter_expression("tenant_id = :tenant AND #status = :status")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(st.api_value())),
            None => q.filter_expression("tenant_id = :tenant"),
        };
        let mut due = Vec::new();
        let (items, units) = self.all_pages_costed(q).await?;
        *read_units += units;
        for item in items {
            let row = decode::<LeadRow>(item)?;
            // The index is eventually consistent: keep only what the lead itself says.
            let before = position.is_none_or(|p| row.gsi1sk.as_str() < p);
            if before && row.lead.tab(now) == Tab::Cold {
                due.push(row);
            }
        }
        Ok(due)
    }
}

impl ColdSweep for DynamoStore {
    async fn move_due_to_cold(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut moved = 0;
        for n in 0..keys::COLD_DUE_PARTITIONS {
            let q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_COLD_DUE)
                .key_condition_expression("gsi4pk = :pk AND gsi4sk <= :due")
                .expression_attribute_values(":pk", s(keys::cold_due_partition(n)))
                .expression_attribute_values(":due", s(keys::due_upto(now)));
            for item in self.all_pages(q).await? {
                let row = decode::<LeadItem>(item)?;
                if row.lead.tab(now) != Tab::Cold {
                    continue; // the index lags a change that made the lead Open again
                }
                let cold = keys::Bucket::Cold;
                let tenant = &row.lead.tenant_id;
                let update = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(row.pk.clone()))
                    .key("sk", s(row.sk.clone()))
                    .update_expression("SET gsi1pk = :tab, gsi2pk = :status REMOVE gsi4pk, gsi4sk")
                    // Only the lead as read: a change since (a CSR action, a new call, a new
                    // cold time) placed it itself.
                    .condition_expression("gsi4sk = :seen AND version = :v")
                    .expression_attribute_values(":tab", s(keys::tab_partition(tenant, cold)))
                    .expression_attribute_values(
                        ":status",
                        s(keys::status_partition(tenant, row.lead.status, cold)),
                    )
                    .expression_attribute_values(":seen", s(row.gsi4sk.clone().unwrap_or_default()))
                    .expression_attribute_values(":v", AttributeValue::N(row.version.to_string()))
                    .send()
                    .await;
                match update {
                    Ok(_) => moved += 1,
                    Err(e) if is_condition_failure(&e) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
        }
        Ok(moved)
    }
}

/// Reads only a `LeadRow`'s attributes (by name: `lead` and the keys may be reserved words).
fn project_lead_row(q: QueryFluentBuilder) -> QueryFluentBuilder {
    let mut q = q;
    let mut names = Vec::with_capacity(LEAD_ROW_ATTRIBUTES.len());
    for (i, attr) in LEAD_ROW_ATTRIBUTES.iter().enumerate() {
        let name = format!("#row{i}");
        q = q.expression_attribute_names(&name, *attr);
        names.push(name);
    }
    q.projection_expression(names.join(", "))
}
