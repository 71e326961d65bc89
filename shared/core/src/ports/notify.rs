//! Staff notifications: channels out, and the records that make delivery exactly-once.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use scl_domain::notification::{EmailContent, InAppNotification, NotificationId};
use scl_domain::settings::EmailAddress;
use scl_domain::{LeadId, PhoneNumber, TenantId};

/// A notification channel that could not deliver.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{channel} delivery failed: {detail}")]
pub struct ChannelError {
    pub channel: &'static str,
    /// Throttling and outages are worth retrying; a rejected address is not.
    pub retryable: bool,
    pub detail: String,
}

/// Staff notifications out: email (SES) and SMS (SNS to a phone number).
pub trait Notifier: Send + Sync {
    fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send;

    fn send_sms(
        &self,
        to: &PhoneNumber,
        text: &str,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send;
}

/// One delivery: (lead, recipient, channel). Its record makes delivery exactly-once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub user_id: String,
    pub channel: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryClaim {
    /// Nobody delivered this yet (or an earlier try failed or stalled): go ahead.
    Proceed,
    /// Delivered, held for later, or being delivered right now by another invocation.
    AlreadyHandled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Held,
    Failed,
}

/// An SMS held until the tenant's quiet hours end.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldSms {
    pub key: DeliveryKey,
    pub phone: PhoneNumber,
    pub text: String,
    pub release_at: DateTime<Utc>,
}

pub trait NotificationStore: Send + Sync {
    fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DeliveryClaim, StoreError>> + Send;

    fn finish_delivery(
        &self,
        key: &DeliveryKey,
        status: DeliveryStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds the notification to the user's feed unless it is already there.
    fn put_in_app(
        &self,
        tenant: &TenantId,
        user_id: &str,
        notification: &InAppNotification,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn hold_sms(&self, held: &HeldSms) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Held SMS whose release time has come (one Query).
    fn due_held_sms(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<HeldSms>, StoreError>> + Send;

    /// Takes a held SMS for sending; `false` if another flush already took it.
    fn take_held_sms(
        &self,
        held: &HeldSms,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn remove_held_sms(
        &self,
        held: &HeldSms,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user's feed, newest first (one Query).
    fn notifications(
        &self,
        tenant: &TenantId,
        user_id: &str,
        unread_only: bool,
    ) -> impl Future<Output = Result<Vec<InAppNotification>, StoreError>> + Send;

    /// Marks one of the user's notifications read; `None` if the user has no such notification.
    fn mark_read(
        &self,
        tenant: &TenantId,
        user_id: &str,
        id: &NotificationId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<InAppNotification>, StoreError>> + Send;
}
