//! The story preset on ECB+ (reports of 86 events by many outlets, two similar events per
//! topic), alone and with Reuters-21578 and the seeds as distractors: the tables of the ECB+
//! section of docs/accuracy.md.
//!
//! ```text
//! cargo run --release --example story                  # ECB+ alone, per topic
//! cargo run --release --example story -- --reuters     # and among Reuters-21578 and seeds/
//! cargo run --release --example story -- --reuters --write   # into docs/accuracy.md
//! cargo run --release --example story -- --sweep       # thresholds × floors on ECB+
//! cargo run --release --example story -- --reuters --threshold 0.07 --floor 0.05   # other settings
//! cargo run --release --example story -- --reuters --exact   # exact candidates (see below)
//! ```
//!
//! `--exact` replaces the preset's anchor candidates by (nearly) every pair at or above the
//! threshold: all pairs on ECB+ alone (brute force), LSH banding of weighted MinHash
//! signatures among Reuters-21578 (`Profiles::banded_candidates`, recall 0.995 against brute
//! force). `--write` and `--both` add an exact-candidates row to each table. `--why` prints
//! how many wrongly joined ECB+ pairs are direct edges rather than chained, the edges between
//! the two events of each topic, and (with `--reuters`) the edges that bridge topics.
//! `--veto` drops every edge (and zeroes the guard's similarity) between two texts stating a
//! measured amount of one unit with no amount in common (`4.4 magnitude` / `4.6 magnitude`);
//! `--veto-magnitude` does so for quake magnitudes only. `STORY_KNN=k` keeps only edges whose
//! ends are among each other's `k` most similar (`STORY_KNN_MUTUAL=1`) or either's;
//! `--specific-frac x` / `--specific-base b` change the specificity bound `b + x·min(N, 100,000)`, `--prior p`
//! the weight formula's prior (pseudo-documents). All but the prior were
//! measured and left out of the preset (docs/accuracy.md §7). With `--why --reuters` the largest
//! Reuters cluster and each ECB+ topic's scores among Reuters are printed too.
//!
//! ECB+ is read from `tests/data/ecbplus/docs.jsonl`; Reuters-21578 from `NEARDUP_REUTERS`
//! (or `../shared/data/reuters21578`).

use std::collections::BTreeMap;
use std::fmt::Write;

use neardup::eval::scores::{cross_topic, Scores};
use neardup::lsh::{Banding, FN_WEIGHT};
use neardup::verify::Edge;
use neardup::{Cluster, Clusterer, Config, Index, Preset, Timestamp};

/// How candidates are found.
#[derive(Clone, Copy, PartialEq)]
enum Candidates {
    /// The preset's own (anchor index).
    Preset,
    /// Every pair at or above the threshold (all pairs, or banding on large inputs).
    Exact,
}

/// Which measured amounts a fact-conflict veto compares (`--veto`, `--veto-magnitude`).
#[derive(Clone, Copy, PartialEq)]
enum Veto {
    /// Every decimal amount with its unit (`4.4 magnitude`, `2.7 miles`).
    Amounts,
    /// Quake magnitudes only.
    Magnitude,
}

