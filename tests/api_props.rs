//! The public API driven with arbitrary configurations and texts: a bad setting is an error from
//! the builder, never a panic later; a good one clusters every text exactly once, the same way
//! every time and on any number of threads. Inconsistent inputs to the expert layer (features of
//! another configuration, edges or pairs out of range) are errors too.

use neardup::cluster::link;
use neardup::config::Verification;
use neardup::lsh::{simhash_candidates, Banding};
use neardup::profile::ProfileParams;
use neardup::shingle::{ShingleConfig, ShingleKind};
use neardup::simhash::Fingerprint;
use neardup::verify::{Edge, Features};
use neardup::{Cluster, Clusterer, Config, ConfigBuilder, Error, Method, Preset};
use proptest::prelude::*;

/// Floats a caller might pass: in range, at the edges, out of range, and not numbers at all.
fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        16 => 0.0f64..=1.0,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(-0.5),
        1 => Just(1.5),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

fn wild_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => 0usize..40,
        1 => Just(usize::MAX),
        1 => Just(1usize << 20),
    ]
}

fn shingles() -> impl Strategy<Value = ShingleConfig> {
    (
        prop_oneof![Just(ShingleKind::Words), Just(ShingleKind::Chars)],
        wild_usize(),
        any::<bool>(),
    )
        .prop_map(|(kind, size, drop)| ShingleConfig {
            kind,
            size,
            drop_stop_words: drop,
        })
}

fn profile() -> impl Strategy<Value = ProfileParams> {
    (
        wild_f64(),
        wild_f64(),
        prop_oneof![4 => Just(1000.0), 2 => Just(1.0), 1 => Just(0.5), 1 => Just(f64::NAN)],
        prop_oneof![4 => 1usize..40, 1 => wild_usize()],
        prop_oneof![4 => 1usize..4, 1 => wild_usize()],
    )
        .prop_map(|(base, frac, prior, anchors, shared)| ProfileParams {
            seed: 0, // the builder sets it from its seed
            specific_base: base * 40.0,
            specific_frac: frac,
            prior,
            anchors,
            min_shared_anchors: shared,
        })
}

/// A builder with every setting either left at the preset's value or set to something
/// arbitrary, valid or not.
fn builder() -> impl Strategy<Value = ConfigBuilder> {
    let preset = prop_oneof![Just(Preset::NearDuplicate), Just(Preset::Rewrite)];
    let method = prop_oneof![
        Just(Method::MinHash),
        Just(Method::SimHash),
        Just(Method::Weighted)
    ];
    // Large valid counts are left out only to keep the cases fast; 65537 is out of range.
    let num_perm = prop_oneof![Just(0usize), Just(1), Just(7), Just(64), Just(65_537)];
    let verification = prop_oneof![Just(Verification::Exact), Just(Verification::Estimated)];
    (
        (
            preset,
            proptest::option::weighted(0.35, method),
            proptest::option::weighted(0.35, wild_f64()),
        ),
        (
            proptest::option::weighted(0.35, num_perm),
            any::<u64>(),
            proptest::option::weighted(0.35, shingles()),
        ),
        (
            proptest::option::weighted(
                0.35,
                prop_oneof![4 => (1usize..17, 1usize..17), 1 => (wild_usize(), wild_usize())],
            ),
            proptest::option::weighted(0.35, verification),
            proptest::option::weighted(0.35, 0u32..40),
        ),
        (
            proptest::option::weighted(0.35, proptest::option::weighted(0.35, wild_f64())),
            proptest::option::weighted(0.35, profile()),
        ),
    )
        .prop_map(
            |(
                (preset, method, threshold),
                (num_perm, seed, shingles),
                (banding, ver, dist),
                (floor, prof),
            )| {
                let mut b = Config::builder(preset).seed(seed);
                if let Some(m) = method {
                    b = b.method(m);
                }
                if let Some(t) = threshold {
                    b = b.threshold(t);
                }
                if let Some(k) = num_perm {
                    b = b.num_perm(k);
                }
                if let Some(s) = shingles {
                    b = b.shingles(s);
                }
                if let Some((bands, rows)) = banding {
                    b = b.banding(bands, rows);
                }
                if let Some(v) = ver {
                    b = b.verification(v);
                }
                if let Some(d) = dist {
                    b = b.simhash_distance(d);
                }
                if let Some(f) = floor {
                    b = b.chain_floor(f);
                }
                if let Some(p) = prof {
                    b = b.profile(p);
                }
                b
            },
        )
}

