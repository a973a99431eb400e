//! Tail latency of `Index::insert`: every insert timed one by one, for every preset, on one
//! thread and with reader threads querying meanwhile. Reports p50, p99, p99.9 and max over the
//! whole run and over the last 10% of inserts (when the index is full), the memory per
//! article (`Index::memory_bytes`) and the peak resident memory of the process.
//!
//! Each run prints two rows: `wall`, the latency a caller sees, and `cpu`, the inserting
//! thread's own CPU time per insert (Unix). On a shared machine the wall tail is mostly time
//! spent waiting for a core; the CPU tail is the index's own work, lock waits excluded.
//!
//! ```text
//! cargo bench --bench latency                          # 100k generated articles
//! NEARDUP_BENCH_1M=1 cargo bench --bench latency       # and 1M
//! NEARDUP_LATENCY_JSONL=corpus.jsonl cargo bench --bench latency   # a corpus file
//! NEARDUP_LATENCY_JSONL=reuters cargo bench --bench latency        # Reuters-21578
//! ```
//!
//! More knobs, all optional: `NEARDUP_LATENCY_PRESETS` (comma-separated preset names, or
//! `near-duplicate/estimated`; names this build does not know are skipped), `NEARDUP_LATENCY_READERS` (comma-separated reader
//! thread counts, default `0,2`), `NEARDUP_LATENCY_N` (comma-separated sizes, replacing the
//! defaults). A corpus file is JSON Lines with a `text` field (`examples/gen_corpus.rs gen`
//! writes one); the sizes are capped at its length. Peak RSS covers the whole process, so for a
//! per-preset figure run one preset and one size per process.

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use neardup::config::Verification;
use neardup::{Config, Index, Preset};

fn env_list(name: &str) -> Option<Vec<String>> {
    let v = std::env::var(name).ok()?;
    Some(v.split(',').map(|s| s.trim().to_string()).collect())
}

/// Peak resident memory of this process in bytes (Linux), 0 elsewhere.
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn texts(max: usize) -> (String, Vec<String>) {
    match std::env::var("NEARDUP_LATENCY_JSONL").ok().as_deref() {
        Some("reuters") => {
            let dir = neardup::eval::reuters::find().expect("NEARDUP_REUTERS");
            let articles = neardup::eval::reuters::read(&dir).expect("readable Reuters");
            let t: Vec<String> = articles.into_iter().map(|a| a.text).take(max).collect();
            ("reuters".into(), t)
        }
        Some(path) => {
            let file = std::fs::File::open(path).expect("corpus file");
            let mut t = Vec::new();
            for line in std::io::BufReader::new(file).lines().take(max) {
                let v: serde_json::Value =
                    serde_json::from_str(&line.expect("read")).expect("json");
                t.push(v["text"].as_str().expect("a text field").to_string());
            }
            (path.rsplit('/').next().unwrap_or(path).to_string(), t)
        }
        None => ("generated".into(), common::generated(max, 11)),
    }
}

