//! The command line: `neardup cluster`'s options plus timely's `-w`, `-n`, `-p` and `-h`.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use neardup::shingle::{ShingleConfig, ShingleKind, MAX_SHINGLE_SIZE};
use neardup::{Config, Method, Preset};

use crate::error::RunError;

const CLUSTER_HELP: &str = "\
Examples:
  neardup-dataflow cluster -w 2 articles.jsonl > clusters.jsonl
  zcat articles.jsonl.gz | neardup-dataflow cluster -w 2 - > clusters.jsonl
  neardup-dataflow cluster --preset rewrite -n 2 -p 0 -h hosts.txt articles.jsonl   (host 0)
  neardup-dataflow cluster --preset rewrite -n 2 -p 1 -h hosts.txt articles.jsonl   (host 1)

Every process names the same inputs, readable at the same paths (shared storage); each worker
keeps every (workers)th document. Process 0 writes exactly the JSON Lines `neardup cluster`
writes for the same inputs and options, whatever -w and -n are. See docs/distributed.md.

Exit codes:
  0  success
  1  bad input (as `neardup cluster`), reported by every process
  2  usage error
  3  a worker or the network failed: the run stopped and must be started again";

/// `neardup cluster` on timely-dataflow: the same clusters on many threads and machines.
#[derive(Debug, Parser)]
#[command(name = "neardup-dataflow", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assign every document to a cluster (JSON Lines out, as `neardup cluster`).
    #[command(after_help = CLUSTER_HELP, disable_help_flag = true)]
    Cluster(ClusterArgs),
}

/// `neardup-dataflow cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Engine options, as `neardup cluster` takes them.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Timely's options.
    #[command(flatten)]
    pub timely: TimelyArgs,
    /// Verify the rewrite and story presets' candidates in R rounds (default: one per 4
    /// million candidates): fewer pairs in flight at once. The output does not depend on it.
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: Option<u32>,
    /// Link only documents published at most DURATION apart (90s, 30m, 12h, 3d, 1w), by each
    /// JSON line's "time", as `neardup cluster --window` does; without it the story preset
    /// applies 30d if every line has a time of its own, in Unix seconds; "off": no window.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Print help (-h is the hostfile, as timely defines it).
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// .txt files (one document each, id = the file name as given), .jsonl files (one
    /// {"id", "text"} object per line), or - for JSON Lines on stdin (the default; a single
    /// process only). Every process must be able to read every file.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
}

/// Where the workers run, with timely's letters and meanings.
#[derive(Debug, Args)]
pub struct TimelyArgs {
    /// Worker threads per process.
    #[arg(short = 'w', long = "threads", value_name = "W", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: u32,
    /// Number of processes.
    #[arg(short = 'n', long = "processes", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub processes: u32,
    /// This process's index, 0 to N - 1.
    #[arg(short = 'p', long = "process", value_name = "P", default_value_t = 0)]
    pub process: u32,
    /// A file of N host:port lines, one per process in index order (default: localhost
    /// ports 2101, 2102, ...).
    #[arg(short = 'h', long = "hostfile", value_name = "HOSTFILE")]
    pub hostfile: Option<String>,
    /// Report connection progress on stderr.
    #[arg(short = 'r', long = "report")]
    pub report: bool,
}

/// The engine options of `neardup cluster` that change clusters.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// What kind of sameness to look for.
    #[arg(long, value_enum, default_value_t = PresetArg::NearDuplicate)]
    pub preset: PresetArg,
    /// Override the preset's representation (near-duplicate uses minhash, rewrite weighted).
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Minimum similarity to join, in (0, 1]. For simhash it maps to the largest Hamming
    /// distance d with 1 - d/64 >= T (e.g. 0.95 -> d = 3).
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// Number of MinHash permutations (minhash method only; default 128).
    #[arg(long, value_name = "K")]
    pub num_perm: Option<usize>,
    /// Seed of every hash function (default 42).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Shingles for minhash and simhash: words:N or chars:N, N in 1..=32 (default words:5).
    #[arg(long, value_name = "KIND:N", value_parser = parse_shingle)]
    pub shingle: Option<ShingleConfig>,
    /// Keep or drop English stop words before forming word shingles (default keep).
    #[arg(long, value_enum, value_name = "CHOICE")]
    pub stop_words: Option<StopWords>,
    /// Decode invalid UTF-8 with U+FFFD replacements (and a warning) instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Print the configuration in use on stderr.
    #[arg(long)]
    pub explain: bool,
}

/// `--preset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Copies and light edits: word 5-gram Jaccard >= 0.8.
    NearDuplicate,
    /// A story and its rewrites by other outlets.
    Rewrite,
    /// Reports of the same event written independently by different outlets.
    Story,
}

/// `--method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// MinHash signatures and LSH; similarity is Jaccard of shingle sets.
    Minhash,
    /// 64-bit SimHash fingerprints; similarity is 1 - hamming/64.
    Simhash,
    /// Rarity-weighted content words (the rewrite preset's method).
    Weighted,
}

/// `--stop-words`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StopWords {
    /// Shingle every word.
    Keep,
    /// Leave stop words out before forming shingles.
    Drop,
}

