//! Stage 2: tokens → shingle set, a sorted, deduplicated set of seeded 64-bit xxh3 hashes.
//!
//! A word shingle is `n` consecutive tokens, a character shingle `n` consecutive characters of
//! the normalized text. A document shorter than one shingle gives a single shingle of all it has
//! (so a three-word text still matches its copies); an empty one gives none. The [`Shingler`]
//! owns its scratch buffers, so shingling a stream of documents allocates nothing per shingle.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Error;
use crate::text;

/// Largest supported shingle size (tokens or characters).
pub const MAX_SHINGLE_SIZE: usize = 32;

/// What a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShingleKind {
    /// `size` consecutive word tokens.
    Words,
    /// `size` consecutive characters of the normalized text.
    Chars,
}

/// How a text becomes a set of shingles. Part of every signature's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShingleConfig {
    /// Words or characters.
    pub kind: ShingleKind,
    /// Tokens (or characters) per shingle, 1 to [`MAX_SHINGLE_SIZE`].
    pub size: usize,
    /// Drop English stop words before forming word shingles.
    pub drop_stop_words: bool,
}

impl ShingleConfig {
    /// Word `n`-grams, stop words kept (the classic near-duplicate shingle).
    pub const fn words(n: usize) -> Self {
        ShingleConfig {
            kind: ShingleKind::Words,
            size: n,
            drop_stop_words: false,
        }
    }

    /// Character `n`-grams of the normalized text.
    pub const fn chars(n: usize) -> Self {
        ShingleConfig {
            kind: ShingleKind::Chars,
            size: n,
            drop_stop_words: false,
        }
    }

    /// The same configuration with stop-word filtering switched on or off (word shingles only).
    pub const fn drop_stop_words(mut self, yes: bool) -> Self {
        self.drop_stop_words = yes;
        self
    }

    /// Checks the size is in range.
    pub fn validate(&self) -> Result<(), Error> {
        if self.size == 0 || self.size > MAX_SHINGLE_SIZE {
            return Err(Error::InvalidConfig(format!(
                "shingle size must be 1..={MAX_SHINGLE_SIZE}, got {}",
                self.size
            )));
        }
        Ok(())
    }
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig::words(5)
    }
}

/// Turns texts into shingle sets; reuse one per thread.
#[derive(Clone, Debug)]
pub struct Shingler {
    config: ShingleConfig,
    seed: u64,
    normalized: String,
    tokens: Vec<u64>,
}

impl Shingler {
    /// A shingler for `config`, hashing with `seed`. Fails if the configuration is invalid.
    pub fn new(config: ShingleConfig, seed: u64) -> Result<Self, Error> {
        config.validate()?;
        Ok(Shingler {
            config,
            seed,
            normalized: String::new(),
            tokens: Vec::new(),
        })
    }

    /// The configuration this shingler applies.
    pub fn config(&self) -> ShingleConfig {
        self.config
    }

    /// Writes the sorted, deduplicated shingle hashes of `text` into `out` (cleared first).
    pub fn shingle_into(&mut self, text: &str, out: &mut Vec<u64>) {
        self.raw_shingles_into(text, out);
        out.sort_unstable();
        out.dedup();
    }

    /// The shingle set of `text` as a new vector; see [`Shingler::shingle_into`].
    pub fn shingle(&mut self, text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        self.shingle_into(text, &mut out);
        out
    }

    /// Shingle hashes in text order, repeats kept (term frequencies for SimHash).
    pub fn raw_shingles_into(&mut self, text: &str, out: &mut Vec<u64>) {
        out.clear();
        if self.config.kind == ShingleKind::Words && text.is_ascii() {
            // Normalizing ASCII only lowers case and folds white space, neither of which moves
            // a token boundary, and ASCII has no combining marks or unspaced letters: tokenize
            // the raw bytes directly (same hashes, tested).
            self.ascii_tokens(text);
        } else {
            text::normalize_into(text, &mut self.normalized);
            match self.config.kind {
                ShingleKind::Words => {
                    let (seed, drop) = (self.seed, self.config.drop_stop_words);
                    self.tokens.clear();
                    self.tokens.extend(
                        text::words(&self.normalized)
                            .filter(|w| !(drop && text::is_stop_word(w)))
                            .map(|w| xxh3_64_with_seed(w.as_bytes(), seed)),
                    );
                }
                ShingleKind::Chars => return self.char_shingles(out),
            }
        }
        self.word_shingles(out);
    }

    /// Token hashes of ASCII `text`: runs of letters and digits, lowered into a scratch buffer.
    fn ascii_tokens(&mut self, text: &str) {
        let (seed, drop) = (self.seed, self.config.drop_stop_words);
        self.tokens.clear();
        let word = &mut self.normalized; // reused as the token buffer
        word.clear();
        let emit = |word: &mut String, tokens: &mut Vec<u64>| {
            if !(word.is_empty() || drop && text::is_stop_word(word)) {
                tokens.push(xxh3_64_with_seed(word.as_bytes(), seed));
            }
            word.clear();
        };
        for &b in text.as_bytes() {
            if b.is_ascii_alphanumeric() {
                word.push(b.to_ascii_lowercase() as char);
            } else if !word.is_empty() {
                emit(word, &mut self.tokens);
            }
        }
        emit(word, &mut self.tokens);
    }

