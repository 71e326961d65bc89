//! Every DynamoDB key format, in one place. docs/data-model.md describes the same layout.
//!
//! Every partition key starts with the tenant, and the tenant only ever comes from a verified
//! token or a validated event, so no request can address another tenant's items.

use chrono::{DateTime, Utc};

use scl_domain::ids::{CallId, CrmId, JobId, LeadId, TenantId, UserId};
use scl_domain::notification::NotificationId;
use scl_domain::phone::PhoneNumber;
use scl_domain::report::ReportDay;
use scl_domain::status::{LeadStatus, Tab};

pub const LEAD_SK: &str = "LEAD";
pub const CALL_MARKER_SK: &str = "CALL";
pub const SETTINGS_SK: &str = "SETTINGS";
pub const BOOKING_SK: &str = "BOOKING";
/// The business's learned detection adjustment: beside the settings, so ingestion reads both
/// with one `begins_with(sk, "SETTINGS")` Query.
pub const SETTINGS_PREFIX: &str = "SETTINGS";
pub const ADJUSTMENT_SK: &str = "SETTINGS#DETECTION";
/// The business's label counts (only the learner and the stats read them).
pub const LEARNING_SK: &str = "DETECTION#LEARNING";
/// In a lead's partition: the label counted for the lead.
pub const LABEL_SK: &str = "LABEL";
/// In a call's partition: the near miss and its transcript chunks (`NEAR_MISS#TX#00`...).
pub const NEAR_MISS_SK: &str = "NEAR_MISS";
pub const NEAR_MISS_TRANSCRIPT_PREFIX: &str = "NEAR_MISS#TX#";
/// Sort-key prefix of a lead's transcript chunks; shares the `LEAD` prefix with the lead item
/// so one `begins_with(sk, "LEAD")` Query reads the lead and its transcripts, nothing else.
pub const TRANSCRIPT_PREFIX: &str = "LEAD#TX#";

pub const INDEX_BY_TAB: &str = "ByTab";
pub const INDEX_BY_STATUS: &str = "ByStatus";
pub const INDEX_BY_PHONE: &str = "ByPhone";
pub const INDEX_COLD_DUE: &str = "ColdDue";

/// Fixed-width UTC time (millisecond precision) so keys sort chronologically as strings.
/// Written by hand rather than with chrono's format strings, whose formatter is tens of KB of
/// every bootstrap (BENCHMARKS.md, Deployment artifacts).
pub fn sortable_time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        // A leap second's nanoseconds run past 1e9; its milliseconds stay three digits.
        t.timestamp_subsec_millis().min(999)
    )
}

/// `YYYY-MM` of a day (for month items).
fn year_month(day: ReportDay) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}", day.date().year(), day.date().month())
}

/// The business's own items (settings, detection adjustment and learning): a partition family
/// of its own, so a role that reads the settings is given `TENANT#*#BUSINESS`, not every
/// partition of every business (`TENANT#*`).
pub fn business_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#BUSINESS")
}

pub fn lead_pk(tenant: &TenantId, lead: &LeadId) -> String {
    format!("TENANT#{tenant}#LEAD#{lead}")
}

/// A user's idempotency keys (one item per key).
pub fn idempotency_pk(tenant: &TenantId, user: &UserId) -> String {
    format!("TENANT#{tenant}#USER#{user}#IDEMPOTENCY")
}

/// The lead's events out, waiting in the outbox for the table's stream to publish them.
pub fn outbox_pk(tenant: &TenantId, lead: &LeadId) -> String {
    format!("TENANT#{tenant}#OUTBOX#{lead}")
}

/// The `n`th event of the change that made the lead `version`.
pub fn outbox_sk(version: u64, n: usize) -> String {
    format!("EVENT#{version:010}#{n:02}")
}

pub fn call_marker_pk(tenant: &TenantId, call: &CallId) -> String {
    format!("TENANT#{tenant}#CALL#{call}")
}

pub fn booking_pk(tenant: &TenantId, job: &JobId) -> String {
    format!("TENANT#{tenant}#BOOKING#{job}")
}

pub fn delivery_pk(tenant: &TenantId, lead: &LeadId) -> String {
    format!("TENANT#{tenant}#DELIVERY#{lead}")
}

pub fn delivery_sk(user: &str, channel: &str) -> String {
    format!("{user}#{channel}")
}

