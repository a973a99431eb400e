//! End to end: `Clusterer::cluster` on Reuters-21578 (or a generated corpus when it is absent)
//! with both presets, one thread and all threads, and the near-duplicate preset through the
//! features path (`cluster_features`) for comparison.
//!
//! ```text
//! cargo bench --bench cluster
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neardup::{Clusterer, Preset};

mod common;

fn cluster(c: &mut Criterion) {
    let (name, texts) = common::corpus();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut g = c.benchmark_group(format!("cluster/{name}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(common::bytes(&texts)));
    for (label, preset) in [
        ("near-duplicate", Preset::NearDuplicate),
        ("rewrite", Preset::Rewrite),
    ] {
        let clusterer = Clusterer::new(preset);
        for t in [1, threads] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .expect("thread pool");
            g.bench_function(format!("{label}_{t}t"), |b| {
                b.iter(|| pool.install(|| clusterer.cluster(&texts).len()))
            });
        }
    }
    // The features path `Clusterer::cluster` took before the batch path: every shingle set
    // kept, none made twice. The difference is the cost of re-shingling candidate documents.
    let clusterer = Clusterer::new(Preset::NearDuplicate);
    g.bench_function(format!("near-duplicate_features_{threads}t"), |b| {
        b.iter(|| {
            let features = clusterer.features(&texts).expect("features");
            clusterer
                .cluster_features(&features)
                .expect("clusters")
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, cluster);
criterion_main!(benches);
