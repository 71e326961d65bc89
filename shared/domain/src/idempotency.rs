//! Retries from clients (docs/api.md, Retries from clients): a POST or PUT that carries an
//! `Idempotency-Key` is done once; the same key from the same user within a day gets the first
//! answer again, a different request under the same key is refused, and a key whose first
//! request is still running answers "in progress".

use chrono::TimeDelta;

use super::error::FieldError;

/// How long a key's first answer is replayed.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// How long a first request may hold its key before the key can be taken again: longer than
/// any API function runs (10 s), so only a request that died mid-way loses it.
pub const IN_PROGRESS_FOR: TimeDelta = TimeDelta::seconds(30);

/// A client's key: 1–128 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key as sent in `field` (the request's `Idempotency-Key` header).
    pub fn parse(field: &str, raw: &[u8]) -> Result<Self, FieldError> {
        let printable = raw.iter().all(|b| (0x20..=0x7e).contains(b));
        match std::str::from_utf8(raw) {
            Ok(s) if printable && (1..=128).contains(&s.len()) => Ok(IdempotencyKey(s.to_owned())),
            _ => Err(FieldError::new(
                field,
                "must be 1-128 printable ASCII characters",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_128_printable_ascii_characters() {
        assert_eq!(
            IdempotencyKey::parse("Idempotency-Key", b"retry-1 of 3")
                .unwrap()
                .as_str(),
            "retry-1 of 3"
        );
        assert!(IdempotencyKey::parse("Idempotency-Key", &[b'k'; 128]).is_ok());
        for bad in [
            &b""[..],
            &[b'k'; 129],
            "clé".as_bytes(),
            b"tab\there",
            b"nl\n",
        ] {
            let e = IdempotencyKey::parse("Idempotency-Key", bad).unwrap_err();
            assert_eq!(e.field, "Idempotency-Key", "{bad:?}");
        }
    }
}
