//! `RejectedEventStore`: invalid events filed for an operator.

use chrono::Duration;

use super::*;
use crate::keys;
use scl_core::ports::{RejectedEvent, RejectedEventStore, StoreError};
use scl_domain::error::cut;

/// Raw events larger than this are stored cut, so a rejected-event record always fits.
const MAX_STORED_EVENT_BYTES: usize = 300_000;

impl RejectedEventStore for DynamoStore {
    async fn record_rejected(&self, r: &RejectedEvent) -> Result<(), StoreError> {
        // Everything that came from the input is cut, so the record always fits one item.
        let (received_at, r) = (r.received_at, &r.event);
        let event = cut(r.raw.clone(), MAX_STORED_EVENT_BYTES);
        let short = |s: &Option<String>| s.clone().map(|s| cut(s, 256));
        let unique = ulid::Ulid::generate().to_string();
        let item = RejectedEventItem {
            pk: keys::rejected_pk(received_at),
            sk: keys::rejected_sk(received_at, &unique),
            entity: ENTITY_REJECTED.into(),
            expires_at: (received_at + Duration::days(REJECTED_TTL_DAYS)).timestamp(),
            received_at: keys::sortable_time(received_at),
            event_id: short(&r.event_id),
            detail_type: short(&r.detail_type),
            tenant_id: r.tenant_id.as_ref().map(ToString::to_string),
            error_field: cut(r.error.field.clone(), 256),
            error_message: cut(r.error.message.clone(), 1_000),
            event,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(&item)?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
