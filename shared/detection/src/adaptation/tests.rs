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
