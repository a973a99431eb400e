//! SimHash candidates: every pair of fingerprints within Hamming distance `d`, at any corpus
//! size.
//!
//! The 64 bits are cut into `d + 2` blocks; two fingerprints that differ in at most `d` bits
//! agree exactly on at least two blocks (pigeonhole), so one sorted table per pair of blocks
//! finds every such pair. A bucket of at most [`MAX_BUCKET`] documents gives all its pairs, as
//! before verification. A larger one (many copies of a template, or a large `d`, whose tables
//! fix only a few bits) is searched exactly instead of being cut short:
//!
//! - Members with identical fingerprints form a class, and the search runs over the distinct
//!   fingerprints. A class of at most [`MAX_BUCKET`] gives all its pairs; a larger class is
//!   linked as a chain of consecutive members, and pairs between two classes go to their first
//!   members when either class is that large. Identical documents have the same neighbours, so
//!   the connected components of the "within `d`" graph, and hence single-linkage clusters, are
//!   those of all pairs, while the pairs emitted stay linear in the class size.
//! - Distinct fingerprints are split recursively on the bits that still vary among them: two of
//!   them within `d` differ in at most `d` of those bits, so cut into `d + 1` blocks they agree
//!   on at least one whole block (pigeonhole again), and grouping by each block in turn finds
//!   every close pair. A group of at most [`MAX_BUCKET`], or a split that would not halve the
//!   number of pairs to compare, is compared pair by pair (a popcount each) and keeps only the
//!   pairs within `d`: the work is bounded by the bucket's pairs, and shrinks with the answer.
//!
//! A pair is emitted only by the first table whose bucket holds it when that bucket is
//! oversized, so the tables of a large `d` do not each repeat the same work's output. When the
//! tables would look at more pairs than the corpus has (a large `d` fixes only a few bits per
//! table, so buckets are large in every one of its many tables), the same search runs once over
//! all documents instead, and the candidates are then exactly the pairs within `d`.

use rayon::prelude::*;

use super::{sort_dedup_parts, Pair, MAX_BUCKET};
use crate::simhash::Fingerprint;

/// The `d + 2` bit blocks of the SimHash tables for distance `d`.
fn blocks(max_distance: u32) -> Vec<u64> {
    let blocks = max_distance as usize + 2;
    (0..blocks)
        .map(|i| {
            let (lo, hi) = (i * 64 / blocks, (i + 1) * 64 / blocks);
            (lo..hi).fold(0u64, |m, bit| m | 1 << bit)
        })
        .collect()
}

/// The bit masks of the SimHash tables for distance `d`: every pair of the `d + 2` blocks, in
/// lexicographic order of the pair.
pub(crate) fn simhash_tables(max_distance: u32) -> Vec<u64> {
    let masks = blocks(max_distance);
    let mut tables = Vec::new();
    for (i, a) in masks.iter().enumerate() {
        for b in &masks[i + 1..] {
            tables.push(a | b);
        }
    }
    tables
}

/// Every pair of fingerprints within `max_distance` (at most 30, at most `u32::MAX`
/// fingerprints), plus the farther pairs of small buckets, sorted and deduplicated; see the
/// module docs for the one exception (large classes of identical fingerprints).
pub(crate) fn simhash_pairs(fingerprints: &[Fingerprint], max_distance: u32) -> Vec<Pair> {
    pairs_in(fingerprints, max_distance, None)
}

