//! A month of days' report counts as one compact binary attribute. A year's report reads 13
//! month items with one Query. Kept as one number attribute per counter and day (~70 a busy
//! day) a year was ~650 KB and ~25,000 attributes for DynamoDB to send and the SDK to parse
//! (119 ms through the local gateway); as one binary per day, 366 items (24.5 ms).
//!
//! Format (version 1): the version byte; the user ids the counts mention (a count, then each
//! as a length and its bytes); then each day that has counts: its day of the month (1–31), how
//! many counts, and each count as a tag byte, its payload, and the value as a zigzag varint.
//! Tags: 1 flagged, 2 reviewed, 3 called back, 4 revenue cents; `0x10 + i` the final status
//! `LeadStatus::ALL[i]`; `0x20` minutes to first action (+ the minutes); `0x30 + k` a CSR's
//! count of kind `k` (+ the user's index).

use std::collections::BTreeMap;

use scl_domain::report::{Counter, Counts, CsrCounter};
use scl_domain::status::LeadStatus;
use scl_domain::UserId;

const VERSION: u8 = 1;
const CSR_KINDS: [CsrCounter; 4] = [
    CsrCounter::Actions,
    CsrCounter::CalledBack,
    CsrCounter::BookedByScl,
    CsrCounter::NotALead,
];

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// The days of a month (by day of the month) that have counts.
pub(crate) type MonthCounts = BTreeMap<u8, Counts>;

