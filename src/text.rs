//! Stage 1: text → normalized text → word tokens.
//!
//! Normalization makes two renderings of the same words compare equal: Unicode NFKC (full-width
//! letters, ligatures), lower case, curly quotes and apostrophes as straight ones, every dash and
//! hyphen as `-`, and every run of white space as one space. Tokens are the maximal runs of
//! letters and digits (with their combining marks) of the normalized text, so punctuation,
//! apostrophes and hyphens separate words: `Kim Jong-un` and `Kim Jong Un` give the same three
//! tokens. In scripts written without spaces (Chinese, Japanese, Thai…) every letter is a token;
//! see [`words`] and docs/presets.md for why.
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

/// The word tokens of a normalized text, borrowed from it.
///
/// One rule for every text, so a text's tokens never depend on what else it contains:
///
/// * a *word character* is a letter or digit (`char::is_alphanumeric`), or a combining mark
///   (General Category M) that follows one; marks are UAX #29's `Extend` and carry content
///   (Devanagari viramas, Thai tone marks, Arabic vowel points), so they never split a word;
/// * a token is a maximal run of word characters, except that a letter of a script written
///   without spaces ([`is_unspaced`]: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar and the
///   other Southeast Asian scripts) is a token of its own, with its marks.
///
/// So word `n`-grams are character `n`-grams in Chinese, Japanese and Thai, as UAX #29 does for
/// ideographs and kana, while Hangul, Cyrillic, Arabic or Devanagari words stay words. Unlike
/// full UAX #29, apostrophes and points do not join letters or digits (`can't` is `can`, `t`),
/// which keeps the tokens of every Latin text as they have always been.
///
/// ```
/// let words: Vec<&str> = neardup::text::words("kim jong-un's 2023 visit 東京へ").collect();
/// assert_eq!(words, ["kim", "jong", "un", "s", "2023", "visit", "東", "京", "へ"]);
/// ```
pub fn words(normalized: &str) -> Words<'_> {
    Words {
        text: normalized,
        pos: 0,
    }
}

/// Whether `c` belongs to a script written without spaces between words, whose letters
/// [`words`] makes one token each.
///
/// These are the ideographs and kana that UAX #29 breaks around (Han with its extensions,
/// compatibility ideographs and iteration marks; Hiragana; Katakana with its phonetic
/// extensions, half-width forms and the kana supplements), and the scripts of Line_Break class
/// SA (Thai, Lao, Myanmar, Khmer, Tai Le, New Tai Lue, Tai Tham, Tai Viet), whose words UAX #29
/// leaves as whole phrases unless a dictionary splits them. Hangul is written with spaces and is
/// not included.
///
/// ```
/// use neardup::text::is_unspaced;
/// assert!(is_unspaced('東') && is_unspaced('へ') && is_unspaced('ก'));
/// assert!(!is_unspaced('한') && !is_unspaced('a') && !is_unspaced('д'));
/// ```
#[inline]
pub fn is_unspaced(c: char) -> bool {
    let c = c as u32;
    if c < 0x0E00 {
        return false;
    }
    matches!(c,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x1950..=0x19FF // Tai Le, New Tai Lue, Khmer Symbols
        | 0x1A20..=0x1AAF // Tai Tham
        | 0x3005..=0x3007 // ideographic iteration mark, closing mark, number zero
        | 0x3021..=0x3029 // Hangzhou numerals
        | 0x3031..=0x3035 // kana repeat marks
        | 0x3038..=0x303C // Hangzhou numerals, ideographic marks
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana phonetic extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xA9E0..=0xA9FF // Myanmar extended-B
        | 0xAA60..=0xAADF // Myanmar extended-A, Tai Viet
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFF9F // half-width Katakana
        | 0x1AFF0..=0x1B16F // Kana extended-A/B, supplement, small kana
        | 0x20000..=0x3FFFF // CJK extensions B to I, compatibility supplement
    )
}

/// Iterator over the word tokens of a text; see [`words`].
#[derive(Clone, Debug)]
pub struct Words<'a> {
    text: &'a str,
    pos: usize,
}

/// How a character takes part in a token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Separates tokens (and drops a non-letter mark that follows it).
    Other,
    /// A letter or digit of a spaced script: starts or continues a token.
    Word,
    /// A letter or digit of an unspaced script: a token of its own.
    Unspaced,
    /// A combining mark: continues any token. One that is also alphabetic (a vowel sign such as
    /// Thai `ั` or Devanagari `ा`) starts a token where none is open, so no letter is lost.
    Mark { letter: bool },
}

