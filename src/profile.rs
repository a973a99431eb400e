//! Stage 3c: texts → rarity-weighted content-word profiles, for the rewrite preset.
//!
//! A rewrite keeps a story's facts (names, places, numbers, specific nouns) but not its
//! sentences, so long shingles barely overlap (word 5-gram Jaccard 0.01–0.05 on the seeds). A
//! profile is the set of a text's content words (stop words dropped; English words put in
//! American spelling and stemmed by [`crate::lang::fold_into`]), each weighted by how rare it
//! is among the documents:
//!
//! ```text
//! w(t) = ln((N + P) / (df(t) + 1))
//! ```
//!
//! with `N` documents, `df(t)` of them containing `t`, and a prior of `P` pseudo-documents
//! without `t`. The prior keeps weights sensible for small inputs (five texts of one story do
//! not make their shared words "common"); on a large corpus the weights approach the usual IDF,
//! so template words (`shr`, `cts`, `net`, `revs`) weigh little and names weigh a lot.
//!
//! The batch's candidates are every pair at or above the threshold, found exactly by prefix
//! filtering ([`Profiles::prefix_candidates`], proof in `src/profile/prefix.rs`): about the
//! anchors' time on Reuters-21578, with recall 1.0 where the anchors found 0.47 of those pairs.
//! Numbers are weighed like words (a number many texts state is not specific), which keeps
//! one template's notices (Eurobond issues: the same round sums and years) from chaining.
//! The incremental index keeps an inverted index over each profile's *anchors*, its rarest
//! words that occur in at least one other document, with bounded work per insert.
//! [`Profiles::banded_candidates`] (LSH banding of weighted MinHash signatures) and
//! [`Profiles::candidates`] (anchors) remain for callers; `docs/presets.md` compares them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Error;
use crate::lang;
use crate::lsh::{self, Banding, Pair};
use crate::text;
use crate::wminhash::{WeightedMinHasher, WeightedSignature};

mod df;
mod prefix;

pub(crate) use df::TermLists;

/// Content-word profiles of a batch of documents, with their corpus weights.
///
/// Terms are interned (`profile/df.rs`): each document keeps its terms as 4-byte ids in the
/// order of their hashes, and each distinct term its hash, document frequency and weight once.
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    /// Every document's term ids (each document's ascending), one after another.
    ids: Vec<u32>,
    /// Where each document's ids end in `ids`.
    ends: Vec<usize>,
    /// Per id: the term's hash (ascending).
    keys: Vec<u64>,
    /// Per id: how many documents hold the term (one: it never leads to another document,
    /// [`Profiles::prefix_candidates`]).
    dfs: Vec<u32>,
    /// Per id: the term's signed weight ([`ProfileParams::weight`]).
    weights: Vec<f32>,
    /// Per document: the sum of its terms' absolute weights ([`Profiles::total`]), which
    /// clustering asks for at every merge.
    totals: Vec<f64>,
    /// The settings the weights were made with (anchors are found from them on demand:
    /// only [`Profiles::candidates`] reads them).
    params: ProfileParams,
}

/// Settings of the profile stage.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileParams {
    /// Seed for hashing terms.
    pub seed: u64,
    /// A term counts only if its document frequency is at most
    /// `specific_base + specific_frac·min(N, SPECIFIC_GROWTH_END)` ([`SPECIFIC_GROWTH_END`]).
    pub specific_base: f64,
    /// See `specific_base`.
    pub specific_frac: f64,
    /// The prior `P` of the weight formula, in pseudo-documents.
    pub prior: f64,
    /// Rarest shared words per document used as anchors for the incremental index's bounded
    /// candidate search (the batch finds every pair at the threshold by prefix filtering,
    /// [`Profiles::prefix_candidates`]).
    pub anchors: usize,
    /// The incremental index's candidates must share at least this many anchors.
    pub min_shared_anchors: usize,
}

impl Default for ProfileParams {
    fn default() -> Self {
        ProfileParams {
            seed: 42,
            specific_base: 20.0,
            specific_frac: 0.001,
            prior: 1000.0,
            anchors: 24,
            min_shared_anchors: 2,
        }
    }
}

/// Hashes available to the rewrite preset's weighted MinHash: the `(b, r)` optimizer
/// ([`Banding::optimal`]) chooses its layout within them, and a signature has `b·r` positions.
pub const REWRITE_HASHES: usize = 64;

/// Characters per term in runs of an unspaced script ([`text::is_unspaced`]).
const UNSPACED_GRAM: usize = 3;

