//! Candidate pairs of weighted profiles across workers: the batch's prefix filtering
//! (`src/profile/prefix.rs`, AllPairs) with its prefixes and size filter, posted by term.
//!
//! Documents are *ranked* by their specific weight `W`, then by number. Each document has a
//! *probe prefix* (its first shareable specific terms, heaviest first, after which less than
//! `t · W` can be shared) and within it a shorter *index prefix* (after which less than
//! `2t / (1 + t) · W` can be shared). `src/profile/prefix.rs` proves that a pair at or above
//! the threshold shares a term in the higher-ranked document's probe prefix and the
//! lower-ranked one's index prefix, and that `t · W(a) ≤ W(b) ≤ W(a) / t` (the size filter).
//! So every document is posted under its probe-prefix terms with its `W` and whether the term
//! is in its index prefix; within a term's bucket a pair is a candidate when its lower-ranked
//! document is indexed there and the size filter holds. The filters work a little below the
//! threshold, as the batch's do, so rounding never loses a pair at the threshold.
//!
//! A bucket is sorted by rank, so a document's partners are one or two runs of it found by
//! binary search. A pair sharing several terms is found in several buckets: its first
//! document's worker gathers them, and drops the pair if it cannot reach the threshold by the
//! batch's positional filter. The buckets it was found in are the terms *met* in the batch's
//! probe (in both the probe prefix of the higher-ranked document and the index prefix of the
//! lower-ranked one); both prefixes are closed under the order, so every shared term before the
//! last one met was met, and the weight the pair shares is at most the weight of the terms met
//! plus the smaller of the two documents' shareable weights after the last one. Each listing
//! carries its term's weight and that smaller weight after it (which only falls along the
//! order: the smallest is the last term's); a pair whose bound is below
//! `t / (1 + t) · (W(a) + W(b))` cannot reach `t`.

use serde::{Deserialize, Serialize};

/// The threshold the filters work at: the batch's (`src/profile/prefix.rs`), below the one
/// verification applies by its tolerance and by a relative margin that dwarfs rounding.
pub fn filter_threshold(threshold: f64) -> f64 {
    ((threshold - 1e-9) * (1.0 - 1e-6)).max(0.0)
}

/// A document posted under one of its probe-prefix terms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Posting {
    /// Its specific weight `W`, the first part of its rank.
    pub total: f64,
    /// Its number, the second part of its rank.
    pub doc: u32,
    /// Whether the term is in its index prefix too.
    pub indexed: bool,
    /// The term's weight.
    pub weight: f32,
    /// The document's shareable weight after the term in the order, rounded up.
    pub after: f32,
}

/// One listing of a candidate pair `a < b` from one bucket: the term's weight, the smaller
/// shareable weight after it, and the weight the pair must share to reach the threshold
/// (rounded down).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// The first document.
    pub a: u32,
    /// The second document.
    pub b: u32,
    /// The shared term's weight.
    pub weight: f32,
    /// The smaller of the two documents' shareable weights after the term.
    pub rest: f32,
    /// `t / (1 + t) · (W(a) + W(b))`, rounded down.
    pub need: f32,
}

impl Listing {
    fn new(x: &Posting, y: &Posting, tf: f64) -> Listing {
        let (a, b) = if x.doc < y.doc { (x, y) } else { (y, x) };
        Listing {
            a: a.doc,
            b: b.doc,
            weight: x.weight,
            rest: x.after.min(y.after),
            need: down(tf / (1.0 + tf) * (x.total + y.total)),
        }
    }
}

/// Whether the listings of one pair (all of its buckets) leave it a candidate: the weight met
/// plus the least weight left after a term met reaches the weight needed.
pub fn may_reach(listings: &[Listing]) -> bool {
    let met: f64 = listings.iter().map(|l| f64::from(l.weight)).sum();
    let rest = listings
        .iter()
        .map(|l| l.rest)
        .fold(f32::INFINITY, f32::min);
    met + f64::from(rest) >= f64::from(listings[0].need)
}

/// `x` rounded up to an `f32`.
fn up(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) < x {
        r.next_up()
    } else {
        r
    }
}

/// `x` rounded down to an `f32`.
fn down(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) > x {
        r.next_down()
    } else {
        r
    }
}

/// A document's key: one of its probe-prefix terms, whether it is in the index prefix too,
/// its weight, and the shareable weight after it (rounded up).
pub type Key = (u64, bool, f32, f32);

/// The keys of one document: its specific weight and its probe-prefix terms. `terms` are its sorted terms, `weights` theirs (as
/// `ProfileParams::weight` gives them), `dfs` their document frequencies.
pub fn prefix_keys(terms: &[u64], weights: &[f32], dfs: &[u32], threshold: f64) -> (f64, Vec<Key>) {
    // Specific terms in the global order: heaviest first, then by hash; shareable if found in
    // another document too.
    let mut list: Vec<(u64, f32, bool)> = terms
        .iter()
        .zip(weights)
        .zip(dfs)
        .filter(|((_, &w), _)| w > 0.0)
        .map(|((&t, &w), &d)| (t, w, d >= 2))
        .collect();
    list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let total: f64 = list.iter().map(|e| f64::from(e.1)).sum();
    let tf = filter_threshold(threshold);
    let probed = cut(&list, tf * total);
    let indexed = cut(&list, 2.0 * tf / (1.0 + tf) * total);
    // The shareable weight after each entry.
    let mut after = vec![0.0; list.len()];
    let mut sum = 0.0;
    for k in (0..list.len()).rev() {
        after[k] = sum;
        if list[k].2 {
            sum += f64::from(list[k].1);
        }
    }
    let keys = list[..probed]
        .iter()
        .enumerate()
        .filter(|(_, e)| e.2)
        .map(|(k, e)| (e.0, k < indexed, e.1, up(after[k])))
        .collect();
    (total, keys)
}

