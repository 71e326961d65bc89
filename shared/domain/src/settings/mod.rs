//! A tenant's settings (docs/api.md, Routes). Every field is a type that can only hold a valid value;
//! `SettingsUpdate` is a partial `PUT /settings` body, applied over the current settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::detection::Strictness;
use super::error::FieldError;
use super::event_source::{parse_bindings, RawBinding, SourceBinding};
use super::ids::UserId;
use super::parse::{from_value_named, optional_text};
use super::phone::PhoneNumber;
use super::status::ColdAfterDays;
use super::zone::Zone;

pub const DEFAULT_MIN_CALL_SECONDS: u32 = 60;
pub const MAX_MIN_CALL_SECONDS: u32 = 3_600;
pub const MAX_RECIPIENTS: usize = 500;

/// How long after a call ends Second Chance Leads waits before deciding whether it is a lead
/// (0–60 minutes, default 5): the agent's wrap-up — booking the job, classifying the call —
/// counts first, so a job booked then keeps the call out of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct AfterCallWork(u32);

impl AfterCallWork {
    pub const DEFAULT: AfterCallWork = AfterCallWork(5);
    pub const MAX_MINUTES: u32 = 60;

    pub fn new(minutes: u32) -> Result<Self, FieldError> {
        if minutes <= Self::MAX_MINUTES {
            Ok(AfterCallWork(minutes))
        } else {
            Err(FieldError::new(
                "after_call_work_minutes",
                "must be a whole number of minutes from 0 to 60",
            ))
        }
    }

    pub fn minutes(self) -> u32 {
        self.0
    }

    /// When a call that ended at `ended_at` is decided.
    pub fn decide_at(self, ended_at: DateTime<Utc>) -> DateTime<Utc> {
        ended_at + chrono::Duration::minutes(i64::from(self.0))
    }
}

impl Default for AfterCallWork {
    fn default() -> Self {
        AfterCallWork::DEFAULT
    }
}

impl TryFrom<u32> for AfterCallWork {
    type Error = FieldError;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        AfterCallWork::new(v)
    }
}

impl From<AfterCallWork> for u32 {
    fn from(v: AfterCallWork) -> u32 {
        v.0
    }
}

/// An IANA time zone name (`America/Chicago`).
///
/// Made by [`TimeZoneName::parse`] from what an administrator sends, against the time zone
/// database. Deserializing reads a name this service stored (it was parsed when it was
/// written), so it checks only the shape of a zone name: the functions that read settings but
/// never a zone (every CSR action reads the cold-after days) then do not link the database
/// and its reader (~0.3 MB of each bootstrap; BENCHMARKS.md, Deployment artifacts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredZoneName", into = "String")]
pub struct TimeZoneName(String);

/// The serialized form of a stored [`TimeZoneName`].
#[derive(Deserialize)]
#[serde(transparent)]
struct StoredZoneName(String);

impl TimeZoneName {
    /// A zone the bundled time zone database knows, stored as the database spells it.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Zone::known_name(raw.trim())
            .map(|name| TimeZoneName(name.to_owned()))
            .ok_or_else(|| {
                FieldError::new(field, "must be an IANA time zone, e.g. America/Chicago")
            })
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn tz(&self) -> Zone {
        // A stored name was parsed when it was written; UTC only if the database lost it.
        Zone::named(&self.0).unwrap_or_else(Zone::utc)
    }
}

impl TryFrom<StoredZoneName> for TimeZoneName {
    type Error = FieldError;
    fn try_from(v: StoredZoneName) -> Result<Self, Self::Error> {
        // The characters of the database's names (`America/Argentina/Buenos_Aires`,
        // `Etc/GMT+5`), at most 64 of them.
        let shaped = (1..=64).contains(&v.0.len())
            && v.0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
        if shaped {
            Ok(TimeZoneName(v.0))
        } else {
            Err(FieldError::new(
                "timezone",
                "must be an IANA time zone name",
            ))
        }
    }
}
impl From<TimeZoneName> for String {
    fn from(v: TimeZoneName) -> String {
        v.0
    }
}

/// A time of day, `HH:MM` on a 24-hour clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(chrono::NaiveTime);

