//! Weighted MinHash: signatures of weighted term sets whose agreement estimates weighted
//! Jaccard, for banding the rewrite profiles.
//!
//! The scheme is P-MinHash (Moulton & Jiang 2018), computed with ProbMinHash's early stop
//! (Ertl 2020, "ProbMinHash – A Class of Locality-Sensitive Hash Algorithms for the
//! (Probability) Jaccard Similarity", algorithm 1). Position `j` of a signature is the term
//! minimizing `E_j(t) / w(t)`, where `E_j(t)` is a standard exponential drawn from a generator
//! seeded by the term; two signatures agree at a position with probability
//!
//! ```text
//! J_P(x, y) = Σ_{t ∈ x ∩ y} 1 / Σ_u max(x_u / x_t, y_u / y_t)
//! ```
//!
//! Why this scheme: a rewrite profile weighs a term by its rarity in the corpus, the same weight
//! in every document that has it. For such vectors `J_P` *equals* the weighted Jaccard
//! `Σ min / Σ max` that the rewrite verifier scores (put `x_t = y_t` above), so the banding
//! curve is exactly the verifier's similarity and the `(b, r)` optimizer's guarantees hold for
//! it. ICWS, BagMinHash and DartMinHash estimate weighted Jaccard too, but cost more per term
//! (ICWS draws three variates per term and position) or round weights; ProbMinHash draws
//! the `k` values of a term in increasing order and stops as soon as none can enter the
//! signature, so a document costs about `O(n + k log k)` draws instead of `O(n·k)`.

use crate::error::Error;

/// The most hashes a signature may have.
pub const MAX_HASHES: usize = 4096;

/// Makes weighted MinHash signatures of `k` positions under one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedMinHasher {
    hashes: usize,
    seed: u64,
}

/// A weighted MinHash signature: the sampled term at each position, or nothing for a document
/// without a positively weighted term.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeightedSignature {
    terms: Vec<u64>,
}

impl WeightedSignature {
    /// The sampled term at each position (empty if the document had no positive weight).
    pub fn terms(&self) -> &[u64] {
        &self.terms
    }

    /// Whether the document had no positively weighted term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The fraction of positions where two signatures agree, an unbiased estimate of the
    /// weighted Jaccard of their documents (0 if either is empty or their lengths differ).
    pub fn similarity(&self, other: &WeightedSignature) -> f64 {
        if self.terms.is_empty() || self.terms.len() != other.terms.len() {
            return 0.0;
        }
        let same = self.terms.iter().zip(&other.terms).filter(|(a, b)| a == b);
        same.count() as f64 / self.terms.len() as f64
    }
}

impl WeightedMinHasher {
    /// A signer of `hashes` positions (1 to [`MAX_HASHES`]).
    pub fn new(hashes: usize, seed: u64) -> Result<WeightedMinHasher, Error> {
        if hashes == 0 || hashes > MAX_HASHES {
            return Err(Error::InvalidConfig(format!(
                "weighted MinHash needs 1..={MAX_HASHES} hashes, got {hashes}"
            )));
        }
        Ok(WeightedMinHasher { hashes, seed })
    }

    /// Number of positions of a signature.
    pub fn hashes(&self) -> usize {
        self.hashes
    }

    /// The signature of a weighted term list (term hash, weight). Terms whose weight is not a
    /// positive finite number are left out; a term listed twice counts once, with its first
    /// weight. The result does not depend on the order of `terms`.
    pub fn sign(&self, terms: impl IntoIterator<Item = (u64, f64)>) -> WeightedSignature {
        let mut terms: Vec<(u64, f64)> = terms
            .into_iter()
            .filter(|&(_, w)| w > 0.0 && w.is_finite())
            .collect();
        if terms.is_empty() {
            return WeightedSignature::default();
        }
        terms.sort_by_key(|t| t.0);
        terms.dedup_by_key(|t| t.0);
        // Heavy terms first: they fill the signature with small values early, so lighter
        // terms stop after a draw or two.
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let k = self.hashes;
        let mut values = vec![f64::INFINITY; k];
        let mut out = vec![0u64; k];
        let mut max = f64::INFINITY;
        let mut perm: Vec<u32> = (0..k as u32).collect();
        for &(term, weight) in &terms {
            let mut rng = term ^ self.seed.rotate_left(17) ^ 0x5851_F42D_4C95_7F2D;
            // The k values E_j / w of this term, in increasing order: the order statistics of
            // k exponentials of rate w, with spacings E / (w (k − i)), each assigned to a
            // position by an incremental Fisher–Yates shuffle.
            let mut x = 0.0;
            for i in 0..k {
                x += exponential(&mut rng) / (weight * (k - i) as f64);
                if x >= max {
                    break;
                }
                let pick = i + (bounded(&mut rng, (k - i) as u64) as usize);
                perm.swap(i, pick);
                let j = perm[i] as usize;
                if x < values[j] {
                    let was_max = values[j] == max;
                    values[j] = x;
                    out[j] = term;
                    if was_max {
                        max = values.iter().copied().fold(0.0, f64::max);
                    }
                }
            }
            // Restore the identity for the next term (only the first positions moved).
            for (i, p) in perm.iter_mut().enumerate() {
                *p = i as u32;
            }
        }
        WeightedSignature { terms: out }
    }
}

/// SplitMix64 step.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard exponential variate, `−ln U` with `U` uniform in (0, 1].
fn exponential(state: &mut u64) -> f64 {
    let u = ((next(state) >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
    -u.ln()
}

/// A uniform integer in `0..n` (Lemire's multiply-shift; the bias, below `n / 2^64`, is
/// negligible for the few thousand positions a signature has).
fn bounded(state: &mut u64, n: u64) -> u64 {
    ((u128::from(next(state)) * u128::from(n)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Order and repetition of the input do not change a signature; nonpositive weights are
    /// left out.
    #[test]
    fn order_free() {
        let h = WeightedMinHasher::new(64, 3).unwrap();
        let a = h.sign([(1, 1.0), (2, 3.0), (3, 0.5), (4, 0.0), (5, -2.0)]);
        let b = h.sign([(3, 0.5), (2, 3.0), (1, 1.0), (2, 3.0)]);
        assert_eq!(a, b);
        assert!(h.sign([(1, 0.0)]).is_empty());
        assert!(a.terms().iter().all(|t| [1, 2, 3].contains(t)));
        assert!(WeightedMinHasher::new(0, 1).is_err());
    }

    /// A term is sampled at a position in proportion to its weight.
    #[test]
    fn samples_in_proportion_to_weight() {
        let h = WeightedMinHasher::new(4000, 9).unwrap();
        let s = h.sign([(10, 1.0), (20, 3.0)]);
        let heavy = s.terms().iter().filter(|&&t| t == 20).count() as f64 / 4000.0;
        assert!((heavy - 0.75).abs() < 0.03, "{heavy}");
    }
}
