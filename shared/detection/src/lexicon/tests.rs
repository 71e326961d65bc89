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
    let mut e = compile::expand_alternatives("(a|b) c (d|)");
    e.iter_mut()
        .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(e, vec!["a c d", "a c", "b c d", "b c"]);
    let mut e = compile::expand_alternatives("(x (y|z) w|v)");
    e.iter_mut()
        .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(e, vec!["x y w", "x z w", "v"]);
}

/// The phrases the build script wrote, read back from the tables as elements.
fn phrases_in_tables() -> Vec<(Lex, Vec<compile::Elem>)> {
    use compile::Elem;
    let elem = |code: u16| match code {
        ANY => Elem::Any,
        GAP => Elem::Gap,
        NUMBER => Elem::Number,
        MONEY => Elem::Money,
        id => Elem::Word(word(id).to_owned()),
    };
    let decoded = |mut coded: &[u8]| {
        let mut elems = Vec::new();
        while let Some((e, tail)) = next_elem(coded) {
            elems.push(elem(e));
            coded = tail;
        }
        elems
    };
    let mut out = Vec::new();
    for (i, &first) in FIRST_WORDS.iter().enumerate() {
        let starting = phrases_starting_with(first);
        assert_eq!(
            starting.size_hint().0,
            usize::from(FIRST_START[i + 1] - FIRST_START[i])
        );
        for (p, rest) in starting {
            let elems = std::iter::once(Elem::Word(word(first).to_owned())).chain(decoded(rest));
            out.push((PHRASE_LEX[p], elems.collect()));
        }
    }
    for (phrases, first) in [
        (run(NUMBER_PHRASES, NUMBER_REST), Elem::Number),
        (run(MONEY_PHRASES, MONEY_REST), Elem::Money),
    ] {
        for (p, rest) in phrases {
            let elems = std::iter::once(first.clone()).chain(decoded(rest));
            out.push((PHRASE_LEX[p], elems.collect()));
        }
    }
    assert_eq!(
        out.len(),
        PHRASE_LEX.len(),
        "every phrase belongs to exactly one run"
    );
    out
}

#[test]
fn the_built_tables_hold_every_phrase_of_every_pattern_in_lexicon_order() {
    let fresh = compile::compile_all(
        kinds::every_pattern(equipment::EQUIPMENT, phrases::PHRASES),
        text::sentences,
    );
    let tables = phrases_in_tables();
    assert!(tables.len() > 10_000, "{}", tables.len());
    assert_eq!(tables.len(), phrase_count());
    assert!(!MONEY_PHRASES.is_empty());
    // Same phrases; and, for each first word, in the lexicons' order (hits come out in it).
    let key = |p: &(Lex, Vec<compile::Elem>)| format!("{:?}", p);
    let mut a: Vec<String> = fresh.iter().map(key).collect();
    let mut b: Vec<String> = tables.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    for (first, _) in FIRST_WORDS.iter().zip(0..) {
        let w = compile::Elem::Word(word(*first).to_owned());
        let in_fresh: Vec<&(Lex, Vec<compile::Elem>)> =
            fresh.iter().filter(|p| p.1.first() == Some(&w)).collect();
        let in_tables: Vec<&(Lex, Vec<compile::Elem>)> =
            tables.iter().filter(|p| p.1.first() == Some(&w)).collect();
        assert_eq!(in_fresh, in_tables);
    }
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
