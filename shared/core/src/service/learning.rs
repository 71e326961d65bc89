//! Per-business learning from CSR feedback (docs/api.md, Near misses and detection): every change of a lead's label
//! (from the table's stream) moves the business's counts and the adjustment ingestion applies;
//! `GET /detection/stats` and `DELETE /detection/adaptation` read and reset them.

use serde::Serialize;
use tracing::info;

use crate::ports::{LabelChange, LearningChange, LearningStore, StoreError};
use crate::service::retry::retry_on_conflict;
use scl_domain::detection::adaptation::{Label, Labelled, Learning};
use scl_domain::detection::model::MODEL;
use scl_domain::lead::{Actor, Lead};
use scl_domain::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelOutcome {
    /// The lead's label is now counted (or, `None`, no longer counted).
    Counted(Option<Label>),
    /// This label was already counted for the lead (a redelivered record).
    Unchanged,
}

/// Counts the lead's current label, once, for its business.
pub async fn record_label<S: LearningStore>(
    store: &S,
    lead: &Lead,
) -> Result<LabelOutcome, StoreError> {
    let label = lead.label();
    let by = lead
        .last_actor_id
        .as_ref()
        .map_or(Actor::System.as_str(), Actor::as_str);
    // Label changes of one business race each other on its one learning record.
    retry_on_conflict(move |_| async move {
        let (mut learning, version) = store.learning(&lead.tenant_id).await?;
        let (counted, label_version) = store.counted_label(&lead.tenant_id, &lead.id).await?;
        let now_counted = learning.relabel(
            counted.as_ref(),
            &Labelled {
                label,
                promoted: lead.promoted,
                terms: &lead.detection_terms,
                by,
            },
        );
        if now_counted == counted {
            return Ok(LabelOutcome::Unchanged);
        }
        store
            .save_learning(&LearningChange {
                tenant_id: lead.tenant_id.clone(),
                learning,
                expected_version: version,
                label: Some(LabelChange {
                    lead_id: lead.id,
                    counted: now_counted,
                    expected_version: label_version,
                }),
            })
            .await?;
        info!(lead_id = %lead.id, ?label, "label counted");
        Ok(LabelOutcome::Counted(label))
    })
    .await
}

/// Forgets what the business's labels taught; the label totals stay.
pub async fn reset<S: LearningStore>(store: &S, tenant: &TenantId) -> Result<Learning, StoreError> {
    retry_on_conflict(move |_| async move {
        let (mut learning, version) = store.learning(tenant).await?;
        learning.reset();
        store
            .save_learning(&LearningChange {
                tenant_id: tenant.clone(),
                learning: learning.clone(),
                expected_version: version,
                label: None,
            })
            .await?;
        info!("detection adaptation reset");
        Ok(learning)
    })
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    pub lead: u32,
    pub not_a_lead: u32,
}

/// `GET /detection/stats` (docs/api.md, Near misses and detection).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionStats {
    pub model_version: &'static str,
    pub labels: LabelCounts,
    /// Whether the business's labels currently change any score.
    pub adapted: bool,
    /// Of the flagged leads CSRs labelled, the share that were leads.
    pub precision_from_dispositions: Option<f64>,
}

pub fn stats(learning: &Learning) -> DetectionStats {
    DetectionStats {
        model_version: MODEL.version,
        labels: LabelCounts {
            lead: learning.totals.lead,
            not_a_lead: learning.totals.not_a_lead,
        },
        adapted: learning.adjustment().is_active(),
        precision_from_dispositions: learning
            .totals
            .precision()
            .map(|p| (p * 1000.0).round() / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{sample_lead, MemoryStore};

    #[tokio::test]
    async fn a_label_is_counted_once_however_often_it_is_delivered_and_survives_conflicts() {
        let store = MemoryStore::default();
        let mut lead = sample_lead("512-555-0100");
        lead.status = scl_domain::status::LeadStatus::NotALead;
        lead.last_actor_id = Some(Actor::User(
            scl_domain::UserId::parse("sub", "csr-1").unwrap(),
        ));
        *store.stale_writes.lock().unwrap() = 3;
        assert_eq!(
            record_label(&store, &lead).await.unwrap(),
            LabelOutcome::Counted(Some(Label::NotALead))
        );
        assert_eq!(
            record_label(&store, &lead).await.unwrap(),
            LabelOutcome::Unchanged
        );
        let (learning, _) = store.learning(&lead.tenant_id).await.unwrap();
        assert_eq!(learning.totals.not_a_lead, 1);
        assert_eq!(learning.terms["water heater"].not_a_lead, 1);
        let s = stats(&learning);
        assert_eq!(s.precision_from_dispositions, Some(0.0));
        let reset_to = reset(&store, &lead.tenant_id).await.unwrap();
        assert!(reset_to.terms.is_empty());
        assert_eq!(reset_to.totals.not_a_lead, 1, "what CSRs did stays");
    }
}