/// [`simhash_pairs`], searching all documents at once if `global` says so, or else when that
/// costs less than the tables.
fn pairs_in(fingerprints: &[Fingerprint], max_distance: u32, global: Option<bool>) -> Vec<Pair> {
    let masks = blocks(max_distance);
    let tables = simhash_tables(max_distance);
    let search = Search {
        fingerprints,
        masks: &masks,
        d: max_distance,
    };
    let table = |mask: u64| {
        let mut keys: Vec<(u64, u32)> = fingerprints
            .iter()
            .enumerate()
            .filter(|(_, f)| f.0 != 0)
            .map(|(i, f)| (f.0 & mask, i as u32))
            .collect();
        keys.sort_unstable();
        keys
    };
    // Pairs to look at, table by table, against one search over every document: a large `d`
    // fixes few bits per table, and then one global search costs less.
    let per_table: Vec<(usize, bool)> = tables
        .par_iter()
        .map(|&mask| {
            let keys = table(mask);
            let runs = keys.chunk_by(|x, y| x.0 == y.0);
            let oversized = runs.clone().any(|run| run.len() > MAX_BUCKET);
            (
                runs.map(|run| run.len() * (run.len() - 1) / 2).sum(),
                oversized,
            )
        })
        .collect();
    let live = fingerprints.iter().filter(|f| f.0 != 0).count();
    let total = per_table.iter().fold(0usize, |t, c| t.saturating_add(c.0));
    let pairs: Vec<Vec<Pair>> = if global.unwrap_or(total > live * live.saturating_sub(1) / 2) {
        let docs: Vec<(u64, u32)> = fingerprints
            .iter()
            .enumerate()
            .filter(|(_, f)| f.0 != 0)
            .map(|(i, _)| (0, i as u32))
            .collect();
        let mut out = Vec::new();
        search.oversized(None, &docs, &mut out);
        vec![out]
    } else {
        tables
            .par_iter()
            .zip(&per_table)
            .enumerate()
            .map(|(t, (&mask, &(_, oversized)))| {
                let mut out = Vec::new();
                for run in table(mask).chunk_by(|x, y| x.0 == y.0) {
                    if run.len() <= MAX_BUCKET {
                        all_pairs(run.iter().map(|k| k.1), &mut out);
                    } else if oversized {
                        search.oversized(Some(t), run, &mut out);
                    }
                }
                out
            })
            .collect()
    };
    sort_dedup_parts(&pairs)
}

/// Every pair of `docs` (ascending), as `(smaller, larger)`.
fn all_pairs(docs: impl Iterator<Item = u32> + Clone, out: &mut Vec<Pair>) {
    let mut rest = docs;
    while let Some(a) = rest.next() {
        out.extend(rest.clone().map(|b| (a.min(b), a.max(b))));
    }
}

struct Search<'a> {
    fingerprints: &'a [Fingerprint],
    masks: &'a [u64],
    d: u32,
}

