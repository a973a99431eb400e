//! The saved-index format, version 4: an independent reading of the documented layout, and
//! crafted files (with a valid checksum) of every kind the loader must refuse.

use neardup::index::FORMAT_VERSION;
use neardup::{Config, Error, Index, Preset};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// The payload as `src/index/format.rs` documents it, written from the documentation.
#[derive(Clone, Serialize, Deserialize)]
struct Saved {
    config: Config,
    window: Option<i64>,
    newest: i64,
    next_seq: u64,
    next_cluster: u64,
    docs: Vec<SavedDoc>,
    clusters: Vec<SavedCluster>,
    saturated: Vec<u64>,
}

#[derive(Clone, Serialize, Deserialize)]
struct SavedDoc {
    id: String,
    seq: u64,
    time: i64,
    cluster: u64,
    text_hash: u64,
    features: Features,
}

#[derive(Clone, Serialize, Deserialize)]
enum Features {
    MinHash { set: Vec<u32> },
    SimHash { fingerprint: u64, size: u32 },
    Weighted { terms: Vec<u64> },
    Signature { values: Vec<u32> },
}

#[derive(Clone, Serialize, Deserialize)]
struct SavedCluster {
    id: u64,
    members: Vec<u32>,
    representative: u32,
}

const HEADER: usize = 28;

fn decode(bytes: &[u8]) -> Saved {
    assert_eq!(&bytes[..8], b"NDUPIDX\0");
    assert_eq!(bytes[8..12], FORMAT_VERSION.to_le_bytes());
    postcard::from_bytes(&bytes[HEADER..]).unwrap()
}

