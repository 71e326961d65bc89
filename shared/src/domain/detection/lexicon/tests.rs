use super::*;

fn kinds(text: &str) -> Vec<(Lex, bool)> {
    text::sentences(text)
        .iter()
        .flat_map(|s| find(s))
        .map(|h| (h.lex, h.negated))
        .collect()
}

#[test]
fn alternatives_expand_with_optional_groups() {
    let mut e = expand_alternatives("(a|b) c (d|)");
    e.iter_mut()
        .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(e, vec!["a c d", "a c", "b c d", "b c"]);
    let mut e = expand_alternatives("(x (y|z) w|v)");
    e.iter_mut()
        .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(e, vec!["x y w", "x z w", "v"]);
}

#[test]
fn every_pattern_compiles_to_a_phrase_starting_with_a_word() {
    let m = &*MATCHER;
    let total: usize = m.by_first.values().map(Vec::len).sum();
    assert!(total > 2_000, "{total}");
    assert!(!m.by_money.is_empty());
}

#[test]
fn the_longer_equipment_phrase_decides_the_trade() {
    let k = kinds("the water heater is leaking");
    assert!(
        k.contains(&(Lex::Equipment(Category::Plumbing), false)),
        "{k:?}"
    );
    assert!(
        !k.contains(&(Lex::Equipment(Category::Hvac), false)),
        "{k:?}"
    );
    assert!(k.contains(&(Lex::Fault, false)));
}

#[test]
fn negation_inverts_functions_and_cancels_faults() {
    let k = kinds("the furnace stopped working");
    assert!(k.contains(&(Lex::Function, true)), "{k:?}");
    let k = kinds("it's not leaking anymore");
    assert!(k.contains(&(Lex::Fault, true)), "{k:?}");
    let k = kinds("No, the toilet is leaking");
    assert!(k.contains(&(Lex::Fault, false)), "{k:?}");
    let k = kinds("el aire no enfria");
    assert!(k.contains(&(Lex::Function, true)), "{k:?}");
}

#[test]
fn gaps_and_numbers_match() {
    let k = kinds("what would a new one cost");
    assert!(k.iter().any(|(l, _)| *l == Lex::Price), "{k:?}");
    let k = kinds("between 8 and 12");
    assert!(k.iter().any(|(l, _)| *l == Lex::AgentOfferSlot), "{k:?}");
    let k = kinds("the diagnostic is $89");
    assert!(k.iter().any(|(l, _)| *l == Lex::AgentQuote), "{k:?}");
}
