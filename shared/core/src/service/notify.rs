//! New-lead notifications: in-app, email, SMS (held through quiet hours) to every configured
//! recipient (`LeadCreated` for other systems goes through the outbox, not here). Each (lead, recipient, channel) is
//! delivered once: a delivery record is claimed before sending and finished after, so a
//! redelivered stream record or a retried invocation skips what was already done.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{error, info};

use crate::ports::{
    ChannelError, DeliveryClaim, DeliveryKey, DeliveryStatus, HeldSms, NotificationStore, Notifier,
    SettingsStore, StoreError,
};
use scl_domain::lead::Lead;
use scl_domain::notification::{self, sms_release_at};
use scl_domain::settings::Channel;

/// Attempts per channel before the failure is recorded (backoff 100 ms, 200 ms).
const SEND_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Base URL of the CSR app, for the link to the lead.
    pub app_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NotifyReport {
    pub sent: u32,
    pub held: u32,
    pub skipped: u32,
    /// `user_id/channel: error` for each delivery that failed after its retries.
    pub failed: Vec<String>,
    /// How many of those failed for a reason that passes (throttling, an outage): the lead's
    /// stream record is then retried, and only those deliveries are tried again.
    pub retry_later: u32,
}

enum Delivered {
    Sent,
    Skipped,
    Failed(ChannelError),
}

/// Sends with retries on retryable errors; records the outcome.
async fn deliver<S, F, Fut>(
    store: &S,
    key: &DeliveryKey,
    now: DateTime<Utc>,
    send: F,
) -> Result<Delivered, StoreError>
where
    S: NotificationStore,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), ChannelError>>,
{
    if store.claim_delivery(key, now).await? == DeliveryClaim::AlreadyHandled {
        return Ok(Delivered::Skipped);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match send().await {
            Ok(()) => {
                store
                    .finish_delivery(key, DeliveryStatus::Sent, None, now)
                    .await?;
                return Ok(Delivered::Sent);
            }
            Err(e) if e.retryable && attempt < SEND_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt - 1))).await;
            }
            Err(e) => {
                error!(lead_id = %key.lead_id, user_id = %key.user_id, channel = key.channel, error = %e.detail, "delivery failed");
                store
                    .finish_delivery(key, DeliveryStatus::Failed, Some(e.detail.clone()), now)
                    .await?;
                return Ok(Delivered::Failed(e));
            }
        }
    }
}

fn tally(report: &mut NotifyReport, user: &str, channel: &str, d: Delivered) {
    match d {
        Delivered::Sent => {
            report.sent += 1;
            crate::telemetry::count("NotificationsSent", ("Channel", channel));
        }
        Delivered::Skipped => report.skipped += 1,
        Delivered::Failed(e) => {
            crate::telemetry::count("NotificationsFailed", ("Channel", channel));
            report.retry_later += u32::from(e.retryable);
            report
                .failed
                .push(format!("{user}/{channel}: {}", e.detail))
        }
    }
}

