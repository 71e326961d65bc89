//! From what people said to the word stems the detector reads.
//!
//! Transcripts come from speech recognition and from people typing notes, in English and
//! Spanish, with and without apostrophes. Every text goes through the same steps, and so does
//! every lexicon phrase, so a phrase written naturally ("won't turn on") matches every
//! spelling of it ("wont turn on", "will not turn on", "Won’t turn on"):
//! 1. lower case, accents folded (`cuánto` -> `cuanto`), curly quotes straightened;
//! 2. split into sentences (clauses, really) at `.`, `?`, `!`, `;`, `,`, `:` and line breaks;
//! 3. split into words, contractions expanded (`isn't` -> `is not`, `it's` -> `it is`);
//! 4. each word reduced to a light stem (`leaking`, `leaks`, `leaked` -> `leak`).

/// A sentence as stems, in spoken order.
pub type Sentence = Vec<String>;

/// Lower case with accents folded to ASCII letters and typographic quotes straightened.
pub fn fold(c: char) -> Option<char> {
    let c = match c {
        'á' | 'à' | 'â' | 'ä' | 'Á' | 'À' | 'Â' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        '\u{2019}' | '\u{2018}' | '`' | '´' => '\'',
        '¿' | '¡' => ' ',
        c => c,
    };
    Some(c.to_ascii_lowercase())
}

/// Sentence ends, and the clause breaks (`,` `:`) that stop a negation or a phrase from
/// reaching across ("No, the toilet is leaking").
fn is_sentence_end(c: char) -> bool {
    matches!(c, '.' | '?' | '!' | ';' | '\n' | ',' | ':')
}

/// A raw (folded, lower-case) word and where it is in the original text: `[from, to)` in
/// characters, the unit the API's highlight ranges use.
type RawWord = (String, u32, u32);

/// Splits text into sentences of raw words with their character spans.
fn raw_sentences(text: &str) -> Vec<Vec<RawWord>> {
    let mut sentences = Vec::new();
    let mut words: Vec<RawWord> = Vec::new();
    let mut word = String::new();
    let mut word_from = 0u32;
    // `fold` gives one character for each, so positions in the folded text are positions in
    // the original.
    let mut chars = text.chars().filter_map(fold).zip(0u32..).peekable();
    while let Some((c, at)) = chars.next() {
        let next = chars.peek().map(|&(n, _)| n);
        let in_word = c.is_ascii_alphanumeric()
            || c == '$'
            // An apostrophe inside a word ("don't").
            || (c == '\'' && !word.is_empty() && next.is_some_and(|n| n.is_ascii_alphabetic()))
            // A decimal point inside a number ("$79.95").
            || (c == '.'
                && !word.is_empty()
                && word.chars().all(|w| w.is_ascii_digit() || w == '$')
                && next.is_some_and(|n| n.is_ascii_digit()));
        if in_word {
            if word.is_empty() {
                word_from = at;
            }
            word.push(c);
        } else {
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), word_from, at));
            }
            if is_sentence_end(c) && !words.is_empty() {
                sentences.push(std::mem::take(&mut words));
            }
        }
    }
    if !word.is_empty() {
        let end = word_from + word.chars().count() as u32;
        words.push((word, word_from, end));
    }
    if !words.is_empty() {
        sentences.push(words);
    }
    sentences
}