/// The content-word hashes of `text`, sorted and deduplicated. Digits joined by `.` or `,`
/// form one number (`300,000`, `12.5`), so amounts compare whole.
pub fn content_terms(text: &str, seed: u64) -> Vec<u64> {
    let mut normalized = String::new();
    let mut folded = String::new();
    text::normalize_into(text, &mut normalized);
    let base = normalized.as_ptr() as usize;
    let bytes = normalized.as_bytes();
    let mut terms = Vec::new();
    let mut number: Option<(usize, usize)> = None; // byte range of a number being joined
    let mut emit = |w: &str, terms: &mut Vec<u64>| {
        if is_content_word(w) {
            // The low bit tags numbers (weighed like words now; the tag keeps their
            // hashes apart from words and saved terms comparable).
            let number = w
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
            let term = if lang::is_english_candidate(w) {
                folded_term(w, seed, &mut folded)
            } else {
                xxh3_64_with_seed(w.as_bytes(), seed)
            };
            terms.push(term & !1 | u64::from(number));
        }
    };
    // Unspaced scripts (Chinese, Japanese, Thai...) give one token per character, too common to
    // tell stories apart: their terms are the overlapping character trigrams of each run (a run
    // shorter than that is one term). Bigrams, the usual CJK indexing unit, let two reports of
    // one genre share too much (see docs/presets.md).
    let mut run: Vec<usize> = Vec::new(); // char starts of the current unspaced run
    let mut run_end = 0;
    let flush = |run: &mut Vec<usize>,
                 run_end: usize,
                 terms: &mut Vec<u64>,
                 emit: &mut dyn FnMut(&str, &mut Vec<u64>)| {
        if let (Some(&s), true) = (run.first(), run.len() < UNSPACED_GRAM) {
            emit(&normalized[s..run_end], terms);
        }
        run.clear();
    };
    for w in text::words(&normalized) {
        let start = w.as_ptr() as usize - base;
        let end = start + w.len();
        if w.chars().next().is_some_and(text::is_unspaced) {
            if run_end != start {
                flush(&mut run, run_end, &mut terms, &mut emit);
            }
            run.push(start);
            run_end = end;
            if run.len() >= UNSPACED_GRAM {
                emit(&normalized[run[run.len() - UNSPACED_GRAM]..end], &mut terms);
            }
            continue;
        }
        flush(&mut run, run_end, &mut terms, &mut emit);
        let numeric = w.bytes().all(|b| b.is_ascii_digit());
        if let Some((s, e)) = number {
            if numeric && start == e + 1 && matches!(bytes[e], b'.' | b',') {
                number = Some((s, end));
                continue;
            }
            emit(&normalized[s..e], &mut terms);
            number = None;
        }
        if numeric {
            number = Some((start, end));
        } else {
            emit(w, &mut terms);
        }
    }
    if let Some((s, e)) = number {
        emit(&normalized[s..e], &mut terms);
    }
    flush(&mut run, run_end, &mut terms, &mut emit);
    terms.sort_unstable();
    terms.dedup();
    // A batch keeps every document's terms until it is weighed: no spare capacity.
    terms.shrink_to_fit();
    terms
}

/// Distinct words a thread remembers the term of before it starts over: a news corpus uses a
/// few tens of thousands, and each hit saves a spelling lookup and a Snowball run.
const MEMO_WORDS: usize = 1 << 17;

/// Terms of folded English words by the word's hash (with the seed), per thread. Folding is a
/// pure function, so the memo never changes a result (two words whose 64-bit hashes collide
/// would share a term, as two words whose term hashes collide always do).
type Memo = HashMap<u64, u64, BuildHasherDefault<PassHasher>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::default();
}

/// The memo's keys are hashes already.
#[derive(Default)]
struct PassHasher(u64);

impl Hasher for PassHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The term of an English word: the hash of its folded form ([`lang::fold_into`]), memoized.
fn folded_term(w: &str, seed: u64, folded: &mut String) -> u64 {
    let key = xxh3_64_with_seed(w.as_bytes(), seed ^ 0x6C61_6E67);
    MEMO.with_borrow_mut(|memo| {
        if let Some(&term) = memo.get(&key) {
            return term;
        }
        lang::fold_into(w, folded);
        let term = xxh3_64_with_seed(folded.as_bytes(), seed);
        if memo.len() >= MEMO_WORDS {
            memo.clear();
        }
        memo.insert(key, term);
        term
    })
}

