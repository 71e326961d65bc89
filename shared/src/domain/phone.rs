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
/// (`shared/data/numbering-plan/`; the test `the_bundled_numbering_plan_is_the_library_s`
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

    /// The library's own numbering plan, whole: the `metadata.bin` its compilation read. rustc's
    /// dep-info for the linked rlibphonenumber (`rlibphonenumber-<hash>.d`, beside this test
    /// binary in `target/<profile>/deps/`) names every file that compilation included, so the file
    /// is found without running cargo: `cargo metadata` resolves every platform's dependencies and,
    /// offline, fails on a machine whose cargo cache holds only this host's.
    fn library_plan() -> PhoneMetadataCollection {
        let file = library_metadata_file();
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        PhoneMetadataCollection::decode(&*bytes).unwrap()
    }

    /// The newest rlibphonenumber dep-info in this test binary's folder that names an existing
    /// `metadata.bin` (an older one may outlive an upgrade of the library).
    fn library_metadata_file() -> std::path::PathBuf {
        let exe = std::env::current_exe().unwrap();
        let deps = exe.parent().unwrap();
        let mut found = Vec::new();
        for entry in std::fs::read_dir(deps).unwrap().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with("rlibphonenumber-") && name.ends_with(".d")) {
                continue;
            }
            let Ok(dep_info) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            // One `path:` line per file read; make escapes a space in a path as `\ `.
            let metadata = dep_info
                .lines()
                .filter_map(|line| line.strip_suffix(':'))
                .map(|path| std::path::PathBuf::from(path.replace("\\ ", " ")))
                .find(|path| path.ends_with("src/generated/metadata/metadata.bin"));
            if let (Some(path), Ok(meta)) = (metadata, entry.metadata()) {
                if path.is_file() {
                    found.push((meta.modified().unwrap(), path));
                }
            }
        }
        found
            .into_iter()
            .max()
            .map(|(_, path)| path)
            .unwrap_or_else(|| {
                panic!(
                    "no rlibphonenumber dep-info naming its metadata.bin in {}",
                    deps.display()
                )
            })
    }

    /// A number read by the library as linked (its global instance, over the whole plan compiled
    /// into it): what `e164` must always answer.
    fn e164_by_library(raw: &str) -> Option<String> {
        let library = &*rlibphonenumber::PHONE_NUMBER_UTIL;
        let parsed = library.parse(raw, Some(Region::US)).ok()?;
        library.is_valid_number(&parsed).then(|| {
            library
                .format(&parsed, PhoneNumberFormat::E164)
                .into_owned()
        })
    }

    /// A region's metadata without what parsing and validating never read (`NANP_PLAN`).
    // The library marks the protobuf's fields deprecated for readers of its own wrappers, which
    // empty them; this is the protobuf as decoded, where they hold the data.
    #[allow(deprecated)]
    fn for_parsing(mut region: rlibphonenumber::PhoneMetadata) -> rlibphonenumber::PhoneMetadata {
        region.number_format.clear();
        region.intl_number_format.clear();
        region.emergency = None;
        region.short_code = None;
        region.carrier_specific = None;
        region.sms_services = None;
        region.standard_rate = None;
        for desc in [
            &mut region.general_desc,
            &mut region.fixed_line,
            &mut region.mobile,
            &mut region.toll_free,
            &mut region.premium_rate,
            &mut region.shared_cost,
            &mut region.personal_number,
            &mut region.voip,
            &mut region.pager,
            &mut region.uan,
            &mut region.voicemail,
            &mut region.no_international_dialling,
        ]
        .into_iter()
        .flatten()
        {
            desc.example_number = None;
        }
        region
    }

    /// The bundled plan is the linked library's own, trimmed and split at country code 1. Run
    /// with `SCL_WRITE_NUMBERING_PLAN=1` after upgrading rlibphonenumber to rewrite the files.
    #[test]
    fn the_bundled_numbering_plan_is_the_library_s() {
        let (nanp, rest): (Vec<_>, Vec<_>) = library_plan()
            .metadata
            .into_iter()
            .map(for_parsing)
            .partition(|m| m.country_code == Some(1));
        let nanp = PhoneMetadataCollection { metadata: nanp };
        let rest = PhoneMetadataCollection { metadata: rest };
        if std::env::var_os("SCL_WRITE_NUMBERING_PLAN").is_some() {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/numbering-plan");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("nanp.pb"), nanp.encode_to_vec()).unwrap();
            std::fs::write(dir.join("rest-of-world.pb"), rest.encode_to_vec()).unwrap();
            return;
        }
        assert_eq!(nanp.metadata.len(), 25, "the NANP's regions");
        assert!(PhoneMetadataCollection::decode(NANP_PLAN).unwrap() == nanp);
        assert!(PhoneMetadataCollection::decode(REST_OF_WORLD_PLAN).unwrap() == rest);
        assert!(NANP.is_some() && WORLD.is_some());
    }

    #[test]
    #[allow(deprecated)] // the decoded protobuf's fields, as in `for_parsing`
    fn every_region_s_example_numbers_read_as_the_library_reads_them() {
        let mut checked = 0;
        for region in library_plan().metadata {
            let Some(code) = region.country_code else {
                continue;
            };
            let examples = [
                &region.fixed_line,
                &region.mobile,
                &region.toll_free,
                &region.premium_rate,
                &region.shared_cost,
                &region.personal_number,
                &region.voip,
                &region.pager,
                &region.uan,
                &region.voicemail,
            ]
            .into_iter()
            .flatten()
            .filter_map(|desc| desc.example_number.clone());
            for example in examples {
                for raw in [
                    format!("+{code} {example}"),
                    example.clone(),
                    format!("011{code}{example}"),
                ] {
                    assert_eq!(e164(&raw), e164_by_library(&raw), "{} {raw}", region.id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 3000, "{checked} spellings");
    }

    #[test]
    fn north_america_first_answers_as_the_whole_world_would() {
        for raw in [
            "(512) 555-0100",
            "+1 416 555 0123",     // Toronto
            "+1 876 555 0123",     // Jamaica, in the NANP
            "1 (800) 555-0199",    // toll free
            "+1 555 555 0100",     // no such area code
            "+44 20 7946 0958",    // London
            "011 44 20 7946 0958", // London dialled from the US
            "+49 30 901820",       // Berlin
            "00 44 20 7946 0958",  // not the US exit code
            "+81 3-1234-5678",     // Tokyo
            "+999 123 456",        // no such country code
            "442079460958",
            "+1 512",
            "abc",
        ] {
            assert_eq!(e164(raw), e164_by_library(raw), "{raw}");
        }
        assert_eq!(e164("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(e164("+1 555 555 0100"), None);
        assert_eq!(e164("+1 876 927 1234").as_deref(), Some("+18769271234"));
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
        fn any_digits_read_as_the_library_reads_them(plus in any::<bool>(), digits in "[0-9]{3,15}") {
            let raw = format!("{}{digits}", if plus { "+" } else { "" });
            prop_assert_eq!(e164(&raw), e164_by_library(&raw), "{}", raw);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,60}") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}