pub(crate) fn encode(month: &MonthCounts) -> Vec<u8> {
    let mut users: BTreeMap<&UserId, u64> = BTreeMap::new();
    for counts in month.values() {
        for (c, _) in counts.iter() {
            if let Counter::Csr(user, _) = c {
                let next = users.len() as u64;
                users.entry(user).or_insert(next);
            }
        }
    }
    let mut out = Vec::with_capacity(16 + 8 * users.len() + 200 * month.len());
    out.push(VERSION);
    put_varint(&mut out, users.len() as u64);
    let mut in_order: Vec<(&UserId, u64)> = users.iter().map(|(u, i)| (*u, *i)).collect();
    in_order.sort_by_key(|(_, i)| *i);
    for (user, _) in in_order {
        put_varint(&mut out, user.as_str().len() as u64);
        out.extend_from_slice(user.as_str().as_bytes());
    }
    for (day, counts) in month.iter().filter(|(_, c)| !c.is_empty()) {
        out.push(*day);
        put_varint(&mut out, counts.iter().count() as u64);
        for (c, n) in counts.iter() {
            match c {
                Counter::Flagged => out.push(1),
                Counter::Reviewed => out.push(2),
                Counter::CalledBack => out.push(3),
                Counter::RevenueCents => out.push(4),
                Counter::BookedDuringWrapUp => out.push(5),
                Counter::Disposition(s) => {
                    let i = LeadStatus::ALL.iter().position(|x| x == s).unwrap_or(0);
                    out.push(0x10 + i as u8);
                }
                Counter::FirstActionMinutes(m) => {
                    out.push(0x20);
                    put_varint(&mut out, u64::from(*m));
                }
                Counter::Csr(user, kind) => {
                    let k = CSR_KINDS.iter().position(|x| x == kind).unwrap_or(0);
                    out.push(0x30 + k as u8);
                    put_varint(&mut out, users.get(user).copied().unwrap_or(0));
                }
            }
            put_varint(&mut out, zigzag(n));
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("cut short")?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number longer than 64 bits".into())
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

pub(crate) fn decode(bytes: &[u8]) -> Result<MonthCounts, String> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.byte()?;
    if version != VERSION {
        return Err(format!("report counts format {version}"));
    }
    let n_users = r.varint()?;
    let mut users = Vec::new();
    for _ in 0..n_users {
        let len = usize::try_from(r.varint()?).map_err(|e| e.to_string())?;
        let raw = r.bytes.get(r.at..r.at + len).ok_or("a user id cut short")?;
        r.at += len;
        let id = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
        users.push(UserId::parse("user_id", id).map_err(|e| e.to_string())?);
    }
    let mut month = MonthCounts::new();
    while !r.done() {
        let day = r.byte()?;
        if !(1..=31).contains(&day) || month.contains_key(&day) {
            return Err(format!("day {day} of a month"));
        }
        let entries = r.varint()?;
        let mut counts = Vec::with_capacity(usize::try_from(entries.min(1024)).unwrap_or(0));
        for _ in 0..entries {
            let tag = r.byte()?;
            let counter = match tag {
                1 => Counter::Flagged,
                2 => Counter::Reviewed,
                3 => Counter::CalledBack,
                4 => Counter::RevenueCents,
                5 => Counter::BookedDuringWrapUp,
                0x10..=0x1f => Counter::Disposition(
                    *LeadStatus::ALL
                        .get(usize::from(tag - 0x10))
                        .ok_or("an unknown status")?,
                ),
                0x20 => Counter::FirstActionMinutes(
                    u32::try_from(r.varint()?).map_err(|e| e.to_string())?,
                ),
                0x30..=0x3f => {
                    let kind = *CSR_KINDS
                        .get(usize::from(tag - 0x30))
                        .ok_or("an unknown CSR count")?;
                    let i = usize::try_from(r.varint()?).map_err(|e| e.to_string())?;
                    Counter::Csr(users.get(i).ok_or("an unknown user")?.clone(), kind)
                }
                other => return Err(format!("an unknown count {other}")),
            };
            counts.push((counter, unzigzag(r.varint()?)));
        }
        month.insert(day, counts.into_iter().collect());
    }
    Ok(month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counter() -> impl Strategy<Value = Counter> {
        let user = prop::sample::select(vec!["u-1", "auth0:x.y@z", "csr-7"])
            .prop_map(|u| UserId::parse("u", u).unwrap());
        prop_oneof![
            Just(Counter::Flagged),
            Just(Counter::Reviewed),
            Just(Counter::CalledBack),
            Just(Counter::RevenueCents),
            Just(Counter::BookedDuringWrapUp),
            prop::sample::select(LeadStatus::ALL.to_vec()).prop_map(Counter::Disposition),
            any::<u32>().prop_map(Counter::FirstActionMinutes),
            (user, prop::sample::select(CSR_KINDS.to_vec())).prop_map(|(u, k)| Counter::Csr(u, k)),
        ]
    }

    proptest! {
        #[test]
        fn any_counts_read_back_as_written(
            days in prop::collection::btree_map(
                1u8..=31,
                prop::collection::vec((counter(), -1_000_000_000_000i64..1_000_000_000_000), 1..40),
                0..6,
            )
        ) {
            let month: MonthCounts = days
                .into_iter()
                .map(|(d, entries)| (d, entries.into_iter().collect::<Counts>()))
                .filter(|(_, c)| !c.is_empty())
                .collect();
            prop_assert_eq!(decode(&encode(&month)).unwrap(), month);
        }

        #[test]
        fn junk_is_refused_not_misread(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            // Whatever it says, it never panics; a valid reading re-encodes to a reading of itself.
            if let Ok(c) = decode(&bytes) {
                prop_assert_eq!(decode(&encode(&c)).unwrap(), c);
            }
        }
    }

    #[test]
    fn a_busy_month_is_a_few_kilobytes() {
        let mut entries = vec![(Counter::Flagged, 45), (Counter::Reviewed, 36)];
        for m in 0..30 {
            entries.push((Counter::FirstActionMinutes(m * 17), 1));
        }
        for c in 0..8 {
            let u = UserId::parse("u", &format!("csr-{c}")).unwrap();
            for k in CSR_KINDS {
                entries.push((Counter::Csr(u.clone(), k), 12));
            }
        }
        let day: Counts = entries.into_iter().collect();
        let month: MonthCounts = (1..=31).map(|d| (d, day.clone())).collect();
        let bytes = encode(&month);
        assert!(bytes.len() < 8 * 1024, "{}", bytes.len());
        assert!(decode(&[]).is_err());
        assert!(decode(&[2]).is_err(), "another version");
    }
}
