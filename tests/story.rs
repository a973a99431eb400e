//! The story preset: reports of one event by different outlets (ECB+, in tests/data) are
//! grouped, the two similar events of each topic and different topics are not; the seeds stay
//! one cluster among all of Reuters-21578; the incremental `Index` and `neardup stream` agree
//! with the batch `Clusterer`.

use std::path::PathBuf;

use neardup::eval::reuters;
use neardup::eval::scores::{cross_topic, Scores};
use neardup::{Cluster, Clusterer, Config, Error, Index, Method, Preset};
use serde_json::Value;

mod support;

struct Doc {
    id: String,
    text: String,
    label: String,
    topic: String,
}

fn ecb() -> Vec<Doc> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ecbplus/docs.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs: Vec<Doc> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let f = |k: &str| v[k].as_str().unwrap().to_string();
            Doc {
                id: f("id"),
                text: f("text"),
                label: f("label"),
                topic: f("topic"),
            }
        })
        .collect();
    assert_eq!(docs.len(), 982);
    docs
}

/// The cluster id of each of the first `n` documents.
fn assignment(clusters: &[Cluster], n: usize) -> Vec<usize> {
    let mut of = vec![usize::MAX; n];
    for c in clusters {
        for &m in c.members.iter().filter(|&&m| m < n) {
            of[m] = c.id;
        }
    }
    of
}

fn scores(found: &[usize], docs: &[Doc]) -> (Scores, usize) {
    let gold: Vec<&str> = docs.iter().map(|d| d.label.as_str()).collect();
    let topics: Vec<&str> = docs.iter().map(|d| d.topic.as_str()).collect();
    let s = Scores::new(found, &gold).unwrap();
    (s, cross_topic(found, &topics).unwrap().len())
}

fn batch(docs: &[Doc], preset: Preset) -> Vec<usize> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    assignment(&Clusterer::new(preset).cluster(&texts), docs.len())
}

/// Measured: ARI 0.908, pair precision 0.953, recall 0.869, no cluster across topics (see
/// docs/accuracy.md §7). The bars are the targets: the output is deterministic, so any
/// regression below them fails.
#[test]
fn ecb_plus_events() {
    let docs = ecb();
    let (s, across) = scores(&batch(&docs, Preset::Story), &docs);
    assert_eq!(across, 0, "a cluster mixes topics");
    assert!(s.ari() >= 0.90, "ARI {}", s.ari());
    assert!(
        s.pair_precision() >= 0.95,
        "precision {}",
        s.pair_precision()
    );
    assert!(s.pair_recall() >= 0.85, "recall {}", s.pair_recall());
    // The story preset is for independent reports: it finds far more of them than the rewrite
    // preset (recall 0.43), at no cost in topics mixed.
    let (rewrite, _) = scores(&batch(&docs, Preset::Rewrite), &docs);
    assert!(
        s.pair_recall() > rewrite.pair_recall() + 0.2,
        "story {} vs rewrite {}",
        s.pair_recall(),
        rewrite.pair_recall()
    );
}

/// A quarter of each event's reports (at least two), drawn with `seed`: smaller stories than
/// ECB+'s, whose two similar events per topic the specificity bound's formula lets join.
fn quarter(docs: &[Doc], seed: u64) -> Vec<&Doc> {
    let mut by_event: std::collections::BTreeMap<&str, Vec<&Doc>> = Default::default();
    for d in docs {
        by_event.entry(&d.label).or_default().push(d);
    }
    let mut state = seed;
    let mut out = Vec::new();
    for (_, mut reports) in by_event {
        for i in (1..reports.len()).rev() {
            reports.swap(i, (splitmix64(&mut state) % (i as u64 + 1)) as usize);
        }
        let keep = (reports.len() / 4).max(2).min(reports.len());
        out.extend(&reports[..keep]);
    }
    out
}

