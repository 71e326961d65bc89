//! `GET`/`PUT /settings`: read-modify-write under the settings item's own version.

use crate::domain::settings::{SettingsUpdate, TenantSettings};
use crate::domain::TenantId;
use crate::ports::{SettingsStore, StoreError};

const MAX_ATTEMPTS: usize = 10;

pub async fn update_settings<S: SettingsStore>(
    store: &S,
    tenant: &TenantId,
    update: SettingsUpdate,
) -> Result<TenantSettings, StoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let (current, version) = store.settings_versioned(tenant).await?;
        let next = update.clone().apply(current.clone());
        if next == current {
            return Ok(current);
        }
        match store.save_settings(tenant, &next, version).await {
            Ok(()) => {
                if next.cold_after_days != current.cold_after_days {
                    store
                        .recompute_cold_at(tenant, next.cold_after_days)
                        .await?;
                }
                return Ok(next);
            }
            Err(StoreError::VersionConflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::VersionConflict)
}
