//! Staff notifications in memory: delivery records with the adapter's claim rules, the in-app
//! feed, held SMS; and `MemoryNotifier`, the channels out, which records what it sent and can
//! be told to fail.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::{lock, MemoryStore};
use crate::ports::{
    ChannelError, DeliveryClaim, DeliveryKey, DeliveryStatus, HeldSms, NotificationStore, Notifier,
    StoreError,
};
use scl_domain::notification::{EmailContent, InAppNotification, NotificationId};
use scl_domain::settings::EmailAddress;
use scl_domain::{LeadId, PhoneNumber, TenantId};

/// A delivery stuck in `Sending` this long is taken to have crashed (as in the adapter).
const STALE_SENDING: Duration = Duration::seconds(120);

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sending { since: DateTime<Utc> },
    Finished(DeliveryStatus),
}

type DeliveryId = (TenantId, LeadId, String, &'static str);

fn delivery_id(k: &DeliveryKey) -> DeliveryId {
    (k.tenant_id.clone(), k.lead_id, k.user_id.clone(), k.channel)
}

/// The notification records: part of `MemoryStore`.
#[derive(Default)]
pub(super) struct Notifications {
    deliveries: Mutex<HashMap<DeliveryId, Delivery>>,
    /// Each user's feed, in the order notifications were added.
    feeds: Mutex<HashMap<(TenantId, String), Vec<InAppNotification>>>,
    /// Held SMS, with when a flush took each for sending.
    held: Mutex<Vec<(HeldSms, Option<DateTime<Utc>>)>>,
}

impl MemoryStore {
    pub fn delivery(&self, key: &DeliveryKey) -> Option<Delivery> {
        lock(&self.notifications.deliveries)
            .get(&delivery_id(key))
            .copied()
    }

    /// The SMS held for later, in holding order.
    pub fn held_sms(&self) -> Vec<HeldSms> {
        lock(&self.notifications.held)
            .iter()
            .map(|(h, _)| h.clone())
            .collect()
    }
}

impl NotificationStore for MemoryStore {
    async fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> Result<DeliveryClaim, StoreError> {
        let mut all = lock(&self.notifications.deliveries);
        let free = match all.get(&delivery_id(key)) {
            None | Some(Delivery::Finished(DeliveryStatus::Failed)) => true,
            Some(Delivery::Sending { since }) => *since < now - STALE_SENDING,
            Some(Delivery::Finished(_)) => false,
        };
        if !free {
            return Ok(DeliveryClaim::AlreadyHandled);
        }
        all.insert(delivery_id(key), Delivery::Sending { since: now });
        Ok(DeliveryClaim::Proceed)
    }

    async fn finish_delivery(
        &self,
        key: &DeliveryKey,
        status: DeliveryStatus,
        _error: Option<String>,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        lock(&self.notifications.deliveries).insert(delivery_id(key), Delivery::Finished(status));
        Ok(())
    }

    async fn put_in_app(
        &self,
        tenant: &TenantId,
        user_id: &str,
        n: &InAppNotification,
    ) -> Result<(), StoreError> {
        let mut feeds = lock(&self.notifications.feeds);
        let feed = feeds
            .entry((tenant.clone(), user_id.to_owned()))
            .or_default();
        if !feed.iter().any(|f| f.id == n.id) {
            feed.push(n.clone());
        }
        Ok(())
    }

    async fn hold_sms(&self, held: &HeldSms) -> Result<(), StoreError> {
        let mut all = lock(&self.notifications.held);
        if !all.iter().any(|(h, _)| h == held) {
            all.push((held.clone(), None));
        }
        Ok(())
    }

    async fn due_held_sms(&self, now: DateTime<Utc>) -> Result<Vec<HeldSms>, StoreError> {
        let mut due: Vec<HeldSms> = lock(&self.notifications.held)
            .iter()
            .filter(|(h, _)| h.release_at <= now)
            .map(|(h, _)| h.clone())
            .collect();
        due.sort_by_key(|h| h.release_at);
        Ok(due)
    }

    async fn take_held_sms(&self, held: &HeldSms, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut all = lock(&self.notifications.held);
        let Some((_, taken)) = all.iter_mut().find(|(h, _)| h == held) else {
            return Ok(false);
        };
        if taken.is_some_and(|at| at >= now - STALE_SENDING) {
            return Ok(false);
        }
        *taken = Some(now);
        Ok(true)
    }

    async fn remove_held_sms(&self, held: &HeldSms) -> Result<(), StoreError> {
        lock(&self.notifications.held).retain(|(h, _)| h != held);
        Ok(())
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        user_id: &str,
        unread_only: bool,
    ) -> Result<Vec<InAppNotification>, StoreError> {
        let feeds = lock(&self.notifications.feeds);
        let feed = feeds.get(&(tenant.clone(), user_id.to_owned()));
        Ok(feed
            .into_iter()
            .flatten()
            .rev()
            .filter(|n| !unread_only || n.read_at.is_none())
            .take(100)
            .cloned()
            .collect())
    }

    async fn mark_read(
        &self,
        tenant: &TenantId,
        user_id: &str,
        id: &NotificationId,
        now: DateTime<Utc>,
    ) -> Result<Option<InAppNotification>, StoreError> {
        let mut feeds = lock(&self.notifications.feeds);
        let feed = feeds.get_mut(&(tenant.clone(), user_id.to_owned()));
        let Some(n) = feed.into_iter().flatten().find(|n| &n.id == id) else {
            return Ok(None);
        };
        // Already read keeps its first read time.
        n.read_at.get_or_insert(now);
        Ok(Some(n.clone()))
    }
}

/// The channels out, in memory: what was sent, to whom; `failing` makes every send fail with
/// that error until cleared.
#[derive(Default)]
pub struct MemoryNotifier {
    pub emails: Mutex<Vec<(EmailAddress, EmailContent)>>,
    pub sms: Mutex<Vec<(PhoneNumber, String)>>,
    pub failing: Mutex<Option<ChannelError>>,
    /// Sends attempted, failed ones included.
    pub attempts: Mutex<u32>,
}

impl MemoryNotifier {
    fn attempt(&self) -> Result<(), ChannelError> {
        *lock(&self.attempts) += 1;
        lock(&self.failing).clone().map_or(Ok(()), Err)
    }
}

impl Notifier for MemoryNotifier {
    async fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> Result<(), ChannelError> {
        self.attempt()?;
        lock(&self.emails).push((to.clone(), content.clone()));
        Ok(())
    }

    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        self.attempt()?;
        lock(&self.sms).push((to.clone(), text.to_owned()));
        Ok(())
    }
}
