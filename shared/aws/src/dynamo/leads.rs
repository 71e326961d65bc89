//! `LeadCommands`: one lead read and written for a CSR or a booking.

use chrono::{DateTime, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{LeadChange, LeadCommands, StoreError};
use scl_domain::lead::Lead;
use scl_domain::{LeadId, PhoneNumber, TenantId};

impl LeadCommands for DynamoStore {
    async fn get_lead(&self, tenant: &TenantId, lead: &LeadId) -> Result<Option<Lead>, StoreError> {
        self.get_consistent(keys::lead_pk(tenant, lead), keys::LEAD_SK)
            .await?
            .map(|i| decode::<LeadItem>(i).map(|l| l.lead))
            .transpose()
    }

    async fn save_change(
        &self,
        change: &LeadChange,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let lead = &change.lead;
        let pk = keys::lead_pk(&lead.tenant_id, &lead.id);
        let mut items = vec![put_with_version(
            &self.table,
            encode(&LeadItem::new(lead, lead.updated_at))?,
            expected_version,
        )?];
        items.push(put(
            &self.table,
            encode(&HistoryItem {
                pk: pk.clone(),
                sk: keys::history_sk(
                    change.history.at,
                    &change
                        .history_id
                        .clone()
                        .unwrap_or_else(|| ulid::Ulid::generate().to_string()),
                ),
                entity: ENTITY_HISTORY.into(),
                entry: change.history.clone(),
            })?,
            Some(NOT_EXISTS),
        )?);
        if let Some(note) = &change.note {
            items.push(put(
                &self.table,
                encode(&NoteItem {
                    pk: pk.clone(),
                    sk: keys::note_sk(note.created_at, &note.id),
                    entity: ENTITY_NOTE.into(),
                    note: note.clone(),
                })?,
                Some(NOT_EXISTS),
            )?);
        }
        items.extend(outbox_puts(&self.table, lead, &change.events)?);
        // Item 0 is the lead; the history entry (or note, or event) exists once this change was
        // applied.
        self.transact(items, ItemRole::Versioned, ItemRole::DoneMarker)
            .await
    }

    async fn leads_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::INDEX_BY_PHONE)
            .key_condition_expression("gsi3pk = :pk")
            .filter_expression("call_ended_at >= :since")
            .expression_attribute_values(":pk", s(keys::phone_partition(tenant, phone)))
            .expression_attribute_values(":since", s(keys::sortable_time(since)))
            .scan_index_forward(false);
        self.all_pages(q)
            .await?
            .into_iter()
            .map(|item| decode::<LeadItem>(item).map(|i| i.lead))
            .collect()
    }

    async fn banner_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Option<Lead>, StoreError> {
        self.newest_open_lead_for_phone(tenant, phone, Some(since))
            .await
    }
}