/// The measured amounts a text states, as (unit, amount): a decimal number with the word
/// after it, or after `magnitude`, `magnitude of` or `measuring` (unit `magnitude`). Whole
/// numbers are left out: counts change as reports of one event follow each other.
fn facts(text: &str, kind: Veto) -> Vec<(String, String)> {
    let words: Vec<String> = text
        .split_whitespace()
        .flat_map(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            // `6.1-magnitude`: the amount and its unit.
            match w.split_once('-') {
                Some((n, u)) if n.starts_with(|c: char| c.is_ascii_digit()) => {
                    vec![n.to_string(), u.to_string()]
                }
                _ => vec![w],
            }
        })
        .collect();
    let mut out = Vec::new();
    for (i, n) in words.iter().enumerate() {
        let decimal = n.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && (a.to_string() + b).bytes().all(|c| c.is_ascii_digit())
        });
        if !decimal {
            continue;
        }
        let before = |k: usize| i.checked_sub(k).map(|j| words[j].as_str());
        let magnitude = matches!(before(1), Some("magnitude" | "measuring"))
            || (before(1) == Some("of") && before(2) == Some("magnitude"));
        let unit = if magnitude {
            Some("magnitude")
        } else {
            words.get(i + 1).map(String::as_str).filter(|w| {
                w.chars().nth(1).is_some()
                    && w.chars().all(char::is_alphabetic)
                    && !neardup::text::is_stop_word(w)
            })
        };
        if let Some(u) = unit.filter(|&u| kind == Veto::Amounts || u == "magnitude") {
            out.push((u.to_string(), n.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Both texts state an amount of one unit and share none of them.
fn conflict(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.iter().any(|(u, _)| {
        b.iter().any(|(v, _)| v == u) && !a.iter().filter(|x| &x.0 == u).any(|x| b.contains(x))
    })
}

/// `STORY_KNN=k`: keep an edge only if one end is among the other's `k` most similar.
fn knn() -> Option<usize> {
    std::env::var("STORY_KNN").ok()?.parse().ok()
}

/// Keeps the edges where one end is among the `k` most similar neighbours of the other
/// (`STORY_KNN_MUTUAL`: both ends).
fn keep_near(edges: &mut Vec<Edge>, n: usize, k: usize) {
    let mut by: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    for e in edges.iter() {
        by[e.a].push((e.similarity, e.b));
        by[e.b].push((e.similarity, e.a));
    }
    let near: Vec<std::collections::HashSet<usize>> = by
        .into_iter()
        .map(|mut v| {
            v.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            v.into_iter().take(k).map(|x| x.1).collect()
        })
        .collect();
    let mutual = std::env::var("STORY_KNN_MUTUAL").is_ok();
    edges.retain(|e| {
        let (x, y) = (near[e.a].contains(&e.b), near[e.b].contains(&e.a));
        if mutual {
            x && y
        } else {
            x || y
        }
    });
}

/// Clusters `texts` with `clusterer`, its candidates found as `how` says.
fn cluster_with(
    clusterer: &Clusterer,
    texts: &[String],
    how: Candidates,
    veto: Option<Veto>,
) -> Result<(Vec<Cluster>, Vec<Edge>), Box<dyn std::error::Error>> {
    let config = clusterer.config();
    let features = clusterer.features(texts)?;
    let pairs = match how {
        Candidates::Preset => features.candidates(config)?,
        Candidates::Exact if texts.len() <= 5_000 => {
            let n = texts.len() as u32;
            (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                .collect()
        }
        Candidates::Exact => {
            let banding = Banding::optimal(
                config.threshold(),
                neardup::profile::REWRITE_HASHES,
                FN_WEIGHT,
            )?;
            let profiles = features.profiles().ok_or("no profiles")?;
            profiles.banded_candidates(&banding, config.profile().seed)?
        }
    };
    let mut edges = features.verify(&pairs, config.threshold())?;
    if let Some(k) = knn() {
        keep_near(&mut edges, texts.len(), k);
    }
    let clusters = if let Some(kind) = veto {
        let facts: Vec<Vec<(String, String)>> = texts.iter().map(|t| facts(t, kind)).collect();
        let veto = |a: usize, b: usize| conflict(&facts[a], &facts[b]);
        edges.retain(|e| !veto(e.a, e.b));
        // The guard measures with the veto too: a vetoed pair is 0 similar.
        neardup::parts::link(
            texts.len(),
            edges.clone(),
            config.chain_floor(),
            |a, b| {
                if veto(a, b) {
                    0.0
                } else {
                    features.similarity(a, b).unwrap_or(0.0)
                }
            },
            |i| features.content(i).unwrap_or(0.0),
        )?
    } else {
        neardup::cluster::link(&features, edges.clone(), config.chain_floor())?
    };
    Ok((clusters, edges))
}

/// The clusters holding two ECB+ topics, or ECB+ and other documents: their members and the
/// edges that join documents of different topics (other documents count as topic "-").
fn bridges(clusters: &[Cluster], edges: &[Edge], docs: &[Doc], texts: &[String]) {
    let topic = |i: usize| docs.get(i).map_or("-", |d| d.topic.as_str());
    for c in clusters {
        let topics: std::collections::BTreeSet<&str> =
            c.members.iter().map(|&m| topic(m)).collect();
        if topics.len() < 2 || !c.members.iter().any(|&m| m < docs.len()) {
            continue;
        }
        println!(
            "cluster {} ({} members, topics {topics:?}), representative {}",
            c.id,
            c.len(),
            c.representative
        );
        for e in edges {
            let inside =
                c.members.binary_search(&e.a).is_ok() && c.members.binary_search(&e.b).is_ok();
            if inside && topic(e.a) != topic(e.b) {
                let head = |i: usize| {
                    texts[i]
                        .chars()
                        .take(90)
                        .collect::<String>()
                        .replace('\n', " ")
                };
                println!(
                    "  {:.3} {} [{}] {} | {} [{}] {}",
                    e.similarity,
                    e.a,
                    topic(e.a),
                    head(e.a),
                    e.b,
                    topic(e.b),
                    head(e.b)
                );
            }
        }
    }
}

/// Wrongly joined ECB+ pairs (same cluster, different events): direct edges or chained.
fn why(found: &[usize], docs: &[Doc], edges: &[Edge]) {
    let direct: std::collections::HashSet<(usize, usize)> =
        edges.iter().map(|e| (e.a, e.b)).collect();
    let (mut wrong, mut wrong_direct, mut wrong_edges) = (0, 0, 0);
    for a in 0..docs.len() {
        for b in a + 1..docs.len() {
            if found[a] == found[b] && docs[a].label != docs[b].label {
                wrong += 1;
                wrong_direct += usize::from(direct.contains(&(a, b)));
            }
        }
    }
    if let Ok(path) = std::env::var("STORY_EDGES") {
        let lines: String = edges
            .iter()
            .map(|e| format!("{} {} {}\n", e.a, e.b, e.similarity))
            .collect();
        std::fs::write(&path, lines).expect("edges file");
    }
    let mut bad: BTreeMap<String, usize> = BTreeMap::new();
    for e in edges {
        if e.a < docs.len() && e.b < docs.len() && docs[e.a].label != docs[e.b].label {
            wrong_edges += 1;
            *bad.entry(docs[e.a].topic.clone()).or_default() += 1;
        }
    }
    println!(
        "wrongly joined pairs: {wrong}, of them direct edges: {wrong_direct}; \
         edges between events: {wrong_edges} (by topic {bad:?}) of {} edges",
        edges.len()
    );
}

/// One labelled ECB+ document.
struct Doc {
    text: String,
    label: String,
    topic: String,
    words: usize,
}

fn load_ecb() -> Result<Vec<Doc>, Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ecbplus/docs.jsonl");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", i + 1))?;
        let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let text = field("text");
        docs.push(Doc {
            words: text.split_whitespace().count(),
            text,
            label: field("label"),
            topic: field("topic"),
        });
    }
    Ok(docs)
}