    /// Word shingles from the token hashes in `self.tokens`.
    fn word_shingles(&mut self, out: &mut Vec<u64>) {
        let seed = self.seed;
        let n = self.config.size;
        if self.tokens.is_empty() {
            return;
        }
        if n == 1 {
            out.extend_from_slice(&self.tokens);
            return;
        }
        let mut buf = [0u8; 8 * MAX_SHINGLE_SIZE];
        let window = n.min(self.tokens.len());
        out.reserve(self.tokens.len() + 1 - window);
        for gram in self.tokens.windows(window) {
            for (chunk, t) in buf.chunks_exact_mut(8).zip(gram) {
                chunk.copy_from_slice(&t.to_le_bytes());
            }
            out.push(xxh3_64_with_seed(&buf[..8 * window], seed));
        }
    }

    fn char_shingles(&mut self, out: &mut Vec<u64>) {
        let text = self.normalized.as_str();
        if text.is_empty() {
            return;
        }
        let n = self.config.size;
        let seed = self.seed;
        if text.is_ascii() {
            let b = text.as_bytes();
            let window = n.min(b.len());
            out.extend(b.windows(window).map(|g| xxh3_64_with_seed(g, seed)));
            return;
        }
        // Byte offsets of every character start, plus the end, to slice whole characters.
        let starts: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let chars = starts.len() - 1;
        let window = n.min(chars);
        for i in 0..=chars - window {
            out.push(xxh3_64_with_seed(
                &text.as_bytes()[starts[i]..starts[i + window]],
                seed,
            ));
        }
    }
}

/// Exact Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted, deduplicated sets (0 if both empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let inter = intersection_size(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Containment |A ∩ B| / |A| of `a` in `b`, both sorted and deduplicated (0 if `a` is empty).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    intersection_size(a, b) as f64 / a.len() as f64
}

/// Size of the intersection of two sorted, deduplicated slices.
pub fn intersection_size<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cfg: ShingleConfig, text: &str) -> Vec<u64> {
        Shingler::new(cfg, 7).unwrap().shingle(text)
    }

    #[test]
    fn word_shingles_count_and_dedup() {
        let s = set(ShingleConfig::words(2), "a b c a b");
        assert_eq!(s.len(), 3); // "a b", "b c", "c a"
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn short_and_empty_documents() {
        assert_eq!(set(ShingleConfig::words(5), "only three words").len(), 1);
        assert!(set(ShingleConfig::words(5), "  ... ").is_empty());
        assert!(set(ShingleConfig::chars(4), "").is_empty());
        assert_eq!(set(ShingleConfig::chars(4), "ab").len(), 1);
    }

    #[test]
    fn normalization_applies() {
        let cfg = ShingleConfig::words(3);
        assert_eq!(
            set(cfg, "Kim Jong-un’s ARMORED train"),
            set(cfg, "kim jong un's armored  train")
        );
        let cfg = ShingleConfig::chars(3);
        assert_eq!(set(cfg, "Ünïcode “x”"), set(cfg, "ünïcode \"x\""));
    }

    #[test]
    fn stop_words_dropped() {
        let cfg = ShingleConfig::words(1).drop_stop_words(true);
        assert_eq!(set(cfg, "the cat and the hat").len(), 2);
    }

    proptest::proptest! {
        /// The ASCII fast path gives exactly the hashes of normalize + tokenize.
        #[test]
        fn ascii_fast_path_matches_normalized_path(
            text in "[ -~\t\n]{0,200}",
            n in 1usize..6,
            drop in proptest::bool::ANY,
        ) {
            let cfg = ShingleConfig::words(n).drop_stop_words(drop);
            let mut fast = Shingler::new(cfg, 3).unwrap();
            let mut got = Vec::new();
            fast.raw_shingles_into(&text, &mut got);
            // The slow path: force normalization by going through the non-ASCII route.
            let mut slow = Shingler::new(cfg, 3).unwrap();
            text::normalize_into(&text, &mut slow.normalized);
            slow.tokens = text::words(&slow.normalized)
                .filter(|w| !(drop && text::is_stop_word(w)))
                .map(|w| xxh3_64_with_seed(w.as_bytes(), 3))
                .collect();
            let mut want = Vec::new();
            slow.word_shingles(&mut want);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn seed_changes_hashes() {
        let a = Shingler::new(ShingleConfig::words(2), 1)
            .unwrap()
            .shingle("x y z");
        let b = Shingler::new(ShingleConfig::words(2), 2)
            .unwrap()
            .shingle("x y z");
        assert_ne!(a, b);
    }

    #[test]
    fn invalid_size_is_an_error() {
        assert!(Shingler::new(ShingleConfig::words(0), 1).is_err());
        assert!(Shingler::new(ShingleConfig::chars(MAX_SHINGLE_SIZE + 1), 1).is_err());
    }

    #[test]
    fn jaccard_and_containment() {
        let a = [1, 2, 3, 4];
        let b = [3, 4, 5];
        assert_eq!(jaccard(&a, &b), 2.0 / 5.0);
        assert_eq!(containment(&b, &a), 2.0 / 3.0);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }
}
