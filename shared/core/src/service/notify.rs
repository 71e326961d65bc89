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
        Delivered::Sent => report.sent += 1,
        Delivered::Skipped => report.skipped += 1,
        Delivered::Failed(e) => {
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
            }
            Err(e) => {
                error!(lead_id = %held.key.lead_id, user_id = %held.key.user_id, error = %e.detail, "held SMS failed");
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
