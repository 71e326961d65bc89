//! The lead and the things it is made of.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::detection::adaptation::Label;
use super::detection::Detection;
use super::error::FieldError;
use super::ids::{CallId, CrmId, JobId, LeadId, TenantId, UserId};
use super::phone::PhoneNumber;
use super::status::{tab_at, ColdAfterDays, LeadStatus, Tab};
pub use super::transcript::{Speaker, Transcript, TranscriptSegment};

/// Current time truncated to milliseconds, the precision every stored timestamp has.
pub fn now_millis() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::milliseconds(1))
        .unwrap_or(now)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub phone: PhoneNumber,
    pub name: Option<String>,
    pub customer_id: Option<CrmId>,
    pub location_id: Option<CrmId>,
}

/// One call attached to a lead, without its transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallInfo {
    pub call_id: CallId,
    #[serde(with = "crate::timestamp")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "crate::timestamp")]
    pub ended_at: DateTime<Utc>,
    pub duration_seconds: u32,
    pub call_reason: Option<String>,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub csr_notes: Option<String>,
    pub recording_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub job_id: JobId,
    #[serde(with = "crate::timestamp")]
    pub booked_at: DateTime<Utc>,
    pub booked_by: Option<String>,
    pub via_scl: bool,
    /// What the job is worth, when the booking said (reports sum it for leads booked by SCL).
    #[serde(default)]
    pub job_value: Option<super::money::Money>,
}

/// What happened to a lead, as its history says it (stored and shown as the snake_case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryAction {
    /// Detection flagged the call.
    Created,
    /// Another qualifying call from the same number.
    CallAttached,
    /// A CSR promoted a near miss.
    Promoted,
    NoteAdded,
    Dismissed,
    CallbackRequested,
    StatusChanged,
    /// A booking set `booked_by_scl` / `booked_elsewhere`.
    Booked,
    /// A booking recorded on a lead that keeps its status.
    BookingRecorded,
}

/// One entry of a lead's history: who did what, when, from which status to which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    #[serde(with = "crate::timestamp")]
    pub at: DateTime<Utc>,
    pub actor_id: Actor,
    /// The acting user's name as their sign-in gave it (reports show CSRs by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    pub action: HistoryAction,
    pub from_status: Option<LeadStatus>,
    pub to_status: Option<LeadStatus>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub author_id: String,
    pub author_name: Option<String>,
    pub text: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub copied_to: Vec<String>,
}

/// A Second Chance Lead as the domain sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: LeadId,
    pub tenant_id: TenantId,
    pub status: LeadStatus,
    pub version: u64,
    pub customer: Customer,
    /// The most recent call.
    pub call: CallInfo,
    pub summary: String,
    pub summary_is_generated: bool,
    pub detection: Detection,
    pub calls_count: u32,
    pub callback_attempts: u32,
    /// The last CSR action; the call's end until someone acts.
    #[serde(with = "crate::timestamp")]
    pub last_activity_at: DateTime<Utc>,
    /// When this lead turns Cold if nobody touches it (see docs/data-model.md).
    #[serde(with = "crate::timestamp")]
    pub cold_at: DateTime<Utc>,
    #[serde(with = "crate::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub booking: Option<Booking>,
    /// Promoted by a CSR from a near miss rather than flagged by detection.
    #[serde(default)]
    pub promoted: bool,
    /// Who changed the lead last: a CSR's user id, or `system` (ingestion, bookings). The
    /// per-business learning counts how many different people gave its labels.
    #[serde(default)]
    pub last_actor_id: Option<Actor>,
    /// The distinctive words of the call detection scored, for per-business learning
    /// (not shown in the API).
    #[serde(default)]
    pub detection_terms: Vec<String>,
    /// When the lead was flagged: its first call's end (reports count the lead on that day).
    /// Absent on leads stored before reports existed; `flagged_at()` reads those.
    #[serde(default, with = "crate::timestamp::option")]
    pub flagged_at: Option<DateTime<Utc>>,
}

/// What a qualifying call shows a CSR, the same whether it becomes a lead or is kept as a near
/// miss: whose call it was, the call, its summary, and how it scored and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualifiedCall {
    pub tenant_id: TenantId,
    pub customer: Customer,
    pub call: CallInfo,
    pub summary: String,
    pub summary_is_generated: bool,
    pub detection: Detection,
    /// The call's distinctive words, which a CSR's label for it teaches the business's learning.
    #[serde(default)]
    pub terms: Vec<String>,
}