/// The cluster of each of the first `n` documents (its id).
fn assignment(clusters: &[Cluster], n: usize) -> Vec<usize> {
    let mut of = vec![usize::MAX; n];
    for c in clusters {
        for &m in &c.members {
            if m < n {
                of[m] = c.id;
            }
        }
    }
    of
}

fn line(name: &str, found: &[usize], docs: &[&Doc]) -> String {
    let gold: Vec<&str> = docs.iter().map(|d| d.label.as_str()).collect();
    let topics: Vec<&str> = docs.iter().map(|d| d.topic.as_str()).collect();
    let s = Scores::new(found, &gold).expect("parallel");
    let cross = cross_topic(found, &topics).expect("parallel").len();
    format!(
        "| {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {cross} |",
        s.items,
        s.ari(),
        s.pair_precision(),
        s.pair_recall(),
        s.bcubed_f1(),
        s.bcubed_precision,
    )
}

const HEADER: &str =
    "| set | docs | ARI | pair P | pair R | B³ F1 | B³ P | clusters across topics |\n\
                      | --- | --- | --- | --- | --- | --- | --- | --- |";

/// Overall scores, with and without the short documents.
fn report(out: &mut String, found: &[usize], docs: &[Doc]) -> std::fmt::Result {
    writeln!(out, "{HEADER}")?;
    let all: Vec<&Doc> = docs.iter().collect();
    writeln!(out, "{}", line("ECB+", found, &all))?;
    let (f, d): (Vec<usize>, Vec<&Doc>) = found
        .iter()
        .zip(docs)
        .filter(|(_, d)| d.words >= 50)
        .map(|(&f, d)| (f, d))
        .unzip();
    writeln!(out, "{}", line("ECB+, ≥ 50 words", &f, &d))?;
    Ok(())
}

