//! `IngestStore`: what ingestion reads and writes.

use chrono::{DateTime, Duration, Utc};

use super::*;
use scl_core::ports::{
    CallDecision, CallerLead, DueCalls, IngestStore, LeadCommands, LeadWrite, NearMissWrite,
    PendingCall, PhoneClaim, StoreError,
};
use scl_domain::call_event::CallCompleted;
use scl_domain::detection::adaptation::Adjustment;
use scl_domain::settings::TenantSettings;
use scl_domain::{CallId, CrmId, PhoneNumber, TenantId};

/// A waiting call outlives its longest possible wait by far: if the drain stopped for days, an
/// operator still finds the call (and the drain decides it when it runs again).
const PENDING_TTL_DAYS: i64 = 14;

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

    async fn caller_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> Result<CallerLead, StoreError> {
        let claim = self
            .get_consistent(keys::phone_claim_pk(tenant, phone), keys::PHONE_CLAIM_SK)
            .await?;
        let Some(claim) = claim else {
            // Leads from before claims existed are found through the phone index.
            return Ok(CallerLead {
                open: self.newest_open_lead_for_phone(tenant, phone, None).await?,
                claim: PhoneClaim::Unclaimed,
            });
        };
        let lead_id = decode::<PhoneClaimItem>(claim)?.lead_id;
        let lead = self.get_lead(tenant, &lead_id).await?;
        Ok(CallerLead {
            open: lead.filter(|l| l.status.is_open()),
            claim: PhoneClaim::Lead(lead_id),
        })
    }

    async fn create_lead(&self, write: &LeadWrite) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::New)?;
        // Item 0 is the call's decision, the rest the lead.
        self.transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
    }

    async fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::Version(expected_version))?;
        self.transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
    }

    async fn record_decision(&self, decision: &CallDecision) -> Result<(), StoreError> {
        match self
            .put_when(encode(&decision_item(decision))?, UNDECIDED)
            .await?
        {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }

    async fn defer_call(&self, call: &PendingCall) -> Result<(), StoreError> {
        let item = encode(&PendingCallItem {
            pk: keys::call_marker_pk(&call.tenant_id, &call.call_id),
            sk: keys::CALL_MARKER_SK.into(),
            entity: ENTITY_CALL_PENDING.into(),
            tenant_id: call.tenant_id.clone(),
            call_id: call.call_id.clone(),
            decide_at: keys::sortable_time(call.decide_at),
            gsi5pk: keys::decide_due_partition_of(&call.tenant_id, &call.call_id),
            gsi5sk: keys::decide_due_sk(call.decide_at, &call.tenant_id, &call.call_id),
            detail: call
                .call
                .to_detail()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            expires_at: (call.decide_at + Duration::days(PENDING_TTL_DAYS)).timestamp(),
        })?;
        match self.put_if_absent(item).await? {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }

    async fn settle_pending(&self, decision: &CallDecision) -> Result<bool, StoreError> {
        self.put_when(
            encode(&decision_item(decision))?,
            "attribute_exists(decide_at)",
        )
        .await
    }

    async fn booked_between(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        customer: Option<&CrmId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let by_phone = self.any_booked(keys::phone_claim_pk(tenant, phone), since, until);
        let by_customer = async {
            match customer {
                Some(c) => {
                    self.any_booked(keys::customer_partition(tenant, c), since, until)
                        .await
                }
                None => Ok(false),
            }
        };
        let (phone, customer) = futures_util::future::try_join(by_phone, by_customer).await?;
        Ok(phone || customer)
    }

    async fn waiting_call(
        &self,
        tenant: &TenantId,
        call: &CallId,
    ) -> Result<Option<PendingCall>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::call_marker_pk(tenant, call)))
            .key("sk", s(keys::CALL_MARKER_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        match out.item {
            // Decided: the decision replaced the waiting call (`settle_pending`, the plan).
            Some(item) if item.contains_key("decide_at") => {
                pending_call(decode::<PendingCallItem>(item)?, Utc::now()).map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn due_calls(&self, now: DateTime<Utc>, limit: usize) -> Result<DueCalls, StoreError> {
        let mut due = DueCalls::default();
        let mut last_error = None;
        for n in 0..keys::DECIDE_DUE_PARTITIONS {
            if due.calls.len() >= limit {
                break;
            }
            let remaining = limit - due.calls.len();
            match self.due_in_partition(n, now, remaining).await {
                Ok(calls) => due.calls.extend(calls),
                Err(e) => {
                    tracing::warn!(partition = n, error = %e, "a due-calls partition could not be read; the next run retries it");
                    due.unread_partitions += 1;
                    last_error = Some(e);
                }
            }
        }
        match last_error {
            Some(e) if due.unread_partitions == keys::DECIDE_DUE_PARTITIONS as usize => Err(e),
            _ => Ok(due),
        }
    }
}

impl DynamoStore {
    /// The calls due at `now` in one `DecideDue` partition, at most `limit`.
    async fn due_in_partition(
        &self,
        n: u32,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingCall>, StoreError> {
        let mut calls = Vec::new();
        let mut start = None;
        while calls.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_DECIDE_DUE)
                .key_condition_expression("gsi5pk = :pk AND gsi5sk <= :due")
                .expression_attribute_values(":pk", s(keys::decide_due_partition(n)))
                .expression_attribute_values(":due", s(keys::due_upto(now)))
                .limit(i32::try_from(limit - calls.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                calls.push(pending_call(decode::<PendingCallItem>(item)?, now)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(calls)
    }

    /// Whether the partition holds a booking marker from `since` to `until` (one item read).
    async fn any_booked(
        &self,
        pk: String,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":from", s(keys::booked_from(since)))
            .expression_attribute_values(":to", s(keys::booked_upto(until)))
            .consistent_read(true)
            .limit(1)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.count > 0)
    }
}

/// A waiting call's item read back (`decide_at` is `fallback` if it is not a time: due now).
fn pending_call(p: PendingCallItem, fallback: DateTime<Utc>) -> Result<PendingCall, StoreError> {
    Ok(PendingCall {
        tenant_id: p.tenant_id,
        call_id: p.call_id,
        decide_at: DateTime::parse_from_rfc3339(&p.decide_at)
            .map_or(fallback, |t| t.with_timezone(&Utc)),
        call: read_waiting_call(&p.detail)?,
    })
}

/// A waiting call as `defer_call` kept it: its event's detail, read through the event's own
/// rules (`CallCompleted::from_detail`).
fn read_waiting_call(detail: &str) -> Result<CallCompleted, StoreError> {
    let detail: serde_json::Value =
        serde_json::from_str(detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    CallCompleted::from_detail(&detail)
        .map_err(|e| StoreError::Corrupt(format!("a waiting call: {}", e.field)))
}
