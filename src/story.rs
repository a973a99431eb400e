//! Stage 3d: texts → story terms, for the story preset.
//!
//! Two outlets reporting one event write their own sentences; what they share is *who, where,
//! when and how many*: the names of the people, places and organisations, the dates and the
//! amounts. A story profile is the rewrite profile's content words ([`profile::content_terms`]:
//! stop words dropped, numbers joined whole, spelling folded) plus the text's *names*, weighted
//! by rarity exactly as the rewrite profile is ([`crate::profile::ProfileParams::weight`]):
//!
//! - each capitalized word that does not start a sentence (`Reid`, `Malibu`, `Friday`) adds a
//!   name term beside its content word, so a name counts twice;
//! - each run of two or more capitalized words (`Tara Reid`, `Promises Treatment Center`) adds
//!   one term for the whole span, which is far rarer than its words;
//! - each content word of the *lead* (the first two sentences, a title line counting as one)
//!   adds a lead term: a news report states who, where and what first, so two reports of one
//!   event share their leads' words more than two reports of similar events do (ECB+ ARI
//!   0.849 → 0.886 alone, 0.847 → 0.863 among Reuters-21578; one sentence: 0.853, three: 0.864);
//! - each number followed by a content word (`4.4 magnitude`, `13 people`) adds a quantity
//!   term, one fact: reports stating the same amount of the same thing share it, reports of
//!   similar events with different amounts each hold one the other lacks (ECB+ ARI
//!   0.874 → 0.886 with lead terms; 0.844 → 0.849 without).
//!
//! Capitalization is a signal that needs no corpus: it works the same on five texts as on a
//! million, where document frequencies from a small input say little (the prior of the weight
//! formula, `P` pseudo-documents that contain no word of the input, stands in for a background
//! corpus; the story preset's is [`crate::config::STORY_PRIOR`], five times the rewrite
//! preset's, since a story's own words are found in as many documents as it has reports). A
//! line mostly in capitals (a wire headline) says nothing about names and adds none.
//! Scripts without case add no names and fall back to the content words.
//!
//! A word is *specific* to a story if no more documents hold it than a story has
//! ([`ProfileParams::max_specific_df`]); more, and it names a subject in the news that two
//! similar events share (the boxer of two fights, the county of two quakes). The formula's
//! bound suits stories of about ECB+'s size (11 reports); an input of smaller stories needs a
//! tighter one. So without a time window the story method measures it ([`measured_bound`]):
//! it clusters once with the formula's bound and, if the clusters call for a tighter one,
//! weighs the same terms again with it. With a window, time keeps similar events apart and
//! the formula stays (docs/accuracy.md, section 7).

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::profile::{self, ProfileParams, Profiles};
use crate::text;

/// Seed offset of name terms, so a name term never equals its content word's term.
const NAME_TAG: u64 = 0x6e61_6d65; // "name"

/// The story terms of `text` (content words and names), sorted and deduplicated, as term
/// hashes compatible with [`profile::content_terms`] (numbers keep the low bit set).
pub fn story_terms(text: &str, seed: u64) -> Vec<u64> {
    let mut terms = profile::content_terms(text, seed);
    let mut span: Vec<String> = Vec::new();
    let mut folded = String::new();
    let name_seed = seed ^ NAME_TAG;
    let emit_span = |span: &mut Vec<String>, terms: &mut Vec<u64>| {
        if span.len() >= 2 {
            let joined = span.join(" ");
            terms.push(xxh3_64_with_seed(joined.as_bytes(), name_seed.rotate_left(1)) & !1);
        }
        span.clear();
    };
    for line in text.lines() {
        if mostly_capitals(line) {
            continue;
        }
        let mut sentence_start = true;
        let mut last_end = 0;
        for (start, word) in raw_words(line) {
            let gap = &line[last_end..start];
            last_end = start + word.len();
            // A span continues over spaces and hyphens only (`Jong-un`, `New York`).
            let joined = gap.chars().all(|c| c == ' ' || c == '-');
            if !joined {
                emit_span(&mut span, &mut terms);
            }
            let ends_sentence = gap.contains(['.', '!', '?', ':', ';']);
            let initial = sentence_start || ends_sentence;
            sentence_start = false;
            let capital = word.chars().next().is_some_and(char::is_uppercase);
            if !capital || word.chars().nth(1).is_none() {
                emit_span(&mut span, &mut terms);
                continue;
            }
            let lower = word.to_lowercase();
            if text::is_stop_word(&lower) {
                emit_span(&mut span, &mut terms);
                continue;
            }
            text::fold_word_into(&lower, &mut folded);
            if !initial {
                terms.push(xxh3_64_with_seed(folded.as_bytes(), name_seed) & !1);
            } else {
                // A sentence's first word starts a span but is no name on its own.
                emit_span(&mut span, &mut terms);
            }
            span.push(folded.clone());
        }
        emit_span(&mut span, &mut terms);
    }
    let toks = tokens(text);
    lead_terms(&toks, seed, &mut terms);
    quantity_terms(&toks, seed, &mut terms);
    terms.sort_unstable();
    terms.dedup();
    // A batch keeps every document's terms until it is weighed: no spare capacity.
    terms.shrink_to_fit();
    terms
}

