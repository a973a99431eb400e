//! Exact candidate pairs of weighted profiles by prefix filtering (Bayardo, Ma & Srikant 2007,
//! "Scaling up all pairs similarity search"; Xiao et al. 2008, PPJoin's positional filter).
//!
//! The rewrite similarity is the smaller of two weighted Jaccard similarities whose weights
//! belong to the *term* (its rarity in the batch), not to the document. A pair at or above the
//! threshold is therefore at or above it in the specific-word measure alone, whose weights are
//! positive; that measure is the filter. For a document `a` let `W(a)` be the total weight of
//! its specific terms, and for a pair let `O` be the weight of the specific terms they share.
//! If `J = O / (W(a) + W(b) − O) ≥ t` then
//!
//! ```text
//! O ≥ t · max(W(a), W(b))                     (the union is at least either side)
//! O ≥ t / (1 + t) · (W(a) + W(b))             (rearranged)
//! t · W(a) ≤ W(b) ≤ W(a) / t                  (O is at most either side: the size filter)
//! ```
//!
//! Order all terms one way for every document: heaviest (rarest) first, then by hash. A
//! document's *prefix* is its shortest run of first terms after which the weight of the terms
//! that can be shared (found in another document too) is below `t · W`. **Every pair with
//! `J ≥ t` shares a term in both prefixes**: otherwise take the document whose prefix ends
//! earlier in the order, say `a`; a shared term ordered within `a`'s prefix would be within
//! `b`'s too, so every shared term lies after `a`'s prefix and `O < t · W(a) ≤ t · max ≤ O`, a
//! contradiction. The batch sharpens this (AllPairs): documents are ranked by `W` and each
//! probes only lower-ranked ones, so the indexed one has the smaller `W` and needs only its
//! *index prefix*, after which less than `2t / (1 + t) · W` can be shared
//! (`2t/(1+t) · W(b) ≤ t/(1+t) · (W(a) + W(b)) ≤ O`; the argument above with `b`'s shorter
//! prefix). While probing, a candidate accumulates the weight of the terms met; at the last
//! term met, every shared term before it was met (both prefixes are closed under the order),
//! so the pair's `O` is at most the accumulated weight plus the smaller of the two documents'
//! shareable weight after that term (the positional filter). A pair whose bound is below
//! `t/(1+t) · (W(a) + W(b))`, or whose all-words measure fails the same bound, or whose sizes
//! fail the size filter, cannot reach `t` and is dropped; the others are candidates.
//!
//! Candidates are thus a superset of the pairs at or above the threshold: recall 1 by
//! construction, checked against brute force by the tests. The filters run at a threshold a
//! little below the one verification applies ([`filter_threshold`]), so rounding in the sums
//! never loses a pair exactly at the threshold. Terms found in one document only are never
//! indexed, and a term's weight counts as shareable only if it is found in two.

use rayon::prelude::*;

use super::{ProfileParams, Profiles};
use crate::lsh::Pair;

/// The threshold the filters work at: below the one given by verification's tolerance (it
/// keeps a pair at `threshold − 1e-9`) and a relative margin that dwarfs rounding in sums.
fn filter_threshold(threshold: f64) -> f64 {
    ((threshold - 1e-9) * (1.0 - 1e-6)).max(0.0)
}

/// `x` rounded up to an `f32`, for upper bounds kept small.
fn up(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) < x {
        r.next_up()
    } else {
        r
    }
}

/// A document's specific terms in the global order (heaviest first, then by hash: term ids
/// follow the hashes' order), each with its weight and whether another document may share
/// it; and their total weight.
fn ordered<K: Copy + Ord>(
    terms: &[K],
    weight: impl Fn(usize) -> f32,
    shareable: impl Fn(usize) -> bool,
) -> (Vec<(K, f32, bool)>, f64) {
    let mut list: Vec<(K, f32, bool)> = (0..terms.len())
        .map(|k| (terms[k], weight(k), shareable(k)))
        .filter(|e| e.1 > 0.0)
        .collect();
    list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let total = list.iter().map(|e| f64::from(e.1)).sum();
    (list, total)
}

