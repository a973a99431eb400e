//! A batch's vocabulary: its distinct terms, each one's id and document frequency.
//!
//! A batch's profiles hold millions of distinct terms and hundreds of millions of term
//! occurrences, so each occurrence is kept as a 4-byte id instead of its 8-byte hash, and each
//! distinct term's document frequency and weight once. Ids follow the order of the hashes, so
//! a document's ids, sorted, are its hashes' order: merges, prefix orders and ties come out as
//! they would on the hashes.
//!
//! The vocabulary is gathered a sixteenth of the hash space at a time, so sorting it never
//! copies every occurrence at once. Interning looks every occurrence up once. Term hashes are
//! uniform (xxh3), so the top bits of a term say where it lies in the sorted keys: a table of
//! bucket starts narrows each search to a handful of keys in one or two cache lines, where a
//! binary search over all of them would touch twenty scattered ones.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

/// Documents per chunk of [`TermLists`].
const CHUNK: usize = 8192;

/// Partitions of the terms (by their top bits) the vocabulary is gathered in, one at a time:
/// the sort of each holds a sixteenth of all occurrences.
const PARTITION_BITS: u32 = 4;

/// Documents' terms (each list sorted and deduplicated), kept flat a chunk of documents at a
/// time: no allocation per document, and each chunk is one large allocation that goes back
/// to the system when interning frees it.
#[derive(Clone, Debug, Default)]
pub struct TermLists {
    chunks: Vec<Chunk>,
    len: usize,
}

#[derive(Clone, Debug, Default)]
struct Chunk {
    terms: Vec<u64>,
    /// Where each document's terms end in `terms`.
    ends: Vec<usize>,
}

impl TermLists {
    /// Appends documents' term lists, in order.
    pub fn extend(&mut self, docs: Vec<Vec<u64>>) {
        let mut docs = docs.into_iter().peekable();
        while docs.peek().is_some() {
            if self.chunks.last().is_none_or(|c| c.ends.len() >= CHUNK) {
                self.chunks.push(Chunk::default());
            }
            let Some(chunk) = self.chunks.last_mut() else {
                break;
            };
            let room = CHUNK - chunk.ends.len();
            let take: Vec<Vec<u64>> = docs.by_ref().take(room).collect();
            chunk
                .terms
                .reserve_exact(take.iter().map(Vec::len).sum::<usize>());
            for d in take {
                chunk.terms.extend_from_slice(&d);
                chunk.ends.push(chunk.terms.len());
                self.len += 1;
            }
        }
    }
}

impl From<Vec<Vec<u64>>> for TermLists {
    fn from(docs: Vec<Vec<u64>>) -> TermLists {
        let mut lists = TermLists::default();
        lists.extend(docs);
        lists
    }
}

/// Every distinct term of a batch, ascending (a term's id is its place), and how many
/// documents hold each.
pub(super) struct Vocabulary {
    pub(super) keys: Vec<u64>,
    pub(super) dfs: Vec<u32>,
}

/// Interned term lists: every document's term ids (ascending) one after another, and where
/// each document's ids end.
pub(super) struct Interned {
    pub(super) ids: Vec<u32>,
    /// `ends[i]` is where document `i`'s ids end (document `i` starts at `ends[i - 1]`, or 0).
    pub(super) ends: Vec<usize>,
}

/// Interns `lists`: the vocabulary, and each document's terms as ids. Each chunk of hashes is
/// freed as its ids are made, so the batch never holds both in full.
pub(super) fn intern(lists: TermLists) -> (Vocabulary, Interned) {
    let mut keys = Vec::new();
    for part in 0..1u64 << PARTITION_BITS {
        let shift = u64::BITS - PARTITION_BITS;
        let mut all: Vec<u64> = lists
            .chunks
            .par_iter()
            .flat_map_iter(|c| c.terms.iter().copied().filter(move |t| t >> shift == part))
            .collect();
        all.par_sort_unstable();
        all.dedup();
        keys.extend_from_slice(&all);
    }
    keys.shrink_to_fit();
    let table = Buckets::new(&keys);
    let total = lists.chunks.iter().map(|c| c.terms.len()).sum();
    let mut ids: Vec<u32> = Vec::with_capacity(total);
    let mut ends = Vec::with_capacity(lists.len);
    for chunk in lists.chunks {
        let base = ids.len();
        ends.extend(chunk.ends.iter().map(|&e| base + e));
        ids.par_extend(chunk.terms.par_iter().map(|&t| table.id(&keys, t)));
    }
    let counts: Vec<AtomicU32> = (0..keys.len()).map(|_| AtomicU32::new(0)).collect();
    ids.par_iter().for_each(|&id| {
        counts[id as usize].fetch_add(1, Ordering::Relaxed);
    });
    let dfs = counts.into_iter().map(AtomicU32::into_inner).collect();
    (Vocabulary { keys, dfs }, Interned { ids, ends })
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
        // Added in uneven parts, across chunks' borders.
        let mut terms = TermLists::default();
        terms.extend(lists[..100].to_vec());
        terms.extend(lists[100..].to_vec());
        assert_eq!(terms.len, lists.len());
        let (vocabulary, interned) = intern(terms);
        assert_eq!(vocabulary.keys, want.keys().copied().collect::<Vec<_>>());
        assert_eq!(vocabulary.dfs, want.values().copied().collect::<Vec<_>>());
        assert_eq!(interned.ends.len(), lists.len());
        let mut start = 0;
        for (l, &end) in lists.iter().zip(&interned.ends) {
            let back: Vec<u64> = interned.ids[start..end]
                .iter()
                .map(|&i| vocabulary.keys[i as usize])
                .collect();
            assert_eq!(&back, l);
            start = end;
        }
        let (empty, none) = intern(TermLists::default());
        assert!(empty.keys.is_empty() && none.ids.is_empty() && none.ends.is_empty());
    }
}
