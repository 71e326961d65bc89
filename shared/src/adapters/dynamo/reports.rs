//! The report ports over the table (keys in `keys::report_pk`): each lead's counted figures,
//! and the day and queue totals, whose counts are top-level number attributes named by the
//! counter's key (`flagged`, `status/not_a_lead`, `csr_actions/u-7`), so a lead's change adds
//! to them with one `ADD` per counter, never reading them, and CSRs' names sit beside them as
//! `name/<user id>`. Every write of a total adds 1 to its `rev`, which a rebuild's
//! replacement is conditional on.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::{
    backend, build_failed, decode, encode, entity_of, is_condition_failure, s, DynamoStore, Item,
    ItemRole,
};
use crate::adapters::items::*;
use crate::adapters::keys;
use crate::domain::lead::Lead;
use crate::domain::report::{
    Counter, DayFigures, LeadFigures, QueueCounts, ReportDay, ReportRange,
};
use crate::domain::status::Tab;
use crate::domain::{LeadId, TenantId, UserId};
use crate::ports::{
    CountedLead, FiguresWrite, ReportRebuildStore, ReportStore, ReportedLead, StoreError,
    StoredTotals,
};

const NAME_PREFIX: &str = "name/";
const REV: &str = "rev";
/// The attributes of a total that are not counts.
const FIXED: [&str; 5] = ["pk", "sk", "entity", "day", REV];

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn number(item: &Item, attr: &str) -> i64 {
    item.get(attr)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A day's total as stored: counts and names; attributes no counter names are left alone.
fn decode_day(item: &Item) -> DayFigures {
    let mut figures = DayFigures::default();
    for (attr, value) in item {
        if FIXED.contains(&attr.as_str()) {
            continue;
        }
        if let Some(user) = attr.strip_prefix(NAME_PREFIX) {
            if let (Ok(user), Ok(name)) = (UserId::parse("user_id", user), value.as_s()) {
                figures.names.insert(user, name.clone());
            }
        } else if let (Some(counter), Ok(v)) = (Counter::from_key(attr), value.as_n()) {
            figures.counts.add(counter, v.parse().unwrap_or(0));
        }
    }
    figures
}

fn day_of(item: &Item) -> Option<ReportDay> {
    let sk = item.get("sk")?.as_s().ok()?;
    ReportDay::parse("day", sk.strip_prefix(keys::REPORT_DAY_PREFIX)?).ok()
}

fn decode_queue(item: &Item) -> QueueCounts {
    QueueCounts {
        open: number(item, "open"),
        cold: number(item, "cold"),
    }
}

/// `ADD` of each count (and 1 to `rev`), `SET` of the item's identity and of each name.
struct AddExpression {
    adds: Vec<String>,
    sets: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl AddExpression {
    fn new(entity: &str) -> Self {
        let mut e = AddExpression {
            adds: vec!["#rev :one".into()],
            sets: vec!["entity = :entity".into()],
            names: HashMap::new(),
            values: HashMap::new(),
        };
        e.names.insert("#rev".into(), REV.into());
        e.values.insert(":one".into(), n(1));
        e.values.insert(":entity".into(), s(entity));
        e
    }

    fn add(&mut self, attr: String, by: i64) {
        let i = self.names.len();
        self.adds.push(format!("#a{i} :a{i}"));
        self.names.insert(format!("#a{i}"), attr);
        self.values.insert(format!(":a{i}"), n(by));
    }

    fn set(&mut self, attr: String, value: AttributeValue) {
        let i = self.names.len();
        self.sets.push(format!("#a{i} = :a{i}"));
        self.names.insert(format!("#a{i}"), attr);
        self.values.insert(format!(":a{i}"), value);
    }

    fn into_update(
        self,
        table: &str,
        pk: String,
        sk: String,
    ) -> Result<TransactWriteItem, StoreError> {
        let expression = format!("SET {} ADD {}", self.sets.join(", "), self.adds.join(", "));
        let update = Update::builder()
            .table_name(table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression(expression)
            .set_expression_attribute_names(Some(self.names))
            .set_expression_attribute_values(Some(self.values))
            .build()
            .map_err(|e| build_failed("a report update", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// A total as a whole item (a rebuild's replacement), with its next revision.
fn day_item(tenant: &TenantId, day: ReportDay, figures: &DayFigures, rev: u64) -> Item {
    let mut item: Item = HashMap::new();
    item.insert("pk".into(), s(keys::report_pk(tenant)));
    item.insert("sk".into(), s(keys::report_day_sk(day)));
    item.insert("entity".into(), s(ENTITY_REPORT_DAY));
    item.insert("day".into(), s(day.to_string()));
    item.insert(REV.into(), AttributeValue::N(rev.to_string()));
    for (counter, v) in figures.counts.iter() {
        item.insert(counter.key(), n(v));
    }
    for (user, name) in &figures.names {
        item.insert(format!("{NAME_PREFIX}{user}"), s(name.clone()));
    }
    item
}

impl DynamoStore {
    /// Puts `item` if its `rev` is still `expected` (0: if it does not exist).
    async fn replace_total(&self, item: Item, expected: u64) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        put = if expected == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("#rev = :rev")
                .expression_attribute_names("#rev", REV)
                .expression_attribute_values(":rev", AttributeValue::N(expected.to_string()))
        };
        match put.send().await {
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
        // Each day's counts, and the names on the lead's day.
        let mut days: BTreeMap<ReportDay, AddExpression> = BTreeMap::new();
        for (day, counts) in &w.delta.days {
            let e = days
                .entry(*day)
                .or_insert_with(|| AddExpression::new(ENTITY_REPORT_DAY));
            for (counter, by) in counts.iter() {
                e.add(counter.key(), by);
            }
        }
        if !w.delta.names.is_empty() {
            let e = days
                .entry(w.figures.day)
                .or_insert_with(|| AddExpression::new(ENTITY_REPORT_DAY));
            for (user, name) in &w.delta.names {
                e.set(format!("{NAME_PREFIX}{user}"), s(name.clone()));
            }
        }
        for (day, mut e) in days {
            e.set("day".into(), s(day.to_string()));
            items.push(e.into_update(&self.table, pk.clone(), keys::report_day_sk(day))?);
        }
        if !w.delta.queue.is_zero() {
            let mut e = AddExpression::new(ENTITY_REPORT_QUEUE);
            e.add("open".into(), w.delta.queue.open);
            e.add("cold".into(), w.delta.queue.cold);
            items.push(e.into_update(&self.table, pk, keys::REPORT_QUEUE_SK.into())?);
        }
        self.transact(items, ItemRole::Versioned, ItemRole::Versioned)
            .await
    }

    async fn report_days(
        &self,
        tenant: &TenantId,
        range: ReportRange,
    ) -> Result<Vec<(ReportDay, DayFigures)>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
            .expression_attribute_values(":from", s(keys::report_day_sk(range.from)))
            .expression_attribute_values(":to", s(keys::report_day_sk(range.to)));
        Ok(self
            .all_pages(q)
            .await?
            .iter()
            .filter_map(|item| Some((day_of(item)?, decode_day(item))))
            .collect())
    }

    async fn queue_counts(&self, tenant: &TenantId) -> Result<QueueCounts, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::report_pk(tenant)))
            .key("sk", s(keys::REPORT_QUEUE_SK))
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item.as_ref().map(decode_queue).unwrap_or_default())
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
        // `DAY#...` then `LEAD#...` then `QUEUE`: the days and the queue, without the markers.
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
                let rev = u64::try_from(number(&item, REV)).unwrap_or(0);
                totals.days.push((day, decode_day(&item), rev));
            }
        }
        if let Some(item) = self
            .get_consistent(keys::report_pk(tenant), keys::REPORT_QUEUE_SK)
            .await?
        {
            totals.queue = (
                decode_queue(&item),
                u64::try_from(number(&item, REV)).unwrap_or(0),
            );
        }
        Ok(totals)
    }

    async fn replace_day(
        &self,
        tenant: &TenantId,
        day: ReportDay,
        figures: &DayFigures,
        expected: u64,
    ) -> Result<(), StoreError> {
        self.replace_total(day_item(tenant, day, figures, expected + 1), expected)
            .await
    }

    async fn replace_queue(
        &self,
        tenant: &TenantId,
        queue: QueueCounts,
        expected: u64,
    ) -> Result<(), StoreError> {
        let mut item: Item = HashMap::new();
        item.insert("pk".into(), s(keys::report_pk(tenant)));
        item.insert("sk".into(), s(keys::REPORT_QUEUE_SK));
        item.insert("entity".into(), s(ENTITY_REPORT_QUEUE));
        item.insert(REV.into(), AttributeValue::N((expected + 1).to_string()));
        item.insert("open".into(), n(queue.open));
        item.insert("cold".into(), n(queue.cold));
        self.replace_total(item, expected).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::Counts;

    #[test]
    fn a_day_total_reads_back_as_written_and_ignores_what_it_does_not_know() {
        let tenant = TenantId::parse("t", "t-1").unwrap();
        let day = ReportDay::parse("day", "2026-11-01").unwrap();
        let user = UserId::parse("sub", "u-7").unwrap();
        let figures = DayFigures {
            counts: Counts::from_iter([
                (Counter::Flagged, 3),
                (
                    Counter::Csr(user.clone(), crate::domain::report::CsrCounter::Actions),
                    5,
                ),
            ]),
            names: [(user, "Sam".to_owned())].into_iter().collect(),
        };
        let mut item = day_item(&tenant, day, &figures, 4);
        item.insert("some_future_counter".into(), n(9));
        assert_eq!(day_of(&item), Some(day));
        assert_eq!(decode_day(&item), figures);
        assert_eq!(number(&item, REV), 4);
    }
}
