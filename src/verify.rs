//! Stage 5: candidate pairs → verified edges. Every candidate is measured and kept only if its
//! similarity reaches the threshold, so precision never rests on LSH luck.
//!
//! [`Features`] holds what one method computed for a batch (signatures, fingerprints or
//! profiles) and answers the three questions the later stages ask: which pairs are candidates,
//! how similar two documents are, and how much content a document has. It remembers the
//! settings that made it, so features cannot be paired with a configuration that would have
//! made other ones.

use rayon::prelude::*;

use crate::config::{Config, Method, Verification};
use crate::error::Error;
use crate::lsh::{self, Pair};
use crate::minhash::{MinHashParams, MinHasher, Signature};
use crate::profile::{ProfileParams, Profiles, TermLists};
use crate::shingle::{self, ShingleConfig};
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

/// What one method computed for a batch of documents (signatures, fingerprints or profiles),
/// together with the settings that made them: asking with a configuration that would have
/// made different features is an [`Error::Incompatible`], never a silent wrong answer.
#[derive(Clone, Debug)]
pub struct Features {
    made: Made,
    data: Data,
}

/// The settings features depend on (the threshold, banding, SimHash distance and chain guard
/// only matter later, so features can be reused across them).
#[derive(Clone, Debug, PartialEq)]
enum Made {
    MinHash {
        num_perm: usize,
        seed: u64,
        shingles: ShingleConfig,
        verification: Verification,
    },
    SimHash {
        seed: u64,
        shingles: ShingleConfig,
    },
    /// The profile settings, with `min_shared_anchors` (a candidate setting) zeroed.
    Weighted(ProfileParams),
    /// Story terms ([`crate::story`]) weighted as profiles; settings as for `Weighted`.
    Story(ProfileParams),
}

impl Made {
    fn of(config: &Config) -> Made {
        match config.method {
            Method::MinHash => Made::MinHash {
                num_perm: config.num_perm,
                seed: config.seed,
                shingles: config.shingles,
                verification: config.verification,
            },
            Method::SimHash => Made::SimHash {
                seed: config.seed,
                shingles: config.shingles,
            },
            Method::Weighted => Made::Weighted(ProfileParams {
                min_shared_anchors: 0,
                ..config.profile
            }),
            Method::Story => Made::Story(ProfileParams {
                min_shared_anchors: 0,
                ..config.profile
            }),
        }
    }

    /// Each setting by name, for naming the first that differs.
    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Made::MinHash {
                num_perm,
                seed,
                shingles,
                verification,
            } => vec![
                ("method", "MinHash".into()),
                ("num_perm", num_perm.to_string()),
                ("seed", seed.to_string()),
                ("shingles", format!("{shingles:?}")),
                ("verification", format!("{verification:?}")),
            ],
            Made::SimHash { seed, shingles } => vec![
                ("method", "SimHash".into()),
                ("seed", seed.to_string()),
                ("shingles", format!("{shingles:?}")),
            ],
            Made::Weighted(p) => vec![
                ("method", "Weighted".into()),
                ("seed", p.seed.to_string()),
                ("profile", format!("{p:?}")),
            ],
            Made::Story(p) => vec![
                ("method", "Story".into()),
                ("seed", p.seed.to_string()),
                ("profile", format!("{p:?}")),
            ],
        }
    }
}

#[derive(Clone, Debug)]
enum Data {
    /// One signature per document, plus the shingle sets when verification is exact.
    MinHash {
        signatures: Vec<Signature>,
        sets: Vec<Vec<u64>>,
    },
    /// One fingerprint per document and its number of distinct shingles.
    SimHash {
        fingerprints: Vec<Fingerprint>,
        sizes: Vec<usize>,
    },
    Weighted(Profiles),
}

