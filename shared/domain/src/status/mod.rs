//! Lead statuses, tabs and the transition table (docs/product.md, The queue).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::error::FieldError;

/// The seven statuses a lead can be in. The API value is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    CallBackAttempted,
    NotAbleToSave,
    NotFollowingUp,
    NotALead,
    BookedByScl,
    BookedElsewhere,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 7] = [
        LeadStatus::New,
        LeadStatus::CallBackAttempted,
        LeadStatus::NotAbleToSave,
        LeadStatus::NotFollowingUp,
        LeadStatus::NotALead,
        LeadStatus::BookedByScl,
        LeadStatus::BookedElsewhere,
    ];

    pub fn api_value(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::CallBackAttempted => "call_back_attempted",
            LeadStatus::NotAbleToSave => "not_able_to_save",
            LeadStatus::NotFollowingUp => "not_following_up",
            LeadStatus::NotALead => "not_a_lead",
            LeadStatus::BookedByScl => "booked_by_scl",
            LeadStatus::BookedElsewhere => "booked_elsewhere",
        }
    }

    /// The label CSRs see.
    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::New => "New",
            LeadStatus::CallBackAttempted => "Lead - Call Back Attempted",
            LeadStatus::NotAbleToSave => "Lead - Not able to save",
            LeadStatus::NotFollowingUp => "Lead - Not following up",
            LeadStatus::NotALead => "Reviewed - Not a Lead",
            LeadStatus::BookedByScl => "Job booked by SCL",
            LeadStatus::BookedElsewhere => "Job booked elsewhere",
        }
    }

    /// Statuses that live in the Open tab (and, once untouched for long enough, in Cold).
    /// The statuses of Open and Cold leads.
    pub fn open_statuses() -> impl Iterator<Item = LeadStatus> {
        LeadStatus::ALL.into_iter().filter(|s| s.is_open())
    }

    pub fn is_open(self) -> bool {
        matches!(self, LeadStatus::New | LeadStatus::CallBackAttempted)
    }

    /// `booked_*` statuses are terminal: once set, the lead never changes again.
    pub fn is_locked(self) -> bool {
        matches!(self, LeadStatus::BookedByScl | LeadStatus::BookedElsewhere)
    }

    /// Whether a person may set this status through `PUT /leads/{id}/status`.
    pub fn is_manual(self) -> bool {
        !self.is_locked()
    }

    /// The tab a lead in this status lives in, ignoring the Cold rule.
    pub fn home_tab(self) -> Tab {
        if self.is_open() {
            Tab::Open
        } else {
            Tab::Done
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        LeadStatus::ALL
            .into_iter()
            .find(|s| s.api_value() == value)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!(
                        "must be one of: {}",
                        LeadStatus::ALL.map(|s| s.api_value()).join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_value())
    }
}

/// The three tabs of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    Open,
    Cold,
    Done,
}

impl Tab {
    pub fn api_value(self) -> &'static str {
        match self {
            Tab::Open => "open",
            Tab::Cold => "cold",
            Tab::Done => "done",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        match value {
            "open" => Ok(Tab::Open),
            "cold" => Ok(Tab::Cold),
            "done" => Ok(Tab::Done),
            _ => Err(FieldError::new(field, "must be one of: open, cold, done")),
        }
    }

    /// The statuses that can appear in this tab.
    pub fn statuses(self) -> Vec<LeadStatus> {
        LeadStatus::ALL
            .into_iter()
            .filter(|s| match self {
                Tab::Open | Tab::Cold => s.is_open(),
                Tab::Done => !s.is_open(),
            })
            .collect()
    }

    pub fn holds(self, status: LeadStatus) -> bool {
        self.statuses().contains(&status)
    }

    /// Where the Cold rule (`tab_at`) puts this tab's leads: `Some(Coldness::Cold)` for leads
    /// whose cold time has passed, `Some(Coldness::NotYetCold)` for the others, `None` when the
    /// cold time does not decide (Done).
    pub fn coldness(self) -> Option<Coldness> {
        match self {
            Tab::Open => Some(Coldness::NotYetCold),
            Tab::Cold => Some(Coldness::Cold),
            Tab::Done => None,
        }
    }
}

/// Which side of its cold time (`cold_at`) a lead is on, at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coldness {
    /// `now < cold_at`.
    NotYetCold,
    /// `now >= cold_at`.
    Cold,
}

/// How many days an open lead may go untouched before it is Cold (1–14, default 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ColdAfterDays(u32);

impl ColdAfterDays {
    pub const DEFAULT: ColdAfterDays = ColdAfterDays(3);

    pub fn new(days: u32) -> Result<Self, FieldError> {
        if (1..=14).contains(&days) {
            Ok(ColdAfterDays(days))
        } else {
            Err(FieldError::new(
                "cold_after_days",
                "must be a whole number of days from 1 to 14",
            ))
        }
    }