impl TimeOfDay {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let ok = raw.len() == 5
            && raw.as_bytes()[2] == b':'
            && raw
                .bytes()
                .enumerate()
                .all(|(i, b)| i == 2 || b.is_ascii_digit());
        // Read by hand, not with chrono's format strings (ReportDay::parse says why).
        let number = |from: usize, to: usize| raw.get(from..to)?.parse::<u32>().ok();
        ok.then(|| chrono::NaiveTime::from_hms_opt(number(0, 2)?, number(3, 5)?, 0))
            .flatten()
            .map(TimeOfDay)
            .ok_or_else(|| FieldError::new(field, "must be a 24-hour time HH:MM, e.g. 21:00"))
    }
    pub fn time(self) -> chrono::NaiveTime {
        self.0
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        TimeOfDay::parse("time", &v)
    }
}
impl From<TimeOfDay> for String {
    fn from(v: TimeOfDay) -> String {
        use chrono::Timelike;
        format!("{:02}:{:02}", v.0.hour(), v.0.minute())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InApp,
    Email,
    Sms,
}

/// A plausible email address: one `@`, a dotted domain, no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        let valid = t.len() <= 254
            && !t.chars().any(char::is_whitespace)
            && t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(EmailAddress(t.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "must be an email address, e.g. sam@example.com",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        EmailAddress::parse("email", &v)
    }
}
impl From<EmailAddress> for String {
    fn from(v: EmailAddress) -> String {
        v.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub user_id: UserId,
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub channels: Vec<Channel>,
}

/// Everything a tenant can configure. Unset values fall back to the product defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// The business's switch: while false, calls are decided `disabled` and create nothing.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    #[serde(default)]
    pub after_call_work_minutes: AfterCallWork,
    #[serde(default = "default_timezone")]
    pub timezone: TimeZoneName,
    #[serde(default)]
    pub cold_after_days: ColdAfterDays,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    #[serde(default)]
    pub callback_caller_id: Option<PhoneNumber>,
    #[serde(default)]
    pub voicemail_callback_number: Option<PhoneNumber>,
    #[serde(default = "default_min_call_seconds")]
    pub min_call_seconds: u32,
    #[serde(default)]
    pub detection_strictness: Strictness,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// The event sources allowed to speak for the business (`event_source`); none by default,
    /// so a business receives no call or booking until an administrator binds its sources.
    #[serde(default)]
    pub event_sources: Vec<SourceBinding>,
}

fn enabled_by_default() -> bool {
    true
}

fn default_timezone() -> TimeZoneName {
    TimeZoneName("America/Chicago".to_owned())
}

fn default_min_call_seconds() -> u32 {
    DEFAULT_MIN_CALL_SECONDS
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            enabled: true,
            after_call_work_minutes: AfterCallWork::DEFAULT,
            timezone: default_timezone(),
            cold_after_days: ColdAfterDays::default(),
            quiet_hours: None,
            callback_caller_id: None,
            voicemail_callback_number: None,
            min_call_seconds: DEFAULT_MIN_CALL_SECONDS,
            detection_strictness: Strictness::default(),
            recipients: Vec::new(),
            event_sources: Vec::new(),
        }
    }
}

/// A field that may be left out (keep), set to `null` (clear) or given a value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    fn apply(self, current: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *current = None,
            Patch::Set(v) => *current = Some(v),
        }
    }
}

/// A validated `PUT /settings` body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SettingsUpdate {
    pub enabled: Option<bool>,
    pub after_call_work_minutes: Option<AfterCallWork>,
    pub timezone: Option<TimeZoneName>,
    pub cold_after_days: Option<ColdAfterDays>,
    pub quiet_hours: Patch<QuietHours>,
    pub callback_caller_id: Patch<PhoneNumber>,
    pub voicemail_callback_number: Patch<PhoneNumber>,
    pub min_call_seconds: Option<u32>,
    pub detection_strictness: Option<Strictness>,
    pub recipients: Option<Vec<Recipient>>,
    pub event_sources: Option<Vec<SourceBinding>>,
}

fn patch_phone(field: &str, raw: Option<Option<String>>) -> Result<Patch<PhoneNumber>, FieldError> {
    match raw {
        None => Ok(Patch::Keep),
        Some(None) => Ok(Patch::Clear),
        Some(Some(s)) => PhoneNumber::parse_field(field, &s).map(Patch::Set),
    }
}

