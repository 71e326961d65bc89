//! The explainable lead detector.
//!
//! A call is scored from *signals*: phrases in what the caller said (plus the call reason and
//! the CSR's notes) that show a genuine sales opportunity, or that show the call was clearly
//! not one. Each signal found contributes its weight once; the total goes through a logistic
//! curve to a score in [0, 1]. Every signal found becomes a human-readable reason, so a CSR
//! can see why a call was (or was not) flagged.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

use super::call_event::PlatformClassification;
use super::lead::{Speaker, TranscriptSegment};

/// The detector's verdict on one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub score: f64,
    pub reasons: Vec<String>,
    /// The phone platform's own classification, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformClassification>,
}

/// How strict detection is (an administrator's setting): the score a call must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strictness {
    Lenient,
    #[default]
    Balanced,
    Strict,
}

impl Strictness {
    pub fn threshold(self) -> f64 {
        match self {
            Strictness::Lenient => 0.35,
            Strictness::Balanced => 0.5,
            Strictness::Strict => 0.7,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    Opportunity,
    NotALead,
}

struct Signal {
    polarity: Polarity,
    weight: f64,
    reason: &'static str,
    pattern: Regex,
}

fn signal(polarity: Polarity, weight: f64, reason: &'static str, pattern: &str) -> Signal {
    Signal {
        polarity,
        weight,
        reason,
        // The patterns are constants checked by the tests below; a typo fails every test run.
        pattern: RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .unwrap_or_else(|e| panic!("bad detector pattern {pattern}: {e}")),
    }
}

/// Base of the logistic: with no signal at all a call scores about 0.12.
const BIAS: f64 = -2.0;

static SIGNALS: LazyLock<Vec<Signal>> = LazyLock::new(|| {
    use Polarity::*;
    vec![
        signal(
            Opportunity,
            2.3,
            "caller described a need for service",
            concat!(
                r"\b(not|isn'?t|wasn'?t|won'?t|doesn'?t|didn'?t|stopped|quit|keeps?)\s+(\w+\s+)?(cool|heat|work|drain|flush|turn|shut|clos|open|spark|trip|leak|run|blow|kick|light|start|ignit)\w*",
                r"|\b(broke|broken|busted|cracked|burst|clogged|backed up|overflow\w*|leak\w*|drip\w*|flood\w*|frozen|tripping|sparking|smok\w+|buzz\w*|flicker\w*|sagging|missing shingles|rattl\w+|grinding|squeal\w*|burning smell|smells? like (gas|burning|smoke))\b",
                r"|\bno (hot water|heat|power|air|ac|a/c|water pressure)\b",
                r"|\b(need|want|looking|like|hoping|trying)\w* (to )?(get |have )?(someone|somebody|a tech\w*|a plumber|an electrician|a roofer|you guys|it|a new|new|an? (estimate|inspection)|to (replace|install|fix|repair|upgrade))",
                r"|\b(replac\w*|install\w*|repair\w*|upgrad\w*|fix|fixed|fixing)\b",
                r"|\b(making|makes) (a|this|that|some) \w*\s*(noise|sound)",
            ),
        ),
        signal(
            Opportunity,
            1.4,
            "caller asked about price",
            concat!(
                r"\bhow much\b|\b(price|prices|pricing|cost|costs|quote|quotes|estimate|estimates|ballpark|fee|rates?|financing)\b",
                r"|\bwhat (do|would|will) (you|y'all|it) (guys )?(charge|run)",
            ),
        ),
        signal(
            Opportunity,
            1.1,
            "caller asked about availability",
            concat!(
                r"\bwhen (can|could|would) (you|someone|somebody|a tech\w*|y'all)\b|\bhow soon\b|\b(earliest|soonest|sooner|next (available|opening))\b",
                r"|\b(available|availability)\b|\bcome out\b|\bget (someone|somebody|a tech\w*) (out|over)\b|\b(today|tomorrow|this week|this weekend)\b",
            ),
        ),
        signal(
            Opportunity,
            1.3,
            "caller was comparing options",
            concat!(
                r"\b(other|another|a few|couple|multiple|several|different) (companies|company|quotes?|estimates?|bids?|places|contractors)\b",
                r"|\bshopping around\b|\bcompar(e|ing)\b|\bcheaper\b|\b(quoted|charged) me\b|\bbetter (deal|price)\b",
            ),
        ),
        signal(
            Opportunity,
            1.2,
            "caller said they would think about it or call back",
            concat!(
                r"\bthink (about|it over|on it)\b|\bsleep on it\b|\b(call|get|ring) (you )?back\b|\bcall you\b",
                r"|\b(talk|check|run it by|discuss)\w* (it )?(over )?(with|to|by) my (wife|husband|spouse|partner|family|boss)\b",
                r"|\b(let me|i'?ll|i will|need to|have to) (check|look at|see|figure out|think)\b|\bnot ready\b|\bmy budget\b",
            ),
        ),
        signal(
            NotALead,
            6.0,
            "caller reached a wrong number",
            concat!(
                r"\bwrong number\b|\b(didn'?t|did not) mean to (call|dial)\b|\bdialed the wrong\b|\bmisdial",
                r"|\b(i was|i'?m) (trying|looking) to (reach|call|get) (the |a )?(pharmacy|pizza|doctor|dentist|school|bank|restaurant|clinic|vet)",
                r"|\bis this (not )?(the )?(pizza|pharmacy|doctor|dentist|restaurant|bank|school)",
            ),
        ),
        signal(
            NotALead,
            6.0,
            "caller was a vendor or solicitor",
            concat!(
                r"\b(calling|reaching out) (from|on behalf of) [\w ]{0,40}(marketing|media|digital|seo|solutions|capital|funding|payments|leads|advertising|supply|supplies|software)\b",
                r"|\b(seo|search engine|google (listing|ranking|business profile|maps listing)|online reviews|merchant services|credit card processing|business (loan|funding)|advertis\w+|lead generation|leads for your)\b",
                r"|\b(speak|talk) (with|to) (the )?(owner|business owner|decision maker|person in charge|manager of the business)\b",
                r"|\b(we|i) (sell|supply|offer|provide) [\w ]{0,30}(to|for) (contractors|companies|businesses|shops)\b",
            ),
        ),
        signal(
            NotALead,
            4.5,
            "caller asked about an existing job",
            concat!(
                r"\b(my|the|our|your) (appointment|technician|tech|installer|crew|plumber|electrician) (is|was|were|should|still|hasn'?t|has not|didn'?t|never|came|coming|running)\b",
                r"|\b(already|previously) (scheduled|booked|have an appointment)\b|\bstatus of (my|the|our)\b|\b(running|is|was) late\b",
                r"|\bon (his|her|their) way\b|\b(reschedul\w*|cancel\w*) (my|the|our)? ?(appointment|visit|job)\b|\bconfirm\w* (my|the|our) (appointment|visit)\b",
                r"|\b(job|work) (you|your guys|y'all|your team|your company) (did|done|finished)\b|\bwhen (is|will) (the|my) (tech\w*|plumber|electrician|crew) (coming|arriving|get here)\b",
            ),
        ),
        signal(
            NotALead,
            4.5,
            "caller had a billing question",
            concat!(
                r"\b(my|the|an|this|last) (invoice|bill|receipt|statement)\b|\bcharged (me )?twice\b|\brefund\b|\bpay (my|the|an) (bill|invoice|balance)\b",
                r"|\b(make|making) a payment\b|\bbilling (question|department|issue)\b",
            ),
        ),
        signal(
            NotALead,
            4.5,
            "caller is a renter who cannot authorise work",
            concat!(
                r"\b(i|we) (rent|lease)\b|\b(i'?m|i am|we'?re|we are) (a |the )?(renter|renters|tenant|tenants|renting)\b|\bmy landlord\b",
                r"|\bproperty (manager|management|owner) (has|have|needs|would need|will need|must) to\b|\b(can'?t|cannot|not allowed to) (authorize|approve|sign off)\b",
            ),
        ),
        signal(
            NotALead,
            7.0,
            "automated call or spam",
            concat!(
                r"\bpress (1|one|2|two|9|nine)\b|\b(extended|vehicle'?s?|car'?s?) warranty\b|\b(this is )?an automated (call|message)\b|\bfinal notice\b",
                r"|\b(you'?ve|you have) (been selected|won|been pre-?approved)\b|\bsocial security (number|administration)\b|\bdo not hang up\b",
            ),
        ),
    ]
});

/// The text the detector reads: what the caller said, plus the call reason and CSR notes,
/// which describe the caller's need in the CSR's words.
fn evidence(transcript: &[TranscriptSegment], extra: &[&str]) -> String {
    let mut text = String::new();
    for s in transcript.iter().filter(|s| s.speaker == Speaker::Customer) {
        text.push_str(&s.text);
        text.push('\n');
    }
    for e in extra {
        text.push_str(e);
        text.push('\n');
    }
    text
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Scores a call. `extra` carries other free text about the call (reason, CSR notes).
pub fn detect(
    transcript: &[TranscriptSegment],
    extra: &[&str],
    platform: Option<PlatformClassification>,
) -> Detection {
    let text = evidence(transcript, extra);
    let mut z = BIAS;
    let mut opportunity = Vec::new();
    let mut against = Vec::new();
    for s in SIGNALS.iter().filter(|s| s.pattern.is_match(&text)) {
        match s.polarity {
            Polarity::Opportunity => {
                z += s.weight;
                opportunity.push(s.reason.to_owned());
            }
            Polarity::NotALead => {
                z -= s.weight;
                against.push(s.reason.to_owned());
            }
        }
    }
    let score = (logistic(z) * 100.0).round() / 100.0;
    let mut reasons = opportunity;
    reasons.extend(against);
    Detection {
        score,
        reasons,
        platform,
    }
}

/// Which signals a piece of text shows, for the summary: how many opportunity signals match.
pub fn opportunity_signals_in(text: &str) -> usize {
    SIGNALS
        .iter()
        .filter(|s| s.polarity == Polarity::Opportunity && s.pattern.is_match(text))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(lines: &[&str]) -> Vec<TranscriptSegment> {
        lines
            .iter()
            .enumerate()
            .map(|(i, t)| TranscriptSegment {
                speaker: Speaker::Customer,
                start_ms: i as u64 * 1000,
                text: (*t).to_owned(),
            })
            .collect()
    }

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(SIGNALS.len(), 11);
    }

    #[test]
    fn a_priced_repair_request_scores_high_with_reasons() {
        let d = detect(
            &customer(&[
                "My AC stopped cooling last night.",
                "How much would it cost to come out?",
            ]),
            &[],
            None,
        );
        assert!(d.score > 0.8, "{d:?}");
        assert!(d
            .reasons
            .contains(&"caller described a need for service".to_owned()));
        assert!(d.reasons.contains(&"caller asked about price".to_owned()));
    }

    #[test]
    fn a_wrong_number_scores_low_whatever_else_is_said() {
        let d = detect(
            &customer(&["Sorry, wrong number. I wanted a price on pizza."]),
            &[],
            None,
        );
        assert!(d.score < 0.2, "{d:?}");
        assert!(d
            .reasons
            .contains(&"caller reached a wrong number".to_owned()));
    }

    #[test]
    fn agent_speech_is_not_evidence() {
        let agent = vec![TranscriptSegment {
            speaker: Speaker::Agent,
            start_ms: 0,
            text: "Would you like a quote to replace it? How soon?".into(),
        }];
        assert!(detect(&agent, &[], None).score < 0.5);
    }

    #[test]
    fn call_reason_counts_as_evidence() {
        let d = detect(&[], &["Water heater leaking, wants a price"], None);
        assert!(d.score >= 0.5, "{d:?}");
    }
}