/// What linking needs from a batch's features: how similar two documents are and how much
/// content one has. [`Features`] answers for every document; the batch path's exact store
/// answers for the documents in candidate pairs, the only ones linking asks about.
pub(crate) trait Measure: Sync {
    /// Number of documents.
    fn count(&self) -> usize;
    /// Similarity of documents known to be in range.
    fn similarity_at(&self, a: usize, b: usize) -> f64;
    /// Content of a document known to be in range.
    fn content_at(&self, i: usize) -> f64;
}

impl Measure for Features {
    fn count(&self) -> usize {
        self.len()
    }
    fn similarity_at(&self, a: usize, b: usize) -> f64 {
        Features::similarity_at(self, a, b)
    }
    fn content_at(&self, i: usize) -> f64 {
        Features::content_at(self, i)
    }
}

impl Features {
    /// Appends the features of later documents made with the same settings (signatures or
    /// fingerprints; the weighted method's profiles depend on the whole batch and cannot be
    /// appended). False, and nothing appended, if they cannot be.
    pub(crate) fn append(&mut self, other: Features) -> bool {
        if self.made != other.made {
            return false;
        }
        match (&mut self.data, other.data) {
            (
                Data::MinHash { signatures, sets },
                Data::MinHash {
                    signatures: more,
                    sets: more_sets,
                },
            ) => {
                signatures.extend(more);
                sets.extend(more_sets);
                true
            }
            (
                Data::SimHash {
                    fingerprints,
                    sizes,
                },
                Data::SimHash {
                    fingerprints: more,
                    sizes: more_sizes,
                },
            ) => {
                fingerprints.extend(more);
                sizes.extend(more_sizes);
                true
            }
            _ => false,
        }
    }

    /// Computes the features of `texts` under `config`, in parallel (for the story method this
    /// includes a first clustering that measures its specificity bound,
    /// [`crate::story::measured_bound`]). Fails if the configuration is invalid or there are
    /// more than `u32::MAX` texts.
    pub fn compute<T: AsRef<str> + Sync>(config: &Config, texts: &[T]) -> Result<Self, Error> {
        Features::compute_measured(config, texts, true)
    }

