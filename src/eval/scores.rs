//! Scores of a clustering against gold labels: the adjusted Rand index, pairwise precision,
//! recall and F1, B-cubed precision, recall and F1, and merges across topics.
//!
//! Both partitions are given as one label per item (`found[i]` the cluster of item `i`,
//! `gold[i]` its true class); any `Ord` labels work. Everything is counted from the contingency
//! table of the two partitions, so the cost is `O(n log n)`, not a pass over all pairs.
//!
//! ```
//! use neardup::eval::scores::Scores;
//! let gold = ["a", "a", "a", "b", "b"];
//! let found = [1, 1, 2, 3, 3];
//! let s = Scores::new(&found, &gold).unwrap();
//! assert_eq!((s.pairs_gold, s.pairs_found, s.pairs_both), (4, 2, 2));
//! assert_eq!(s.pair_precision(), 1.0);
//! assert_eq!(s.pair_recall(), 0.5);
//! ```

use std::collections::BTreeMap;

use crate::error::Error;

/// Pair counts and B-cubed averages of one clustering against gold labels.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Number of items.
    pub items: usize,
    /// Number of clusters found.
    pub clusters_found: usize,
    /// Number of gold classes.
    pub classes_gold: usize,
    /// Pairs in one gold class.
    pub pairs_gold: u64,
    /// Pairs in one found cluster.
    pub pairs_found: u64,
    /// Pairs in one gold class and one found cluster.
    pub pairs_both: u64,
    /// B-cubed precision: per item, the share of its cluster in its class, averaged.
    pub bcubed_precision: f64,
    /// B-cubed recall: per item, the share of its class in its cluster, averaged.
    pub bcubed_recall: f64,
}

impl Scores {
    /// Scores `found` against `gold` (one label each per item, parallel). Fails if the lengths
    /// differ.
    pub fn new<F: Ord, G: Ord>(found: &[F], gold: &[G]) -> Result<Scores, Error> {
        if found.len() != gold.len() {
            return Err(Error::InvalidInput(format!(
                "{} found labels but {} gold labels",
                found.len(),
                gold.len()
            )));
        }
        let mut cells: BTreeMap<(&F, &G), u64> = BTreeMap::new();
        let mut by_found: BTreeMap<&F, u64> = BTreeMap::new();
        let mut by_gold: BTreeMap<&G, u64> = BTreeMap::new();
        for (f, g) in found.iter().zip(gold) {
            *cells.entry((f, g)).or_default() += 1;
            *by_found.entry(f).or_default() += 1;
            *by_gold.entry(g).or_default() += 1;
        }
        let pairs = |n: u64| n * n.saturating_sub(1) / 2;
        let n = found.len();
        // B-cubed: an item in cell (f, g) sees c = |f ∩ g| items of its cluster in its class.
        let (mut precision, mut recall) = (0.0, 0.0);
        for (&(f, g), &c) in &cells {
            let c = c as f64;
            precision += c * c / by_found[f] as f64;
            recall += c * c / by_gold[g] as f64;
        }
        let mean = |x: f64| if n == 0 { 1.0 } else { x / n as f64 };
        Ok(Scores {
            items: n,
            clusters_found: by_found.len(),
            classes_gold: by_gold.len(),
            pairs_gold: by_gold.values().map(|&c| pairs(c)).sum(),
            pairs_found: by_found.values().map(|&c| pairs(c)).sum(),
            pairs_both: cells.values().map(|&c| pairs(c)).sum(),
            bcubed_precision: mean(precision),
            bcubed_recall: mean(recall),
        })
    }

    /// Pairwise precision: the share of pairs put together that belong together (1 when no
    /// pair is put together).
    pub fn pair_precision(&self) -> f64 {
        ratio(self.pairs_both, self.pairs_found)
    }

    /// Pairwise recall: the share of pairs that belong together that are put together (1 when
    /// no pair belongs together).
    pub fn pair_recall(&self) -> f64 {
        ratio(self.pairs_both, self.pairs_gold)
    }

    /// Harmonic mean of pairwise precision and recall.
    pub fn pair_f1(&self) -> f64 {
        harmonic(self.pair_precision(), self.pair_recall())
    }

