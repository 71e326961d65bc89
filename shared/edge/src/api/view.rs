//! The lead as the API shows it (docs/api.md, The lead).

use chrono::{DateTime, Utc};
use serde::Serialize;

use scl_domain::call_event::PlatformClassification;
use scl_domain::detection::{Detection, Evidence};
use scl_domain::lead::{
    Booking, CallInfo, HistoryEntry, Lead, LeadDetail, Note, TranscriptSegment,
};
use scl_domain::status::{LeadStatus, Tab};
use scl_domain::LeadId;

/// A page of a list (`{"items": [...], "next_cursor": ...}`), serialized straight from its
/// items: no intermediate JSON value per page.
#[derive(Debug, Serialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CustomerView<'a> {
    pub phone: &'a str,
    pub name: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub location_id: Option<&'a str>,
}

/// A lead's detection as the API shows it: the evidence of its reasons only in the detail view
/// (a queue page does not carry it for 50 leads).
#[derive(Debug, Serialize)]
pub struct DetectionView<'a> {
    pub score: f64,
    pub reasons: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<&'a [Evidence]>,
    pub model_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<&'a PlatformClassification>,
}

impl<'a> DetectionView<'a> {
    fn new(d: &'a Detection, with_evidence: bool) -> Self {
        DetectionView {
            score: d.score,
            reasons: &d.reasons,
            evidence: with_evidence.then_some(d.evidence.as_slice()),
            model_version: &d.model_version,
            platform: d.platform.as_ref(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LeadView<'a> {
    pub id: LeadId,
    pub status: LeadStatus,
    pub status_label: &'static str,
    pub tab: Tab,
    pub version: u64,
    pub customer: CustomerView<'a>,
    pub call: &'a CallInfo,
    pub summary: &'a str,
    pub summary_is_generated: bool,
    pub detection: DetectionView<'a>,
    pub calls_count: u32,
    pub callback_attempts: u32,
    #[serde(with = "scl_domain::timestamp")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(with = "scl_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "scl_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub booking: Option<&'a Booking>,
}

impl<'a> LeadView<'a> {
    pub fn new(lead: &'a Lead, now: DateTime<Utc>) -> Self {
        LeadView {
            id: lead.id,
            status: lead.status,
            status_label: lead.status.label(),
            tab: lead.tab(now),
            version: lead.version,
            customer: CustomerView {
                phone: lead.customer.phone.as_str(),
                name: lead.customer.name.as_deref(),
                customer_id: lead.customer.customer_id.as_ref().map(|c| c.as_str()),
                location_id: lead.customer.location_id.as_ref().map(|c| c.as_str()),
            },
            call: &lead.call,
            summary: &lead.summary,
            summary_is_generated: lead.summary_is_generated,
            detection: DetectionView::new(&lead.detection, false),
            calls_count: lead.calls_count,
            callback_attempts: lead.callback_attempts,
            last_activity_at: lead.last_activity_at,
            created_at: lead.created_at,
            updated_at: lead.updated_at,
            booking: lead.booking.as_ref(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LeadDetailView<'a> {
    #[serde(flatten)]
    pub lead: LeadView<'a>,
    pub transcript: &'a [TranscriptSegment],
    pub transcript_truncated: bool,
    pub notes: &'a [Note],
    pub history: &'a [HistoryEntry],
    pub calls: &'a [CallInfo],
}

impl<'a> LeadDetailView<'a> {
    pub fn new(d: &'a LeadDetail, now: DateTime<Utc>) -> Self {
        let mut lead = LeadView::new(&d.lead, now);
        lead.detection = DetectionView::new(&d.lead.detection, true);
        LeadDetailView {
            lead,
            transcript: &d.transcript.segments,
            transcript_truncated: d.transcript.truncated,
            notes: &d.notes,
            history: &d.history,
            calls: &d.calls,
        }
    }
}

/// `GET /banner`'s answer: is the caller linked to an Open/Cold lead (docs/api.md, Routes)?
#[derive(Debug, Serialize)]
pub struct BannerView<'a> {
    pub linked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<BannerLead<'a>>,
}

#[derive(Debug, Serialize)]
pub struct BannerLead<'a> {
    pub id: String,
    pub status: LeadStatus,
    pub status_label: &'static str,
    pub tab: Tab,
    #[serde(with = "scl_domain::timestamp")]
    pub call_started_at: DateTime<Utc>,
    pub summary: &'a str,
}

impl<'a> BannerView<'a> {
    pub fn new(lead: Option<&'a Lead>, now: DateTime<Utc>) -> Self {
        BannerView {
            linked: lead.is_some(),
            lead: lead.map(|l| BannerLead {
                id: l.id.to_string(),
                status: l.status,
                status_label: l.status.label(),
                tab: l.tab(now),
                call_started_at: l.call.started_at,
                summary: &l.summary,
            }),
        }
    }
}
