//! Exact ground truth: every pair of shingle sets with Jaccard similarity ≥ `t`, found without
//! comparing all pairs, and the scores that measure a clustering against it.
//!
//! [`all_pairs`] is the prefix-filtering join (Chaudhuri et al. 2006; Bayardo et al. 2007):
//! order the shingles globally, rarest first, and keep of each set `x` only its first
//! `|x| − ⌈t·|x|⌉ + 1` shingles, its prefix. Two sets with `J ≥ t` share at least `⌈t·|x|⌉`
//! shingles, so their prefixes must intersect; an inverted index over the prefixes gives the
//! candidates, a size filter (`|y| ≥ t·|x|`) drops the hopeless ones, and every candidate is
//! verified exactly. Rare shingles first keeps the posting lists of the prefixes short. The
//! result is exact: no pair is missed and none is estimated.
//!
//! The scores compare pair sets ([`pair_score`]) and partitions ([`comembership`]: the pairs
//! of documents that share a cluster), the two views of accuracy the `accuracy` example reports.
//!
//! ```
//! use neardup::eval::truth::{all_pairs, components};
//! let sets = vec![vec![1, 2, 3, 4, 5], vec![1, 2, 3, 4, 6], vec![1, 2, 3, 4, 5, 6], vec![9]];
//! let pairs = all_pairs(&sets, 0.8).unwrap();
//! assert_eq!(pairs.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>(), [(0, 2), (1, 2)]);
//! assert_eq!(components(sets.len(), &pairs)?, [0, 0, 0, 3]);
//! # Ok::<(), neardup::Error>(())
//! ```

use rayon::prelude::*;

use crate::cluster::{Cluster, UnionFind};
use crate::error::Error;
use crate::verify::Edge;

