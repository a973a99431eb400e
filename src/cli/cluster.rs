//! `neardup cluster` and `neardup dedup`.

use std::fs::File;
use std::io::{self, Write};
use std::time::Instant;

use neardup::{Cluster, Clusterer};

use super::args::{ClusterArgs, DedupArgs, EngineArgs, Keep};
use super::error::CliError;
use super::input::{self, Corpus, JsonLines, ReadOptions, Source};
use super::progress::Progress;
use super::time::parse_window;

/// The documents and clusters of one run; texts are gone.
struct Clustered {
    corpus: Corpus,
    clusters: Vec<Cluster>,
    sources: Vec<Source>,
    started: Instant,
}

/// Reads, validates and clusters the inputs. Texts are signed a chunk at a time as they are
/// read and dropped; with exact verification the inputs are read a second time for the texts
/// of the documents in candidate pairs (stdin from a temporary copy).
fn run_engine(
    engine: &EngineArgs,
    window: Option<&str>,
    inputs: &[String],
    dedup: bool,
) -> Result<Clustered, CliError> {
    let started = Instant::now();
    let config = engine.config()?;
    // `--window D` or `--window off`; without it, the preset's default window, applied only
    // if every document has a time of its own (a bad `time` then just means it has none).
    let given = window.map(parse_window).transpose()?;
    let default = if given.is_none() {
        config.default_window()
    } else {
        None
    };
    let given = given.flatten();
    if engine.explain {
        eprintln!("neardup: {}", config.explain());
        if let Some(w) = given {
            eprintln!("neardup: links only documents published at most {w} s apart (--window)");
        } else if let Some(w) = default {
            eprintln!(
                "neardup: if every line has a \"time\", links only documents published at most \
                 {w} s apart (the preset's default window; --window off: none)"
            );
        }
    }
    let clusterer = Clusterer::with_config(config)?;
    let sources = Source::parse_all(inputs)?;
    let mut progress = Progress::new(input::total_size(&sources), engine.progress);
    let mut batch = clusterer.batch()?;
    let options = ReadOptions {
        lossy: engine.lossy,
        keep_lengths: dedup,
        spill_stdin: dedup || batch.needs_texts_again(),
        times: given.is_some() || default.is_some(),
        lenient_times: given.is_none(),
    };
    let read = input::read_all(&sources, options, &mut progress, &mut |texts| {
        Ok(batch.add(texts)?)
    });
    let corpus = match read {
        Ok(corpus) => corpus,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    // The default needs a time on every document, each plausible as Unix seconds.
    let all_timed = default.is_some() && corpus.untimed == 0 && corpus.len() > 0;
    let by_default = all_timed
        .then(|| clusterer.config().default_window_for(&corpus.times))
        .flatten();
    match by_default {
        Some(w) => progress.note(&format!(
            "neardup: every line has a \"time\": links only documents published at most {w} s \
             apart (the preset's default window; --window off: none)"
        )),
        None if all_timed => progress.note(
            "neardup: every line has a \"time\", but not all in Unix seconds (milliseconds?): \
             no default window",
        ),
        None => {}
    }
    let window = given.or(by_default);
    progress.stage("candidates");
    let mut pending = match window {
        Some(w) => batch.candidates_within(&corpus.times, w)?,
        None => batch.candidates()?,
    };
    if let (true, Some(bound)) = (engine.explain, pending.max_specific_df()) {
        let formula = clusterer.config().profile().max_specific_df(corpus.len());
        if bound < formula {
            progress.note(&format!(
                "neardup: specific words: in at most {bound} documents, measured from a first \
                 clustering's story sizes (the formula's bound: {formula:.1})"
            ));
        } else {
            progress.note(&format!(
                "neardup: specific words: in at most {formula:.1} documents (the formula's bound)"
            ));
        }
    }
    if !pending.needed().is_empty() {
        progress.stage("verifying");
        let needed = pending.needed().to_vec();
        let again = input::reread(&sources, &corpus, &needed, engine.lossy, &mut |texts| {
            Ok(pending.supply(texts)?)
        });
        if let Err(e) = again {
            progress.finish();
            return Err(e);
        }
    }
    progress.stage("clustering");
    let clusters = pending.finish()?;
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
    let run = run_engine(&args.engine, args.window.as_deref(), &args.inputs, false)?;
    let corpus = &run.corpus;
    let n = corpus.len();
    // Each document's cluster (by position) and similarity to the representative.
    let mut of_doc = vec![(0u32, 0.0f64); n];
    for (c, cluster) in run.clusters.iter().enumerate() {
        for (&m, &s) in cluster.members.iter().zip(&cluster.similarities) {
            of_doc[m] = (c as u32, s);
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 20, stdout.lock());
    for (doc, &(c, similarity)) in of_doc.iter().enumerate() {
        let cluster = &run.clusters[c as usize];
        // The ids are JSON text already: the line is what serializing
        // {"id", "cluster", "representative", "similarity"} gives.
        write!(
            out,
            "{{\"id\":{},\"cluster\":{},\"representative\":{},\"similarity\":",
            corpus.id(doc),
            corpus.id(cluster.members[0]),
            cluster.representative == doc
        )
        .map_err(CliError::Write)?;
        serde_json::to_writer(&mut out, &similarity).map_err(|e| CliError::Write(e.into()))?;
        out.write_all(b"}\n").map_err(CliError::Write)?;
    }
    out.flush().map_err(CliError::Write)?;
    let seconds = run.started.elapsed().as_secs_f64();
    eprintln!(
        "neardup cluster: {}, {}, largest {}, {}",
        count(n, "document"),
        count(run.clusters.len(), "cluster"),
        largest(&run.clusters),
        timing(n, seconds)
    );
    Ok(())
}

/// Runs `neardup dedup`.
pub fn dedup(args: &DedupArgs) -> Result<(), CliError> {
    let run = run_engine(&args.engine, args.window.as_deref(), &args.inputs, true)?;
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
    for (index, source) in run.sources.iter().enumerate() {
        let name = source.name();
        let range = corpus.range(index);
        match source {
            Source::Text(path) => {
                if range.clone().any(|doc| keep[doc]) {
                    let bytes = std::fs::read(path).map_err(|e| CliError::Read {
                        file: name.clone(),
                        source: e,
                    })?;
                    // Validated (and warned about) on the first pass.
                    let text = String::from_utf8_lossy(&bytes);
                    let record = serde_json::json!({ "id": name, "text": text });
                    write_line(out, &record.to_string())?;
                }
            }
            Source::Stdin => {
                let mut lines = corpus.stdin_lines()?;
                for doc in range {
                    let (_, line, _) =
                        lines.next_line()?.ok_or_else(|| input::changed(&name, 0))?;
                    if keep[doc] {
                        write_line(out, &line)?;
                    }
                }
            }
            Source::JsonLines(path) => {
                let file = File::open(path).map_err(|e| CliError::Read {
                    file: name.clone(),
                    source: e,
                })?;
                // Warnings were given on the first pass.
                let mut lines = JsonLines::new(file, &name, lossy).quiet();
                for doc in range {
                    if !keep[doc] {
                        if !lines.skip_line()? {
                            return Err(input::changed(&name, 0));
                        }
                        continue;
                    }
                    let (line_no, line, _) =
                        lines.next_line()?.ok_or_else(|| input::changed(&name, 0))?;
                    let same = line_no == corpus.line(doc)
                        && input::record(&line).is_ok_and(|(id, _, _)| id == corpus.id(doc));
                    if !same {
                        return Err(input::changed(&name, line_no));
                    }
                    write_line(out, &line)?;
                }
            }
        }
    }
    Ok(())
}

fn write_line(out: &mut impl Write, line: &str) -> Result<(), CliError> {
    out.write_all(line.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
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
