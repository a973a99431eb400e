//! Pieces of the batch stages for running the pipeline elsewhere (the `neardup-dataflow`
//! workspace member runs it on timely-dataflow across threads and machines).
//!
//! A distributed run must make exactly the candidates the batch makes, so these are the batch's
//! own rules, one document or one bucket at a time: the band keys of one signature, and the
//! pairs one LSH bucket gives (with the cap on oversized buckets); a SimHash fingerprint's table
//! keys, and the edges one SimHash bucket gives.

use crate::cluster::{link_measured, Cluster};
use crate::config::Config;
use crate::error::Error;
use crate::index::Timestamp;
use crate::lsh::{self, Banding, Pair};
use crate::minhash::Signature;
use crate::simhash::Fingerprint;
use crate::verify::{Edge, Measure};

/// The band keys of one signature under `banding`, band by band, as the batch's candidate
/// search computes them; none for the signature of an empty set (it is never a candidate) or
/// a signature shorter than the layout.
pub fn band_keys(banding: &Banding, signature: &Signature) -> Vec<u64> {
    if signature.is_empty() {
        return Vec::new();
    }
    let rows = banding.rows();
    signature
        .values()
        .chunks_exact(rows)
        .take(banding.bands())
        .map(lsh::band_key)
        .collect()
}

/// Appends the candidate pairs of one LSH bucket to `out`: `docs` are the bucket's documents
/// in ascending order. Every pair of a bucket of at most [`lsh::MAX_BUCKET`] documents; in a
/// larger one each document is paired with the next [`lsh::HUGE_BUCKET_WINDOW`] only (the
/// batch's rule, so both paths cap a bucket alike).
pub fn bucket_pairs(docs: &[u32], out: &mut Vec<Pair>) {
    let keys: Vec<(u64, u32)> = docs.iter().map(|&d| (0, d)).collect();
    lsh::pairs_in_runs(&keys, out);
}

/// The SimHash tables of a configuration (for its Hamming distance `d`, one table per pair of
/// the `d + 2` bit blocks), applied one fingerprint or one bucket at a time as the batch's
/// candidate search applies them to all fingerprints at once.
///
/// Grouping documents by [`SimHashTables::keys`] and keeping the union of
/// [`SimHashTables::bucket_edges`] over every bucket gives exactly the pairs the batch verifies
/// as edges: every pair within distance `d`, except inside the classes of more than
/// [`lsh::MAX_BUCKET`] identical fingerprints (chained: each member with the next) and between
/// such a class and another close one (their first members only). Those rules depend only on
/// the fingerprints, so they come out the same bucket by bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimHashTables {
    masks: Vec<u64>,
    distance: u32,
}

impl SimHashTables {
    /// The tables of `config`'s SimHash distance (whatever its method).
    pub fn new(config: &Config) -> SimHashTables {
        SimHashTables {
            masks: lsh::simhash_tables(config.simhash_distance),
            distance: config.simhash_distance,
        }
    }

    /// The largest Hamming distance of an edge.
    pub fn distance(&self) -> u32 {
        self.distance
    }

    /// The `(table, key)` pairs of one fingerprint, table by table; none for the fingerprint 0
    /// (a text without shingles), which the batch never makes a candidate.
    pub fn keys(&self, fingerprint: Fingerprint) -> Vec<(u32, u64)> {
        if fingerprint.0 == 0 {
            return Vec::new();
        }
        (0u32..)
            .zip(&self.masks)
            .map(|(table, mask)| (table, fingerprint.0 & mask))
            .collect()
    }

    /// Appends to `out` the edges among the members of one bucket: `bucket` holds its
    /// documents in ascending order with their fingerprints. A bucket of at most
    /// [`lsh::MAX_BUCKET`] gives its pairs within the distance; a larger one is searched by the
    /// batch's own code, with its rule for large classes of identical fingerprints.
    pub fn bucket_edges(&self, bucket: &[(u32, Fingerprint)], out: &mut Vec<Pair>) {
        let close = |a: Fingerprint, b: Fingerprint| a.hamming(b) <= self.distance;
        if bucket.len() <= lsh::MAX_BUCKET {
            for (i, &(a, fa)) in bucket.iter().enumerate() {
                out.extend(
                    bucket[i + 1..]
                        .iter()
                        .filter(|&&(_, fb)| fa.0 != 0 && fb.0 != 0 && close(fa, fb))
                        .map(|&(b, _)| (a, b)),
                );
            }
            return;
        }
        let fingerprints: Vec<Fingerprint> = bucket.iter().map(|m| m.1).collect();
        for (p, q) in lsh::simhash_pairs(&fingerprints, self.distance) {
            let (p, q) = (bucket[p as usize], bucket[q as usize]);
            if close(p.1, q.1) {
                out.push((p.0, q.0));
            }
        }
    }
}

