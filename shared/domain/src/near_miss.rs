//! Near misses (docs/api.md, Near misses and detection): calls that passed every gate but scored under the business's
//! threshold. They are kept for 30 days so a CSR can look through them and promote one to a
//! lead; a promotion is a "lead" label for the business's learning.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{CallId, LeadId, UserId};
use super::lead::{Actor, HistoryAction, HistoryEntry, Lead, NewLead, QualifiedCall};
use super::settings::TenantSettings;
use super::status::LeadStatus;

/// How long a near miss is kept, counted from the call's start.
pub const KEPT_DAYS: i64 = 30;

/// A near miss with everything needed to make it a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    /// Stored with its fields beside `decided_at`, as before it had a type of its own.
    #[serde(flatten)]
    pub qualified: QualifiedCall,
    pub decided_at: DateTime<Utc>,
}

/// A near miss as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMissEntry {
    pub call_id: CallId,
    pub customer_phone: String,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: u32,
    pub score: f64,
    pub reasons: Vec<String>,
    pub summary: String,
}

/// The oldest call start still kept at `now`.
pub fn oldest_kept(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(KEPT_DAYS)
}

impl NearMiss {
    pub fn kept_until(&self) -> DateTime<Utc> {
        self.qualified.call.started_at + Duration::days(KEPT_DAYS)
    }

    pub fn is_kept_at(&self, now: DateTime<Utc>) -> bool {
        self.qualified.call.started_at >= oldest_kept(now)
    }

    pub fn entry(&self) -> NearMissEntry {
        NearMissEntry {
            call_id: self.qualified.call.call_id.clone(),
            customer_phone: self.qualified.customer.phone.as_str().to_owned(),
            started_at: self.qualified.call.started_at,
            duration_seconds: self.qualified.call.duration_seconds,
            score: self.qualified.detection.score,
            reasons: self.qualified.detection.reasons.clone(),
            summary: self.qualified.summary.clone(),
        }
    }

    /// The lead a CSR's promotion makes of it, and the history entry that says so.
    pub fn promote(
        self,
        id: LeadId,
        by: &UserId,
        settings: &TenantSettings,
        now: DateTime<Utc>,
    ) -> (Lead, HistoryEntry) {
        let mut qualified = self.qualified;
        qualified
            .detection
            .reasons
            .push("promoted from the near misses by a CSR".into());
        let mut lead = Lead::flagged(NewLead { id, qualified }, settings.cold_after_days, now);
        lead.promoted = true;
        lead.last_actor_id = Some(Actor::User(by.clone()));
        let history = HistoryEntry {
            at: now,
            actor_id: Actor::User(by.clone()),
            actor_name: None,
            action: HistoryAction::Promoted,
            from_status: None,
            to_status: Some(LeadStatus::New),
            reason: Some("a CSR promoted this near miss to a lead".into()),
            note: None,
        };
        (lead, history)
    }
}
