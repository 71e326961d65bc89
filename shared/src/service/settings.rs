//! `GET`/`PUT /settings`: read-modify-write under the settings item's own version.

use crate::domain::settings::{SettingsUpdate, TenantSettings};
use crate::domain::TenantId;
use crate::ports::{SettingsStore, StoreError};
use crate::service::retry::retry_on_conflict;

pub async fn update_settings<S: SettingsStore>(
    store: &S,
    tenant: &TenantId,
    update: SettingsUpdate,
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
                .recompute_cold_at(tenant, next.cold_after_days)
                .await?;
        }
        Ok(next)
    })
    .await
}
