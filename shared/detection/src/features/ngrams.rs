//! Hashed n-grams: what a call's wording says beyond the named features. Three families, each
//! scaled to unit length on its own so a long call does not score high for being long:
//! - words and word pairs (stems) tagged with who said them (agent, caller, notes);
//! - the same without the speaker, so a transcript with wrong or missing speaker labels still
//!   reads the same;
//! - character 3-, 4- and 5-grams of each word as spelled (with its edges marked), which
//!   carry over to misspellings, misrecognised words, other inflections and Spanish.
//!
//! Every n-gram is hashed (FNV-1a, stable across platforms and releases) into one of
//! `HASH_BUCKETS` buckets; the model keeps one weight per bucket.

use super::super::text::{self, Clause};

/// Bits of the bucket index: 2^14 buckets, a 4-bit code each in the shipped table (8 KB of
/// the IngestCall bootstrap). Leave-one-writer-out F1 on the training writers was 0.963 with
/// 2^16 buckets, 0.963 with 2^15 and 0.964 with 2^14 (model/README.md, Size).
pub const HASH_BITS: u32 = 14;
pub const HASH_BUCKETS: usize = 1 << HASH_BITS;

pub(super) const AGENT: u8 = b'a';
pub(super) const CALLER: u8 = b'c';
pub(super) const NOTES: u8 = b'n';
const ANY_SPEAKER: u8 = b'x';
const CHARS: u8 = b'g';

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv_bytes(mut h: u32, bytes: &[u8]) -> u32 {
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The bucket of a hash: its high bits after a multiplicative mix (FNV's low bits are weak).
fn bucket(h: u32) -> u32 {
    h.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)
}

/// Numbers become one token, so "$79" and "$129" are the same word to the model.
fn token(w: &str) -> &str {
    if text::is_number(w) {
        if w.starts_with('$') {
            "#$"
        } else {
            "#"
        }
    } else {
        w
    }
}

fn word_hash(tag: u8, w: &str) -> u32 {
    fnv_bytes(fnv_bytes(FNV_OFFSET, &[tag, b':']), token(w).as_bytes())
}

fn pair_hash(tag: u8, w: &str, next: &str) -> u32 {
    let h = fnv_bytes(word_hash(tag, w), b" ");
    fnv_bytes(h, token(next).as_bytes())
}

/// Buckets of one word's character n-grams (the word as spelled, edges marked).
fn char_grams(surface: &str, out: &mut Vec<u32>) {
    if text::is_number(surface) {
        return;
    }
    let mut marked: Vec<u8> = Vec::with_capacity(surface.len() + 2);
    marked.push(b'<');
    marked.extend(surface.bytes().filter(|b| *b != b'\''));
    marked.push(b'>');
    let base = fnv_bytes(FNV_OFFSET, &[CHARS, b':']);
    for n in 3..=5 {
        for gram in marked.windows(n) {
            out.push(bucket(fnv_bytes(base, gram)));
        }
    }
}

/// The buckets one word of a clause adds to a call (all families), into `out`, for telling
/// which words carried the wording's weight.
pub fn word_buckets(tag_agent: bool, clause: &Clause, i: usize, out: &mut Vec<u32>) {
    let tag = if tag_agent { AGENT } else { CALLER };
    let w = &clause.stems[i];
    out.extend([bucket(word_hash(tag, w)), bucket(word_hash(ANY_SPEAKER, w))]);
    char_grams(&clause.surface[i], out);
}

/// The bucket of a caller's word (stem) on its own, speaker-tagged.
pub fn bucket_of_word(w: &str) -> u32 {
    bucket(word_hash(CALLER, w))
}

/// A call's n-grams, family by family, as they are read.
#[derive(Debug, Default)]
pub(super) struct Hashed {
    by_speaker: Vec<u32>,
    any_speaker: Vec<u32>,
    chars: Vec<u32>,
}

impl Hashed {
    pub(super) fn add(&mut self, tag: u8, clause: &Clause) {
        let words = &clause.stems;
        for (i, w) in words.iter().enumerate() {
            self.by_speaker.push(bucket(word_hash(tag, w)));
            self.any_speaker.push(bucket(word_hash(ANY_SPEAKER, w)));
            if let Some(next) = words.get(i + 1) {
                self.by_speaker.push(bucket(pair_hash(tag, w, next)));
                self.any_speaker
                    .push(bucket(pair_hash(ANY_SPEAKER, w, next)));
            }
        }
        for surface in &clause.surface {
            char_grams(surface, &mut self.chars);
        }
    }

    /// (bucket, value), buckets distinct and sorted: each family's distinct buckets at
    /// 1/sqrt(their number), summed where families share a bucket.
    pub(super) fn finish(self) -> Vec<(u32, f32)> {
        let mut all: Vec<(u32, f32)> = Vec::new();
        for mut family in [self.by_speaker, self.any_speaker, self.chars] {
            family.sort_unstable();
            family.dedup();
            let value = 1.0 / (family.len().max(1) as f32).sqrt();
            all.extend(family.into_iter().map(|b| (b, value)));
        }
        all.sort_unstable_by_key(|p| p.0);
        let mut out: Vec<(u32, f32)> = Vec::with_capacity(all.len());
        for (b, v) in all {
            match out.last_mut() {
                Some(last) if last.0 == b => last.1 += v,
                _ => out.push((b, v)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashed(tag: u8, text: &str) -> Vec<(u32, f32)> {
        let mut h = Hashed::default();
        for c in text::clauses(text) {
            h.add(tag, &c);
        }
        h.finish()
    }

    #[test]
    fn buckets_are_sorted_distinct_and_each_family_has_unit_length() {
        let h = hashed(CALLER, "The furnace is leaking. The furnace!");
        assert!(h.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(h.iter().all(|(b, _)| (*b as usize) < HASH_BUCKETS));
        let total: f32 = h.iter().map(|(_, v)| v * v).sum();
        // Three families of unit length (collisions between them can only add).
        assert!((2.9..3.5).contains(&total), "{total}");
    }

    #[test]
    fn a_misrecognised_word_shares_character_grams_with_the_word() {
        let a: Vec<u32> = hashed(CALLER, "furnace").iter().map(|p| p.0).collect();
        let b: Vec<u32> = hashed(CALLER, "furness").iter().map(|p| p.0).collect();
        let shared = a.iter().filter(|x| b.contains(x)).count();
        assert!(shared >= 3, "{shared}");
    }

    #[test]
    fn the_speaker_free_family_is_the_same_whoever_spoke() {
        let a = hashed(CALLER, "how much for a new roof");
        let b = hashed(AGENT, "how much for a new roof");
        let common = a.iter().filter(|p| b.iter().any(|q| q.0 == p.0)).count();
        assert!(common * 3 > a.len() * 2, "{common} of {}", a.len());
        assert_ne!(a, b);
    }
}
