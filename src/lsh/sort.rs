//! Sorting the LSH tables and the candidate pairs in cache-sized pieces.
//!
//! A table of a million `(key, doc)` entries is 16 MB, past the last-level cache, and a
//! comparison sort of it touches the whole table in each of its `log n` passes. The keys are
//! hashes, so their top bits spread the entries evenly: one pass counts the entries per
//! top-bits bucket, one scatters them to their buckets (a few thousand write streams, which the
//! second-level cache holds), and then each bucket of a few hundred entries is sorted alone in
//! the first-level cache. The result is exactly what a comparison sort gives: the buckets are
//! ranges of keys, in order. Candidate pairs are sorted the same way by their first document.

use rayon::prelude::*;

use super::Pair;

/// Entries per bucket aimed at: 512 × 16 B is 8 kB, well inside the first-level cache.
const TABLE_BUCKET: usize = 512;

/// Pairs per bucket aimed at: 2,048 × 8 B is 16 kB.
const PAIR_BUCKET: usize = 2048;

/// Below this many entries a plain comparison sort is as fast.
const SMALL: usize = 4096;

/// At most `2^MAX_BITS` buckets: their write streams must stay in the second-level cache.
const MAX_BITS: u32 = 12;

/// Buffers one thread reuses from table to table, so a table costs no allocation (and no
/// fresh pages) after the first.
#[derive(Default)]
pub(crate) struct Scratch {
    counts: Vec<usize>,
    table: Vec<(u64, u32)>,
}

/// The bits of the bucket index for `n` entries, `target` to a bucket.
fn bucket_bits(n: usize, target: usize) -> u32 {
    let buckets = (n / target).max(1);
    (usize::BITS - 1 - buckets.leading_zeros()).min(MAX_BITS)
}

/// The `(key, doc)` entries that `entries` yields (`len` of them, each time it is called),
/// sorted as `sort_unstable` sorts them, in `scratch`. `entries` is called twice: once to count
/// and once to place.
pub(crate) fn sorted_table<I>(
    len: usize,
    entries: impl Fn() -> I,
    scratch: &mut Scratch,
) -> &[(u64, u32)]
where
    I: Iterator<Item = (u64, u32)>,
{
    let Scratch { counts, table } = scratch;
    table.clear();
    if len < SMALL {
        table.extend(entries());
        table.sort_unstable();
        return table;
    }
    let bits = bucket_bits(len, TABLE_BUCKET);
    let shift = u64::BITS - bits;
    let bucket = |key: u64| key.checked_shr(shift).unwrap_or(0) as usize;
    counts.clear();
    counts.resize(1 << bits, 0);
    for (key, _) in entries() {
        counts[bucket(key)] += 1;
    }
    // Starts of the buckets; each is advanced as its entries are placed.
    let mut start = 0;
    for c in counts.iter_mut() {
        (*c, start) = (start, start + *c);
    }
    table.resize(start, (0, 0));
    for entry in entries() {
        let slot = &mut counts[bucket(entry.0)];
        table[*slot] = entry;
        *slot += 1;
    }
    // Bucket b now ends at counts[b] and starts where bucket b − 1 ends.
    let mut begin = 0;
    for &end in counts.iter() {
        table[begin..end].sort_unstable();
        begin = end;
    }
    table
}

/// The pairs of all `parts`, sorted and without duplicates: bucketed by their first
/// document's top bits, each bucket sorted (in parallel) and deduplicated alone.
pub(crate) fn sort_dedup_parts(parts: &[Vec<Pair>]) -> Vec<Pair> {
    let len: usize = parts.iter().map(Vec::len).sum();
    let pack = |&(a, b): &Pair| (u64::from(a) << 32) | u64::from(b);
    let mut packed: Vec<u64>;
    if len < SMALL {
        packed = parts.iter().flatten().map(pack).collect();
        packed.sort_unstable();
        packed.dedup();
    } else {
        let top = parts.iter().flatten().map(|p| p.0).max().unwrap_or(0);
        let bits = bucket_bits(len, PAIR_BUCKET);
        // Bucket by the top `bits` of the first document's significant bits.
        let shift = (u32::BITS - top.leading_zeros()).saturating_sub(bits);
        let bucket = |a: u32| (a >> shift) as usize;
        let mut counts = vec![0usize; (top >> shift) as usize + 1];
        for p in parts.iter().flatten() {
            counts[bucket(p.0)] += 1;
        }
        let mut start = 0;
        let mut bounds = Vec::with_capacity(counts.len());
        for c in counts.iter_mut() {
            (*c, start) = (start, start + *c);
            bounds.push(*c);
        }
        packed = vec![0; len];
        for p in parts.iter().flatten() {
            let slot = &mut counts[bucket(p.0)];
            packed[*slot] = pack(p);
            *slot += 1;
        }
        // Sort and deduplicate every bucket in parallel, then close the gaps.
        let mut pieces = Vec::with_capacity(counts.len());
        let mut rest = &mut packed[..];
        for (&begin, &end) in bounds.iter().zip(&counts) {
            let (piece, tail) = rest.split_at_mut(end - begin);
            pieces.push(piece);
            rest = tail;
        }
        let kept: Vec<usize> = pieces
            .into_par_iter()
            .map(|piece| {
                piece.sort_unstable();
                dedup_in_place(piece)
            })
            .collect();
        let mut end = 0;
        for (&begin, &n) in bounds.iter().zip(&kept) {
            packed.copy_within(begin..begin + n, end);
            end += n;
        }
        packed.truncate(end);
    }
    packed
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

/// Moves the distinct values of a sorted slice to its front; returns how many there are.
fn dedup_in_place(sorted: &mut [u64]) -> usize {
    let mut kept = 0;
    for i in 0..sorted.len() {
        if kept == 0 || sorted[i] != sorted[kept - 1] {
            sorted[kept] = sorted[i];
            kept += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::splitmix64;

    #[test]
    fn tables_sort_as_a_comparison_sort_does() {
        let mut state = 3;
        for n in [0, 1, 100, SMALL - 1, SMALL, 50_000, 300_000] {
            // Hash keys with repeats, and a few skewed ones (all in the lowest bucket).
            let entries: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| {
                    let r = splitmix64(&mut state);
                    let key = match r % 10 {
                        0 => r % 7,
                        1..=3 => (splitmix64(&mut state) % 64) << 58,
                        _ => r,
                    };
                    (key, i)
                })
                .collect();
            let mut expected = entries.clone();
            expected.sort_unstable();
            let mut scratch = Scratch::default();
            for _ in 0..2 {
                let got = sorted_table(n, || entries.iter().copied(), &mut scratch);
                assert_eq!(got, &expected[..], "{n} entries");
            }
        }
    }

    #[test]
    fn pairs_sort_and_dedup_as_before() {
        let mut state = 9;
        for (n, docs) in [
            (0, 10),
            (10, 5),
            (5_000, 100),
            (200_000, 1_000_000),
            (100_000, 3),
        ] {
            let mut parts = vec![Vec::new(); 3];
            for i in 0..n {
                let a = (splitmix64(&mut state) % docs) as u32;
                let b = a + 1 + (splitmix64(&mut state) % 50) as u32;
                parts[i % 3].push((a, b));
            }
            let mut expected = parts.concat();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(sort_dedup_parts(&parts), expected, "{n} pairs");
        }
    }
}
