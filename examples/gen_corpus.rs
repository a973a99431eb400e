//! A deterministic corpus for scale tests, with planted near-duplicate clusters and their truth.
//!
//! ```text
//! cargo run --release --example gen_corpus -- gen --docs 100000 --out DIR [--seed S]
//!     [--dup-frac 0.3] [--names 0] [REUTERS_DIR]
//! cargo run --release --example gen_corpus -- scale DIR/corpus-100000.jsonl DIR/truth-100000.tsv
//! cargo run --release --example gen_corpus -- eval DIR/truth-100000.tsv CLI_OUTPUT.jsonl
//! ```
//!
//! `gen` writes `corpus-N.jsonl` (`{"id": "g<i>", "text": ...}`) and `truth-N.tsv`.
//! Base documents are mosaics of 3–10 sentences drawn from distinct Reuters-21578 sentences, so
//! there are as many distinct stories as needed while the text stays real news prose (Reuters
//! has only 19,043 articles). About `dup-frac` of the documents belong to planted clusters: a
//! base document and 1–19 copies, each edited independently from the base at a known level:
//! a word edit rate p ∈ {0, 0.5, 1, 2, 4}% (a third each substitutions, deletions, insertions
//! of corpus words), two sentences swapped with probability 0.3, and a foreign sentence inserted
//! with probability 0.3. With `--names F` (default 0), each base document also gets four made-up
//! proper names of its own and a fraction F of its words is replaced by them: the sentence pool
//! is fixed, so at a million documents every pool sentence recurs in ~60 unrelated bases, which
//! real stories do not do; their own names keep unrelated bases apart under the rarity-weighted
//! presets (`--names 0.3` gives the corpus the story preset's 1M runs use). Documents are then
//! shuffled. The truth records, per document, its
//! planted cluster, its source and its exact word 5-gram Jaccard to the source (neardup's
//! shingles), so recall can be counted over copies that really are near-duplicates (≥ 0.8).
//!
//! `scale` clusters a generated corpus with the near-duplicate preset in this process and
//! reports time, docs/s, peak RSS and pair recall/precision against the truth; `eval` does the
//! same scoring for the output of `neardup cluster` (JSON Lines with `id` and `cluster`).
//!
//! Scores: recall = planted (copy, source) pairs with Jaccard ≥ 0.8 that share an output
//! cluster; precision = same-output-cluster pairs that share a planted cluster.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use neardup::shingle::ShingleConfig;
use neardup::shingle::{jaccard, Shingler};
use neardup::{Clusterer, Preset};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// SplitMix64: tiny, seeded and the same on every platform, which is all a generator needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// A made-up proper name of 2–4 syllables ("Talveno"), the same for the same draws.
fn made_up_name(rng: &mut Rng) -> String {
    const ONSETS: [&str; 16] = [
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st",
    ];
    const VOWELS: [&str; 6] = ["a", "e", "i", "o", "u", "ai"];
    let mut name = String::new();
    for _ in 0..2 + rng.below(3) {
        name.push_str(ONSETS[rng.below(ONSETS.len())]);
        name.push_str(VOWELS[rng.below(VOWELS.len())]);
    }
    let mut chars = name.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// `sentence` with a fraction `share` of its words replaced by one of `names`.
fn with_names(sentence: &str, names: &[String], share: f64, rng: &mut Rng) -> String {
    let words: Vec<&str> = sentence
        .split(' ')
        .map(|w| {
            if rng.chance(share) {
                names[rng.below(names.len())].as_str()
            } else {
                w
            }
        })
        .collect();
    words.join(" ")
}

/// Distinct sentences of at least six words from the articles, "Reuter" trailers removed.
fn sentence_pool(texts: &[String]) -> Vec<String> {
    let mut pool = Vec::new();
    for t in texts {
        let flat: String = t
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
        let flat = flat.trim_end_matches("Reuter").trim_end();
        for s in flat.split_inclusive(". ") {
            let s = s.trim();
            if s.split(' ').count() >= 6 {
                pool.push(s.to_string());
            }
        }
    }
    pool.sort_unstable();
    pool.dedup();
    pool
}

const EDIT_RATES: [f64; 5] = [0.0, 0.005, 0.01, 0.02, 0.04];

struct Copy {
    text: String,
    rate: f64,
    swapped: bool,
    inserted: bool,
}

fn edit(base: &[&str], pool: &[String], rng: &mut Rng) -> Copy {
    let mut sents: Vec<&str> = base.to_vec();
    let rate = EDIT_RATES[rng.below(EDIT_RATES.len())];
    let swapped = sents.len() > 1 && rng.chance(0.3);
    if swapped {
        let i = rng.below(sents.len());
        let j = (i + 1 + rng.below(sents.len() - 1)) % sents.len();
        sents.swap(i, j);
    }
    let inserted = rng.chance(0.3);
    if inserted {
        let at = rng.below(sents.len() + 1);
        sents.insert(at, &pool[rng.below(pool.len())]);
    }
    let mut words: Vec<&str> = Vec::new();
    for s in sents {
        for w in s.split(' ') {
            if rate > 0.0 && rng.chance(rate) {
                let other = &pool[rng.below(pool.len())];
                let pick = other.split(' ').nth(rng.below(6)).unwrap_or("news");
                match rng.below(3) {
                    0 => words.push(pick),        // substitute
                    1 => {}                       // delete
                    _ => words.extend([w, pick]), // insert after
                }
            } else {
                words.push(w);
            }
        }
    }
    Copy {
        text: words.join(" "),
        rate,
        swapped,
        inserted,
    }
}

fn gen(args: &[String]) -> Result<(), BoxError> {
    let mut docs = 100_000usize;
    let mut out = PathBuf::from(".");
    let mut seed = 1u64;
    let mut dup_frac = 0.3f64;
    let mut names_share = 0.0f64;
    let mut dir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--docs" => docs = v()?.parse()?,
            "--out" => out = PathBuf::from(v()?),
            "--seed" => seed = v()?.parse()?,
            "--dup-frac" => dup_frac = v()?.parse()?,
            "--names" => names_share = v()?.parse()?,
            d => dir = Some(PathBuf::from(d)),
        }
    }
    let dir = dir
        .or_else(neardup::eval::reuters::find)
        .ok_or("Reuters-21578 not found: pass its directory or set NEARDUP_REUTERS")?;
    let texts: Vec<String> = neardup::eval::reuters::read(&dir)?
        .into_iter()
        .map(|a| a.text)
        .collect();
    let pool = sentence_pool(&texts);
    eprintln!(
        "{} distinct sentences from {} articles",
        pool.len(),
        texts.len()
    );
    let mut rng = Rng(seed);
    let mut shingler = Shingler::new(ShingleConfig::words(5), 42)?;

    // (text, cluster, source, jaccard to source, rate, swapped, inserted); indices before shuffling.
    struct Row {
        text: String,
        cluster: usize,
        source: Option<usize>,
        jaccard: f64,
        rate: f64,
        swapped: bool,
        inserted: bool,
    }
    let mut rows: Vec<Row> = Vec::with_capacity(docs);
    // Cluster sizes: a planted cluster has 2 + Geometric(1/2) members, at most 20; chosen so
    // that about `dup_frac` of all documents are in one.
    let mean_size = 3.0;
    let p_cluster = dup_frac / (mean_size - dup_frac * (mean_size - 1.0));
    while rows.len() < docs {
        let n_sent = 3 + rng.below(8);
        let mut base: Vec<String> = (0..n_sent)
            .map(|_| pool[rng.below(pool.len())].clone())
            .collect();
        if names_share > 0.0 {
            let names: Vec<String> = (0..4).map(|_| made_up_name(&mut rng)).collect();
            for s in &mut base {
                *s = with_names(s, &names, names_share, &mut rng);
            }
        }
        let base: Vec<&str> = base.iter().map(String::as_str).collect();
        let base_text = base.join(" ");
        let cluster = rows.len();
        let mut size = 1;
        if rng.chance(p_cluster) {
            size = 2;
            while size < 20 && rng.chance(0.5) {
                size += 1;
            }
        }
        let size = size.min(docs - rows.len());
        let base_set = shingler.shingle(&base_text);
        rows.push(Row {
            text: base_text,
            cluster,
            source: None,
            jaccard: 1.0,
            rate: 0.0,
            swapped: false,
            inserted: false,
        });
        for _ in 1..size {
            let c = edit(&base, &pool, &mut rng);
            let j = jaccard(&base_set, &shingler.shingle(&c.text));
            rows.push(Row {
                text: c.text,
                cluster,
                source: Some(cluster),
                jaccard: j,
                rate: c.rate,
                swapped: c.swapped,
                inserted: c.inserted,
            });
        }
    }
    // Fisher–Yates: output position → generated row.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut id_of = vec![0usize; rows.len()];
    for (pos, &r) in order.iter().enumerate() {
        id_of[r] = pos;
    }
    std::fs::create_dir_all(&out)?;
    let corpus_path = out.join(format!("corpus-{docs}.jsonl"));
    let truth_path = out.join(format!("truth-{docs}.tsv"));
    let mut corpus = BufWriter::new(std::fs::File::create(&corpus_path)?);
    let mut truth = BufWriter::new(std::fs::File::create(&truth_path)?);
    writeln!(
        truth,
        "id\tcluster\tsource\tjaccard\tword_edit_rate\tswapped\tinserted"
    )?;
    let (mut planted, mut near) = (0usize, 0usize);
    for &r in &order {
        let row = &rows[r];
        let id = format!("g{}", id_of[r]);
        serde_json::to_writer(
            &mut corpus,
            &serde_json::json!({"id": id, "text": row.text}),
        )?;
        corpus.write_all(b"\n")?;
        let source = row
            .source
            .map_or(String::new(), |s| format!("g{}", id_of[s]));
        writeln!(
            truth,
            "{id}\tg{}\t{source}\t{:.4}\t{}\t{}\t{}",
            id_of[row.cluster],
            row.jaccard,
            row.rate,
            u8::from(row.swapped),
            u8::from(row.inserted)
        )?;
        if row.source.is_some() {
            planted += 1;
            near += usize::from(row.jaccard >= 0.8);
        }
    }
    corpus.flush()?;
    truth.flush()?;
    eprintln!(
        "wrote {} documents to {} ({planted} planted copies, {near} of them with Jaccard ≥ 0.8 \
         to their source) and the truth to {}",
        rows.len(),
        corpus_path.display(),
        truth_path.display()
    );
    Ok(())
}

