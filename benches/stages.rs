//! Throughput of each pipeline stage on Reuters-21578 (or a generated corpus when it is absent).
//!
//! ```text
//! cargo bench --bench stages [-- FILTER]
//! ```
//!
//! Every iteration processes the whole corpus, so criterion's throughput is the corpus rate
//! (MB/s of text, or shingles/s for the MinHash kernel). "1t" runs on a one-thread rayon pool,
//! "all" on one thread per core.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use neardup::lsh::{simhash_candidates, Banding, FN_WEIGHT};
use neardup::minhash::{MinHashParams, MinHasher};
use neardup::shingle::ShingleConfig;
use neardup::shingle::Shingler;
use neardup::simhash::SimHasher;
use neardup::text;
use rayon::prelude::*;

mod common;

const SEED: u64 = 42;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn all_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A benchmark group over the whole corpus, measured in bytes of text per second.
fn text_group<'a>(
    c: &'a mut Criterion,
    stage: &str,
    corpus: &str,
    texts: &[String],
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(format!("{stage}/{corpus}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(common::bytes(texts)));
    g
}

fn text_stages(c: &mut Criterion) {
    let (name, texts) = common::corpus();
    let mut g = text_group(c, "text", name, &texts);
    g.bench_function("normalize", |b| {
        let mut out = String::new();
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                text::normalize_into(t, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.bench_function("normalize+tokenize", |b| {
        let mut out = String::new();
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                text::normalize_into(t, &mut out);
                n += text::words(&out).count();
            }
            n
        })
    });
    for (name, config) in [
        ("shingle_words5", ShingleConfig::words(5)),
        ("shingle_chars5", ShingleConfig::chars(5)),
    ] {
        g.bench_function(name, |b| {
            let mut s = Shingler::new(config, SEED).unwrap();
            let mut out = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for t in &texts {
                    s.shingle_into(t, &mut out);
                    n += out.len();
                }
                n
            })
        });
    }
    // The floor shingle_words5 is measured against (see benches/common/mod.rs).
    g.bench_function("floor_tokenize_hash_words5", |b| {
        let (mut tokens, mut out) = (Vec::new(), Vec::new());
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                common::floor_shingles(t, 5, SEED, &mut tokens, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();
}

fn minhash(c: &mut Criterion) {
    let (name, texts) = common::corpus();
    let mut shingler = Shingler::new(ShingleConfig::words(5), SEED).unwrap();
    let sets: Vec<Vec<u64>> = texts.iter().map(|t| shingler.shingle(t)).collect();
    let shingles: u64 = sets.iter().map(|s| s.len() as u64).sum();

    // The kernel alone, over precomputed shingle sets: shingles per second.
    let mut g = c.benchmark_group(format!("minhash_kernel/{name}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(shingles));
    for k in [64, 128, 256] {
        let h = MinHasher::new(MinHashParams {
            num_perm: k,
            ..MinHashParams::default()
        })
        .unwrap();
        g.bench_with_input(BenchmarkId::new("1t", k), &k, |b, _| {
            b.iter(|| {
                sets.iter()
                    .map(|s| h.sign_shingles(s).values()[0])
                    .fold(0u32, |a, v| a ^ v)
            })
        });
    }
    g.finish();

    // Text to signature (shingling included), one thread and all threads: MB/s.
    let mut g = text_group(c, "minhash_sign_all", name, &texts);
    for threads in [1, all_threads()] {
        let p = pool(threads);
        let label = if threads == 1 {
            "1t".to_string()
        } else {
            format!("{threads}t")
        };
        for k in [64, 128, 256] {
            let h = MinHasher::new(MinHashParams {
                num_perm: k,
                ..MinHashParams::default()
            })
            .unwrap();
            g.bench_with_input(BenchmarkId::new(&label, k), &k, |b, _| {
                b.iter(|| p.install(|| h.sign_all(&texts)))
            });
        }
    }
    g.finish();
}

fn simhash(c: &mut Criterion) {
    let (name, texts) = common::corpus();
    let mut g = text_group(c, "simhash", name, &texts);
    for threads in [1, all_threads()] {
        let p = pool(threads);
        g.bench_function(format!("words5_{threads}t"), |b| {
            let h = SimHasher::new(ShingleConfig::words(5), SEED).unwrap();
            b.iter(|| {
                p.install(|| {
                    texts
                        .par_iter()
                        .map_init(|| h.clone(), |h, t| h.fingerprint(t))
                        .collect::<Vec<_>>()
                })
            })
        });
    }
    g.finish();
}

fn lsh(c: &mut Criterion) {
    let (name, texts) = common::corpus();
    let h = MinHasher::new(MinHashParams::default()).unwrap();
    let sigs = h.sign_all(&texts);
    let banding = Banding::optimal(0.8, 128, FN_WEIGHT).unwrap();
    let mut sh = SimHasher::new(ShingleConfig::words(5), SEED).unwrap();
    let fps: Vec<_> = texts.iter().map(|t| sh.fingerprint(t)).collect();
    let mut g = c.benchmark_group(format!("lsh/{name}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(texts.len() as u64));
    for threads in [1, all_threads()] {
        let p = pool(threads);
        g.bench_function(
            format!("minhash_b{}r{}_{threads}t", banding.bands(), banding.rows()),
            |b| b.iter(|| p.install(|| banding.candidates(&sigs).unwrap().len())),
        );
        g.bench_function(format!("simhash_d3_{threads}t"), |b| {
            b.iter(|| p.install(|| simhash_candidates(&fps, 3).unwrap().len()))
        });
    }
    g.finish();
}

criterion_group!(benches, text_stages, minhash, simhash, lsh);
criterion_main!(benches);