impl Search<'_> {
    /// Index of the first table (pair of blocks, lexicographic) on which `a` and `b` agree.
    fn first_table(&self, a: u64, b: u64) -> Option<usize> {
        let n = self.masks.len();
        let mut agree = self
            .masks
            .iter()
            .enumerate()
            .filter(|(_, &m)| (a ^ b) & m == 0)
            .map(|(i, _)| i);
        let (i, j) = (agree.next()?, agree.next()?);
        Some(i * (2 * n - i - 1) / 2 + (j - i - 1))
    }

    /// The close pairs of one oversized bucket (`(key, doc)`), emitting only those whose first
    /// table is `t`, if given.
    fn oversized(&self, t: Option<usize>, run: &[(u64, u32)], out: &mut Vec<Pair>) {
        let mut members: Vec<(u64, u32)> = run
            .iter()
            .map(|&(_, doc)| (self.fingerprints[doc as usize].0, doc))
            .collect();
        members.sort_unstable();
        let classes: Vec<&[(u64, u32)]> = members.chunk_by(|x, y| x.0 == y.0).collect();
        // Pairs within a class: identical fingerprints agree on every block, so the first
        // table, 0, is the one to emit them.
        if t.is_none_or(|t| t == 0) {
            for class in &classes {
                if class.len() <= MAX_BUCKET {
                    all_pairs(class.iter().map(|m| m.1), out);
                } else {
                    out.extend(class.windows(2).map(|w| (w[0].1, w[1].1)));
                }
            }
        }
        let mut distinct: Vec<(u64, u32)> = classes
            .iter()
            .enumerate()
            .map(|(c, class)| (class[0].0, c as u32))
            .collect();
        let mut close = Vec::new();
        self.close_pairs(&mut distinct, &mut close);
        close.sort_unstable();
        close.dedup();
        for (p, q) in close {
            let (p, q) = (classes[p as usize], classes[q as usize]);
            if t.is_some_and(|t| self.first_table(p[0].0, q[0].0) != Some(t)) {
                continue;
            }
            if p.len() <= MAX_BUCKET && q.len() <= MAX_BUCKET {
                for &(_, a) in p {
                    out.extend(q.iter().map(|&(_, b)| (a.min(b), a.max(b))));
                }
            } else {
                let (a, b) = (p[0].1, q[0].1);
                out.push((a.min(b), a.max(b)));
            }
        }
    }

    /// Pairs of `items` (distinct fingerprints with an id) within distance `d`, as id pairs
    /// `(smaller, larger)`; each found at least once.
    fn close_pairs(&self, items: &mut [(u64, u32)], out: &mut Vec<Pair>) {
        let s = items.len();
        let first = items.first().map_or(0, |x| x.0);
        let varying = items.iter().fold(0u64, |v, x| v | (x.0 ^ first));
        let bits = varying.count_ones();
        if s <= MAX_BUCKET || bits <= self.d {
            return self.compare_all(items, out);
        }
        // `d + 1` blocks of the varying bits, each holding at least one.
        let parts = self.d as usize + 1;
        let positions: Vec<u32> = (0..64).filter(|b| varying >> b & 1 == 1).collect();
        let block_masks: Vec<u64> = (0..parts)
            .map(|i| {
                let (lo, hi) = (
                    i * positions.len() / parts,
                    (i + 1) * positions.len() / parts,
                );
                positions[lo..hi].iter().fold(0u64, |m, &b| m | 1 << b)
            })
            .collect();
        // Split only if it at least halves the pairs to compare; else compare them all. A block
        // of `b` bits makes at most `2^b` groups, which bounds the split's pairs from below.
        let floor: f64 = block_masks
            .iter()
            .map(|m| {
                let groups = 2f64.powi(m.count_ones().min(63) as i32);
                (s as f64 * (s as f64 / groups - 1.0) / 2.0).max(0.0)
            })
            .sum();
        if floor >= s as f64 * (s as f64 - 1.0) / 4.0 {
            return self.compare_all(items, out);
        }
        let mut groupings = Vec::with_capacity(parts);
        let mut cost = 0usize;
        for &mask in &block_masks {
            let mut g = items.to_vec();
            g.sort_unstable_by_key(|x| (x.0 & mask, x.1));
            cost = g
                .chunk_by(|x, y| x.0 & mask == y.0 & mask)
                .map(|run| run.len() * (run.len() - 1) / 2)
                .fold(cost, usize::saturating_add);
            groupings.push((mask, g));
        }
        if cost >= s.saturating_mul(s - 1) / 4 {
            return self.compare_all(items, out);
        }
        for (mask, mut g) in groupings {
            for run in g.chunk_by_mut(|x, y| x.0 & mask == y.0 & mask) {
                if run.len() > 1 {
                    self.close_pairs(run, out);
                }
            }
        }
    }

    fn compare_all(&self, items: &[(u64, u32)], out: &mut Vec<Pair>) {
        for (i, &(fa, a)) in items.iter().enumerate() {
            for &(fb, b) in &items[i + 1..] {
                if (fa ^ fb).count_ones() <= self.d {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::UnionFind;
    use crate::minhash::splitmix64;

    /// `n` fingerprints around one base, each with up to `max_flips` random bits flipped, so
    /// distances spread from 0 to far (a few are exact copies of the base), and an empty one.
    fn around_base(n: usize, max_flips: u64, state: &mut u64) -> Vec<Fingerprint> {
        let base = splitmix64(state) | 1;
        let mut fps: Vec<Fingerprint> = (0..n)
            .map(|_| {
                let k = splitmix64(state) % (max_flips + 1);
                let flips = (0..k).fold(0u64, |m, _| m | 1 << (splitmix64(state) % 64));
                Fingerprint(base ^ flips)
            })
            .collect();
        fps.push(Fingerprint(0)); // an empty document: never a candidate
        fps
    }

    fn brute(fps: &[Fingerprint], d: u32) -> Vec<Pair> {
        let mut out = Vec::new();
        for a in 0..fps.len() {
            for b in a + 1..fps.len() {
                if fps[a].0 != 0 && fps[b].0 != 0 && fps[a].hamming(fps[b]) <= d {
                    out.push((a as u32, b as u32));
                }
            }
        }
        out
    }

    fn largest_bucket(fps: &[Fingerprint], d: u32) -> usize {
        simhash_tables(d)
            .iter()
            .map(|&m| {
                let mut keys: Vec<u64> = fps.iter().map(|f| f.0 & m).collect();
                keys.sort_unstable();
                keys.chunk_by(|a, b| a == b)
                    .map(<[u64]>::len)
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn oversized_buckets_miss_no_close_pair() {
        let mut state = 11;
        for (d, flips) in [(3, 8), (8, 16), (20, 30), (30, 40)] {
            let fps = around_base(1500, flips, &mut state);
            assert!(
                largest_bucket(&fps, d) > MAX_BUCKET,
                "d = {d}: no oversized bucket"
            );
            let mut classes = fps.clone();
            classes.sort_unstable();
            let largest = classes.chunk_by(|a, b| a == b).map(<[_]>::len).max();
            assert!(
                largest <= Some(MAX_BUCKET),
                "d = {d}: a class of {largest:?} copies"
            );
            let want = brute(&fps, d);
            assert!(
                want.len() > 1000,
                "d = {d}: only {} close pairs",
                want.len()
            );
            // Both strategies, table by table (slow for d = 30: its small buckets alone hold
            // tens of millions of pairs) and all at once, whichever the cost would pick.
            let strategies: &[bool] = if d < 30 { &[false, true] } else { &[true] };
            for &global in strategies {
                let got = pairs_in(&fps, d, Some(global));
                let missed = want
                    .iter()
                    .filter(|p| got.binary_search(p).is_err())
                    .count();
                assert_eq!(
                    missed,
                    0,
                    "d = {d}, global {global}: missed of {}",
                    want.len()
                );
                assert!(got.windows(2).all(|w| w[0] < w[1]));
                let live = |&(a, b): &Pair| fps[a as usize].0 != 0 && fps[b as usize].0 != 0;
                assert!(got.iter().all(live));
            }
        }
    }

    /// A class of identical fingerprints larger than a bucket is chained, and its neighbours
    /// reach it: the components are those of all pairs within `d`, with linearly many pairs.
    #[test]
    fn huge_identical_class_keeps_components() {
        let mut state = 23;
        for d in [0, 4] {
            let mut fps = around_base(300, 6, &mut state);
            let base = fps[0];
            fps.extend(std::iter::repeat_n(base, 2 * MAX_BUCKET));
            let got = simhash_pairs(&fps, d);
            assert!(
                got.len() < brute(&fps, d).len() / 4,
                "not linear in the class"
            );
            let components = |pairs: &[Pair]| {
                let mut u = UnionFind::new(fps.len());
                for &(a, b) in pairs {
                    let (ra, rb) = (u.find(a as usize), u.find(b as usize));
                    u.join_roots(ra, rb);
                }
                (0..fps.len()).map(|i| u.find(i)).collect::<Vec<_>>()
            };
            let close: Vec<Pair> = got
                .iter()
                .copied()
                .filter(|&(a, b)| fps[a as usize].hamming(fps[b as usize]) <= d)
                .collect();
            assert_eq!(components(&close), components(&brute(&fps, d)));
        }
    }

    #[test]
    fn first_table_matches_table_order() {
        let d = 5;
        let masks = blocks(d);
        let tables = simhash_tables(d);
        let search = Search {
            fingerprints: &[],
            masks: &masks,
            d,
        };
        let mut state = 3;
        for _ in 0..500 {
            let a = splitmix64(&mut state);
            let b = a ^ (splitmix64(&mut state) & splitmix64(&mut state) & splitmix64(&mut state));
            let want = tables.iter().position(|&m| (a ^ b) & m == 0);
            assert_eq!(search.first_table(a, b), want);
        }
    }
}
