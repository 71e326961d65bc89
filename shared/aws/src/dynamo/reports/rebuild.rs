//! A rebuild's reads and repairs of the report items (`ReportRebuildStore`): every lead id and
//! counted figure of a business, the stored totals with the revision each was read at, and
//! each total rewritten only over that revision.

use super::*;

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
        let months = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :month)")
            .expression_attribute_values(":pk", s(keys::report_pk(tenant)))
            .expression_attribute_values(":month", s(keys::REPORT_MONTH_PREFIX))
            .consistent_read(true);
        let mut totals = StoredTotals::default();
        for item in self.all_pages(months).await? {
            if let Some(sk) = item.get("sk").and_then(|v| v.as_s().ok()) {
                totals.revisions.insert(sk.clone(), rev_of(&item));
            }
            totals.days.extend(decode_month(&item)?);
        }
        if let Some(item) = self
            .get_consistent(keys::report_pk(tenant), keys::REPORT_QUEUE_SK)
            .await?
        {
            totals.queue = decode_now(&item).queue;
            totals
                .revisions
                .insert(keys::REPORT_QUEUE_SK.into(), rev_of(&item));
        }
        Ok(totals)
    }

    async fn repair_totals(
        &self,
        tenant: &TenantId,
        read: &StoredTotals,
        days: &BTreeMap<ReportDay, Counts>,
        queue: QueueCounts,
    ) -> Result<Repaired, StoreError> {
        let mut repaired = Repaired::default();
        // Each month with a day that differs, written whole over the revision it was read at.
        let by_month = |days: &BTreeMap<ReportDay, Counts>| {
            let mut months: BTreeMap<String, MonthCounts> = BTreeMap::new();
            for (day, counts) in days.iter().filter(|(_, c)| !c.is_empty()) {
                months
                    .entry(keys::report_month_sk(*day))
                    .or_default()
                    .insert(day_of_month(*day), counts.clone());
            }
            months
        };
        let (have, want) = (by_month(&read.days), by_month(days));
        let empty = MonthCounts::new();
        let touched: std::collections::BTreeSet<&String> = have.keys().chain(want.keys()).collect();
        for sk in touched {
            let (had, wanted) = (
                have.get(sk).unwrap_or(&empty),
                want.get(sk).unwrap_or(&empty),
            );
            if had == wanted {
                continue;
            }
            let rev = read.revisions.get(sk).copied().unwrap_or(0);
            self.put_at_revision(month_item(tenant, sk, wanted, rev + 1), rev)
                .await?;
            repaired.days += had
                .keys()
                .chain(wanted.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|d| had.get(*d) != wanted.get(*d))
                .count();
        }
        if read.queue != queue {
            let expected = read
                .revisions
                .get(keys::REPORT_QUEUE_SK)
                .copied()
                .unwrap_or(0);
            self.replace_queue(tenant, queue, expected).await?;
            repaired.queue = true;
        }
        Ok(repaired)
    }
}

impl DynamoStore {
    /// Sets the queue counts (the names stay) over revision `expected`.
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
            .update_expression(
                "SET entity = :entity, #open = :open, #cold = :cold, #done = :done, #rev = :next",
            )
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#cold", "cold")
            .expression_attribute_names("#done", "done")
            .expression_attribute_names("#rev", REV)
            .expression_attribute_values(":entity", s(ENTITY_REPORT_QUEUE))
            .expression_attribute_values(":open", n(queue.open))
            .expression_attribute_values(":cold", n(queue.cold))
            .expression_attribute_values(":done", n(queue.done))
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
