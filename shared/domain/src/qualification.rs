//! Which completed calls become Second Chance Leads (docs/product.md): the hard gates first, then
//! the detector.

use super::call_event::{CallCompleted, Direction, Outcome};
use super::detection::adaptation::Adjustment;
use super::detection::{assess, Assessment, CallText};
use super::settings::TenantSettings;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A lead; `detection.reasons` explains why.
    Lead(Assessment),
    /// Passed every gate but scored under the business's threshold: kept for 30 days as a
    /// near miss a CSR can promote (docs/api.md, Near misses and detection).
    NearMiss(Assessment),
    /// A gate excluded it; the reason says which.
    Excluded { reason: String },
}

/// `4m 12s`, `45s`, `1h 2m 3s`.
pub fn human_duration(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}

/// Gates first, then the detector with the business's learned `adjustment`.
pub fn qualify(
    call: &CallCompleted,
    settings: &TenantSettings,
    adjustment: &Adjustment,
) -> Verdict {
    let excluded = |reason: String| Verdict::Excluded { reason };
    if call.direction != Direction::Inbound {
        return excluded("outbound call".into());
    }
    if !call.answered || call.outcome == Outcome::Abandoned {
        return excluded("abandoned call (never answered by a CSR)".into());
    }
    match call.outcome {
        Outcome::Booked => return excluded("a job was booked on the call".into()),
        Outcome::Excused => return excluded("the call was excused".into()),
        Outcome::Unbooked | Outcome::Abandoned => {}
    }
    if call.duration_seconds < settings.min_call_seconds {
        return excluded(format!(
            "call lasted {}, under the {}s minimum",
            human_duration(call.duration_seconds),
            settings.min_call_seconds
        ));
    }

    let mut assessment = assess(
        &call.transcript,
        CallText {
            call_reason: call.call_reason.as_deref(),
            csr_notes: call.csr_notes.as_deref(),
        },
        call.classification.clone(),
        adjustment,
    );
    if assessment.detection.score < settings.detection_strictness.threshold() {
        return Verdict::NearMiss(assessment);
    }
    let reasons = &mut assessment.detection.reasons;
    reasons.push("no job booked".into());
    reasons.push(format!(
        "call lasted {}",
        human_duration(call.duration_seconds)
    ));
    Verdict::Lead(assessment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::EvidenceField;
    use serde_json::json;

    fn call(patch: serde_json::Value) -> CallCompleted {
        let mut d = json!({
            "tenant_id": "t-1", "call_id": "c1", "direction": "inbound", "answered": true,
            "outcome": "unbooked", "from_number": "(512) 555-0100",
            "started_at": "2026-11-24T15:00:00Z", "ended_at": "2026-11-24T15:04:12Z",
            "duration_seconds": 252,
            "transcript": [{"speaker": "customer", "start_ms": 0, "text": "My water heater is leaking. How much to replace it?"}]
        });
        for (k, v) in patch.as_object().unwrap() {
            d[k] = v.clone();
        }
        CallCompleted::from_detail(&d).unwrap()
    }

    #[test]
    fn a_qualifying_call_is_a_lead_with_explained_reasons() {
        match qualify(
            &call(json!({})),
            &TenantSettings::default(),
            &Adjustment::default(),
        ) {
            Verdict::Lead(a) => {
                let d = a.detection;
                assert!(d
                    .reasons
                    .contains(&"caller described a plumbing problem".to_owned()));
                // The detector's reasons come with where they were said in the transcript.
                let text = "My water heater is leaking. How much to replace it?";
                let problem = d
                    .evidence
                    .iter()
                    .find(|e| e.reason == "caller described a plumbing problem")
                    .expect("its evidence");
                let said: Vec<String> = problem
                    .spans
                    .iter()
                    .map(|s| {
                        assert_eq!(s.field, EvidenceField::Transcript);
                        assert_eq!(s.segment_index, Some(0));
                        text.chars()
                            .skip(s.start as usize)
                            .take((s.end - s.start) as usize)
                            .collect()
                    })
                    .collect();
                assert!(said.contains(&"leaking".to_owned()), "{said:?}");
                assert!(said.contains(&"water heater".to_owned()), "{said:?}");
                assert!(d.reasons.contains(&"no job booked".to_owned()));
                assert!(d.reasons.contains(&"call lasted 4m 12s".to_owned()));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn the_gates_exclude_calls_that_can_never_be_leads() {
        let s = TenantSettings::default();
        for patch in [
            json!({"direction": "outbound"}),
            json!({"answered": false}),
            json!({"outcome": "abandoned"}),
            json!({"outcome": "booked"}),
            json!({"outcome": "excused"}),
            json!({"duration_seconds": 59}),
        ] {
            assert!(
                matches!(
                    qualify(&call(patch.clone()), &s, &Adjustment::default()),
                    Verdict::Excluded { .. }
                ),
                "{patch}"
            );
        }
    }

    #[test]
    fn the_minimum_duration_is_the_tenants() {
        let s = TenantSettings {
            min_call_seconds: 300,
            ..TenantSettings::default()
        };
        assert!(matches!(
            qualify(&call(json!({})), &s, &Adjustment::default()),
            Verdict::Excluded { .. }
        ));
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(252), "4m 12s");
        assert_eq!(human_duration(3723), "1h 2m 3s");
    }
}