fn per_topic(out: &mut String, found: &[usize], docs: &[Doc]) -> std::fmt::Result {
    writeln!(
        out,
        "\n| topic | docs | ARI | pair P | pair R | B³ F1 | B³ P | merged with another topic |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |")?;
    let mut topics: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        topics
            .entry(d.topic.parse().unwrap_or(0))
            .or_default()
            .push(i);
    }
    for (t, idx) in topics {
        let f: Vec<usize> = idx.iter().map(|&i| found[i]).collect();
        let d: Vec<&Doc> = idx.iter().map(|&i| &docs[i]).collect();
        // Clusters of this topic's documents that also hold another topic's.
        let foreign = f
            .iter()
            .filter(|&&c| {
                found
                    .iter()
                    .zip(docs)
                    .any(|(&g, o)| g == c && o.topic != d[0].topic)
            })
            .count();
        let row = line(&t.to_string(), &f, &d);
        let row = row
            .rsplit_once(" | ")
            .map_or(row.clone(), |(a, _)| a.into());
        writeln!(out, "{row} | {foreign} |")?;
    }
    Ok(())
}

fn sweep(docs: &[Doc]) -> Result<(), Box<dyn std::error::Error>> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let all: Vec<&Doc> = docs.iter().collect();
    println!("| specific, prior, threshold, floor | docs | ARI | pair P | pair R | B³ F1 | B³ P | across |");
    let base = *Config::preset(Preset::Story).profile();
    for specific in [base.specific_base, 1e9] {
        for prior in [1000.0, 5000.0, 20000.0] {
            let profile = neardup::profile::ProfileParams {
                specific_base: specific,
                prior,
                ..base
            };
            let config = Config::builder(Preset::Story).profile(profile).build()?;
            let features = Clusterer::with_config(config)?.features(&texts)?;
            for t in [0.06, 0.08, 0.1, 0.12] {
                for f in [0.03, 0.05, 0.07] {
                    let config = Config::builder(Preset::Story)
                        .profile(profile)
                        .threshold(t)
                        .chain_floor(Some(f))
                        .build()?;
                    let clusters = Clusterer::with_config(config)?.cluster_features(&features)?;
                    let found = assignment(&clusters, docs.len());
                    println!(
                        "{}",
                        line(&format!("{specific} {prior} {t} {f}"), &found, &all)
                    );
                }
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let docs = load_ecb()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--sweep") {
        return sweep(&docs);
    }
    let value = |name: &str| -> Option<f64> {
        let i = args.iter().position(|a| a == name)?;
        args.get(i + 1)?.parse().ok()
    };
    let mut builder = Config::builder(Preset::Story);
    if let Some(t) = value("--threshold") {
        builder = builder.threshold(t);
    }
    if let Some(f) = value("--floor") {
        builder = builder.chain_floor(Some(f));
    }
    let base = *Config::preset(Preset::Story).profile();
    builder = builder.profile(neardup::profile::ProfileParams {
        specific_frac: value("--specific-frac").unwrap_or(base.specific_frac),
        specific_base: value("--specific-base").unwrap_or(base.specific_base),
        prior: value("--prior").unwrap_or(base.prior),
        ..base
    });
    let clusterer = Clusterer::with_config(builder.build()?)?;
    let how = if args.iter().any(|a| a == "--exact") {
        Candidates::Exact
    } else {
        Candidates::Preset
    };
    let veto = if args.iter().any(|a| a == "--veto") {
        Some(Veto::Amounts)
    } else if args.iter().any(|a| a == "--veto-magnitude") {
        Some(Veto::Magnitude)
    } else {
        None
    };
    // The report shows exact candidates beside the preset's own.
    let both = how == Candidates::Preset && args.iter().any(|a| a == "--write" || a == "--both");
    let mut out = String::new();
    writeln!(out, "`{}`\n", clusterer.config().explain())?;
    let mut texts: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
    writeln!(out, "### ECB+ alone\n")?;
    let (clusters, edges) = cluster_with(&clusterer, &texts, how, veto)?;
    let found = assignment(&clusters, docs.len());
    if args.iter().any(|a| a == "--why") {
        why(&found, &docs, &edges);
    }
    report(&mut out, &found, &docs)?;
    let all: Vec<&Doc> = docs.iter().collect();
    if both {
        let (exact, _) = cluster_with(&clusterer, &texts, Candidates::Exact, veto)?;
        let exact = assignment(&exact, docs.len());
        writeln!(out, "{}", line("ECB+, exact candidates", &exact, &all))?;
    }
    let rewrite = assignment(&Clusterer::new(Preset::Rewrite).cluster(&texts), docs.len());
    writeln!(out, "{}", line("ECB+, rewrite preset", &rewrite, &all))?;
    for (name, fraction) in [("¾", 0.75), ("½", 0.5), ("¼", 0.25)] {
        smaller_stories(&mut out, &clusterer, &docs, name, fraction, how, veto)?;
    }
    for (name, fraction, spread) in [
        ("all", 1.0, 3),
        ("¾", 0.75, 3),
        ("½", 0.5, 3),
        ("¼", 0.25, 3),
        ("all", 1.0, 90),
        ("¼", 0.25, 90),
    ] {
        with_times(&mut out, &clusterer, &docs, name, fraction, spread)?;
    }
    for (name, fraction) in [("all", 1.0), ("¼", 0.25)] {
        index_rows(&mut out, clusterer.config(), &docs, name, fraction)?;
    }
    per_topic(&mut out, &found, &docs)?;
    if !args.iter().any(|a| a == "--reuters") {
        print!("{out}");
        return Ok(());
    }
    writeln!(out, "\n### ECB+ among all of Reuters-21578 and the seeds\n")?;
    let reuters = neardup::eval::reuters::load()?;
    texts.extend(reuters.into_iter().map(|a| a.text));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let seeds = texts.len()..texts.len() + paths.len();
    for p in paths {
        texts.push(std::fs::read_to_string(p)?);
    }
    let (clusters, edges) = cluster_with(&clusterer, &texts, how, veto)?;
    report(&mut out, &assignment(&clusters, docs.len()), &docs)?;
    if args.iter().any(|a| a == "--why") {
        bridges(&clusters, &edges, &docs, &texts);
        if let Some(big) = clusters
            .iter()
            .filter(|c| c.members.iter().all(|&m| m >= docs.len()))
            .max_by_key(|c| c.len())
        {
            println!("largest Reuters cluster ({}):", big.len());
            for &m in big.members.iter().take(12) {
                let head: String = texts[m].chars().take(100).collect();
                println!("  {m} {}", head.replace('\n', " "));
            }
        }
        let mut topics = String::new();
        per_topic(&mut topics, &assignment(&clusters, docs.len()), &docs)?;
        println!("per topic among Reuters:{topics}");
    }
    let exact = if both {
        let (exact, _) = cluster_with(&clusterer, &texts, Candidates::Exact, veto)?;
        let found = assignment(&exact, docs.len());
        writeln!(out, "{}", line("ECB+, exact candidates", &found, &all))?;
        Some(exact)
    } else {
        None
    };
    writeln!(out)?;
    distractors(&mut out, &clusters, docs.len(), seeds.clone(), "")?;
    if let Some(exact) = exact {
        distractors(&mut out, &exact, docs.len(), seeds, "exact candidates: ")?;
    }
    if args.iter().any(|a| a == "--write") {
        write_section(&out)?;
    } else {
        print!("{out}");
    }
    Ok(())
}

/// Reports of one event kept in a draw: the `max(2, round(fraction·n))` of its `n` reports
/// with the smallest hash of (draw, index), so every run keeps the same ones.
fn draw(docs: &[Doc], fraction: f64, seed: u64) -> Vec<usize> {
    let mut by_event: BTreeMap<&str, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let h = xxhash_rust::xxh3::xxh3_64_with_seed(&(i as u64).to_le_bytes(), seed);
        by_event.entry(&d.label).or_default().push((h, i));
    }
    let mut kept = Vec::new();
    for reports in by_event.values_mut() {
        reports.sort_unstable();
        let k = ((reports.len() as f64 * fraction).round() as usize).max(2);
        kept.extend(reports.iter().take(k).map(|&(_, i)| i));
    }
    kept.sort_unstable();
    kept
}

