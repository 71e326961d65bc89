//! `GET`/`PUT /settings`: read-modify-write under the settings item's own version.

use chrono::{DateTime, Utc};

use crate::ports::{SettingsStore, StoreError};
use crate::service::retry::retry_on_conflict;
use scl_domain::settings::{SettingsUpdate, TenantSettings};
use scl_domain::TenantId;

pub async fn update_settings<S: SettingsStore>(
    store: &S,
    tenant: &TenantId,
    update: SettingsUpdate,
    now: DateTime<Utc>,
) -> Result<TenantSettings, StoreError> {
    let update = &update;
    retry_on_conflict(move |_| async move {
        let (current, version) = store.settings_versioned(tenant).await?;
        let next = update.clone().apply(current.clone());
        if next == current {
            return Ok(current);
        }
        store.save_settings(tenant, &next, version).await?;
        if next.cold_after_days != current.cold_after_days {
            store
                .recompute_cold_at(tenant, next.cold_after_days, now)
                .await?;
        }
        Ok(next)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{sample_lead, MemoryStore};
    use serde_json::json;

    #[tokio::test]
    async fn an_update_that_raced_another_is_applied_on_top_of_it_and_recomputes_cold_dates() {
        let lead = sample_lead("512-555-0100");
        let (tenant, id, cold_at) = (lead.tenant_id.clone(), lead.id, lead.cold_at);
        let store = MemoryStore::default().with_lead(lead);
        *store.stale_writes.lock().unwrap() = 2;
        let update = SettingsUpdate::parse(&json!({"cold_after_days": 7})).unwrap();
        let saved = update_settings(&store, &tenant, update, chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(saved.cold_after_days.days(), 7);
        assert_eq!(store.settings(&tenant).await.unwrap(), saved);
        assert_eq!(
            store.lead(&id).unwrap().cold_at,
            cold_at + chrono::Duration::days(4),
            "3 days became 7"
        );
    }
}
