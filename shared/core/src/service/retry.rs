//! One policy for optimistic concurrency. An attempt reads what it needs, decides, and writes
//! on condition that nothing changed since it read. When the write finds that something did
//! (another CSR, a booking, a stream handler, a concurrent promotion), the attempt runs again on
//! fresh state: at most `MAX_ATTEMPTS` times, and from the second time on after a short,
//! jittered pause that grows with each try, so writers racing for one item spread out instead
//! of colliding again. Ten CSRs acting on one lead at once all get through well within this.

use std::time::Duration;

use crate::ports::StoreError;

pub const MAX_ATTEMPTS: u32 = 25;

/// Errors that say "what you read has changed: read again and decide again".
pub trait Conflict {
    fn is_conflict(&self) -> bool;
}

impl Conflict for StoreError {
    fn is_conflict(&self) -> bool {
        matches!(self, StoreError::VersionConflict)
    }
}

/// The pause before attempt `n` (0-based): none before the first, then 5 ms plus 5 ms per
/// attempt plus up to 20 ms of jitter.
pub(crate) fn pause(attempt: u32) -> Option<Duration> {
    (attempt > 0).then(|| {
        let jitter = u64::from(ulid::Ulid::generate().random() as u8 % 20);
        Duration::from_millis(5 + jitter + 5 * u64::from(attempt))
    })
}

/// Runs `attempt` (given its 0-based number) until it succeeds, fails for another reason, or
/// has met a conflict `MAX_ATTEMPTS` times (that last conflict is returned).
///
/// `attempt` returns a fresh future each time (`move |n| async move { ... }`, the references it
/// captures being `Copy`), so the futures stay `Send` as Lambda's runtime needs.
pub async fn retry_on_conflict<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: Conflict,
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut n = 0;
    loop {
        if let Some(p) = pause(n) {
            tokio::time::sleep(p).await;
        }
        match attempt(n).await {
            Err(e) if e.is_conflict() && n + 1 < MAX_ATTEMPTS => n += 1,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conflicts_are_retried_on_fresh_attempts_and_other_errors_are_not() {
        let mut calls = 0;
        let out: Result<u32, StoreError> = retry_on_conflict(|n| {
            calls += 1;
            async move {
                if n < 3 {
                    Err(StoreError::VersionConflict)
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(out.unwrap(), 3);
        assert_eq!(calls, 4);

        let mut calls = 0;
        let out: Result<(), StoreError> = retry_on_conflict(|_| {
            calls += 1;
            async { Err(StoreError::BadCursor) }
        })
        .await;
        assert!(matches!(out, Err(StoreError::BadCursor)));
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn it_gives_up_after_the_limit_with_the_conflict() {
        let mut calls = 0;
        let out: Result<(), StoreError> = retry_on_conflict(|_| {
            calls += 1;
            async { Err(StoreError::VersionConflict) }
        })
        .await;
        assert!(matches!(out, Err(StoreError::VersionConflict)));
        assert_eq!(calls, MAX_ATTEMPTS);
    }
}