struct Truth {
    ids: Vec<String>,
    cluster: Vec<usize>,
    /// (copy, source) document indices of copies with Jaccard ≥ 0.8.
    near_pairs: Vec<(usize, usize)>,
}

fn read_truth(path: &Path) -> Result<Truth, BoxError> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut rows = Vec::new();
    for line in file.lines().skip(1) {
        let line = line?;
        let f: Vec<&str> = line.split('\t').collect();
        rows.push((
            f[0].to_string(),
            f[1].to_string(),
            f[2].to_string(),
            f[3].parse::<f64>()?,
        ));
    }
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.0.as_str(), i))
        .collect();
    let cluster = rows.iter().map(|r| index[r.1.as_str()]).collect();
    let near_pairs = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.2.is_empty() && r.3 >= 0.8)
        .map(|(i, r)| (i, index[r.2.as_str()]))
        .collect();
    Ok(Truth {
        ids: rows.iter().map(|r| r.0.clone()).collect(),
        cluster,
        near_pairs,
    })
}

/// Pair recall and precision of `found` (an output cluster label per truth document).
fn score(truth: &Truth, found: &[usize]) -> (f64, f64, usize, usize) {
    let hit = truth
        .near_pairs
        .iter()
        .filter(|&&(a, b)| found[a] == found[b])
        .count();
    let recall = hit as f64 / truth.near_pairs.len().max(1) as f64;
    let pairs = |counts: HashMap<(usize, usize), usize>| -> usize {
        counts.values().map(|&n| n * (n - 1) / 2).sum()
    };
    let mut by_found = HashMap::new();
    let mut by_both = HashMap::new();
    for (i, &f) in found.iter().enumerate() {
        *by_found.entry((f, 0)).or_insert(0) += 1;
        *by_both.entry((f, truth.cluster[i])).or_insert(0) += 1;
    }
    let (all, good) = (pairs(by_found), pairs(by_both));
    let precision = if all == 0 {
        1.0
    } else {
        good as f64 / all as f64
    };
    (recall, precision, all, truth.near_pairs.len())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            Some(l.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
        })
        .unwrap_or(-1.0)
}

