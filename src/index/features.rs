//! What a document is reduced to: its features (MinHash shingle set or signature, SimHash
//! fingerprint, or content terms), its bucket keys, and its content size.

use serde::{Deserialize, Serialize};

use super::terms::PackedIds;
use crate::config::{Config, Method, Verification};
use crate::error::Error;
use crate::lsh::{band_key, simhash_tables, Banding};
use crate::minhash::{self, MinHashParams, MinHasher};
use crate::profile::content_terms;
use crate::simhash::SimHasher;
use crate::story::story_terms;

#[derive(Clone, Debug)]
pub(super) struct Signer {
    pub(super) config: Config,
    pub(super) minhasher: Option<MinHasher>,
    pub(super) simhasher: Option<SimHasher>,
    pub(super) banding: Option<Banding>,
    pub(super) tables: Vec<u64>,
}

/// What the index keeps of a document. A MinHash document under exact verification keeps only
/// its shingle set, as the 32-bit values the permutations act on (`minhash::fold`): the
/// signature, and so the band keys, are a function of that set, recomputed when a removal
/// needs the keys; an insert computes them once ([`Signer::keys`]) and never stores them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum DocFeatures {
    /// MinHash, exact verification: the folded shingle set, sorted without repeats.
    MinHash {
        set: Box<[u32]>,
    },
    SimHash {
        fingerprint: u64,
        size: u32,
    },
    /// Weighted and story methods: the content terms, sorted without repeats, as a text gives
    /// them (a query, a saved file).
    Weighted {
        terms: Box<[u64]>,
    },
    /// MinHash, estimated verification: the signature.
    Signature {
        values: Box<[u32]>,
    },
    /// An indexed article's content terms: their ids in the index's term table
    /// ([`super::terms::Terms`]), in the order of the terms. Never saved: a saved index keeps
    /// the terms ([`DocFeatures::Weighted`]).
    #[serde(skip)]
    Interned {
        ids: PackedIds,
    },
}

impl Signer {
    pub(super) fn new(config: Config) -> Result<Signer, Error> {
        let mut signer = Signer {
            minhasher: None,
            simhasher: None,
            banding: None,
            tables: Vec::new(),
            config,
        };
        let c = &signer.config;
        match c.method {
            Method::MinHash => {
                signer.minhasher = Some(MinHasher::new(MinHashParams {
                    num_perm: c.num_perm,
                    seed: c.seed,
                    shingles: c.shingles,
                })?);
                signer.banding = Some(c.banding()?);
            }
            Method::SimHash => {
                signer.simhasher = Some(SimHasher::new(c.shingles, c.seed)?);
                signer.tables = simhash_tables(c.simhash_distance);
            }
            Method::Weighted | Method::Story => {}
        }
        Ok(signer)
    }

    pub(super) fn table_count(&self) -> usize {
        match self.config.method {
            Method::MinHash => self.banding.map_or(0, |b| b.bands()),
            Method::SimHash => self.tables.len(),
            Method::Weighted | Method::Story => 1,
        }
    }

    pub(super) fn features(&self, text: &str) -> DocFeatures {
        if let Some(h) = &self.minhasher {
            if self.config.verification == Verification::Exact {
                // The 32-bit values the signature is made of: it can be recomputed from them,
                // and a set of them takes half the room of the 64-bit hashes.
                let mut raw = Vec::new();
                h.shingler().raw_shingles_into(text, &mut raw);
                let mut set: Vec<u32> = raw.into_iter().map(minhash::fold).collect();
                set.sort_unstable();
                set.dedup();
                // Held for the life of the article: boxed without the slack of deduplication.
                DocFeatures::MinHash {
                    set: set.into_boxed_slice(),
                }
            } else {
                let set = h.shingler().shingle(text);
                DocFeatures::Signature {
                    values: h.sign_shingles(&set).values().into(),
                }
            }
        } else if let Some(s) = &self.simhasher {
            let (fp, size) = s.clone().fingerprint_and_size(text, |_| 1.0);
            DocFeatures::SimHash {
                fingerprint: fp.0,
                size: size as u32,
            }
        } else if self.config.method == Method::Story {
            // Story terms are weighted and compared as content terms are.
            DocFeatures::Weighted {
                terms: story_terms(text, self.config.profile.seed).into(),
            }
        } else {
            DocFeatures::Weighted {
                terms: content_terms(text, self.config.profile.seed).into(),
            }
        }
    }

