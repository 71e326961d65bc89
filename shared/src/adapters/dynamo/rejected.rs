//! `RejectedEventStore`: invalid events filed for an operator.

use chrono::Duration;

use super::*;
use crate::adapters::keys;
use crate::ports::{RejectedEvent, RejectedEventStore, StoreError};

/// Raw events larger than this are stored cut, so a rejected-event record always fits.
const MAX_STORED_EVENT_BYTES: usize = 300_000;

impl RejectedEventStore for DynamoStore {
    async fn record_rejected(&self, r: &RejectedEvent) -> Result<(), StoreError> {
        let mut event = r.event.to_string();
        if event.len() > MAX_STORED_EVENT_BYTES {
            let mut cut = MAX_STORED_EVENT_BYTES;
            while !event.is_char_boundary(cut) {
                cut -= 1;
            }
            event.truncate(cut);
        }
        let unique = ulid::Ulid::generate().to_string();
        let item = RejectedEventItem {
            pk: keys::rejected_pk(r.received_at),
            sk: keys::rejected_sk(r.received_at, &unique),
            entity: ENTITY_REJECTED.into(),
            expires_at: (r.received_at + Duration::days(REJECTED_TTL_DAYS)).timestamp(),
            received_at: keys::sortable_time(r.received_at),
            event_id: r.event_id.clone(),
            detail_type: r.detail_type.clone(),
            tenant_id: r.tenant_id.as_ref().map(ToString::to_string),
            error_field: r.error.field.clone(),
            error_message: r.error.message.clone(),
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
