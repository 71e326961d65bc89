//! The report ports over the table (keys in `keys::report_pk`): each lead's counted figures
//! (its marker), a total per day, and the business's queue counts and CSRs' names.
//!
//! A day's counts are one binary attribute (`report_codec`), so a year is 366 small items. A
//! lead's change rewrites the totals it touches on condition of the revision it read (`rev`),
//! in one transaction with the lead's marker; the queue counts are `ADD`ed, and each CSR's
//! latest name sits beside them as `name/<user id>`. A rebuild's replacement of a total is
//! conditional on `rev` too.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::report_codec;
use super::{
    backend, build_failed, decode, encode, entity_of, is_condition_failure, s, DynamoStore, Item,
    ItemRole,
};
use crate::adapters::items::*;
use crate::adapters::keys;
use crate::domain::lead::Lead;
use crate::domain::report::{Counts, LeadFigures, QueueCounts, ReportDay, ReportNow, ReportRange};
use crate::domain::status::Tab;
use crate::domain::{LeadId, TenantId, UserId};
use crate::ports::{
    CountedLead, FiguresWrite, ReportRebuildStore, ReportStore, ReportedLead, StoreError,
    StoredTotals,
};

const NAME_PREFIX: &str = "name/";
const REV: &str = "rev";
const COUNTS: &str = "counts";

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn number(item: &Item, attr: &str) -> i64 {
    item.get(attr)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn rev_of(item: &Item) -> u64 {
    u64::try_from(number(item, REV)).unwrap_or(0)
}

/// A day total's counts.
fn decode_day(item: &Item) -> Result<Counts, StoreError> {
    match item.get(COUNTS) {
        Some(AttributeValue::B(blob)) => report_codec::decode(blob.as_ref())
            .map_err(|e| StoreError::Corrupt(format!("report day: {e}"))),
        _ => Ok(Counts::default()),
    }
}

fn day_of(item: &Item) -> Option<ReportDay> {
    let sk = item.get("sk")?.as_s().ok()?;
    ReportDay::parse("day", sk.strip_prefix(keys::REPORT_DAY_PREFIX)?).ok()
}

/// The queue counts and the CSRs' names.
fn decode_now(item: &Item) -> ReportNow {
    let mut now = ReportNow {
        queue: QueueCounts {
            open: number(item, "open"),
            cold: number(item, "cold"),
        },
        ..ReportNow::default()
    };
    for (attr, value) in item {
        if let (Some(user), Ok(name)) = (attr.strip_prefix(NAME_PREFIX), value.as_s()) {
            if let Ok(user) = UserId::parse("user_id", user) {
                now.names.insert(user, name.clone());
            }
        }
    }
    now
}

/// A day's total as a whole item, at revision `rev`.
fn day_item(tenant: &TenantId, day: ReportDay, counts: &Counts, rev: u64) -> Item {
    let mut item: Item = HashMap::new();
    item.insert("pk".into(), s(keys::report_pk(tenant)));
    item.insert("sk".into(), s(keys::report_day_sk(day)));
    item.insert("entity".into(), s(ENTITY_REPORT_DAY));
    item.insert("day".into(), s(day.to_string()));
    item.insert(REV.into(), AttributeValue::N(rev.to_string()));
    item.insert(
        COUNTS.into(),
        AttributeValue::B(Blob::new(report_codec::encode(counts))),
    );
    item
}

/// A put of a total, written only over revision `expected` (0: only if there is none).
fn put_over(
    table: &str,
    item: Item,
    expected: u64,
) -> aws_sdk_dynamodb::types::builders::PutBuilder {
    let put = Put::builder().table_name(table).set_item(Some(item));
    if expected == 0 {
        put.condition_expression("attribute_not_exists(pk)")
    } else {
        put.condition_expression("#rev = :rev")
            .expression_attribute_names("#rev", REV)
            .expression_attribute_values(":rev", AttributeValue::N(expected.to_string()))
    }
}

impl DynamoStore {
    /// A day's counts and revision, read consistently (zero and 0 when it has none).
    async fn day_total(
        &self,
        tenant: &TenantId,
        day: ReportDay,
    ) -> Result<(Counts, u64), StoreError> {
        match self
            .get_consistent(keys::report_pk(tenant), &keys::report_day_sk(day))
            .await?
        {
            Some(item) => Ok((decode_day(&item)?, rev_of(&item))),
            None => Ok((Counts::default(), 0)),
        }
    }
}

impl ReportStore for DynamoStore {
    async fn lead_for_report(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<ReportedLead>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :history AND :lead")
            .expression_attribute_values(":pk", s(keys::lead_pk(tenant, lead)))
            .expression_attribute_values(":history", s(keys::HISTORY_FIRST))
            .expression_attribute_values(":lead", s(keys::LEAD_SK))
            .consistent_read(true);
        let (mut found, mut history): (Option<(Lead, Tab)>, Vec<_>) = (None, Vec::new());
        for item in self.all_pages(q).await? {
            match entity_of(&item) {
                Some(ENTITY_LEAD) => {
                    let row = decode::<LeadItem>(item)?;
                    let tab = match keys::bucket_of_tab_partition(&row.gsi1pk) {
                        Some(keys::Bucket::Cold) => Tab::Cold,
                        Some(keys::Bucket::Done) => Tab::Done,
                        _ => Tab::Open,
                    };
                    found = Some((row.lead, tab));
                }
                Some(ENTITY_HISTORY) => history.push(decode::<HistoryItem>(item)?.entry),
                _ => {}
            }
        }
        Ok(found.map(|(lead, listed)| ReportedLead {
            lead,
            history,
            listed,
        }))
    }

    async fn counted(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<CountedLead>, StoreError> {
        self.get_consistent(keys::report_pk(tenant), &keys::report_lead_sk(lead))
            .await?
            .map(|item| {
                decode::<ReportLeadItem>(item).map(|r| CountedLead {
                    figures: r.figures,
                    version: r.version,
                })
            })
            .transpose()
    }

    async fn save_figures(&self, w: FiguresWrite<'_>) -> Result<(), StoreError> {
        let pk = keys::report_pk(w.tenant);
        let marker = encode(&ReportLeadItem {
            pk: pk.clone(),
            sk: keys::report_lead_sk(w.lead_id),
            entity: ENTITY_REPORT_LEAD.into(),
            lead_id: *w.lead_id,
            version: w.expected_version + 1,
            figures: w.figures.clone(),
        })?;
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(marker));
        put = if w.expected_version == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("version = :expected")
                .expression_attribute_values(
                    ":expected",
                    AttributeValue::N(w.expected_version.to_string()),
                )
        };
        // Item 0: its condition failing means another writer counted the lead first.
        let mut items = vec![TransactWriteItem::builder()
            .put(
                put.build()
                    .map_err(|e| build_failed("a report marker", e))?,
            )
            .build()];
        // Each day it touches: its total as read, plus the change, over that revision.
        for (day, delta) in &w.delta.days {
            let (mut counts, rev) = self.day_total(w.tenant, *day).await?;
            counts.add_all(delta, 1);
            let put = put_over(&self.table, day_item(w.tenant, *day, &counts, rev + 1), rev)
                .build()
                .map_err(|e| build_failed("a report day", e))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        // The queue counts, and the CSRs' latest names.
        if !w.delta.queue.is_zero() || !w.delta.names.is_empty() {
            let mut sets = vec!["entity = :entity".to_owned()];
            let mut update = Update::builder()
                .table_name(&self.table)
                .key("pk", s(pk))
                .key("sk", s(keys::REPORT_QUEUE_SK))
                .expression_attribute_names("#rev", REV)
                .expression_attribute_names("#open", "open")
                .expression_attribute_names("#cold", "cold")
                .expression_attribute_values(":entity", s(ENTITY_REPORT_QUEUE))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":open", n(w.delta.queue.open))
                .expression_attribute_values(":cold", n(w.delta.queue.cold));
            for (i, (user, name)) in w.delta.names.iter().enumerate() {
                sets.push(format!("#n{i} = :n{i}"));
                update = update
                    .expression_attribute_names(format!("#n{i}"), format!("{NAME_PREFIX}{user}"))
                    .expression_attribute_values(format!(":n{i}"), s(name.clone()));
            }
            let update = update
                .update_expression(format!(
                    "SET {} ADD #rev :one, #open :open, #cold :cold",
                    sets.join(", ")
                ))
                .build()
                .map_err(|e| build_failed("a report queue update", e))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        self.transact(items, ItemRole::Versioned, ItemRole::Versioned)
            .await
    }

    async fn report_days(
        &self,
        tenant: &TenantId,
        range: ReportRange,
    ) -> Result<Vec<(ReportDay, Counts)>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
            .expression_attribute_values(":from", s(keys::report_day_sk(range.from)))
            .expression_attribute_values(":to", s(keys::report_day_sk(range.to)));
        let mut days = Vec::new();
        for item in self.all_pages(q).await? {
            if let Some(day) = day_of(&item) {
                days.push((day, decode_day(&item)?));
            }
        }
        Ok(days)
    }

    async fn report_now(&self, tenant: &TenantId) -> Result<ReportNow, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::report_pk(tenant)))
            .key("sk", s(keys::REPORT_QUEUE_SK))
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item.as_ref().map(decode_now).unwrap_or_default())
    }
}

