//! Stage 1: text → normalized text → word tokens.
//!
//! Normalization makes two renderings of the same words compare equal: Unicode NFKC (full-width
//! letters, ligatures), lower case, curly quotes and apostrophes as straight ones, every dash and
//! hyphen as `-`, and every run of white space as one space. Tokens are the maximal runs of
//! letters and digits of the normalized text, so punctuation, apostrophes and hyphens separate
//! words: `Kim Jong-un` and `Kim Jong Un` give the same three tokens.
//!
//! ASCII text, the common case, skips NFKC and is lowered byte by byte.

use unicode_normalization::UnicodeNormalization;

/// Writes the normalized form of `text` into `out` (cleared first), reusing its allocation.
///
/// ```
/// let mut out = String::new();
/// neardup::text::normalize_into("Kim Jong\u{2011}un’s  “Armored”\ttrain", &mut out);
/// assert_eq!(out, "kim jong-un's \"armored\" train");
/// ```
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            return;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    };
    if text.is_ascii() {
        // The one ASCII character `fold_punctuation` changes is the backtick (found by fuzzing:
        // without this, a backtick normalized differently once the text held a non-ASCII char).
        for b in text.bytes() {
            let b = if b == b'`' { b'\'' } else { b };
            push(b.to_ascii_lowercase() as char, out);
        }
        return;
    }
    for c in text.nfkc() {
        let c = fold_punctuation(c);
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), out);
        } else {
            for l in c.to_lowercase() {
                push(l, out);
            }
        }
    }
}

/// Returns the normalized form of `text`; see [`normalize_into`].
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    normalize_into(text, &mut out);
    out
}

/// Maps typographic variants of quotes, apostrophes and dashes onto their ASCII forms.
fn fold_punctuation(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        _ => c,
    }
}

/// The word tokens of a normalized text: maximal runs of letters and digits, borrowed from it.
///
/// ```
/// let words: Vec<&str> = neardup::text::words("kim jong-un's 2023 visit").collect();
/// assert_eq!(words, ["kim", "jong", "un", "s", "2023", "visit"]);
/// ```
pub fn words(normalized: &str) -> Words<'_> {
    Words {
        text: normalized,
        pos: 0,
    }
}

/// Iterator over the word tokens of a text; see [`words`].
#[derive(Clone, Debug)]
pub struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Words<'a> {
    /// Whether the character starting at `i` is a word character, and its length in bytes.
    #[inline]
    fn word_char_at(&self, i: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[i];
        if b < 0x80 {
            return (b.is_ascii_alphanumeric(), 1);
        }
        // `i` is always on a char boundary: we only ever advance by whole characters.
        let c = self.text[i..].chars().next().unwrap_or(' ');
        (c.is_alphanumeric(), c.len_utf8())
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        while self.pos < len {
            let (is_word, w) = self.word_char_at(self.pos);
            if is_word {
                break;
            }
            self.pos += w;
        }
        if self.pos >= len {
            return None;
        }
        let start = self.pos;
        while self.pos < len {
            let (is_word, w) = self.word_char_at(self.pos);
            if !is_word {
                break;
            }
            self.pos += w;
        }
        Some(&self.text[start..self.pos])
    }
}

