//! Every measure of how similar two texts are, and what each preset makes of them: the numbers
//! behind `neardup compare` (and the Python package's `compare`), computed in one place so
//! both report the same.
//!
//! ```
//! use neardup::compare::{compare, CompareOptions};
//! let a = "The central bank raised interest rates by half a point on Tuesday, citing inflation.";
//! let b = "The central bank raised interest rates by half a point on Tuesday, citing inflation!";
//! let c = compare(a, b, &CompareOptions::default())?;
//! assert_eq!(c.jaccard_exact, 1.0);
//! assert!(c.presets.near_duplicate.joined);
//! # Ok::<(), neardup::Error>(())
//! ```

use serde::Serialize;

use crate::config::{Config, Preset};
use crate::error::Error;
use crate::minhash::{MinHashParams, MinHasher};
use crate::shingle::{self, ShingleConfig, ShingleKind};
use crate::simhash::SimHasher;
use crate::Clusterer;

/// The knobs of a comparison: the shingles of the set measures and of the near-duplicate
/// verdict, the MinHash permutations of the estimate, and the seed of every hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompareOptions {
    /// MinHash permutations (1 to [`crate::minhash::MAX_NUM_PERM`]).
    pub num_perm: usize,
    /// Seed of every hash function.
    pub seed: u64,
    /// Shingles of the set measures, SimHash and the near-duplicate verdict.
    pub shingles: ShingleConfig,
}

impl Default for CompareOptions {
    /// The near-duplicate preset's: 128 permutations, seed 42, word 5-grams.
    fn default() -> Self {
        let config = Config::preset(Preset::NearDuplicate);
        CompareOptions {
            num_perm: config.num_perm(),
            seed: config.seed(),
            shingles: config.shingles(),
        }
    }
}

/// Every measure of one pair: the JSON of `neardup compare --json` less its first fields (the
/// documents' names and the shingles, which are [`CompareOptions::shingles`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Whether stop words were dropped before forming word shingles.
    pub drop_stop_words: bool,
    /// MinHash permutations of the estimate.
    pub num_perm: usize,
    /// Seed of every hash function.
    pub seed: u64,
    /// Distinct shingles of A.
    pub shingles_a: usize,
    /// Distinct shingles of B.
    pub shingles_b: usize,
    /// Shingles in both.
    pub shingles_shared: usize,
    /// Jaccard similarity estimated from the MinHash signatures.
    pub jaccard_estimated: f64,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard_exact: f64,
    /// Fraction of A's shingles that are in B.
    pub containment_a_in_b: f64,
    /// Fraction of B's shingles that are in A.
    pub containment_b_in_a: f64,
    /// Hamming distance of the 64-bit SimHash fingerprints.
    pub simhash_hamming: u32,
    /// What each preset makes of the pair.
    pub presets: Presets,
}

/// The verdict of both presets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Presets {
    /// The near-duplicate preset.
    #[serde(rename = "near-duplicate")]
    pub near_duplicate: Verdict,
    /// The rewrite preset.
    pub rewrite: Verdict,
}

/// What one preset makes of the pair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The preset's similarity of the pair.
    pub similarity: f64,
    /// The similarity it needs to join them.
    pub threshold: f64,
    /// Whether clustering the two documents alone puts them in one cluster.
    pub joined: bool,
}

/// Compares `a` and `b`; fails only if `options` are out of range.
pub fn compare(a: &str, b: &str, options: &CompareOptions) -> Result<Comparison, Error> {
    let CompareOptions {
        num_perm,
        seed,
        shingles,
    } = *options;
    let hasher = MinHasher::new(MinHashParams {
        num_perm,
        seed,
        shingles,
    })?;
    let mut shingler = hasher.shingler();
    let (set_a, set_b) = (shingler.shingle(a), shingler.shingle(b));
    let jaccard_estimated = hasher
        .sign_shingles(&set_a)
        .jaccard(&hasher.sign_shingles(&set_b))?;
    let mut simhasher = SimHasher::new(shingles, seed)?;
    let simhash_hamming = simhasher.fingerprint(a).hamming(simhasher.fingerprint(b));
    let verdict = |preset: Preset| -> Result<Verdict, Error> {
        let mut builder = Config::builder(preset).num_perm(num_perm).seed(seed);
        // The rewrite preset weighs content words and has no shingles to choose.
        if preset == Preset::NearDuplicate {
            builder = builder.shingles(shingles);
        }
        let config = builder.build()?;
        let threshold = config.threshold();
        let clusterer = Clusterer::with_config(config)?;
        Ok(Verdict {
            similarity: clusterer.similarity(a, b),
            threshold,
            joined: clusterer.try_cluster(&[a, b])?.len() == 1,
        })
    };
    Ok(Comparison {
        drop_stop_words: shingles.drop_stop_words && shingles.kind == ShingleKind::Words,
        num_perm,
        seed,
        shingles_a: set_a.len(),
        shingles_b: set_b.len(),
        shingles_shared: shingle::intersection_size(&set_a, &set_b),
        jaccard_estimated,
        jaccard_exact: shingle::jaccard(&set_a, &set_b),
        containment_a_in_b: shingle::containment(&set_a, &set_b),
        containment_b_in_a: shingle::containment(&set_b, &set_a),
        simhash_hamming,
        presets: Presets {
            near_duplicate: verdict(Preset::NearDuplicate)?,
            rewrite: verdict(Preset::Rewrite)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_options_are_errors() {
        let options = CompareOptions {
            num_perm: 0,
            ..CompareOptions::default()
        };
        assert!(compare("a b c", "a b c", &options).is_err());
        let options = CompareOptions {
            shingles: ShingleConfig::chars(0),
            ..CompareOptions::default()
        };
        assert!(compare("a b c", "a b c", &options).is_err());
    }

    #[test]
    fn unrelated_texts_are_not_joined() {
        let c = compare(
            "wheat futures rose in chicago as dry weather threatened the kansas crop",
            "a new species of frog was found in the rainforests of northern peru",
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(c.shingles_shared, 0);
        assert!(!c.presets.near_duplicate.joined && !c.presets.rewrite.joined);
    }
}