/// Every pair `a < b` of `sets` (each sorted and deduplicated, as [`crate::shingle::Shingler`]
/// makes them) with exact Jaccard `|A ∩ B| / |A ∪ B| ≥ threshold`, sorted by `(a, b)`. Empty
/// sets match nothing. The output does not depend on the number of threads.
///
/// Fails if `threshold` is not in (0, 1] or there are more than `u32::MAX` sets.
pub fn all_pairs(sets: &[Vec<u64>], threshold: f64) -> Result<Vec<Edge>, Error> {
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::InvalidConfig(format!(
            "ground-truth threshold must be in (0, 1], got {threshold}"
        )));
    }
    if sets.len() > u32::MAX as usize {
        return Err(Error::InvalidConfig("at most 2^32 − 1 sets".into()));
    }
    let (ranked, unique) = rank_by_rarity(sets);

    // Process sets by size; a set is only compared with earlier (not larger) ones.
    let mut order: Vec<u32> = (0..sets.len() as u32)
        .filter(|&i| !ranked[i as usize].is_empty())
        .collect();
    order.sort_unstable_by_key(|&i| (ranked[i as usize].len(), i));
    let sizes: Vec<usize> = order.iter().map(|&i| ranked[i as usize].len()).collect();

    // Inverted index over prefixes; postings hold positions in `order`, increasing, so sizes
    // along a posting list never decrease. Shingles of one set only (ranks below `unique`)
    // cannot be shared: they count in the prefix length but need no posting list.
    let vocabulary = ranked.iter().flatten().max().map_or(0, |&m| m as usize + 1);
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); vocabulary.saturating_sub(unique)];
    for (pos, &doc) in order.iter().enumerate() {
        let x = &ranked[doc as usize];
        for &token in &x[..prefix_len(x.len(), threshold)] {
            if let Some(list) = (token as usize).checked_sub(unique) {
                postings[list].push(pos as u32);
            }
        }
    }

    let mut pairs: Vec<Edge> = (0..order.len())
        .into_par_iter()
        .map_init(
            // Per-thread scratch: the last probe that saw each position, and the candidates.
            || (vec![u32::MAX; order.len()], Vec::new()),
            |(seen, candidates), pos| {
                let x = &ranked[order[pos] as usize];
                let min_size = min_overlap(x.len(), threshold);
                candidates.clear();
                for &token in &x[..prefix_len(x.len(), threshold)] {
                    let Some(list) = (token as usize).checked_sub(unique) else {
                        continue;
                    };
                    let list = &postings[list];
                    // Size filter: skip the sets too small to reach the threshold with `x`.
                    let from = list.partition_point(|&p| sizes[p as usize] < min_size);
                    for &p in &list[from..] {
                        if p as usize >= pos {
                            break;
                        }
                        if seen[p as usize] != pos as u32 {
                            seen[p as usize] = pos as u32;
                            candidates.push(p);
                        }
                    }
                }
                candidates
                    .iter()
                    .filter_map(|&p| {
                        let y = &ranked[order[p as usize] as usize];
                        let j = jaccard_of(x, y);
                        (j >= threshold).then(|| {
                            let (a, b) = (order[pos] as usize, order[p as usize] as usize);
                            Edge {
                                a: a.min(b),
                                b: a.max(b),
                                similarity: j,
                            }
                        })
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten()
        .collect();
    pairs.par_sort_unstable_by_key(|e| (e.a, e.b));
    Ok(pairs)
}

/// Least overlap a set of `n` shingles needs with a set of at least its size to reach `t`:
/// `⌈t·n⌉`, rounded down a hair so floating-point error never makes the filters too strict.
fn min_overlap(n: usize, t: f64) -> usize {
    ((t * n as f64) * (1.0 - 1e-12)).ceil().max(1.0) as usize
}

/// Prefix length `|x| − ⌈t·|x|⌉ + 1`, in `1..=|x|`.
fn prefix_len(n: usize, t: f64) -> usize {
    n + 1 - min_overlap(n, t).min(n)
}

fn jaccard_of(x: &[u32], y: &[u32]) -> f64 {
    let inter = crate::shingle::intersection_size(x, y);
    inter as f64 / (x.len() + y.len() - inter) as f64
}

/// Replaces every shingle by its rank in the global order (rarest first, ties by hash value,
/// so the order is deterministic) and sorts each set by rank. Sorts `(shingle, set)` pairs once
/// instead of looking shingles up: on millions of shingles a lookup per shingle is a cache miss
/// each and several times slower. Also returns how many shingles occur in one set only: they
/// take the ranks below that number.
fn rank_by_rarity(sets: &[Vec<u64>]) -> (Vec<Vec<u32>>, usize) {
    let mut all: Vec<(u64, u32)> = sets
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, s)| s.iter().map(move |&h| (h, i as u32)))
        .collect();
    all.par_sort_unstable();
    // Runs of one shingle, in shingle order: (start in `all`, count).
    let mut runs: Vec<(usize, u32)> = Vec::new();
    let mut start = 0;
    for run in all.chunk_by(|a, b| a.0 == b.0) {
        runs.push((start, run.len() as u32));
        start += run.len();
    }
    // Ranks by (count, shingle) with a counting sort on the count: runs are already in
    // shingle order, so each count's ranks are handed out in that order.
    let max_count = runs.iter().map(|&(_, c)| c as usize).max().unwrap_or(0);
    let mut next_rank = vec![0u32; max_count.max(1) + 2];
    for &(_, count) in &runs {
        next_rank[count as usize + 1] += 1;
    }
    for c in 1..next_rank.len() {
        next_rank[c] += next_rank[c - 1];
    }
    let unique = next_rank[2] as usize;
    let mut ranked: Vec<Vec<u32>> = sets.iter().map(|s| Vec::with_capacity(s.len())).collect();
    for &(start, count) in &runs {
        let rank = next_rank[count as usize];
        next_rank[count as usize] += 1;
        for &(_, doc) in &all[start..start + count as usize] {
            ranked[doc as usize].push(rank);
        }
    }
    ranked.par_iter_mut().for_each(|r| r.sort_unstable());
    (ranked, unique)
}

/// The connected components of the graph with `n` nodes and edges `pairs`: for every node, the
/// smallest node of its component (a node without edges is its own component).
///
/// Fails if an edge names a node `≥ n`.
pub fn components(n: usize, pairs: &[Edge]) -> Result<Vec<usize>, Error> {
    if let Some(e) = pairs.iter().find(|e| e.a.max(e.b) >= n) {
        return Err(Error::InvalidConfig(format!(
            "edge ({}, {}) names a node outside 0..{n}",
            e.a, e.b
        )));
    }
    let mut sets = UnionFind::new(n);
    for e in pairs {
        let (ra, rb) = (sets.find(e.a), sets.find(e.b));
        // The smaller root wins, so every root is its component's smallest node.
        sets.join_roots(ra, rb);
    }
    Ok((0..n).map(|i| sets.find(i)).collect())
}

/// For every document `0..n`, the id of its cluster in `clusters` (a document in no cluster
/// keeps its own index).
pub fn cluster_labels(n: usize, clusters: &[Cluster]) -> Vec<usize> {
    let mut labels: Vec<usize> = (0..n).collect();
    for c in clusters {
        for &m in &c.members {
            if m < n {
                labels[m] = c.id;
            }
        }
    }
    labels
}

/// Recall and precision of a set of predicted positives against the true ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// True positives: predicted and true.
    pub hits: u64,
    /// Predicted positives.
    pub predicted: u64,
    /// True positives in the ground truth.
    pub relevant: u64,
}