/// Seed offset of lead terms.
const LEAD_TAG: u64 = 0x6c65_6164; // "lead"
/// Seed offset of quantity terms.
const QUANTITY_TAG: u64 = 0x7175_616e; // "quan"
/// How many sentences make a report's lead.
const LEAD_SENTENCES: usize = 2;

/// Words trimmed of surrounding punctuation, in order, with whether a sentence ends after each
/// (as written: callers lower-case the few they read, [`lower`]).
fn tokens(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let t = w.trim_matches(|c: char| !c.is_alphanumeric());
            // `Mr.`, `Dr.`: a title's full stop ends no sentence.
            let abbreviation = t.len() <= 3 && t.starts_with(char::is_uppercase);
            let ends = i + 1 == words.len() || w.ends_with(['.', '!', '?']) && !abbreviation;
            if !t.is_empty() {
                out.push((t, ends));
            } else if ends {
                if let Some(last) = out.last_mut() {
                    last.1 = true;
                }
            }
        }
    }
    out
}

/// Each content word of the lead (first sentences) again as a lead term: who, where and what
/// of a news report are in its first sentences.
fn lead_terms(toks: &[(&str, bool)], seed: u64, terms: &mut Vec<u64>) {
    let mut folded = String::new();
    let mut sentences = 0;
    for &(w, ends) in toks {
        if sentences >= LEAD_SENTENCES {
            break;
        }
        let w = &*lower(w);
        if !text::is_stop_word(w) && w.chars().nth(1).is_some() {
            text::fold_word_into(w, &mut folded);
            terms.push(xxh3_64_with_seed(folded.as_bytes(), seed ^ LEAD_TAG) & !1);
        }
        sentences += usize::from(ends);
    }
}

/// A number with the content word after it (`4.4 magnitude`, `13 people`): one fact, so two
/// reports stating different amounts of the same thing each hold a term the other lacks.
fn quantity_terms(toks: &[(&str, bool)], seed: u64, terms: &mut Vec<u64>) {
    for pair in toks.windows(2) {
        let n = pair[0].0;
        // Digits and separators have no case.
        let number = n
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
            && n.bytes().any(|b| b.is_ascii_digit());
        if !number || pair[0].1 {
            continue;
        }
        let w = lower(pair[1].0);
        if w.chars().all(char::is_alphabetic) && !text::is_stop_word(&w) {
            let fact = format!("{n} {w}");
            terms.push(xxh3_64_with_seed(fact.as_bytes(), seed ^ QUANTITY_TAG) | 1);
        }
    }
}

/// `w` in lower case, borrowed when it already is (ASCII without capitals: the common case).
fn lower(w: &str) -> std::borrow::Cow<'_, str> {
    if w.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(w)
    } else {
        std::borrow::Cow::Owned(w.to_lowercase())
    }
}

/// The share of clustered documents whose story is no larger than the measured size
/// ([`measured_bound`]): the 90th percentile by document.
const STORY_SIZE_QUANTILE: u64 = 90;