    /// Harmonic mean of B-cubed precision and recall.
    pub fn bcubed_f1(&self) -> f64 {
        harmonic(self.bcubed_precision, self.bcubed_recall)
    }

    /// The adjusted Rand index (Hubert & Arabie 1985): agreement on pairs, corrected for
    /// chance; 1 for identical partitions, about 0 for independent ones. 1 when both
    /// partitions are trivial in the same way (all singletons or one block).
    pub fn ari(&self) -> f64 {
        let total = (self.items as u64 * (self.items as u64).saturating_sub(1) / 2) as f64;
        let (a, b, both) = (
            self.pairs_gold as f64,
            self.pairs_found as f64,
            self.pairs_both as f64,
        );
        if total == 0.0 {
            return 1.0;
        }
        let expected = a * b / total;
        let max = (a + b) / 2.0;
        if max == expected {
            return 1.0;
        }
        (both - expected) / (max - expected)
    }
}

/// `num / den`, 1 for an empty denominator.
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

fn harmonic(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Found clusters holding items of more than one topic (topics are coarser than gold
/// classes, as in ECB+), as `(cluster, distinct topics)`, by cluster. Fails if the lengths
/// differ.
pub fn cross_topic<F: Ord + Clone, T: Ord>(
    found: &[F],
    topic: &[T],
) -> Result<Vec<(F, usize)>, Error> {
    if found.len() != topic.len() {
        return Err(Error::InvalidInput(format!(
            "{} found labels but {} topics",
            found.len(),
            topic.len()
        )));
    }
    let mut topics: BTreeMap<&F, std::collections::BTreeSet<&T>> = BTreeMap::new();
    for (f, t) in found.iter().zip(topic) {
        topics.entry(f).or_default().insert(t);
    }
    Ok(topics
        .into_iter()
        .filter(|(_, t)| t.len() > 1)
        .map(|(f, t)| (f.clone(), t.len()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force pair counts over all pairs agree with the contingency-table ones.
    #[test]
    fn pairs_match_brute_force() {
        let found = [0, 0, 1, 1, 1, 2, 0, 3, 3, 1];
        let gold = [5, 5, 5, 6, 6, 6, 7, 7, 5, 6];
        let s = Scores::new(&found, &gold).unwrap();
        let (mut g, mut f, mut both) = (0, 0, 0);
        for i in 0..found.len() {
            for j in i + 1..found.len() {
                g += u64::from(gold[i] == gold[j]);
                f += u64::from(found[i] == found[j]);
                both += u64::from(gold[i] == gold[j] && found[i] == found[j]);
            }
        }
        assert_eq!((s.pairs_gold, s.pairs_found, s.pairs_both), (g, f, both));
    }

    /// ARI: 1 for the same partition under other names, negative or near 0 for a partition
    /// that cuts across the classes; B-cubed 1/1 only for the same partition.
    #[test]
    fn ari_and_bcubed() {
        let gold = [0, 0, 0, 1, 1, 1];
        let same = Scores::new(&[9, 9, 9, 4, 4, 4], &gold).unwrap();
        assert_eq!(same.ari(), 1.0);
        assert_eq!((same.bcubed_precision, same.bcubed_recall), (1.0, 1.0));
        let across = Scores::new(&[0, 1, 2, 0, 1, 2], &gold).unwrap();
        assert!(across.ari() < 0.0, "{}", across.ari());
        let one = Scores::new(&[0; 6], &gold).unwrap();
        assert_eq!(one.ari(), 0.0);
        assert_eq!(one.bcubed_recall, 1.0);
        assert!((one.bcubed_precision - 0.5).abs() < 1e-12);
        // The textbook example (Hubert & Arabie's formula by hand): 0.24242...
        let s = Scores::new(&[0, 0, 1, 1, 2, 2], &[0, 0, 0, 1, 1, 1]).unwrap();
        assert!((s.ari() - 0.242_424_242).abs() < 1e-6, "{}", s.ari());
        assert!(Scores::new(&[0], &[0, 1]).is_err());
    }

    #[test]
    fn cross_topic_merges() {
        let found = [0, 0, 1, 1, 2];
        let topic = ["x", "y", "x", "x", "y"];
        assert_eq!(cross_topic(&found, &topic).unwrap(), [(0, 2)]);
    }
}
