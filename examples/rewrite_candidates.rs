//! Candidate recall and speed of the rewrite preset's two candidate indexes, against brute
//! force: the anchor index (pairs sharing ≥ 2 of each profile's 24 rarest shared words) and LSH
//! banding of weighted MinHash signatures (`Profiles::banded_candidates`).
//!
//! ```text
//! cargo run --release --example rewrite_candidates                 # Reuters-21578 + the seeds
//! cargo run --release --example rewrite_candidates ecb docs.jsonl  # a JSONL file of {"text"}
//! ```
//!
//! The truth is every pair whose rewrite similarity reaches the preset's threshold, found
//! exactly: such a pair shares at least one specific word, so walking the postings of every
//! specific word and verifying each pair met finds all of them.

use std::time::Instant;

use neardup::config::REWRITE_THRESHOLD;
use neardup::eval::reuters;
use neardup::lsh::{Banding, FN_WEIGHT};
use neardup::profile::Profiles;
use neardup::{Clusterer, Config, Preset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let texts: Vec<String> = if let [_, path] = &args[..] {
        std::fs::read_to_string(path)?
            .lines()
            .map(|l| -> Result<String, Box<dyn std::error::Error>> {
                let v: serde_json::Value = serde_json::from_str(l)?;
                Ok(v["text"].as_str().unwrap_or_default().to_string())
            })
            .collect::<Result<_, _>>()?
    } else {
        let mut texts: Vec<String> = reuters::load()?.into_iter().map(|a| a.text).collect();
        let mut seeds: Vec<_> = std::fs::read_dir("seeds")?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        seeds.sort();
        for s in &seeds {
            texts.push(std::fs::read_to_string(s)?);
        }
        texts
    };
    let config = Config::preset(Preset::Rewrite);
    let clusterer = Clusterer::with_config(config.clone())?;
    let features = clusterer.features(&texts)?;
    let profiles = features.profiles().ok_or("no profiles")?;
    let t = REWRITE_THRESHOLD;
    let truth = exact_pairs(profiles, t);
    println!(
        "{} documents, {} pairs at or above {t}",
        texts.len(),
        truth.len()
    );

    let banding = match std::env::var("LAYOUT").ok().and_then(|l| {
        let (b, r) = l.split_once('x')?;
        Some((b.parse().ok()?, r.parse().ok()?))
    }) {
        Some((b, r)) => Banding::new(b, r, b * r)?,
        None => Banding::optimal(t, neardup::profile::REWRITE_HASHES, FN_WEIGHT)?,
    };
    println!("banding: {}", banding.explain(t));
    let min_shared = config.profile().min_shared_anchors;
    let report = |name: &str, run: &dyn Fn() -> Vec<(u32, u32)>| {
        let mut times = Vec::new();
        let mut candidates = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            candidates = run();
            let edges = features
                .verify(&candidates, t)
                .map(|e| e.len())
                .unwrap_or(0);
            times.push((start.elapsed().as_secs_f64(), edges));
        }
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let found = truth
            .iter()
            .filter(|p| candidates.binary_search(p).is_ok())
            .count();
        println!(
            "{name}: {} candidates, recall {found}/{} = {:.4}, candidates + verification \
             median {:.1} ms (of 5)",
            candidates.len(),
            truth.len(),
            found as f64 / truth.len().max(1) as f64,
            times[2].0 * 1e3
        );
    };
    let start = Instant::now();
    let c = profiles.banded_candidates(&banding, config.profile().seed)?;
    println!(
        "banded candidates alone: {} in {:.1} ms",
        c.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    let start = Instant::now();
    let e = features.verify(&c, t)?;
    println!(
        "verified alone: {} in {:.1} ms",
        e.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    if std::env::var("ANCHORS").is_ok() {
        report("anchors", &|| profiles.candidates(min_shared));
    }
    report("banding", &|| {
        profiles
            .banded_candidates(&banding, config.profile().seed)
            .unwrap_or_default()
    });
    Ok(())
}

/// Every pair whose rewrite similarity is at least `t`, sorted: the pairs sharing a specific
/// word (positive weight), each verified.
fn exact_pairs(p: &Profiles, t: f64) -> Vec<(u32, u32)> {
    let mut postings: Vec<(u64, u32)> = (0..p.len())
        .flat_map(|i| {
            let (terms, weights) = p.profile(i).unwrap_or_default();
            terms
                .iter()
                .zip(weights)
                .filter(|(_, &w)| w > 0.0)
                .map(move |(&term, _)| (term, i as u32))
                .collect::<Vec<_>>()
        })
        .collect();
    postings.sort_unstable();
    let mut met: Vec<Vec<u32>> = vec![Vec::new(); p.len()];
    for run in postings.chunk_by(|a, b| a.0 == b.0) {
        for (k, &(_, a)) in run.iter().enumerate() {
            met[a as usize].extend(run[k + 1..].iter().map(|e| e.1));
        }
    }
    let mut pairs = Vec::new();
    for (a, later) in met.iter_mut().enumerate() {
        later.sort_unstable();
        later.dedup();
        for &b in later.iter() {
            if p.similarity(a, b as usize).unwrap_or(0.0) >= t - 1e-9 {
                pairs.push((a as u32, b));
            }
        }
    }
    pairs
}
