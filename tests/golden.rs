//! Golden vectors: signatures and fingerprints of fixed texts, checked into `tests/golden/`.
//! Users store signatures, so any change to normalization, hashing or permutations must fail
//! here. After an intended format change, regenerate with `NEARDUP_BLESS=1 cargo test --test
//! golden` and say so in the release notes.

use neardup::minhash::{MinHashParams, MinHasher};
use neardup::profile::content_terms;
use neardup::shingle::{ShingleConfig, Shingler};
use neardup::simhash::SimHasher;
use serde::{Deserialize, Serialize};

const TEXTS: [&str; 4] = [
    "North Korean leader Kim Jong Un plans to travel to Russia this month to meet President \
     Vladimir Putin, the New York Times reported.",
    "Kim Jong-un’s “armoured” train — heading to Vladivostok; ＦＵＬＬＷＩＤＴＨ and ﬁnal.",
    "",
    "Über die Brücke: 東京 2023-09-05, 12.5 mln dlrs vs 10.1 mln.",
];

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Golden {
    text: String,
    word5_shingles: Vec<u64>,
    char4_shingles_first8: Vec<u64>,
    minhash128: Vec<u32>,
    minhash64_seed7_word3: Vec<u32>,
    simhash_word1: u64,
    rewrite_terms: Vec<u64>,
}

fn compute() -> Vec<Golden> {
    let mh = MinHasher::new(MinHashParams::default()).unwrap();
    let mh2 = MinHasher::new(MinHashParams {
        num_perm: 64,
        seed: 7,
        shingles: ShingleConfig::words(3),
    })
    .unwrap();
    let mut words = Shingler::new(ShingleConfig::words(5), 42).unwrap();
    let mut chars = Shingler::new(ShingleConfig::chars(4), 42).unwrap();
    let mut sim = SimHasher::new(ShingleConfig::words(1), 42).unwrap();
    TEXTS
        .iter()
        .map(|t| Golden {
            text: t.to_string(),
            word5_shingles: words.shingle(t),
            char4_shingles_first8: chars.shingle(t).into_iter().take(8).collect(),
            minhash128: mh.sign(t).values().to_vec(),
            minhash64_seed7_word3: mh2.sign(t).values().to_vec(),
            simhash_word1: sim.fingerprint(t).0,
            rewrite_terms: content_terms(t, 42),
        })
        .collect()
}

#[test]
fn golden_vectors_unchanged() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors.json");
    let now = compute();
    if std::env::var_os("NEARDUP_BLESS").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&now).unwrap()).unwrap();
    }
    let stored: Vec<Golden> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).unwrap();
    assert_eq!(stored.len(), now.len());
    for (s, n) in stored.iter().zip(&now) {
        assert_eq!(s, n, "hashing changed for {:?}", s.text);
    }
}

#[test]
fn signatures_round_trip_through_serde() {
    let mh = MinHasher::new(MinHashParams::default()).unwrap();
    let sig = mh.sign(TEXTS[0]);
    let json = serde_json::to_string(&sig).unwrap();
    let back: neardup::minhash::Signature = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sig);
    assert_eq!(back.jaccard(&sig).unwrap(), 1.0);
}