/// Stop words and numbers of one or two digits (parts of amounts and dates that match by
/// chance) carry no story-specific meaning.
fn is_content_word(w: &str) -> bool {
    let numeric = w
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
    // One letter is no word in any script (but one ideograph can be).
    let single = w.chars().nth(1).is_none() && !w.chars().next().is_some_and(text::is_unspaced);
    !(single || (numeric && w.len() < 3) || text::is_stop_word(w))
}

/// The corpus size past which the specificity bound stops growing (at the default settings,
/// `20 + 0.001·N` reaches 120 documents). A larger archive holds more stories, not larger
/// ones: a word found in more than a hundred-odd documents names a subject in the news (a
/// person, a company, a country), not one story's event. A bound growing with `N` would also
/// make the exact candidate search grow as `N²` (every specific word's postings are probed),
/// so a million documents would cost a hundred times a hundred thousand instead of ten times.
pub const SPECIFIC_GROWTH_END: usize = 100_000;

impl ProfileParams {
    /// The largest document frequency of a specific word among `n` documents:
    /// `specific_base + specific_frac·min(n, SPECIFIC_GROWTH_END)`.
    pub fn max_specific_df(&self, n: usize) -> f64 {
        self.specific_base + self.specific_frac * n.min(SPECIFIC_GROWTH_END) as f64
    }

    /// These settings with the specificity bound fixed at `bound` documents at any corpus
    /// size (the story method's measured bound, [`crate::story::measured_bound`]).
    pub fn with_bound(&self, bound: f64) -> ProfileParams {
        ProfileParams {
            specific_base: bound,
            specific_frac: 0.0,
            ..*self
        }
    }

    /// The weight of a term in `df` of `n` documents, negative if it is not specific. Numbers
    /// follow the words' rule: an amount few texts state identifies a story, while a number
    /// many state (a year, a round sum, a template's figures) says no more than a common word.
    pub fn weight(&self, _term: u64, df: u32, n: usize) -> f32 {
        let w = ((n as f64 + self.prior) / (f64::from(df) + 1.0)).ln() as f32;
        if f64::from(df) <= self.max_specific_df(n) {
            w
        } else {
            -w
        }
    }

    /// The anchors of a document: its rarest specific terms with a document frequency of at
    /// least `min_df`, at most [`ProfileParams::anchors`] of them.
    pub fn anchors(&self, terms: &[u64], dfs: &[u32], n: usize, min_df: u32) -> Vec<u64> {
        let max_df = self.max_specific_df(n);
        let mut rare: Vec<(u32, u64)> = terms
            .iter()
            .zip(dfs)
            .filter(|(_, &d)| d >= min_df && f64::from(d) <= max_df)
            .map(|(&t, &d)| (d, t))
            .collect();
        rare.sort_unstable();
        rare.iter().take(self.anchors).map(|e| e.1).collect()
    }
}

impl Profiles {
    /// Builds the profiles of `texts` and weighs their terms by rarity among them.
    pub fn build<T: AsRef<str> + Sync>(texts: &[T], params: &ProfileParams) -> Profiles {
        let terms: Vec<Vec<u64>> = texts
            .par_iter()
            .map(|t| content_terms(t.as_ref(), params.seed))
            .collect();
        Profiles::from_terms(terms, params)
    }

    /// Weighs terms already extracted (each sorted and deduplicated, as [`content_terms`] or
    /// [`crate::story::story_terms`] make them) by rarity among them.
    pub fn from_terms(terms: Vec<Vec<u64>>, params: &ProfileParams) -> Profiles {
        Profiles::from_lists(terms.into(), params)
    }

    /// [`Profiles::from_terms`] of lists kept flat, a chunk of documents at a time (a batch's).
    pub(crate) fn from_lists(terms: TermLists, params: &ProfileParams) -> Profiles {
        let (vocabulary, interned) = df::intern(terms);
        Profiles {
            ids: interned.ids,
            ends: interned.ends,
            keys: vocabulary.keys,
            dfs: vocabulary.dfs,
            weights: Vec::new(),
            totals: Vec::new(),
            params: *params,
        }
        .reweigh(params)
    }

    /// The same profiles weighed with `params` (the story method's measured bound): weights
    /// depend on a term's document frequency alone, so only the table of weights changes.
    pub(crate) fn reweigh(mut self, params: &ProfileParams) -> Profiles {
        let n = self.len();
        self.weights = self
            .dfs
            .par_iter()
            .zip(&self.keys)
            .map(|(&df, &t)| params.weight(t, df, n))
            .collect();
        self.params = *params;
        self.with_totals()
    }