/// Clusters documents `0..n` joined by `edges` exactly as [`crate::cluster::link`] does (the
/// same union-find, chain guard `floor`, representatives and ties), with the measures given as
/// functions instead of a `verify::Features`: `similarity(a, b)` for `a < b < n` and
/// `content(i)` for `i < n`. A distributed run links each connected component alone with
/// it, which gives what linking the whole corpus gives that component. Fails as `link` does.
pub fn link<S, C>(
    n: usize,
    edges: Vec<Edge>,
    floor: Option<f64>,
    similarity: S,
    content: C,
) -> Result<Vec<Cluster>, Error>
where
    S: Fn(usize, usize) -> f64 + Sync,
    C: Fn(usize) -> f64 + Sync,
{
    link_measured(
        &Functions {
            n,
            similarity,
            content,
        },
        edges,
        floor,
    )
}

/// A [`Measure`] made of two functions.
struct Functions<S, C> {
    n: usize,
    similarity: S,
    content: C,
}

impl<S, C> Measure for Functions<S, C>
where
    S: Fn(usize, usize) -> f64 + Sync,
    C: Fn(usize) -> f64 + Sync,
{
    fn count(&self) -> usize {
        self.n
    }
    fn similarity_at(&self, a: usize, b: usize) -> f64 {
        (self.similarity)(a, b)
    }
    fn content_at(&self, i: usize) -> f64 {
        (self.content)(i)
    }
}