/// CPU time of the calling thread so far (Unix; zero elsewhere).
fn thread_cpu() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call, and
        // CLOCK_THREAD_CPUTIME_ID is a clock every Unix the bench runs on provides.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
        if ok {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

/// p50, p99, p99.9 and max of `t`.
fn tail(t: &[Duration]) -> [Duration; 4] {
    let mut t = t.to_vec();
    t.sort_unstable();
    let at = |q: f64| t[((t.len() as f64 * q) as usize).min(t.len() - 1)];
    [at(0.5), at(0.99), at(0.999), t[t.len() - 1]]
}

fn fmt(d: [Duration; 4]) -> String {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    format!(
        "{:>8.1} {:>8.1} {:>9.1} {:>9.1}",
        us(d[0]),
        us(d[1]),
        us(d[2]),
        us(d[3])
    )
}

/// The configuration a preset name stands for: a preset, or `near-duplicate/estimated` (the
/// preset with `Verification::Estimated`, which keeps no shingle sets).
fn config(name: &str) -> Option<Config> {
    let (preset, estimated) = match name.strip_suffix("/estimated") {
        Some(p) => (p, true),
        None => (name, false),
    };
    let preset: Preset = preset.parse().ok()?;
    let mut b = Config::builder(preset);
    if estimated {
        b = b.verification(Verification::Estimated);
    }
    b.build().ok()
}

fn run(config: &Config, name: &str, texts: &[String], readers: usize) {
    let n = texts.len();
    let index = Index::with_config(config.clone()).expect("a valid configuration");
    let stop = AtomicBool::new(false);
    let queries = AtomicU64::new(0);
    let mut times = Vec::with_capacity(n);
    let mut cpu = Vec::with_capacity(n);
    let start = Instant::now();
    std::thread::scope(|s| {
        for r in 0..readers {
            let (index, stop, queries) = (&index, &stop, &queries);
            s.spawn(move || {
                // Readers query texts from the corpus (half of them already indexed).
                let mut i = r * 7919;
                while !stop.load(Ordering::Relaxed) {
                    std::hint::black_box(index.query(&texts[i % n]));
                    queries.fetch_add(1, Ordering::Relaxed);
                    i += 104_729;
                }
            });
        }
        for (i, t) in texts.iter().enumerate() {
            let id = format!("d{i}");
            let c = thread_cpu();
            let s = Instant::now();
            let a = index.insert(&id, t, i as i64).expect("unique ids");
            times.push(s.elapsed());
            cpu.push(thread_cpu().saturating_sub(c));
            std::hint::black_box(a);
        }
        stop.store(true, Ordering::Relaxed);
    });
    let wall = start.elapsed();
    let last = n - n / 10;
    println!(
        "{name:<15} {n:>8} {readers:>2} wall | all {} | last 10% {} | {:>6.1} s {:>7} q | {:>5.0} B/article",
        fmt(tail(&times)),
        fmt(tail(&times[last..])),
        wall.as_secs_f64(),
        queries.load(Ordering::Relaxed),
        index.memory_bytes() as f64 / n as f64,
    );
    println!(
        "{name:<15} {n:>8} {readers:>2}  cpu | all {} | last 10% {} |",
        fmt(tail(&cpu)),
        fmt(tail(&cpu[last..])),
    );
    println!(
        "{name:<15} {n:>8} {readers:>2} B/article: {}",
        common::per_article(&index.memory_usage(), n)
    );
}

fn main() {
    let mut sizes = vec![100_000usize];
    if std::env::var_os("NEARDUP_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    if let Some(v) = env_list("NEARDUP_LATENCY_N") {
        sizes = v.iter().map(|s| s.parse().expect("a size")).collect();
    }
    let presets = env_list("NEARDUP_LATENCY_PRESETS")
        .unwrap_or_else(|| vec!["near-duplicate".into(), "rewrite".into(), "story".into()]);
    let readers: Vec<usize> = env_list("NEARDUP_LATENCY_READERS")
        .unwrap_or_else(|| vec!["0".into(), "2".into()])
        .iter()
        .map(|s| s.parse().expect("a reader count"))
        .collect();
    let (source, all) = texts(sizes.iter().copied().max().unwrap_or(0));
    println!("corpus: {source}, {} texts; times in µs", all.len());
    println!(
        "{:<15} {:>8} {:>2}      | all {:>8} {:>8} {:>9} {:>9} | last 10% {:>8} {:>8} {:>9} {:>9} | wall, queries | memory",
        "preset", "n", "r", "p50", "p99", "p99.9", "max", "p50", "p99", "p99.9", "max"
    );
    for name in &presets {
        let Some(config) = config(name) else {
            continue; // a preset of a later build
        };
        for &n in &sizes {
            let n = n.min(all.len());
            for &r in &readers {
                run(&config, name, &all[..n], r);
            }
        }
    }
    println!("peak RSS {:.0} MB", peak_rss() as f64 / 1e6);
}
