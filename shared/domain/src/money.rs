//! Amounts of money as the booking system sends them (docs/api.md, Events in): a decimal string
//! in the business's currency with at most two decimals, `"1450.00"`, from 0 to 10,000,000.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// An amount in cents, 0 to 10,000,000.00: summed as integers, so totals are exact.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Money(u64);

impl Money {
    /// The largest amount a job may be worth, in cents.
    pub const MAX_CENTS: u64 = 1_000_000_000;

    /// Digits, then optionally a point and one or two more: `1450`, `1450.5`, `1450.50`.
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let (units, fraction) = match raw.split_once('.') {
            Some((units, fraction)) => (units, fraction),
            None => (raw, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || (raw.contains('.') && !digits(fraction)) || fraction.len() > 2 {
            return Err(MoneyError::Malformed);
        }
        // Past eleven digits the amount is over the maximum whatever they are.
        if units.trim_start_matches('0').len() > 11 {
            return Err(MoneyError::TooLarge);
        }
        let units: u64 = units.parse().map_err(|_| MoneyError::Malformed)?;
        let cents = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<u64>().map_err(|_| MoneyError::Malformed)? * 10,
            _ => fraction.parse::<u64>().map_err(|_| MoneyError::Malformed)?,
        };
        let total = units * 100 + cents;
        if total > Self::MAX_CENTS {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(total))
    }

    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw).map_err(|e| FieldError::new(field, e.to_string()))
    }

    pub fn from_cents(cents: u64) -> Option<Self> {
        (cents <= Self::MAX_CENTS).then_some(Money(cents))
    }

    pub fn cents(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl From<Money> for String {
    fn from(m: Money) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Money::parse(&s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal amount with at most two decimals, e.g. \"1450.00\"")]
    Malformed,
    #[error("must be at most 10000000.00")]
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_read_in_cents_and_print_with_two_decimals() {
        for (raw, cents, shown) in [
            ("1450.00", 145_000, "1450.00"),
            ("1450", 145_000, "1450.00"),
            ("1450.5", 145_050, "1450.50"),
            ("0.07", 7, "0.07"),
            ("0", 0, "0.00"),
            ("007.10", 710, "7.10"),
            ("10000000", 1_000_000_000, "10000000.00"),
            ("10000000.00", 1_000_000_000, "10000000.00"),
        ] {
            let m = Money::parse(raw).unwrap();
            assert_eq!((m.cents(), m.to_string().as_str()), (cents, shown), "{raw}");
        }
    }

    #[test]
    fn anything_else_is_refused_and_says_why() {
        for raw in [
            "", " 1", "1 ", "-1", "+1", "1.", ".5", "1.234", "1,450.00", "1e3", "$5", "1.2.3",
            "abc", "٣",
        ] {
            assert_eq!(Money::parse(raw), Err(MoneyError::Malformed), "{raw:?}");
        }
        for raw in ["10000000.01", "10000001", "99999999999999999999999"] {
            assert_eq!(Money::parse(raw), Err(MoneyError::TooLarge), "{raw:?}");
        }
        let e = Money::parse_field("detail.job_value", "12.345").unwrap_err();
        assert_eq!(e.field, "detail.job_value");
    }

    #[test]
    fn stored_as_its_string() {
        let m = Money::parse("18450").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"18450.00\"");
        assert_eq!(serde_json::from_str::<Money>("\"18450.00\"").unwrap(), m);
        assert!(serde_json::from_str::<Money>("\"-1\"").is_err());
    }

    proptest! {
        #[test]
        fn every_amount_prints_and_reads_back(cents in 0..=Money::MAX_CENTS) {
            let m = Money::from_cents(cents).unwrap();
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }
    }
}