/// A file with `payload` and a header that matches it (length and checksum recomputed).
fn file_of(payload: &[u8]) -> Vec<u8> {
    let mut out = b"NDUPIDX\0".to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn encode(saved: &Saved) -> Vec<u8> {
    file_of(&postcard::to_allocvec(saved).unwrap())
}

fn saved_bytes(index: &Index) -> Vec<u8> {
    let mut bytes = Vec::new();
    index.save(&mut bytes).unwrap();
    bytes
}

fn words(range: std::ops::Range<usize>) -> String {
    range.map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")
}

/// Five articles in three clusters: {d0, d5}, {d1, d3} and {d4}; d2 was removed.
fn sample(preset: Preset) -> Index {
    sample_of(Config::preset(preset))
}

fn sample_of(config: Config) -> Index {
    let index = Index::with_config(config).unwrap().with_window(1_000);
    for (i, r) in [0..60, 200..260, 0..58, 200..259, 400..460, 0..59]
        .into_iter()
        .enumerate()
    {
        index.insert(&format!("d{i}"), &words(r), i as i64).unwrap();
    }
    index.remove("d2");
    index
}

/// Near-duplicate with estimated verification: documents keep their signatures.
fn estimated() -> Config {
    Config::builder(Preset::NearDuplicate)
        .verification(neardup::config::Verification::Estimated)
        .build()
        .unwrap()
}

#[test]
fn the_documented_layout_reads_and_writes_alike() {
    let configs = [
        Config::preset(Preset::NearDuplicate),
        estimated(),
        Config::preset(Preset::Rewrite),
    ];
    for config in configs {
        let bytes = saved_bytes(&sample_of(config.clone()));
        let saved = decode(&bytes);
        assert_eq!(encode(&saved), bytes);
        assert_eq!(saved.docs.len(), 5);
        assert_eq!(saved.clusters.len(), 3, "{config:?}");
        let loaded = Index::load(&bytes[..]).unwrap();
        assert_eq!(saved_bytes(&loaded), bytes, "{config:?}");
    }
    // Exact verification keeps the shingle sets folded as documented, estimated the
    // signatures (the signature of the same text).
    let config = Config::preset(Preset::NearDuplicate);
    let mut shingler = neardup::shingle::Shingler::new(config.shingles(), config.seed()).unwrap();
    let mut folded: Vec<u32> = shingler
        .shingle(&words(0..60))
        .into_iter()
        .map(|h| (h ^ h >> 32) as u32)
        .collect();
    folded.sort_unstable();
    folded.dedup();
    let saved = decode(&saved_bytes(&sample(Preset::NearDuplicate)));
    assert!(matches!(&saved.docs[0].features, Features::MinHash { set } if *set == folded));
    let signer = neardup::minhash::MinHasher::new(neardup::minhash::MinHashParams {
        num_perm: config.num_perm(),
        seed: config.seed(),
        shingles: config.shingles(),
    })
    .unwrap();
    let signature = signer.sign(&words(0..60)).values().to_vec();
    let saved = decode(&saved_bytes(&sample_of(estimated())));
    assert!(
        matches!(&saved.docs[0].features, Features::Signature { values } if *values == signature)
    );
}

/// Loads `saved` after `change` and returns the error message.
fn refused(preset: Preset, change: impl FnOnce(&mut Saved)) -> String {
    refused_of(Config::preset(preset), change)
}

fn refused_of(config: Config, change: impl FnOnce(&mut Saved)) -> String {
    let mut saved = decode(&saved_bytes(&sample_of(config)));
    change(&mut saved);
    match Index::load(&encode(&saved)[..]) {
        Err(Error::Format(m)) => m,
        Err(e) => panic!("expected a format error, got {e}"),
        Ok(_) => panic!("a crafted file was accepted"),
    }
}

#[test]
fn counters_at_their_maximum_are_refused() {
    let m = refused(Preset::NearDuplicate, |s| s.next_cluster = u64::MAX);
    assert!(m.contains("counters"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| s.next_seq = u64::MAX);
    assert!(m.contains("counters"), "{m}");
}

#[test]
fn windows_and_times_are_checked() {
    let m = refused(Preset::NearDuplicate, |s| s.window = Some(-1));
    assert!(m.contains("negative window"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| s.newest = 2);
    assert!(m.contains("newer than the newest"), "{m}");
}

#[test]
fn insertion_numbers_and_ids_are_checked() {
    let m = refused(Preset::NearDuplicate, |s| s.docs[1].seq = s.docs[0].seq);
    assert!(m.contains("insertion number"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| s.docs[4].seq = s.next_seq);
    assert!(m.contains("insertion number"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        s.docs[3].id = s.docs[0].id.clone()
    });
    assert!(m.contains("duplicate id"), "{m}");
}

#[test]
fn cluster_ids_are_checked() {
    let m = refused(Preset::NearDuplicate, |s| {
        let last = s.clusters.len() - 1;
        let (old, id) = (s.clusters[last].id, s.next_cluster);
        s.clusters[last].id = id;
        for d in s.docs.iter_mut().filter(|d| d.cluster == old) {
            d.cluster = id;
        }
    });
    assert!(m.contains("not yet handed out"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        s.clusters[1].id = s.clusters[0].id
    });
    assert!(m.contains("out of order"), "{m}");
}

#[test]
fn cluster_members_are_checked() {
    let m = refused(Preset::NearDuplicate, |s| s.clusters[0].members.clear());
    assert!(m.contains("members empty"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| s.clusters[0].members.push(999));
    assert!(m.contains("out of range"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        let other = s.clusters[1].members[0];
        s.clusters[0].members.push(other);
        s.clusters[0].members.sort();
    });
    assert!(m.contains("another cluster"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        let first = s.clusters[0].members[0];
        s.clusters[0].members.push(first);
    });
    assert!(m.contains("out of order"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        let outside = (0..5).find(|p| !s.clusters[0].members.contains(p)).unwrap();
        s.clusters[0].representative = outside;
    });
    assert!(m.contains("representative"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        s.clusters.remove(0);
    });
    assert!(m.contains("in no cluster"), "{m}");
}

#[test]
fn features_are_checked() {
    let m = refused_of(estimated(), |s| match &mut s.docs[0].features {
        Features::Signature { values } => values.pop().map(drop).unwrap(),
        _ => unreachable!("estimated verification keeps signatures"),
    });
    assert!(m.contains("signature length"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| match &mut s.docs[0].features {
        Features::MinHash { set } => set.swap(0, 1),
        _ => unreachable!("near-duplicate keeps shingle sets"),
    });
    assert!(m.contains("shingle set not sorted"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| match &mut s.docs[0].features {
        Features::MinHash { set } => set.push(set[set.len() - 1]),
        _ => unreachable!("near-duplicate keeps shingle sets"),
    });
    assert!(m.contains("shingle set not sorted or repeated"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        s.docs[0].features = Features::Signature {
            values: vec![7; 128],
        }
    });
    assert!(m.contains("signature under exact"), "{m}");
    let m = refused_of(estimated(), |s| {
        s.docs[0].features = Features::MinHash { set: vec![1, 2] }
    });
    assert!(m.contains("shingle set under estimated"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| {
        s.docs[0].features = Features::Weighted { terms: vec![1] }
    });
    assert!(m.contains("another method"), "{m}");
    let m = refused(Preset::Rewrite, |s| match &mut s.docs[0].features {
        Features::Weighted { terms } => terms.push(terms[0]),
        _ => unreachable!("rewrite uses weighted profiles"),
    });
    assert!(m.contains("content terms"), "{m}");
}

#[test]
fn saturated_words_are_checked() {
    let m = refused(Preset::Rewrite, |s| s.saturated = vec![5, 3]);
    assert!(m.contains("saturated"), "{m}");
    let m = refused(Preset::NearDuplicate, |s| s.saturated = vec![3]);
    assert!(m.contains("saturated"), "{m}");
}

#[test]
fn invalid_configurations_and_trailing_bytes_are_refused() {
    let mut saved = decode(&saved_bytes(&sample(Preset::NearDuplicate)));
    let mut config = serde_json::to_value(&saved.config).unwrap();
    config["threshold"] = serde_json::json!(2.0);
    saved.config = serde_json::from_value(config).unwrap();
    assert!(matches!(
        Index::load(&encode(&saved)[..]),
        Err(Error::InvalidConfig(_))
    ));

    let bytes = saved_bytes(&sample(Preset::NearDuplicate));
    let mut payload = bytes[HEADER..].to_vec();
    payload.push(0);
    let m = match Index::load(&file_of(&payload)[..]) {
        Err(Error::Format(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(m.contains("after the payload"), "{m}");
}

/// Counters one below their maximum load; the index then refuses the insert that would
/// overflow them, and changes nothing.
#[test]
fn an_index_at_its_limits_refuses_inserts() {
    let mut saved = decode(&saved_bytes(&sample(Preset::NearDuplicate)));
    saved.next_seq = u64::MAX - 1;
    let index = Index::load(&encode(&saved)[..]).unwrap();
    index.insert("x", &words(900..960), 10).unwrap();
    assert!(matches!(
        index.insert("y", &words(1900..1960), 10),
        Err(Error::Capacity(_))
    ));
    assert_eq!(index.len(), 6);

    let mut saved = decode(&saved_bytes(&sample(Preset::NearDuplicate)));
    saved.next_cluster = u64::MAX - 1;
    let index = Index::load(&encode(&saved)[..]).unwrap();
    let x = index.insert("x", &words(900..960), 10).unwrap();
    assert_eq!(x.cluster, u64::MAX - 1);
    assert!(matches!(
        index.insert("y", &words(1900..1960), 10),
        Err(Error::Capacity(_))
    ));
    assert_eq!(index.cluster_of("y"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random edits of the numbers in a valid payload (checksum recomputed): the loader gives
    /// an index or an error, and an index it gives answers, inserts and saves without panic.
    #[test]
    fn crafted_numbers_never_panic(
        edits in prop::collection::vec((0usize..9, any::<u64>()), 1..4),
        rewrite in any::<bool>(),
    ) {
        let preset = if rewrite { Preset::Rewrite } else { Preset::NearDuplicate };
        let mut s = decode(&saved_bytes(&sample(preset)));
        for (field, v) in edits {
            let small = (v % 8) as u32;
            match field {
                0 => s.next_seq = v,
                1 => s.next_cluster = v,
                2 => s.window = Some(v as i64),
                3 => s.newest = v as i64,
                4 => s.docs[small as usize % 5].seq = v,
                5 => s.docs[small as usize % 5].cluster = v % 8,
                6 => s.clusters[0].representative = small,
                7 => {
                    let c = small as usize % s.clusters.len();
                    s.clusters[c].members.push(small);
                }
                _ => s.docs[small as usize % 5].time = v as i64,
            }
        }
        if let Ok(index) = Index::load(&encode(&s)[..]) {
            let _ = index.query(&words(0..60));
            let _ = index.insert("new", &words(0..60), i64::MAX);
            let _ = index.evict_older_than(i64::MAX);
            let _ = saved_bytes(&index);
        }
    }
}

/// SimHash in the index finds every article within the Hamming distance, however many share
/// a bucket: 1,000 crafted fingerprints (loaded from a file, so they can be chosen) all agree
/// with the query's on the bits of one table and differ elsewhere by 0 to 20 bits; the answer
/// must be exactly what brute force finds, far more than `MAX_BUCKET` of them.
#[test]
fn simhash_finds_every_article_within_the_distance_in_huge_buckets() {
    let d = 10;
    let config = Config::builder(Preset::NearDuplicate)
        .method(neardup::Method::SimHash)
        .simhash_distance(d)
        .build()
        .unwrap();
    let text = "the central bank raised interest rates by half a point on tuesday";
    let mut hasher = neardup::simhash::SimHasher::new(config.shingles(), config.seed()).unwrap();
    let (query, size) = hasher.fingerprint_and_size(text, |_| 1.0);
    assert!(size > 0);
    // With d + 2 = 12 blocks, bits 0..10 are the first two blocks: one table holds them all.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let n = 1_000u32;
    let fingerprints: Vec<u64> = (0..n)
        .map(|_| {
            let flips = next() % 21;
            (0..flips).fold(query.0, |g, _| g ^ 1 << (10 + next() % 54))
        })
        .collect();
    let saved = Saved {
        config: config.clone(),
        window: None,
        newest: 0,
        next_seq: u64::from(n),
        next_cluster: u64::from(n),
        docs: (0..n)
            .map(|i| SavedDoc {
                id: format!("c{i}"),
                seq: u64::from(i),
                time: 0,
                cluster: u64::from(i),
                text_hash: 0,
                features: Features::SimHash {
                    fingerprint: fingerprints[i as usize],
                    size: 5,
                },
            })
            .collect(),
        clusters: (0..n)
            .map(|i| SavedCluster {
                id: u64::from(i),
                members: vec![i],
                representative: i,
            })
            .collect(),
        saturated: Vec::new(),
    };
    let index = Index::load(&encode(&saved)[..]).unwrap();
    let brute: std::collections::BTreeSet<String> = fingerprints
        .iter()
        .enumerate()
        .filter(|(_, &g)| (g ^ query.0).count_ones() <= d)
        .map(|(i, _)| format!("c{i}"))
        .collect();
    assert!(brute.len() > neardup::lsh::MAX_BUCKET, "{}", brute.len());
    assert!(brute.len() < n as usize, "some must be too far");
    let found = |neighbours: &[(String, f64)]| -> std::collections::BTreeSet<String> {
        neighbours.iter().map(|(id, _)| id.clone()).collect()
    };
    assert_eq!(found(&index.query(text).neighbours), brute);
    let inserted = index.insert("q", text, 0).unwrap();
    assert_eq!(found(&inserted.neighbours), brute);
    assert_eq!(
        inserted.neighbours.len(),
        brute.len(),
        "each neighbour once"
    );
}
