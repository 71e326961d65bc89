//! Training-time noise: each training call is also fitted as a noisy copy of itself — what
//! speech recognition and diarisation do to real calls — so the model does not lean on clean
//! punctuation, exact spelling or correct speaker labels. Held-out calls are always scored as
//! written. Deterministic: the noise is drawn from a generator seeded by the call's id.

use scl_detection::Speaker;

use crate::corpus::{Call, Segment};

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Self {
        Rng(seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        }))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Speech-recognition text: lower case, no punctuation (so no clause breaks but the turn's end).
fn as_recognised(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == '\'' || *c == '$')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A misrecognised word: two letters swapped, one dropped or one doubled.
fn misspell(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return word.to_owned();
    }
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, chars[i]),
    }
    chars.into_iter().collect()
}

/// A noisy copy of a call: on some calls the text as a recogniser writes it, some words dropped
/// or misspelt, and speaker labels swapped on some turns or lost (every turn one speaker).
pub fn noisy(call: &Call) -> Call {
    let mut rng = Rng::new(&call.id);
    let recognised = rng.chance(0.5);
    let one_speaker = if rng.chance(0.1) {
        Some(if rng.chance(0.5) {
            Speaker::Agent
        } else {
            Speaker::Customer
        })
    } else {
        None
    };
    let transcript = call
        .transcript
        .iter()
        .map(|s| {
            let text = if recognised {
                as_recognised(&s.text)
            } else {
                s.text.clone()
            };
            let mut words: Vec<String> = Vec::new();
            for w in text.split_whitespace() {
                if rng.chance(0.08) {
                    continue;
                }
                words.push(if rng.chance(0.06) {
                    misspell(w, &mut rng)
                } else {
                    w.to_owned()
                });
            }
            let speaker = match one_speaker {
                Some(sp) => sp,
                None if rng.chance(0.1) => match s.speaker {
                    Speaker::Agent => Speaker::Customer,
                    Speaker::Customer => Speaker::Agent,
                },
                None => s.speaker,
            };
            Segment {
                speaker,
                text: words.join(" "),
            }
        })
        .filter(|s| !s.text.is_empty())
        .collect();
    Call {
        transcript,
        ..call.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_keeps_most_of_the_call() {
        let calls = crate::corpus::parse(
            "x",
            "# writer: w1\n=== w1-0001 | hvac | lead | k\nA: Thanks for calling, this is Sam.\nC: My furnace is making a terrible banging noise, how much to look at it?\n",
        )
        .unwrap();
        let a = noisy(&calls[0]);
        assert_eq!(a, noisy(&calls[0]));
        let words = |c: &Call| {
            c.transcript
                .iter()
                .map(|s| s.text.split_whitespace().count())
                .sum::<usize>()
        };
        assert!(words(&a) * 10 >= words(&calls[0]) * 7, "{a:?}");
        assert_eq!(a.is_lead, calls[0].is_lead);
        assert_eq!(misspell("42", &mut Rng::new("x")), "42");
    }
}
