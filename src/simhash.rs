//! Stage 3b: weighted features → 64-bit SimHash fingerprint (Charikar).
//!
//! Every feature (a shingle hash) votes `+w` on the bits set in its hash and `−w` on the others;
//! the fingerprint keeps the sign of each bit's total. The Hamming distance `d` of two
//! fingerprints estimates the angle θ between the weighted feature vectors, `d ≈ 64·θ/π`, so
//! similar texts have nearby fingerprints. Weights are term frequencies, optionally times an
//! inverse document frequency.

use serde::{Deserialize, Serialize};

use crate::shingle::{ShingleConfig, Shingler};

/// A 64-bit SimHash fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// Number of differing bits, 0 to 64.
    pub fn hamming(self, other: Fingerprint) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// `1 − hamming/64`: 1.0 for equal fingerprints, about 0.5 for unrelated texts.
    pub fn similarity(self, other: Fingerprint) -> f64 {
        1.0 - f64::from(self.hamming(other)) / 64.0
    }
}

/// The fingerprint of weighted features `(hash, weight)`; features may repeat (their weights
/// add up). No features give the fingerprint 0.
pub fn fingerprint(features: impl IntoIterator<Item = (u64, f32)>) -> Fingerprint {
    let features: Vec<(u64, f32)> = features.into_iter().collect();
    fingerprint_of(&features)
}

/// [`fingerprint`] of a slice, without collecting.
pub fn fingerprint_of(features: &[(u64, f32)]) -> Fingerprint {
    let mut acc = [0f32; 64];
    accumulate(&mut acc, features);
    let mut fp = 0u64;
    for (bit, &a) in acc.iter().enumerate() {
        if a > 0.0 {
            fp |= 1 << bit;
        }
    }
    Fingerprint(fp)
}

/// Adds `±w` per bit of every feature into `acc`, with AVX2 when the CPU has it. Each bit's sum
/// runs over the features in the same order on both paths, so the results are identical.
fn accumulate(acc: &mut [f32; 64], features: &[(u64, f32)]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: `accumulate_avx2` only requires AVX2, checked just above.
            unsafe { accumulate_avx2(acc, features) };
            return;
        }
    }
    accumulate_portable(acc, features);
}

/// The AVX2 copy of [`accumulate_portable`].
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2(acc: &mut [f32; 64], features: &[(u64, f32)]) {
    accumulate_portable(acc, features)
}

#[inline(always)]
fn accumulate_portable(acc: &mut [f32; 64], features: &[(u64, f32)]) {
    for &(h, w) in features {
        for (bit, a) in acc.iter_mut().enumerate() {
            // Branch-free ±w so the loop vectorizes.
            let sign = ((h >> bit) & 1) as f32 * 2.0 - 1.0;
            *a += sign * w;
        }
    }
}

/// Makes SimHash fingerprints of texts from their shingles weighted by term frequency.
#[derive(Clone, Debug)]
pub struct SimHasher {
    shingler: Shingler,
    raw: Vec<u64>,
}

impl SimHasher {
    /// A fingerprinter over `shingles`, hashing with `seed`.
    pub fn new(shingles: ShingleConfig, seed: u64) -> Result<Self, crate::Error> {
        Ok(SimHasher {
            shingler: Shingler::new(shingles, seed)?,
            raw: Vec::new(),
        })
    }

    /// The fingerprint of `text`, each distinct shingle weighted by its count.
    pub fn fingerprint(&mut self, text: &str) -> Fingerprint {
        self.fingerprint_weighted(text, |_| 1.0)
    }

    /// The fingerprint of `text`, each shingle weighted by `count × idf(hash)`.
    pub fn fingerprint_weighted(&mut self, text: &str, idf: impl Fn(u64) -> f32) -> Fingerprint {
        self.fingerprint_and_size(text, idf).0
    }

    /// The weighted fingerprint of `text` and its number of distinct shingles.
    pub fn fingerprint_and_size(
        &mut self,
        text: &str,
        idf: impl Fn(u64) -> f32,
    ) -> (Fingerprint, usize) {
        self.shingler.raw_shingles_into(text, &mut self.raw);
        self.raw.sort_unstable();
        // One feature per distinct shingle, weighted by its count.
        let runs: Vec<(u64, f32)> = self
            .raw
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], run.len() as f32 * idf(run[0])))
            .collect();
        let distinct = runs.len();
        (fingerprint_of(&runs), distinct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree() {
        let mut state = 17;
        let features: Vec<(u64, f32)> = (0..500)
            .map(|i| {
                (
                    crate::minhash::splitmix64(&mut state),
                    0.25 + (i % 7) as f32,
                )
            })
            .collect();
        let mut portable = [0f32; 64];
        accumulate_portable(&mut portable, &features);
        let mut dispatched = [0f32; 64];
        accumulate(&mut dispatched, &features);
        assert_eq!(portable, dispatched);
        // Brute force for one bit.
        let want: f32 = features
            .iter()
            .map(|&(h, w)| if h >> 5 & 1 == 1 { w } else { -w })
            .sum();
        assert_eq!(portable[5], want);
    }

    #[test]
    fn identical_and_empty() {
        let mut s = SimHasher::new(ShingleConfig::words(1), 1).unwrap();
        let a = s.fingerprint("alpha beta gamma delta");
        assert_eq!(a, s.fingerprint("Alpha  BETA gamma delta"));
        assert_eq!(a.hamming(a), 0);
        assert_eq!(s.fingerprint(""), Fingerprint(0));
    }

    #[test]
    fn distance_grows_with_edits() {
        let mut s = SimHasher::new(ShingleConfig::words(2), 3).unwrap();
        let words: Vec<String> = (0..400).map(|i| format!("w{}", i * 7919 % 1000)).collect();
        let base = s.fingerprint(&words.join(" "));
        let mut last = 0;
        for changed in [0usize, 40, 120, 400] {
            let mut w = words.clone();
            for x in w.iter_mut().take(changed) {
                x.push('x');
            }
            let d = base.hamming(s.fingerprint(&w.join(" ")));
            assert!(d + 4 >= last, "distance fell from {last} to {d}");
            last = d;
        }
        assert!(last > 20, "unrelated texts should be far apart, got {last}");
    }
}