/// A row for ECB+ with each event's reports cut to `fraction` (three draws; scores are their
/// means, clusters across topics per draw). Smaller stories put a topic's shared words, which
/// the two events' reports all have, under the specificity bound.
fn smaller_stories(
    out: &mut String,
    clusterer: &Clusterer,
    docs: &[Doc],
    name: &str,
    fraction: f64,
    how: Candidates,
    veto: Option<Veto>,
) -> Result<(), Box<dyn std::error::Error>> {
    let label = format!("ECB+, {name} of each event's reports (3 draws)");
    draws_row(out, &label, docs, fraction, |kept| {
        let texts: Vec<String> = kept.iter().map(|&i| docs[i].text.clone()).collect();
        let (clusters, _) = cluster_with(clusterer, &texts, how, veto)?;
        Ok(assignment(&clusters, kept.len()))
    })
}

/// Made-up publication times: each topic's first event's reports (`*_ecb`) within `spread`
/// days of a day of its own (topics three days apart), its second event's (`*_ecbplus`) 400
/// days later. An illustration of the default window's mechanism, not a measurement: ECB+ has
/// no times.
fn made_up_time(doc: &Doc, i: usize, spread: u64) -> Timestamp {
    const DAY: Timestamp = 86_400;
    let topic: Timestamp = doc.topic.parse().unwrap_or(0);
    let second = if doc.label.ends_with("ecbplus") {
        400 * DAY
    } else {
        0
    };
    let within = xxhash_rust::xxh3::xxh3_64(&(i as u64).to_le_bytes()) % (spread * DAY as u64);
    1_200_000_000 + topic * 3 * DAY + second + within as Timestamp
}

