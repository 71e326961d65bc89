//! E.164 phone numbers. Every spelling a caller or system may send normalises to one value,
//! so duplicates, the banner and booking matches compare like with like.

use prost::Message;
use rlibphonenumber::{enums::Region, PhoneMetadataCollection, PhoneNumberFormat, PhoneNumberUtil};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

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
        e164(trimmed).map(PhoneNumber).ok_or(PhoneError::Invalid)
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

/// libphonenumber's numbering plan, bundled in two parts cut from the library's own metadata
/// (`shared/domain/data/numbering-plan/`; the test `the_bundled_numbering_plan_is_the_library_s`
/// checks them against the linked library's and rewrites them on request): the 25 regions of
/// the North American Numbering Plan (country code 1), where nearly every number here is, and
/// the rest of the world. Both leave out what parsing and validating a number never reads: the
/// formatting rules (E.164 is the country code and the national number, without them), the
/// example numbers and the short-number descriptions (emergency, short codes, carrier and SMS
/// services, standard rate) — 229 KB of metadata become 129 KB. Loading a plan decodes it and
/// builds the library's tables, ~0.5 ms for North America against ~3 ms for the whole world
/// (BENCHMARKS.md); each loads at its first use in a process, so a function's first request
/// pays for the part it needs and init pays nothing.
const NANP_PLAN: &[u8] = include_bytes!("../../data/numbering-plan/nanp.pb");
const REST_OF_WORLD_PLAN: &[u8] = include_bytes!("../../data/numbering-plan/rest-of-world.pb");

static NANP: LazyLock<Option<NumberingPlan>> = LazyLock::new(NumberingPlan::north_america);
static WORLD: LazyLock<Option<NumberingPlan>> = LazyLock::new(NumberingPlan::world);

/// A loaded numbering plan: the library's tables over one bundled part of its metadata or both.
pub struct NumberingPlan(PhoneNumberUtil);

impl NumberingPlan {
    /// The 25 regions of country code 1. `None` only if the bundled plan is corrupt, which the
    /// tests rule out; every number then reads as invalid rather than ending the process.
    pub fn north_america() -> Option<Self> {
        Self::load(&[NANP_PLAN])
    }

    /// Every region.
    pub fn world() -> Option<Self> {
        Self::load(&[NANP_PLAN, REST_OF_WORLD_PLAN])
    }

    fn load(parts: &[&[u8]]) -> Option<Self> {
        let mut metadata = Vec::new();
        for part in parts {
            match PhoneMetadataCollection::decode(*part) {
                Ok(plan) => metadata.extend(plan.metadata),
                Err(e) => {
                    tracing::error!(error = %e, "the bundled numbering plan does not decode");
                    return None;
                }
            }
        }
        PhoneNumberUtil::new_for_metadata(PhoneMetadataCollection { metadata })
            .map(Self)
            .map_err(|e| tracing::error!(error = %e, "the bundled numbering plan does not load"))
            .ok()
    }

    /// `None` when this plan cannot parse `raw` (no number, or a country code it lacks);
    /// otherwise the number's E.164 form if it is valid.
    pub fn read(&self, raw: &str) -> Option<Option<String>> {
        let parsed = self.0.parse(raw, Some(Region::US)).ok()?;
        Some(
            self.0
                .is_valid_number(&parsed)
                .then(|| self.0.format(&parsed, PhoneNumberFormat::E164).into_owned()),
        )
    }
}

/// A valid number's E.164 form, read with US defaults. North America's plan answers every
/// number it can parse: its country code is then 1, and validity is decided by the regions of
/// code 1, all in that plan, exactly as the whole world's plan would decide it. Anything else
/// (another country code, or no number at all) is read with the whole world's.
fn e164(raw: &str) -> Option<String> {
    match NANP.as_ref()?.read(raw) {
        Some(answer) => answer,
        None => WORLD.as_ref()?.read(raw).flatten(),
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
mod tests;
