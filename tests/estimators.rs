//! Property tests of the estimators and indexes against exact, brute-force oracles.

use neardup::lsh::{simhash_candidates, Banding};
use neardup::minhash::{MinHashParams, MinHasher};
use neardup::shingle::{jaccard, ShingleConfig};
use neardup::simhash::{fingerprint, Fingerprint};
use proptest::prelude::*;

fn hasher(num_perm: usize, seed: u64) -> MinHasher {
    MinHasher::new(MinHashParams {
        num_perm,
        seed,
        shingles: ShingleConfig::words(5),
    })
    .unwrap()
}

/// Two random sets with exactly `shared` common elements and `only_a`, `only_b` private ones.
fn sets(seed: u64, shared: usize, only_a: usize, only_b: usize) -> (Vec<u64>, Vec<u64>) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let common: Vec<u64> = (0..shared).map(|_| next()).collect();
    let mut a = common.clone();
    a.extend((0..only_a).map(|_| next()));
    let mut b = common;
    b.extend((0..only_b).map(|_| next()));
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    (a, b)
}

/// The estimate is unbiased and its spread matches sqrt(J(1−J)/k), over many seeds.
#[test]
fn minhash_unbiased_with_theoretical_error() {
    let k = 128;
    for &(shared, only_a, only_b) in &[(50, 50, 50), (200, 20, 30), (10, 200, 150), (300, 0, 3)] {
        let trials = 400;
        let mut sum = 0.0;
        let mut sum_sq = 0.0;
        let mut truth = 0.0;
        for t in 0..trials {
            let (a, b) = sets(1000 + t, shared, only_a, only_b);
            truth = jaccard(&a, &b);
            let h = hasher(k, t);
            let est = h.sign_shingles(&a).jaccard(&h.sign_shingles(&b)).unwrap();
            sum += est;
            sum_sq += (est - truth) * (est - truth);
        }
        let mean = sum / trials as f64;
        let sd = (truth * (1.0 - truth) / k as f64).sqrt();
        let empirical_sd = (sum_sq / trials as f64).sqrt();
        // Mean of `trials` estimates: standard error sd/sqrt(trials); allow 4 of them.
        assert!(
            (mean - truth).abs() <= 4.0 * sd / (trials as f64).sqrt() + 1e-9,
            "biased: J = {truth:.3}, mean estimate {mean:.4}, sd {sd:.4}"
        );
        // The spread is the binomial one (within 25%: no hidden correlation between permutations).
        assert!(
            empirical_sd <= 1.25 * sd + 1e-9 && empirical_sd >= 0.75 * sd - 1e-9,
            "J = {truth:.3}: empirical sd {empirical_sd:.4} vs theory {sd:.4}"
        );
    }
}

