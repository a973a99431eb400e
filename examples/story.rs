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
//! ```
//!
//! ECB+ is read from `tests/data/ecbplus/docs.jsonl`; Reuters-21578 from `NEARDUP_REUTERS`
//! (or `../shared/data/reuters21578`).

use std::collections::BTreeMap;
use std::fmt::Write;

use neardup::eval::scores::{cross_topic, Scores};
use neardup::{Cluster, Clusterer, Config, Preset};

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
        for prior in [300.0, 1000.0, 3000.0] {
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
    let clusterer = Clusterer::with_config(builder.build()?)?;
    let mut out = String::new();
    writeln!(out, "`{}`\n", clusterer.config().explain())?;
    let mut texts: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
    writeln!(out, "### ECB+ alone\n")?;
    let found = assignment(&clusterer.cluster(&texts), docs.len());
    report(&mut out, &found, &docs)?;
    let rewrite = assignment(&Clusterer::new(Preset::Rewrite).cluster(&texts), docs.len());
    let all: Vec<&Doc> = docs.iter().collect();
    writeln!(out, "{}", line("ECB+, rewrite preset", &rewrite, &all))?;
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
    let clusters = clusterer.cluster(&texts);
    report(&mut out, &assignment(&clusters, docs.len()), &docs)?;
    distractors(&mut out, &clusters, docs.len(), seeds)?;
    if args.iter().any(|a| a == "--write") {
        write_section(&out)?;
    } else {
        print!("{out}");
    }
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
hard one. ECB+ has no publication times, so the time window plays no part. To score any
clustering against a labels file: `neardup cluster --preset story docs.jsonl > found.jsonl`,
then `cargo run --release --example eval -- found.jsonl docs.jsonl` (ARI, pairwise and B-cubed
precision/recall/F1, clusters across topics, as JSON).

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
        "\n- clusters mixing ECB+ and Reuters/seeds: {} ({} non-ECB+ documents in them)",
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
        "- largest Reuters clusters: {:?}",
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
            "- the seeds' cluster: {} of {} seeds, {} other members",
            inside,
            seeds.len(),
            c.len() - inside
        )?;
    }
    Ok(())
}
