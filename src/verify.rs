//! Stage 5: candidate pairs → verified edges. Every candidate is measured and kept only if its
//! similarity reaches the threshold, so precision never rests on LSH luck.
//!
//! [`Features`] holds what one method computed for a batch (signatures, fingerprints or
//! profiles) and answers the three questions the later stages ask: which pairs are candidates,
//! how similar two documents are, and how much content a document has.

use rayon::prelude::*;

use crate::config::{Config, Method, Verification};
use crate::error::Error;
use crate::lsh::{self, Pair};
use crate::minhash::{MinHashParams, MinHasher, Signature};
use crate::profile::Profiles;
use crate::shingle;
use crate::simhash::{Fingerprint, SimHasher};

/// A verified similar pair: documents `a < b` and their similarity.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    /// Index of the first document.
    pub a: usize,
    /// Index of the second document.
    pub b: usize,
    /// Their similarity under the configured method, at least the threshold.
    pub similarity: f64,
}

/// What one method computed for a batch of documents.
#[derive(Clone, Debug)]
pub enum Features {
    /// MinHash signatures, plus the shingle sets when verification is exact.
    MinHash {
        /// One signature per document.
        signatures: Vec<Signature>,
        /// Shingle sets for exact verification (empty when estimating).
        sets: Vec<Vec<u64>>,
    },
    /// SimHash fingerprints and each document's shingle count.
    SimHash {
        /// One fingerprint per document.
        fingerprints: Vec<Fingerprint>,
        /// Distinct shingles per document.
        sizes: Vec<usize>,
    },
    /// Rarity-weighted content-word profiles.
    Weighted(Profiles),
}

impl Features {
    /// Computes the features of `texts` under `config`, in parallel.
    pub fn compute<T: AsRef<str> + Sync>(config: &Config, texts: &[T]) -> Result<Self, Error> {
        Ok(match config.method {
            Method::MinHash => {
                let hasher = MinHasher::new(MinHashParams {
                    num_perm: config.num_perm,
                    seed: config.seed,
                    shingles: config.shingles,
                })?;
                let keep = config.verification == Verification::Exact;
                let (signatures, sets): (Vec<Signature>, Vec<Vec<u64>>) = texts
                    .par_iter()
                    .map_init(
                        || hasher.shingler(),
                        |shingler, text| {
                            let set = shingler.shingle(text.as_ref());
                            let sig = hasher.sign_shingles(&set);
                            (sig, if keep { set } else { Vec::new() })
                        },
                    )
                    .unzip();
                Features::MinHash { signatures, sets }
            }
            Method::SimHash => {
                let simhasher = SimHasher::new(config.shingles, config.seed)?;
                let (fingerprints, sizes) = texts
                    .par_iter()
                    .map_init(
                        || simhasher.clone(),
                        |s, text| s.fingerprint_and_size(text.as_ref(), |_| 1.0),
                    )
                    .unzip();
                Features::SimHash {
                    fingerprints,
                    sizes,
                }
            }
            Method::Weighted => Features::Weighted(Profiles::build(texts, &config.profile)),
        })
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        match self {
            Features::MinHash { signatures, .. } => signatures.len(),
            Features::SimHash { fingerprints, .. } => fingerprints.len(),
            Features::Weighted(p) => p.len(),
        }
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Candidate pairs from the method's index.
    pub fn candidates(&self, config: &Config) -> Result<Vec<Pair>, Error> {
        match self {
            Features::MinHash { signatures, .. } => config.banding()?.candidates(signatures),
            Features::SimHash { fingerprints, .. } => {
                lsh::simhash_candidates(fingerprints, config.simhash_distance)
            }
            Features::Weighted(p) => Ok(p.candidates(config.profile.min_shared_anchors)),
        }
    }

    /// Similarity of documents `a` and `b` (exact where the features allow it).
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        match self {
            Features::MinHash { signatures, sets } => {
                if sets.is_empty() {
                    signatures[a].jaccard_unchecked(&signatures[b])
                } else {
                    shingle::jaccard(&sets[a], &sets[b])
                }
            }
            Features::SimHash {
                fingerprints,
                sizes,
            } => {
                if sizes[a] == 0 || sizes[b] == 0 {
                    0.0
                } else {
                    fingerprints[a].similarity(fingerprints[b])
                }
            }
            Features::Weighted(p) => p.similarity(a, b),
        }
    }

    /// How much content document `i` has (shingles, or total term weight): the likely
    /// original of a story is its fullest version.
    pub fn content(&self, i: usize) -> f64 {
        match self {
            Features::MinHash { signatures, sets } => {
                if sets.is_empty() {
                    f64::from(u8::from(!signatures[i].is_empty()))
                } else {
                    sets[i].len() as f64
                }
            }
            Features::SimHash { sizes, .. } => sizes[i] as f64,
            Features::Weighted(p) => p.total(i),
        }
    }

    /// The candidates whose similarity reaches `threshold`, as edges (in candidate order).
    pub fn verify(&self, candidates: &[Pair], threshold: f64) -> Vec<Edge> {
        candidates
            .par_iter()
            .filter_map(|&(a, b)| {
                let (a, b) = (a as usize, b as usize);
                let similarity = self.similarity(a, b);
                // A tiny tolerance so a pair exactly at the threshold is not lost to rounding.
                (similarity >= threshold - 1e-9).then_some(Edge { a, b, similarity })
            })
            .collect()
    }
}