#[test]
fn signatures_identical_for_any_thread_count() {
    let texts: Vec<String> = (0..300)
        .map(|i| {
            (0..60)
                .map(|j| format!("w{}", (i * 31 + j * 7) % 97))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let h = hasher(128, 7);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| h.sign_all(&texts));
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| h.sign_all(&texts));
    assert_eq!(one, four);
    let single: Vec<_> = texts.iter().map(|t| h.sign(t)).collect();
    assert_eq!(one, single);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn minhash_symmetric_and_identity(
        a in prop::collection::vec(any::<u64>(), 0..200),
        b in prop::collection::vec(any::<u64>(), 0..200),
        seed in any::<u64>(),
    ) {
        let h = hasher(64, seed);
        let mut a = a; a.sort_unstable(); a.dedup();
        let mut b = b; b.sort_unstable(); b.dedup();
        let (sa, sb) = (h.sign_shingles(&a), h.sign_shingles(&b));
        prop_assert_eq!(sa.jaccard(&sb).unwrap(), sb.jaccard(&sa).unwrap());
        if !a.is_empty() {
            prop_assert_eq!(sa.jaccard(&sa).unwrap(), 1.0);
        }
        // Estimates stay within 6 standard deviations of the truth (a near-certain bound).
        let truth = jaccard(&a, &b);
        let sd = (truth * (1.0 - truth) / 64.0).sqrt().max(1.0 / 64.0);
        if !a.is_empty() && !b.is_empty() {
            prop_assert!((sa.jaccard(&sb).unwrap() - truth).abs() <= 6.0 * sd);
        }
    }

    /// Banding finds exactly the pairs that agree on at least one whole band (naive oracle).
    #[test]
    fn banding_matches_naive_oracle(
        docs in prop::collection::vec(prop::collection::vec(0u64..40, 1..30), 2..25),
        rows in 1usize..5,
    ) {
        let h = hasher(32, 3);
        let sigs: Vec<_> = docs.iter().map(|d| {
            let mut d = d.clone(); d.sort_unstable(); d.dedup();
            h.sign_shingles(&d)
        }).collect();
        let bands = 32 / rows;
        let banding = Banding::new(bands, rows, 32).unwrap();
        let got = banding.candidates(&sigs).unwrap();
        let mut want = Vec::new();
        for i in 0..sigs.len() {
            for j in i + 1..sigs.len() {
                let agree = (0..bands).any(|band| {
                    let r = band * rows..(band + 1) * rows;
                    sigs[i].values()[r.clone()] == sigs[j].values()[r]
                });
                if agree { want.push((i as u32, j as u32)); }
            }
        }
        prop_assert_eq!(got, want);
    }

    /// SimHash tables find every pair within the distance (pigeonhole), like a brute force.
    #[test]
    fn simhash_tables_complete(
        base in prop::collection::vec(any::<u64>(), 1..30),
        flips in prop::collection::vec(prop::collection::vec(0u32..64, 0..7), 1..30),
        k in 0u32..7,
    ) {
        let mut fps: Vec<Fingerprint> = base.iter().map(|&b| Fingerprint(b)).collect();
        for (i, f) in flips.iter().enumerate() {
            let b = base[i % base.len()];
            fps.push(Fingerprint(f.iter().fold(b, |x, &bit| x ^ (1 << bit))));
        }
        let got = simhash_candidates(&fps, k).unwrap();
        for i in 0..fps.len() {
            for j in i + 1..fps.len() {
                if fps[i].hamming(fps[j]) <= k {
                    prop_assert!(got.binary_search(&(i as u32, j as u32)).is_ok());
                }
            }
        }
    }
}

/// SimHash distance tracks the angle between feature vectors: more shared weight, closer.
#[test]
fn simhash_tracks_cosine() {
    let features = |shared: usize, private: u64| -> Vec<(u64, f32)> {
        let mut state = 11u64;
        let mut f: Vec<(u64, f32)> = (0..shared)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state ^ (state >> 29), 1.0)
            })
            .collect();
        let mut p = private;
        f.extend((0..(400 - shared)).map(|_| {
            p = p
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (p ^ (p >> 29), 1.0)
        }));
        f
    };
    let mut last = 65;
    for shared in [0usize, 100, 200, 300, 380, 400] {
        let a = fingerprint(features(shared, 1));
        let b = fingerprint(features(shared, 2));
        let d = a.hamming(b);
        // Expected distance 64·θ/π with cos θ = shared/400; allow generous noise.
        let theta = (shared as f64 / 400.0).acos();
        let expect = 64.0 * theta / std::f64::consts::PI;
        assert!(
            (f64::from(d) - expect).abs() <= 12.0,
            "shared {shared}: d {d}, expected {expect:.1}"
        );
        assert!(d <= last + 6, "distance should shrink as overlap grows");
        last = d;
    }
}

/// A weighted term list: (term, weight), sorted by term.
type Weighted = Vec<(u64, f64)>;

