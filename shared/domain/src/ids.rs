//! Typed identifiers. A lead id is a ULID; tenant, user and call ids are opaque strings from
//! other systems, bounded and restricted to characters that are safe inside our keys.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::error::FieldError;

/// A lead's id: a ULID, so ids sort by creation time and cannot collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct LeadId(ulid::Ulid);

/// Written as its 26 characters straight into the output (no intermediate `String`).
impl Serialize for LeadId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl LeadId {
    pub fn generate() -> Self {
        LeadId(ulid::Ulid::generate())
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        // ULIDs are Crockford base32; accept any case, always print upper case. 26 characters
        // hold 130 bits for a 128-bit value, so a first character above 7 would silently wrap
        // to another lead's id: refuse it.
        ulid::Ulid::from_str(raw)
            .ok()
            .filter(|_| raw.len() == 26 && raw.as_bytes()[0] <= b'7')
            .map(LeadId)
            .ok_or_else(|| FieldError::new(field, "must be a lead id (26-character ULID)"))
    }
}

impl fmt::Display for LeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<String> for LeadId {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        LeadId::parse("id", &v)
    }
}

impl From<LeadId> for String {
    fn from(v: LeadId) -> String {
        v.to_string()
    }
}

/// Characters allowed in external ids: they end up inside `#`-separated DynamoDB keys.
fn valid_external_id(raw: &str, max: usize) -> bool {
    !raw.is_empty()
        && raw.len() <= max
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@'))
}

macro_rules! external_id {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        // Serialized as its string (a newtype is transparent to JSON and DynamoDB items),
        // without a copy.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
                Self::checked(field, raw.to_owned())
            }

            /// `raw` itself if it is a valid id (no copy: stored ids are read back this way).
            fn checked(field: &str, raw: String) -> Result<Self, FieldError> {
                if valid_external_id(&raw, $max) {
                    Ok($name(raw))
                } else {
                    Err(FieldError::new(
                        field,
                        format!(
                            "must be 1-{} characters of letters, digits and - _ . : @",
                            $max
                        ),
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(v: String) -> Result<Self, Self::Error> {
                $name::checked(stringify!($name), v)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

external_id!(
    /// The business a user or event belongs to.
    TenantId,
    64
);
external_id!(
    /// A user (CSR or administrator), the token's `sub`.
    UserId,
    128
);
external_id!(
    /// The phone platform's id for a call; with the tenant, the idempotency key of ingestion.
    CallId,
    128
);
external_id!(
    /// A CRM id (customer or location).
    CrmId,
    128
);
external_id!(
    /// The CRM's id for a booked job; with the tenant, the idempotency key of a booking.
    JobId,
    128
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_ids_round_trip_and_reject_junk() {
        let id = LeadId::generate();
        assert_eq!(LeadId::parse("id", &id.to_string()).unwrap(), id);
        assert_eq!(
            LeadId::parse("id", &id.to_string().to_lowercase()).unwrap(),
            id
        );
        assert!(LeadId::parse("id", "not-a-ulid").is_err());
        assert!(LeadId::parse("id", "").is_err());
        // Past the 128-bit range: would otherwise alias the id with first character 0.
        assert!(LeadId::parse("id", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ").is_err());
        assert!(LeadId::parse("id", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ").is_ok());
    }

    #[test]
    fn external_ids_cannot_smuggle_key_separators() {
        assert!(TenantId::parse("tenant_id", "t-1").is_ok());
        assert!(TenantId::parse("tenant_id", "t#1").is_err());
        assert!(TenantId::parse("tenant_id", "").is_err());
        assert!(TenantId::parse("tenant_id", &"x".repeat(65)).is_err());
        assert_eq!(
            CallId::parse("call_id", "a b").unwrap_err().field,
            "call_id"
        );
    }
}
