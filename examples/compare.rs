//! neardup's side of the peer comparison (`benches/compare/run.sh`): times each stage of the
//! near-duplicate pipeline on a JSON Lines corpus and prints one JSON object, with the same
//! stage names as the peers' `bench.py` where they mean the same thing.
//!
//! ```text
//! cargo run --release --example compare -- corpus.jsonl [--threads N] [--num-perm K]
//!     [--threshold T] [--ngram N]
//! ```
//!
//! Stages, in seconds (each over the whole corpus, on a rayon pool of `--threads` threads):
//! - `e2e`: read and parse the file, then `Clusterer::cluster`: what a user of the crate pays.
//!   Measured first, in a fresh process, so it sees no warm caches from the stages below;
//!   `rss_e2e_mb` is the peak RSS right after it.
//! - `read`: read and parse the JSON Lines.
//! - `floor`: a minimal tokenize + hash pass (ASCII lower-casing on the fly, xxh3 per token,
//!   xxh3 per word n-gram, sort + dedup): the cost any shingling must pay, for reference.
//! - `shingle`: `Shingler::shingle_into` for every text (normalize, tokenize, hash, dedup).
//! - `minhash`: `MinHasher::sign_shingles` over precomputed sets (the kernel alone).
//! - `sign`: `Clusterer::features`: shingle + sign, keeping the sets for exact verification
//!   (comparable to gaoya's sign, which also shingles itself).
//! - `index`: LSH banding candidates (index + query in one batch pass; `query` is 0).
//! - `verify`, `cluster`: exact Jaccard of every candidate; union-find and cluster building.
//! - `total` = sign + index (text to LSH candidates, like the peers' `total`).

use std::time::Instant;

// The floor lives with the benches so both measure the same code.
#[path = "../benches/common/mod.rs"]
mod common;

use neardup::cluster::link;
use neardup::minhash::{MinHashParams, MinHasher};
use neardup::shingle::ShingleConfig;
use neardup::shingle::Shingler;
use neardup::{Config, Preset};
use rayon::prelude::*;
use serde::Deserialize;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Deserialize)]
struct Doc {
    // Parsed like a real reader would, though only the text is used.
    #[allow(dead_code)]
    id: serde_json::Value,
    text: String,
}

struct Args {
    input: String,
    threads: usize,
    num_perm: usize,
    threshold: f64,
    ngram: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        input: String::new(),
        threads: 0,
        num_perm: 128,
        threshold: 0.8,
        ngram: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--threads" => a.threads = value("--threads")?.parse().map_err(|e| format!("{e}"))?,
            "--num-perm" => {
                a.num_perm = value("--num-perm")?.parse().map_err(|e| format!("{e}"))?
            }
            "--threshold" => {
                a.threshold = value("--threshold")?.parse().map_err(|e| format!("{e}"))?
            }
            "--ngram" => a.ngram = value("--ngram")?.parse().map_err(|e| format!("{e}"))?,
            "--bench" => {} // passed by `cargo bench`; harmless here
            s if !s.starts_with("--") && a.input.is_empty() => a.input = s.to_string(),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    if a.input.is_empty() {
        return Err(
            "usage: compare CORPUS.jsonl [--threads N] [--num-perm K] [--threshold T] [--ngram N]"
                .into(),
        );
    }
    Ok(a)
}

fn read(path: &str) -> Result<Vec<String>, BoxError> {
    let data = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut texts = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let doc: Doc = serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        texts.push(doc.text);
    }
    Ok(texts)
}

/// Peak resident set size of this process in MB (Linux `VmHWM`), or -1 elsewhere.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb / 1024.0)
        })
        .unwrap_or(-1.0)
}