    /// [`Features::compute`]; the story method measures its bound only with `measure`
    /// ([`Features::from_terms`]).
    pub(crate) fn compute_measured<T: AsRef<str> + Sync>(
        config: &Config,
        texts: &[T],
        measure: bool,
    ) -> Result<Self, Error> {
        config.validate()?;
        lsh::check_count(texts.len())?;
        let data = match config.method {
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
                // Without exact verification no set is kept, and similarity falls back to the
                // signatures only when there are no sets at all.
                let sets = if keep { sets } else { Vec::new() };
                Data::MinHash { signatures, sets }
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
                Data::SimHash {
                    fingerprints,
                    sizes,
                }
            }
            Method::Weighted | Method::Story => {
                let terms = texts
                    .par_iter()
                    .map(|t| profile_terms(config, t.as_ref()))
                    .collect();
                return Ok(Features::from_terms(config, Vec::into(terms), measure));
            }
        };
        Ok(Features {
            made: Made::of(config),
            data,
        })
    }

    /// The features of the weighted or story method from each document's terms
    /// ([`profile_terms`]), which is all they are made of: a batch keeps these instead of the
    /// texts. The configuration must be valid and its method one of the two.
    ///
    /// With `measure`, story profiles are weighed twice when the input's stories are smaller
    /// than the specificity bound allows for ([`crate::story::measured_bound`]): once with the
    /// bound's formula, then, after clustering with those weights (every pair at the
    /// threshold, the chain guard), with the bound measured from the clusters' sizes. Callers
    /// that link only within a time window do not measure: the window keeps similar events
    /// apart, which is what the tighter bound is for.
    pub(crate) fn from_terms(config: &Config, terms: TermLists, measure: bool) -> Features {
        debug_assert!(matches!(config.method, Method::Weighted | Method::Story));
        let features = Features {
            made: Made::of(config),
            data: Data::Weighted(Profiles::from_lists(terms, &config.profile)),
        };
        if config.method != Method::Story || !measure {
            return features;
        }
        // The features were made from `config`, so clustering them cannot fail.
        let measured = crate::cluster::link_all(&features, config)
            .ok()
            .and_then(|clusters| {
                crate::story::measured_bound(clusters.iter().map(|c| c.members.len()))
            });
        let formula = config.profile.max_specific_df(features.len());
        match (measured, features.data) {
            (Some(bound), Data::Weighted(profiles)) if bound < formula => {
                let params = config.profile.with_bound(bound);
                Features {
                    made: features.made,
                    data: Data::Weighted(profiles.reweigh(&params)),
                }
            }
            (_, data) => Features {
                made: features.made,
                data,
            },
        }
    }

    /// Fails unless `config` would have made these very features (same method, and the same
    /// permutations, seed, shingles and verification, or profile settings).
    pub fn check_compatible(&self, config: &Config) -> Result<(), Error> {
        let want = Made::of(config);
        if self.made == want {
            return Ok(());
        }
        let (have, want) = (self.made.fields(), want.fields());
        let (what, left, right) = have
            .into_iter()
            .zip(want)
            .find(|(h, w)| h != w)
            .map(|((what, l), (_, r))| (what, l, r))
            .unwrap_or(("settings", format!("{:?}", self.made), String::new()));
        Err(Error::Incompatible { what, left, right })
    }

    /// The method that made these features.
    pub fn method(&self) -> Method {
        match (&self.made, &self.data) {
            (Made::Story(_), _) => Method::Story,
            (_, Data::MinHash { .. }) => Method::MinHash,
            (_, Data::SimHash { .. }) => Method::SimHash,
            (_, Data::Weighted(_)) => Method::Weighted,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::MinHash { signatures, .. } => signatures.len(),
            Data::SimHash { fingerprints, .. } => fingerprints.len(),
            Data::Weighted(p) => p.len(),
        }
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The MinHash signatures, one per document (MinHash method only).
    pub fn signatures(&self) -> Option<&[Signature]> {
        match &self.data {
            Data::MinHash { signatures, .. } => Some(signatures),
            _ => None,
        }
    }

    /// The shingle sets kept for exact verification, one per document (MinHash method with
    /// [`Verification::Exact`] only).
    pub fn shingle_sets(&self) -> Option<&[Vec<u64>]> {
        match (&self.made, &self.data) {
            (
                Made::MinHash {
                    verification: Verification::Exact,
                    ..
                },
                Data::MinHash { sets, .. },
            ) => Some(sets),
            _ => None,
        }
    }

    /// The SimHash fingerprints, one per document (SimHash method only).
    pub fn fingerprints(&self) -> Option<&[Fingerprint]> {
        match &self.data {
            Data::SimHash { fingerprints, .. } => Some(fingerprints),
            _ => None,
        }
    }

    /// The rarity-weighted profiles (weighted method only).
    pub fn profiles(&self) -> Option<&Profiles> {
        match &self.data {
            Data::Weighted(p) => Some(p),
            _ => None,
        }
    }

    /// Candidate pairs from the method's index. Fails if `config` is invalid or would have made
    /// different features ([`Features::check_compatible`]).
    pub fn candidates(&self, config: &Config) -> Result<Vec<Pair>, Error> {
        self.check_compatible(config)?;
        config.validate()?;
        Ok(match &self.data {
            Data::MinHash { signatures, .. } => config.banding()?.pairs(signatures),
            Data::SimHash { fingerprints, .. } => {
                lsh::simhash_pairs(fingerprints, config.simhash_distance)
            }
            Data::Weighted(p) => p.prefix_candidates(config.threshold),
        })
    }

    /// Similarity of documents `a` and `b` (exact where the features allow it); `None` if
    /// either is out of range.
    pub fn similarity(&self, a: usize, b: usize) -> Option<f64> {
        (a < self.len() && b < self.len()).then(|| self.similarity_at(a, b))
    }

    /// [`Features::similarity`] of documents known to be in range.
    pub(crate) fn similarity_at(&self, a: usize, b: usize) -> f64 {
        match &self.data {
            Data::MinHash { signatures, sets } => {
                if sets.is_empty() {
                    signatures[a].jaccard_unchecked(&signatures[b])
                } else {
                    shingle::jaccard(&sets[a], &sets[b])
                }
            }
            Data::SimHash {
                fingerprints,
                sizes,
            } => {
                if sizes[a] == 0 || sizes[b] == 0 {
                    0.0
                } else {
                    fingerprints[a].similarity(fingerprints[b])
                }
            }
            Data::Weighted(p) => p.similarity_at(a, b),
        }
    }

    /// How much content document `i` has (shingles, or total term weight): the likely
    /// original of a story is its fullest version. `None` if `i` is out of range.
    pub fn content(&self, i: usize) -> Option<f64> {
        (i < self.len()).then(|| self.content_at(i))
    }

    /// [`Features::content`] of a document known to be in range.
    pub(crate) fn content_at(&self, i: usize) -> f64 {
        match &self.data {
            Data::MinHash { signatures, sets } => {
                if sets.is_empty() {
                    f64::from(u8::from(!signatures[i].is_empty()))
                } else {
                    sets[i].len() as f64
                }
            }
            Data::SimHash { sizes, .. } => sizes[i] as f64,
            Data::Weighted(p) => p.total_at(i),
        }
    }

    /// The candidates whose similarity reaches `threshold`, as edges (in candidate order).
    /// Fails if a pair names a document out of range or is not ordered `a < b`.
    pub fn verify(&self, candidates: &[Pair], threshold: f64) -> Result<Vec<Edge>, Error> {
        let n = self.len();
        if let Some(&(a, b)) = candidates.iter().find(|&&(a, b)| a >= b || b as usize >= n) {
            return Err(Error::InvalidInput(format!(
                "candidate pair ({a}, {b}) is not a < b < {n}"
            )));
        }
        Ok(self.verify_pairs(candidates, threshold))
    }

    /// [`Features::verify`] of pairs known to be in range.
    pub(crate) fn verify_pairs(&self, candidates: &[Pair], threshold: f64) -> Vec<Edge> {
        verify_with(self, candidates, threshold)
    }
}

