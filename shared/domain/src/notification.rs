//! New-lead notifications: what each channel says, and when an SMS may go out (quiet hours in
//! the tenant's time zone). Pure; the sending lives behind the `Notifier` port.

use super::zone::Zone;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::ids::LeadId;
use super::lead::Lead;
use super::settings::QuietHours;

/// A notification's id: `n-` and the lead's id, one per (lead, recipient), so a redelivered
/// stream record finds the one it already wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NotificationId(LeadId);

impl NotificationId {
    pub fn for_lead(lead: &Lead) -> Self {
        NotificationId(lead.id)
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.strip_prefix("n-")
            .and_then(|id| LeadId::parse(field, id).ok())
            .map(NotificationId)
            .ok_or_else(|| FieldError::new(field, "must be a notification id (n-<lead id>)"))
    }
}

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "n-{}", self.0)
    }
}

impl TryFrom<String> for NotificationId {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        NotificationId::parse("id", &v)
    }
}

impl From<NotificationId> for String {
    fn from(v: NotificationId) -> String {
        v.to_string()
    }
}

/// An in-app notification as the feed shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InAppNotification {
    pub id: NotificationId,
    pub lead_id: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn local_call_time(lead: &Lead, tz: &Zone) -> String {
    lead.call
        .started_at
        .with_timezone(tz)
        .format("%a %b %-d, %-I:%M %p %Z")
        .to_string()
}

/// `{app_url}/leads/{id}`: where the CSR app shows the lead.
pub fn lead_link(app_url: &str, lead: &Lead) -> String {
    format!("{}/leads/{}", app_url.trim_end_matches('/'), lead.id)
}

pub fn in_app(lead: &Lead, now: DateTime<Utc>) -> InAppNotification {
    InAppNotification {
        id: NotificationId::for_lead(lead),
        lead_id: lead.id.to_string(),
        title: "New Second Chance Lead".into(),
        body: lead.summary.clone(),
        created_at: now,
        read_at: None,
    }
}

pub fn email(lead: &Lead, tz: &Zone, app_url: &str) -> EmailContent {
    let when = local_call_time(lead, tz);
    let who = lead.customer.name.as_deref().unwrap_or("A caller");
    let link = lead_link(app_url, lead);
    let subject = format!("New Second Chance Lead: {who} ({when})");
    let reasons = lead.detection.reasons.join("; ");
    let text = format!(
        "{who} called on {when} and no job was booked.\n\nSummary: {}\nWhy it was flagged: {reasons}\n\nReview the call: {link}\n",
        lead.summary
    );
    let html = format!(
        "<p><strong>{}</strong> called on {} and no job was booked.</p><p><strong>Summary:</strong> {}</p><p><strong>Why it was flagged:</strong> {}</p><p><a href=\"{}\">Review the call</a></p>",
        html_escape(who),
        html_escape(&when),
        html_escape(&lead.summary),
        html_escape(&reasons),
        html_escape(&link),
    );
    EmailContent {
        subject,
        text,
        html,
    }
}

/// Short, no transcript text, customer number masked.
pub fn sms(lead: &Lead, tz: &Zone, app_url: &str) -> String {
    format!(
        "SCL: new lead from {} ({}). Review: {}",
        lead.customer.phone.masked(),
        local_call_time(lead, tz),
        lead_link(app_url, lead)
    )
}

/// When an SMS that would go out at `now` may be sent: `None` if now, else the end of the
/// current quiet period (the next `end` time in the tenant's zone).
pub fn sms_release_at(
    quiet: Option<&QuietHours>,
    tz: &Zone,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let q = quiet?;
    let (start, end) = (q.start.time(), q.end.time());
    if start == end {
        return None;
    }
    let local = now.with_timezone(tz);
    let t = local.time();
    let inside = if start < end {
        t >= start && t < end
    } else {
        t >= start || t < end
    };
    if !inside {
        return None;
    }
    let today = local.date_naive();
    let day: NaiveDate = if t < end {
        today
    } else {
        today + Duration::days(1)
    };
    // The end time on that day in the tenant's zone (earliest reading across a DST change).
    tz.from_local_datetime(&day.and_time(end))
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(day.and_time(end) + Duration::hours(1)))
                .earliest()
        })
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::TimeOfDay;

    fn qh(start: &str, end: &str) -> QuietHours {
        QuietHours {
            start: TimeOfDay::parse("s", start).unwrap(),
            end: TimeOfDay::parse("e", end).unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn overnight_quiet_hours_hold_until_the_morning_in_the_tenants_zone() {
        let tz = &Zone::named("America/Chicago").unwrap();
        let q = qh("21:00", "08:00");
        // 22:30 Chicago (CST, UTC-6) on Nov 24 -> 08:00 Chicago on Nov 25 = 14:00Z.
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T04:30:00Z")),
            Some(utc("2026-11-25T14:00:00Z"))
        );
        // 06:00 Chicago -> 08:00 the same day.
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T12:00:00Z")),
            Some(utc("2026-11-25T14:00:00Z"))
        );
        // 12:00 Chicago: not quiet.
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T18:00:00Z")),
            None
        );
        assert_eq!(sms_release_at(None, tz, utc("2026-11-25T04:30:00Z")), None);
    }

    #[test]
    fn daytime_quiet_hours_and_edges() {
        let tz = &Zone::named("UTC").unwrap();
        let q = qh("12:00", "13:00");
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T12:00:00Z")),
            Some(utc("2026-11-25T13:00:00Z"))
        );
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T13:00:00Z")),
            None
        );
        assert_eq!(
            sms_release_at(Some(&q), tz, utc("2026-11-25T11:59:00Z")),
            None
        );
    }
}
