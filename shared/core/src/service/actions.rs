//! What a CSR does to a lead: notes, dismiss, call back, manual status. Every change is a
//! conditional write on `version` together with its history entry; with `If-Match` a stale
//! version is a conflict, without it the change is re-decided on the latest state and retried,
//! so concurrent changes serialise and none is lost.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::ports::{LeadChange, LeadCommands, SettingsStore, StoreError};
use crate::service::retry::{retry_on_conflict, Conflict};
use scl_domain::commands::{AddNote, CopyTarget, Dismiss, SetStatus};
use scl_domain::events::{CallbackRequested, IntegrationEvent, NoteCopied};
use scl_domain::lead::{Actor, HistoryAction, HistoryEntry, Lead, Note};
use scl_domain::settings::TenantSettings;
use scl_domain::status::{transition, Action, Transition, TransitionError};
use scl_domain::{FieldError, LeadId, TenantId, UserId};

/// The signed-in user a request acts as: who history names, and the name notes show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingUser {
    pub user_id: UserId,
    pub name: Option<String>,
}

impl ActingUser {
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrAction {
    AddNote(AddNote),
    Dismiss(Dismiss),
    CallBack,
    SetStatus(SetStatus),
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such lead")]
    NotFound,
    #[error("version conflict")]
    VersionConflict,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Validation(#[from] FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    pub lead: Lead,
    pub note: Option<Note>,
    /// False when the lead already was where the action would put it (200, unchanged).
    pub changed: bool,
    /// For a call-back: the numbers the CSR calls from and leaves on voicemail.
    pub calling: Option<CallingNumbers>,
}

/// What a CSR calling back needs to know: the caller ID the customer sees, and the number to
/// leave on voicemail (the caller ID when the business set none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallingNumbers {
    pub caller_id: scl_domain::PhoneNumber,
    pub voicemail_callback_number: scl_domain::PhoneNumber,
}

impl CallingNumbers {
    fn for_action(action: &CsrAction, settings: &TenantSettings) -> Option<CallingNumbers> {
        let caller_id = settings.callback_caller_id.clone()?;
        matches!(action, CsrAction::CallBack).then(|| CallingNumbers {
            voicemail_callback_number: settings
                .voicemail_callback_number
                .clone()
                .unwrap_or_else(|| caller_id.clone()),
            caller_id,
        })
    }
}

fn domain_action(a: &CsrAction) -> Action {
    match a {
        CsrAction::AddNote(_) => Action::AddNote,
        CsrAction::Dismiss(d) => Action::Dismiss(d.reason),
        CsrAction::CallBack => Action::CallBack,
        CsrAction::SetStatus(s) => Action::SetStatus(s.status),
    }
}

/// Checks what the action needs from the lead and the settings before anything is written.
fn preconditions(
    action: &CsrAction,
    lead: &Lead,
    settings: &TenantSettings,
) -> Result<(), FieldError> {
    match action {
        CsrAction::AddNote(n) => {
            for target in &n.copy_to {
                let present = match target {
                    CopyTarget::Customer => lead.customer.customer_id.is_some(),
                    CopyTarget::Location => lead.customer.location_id.is_some(),
                };
                if !present {
                    return Err(FieldError::new(
                        "copy_to",
                        format!("the lead has no {}_id to copy the note to", target.as_str()),
                    ));
                }
            }
            Ok(())
        }
        CsrAction::CallBack if settings.callback_caller_id.is_none() => Err(FieldError::new(
            "callback_caller_id",
            "is not configured for this business; an administrator must set it in settings first",
        )),
        _ => Ok(()),
    }
}

/// The changed lead with its history entry, note and events out, to be written together.
fn apply(
    action: &CsrAction,
    mut lead: Lead,
    to: scl_domain::LeadStatus,
    actor: &ActingUser,
    settings: &TenantSettings,
    now: DateTime<Utc>,
) -> LeadChange {
    let from = lead.status;
    lead.status = to;
    lead.version += 1;
    lead.updated_at = now;
    lead.last_activity_at = now;
    lead.last_actor_id = Some(actor.actor());
    // Any CSR action makes a Cold lead Open again.
    lead.cold_at = settings.cold_after_days.cold_at(lead.touched_at());
    let mut history = HistoryEntry {
        at: now,
        actor_id: actor.actor(),
        actor_name: actor.name.clone(),
        action: HistoryAction::NoteAdded,
        from_status: Some(from),
        to_status: Some(to),
        reason: None,
        note: None,
    };
    let mut note = None;
    let mut events = Vec::new();
    match action {
        CsrAction::AddNote(n) => {
            history.action = HistoryAction::NoteAdded;
            history.note = Some(n.text.clone());
            note = Some(Note {
                id: ulid::Ulid::generate().to_string(),
                author_id: actor.user_id.to_string(),
                author_name: actor.name.clone(),
                text: n.text.clone(),
                created_at: now,
                copied_to: n.copy_to.iter().map(|t| t.as_str().to_owned()).collect(),
            });
            for target in &n.copy_to {
                events.push(IntegrationEvent::NoteCopied(NoteCopied {
                    tenant_id: lead.tenant_id.clone(),
                    lead_id: lead.id,
                    target: *target,
                    customer_id: lead.customer.customer_id.clone(),
                    location_id: lead.customer.location_id.clone(),
                    text: n.text.clone(),
                    author_id: actor.user_id.clone(),
                }));
            }
        }
        CsrAction::Dismiss(d) => {
            history.action = HistoryAction::Dismissed;
            history.reason = Some(
                match d.reason {
                    scl_domain::status::DismissReason::NotALead => "not_a_lead",
                    scl_domain::status::DismissReason::LeadNotFollowingUp => {
                        "lead_not_following_up"
                    }
                }
                .into(),
            );
            history.note = d.comment.clone();
        }
        CsrAction::CallBack => {
            history.action = HistoryAction::CallbackRequested;
            lead.callback_attempts += 1;
            events.push(IntegrationEvent::CallbackRequested(CallbackRequested {
                tenant_id: lead.tenant_id.clone(),
                lead_id: lead.id,
                customer_phone: lead.customer.phone.clone(),
                caller_id: settings.callback_caller_id.clone(),
                voicemail_callback_number: settings.voicemail_callback_number.clone(),
                agent_id: actor.user_id.clone(),
                requested_at: now,
                attempt: lead.callback_attempts,
            }));
        }
        CsrAction::SetStatus(s) => {
            history.action = HistoryAction::StatusChanged;
            history.note = s.note.clone();
        }
    }
    LeadChange {
        lead,
        history,
        note,
        history_id: None,
        events,
    }
}

/// One CSR action on one lead, as the route received it.
#[derive(Debug, Clone)]
pub struct ActionRequest<'a> {
    pub tenant: &'a TenantId,
    pub lead_id: &'a LeadId,
    pub actor: &'a ActingUser,
    pub action: &'a CsrAction,
    /// The version the CSR saw (`If-Match`), if they sent one.
    pub if_match: Option<u64>,
    pub now: DateTime<Utc>,
}