impl Score {
    /// `hits / relevant` (1 when nothing is relevant).
    pub fn recall(&self) -> f64 {
        ratio(self.hits, self.relevant)
    }

    /// `hits / predicted` (1 when nothing is predicted).
    pub fn precision(&self) -> f64 {
        ratio(self.hits, self.predicted)
    }

    /// Relevant pairs that were not predicted.
    pub fn missed(&self) -> u64 {
        self.relevant.saturating_sub(self.hits)
    }

    /// Predicted pairs that are not relevant.
    pub fn false_positives(&self) -> u64 {
        self.predicted.saturating_sub(self.hits)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores `predicted` pairs against `truth` pairs; both are lists of `(a, b)` with `a < b`,
/// in any order, duplicates ignored.
pub fn pair_score(truth: &[(usize, usize)], predicted: &[(usize, usize)]) -> Score {
    let sorted = |p: &[(usize, usize)]| {
        let mut v = p.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (truth, predicted) = (sorted(truth), sorted(predicted));
    let hits = predicted
        .iter()
        .filter(|p| truth.binary_search(p).is_ok())
        .count();
    Score {
        hits: hits as u64,
        predicted: predicted.len() as u64,
        relevant: truth.len() as u64,
    }
}

/// Co-membership score of two partitions given as one label per document: a pair of documents
/// is relevant if it shares a label in `truth`, predicted if it shares one in `predicted`.
/// Counted from cluster sizes, without listing the pairs.
///
/// Fails if the two label lists differ in length.
pub fn comembership(truth: &[usize], predicted: &[usize]) -> Result<Score, Error> {
    if truth.len() != predicted.len() {
        return Err(Error::InvalidConfig(format!(
            "one label per document in both: {} true labels, {} predicted",
            truth.len(),
            predicted.len()
        )));
    }
    let pairs_within = |labels: &mut Vec<(usize, usize)>| {
        labels.sort_unstable();
        let mut total = 0u64;
        let mut run = 0u64;
        for i in 0..labels.len() {
            run = if i > 0 && labels[i] == labels[i - 1] {
                run + 1
            } else {
                0
            };
            total += run; // the new member pairs with each earlier one of its group
        }
        total
    };
    let relevant = pairs_within(&mut truth.iter().map(|&t| (t, 0)).collect());
    let predicted_pairs = pairs_within(&mut predicted.iter().map(|&p| (p, 0)).collect());
    let hits = pairs_within(
        &mut truth
            .iter()
            .copied()
            .zip(predicted.iter().copied())
            .collect(),
    );
    Ok(Score {
        hits,
        predicted: predicted_pairs,
        relevant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::jaccard;
    use proptest::prelude::*;

    fn naive(sets: &[Vec<u64>], t: f64) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                let j = jaccard(&sets[a], &sets[b]);
                if !sets[a].is_empty() && !sets[b].is_empty() && j >= t {
                    out.push((a, b, j));
                }
            }
        }
        out
    }

    fn found(sets: &[Vec<u64>], t: f64) -> Vec<(usize, usize, f64)> {
        all_pairs(sets, t)
            .unwrap()
            .into_iter()
            .map(|e| (e.a, e.b, e.similarity))
            .collect()
    }

    /// Small sets over a small universe, many of them near each other: mutated copies of a few
    /// bases, so every threshold has pairs on both sides.
    fn families() -> impl Strategy<Value = Vec<Vec<u64>>> {
        (
            prop::collection::vec(prop::collection::btree_set(0u64..40, 0..14), 1..5),
            prop::collection::vec(
                (0usize..5, prop::collection::vec(0u64..40, 0..4), 0usize..4),
                0..30,
            ),
        )
            .prop_map(|(bases, edits)| {
                let mut sets: Vec<Vec<u64>> =
                    bases.iter().map(|b| b.iter().copied().collect()).collect();
                for (base, add, drop) in edits {
                    let mut s: Vec<u64> = bases[base % bases.len()].iter().copied().collect();
                    s.truncate(s.len().saturating_sub(drop));
                    s.extend(add);
                    s.sort_unstable();
                    s.dedup();
                    sets.push(s);
                }
                sets
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn matches_naive_oracle(sets in families(), t in prop::sample::select(vec![0.1, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0])) {
            prop_assert_eq!(found(&sets, t), naive(&sets, t));
        }
    }

    #[test]
    fn thresholds_exactly_on_a_ratio_are_kept() {
        // J = 7/10, 4/5 and 9/10 exactly: floating-point rounding must not drop them.
        let base: Vec<u64> = (0..10).collect();
        let sets = vec![
            base.clone(),
            (0..7).collect(),
            (0..8).collect(),
            (0..9).collect(),
        ];
        for t in [0.7, 0.8, 0.9] {
            assert_eq!(found(&sets, t), naive(&sets, t), "t = {t}");
        }
    }

    #[test]
    fn rejects_bad_thresholds() {
        assert!(all_pairs(&[], 0.0).is_err());
        assert!(all_pairs(&[], 1.5).is_err());
        assert!(all_pairs(&[], f64::NAN).is_err());
        assert!(all_pairs(&[], 1.0).unwrap().is_empty());
    }

    #[test]
    fn comembership_counts_pairs() {
        // Truth: {0,1,2}, {3,4}; predicted: {0,1}, {2,3,4}.
        let s = comembership(&[0, 0, 0, 3, 3], &[0, 0, 2, 2, 2]).unwrap();
        assert_eq!((s.relevant, s.predicted, s.hits), (4, 4, 2));
        assert_eq!(s.recall(), 0.5);
        let p = pair_score(&[(0, 1), (1, 2)], &[(1, 2), (2, 3), (1, 2)]);
        assert_eq!((p.relevant, p.predicted, p.hits), (2, 2, 1));
    }

    #[test]
    fn bad_labels_and_edges_are_errors() {
        assert!(comembership(&[0, 0], &[0]).is_err());
        let edge = Edge {
            a: 0,
            b: 2,
            similarity: 1.0,
        };
        assert!(components(2, &[edge]).is_err());
        assert_eq!(components(3, &[edge]).unwrap(), [0, 1, 0]);
    }
}
