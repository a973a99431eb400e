//! Stage 3a: shingle set → MinHash signature, `k` minima under `k` seeded hash permutations.
//!
//! Permutation `i` maps a shingle hash `h` to `a[i]·x + b[i] (mod 2³²)` with `x` the 32-bit fold
//! of `h` and `a[i]` odd, so it is a bijection of `u32`; the signature keeps the minimum per
//! permutation. The fraction of equal positions of two signatures is an unbiased estimate of
//! the Jaccard similarity of the two sets, with standard deviation `sqrt(J(1 − J)/k)`.
//!
//! The coefficients come from the seed through SplitMix64, so signatures are the same on every
//! run, platform and thread count. The inner loop runs over 32 permutations at a time in `u32`
//! lanes: the compiler turns it into vector multiplies. Because a default build targets the
//! x86-64 baseline (SSE2 has no 32-bit lane multiply), the loop is compiled twice and the AVX2
//! copy is chosen at run time when the CPU has it; both give identical values (tested).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::shingle::{ShingleConfig, Shingler};

/// Largest supported number of permutations (signature length).
pub const MAX_NUM_PERM: usize = 65_536;

/// The parameters a signature is made with; signatures compare only when these are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MinHashParams {
    /// Number of permutations `k` (signature length).
    pub num_perm: usize,
    /// Seed for shingle hashing and permutations.
    pub seed: u64,
    /// How texts are shingled.
    pub shingles: ShingleConfig,
}

impl Default for MinHashParams {
    fn default() -> Self {
        MinHashParams {
            num_perm: 128,
            seed: 42,
            shingles: ShingleConfig::words(5),
        }
    }
}

/// A MinHash signature together with the parameters that made it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    params: MinHashParams,
    values: Vec<u32>,
}

impl Signature {
    /// The parameters this signature was made with.
    pub fn params(&self) -> &MinHashParams {
        &self.params
    }

    /// The `k` minima.
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    /// Whether the signed set was empty (every minimum is still `u32::MAX`).
    pub fn is_empty(&self) -> bool {
        signs_empty_set(&self.values)
    }

    /// Fails unless `other` was made with the same parameters.
    pub fn check_compatible(&self, other: &Signature) -> Result<(), Error> {
        let (a, b) = (&self.params, &other.params);
        let mismatch = |what, l: String, r: String| {
            Err(Error::Incompatible {
                what,
                left: l,
                right: r,
            })
        };
        if a.num_perm != b.num_perm || self.values.len() != other.values.len() {
            return mismatch(
                "num_perm",
                self.values.len().to_string(),
                other.values.len().to_string(),
            );
        }
        if a.seed != b.seed {
            return mismatch("seed", a.seed.to_string(), b.seed.to_string());
        }
        if a.shingles != b.shingles {
            return mismatch(
                "shingles",
                format!("{:?}", a.shingles),
                format!("{:?}", b.shingles),
            );
        }
        Ok(())
    }

    /// Estimated Jaccard similarity; an error if the signatures are incompatible.
    /// A signature of an empty set is similar to nothing (0.0).
    pub fn jaccard(&self, other: &Signature) -> Result<f64, Error> {
        self.check_compatible(other)?;
        Ok(self.jaccard_unchecked(other))
    }

    /// Estimated Jaccard similarity without the parameter check (callers that already checked).
    pub(crate) fn jaccard_unchecked(&self, other: &Signature) -> f64 {
        estimate(&self.values, &other.values)
    }
}

/// Whether signature values are those of an empty set: every minimum is still `u32::MAX`.
pub(crate) fn signs_empty_set(values: &[u32]) -> bool {
    values.iter().all(|&v| v == u32::MAX)
}

