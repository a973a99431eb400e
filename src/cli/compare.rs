//! `neardup compare`: every measure of how similar two documents are.

use std::io::{self, Read, Write};

use neardup::minhash::{MinHashParams, MinHasher};
use neardup::shingle::{self, ShingleConfig, ShingleKind};
use neardup::simhash::SimHasher;
use neardup::{Clusterer, Config, Preset};
use serde::Serialize;

use super::args::{self, CompareArgs};
use super::error::CliError;
use super::input;

/// What `compare` reports (also its `--json` form).
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// The first document's name.
    pub a: String,
    /// The second document's name.
    pub b: String,
    /// The shingles of the set measures, SimHash and the near-duplicate verdict: `words:N` or
    /// `chars:N` (as `--shingle` takes them).
    pub shingles: String,
    /// Whether stop words were dropped before forming word shingles.
    pub drop_stop_words: bool,
    /// MinHash permutations of the estimate.
    pub num_perm: usize,
    /// Seed of every hash function.
    pub seed: u64,
    /// Distinct shingles of A.
    pub shingles_a: usize,
    /// Distinct shingles of B.
    pub shingles_b: usize,
    /// Shingles in both.
    pub shingles_shared: usize,
    /// Jaccard similarity estimated from the MinHash signatures.
    pub jaccard_estimated: f64,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard_exact: f64,
    /// Fraction of A's shingles that are in B.
    pub containment_a_in_b: f64,
    /// Fraction of B's shingles that are in A.
    pub containment_b_in_a: f64,
    /// Hamming distance of the 64-bit SimHash fingerprints.
    pub simhash_hamming: u32,
    /// What each preset makes of the pair.
    pub presets: Presets,
}

/// The verdict of both presets.
#[derive(Debug, Serialize)]
pub struct Presets {
    /// The near-duplicate preset.
    #[serde(rename = "near-duplicate")]
    pub near_duplicate: Verdict,
    /// The rewrite preset.
    pub rewrite: Verdict,
}

/// What one preset makes of the pair.
#[derive(Debug, Serialize)]
pub struct Verdict {
    /// The preset's similarity of the pair.
    pub similarity: f64,
    /// The similarity it needs to join them.
    pub threshold: f64,
    /// Whether clustering the two documents alone puts them in one cluster.
    pub joined: bool,
}

/// Runs `neardup compare`.
pub fn compare(args: &CompareArgs) -> Result<(), CliError> {
    let (a, b) = if args.text {
        (args.a.clone(), args.b.clone())
    } else {
        if args.a == "-" && args.b == "-" {
            return Err(CliError::Usage(
                "only one of A and B can be - (stdin)".into(),
            ));
        }
        (
            read_text(&args.a, args.lossy)?,
            read_text(&args.b, args.lossy)?,
        )
    };
    let (name_a, name_b) = if args.text {
        ("A".to_string(), "B".to_string())
    } else {
        (args.a.clone(), args.b.clone())
    };
    let num_perm = args.num_perm.unwrap_or(128);
    let seed = args.seed.unwrap_or(42);
    let shingles = args::shingles(
        Config::preset(Preset::NearDuplicate).shingles(),
        args.shingle,
        args.stop_words,
    )?;
    let hasher = MinHasher::new(MinHashParams {
        num_perm,
        seed,
        shingles,
    })?;
    let mut shingler = hasher.shingler();
    let (set_a, set_b) = (shingler.shingle(&a), shingler.shingle(&b));
    let jaccard_estimated = hasher
        .sign_shingles(&set_a)
        .jaccard(&hasher.sign_shingles(&set_b))?;
    let mut simhasher = SimHasher::new(shingles, seed)?;
    let simhash_hamming = simhasher.fingerprint(&a).hamming(simhasher.fingerprint(&b));
    let verdict = |preset: Preset| -> Result<Verdict, CliError> {
        let mut builder = Config::builder(preset).num_perm(num_perm).seed(seed);
        // The rewrite preset weighs content words and has no shingles to choose.
        if preset == Preset::NearDuplicate {
            builder = builder.shingles(shingles);
        }
        let config = builder.build()?;
        let threshold = config.threshold();
        let clusterer = Clusterer::with_config(config)?;
        Ok(Verdict {
            similarity: clusterer.similarity(&a, &b),
            threshold,
            joined: clusterer.cluster(&[&a, &b]).len() == 1,
        })
    };
    let comparison = Comparison {
        a: name_a,
        b: name_b,
        shingles: args::shingle_spec(shingles),
        drop_stop_words: shingles.drop_stop_words && shingles.kind == ShingleKind::Words,
        num_perm,
        seed,
        shingles_a: set_a.len(),
        shingles_b: set_b.len(),
        shingles_shared: shingle::intersection_size(&set_a, &set_b),
        jaccard_estimated,
        jaccard_exact: shingle::jaccard(&set_a, &set_b),
        containment_a_in_b: shingle::containment(&set_a, &set_b),
        containment_b_in_a: shingle::containment(&set_b, &set_a),
        simhash_hamming,
        presets: Presets {
            near_duplicate: verdict(Preset::NearDuplicate)?,
            rewrite: verdict(Preset::Rewrite)?,
        },
    };
    let text = if args.json {
        let mut s = serde_json::to_string(&comparison).map_err(|e| CliError::Write(e.into()))?;
        s.push('\n');
        s
    } else {
        render(&comparison, shingles)
    };
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(CliError::Write)
}

/// A whole file (or stdin) as one document.
fn read_text(name: &str, lossy: bool) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    let read = if name == "-" {
        io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(name).map(|b| bytes = b)
    };
    read.map_err(|e| CliError::Read {
        file: name.to_string(),
        source: e,
    })?;
    let shown = if name == "-" { input::STDIN_NAME } else { name };
    input::decode_file(bytes, shown, lossy)
}

/// The human-readable report.
fn render(c: &Comparison, shingles: ShingleConfig) -> String {
    let verdict = |name: &str, v: &Verdict| {
        format!(
            "{name:<15} similarity {:.4}, needs >= {}: {}\n",
            v.similarity,
            v.threshold,
            if v.joined { "joined" } else { "not joined" }
        )
    };
    format!(
        "A: {}\nB: {}\n\
         {} shingles: A {}, B {}, shared {}\n\
         Jaccard, estimated ({} permutations): {:.4}\n\
         Jaccard, exact:                        {:.4}\n\
         containment of A in B:                 {:.4}\n\
         containment of B in A:                 {:.4}\n\
         SimHash Hamming distance:              {} of 64\n\
         {}{}",
        c.a,
        c.b,
        shingle_name(shingles),
        c.shingles_a,
        c.shingles_b,
        c.shingles_shared,
        c.num_perm,
        c.jaccard_estimated,
        c.jaccard_exact,
        c.containment_a_in_b,
        c.containment_b_in_a,
        c.simhash_hamming,
        verdict("near-duplicate:", &c.presets.near_duplicate),
        verdict("rewrite:", &c.presets.rewrite),
    )
}

/// "word 5-gram" or "character 5-gram", with the stop-word choice when they are dropped.
fn shingle_name(s: ShingleConfig) -> String {
    match s.kind {
        ShingleKind::Words if s.drop_stop_words => {
            format!("word {}-gram (stop words dropped)", s.size)
        }
        ShingleKind::Words => format!("word {}-gram", s.size),
        ShingleKind::Chars => format!("character {}-gram", s.size),
    }
}