/// A field that may be left out but, when given, must hold a value (`null` is refused, naming
/// the field): `enabled` must be a boolean, not "nothing".
fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Distinguishes an absent field from an explicit `null`.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl SettingsUpdate {
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawQuiet {
            start: String,
            end: String,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawRecipient {
            user_id: String,
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            email: Option<String>,
            #[serde(default)]
            phone: Option<String>,
            #[serde(default)]
            channels: Vec<Channel>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default, deserialize_with = "not_null")]
            enabled: Option<bool>,
            #[serde(default, deserialize_with = "not_null")]
            after_call_work_minutes: Option<u32>,
            #[serde(default)]
            timezone: Option<String>,
            #[serde(default)]
            cold_after_days: Option<u32>,
            #[serde(default, deserialize_with = "double_option")]
            quiet_hours: Option<Option<RawQuiet>>,
            #[serde(default, deserialize_with = "double_option")]
            callback_caller_id: Option<Option<String>>,
            #[serde(default, deserialize_with = "double_option")]
            voicemail_callback_number: Option<Option<String>>,
            #[serde(default)]
            min_call_seconds: Option<u32>,
            #[serde(default)]
            detection_strictness: Option<Strictness>,
            #[serde(default)]
            recipients: Option<Vec<RawRecipient>>,
            #[serde(default, deserialize_with = "not_null")]
            event_sources: Option<Vec<RawBinding>>,
        }
        let raw: Raw = from_value_named("", body)?;
        let quiet_hours = match raw.quiet_hours {
            None => Patch::Keep,
            Some(None) => Patch::Clear,
            Some(Some(q)) => Patch::Set(QuietHours {
                start: TimeOfDay::parse("quiet_hours.start", &q.start)?,
                end: TimeOfDay::parse("quiet_hours.end", &q.end)?,
            }),
        };
        if let Some(s) = raw.min_call_seconds {
            if s > MAX_MIN_CALL_SECONDS {
                return Err(FieldError::new(
                    "min_call_seconds",
                    "must be from 0 to 3600 seconds",
                ));
            }
        }
        let recipients = match raw.recipients {
            None => None,
            Some(list) => {
                if list.len() > MAX_RECIPIENTS {
                    return Err(FieldError::new(
                        "recipients",
                        format!("must list at most {MAX_RECIPIENTS} users"),
                    ));
                }
                let mut out: Vec<Recipient> = Vec::with_capacity(list.len());
                for (i, r) in list.into_iter().enumerate() {
                    let f = |name: &str| format!("recipients[{i}].{name}");
                    let user_id = UserId::parse(&f("user_id"), r.user_id.trim())?;
                    if out.iter().any(|o| o.user_id == user_id) {
                        return Err(FieldError::new(f("user_id"), "is listed twice"));
                    }
                    let email = optional_text(&f("email"), r.email, 254)?
                        .map(|e| EmailAddress::parse(&f("email"), &e))
                        .transpose()?;
                    let phone = optional_text(&f("phone"), r.phone, 40)?
                        .map(|p| PhoneNumber::parse_field(&f("phone"), &p))
                        .transpose()?;
                    let mut channels = r.channels;
                    channels.dedup();
                    if channels.contains(&Channel::Email) && email.is_none() {
                        return Err(FieldError::new(
                            f("email"),
                            "is required for the email channel",
                        ));
                    }
                    if channels.contains(&Channel::Sms) && phone.is_none() {
                        return Err(FieldError::new(
                            f("phone"),
                            "is required for the sms channel",
                        ));
                    }
                    out.push(Recipient {
                        user_id,
                        name: optional_text(&f("name"), r.name, 200)?,
                        email,
                        phone,
                        channels,
                    });
                }
                Some(out)
            }
        };
        Ok(SettingsUpdate {
            enabled: raw.enabled,
            after_call_work_minutes: raw
                .after_call_work_minutes
                .map(AfterCallWork::new)
                .transpose()?,
            timezone: raw
                .timezone
                .map(|t| TimeZoneName::parse("timezone", &t))
                .transpose()?,
            cold_after_days: raw.cold_after_days.map(ColdAfterDays::new).transpose()?,
            quiet_hours,
            callback_caller_id: patch_phone("callback_caller_id", raw.callback_caller_id)?,
            voicemail_callback_number: patch_phone(
                "voicemail_callback_number",
                raw.voicemail_callback_number,
            )?,
            min_call_seconds: raw.min_call_seconds,
            detection_strictness: raw.detection_strictness,
            recipients,
            event_sources: raw
                .event_sources
                .map(|list| parse_bindings("event_sources", list))
                .transpose()?,
        })
    }

    /// The settings after this update; omitted fields keep their value.
    pub fn apply(self, mut s: TenantSettings) -> TenantSettings {
        if let Some(v) = self.enabled {
            s.enabled = v;
        }
        if let Some(v) = self.after_call_work_minutes {
            s.after_call_work_minutes = v;
        }
        if let Some(v) = self.timezone {
            s.timezone = v;
        }
        if let Some(v) = self.cold_after_days {
            s.cold_after_days = v;
        }
        self.quiet_hours.apply(&mut s.quiet_hours);
        self.callback_caller_id.apply(&mut s.callback_caller_id);
        self.voicemail_callback_number
            .apply(&mut s.voicemail_callback_number);
        if let Some(v) = self.min_call_seconds {
            s.min_call_seconds = v;
        }
        if let Some(v) = self.detection_strictness {
            s.detection_strictness = v;
        }
        if let Some(v) = self.recipients {
            s.recipients = v;
        }
        if let Some(v) = self.event_sources {
            s.event_sources = v;
        }
        s
    }
}

#[cfg(test)]
mod tests;