/// Documents added to the measured story size, so a word of one story found in a report or two
/// of another still counts as specific.
pub const STORY_SIZE_MARGIN: f64 = 2.0;

/// The specificity bound measured from the sizes of a first clustering's clusters: the size of
/// the cluster that the 90th percentile of clustered documents (those in clusters of two or
/// more) is in, plus [`STORY_SIZE_MARGIN`]; `None` if no cluster has two members.
///
/// A word found in more documents than a story has is a *subject* (a person, a team, a
/// company in the news), which two similar events share; the bound that separates them is
/// about one and a half to two times the events' size (docs/accuracy.md, section 7: on ECB+
/// with a quarter of each event's reports the best fixed bound is 5, on all of it 20). The story
/// method weighs its profiles with this bound when it is below the formula's
/// ([`ProfileParams::max_specific_df`]), so inputs of small stories keep their events apart;
/// the formula still caps it, so large stories lose nothing.
///
/// ```
/// use neardup::story::measured_bound;
/// // Two stories of 3 reports, one of 12, and singletons: 18 documents in clusters, the
/// // 90th percentile of them is in the story of 12.
/// assert_eq!(measured_bound([3, 1, 12, 1, 3]), Some(14.0));
/// assert_eq!(measured_bound([1, 1]), None);
/// ```
pub fn measured_bound(sizes: impl IntoIterator<Item = usize>) -> Option<f64> {
    let mut sizes: Vec<usize> = sizes.into_iter().filter(|&s| s >= 2).collect();
    sizes.sort_unstable();
    let documents: u64 = sizes.iter().map(|&s| s as u64).sum();
    // The document at this rank, counting from 0, in documents ordered by their cluster's size
    // (with ten or fewer documents, the largest cluster's).
    let rank = documents * STORY_SIZE_QUANTILE / 100;
    let mut seen = 0u64;
    sizes.into_iter().find_map(|s| {
        seen += s as u64;
        (seen > rank).then_some(s as f64 + STORY_SIZE_MARGIN)
    })
}

/// The story profiles of `texts`: their [`story_terms`], weighted by rarity among them as
/// rewrite profiles are, and compared the same way ([`Profiles::similarity`]), with the
/// specificity bound of `params` (the story method's features may weigh again with a
/// [`measured_bound`]).
pub fn profiles<T: AsRef<str> + Sync>(texts: &[T], params: &ProfileParams) -> Profiles {
    let terms = texts
        .par_iter()
        .map(|t| story_terms(t.as_ref(), params.seed))
        .collect();
    Profiles::from_terms(terms, params)
}

/// Maximal runs of letters and digits (apostrophes inside a word kept, `O'Brien`), with their
/// byte offsets in `line`.
fn raw_words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = line.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = rest.find(|(_, c)| c.is_alphanumeric())?;
        let mut end = line.len();
        while let Some(&(i, c)) = rest.peek() {
            let inner_quote = (c == '\'' || c == '’')
                && line[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic);
            if !(c.is_alphanumeric() || inner_quote) {
                end = i;
                break;
            }
            rest.next();
        }
        Some((start, &line[start..end]))
    })
}