pub async fn notify_new_lead<S, N>(
    store: &S,
    notifier: &N,
    lead: &Lead,
    cfg: &NotifyConfig,
    now: DateTime<Utc>,
) -> Result<NotifyReport, StoreError>
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
{
    let settings = store.settings(&lead.tenant_id).await?;
    let tz = settings.timezone.tz();
    let mut report = NotifyReport::default();
    let key = |user: &str, channel: &'static str| DeliveryKey {
        tenant_id: lead.tenant_id.clone(),
        lead_id: lead.id,
        user_id: user.to_owned(),
        channel,
    };

    for r in &settings.recipients {
        let user = r.user_id.as_str();
        for channel in &r.channels {
            match channel {
                Channel::InApp => {
                    store
                        .put_in_app(&lead.tenant_id, user, &notification::in_app(lead, now))
                        .await?;
                    report.sent += 1;
                }
                Channel::Email => {
                    let Some(to) = &r.email else { continue };
                    let content = notification::email(lead, &tz, &cfg.app_url);
                    let d = deliver(store, &key(user, "email"), now, || {
                        notifier.send_email(to, &content)
                    })
                    .await?;
                    tally(&mut report, user, "email", d);
                }
                Channel::Sms => {
                    let Some(phone) = &r.phone else { continue };
                    let text = notification::sms(lead, &tz, &cfg.app_url);
                    let k = key(user, "sms");
                    match sms_release_at(settings.quiet_hours.as_ref(), &tz, now) {
                        Some(release_at) => {
                            if store.claim_delivery(&k, now).await? == DeliveryClaim::AlreadyHandled
                            {
                                report.skipped += 1;
                                continue;
                            }
                            store
                                .hold_sms(&HeldSms {
                                    key: k.clone(),
                                    phone: phone.clone(),
                                    text,
                                    release_at,
                                })
                                .await?;
                            store
                                .finish_delivery(&k, DeliveryStatus::Held, None, now)
                                .await?;
                            report.held += 1;
                        }
                        None => {
                            let d =
                                deliver(store, &k, now, || notifier.send_sms(phone, &text)).await?;
                            tally(&mut report, user, "sms", d);
                        }
                    }
                }
            }
        }
    }
    info!(lead_id = %lead.id, sent = report.sent, held = report.held, skipped = report.skipped, failed = report.failed.len(), "lead notifications");
    Ok(report)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlushReport {
    pub due: u32,
    pub sent: u32,
    pub failed: u32,
}

