//! Verified neighbours: candidates from the tables, kept when their similarity reaches the
//! threshold, most similar first.

use std::borrow::Cow;

use super::features::{DocFeatures, Signer};
use super::Inner;
use crate::lsh::MAX_BUCKET;
use crate::minhash;
use crate::profile;
use crate::shingle;
use crate::simhash::Fingerprint;

impl Inner {
    /// Verified neighbours of the document in `slot`, most similar first.
    pub(super) fn neighbours(&self, signer: &Signer, slot: u32) -> Vec<(u32, f64)> {
        match self.doc(slot) {
            Some(doc) => {
                let f = self.portable(&doc.features);
                let keys = signer.keys(&f);
                self.neighbours_of(signer, &f, &keys, Some(slot))
            }
            None => Vec::new(),
        }
    }

    /// Features `f` with interned terms given back as terms (what a text gives and a file
    /// saves); other features as they are.
    pub(super) fn portable<'a>(&self, f: &'a DocFeatures) -> Cow<'a, DocFeatures> {
        match f {
            DocFeatures::Interned { ids } => Cow::Owned(DocFeatures::Weighted {
                terms: self.terms.terms_of(ids).into(),
            }),
            _ => Cow::Borrowed(f),
        }
    }

    /// Verified neighbours of `f` with bucket keys `keys` ([`Signer::keys`]; the document in
    /// `own`, if it is indexed), most similar first.
    pub(super) fn neighbours_of(
        &self,
        signer: &Signer,
        f: &DocFeatures,
        keys: &[(usize, u64)],
        own: Option<u32>,
    ) -> Vec<(u32, f64)> {
        let f = &*self.portable(f);
        let mut candidates: Vec<u32> = match f {
            DocFeatures::Weighted { terms } => self.weighted_candidates(signer, terms, own),
            DocFeatures::SimHash { fingerprint, .. } => {
                self.simhash_candidates(signer, keys, *fingerprint, own)
            }
            DocFeatures::Interned { .. } => Vec::new(), // made portable above
            DocFeatures::MinHash { .. } | DocFeatures::Signature { .. } => {
                let mut c = Vec::new();
                for &(table, key) in keys {
                    // The newest bucket-mates, as the batch index caps a bucket's pairs.
                    let others = self.buckets[table].newest_first(key);
                    c.extend(others.filter(|&s| Some(s) != own).take(MAX_BUCKET));
                }
                c
            }
        };
        candidates.sort_unstable();
        candidates.dedup();
        let threshold = signer.config.threshold() - 1e-9;
        // The weighted method weighs the query's terms once, not once per candidate.
        let query_weights = match f {
            DocFeatures::Weighted { terms } => Some(self.weights(signer, terms, own)),
            _ => None,
        };
        let mut found: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|s| {
                let sim = match (f, &query_weights) {
                    (DocFeatures::Weighted { terms }, Some(w)) => {
                        self.weighted_similarity(signer, terms, w, own, s, threshold)
                    }
                    _ => self.similarity_to(signer, f, own, s),
                };
                (s, sim)
            })
            .filter(|&(_, sim)| sim >= threshold)
            .collect();
        // Ties go to the earlier article (insertion order survives save and load; slots don't).
        let seq = |s: u32| self.doc(s).map_or(u64::MAX, |d| d.seq);
        found.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(seq(a.0).cmp(&seq(b.0))));
        found
    }

    /// SimHash: every document within the Hamming distance of `fingerprint`. The tables
    /// promise that each such document shares at least one bucket with it, so each bucket is
    /// walked whole, whatever its size, keeping the members within the distance (a popcount
    /// each) rather than the newest few.
    fn simhash_candidates(
        &self,
        signer: &Signer,
        keys: &[(usize, u64)],
        fingerprint: u64,
        own: Option<u32>,
    ) -> Vec<u32> {
        let d = signer.config.simhash_distance;
        let near = |s: u32| match self.doc(s).map(|doc| &doc.features) {
            Some(DocFeatures::SimHash { fingerprint: g, .. }) => {
                (g ^ fingerprint).count_ones() <= d
            }
            _ => false,
        };
        let mut c = Vec::new();
        for &(table, key) in keys {
            let members = self.buckets[table].newest_first(key);
            c.extend(members.filter(|&s| Some(s) != own && near(s)));
        }
        c
    }

    /// Similarity of features `f` (indexed in `own`, or a query) to the document in `slot`.
    pub(super) fn similarity_to(
        &self,
        signer: &Signer,
        f: &DocFeatures,
        own: Option<u32>,
        slot: u32,
    ) -> f64 {
        let Some(other) = self.doc(slot) else {
            return 0.0;
        };
        match (f, &other.features) {
            (DocFeatures::MinHash { set: a }, DocFeatures::MinHash { set: b }) => jaccard(a, b),
            (DocFeatures::Signature { values: a }, DocFeatures::Signature { values: b }) => {
                minhash::estimate(a, b)
            }
            (
                DocFeatures::SimHash {
                    fingerprint: a,
                    size: na,
                },
                DocFeatures::SimHash {
                    fingerprint: b,
                    size: nb,
                },
            ) => {
                if *na == 0 || *nb == 0 {
                    0.0
                } else {
                    Fingerprint(*a).similarity(Fingerprint(*b))
                }
            }
            (
                DocFeatures::Weighted { .. } | DocFeatures::Interned { .. },
                DocFeatures::Interned { .. },
            ) => {
                let f = self.portable(f);
                let DocFeatures::Weighted { terms: a } = &*f else {
                    return 0.0;
                };
                let wa = self.weights(signer, a, own);
                self.weighted_similarity(signer, a, &wa, own, slot, 0.0)
            }
            _ => 0.0,
        }
    }

    /// Weights of the terms `a` of a document (indexed in `own`, or a query, which counts
    /// itself in the document frequencies as if inserted).
    fn weights(&self, signer: &Signer, a: &[u64], own: Option<u32>) -> Vec<f32> {
        let p = &signer.config.profile;
        let extra = u32::from(own.is_none());
        let n = self.live + extra as usize;
        a.iter()
            .map(|&t| p.weight(t, self.terms.df(t) + extra, n))
            .collect()
    }

    /// Rewrite similarity of terms `a` weighted `wa` (see [`Inner::weights`]) to the
    /// document in `slot`, or 0 if it is surely below `at_least`.
    ///
    /// The early-out needs no weight of the other document: a shared term weighs the same on
    /// both sides, so the shared weight and the weight only in `a` are known, and the union
    /// can only grow by the other document's own terms. Most candidates of a long index share
    /// a sentence or a name with the query, not its story, and stop there, before the
    /// document-frequency lookups that make up most of a verification.
    fn weighted_similarity(
        &self,
        signer: &Signer,
        a: &[u64],
        wa: &[f32],
        own: Option<u32>,
        slot: u32,
        at_least: f64,
    ) -> f64 {
        let Some(DocFeatures::Interned { ids }) = self.doc(slot).map(|d| &d.features) else {
            return 0.0;
        };
        // The other document's terms, in their order: sums run as before interning.
        let b = self.terms.terms_of(ids);
        if at_least > 0.0 && upper_bound(a, wa, &b) < at_least - 1e-6 {
            return 0.0;
        }
        let p = &signer.config.profile;
        let extra = u32::from(own.is_none());
        let n = self.live + extra as usize;
        // A shared term weighs what it weighs in `a` (same document frequency, the query
        // counted in both); only the other terms need a lookup, by id.
        let mut i = 0;
        let wb: Vec<f32> = b
            .iter()
            .zip(ids.iter())
            .map(|(t, id)| {
                while i < a.len() && a[i] < *t {
                    i += 1;
                }
                match a.get(i) {
                    Some(x) if x == t => wa[i],
                    _ => p.weight(*t, self.terms.info(id).df, n),
                }
            })
            .collect();
        profile::similarity(a, wa, &b, &wb)
    }

    pub(super) fn named(&self, found: &[(u32, f64)]) -> Vec<(String, f64)> {
        found
            .iter()
            .filter_map(|&(s, sim)| Some((self.doc(s)?.id.to_string(), sim)))
            .collect()
    }
}