/// The story method measures its specificity bound from a first clustering (`story::
/// measured_bound`): on a quarter of each event's reports it falls from 20 to 8, and
/// the two events of a topic join less. `cluster_within` with one time for all and no width
/// links the same pairs without measuring (a window does the bound's work), so it shows the
/// formula's clusters. Measured (this draw, 212 reports): ARI 0.729 → 0.774, pair precision
/// 0.590 → 0.651, clusters across topics 2 → 0.
#[test]
fn measured_bound_keeps_smaller_stories_apart() {
    let all = ecb();
    let docs: Vec<Doc> = quarter(&all, 7)
        .into_iter()
        .map(|d| Doc {
            id: d.id.clone(),
            text: d.text.clone(),
            label: d.label.clone(),
            topic: d.topic.clone(),
        })
        .collect();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let clusterer = Clusterer::new(Preset::Story);
    let measured = assignment(&clusterer.cluster(&texts), docs.len());
    let times = vec![0; texts.len()];
    let formula = clusterer.cluster_within(&texts, &times, 0).unwrap();
    let formula = assignment(&formula, docs.len());
    let ((m, m_across), (f, f_across)) = (scores(&measured, &docs), scores(&formula, &docs));
    assert!(
        m.pair_precision() >= f.pair_precision() + 0.03,
        "precision {} vs the formula's {}",
        m.pair_precision(),
        f.pair_precision()
    );
    assert!(
        m.ari() > f.ari(),
        "ARI {} vs the formula's {}",
        m.ari(),
        f.ari()
    );
    assert!(
        m_across <= f_across,
        "{m_across} vs {f_across} clusters across topics"
    );
}

/// The preset by name, what `explain` says of it, and features of one method refused by the
/// other: story terms are not content terms, even where the settings agree.
#[test]
fn preset_method_and_compatibility() {
    let story: Preset = "story".parse().unwrap();
    assert_eq!(story, Preset::Story);
    let config = Config::preset(story);
    assert_eq!(config.method(), Method::Story);
    assert!(config.explain().contains("names"), "{}", config.explain());
    // The stream's stronger link is part of what the preset does.
    assert!(
        config.explain().contains("only through a neighbour ≥ 0.12"),
        "{}",
        config.explain()
    );
    let rewrite = Config::preset(Preset::Rewrite).explain();
    assert!(!rewrite.contains("only through a neighbour"), "{rewrite}");
    // Publication times: 30 days by default for stories only, and never for times that
    // look like milliseconds.
    let month = 30 * 24 * 3600;
    assert_eq!(config.default_window(), Some(month));
    assert_eq!(config.default_window_for(&[0, 1_700_000_000]), Some(month));
    assert_eq!(config.default_window_for(&[0, 1_700_000_000_000]), None);
    assert_eq!(config.default_window_for(&[-100_000_000_000]), None);
    assert_eq!(
        Config::preset(Preset::Rewrite).default_window_for(&[0]),
        None
    );
    assert_eq!(Config::preset(Preset::NearDuplicate).default_window(), None);
    let texts = [
        "Tara Reid entered rehab in Malibu.",
        "Reid, 33, is at Promises.",
    ];
    let rewrite = Clusterer::new(Preset::Rewrite).features(&texts).unwrap();
    let same_settings = Config::builder(Preset::Rewrite)
        .method(Method::Story)
        .build()
        .unwrap();
    assert!(matches!(
        rewrite.candidates(&same_settings),
        Err(Error::Incompatible { .. })
    ));
    let features = Clusterer::new(Preset::Story).features(&texts).unwrap();
    assert_eq!(features.method(), Method::Story);
}

/// Same input and configuration, same clusters, on one thread or three.
#[test]
fn same_clusters_for_any_thread_count() {
    let docs = ecb();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| Clusterer::new(Preset::Story).cluster(&texts))
    };
    let one = run(1);
    assert!(one.len() < docs.len() / 2, "too few merges to compare");
    assert_eq!(one, run(3));
}

/// ECB+ into an incremental index, one article at a time in `order`: the cluster of each
/// document (in file order).
fn index_clusters(docs: &[Doc], order: &[usize]) -> Vec<u64> {
    let index = Index::new(Preset::Story);
    for &i in order {
        index.insert(&docs[i].id, &docs[i].text, 0).unwrap();
    }
    docs.iter()
        .map(|d| index.cluster_of(&d.id).unwrap())
        .collect()
}