/// Sends the held SMS whose quiet hours have ended (run on a schedule; `now` comes from the
/// schedule event's time, so tests drive the clock through the input).
pub async fn flush_held_sms<S, N>(
    store: &S,
    notifier: &N,
    now: DateTime<Utc>,
) -> Result<FlushReport, StoreError>
where
    S: NotificationStore,
    N: Notifier,
{
    let due = store.due_held_sms(now).await?;
    let mut report = FlushReport {
        due: u32::try_from(due.len()).unwrap_or(u32::MAX),
        ..FlushReport::default()
    };
    for held in due {
        if !store.take_held_sms(&held, now).await? {
            continue;
        }
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            match notifier.send_sms(&held.phone, &held.text).await {
                Err(e) if e.retryable && attempt < SEND_ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt - 1))).await;
                }
                other => break other,
            }
        };
        match result {
            Ok(()) => {
                store
                    .finish_delivery(&held.key, DeliveryStatus::Sent, None, now)
                    .await?;
                store.remove_held_sms(&held).await?;
                report.sent += 1;
                crate::telemetry::count("NotificationsSent", ("Channel", "sms"));
            }
            Err(e) => {
                error!(lead_id = %held.key.lead_id, user_id = %held.key.user_id, error = %e.detail, "held SMS failed");
                crate::telemetry::count("NotificationsFailed", ("Channel", "sms"));
                store
                    .finish_delivery(
                        &held.key,
                        DeliveryStatus::Failed,
                        Some(e.detail.clone()),
                        now,
                    )
                    .await?;
                // A retryable failure stays held (taken again once stale); a rejected number
                // is dropped after being recorded.
                if !e.retryable {
                    store.remove_held_sms(&held).await?;
                }
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{store_with_lead, Delivery, MemoryNotifier, MemoryStore};
    use crate::ports::SettingsStore;
    use scl_domain::settings::{
        Channel, EmailAddress, QuietHours, Recipient, TenantSettings, TimeOfDay,
    };
    use scl_domain::{PhoneNumber, UserId};

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
    }

    /// One recipient on every channel; quiet hours (Chicago) from 00:00 to `quiet_until`.
    fn settings(quiet_until: Option<&str>) -> TenantSettings {
        TenantSettings {
            recipients: vec![Recipient {
                user_id: UserId::parse("user_id", "u-1").unwrap(),
                name: Some("Kim".into()),
                email: Some(EmailAddress::parse("email", "kim@example.com").unwrap()),
                phone: Some(PhoneNumber::parse_field("phone", "+15125550199").unwrap()),
                channels: vec![Channel::InApp, Channel::Email, Channel::Sms],
            }],
            quiet_hours: quiet_until.map(|end| QuietHours {
                start: TimeOfDay::parse("start", "00:00").unwrap(),
                end: TimeOfDay::parse("end", end).unwrap(),
            }),
            ..TenantSettings::default()
        }
    }

    /// A business with one lead and `settings(quiet_until)`, and channels that work.
    async fn business(quiet_until: Option<&str>) -> (MemoryStore, Lead, MemoryNotifier) {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        store
            .save_settings(&tenant, &settings(quiet_until), 0)
            .await
            .unwrap();
        let lead = store.lead(&id).unwrap();
        (store, lead, MemoryNotifier::default())
    }

    fn cfg() -> NotifyConfig {
        NotifyConfig {
            app_url: "https://scl.example".into(),
        }
    }

    // 15:00 UTC is 09:00 in Chicago.
    const NOW: &str = "2026-11-24T15:00:00Z";

    #[tokio::test]
    async fn every_channel_is_delivered_once() {
        let (store, lead, notifier) = business(None).await;
        let tenant = lead.tenant_id.clone();
        let report = notify_new_lead(&store, &notifier, &lead, &cfg(), at(NOW))
            .await
            .unwrap();
        assert_eq!((report.sent, report.skipped), (3, 0));
        assert_eq!(lock_len(&notifier.emails), 1);
        assert_eq!(lock_len(&notifier.sms), 1);
        let feed = store.notifications(&tenant, "u-1", true).await.unwrap();
        assert_eq!(feed.len(), 1);
        // A redelivered stream record sends nothing again.
        let again = notify_new_lead(&store, &notifier, &lead, &cfg(), at(NOW))
            .await
            .unwrap();
        assert_eq!((again.skipped, lock_len(&notifier.emails)), (2, 1));
        assert_eq!(
            store
                .notifications(&tenant, "u-1", false)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn a_channel_that_stays_down_is_recorded_for_a_later_retry() {
        let (store, lead, notifier) = business(None).await;
        let (tenant, id) = (lead.tenant_id.clone(), lead.id);
        *notifier.failing.lock().unwrap() = Some(ChannelError {
            channel: "email",
            retryable: true,
            detail: "Throttling".into(),
        });
        let report = notify_new_lead(&store, &notifier, &lead, &cfg(), at(NOW))
            .await
            .unwrap();
        assert_eq!((report.failed.len(), report.retry_later), (2, 2));
        assert_eq!(*notifier.attempts.lock().unwrap(), 2 * SEND_ATTEMPTS);
        let key = DeliveryKey {
            tenant_id: tenant.clone(),
            lead_id: id,
            user_id: "u-1".into(),
            channel: "email",
        };
        assert_eq!(
            store.delivery(&key),
            Some(Delivery::Finished(DeliveryStatus::Failed))
        );
        // The retried record delivers what failed.
        *notifier.failing.lock().unwrap() = None;
        let retried = notify_new_lead(&store, &notifier, &lead, &cfg(), at(NOW))
            .await
            .unwrap();
        assert_eq!((retried.sent, retried.failed.len()), (3, 0));
    }

    #[tokio::test]
    async fn an_sms_in_quiet_hours_waits_for_them_to_end() {
        let (store, lead, notifier) = business(Some("10:00")).await;
        let report = notify_new_lead(&store, &notifier, &lead, &cfg(), at(NOW))
            .await
            .unwrap();
        assert_eq!((report.sent, report.held), (2, 1));
        assert_eq!(lock_len(&notifier.sms), 0);
        let held = store.held_sms();
        assert_eq!(held.len(), 1);
        assert_eq!(
            held[0].release_at,
            at("2026-11-24T16:00:00Z"),
            "10:00 in Chicago"
        );
        let early = flush_held_sms(&store, &notifier, at("2026-11-24T15:59:00Z"))
            .await
            .unwrap();
        assert_eq!(early.due, 0);
        let flushed = flush_held_sms(&store, &notifier, at("2026-11-24T16:01:00Z"))
            .await
            .unwrap();
        assert_eq!((flushed.due, flushed.sent), (1, 1));
        assert_eq!(lock_len(&notifier.sms), 1);
        assert!(store.held_sms().is_empty());
    }

    fn lock_len<T>(m: &std::sync::Mutex<Vec<T>>) -> usize {
        m.lock().map(|v| v.len()).unwrap_or(0)
    }
}