/// The MinHash estimate of the Jaccard similarity behind two signatures' values: the fraction
/// of equal positions. An empty set is similar to nothing (0.0), and so are values of different
/// lengths (made with different parameters).
pub(crate) fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || signs_empty_set(a) || signs_empty_set(b) {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

/// Makes MinHash signatures for one set of parameters.
#[derive(Clone, Debug)]
pub struct MinHasher {
    params: MinHashParams,
    /// A fresh shingler for the parameters, cloned for each user.
    shingler: Shingler,
    a: Vec<u32>,
    b: Vec<u32>,
}

/// Permutations processed together; 32 `u32` lanes fill four AVX2 registers.
const BLOCK: usize = 32;

impl MinHasher {
    /// A signer for `params`; fails if `num_perm` is 0 or the shingle configuration is invalid.
    pub fn new(params: MinHashParams) -> Result<Self, Error> {
        check_num_perm(params.num_perm)?;
        let shingler = Shingler::new(params.shingles, params.seed)?;
        let mut state = params.seed ^ 0x6d69_6e68_6173_6821; // "minhash!"
        let mut a = Vec::with_capacity(params.num_perm);
        let mut b = Vec::with_capacity(params.num_perm);
        for _ in 0..params.num_perm {
            let r = splitmix64(&mut state);
            a.push((r as u32) | 1);
            b.push((r >> 32) as u32);
        }
        Ok(MinHasher {
            params,
            shingler,
            a,
            b,
        })
    }

    /// The parameters of the signatures this signer makes.
    pub fn params(&self) -> &MinHashParams {
        &self.params
    }

    /// A shingler with this signer's shingle configuration and seed.
    pub fn shingler(&self) -> Shingler {
        self.shingler.clone()
    }

    /// Signs an already shingled set (hashes from [`MinHasher::shingler`]).
    pub fn sign_shingles(&self, shingles: &[u64]) -> Signature {
        let mut values = vec![u32::MAX; self.params.num_perm];
        update(&mut values, &self.a, &self.b, shingles);
        Signature {
            params: self.params,
            values,
        }
    }

    /// The signature values of `shingles` into `values` (resized to `num_perm`). Repeated
    /// shingles change no minimum, so raw shingles in text order give the values of their set.
    pub(crate) fn sign_values_into(&self, shingles: &[u64], values: &mut Vec<u32>) {
        values.clear();
        values.resize(self.params.num_perm, u32::MAX);
        update(values, &self.a, &self.b, shingles);
    }

    /// Shingles and signs one text.
    pub fn sign(&self, text: &str) -> Signature {
        let mut shingler = self.shingler();
        let mut set = Vec::new();
        shingler.shingle_into(text, &mut set);
        self.sign_shingles(&set)
    }

    /// Signs many texts in parallel; the result is in input order and independent of the
    /// number of threads.
    pub fn sign_all<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Vec<Signature> {
        texts
            .par_iter()
            .map_init(
                || (self.shingler(), Vec::new()),
                |(shingler, set), text| {
                    shingler.shingle_into(text.as_ref(), set);
                    self.sign_shingles(set)
                },
            )
            .collect()
    }
}

/// Fails unless `num_perm` is in `1..=`[`MAX_NUM_PERM`].
pub(crate) fn check_num_perm(num_perm: usize) -> Result<(), Error> {
    if num_perm == 0 || num_perm > MAX_NUM_PERM {
        return Err(Error::InvalidConfig(format!(
            "num_perm must be 1..={MAX_NUM_PERM}, got {num_perm}"
        )));
    }
    Ok(())
}

/// SplitMix64: a tiny, well-mixed, platform-independent generator for derived constants.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds a 64-bit shingle hash to the 32-bit value the permutations act on.
#[inline(always)]
pub(crate) fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

/// `sig[i] = min(sig[i], a[i]·x + b[i])` over every shingle `x`, using AVX2 when available.
fn update(sig: &mut [u32], a: &[u32], b: &[u32], shingles: &[u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: `update_avx2` only requires the AVX2 instruction set, checked just above.
            unsafe { update_avx2(sig, a, b, shingles) };
            return;
        }
    }
    update_portable(sig, a, b, shingles);
}

/// The AVX2 copy of [`update_portable`]: same code, compiled with 32-bit lane multiplies.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2(sig: &mut [u32], a: &[u32], b: &[u32], shingles: &[u64]) {
    update_portable(sig, a, b, shingles)
}