/// The index's clusters against the labels (ARI, pair precision) and against the batch (ARI),
/// and its clusters across topics.
fn index_scores(found: &[u64], docs: &[Doc], batch: &[usize]) -> (f64, f64, f64, usize) {
    let gold: Vec<&str> = docs.iter().map(|d| d.label.as_str()).collect();
    let topics: Vec<&str> = docs.iter().map(|d| d.topic.as_str()).collect();
    let s = Scores::new(found, &gold).unwrap();
    let agreement = Scores::new(found, batch).unwrap().ari();
    let across = cross_topic(found, &topics).unwrap().len();
    (s.ari(), s.pair_precision(), agreement, across)
}

/// The incremental index, fed one article at a time, groups ECB+ much as the batch does.
///
/// Not identically: the batch links strongest edges first with hindsight, the index decides as
/// each article arrives (weighing it by the document frequencies of the articles before it)
/// and never splits, so it links only at twice the threshold (see `STORY_LINK_FACTOR` in
/// src/index/clusters.rs). Measured: index vs labels ARI 0.795, pair precision 0.780, recall
/// 0.816, no cluster across topics; index vs batch ARI 0.805 (at 1×: 0.787, 0.732, 0.857, two
/// clusters across topics, 0.763).
#[test]
fn index_agrees_with_batch() {
    let docs = ecb();
    let order: Vec<usize> = (0..docs.len()).collect();
    let found = index_clusters(&docs, &order);
    let batch = batch(&docs, Preset::Story);
    let (ari, precision, agreement, across) = index_scores(&found, &docs, &batch);
    assert_eq!(across, 0, "a cluster mixes topics");
    assert!(agreement >= 0.80, "ARI index vs batch {agreement}");
    assert!(ari >= 0.79, "index ARI {ari}");
    assert!(precision >= 0.77, "index precision {precision}");
}