/// Contractions and run-together forms, spelled out. Forms that are also ordinary words
/// ("its", "ill", "were") are left alone.
fn expand(word: &str, out: &mut Vec<String>) {
    let fixed: Option<&[&str]> = match word {
        "won't" | "wont" => Some(&["will", "not"]),
        "can't" | "cant" | "cannot" => Some(&["can", "not"]),
        "ain't" | "aint" => Some(&["is", "not"]),
        "shan't" => Some(&["shall", "not"]),
        "dont" => Some(&["do", "not"]),
        "doesnt" => Some(&["does", "not"]),
        "didnt" => Some(&["did", "not"]),
        "isnt" => Some(&["is", "not"]),
        "wasnt" => Some(&["was", "not"]),
        "arent" => Some(&["are", "not"]),
        "havent" => Some(&["have", "not"]),
        "hasnt" => Some(&["has", "not"]),
        "couldnt" => Some(&["could", "not"]),
        "wouldnt" => Some(&["would", "not"]),
        "shouldnt" => Some(&["should", "not"]),
        "im" => Some(&["i", "am"]),
        "ive" => Some(&["i", "have"]),
        "youre" => Some(&["you", "are"]),
        "theyre" => Some(&["they", "are"]),
        "thats" => Some(&["that", "is"]),
        "whats" => Some(&["what", "is"]),
        "theres" => Some(&["there", "is"]),
        "gonna" => Some(&["going", "to"]),
        "wanna" => Some(&["want", "to"]),
        "gotta" => Some(&["got", "to"]),
        "y'all" | "ya'll" | "yall" => Some(&["you", "all"]),
        "let's" | "lets" => Some(&["let", "us"]),
        _ => None,
    };
    if let Some(words) = fixed {
        out.extend(words.iter().map(|w| (*w).to_owned()));
        return;
    }
    if let Some(base) = word.strip_suffix("n't") {
        out.push(base.to_owned());
        out.push("not".to_owned());
        return;
    }
    for (suffix, full) in [
        ("'m", "am"),
        ("'re", "are"),
        ("'ve", "have"),
        ("'ll", "will"),
        ("'d", "would"),
    ] {
        if let Some(base) = word.strip_suffix(suffix) {
            out.push(base.to_owned());
            out.push(full.to_owned());
            return;
        }
    }
    if let Some(base) = word.strip_suffix("'s") {
        out.push(base.to_owned());
        if matches!(
            base,
            "it" | "that" | "there" | "what" | "he" | "she" | "here" | "where" | "who" | "how"
        ) {
            out.push("is".to_owned());
        }
        return;
    }
    out.push(word.replace('\'', ""));
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// `stopp` -> `stop`, but `call`, `buzz`, `hiss` keep their double letter.
fn undouble(mut base: String) -> String {
    let b = base.as_bytes();
    let n = b.len();
    if n >= 3
        && b[n - 1] == b[n - 2]
        && !is_vowel(b[n - 1])
        && !matches!(b[n - 1], b'l' | b's' | b'z')
    {
        base.pop();
    }
    base
}

/// Words whose final `e` is kept, so they do not collide with other words.
const KEEP_FINAL_E: &[&str] = &[
    "here", "there", "where", "were", "one", "none", "done", "gone",
];

/// Words whose stem would be another word with another meaning: "sinking" (a foundation
/// settling) is not "sink" (a basin), "siding" (cladding) is not "side", "closing" (a house
/// sale) is not "close", "building" (a structure) is not "build", "opening" (a free slot) is
/// not "open". They stay whole.
const KEEP_WHOLE: &[&str] = &[
    "sinking",
    "siding",
    "sidings",
    "closing",
    "closings",
    "building",
    "buildings",
    "opening",
    "openings",
];

/// A light stemmer: plural and verb endings, and a final silent `e`, are removed, so the
/// forms of a word share one stem. Words of three letters or fewer are kept as they are.
pub fn stem(word: &str) -> String {
    let n = word.len();
    if n <= 3
        || !word.is_ascii()
        || word.bytes().any(|b| b.is_ascii_digit())
        || KEEP_WHOLE.contains(&word)
    {
        return word.to_owned();
    }
    let mut s = if let Some(base) = word.strip_suffix("ies").filter(|_| n > 4) {
        format!("{base}y")
    } else if let Some(base) = word.strip_suffix("ing").filter(|_| n > 5) {
        undouble(base.to_owned())
    } else if let Some(base) = word.strip_suffix("ed").filter(|_| n > 4) {
        undouble(base.to_owned())
    } else if let Some(base) = word.strip_suffix("es").filter(|b| {
        b.ends_with('s')
            || b.ends_with('x')
            || b.ends_with('z')
            || b.ends_with("ch")
            || b.ends_with("sh")
    }) {
        base.to_owned()
    } else if word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
    {
        word[..n - 1].to_owned()
    } else {
        word.to_owned()
    };
    if s.len() >= 4 && s.ends_with('e') && !KEEP_FINAL_E.contains(&s.as_str()) {
        s.pop();
    }
    s
}

/// A clause of a text: its words as stems (what the lexicons match), as spelled out before
/// stemming (what the character n-grams read), and where each came from in the text. A
/// contraction spelled out ("won't" -> "will not") gives words that share its span.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clause {
    pub stems: Sentence,
    pub surface: Vec<String>,
    pub spans: Vec<(u32, u32)>,
}