    pub fn days(self) -> u32 {
        self.0
    }

    /// The moment a lead last touched at `touched_at` turns Cold.
    pub fn cold_at(self, touched_at: DateTime<Utc>) -> DateTime<Utc> {
        touched_at + Duration::days(i64::from(self.0))
    }
}

impl Default for ColdAfterDays {
    fn default() -> Self {
        ColdAfterDays::DEFAULT
    }
}

impl TryFrom<u32> for ColdAfterDays {
    type Error = FieldError;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        ColdAfterDays::new(v)
    }
}

impl From<ColdAfterDays> for u32 {
    fn from(v: ColdAfterDays) -> u32 {
        v.0
    }
}

/// The Cold rule: an open-status lead whose `cold_at` (the later of the call's end and the
/// last CSR activity, plus the tenant's cold-after days) has passed is in Cold.
pub fn tab_at(status: LeadStatus, cold_at: DateTime<Utc>, now: DateTime<Utc>) -> Tab {
    if status.is_open() && coldness_at(cold_at, now) == Coldness::Cold {
        Tab::Cold
    } else {
        status.home_tab()
    }
}

pub fn coldness_at(cold_at: DateTime<Utc>, now: DateTime<Utc>) -> Coldness {
    if now >= cold_at {
        Coldness::Cold
    } else {
        Coldness::NotYetCold
    }
}

/// Why a dismissal happened; each maps to one Done status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DismissReason {
    NotALead,
    LeadNotFollowingUp,
}

impl DismissReason {
    pub fn target(self) -> LeadStatus {
        match self {
            DismissReason::NotALead => LeadStatus::NotALead,
            DismissReason::LeadNotFollowingUp => LeadStatus::NotFollowingUp,
        }
    }
}

/// Something that may change a lead's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `PUT /leads/{id}/status`.
    SetStatus(LeadStatus),
    Dismiss(DismissReason),
    CallBack,
    AddNote,
    /// A new qualifying call from the same phone number.
    AttachCall,
    /// A booking arrived; `via_scl` when it names the lead.
    Booking {
        via_scl: bool,
    },
}

/// What an allowed action does to the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The status becomes `to` (it may equal the current one for callbacks and notes,
    /// which are changes in their own right).
    To(LeadStatus),
    /// The lead is already where the action would put it: answer 200, change nothing.
    NoOp,
    /// Record the event on the lead without changing its status (a booking on a Done lead).
    RecordOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("status {0} can only be set automatically by a booking")]
    StatusNotSettable(LeadStatus),
    #[error("the lead is {0} and can no longer change")]
    Locked(LeadStatus),
    #[error("this action is not allowed while the lead is {0}")]
    NotAllowed(LeadStatus),
}

/// The transition table. Pure: every rule about which action is allowed from which status
/// lives here and nowhere else.
pub fn transition(current: LeadStatus, action: Action) -> Result<Transition, TransitionError> {
    // A request to set a booked status is wrong whatever the lead's state: 400, not 409.
    if let Action::SetStatus(target) = action {
        if target.is_locked() {
            return Err(TransitionError::StatusNotSettable(target));
        }
    }
    if current.is_locked() {
        return match action {
            // A booking is recorded on any lead it matches, even a booked one.
            Action::Booking { .. } => Ok(Transition::RecordOnly),
            _ => Err(TransitionError::Locked(current)),
        };
    }
    match action {
        Action::SetStatus(target) if target == current => Ok(Transition::NoOp),
        Action::SetStatus(target) => Ok(Transition::To(target)),
        Action::Dismiss(reason) if reason.target() == current => Ok(Transition::NoOp),
        Action::Dismiss(reason) if current.is_open() => Ok(Transition::To(reason.target())),
        Action::Dismiss(_) => Err(TransitionError::NotAllowed(current)),
        Action::CallBack if current.is_open() => Ok(Transition::To(LeadStatus::CallBackAttempted)),
        Action::CallBack => Err(TransitionError::NotAllowed(current)),
        Action::AddNote => Ok(Transition::To(current)),
        Action::AttachCall if current.is_open() => Ok(Transition::To(current)),
        Action::AttachCall => Err(TransitionError::NotAllowed(current)),
        Action::Booking { via_scl } if current.is_open() => {
            if via_scl || current == LeadStatus::CallBackAttempted {
                Ok(Transition::To(LeadStatus::BookedByScl))
            } else {
                Ok(Transition::To(LeadStatus::BookedElsewhere))
            }
        }
        Action::Booking { .. } => Ok(Transition::RecordOnly),
    }
}

#[cfg(test)]
mod tests;