    /// These profiles with each document's total weight summed from its weights.
    fn with_totals(mut self) -> Profiles {
        self.totals = (0..self.len())
            .into_par_iter()
            .map(|i| {
                self.doc(i)
                    .iter()
                    .map(|&t| f64::from(self.weights[t as usize].abs()))
                    .sum()
            })
            .collect();
        self
    }

    /// Each document's anchors ([`ProfileParams::anchors`]): a term only its own document
    /// has cannot lead to another one.
    fn anchors(&self) -> Vec<Vec<u64>> {
        let n = self.len();
        (0..n)
            .into_par_iter()
            .map(|i| {
                let ids = self.doc(i);
                let terms: Vec<u64> = ids.iter().map(|&i| self.keys[i as usize]).collect();
                let dfs: Vec<u32> = ids.iter().map(|&i| self.dfs[i as usize]).collect();
                self.params.anchors(&terms, &dfs, n, 2)
            })
            .collect()
    }

    /// Total weight of document `i`'s terms (longer, more specific texts weigh more); `None`
    /// if `i` is out of range.
    pub fn total(&self, i: usize) -> Option<f64> {
        (i < self.len()).then(|| self.total_at(i))
    }

    /// [`Profiles::total`] of a document known to be in range.
    pub(crate) fn total_at(&self, i: usize) -> f64 {
        self.totals[i]
    }

    /// Document `i`'s profile: its sorted term hashes and their signed weights
    /// ([`ProfileParams::weight`]: negative for unspecific words), as [`similarity`] takes
    /// them; `None` if out of range.
    pub fn profile(&self, i: usize) -> Option<(Vec<u64>, Vec<f32>)> {
        let ids = (i < self.len()).then(|| self.doc(i))?;
        Some(
            ids.iter()
                .map(|&t| (self.keys[t as usize], self.weights[t as usize]))
                .unzip(),
        )
    }

    /// Profiles of `terms` with any weight per term (tests of the candidate search).
    #[cfg(test)]
    pub(crate) fn with_weights(terms: Vec<Vec<u64>>, weight: impl Fn(u64) -> f32) -> Profiles {
        let p = Profiles::from_terms(terms, &ProfileParams::default());
        let weights = p.keys.iter().map(|&t| weight(t)).collect();
        Profiles { weights, ..p }.with_totals()
    }

