//! `neardup cluster` and `neardup dedup`.

use std::fs::File;
use std::io::{self, Write};
use std::time::Instant;

use neardup::{Cluster, Clusterer};
use serde::Serialize;
use serde_json::Value;

use super::args::{ClusterArgs, DedupArgs, EngineArgs, Keep};
use super::error::CliError;
use super::input::{self, Corpus, JsonLines, ReadOptions, Source};
use super::progress::Progress;

/// One output line of `cluster`.
#[derive(Serialize)]
struct Assignment<'a> {
    id: &'a Value,
    cluster: &'a Value,
    representative: bool,
    similarity: f64,
}

/// The documents and clusters of one run; texts are gone.
struct Clustered {
    corpus: Corpus,
    clusters: Vec<Cluster>,
    sources: Vec<Source>,
    started: Instant,
}

/// Reads, validates and clusters the inputs; texts are dropped once features are computed.
fn run_engine(
    engine: &EngineArgs,
    inputs: &[String],
    keep_stdin_lines: bool,
) -> Result<Clustered, CliError> {
    let started = Instant::now();
    let config = engine.config()?;
    if engine.explain {
        eprintln!("neardup: {}", config.explain());
    }
    let clusterer = Clusterer::with_config(config)?;
    let sources = Source::parse_all(inputs)?;
    let mut progress = Progress::new(input::total_size(&sources), engine.progress);
    let options = ReadOptions {
        lossy: engine.lossy,
        keep_stdin_lines,
    };
    let read = input::read_all(&sources, options, &mut progress);
    let mut corpus = match read {
        Ok(corpus) => corpus,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    progress.stage("signing");
    let features = clusterer.features(&corpus.texts)?;
    corpus.texts = Vec::new();
    progress.stage("clustering");
    let clusters = clusterer.cluster_features(&features)?;
    drop(features);
    progress.finish();
    Ok(Clustered {
        corpus,
        clusters,
        sources,
        started,
    })
}

/// Runs `neardup cluster`.
pub fn cluster(args: &ClusterArgs) -> Result<(), CliError> {
    let run = run_engine(&args.engine, &args.inputs, false)?;
    let ids = &run.corpus.ids;
    // Each document's cluster (by position) and similarity to the representative.
    let mut of_doc = vec![(0usize, 0.0f64); ids.len()];
    for (c, cluster) in run.clusters.iter().enumerate() {
        for (&m, &s) in cluster.members.iter().zip(&cluster.similarities) {
            of_doc[m] = (c, s);
        }
    }
    let mut out = Vec::with_capacity(ids.len() * 80);
    for (doc, &(c, similarity)) in of_doc.iter().enumerate() {
        let cluster = &run.clusters[c];
        let line = Assignment {
            id: &ids[doc],
            cluster: &ids[cluster.members[0]],
            representative: cluster.representative == doc,
            similarity,
        };
        serde_json::to_writer(&mut out, &line).map_err(|e| CliError::Write(e.into()))?;
        out.push(b'\n');
    }
    write_stdout(&out)?;
    let seconds = run.started.elapsed().as_secs_f64();
    eprintln!(
        "neardup cluster: {}, {}, largest {}, {}",
        count(ids.len(), "document"),
        count(run.clusters.len(), "cluster"),
        largest(&run.clusters),
        timing(ids.len(), seconds)
    );
    Ok(())
}

/// Runs `neardup dedup`.
pub fn dedup(args: &DedupArgs) -> Result<(), CliError> {
    let run = run_engine(&args.engine, &args.inputs, true)?;
    let n = run.corpus.len();
    let mut keep = vec![false; n];
    for cluster in &run.clusters {
        keep[kept_member(cluster, args.keep, &run.corpus.lengths)] = true;
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 20, stdout.lock());
    write_kept(&run, &keep, args.engine.lossy, &mut out)?;
    out.flush().map_err(CliError::Write)?;
    let kept = run.clusters.len();
    let seconds = run.started.elapsed().as_secs_f64();
    eprintln!(
        "neardup dedup: kept {kept} of {}, dropped {} ({}, largest {}), {}",
        count(n, "document"),
        n - kept,
        count(kept, "cluster"),
        largest(&run.clusters),
        timing(n, seconds)
    );
    Ok(())
}

/// The member of `cluster` that `dedup` keeps.
fn kept_member(cluster: &Cluster, keep: Keep, lengths: &[usize]) -> usize {
    match keep {
        Keep::First => cluster.members[0],
        Keep::Representative => cluster.representative,
        Keep::Longest => {
            let mut best = cluster.members[0];
            for &m in &cluster.members[1..] {
                if lengths[m] > lengths[best] {
                    best = m;
                }
            }
            best
        }
    }
}

/// The second pass of `dedup`: reads the inputs again and writes the kept documents.
fn write_kept(
    run: &Clustered,
    keep: &[bool],
    lossy: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let corpus = &run.corpus;
    let mut stdin_lines = corpus.stdin_lines.iter();
    let mut doc = 0;
    for (index, source) in run.sources.iter().enumerate() {
        let name = source.name();
        match source {
            Source::Text(path) => {
                if keep[doc] {
                    let bytes = std::fs::read(path).map_err(|e| CliError::Read {
                        file: name.clone(),
                        source: e,
                    })?;
                    // Validated (and warned about) on the first pass.
                    let text = String::from_utf8_lossy(&bytes);
                    let record = serde_json::json!({ "id": &corpus.ids[doc], "text": text });
                    write_line(out, &record.to_string())?;
                }
                doc += 1;
            }
            Source::Stdin => {
                while doc < corpus.len() && corpus.origins[doc].source == index {
                    let line = stdin_lines.next().ok_or_else(|| changed(&name, 0))?;
                    if keep[doc] {
                        write_line(out, line)?;
                    }
                    doc += 1;
                }
            }
            Source::JsonLines(path) => {
                let file = File::open(path).map_err(|e| CliError::Read {
                    file: name.clone(),
                    source: e,
                })?;
                // Warnings were given on the first pass.
                let mut lines = JsonLines::new(file, &name, lossy).quiet();
                while doc < corpus.len() && corpus.origins[doc].source == index {
                    let (line_no, line, _) = lines.next_line()?.ok_or_else(|| changed(&name, 0))?;
                    if keep[doc] {
                        let same = line_no == corpus.origins[doc].line
                            && input::parse_record(&line)
                                .is_ok_and(|(id, _)| id == corpus.ids[doc]);
                        if !same {
                            return Err(changed(&name, line_no));
                        }
                        write_line(out, &line)?;
                    }
                    doc += 1;
                }
            }
        }
    }
    Ok(())
}

fn changed(name: &str, line: usize) -> CliError {
    CliError::Line {
        file: name.to_string(),
        line,
        message: "the file changed while neardup was reading it; output is incomplete".into(),
    }
}

fn write_line(out: &mut impl Write, line: &str) -> Result<(), CliError> {
    out.write_all(line.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(CliError::Write)
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(CliError::Write)
}

fn largest(clusters: &[Cluster]) -> usize {
    clusters.iter().map(Cluster::len).max().unwrap_or(0)
}

/// `1 cluster`, `2 clusters`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `0.12 s, 4167 documents/s`.
pub fn timing(documents: usize, seconds: f64) -> String {
    let rate = documents as f64 / seconds.max(1e-6);
    format!("{seconds:.2} s, {rate:.0} documents/s")
}