/// Weighted sets with corpus-wide weights (each term has one weight, as in a rewrite profile):
/// `shared` common terms and private ones, weights drawn in (0.1, 10).
fn weighted_sets(seed: u64, shared: usize, only_a: usize, only_b: usize) -> (Weighted, Weighted) {
    let (a, b) = sets(seed, shared, only_a, only_b);
    let weight = |t: u64| 0.1 + (t >> 11) as f64 / (1u64 << 53) as f64 * 9.9;
    (
        a.iter().map(|&t| (t, weight(t))).collect(),
        b.iter().map(|&t| (t, weight(t))).collect(),
    )
}

/// Exact weighted Jaccard `Σ min / Σ max` of two weighted sets with corpus-wide weights.
fn weighted_jaccard(a: &[(u64, f64)], b: &[(u64, f64)]) -> f64 {
    let total = |s: &[(u64, f64)]| s.iter().map(|e| e.1).sum::<f64>();
    let shared: f64 = a
        .iter()
        .filter(|e| b.binary_search_by_key(&e.0, |f| f.0).is_ok())
        .map(|e| e.1)
        .sum();
    let union = total(a) + total(b) - shared;
    if union > 0.0 {
        shared / union
    } else {
        0.0
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The weighted MinHash agreement tracks exact weighted Jaccard within its binomial error
    /// (k = 1024: σ ≤ 0.016; the bound is 4.5σ).
    #[test]
    fn weighted_minhash_tracks_weighted_jaccard(
        seed in any::<u64>(),
        shared in 0usize..60,
        only_a in 0usize..60,
        only_b in 0usize..60,
    ) {
        let (a, b) = weighted_sets(seed, shared, only_a, only_b);
        prop_assume!(!a.is_empty() && !b.is_empty());
        let signer = neardup::wminhash::WeightedMinHasher::new(1024, seed ^ 5).unwrap();
        let exact = weighted_jaccard(&a, &b);
        let est = signer.sign(a.iter().copied()).similarity(&signer.sign(b.iter().copied()));
        let sigma = (exact * (1.0 - exact) / 1024.0).sqrt();
        prop_assert!((est - exact).abs() <= 4.5 * sigma + 1e-9, "est {est} exact {exact}");
    }
}

/// On real rewrite profiles, the signatures estimate the specific words' weighted Jaccard, the
/// measure the rewrite verifier bounds from above: agreement is never far below the verified
/// similarity.
#[test]
fn weighted_minhash_matches_rewrite_profiles() {
    let texts = [
        "Toyota recalls 1.2 million Prius hybrids over brake software flaw, Tokyo regulators say",
        "Tokyo regulators say Toyota must recall 1.2 million Prius hybrid cars for a brake \
         software flaw found by engineers",
        "Brazilian coffee exports fell 12 percent in March as drought hit Minas Gerais growers",
        "Drought in Minas Gerais cut Brazilian coffee exports by 12 percent in March, growers said",
        "Toyota opens a battery plant in Kentucky as Prius demand grows",
    ];
    let config = neardup::Config::preset(neardup::Preset::Rewrite);
    let features = neardup::Clusterer::with_config(config)
        .unwrap()
        .features(&texts)
        .unwrap();
    let profiles = features.profiles().unwrap();
    let k = 2048;
    let sigs = profiles.signatures(k, 11).unwrap();
    let specific = |i: usize| -> Vec<(u64, f64)> {
        let (t, w) = profiles.profile(i).unwrap();
        t.iter()
            .zip(w)
            .filter(|e| e.1 > 0.0)
            .map(|(&t, w)| (t, f64::from(w)))
            .collect()
    };
    for a in 0..texts.len() {
        for b in a + 1..texts.len() {
            let exact = weighted_jaccard(&specific(a), &specific(b));
            let est = sigs[a].similarity(&sigs[b]);
            let verified = profiles.similarity(a, b).unwrap();
            let sigma = (exact * (1.0 - exact) / k as f64).sqrt();
            assert!(
                (est - exact).abs() <= 4.5 * sigma + 1e-9,
                "{a},{b}: {est} vs {exact}"
            );
            assert!(verified <= exact + 1e-9, "{a},{b}: {verified} > {exact}");
        }
    }
}