/// Whether more than half of a line's cased letters are capitals (a headline in capitals, or
/// text without case information).
fn mostly_capitals(line: &str) -> bool {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in line.chars() {
        upper += usize::from(c.is_uppercase());
        lower += usize::from(c.is_lowercase());
    }
    upper > lower
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name and span terms of `text`.
    fn extra(text: &str) -> usize {
        let mut other = profile::content_terms(text, 7);
        lead_terms(&tokens(text), 7, &mut other);
        quantity_terms(&tokens(text), 7, &mut other);
        other.sort_unstable();
        other.dedup();
        story_terms(text, 7).len() - other.len()
    }

    /// Names mid-sentence add a term each, spans one more; sentence-initial words, stop words
    /// and capitals-only lines add none.
    #[test]
    fn names_and_spans() {
        assert_eq!(extra("the storm hit the coast."), 0);
        assert_eq!(extra("Storms hit the coast."), 0);
        // "Reid" (name) + "Tara Reid" (span); "Tara" is sentence-initial.
        assert_eq!(extra("Tara Reid entered rehab."), 2);
        // Malibu, California: two names, no span (a comma separates them).
        assert_eq!(extra("she went to Malibu, California"), 2);
        // A span continues over a hyphen and ends at a word in lower case: Kim, Jong, "Kim Jong".
        assert_eq!(extra("talks with Kim Jong-un began"), 3);
        assert_eq!(extra("STORM HITS COAST, KILLS 3 IN FLORIDA"), 0);
        // A new sentence: "Police" is initial, so no name and no span with "Reid".
        assert_eq!(extra("he met Reid. Police said"), 1);
    }

    /// The lead's content words and number–word facts add terms; a later sentence adds no
    /// lead term, and a different amount gives a different quantity term.
    #[test]
    fn lead_and_quantities() {
        let count = |t: &str| {
            let mut v = Vec::new();
            lead_terms(&tokens(t), 7, &mut v);
            let lead = v.len();
            v.clear();
            quantity_terms(&tokens(t), 7, &mut v);
            (lead, v)
        };
        let (lead, q) = count("a quake hit. it shook homes. later 4.4 magnitude was given");
        assert_eq!(lead, 4); // quake, hit, shook, homes
        assert_eq!(q.len(), 1);
        let (_, other) = count("a quake hit. it shook homes. later 4.6 magnitude was given");
        assert_ne!(q, other);
        assert_eq!(count("the score was 3. nothing else").1.len(), 0);
    }

    /// `lower` is `to_lowercase`, borrowing only where that changes nothing.
    #[test]
    fn lower_is_to_lowercase() {
        for w in [
            "abc",
            "Abc",
            "ÉCOLE",
            "İstanbul",
            "ǅemal",
            "ΣΟΦΊΑ",
            "北京",
            "4.4",
            "",
        ] {
            assert_eq!(lower(w), w.to_lowercase(), "{w}");
        }
        assert!(matches!(lower("storm"), std::borrow::Cow::Borrowed(_)));
    }

    /// Same text, same terms; the seed changes them.
    #[test]
    fn deterministic_and_seeded() {
        let t = "Officials in Paris said the Harry Winston store was robbed on Thursday.";
        assert_eq!(story_terms(t, 1), story_terms(t, 1));
        assert_ne!(story_terms(t, 1), story_terms(t, 2));
    }

    /// The 90th percentile by document of the sizes of clusters of two or more, plus the
    /// margin; singletons do not count, and the order of the sizes does not matter.
    #[test]
    fn measured_bound_is_a_quantile_by_document() {
        assert_eq!(measured_bound([]), None);
        assert_eq!(measured_bound([1, 1, 1]), None);
        assert_eq!(measured_bound([2]), Some(4.0));
        // 14 pairs (28 documents) and one of 3: document 27 of 31, counting from 0, is in a
        // pair; with 9 pairs (18 of 21), document 18 is in the triple.
        let mut sizes = vec![2; 14];
        sizes.push(3);
        assert_eq!(measured_bound(sizes.iter().copied()), Some(4.0));
        assert_eq!(measured_bound(sizes[5..].iter().copied()), Some(5.0));
        // 8 pairs and one of 30: most documents are in the large story.
        let mut sizes = vec![2; 8];
        sizes.insert(3, 30);
        assert_eq!(measured_bound(sizes.iter().copied()), Some(32.0));
        sizes.reverse();
        assert_eq!(measured_bound(sizes.iter().copied()), Some(32.0));
    }

    /// A batch holds every document's terms until the end, so they carry no spare capacity
    /// (names, spans, lead and quantity terms are pushed after the content words, then
    /// deduplicated).
    #[test]
    fn terms_hold_no_spare_capacity() {
        let t = "Officials in Paris said the Harry Winston store was robbed on Thursday. \
                 Paris police said 4 men took jewels worth 85 million euros from Harry Winston.";
        for terms in [story_terms(t, 1), profile::content_terms(t, 1)] {
            assert!(terms.len() > 10);
            assert_eq!(terms.capacity(), terms.len());
        }
    }
}