pub async fn act<S>(store: &S, request: ActionRequest<'_>) -> Result<ActionOutcome, ActionError>
where
    S: LeadCommands + SettingsStore,
{
    let ActionRequest {
        tenant,
        lead_id,
        actor,
        action,
        if_match,
        now,
    } = request;
    let settings = &store.settings(tenant).await?;
    // Without If-Match a change that lost a race is decided again on the latest state; with it,
    // the caller asked for exactly the version they saw, so a race is their 412.
    retry_on_conflict(move |_| async move {
        let lead = store
            .get_lead(tenant, lead_id)
            .await?
            .ok_or(ActionError::NotFound)?;
        if if_match.is_some_and(|v| v != lead.version) {
            return Err(ActionError::VersionConflict);
        }
        let to = match transition(lead.status, domain_action(action))? {
            Transition::To(to) => to,
            Transition::NoOp | Transition::RecordOnly => {
                return Ok(ActionOutcome {
                    lead,
                    note: None,
                    changed: false,
                    calling: CallingNumbers::for_action(action, settings),
                })
            }
        };
        preconditions(action, &lead, settings)?;
        let expected = lead.version;
        // The change's events are written with it (the outbox): a change is never without its
        // events, and publishing them cannot fail the CSR's request.
        let change = apply(action, lead, to, actor, settings, now);
        match store.save_change(&change, expected).await {
            Ok(()) => {}
            Err(StoreError::VersionConflict) if if_match.is_some() => {
                return Err(ActionError::VersionConflict)
            }
            Err(e) => return Err(e.into()),
        }
        info!(lead_id = %lead_id, action = ?change.history.action, version = change.lead.version, "lead changed");
        Ok(ActionOutcome {
            lead: change.lead,
            note: change.note,
            changed: true,
            calling: CallingNumbers::for_action(action, settings),
        })
    })
    .await
    .inspect_err(|e| {
        if e.is_conflict() {
            warn!(lead_id = %lead_id, "gave up after repeated concurrent changes");
        }
    })
}

impl Conflict for ActionError {
    fn is_conflict(&self) -> bool {
        matches!(self, ActionError::Store(e) if e.is_conflict())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::store_with_lead;
    use scl_domain::commands::Dismiss;
    use scl_domain::lead::now_millis;
    use scl_domain::settings::TenantSettings;
    use scl_domain::status::{DismissReason, LeadStatus};
    use scl_domain::PhoneNumber;

    fn request<'a>(
        tenant: &'a TenantId,
        lead_id: &'a LeadId,
        action: &'a CsrAction,
        if_match: Option<u64>,
    ) -> ActionRequest<'a> {
        static ACTOR: std::sync::LazyLock<ActingUser> = std::sync::LazyLock::new(|| ActingUser {
            user_id: UserId::parse("sub", "csr-1").unwrap(),
            name: None,
        });
        ActionRequest {
            tenant,
            lead_id,
            actor: &ACTOR,
            action,
            if_match,
            now: now_millis(),
        }
    }

    fn dismiss() -> CsrAction {
        CsrAction::Dismiss(Dismiss {
            reason: DismissReason::LeadNotFollowingUp,
            comment: None,
        })
    }

    #[tokio::test]
    async fn a_change_that_lost_a_race_is_decided_again_on_the_latest_lead() {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        // Someone else adds a call-back attempt while we read.
        store.interfere(|l| l.callback_attempts += 1);
        let out = act(&store, request(&tenant, &id, &dismiss(), None))
            .await
            .unwrap();
        assert!(out.changed);
        let stored = store.lead(&id).unwrap();
        assert_eq!(stored.status, LeadStatus::NotFollowingUp);
        assert_eq!(stored.callback_attempts, 1, "their change is kept");
        assert_eq!(stored.version, 3, "1, theirs, ours");
        assert_eq!(
            *store.writes.lock().unwrap(),
            2,
            "one lost write, one retry"
        );
    }

    #[tokio::test]
    async fn with_if_match_a_race_is_the_callers_conflict_and_nothing_is_written() {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        store.interfere(|l| l.callback_attempts += 1);
        let out = act(&store, request(&tenant, &id, &dismiss(), Some(1))).await;
        assert!(matches!(out, Err(ActionError::VersionConflict)), "{out:?}");
        assert_eq!(store.lead(&id).unwrap().status, LeadStatus::New);
        assert!(store.history(&id).is_empty());
    }

    #[tokio::test]
    async fn a_call_back_writes_its_event_once_with_the_change_however_often_it_was_retried() {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        let settings = TenantSettings {
            callback_caller_id: Some(PhoneNumber::parse_field("c", "512-555-0000").unwrap()),
            ..TenantSettings::default()
        };
        store.save_settings(&tenant, &settings, 0).await.unwrap();
        store.interfere(|l| l.summary = "edited".into());
        store.interfere(|l| l.summary = "edited again".into());
        let out = act(&store, request(&tenant, &id, &CsrAction::CallBack, None))
            .await
            .unwrap();
        assert_eq!(out.lead.callback_attempts, 1);
        let outbox = store.outbox();
        assert_eq!(outbox.len(), 1, "{outbox:?}");
        assert_eq!(outbox[0].event_type, "CallbackRequested");
        assert_eq!(
            outbox[0].event_id,
            format!("{id}.4.0"),
            "lead version 4: 1, two others, ours"
        );
        let payload: serde_json::Value = serde_json::from_str(&outbox[0].payload).unwrap();
        assert_eq!(payload["attempt"], 1);
    }

    #[tokio::test]
    async fn an_action_on_a_missing_or_other_tenants_lead_is_not_found() {
        let (store, _, id) = store_with_lead("512-555-0100");
        let other = TenantId::parse("t", "t-2").unwrap();
        let out = act(&store, request(&other, &id, &dismiss(), None)).await;
        assert!(matches!(out, Err(ActionError::NotFound)), "{out:?}");
    }
}
