//! Latency of the incremental `Index`: insert and query with 100k articles already indexed
//! (1M with `NEARDUP_BENCH_1M=1`), both presets, and the memory each article costs.
//!
//! ```text
//! cargo bench --bench index
//! NEARDUP_BENCH_1M=1 cargo bench --bench index
//! ```
//!
//! Criterion reports the median of batches; the p50/p99 of single operations, which a
//! per-article latency target is about, are printed from 2,000 individually timed calls, with
//! the memory per article (`Index::memory_bytes`; the growth of resident memory is printed too,
//! but the allocator keeps what the previous preset freed, so only the first is meaningful).

mod common;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use neardup::config::Verification;
use neardup::{Config, Index, Preset};

/// Resident memory of this process in bytes (Linux), 0 elsewhere.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn percentiles(mut t: Vec<Duration>) -> (Duration, Duration) {
    t.sort_unstable();
    (t[t.len() / 2], t[t.len() * 99 / 100])
}

fn bench_index(c: &mut Criterion) {
    let mut sizes = vec![100_000usize];
    if std::env::var_os("NEARDUP_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    let configs = [
        ("near-duplicate", Config::preset(Preset::NearDuplicate)),
        (
            "near-duplicate, estimated",
            Config::builder(Preset::NearDuplicate)
                .verification(Verification::Estimated)
                .build()
                .expect("valid"),
        ),
        ("rewrite", Config::preset(Preset::Rewrite)),
    ];
    for (name, config) in configs {
        for &n in &sizes {
            let texts = common::generated(n + 4_000, 11);
            let before = rss();
            let index = Index::with_config(config.clone()).expect("valid");
            let start = Instant::now();
            for (i, t) in texts[..n].iter().enumerate() {
                index
                    .insert(&i.to_string(), t, i as i64)
                    .expect("unique ids");
            }
            let build = start.elapsed();
            let resident = rss().saturating_sub(before) as f64 / n as f64;
            let per_article = index.memory_bytes() as f64 / n as f64;
            let u = index.memory_usage();
            // Single-call latencies on fresh articles.
            let mut inserts = Vec::new();
            for (i, t) in texts[n..n + 2_000].iter().enumerate() {
                let s = Instant::now();
                index
                    .insert(&format!("new{i}"), t, (n + i) as i64)
                    .expect("unique");
                inserts.push(s.elapsed());
            }
            let mut queries = Vec::new();
            for t in &texts[n + 2_000..n + 4_000] {
                let s = Instant::now();
                std::hint::black_box(index.query(t));
                queries.push(s.elapsed());
            }
            let (ip50, ip99) = percentiles(inserts);
            let (qp50, qp99) = percentiles(queries);
            eprintln!(
                "{name} with {n} articles: built in {build:.2?} ({:.1} µs/article), \
                 {per_article:.0} bytes/article held ({resident:.0} more resident); insert p50 {ip50:.2?} p99 {ip99:.2?}; \
                 query p50 {qp50:.2?} p99 {qp99:.2?}\n  per article: {}",
                build.as_secs_f64() * 1e6 / n as f64,
                common::per_article(&u, n),
            );

            let mut group = c.benchmark_group(format!("index/{name}/{n}"));
            group
                .sample_size(20)
                .measurement_time(Duration::from_secs(3));
            let probe = &texts[n + 3_999];
            group.bench_function("query", |b| b.iter(|| index.query(probe)));
            let mut k = 0u64;
            group.bench_function("insert+remove", |b| {
                b.iter_batched(
                    || {
                        k += 1;
                        format!("probe{k}")
                    },
                    |id| {
                        index.insert(&id, probe, i64::MAX / 2).expect("fresh id");
                        index.remove(&id)
                    },
                    BatchSize::SmallInput,
                )
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_index);
criterion_main!(benches);
