//! Sample values for unit tests in this crate and, through the `samples` feature, in the crates
//! above it (the in-memory ports, the adapters' codecs).

use crate::status::ColdAfterDays;
use crate::{Lead, LeadId, PhoneNumber, TenantId};

/// A new lead for unit tests: tenant `t-1`, the given phone, a call that ended an hour ago.
pub fn sample_lead(phone: &str) -> Lead {
    use crate::detection::Detection;
    use crate::lead::{CallInfo, Customer, NewLead};
    use crate::CallId;
    let ended = crate::lead::now_millis() - chrono::Duration::hours(1);
    Lead::flagged(
        NewLead {
            id: LeadId::generate(),
            tenant_id: TenantId::parse("tenant_id", "t-1").unwrap_or_else(|e| panic!("{e:?}")),
            customer: Customer {
                phone: PhoneNumber::parse_field("phone", phone).unwrap_or_else(|e| panic!("{e:?}")),
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
            detection_terms: vec!["water heater".into()],
        },
        ColdAfterDays::DEFAULT,
        ended,
    )
}
