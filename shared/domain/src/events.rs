//! Events for other systems (docs/api.md, Events out): one type each, serialised to exactly the
//! documented payload, published with the `event_type` attribute subscribers filter on and an
//! `event_id` that stays the same however often the event is delivered.
//!
//! Events are never published by the code that makes the change: they are written in the same
//! transaction as the change (the outbox) and published from the table's stream, so a change is
//! never without its events and an unavailable SNS never fails a CSR's request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::commands::CopyTarget;
use super::ids::{CrmId, LeadId, TenantId, UserId};
use super::lead::Lead;
use super::phone::PhoneNumber;

/// The telephony platform is asked to call the customer back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackRequested {
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub customer_phone: PhoneNumber,
    pub caller_id: Option<PhoneNumber>,
    pub voicemail_callback_number: Option<PhoneNumber>,
    pub agent_id: UserId,
    pub requested_at: DateTime<Utc>,
    pub attempt: u32,
}

/// A CSR's note copied to the customer's or the location's notes in the CRM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteCopied {
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub target: CopyTarget,
    pub customer_id: Option<CrmId>,
    pub location_id: Option<CrmId>,
    pub text: String,
    pub author_id: UserId,
}

/// A new lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadCreated {
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub customer_phone: PhoneNumber,
    pub created_at: DateTime<Utc>,
}

impl LeadCreated {
    /// The event of a lead just created (flagged by detection or promoted by a CSR).
    pub fn of(lead: &Lead) -> IntegrationEvent {
        IntegrationEvent::LeadCreated(LeadCreated {
            tenant_id: lead.tenant_id.clone(),
            lead_id: lead.id,
            customer_phone: lead.customer.phone.clone(),
            created_at: lead.created_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum IntegrationEvent {
    CallbackRequested(CallbackRequested),
    NoteCopied(NoteCopied),
    LeadCreated(LeadCreated),
}

impl IntegrationEvent {
    /// The `event_type` message attribute.
    pub fn event_type(&self) -> &'static str {
        match self {
            IntegrationEvent::CallbackRequested(_) => "CallbackRequested",
            IntegrationEvent::NoteCopied(_) => "NoteCopied",
            IntegrationEvent::LeadCreated(_) => "LeadCreated",
        }
    }

    /// The message body.
    pub fn payload(&self) -> Value {
        let v = match self {
            IntegrationEvent::CallbackRequested(e) => serde_json::to_value(e),
            IntegrationEvent::NoteCopied(e) => serde_json::to_value(e),
            IntegrationEvent::LeadCreated(e) => serde_json::to_value(e),
        };
        // Plain data of strings, numbers and options: serialising cannot fail.
        v.unwrap_or(Value::Null)
    }
}

/// An event as written beside its change and published later: what subscribers receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// `<lead id>.<lead version>.<n>`: one change of a lead makes its version, so the id is
    /// unique per event and the same for every delivery of it (consumers dedupe on it).
    pub event_id: String,
    pub event_type: String,
    /// The message body (JSON text).
    pub payload: String,
}

impl PendingEvent {
    /// The `n`th event of the change that made `lead` version `version`.
    pub fn of(event: &IntegrationEvent, lead: &LeadId, version: u64, n: usize) -> PendingEvent {
        PendingEvent {
            event_id: format!("{lead}.{version}.{n}"),
            event_type: event.event_type().to_owned(),
            payload: event.payload().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_are_the_documented_ones() {
        let t = "2026-11-24T15:04:05Z".parse::<DateTime<Utc>>().unwrap();
        let lead = LeadId::parse("id", "01JDX3Q8M7V4K2N9P5R6S8T0W1").unwrap();
        let e = IntegrationEvent::NoteCopied(NoteCopied {
            tenant_id: TenantId::parse("t", "t-1").unwrap(),
            lead_id: lead,
            target: CopyTarget::Location,
            customer_id: None,
            location_id: Some(CrmId::parse("l", "l-42").unwrap()),
            text: "called".into(),
            author_id: UserId::parse("u", "u-7").unwrap(),
        });
        assert_eq!(e.event_type(), "NoteCopied");
        assert_eq!(
            e.payload(),
            json!({"tenant_id": "t-1", "lead_id": "01JDX3Q8M7V4K2N9P5R6S8T0W1", "target": "location",
                   "customer_id": null, "location_id": "l-42", "text": "called", "author_id": "u-7"})
        );
        let e = IntegrationEvent::LeadCreated(LeadCreated {
            tenant_id: TenantId::parse("t", "t-1").unwrap(),
            lead_id: lead,
            customer_phone: PhoneNumber::parse_field("p", "512-555-0100").unwrap(),
            created_at: t,
        });
        assert_eq!(
            e.payload(),
            json!({"tenant_id": "t-1", "lead_id": "01JDX3Q8M7V4K2N9P5R6S8T0W1",
                   "customer_phone": "+15125550100", "created_at": "2026-11-24T15:04:05Z"})
        );
    }
}