/// A user's in-app feed; the sort key ends with the lead's ULID, so it sorts by time.
pub fn feed_pk(tenant: &TenantId, user: &str) -> String {
    format!("TENANT#{tenant}#USER#{user}#NOTIF")
}

pub fn feed_sk(notification_id: &NotificationId) -> String {
    format!("NOTIF#{notification_id}")
}

/// Every held SMS of every tenant, ordered by release time: the scheduled flush reads the due
/// ones with one Query.
pub const HELD_SMS_PK: &str = "HELD_SMS";

pub fn held_sms_sk(
    release_at: DateTime<Utc>,
    tenant: &TenantId,
    lead: &LeadId,
    user: &str,
) -> String {
    format!("{}#{tenant}#{lead}#{user}", sortable_time(release_at))
}

/// Where an open-status lead is kept in the ByTab and ByStatus indexes: Open and Cold have a
/// partition each, so a page of either reads only that tab's leads. A write puts the lead in
/// the partition its Cold rule gives at the write's moment; a lead that turns Cold later is
/// moved by the cold sweep (`ColdDue`), and until then reads find it through that index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Open,
    Cold,
    Done,
}

impl Bucket {
    /// The bucket of a lead in `tab` (the domain's Cold rule decides the tab).
    pub fn of_tab(tab: Tab) -> Bucket {
        match tab {
            Tab::Open => Bucket::Open,
            Tab::Cold => Bucket::Cold,
            Tab::Done => Bucket::Done,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Bucket::Open => "OPEN",
            Bucket::Cold => "COLD",
            Bucket::Done => "DONE",
        }
    }
}

/// A ByTab partition: a tenant's Open, Cold or Done leads.
pub fn tab_partition(tenant: &TenantId, bucket: Bucket) -> String {
    format!("TENANT#{tenant}#TAB#{}", bucket.name())
}

/// A ByStatus partition: a tenant's leads in one status and, for the open statuses, one of
/// Open and Cold (`new` in Open and `new` in Cold are two lists).
pub fn status_partition(tenant: &TenantId, status: LeadStatus, bucket: Bucket) -> String {
    match bucket {
        Bucket::Done => format!("TENANT#{tenant}#STATUS#{status}"),
        open_or_cold => format!("TENANT#{tenant}#STATUS#{status}#{}", open_or_cold.name()),
    }
}

/// The ColdDue index holds each lead kept in Open with the moment it turns Cold, in a few
/// partitions shared by all tenants (a tenant's leads all in one), so the sweep reads every
/// lead due with one Query per partition and a Cold page finds the tenant's due-but-not-yet-
/// moved leads with one.
pub const COLD_DUE_PARTITIONS: u32 = 16;

pub fn cold_due_partition_of(tenant: &TenantId) -> String {
    cold_due_partition(fnv1a(tenant.as_str()) % COLD_DUE_PARTITIONS)
}

pub fn cold_due_partition(n: u32) -> String {
    format!("COLD_DUE#{n:02}")
}

/// Ordered by the moment the lead turns Cold; `due_upto(now)` ends the due range.
pub fn cold_due_sk(cold_at: DateTime<Utc>, lead: &LeadId) -> String {
    format!("{}#{lead}", sortable_time(cold_at))
}

/// Every `cold_due_sk` (and `decide_due_sk`) due at `now` sorts at or before this.
pub fn due_upto(now: DateTime<Utc>) -> String {
    format!("{}#~", sortable_time(now))
}

/// The tab a `tab_partition` names (`None` for anything else).
pub fn bucket_of_tab_partition(partition: &str) -> Option<Bucket> {
    match partition.rsplit_once("#TAB#")?.1 {
        "OPEN" => Some(Bucket::Open),
        "COLD" => Some(Bucket::Cold),
        "DONE" => Some(Bucket::Done),
        _ => None,
    }
}

/// A business's report items, in one partition (the report key family; only the report
/// functions write it): a month of day totals per item (`MONTH#2026-11`), so a period of up
/// to 366 days is one Query of at most 13 items; the queue counts and CSRs' names (`QUEUE`);
/// and what is counted for each lead (`LEAD#<id>`).
pub fn report_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#REPORT")
}

pub const REPORT_MONTH_PREFIX: &str = "MONTH#";
pub const REPORT_LEAD_PREFIX: &str = "LEAD#";
pub const REPORT_QUEUE_SK: &str = "QUEUE";