/// Exact Jaccard similarity of two folded shingle sets, sorted without repeats (0 if both are
/// empty, as [`shingle::jaccard`]).
///
/// The batch compares the 64-bit shingle hashes; the index their 32-bit folds (the values the
/// signature is made of). They differ only if two distinct shingles of a pair fold alike:
/// about |A|·|B| / 2^32 coincidences per pair (1e-5 for two 200-shingle texts), each moving
/// the similarity by at most 1/|A ∪ B|, so an answer can change only for a pair within that
/// of the threshold.
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let inter = shingle::intersection_size(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// An upper bound of [`profile::similarity`] of `a` (weighted `wa`) and any document with the
/// terms `b`, whatever their weights: the union of each weighted Jaccard without the terms
/// only in `b`.
fn upper_bound(a: &[u64], wa: &[f32], b: &[u64]) -> f64 {
    // [all, specific] × [shared, only in a]
    let mut acc = [[0.0f64; 2]; 2];
    let mut add = |w: f32, slot: usize| {
        acc[0][slot] += f64::from(w.abs());
        if w > 0.0 {
            acc[1][slot] += f64::from(w);
        }
    };
    let mut j = 0;
    for (t, &w) in a.iter().zip(wa) {
        while j < b.len() && b[j] < *t {
            j += 1;
        }
        let shared = j < b.len() && b[j] == *t;
        add(w, usize::from(!shared));
    }
    let jaccard = |[shared, only_a]: [f64; 2]| {
        let union = shared + only_a;
        if union <= 0.0 {
            0.0
        } else {
            shared / union
        }
    };
    jaccard(acc[0]).min(jaccard(acc[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::splitmix64;

    /// The bound is never below the similarity, whatever the other document's weights.
    #[test]
    fn upper_bound_bounds_the_similarity() {
        let mut s = 7u64;
        for _ in 0..2_000 {
            let mut terms = |n: u64| {
                let mut t: Vec<u64> = (0..n).map(|_| splitmix64(&mut s) % 60).collect();
                t.sort_unstable();
                t.dedup();
                t
            };
            let (a, b) = (terms(30), terms(30));
            let mut weight = |_: &u64| (splitmix64(&mut s) % 2000) as f32 / 100.0 - 5.0;
            let wa: Vec<f32> = a.iter().map(&mut weight).collect();
            // Shared terms weigh the same on both sides, as in the index.
            let wb: Vec<f32> = b
                .iter()
                .map(|t| match a.binary_search(t) {
                    Ok(i) => wa[i],
                    Err(_) => weight(t),
                })
                .collect();
            let sim = profile::similarity(&a, &wa, &b, &wb);
            assert!(upper_bound(&a, &wa, &b) >= sim - 1e-12, "{a:?} {b:?}");
        }
    }
}
