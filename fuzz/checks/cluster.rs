//! Clustering arbitrary texts with each preset.
//!
//! Every document in exactly one cluster; clusters well formed (id = smallest member, members
//! in input order, clusters sorted by id, the representative a member with similarity 1, edges
//! inside their cluster, similarities in [0, 1]); the same clusters on a rerun and on one
//! thread; and with the near-duplicate preset, identical texts that have a word together.

use std::sync::OnceLock;

use neardup::{Cluster, Clusterer, Preset};

/// Most texts per input: enough for chains and merges, few enough to stay fast.
const MAX_TEXTS: usize = 12;

/// Checks one input: texts separated by NUL bytes (invalid UTF-8 replaced).
pub fn cluster(data: &[u8]) {
    let joined = String::from_utf8_lossy(data);
    let texts: Vec<&str> = joined.split('\0').take(MAX_TEXTS).collect();
    for preset in [Preset::NearDuplicate, Preset::Rewrite] {
        let clusterer = Clusterer::new(preset);
        let clusters = clusterer.cluster(&texts);
        check_partition(&clusters, texts.len(), preset);
        assert_eq!(
            clusterer.cluster(&texts),
            clusters,
            "a rerun agrees ({preset:?})"
        );
        let single = one_thread().install(|| clusterer.cluster(&texts));
        assert_eq!(single, clusters, "one thread agrees ({preset:?})");
        if preset == Preset::NearDuplicate {
            check_copies_together(&clusters, &texts);
        }
    }
}

fn check_partition(clusters: &[Cluster], n: usize, preset: Preset) {
    let mut cluster_of = vec![None; n];
    for (k, c) in clusters.iter().enumerate() {
        assert!(!c.members.is_empty(), "an empty cluster ({preset:?})");
        assert!(
            c.members.windows(2).all(|w| w[0] < w[1]),
            "members in input order: {:?}",
            c.members
        );
        assert_eq!(c.id, c.members[0], "a cluster's id is its smallest member");
        for &m in &c.members {
            assert!(m < n, "member {m} of {n} documents");
            assert!(
                cluster_of[m].replace(k).is_none(),
                "document {m} in two clusters ({preset:?})"
            );
        }
        assert_eq!(
            c.similarities.len(),
            c.members.len(),
            "one similarity per member"
        );
        assert_eq!(
            c.similarity_of(c.representative),
            Some(1.0),
            "the representative is a member, similar to itself ({preset:?})"
        );
        assert!(
            c.similarities.iter().all(|s| (0.0..=1.0).contains(s)),
            "similarities in [0, 1]: {:?}",
            c.similarities
        );
        for e in &c.edges {
            assert!(
                e.a != e.b && c.similarity_of(e.a).is_some() && c.similarity_of(e.b).is_some(),
                "edge {e:?} inside its cluster {:?}",
                c.members
            );
            assert!((0.0..=1.0).contains(&e.similarity), "edge {e:?}");
        }
    }
    assert!(
        clusters.windows(2).all(|w| w[0].id < w[1].id),
        "clusters sorted by id"
    );
    let missing: Vec<usize> = (0..n).filter(|&m| cluster_of[m].is_none()).collect();
    assert!(
        missing.is_empty(),
        "documents in no cluster: {missing:?} ({preset:?})"
    );
}

/// Identical texts with at least one word have identical shingle sets (Jaccard 1), so the
/// near-duplicate preset must put them in one cluster.
fn check_copies_together(clusters: &[Cluster], texts: &[&str]) {
    let mut cluster_of = vec![0; texts.len()];
    for (k, c) in clusters.iter().enumerate() {
        for &m in &c.members {
            cluster_of[m] = k;
        }
    }
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            if texts[i] == texts[j] && neardup::text::words(texts[i]).next().is_some() {
                assert_eq!(
                    cluster_of[i], cluster_of[j],
                    "copies {i} and {j} apart: {:?}",
                    texts[i]
                );
            }
        }
    }
}

/// A one-thread pool, built once.
fn one_thread() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(
        || match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
            Ok(pool) => pool,
            Err(e) => panic!("cannot build a one-thread pool: {e}"),
        },
    )
}