/// The month item holding `day`'s total.
pub fn report_month_sk(day: ReportDay) -> String {
    format!("{REPORT_MONTH_PREFIX}{}", year_month(day))
}

/// A month's count of calls booked during the wrap-up (`d01`..`d31`), apart from the month's
/// lead totals so a rebuild of those (from the leads) leaves it be.
pub const REPORT_WRAP_UP_PREFIX: &str = "WRAPUP#";

pub fn report_wrap_up_month_sk(day: ReportDay) -> String {
    format!("{REPORT_WRAP_UP_PREFIX}{}", year_month(day))
}

/// The marker that a call's wrap-up booking is counted (`WRAPUP#CALL#..` sorts after every
/// `WRAPUP#<yyyy-mm>`, so a period's Query never reads markers).
pub fn report_wrap_up_call_sk(call: &CallId) -> String {
    format!("{REPORT_WRAP_UP_PREFIX}CALL#{call}")
}

/// The attribute of a month item holding `day`'s count.
pub fn report_wrap_up_day_attr(day: ReportDay) -> String {
    use chrono::Datelike;
    format!("d{:02}", day.date().day())
}

pub fn report_lead_sk(lead: &LeadId) -> String {
    format!("{REPORT_LEAD_PREFIX}{lead}")
}

/// In a lead's partition, one Query over `HISTORY_FIRST..=LEAD_SK` reads its history and the
/// lead, and none of its calls (`CALL#`), transcripts (`LEAD#TX#`) or notes (`NOTE#`).
pub const HISTORY_FIRST: &str = "HIST#";

/// Calls waiting for their decision are spread over this many partitions of the sparse
/// `DecideDue` index, by call; the one-minute drain Queries each for what is due.
pub const INDEX_DECIDE_DUE: &str = "DecideDue";
pub const DECIDE_DUE_PARTITIONS: u32 = 16;

/// FNV-1a: stable across builds and platforms (partitions are stored).
fn fnv1a(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

pub fn decide_due_partition_of(tenant: &TenantId, call: &CallId) -> String {
    decide_due_partition(fnv1a(&format!("{tenant}#{call}")) % DECIDE_DUE_PARTITIONS)
}

pub fn decide_due_partition(n: u32) -> String {
    format!("DECIDE_DUE#{n:02}")
}

/// Ordered by when the decision is due; `due_upto(now)` ends the due range.
pub fn decide_due_sk(decide_at: DateTime<Utc>, tenant: &TenantId, call: &CallId) -> String {
    format!("{}#{tenant}#{call}", sortable_time(decide_at))
}

/// A booking's marker in the number's and the customer's partitions, by when it was booked,
/// so a call's decision finds the jobs booked since the call with one Query each.
pub const BOOKED_PREFIX: &str = "BOOKED#";

pub fn booked_sk(booked_at: DateTime<Utc>, job: &JobId) -> String {
    format!("{BOOKED_PREFIX}{}#{job}", sortable_time(booked_at))
}

/// Every `booked_sk` at or after `since` sorts at or after this.
pub fn booked_from(since: DateTime<Utc>) -> String {
    format!("{BOOKED_PREFIX}{}", sortable_time(since))
}

/// Every `booked_sk` at or before `until` sorts at or before this.
pub fn booked_upto(until: DateTime<Utc>) -> String {
    format!("{BOOKED_PREFIX}{}#~", sortable_time(until))
}

pub fn customer_partition(tenant: &TenantId, customer: &CrmId) -> String {
    format!("TENANT#{tenant}#CUSTOMER#{customer}")
}

/// The number's claim: which lead its next qualifying call belongs to.
pub fn phone_claim_pk(tenant: &TenantId, phone: &PhoneNumber) -> String {
    format!("TENANT#{tenant}#CALLER#{}", phone.as_str())
}
pub const PHONE_CLAIM_SK: &str = "CLAIM";

pub fn phone_partition(tenant: &TenantId, phone: &PhoneNumber) -> String {
    format!("TENANT#{tenant}#PHONE#{}", phone.as_str())
}

/// Sort key shared by every lead index: newest call first when read backwards, ties broken by
/// lead id so positions are unique (cursors depend on that).
pub fn call_order_sk(call_started_at: DateTime<Utc>, lead: &LeadId) -> String {
    format!("{}#{lead}", sortable_time(call_started_at))
}

/// Checks that a string is a well-formed `call_order_sk` (for cursors from clients).
pub fn is_call_order_sk(s: &str) -> bool {
    match s.split_once('#') {
        Some((ts, id)) => {
            ts.len() == 24
                && chrono::DateTime::parse_from_rfc3339(ts).is_ok()
                && LeadId::parse("cursor", id).is_ok()
        }
        None => false,
    }
}

/// The lead id at the end of a `call_order_sk`.
pub fn lead_of_call_order_sk(s: &str) -> Option<LeadId> {
    s.split_once('#')
        .and_then(|(_, id)| LeadId::parse("cursor", id).ok())
}

pub fn call_sk(started_at: DateTime<Utc>, call: &CallId) -> String {
    format!("CALL#{}#{call}", sortable_time(started_at))
}

pub fn transcript_sk(started_at: DateTime<Utc>, call: &CallId, chunk: u32) -> String {
    format!(
        "{TRANSCRIPT_PREFIX}{}#{call}#{chunk:02}",
        sortable_time(started_at)
    )
}

pub fn transcript_call_prefix(started_at: DateTime<Utc>, call: &CallId) -> String {
    format!("{TRANSCRIPT_PREFIX}{}#{call}#", sortable_time(started_at))
}

pub fn history_sk(at: DateTime<Utc>, unique: &str) -> String {
    format!("{HISTORY_FIRST}{}#{unique}", sortable_time(at))
}

pub fn note_sk(at: DateTime<Utc>, id: &str) -> String {
    format!("NOTE#{}#{id}", sortable_time(at))
}

pub fn near_miss_transcript_sk(chunk: u32) -> String {
    format!("{NEAR_MISS_TRANSCRIPT_PREFIX}{chunk:02}")
}

/// A business's near-miss list: newest call last in key order, read backwards.
pub fn near_miss_list_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#NEARMISS")
}