/// The fewest first entries of `list` after which the shareable weight is below `bound`
/// (all of them if `bound ≤ 0`).
fn cut(list: &[(u64, f32, bool)], bound: f64) -> usize {
    let (mut sum, mut cut) = (0.0, list.len());
    for k in (0..list.len()).rev() {
        if list[k].2 {
            sum += f64::from(list[k].1);
        }
        if sum < bound && cut == k + 1 {
            cut = k;
        }
    }
    cut
}

/// One term's bucket, sorted by rank. Calls `pair` with the listing of every candidate
/// `a < b` in it whose first document `a` passes `first`.
pub fn bucket_pairs(
    bucket: &[Posting],
    tf: f64,
    first: impl Fn(u32) -> bool,
    mut pair: impl FnMut(Listing),
) {
    for (i, a) in bucket.iter().enumerate() {
        if !first(a.doc) {
            continue;
        }
        // Lower ranks: the partner must be indexed and not too light.
        let lo = bucket[..i].partition_point(|p| p.total < tf * a.total);
        for p in &bucket[lo..i] {
            if p.indexed && p.doc > a.doc {
                pair(Listing::new(a, p, tf));
            }
        }
        // Higher ranks: `a` must be indexed and the partner not too heavy.
        if a.indexed {
            let hi = i + 1 + bucket[i + 1..].partition_point(|p| tf * p.total <= a.total);
            for p in &bucket[i + 1..hi] {
                if p.doc > a.doc {
                    pair(Listing::new(a, p, tf));
                }
            }
        }
    }
}

/// How many candidates `bucket_pairs` finds in `bucket` (a pair in several buckets counts in
/// each), without listing them.
pub fn bucket_count(bucket: &[Posting], tf: f64) -> u64 {
    let mut count = 0;
    for (i, a) in bucket.iter().enumerate() {
        if a.indexed {
            count += bucket[i + 1..].partition_point(|p| tf * p.total <= a.total) as u64;
        }
    }
    count
}

/// The sort order of a bucket: by rank.
pub fn by_rank(x: &Posting, y: &Posting) -> std::cmp::Ordering {
    x.total.total_cmp(&y.total).then(x.doc.cmp(&y.doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair of a bucket, by brute force, with the rules spelled out.
    fn brute(bucket: &[Posting], tf: f64) -> Vec<(u32, u32)> {
        let mut want = Vec::new();
        for x in bucket {
            for y in bucket {
                // y is the lower-ranked one.
                if by_rank(y, x).is_lt() && y.indexed && tf * x.total <= y.total {
                    want.push((x.doc.min(y.doc), x.doc.max(y.doc)));
                }
            }
        }
        want.sort_unstable();
        want
    }

    #[test]
    fn bucket_pairs_follow_the_rules() {
        // A small linear congruential generator: the cases only need to vary.
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        for _ in 0..200 {
            let len = next(12) as usize;
            let mut bucket: Vec<Posting> = (0..len)
                .map(|k| Posting {
                    // Few distinct weights, so ties occur.
                    total: 1.0 + next(6) as f64,
                    doc: (k as u32) * 3 + next(3) as u32,
                    indexed: next(3) > 0,
                    weight: 1.0,
                    after: 0.0,
                })
                .collect();
            bucket.sort_unstable_by(by_rank);
            let tf = [0.3, 0.5, 0.9][next(3) as usize];
            let want = brute(&bucket, tf);
            let mut got = Vec::new();
            bucket_pairs(&bucket, tf, |_| true, |l| got.push((l.a, l.b)));
            got.sort_unstable();
            assert_eq!(got, want);
            assert_eq!(bucket_count(&bucket, tf), want.len() as u64);
            // Split by first document, the parts make the whole.
            let mut parts = Vec::new();
            for r in 0..3 {
                bucket_pairs(&bucket, tf, |a| a % 3 == r, |l| parts.push((l.a, l.b)));
            }
            parts.sort_unstable();
            assert_eq!(parts, want);
        }
    }

    #[test]
    fn positional_filter_adds_terms_met_and_least_rest() {
        let listing = |weight, rest| Listing {
            a: 1,
            b: 2,
            weight,
            rest,
            need: 10.0,
        };
        // 3 + 4 met, at least 3 left after the later term: 10 may be reached.
        assert!(may_reach(&[listing(3.0, 5.0), listing(4.0, 3.0)]));
        // Only 2.5 left after it: at most 9.5.
        assert!(!may_reach(&[listing(3.0, 5.0), listing(4.0, 2.5)]));
        assert!(may_reach(&[listing(10.0, 0.0)]));
    }

    #[test]
    fn index_prefix_within_probe_prefix() {
        // Weights 5, 4, 3, 2, 1, all shareable: W = 15.
        let terms = [10, 20, 30, 40, 50];
        let weights = [1.0, 2.0, 3.0, 4.0, 5.0];
        let dfs = [2; 5];
        let (total, keys) = prefix_keys(&terms, &weights, &dfs, 0.6);
        assert_eq!(total, 15.0);
        // Probe (bound 0.6 · 15 = 9): after 5, 10 remain; after 5 and 4, 6. Index (bound
        // 1.2 / 1.6 · 15 = 11.25): after 5, 10.
        assert_eq!(keys, vec![(50, true, 5.0, 10.0), (40, false, 4.0, 6.0)]);
        // A term found once is never a key but still counts in W.
        let (total, keys) = prefix_keys(&terms, &weights, &[2, 2, 2, 2, 1], 0.6);
        assert_eq!(total, 15.0);
        assert!(keys.iter().all(|k| k.0 != 50));
    }
}
