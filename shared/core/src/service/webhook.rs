//! The signed webhook (`scl_domain::webhook`): a request is checked against its business's
//! secret before anything of it is read, its event is read as its ingest function will read it,
//! its signature is recorded so it is accepted once, and the event is put on the integration
//! bus, from which the stack's rules deliver it like any other (the business must bind the
//! webhook's source, as it binds any: `scl_domain::event_source`).

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::ports::{BackendError, IntegrationBus, SignatureLog, StoreError, WebhookSecrets};
use scl_domain::webhook::{verify, SignatureRefusal, WebhookEvent};
use scl_domain::{FieldError, TenantId};

/// Why a webhook request was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Not signed by the business (or the business has no webhook): nothing of it was read.
    #[error(transparent)]
    Unsigned(#[from] SignatureRefusal),
    /// Signed, but its event does not read; the field is named.
    #[error("invalid event: {0}")]
    Invalid(FieldError),
    /// This signed request was accepted before.
    #[error("this signed request was already received")]
    Replayed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// What was put on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub event_id: String,
    pub detail_type: &'static str,
}

pub struct WebhookPorts<'a, S, L, B> {
    pub secrets: &'a S,
    pub signatures: &'a L,
    pub bus: &'a B,
}

/// Checks, reads, records and forwards one webhook request for `tenant`.
pub async fn receive<S, L, B>(
    ports: WebhookPorts<'_, S, L, B>,
    tenant: &TenantId,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Accepted, WebhookError>
where
    S: WebhookSecrets,
    L: SignatureLog,
    B: IntegrationBus,
{
    // A business without a secret answers as a wrong signature does: the webhook does not say
    // which businesses have one.
    let secret = ports
        .secrets
        .signing_secret(tenant)
        .await?
        .ok_or(SignatureRefusal::Mismatch)?;
    let verified = verify(&secret, signature, body, now).inspect_err(|why| {
        warn!(why = %why, "webhook request refused");
    })?;
    let event = WebhookEvent::parse(tenant, body).map_err(WebhookError::Invalid)?;
    let until = verified.remember_until();
    if !ports
        .signatures
        .first_receipt(tenant, &verified.signature, until)
        .await?
    {
        warn!("webhook request replayed");
        return Err(WebhookError::Replayed);
    }
    match ports.bus.put(event.detail_type, &event.detail).await {
        Ok(event_id) => {
            info!(%event_id, detail_type = event.detail_type, "webhook event put on the bus");
            crate::telemetry::count("WebhookEventsAccepted", ("DetailType", event.detail_type));
            Ok(Accepted {
                event_id,
                detail_type: event.detail_type,
            })
        }
        Err(e) => {
            // The sender retries the same request; it must not then read as a replay.
            if let Err(forget) = ports
                .signatures
                .forget_receipt(tenant, &verified.signature)
                .await
            {
                warn!(error = %forget, "a failed webhook request's signature stays recorded");
            }
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryWebhook;
    use scl_domain::webhook::SigningSecret;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn secret() -> SigningSecret {
        SigningSecret::new(SECRET).unwrap()
    }

    fn t(id: &str) -> TenantId {
        TenantId::parse("tenant_id", id).unwrap()
    }

    /// A webhook whose business t-1 has `SECRET`.
    fn webhook() -> MemoryWebhook {
        MemoryWebhook::default().with_secret(&t("t-1"), secret())
    }

    fn body(tenant: &str) -> Vec<u8> {
        serde_json::json!({"detail-type": "JobBooked", "detail": {
            "tenant_id": tenant, "job_id": "j-1", "customer_phone": "+15125550100",
            "booked_at": "2026-11-24T16:00:00Z", "booked_by": "u-9"}})
        .to_string()
        .into_bytes()
    }

    async fn send(
        w: &MemoryWebhook,
        tenant: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Accepted, WebhookError> {
        let ports = WebhookPorts {
            secrets: w,
            signatures: w,
            bus: w,
        };
        let now = DateTime::from_timestamp(1_800_000_010, 0).unwrap();
        receive(ports, &t(tenant), signature, body, now).await
    }

    #[tokio::test]
    async fn a_signed_request_is_put_on_the_bus_once() {
        let w = webhook();
        let b = body("t-1");
        let sig = secret().sign(1_800_000_000, &b);
        let ok = send(&w, "t-1", Some(&sig), &b).await.unwrap();
        assert_eq!(ok.detail_type, "JobBooked");
        let again = send(&w, "t-1", Some(&sig), &b).await;
        assert!(matches!(again, Err(WebhookError::Replayed)), "{again:?}");
        let put = w.put();
        assert_eq!(put.len(), 1);
        let detail: serde_json::Value = serde_json::from_str(&put[0].1).unwrap();
        assert_eq!(detail["job_id"], "j-1");
    }

    #[tokio::test]
    async fn nothing_unsigned_is_read_recorded_or_put() {
        let w = webhook();
        let b = body("t-1");
        let other = SigningSecret::new("a different secret, also 32 bytes").unwrap();
        let forged = other.sign(1_800_000_000, &b);
        let out = send(&w, "t-1", Some(&forged), &b).await;
        assert!(matches!(
            out,
            Err(WebhookError::Unsigned(SignatureRefusal::Mismatch))
        ));
        // A business without a webhook answers as a wrong signature does.
        let b2 = body("t-2");
        let sig = secret().sign(1_800_000_000, &b2);
        let out = send(&w, "t-2", Some(&sig), &b2).await;
        assert!(matches!(
            out,
            Err(WebhookError::Unsigned(SignatureRefusal::Mismatch))
        ));
        let stale = secret().sign(1_799_999_000, &b);
        let out = send(&w, "t-1", Some(&stale), &b).await;
        assert!(matches!(
            out,
            Err(WebhookError::Unsigned(SignatureRefusal::Stale))
        ));
        assert!(w.put().is_empty());
        assert!(w.signatures().is_empty());
    }

    #[tokio::test]
    async fn a_request_the_bus_did_not_take_can_be_sent_again() {
        let mut w = webhook();
        w.bus_down = true;
        let b = body("t-1");
        let sig = secret().sign(1_800_000_000, &b);
        let out = send(&w, "t-1", Some(&sig), &b).await;
        assert!(matches!(out, Err(WebhookError::Backend(_))), "{out:?}");
        assert!(w.signatures().is_empty());
        w.bus_down = false;
        assert!(send(&w, "t-1", Some(&sig), &b).await.is_ok());
    }

    #[tokio::test]
    async fn a_signed_event_for_another_business_is_invalid() {
        let w = webhook();
        let b = body("t-2");
        let sig = secret().sign(1_800_000_000, &b);
        match send(&w, "t-1", Some(&sig), &b).await {
            Err(WebhookError::Invalid(e)) => assert_eq!(e.field, "detail.tenant_id"),
            other => panic!("{other:?}"),
        }
        assert!(w.signatures().is_empty());
    }
}