    /// The largest document frequency of a specific word these profiles were weighed with
    /// ([`ProfileParams::max_specific_df`] of their number, or the story preset's measured
    /// bound, [`crate::story::measured_bound`]).
    pub fn max_specific_df(&self) -> f64 {
        self.params.max_specific_df(self.len())
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Document `i`'s term ids (in range).
    fn doc(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.ids[start..self.ends[i]]
    }

    /// Pairs of documents sharing at least `min_shared` anchors (at least one), sorted.
    ///
    /// Counted exactly at any corpus size: each document walks the postings of its anchors to
    /// the documents after it. An anchor is specific, so its postings hold at most
    /// [`ProfileParams::max_specific_df`] documents, and the work is at most that bound times
    /// the number of anchors in all.
    pub fn candidates(&self, min_shared: usize) -> Vec<Pair> {
        let min_shared = min_shared.max(1);
        let anchors = self.anchors();
        // (anchor, document), sorted: one anchor's documents form one ascending run.
        let mut postings: Vec<(u64, u32)> = anchors
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.iter().map(move |&t| (t, i as u32)))
            .collect();
        postings.par_sort_unstable();
        // Each document's places in the postings (ascending), so no lookup is needed.
        let n = anchors.len();
        let mut offsets = vec![0usize; n + 1];
        for &(_, d) in &postings {
            offsets[d as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut places = vec![0u32; postings.len()];
        let mut next = offsets.clone();
        for (pos, &(_, d)) in postings.iter().enumerate() {
            places[next[d as usize]] = pos as u32;
            next[d as usize] += 1;
        }
        let (postings, places, offsets) = (&postings, &places, &offsets);
        let chunks: Vec<Vec<Pair>> = (0..n)
            .into_par_iter()
            .with_min_len(256)
            .fold(
                || (Vec::new(), Vec::new()),
                |(mut out, mut later): (Vec<Pair>, Vec<u32>), i| {
                    later.clear();
                    for &pos in &places[offsets[i]..offsets[i + 1]] {
                        let t = postings[pos as usize].0;
                        later.extend(
                            postings[pos as usize + 1..]
                                .iter()
                                .take_while(|p| p.0 == t)
                                .map(|p| p.1),
                        );
                    }
                    later.sort_unstable();
                    // Each run is one later document; its length, the anchors shared with it.
                    out.extend(
                        later
                            .chunk_by(|a, b| a == b)
                            .filter(|run| run.len() >= min_shared)
                            .map(|run| (i as u32, run[0])),
                    );
                    (out, later)
                },
            )
            .map(|(out, _)| out)
            .collect();
        chunks.concat()
    }

    /// The weighted MinHash signature of each document's specific words
    /// ([`crate::wminhash`]): two signatures agree at a position with probability equal to the
    /// documents' weighted Jaccard over specific words, one of the two measures whose minimum
    /// is the rewrite similarity. Fails if `hashes` is not in `1..=`[`crate::wminhash::MAX_HASHES`].
    pub fn signatures(&self, hashes: usize, seed: u64) -> Result<Vec<WeightedSignature>, Error> {
        let signer = WeightedMinHasher::new(hashes, seed)?;
        Ok((0..self.len())
            .into_par_iter()
            .map(|i| {
                let ids = self.doc(i);
                signer.sign(
                    ids.iter()
                        .map(|&t| (self.keys[t as usize], f64::from(self.weights[t as usize]))),
                )
            })
            .collect())
    }

    /// Candidate pairs by LSH banding of the weighted MinHash signatures ([`Profiles::signatures`]
    /// with `banding.bands() × banding.rows()` hashes), sorted: a pair whose rewrite similarity
    /// is `s` shares a band with probability at least `banding.probability(s)`, because the
    /// rewrite similarity is at most the specific words' weighted Jaccard.
    pub fn banded_candidates(&self, banding: &Banding, seed: u64) -> Result<Vec<Pair>, Error> {
        let rows = banding.rows();
        let signatures = self.signatures(banding.bands() * rows, seed)?;
        Ok(lsh::pairs_from_tables(banding.bands(), |band| {
            signatures
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(i, s)| {
                    (
                        band_key(&s.terms()[band * rows..(band + 1) * rows]),
                        i as u32,
                    )
                })
                .collect()
        }))
    }

    /// Rewrite similarity of documents `a` and `b` (see [`similarity`]); `None` if either is out
    /// of range.
    pub fn similarity(&self, a: usize, b: usize) -> Option<f64> {
        (a < self.len() && b < self.len()).then(|| self.similarity_at(a, b))
    }

    /// [`Profiles::similarity`] of documents known to be in range.
    pub(crate) fn similarity_at(&self, a: usize, b: usize) -> f64 {
        let w = |ids: &[u32], k: usize| self.weights[ids[k] as usize];
        let (ia, ib) = (self.doc(a), self.doc(b));
        merged_similarity(ia, ib, |k| w(ia, k), |k| w(ib, k))
    }
}

/// One band's key: the sampled terms of its rows, mixed (a single row is its term).
fn band_key(rows: &[u64]) -> u64 {
    rows.iter().fold(0, |h: u64, &t| {
        (h.rotate_left(29) ^ t).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    })
}

/// Rewrite similarity of two profiles (sorted terms with their signed weights, as made by
/// [`ProfileParams::weight`]): the smaller of the weighted Jaccard over all content words and
/// over specific words. A term without a weight (`ta` longer than `wa`) is ignored.
pub fn similarity(ta: &[u64], wa: &[f32], tb: &[u64], wb: &[f32]) -> f64 {
    let (ta, tb) = (&ta[..ta.len().min(wa.len())], &tb[..tb.len().min(wb.len())]);
    merged_similarity(ta, tb, |k| wa[k], |k| wb[k])
}

/// [`similarity`] of two sorted term lists (hashes, or ids in the hashes' order), with the
/// weight of each list's `k`-th term.
fn merged_similarity<K: Ord>(
    ta: &[K],
    tb: &[K],
    wa: impl Fn(usize) -> f32,
    wb: impl Fn(usize) -> f32,
) -> f64 {
    // Sums of absolute (all) and positive (specific) weights, shared and only in a or b:
    // six locals rather than an indexed array, so they stay in registers; each is summed in
    // the order of the merge, as always.
    let (mut all_shared, mut all_a, mut all_b) = (0.0f64, 0.0f64, 0.0f64);
    let (mut spec_shared, mut spec_a, mut spec_b) = (0.0f64, 0.0f64, 0.0f64);
    let (mut i, mut j) = (0, 0);
    while i < ta.len() && j < tb.len() {
        match ta[i].cmp(&tb[j]) {
            std::cmp::Ordering::Less => {
                add(wa(i), &mut all_a, &mut spec_a);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                add(wb(j), &mut all_b, &mut spec_b);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                add(wa(i), &mut all_shared, &mut spec_shared);
                i += 1;
                j += 1;
            }
        }
    }
    (i..ta.len()).for_each(|k| add(wa(k), &mut all_a, &mut spec_a));
    (j..tb.len()).for_each(|k| add(wb(k), &mut all_b, &mut spec_b));
    let jaccard = |shared: f64, a: f64, b: f64| {
        let union = shared + a + b;
        if union <= 0.0 {
            0.0
        } else {
            shared / union
        }
    };
    jaccard(all_shared, all_a, all_b).min(jaccard(spec_shared, spec_a, spec_b))
}

/// Adds a signed weight to the sums of all words (its magnitude) and of specific words (if
/// positive; adding 0 otherwise leaves the sum exactly as it was, without a branch on a sign
/// the merge cannot predict).
#[inline(always)]
fn add(w: f32, all: &mut f64, specific: &mut f64) {
    *all += f64::from(w.abs());
    *specific += f64::from(w.max(0.0));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsh::MAX_BUCKET;
    use crate::minhash::splitmix64;

    /// The specificity bound grows with the corpus up to `SPECIFIC_GROWTH_END` documents and
    /// stays there.
    #[test]
    fn specificity_bound_stops_growing() {
        let p = ProfileParams::default();
        assert_eq!(p.max_specific_df(0), 20.0);
        assert!(p.max_specific_df(50_000) < p.max_specific_df(SPECIFIC_GROWTH_END));
        assert_eq!(p.max_specific_df(SPECIFIC_GROWTH_END), 120.0);
        assert_eq!(p.max_specific_df(10_000_000), 120.0);
    }

    /// Runs of an unspaced script give their character trigrams, a shorter run itself; a letter
    /// of a spaced script alone is no term.
    #[test]
    fn unspaced_runs_give_trigrams() {
        let terms = |t: &str| content_terms(t, 1);
        let mut want: Vec<u64> = ["東京都", "京都知", "都知事"]
            .iter()
            .map(|t| terms(t)[0])
            .collect();
        want.sort_unstable();
        assert_eq!(terms("東京都知事"), want);
        assert_eq!(terms("東京").len(), 1);
        assert_eq!(terms("東 京"), {
            let mut v = vec![terms("東")[0], terms("京")[0]];
            v.sort_unstable();
            v
        });
        assert!(terms("в и ё").is_empty());
        assert_eq!(terms("москва в"), terms("москва"));
    }

    /// Many documents share each anchor (far more than a bucket): every pair sharing enough
    /// anchors is a candidate, and no other pair is.
    #[test]
    fn shared_anchors_counted_exactly() {
        let vocabulary = [
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
            "juliett", "kilo", "lima", "mike", "november",
        ];
        let mut state = 7;
        let texts: Vec<String> = (0..1500)
            .map(|_| {
                let k = 2 + splitmix64(&mut state) % 6;
                (0..k)
                    .map(|_| vocabulary[(splitmix64(&mut state) % 14) as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let params = ProfileParams {
            specific_base: 10_000.0, // every word is specific, so every word is an anchor
            ..ProfileParams::default()
        };
        let p = Profiles::build(&texts, &params);
        let mut df = std::collections::HashMap::new();
        let anchors = p.anchors();
        for a in &anchors {
            for t in a {
                *df.entry(t).or_insert(0usize) += 1;
            }
        }
        assert!(df.values().all(|&d| d > MAX_BUCKET), "{df:?}");
        let sorted: Vec<Vec<u64>> = anchors
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.sort_unstable();
                a
            })
            .collect();
        for min_shared in [1, 2, 3] {
            let mut want = Vec::new();
            for a in 0..sorted.len() {
                for b in a + 1..sorted.len() {
                    let shared = crate::shingle::intersection_size(&sorted[a], &sorted[b]);
                    if shared >= min_shared {
                        want.push((a as u32, b as u32));
                    }
                }
            }
            assert!(want.len() > 10_000, "too few pairs to test: {}", want.len());
            assert_eq!(p.candidates(min_shared), want, "min_shared = {min_shared}");
        }
    }
}
