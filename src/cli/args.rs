//! The command line: subcommands, options and their help texts.

use clap::{Args, Parser, Subcommand, ValueEnum};
use neardup::shingle::{ShingleConfig, ShingleKind, MAX_SHINGLE_SIZE};
use neardup::{Config, Method, Preset};

use super::error::CliError;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  bad input (malformed JSON line, missing \"id\" or \"text\", an id given twice, a missing or
     unreadable file, a .txt file that is not UTF-8 without --lossy); nothing is written to stdout
  2  usage error (unknown option, invalid option value, unknown kind of INPUT)";

const CLUSTER_HELP: &str = "\
Examples:
  neardup cluster --preset rewrite seeds/*.txt
  neardup cluster articles.jsonl > clusters.jsonl
  neardup cluster --shingle chars:5 --threshold 0.6 articles.jsonl
  cat articles.jsonl | neardup cluster --threshold 0.9 - | jq -c 'select(.representative | not)'
  neardup cluster --preset story --window 3d news.jsonl   # lines with \"time\"; reports of one
                                                           # event within three days of another
                                   # (story: 30d if every line has a time; --window off: none)

Any script: Chinese, Japanese, Thai, Lao, Khmer and Myanmar letters are one token each (a
word 5-gram there is a character 5-gram), so near-copies in those languages join with no flag:
  {\"id\":\"xinhua\",\"text\":\"国家统计局今天发布数据显示，…同比增长百分之七点二，…\"}
  {\"id\":\"copy\",\"text\":\"国家统计局今天发布数据显示，…同比增长百分之七点四，…\"}

Output: one JSON line per input document, in input order:
  {\"id\":\"b\",\"cluster\":\"a\",\"representative\":false,\"similarity\":0.91}
\"cluster\" is the id of the cluster's first member in input order (a string or a number, as
given); \"similarity\" is to the cluster's representative (1.0 for the representative).
";

const DEDUP_HELP: &str = "\
Examples:
  neardup dedup corpus.jsonl > unique.jsonl
  neardup dedup --keep longest --threshold 0.9 a.jsonl b.jsonl > unique.jsonl
  cat corpus.jsonl | neardup dedup - > unique.jsonl

Kept JSON lines are written back unchanged (extra fields included), in input order; a .txt input
is written as {\"id\": <file name>, \"text\": <contents>}. Files are read twice (texts are not
held in memory); stdin can be read only once, so its lines are held.
";

const STREAM_HELP: &str = "\
Examples:
  tail -f wire.jsonl | neardup stream --preset rewrite --index stories.idx --window 3d
  neardup stream --preset rewrite < day.jsonl > assignments.jsonl

Input lines: {\"id\": ..., \"text\": ..., \"time\": \"2023-09-05T10:00:00Z\" or 1693908000}; \"time\" is
optional (a line without it takes the previous line's time, 0 for the first; a date alone is
its midnight UTC, a date-time without offset UTC).
Output, one line per input line, written and flushed as soon as it is read:
  {\"id\":\"b\",\"cluster\":0,\"new_cluster\":false,\"merged\":[3],\"neighbours\":[[\"a\",0.31]],
   \"replayed\":false}
\"cluster\" is a cluster id that never changes except by a merge, reported in \"merged\" (the ids
absorbed into \"cluster\"). An article older than the window is still inserted (and evicted when
a newer one arrives). --progress does not apply here; --explain also reports every save.

With --index FILE the index is loaded on start (its options, --shingle included, must match;
it keeps the window it
was saved with unless --window is given) and saved, atomically and synced to disk (FILE.tmp,
fsync, rename, fsync of the directory): after every --checkpoint-every answers, when input has
been idle for about a second (or the oldest unsaved answer is 10 s old), and on every stop.
A SIGKILL or power loss therefore loses at most the answers since the last checkpoint (fewer
than --checkpoint-every, none before a pause). Restart with the same FILE to continue: a line
whose id is already in the index with the same text is answered again with its current cluster
and \"replayed\":true (it changes nothing), so a feed can be replayed from an earlier offset;
the same id with another text is a bad line.

Stops: end of input saves and exits 0. SIGINT (Ctrl-C), SIGTERM and SIGHUP finish the line in
hand, leave lines read ahead unanswered, save, and exit 130, 143 and 129 (128 + the signal).
A bad line saves the lines before it and exits 1; so does a failed save, naming the file.
";

const COMPARE_HELP: &str = "\
Examples:
  neardup compare seeds/000_27a26c8f072408e8.txt seeds/001_664dfe4f75c6cb56.txt
  neardup compare --json a.txt b.txt
  neardup compare --text \"the cat sat on the mat\" \"the cat sat on a mat\"
  neardup compare --shingle chars:5 a.txt b.txt

Jaccard, containment, SimHash and the near-duplicate verdict use word 5-gram shingles (the
near-duplicate preset's) unless --shingle says otherwise; the rewrite verdict weighs content
words. \"joined\" says whether clustering the two documents alone with that preset puts them
together.
";

/// Find near-duplicate and rewritten texts.
#[derive(Debug, Parser)]
#[command(name = "neardup", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assign every document to a cluster of near-duplicates or rewrites (JSON Lines out).
    #[command(after_help = format!("{CLUSTER_HELP}\n{EXIT_CODES}"))]
    Cluster(ClusterArgs),
    /// Write the input back keeping one document per cluster.
    #[command(after_help = format!("{DEDUP_HELP}\n{EXIT_CODES}"))]
    Dedup(DedupArgs),
    /// Show how similar two documents are.
    #[command(after_help = format!("{COMPARE_HELP}\n{EXIT_CODES}"))]
    Compare(CompareArgs),
    /// Assign JSON Lines from stdin to clusters (stories) one at a time, keeping an index.
    #[command(after_help = format!("{STREAM_HELP}\n{EXIT_CODES}"))]
    Stream(StreamArgs),
}

/// Options shared by `cluster` and `dedup`.
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
    /// Seed of every hash function (default 42): same seed, same input, same output.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Shingles for minhash and simhash: words:N (N consecutive words) or chars:N (N
    /// consecutive characters of the normalized text), N in 1..=32 (default words:5). Not for
    /// the weighted method (the rewrite preset's), which weighs single content words.
    #[arg(long, value_name = "KIND:N", value_parser = parse_shingle)]
    pub shingle: Option<ShingleConfig>,
    /// Keep or drop English stop words before forming word shingles (default keep; word
    /// shingles with minhash or simhash only).
    #[arg(long, value_enum, value_name = "CHOICE")]
    pub stop_words: Option<StopWords>,
    /// Decode invalid UTF-8 with U+FFFD replacements (and a warning) instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Show a progress bar on stderr even on short runs or when stderr is not a terminal.
    #[arg(long)]
    pub progress: bool,
    /// Print the configuration in use (and what was derived from it) on stderr.
    #[arg(long)]
    pub explain: bool,
}

/// `neardup cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Engine options.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Link only documents published at most DURATION apart (90s, 30m, 12h, 3d, 1w), by each
    /// JSON line's "time" (RFC 3339 text, a date, or Unix seconds; a line without one takes the
    /// previous line's time, a .txt file too, 0 for the first). Without it the story preset
    /// applies 30d if every line has a time of its own, in Unix seconds; "off": no window.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// .txt files (one document each, id = the file name as given), .jsonl files (one
    /// {"id", "text"} object per line), or - for JSON Lines on stdin (the default).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
}

/// `neardup dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Engine options.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Which document of each cluster to keep.
    #[arg(long, value_enum, default_value_t = Keep::Representative)]
    pub keep: Keep,
    /// Link only documents published at most DURATION apart (90s, 30m, 12h, 3d, 1w), by each
    /// JSON line's "time" (RFC 3339 text, a date, or Unix seconds; a line without one takes the
    /// previous line's time, a .txt file too, 0 for the first). Without it the story preset
    /// applies 30d if every line has a time of its own, in Unix seconds; "off": no window.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// .txt files, .jsonl files, or - for JSON Lines on stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
}

/// Options of `neardup stream`.
#[derive(Debug, Args)]
pub struct StreamArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Load the index from FILE if it exists, and save it there (checkpoints and on exit).
    #[arg(long, value_name = "FILE")]
    pub index: Option<String>,
    /// With --index: save after every N answered lines (also after a second of idle input
    /// and on exit). A SIGKILL loses at most the last N - 1 answers; each save rewrites
    /// the whole index.
    #[arg(long, value_name = "N", default_value_t = super::stream::DEFAULT_EVERY,
          value_parser = clap::value_parser!(u64).range(1..), requires = "index")]
    pub checkpoint_every: u64,
    /// Keep only articles at most DURATION older than the newest (90s, 30m, 12h, 3d, 1w);
    /// "off": keep all. A new story index defaults to 30d, the other presets to off.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
}

/// `neardup compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first document: a file (its whole contents) or - for stdin.
    pub a: String,
    /// The second document: a file (its whole contents) or - for stdin.
    pub b: String,
    /// Take A and B as the texts themselves instead of file names.
    #[arg(long)]
    pub text: bool,
    /// Machine-readable output: one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Number of MinHash permutations for the estimate (default 128).
    #[arg(long, value_name = "K")]
    pub num_perm: Option<usize>,
    /// Seed of every hash function (default 42).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Shingles of the set measures, SimHash and the near-duplicate verdict: words:N or
    /// chars:N, N in 1..=32 (default words:5).
    #[arg(long, value_name = "KIND:N", value_parser = parse_shingle)]
    pub shingle: Option<ShingleConfig>,
    /// Keep or drop English stop words before forming word shingles (default keep).
    #[arg(long, value_enum, value_name = "CHOICE")]
    pub stop_words: Option<StopWords>,
    /// Decode invalid UTF-8 with U+FFFD replacements (and a warning) instead of failing.
    #[arg(long)]
    pub lossy: bool,
}

/// `--preset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Copies and light edits: word 5-gram Jaccard >= 0.8.
    NearDuplicate,
    /// A story and its rewrites by other outlets.
    Rewrite,
    /// Reports of one event by different outlets, written independently.
    Story,
}

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Preset {
        match p {
            PresetArg::NearDuplicate => Preset::NearDuplicate,
            PresetArg::Rewrite => Preset::Rewrite,
            PresetArg::Story => Preset::Story,
        }
    }
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

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Minhash => Method::MinHash,
            MethodArg::Simhash => Method::SimHash,
            MethodArg::Weighted => Method::Weighted,
        }
    }
}

/// `--keep`: which document of a cluster `dedup` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    /// The first member in input order.
    First,
    /// The member with the most characters (ties: the first).
    Longest,
    /// The cluster's representative, the likely original.
    Representative,
}

/// `--stop-words`: what word shingles do with English stop words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StopWords {
    /// Shingle every word.
    Keep,
    /// Leave stop words ("the", "of", ...) out before forming shingles.
    Drop,
}

/// Parses `--shingle`: `words:N` or `chars:N` with N in 1..=[`MAX_SHINGLE_SIZE`].
pub fn parse_shingle(s: &str) -> Result<ShingleConfig, String> {
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

/// The shingles `--shingle` and `--stop-words` describe, starting from `base` (the preset's).
pub fn shingles(
    base: ShingleConfig,
    shingle: Option<ShingleConfig>,
    stop_words: Option<StopWords>,
) -> Result<ShingleConfig, CliError> {
    let mut shingles = shingle.unwrap_or(base);
    if let Some(choice) = stop_words {
        if shingles.kind != ShingleKind::Words {
            return Err(CliError::Usage(
                "--stop-words applies to word shingles only, not --shingle chars:N".into(),
            ));
        }
        shingles = shingles.drop_stop_words(choice == StopWords::Drop);
    }
    Ok(shingles)
}

/// `words:N` or `chars:N`, as `--shingle` takes it.
pub fn shingle_spec(s: ShingleConfig) -> String {
    let kind = match s.kind {
        ShingleKind::Words => "words",
        ShingleKind::Chars => "chars",
    };
    format!("{kind}:{}", s.size)
}

/// Largest SimHash distance the library accepts.
const MAX_SIMHASH_DISTANCE: u32 = 30;

impl EngineArgs {
    /// The library configuration these options describe.
    pub fn config(&self) -> Result<Config, CliError> {
        let preset = Preset::from(self.preset);
        let method = self
            .method
            .map_or_else(|| Config::preset(preset).method(), Method::from);
        let mut builder = Config::builder(preset).method(method);
        if let Some(t) = self.threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(CliError::Usage(format!(
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
                return Err(CliError::Usage(
                    "--shingle and --stop-words do not apply to the weighted method (the \
                     rewrite preset's), which weighs single content words: use --method \
                     minhash or simhash"
                        .into(),
                ));
            }
            let base = Config::preset(preset).shingles();
            builder = builder.shingles(shingles(base, self.shingle, self.stop_words)?);
        }
        Ok(builder.build()?)
    }
}

/// The largest Hamming distance `d` with `1 − d/64 ≥ threshold`.
pub fn simhash_distance(threshold: f64) -> Result<u32, CliError> {
    let d = ((1.0 - threshold) * 64.0 + 1e-9).floor() as u32;
    if d > MAX_SIMHASH_DISTANCE {
        return Err(CliError::Usage(format!(
            "--threshold {threshold} maps to SimHash distance {d}, more than the maximum of \
             {MAX_SIMHASH_DISTANCE}: use a threshold of at least {}",
            1.0 - f64::from(MAX_SIMHASH_DISTANCE) / 64.0
        )));
    }
    Ok(d)
}
