//! `neardup-dataflow`: `neardup cluster` on timely-dataflow and differential-dataflow, with the
//! same output for any number of worker threads (`-w`) and processes (`-n`, `-p`, `-h`).
//!
//! See `neardup-dataflow cluster --help` and `docs/distributed.md`.
#![deny(missing_docs)]

mod args;
mod cli;
mod components;
mod error;
mod exchange;
mod features;
mod input;
mod output;
mod pipeline;
mod prefix;
mod rounds;
mod stdout;

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use neardup::config::{Config, Method};

use args::{Cli, ClusterArgs, Command};
use error::RunError;
use input::{Share, Source};

fn main() -> ExitCode {
    // Clap prints help and version (exit 0) and usage errors (exit 2) itself.
    let cli = Cli::parse();
    let Command::Cluster(args) = &cli.command;
    match cluster(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Write(e)) if e.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("neardup-dataflow: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// What worker 0 of process 0 hands back: the output and its summary.
struct Written {
    bytes: Vec<u8>,
    summary: String,
}

/// What every worker needs of the command line besides the configuration and inputs.
#[derive(Clone, Copy)]
struct Options {
    lossy: bool,
    explain: bool,
    rounds: Option<u32>,
    /// `--window`, in seconds.
    window: Option<i64>,
    /// The preset's default window, applied if every document has a time (no `--window`).
    default_window: Option<i64>,
}

/// Runs `neardup-dataflow cluster`.
fn cluster(args: &ClusterArgs) -> Result<(), RunError> {
    let started = Instant::now();
    let config = args.engine.config()?;
    if !features::supported(&config) {
        return Err(RunError::Usage(format!(
            "{:?} is not supported by neardup-dataflow",
            config.method()
        )));
    }
    // As `neardup cluster`: `--window D`, `--window off`, or the preset's default window if
    // every document has a time.
    let given = args
        .window
        .as_deref()
        .map(cli::time::parse_window)
        .transpose()
        .map_err(|e| RunError::Usage(e.to_string()))?;
    let default_window = if given.is_none() {
        config.default_window()
    } else {
        None
    };
    let window = given.flatten();
    if args.engine.explain {
        eprintln!("neardup-dataflow: {}", config.explain());
        if let Some(w) = window {
            eprintln!(
                "neardup-dataflow: links only documents published at most {w} s apart (--window)"
            );
        } else if let Some(w) = default_window {
            eprintln!(
                "neardup-dataflow: if every line has a \"time\", links only documents published \
                 at most {w} s apart (the preset's default window; --window off: none)"
            );
        }
    }
    let timely_config = args.timely.config()?;
    // `_spool` keeps stdin's copy until the workers are done.
    let (sources, _spool) = Source::parse_all(&args.inputs, args.timely.processes)?;
    let options = Options {
        lossy: args.engine.lossy,
        explain: args.engine.explain,
        rounds: args.rounds,
        window,
        default_window,
    };
    let (config, sources) = (Arc::new(config), Arc::new(sources));
    let mut out = stdout::Output::claim().map_err(|e| RunError::Write(e.to_string()))?;
    let guards = timely::execute(timely_config, move |worker| {
        run_worker(worker, &config, &sources, options)
    })
    .map_err(RunError::Workers)?;
    let mut written = None;
    for result in guards.join() {
        match result {
            Ok(Ok(Some(w))) => written = Some(w),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Err(e),
            Err(panic) => return Err(RunError::Workers(format!("a worker failed: {panic}"))),
        }
    }
    if let Some(w) = written {
        out.write_all(&w.bytes)
            .and_then(|()| out.flush())
            .map_err(|e| RunError::Write(e.to_string()))?;
        eprintln!(
            "neardup-dataflow cluster: {}, {:.2} s",
            w.summary,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn usage(e: neardup::Error) -> RunError {
    RunError::Usage(e.to_string())
}

/// One worker's whole run; worker 0 returns the output.
fn run_worker(
    worker: &mut timely::worker::Worker,
    config: &Config,
    sources: &[Source],
    options: Options,
) -> Result<Option<Written>, RunError> {
    let Options {
        lossy,
        explain,
        rounds,
        window,
        default_window,
    } = options;
    let (me, peers) = (worker.index(), worker.peers());
    let times = match (window, default_window) {
        (Some(_), _) => input::Times::Strict,
        (None, Some(_)) => input::Times::Lenient,
        (None, None) => input::Times::Off,
    };
    let mut share: Share = input::read_share(sources, me, peers, lossy, times);
    // Every worker counts every line's time, so all decide alike.
    let window = window.or(default_window
        .filter(|_| share.untimed == 0 && share.total > 0)
        .and_then(|_| config.default_window_for(&share.times)));
    let method = config.method();
    let weighted = matches!(method, Method::Weighted | Method::Story);
    // The weighted methods need each term's document frequency across workers first.
    let terms: Option<Vec<Vec<u64>>> = weighted.then(|| {
        let seed = config.profile().seed;
        let terms_of = if method == Method::Story {
            neardup::story::story_terms
        } else {
            neardup::profile::content_terms
        };
        share.docs.iter().map(|d| terms_of(&d.text, seed)).collect()
    });
    // MinHash features need nothing from other workers: compute them before texts go.
    let reduced = if weighted {
        None
    } else {
        let none = std::collections::HashMap::new();
        Some(
            pipeline::reduce_documents(config, config.profile(), &share, None, &none)
                .map_err(usage)?,
        )
    };
    for doc in &mut share.docs {
        doc.text = String::new();
    }
    let mut counts: Vec<(u64, u32)> = Vec::new();
    if let Some(terms) = &terms {
        let mut all: Vec<u64> = terms.iter().flatten().copied().collect();
        all.sort_unstable();
        counts = all
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], run.len() as u32))
            .collect();
    }
    let (error, mut dfs) = pipeline::check_and_count(worker, sources, &share, &counts);
    drop(counts);
    if let Some((_, message)) = error {
        return Err(RunError::Input(message));
    }
    // As `neardup cluster` says it, once the input is known to be valid.
    if me == 0 && default_window.is_some() && share.untimed == 0 && share.total > 0 {
        match window {
            Some(w) => eprintln!(
                "neardup-dataflow: every line has a \"time\": links only documents published \
                 at most {w} s apart (the preset's default window; --window off: none)"
            ),
            None => eprintln!(
                "neardup-dataflow: every line has a \"time\", but not all in Unix seconds \
                 (milliseconds?): no default window"
            ),
        }
    }
    if share.total > u64::from(u32::MAX) {
        return Err(RunError::Input(format!(
            "at most {} documents per run, got {}",
            u32::MAX,
            share.total
        )));
    }
    // The story method may weigh its terms a second time (`neardup::story::measured_bound`).
    // Not within a time window, which keeps similar events apart instead.
    let story = method == Method::Story && window.is_none();
    let mut reduced = match reduced {
        Some(reduced) => reduced,
        None => pipeline::reduce_documents(config, config.profile(), &share, terms, &dfs)
            .map_err(usage)?,
    };
    if !story {
        dfs = HashMap::new();
    }
    let features = Rc::new(std::mem::take(&mut reduced.features));
    // The story method may weigh the same terms again: its profiles hold them.
    let first = story.then(|| features.clone());
    let mut verified = Vec::new();
    if weighted {
        let postings = std::mem::take(&mut reduced.postings);
        verified = verify(worker, config, &features, postings, rounds, explain);
    }
    let (mut rows, mut ids) =
        pipeline::cluster(worker, config, &share, features, reduced, verified, window);
    let formula = config.profile().max_specific_df(share.total as usize);
    // As the batch does: measure the stories' sizes, and weigh again if they call for a
    // tighter bound than the formula's.
    let measured = if story {
        measured_bound(worker, &rows).filter(|&b| b < formula)
    } else {
        None
    };
    if explain && weighted && me == 0 {
        match measured {
            Some(bound) => eprintln!(
                "neardup-dataflow: specific words: in at most {bound} documents, measured from \
                 a first clustering's story sizes (the formula's bound: {formula:.1})"
            ),
            None => eprintln!(
                "neardup-dataflow: specific words: in at most {formula:.1} documents (the \
                 formula's bound)"
            ),
        }
    }
    if let Some(bound) = measured {
        let profile = config.profile().with_bound(bound);
        let terms = first.map(features::take_terms);
        let mut reduced =
            pipeline::reduce_documents(config, &profile, &share, terms, &dfs).map_err(usage)?;
        drop(dfs);
        let features = Rc::new(std::mem::take(&mut reduced.features));
        let postings = std::mem::take(&mut reduced.postings);
        let verified = verify(worker, config, &features, postings, rounds, explain);
        (rows, ids) =
            pipeline::cluster(worker, config, &share, features, reduced, verified, window);
    }
    if me != 0 {
        return Ok(None);
    }
    output::write(share.total as usize, &rows, &ids).map(Some)
}

/// The weighted method's verified edges, found in rounds (`rounds.rs`).
fn verify(
    worker: &mut timely::worker::Worker,
    config: &Config,
    features: &Rc<Vec<features::Feat>>,
    postings: Vec<(u64, prefix::Posting)>,
    rounds: Option<u32>,
    explain: bool,
) -> Vec<rounds::Edge> {
    let (edges, stats) = rounds::verified_edges(
        worker,
        features.clone(),
        postings,
        config.threshold(),
        rounds,
    );
    if explain && worker.index() == 0 {
        eprintln!(
            "neardup-dataflow: {} candidates listed ({} distinct, {} verified) in {} rounds, {} edges on worker 0",
            stats.listed,
            stats.distinct,
            stats.verified,
            stats.rounds,
            edges.len()
        );
    }
    edges
}

/// The story method's measured bound from worker 0's rows of a first clustering, sent to
/// every worker.
fn measured_bound(worker: &mut timely::worker::Worker, rows: &[components::Row]) -> Option<f64> {
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for &(_, cluster, _, _) in rows {
        *sizes.entry(cluster).or_default() += 1;
    }
    // Worker 0 holds every row; the others, none.
    let bound = neardup::story::measured_bound(sizes.into_values()).map_or(u64::MAX, f64::to_bits);
    let peers = worker.peers() as u64;
    let sent = if worker.index() == 0 { 0..peers } else { 0..0 };
    let got = exchange::shuffle(worker, sent.map(|w| (w, bound)), |r| r.0);
    got.first()
        .map(|r| r.1)
        .filter(|&bits| bits != u64::MAX)
        .map(f64::from_bits)
}
