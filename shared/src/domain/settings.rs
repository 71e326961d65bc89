//! A tenant's settings (CONTRACT.md §4). Ingestion reads the detection settings; the rest is
//! administered through `/settings`.

use serde::{Deserialize, Serialize};

use super::detection::Strictness;
use super::status::ColdAfterDays;

pub const DEFAULT_MIN_CALL_SECONDS: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub user_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channels: Vec<String>,
}

/// Everything a tenant can configure. Unset values fall back to the product defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSettings {
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub cold_after_days: ColdAfterDays,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    #[serde(default)]
    pub callback_caller_id: Option<String>,
    #[serde(default)]
    pub voicemail_callback_number: Option<String>,
    #[serde(default = "default_min_call_seconds")]
    pub min_call_seconds: u32,
    #[serde(default)]
    pub detection_strictness: Strictness,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
}

fn default_timezone() -> String {
    "America/Chicago".to_owned()
}

fn default_min_call_seconds() -> u32 {
    DEFAULT_MIN_CALL_SECONDS
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            timezone: default_timezone(),
            cold_after_days: ColdAfterDays::default(),
            quiet_hours: None,
            callback_caller_id: None,
            voicemail_callback_number: None,
            min_call_seconds: DEFAULT_MIN_CALL_SECONDS,
            detection_strictness: Strictness::default(),
            recipients: Vec::new(),
        }
    }
}
