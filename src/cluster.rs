//! Stage 6: verified edges → clusters, and the [`Clusterer`] that runs the whole pipeline.
//!
//! Edges are applied strongest first to a union-find. Plain single linkage lets a chain of
//! weak links A~B~C~…~Z pull unrelated documents into one giant cluster (templated stories that
//! each share a little with the next). With a chain guard (the rewrite preset has one), every
//! member must also be similar to its cluster's representative above a floor: when an edge
//! would merge two clusters, the larger one's representative is kept and every member of the
//! smaller one is checked against it; if one falls below the floor, the edge is not used. A
//! rewrite of a rewrite still joins its story, because it still resembles the original, while a
//! chain of shared templates drifts away from it. Checking only the smaller side keeps the cost
//! at O(n log n) similarity computations in the worst case.
//!
//! Output is deterministic: a cluster's id is its smallest member index, members are in input
//! order, clusters are sorted by id, and every input document is in exactly one cluster, for
//! any number of threads.

use std::collections::HashSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Preset};
use crate::error::Error;
use crate::index::Timestamp;
use crate::verify::{Edge, Features, Measure};

mod batch;
pub use batch::{Batch, Pending};

/// A group of documents that are copies or rewrites of each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The smallest member index: stable for the same input.
    pub id: usize,
    /// Indices of the member documents, in input order.
    pub members: Vec<usize>,
    /// The likely original. With the chain guard: the representative every member was checked
    /// against (grown from the strongest edge; ties go to the fuller text, then the earlier).
    /// Without: the member whose edges are strongest (ties: the fuller text, then the earlier).
    pub representative: usize,
    /// Each member's similarity to the representative, parallel to `members` (1.0 for the
    /// representative itself).
    pub similarities: Vec<f64>,
    /// The evidence: verified pairs within the cluster, strongest first.
    pub edges: Vec<Edge>,
}

impl Cluster {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always false: a cluster has at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The similarity of `member` (a document index) to the representative, if it is a member.
    pub fn similarity_of(&self, member: usize) -> Option<f64> {
        let i = self.members.binary_search(&member).ok()?;
        self.similarities.get(i).copied()
    }
}

/// Groups texts into clusters of copies or rewrites. Cheap to clone; reusable.
///
/// ```
/// use neardup::{Clusterer, Preset};
/// let texts = [
///     "The central bank raised interest rates by half a point on Tuesday, citing inflation.",
///     "The central bank raised interest rates by half a point on Tuesday, citing inflation!",
///     "A new species of frog was found in the rainforests of northern Peru this spring.",
/// ];
/// let clusters = Clusterer::new(Preset::NearDuplicate).cluster(&texts);
/// assert_eq!(clusters.len(), 2);
/// assert_eq!(clusters[0].members, [0, 1]);
/// ```
#[derive(Clone, Debug)]
pub struct Clusterer {
    config: Config,
}

impl Clusterer {
    /// A clusterer with a preset's configuration.
    pub fn new(preset: Preset) -> Clusterer {
        Clusterer {
            config: Config::preset(preset),
        }
    }