/// The index's clusters depend on the insertion order, within bounds: three shuffles of ECB+.
/// Measured: ARI 0.787, 0.821, 0.789, agreement with the batch 0.809, 0.842, 0.801, no
/// cluster across topics (at 1× the threshold: 0.740, 0.717, 0.728 with 5, 7 and 10).
#[test]
fn index_order_dependence_is_bounded() {
    let docs = ecb();
    let batch = batch(&docs, Preset::Story);
    for seed in 1..=3u64 {
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut state = seed;
        for i in (1..order.len()).rev() {
            let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let found = index_clusters(&docs, &order);
        let (ari, _, agreement, across) = index_scores(&found, &docs, &batch);
        assert_eq!(across, 0, "seed {seed}: a cluster mixes topics");
        assert!(ari >= 0.78, "seed {seed}: index ARI {ari}");
        assert!(
            agreement >= 0.79,
            "seed {seed}: ARI index vs batch {agreement}"
        );
    }
}

/// Fed as a stream would be (in the order of publication, with the story preset's default
/// window), the index keeps each event whole and topics apart, and the window keeps the
/// earlier of two similar events out of reach, where the file-order run above joins them. ECB+ has no times, so they are made up: each topic's first event within 3
/// days of a day of its own (topics 3 days apart, so about ten topics share any 30 days), its
/// second event 400 days later. Measured: ARI 0.943, pair precision 1.000, recall 0.893 (with
/// the example's made-up times the index scores 0.950 and the batch with the same window
/// 0.939; `cargo run --release --example story`).
#[test]
fn index_in_time_order_separates_similar_events() {
    const DAY: i64 = 86_400;
    let docs = ecb();
    let config = Config::preset(Preset::Story);
    let window = config.default_window().unwrap();
    let index = Index::with_config(config).unwrap().with_window(window);
    let mut state = 7;
    let mut order: Vec<(i64, usize)> = (0..docs.len())
        .map(|i| {
            let topic: i64 = docs[i].topic.parse().unwrap();
            let second = if docs[i].label.ends_with("ecbplus") {
                400 * DAY
            } else {
                0
            };
            let within = (splitmix64(&mut state) % (3 * DAY as u64)) as i64;
            (1_200_000_000 + topic * 3 * DAY + second + within, i)
        })
        .collect();
    order.sort_unstable();
    // Evicted articles leave the index, so each keeps the cluster it joined, followed
    // through later merges.
    let mut joined = vec![0; docs.len()];
    let mut merged_into = std::collections::HashMap::new();
    for &(t, i) in &order {
        let a = index.insert(&docs[i].id, &docs[i].text, t).unwrap();
        joined[i] = a.cluster;
        merged_into.extend(a.merged.iter().map(|&m| (m, a.cluster)));
    }
    assert!(index.len() < docs.len(), "the window evicted nothing");
    let found: Vec<u64> = joined
        .iter()
        .map(|&c| {
            let mut c = c;
            while let Some(&next) = merged_into.get(&c) {
                c = next;
            }
            c
        })
        .collect();
    let gold: Vec<&str> = docs.iter().map(|d| d.label.as_str()).collect();
    let topics: Vec<&str> = docs.iter().map(|d| d.topic.as_str()).collect();
    let s = Scores::new(&found, &gold).unwrap();
    assert_eq!(cross_topic(&found, &topics).unwrap().len(), 0);
    assert!(s.ari() >= 0.9, "ARI {}", s.ari());
    assert!(
        s.pair_precision() >= 0.95,
        "pair precision {}",
        s.pair_precision()
    );
}

/// A shuffle's random numbers (SplitMix64).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `neardup stream --preset story`: two reports of one event share a cluster, a report of
/// the topic's other event does not.
#[test]
fn stream_smoke() {
    let docs = ecb();
    // Topic 1: Tara Reid enters rehab (ecb), Lindsay Lohan enters rehab (ecbplus).
    let pick: Vec<&Doc> = ["1_1ecb", "1_2ecb", "1_1ecbplus"]
        .iter()
        .map(|id| docs.iter().find(|d| d.id == *id).unwrap())
        .collect();
    let input: String = pick
        .iter()
        .map(|d| serde_json::json!({"id": d.id, "text": d.text}).to_string() + "\n")
        .collect();
    let out = support::run_binary(&["stream", "--preset", "story"], None, input.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["cluster"], lines[1]["cluster"]);
    assert_ne!(lines[0]["cluster"], lines[2]["cluster"]);
}

fn seeds() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 5);
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// ECB+, all of Reuters-21578 and the seeds together: the seeds form one cluster with no
/// intruder, no Reuters cluster passes 100, and ECB+ mixes with Reuters at most by accident.
#[test]
#[ignore = "needs Reuters-21578 (NEARDUP_REUTERS)"]
fn seeds_and_ecb_among_reuters() {
    let docs = ecb();
    let mut texts: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
    let reuters = reuters::load().unwrap_or_else(|e| panic!("{e}"));
    texts.extend(reuters.into_iter().map(|a| a.text));
    let first_seed = texts.len();
    texts.extend(seeds());
    let clusters = Clusterer::new(Preset::Story).cluster(&texts);

    let with_seed: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.members.iter().any(|&m| m >= first_seed))
        .collect();
    assert_eq!(with_seed.len(), 1, "the seeds split");
    assert_eq!(
        with_seed[0].members,
        (first_seed..first_seed + 5).collect::<Vec<_>>()
    );

    let ecb = docs.len();
    let largest = clusters
        .iter()
        .filter(|c| c.members.iter().all(|&m| m >= ecb))
        .map(Cluster::len)
        .max()
        .unwrap();
    assert!(largest <= 100, "a Reuters cluster of {largest}");
    let mixed: usize = clusters
        .iter()
        .filter(|c| c.members.iter().any(|&m| m < ecb))
        .map(|c| c.members.iter().filter(|&&m| m >= ecb).count())
        .sum();
    // Measured: 1 (5 before the measured bound, 11 before lead and quantity terms).
    assert!(mixed <= 3, "{mixed} Reuters articles in ECB+ clusters");

    let (s, across) = scores(&assignment(&clusters, ecb), &docs);
    // Measured: one cluster joins two ECB+ topics among Reuters (none on ECB+ alone), as before
    // lead and quantity terms: Reuters' rarity weights favour topic words. A known miss of the
    // target (issue 14), held here so that more merges fail.
    assert!(across <= 1, "{across} clusters across topics");
    assert!(s.ari() >= 0.84, "ARI among Reuters {}", s.ari());
    // Measured: 0.934 with the measured bound (20 here), 0.821 with the formula's (40).
    assert!(
        s.pair_precision() >= 0.9,
        "precision among Reuters {}",
        s.pair_precision()
    );
}
