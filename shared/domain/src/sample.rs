//! Sample values for unit tests in this crate and, through the `samples` feature, in the crates
//! above it (the in-memory ports, the adapters' codecs).

use crate::call_event::CallCompleted;
use crate::status::ColdAfterDays;
use crate::{Lead, LeadId, PhoneNumber, TenantId};

/// A new lead for unit tests: tenant `t-1`, the given phone, a call that ended an hour ago.
pub fn sample_lead(phone: &str) -> Lead {
    use crate::detection::Detection;
    use crate::lead::{CallInfo, Customer, NewLead, QualifiedCall};
    use crate::CallId;
    let ended = crate::lead::now_millis() - chrono::Duration::hours(1);
    Lead::flagged(
        NewLead {
            id: LeadId::generate(),
            qualified: QualifiedCall {
                tenant_id: TenantId::parse("tenant_id", "t-1").unwrap_or_else(|e| panic!("{e:?}")),
                customer: Customer {
                    phone: PhoneNumber::parse_field("phone", phone)
                        .unwrap_or_else(|e| panic!("{e:?}")),
                    name: None,
                    customer_id: None,
                    location_id: None,
                },
                call: CallInfo {
                    call_id: CallId::parse("call_id", "call-1").unwrap_or_else(|e| panic!("{e:?}")),
                    started_at: ended - chrono::Duration::minutes(4),
                    ended_at: ended,
                    duration_seconds: 240,
                    call_reason: None,
                    agent_id: None,
                    agent_name: None,
                    csr_notes: None,
                    recording_url: None,
                },
                summary: "Water heater leaking".into(),
                summary_is_generated: true,
                detection: Detection {
                    score: 0.9,
                    reasons: vec![],
                    evidence: vec![],
                    model_version: "test".into(),
                    platform: None,
                },
                terms: vec!["water heater".into()],
            },
        },
        ColdAfterDays::DEFAULT,
        ended,
    )
}

/// A call that is a lead under the default settings: from `+15125550100` (Dana Reyes), of
/// tenant `t-1`, ended 2026-11-24T15:04:12Z after 4m 12s (a five-minute wrap-up ends at
/// 15:09:12), about an air conditioner, with `patch` applied to its event's detail.
pub fn qualifying_call(call_id: &str, patch: serde_json::Value) -> CallCompleted {
    let mut d = serde_json::json!({
        "tenant_id": "t-1", "call_id": call_id, "direction": "inbound", "answered": true,
        "outcome": "unbooked", "from_number": "+15125550100", "customer_name": "Dana Reyes",
        "started_at": "2026-11-24T15:00:00Z", "ended_at": "2026-11-24T15:04:12Z",
        "duration_seconds": 252,
        "transcript": [
            {"speaker": "customer", "start_ms": 3000, "text": "Hi, my AC stopped cooling last night and the house is 85 degrees."},
            {"speaker": "customer", "start_ms": 12000, "text": "What's the price for a diagnostic visit?"},
            {"speaker": "customer", "start_ms": 19000, "text": "Okay, let me think about it and call you back."}
        ]
    });
    for (k, v) in patch.as_object().into_iter().flatten() {
        d[k] = v.clone();
    }
    CallCompleted::from_detail(&d).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The account the samples' events come from.
pub const SAMPLE_ACCOUNT: &str = "123456789012";

/// `detail` as it arrives from `source` in the sample account.
pub fn arrived<T>(source: &str, detail: T) -> crate::envelope::Arrived<T> {
    crate::envelope::Arrived {
        origin: crate::event_source::Origin {
            source: Some(source.to_owned()),
            account: Some(SAMPLE_ACCOUNT.to_owned()),
        },
        detail,
    }
}

/// The sample phone platform's and booking system's sources, from the sample account: what a
/// sample business's settings bind.
pub fn sample_bindings() -> Vec<crate::event_source::SourceBinding> {
    let bind = |source: &str| crate::event_source::SourceBinding {
        source: crate::event_source::SourceName::parse("source", source).expect("a valid source"),
        account: Some(
            crate::event_source::AccountId::parse("account", SAMPLE_ACCOUNT)
                .expect("a valid account"),
        ),
    };
    vec![bind("phone.platform"), bind("booking.system")]
}
