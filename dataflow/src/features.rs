//! What a document is reduced to on its worker, and the keys that make it a candidate.
//!
//! The values are the batch's, computed with the library's own stage functions: shingle sets
//! and band keys (MinHash), fingerprints and their table keys (SimHash), or content terms weighted by their document frequency across all
//! workers (the weighted method). Similarities are the batch's functions of them, so every
//! number a worker computes is the number `neardup cluster` computes.

use std::rc::Rc;

use neardup::config::{Config, Method};
use neardup::lsh::Banding;
use neardup::minhash::{MinHashParams, MinHasher};
use neardup::parts::SimHashTables;
use neardup::profile::{self, ProfileParams};
use neardup::shingle::{self, Shingler};
use neardup::simhash::{Fingerprint, SimHasher};
use serde::{Deserialize, Serialize};

/// A document's features: what its similarity to another document and its content are
/// computed from. Floats are kept as bits so records can be sorted and exchanged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Feat {
    /// The sorted shingle set (MinHash with exact verification).
    Set(Vec<u64>),
    /// Sorted content terms and their signed weights (`f32` bits), as `profile` weighs them.
    Profile(Vec<u64>, Vec<u32>),
    /// The SimHash fingerprint and the number of distinct shingles.
    SimHash(u64, u64),
}

impl Feat {
    /// Similarity to `other`, as `verify::Features` measures it.
    pub fn similarity(&self, other: &Feat) -> f64 {
        match (self, other) {
            (Feat::Set(a), Feat::Set(b)) => shingle::jaccard(a, b),
            (Feat::Profile(ta, wa), Feat::Profile(tb, wb)) => {
                profile::similarity(ta, &floats(wa), tb, &floats(wb))
            }
            // A text without shingles is like no other (`verify::Features` says so too).
            (Feat::SimHash(_, 0), Feat::SimHash(..)) | (Feat::SimHash(..), Feat::SimHash(_, 0)) => {
                0.0
            }
            (Feat::SimHash(a, _), Feat::SimHash(b, _)) => {
                Fingerprint(*a).similarity(Fingerprint(*b))
            }
            _ => 0.0,
        }
    }

    /// How much content the document has: its number of (distinct) shingles, or its total
    /// term weight (summed in term order, as the batch sums it).
    pub fn content(&self) -> f64 {
        match self {
            Feat::Set(s) => s.len() as f64,
            Feat::SimHash(_, size) => *size as f64,
            Feat::Profile(_, w) => w.iter().map(|&b| f64::from(f32::from_bits(b).abs())).sum(),
        }
    }
}

fn floats(bits: &[u32]) -> Vec<f32> {
    bits.iter().map(|&b| f32::from_bits(b)).collect()
}

/// Signs texts for the MinHash method: shingle sets and band keys.
pub struct Signer {
    hasher: MinHasher,
    shingler: Shingler,
    banding: Banding,
}

impl Signer {
    /// A signer for `config` (MinHash method).
    pub fn new(config: &Config) -> Result<Signer, neardup::Error> {
        let hasher = MinHasher::new(MinHashParams {
            num_perm: config.num_perm(),
            seed: config.seed(),
            shingles: config.shingles(),
        })?;
        Ok(Signer {
            shingler: hasher.shingler(),
            banding: config.banding()?,
            hasher,
        })
    }

    /// The shingle set of `text` and its band keys (none for an empty set).
    pub fn sign(&mut self, text: &str) -> (Feat, Vec<u64>) {
        let set = self.shingler.shingle(text);
        let signature = self.hasher.sign_shingles(&set);
        let keys = neardup::parts::band_keys(&self.banding, &signature);
        (Feat::Set(set), keys)
    }
}

/// Fingerprints texts for the SimHash method, with their table keys.
pub struct FingerprintSigner {
    hasher: SimHasher,
    tables: SimHashTables,
}

impl FingerprintSigner {
    /// A signer for `config` (SimHash method).
    pub fn new(config: &Config) -> Result<FingerprintSigner, neardup::Error> {
        Ok(FingerprintSigner {
            hasher: SimHasher::new(config.shingles(), config.seed())?,
            tables: SimHashTables::new(config),
        })
    }

    /// The fingerprint and size of `text` (term-frequency weights, as the batch's), and its
    /// `(table, key)` pairs.
    pub fn sign(&mut self, text: &str) -> (Feat, Vec<(u32, u64)>) {
        let (fingerprint, size) = self.hasher.fingerprint_and_size(text, |_| 1.0);
        let keys = self.tables.keys(fingerprint);
        (Feat::SimHash(fingerprint.0, size as u64), keys)
    }
}

/// The weighted profile of one document from its content terms and their document
/// frequencies among `n` documents: its features, its specific weight and its probe-prefix
/// terms at `threshold`, each with whether it is in its index prefix
/// ([`crate::prefix::prefix_keys`]): the pairs of documents these give include every pair at
/// least `threshold` similar, so verifying them finds the batch's edges exactly.
pub fn weigh(
    params: &ProfileParams,
    terms: Vec<u64>,
    dfs: &[u32],
    n: usize,
    threshold: f64,
) -> (Feat, f64, Vec<crate::prefix::Key>) {
    let weights: Vec<f32> = terms
        .iter()
        .zip(dfs)
        .map(|(&t, &d)| params.weight(t, d, n))
        .collect();
    let (total, keys) = crate::prefix::prefix_keys(&terms, &weights, dfs, threshold);
    let bits = weights.iter().map(|w| w.to_bits()).collect();
    (Feat::Profile(terms, bits), total, keys)
}

/// The terms of weighted profiles, taken out of them when no one else holds them (else out of
/// a copy); empty lists for other features.
pub fn take_terms(features: Rc<Vec<Feat>>) -> Vec<Vec<u64>> {
    let all = Rc::try_unwrap(features).unwrap_or_else(|shared| (*shared).clone());
    all.into_iter()
        .map(|f| match f {
            Feat::Profile(terms, _) => terms,
            Feat::Set(_) | Feat::SimHash(..) => Vec::new(),
        })
        .collect()
}

/// Whether `config`'s method runs here.
pub fn supported(config: &Config) -> bool {
    matches!(
        config.method(),
        Method::MinHash | Method::SimHash | Method::Weighted | Method::Story
    ) && config.verification() == neardup::config::Verification::Exact
}