impl<'a> Words<'a> {
    /// The class of the character starting at `i`, and its length in bytes.
    #[inline]
    fn class_at(&self, i: usize) -> (Class, usize) {
        let b = self.text.as_bytes()[i];
        if b < 0x80 {
            let class = if b.is_ascii_alphanumeric() {
                Class::Word
            } else {
                Class::Other
            };
            return (class, 1);
        }
        // `i` is always on a char boundary: we only ever advance by whole characters.
        let c = self.text[i..].chars().next().unwrap_or(' ');
        let class = if unicode_normalization::char::is_combining_mark(c) {
            Class::Mark {
                letter: c.is_alphanumeric(),
            }
        } else if c.is_alphanumeric() {
            if is_unspaced(c) {
                Class::Unspaced
            } else {
                Class::Word
            }
        } else {
            Class::Other
        };
        (class, c.len_utf8())
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        let (start, spaced) = loop {
            if self.pos >= len {
                return None;
            }
            let (class, w) = self.class_at(self.pos);
            let spaced = match class {
                Class::Word => true,
                Class::Unspaced => false,
                Class::Mark { letter: true } => !self.text[self.pos..]
                    .chars()
                    .next()
                    .is_some_and(is_unspaced),
                _ => {
                    self.pos += w;
                    continue;
                }
            };
            let start = self.pos;
            self.pos += w;
            break (start, spaced);
        };
        while self.pos < len {
            let (class, w) = self.class_at(self.pos);
            // Marks attach to any token; a spaced token also takes further spaced letters.
            match class {
                Class::Mark { .. } => {}
                Class::Word if spaced => {}
                _ => break,
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

/// The stop words starting with each byte, as a range of [`ENGLISH_STOP_WORDS`] (sorted, so
/// each first byte's words are contiguous): every word of every text is looked up, and a
/// search within one letter's few words is a third of the comparisons of one over all.
const STOP_WORDS_BY_FIRST_BYTE: [(u16, u16); 256] = {
    assert!(ENGLISH_STOP_WORDS.len() < 1 << 16, "ranges are u16");
    let mut ranges = [(0u16, 0u16); 256];
    let mut i = 0;
    while i < ENGLISH_STOP_WORDS.len() {
        let b = ENGLISH_STOP_WORDS[i].as_bytes()[0] as usize;
        if ranges[b].1 == 0 {
            ranges[b].0 = i as u16;
        }
        ranges[b].1 = i as u16 + 1;
        i += 1;
    }
    ranges
};

/// Whether `word` (already normalized) is in [`ENGLISH_STOP_WORDS`].
#[inline]
pub fn is_stop_word(word: &str) -> bool {
    let Some(&first) = word.as_bytes().first() else {
        return false;
    };
    let (start, end) = STOP_WORDS_BY_FIRST_BYTE[usize::from(first)];
    word.len() <= 10
        && ENGLISH_STOP_WORDS[usize::from(start)..usize::from(end)]
            .binary_search(&word)
            .is_ok()
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
        // The first-byte index finds exactly the list's words.
        for w in ENGLISH_STOP_WORDS {
            assert!(is_stop_word(w), "{w}");
            assert!(
                !is_stop_word(&format!("{w}x")) || ENGLISH_STOP_WORDS.contains(&&*format!("{w}x"))
            );
        }
        for w in ["", "zebra", "storm", "é", "\u{ff}", "abouts", "th"] {
            assert_eq!(is_stop_word(w), ENGLISH_STOP_WORDS.contains(&w), "{w:?}");
        }
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
        assert_eq!(w, ["über", "größe", "東", "京", "x"]);
    }

    #[test]
    fn unspaced_scripts_give_character_tokens() {
        let w: Vec<_> = words("日本語のテキストabc").collect();
        assert_eq!(w, ["日", "本", "語", "の", "テ", "キ", "ス", "ト", "abc"]);
        // Thai: a consonant keeps its vowel sign and tone mark (both combining marks).
        let w: Vec<_> = words("สั่ง ๆ").collect();
        assert_eq!(w, ["สั่", "ง", "ๆ"]);
        // Hangul stays a word; Cyrillic and Arabic too.
        let w: Vec<_> = words("서울 시장 москва مُحَمَّد").collect();
        assert_eq!(w, ["서울", "시장", "москва", "مُحَمَّد"]);
    }

    #[test]
    fn marks_never_split_or_drop_a_word() {
        // Devanagari virama (U+094D) is a mark but not alphabetic: it used to split the word.
        assert_eq!(words("हिन्दी भाषा").collect::<Vec<_>>(), ["हिन्दी", "भाषा"]);
        // A mark after a separator has no letter to carry; an alphabetic one starts a token.
        assert_eq!(words("a \u{301}b").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(words(" \u{93e}x").collect::<Vec<_>>(), ["\u{93e}x"]);
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
