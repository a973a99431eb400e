//! Normalization, tokenization and shingling of arbitrary text.
//!
//! No panic; the same output on every call and with a reused buffer; the tokens hold exactly the
//! content of the normalized text (letters, digits and the combining marks attached to them), a
//! letter of a script written without spaces is a token of its own, and tokens split nowhere
//! else; every letter or digit of the input survives
//! normalization (compared decomposed, since NFKC composes a letter with a following accent);
//! the ASCII fast path of the shingler agrees with the general path; shingle sets are sorted,
//! deduplicated and as large as the token (or character) count says.

use std::collections::HashSet;

use neardup::shingle::{ShingleConfig, ShingleKind, Shingler};
use neardup::text::{is_stop_word, is_unspaced, normalize, normalize_into, words};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Checks one input, read as UTF-8 (invalid bytes replaced).
pub fn text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let normalized = normalize(&text);
    check_normalized(&text, &normalized);
    let tokens: Vec<&str> = words(&normalized).collect();
    check_tokens(&text, &normalized, &tokens);
    for config in [
        ShingleConfig::words(1),
        ShingleConfig::words(3),
        ShingleConfig::words(5).drop_stop_words(true),
        ShingleConfig::chars(1),
        ShingleConfig::chars(5),
    ] {
        check_shingles(&text, &normalized, &tokens, config);
    }
}

fn check_normalized(text: &str, normalized: &str) {
    assert_eq!(normalize(text), normalized, "normalize is deterministic");
    let mut reused = String::from("left over from an earlier text");
    normalize_into(text, &mut reused);
    assert_eq!(
        reused, normalized,
        "normalize_into clears and reuses its buffer"
    );
    assert!(
        !normalized.starts_with(' ') && !normalized.ends_with(' ') && !normalized.contains("  "),
        "white space is trimmed and collapsed: {normalized:?}"
    );
    assert!(
        normalized.chars().all(|c| c == ' ' || !c.is_whitespace()),
        "every white space becomes one plain space: {normalized:?}"
    );
}

fn check_tokens(text: &str, normalized: &str, tokens: &[&str]) {
    // The content of the normalized text: letters and digits, and marks attached to them.
    let mut content = String::new();
    let mut attached = false;
    for c in normalized.chars() {
        attached = c.is_alphanumeric() || (attached && is_combining_mark(c));
        if attached {
            content.push(c);
        }
    }
    let joined = tokens.concat();
    assert_eq!(
        joined, content,
        "the tokens hold every letter, digit and attached mark of the normalized text"
    );
    // Shape and maximality: a token starts with a letter or digit; an unspaced letter is alone
    // with its marks; two tokens touch only where one of them is unspaced.
    let base = normalized.as_ptr() as usize;
    let mut previous: Option<(usize, bool)> = None; // end offset and spacedness
    for t in tokens {
        let first = t.chars().next().unwrap_or(' ');
        assert!(
            first.is_alphanumeric(),
            "token {t:?} starts with a letter or digit"
        );
        let spaced = !is_unspaced(first);
        let letters = t.chars().filter(|&c| !is_combining_mark(c));
        if spaced {
            assert!(
                letters.clone().all(|c| !is_unspaced(c)),
                "spaced token {t:?} holds no unspaced letter"
            );
        } else {
            assert!(letters.count() <= 1, "unspaced token {t:?} is one letter");
        }
        let start = t.as_ptr() as usize - base;
        if let Some((end, previous_spaced)) = previous {
            assert!(
                end < start || !(spaced && previous_spaced),
                "two spaced tokens touch at {start}: {tokens:?}"
            );
        }
        previous = Some((start + t.len(), spaced));
    }
    // Nothing that carries content is lost by normalization: each letter or digit of the input,
    // normalized on its own, is still in the tokens (decomposed on both sides).
    let kept: HashSet<char> = joined.nfd().collect();
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        let alone = normalize(c.encode_utf8(&mut [0; 4]));
        let mut content = alone.nfd().filter(|d| d.is_alphanumeric()).peekable();
        assert!(
            content.peek().is_some(),
            "{c:?} (U+{:04X}) normalizes to {alone:?}, without a letter or digit",
            c as u32
        );
        for d in content {
            assert!(
                kept.contains(&d),
                "{c:?} (U+{:04X}) lost: {d:?} not in the tokens {tokens:?}",
                c as u32
            );
        }
    }
}

fn check_shingles(text: &str, normalized: &str, tokens: &[&str], config: ShingleConfig) {
    const SEED: u64 = 0x5eed;
    let Ok(mut shingler) = Shingler::new(config, SEED) else {
        panic!("{config:?} is valid");
    };
    let set = shingler.shingle(text);
    assert_eq!(
        shingler.shingle(text),
        set,
        "a reused shingler repeats itself"
    );
    let fresh = Shingler::new(config, SEED).map(|mut s| s.shingle(text));
    assert_eq!(fresh.as_ref().ok(), Some(&set), "a fresh shingler agrees");
    assert!(
        set.windows(2).all(|w| w[0] < w[1]),
        "sorted and deduplicated"
    );
    // A trailing no-break space is white space to normalization and moves no token boundary,
    // but it sends an ASCII text down the general (non-ASCII) path: both paths must agree.
    assert_eq!(
        shingler.shingle(&format!("{text}\u{a0}")),
        set,
        "the ASCII fast path and the general path disagree ({config:?})"
    );
    // Every unit of content is in some shingle: the raw (undeduplicated) shingle count is one
    // per window, or one for a text shorter than a window, or none for a text without any.
    let units = match config.kind {
        ShingleKind::Words => tokens
            .iter()
            .filter(|t| !(config.drop_stop_words && is_stop_word(t)))
            .count(),
        ShingleKind::Chars => normalized.chars().count(),
    };
    let mut raw = Vec::new();
    shingler.raw_shingles_into(text, &mut raw);
    let expected = if units == 0 {
        0
    } else {
        units.saturating_sub(config.size) + 1
    };
    assert_eq!(
        raw.len(),
        expected,
        "shingles of {units} units ({config:?})"
    );
    assert_eq!(set.is_empty(), units == 0);
}