/// Texts that share words (so clusters form), arbitrary Unicode, punctuation only, empty.
fn texts() -> impl Strategy<Value = Vec<String>> {
    let words = prop::sample::select(vec![
        "kim",
        "putin",
        "vladivostok",
        "shells",
        "artillery",
        "moscow",
        "wheat",
        "futures",
        "kansas",
        "rose",
        "the",
        "of",
        "1,250",
        "12.5",
        "bank",
        "rates",
        "Ünïcode",
        "東京",
    ]);
    let shared = prop::collection::vec(words, 0..40).prop_map(|w| w.join(" "));
    let text = prop_oneof![
        6 => shared,
        2 => "\\PC{0,60}",
        1 => "[ .,;:!?()\"'—-]{0,20}",
        1 => Just(String::new()),
    ];
    prop::collection::vec(text, 0..14).prop_flat_map(|base| {
        // Copies of earlier texts, some with a word appended, so there are near-duplicates.
        let n = base.len();
        let copies = prop::collection::vec((0..n.max(1), any::<bool>()), 0..6);
        (Just(base), copies).prop_map(|(mut texts, copies)| {
            if !texts.is_empty() {
                for (i, edit) in copies {
                    let mut t = texts[i % texts.len()].clone();
                    if edit {
                        t.push_str(" extra");
                    }
                    texts.push(t);
                }
            }
            texts
        })
    })
}

/// Every document in exactly one cluster, clusters well formed and sorted by id.
fn check_partition(clusters: &[Cluster], n: usize) -> Result<(), TestCaseError> {
    let mut seen = vec![0u32; n];
    let mut last_id = None;
    for c in clusters {
        prop_assert!(!c.members.is_empty());
        prop_assert!(c.members.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(c.id, c.members[0]);
        prop_assert!(last_id < Some(c.id), "clusters not sorted by id");
        last_id = Some(c.id);
        prop_assert!(c.members.contains(&c.representative));
        prop_assert_eq!(c.similarities.len(), c.members.len());
        prop_assert!(c.similarities.iter().all(|s| (0.0..=1.0).contains(s)));
        for e in &c.edges {
            prop_assert!(e.a < e.b && c.members.contains(&e.a) && c.members.contains(&e.b));
        }
        for &m in &c.members {
            prop_assert!(m < n);
            seen[m] += 1;
        }
    }
    prop_assert!(seen.iter().all(|&k| k == 1), "membership counts {:?}", seen);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn any_configuration_errors_or_clusters(builder in builder(), texts in texts()) {
        let Ok(config) = builder.build() else {
            return Ok(()); // rejected up front: the property is that nothing later panics
        };
        let clusterer = Clusterer::with_config(config.clone())
            .expect("a built configuration is valid");
        let clusters = clusterer.try_cluster(&texts).expect("a valid clusterer clusters");
        check_partition(&clusters, texts.len())?;
        prop_assert_eq!(&clusterer.cluster(&texts), &clusters, "not deterministic");
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool");
        let single = one_thread.install(|| clusterer.cluster(&texts));
        prop_assert_eq!(&single, &clusters, "depends on the number of threads");
        if texts.len() >= 2 {
            let s = clusterer.similarity(&texts[0], &texts[1]);
            prop_assert!((0.0..=1.0).contains(&s), "similarity {}", s);
        }

        // Features of this configuration are clustered as `cluster` does; those of another one
        // are either interchangeable (same settings) or an error.
        let features = clusterer.features(&texts).expect("features");
        prop_assert_eq!(&clusterer.cluster_features(&features).expect("own"), &clusters);
        for preset in [Preset::NearDuplicate, Preset::Rewrite] {
            let other = Clusterer::new(preset);
            let theirs = other.features(&texts).expect("features");
            match clusterer.cluster_features(&theirs) {
                Ok(c) => {
                    prop_assert!(theirs.check_compatible(&config).is_ok());
                    prop_assert_eq!(&c, &clusters);
                }
                Err(e) => prop_assert!(matches!(e, Error::Incompatible { .. }), "{e}"),
            }
        }

        // Out-of-range indices are errors or `None`, never panics.
        let n = texts.len();
        prop_assert!(features.similarity(0, n).is_none());
        prop_assert!(features.content(n).is_none());
        prop_assert!(features.verify(&[(0, n as u32)], 0.5).is_err());
        let bad = Edge { a: 0, b: n, similarity: 1.0 };
        prop_assert!(link(&features, vec![bad], None).is_err());
        let backwards = Edge { a: 1, b: 0, similarity: 1.0 };
        prop_assert!(link(&features, vec![backwards], None).is_err());
        prop_assert!(link(&features, Vec::new(), Some(f64::NAN)).is_err());
        // The expert pipeline, stage by stage, agrees with the one call.
        let candidates = features.candidates(&config).expect("own candidates");
        let edges = features.verify(&candidates, config.threshold()).expect("in range");
        prop_assert_eq!(&link(&features, edges, config.chain_floor()).expect("in range"), &clusters);
    }

    #[test]
    fn banding_is_valid_or_an_error(bands in wild_usize(), rows in wild_usize(), k in 0usize..300) {
        match Banding::new(bands, rows, k) {
            Ok(b) => {
                prop_assert!(b.bands() >= 1 && b.rows() >= 1);
                prop_assert!(b.bands() * b.rows() <= b.num_perm());
                let _ = b.explain(0.5);
                // Serialized and read back, it is the same layout.
                let json = serde_json::to_string(&b).expect("serializes");
                prop_assert_eq!(serde_json::from_str::<Banding>(&json).expect("reads"), b);
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidConfig(_))),
        }
    }

    #[test]
    fn simhash_candidates_any_distance(
        fps in prop::collection::vec(any::<u64>(), 0..50),
        d in 0u32..70,
    ) {
        let fps: Vec<Fingerprint> = fps.into_iter().map(Fingerprint).collect();
        match simhash_candidates(&fps, d) {
            Ok(pairs) => {
                prop_assert!(d <= 30);
                prop_assert!(pairs.iter().all(|&(a, b)| a < b && (b as usize) < fps.len()));
            }
            Err(_) => prop_assert!(d > 30),
        }
    }
}

