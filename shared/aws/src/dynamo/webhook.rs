//! `SignatureLog`: the signatures of accepted webhook requests, each until it is stale.

use chrono::{DateTime, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{SignatureLog, StoreError};

impl SignatureLog for DynamoStore {
    async fn first_receipt(
        &self,
        tenant: &TenantId,
        signature: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let item = WebhookSignatureItem {
            pk: keys::webhook_signature_pk(tenant),
            sk: keys::webhook_signature_sk(signature),
            entity: ENTITY_WEBHOOK_SIGNATURE.into(),
            expires_at: until.timestamp(),
        };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(&item)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn forget_receipt(&self, tenant: &TenantId, signature: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhook_signature_pk(tenant)))
            .key("sk", s(keys::webhook_signature_sk(signature)))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