    /// A clusterer with a custom configuration (from [`Config::builder`]); fails if invalid.
    pub fn with_config(config: Config) -> Result<Clusterer, Error> {
        config.validate()?;
        Ok(Clusterer { config })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Clusters `texts`: every text is in exactly one cluster; clusters are sorted by id.
    ///
    /// Empty and whitespace-only texts have no features: each stays a cluster of its own.
    ///
    /// # Panics
    /// With more than `u32::MAX` texts in one batch; [`Clusterer::try_cluster`] returns an
    /// error instead.
    pub fn cluster<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Vec<Cluster> {
        match self.try_cluster(texts) {
            Ok(clusters) => clusters,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Clusterer::cluster`], failing instead of panicking with more than `u32::MAX` texts.
    pub fn try_cluster<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Result<Vec<Cluster>, Error> {
        if self.config.method == crate::config::Method::Weighted {
            // The batch path would copy every text to hold it: the same clusters, directly.
            let features = self.features(texts)?;
            return self.cluster_features(&features);
        }
        let mut batch = self.batch()?;
        batch.add(texts)?;
        let mut pending = batch.candidates()?;
        let again: Vec<&str> = pending
            .needed()
            .iter()
            .map(|&i| texts[i as usize].as_ref())
            .collect();
        pending.supply(&again)?;
        pending.finish()
    }

    /// [`Clusterer::try_cluster`] for texts with publication times (`times[i]` in seconds, e.g.
    /// Unix time): two texts published more than `window` seconds apart are never linked
    /// directly, though a story may span longer through texts published between them, as in
    /// an [`Index`](crate::Index) with [`Index::with_window`](crate::Index::with_window) fed in
    /// time order. The story method keeps its specificity bound's formula
    /// instead of measuring it ([`crate::story::measured_bound`]): time keeps similar events
    /// apart. Fails if `times` does not hold one time per text or `window` is negative.
    ///
    /// ```
    /// use neardup::{Clusterer, Preset};
    ///
    /// let texts = [
    ///     "Magnitude 4.4 earthquake strikes Sonoma County near The Geysers, USGS says.",
    ///     "A 4.4 magnitude earthquake struck Sonoma County near The Geysers, the USGS said.",
    ///     "Magnitude 4.4 earthquake strikes Sonoma County near The Geysers, USGS says.",
    /// ];
    /// let day = 86_400;
    /// let times = [0, 3_600, 400 * day]; // the third, a year later, is another quake
    /// let clusters = Clusterer::new(Preset::Story).cluster_within(&texts, &times, 3 * day)?;
    /// assert_eq!(clusters.len(), 2);
    /// assert_eq!(clusters[0].members, vec![0, 1]);
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn cluster_within<T: AsRef<str> + Sync>(
        &self,
        texts: &[T],
        times: &[Timestamp],
        window: Timestamp,
    ) -> Result<Vec<Cluster>, Error> {
        batch::check_times(times, texts.len(), window)?;
        // The window keeps similar events apart: no measured story bound (`Features::from_terms`).
        let features = Features::compute_measured(&self.config, texts, false)?;
        let mut candidates = features.candidates(&self.config)?;
        candidates.retain(|&(a, b)| crate::parts::within_window(times, window, a, b));
        let edges = features.verify_pairs(&candidates, self.config.threshold());
        Ok(link_checked(&features, edges, self.config.chain_floor))
    }

    /// A [`Batch`] to add documents to in chunks: the same clusters as [`Clusterer::cluster`]
    /// without holding every text (or, with exact verification, every shingle set). Fails only
    /// if the configuration is invalid.
    pub fn batch(&self) -> Result<Batch, Error> {
        Batch::new(self)
    }

    /// The features (signatures, fingerprints or profiles) of `texts` under this configuration.
    /// Fails with more than `u32::MAX` texts (pairs are stored as `u32` indices).
    pub fn features<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Result<Features, Error> {
        Features::compute(&self.config, texts)
    }

    /// Clusters documents whose features were computed with this configuration; features from
    /// a configuration that would have made different ones are an [`Error::Incompatible`].
    pub fn cluster_features(&self, features: &Features) -> Result<Vec<Cluster>, Error> {
        link_all(features, &self.config)
    }

    /// The similarity of two texts under this configuration, as clustering would measure it.
    /// For the weighted method, word rarity is measured within this pair only.
    pub fn similarity(&self, a: &str, b: &str) -> f64 {
        // Two texts measure no tighter bound than their own document frequencies reach.
        Features::compute_measured(&self.config, &[a, b], false)
            .ok()
            .and_then(|f| f.similarity(0, 1))
            .unwrap_or(0.0)
    }
}

/// Every candidate of `features` verified at `config`'s threshold and linked under its chain
/// guard: [`Clusterer::cluster_features`], and the story method's first clustering.
pub(crate) fn link_all(features: &Features, config: &Config) -> Result<Vec<Cluster>, Error> {
    let candidates = features.candidates(config)?;
    let edges = features.verify_pairs(&candidates, config.threshold());
    Ok(link_checked(features, edges, config.chain_floor))
}

/// Union-find over `edges` (strongest first) with the optional chain guard (every member at
/// least `floor` similar to its cluster's representative); then clusters. Fails if an edge is
/// not `a < b < features.len()` or the floor is outside `[0, 1]`.
pub fn link(
    features: &Features,
    edges: Vec<Edge>,
    floor: Option<f64>,
) -> Result<Vec<Cluster>, Error> {
    link_measured(features, edges, floor)
}

/// [`link`] over any measure (the batch store, or `parts::link`'s functions).
pub(crate) fn link_measured(
    features: &impl Measure,
    edges: Vec<Edge>,
    floor: Option<f64>,
) -> Result<Vec<Cluster>, Error> {
    let n = features.count();
    if let Some(e) = edges.iter().find(|e| e.a >= e.b || e.b >= n) {
        return Err(Error::InvalidInput(format!(
            "edge ({}, {}) is not a < b < {n}",
            e.a, e.b
        )));
    }
    if let Some(f) = floor.filter(|f| !(0.0..=1.0).contains(f)) {
        return Err(Error::InvalidConfig(format!(
            "chain floor must be in [0, 1], got {f}"
        )));
    }
    Ok(link_checked(features, edges, floor))
}

/// [`link`] of edges known to be in range.
fn link_checked(features: &impl Measure, mut edges: Vec<Edge>, floor: Option<f64>) -> Vec<Cluster> {
    let n = features.count();
    edges.par_sort_unstable_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut sets = UnionFind::new(n);
    // Per root: the cluster's representative and, with the guard, its members.
    let mut rep: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = if floor.is_some() {
        (0..n).map(|i| vec![i]).collect()
    } else {
        Vec::new()
    };
    let mut size = vec![1usize; n];
    // Merges the guard refused, by both roots and sizes: clusters only grow, so a root and a
    // size name one state of a cluster, and until one side grows every other edge between the
    // two would check the same members against the same representative again.
    // (Kept only for inputs whose indices fit 4 bytes: every batch's, `lsh::check_count`.)
    let memo = floor.is_some() && u32::try_from(n).is_ok();
    let mut refused: HashSet<[u32; 4]> = HashSet::new();
    for e in &edges {
        let (ra, rb) = (sets.find(e.a), sets.find(e.b));
        if ra == rb {
            continue;
        }
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        let state = [lo, hi, size[lo], size[hi]].map(|x| x as u32);
        if memo && refused.contains(&state) {
            continue;
        }
        // The larger cluster keeps its representative (ties: the fuller text, then the
        // earlier), so with the guard only the smaller side's members need checking: each
        // document is checked O(log n) times in all.
        let (big, small) = if (size[ra], features.content_at(rep[ra]), rb).partial_cmp(&(
            size[rb],
            features.content_at(rep[rb]),
            ra,
        )) == Some(std::cmp::Ordering::Less)
        {
            (rb, ra)
        } else {
            (ra, rb)
        };
        if let Some(floor) = floor {
            let r = rep[big];
            if members[small]
                .iter()
                .any(|&m| m != r && features.similarity_at(m, r) < floor)
            {
                // Forgetting only costs measuring again: at most one entry per document.
                if memo {
                    if refused.len() >= n {
                        refused.clear();
                    }
                    refused.insert(state);
                }
                continue;
            }
            let moved = std::mem::take(&mut members[small]);
            members[big].extend(moved);
        }
        let root = sets.join_roots(ra, rb);
        rep[root] = rep[big];
        size[root] = size[ra] + size[rb];
        if floor.is_some() && root != big {
            members.swap(root, big);
        }
    }
    // Group members by root; roots are the smallest member, so ids come out sorted.
    let mut index_of_root = vec![usize::MAX; n];
    let mut groups: Vec<(Vec<usize>, Vec<Edge>)> = Vec::new();
    for i in 0..n {
        let r = sets.find(i);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = groups.len();
            groups.push((Vec::new(), Vec::new()));
        }
        groups[index_of_root[r]].0.push(i);
    }
    for e in edges {
        let (ra, rb) = (sets.find(e.a), sets.find(e.b));
        if ra == rb {
            groups[index_of_root[ra]].1.push(e);
        }
    }
    groups
        .into_par_iter()
        .map(|(members, edges)| {
            let guard_rep = floor.map(|_| rep[members[0]]);
            finish(features, members, edges, guard_rep)
        })
        .collect()
}

/// Disjoint sets of `0..n` whose root is always the smallest member, so a set's id is stable
/// whatever order its members were joined in.
#[derive(Clone, Debug)]
pub(crate) struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub(crate) fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    /// The root (smallest member) of `x`'s set, halving the path on the way.
    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of the roots `ra` and `rb`; the smaller becomes the root, which is returned.
    pub(crate) fn join_roots(&mut self, ra: usize, rb: usize) -> usize {
        let (root, child) = (ra.min(rb), ra.max(rb));
        self.parent[child] = root;
        root
    }
}

/// Picks the representative (the guard's, whose similarity to every member it checked, or
/// else the member with the strongest edges) and measures every member against it.
fn finish(
    features: &impl Measure,
    members: Vec<usize>,
    edges: Vec<Edge>,
    guard_rep: Option<usize>,
) -> Cluster {
    let representative = if let Some(r) = guard_rep {
        r
    } else if members.len() == 1 {
        members[0]
    } else {
        let mut score = vec![0.0f64; members.len()];
        for e in &edges {
            for d in [e.a, e.b] {
                if let Ok(i) = members.binary_search(&d) {
                    score[i] += e.similarity;
                }
            }
        }
        let key = |i: usize| (score[i], features.content_at(members[i]));
        let best = (0..members.len())
            .max_by(|&x, &y| {
                let (kx, ky) = (key(x), key(y));
                kx.0.total_cmp(&ky.0)
                    .then(kx.1.total_cmp(&ky.1))
                    .then(y.cmp(&x)) // earlier wins ties
            })
            .unwrap_or(0);
        members[best]
    };
    let similarities = members
        .iter()
        .map(|&m| {
            if m == representative {
                1.0
            } else {
                features.similarity_at(m, representative)
            }
        })
        .collect();
    Cluster {
        id: members[0],
        members,
        representative,
        similarities,
        edges,
    }
}
