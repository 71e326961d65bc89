//! `JobBooked` (docs/api.md, Events in) from the booking system, parsed into a typed booking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::FieldError;
use super::ids::{CrmId, JobId, LeadId, TenantId};
use super::money::Money;
use super::parse::{from_value_named, optional_text};
use super::phone::PhoneNumber;

/// How far back a lead's latest call may be for a booking of the caller's number to be about
/// it, and for the booking screen's banner to show it (docs/product.md): 14 days.
pub const SCL_MATCH_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// A booked job, as stored and as the stream handler applies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobBooked {
    pub tenant_id: TenantId,
    pub job_id: JobId,
    pub customer_phone: PhoneNumber,
    pub customer_id: Option<CrmId>,
    pub booked_at: DateTime<Utc>,
    pub booked_by: Option<String>,
    /// Present when the job was booked from an SCL (the banner or the lead itself).
    pub scl_lead_id: Option<LeadId>,
    /// What the job is worth, when the booking system says (reports sum it for jobs booked
    /// through SCL).
    #[serde(default)]
    pub job_value: Option<Money>,
}

impl JobBooked {
    pub fn from_detail(detail: &Value) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            tenant_id: String,
            job_id: String,
            customer_phone: String,
            #[serde(default)]
            customer_id: Option<String>,
            booked_at: String,
            #[serde(default)]
            booked_by: Option<String>,
            #[serde(default)]
            scl_lead_id: Option<String>,
            #[serde(default)]
            job_value: Option<String>,
        }
        const P: &str = "detail.";
        let raw: Raw = from_value_named(P, detail)?;
        let f = |n: &str| format!("{P}{n}");
        let customer_id = match optional_text(&f("customer_id"), raw.customer_id, 200)? {
            None => None,
            Some(c) => Some(CrmId::parse(&f("customer_id"), &c)?),
        };
        let scl_lead_id = match raw.scl_lead_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(LeadId::parse(&f("scl_lead_id"), id)?),
        };
        Ok(JobBooked {
            tenant_id: TenantId::parse(&f("tenant_id"), raw.tenant_id.trim())?,
            job_id: JobId::parse(&f("job_id"), raw.job_id.trim())?,
            customer_phone: PhoneNumber::parse_field(&f("customer_phone"), &raw.customer_phone)?,
            customer_id,
            booked_at: DateTime::parse_from_rfc3339(raw.booked_at.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    FieldError::new(
                        f("booked_at"),
                        "must be an RFC 3339 time, e.g. 2026-11-24T15:04:05Z",
                    )
                })?,
            booked_by: optional_text(&f("booked_by"), raw.booked_by, 200)?,
            scl_lead_id,
            job_value: raw
                .job_value
                .map(|v| Money::parse_field(&f("job_value"), &v))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail() -> Value {
        json!({"tenant_id": "t-1", "job_id": "job-9", "customer_phone": "(512) 555-0100",
               "customer_id": "c-881", "booked_at": "2026-11-24T16:00:00Z", "booked_by": "u-7",
               "scl_lead_id": "01JDX3Q8M7V4K2N9P5R6S8T0W1"})
    }

    #[test]
    fn parses_the_contract_shape() {
        let b = JobBooked::from_detail(&detail()).unwrap();
        assert_eq!(b.customer_phone.as_str(), "+15125550100");
        assert!(b.scl_lead_id.is_some());
        assert_eq!(b.job_value, None);
        let mut d = detail();
        d["job_value"] = json!("1450.00");
        let b = JobBooked::from_detail(&d).unwrap();
        assert_eq!(b.job_value.map(Money::cents), Some(145_000));
    }

    #[test]
    fn bad_fields_are_named() {
        for (k, v, field) in [
            ("customer_phone", json!("nope"), "detail.customer_phone"),
            ("booked_at", json!("soon"), "detail.booked_at"),
            ("scl_lead_id", json!("x"), "detail.scl_lead_id"),
            ("job_id", json!(""), "detail.job_id"),
            ("extra", json!(1), "detail.extra"),
            ("job_value", json!("12.345"), "detail.job_value"),
            ("job_value", json!("10000000.01"), "detail.job_value"),
            ("job_value", json!(1450), "detail.job_value"),
        ] {
            let mut d = detail();
            d[k] = v;
            assert_eq!(JobBooked::from_detail(&d).unwrap_err().field, field);
        }
        let mut d = detail();
        d.as_object_mut().unwrap().remove("job_id");
        assert_eq!(
            JobBooked::from_detail(&d).unwrap_err().field,
            "detail.job_id"
        );
    }
}
