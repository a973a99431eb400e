//! Verified neighbours: candidates from the tables, kept when their similarity reaches the
//! threshold, most similar first.

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
            Some(doc) => self.neighbours_of(signer, &doc.features, Some(slot)),
            None => Vec::new(),
        }
    }

    /// Verified neighbours of `f` (the document in `own`, if it is indexed), most similar first.
    pub(super) fn neighbours_of(
        &self,
        signer: &Signer,
        f: &DocFeatures,
        own: Option<u32>,
    ) -> Vec<(u32, f64)> {
        let mut candidates: Vec<u32> = match f {
            DocFeatures::Weighted { terms } => self.weighted_candidates(signer, terms, own),
            DocFeatures::SimHash { fingerprint, .. } => {
                self.simhash_candidates(signer, f, *fingerprint, own)
            }
            DocFeatures::MinHash { .. } => {
                let mut c = Vec::new();
                for (table, key) in signer.keys(f) {
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
                        self.weighted_similarity(signer, terms, w, own, s)
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
        f: &DocFeatures,
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
        for (table, key) in signer.keys(f) {
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
            (
                DocFeatures::MinHash {
                    signature: a,
                    set: sa,
                },
                DocFeatures::MinHash {
                    signature: b,
                    set: sb,
                },
            ) => {
                if sa.is_empty() || sb.is_empty() {
                    minhash::estimate(a, b)
                } else {
                    shingle::jaccard(sa, sb)
                }
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
            (DocFeatures::Weighted { terms: a }, DocFeatures::Weighted { .. }) => {
                let wa = self.weights(signer, a, own);
                self.weighted_similarity(signer, a, &wa, own, slot)
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
            .map(|t| p.weight(*t, self.df.get(t).copied().unwrap_or(0) + extra, n))
            .collect()
    }

    /// Rewrite similarity of terms `a` weighted `wa` (see [`Inner::weights`]) to the
    /// document in `slot`.
    fn weighted_similarity(
        &self,
        signer: &Signer,
        a: &[u64],
        wa: &[f32],
        own: Option<u32>,
        slot: u32,
    ) -> f64 {
        let Some(DocFeatures::Weighted { terms: b }) = self.doc(slot).map(|d| &d.features) else {
            return 0.0;
        };
        let p = &signer.config.profile;
        let extra = u32::from(own.is_none());
        let n = self.live + extra as usize;
        // A term the query shares is counted with it (`extra`), as in `weights`.
        let wb: Vec<f32> = b
            .iter()
            .map(|t| {
                let d = self.df.get(t).copied().unwrap_or(0);
                let shared = extra > 0 && a.binary_search(t).is_ok();
                p.weight(*t, d + u32::from(shared), n)
            })
            .collect();
        profile::similarity(a, wa, b, &wb)
    }

    pub(super) fn named(&self, found: &[(u32, f64)]) -> Vec<(String, f64)> {
        found
            .iter()
            .filter_map(|&(s, sim)| Some((self.doc(s)?.id.to_string(), sim)))
            .collect()
    }
}
