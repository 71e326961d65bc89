use super::*;

fn terms(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

fn label(
    l: &mut Learning,
    counted: Option<CountedLabel>,
    label: Option<Label>,
    t: &[String],
    by: &str,
) -> Option<CountedLabel> {
    l.relabel(
        counted.as_ref(),
        &Labelled {
            label,
            promoted: false,
            terms: t,
            by,
        },
    )
}

#[test]
fn consistent_labels_from_several_people_teach_a_bounded_adjustment() {
    let mut l = Learning::default();
    let septic = terms(&["septic", "septic tank", "pump"]);
    for i in 0..3 {
        label(
            &mut l,
            None,
            Some(Label::NotALead),
            &septic,
            if i % 2 == 0 { "u1" } else { "u2" },
        );
    }
    assert!(!l.adjustment().is_active(), "three labels are not enough");
    label(&mut l, None, Some(Label::NotALead), &septic, "u1");
    let a = l.adjustment();
    assert!(a.weights["septic"] < -1.0, "{a:?}");
    assert!(a.logit_for(&septic) >= -TOTAL_CAP);
    for _ in 0..20 {
        label(&mut l, None, Some(Label::NotALead), &septic, "u1");
    }
    let a = l.adjustment();
    assert_eq!(a.weights["septic"], -TERM_CAP);
    assert_eq!(a.logit_for(&septic), -TOTAL_CAP);
}

#[test]
fn one_person_alone_teaches_nothing() {
    let mut l = Learning::default();
    for _ in 0..30 {
        label(
            &mut l,
            None,
            Some(Label::NotALead),
            &terms(&["furnace"]),
            "careless",
        );
    }
    assert!(!l.adjustment().is_active());
    assert_eq!(l.totals.not_a_lead, 30);
}

#[test]
fn words_shared_with_real_leads_stay_neutral() {
    let mut l = Learning::default();
    for i in 0..6 {
        let by = if i % 2 == 0 { "u1" } else { "u2" };
        label(
            &mut l,
            None,
            Some(Label::NotALead),
            &terms(&["septic", "tank"]),
            by,
        );
        label(
            &mut l,
            None,
            Some(Label::Lead),
            &terms(&["water heater", "tank"]),
            by,
        );
    }
    let a = l.adjustment();
    assert!(a.weights.contains_key("septic"));
    assert!(!a.weights.contains_key("tank"), "{a:?}");
    assert!(a.weights["water heater"] > 0.0);
}

#[test]
fn a_changed_disposition_moves_the_count_and_a_repeat_changes_nothing() {
    let mut l = Learning::default();
    let t = terms(&["gutter"]);
    let c = label(&mut l, None, Some(Label::NotALead), &t, "u1");
    let again = label(&mut l, c.clone(), Some(Label::NotALead), &t, "u1");
    assert_eq!(again, c);
    assert_eq!(l.totals.not_a_lead, 1);
    let c = label(&mut l, c, Some(Label::Lead), &t, "u1");
    assert_eq!((l.totals.lead, l.totals.not_a_lead), (1, 0));
    assert_eq!(l.terms["gutter"].lead, 1);
    assert_eq!(l.terms["gutter"].not_a_lead, 0);
    let none = label(&mut l, c, None, &t, "u1");
    assert_eq!(none, None);
    assert_eq!(l.totals, LabelTotals::default());
    assert!(l.terms.is_empty());
}

#[test]
fn a_reset_forgets_words_but_not_what_csrs_did() {
    let mut l = Learning::default();
    let t = terms(&["septic"]);
    let mut counted = Vec::new();
    for i in 0..5 {
        counted.push(label(
            &mut l,
            None,
            Some(Label::NotALead),
            &t,
            if i % 2 == 0 { "u1" } else { "u2" },
        ));
    }
    assert!(l.adjustment().is_active());
    l.reset();
    assert!(!l.adjustment().is_active());
    assert_eq!(l.totals.not_a_lead, 5);
    // A lead counted before the reset changes its label: the totals move, the new word
    // counts start from the new label only.
    label(&mut l, counted.pop().flatten(), Some(Label::Lead), &t, "u1");
    assert_eq!((l.totals.lead, l.totals.not_a_lead), (1, 4));
    assert_eq!(
        l.terms["septic"],
        TermEvidence {
            lead: 1,
            not_a_lead: 0,
            lead_by: vec!["u1".into()],
            not_a_lead_by: vec![]
        }
    );
}

#[test]
fn precision_leaves_out_promoted_leads() {
    let t = LabelTotals {
        lead: 10,
        not_a_lead: 2,
        promoted_lead: 4,
        promoted_not_a_lead: 0,
    };
    assert_eq!(t.precision(), Some(0.75));
    assert_eq!(LabelTotals::default().precision(), None);
}

#[test]
fn tracked_words_stay_bounded() {
    let mut l = Learning::default();
    for i in 0..(MAX_TRACKED_TERMS + 50) {
        label(&mut l, None, Some(Label::Lead), &[format!("w{i}")], "u1");
    }
    assert_eq!(l.terms.len(), MAX_TRACKED_TERMS);
}

mod bounded {
    use super::*;
    use crate::{score_call, Speaker, Strictness, Utterance};
    use proptest::prelude::*;

    const VOCAB: &[&str] = &[
        "septic",
        "septic tank",
        "pump",
        "furnace",
        "roof",
        "leak",
        "gutter",
        "price",
        "tree",
        "ant",
        "wasp",
        "water heater",
        "panel",
        "outlet",
    ];

    fn logit(p: f64) -> f64 {
        (p / (1.0 - p)).ln()
    }

    /// A sequence of labels: (word indexes, label is Not a Lead, which of three people).
    fn labels() -> impl Strategy<Value = Vec<(Vec<usize>, bool, usize)>> {
        proptest::collection::vec(
            (
                proptest::collection::vec(0..VOCAB.len(), 1..5),
                proptest::bool::weighted(0.85),
                0..3usize,
            ),
            0..40,
        )
    }

    fn learn(seq: &[(Vec<usize>, bool, usize)]) -> Learning {
        let mut l = Learning::default();
        for (words, not_a_lead, who) in seq {
            let t: Vec<String> = words.iter().map(|&i| VOCAB[i].to_owned()).collect();
            let label = if *not_a_lead {
                Label::NotALead
            } else {
                Label::Lead
            };
            l.relabel(
                None,
                &Labelled {
                    label: Some(label),
                    promoted: false,
                    terms: &t,
                    by: ["u1", "u2", "u3"][*who],
                },
            );
        }
        l
    }

    proptest! {
        /// Whatever was learned, a call the base model puts at or above the strict threshold
        /// stays there, unless one of its words has STRONG_LABELS consistent Not a Lead
        /// labels from at least two people.
        #[test]
        fn learning_never_unflags_a_sure_call_without_strong_evidence(
            seq in labels(),
            call_words in proptest::collection::vec(0..VOCAB.len(), 1..6),
            above in 0.0f64..6.0,
        ) {
            let learning = learn(&seq);
            let adjustment = learning.adjustment();
            let terms: Vec<String> = call_words.iter().map(|&i| VOCAB[i].to_owned()).collect();
            let strict = logit(Strictness::Strict.threshold());
            let base = strict + above;
            let shifted = base + bounded_shift(&adjustment, &terms, base, strict);
            let strong_against: Vec<&String> = terms
                .iter()
                .filter(|t| adjustment.strong.contains(*t) && adjustment.weights[*t] < 0.0)
                .collect();
            for t in &strong_against {
                let e = &learning.terms[*t];
                prop_assert!(e.not_a_lead >= STRONG_LABELS && e.not_a_lead_by.len() >= MIN_LABELLERS);
            }
            if strong_against.is_empty() {
                prop_assert!(shifted >= strict - 1e-9, "{base} -> {shifted}");
            }
            // Never more than the caps either way.
            prop_assert!((shifted - base).abs() <= TOTAL_CAP + 1e-9);
        }
    }

    #[test]
    fn a_sure_lead_stays_flagged_through_the_detector_until_eight_labels_from_two_people() {
        // A lead the base model is sure of, but not so sure that the whole adjustment could
        // not take it under the strict threshold (the first such of these, whatever the
        // current weights make of each).
        let candidates: [&[(Speaker, &str)]; 4] = [
            &[(
                Speaker::Customer,
                "How much do you charge to pump a septic tank?",
            )],
            &[
                (Speaker::Customer, "Our septic tank needs pumping."),
                (Speaker::Agent, "It's 395."),
                (Speaker::Customer, "Okay, I'll think about it."),
            ],
            &[(Speaker::Customer, "Do you pump septic tanks? Ours is full.")],
            &[
                (Speaker::Customer, "Septic alarm is going off."),
                (Speaker::Agent, "We can come Friday."),
                (Speaker::Customer, "Let me check with my wife."),
            ],
        ];
        let strict = Strictness::Strict.threshold();
        let found = candidates.iter().find_map(|lines| {
            let call: Vec<Utterance> = lines
                .iter()
                .map(|&(speaker, text)| Utterance { speaker, text })
                .collect();
            let base = score_call(&call, &[], &Adjustment::default());
            let z = logit(base.score);
            (base.score >= strict && z - TOTAL_CAP < logit(strict)).then_some((call, base))
        });
        let (call, base) = found.expect("a candidate between strict and strict + the cap");
        let mut learning = Learning::default();
        let teach = |learning: &mut Learning, by: &str| {
            learning.relabel(
                None,
                &Labelled {
                    label: Some(Label::NotALead),
                    promoted: false,
                    terms: &base.terms,
                    by,
                },
            );
        };
        for i in 0..7 {
            teach(&mut learning, if i % 2 == 0 { "u1" } else { "u2" });
        }
        let seven = score_call(&call, &[], &learning.adjustment());
        assert!(seven.score >= strict, "{seven:?}");
        teach(&mut learning, "u1");
        let eight = score_call(&call, &[], &learning.adjustment());
        assert!(eight.score < strict, "{base:?}\n{eight:?}");
    }
}
