//! Retries from clients (docs/api.md, Retries from clients): a POST or PUT that carries an
//! `Idempotency-Key` is done once; the same key from the same user within a day gets the first
//! answer again, a different request under the same key is refused, and a key whose first
//! request is still running answers "in progress".

use chrono::TimeDelta;
use sha2::{Digest, Sha256};

use super::error::FieldError;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// How long a key's first answer is replayed.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// How long a first request may hold its key before the key can be taken again: longer than
/// any API function runs (10 s), so only a request that died mid-way loses it.
pub const IN_PROGRESS_FOR: TimeDelta = TimeDelta::seconds(30);

/// A client's key: 1–128 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<Self, FieldError> {
        let printable = raw.iter().all(|b| (0x20..=0x7e).contains(b));
        match std::str::from_utf8(raw) {
            Ok(s) if printable && (1..=128).contains(&s.len()) => Ok(IdempotencyKey(s.to_owned())),
            _ => Err(FieldError::new(
                HEADER,
                "must be 1-128 printable ASCII characters",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What makes two requests "the same" under one key: method, path, `If-Match` and body (as
/// sent, byte for byte), hashed.
pub fn fingerprint(method: &str, path: &str, if_match: Option<&[u8]>, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        method.as_bytes(),
        path.as_bytes(),
        if_match.unwrap_or(b"-"),
        body,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_128_printable_ascii_characters() {
        assert_eq!(
            IdempotencyKey::parse(b"retry-1 of 3").unwrap().as_str(),
            "retry-1 of 3"
        );
        assert!(IdempotencyKey::parse(&[b'k'; 128]).is_ok());
        for bad in [
            &b""[..],
            &[b'k'; 129],
            "clé".as_bytes(),
            b"tab\there",
            b"nl\n",
        ] {
            let e = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(e.field, "Idempotency-Key", "{bad:?}");
        }
    }

    #[test]
    fn the_fingerprint_changes_with_any_part_of_the_request() {
        let base = fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"a\"}");
        assert_eq!(
            base,
            fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"a\"}")
        );
        for other in [
            fingerprint("PUT", "/leads/1/notes", None, b"{\"text\":\"a\"}"),
            fingerprint("POST", "/leads/2/notes", None, b"{\"text\":\"a\"}"),
            fingerprint(
                "POST",
                "/leads/1/notes",
                Some(b"\"3\""),
                b"{\"text\":\"a\"}",
            ),
            fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"b\"}"),
            // Parts cannot run into each other.
            fingerprint("POST", "/leads/1/notes{\"text\":\"a\"}", None, b""),
        ] {
            assert_ne!(base, other);
        }
    }
}
