//! Pieces of the batch stages for running the pipeline elsewhere (the `neardup-dataflow`
//! workspace member runs it on timely-dataflow across threads and machines).
//!
//! A distributed run must make exactly the candidates the batch makes, so these are the batch's
//! own rules, one document or one bucket at a time: the band keys of one signature, and the
//! pairs one LSH bucket gives (with the cap on oversized buckets).

use crate::lsh::{self, Banding, Pair};
use crate::minhash::Signature;

/// The band keys of one signature under `banding`, band by band, as the batch's candidate
/// search computes them; none for the signature of an empty set (it is never a candidate) or
/// a signature shorter than the layout.
pub fn band_keys(banding: &Banding, signature: &Signature) -> Vec<u64> {
    if signature.is_empty() {
        return Vec::new();
    }
    let rows = banding.rows();
    signature
        .values()
        .chunks_exact(rows)
        .take(banding.bands())
        .map(lsh::band_key)
        .collect()
}

/// Appends the candidate pairs of one LSH bucket to `out`: `docs` are the bucket's documents
/// in ascending order. Every pair of a bucket of at most [`lsh::MAX_BUCKET`] documents; in a
/// larger one each document is paired with the next [`lsh::HUGE_BUCKET_WINDOW`] only (the
/// batch's rule, so both paths cap a bucket alike).
pub fn bucket_pairs(docs: &[u32], out: &mut Vec<Pair>) {
    let keys: Vec<(u64, u32)> = docs.iter().map(|&d| (0, d)).collect();
    lsh::pairs_in_runs(&keys, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::{MinHashParams, MinHasher};

    /// Grouping documents by band key and pairing each bucket gives the batch's candidates.
    #[test]
    fn buckets_of_band_keys_give_the_batch_candidates() {
        let hasher = MinHasher::new(MinHashParams::default()).unwrap();
        // Groups of near-copies, one template shared by many (an oversized bucket), and an
        // empty text.
        let mut texts: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "the same template line for every one of them number {}",
                    i % 2
                )
            })
            .collect();
        for g in 0..40 {
            for v in 0..4 {
                texts.push(format!(
                    "story {g} about the harbour and the ships that came in at dawn on day {g} \
                     while the crews unloaded grain {v}"
                ));
            }
        }
        texts.push(String::new());
        let signatures = hasher.sign_all(&texts);
        let banding = Banding::optimal(0.5, 128, lsh::FN_WEIGHT).unwrap();
        let want = banding.candidates(&signatures).unwrap();
        let mut keyed: Vec<(usize, u64, u32)> = Vec::new();
        for (doc, s) in signatures.iter().enumerate() {
            for (band, key) in band_keys(&banding, s).into_iter().enumerate() {
                keyed.push((band, key, doc as u32));
            }
        }
        keyed.sort_unstable();
        let mut got = Vec::new();
        for run in keyed.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let docs: Vec<u32> = run.iter().map(|e| e.2).collect();
            bucket_pairs(&docs, &mut got);
        }
        got.sort_unstable();
        got.dedup();
        assert!(keyed
            .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
            .any(|r| r.len() > lsh::MAX_BUCKET));
        assert!(want.len() > 1000, "{}", want.len());
        assert_eq!(got, want);
    }
}
