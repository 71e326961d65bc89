//! Case-insensitive phrase search over a transcript, with highlight ranges in characters.

use serde::Serialize;

use super::error::FieldError;
use super::transcript::{Speaker, TranscriptSegment};

/// A search phrase: 1–200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let q = raw.trim();
        let n = q.chars().count();
        if n == 0 || n > 200 {
            return Err(FieldError::new(field, "must be 1 to 200 characters"));
        }
        Ok(SearchQuery(q.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchMatch {
    pub segment_index: usize,
    pub speaker: Speaker,
    pub start_ms: u64,
    pub text: String,
    /// `[start, end)` character offsets of each match within `text`.
    pub highlights: Vec<[usize; 2]>,
}

/// Folds one character for comparison, keeping one output character per input character so
/// offsets found in the folded text are offsets in the original.
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

pub fn search(transcript: &[TranscriptSegment], query: &SearchQuery) -> Vec<SearchMatch> {
    let needle: Vec<char> = query.0.chars().map(fold).collect();
    transcript
        .iter()
        .enumerate()
        .filter_map(|(i, seg)| {
            let hay: Vec<char> = seg.text.chars().map(fold).collect();
            let mut highlights = Vec::new();
            let mut at = 0;
            while at + needle.len() <= hay.len() {
                if hay[at..at + needle.len()] == needle[..] {
                    highlights.push([at, at + needle.len()]);
                    at += needle.len();
                } else {
                    at += 1;
                }
            }
            (!highlights.is_empty()).then(|| SearchMatch {
                segment_index: i,
                speaker: seg.speaker,
                start_ms: seg.start_ms,
                text: seg.text.clone(),
                highlights,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> TranscriptSegment {
        TranscriptSegment {
            speaker: Speaker::Customer,
            start_ms: 12_000,
            text: text.into(),
        }
    }

    #[test]
    fn finds_every_case_insensitive_match_with_character_ranges() {
        let t = vec![
            seg("Hello"),
            seg("What's the PRICE? price matters — Ünïcode price"),
        ];
        let m = search(&t, &SearchQuery::parse("q", "Price").unwrap());
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].segment_index, 1);
        assert_eq!(m[0].highlights, vec![[11, 16], [18, 23], [42, 47]]);
        let chars: Vec<char> = m[0].text.chars().collect();
        let hit: String = chars[42..47].iter().collect();
        assert_eq!(hit, "price");
    }

    #[test]
    fn query_bounds() {
        assert!(SearchQuery::parse("q", "  ").is_err());
        assert!(SearchQuery::parse("q", &"a".repeat(201)).is_err());
        assert_eq!(
            SearchQuery::parse("q", " ac unit ").unwrap().as_str(),
            "ac unit"
        );
    }
}
