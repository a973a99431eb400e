//! Calibration of the rewrite preset on Reuters-21578 (distractors) plus the seeds (a story and
//! its rewrites): how strongly the seeds hold together, how close the nearest unrelated article
//! comes, and how large clusters get, for a grid of thresholds and chain-guard floors.
//!
//! ```text
//! cargo run --release --example calibrate              # the preset's bounds
//! cargo run --release --example calibrate 50 0.001     # specific if df ≤ 50 + 0.001·min(N, 100,000)
//! NEARDUP_DUMP=0.08 cargo run --release --example calibrate   # also print the ten largest
//!                                  # clusters at the preset's threshold with that chain floor
//! ```

use neardup::config::{REWRITE_CHAIN_FLOOR, REWRITE_THRESHOLD};
use neardup::eval::reuters;
use neardup::{Cluster, Clusterer, Config, Preset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut texts: Vec<String> = reuters::load()?.into_iter().map(|a| a.text).collect();
    let first_seed = texts.len();
    let mut seeds: Vec<_> = std::fs::read_dir("seeds")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    seeds.sort();
    for s in &seeds {
        texts.push(std::fs::read_to_string(s)?);
    }
    let n = texts.len();
    let seed_ids: Vec<usize> = (first_seed..n).collect();

    // Optional overrides to explore: `calibrate BASE FRAC` sets the specificity bound.
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let mut profile = *Config::preset(Preset::Rewrite).profile();
    if let [base, frac, ..] = args[..] {
        profile.specific_base = base;
        profile.specific_frac = frac;
    }
    let base = Config::builder(Preset::Rewrite).profile(profile);
    // Similarities as the batch measures them (word rarity from the whole corpus).
    let clusterer = Clusterer::with_config(base.clone().build()?)?;
    let features = clusterer.features(&texts)?;
    let sim = |f: &neardup::verify::Features, a, b| f.similarity(a, b).unwrap_or(0.0);
    let mut weakest = f64::INFINITY;
    for (k, &a) in seed_ids.iter().enumerate() {
        for &b in &seed_ids[k + 1..] {
            weakest = weakest.min(sim(&features, a, b));
        }
    }
    let (closest, who) = (0..first_seed)
        .flat_map(|r| seed_ids.iter().map(move |&s| (r, s)))
        .map(|(r, s)| (sim(&features, r, s), r))
        .fold((0.0, 0), |best, x| if x.0 > best.0 { x } else { best });
    let seeds_alone = clusterer.features(&texts[first_seed..])?;
    let mut weakest_alone = f64::INFINITY;
    for a in 0..seed_ids.len() {
        for b in a + 1..seed_ids.len() {
            weakest_alone = weakest_alone.min(sim(&seeds_alone, a, b));
        }
    }
    println!("{} Reuters articles + {} seeds", first_seed, seed_ids.len());
    println!("weakest link among the seeds: {weakest:.3} (seeds alone: {weakest_alone:.3})");
    println!(
        "closest Reuters article to a seed: {closest:.3} ({})",
        texts[who].lines().next().unwrap_or("")
    );
    println!(
        "\n| threshold | chain floor | clusters | largest five | seeds together, no intruder |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for threshold in [0.08, 0.10, REWRITE_THRESHOLD, 0.15, 0.20, 0.25] {
        for floor in [None, Some(0.05), Some(REWRITE_CHAIN_FLOOR), Some(0.12)] {
            let config = base
                .clone()
                .threshold(threshold)
                .chain_floor(floor)
                .build()?;
            let clusters = Clusterer::with_config(config)?.cluster_features(&features)?;
            let mut sizes: Vec<usize> = clusters.iter().map(Cluster::len).collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            let seeds_ok = clusters.iter().any(|c| c.members == seed_ids);
            let dump: Option<f64> = std::env::var("NEARDUP_DUMP")
                .ok()
                .and_then(|f| f.parse().ok());
            if dump.is_some() && threshold == REWRITE_THRESHOLD && floor == dump {
                let mut by_size: Vec<&Cluster> = clusters.iter().collect();
                by_size.sort_by_key(|c| std::cmp::Reverse(c.len()));
                for c in by_size.iter().take(10) {
                    eprintln!("--- {} members", c.len());
                    for (&m, s) in c.members.iter().zip(&c.similarities).take(6) {
                        eprintln!("    {s:.2} {}", texts[m].lines().next().unwrap_or(""));
                    }
                }
            }
            println!(
                "| {threshold:.2} | {} | {} | {:?} | {} |",
                floor.map_or("none".to_string(), |f| format!("{f:.2}")),
                clusters.len(),
                &sizes[..5],
                if seeds_ok { "yes" } else { "no" }
            );
        }
    }
    Ok(())
}
