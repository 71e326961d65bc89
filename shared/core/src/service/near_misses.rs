//! Promoting a near miss to a lead (docs/api.md, Near misses and detection): exactly once, whoever asks first.

use chrono::{DateTime, Utc};
use tracing::info;

use crate::ports::{CallDecision, CallRecord, DecisionKind, LeadWrite, NearMissStore, StoreError};
use crate::service::actions::ActingUser;
use crate::service::retry::{retry_on_conflict, Conflict};
use scl_domain::events::LeadCreated;
use scl_domain::lead::Lead;
use scl_domain::{CallId, LeadId, TenantId};

#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error("no such near miss")]
    NotFound,
    #[error("the call already belongs to lead {0}")]
    AlreadyALead(LeadId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn promote<S: NearMissStore>(
    store: &S,
    tenant: &TenantId,
    call: &CallId,
    actor: &ActingUser,
    now: DateTime<Utc>,
) -> Result<Lead, PromoteError> {
    // A promotion losing a race reads the call again, and finds it is a lead.
    retry_on_conflict(move |_| async move {
        let (near_miss, transcript) = match store.call_record(tenant, call, now).await? {
            None | Some(CallRecord::Other) => return Err(PromoteError::NotFound),
            Some(CallRecord::Lead(id)) => return Err(PromoteError::AlreadyALead(id)),
            Some(CallRecord::NearMiss {
                near_miss,
                transcript,
            }) => (near_miss, transcript),
        };
        let settings = store.settings(tenant).await?;
        let id = LeadId::generate();
        let (lead, mut history) = (*near_miss).promote(id, &actor.user_id, &settings, now);
        history.actor_name = actor.name.clone();
        let write = LeadWrite {
            call: lead.call.clone(),
            transcript,
            history,
            decision: CallDecision {
                tenant_id: tenant.clone(),
                call_id: call.clone(),
                decision: DecisionKind::LeadCreated,
                lead_id: Some(id),
                reasons: vec![format!("promoted by {}", actor.user_id)],
                score: Some(lead.detection.score),
                decided_at: now,
                call_ended_at: Some(lead.call.ended_at),
            },
            events: vec![LeadCreated::of(&lead)],
            // A promoted lead does not take over the number's claim.
            claim: None,
            lead,
        };
        match store.promote(&write).await {
            Ok(()) => {
                info!(lead_id = %id, "near miss promoted");
                Ok(write.lead)
            }
            // Promoted by someone else first, or changed under us: read what it is now.
            Err(StoreError::AlreadyProcessed | StoreError::VersionConflict) => {
                Err(StoreError::VersionConflict.into())
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

impl Conflict for PromoteError {
    fn is_conflict(&self) -> bool {
        matches!(self, PromoteError::Store(e) if e.is_conflict())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::memory::MemoryStore;
    use crate::ports::NearMissStore;
    use crate::query::NearMissRequest;
    use crate::service::ingest::{ingest_call, IngestOutcome};
    use scl_domain::call_event::CallCompleted;
    use scl_domain::lead::now_millis;
    use scl_domain::{LeadStatus, UserId};

    /// A store holding one near miss, call `c-1`.
    async fn store_with_near_miss() -> (MemoryStore, TenantId, CallId) {
        let store = MemoryStore::default();
        let settings = scl_domain::settings::TenantSettings {
            event_sources: scl_domain::sample::sample_bindings(),
            ..Default::default()
        };
        let tenant = TenantId::parse("tenant_id", "t-1").unwrap();
        crate::ports::SettingsStore::save_settings(&store, &tenant, &settings, 0)
            .await
            .unwrap();
        let now = now_millis();
        let call = CallCompleted::from_detail(&json!({
            "tenant_id": "t-1", "call_id": "c-1", "direction": "inbound", "answered": true,
            "outcome": "unbooked", "from_number": "+15125550100",
            "started_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "ended_at": (now - chrono::Duration::minutes(55)).to_rfc3339(),
            "duration_seconds": 300,
            "transcript": [{"speaker": "customer", "start_ms": 0,
                "text": "Hi, I'm just checking when my technician is coming, the appointment was at two."}]
        }))
        .unwrap();
        let arrived = scl_domain::sample::arrived("phone.platform", call);
        let out = ingest_call(&store, arrived, now).await.unwrap();
        assert!(matches!(out, Ok(IngestOutcome::NearMiss { .. })), "{out:?}");
        (store, tenant, CallId::parse("call_id", "c-1").unwrap())
    }

    fn csr() -> ActingUser {
        ActingUser {
            user_id: UserId::parse("sub", "u-1").unwrap(),
            name: Some("Kim".into()),
        }
    }

    #[tokio::test]
    async fn a_near_miss_is_promoted_once_and_leaves_the_list() {
        let (store, tenant, call) = store_with_near_miss().await;
        let now = now_millis();
        let request = NearMissRequest {
            limit: 25,
            after: None,
        };
        let listed = store.near_misses(&tenant, &request, now).await.unwrap();
        assert_eq!(listed.items.len(), 1);
        let lead = promote(&store, &tenant, &call, &csr(), now).await.unwrap();
        assert_eq!(lead.status, LeadStatus::New);
        assert!(lead.promoted);
        assert_eq!(store.lead(&lead.id).unwrap().call.call_id, call);
        assert_eq!(
            store.history(&lead.id)[0].actor_name.as_deref(),
            Some("Kim")
        );
        assert_eq!(store.outbox().len(), 1, "LeadCreated");
        let listed = store.near_misses(&tenant, &request, now).await.unwrap();
        assert!(listed.items.is_empty());
        let again = promote(&store, &tenant, &call, &csr(), now).await;
        assert!(matches!(again, Err(PromoteError::AlreadyALead(id)) if id == lead.id));
    }

    #[tokio::test]
    async fn only_a_kept_near_miss_can_be_promoted() {
        let (store, tenant, _) = store_with_near_miss().await;
        let unknown = CallId::parse("call_id", "c-9").unwrap();
        let now = now_millis();
        let missing = promote(&store, &tenant, &unknown, &csr(), now).await;
        assert!(matches!(missing, Err(PromoteError::NotFound)));
        let later = now + chrono::Duration::days(31);
        let call = CallId::parse("call_id", "c-1").unwrap();
        let expired = promote(&store, &tenant, &call, &csr(), later).await;
        assert!(matches!(expired, Err(PromoteError::NotFound)));
    }
}
