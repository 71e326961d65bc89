//! The report ports over the table (keys in `keys::report_pk`): each lead's counted figures
//! (its marker), a month of day totals per item, and the business's queue counts and CSRs'
//! names.
//!
//! A month's day totals are one binary attribute (`report_codec`), so a year is 13 small items
//! and one Query. A lead's change rewrites the month it touches on condition of the revision it
//! read (`rev`), in one transaction with the lead's marker; the queue counts are `ADD`ed, and
//! each CSR's latest name sits beside them as `name/<user id>`. A rebuild's repair writes each
//! item over the revision it read, too (`rebuild`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::report_codec::{self, MonthCounts};
use super::{
    backend, build_failed, decode, encode, entity_of, is_condition_failure, s, DynamoStore, Item,
    ItemRole,
};
use crate::items::*;
use crate::keys;
use scl_core::ports::Repaired;
use scl_core::ports::{
    CountedLead, FiguresWrite, ReportRebuildStore, ReportStore, ReportedLead, StoreError,
    StoredTotals,
};
use scl_domain::lead::Lead;
use scl_domain::report::{Counts, LeadFigures, QueueCounts, ReportDay, ReportNow, ReportRange};
use scl_domain::status::Tab;
use scl_domain::{LeadId, TenantId, UserId};

mod rebuild;

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

/// A wrap-up month item's days and their counts (`d01`..`d31`).
fn decode_wrap_up_month(item: &Item) -> Vec<(ReportDay, i64)> {
    let Some(month) = item
        .get("sk")
        .and_then(|v| v.as_s().ok())
        .and_then(|sk| sk.strip_prefix(keys::REPORT_WRAP_UP_PREFIX))
    else {
        return Vec::new();
    };
    (1..=31)
        .filter_map(|d| {
            let count = number(item, &format!("d{d:02}"));
            let day = ReportDay::parse("day", &format!("{month}-{d:02}")).ok()?;
            (count != 0).then_some((day, count))
        })
        .collect()
}

/// A month item's days and their counts.
fn decode_month(item: &Item) -> Result<Vec<(ReportDay, Counts)>, StoreError> {
    let Some(month) = item
        .get("sk")
        .and_then(|v| v.as_s().ok())
        .and_then(|sk| sk.strip_prefix(keys::REPORT_MONTH_PREFIX))
    else {
        return Ok(Vec::new());
    };
    let days = match item.get(COUNTS) {
        Some(AttributeValue::B(blob)) => report_codec::decode(blob.as_ref())
            .map_err(|e| StoreError::Corrupt(format!("report month {month}: {e}")))?,
        _ => MonthCounts::new(),
    };
    days.into_iter()
        .map(|(d, counts)| {
            ReportDay::parse("day", &format!("{month}-{d:02}"))
                .map(|day| (day, counts))
                .map_err(|_| StoreError::Corrupt(format!("report month {month}: day {d}")))
        })
        .collect()
}

/// The day of the month of `day`, as a month item keys it.
fn day_of_month(day: ReportDay) -> u8 {
    use chrono::Datelike;
    day.date().day() as u8
}

