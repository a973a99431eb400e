//! What a document is reduced to: its features (MinHash signature and shingle set, SimHash
//! fingerprint, or content terms), its bucket keys, and its content size.

use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum DocFeatures {
    MinHash { signature: Vec<u32>, set: Vec<u64> },
    SimHash { fingerprint: u64, size: u32 },
    Weighted { terms: Vec<u64> },
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
            let set = h.shingler().shingle(text);
            let signature = h.sign_shingles(&set).values().to_vec();
            let set = if self.config.verification == Verification::Exact {
                // Held for the life of the article: drop the slack from deduplication.
                let mut set = set;
                set.shrink_to_fit();
                set
            } else {
                Vec::new()
            };
            DocFeatures::MinHash { signature, set }
        } else if let Some(s) = &self.simhasher {
            let (fp, size) = s.clone().fingerprint_and_size(text, |_| 1.0);
            DocFeatures::SimHash {
                fingerprint: fp.0,
                size: size as u32,
            }
        } else if self.config.method == Method::Story {
            // Story terms are weighted and compared as content terms are.
            DocFeatures::Weighted {
                terms: story_terms(text, self.config.profile.seed),
            }
        } else {
            DocFeatures::Weighted {
                terms: content_terms(text, self.config.profile.seed),
            }
        }
    }

    /// Checks features read from a file: the method's kind, the signature's length, and sets
    /// sorted without repeats (similarities rely on it). The error says what is wrong.
    pub(super) fn check(&self, f: &DocFeatures) -> Result<(), &'static str> {
        let increasing = |v: &[u64]| v.windows(2).all(|w| w[0] < w[1]);
        match (self.config.method, f) {
            (Method::MinHash, DocFeatures::MinHash { signature, set }) => {
                if signature.len() != self.config.num_perm {
                    Err("signature length differs from num_perm")
                } else if !increasing(set) {
                    Err("shingle set not sorted or repeated")
                } else if set.is_empty()
                    == (self.config.verification == Verification::Exact
                        && !minhash::signs_empty_set(signature))
                {
                    // Exact verification keeps every set (empty only for an empty text);
                    // estimated verification keeps none.
                    Err("shingle set does not match the verification mode")
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
            _ => Err("features of another method"),
        }
    }

    /// The bucket keys of a document: its band keys or SimHash block keys.
    pub(super) fn keys(&self, f: &DocFeatures) -> Vec<(usize, u64)> {
        match f {
            DocFeatures::MinHash { signature, .. } => {
                if minhash::signs_empty_set(signature) {
                    return Vec::new(); // an empty document is similar to nothing
                }
                let Some(b) = self.banding else {
                    return Vec::new();
                };
                // The signature has num_perm ≥ bands × rows values (checked on load).
                signature
                    .chunks_exact(b.rows().max(1))
                    .take(b.bands())
                    .map(band_key)
                    .enumerate()
                    .collect()
            }
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
            // The weighted method keeps postings of words instead (`Inner::postings`).
            DocFeatures::Weighted { .. } => Vec::new(),
        }
    }

    pub(super) fn content(&self, f: &DocFeatures) -> f64 {
        match f {
            DocFeatures::MinHash { set, signature } => {
                if set.is_empty() {
                    f64::from(u8::from(!minhash::signs_empty_set(signature)))
                } else {
                    set.len() as f64
                }
            }
            DocFeatures::SimHash { size, .. } => f64::from(*size),
            DocFeatures::Weighted { terms } => terms.len() as f64,
        }
    }
}