/// The portable kernel; a block of [`BLOCK`] minima stays in registers across all shingles.
#[inline(always)]
fn update_portable(sig: &mut [u32], a: &[u32], b: &[u32], shingles: &[u64]) {
    let mut sig_blocks = sig.chunks_exact_mut(BLOCK);
    let mut a_blocks = a.chunks_exact(BLOCK);
    let mut b_blocks = b.chunks_exact(BLOCK);
    for ((s, a), b) in (&mut sig_blocks).zip(&mut a_blocks).zip(&mut b_blocks) {
        let mut acc = [0u32; BLOCK];
        acc.copy_from_slice(s);
        // `chunks_exact` yields exactly BLOCK values: these conversions cannot fail.
        let a: &[u32; BLOCK] = a.try_into().expect("exact chunk");
        let b: &[u32; BLOCK] = b.try_into().expect("exact chunk");
        for &h in shingles {
            let x = fold(h);
            for l in 0..BLOCK {
                acc[l] = acc[l].min(a[l].wrapping_mul(x).wrapping_add(b[l]));
            }
        }
        s.copy_from_slice(&acc);
    }
    let (s, a, b) = (
        sig_blocks.into_remainder(),
        a_blocks.remainder(),
        b_blocks.remainder(),
    );
    for &h in shingles {
        let x = fold(h);
        for ((s, &a), &b) in s.iter_mut().zip(a).zip(b) {
            *s = (*s).min(a.wrapping_mul(x).wrapping_add(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(k: usize) -> MinHasher {
        MinHasher::new(MinHashParams {
            num_perm: k,
            ..MinHashParams::default()
        })
        .unwrap()
    }

    #[test]
    fn kernels_agree() {
        let mut state = 9;
        let shingles: Vec<u64> = (0..1000).map(|_| splitmix64(&mut state)).collect();
        for k in [1, 31, 32, 100, 128, 256] {
            let h = hasher(k);
            let mut portable = vec![u32::MAX; k];
            update_portable(&mut portable, &h.a, &h.b, &shingles);
            let mut dispatched = vec![u32::MAX; k];
            update(&mut dispatched, &h.a, &h.b, &shingles);
            assert_eq!(portable, dispatched, "k = {k}");
            // Brute force: the minimum of each permutation over all shingles.
            for (i, &got) in portable.iter().enumerate() {
                let min = shingles
                    .iter()
                    .map(|&s| h.a[i].wrapping_mul(fold(s)).wrapping_add(h.b[i]))
                    .min()
                    .unwrap();
                assert_eq!(got, min);
            }
        }
    }

    #[test]
    fn raw_shingles_sign_like_their_set() {
        let h = hasher(128);
        let text = "a rose is a rose is a rose is a rose, said the poet, a rose is a rose";
        let mut shingler = h.shingler();
        let mut raw = Vec::new();
        shingler.raw_shingles_into(text, &mut raw);
        let set = shingler.shingle(text);
        assert!(raw.len() > set.len(), "the text repeats shingles");
        let mut values = vec![7; 3];
        h.sign_values_into(&raw, &mut values);
        assert_eq!(values, h.sign_shingles(&set).values());
    }

    #[test]
    fn identical_texts_give_one() {
        let h = hasher(128);
        let a = h.sign("the quick brown fox jumps over the lazy dog today");
        assert_eq!(a.jaccard(&a.clone()).unwrap(), 1.0);
    }

    #[test]
    fn empty_is_similar_to_nothing() {
        let h = hasher(64);
        let e = h.sign("");
        assert!(e.is_empty());
        assert_eq!(e.jaccard(&e).unwrap(), 0.0);
    }

    #[test]
    fn incompatible_parameters_are_an_error() {
        let a = hasher(64).sign("a b c d e f");
        let b = hasher(128).sign("a b c d e f");
        assert!(matches!(
            a.jaccard(&b),
            Err(Error::Incompatible {
                what: "num_perm",
                ..
            })
        ));
        let c = MinHasher::new(MinHashParams {
            num_perm: 64,
            seed: 1,
            ..MinHashParams::default()
        })
        .unwrap()
        .sign("a b c d e f");
        assert!(matches!(
            a.jaccard(&c),
            Err(Error::Incompatible { what: "seed", .. })
        ));
        let d = MinHasher::new(MinHashParams {
            num_perm: 64,
            shingles: ShingleConfig::words(3),
            ..MinHashParams::default()
        })
        .unwrap()
        .sign("a b c d e f");
        assert!(matches!(
            a.jaccard(&d),
            Err(Error::Incompatible {
                what: "shingles",
                ..
            })
        ));
    }

    #[test]
    fn zero_permutations_rejected() {
        assert!(MinHasher::new(MinHashParams {
            num_perm: 0,
            ..MinHashParams::default()
        })
        .is_err());
    }
}