impl ReportRebuildStore for DynamoStore {
    async fn lead_ids(
        &self,
        tenant: &TenantId,
        after: Option<String>,
    ) -> Result<(Vec<LeadId>, Option<String>), StoreError> {
        // The position is `<tab>|<gsi1sk>|<lead pk>`: the ByTab partitions in turn.
        const TABS: [keys::Bucket; 3] =
            [keys::Bucket::Open, keys::Bucket::Cold, keys::Bucket::Done];
        let (mut tab, mut start) = (0usize, None);
        if let Some(a) = &after {
            let mut parts = a.splitn(3, '|');
            tab = parts
                .next()
                .and_then(|t| t.parse().ok())
                .ok_or(StoreError::BadCursor)?;
            if let (Some(sk), Some(pk)) = (parts.next(), parts.next()) {
                let mut key: Item = HashMap::new();
                key.insert(
                    "gsi1pk".into(),
                    s(keys::tab_partition(
                        tenant,
                        *TABS.get(tab).ok_or(StoreError::BadCursor)?,
                    )),
                );
                key.insert("gsi1sk".into(), s(sk));
                key.insert("pk".into(), s(pk));
                key.insert("sk".into(), s(keys::LEAD_SK));
                start = Some(key);
            }
        }
        while let Some(bucket) = TABS.get(tab) {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_BY_TAB)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::tab_partition(tenant, *bucket)))
                .projection_expression("pk, gsi1sk")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            let ids: Vec<LeadId> = out
                .items()
                .iter()
                .filter_map(|i| {
                    let pk = i.get("pk")?.as_s().ok()?;
                    LeadId::parse("lead_id", pk.rsplit_once("#LEAD#")?.1).ok()
                })
                .collect();
            let next = match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => {
                    let get = |a: &str| {
                        k.get(a)
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default()
                    };
                    Some(format!("{tab}|{}|{}", get("gsi1sk"), get("pk")))
                }
                _ => (tab + 1 < TABS.len()).then(|| (tab + 1).to_string()),
            };
            if !ids.is_empty() || next.is_none() {
                return Ok((ids, next));
            }
            tab += 1;
        }
        Ok((Vec::new(), None))
    }

    async fn all_counted(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(LeadId, LeadFigures)>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :lead)")
            .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
            .expression_attribute_values(":lead", s(keys::REPORT_LEAD_PREFIX))
            .consistent_read(true);
        self.all_pages(q)
            .await?
            .into_iter()
            .map(|item| decode::<ReportLeadItem>(item).map(|r| (r.lead_id, r.figures)))
            .collect()
    }

    async fn stored_totals(&self, tenant: &TenantId) -> Result<StoredTotals, StoreError> {
        let days = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :day)")
            .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
            .expression_attribute_values(":day", s(keys::REPORT_DAY_PREFIX))
            .consistent_read(true);
        let mut totals = StoredTotals::default();
        for item in self.all_pages(days).await? {
            if let Some(day) = day_of(&item) {
                totals.days.push((day, decode_day(&item)?, rev_of(&item)));
            }
        }
        if let Some(item) = self
            .get_consistent(keys::report_pk(tenant), keys::REPORT_QUEUE_SK)
            .await?
        {
            totals.queue = (decode_now(&item).queue, rev_of(&item));
        }
        Ok(totals)
    }

    async fn replace_day(
        &self,
        tenant: &TenantId,
        day: ReportDay,
        counts: &Counts,
        expected: u64,
    ) -> Result<(), StoreError> {
        let item = day_item(tenant, day, counts, expected + 1);
        let put = put_over(&self.table, item, expected);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(put.get_item().clone())
            .set_condition_expression(put.get_condition_expression().clone())
            .set_expression_attribute_names(put.get_expression_attribute_names().clone())
            .set_expression_attribute_values(put.get_expression_attribute_values().clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::VersionConflict),
            Err(e) => Err(backend(e)),
        }
    }

    /// Sets the counts (the names stay) over revision `expected`.
    async fn replace_queue(
        &self,
        tenant: &TenantId,
        queue: QueueCounts,
        expected: u64,
    ) -> Result<(), StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::report_pk(tenant)))
            .key("sk", s(keys::REPORT_QUEUE_SK))
            .update_expression("SET entity = :entity, #open = :open, #cold = :cold, #rev = :next")
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#cold", "cold")
            .expression_attribute_names("#rev", REV)
            .expression_attribute_values(":entity", s(ENTITY_REPORT_QUEUE))
            .expression_attribute_values(":open", n(queue.open))
            .expression_attribute_values(":cold", n(queue.cold))
            .expression_attribute_values(":next", AttributeValue::N((expected + 1).to_string()));
        update = if expected == 0 {
            update.condition_expression("attribute_not_exists(pk)")
        } else {
            update
                .condition_expression("#rev = :rev")
                .expression_attribute_values(":rev", AttributeValue::N(expected.to_string()))
        };
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::VersionConflict),
            Err(e) => Err(backend(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{Counter, CsrCounter};

    #[test]
    fn a_day_total_and_the_names_read_back_as_written() {
        let tenant = TenantId::parse("t", "t-1").unwrap();
        let day = ReportDay::parse("day", "2026-11-01").unwrap();
        let user = UserId::parse("sub", "u-7").unwrap();
        let counts = Counts::from_iter([
            (Counter::Flagged, 3),
            (Counter::Csr(user.clone(), CsrCounter::Actions), 5),
        ]);
        let item = day_item(&tenant, day, &counts, 4);
        assert_eq!(day_of(&item), Some(day));
        assert_eq!(decode_day(&item).unwrap(), counts);
        assert_eq!(rev_of(&item), 4);
        let mut now: Item = HashMap::new();
        now.insert("open".into(), n(3));
        now.insert(format!("{NAME_PREFIX}u-7"), s("Sam"));
        let read = decode_now(&now);
        assert_eq!(read.queue, QueueCounts { open: 3, cold: 0 });
        assert_eq!(read.names[&user], "Sam");
    }
}