/// The prefix of an ordered list: its length, the fewest first entries after which the
/// shareable weight is below `bound` (all of them if `bound ≤ 0`); the shareable weight after
/// it; and for each entry the shareable weight after that entry.
fn prefix<K>(list: &[(K, f32, bool)], bound: f64) -> (usize, f64, Vec<f64>) {
    let mut after = vec![0.0; list.len()];
    let mut sum = 0.0;
    let (mut cut, mut tail) = (list.len(), 0.0);
    for k in (0..list.len()).rev() {
        after[k] = sum;
        if list[k].2 {
            sum += f64::from(list[k].1);
        }
        // `sum` is now the shareable weight from `k` on.
        if sum < bound && cut == k + 1 {
            (cut, tail) = (k, sum);
        }
    }
    (cut, tail, after)
}

/// Where a prefix ends in the global order: the (weight, term) of the first term after it,
/// `None` if it holds every term.
type Boundary = Option<(f32, u32)>;

/// Whether prefix boundary `x` comes no later than `y` in the global order (heaviest first,
/// then by term; the end of the list is last).
fn no_later(x: Boundary, y: Boundary) -> bool {
    match (x, y) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => x.0 > y.0 || (x.0 == y.0 && x.1 <= y.1),
    }
}

impl ProfileParams {
    /// The *prefix terms* of a document for a candidate search at `threshold`: every pair of
    /// documents whose rewrite similarity reaches the threshold shares at least one of them
    /// (the symmetric prefix of `profile::prefix`'s proof, specific terms heaviest first,
    /// terms found in one document only left out). `terms` are the document's sorted terms,
    /// `dfs` their document frequencies among `n` documents. A distributed run keys each
    /// document by these and verifies the pairs sharing a key: the same edges as the batch.
    pub fn prefix_terms(&self, terms: &[u64], dfs: &[u32], n: usize, threshold: f64) -> Vec<u64> {
        let weights: Vec<f32> = terms
            .iter()
            .zip(dfs)
            .map(|(&t, &d)| self.weight(t, d, n))
            .collect();
        let (list, total) = ordered(terms, |k| weights[k], |k| dfs[k] >= 2);
        let (cut, _, _) = prefix(&list, filter_threshold(threshold) * total);
        list[..cut].iter().filter(|e| e.2).map(|e| e.0).collect()
    }
}

/// What the candidate search keeps of one document.
struct Prepared {
    /// Total weight of specific terms.
    total: f64,
    /// Total weight of the other terms (the all-words measure adds them).
    other: f64,
    /// The shareable specific terms in the global order: term id and the shareable weight
    /// after it (a term's weight is the batch's, by id: 8 bytes per term, not 12).
    order: Vec<(u32, f32)>,
    /// How many of `order` are in the probe prefix.
    probed: usize,
    /// How many of `order` are in the index prefix.
    indexed: usize,
    /// Where the probe prefix ends, and the shareable weight after it.
    probe_end: (Boundary, f32),
    /// Where the index prefix ends, and the shareable weight after it.
    index_end: (Boundary, f32),
}

impl Prepared {
    /// `ids` are a document's term ids; `weights` and `dfs` the batch's, by id.
    fn new(ids: &[u32], weights: &[f32], dfs: &[u32], tf: f64) -> Prepared {
        let weight = |k: usize| weights[ids[k] as usize];
        let (list, total) = ordered(ids, weight, |k| dfs[ids[k] as usize] >= 2);
        let other = (0..ids.len())
            .map(weight)
            .filter(|&w| w <= 0.0)
            .map(|w| f64::from(-w))
            .sum();
        let (probe_cut, probe_tail, after) = prefix(&list, tf * total);
        let (index_cut, index_tail, _) = prefix(&list, 2.0 * tf / (1.0 + tf) * total);
        let end = |k: usize| list.get(k).map(|e| (e.1, e.0));
        let shareable_before = |cut: usize| list[..cut].iter().filter(|e| e.2).count();
        Prepared {
            total,
            other,
            order: (0..list.len())
                .filter(|&k| list[k].2)
                .map(|k| (list[k].0, up(after[k])))
                .collect(),
            probed: shareable_before(probe_cut),
            indexed: shareable_before(index_cut),
            probe_end: (end(probe_cut), up(probe_tail)),
            index_end: (end(index_cut), up(index_tail)),
        }
    }
}