fn scale(args: &[String]) -> Result<(), BoxError> {
    let [corpus, truth] = args else {
        return Err("usage: gen_corpus scale CORPUS.jsonl TRUTH.tsv".into());
    };
    let t = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(corpus)?);
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for line in file.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        ids.push(v["id"].as_str().unwrap_or_default().to_string());
        texts.push(v["text"].as_str().unwrap_or_default().to_string());
    }
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let clusters = Clusterer::new(Preset::NearDuplicate).cluster(&texts);
    let cluster_s = t.elapsed().as_secs_f64();
    let rss = peak_rss_mb();
    let truth = read_truth(Path::new(truth))?;
    let pos: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut label = vec![0usize; texts.len()];
    for c in &clusters {
        for &m in &c.members {
            label[m] = c.id;
        }
    }
    let found: Vec<usize> = truth.ids.iter().map(|id| label[pos[id.as_str()]]).collect();
    let (recall, precision, pairs, near) = score(&truth, &found);
    let n = texts.len();
    println!(
        "{}",
        serde_json::json!({
            "docs": n, "threads": rayon::current_num_threads(), "read_s": read_s,
            "cluster_s": cluster_s, "docs_per_s": n as f64 / (read_s + cluster_s),
            "peak_rss_mb": rss, "rss_kb_per_doc": rss * 1024.0 / n as f64,
            "clusters": clusters.len(), "output_pairs": pairs, "planted_near_pairs": near,
            "recall": recall, "precision": precision,
        })
    );
    Ok(())
}