fn main() -> Result<(), BoxError> {
    let a = parse_args()?;
    let threads = if a.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        a.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let config = Config::builder(Preset::NearDuplicate)
        .num_perm(a.num_perm)
        .threshold(a.threshold)
        .shingles(ShingleConfig::words(a.ngram))
        .build()?;
    let clusterer = neardup::Clusterer::with_config(config.clone())?;
    let secs = |t: Instant| t.elapsed().as_secs_f64();

    pool.install(|| -> Result<_, BoxError> {
        // End to end first, in a fresh process.
        let t = Instant::now();
        let texts = read(&a.input)?;
        let clusters = clusterer.cluster(&texts);
        let e2e = secs(t);
        let rss_e2e = peak_rss_mb();
        let n = texts.len();
        let bytes: usize = texts.iter().map(|s| s.len()).sum();
        drop(texts);

        let t = Instant::now();
        let texts = read(&a.input)?;
        let read_s = secs(t);

        let t = Instant::now();
        let floor_count: usize = texts
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(tok, out), text| {
                    common::floor_shingles(text, a.ngram, config.seed(), tok, out);
                    out.len()
                },
            )
            .sum();
        let floor = secs(t);

        let params = MinHashParams {
            num_perm: a.num_perm,
            seed: config.seed(),
            shingles: ShingleConfig::words(a.ngram),
        };
        let hasher = MinHasher::new(params)?;
        let t = Instant::now();
        let sets: Vec<Vec<u64>> = texts
            .par_iter()
            .map_init(
                || Shingler::new(params.shingles, params.seed).expect("valid"),
                |s, text| s.shingle(text),
            )
            .collect();
        let shingle = secs(t);
        let shingles: usize = sets.iter().map(Vec::len).sum();

        let t = Instant::now();
        let sigs: Vec<_> = sets.par_iter().map(|s| hasher.sign_shingles(s)).collect();
        let minhash = secs(t);
        drop((sigs, sets));

        let t = Instant::now();
        let features = clusterer.features(&texts)?;
        let sign = secs(t);

        let t = Instant::now();
        let candidates = features.candidates(&config)?;
        let index = secs(t);

        let t = Instant::now();
        let edges = features.verify(&candidates, config.threshold())?;
        let verify = secs(t);
        let n_edges = edges.len();

        let t = Instant::now();
        let clusters2 = link(&features, edges, None)?;
        let cluster = secs(t);
        assert_eq!(clusters.len(), clusters2.len(), "stages disagree with e2e");

        // Memory the features hold per document: signature plus the shingle set that exact
        // verification keeps (what an index must store).
        let (sig_bytes, set_bytes) = match (features.signatures(), features.shingle_sets()) {
            (Some(signatures), Some(sets)) => (
                signatures
                    .iter()
                    .map(|s| std::mem::size_of_val(s) + 4 * s.values().len())
                    .sum::<usize>(),
                sets.iter()
                    .map(|s| std::mem::size_of_val(s) + 8 * s.capacity())
                    .sum::<usize>(),
            ),
            _ => (0, 0),
        };
        let multi = clusters.iter().filter(|c| c.len() > 1).count();
        let out = serde_json::json!({
            "peer": "neardup",
            "api": "Clusterer::features + Banding::candidates (+ verify + link for e2e)",
            "threads": threads,
            "docs": n,
            "mb": bytes as f64 / 1e6,
            "shingles": shingles,
            "floor_shingles": floor_count,
            "e2e_full": e2e,
            "read": read_s,
            "floor": floor,
            "shingle": shingle,
            "minhash": minhash,
            "sign": sign,
            "index": index,
            "query": 0.0,
            "verify": verify,
            "cluster": cluster,
            "total": sign + index,
            "pairs": candidates.len(),
            "edges": n_edges,
            "clusters": clusters.len(),
            "multi_clusters": multi,
            "rss_mb": rss_e2e,
            "rss_peak_mb": peak_rss_mb(),
            "signature_bytes_per_doc": sig_bytes as f64 / n as f64,
            "set_bytes_per_doc": set_bytes as f64 / n as f64,
        });
        println!("{out}");
        Ok(())
    })
}