/// What a new lead is made of, before the queue's own fields are set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLead {
    pub id: LeadId,
    pub qualified: QualifiedCall,
}

/// Who made a change to a lead: a signed-in user, or SCL itself (ingestion, bookings), which
/// history shows as `system`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    System,
    User(UserId),
}

impl Actor {
    const SYSTEM: &'static str = "system";

    pub fn as_str(&self) -> &str {
        match self {
            Actor::System => Actor::SYSTEM,
            Actor::User(user) => user.as_str(),
        }
    }
}

impl TryFrom<String> for Actor {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, FieldError> {
        if raw == Actor::SYSTEM {
            Ok(Actor::System)
        } else {
            UserId::parse("actor_id", &raw).map(Actor::User)
        }
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> String {
        actor.as_str().to_owned()
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Lead {
    /// The label the lead gives detection as it stands: a booking recorded on it says it was a
    /// lead whatever its status; `not_a_lead` says detection was wrong; working it or a
    /// promotion says right.
    pub fn label(&self) -> Option<Label> {
        if self.booking.is_some() {
            return Some(Label::Lead);
        }
        match self.status {
            LeadStatus::NotALead => Some(Label::NotALead),
            LeadStatus::CallBackAttempted
            | LeadStatus::NotFollowingUp
            | LeadStatus::NotAbleToSave
            | LeadStatus::BookedByScl
            | LeadStatus::BookedElsewhere => Some(Label::Lead),
            LeadStatus::New if self.promoted => Some(Label::Lead),
            LeadStatus::New => None,
        }
    }

    /// A new lead in `new`, untouched since its call ended.
    pub fn flagged(new: NewLead, cold_after: ColdAfterDays, now: DateTime<Utc>) -> Lead {
        let n = new.qualified;
        let flagged_at = n.call.ended_at;
        Lead {
            id: new.id,
            tenant_id: n.tenant_id,
            status: LeadStatus::New,
            version: 1,
            customer: n.customer,
            last_activity_at: n.call.ended_at,
            cold_at: cold_after.cold_at(n.call.ended_at),
            call: n.call,
            summary: n.summary,
            summary_is_generated: n.summary_is_generated,
            detection: n.detection,
            calls_count: 1,
            callback_attempts: 0,
            created_at: now,
            updated_at: now,
            booking: None,
            promoted: false,
            last_actor_id: Some(Actor::System),
            detection_terms: n.terms,
            flagged_at: Some(flagged_at),
        }
    }

    /// When the lead was flagged (its first call's end). A lead stored before `flagged_at` was
    /// kept: its call if it has only one, else when it was created (seconds after that end).
    pub fn flagged_at(&self) -> DateTime<Utc> {
        match self.flagged_at {
            Some(t) => t,
            None if self.calls_count <= 1 => self.call.ended_at,
            None => self.created_at,
        }
    }

    /// The later of the latest call's end and the last CSR activity: what the Cold rule
    /// measures from.
    pub fn touched_at(&self) -> DateTime<Utc> {
        self.call.ended_at.max(self.last_activity_at)
    }

    pub fn tab(&self, now: DateTime<Utc>) -> Tab {
        tab_at(self.status, self.cold_at, now)
    }
}

/// The detail view: the lead with everything a CSR reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDetail {
    pub lead: Lead,
    pub transcript: Transcript,
    pub notes: Vec<Note>,
    pub history: Vec<HistoryEntry>,
    pub calls: Vec<CallInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_stored_as_the_user_id_or_system_and_nothing_else() {
        let user = Actor::User(UserId::parse("sub", "u-7").unwrap());
        assert_eq!(serde_json::to_value(&user).unwrap(), "u-7");
        assert_eq!(serde_json::to_value(Actor::System).unwrap(), "system");
        assert_eq!(serde_json::from_value::<Actor>("u-7".into()).unwrap(), user);
        assert_eq!(
            serde_json::from_value::<Actor>("system".into()).unwrap(),
            Actor::System
        );
        assert!(serde_json::from_value::<Actor>("".into()).is_err());
        assert!(serde_json::from_value::<Actor>("two words".into()).is_err());
    }
}