/// Parses `--shingle`: `words:N` or `chars:N`, N in 1..=[`MAX_SHINGLE_SIZE`].
fn parse_shingle(s: &str) -> Result<ShingleConfig, String> {
    let (kind, size) = s
        .split_once(':')
        .ok_or_else(|| format!("expected words:N or chars:N, got '{s}'"))?;
    let size: usize = size
        .parse()
        .map_err(|_| format!("the size in '{s}' is not a whole number"))?;
    if size == 0 || size > MAX_SHINGLE_SIZE {
        return Err(format!(
            "the shingle size must be 1 to {MAX_SHINGLE_SIZE}, got {size}"
        ));
    }
    match kind {
        "words" => Ok(ShingleConfig::words(size)),
        "chars" => Ok(ShingleConfig::chars(size)),
        _ => Err(format!(
            "unknown shingle kind '{kind}': expected words or chars"
        )),
    }
}

impl EngineArgs {
    /// The library configuration, built as `neardup cluster` builds it.
    pub fn config(&self) -> Result<Config, RunError> {
        let preset = match self.preset {
            PresetArg::NearDuplicate => Preset::NearDuplicate,
            PresetArg::Rewrite => Preset::Rewrite,
            PresetArg::Story => Preset::Story,
        };
        let method = match self.method {
            None => Config::preset(preset).method(),
            Some(MethodArg::Minhash) => Method::MinHash,
            Some(MethodArg::Simhash) => Method::SimHash,
            Some(MethodArg::Weighted) => Method::Weighted,
        };
        let mut builder = Config::builder(preset).method(method);
        if let Some(t) = self.threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(RunError::Usage(format!(
                    "--threshold must be in (0, 1], got {t}"
                )));
            }
            builder = if method == Method::SimHash {
                builder.simhash_distance(simhash_distance(t)?)
            } else {
                builder.threshold(t)
            };
        }
        if let Some(k) = self.num_perm {
            builder = builder.num_perm(k);
        }
        if let Some(s) = self.seed {
            builder = builder.seed(s);
        }
        if self.shingle.is_some() || self.stop_words.is_some() {
            if matches!(method, Method::Weighted | Method::Story) {
                return Err(RunError::Usage(
                    "--shingle and --stop-words do not apply to the weighted method (the \
                     rewrite preset's), which weighs single content words: use --method \
                     minhash or simhash"
                        .into(),
                ));
            }
            let mut shingles = self
                .shingle
                .unwrap_or_else(|| Config::preset(preset).shingles());
            if let Some(choice) = self.stop_words {
                if shingles.kind != ShingleKind::Words {
                    return Err(RunError::Usage(
                        "--stop-words applies to word shingles only, not --shingle chars:N".into(),
                    ));
                }
                shingles = shingles.drop_stop_words(choice == StopWords::Drop);
            }
            builder = builder.shingles(shingles);
        }
        builder.build().map_err(|e| RunError::Usage(format!("{e}")))
    }
}

/// Largest SimHash distance the library accepts.
const MAX_SIMHASH_DISTANCE: u32 = 30;

/// The largest Hamming distance `d` with `1 − d/64 ≥ threshold`, as `neardup cluster` maps it.
fn simhash_distance(threshold: f64) -> Result<u32, RunError> {
    let d = ((1.0 - threshold) * 64.0 + 1e-9).floor() as u32;
    if d > MAX_SIMHASH_DISTANCE {
        return Err(RunError::Usage(format!(
            "--threshold {threshold} maps to SimHash distance {d}, more than the maximum of \
             {MAX_SIMHASH_DISTANCE}: use a threshold of at least {}",
            1.0 - f64::from(MAX_SIMHASH_DISTANCE) / 64.0
        )));
    }
    Ok(d)
}

impl TimelyArgs {
    /// The timely configuration these options describe, as timely's own `Config::from_args`
    /// builds it.
    pub fn config(&self) -> Result<timely::Config, RunError> {
        let threads = self.threads as usize;
        let processes = self.processes as usize;
        if self.process >= self.processes {
            return Err(RunError::Usage(format!(
                "-p {} is not a process index below -n {}",
                self.process, self.processes
            )));
        }
        let communication = if processes > 1 {
            let addresses = match &self.hostfile {
                Some(file) => read_hostfile(file, processes)?,
                None => (0..processes)
                    .map(|i| format!("localhost:{}", 2101 + i))
                    .collect(),
            };
            timely::CommunicationConfig::Cluster {
                threads,
                process: self.process as usize,
                addresses,
                report: self.report,
                zerocopy: false,
            }
        } else if threads > 1 {
            timely::CommunicationConfig::Process(threads)
        } else {
            timely::CommunicationConfig::Thread
        };
        Ok(timely::Config {
            communication,
            worker: timely::WorkerConfig::default(),
        })
    }
}

/// The first `processes` non-blank lines of a hostfile.
fn read_hostfile(file: &str, processes: usize) -> Result<Vec<String>, RunError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| RunError::Usage(format!("cannot read the hostfile {file}: {e}")))?;
    let addresses: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(processes)
        .map(String::from)
        .collect();
    if addresses.len() < processes {
        return Err(RunError::Usage(format!(
            "the hostfile {file} has {} addresses, -n asks for {processes}",
            addresses.len()
        )));
    }
    Ok(addresses)
}