/// The queue counts and the CSRs' names.
fn decode_now(item: &Item) -> ReportNow {
    let mut now = ReportNow {
        queue: QueueCounts {
            open: number(item, "open"),
            cold: number(item, "cold"),
            done: number(item, "done"),
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

/// A month's totals as a whole item (the month of `sk`), at revision `rev`.
fn month_item(tenant: &TenantId, sk: &str, month: &MonthCounts, rev: u64) -> Item {
    let mut item: Item = HashMap::new();
    item.insert("pk".into(), s(keys::report_pk(tenant)));
    item.insert("sk".into(), s(sk));
    item.insert("entity".into(), s(ENTITY_REPORT_MONTH));
    item.insert(REV.into(), AttributeValue::N(rev.to_string()));
    item.insert(
        COUNTS.into(),
        AttributeValue::B(Blob::new(report_codec::encode(month))),
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
    /// A month item's days (by day of the month) and revision, read consistently (none and
    /// 0 when it does not exist).
    async fn month_total(
        &self,
        tenant: &TenantId,
        sk: &str,
    ) -> Result<(MonthCounts, u64), StoreError> {
        match self.get_consistent(keys::report_pk(tenant), sk).await? {
            Some(item) => {
                let days = decode_month(&item)?
                    .into_iter()
                    .map(|(day, counts)| (day_of_month(day), counts))
                    .collect();
                Ok((days, rev_of(&item)))
            }
            None => Ok((MonthCounts::new(), 0)),
        }
    }

    /// `item` put on its own (not in a transaction) over revision `expected`, with the same
    /// condition a transaction's `put_over` carries.
    async fn put_at_revision(&self, item: Item, expected: u64) -> Result<(), StoreError> {
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
        // Each month it touches: its days as read, plus the change, over that revision.
        let mut months: BTreeMap<String, Vec<(ReportDay, &Counts)>> = BTreeMap::new();
        for (day, delta) in &w.delta.days {
            months
                .entry(keys::report_month_sk(*day))
                .or_default()
                .push((*day, delta));
        }
        for (sk, deltas) in months {
            let (mut days, rev) = self.month_total(w.tenant, &sk).await?;
            for (day, delta) in deltas {
                let counts = days.entry(day_of_month(day)).or_default();
                counts.add_all(delta, 1);
            }
            days.retain(|_, c| !c.is_empty());
            let put = put_over(&self.table, month_item(w.tenant, &sk, &days, rev + 1), rev)
                .build()
                .map_err(|e| build_failed("a report month", e))?;
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
                .expression_attribute_names("#done", "done")
                .expression_attribute_values(":entity", s(ENTITY_REPORT_QUEUE))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":open", n(w.delta.queue.open))
                .expression_attribute_values(":cold", n(w.delta.queue.cold))
                .expression_attribute_values(":done", n(w.delta.queue.done));
            for (i, (user, name)) in w.delta.names.iter().enumerate() {
                sets.push(format!("#n{i} = :n{i}"));
                update = update
                    .expression_attribute_names(format!("#n{i}"), format!("{NAME_PREFIX}{user}"))
                    .expression_attribute_values(format!(":n{i}"), s(name.clone()));
            }
            let update = update
                .update_expression(format!(
                    "SET {} ADD #rev :one, #open :open, #cold :cold, #done :done",
                    sets.join(", ")
                ))
                .build()
                .map_err(|e| build_failed("a report queue update", e))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        self.transact(items, ItemRole::Versioned, ItemRole::Versioned)
            .await
    }

    async fn count_wrap_up(
        &self,
        tenant: &TenantId,
        call: &scl_domain::CallId,
        day: ReportDay,
    ) -> Result<(), StoreError> {
        let pk = keys::report_pk(tenant);
        let marker = Put::builder()
            .table_name(&self.table)
            .item("pk", s(pk.clone()))
            .item("sk", s(keys::report_wrap_up_call_sk(call)))
            .item("entity", s(ENTITY_REPORT_WRAP_UP_CALL))
            // A stream record is redelivered for at most a day.
            .item(
                "expires_at",
                n((scl_domain::lead::now_millis() + chrono::Duration::days(2)).timestamp()),
            )
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| build_failed("a transaction item", e))?;
        let add = Update::builder()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(keys::report_wrap_up_month_sk(day)))
            .update_expression("SET entity = :entity ADD #day :one")
            .expression_attribute_names("#day", keys::report_wrap_up_day_attr(day))
            .expression_attribute_values(":entity", s(ENTITY_REPORT_WRAP_UP))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(|e| build_failed("a transaction item", e))?;
        let items = vec![
            TransactWriteItem::builder().put(marker).build(),
            TransactWriteItem::builder().update(add).build(),
        ];
        match self
            .transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
        {
            Err(StoreError::AlreadyProcessed) => Ok(()),
            other => other,
        }
    }

    async fn report_days(
        &self,
        tenant: &TenantId,
        range: ReportRange,
    ) -> Result<Vec<(ReportDay, Counts)>, StoreError> {
        let months = |from: String, to: String| {
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
                .expression_attribute_values(":from", s(from))
                .expression_attribute_values(":to", s(to))
        };
        // The lead totals and the wrap-up counts of the period's months, read together.
        let (totals, wrap_ups) = futures_util::future::try_join(
            self.all_pages(months(
                keys::report_month_sk(range.from),
                keys::report_month_sk(range.to),
            )),
            self.all_pages(months(
                keys::report_wrap_up_month_sk(range.from),
                keys::report_wrap_up_month_sk(range.to),
            )),
        )
        .await?;
        let mut days: BTreeMap<ReportDay, Counts> = BTreeMap::new();
        for item in &totals {
            days.extend(decode_month(item)?);
        }
        for item in &wrap_ups {
            for (day, count) in decode_wrap_up_month(item) {
                let mut c = Counts::default();
                c.add(scl_domain::report::Counter::BookedDuringWrapUp, count);
                days.entry(day).or_default().add_all(&c, 1);
            }
        }
        Ok(days
            .into_iter()
            .filter(|(day, _)| *day >= range.from && *day <= range.to)
            .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use scl_domain::report::{Counter, CsrCounter};

    #[test]
    fn a_month_of_totals_and_the_names_read_back_as_written() {
        let tenant = TenantId::parse("t", "t-1").unwrap();
        let day = ReportDay::parse("day", "2026-11-05").unwrap();
        let user = UserId::parse("sub", "u-7").unwrap();
        let counts = Counts::from_iter([
            (Counter::Flagged, 3),
            (Counter::Csr(user.clone(), CsrCounter::Actions), 5),
        ]);
        let sk = keys::report_month_sk(day);
        assert_eq!(sk, "MONTH#2026-11");
        let month: MonthCounts = [(day_of_month(day), counts.clone())].into_iter().collect();
        let item = month_item(&tenant, &sk, &month, 4);
        assert_eq!(decode_month(&item).unwrap(), vec![(day, counts)]);
        assert_eq!(rev_of(&item), 4);
        let mut now: Item = HashMap::new();
        now.insert("open".into(), n(3));
        now.insert(format!("{NAME_PREFIX}u-7"), s("Sam"));
        let read = decode_now(&now);
        assert_eq!(
            read.queue,
            QueueCounts {
                open: 3,
                cold: 0,
                done: 0
            }
        );
        assert_eq!(read.names[&user], "Sam");
    }
}