/// The time window's rule (`neardup cluster --window`): documents `a` and `b` may be linked
/// only if they were published at most `window` seconds apart. The batch applies it to
/// candidate pairs before verifying them, a distributed run to its verified edges (the same
/// edges, since verification is a function of the pair). `false` for a document without a
/// time in `times` or a negative window.
pub fn within_window(times: &[Timestamp], window: Timestamp, a: u32, b: u32) -> bool {
    match (times.get(a as usize), times.get(b as usize)) {
        (Some(ta), Some(tb)) => window >= 0 && ta.abs_diff(*tb) <= window.unsigned_abs(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::minhash::{MinHashParams, MinHasher};
    use crate::verify::Features;
    use crate::{cluster, Preset};

    /// Grouping documents by band key and pairing each bucket gives the batch's candidates.
    #[test]
    fn buckets_of_band_keys_give_the_batch_candidates() {
        let hasher = MinHasher::new(MinHashParams::default()).unwrap();
        // Groups of near-copies, one template shared by many (an oversized bucket), and an
        // empty text.
        let mut texts: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "the same template line for every one of them number {}",
                    i % 2
                )
            })
            .collect();
        for g in 0..40 {
            for v in 0..4 {
                texts.push(format!(
                    "story {g} about the harbour and the ships that came in at dawn on day {g} \
                     while the crews unloaded grain {v}"
                ));
            }
        }
        texts.push(String::new());
        let signatures = hasher.sign_all(&texts);
        let banding = Banding::optimal(0.5, 128, lsh::FN_WEIGHT).unwrap();
        let want = banding.candidates(&signatures).unwrap();
        let mut keyed: Vec<(usize, u64, u32)> = Vec::new();
        for (doc, s) in signatures.iter().enumerate() {
            for (band, key) in band_keys(&banding, s).into_iter().enumerate() {
                keyed.push((band, key, doc as u32));
            }
        }
        keyed.sort_unstable();
        let mut got = Vec::new();
        for run in keyed.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let docs: Vec<u32> = run.iter().map(|e| e.2).collect();
            bucket_pairs(&docs, &mut got);
        }
        got.sort_unstable();
        got.dedup();
        assert!(keyed
            .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
            .any(|r| r.len() > lsh::MAX_BUCKET));
        assert!(want.len() > 1000, "{}", want.len());
        assert_eq!(got, want);
    }

    /// Grouping fingerprints by their table keys and taking each bucket's edges gives the
    /// batch's verified edges, with a class of identical fingerprints larger than a bucket, a
    /// distance small enough for the tables and one large enough for the global search.
    #[test]
    fn simhash_buckets_give_the_batch_edges() {
        let mut texts: Vec<String> = vec!["one template shared word for word by many".into(); 230];
        texts.extend(
            (0..230).map(|i| format!("one template shared word for word by many {}", i % 7)),
        );
        texts.extend(chained_texts());
        texts.push(String::new());
        for d in [3, 12] {
            let config = Config::builder(Preset::NearDuplicate)
                .method(crate::config::Method::SimHash)
                .simhash_distance(d)
                .build()
                .unwrap();
            let features = Features::compute(&config, &texts).unwrap();
            let candidates = features.candidates(&config).unwrap();
            let mut want: Vec<Pair> = features
                .verify(&candidates, config.threshold())
                .unwrap()
                .iter()
                .map(|e| (e.a as u32, e.b as u32))
                .collect();
            want.sort_unstable();
            let tables = SimHashTables::new(&config);
            assert_eq!(tables.distance(), d);
            let fingerprints = features.fingerprints().unwrap();
            let mut keyed: Vec<(u32, u64, u32)> = Vec::new();
            for (doc, &f) in (0u32..).zip(fingerprints) {
                keyed.extend(tables.keys(f).into_iter().map(|(t, k)| (t, k, doc)));
            }
            keyed.sort_unstable();
            let mut got = Vec::new();
            for run in keyed.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
                let bucket: Vec<(u32, Fingerprint)> = run
                    .iter()
                    .map(|e| (e.2, fingerprints[e.2 as usize]))
                    .collect();
                tables.bucket_edges(&bucket, &mut got);
            }
            got.sort_unstable();
            got.dedup();
            // The large class is chained, not paired all with all.
            assert!(want.len() < 230 * 229 / 2, "{d}: {}", want.len());
            assert!(want.len() > 500, "{d}: {}", want.len());
            assert_eq!(got, want, "distance {d}");
        }
    }

    /// Stories of five variants each, sharing words with the next story: chains to guard.
    fn chained_texts() -> Vec<String> {
        // Neighbouring stories share half their words, each word is in about ten texts.
        let words: Vec<String> = (0..820).map(|i| format!("tok{i}")).collect();
        let mut state = 17u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..400)
            .map(|i| {
                let start = (i / 5) * 10;
                let mut t: Vec<&str> = words[start..start + 20]
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                for _ in 0..(next() % 6) {
                    let at = next() % t.len();
                    t[at] = &words[next() % words.len()];
                }
                t.join(" ")
            })
            .collect()
    }

    /// The same clusters as `cluster::link`, with and without the chain guard, for both
    /// presets' methods.
    #[test]
    fn links_as_the_batch_does() {
        let texts = chained_texts();
        for preset in [Preset::NearDuplicate, Preset::Rewrite] {
            for threshold in [0.3, 0.6] {
                let config = Config::builder(preset)
                    .threshold(threshold)
                    .build()
                    .unwrap();
                let features = Features::compute(&config, &texts).unwrap();
                let candidates = features.candidates(&config).unwrap();
                let edges = features.verify(&candidates, config.threshold()).unwrap();
                assert!(edges.len() > 30, "{preset:?} {threshold}: {}", edges.len());
                for floor in [None, Some(0.2), Some(0.5)] {
                    let want = cluster::link(&features, edges.clone(), floor).unwrap();
                    let got = link(
                        texts.len(),
                        edges.clone(),
                        floor,
                        |a, b| features.similarity(a, b).unwrap(),
                        |i| features.content(i).unwrap(),
                    )
                    .unwrap();
                    assert!(want.iter().any(|c| c.len() > 2));
                    assert_eq!(got, want, "{preset:?} {threshold} {floor:?}");
                }
            }
        }
    }
}