    /// Checks features read from a file: the method's kind, the signature's length, and sets
    /// sorted without repeats (similarities rely on it). The error says what is wrong.
    pub(super) fn check(&self, f: &DocFeatures) -> Result<(), &'static str> {
        let increasing = |v: &[u64]| v.windows(2).all(|w| w[0] < w[1]);
        match (self.config.method, f) {
            (Method::MinHash, DocFeatures::MinHash { set }) => {
                if self.config.verification != Verification::Exact {
                    Err("shingle set under estimated verification")
                } else if !set.windows(2).all(|w| w[0] < w[1]) {
                    Err("shingle set not sorted or repeated")
                } else {
                    Ok(())
                }
            }
            (Method::MinHash, DocFeatures::Signature { values }) => {
                if self.config.verification == Verification::Exact {
                    Err("signature under exact verification")
                } else if values.len() != self.config.num_perm {
                    Err("signature length differs from num_perm")
                } else {
                    Ok(())
                }
            }
            (Method::SimHash, DocFeatures::SimHash { .. }) => Ok(()),
            (Method::Weighted | Method::Story, DocFeatures::Weighted { terms }) => {
                match increasing(terms) {
                    true => Ok(()),
                    false => Err("content terms not sorted or repeated"),
                }
            }
            (_, DocFeatures::Interned { .. }) => Err("term ids instead of terms"),
            _ => Err("features of another method"),
        }
    }

    /// The LSH band keys of signature `values` (none for an empty set's).
    fn band_keys(&self, values: &[u32]) -> Vec<(usize, u64)> {
        let Some(b) = self.banding else {
            return Vec::new();
        };
        if minhash::signs_empty_set(values) {
            return Vec::new();
        }
        // The signature has num_perm ≥ bands × rows values (checked on load).
        values
            .chunks_exact(b.rows().max(1))
            .take(b.bands())
            .map(band_key)
            .enumerate()
            .collect()
    }

    /// The bucket keys of a document: its band keys or SimHash block keys. A MinHash
    /// document's keys are signed anew from its set: compute them once per insert.
    pub(super) fn keys(&self, f: &DocFeatures) -> Vec<(usize, u64)> {
        match f {
            DocFeatures::MinHash { set } => match (&self.minhasher, set.is_empty()) {
                // An empty document is similar to nothing.
                (Some(h), false) => {
                    // `fold` leaves a value below 2^32 as it is: the signature of the set.
                    let wide: Vec<u64> = set.iter().map(|&v| u64::from(v)).collect();
                    self.band_keys(h.sign_shingles(&wide).values())
                }
                _ => Vec::new(),
            },
            DocFeatures::Signature { values } => self.band_keys(values),
            DocFeatures::SimHash { fingerprint, size } => {
                if *size == 0 {
                    return Vec::new();
                }
                self.tables
                    .iter()
                    .enumerate()
                    .map(|(i, &mask)| (i, fingerprint & mask))
                    .collect()
            }
            // The weighted method keeps postings of words instead (`Terms::postings`).
            DocFeatures::Weighted { .. } | DocFeatures::Interned { .. } => Vec::new(),
        }
    }

    /// The least similarity of a neighbour the index links an article to its cluster through:
    /// the threshold, or for the story method [`super::clusters::STORY_LINK_FACTOR`] times it.
    /// Verification and the listed neighbours keep the threshold.
    pub(super) fn link_threshold(&self) -> f64 {
        let t = self.config.threshold() - 1e-9;
        match self.config.method {
            Method::Story => t * super::clusters::STORY_LINK_FACTOR,
            _ => t,
        }
    }

    pub(super) fn content(&self, f: &DocFeatures) -> f64 {
        match f {
            DocFeatures::MinHash { set } => set.len() as f64,
            DocFeatures::Signature { values } => {
                f64::from(u8::from(!minhash::signs_empty_set(values)))
            }
            DocFeatures::SimHash { size, .. } => f64::from(*size),
            DocFeatures::Weighted { terms } => terms.len() as f64,
            DocFeatures::Interned { ids } => ids.len() as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::minhash::splitmix64;

    /// Band keys signed anew from a stored (folded) set are the keys of the text's signature,
    /// which the batch bands too: a removal unlinks exactly the buckets its insert linked.
    #[test]
    fn keys_from_the_folded_set_are_the_signature_keys() {
        let exact = Signer::new(Config::preset(Preset::NearDuplicate)).unwrap();
        let estimated = Config::builder(Preset::NearDuplicate)
            .verification(Verification::Estimated)
            .build()
            .unwrap();
        let estimated = Signer::new(estimated).unwrap();
        let bands = exact.table_count();
        let mut s = 3u64;
        for n in [0, 1, 4, 5, 6, 40, 300, 2_000] {
            let text: Vec<String> = (0..n)
                .map(|_| format!("w{}", splitmix64(&mut s) % 500))
                .collect();
            let text = text.join(" ");
            let (a, b) = (exact.features(&text), estimated.features(&text));
            assert!(matches!(a, DocFeatures::MinHash { .. }));
            assert!(matches!(b, DocFeatures::Signature { .. }));
            let keys = exact.keys(&a);
            assert_eq!(keys, estimated.keys(&b), "{n} words");
            assert_eq!(keys.len(), if n == 0 { 0 } else { bands }, "{n} words");
            assert_eq!(exact.check(&a), Ok(()));
            assert_eq!(estimated.check(&b), Ok(()));
        }
    }
}