/// The terms of `text` under the weighted method (content words) or the story method (content
/// words and names); empty for the other methods, which have none.
pub(crate) fn profile_terms(config: &Config, text: &str) -> Vec<u64> {
    match config.method {
        Method::Weighted => crate::profile::content_terms(text, config.profile.seed),
        Method::Story => crate::story::story_terms(text, config.profile.seed),
        Method::MinHash | Method::SimHash => Vec::new(),
    }
}

/// The candidates whose similarity under `measure` reaches `threshold`, as edges in candidate
/// order; the pairs must be in range.
pub(crate) fn verify_with(
    measure: &impl Measure,
    candidates: &[Pair],
    threshold: f64,
) -> Vec<Edge> {
    candidates
        .par_iter()
        .filter_map(|&(a, b)| {
            let (a, b) = (a as usize, b as usize);
            let similarity = measure.similarity_at(a, b);
            // A tiny tolerance so a pair exactly at the threshold is not lost to rounding.
            (similarity >= threshold - 1e-9).then_some(Edge { a, b, similarity })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    #[test]
    fn estimated_verification_measures_signatures() {
        let config = Config::builder(Preset::NearDuplicate)
            .verification(Verification::Estimated)
            .build()
            .unwrap();
        let text = "the central bank raised interest rates by half a point on tuesday";
        let other = "a new species of frog was found in the rainforests of northern peru";
        let f = Features::compute(&config, &[text, text, other]).unwrap();
        assert!(f.shingle_sets().is_none());
        assert_eq!(f.similarity(0, 1), Some(1.0));
        assert!(f.similarity(0, 2).unwrap() < 0.2);
        let edges = f.verify(&f.candidates(&config).unwrap(), 0.8).unwrap();
        assert_eq!(edges.len(), 1);
    }
}