/// A probe meeting an indexed document: its rank, the place of the term in the prober's
/// order and in its own, and its shareable weight after that term.
type Meeting = (u32, u32, u32, f32);

/// A small open-addressing table of one document's shareable terms and their weights.
#[derive(Default)]
struct Lookup {
    /// (term id, weight); a weight of 0 marks an empty slot (shareable weights are positive).
    slots: Vec<(u32, f32)>,
    shift: u32,
}

impl Lookup {
    fn fill(&mut self, order: &[(u32, f32)], weights: &[f32]) {
        let bits = (2 * order.len())
            .max(8)
            .next_power_of_two()
            .trailing_zeros();
        self.slots.clear();
        self.slots.resize(1 << bits, (0, 0.0));
        self.shift = 64 - bits;
        for &(term, _) in order {
            let w = weights[term as usize];
            let mut i = self.slot(term);
            while self.slots[i].1 > 0.0 {
                i = (i + 1) & (self.slots.len() - 1);
            }
            self.slots[i] = (term, w);
        }
    }

    fn slot(&self, term: u32) -> usize {
        (u64::from(term).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The weight of `term` if the table holds it, else 0.
    fn get(&self, term: u32) -> f32 {
        let mut i = self.slot(term);
        loop {
            let (t, w) = self.slots[i];
            if w == 0.0 || t == term {
                return w;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }
}

impl Profiles {
    /// Every pair of documents whose rewrite similarity ([`super::similarity`]) may reach
    /// `threshold`, sorted: all pairs at or above it and few others (exact prefix filtering,
    /// see `src/profile/prefix.rs` for the proof; verification then measures each). A pair
    /// with no shared specific term is never a candidate: its similarity is 0, below any
    /// threshold above verification's tolerance of `1e-9`.
    pub fn prefix_candidates(&self, threshold: f64) -> Vec<Pair> {
        let tf = filter_threshold(threshold);
        let (weights, dfs) = (&self.weights, &self.dfs);
        let mut docs: Vec<(u32, Prepared)> = (0..self.len())
            .into_par_iter()
            .map(|i| (i as u32, Prepared::new(self.doc(i), weights, dfs, tf)))
            .collect();
        // Documents by rank: by specific weight, then index. Each probes lower ranks only.
        docs.par_sort_unstable_by(|x, y| x.1.total.total_cmp(&y.1.total).then(x.0.cmp(&y.0)));
        let (ids, docs): (Vec<u32>, Vec<Prepared>) = docs.into_iter().unzip();
        // The index: (term, rank, place in the document's order, shareable weight after it),
        // grouped by term.
        let mut entries: Vec<(u32, u32, u32, f32)> = docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(r, d)| {
                d.order[..d.indexed]
                    .iter()
                    .enumerate()
                    .map(move |(k, e)| (e.0, r as u32, k as u32, e.1))
            })
            .collect();
        entries.par_sort_unstable_by_key(|e| (e.0, e.1));
        let mut keys: Vec<u32> = Vec::new();
        let mut starts: Vec<usize> = Vec::new();
        for (k, e) in entries.iter().enumerate() {
            if keys.last() != Some(&e.0) {
                keys.push(e.0);
                starts.push(k);
            }
        }
        starts.push(entries.len());
        let postings: Vec<(u32, u32, f32)> = entries.into_iter().map(|e| (e.1, e.2, e.3)).collect();
        let totals: Vec<f64> = docs.iter().map(|d| d.total).collect();
        let (docs, ids, keys, starts, postings, totals) =
            (&docs, &ids, &keys, &starts, &postings, &totals);
        let ratio = tf / (1.0 + tf);
        let mut pairs: Vec<Pair> = (0..docs.len())
            .into_par_iter()
            .with_min_len(64)
            .fold(
                || (Vec::new(), Vec::new(), Lookup::default()),
                |(mut out, mut met, mut lookup): (Vec<Pair>, Vec<Meeting>, Lookup), ra| {
                    let da = &docs[ra];
                    let smallest = tf * da.total;
                    // (rank of b, place of the term in a's order, place in b's order, b's
                    // shareable weight after it)
                    met.clear();
                    for (j, &(term, _)) in da.order[..da.probed].iter().enumerate() {
                        let Ok(t) = keys.binary_search(&term) else {
                            continue;
                        };
                        let run = &postings[starts[t]..starts[t + 1]];
                        let hi = run.partition_point(|e| (e.0 as usize) < ra);
                        let lo = run[..hi].partition_point(|e| totals[e.0 as usize] < smallest);
                        met.extend(run[lo..hi].iter().map(|e| (e.0, j as u32, e.1, e.2)));
                    }
                    // The terms were probed in order: within one document's run the last
                    // meeting is the latest term.
                    met.sort_unstable_by_key(|m| (m.0, m.1));
                    let mut filled = false;
                    for run in met.chunk_by(|x, y| x.0 == y.0) {
                        let rb = run[0].0 as usize;
                        let need = ratio * (da.total + totals[rb]);
                        let mut shared: f64 = run
                            .iter()
                            .map(|m| f64::from(weights[da.order[m.1 as usize].0 as usize]))
                            .sum();
                        // The shared terms not met lie after the last one met.
                        let (_, ja, jb, rest_b) = run[run.len() - 1];
                        let rest_a = da.order[ja as usize].1;
                        if shared + f64::from(rest_a.min(rest_b)) < need {
                            continue;
                        }
                        // And after the earlier of the two prefix ends: every shared term
                        // before it was met.
                        let db = &docs[rb];
                        let tail = if no_later(da.probe_end.0, db.index_end.0) {
                            da.probe_end.1
                        } else {
                            db.index_end.1
                        };
                        let rest_a = rest_a.min(tail);
                        let mut bound = shared + f64::from(rest_a.min(rest_b));
                        if bound < need {
                            continue;
                        }
                        // The exact shared weight: b's later terms looked up in a's, heaviest
                        // first, until the bound decides.
                        if !filled {
                            lookup.fill(&da.order, weights);
                            filled = true;
                        }
                        for &(term, after) in &db.order[jb as usize + 1..] {
                            if shared >= need || bound < need {
                                break;
                            }
                            shared += f64::from(lookup.get(term));
                            bound = shared + f64::from(after.min(rest_a));
                        }
                        let all = (bound + da.other.min(db.other))
                            .min(da.total + da.other)
                            .min(db.total + db.other);
                        if bound >= need
                            && all >= ratio * (da.total + da.other + db.total + db.other)
                        {
                            let (a, b) = (ids[ra], ids[run[0].0 as usize]);
                            out.push((a.min(b), a.max(b)));
                        }
                    }
                    (out, met, lookup)
                },
            )
            .map(|(out, _, _)| out)
            .reduce(Vec::new, |mut x, y| {
                x.extend(y);
                x
            });
        pairs.par_sort_unstable();
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every pair verification would keep at `threshold`, by brute force.
    fn brute_force(p: &Profiles, threshold: f64) -> Vec<Pair> {
        let mut want = Vec::new();
        for a in 0..p.len() {
            for b in a + 1..p.len() {
                if p.similarity_at(a, b) >= threshold - 1e-9 {
                    want.push((a as u32, b as u32));
                }
            }
        }
        want
    }

    /// The candidates are sorted, distinct, ordered pairs and include every pair at or above
    /// `threshold`; also at thresholds equal to similarities found (ties).
    fn check(p: &Profiles, thresholds: &[f64]) -> Result<(), TestCaseError> {
        let mut ties: Vec<f64> = (0..p.len())
            .flat_map(|a| (a + 1..p.len()).map(move |b| (a, b)))
            .map(|(a, b)| p.similarity_at(a, b))
            .filter(|&s| s > 0.0)
            .collect();
        ties.sort_by(f64::total_cmp);
        ties.dedup();
        let step = ties.len() / 8 + 1;
        for &t in thresholds.iter().chain(ties.iter().step_by(step)) {
            let got = p.prefix_candidates(t);
            prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "not sorted");
            prop_assert!(got.iter().all(|&(a, b)| a < b && (b as usize) < p.len()));
            for pair in brute_force(p, t) {
                prop_assert!(
                    got.binary_search(&pair).is_ok(),
                    "missed {pair:?} at similarity {} ≥ {t}",
                    p.similarity_at(pair.0 as usize, pair.1 as usize)
                );
            }
        }
        Ok(())
    }

    /// Documents as sets of words from `0..vocabulary` (term hashes spread out; odd ones are
    /// numbers, which are always specific).
    fn corpus(vocabulary: u64) -> impl Strategy<Value = Vec<Vec<u64>>> {
        prop::collection::vec(
            prop::collection::btree_set(0..vocabulary, 0..10).prop_map(|s| {
                let mut terms: Vec<u64> = s
                    .into_iter()
                    .map(|w| w.wrapping_mul(0x9E37_79B9_7F4A_7C15) | (w % 5 == 0) as u64)
                    .collect();
                terms.sort_unstable();
                terms
            }),
            0..30,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Profiles weighed as the presets weigh them (few documents, so many terms are
        /// common, found once, or tied in weight).
        #[test]
        fn prefix_candidates_find_every_pair_of_real_profiles(
            terms in corpus(24),
            base in 0.0f64..6.0,
            prior in 1.0f64..40.0,
            t in 0.01f64..0.9,
        ) {
            let params = ProfileParams { specific_base: base, specific_frac: 0.0, prior, ..ProfileParams::default() };
            let p = Profiles::from_terms(terms, &params);
            check(&p, &[t, 0.06, 0.12, 1.0])?;
        }

        /// Any per-term weights, positive (specific) or not, with ties.
        #[test]
        fn prefix_candidates_find_every_pair_of_any_weights(
            terms in corpus(16),
            vocabulary in prop::collection::vec(prop_oneof![Just(1.0f32), Just(-1.0f32), -3.0f32..5.0], 16),
            t in 0.01f64..0.9,
        ) {
            let weight = |term: u64| {
                let w = (0..16u64).find(|&w| w.wrapping_mul(0x9E37_79B9_7F4A_7C15) | (w % 5 == 0) as u64 == term);
                vocabulary[w.unwrap_or(0) as usize]
            };
            let p = Profiles::with_weights(terms, weight);
            check(&p, &[t, 0.5, 1.0])?;
        }
    }

    /// Each pair at or above the threshold shares a prefix term (the keys of a distributed
    /// run), computed from document frequencies as the dataflow does.
    #[test]
    fn pairs_share_prefix_terms() {
        // Stories of 6–20 words and variants keeping about half of them, with new words.
        let mut state = 3;
        let mut next = |n: u64| crate::minhash::splitmix64(&mut state) % n;
        let mut texts: Vec<String> = Vec::new();
        for _ in 0..80 {
            let len = 6 + next(15);
            let story: Vec<u64> = (0..len).map(|_| next(2000)).collect();
            for _ in 0..4 {
                let mut words: Vec<String> = Vec::new();
                for &w in &story {
                    if next(2) == 0 {
                        words.push(format!("w{w}"));
                    }
                }
                for _ in 0..next(6) {
                    words.push(format!("w{}", next(2000)));
                }
                texts.push(words.join(" "));
            }
        }
        let params = ProfileParams::default();
        let p = Profiles::build(&texts, &params);
        let mut df = std::collections::HashMap::new();
        let terms: Vec<Vec<u64>> = (0..p.len()).map(|i| p.profile(i).unwrap().0).collect();
        for ts in &terms {
            for t in ts {
                *df.entry(*t).or_insert(0u32) += 1;
            }
        }
        for t in [0.06, 0.12, 0.3] {
            let keys: Vec<Vec<u64>> = terms
                .iter()
                .map(|ts| {
                    let dfs: Vec<u32> = ts.iter().map(|x| df[x]).collect();
                    let mut k = params.prefix_terms(ts, &dfs, p.len(), t);
                    k.sort_unstable();
                    k
                })
                .collect();
            let want = brute_force(&p, t);
            assert!(want.len() > 50, "too few pairs to test: {}", want.len());
            for (a, b) in want {
                let shared =
                    crate::shingle::intersection_size(&keys[a as usize], &keys[b as usize]);
                assert!(shared > 0, "({a}, {b}) share no prefix term at {t}");
            }
            // The batch's filters drop pairs sharing a term far below the threshold.
            let sharing = (0..p.len())
                .flat_map(|a| (a + 1..p.len()).map(move |b| (a, b)))
                .filter(|&(a, b)| crate::shingle::intersection_size(&keys[a], &keys[b]) > 0)
                .count();
            assert!(
                p.prefix_candidates(t).len() < sharing,
                "nothing filtered at {t}"
            );
        }
    }
}
