//! The serde form of a `DateTime<Utc>` on the queue's read path (`#[serde(with = "...")]` on
//! a lead's times): exactly chrono's own — RFC 3339 in UTC with `Z`, the fraction in 0, 3, 6
//! or 9 digits as needed — written and read without chrono's general-purpose formatter and
//! parser, which were about a fifth of decoding and rendering a queue page (six times per
//! lead; BENCHMARKS.md, The read path's CPU). Anything outside the common shape (another
//! offset, a year beyond 9999, a leap second) goes through chrono itself, so every value reads
//! and writes as it did.

use std::fmt;

use chrono::Datelike;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, Timelike, Utc};
use serde::{de, Deserializer, Serializer};

/// `2026-11-25T10:00:00.123Z`: at most 30 bytes.
struct Buf {
    bytes: [u8; 30],
    len: usize,
}

impl Buf {
    fn push_digits(&mut self, mut n: u32, width: usize) {
        for i in (0..width).rev() {
            self.bytes[self.len + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.len += width;
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }
}

/// The time as chrono writes it (`SecondsFormat::AutoSi`, `Z`), or `None` for the shapes left to
/// chrono (years outside 0–9999, a leap second).
fn format_common(t: &DateTime<Utc>) -> Option<Buf> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut b = Buf {
        bytes: [0; 30],
        len: 0,
    };
    b.push_digits(year, 4);
    b.push(b'-');
    b.push_digits(t.month(), 2);
    b.push(b'-');
    b.push_digits(t.day(), 2);
    b.push(b'T');
    b.push_digits(t.hour(), 2);
    b.push(b':');
    b.push_digits(t.minute(), 2);
    b.push(b':');
    b.push_digits(t.second(), 2);
    if nanos != 0 {
        b.push(b'.');
        if nanos.is_multiple_of(1_000_000) {
            b.push_digits(nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            b.push_digits(nanos / 1_000, 6);
        } else {
            b.push_digits(nanos, 9);
        }
    }
    b.push(b'Z');
    Some(b)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, or `None` for anything else (left to chrono).
fn parse_common(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if punctuation.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let n = digits(20..b.len() - 1)?;
            n * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let time =
        NaiveTime::from_hms_nano_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?, nanos)?;
    Some(date.and_time(time).and_utc())
}

pub fn serialize<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    match format_common(t) {
        // Only ASCII digits and punctuation were written.
        Some(b) => {
            serializer.serialize_str(std::str::from_utf8(&b.bytes[..b.len]).unwrap_or_default())
        }
        None => serializer.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Visitor)
}

struct Visitor;

impl de::Visitor<'_> for Visitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
        match parse_common(s) {
            Some(t) => Ok(t),
            None => s
                .parse::<DateTime<FixedOffset>>()
                .map(|t| t.with_timezone(&Utc))
                .map_err(E::custom),
        }
    }
}

/// `Option<DateTime<Utc>>` in the same form, `None` as null (`#[serde(default, with = ...)]`
/// reads an absent one as `None` too).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::serialize(t, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> de::Visitor<'de> for OptionVisitor {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 formatted date and time string, or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ours {
        #[serde(with = "super")]
        at: DateTime<Utc>,
        #[serde(with = "super")]
        also: DateTime<Utc>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Chronos {
        at: DateTime<Utc>,
        also: DateTime<Utc>,
    }

    fn time() -> impl Strategy<Value = DateTime<Utc>> {
        // Every year chrono handles, and nanoseconds at each precision (whole, ms, µs, ns).
        (
            -300_000_000_000i64..300_000_000_000,
            prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|m| m * 1_000_000),
                (0u32..1_000_000).prop_map(|u| u * 1000),
                0u32..1_000_000_000
            ],
        )
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap_or_default())
    }

    proptest! {
        #[test]
        fn writes_and_reads_exactly_as_chrono_does(at in time(), also in time()) {
            let ours = serde_json::to_string(&Ours { at, also }).unwrap_or_default();
            let chronos = serde_json::to_string(&Chronos { at, also }).unwrap_or_default();
            prop_assert_eq!(&ours, &chronos);
            let back: Ours = serde_json::from_str(&chronos).unwrap_or_else(|e| panic!("{e}: {chronos}"));
            prop_assert_eq!(back, Ours { at, also });
        }
    }

    #[test]
    fn other_spellings_read_as_chrono_reads_them_and_junk_is_refused() {
        for s in [
            "2026-11-25T10:00:00Z",
            "2026-11-25T10:00:00.5Z",
            "2026-11-25T10:00:00.123456789Z",
            "2026-11-25T04:00:00-06:00",
            "2026-11-25T10:00:00+00:00",
            "2026-11-25t10:00:00z",
            "2026-11-25 10:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T10:00:00.Z",
            "2026-11-25T10:00:00.1234567890Z",
            "2026-11-25T10:00Z",
            "garbage",
            "",
        ] {
            let json = format!("{{\"at\":{s:?},\"also\":\"2026-11-25T10:00:00Z\"}}");
            let ours = serde_json::from_str::<Ours>(&json).map(|o| o.at).ok();
            let chronos = serde_json::from_str::<Chronos>(&json).map(|c| c.at).ok();
            assert_eq!(ours, chronos, "{s}");
        }
        assert!(parse_common("2026-11-25T10:00:00.25Z").is_some());
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Maybe {
        #[serde(default, with = "super::option")]
        at: Option<DateTime<Utc>>,
    }

    #[test]
    fn an_optional_time_is_written_like_chronos_and_absent_or_null_reads_as_none() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123Z")
            .unwrap()
            .to_utc();
        let json = serde_json::to_string(&Maybe { at: Some(at) }).unwrap();
        assert_eq!(json, r#"{"at":"2026-11-25T10:00:00.123Z"}"#);
        assert_eq!(serde_json::from_str::<Maybe>(&json).unwrap().at, Some(at));
        assert_eq!(
            serde_json::to_string(&Maybe { at: None }).unwrap(),
            r#"{"at":null}"#
        );
        for none in ["{}", r#"{"at":null}"#] {
            assert_eq!(
                serde_json::from_str::<Maybe>(none).unwrap().at,
                None,
                "{none}"
            );
        }
        assert!(serde_json::from_str::<Maybe>(r#"{"at":"junk"}"#).is_err());
    }
}
