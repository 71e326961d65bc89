//! Word unigrams and bigrams per speaker, hashed to stable ids.

use super::super::text;

/// FNV-1a: stable across platforms and releases, unlike the standard library's hasher.
fn fnv1a(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= u32::from(b' ');
            h = h.wrapping_mul(0x0100_0193);
        }
        for b in p.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Numbers become one token, so "$79" and "$129" are the same word to the model.
fn ngram_word(w: &str) -> &str {
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

pub(super) fn push_ngrams(side: &'static str, words: &[String], out: &mut Vec<u32>) {
    for (i, w) in words.iter().enumerate() {
        let w = ngram_word(w);
        out.push(fnv1a(&[side, w]));
        if let Some(next) = words.get(i + 1) {
            out.push(fnv1a(&[side, w, ngram_word(next)]));
        }
    }
}
