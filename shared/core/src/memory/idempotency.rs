//! Client retries' keys in memory, with the adapter's rules: a key is free when never used,
//! when its replay window is over, or when the request holding it has run longer than any
//! request can; only the holder completes or releases it.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::{lock, MemoryStore};
use crate::ports::{Claim, IdempotencyScope, IdempotencyStore, StoreError, StoredAnswer};
use scl_domain::idempotency::{IN_PROGRESS_FOR, REPLAY_WINDOW};
use scl_domain::{TenantId, UserId};

#[derive(Debug, Clone)]
struct Held {
    fingerprint: String,
    /// `None` while the request runs.
    answer: Option<StoredAnswer>,
    taken_at: DateTime<Utc>,
}

#[derive(Default)]
pub(super) struct Keys(Mutex<HashMap<(TenantId, UserId, String), Held>>);

fn id(scope: &IdempotencyScope) -> (TenantId, UserId, String) {
    (
        scope.tenant.clone(),
        scope.user.clone(),
        scope.key.as_str().to_owned(),
    )
}

impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let mut keys = lock(&self.idempotency.0);
        if let Some(held) = keys.get(&id(scope)) {
            let expired = held.taken_at + REPLAY_WINDOW < now;
            let died = held.answer.is_none() && held.taken_at + IN_PROGRESS_FOR < now;
            if !expired && !died {
                return Ok(if held.fingerprint != fingerprint {
                    Claim::Reused
                } else {
                    match &held.answer {
                        Some(answer) => Claim::Replay(answer.clone()),
                        None => Claim::InProgress,
                    }
                });
            }
        }
        keys.insert(
            id(scope),
            Held {
                fingerprint: fingerprint.to_owned(),
                answer: None,
                taken_at: now,
            },
        );
        Ok(Claim::Proceed)
    }

    async fn complete(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        answer: &StoredAnswer,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut keys = lock(&self.idempotency.0);
        if let Some(held) = keys.get_mut(&id(scope)) {
            if held.answer.is_none() && held.fingerprint == fingerprint {
                held.answer = Some(answer.clone());
                held.taken_at = now;
            }
        }
        Ok(())
    }

    async fn release(&self, scope: &IdempotencyScope, fingerprint: &str) -> Result<(), StoreError> {
        let mut keys = lock(&self.idempotency.0);
        let holds = keys
            .get(&id(scope))
            .is_some_and(|h| h.answer.is_none() && h.fingerprint == fingerprint);
        if holds {
            keys.remove(&id(scope));
        }
        Ok(())
    }
}
