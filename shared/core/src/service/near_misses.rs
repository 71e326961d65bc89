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
