//! A batch's vocabulary: its distinct terms, each one's id and document frequency.
//!
//! A batch's profiles hold millions of distinct terms and hundreds of millions of term
//! occurrences, so each occurrence is kept as a 4-byte id instead of its 8-byte hash, and each
//! distinct term's document frequency and weight once. Ids follow the order of the hashes, so
//! a document's ids, sorted, are its hashes' order: merges, prefix orders and ties come out as
//! they would on the hashes.
//!
//! Interning looks every occurrence up once. Term hashes are uniform (xxh3), so the top bits of
//! a term say where it lies in the sorted keys: a table of bucket starts narrows each search to
//! a handful of keys in one or two cache lines, where a binary search over all of them would
//! touch twenty scattered ones.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

/// Documents whose terms are sorted together before their distinct terms are merged.
const CHUNK: usize = 8192;

/// Every distinct term of a batch, ascending (a term's id is its place), and how many
/// documents hold each.
pub(super) struct Vocabulary {
    pub(super) keys: Vec<u64>,
    pub(super) dfs: Vec<u32>,
}

/// Interns `terms` (each list sorted and deduplicated): the vocabulary, and each document's
/// terms as ids, ascending. Each document's hashes are freed as its ids are made, so the
/// batch never holds both in full.
pub(super) fn intern(terms: Vec<Vec<u64>>) -> (Vocabulary, Vec<Vec<u32>>) {
    let mut keys = terms
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut all: Vec<u64> = chunk.iter().flatten().copied().collect();
            all.par_sort_unstable();
            all.dedup();
            all
        })
        .reduce(Vec::new, merge_distinct);
    keys.shrink_to_fit();
    let table = Buckets::new(&keys);
    let ids: Vec<Vec<u32>> = terms
        .into_par_iter()
        .map(|ts| ts.iter().map(|&t| table.id(&keys, t)).collect())
        .collect();
    let counts: Vec<AtomicU32> = (0..keys.len()).map(|_| AtomicU32::new(0)).collect();
    ids.par_iter().flatten().for_each(|&id| {
        counts[id as usize].fetch_add(1, Ordering::Relaxed);
    });
    let dfs = counts.into_iter().map(AtomicU32::into_inner).collect();
    (Vocabulary { keys, dfs }, ids)
}

/// The sorted union of two sorted, distinct lists.
fn merge_distinct(a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Where each bucket of top bits starts in the sorted keys.
struct Buckets {
    /// `starts[b]..starts[b + 1]` are the keys whose top bits are `b`.
    starts: Vec<u32>,
    shift: u32,
}

impl Buckets {
    fn new(keys: &[u64]) -> Buckets {
        // Between len and 2·len buckets (at most one key each on average), at least 2, at
        // most 2^22 (16 MiB of starts; a few keys per bucket past 4 million distinct terms).
        // Ids are u32, as document numbers are everywhere (2^32 distinct terms would take
        // 32 GiB of keys).
        let bits = (usize::BITS - keys.len().leading_zeros()).clamp(1, 22);
        let shift = u64::BITS - bits;
        let mut starts = vec![0u32; (1 << bits) + 1];
        for &k in keys {
            starts[(k >> shift) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        Buckets { starts, shift }
    }

    /// The id of `term`, which `keys` holds.
    fn id(&self, keys: &[u64], term: u64) -> u32 {
        let b = (term >> self.shift) as usize;
        let lo = self.starts[b] as usize;
        let within = &keys[lo..self.starts[b + 1] as usize];
        // Every term of the batch is a key: the search finds it.
        (lo + within.partition_point(|&k| k < term)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::splitmix64;

    /// Every term's id names it and its count equals the number of lists holding it, for
    /// uniform hashes, extreme values, crowded buckets, an empty list and chunks' borders.
    #[test]
    fn interns_and_counts_every_term() {
        let mut state = 3;
        let mut lists: Vec<Vec<u64>> = (0..CHUNK as u64 + 300)
            .map(|i| {
                let mut l: Vec<u64> = (0..12).map(|_| splitmix64(&mut state) % 5_000).collect();
                l.iter_mut()
                    .for_each(|t| *t = t.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                if i % 50 == 0 {
                    l.extend([0, u64::MAX]);
                }
                // Crowded low buckets too: small keys share bucket 0.
                l.extend((0..5).map(|_| splitmix64(&mut state) % 1_000));
                l.sort_unstable();
                l.dedup();
                l
            })
            .collect();
        lists.push(Vec::new());
        let mut want = std::collections::BTreeMap::new();
        for l in &lists {
            for &t in l {
                *want.entry(t).or_insert(0u32) += 1;
            }
        }
        let (vocabulary, ids) = intern(lists.clone());
        assert_eq!(vocabulary.keys, want.keys().copied().collect::<Vec<_>>());
        assert_eq!(vocabulary.dfs, want.values().copied().collect::<Vec<_>>());
        for (l, i) in lists.iter().zip(&ids) {
            let back: Vec<u64> = i.iter().map(|&i| vocabulary.keys[i as usize]).collect();
            assert_eq!(&back, l);
        }
        let (empty, none) = intern(Vec::new());
        assert!(empty.keys.is_empty() && none.is_empty());
    }

    /// The union of sorted distinct lists, sorted and distinct.
    #[test]
    fn merges_distinct() {
        assert_eq!(
            merge_distinct(vec![1, 3, 5, 9], vec![2, 3, 9, 10]),
            [1, 2, 3, 5, 9, 10]
        );
        assert_eq!(merge_distinct(vec![], vec![4]), [4]);
        assert_eq!(merge_distinct(vec![4], vec![]), [4]);
    }
}