/// A row for ECB+ (each event cut to `fraction`, three draws) clustered with the made-up
/// times of [`made_up_time`] and the preset's default window (`Config::default_window`).
fn with_times(
    out: &mut String,
    clusterer: &Clusterer,
    docs: &[Doc],
    name: &str,
    fraction: f64,
    spread: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let window = clusterer
        .config()
        .default_window()
        .ok_or("no default window")?;
    let label = format!(
        "ECB+, {name} of each event's reports, made-up times over {spread} days, 30-day window \
         (3 draws)"
    );
    draws_row(out, &label, docs, fraction, |kept| {
        let texts: Vec<&str> = kept.iter().map(|&i| docs[i].text.as_str()).collect();
        let times: Vec<Timestamp> = kept
            .iter()
            .map(|&i| made_up_time(&docs[i], i, spread))
            .collect();
        let clusters = clusterer.cluster_within(&texts, &times, window)?;
        Ok(assignment(&clusters, kept.len()))
    })
}

/// Rows for the incremental `Index` (each event cut to `fraction`, three draws): fed in file
/// order without times, and in the order of the made-up times of [`made_up_time`] (3 days)
/// with the preset's default window, as `neardup stream` would be. An article's cluster is the
/// one it joined, followed through later merges; evicted articles keep theirs.
fn index_rows(
    out: &mut String,
    config: &Config,
    docs: &[Doc],
    name: &str,
    fraction: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let window = config.default_window().ok_or("no default window")?;
    for timed in [false, true] {
        let label = if timed {
            format!(
                "ECB+, {name} of each event's reports, incremental index in the order of \
                 made-up times over 3 days, 30-day window (3 draws)"
            )
        } else {
            format!(
                "ECB+, {name} of each event's reports, incremental index in file order (3 draws)"
            )
        };
        draws_row(out, &label, docs, fraction, |kept| {
            let mut index = Index::with_config(config.clone())?;
            let mut order: Vec<(Timestamp, usize)> = kept.iter().map(|&i| (0, i)).collect();
            if timed {
                index = index.with_window(window);
                for (t, i) in &mut order {
                    *t = made_up_time(&docs[*i], *i, 3);
                }
                order.sort_unstable();
            }
            // Each article's cluster at insertion, then merges followed to the surviving id.
            let mut joined = vec![0; docs.len()];
            let mut merged_into: BTreeMap<u64, u64> = BTreeMap::new();
            for &(t, i) in &order {
                let a = index.insert(&i.to_string(), &docs[i].text, t)?;
                joined[i] = a.cluster;
                for m in a.merged {
                    merged_into.insert(m, a.cluster);
                }
            }
            let root = |mut c: u64| {
                while let Some(&next) = merged_into.get(&c) {
                    c = next;
                }
                c
            };
            Ok(kept.iter().map(|&i| root(joined[i]) as usize).collect())
        })?;
    }
    Ok(())
}