/// A deserialized layout is checked: fields that break `bands × rows ≤ num_perm` are an error.
#[test]
fn deserialized_banding_is_validated() {
    let bad = r#"{"bands": 20, "rows": 10, "num_perm": 128}"#;
    assert!(serde_json::from_str::<Banding>(bad).is_err());
    let zero = r#"{"bands": 0, "rows": 1, "num_perm": 128}"#;
    assert!(serde_json::from_str::<Banding>(zero).is_err());
    let good = r#"{"bands": 16, "rows": 8, "num_perm": 128}"#;
    let b: Banding = serde_json::from_str(good).expect("valid layout");
    assert_eq!((b.bands(), b.rows(), b.num_perm()), (16, 8, 128));
}

/// A configuration read from a file bypasses the builder: the clusterer still refuses it.
#[test]
fn deserialized_config_is_validated() {
    let mut json = serde_json::to_value(Config::default()).expect("serializes");
    json["threshold"] = serde_json::json!(1.5);
    let config: Config = serde_json::from_value(json).expect("reads");
    assert!(Clusterer::with_config(config.clone()).is_err());
    assert!(Features::compute(&config, &["a b c"]).is_err());
}

/// Features of another configuration name the setting that differs.
#[test]
fn mismatched_features_name_the_setting() {
    let texts = [
        "one two three four five six",
        "one two three four five seven",
    ];
    let base = Clusterer::new(Preset::NearDuplicate);
    let other = Clusterer::with_config(
        Config::builder(Preset::NearDuplicate)
            .num_perm(64)
            .build()
            .expect("valid"),
    )
    .expect("valid");
    let features = other.features(&texts).expect("features");
    match base.cluster_features(&features) {
        Err(Error::Incompatible { what, left, right }) => {
            assert_eq!(
                (what, left.as_str(), right.as_str()),
                ("num_perm", "64", "128")
            );
        }
        r => panic!("expected a num_perm mismatch, got {r:?}"),
    }
    let simhash = Clusterer::with_config(
        Config::builder(Preset::NearDuplicate)
            .method(Method::SimHash)
            .build()
            .expect("valid"),
    )
    .expect("valid");
    let fps = simhash.features(&texts).expect("features");
    assert!(matches!(
        base.cluster_features(&fps),
        Err(Error::Incompatible { what: "method", .. })
    ));
    // A SimHash distance is not a feature setting: fingerprints serve every distance.
    let wider = Clusterer::with_config(
        Config::builder(Preset::NearDuplicate)
            .method(Method::SimHash)
            .simhash_distance(10)
            .build()
            .expect("valid"),
    )
    .expect("valid");
    assert_eq!(
        wider.cluster_features(&fps).expect("compatible"),
        wider.cluster(&texts)
    );
}

/// Very long texts, of one repeated word or of punctuation, go through every method.
#[test]
fn huge_and_degenerate_texts() {
    let long = "word ".repeat(200_000);
    let varied: String = (0..100_000).map(|i| format!("w{} ", i % 977)).collect();
    let punct = "!?.,;:—".repeat(50_000);
    let texts = [
        long.as_str(),
        varied.as_str(),
        punct.as_str(),
        "",
        long.as_str(),
        varied.as_str(),
    ];
    for method in [Method::MinHash, Method::SimHash, Method::Weighted] {
        let config = Config::builder(Preset::NearDuplicate)
            .method(method)
            .build()
            .expect("valid");
        let clusters = Clusterer::with_config(config)
            .expect("valid")
            .cluster(&texts);
        let together = |a, b| {
            clusters
                .iter()
                .any(|c| c.members.contains(&a) && c.members.contains(&b))
        };
        assert!(together(1, 5), "{method:?}: identical long texts apart");
        // One repeated word: identical texts, joined by every method (the weighted method
        // finds every pair at its threshold, however few words it shares).
        assert!(
            together(0, 4),
            "{method:?}: identical repeated-word texts apart"
        );
        let alone = |i| clusters.iter().any(|c| c.members == [i]);
        assert!(
            alone(2) && alone(3),
            "{method:?}: a text without words joined a cluster"
        );
    }
}
