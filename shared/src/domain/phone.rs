//! E.164 phone numbers. Every spelling a caller or system may send normalises to one value,
//! so duplicates, the banner and booking matches compare like with like.

use rlibphonenumber::{enums::Region, PhoneNumberFormat, PHONE_NUMBER_UTIL};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::error::FieldError;

/// A valid phone number in E.164 form (`+15125550100`).
///
/// Made by [`PhoneNumber::parse`] from whatever a caller or system sends. Deserializing reads a
/// number this service stored (an item, a stream image): it was parsed and validated when it
/// was written, so reading it back only checks its E.164 shape, without the numbering-plan
/// validation that costs microseconds per number (and its metadata at the first use). Input
/// from outside always goes through `parse`: request and event parsers read strings and call
/// it, never deserialize this type.
/// Serialized as its string, without a copy (a newtype is transparent to JSON and items).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "StoredE164")]
pub struct PhoneNumber(String);

/// The serialized form of a stored [`PhoneNumber`].
#[derive(Deserialize)]
#[serde(transparent)]
struct StoredE164(String);

impl TryFrom<StoredE164> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(v: StoredE164) -> Result<Self, Self::Error> {
        // `+`, a country code not starting with 0, at most 15 digits in all.
        let digits = v.0.strip_prefix('+').unwrap_or_default();
        let e164 = (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        if e164 {
            Ok(PhoneNumber(v.0))
        } else {
            Err(PhoneError::Invalid)
        }
    }
}

impl PhoneNumber {
    /// Parses any common spelling; numbers without a country code are read as US numbers.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed.chars().count() > 40 {
            return Err(PhoneError::Invalid);
        }
        // The numbering plan (libphonenumber's metadata) loads at the first parse in a process,
        // ~3 ms in a release build; later parses take microseconds (BENCHMARKS.md). It is not
        // loaded during init: most functions never parse a phone (stored numbers are read back
        // by shape), and the cold start of those that do stays that of a small binary.
        let parsed = PHONE_NUMBER_UTIL
            .parse(trimmed, Some(Region::US))
            .map_err(|_| PhoneError::Invalid)?;
        if !parsed.is_valid() {
            return Err(PhoneError::Invalid);
        }
        Ok(PhoneNumber(
            parsed.format_as(PhoneNumberFormat::E164).to_string(),
        ))
    }

    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw).map_err(|e| FieldError::new(field, e.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For logs and SMS: only the last four digits survive (`+*******0100`).
    pub fn masked(&self) -> String {
        let digits = self.0.len();
        let keep = 4.min(digits);
        format!(
            "+{}{}",
            "*".repeat(digits - keep - 1),
            &self.0[digits - keep..]
        )
    }
}

impl fmt::Debug for PhoneNumber {
    // Phone numbers are personal data: debug output (and so logs) only shows the masked form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&v)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("must not be empty")]
    Empty,
    #[error("must be a valid phone number, e.g. +15125550100 or (512) 555-0100")]
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn contract_spellings_normalise_to_one_value() {
        for raw in [
            "(512) 555-0100",
            "512.555.0100",
            "+1 512 555 0100",
            "5125550100",
            "1-512-555-0100",
            "+15125550100",
        ] {
            assert_eq!(
                PhoneNumber::parse(raw).unwrap().as_str(),
                "+15125550100",
                "{raw}"
            );
        }
    }

    #[test]
    fn a_stored_number_reads_back_by_its_shape_alone() {
        let p = PhoneNumber::parse("(512) 555-0100").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"+15125550100\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), p);
        for corrupt in [
            "\"5125550100\"",
            "\"+0125550100\"",
            "\"+1512\"",
            "\"+1 512 555 0100\"",
            "\"\"",
        ] {
            assert!(
                serde_json::from_str::<PhoneNumber>(corrupt).is_err(),
                "{corrupt}"
            );
        }
    }

    #[test]
    fn junk_is_rejected() {
        for raw in ["", "   ", "hello", "123", "+1 512 555", "555-0100"] {
            assert!(PhoneNumber::parse(raw).is_err(), "{raw:?} accepted");
        }
    }

    #[test]
    fn debug_and_mask_hide_the_number() {
        let p = PhoneNumber::parse("(512) 555-0100").unwrap();
        assert_eq!(p.masked(), "+*******0100");
        assert!(!format!("{p:?}").contains("5125550100"));
    }

    // Real US area codes and exchanges, so every generated number is a valid NANP number.
    fn us_number() -> impl Strategy<Value = (u16, u16, u16)> {
        (
            proptest::sample::select(vec![212u16, 312, 415, 512, 617, 702, 713, 206, 303, 404]),
            200u16..=999,
            0u16..=9999,
        )
            .prop_filter("N11 exchanges are service codes", |(_, ex, _)| {
                ex % 100 != 11
            })
    }

    proptest! {
        #[test]
        fn every_spelling_of_a_number_normalises_alike((area, exchange, line) in us_number(), style in 0usize..7) {
            let spelled = match style {
                0 => format!("({area}) {exchange}-{line:04}"),
                1 => format!("{area}.{exchange}.{line:04}"),
                2 => format!("+1 {area} {exchange} {line:04}"),
                3 => format!("{area}{exchange}{line:04}"),
                4 => format!("1-{area}-{exchange}-{line:04}"),
                5 => format!("  {area} {exchange} {line:04} "),
                _ => format!("+1{area}{exchange}{line:04}"),
            };
            let expected = format!("+1{area}{exchange}{line:04}");
            let parsed = PhoneNumber::parse(&spelled);
            prop_assert!(parsed.is_ok(), "{} rejected", spelled);
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.as_str(), expected.as_str());
        }

        #[test]
        fn parsing_is_idempotent((area, exchange, line) in us_number()) {
            let once = PhoneNumber::parse(&format!("({area}) {exchange}-{line:04}")).unwrap();
            let twice = PhoneNumber::parse(once.as_str()).unwrap();
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,60}") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}
