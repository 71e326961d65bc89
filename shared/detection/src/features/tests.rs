use super::*;

fn call(lines: &[(&str, &str)]) -> CallFeatures {
    let t: Vec<Utterance> = lines
        .iter()
        .map(|&(who, text)| Utterance {
            speaker: if who == "A" {
                Speaker::Agent
            } else {
                Speaker::Customer
            },
            text,
        })
        .collect();
    extract(&t, &[])
}

fn on(f: &CallFeatures, feature: Feature) -> bool {
    f.values[feature.index()] > 0.0
}

#[test]
fn features_are_named_uniquely_in_index_order() {
    for (i, f) in FEATURES.iter().enumerate() {
        assert_eq!(f.index(), i);
        assert_eq!(FEATURES.iter().filter(|g| g.name() == f.name()).count(), 1);
    }
}

#[test]
fn a_problem_without_the_usual_words_is_found_with_its_trade() {
    let f = call(&[("C", "The furnace is blowing cold air.")]);
    assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
    assert_eq!(f.category, Some(Category::Hvac));
    let f = call(&[("C", "The alarm on our sump pump keeps beeping.")]);
    assert_eq!(f.category, Some(Category::Plumbing), "{f:?}");
    let f = call(&[("C", "There's scratching in the walls at night.")]);
    assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
    let f = call(&[("C", "We have water coming through the ceiling.")]);
    assert!(on(&f, Feature::ProblemWithEquipment), "{f:?}");
}

#[test]
fn the_agents_lines_are_evidence_of_their_own() {
    let f = call(&[
        ("C", "It's making a noise."),
        (
            "A",
            "I can send a tech tomorrow between 8 and 11, the service call is $79.",
        ),
    ]);
    assert!(on(&f, Feature::AgentQuoted));
    assert!(on(&f, Feature::AgentOfferedVisit));
    assert!(on(&f, Feature::AgentOfferedSlot));
    assert!(
        !on(&f, Feature::AsksPrice),
        "the agent's price is not the caller's question"
    );
}

#[test]
fn deferrals_take_many_forms() {
    for line in [
        "I'm calling around.",
        "Let me check with my home warranty company.",
        "I need to call my insurance first.",
        "Let me talk it over with my wife.",
        "Lo voy a pensar y le llamo.",
    ] {
        let f = call(&[("C", line)]);
        assert!(
            on(&f, Feature::Defers)
                || on(&f, Feature::Comparing)
                || on(&f, Feature::ChecksWithPayer),
            "{line}"
        );
    }
}

#[test]
fn warranty_on_the_companys_own_work_is_told_apart_from_a_home_warranty() {
    let f = call(&[(
        "C",
        "You guys installed our AC last year and it's under warranty, right?",
    )]);
    assert!(on(&f, Feature::WarrantyOnOwnWork), "{f:?}");
    let f = call(&[("C", "Let me check if my home warranty covers it.")]);
    assert!(
        !on(&f, Feature::WarrantyOnOwnWork) && !on(&f, Feature::Warranty),
        "{f:?}"
    );
}

#[test]
fn negation_cancels_a_symptom() {
    let f = call(&[("C", "It's not leaking anymore, it's fine now.")]);
    assert!(!on(&f, Feature::Problem) && !on(&f, Feature::ProblemWithEquipment));
    assert!(on(&f, Feature::Resolved));
}

#[test]
fn terms_are_the_callers_distinctive_words() {
    let f = call(&[
        ("C", "We need our septic tank pumped, how much is that?"),
        ("A", "Let me check with the office."),
    ]);
    assert!(
        f.candidate_terms.contains(&"septic".to_owned()),
        "{:?}",
        f.candidate_terms
    );
    assert!(f.candidate_terms.contains(&"septic tank".to_owned()));
    assert!(
        !f.candidate_terms.iter().any(|t| t.contains("office")),
        "agent words are not terms"
    );
    assert!(!f.candidate_terms.contains(&"how".to_owned()));
}
