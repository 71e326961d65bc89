//! Extractive summaries: when the phone platform sends none, the summary is built from the
//! caller's own sentences that carry the most opportunity signals, in the order they were said.

use super::detection::opportunity_signals_in;
use super::transcript::{Speaker, TranscriptSegment};

const MAX_SENTENCES: usize = 3;
const MAX_CHARS: usize = 400;

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '?', '!'])
        .map(str::trim)
        .filter(|s| s.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
}

/// Builds a summary from the call reason and the caller's most telling sentences.
pub fn generate(call_reason: Option<&str>, transcript: &[TranscriptSegment]) -> String {
    let candidates: Vec<(usize, &str, usize)> = transcript
        .iter()
        .filter(|s| s.speaker == Speaker::Customer)
        .flat_map(|s| sentences(&s.text))
        .enumerate()
        .map(|(pos, s)| (pos, s, opportunity_signals_in(s)))
        .collect();

    let mut picked: Vec<&(usize, &str, usize)> = candidates.iter().filter(|c| c.2 > 0).collect();
    // Most signals first, earlier sentences win ties; then back into spoken order.
    picked.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    picked.truncate(MAX_SENTENCES);
    if picked.is_empty() {
        picked = candidates.iter().take(2).collect();
    }
    picked.sort_by_key(|c| c.0);

    let mut out = String::new();
    if let Some(reason) = call_reason {
        out.push_str(&format!("Call reason: {}.", reason.trim_end_matches('.')));
    }
    if !picked.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("Caller said: ");
        let quoted: Vec<&str> = picked.iter().map(|c| c.1).collect();
        out.push_str(&quoted.join(" "));
    }
    if out.is_empty() {
        out.push_str("No transcript or call reason was available for this call.");
    }
    truncate_chars(&out, MAX_CHARS)
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(speaker: Speaker, text: &str) -> TranscriptSegment {
        TranscriptSegment {
            speaker,
            start_ms: 0,
            text: text.into(),
        }
    }

    #[test]
    fn picks_the_callers_telling_sentences_in_order() {
        let t = vec![
            seg(
                Speaker::Agent,
                "Thanks for calling Cool Air, how can I help?",
            ),
            seg(
                Speaker::Customer,
                "Hi there. My AC stopped cooling yesterday. It's hot.",
            ),
            seg(Speaker::Agent, "Sorry to hear that."),
            seg(
                Speaker::Customer,
                "How much is a service call? I'll think about it and call back.",
            ),
        ];
        let s = generate(Some("AC not cooling"), &t);
        assert!(
            s.starts_with(
                "Call reason: AC not cooling. Caller said: My AC stopped cooling yesterday."
            ),
            "{s}"
        );
        assert!(s.contains("How much is a service call?"), "{s}");
        assert!(!s.contains("Thanks for calling"), "{s}");
    }

    #[test]
    fn always_says_something_and_stays_short() {
        assert!(!generate(None, &[]).is_empty());
        let long = seg(
            Speaker::Customer,
            &"My furnace is broken and leaking. ".repeat(100),
        );
        assert!(generate(None, &[long]).chars().count() <= MAX_CHARS);
    }
}
