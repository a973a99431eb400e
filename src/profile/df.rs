//! Document frequencies of every term of a batch, looked up by term.
//!
//! A batch's profiles hold millions of distinct terms, and every term of every profile is
//! looked up once. Term hashes are uniform (xxh3), so the top bits of a term say where it lies
//! in the sorted keys: a table of bucket starts narrows each search to a handful of keys in one
//! or two cache lines, where a binary search over all of them would touch twenty scattered ones.

use rayon::prelude::*;

/// Sorted distinct terms with their document frequencies, bucketed by their top bits.
pub(super) struct DocFrequencies {
    keys: Vec<u64>,
    counts: Vec<u32>,
    /// `starts[b]..starts[b + 1]` are the keys whose top bits are `b`.
    starts: Vec<u32>,
    shift: u32,
}

impl DocFrequencies {
    /// The document frequency of every term of `terms` (each list sorted and deduplicated).
    pub(super) fn count(terms: &[Vec<u64>]) -> DocFrequencies {
        // By sorting every term occurrence: one pass, no hash map.
        let mut all: Vec<u64> = terms.iter().flatten().copied().collect();
        all.par_sort_unstable();
        let (mut keys, mut counts) = (Vec::new(), Vec::new());
        for run in all.chunk_by(|a, b| a == b) {
            keys.push(run[0]);
            counts.push(run.len() as u32);
        }
        // Between len and 2·len buckets (at most one key each on average), at least 2, at
        // most 2^22 (16 MiB of starts; a few keys per bucket past 4 million distinct terms).
        // Counts and starts are u32, as document numbers are everywhere (2^32 distinct terms
        // would take 32 GiB of keys).
        let bits = (usize::BITS - keys.len().leading_zeros()).clamp(1, 22);
        let shift = u64::BITS - bits;
        let mut starts = vec![0u32; (1 << bits) + 1];
        for &k in &keys {
            starts[(k >> shift) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        DocFrequencies {
            keys,
            counts,
            starts,
            shift,
        }
    }

    /// The document frequency of `term`; 0 if no profile holds it.
    pub(super) fn get(&self, term: u64) -> u32 {
        let b = (term >> self.shift) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        match self.keys[lo..hi].binary_search(&term) {
            Ok(i) => self.counts[lo + i],
            Err(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::splitmix64;

    /// Every term's count equals the number of lists holding it, for uniform hashes, extreme
    /// values and an empty batch; an absent term counts 0.
    #[test]
    fn counts_every_term() {
        let mut state = 3;
        let mut lists: Vec<Vec<u64>> = (0..200)
            .map(|_| {
                let mut l: Vec<u64> = (0..30).map(|_| splitmix64(&mut state) % 5_000).collect();
                l.iter_mut()
                    .for_each(|t| *t = t.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                l.extend([0, u64::MAX]);
                // Crowded low buckets too: small keys share bucket 0.
                l.extend((0..40).map(|_| splitmix64(&mut state) % 1_000));
                l.sort_unstable();
                l.dedup();
                l
            })
            .collect();
        lists.push(Vec::new());
        let df = DocFrequencies::count(&lists);
        for l in &lists {
            for &t in l {
                let expected = lists.iter().filter(|m| m.binary_search(&t).is_ok()).count();
                assert_eq!(df.get(t) as usize, expected);
            }
        }
        assert_eq!(df.get(0), 200);
        assert_eq!(df.get(u64::MAX), 200);
        assert_eq!(df.get(12_345), 0);
        assert_eq!(DocFrequencies::count(&[]).get(7), 0);
    }
}