/// Text as clauses.
pub fn clauses(text: &str) -> Vec<Clause> {
    raw_sentences(text)
        .into_iter()
        .map(|words| {
            let mut clause = Clause::default();
            let mut expanded = Vec::with_capacity(4);
            for (w, from, to) in &words {
                expanded.clear();
                expand(w, &mut expanded);
                for e in expanded.drain(..).filter(|e| !e.is_empty()) {
                    clause.stems.push(stem(&e));
                    clause.surface.push(e);
                    clause.spans.push((*from, *to));
                }
            }
            clause
        })
        .filter(|c| !c.stems.is_empty())
        .collect()
}

/// Text as sentences of stems.
pub fn sentences(text: &str) -> Vec<Sentence> {
    clauses(text).into_iter().map(|c| c.stems).collect()
}

/// Is this stem a number, a price or an amount ("79", "$79", "1,500" arrives as "1" "500")?
pub fn is_number(stem: &str) -> bool {
    let digits = stem.trim_start_matches('$');
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(text: &str) -> Vec<String> {
        sentences(text).concat()
    }

    #[test]
    fn word_forms_share_a_stem() {
        for (a, b) in [
            ("leaking", "leak"),
            ("leaks", "leaked"),
            ("dripping", "drip"),
            ("clogged", "clog"),
            ("stopped", "stop"),
            ("shingles", "shingle"),
            ("coming", "come"),
            ("making", "make"),
            ("noises", "noise"),
            ("calling", "call"),
            ("buzzing", "buzz"),
            ("replies", "reply"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_ne!(stem("here"), stem("her"));
        assert_eq!(stem("ac"), "ac");
    }

    #[test]
    fn contractions_are_spelled_out_with_or_without_apostrophes() {
        assert_eq!(flat("It won't turn on"), flat("it will not turn on"));
        assert_eq!(flat("it wont turn on"), flat("it will not turn on"));
        assert_eq!(flat("It’s not cooling"), flat("it is not cooling"));
        assert_eq!(flat("I'm calling"), flat("I am calling"));
        assert_eq!(flat("doesn't drain"), flat("does not drain"));
        assert_eq!(flat("the furnace's filter"), flat("the furnace filter"));
    }

    #[test]
    fn sentences_split_at_punctuation_and_accents_fold() {
        let s = sentences("¿Cuánto cuesta? No funciona. Okay; bye\nthanks, bye");
        assert_eq!(s.len(), 6);
        assert_eq!(s[0], vec!["cuanto", "cuesta"]);
        assert_eq!(s[1], vec!["no", "funciona"]);
    }

    #[test]
    fn words_that_would_collide_stay_whole() {
        assert_ne!(stem("sinking"), stem("sink"));
        assert_ne!(stem("siding"), stem("side"));
        assert_ne!(stem("opening"), stem("open"));
    }

    #[test]
    fn clauses_keep_each_words_place_in_the_text() {
        let text = "¿Cuánto? It won't drain, the sink's full";
        let c = clauses(text);
        assert_eq!(c.len(), 3);
        let chars: Vec<char> = text.chars().collect();
        let at = |(f, t): (u32, u32)| chars[f as usize..t as usize].iter().collect::<String>();
        assert_eq!(at(c[0].spans[0]), "Cuánto");
        assert_eq!(c[1].stems, vec!["it", "will", "not", "drain"]);
        assert_eq!(at(c[1].spans[1]), "won't");
        assert_eq!(c[1].spans[1], c[1].spans[2]);
        assert_eq!(at(c[2].spans[1]), "sink's");
        assert_eq!(c[2].surface[1], "sink");
    }

    #[test]
    fn prices_stay_whole_words() {
        let s = flat("It's $79.95 for the visit, or 120 dollars.");
        assert!(s.contains(&"$79.95".to_owned()), "{s:?}");
        assert!(is_number("$79.95") && is_number("120") && !is_number("$"));
    }
}
