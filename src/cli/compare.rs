//! `neardup compare`: every measure of how similar two documents are.

use std::io::{self, Read, Write};

use neardup::compare::{CompareOptions, Comparison, Verdict};
use neardup::shingle::{ShingleConfig, ShingleKind};
use neardup::{Config, Preset};
use serde::Serialize;

use super::args::{self, CompareArgs};
use super::error::CliError;
use super::input;

/// What `compare --json` prints: the documents' names, then every measure.
#[derive(Debug, Serialize)]
struct Report {
    /// The first document's name.
    a: String,
    /// The second document's name.
    b: String,
    /// The shingles: `words:N` or `chars:N` (as `--shingle` takes them).
    shingles: String,
    /// Every measure of the pair.
    #[serde(flatten)]
    comparison: Comparison,
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
    let comparison = neardup::compare::compare(
        &a,
        &b,
        &CompareOptions {
            num_perm,
            seed,
            shingles,
        },
    )?;
    let report = Report {
        a: name_a,
        b: name_b,
        shingles: args::shingle_spec(shingles),
        comparison,
    };
    let text = if args.json {
        let mut s = serde_json::to_string(&report).map_err(|e| CliError::Write(e.into()))?;
        s.push('\n');
        s
    } else {
        render(&report, shingles)
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
fn render(r: &Report, shingles: ShingleConfig) -> String {
    let c = &r.comparison;
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
        r.a,
        r.b,
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