fn eval(args: &[String]) -> Result<(), BoxError> {
    let [truth, output] = args else {
        return Err("usage: gen_corpus eval TRUTH.tsv OUTPUT.jsonl".into());
    };
    let truth = read_truth(Path::new(truth))?;
    let pos: HashMap<&str, usize> = truth
        .ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut found = vec![usize::MAX; truth.ids.len()];
    let mut labels: HashMap<String, usize> = HashMap::new();
    let file = std::io::BufReader::new(std::fs::File::open(output)?);
    for line in file.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let id = v["id"].as_str().ok_or("output line without a string id")?;
        let next = labels.len();
        let l = *labels.entry(v["cluster"].to_string()).or_insert(next);
        found[*pos.get(id).ok_or_else(|| format!("unknown id {id}"))?] = l;
    }
    if found.contains(&usize::MAX) {
        return Err("the output misses documents of the truth".into());
    }
    let (recall, precision, pairs, near) = score(&truth, &found);
    println!(
        "{}",
        serde_json::json!({"docs": found.len(), "output_pairs": pairs,
            "planted_near_pairs": near, "recall": recall, "precision": precision})
    );
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => gen(&args[1..]),
        Some("scale") => scale(&args[1..]),
        Some("eval") => eval(&args[1..]),
        _ => Err("usage: gen_corpus gen|scale|eval ... (see the file's docs)".into()),
    }
}