/// One table row: the mean scores of `cluster` (the cluster of each kept document) over three
/// draws of `fraction` of each event's reports, and the clusters across topics per draw.
fn draws_row(
    out: &mut String,
    label: &str,
    docs: &[Doc],
    fraction: f64,
    mut cluster: impl FnMut(&[usize]) -> Result<Vec<usize>, Box<dyn std::error::Error>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (mut sums, mut across, mut items) = ([0.0; 5], Vec::new(), 0);
    for seed in 1..=3 {
        let kept = draw(docs, fraction, seed);
        let found = cluster(&kept)?;
        let gold: Vec<&str> = kept.iter().map(|&i| docs[i].label.as_str()).collect();
        let topics: Vec<&str> = kept.iter().map(|&i| docs[i].topic.as_str()).collect();
        let s = Scores::new(&found, &gold)?;
        for (sum, v) in sums.iter_mut().zip([
            s.ari(),
            s.pair_precision(),
            s.pair_recall(),
            s.bcubed_f1(),
            s.bcubed_precision,
        ]) {
            *sum += v / 3.0;
        }
        across.push(cross_topic(&found, &topics)?.len().to_string());
        items += s.items;
    }
    writeln!(
        out,
        "| {label} | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {} |",
        items as f64 / 3.0,
        sums[0],
        sums[1],
        sums[2],
        sums[3],
        sums[4],
        across.join(" / ")
    )?;
    Ok(())
}

/// The heading and introduction of the section.
const SECTION_HEAD: &str =
    "## 7. Stories: the story preset on ECB+, and the seeds among Reuters-21578