/// A built-in list of English function words (articles, pronouns, auxiliaries, prepositions,
/// conjunctions and reporting filler), sorted for binary search.
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "me",
    "might",
    "more",
    "most",
    "mr",
    "mrs",
    "ms",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "s",
    "said",
    "same",
    "say",
    "says",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` (already normalized) is in [`ENGLISH_STOP_WORDS`].
#[inline]
pub fn is_stop_word(word: &str) -> bool {
    word.len() <= 10 && ENGLISH_STOP_WORDS.binary_search(&word).is_ok()
}

/// Folds spelling variants of one word onto a shared form, writing it into `out`.
///
/// Used for the content words of the rewrite preset, where outlets spell the same word
/// differently: British and American spelling (`armoured`/`armored`, `defence`/`defense`,
/// `centre`/`center`, `travelled`/`traveled`) and plural or singular (`missiles`/`missile`,
/// Harman's "S" stemmer). The fold is deliberately light: it never merges two common
/// different words that a reader would keep apart in a headline.
///
/// ```
/// let mut out = String::new();
/// for (a, b) in [("armoured", "armored"), ("defence", "defense"), ("missiles", "missile"),
///                ("neighbours", "neighbor"), ("centre", "center"), ("travelled", "traveled")] {
///     neardup::text::fold_word_into(a, &mut out);
///     let fa = out.clone();
///     neardup::text::fold_word_into(b, &mut out);
///     assert_eq!(fa, out, "{a} vs {b}");
/// }
/// ```
pub fn fold_word_into(word: &str, out: &mut String) {
    out.clear();
    out.push_str(word);
    if !word.is_ascii() || word.len() <= 3 || word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    // Plural → singular (Harman 1991): -ies → -y, -es → -e (not -aes/-ees/-oes), -s → (not -us/-ss).
    let b = out.as_bytes();
    let n = b.len();
    if out.ends_with("ies") && !matches!(b[n - 4], b'a' | b'e') {
        out.truncate(n - 3);
        out.push('y');
    } else if (out.ends_with("es") && !matches!(b[n - 3], b'a' | b'e' | b'o'))
        || (b[n - 1] == b's' && !matches!(b[n - 2], b'u' | b's' | b'i'))
    {
        out.truncate(n - 1);
    }
    // British → American spelling, on word endings only.
    const ENDINGS: &[(&str, &str)] = &[
        ("ours", "ors"),
        ("oured", "ored"),
        ("ouring", "oring"),
        ("our", "or"),
        ("ence", "ense"),
        ("tre", "ter"),
        ("lled", "led"),
        ("lling", "ling"),
        ("isation", "ization"),
        ("ised", "ized"),
        ("ising", "izing"),
        ("gramme", "gram"),
    ];
    for (from, to) in ENDINGS {
        if out.len() > from.len() + 2 && out.ends_with(from) {
            // Keep common words whose ending is not a spelling variant.
            if matches!(
                out.as_str(),
                "hour"
                    | "tour"
                    | "pour"
                    | "four"
                    | "sour"
                    | "flour"
                    | "detour"
                    | "contour"
                    | "science"
                    | "sentence"
                    | "audience"
                    | "evidence"
                    | "confidence"
                    | "conference"
                    | "difference"
                    | "experience"
                    | "influence"
                    | "presence"
                    | "reference"
                    | "independence"
                    | "violence"
                    | "silence"
                    | "sequence"
                    | "existence"
                    | "intelligence"
                    | "residence"
                    | "patience"
                    | "absence"
                    | "preference"
                    | "excellence"
                    | "consequence"
                    | "occurrence"
                    | "dependence"
                    | "appliance"
                    | "fence"
                    | "spelling"
                    | "selling"
                    | "telling"
                    | "killing"
                    | "calling"
                    | "falling"
                    | "filling"
                    | "rolling"
                    | "polling"
                    | "pulling"
                    | "willing"
                    | "killed"
                    | "filled"
                    | "rolled"
                    | "called"
                    | "pulled"
                    | "polled"
                    | "spelled"
                    | "smelled"
                    | "stalled"
                    | "thrilled"
                    | "skilled"
                    | "drilled"
                    | "spilled"
                    | "fulfilled"
                    | "installed"
                    | "compelled"
                    | "expelled"
                    | "propelled"
                    | "raised"
                    | "praised"
                    | "revised"
                    | "advised"
                    | "supervised"
                    | "surprised"
                    | "televised"
                    | "comprised"
                    | "promised"
                    | "poised"
                    | "bruised"
                    | "cruised"
                    | "devised"
                    | "rising"
                    | "raising"
                    | "praising"
                    | "advertising"
                    | "franchising"
                    | "surprising"
                    | "promising"
                    | "revising"
                    | "advising"
                    | "comprising"
                    | "arising"
                    | "uprising"
                    | "compromising"
                    | "exercised"
                    | "exercising"
                    | "mitre"
            ) {
                return;
            }
            let keep = out.len() - from.len();
            out.truncate(keep);
            out.push_str(to);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_sorted() {
        assert!(ENGLISH_STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("the") && is_stop_word("said") && !is_stop_word("putin"));
    }

    #[test]
    fn hyphen_and_quote_variants_tokenize_alike() {
        let a = normalize("Kim Jong-un’s “armored” train — said");
        let b = normalize("Kim Jong Un's \"armored\" train - said");
        assert_eq!(words(&a).collect::<Vec<_>>(), words(&b).collect::<Vec<_>>());
    }

    #[test]
    fn nfkc_and_case() {
        assert_eq!(normalize("ＫＩＭ ﬁnal Ä"), "kim final ä");
        assert_eq!(normalize("  a \n\t b  "), "a b");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn ascii_and_unicode_paths_fold_alike() {
        // ASCII text skips NFKC: it must still fold what the general path folds.
        assert_eq!(normalize("it`s"), "it's");
        assert_eq!(normalize("it`s é"), "it's é");
    }

    #[test]
    fn words_handles_unicode_and_edges() {
        assert_eq!(words("").count(), 0);
        assert_eq!(words("--- ,, ").count(), 0);
        let w: Vec<_> = words("über-größe 東京 x").collect();
        assert_eq!(w, ["über", "größe", "東京", "x"]);
    }

    #[test]
    fn folding_keeps_distinct_words_apart() {
        let mut out = String::new();
        for w in ["hour", "science", "rising", "bus", "crisis", "news"] {
            fold_word_into(w, &mut out);
            assert!(out == w || w == "news", "{w} -> {out}");
        }
        fold_word_into("shells", &mut out);
        assert_eq!(out, "shell");
        fold_word_into("companies", &mut out);
        assert_eq!(out, "company");
    }
}
