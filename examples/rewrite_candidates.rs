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
    let story = std::env::var("PRESET").is_ok_and(|p| p == "story");
    let config = Config::preset(if story {
        Preset::Story
    } else {
        Preset::Rewrite
    });
    let clusterer = Clusterer::with_config(config.clone())?;
    let features = clusterer.features(&texts)?;
    let profiles = features.profiles().ok_or("no profiles")?;
    let t = config.threshold();
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
        let (mut find, mut check, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
        let mut candidates = Vec::new();
        let mut edges = 0;
        for _ in 0..5 {
            let (start, c0) = (Instant::now(), process_cpu());
            candidates = run();
            let c1 = process_cpu();
            find.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            edges = features
                .verify(&candidates, t)
                .map(|e| e.len())
                .unwrap_or(0);
            check.push(start.elapsed().as_secs_f64());
            cpu.push((c1 - c0, process_cpu() - c1));
        }
        find.sort_by(f64::total_cmp);
        let mut cpu_find: Vec<f64> = cpu.iter().map(|c| c.0).collect();
        let mut cpu_check: Vec<f64> = cpu.iter().map(|c| c.1).collect();
        cpu_find.sort_by(f64::total_cmp);
        cpu_check.sort_by(f64::total_cmp);
        check.sort_by(f64::total_cmp);
        let found = truth
            .iter()
            .filter(|p| candidates.binary_search(p).is_ok())
            .count();
        println!(
            "{name}: {} candidates, {edges} verified, recall {found}/{} = {:.4}; medians of 5: \
             candidates {:.1} ms + verification {:.1} ms wall, {:.1} + {:.1} ms CPU",
            candidates.len(),
            truth.len(),
            found as f64 / truth.len().max(1) as f64,
            find[2] * 1e3,
            check[2] * 1e3,
            cpu_find[2] * 1e3,
            cpu_check[2] * 1e3
        );
    };
    if std::env::var("ANCHORS").is_ok() {
        report("anchors", &|| profiles.candidates(min_shared));
    }
    report("prefix", &|| profiles.prefix_candidates(t));
    if std::env::var("SPLIT").is_ok() {
        let c = profiles.prefix_candidates(t);
        let (mut spec_ok, mut all_ok) = (0, 0);
        for &(a, b) in &c {
            let (ta, wa) = profiles.profile(a as usize).unwrap();
            let (tb, wb) = profiles.profile(b as usize).unwrap();
            let pos = |t: &[u64], w: &[f32]| -> (Vec<u64>, Vec<f32>) {
                t.iter()
                    .zip(w)
                    .filter(|x| *x.1 > 0.0)
                    .map(|(a, b)| (*a, *b))
                    .unzip()
            };
            let abs = |w: &[f32]| -> Vec<f32> { w.iter().map(|x| x.abs()).collect() };
            let (pa, qa) = pos(&ta, &wa);
            let (pb, qb) = pos(&tb, &wb);
            if neardup::profile::similarity(&pa, &qa, &pb, &qb) >= t - 1e-9 {
                spec_ok += 1;
            }
            if neardup::profile::similarity(&ta, &abs(&wa), &tb, &abs(&wb)) >= t - 1e-9 {
                all_ok += 1;
            }
        }
        println!("of {}: spec >= t {spec_ok}, all >= t {all_ok}", c.len());
    }
    if std::env::var("BANDING").is_err() {
        return Ok(());
    }
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
    report("banding", &|| {
        profiles
            .banded_candidates(&banding, config.profile().seed)
            .unwrap_or_default()
    });
    Ok(())
}

/// CPU time of this process (all threads), in seconds.
fn process_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0;
    if ok {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
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
                .filter(|(_, w)| *w > 0.0)
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
