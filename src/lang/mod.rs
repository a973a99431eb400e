//! Language resources of the rewrite profile: English inflection (the Snowball English stemmer,
//! from the `rust-stemmers` crate) and British → American spelling (a table generated from
//! VarCon, see [`spelling`]).
//!
//! Both apply to lowercase ASCII words only. The tokenizer cannot tell languages apart, and an
//! English rule applied to a French or Russian word would merge words that differ; ASCII
//! letters are where English text lives, and a word with an accent, another script or a digit
//! passes through unchanged (French or German words written without accents are stemmed by the
//! English rules too: the same word still maps to the same stem in every text, so matching
//! stays consistent).

pub mod spelling;

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// The Snowball English ("Porter2") stemmer, built once.
fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Whether `word` gets the English steps: lowercase ASCII letters only.
pub fn is_english_candidate(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase())
}

/// Writes into `out` the form under which `word` (normalized, lowercase) is compared: for an
/// English candidate ([`is_english_candidate`]) its American spelling, stemmed; otherwise the
/// word itself.
///
/// ```
/// let fold = |w| {
///     let mut out = String::new();
///     neardup::lang::fold_into(w, &mut out);
///     out
/// };
/// assert_eq!(fold("colours"), fold("color"));
/// assert_eq!(fold("organisations"), fold("organization"));
/// assert_eq!(fold("analysed"), fold("analyzes"));
/// assert_eq!(fold("москвы"), "москвы");
/// assert_eq!(fold("300,000"), "300,000");
/// ```
pub fn fold_into(word: &str, out: &mut String) {
    out.clear();
    if !is_english_candidate(word) {
        out.push_str(word);
        return;
    }
    let american = spelling::american(word).unwrap_or(word);
    out.push_str(&stemmer().stem(american));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(w: &str) -> String {
        let mut out = String::new();
        fold_into(w, &mut out);
        out
    }

    /// Inflections and spellings of one word meet; different words stay apart.
    #[test]
    fn variants_meet_and_words_stay_apart() {
        for (a, b) in [
            ("centres", "center"),
            ("labour", "labored"),
            ("licence", "licenses"),
            ("tyres", "tire"),
            ("grey", "gray"),
            ("jewellery", "jewelry"),
            ("companies", "company"),
            ("travelled", "traveling"),
        ] {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
        for (a, b) in [("hour", "hor"), ("tour", "tor"), ("fence", "fense")] {
            assert_ne!(fold(a), fold(b), "{a} / {b}");
        }
        assert_eq!(fold("f16"), "f16");
        assert_eq!(fold("café"), "café");
    }
}