pub fn near_miss_list_sk(started_at: DateTime<Utc>, call: &CallId) -> String {
    format!("{}#{call}", sortable_time(started_at))
}

/// Checks that a string is a well-formed `near_miss_list_sk` (for cursors from clients).
pub fn is_near_miss_list_sk(s: &str) -> bool {
    match s.split_once('#') {
        Some((ts, call)) => {
            ts.len() == 24
                && chrono::DateTime::parse_from_rfc3339(ts).is_ok()
                && CallId::parse("cursor", call).is_ok()
        }
        None => false,
    }
}

/// Rejected events are filed by day so an operator can list a day's rejects with one Query.
pub fn rejected_pk(received_at: DateTime<Utc>) -> String {
    format!("REJECTED#{}", received_at.date_naive())
}

pub fn rejected_sk(received_at: DateTime<Utc>, unique: &str) -> String {
    format!("{}#{unique}", sortable_time(received_at))
}

/// The signatures of a business's webhook requests, each kept until it is stale (one item per
/// signature, so a replay is a failed conditional put).
pub fn webhook_signature_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#WEBHOOK")
}

pub fn webhook_signature_sk(signature: &str) -> String {
    format!("SIG#{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_times_sort_like_times() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let b = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z")
            .unwrap()
            .to_utc();
        assert_eq!(sortable_time(a), "2026-01-02T03:04:05.000Z");
        assert!(sortable_time(a) < sortable_time(b));
    }

    #[test]
    fn call_order_keys_validate() {
        let id = LeadId::generate();
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let sk = call_order_sk(t, &id);
        assert!(is_call_order_sk(&sk));
        assert_eq!(lead_of_call_order_sk(&sk), Some(id));
        assert!(!is_call_order_sk("TENANT#x#LEAD#y"));
        assert!(!is_call_order_sk("2026-01-02T03:04:05.000Z#nope"));
    }

    #[test]
    fn near_miss_list_keys_validate_and_sort_by_call_time() {
        let call = CallId::parse("call_id", "call-1").unwrap();
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let sk = near_miss_list_sk(t, &call);
        assert!(is_near_miss_list_sk(&sk));
        assert!(sk < near_miss_list_sk(t + chrono::Duration::seconds(1), &call));
        assert!(!is_near_miss_list_sk("2026-01-02T03:04:05.000Z#bad#id"));
        assert!(!is_near_miss_list_sk("nope"));
    }
}