Generated by `cargo run --release --example story -- --reuters --write` (it rewrites this block,
keeping the notes at its end; without `--write` it prints the tables, without `--reuters` only
the ECB+ part). ECB+ (`tests/data/ecbplus`, Cybulska & Vossen, LREC 2014, CC BY 3.0) holds 982
news articles labelled by the event they report, 86 events in 43 topics of two similar events
each; a cluster holding two topics is a plain error, one holding both events of a topic is the
hard one. ECB+ has no publication times, so the time window plays no part except in the rows
*made-up times*: each topic's first event published within 3 (or 90) days of a day of its own,
its second event 400 days later, clustered with the story preset's default 30-day window (the
mechanism, not a measurement; `made_up_time` in the example). To score any
clustering against a labels file: `neardup cluster --preset story docs.jsonl > found.jsonl`,
then `cargo run --release --example eval -- found.jsonl docs.jsonl` (ARI, pairwise and B-cubed
precision/recall/F1, clusters across topics, as JSON). Rows and lines marked *exact
candidates* replace the preset's anchor candidates by every pair at or above the threshold (all
pairs on ECB+ alone, weighted-MinHash banding with recall 0.995 among Reuters); the per-topic
table is the preset's own.

";

/// The report whose `story-section` block `--write` replaces.
const REPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/accuracy.md");

/// Replaces the generated tables in the `story-section` block of docs/accuracy.md, keeping
/// the hand-written `story-notes` block inside it.
fn write_section(tables: &str) -> Result<(), Box<dyn std::error::Error>> {
    let report = std::fs::read_to_string(REPORT).map_err(|e| format!("{REPORT}: {e}"))?;
    let block = |name: &str| -> Option<(usize, usize)> {
        let begin = format!("<!-- begin:{name} -->");
        let end = format!("<!-- end:{name} -->");
        let s = report.find(&begin)?;
        let e = report[s..].find(&end)? + s + end.len();
        Some((s, e))
    };
    let (start, end) = block("story-section").ok_or(format!(
        "{REPORT}: no <!-- begin:story-section --> … <!-- end:story-section --> block"
    ))?;
    let notes = block("story-notes").map_or("", |(s, e)| &report[s..e]);
    let section = format!(
        "<!-- begin:story-section -->\n{SECTION_HEAD}{tables}\n{notes}\n<!-- end:story-section -->"
    );
    let updated = format!("{}{section}{}", &report[..start], &report[end..]);
    std::fs::write(REPORT, updated).map_err(|e| format!("{REPORT}: {e}"))?;
    eprintln!("wrote the story section of {REPORT}");
    Ok(())
}

/// With Reuters and the seeds: clusters mixing ECB+ and Reuters, the largest Reuters
/// clusters, and the seeds' cluster.
fn distractors(
    out: &mut String,
    clusters: &[Cluster],
    ecb: usize,
    seeds: std::ops::Range<usize>,
    label: &str,
) -> std::fmt::Result {
    let mixed: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.members.iter().any(|&m| m < ecb) && c.members.iter().any(|&m| m >= ecb))
        .collect();
    let mixed_docs: usize = mixed
        .iter()
        .map(|c| c.members.iter().filter(|&&m| m >= ecb).count())
        .sum();
    writeln!(
        out,
        "- {label}clusters mixing ECB+ and Reuters/seeds: {} ({} non-ECB+ documents in them)",
        mixed.len(),
        mixed_docs
    )?;
    let mut sizes: Vec<usize> = clusters
        .iter()
        .filter(|c| c.members.iter().all(|&m| m >= ecb))
        .map(Cluster::len)
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    writeln!(
        out,
        "- {label}largest Reuters clusters: {:?}",
        &sizes[..sizes.len().min(5)]
    )?;
    let of_seed: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.members.iter().any(|m| seeds.contains(m)))
        .collect();
    for c in of_seed {
        let inside = c.members.iter().filter(|m| seeds.contains(m)).count();
        writeln!(
            out,
            "- {label}the seeds' cluster: {} of {} seeds, {} other members",
            inside,
            seeds.len(),
            c.len() - inside
        )?;
    }
    Ok(())
}
