//! `NotificationStore`: delivery records, the in-app feed, held SMS.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::keys;
use scl_core::ports::StoreError;
use scl_core::ports::{DeliveryClaim, DeliveryKey, DeliveryStatus, HeldSms, NotificationStore};
use scl_domain::notification::{InAppNotification, NotificationId};
use scl_domain::TenantId;

/// A delivery stuck in `sending` this long is taken to have crashed and may be retried.
const STALE_SENDING_SECONDS: i64 = 120;

fn held_from_item(item: HeldSmsItem) -> Result<HeldSms, StoreError> {
    let release_at = DateTime::parse_from_rfc3339(&item.release_at)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_utc();
    Ok(HeldSms {
        key: DeliveryKey {
            tenant_id: item.tenant_id,
            lead_id: item.lead_id,
            user_id: item.user_id,
            channel: "sms",
        },
        phone: item.phone,
        text: item.text,
        release_at,
    })
}

fn held_key(h: &HeldSms) -> (String, String) {
    (
        keys::HELD_SMS_PK.to_owned(),
        keys::held_sms_sk(
            h.release_at,
            &h.key.tenant_id,
            &h.key.lead_id,
            &h.key.user_id,
        ),
    )
}

/// A delivery's status while a sender holds its claim, and after a failed attempt (which
/// another attempt may claim again).
const SENDING: &str = "sending";
const FAILED: &str = "failed";

impl DynamoStore {
    /// The whole delivery item (it is always written whole), kept as long as call decisions.
    fn delivery_put(
        &self,
        key: &DeliveryKey,
        status: &str,
        now: DateTime<Utc>,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        let expires_at = (now + Duration::days(DECISION_TTL_DAYS)).timestamp();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::delivery_pk(&key.tenant_id, &key.lead_id)))
            .item("sk", s(keys::delivery_sk(&key.user_id, key.channel)))
            .item("entity", s(ENTITY_DELIVERY))
            .item("status", s(status))
            .item("updated_at", s(keys::sortable_time(now)))
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
    }
}

impl NotificationStore for DynamoStore {
    async fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> Result<DeliveryClaim, StoreError> {
        let stale = keys::sortable_time(now - Duration::seconds(STALE_SENDING_SECONDS));
        let res = self
            .delivery_put(key, SENDING, now)
            .condition_expression(
                "attribute_not_exists(pk) OR #status = :failed OR (#status = :sending AND updated_at < :stale)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s(FAILED))
            .expression_attribute_values(":sending", s(SENDING))
            .expression_attribute_values(":stale", s(stale))
            .send()
            .await;
        match res {
            Ok(_) => Ok(DeliveryClaim::Proceed),
            Err(e) if is_condition_failure(&e) => Ok(DeliveryClaim::AlreadyHandled),
            Err(e) => Err(backend(e)),
        }
    }

    async fn finish_delivery(
        &self,
        key: &DeliveryKey,
        status: DeliveryStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = match status {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Held => "held",
            DeliveryStatus::Failed => FAILED,
        };
        let mut put = self.delivery_put(key, status, now);
        if let Some(e) = error {
            put = put.item("error", s(e));
        }
        put.send().await.map_err(backend)?;
        Ok(())
    }

    async fn put_in_app(
        &self,
        tenant: &TenantId,
        user_id: &str,
        n: &InAppNotification,
    ) -> Result<(), StoreError> {
        let item = encode(&NotificationItem {
            pk: keys::feed_pk(tenant, user_id),
            sk: keys::feed_sk(&n.id),
            entity: ENTITY_NOTIFICATION.into(),
            expires_at: (n.created_at + Duration::days(NOTIFICATION_TTL_DAYS)).timestamp(),
            unread: n.read_at.is_none(),
            notification: n.clone(),
        })?;
        self.put_if_absent(item).await.map(|_| ())
    }

    async fn hold_sms(&self, h: &HeldSms) -> Result<(), StoreError> {
        let (pk, sk) = held_key(h);
        let item = encode(&HeldSmsItem {
            pk,
            sk,
            entity: ENTITY_HELD_SMS.into(),
            status: "held".into(),
            updated_at: keys::sortable_time(h.release_at),
            tenant_id: h.key.tenant_id.clone(),
            lead_id: h.key.lead_id,
            user_id: h.key.user_id.clone(),
            phone: h.phone.clone(),
            text: h.text.clone(),
            release_at: keys::sortable_time(h.release_at),
        })?;
        self.put_if_absent(item).await.map(|_| ())
    }

    async fn due_held_sms(&self, now: DateTime<Utc>) -> Result<Vec<HeldSms>, StoreError> {
        let items = self
            .query_all(
                "pk = :pk AND sk <= :due",
                // Every key released at `now` or earlier sorts before `now` + '~'.
                vec![(":due", s(format!("{}~", keys::sortable_time(now))))],
                keys::HELD_SMS_PK.to_owned(),
            )
            .await?;
        items
            .into_iter()
            .map(|i| decode::<HeldSmsItem>(i).and_then(held_from_item))
            .collect()
    }

    async fn take_held_sms(&self, h: &HeldSms, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let (pk, sk) = held_key(h);
        let stale = keys::sortable_time(now - Duration::seconds(STALE_SENDING_SECONDS));
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression("SET #status = :sending, updated_at = :now")
            .condition_expression("attribute_exists(pk) AND (#status = :held OR (#status = :sending AND updated_at < :stale))")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":held", s("held"))
            .expression_attribute_values(":now", s(keys::sortable_time(now)))
            .expression_attribute_values(":stale", s(stale))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn remove_held_sms(&self, h: &HeldSms) -> Result<(), StoreError> {
        let (pk, sk) = held_key(h);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn notifications(
        &self,
        tenant: &TenantId,
        user_id: &str,
        unread_only: bool,
    ) -> Result<Vec<InAppNotification>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::feed_pk(tenant, user_id)))
            .scan_index_forward(false)
            .limit(100);
        if unread_only {
            q = q
                .filter_expression("unread = :true")
                .expression_attribute_values(":true", AttributeValue::Bool(true));
        }
        let out = q.send().await.map_err(backend)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| decode::<NotificationItem>(i).map(|n| n.notification))
            .collect()
    }

    async fn mark_read(
        &self,
        tenant: &TenantId,
        user_id: &str,
        id: &NotificationId,
        now: DateTime<Utc>,
    ) -> Result<Option<InAppNotification>, StoreError> {
        let key_pk = keys::feed_pk(tenant, user_id);
        let key_sk = keys::feed_sk(id);
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key_pk.clone()))
            .key("sk", s(key_sk.clone()))
            .update_expression("SET unread = :false, notification.read_at = :now")
            .condition_expression("attribute_exists(pk) AND unread = :true")
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(
                ":now",
                s(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            )
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match res {
            Ok(out) => out
                .attributes
                .map(|a| decode::<NotificationItem>(a).map(|n| n.notification))
                .transpose(),
            // Missing, or already read (which keeps its first read time): read it as it is.
            Err(e) if is_condition_failure(&e) => self
                .get_consistent(key_pk, &key_sk)
                .await?
                .map(|i| decode::<NotificationItem>(i).map(|n| n.notification))
                .transpose(),
            Err(e) => Err(backend(e)),
        }
    }
}
