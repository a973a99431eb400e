//! `neardup stream`: assign each JSON line on stdin to a cluster as soon as it is read.
//!
//! Input lines: `{"id": <string or number>, "text": "...", "time": <RFC 3339 or Unix seconds>}`,
//! `time` optional (a line without one takes the previous line's time, 0 for the first, so runs
//! are reproducible). Output: one line per input line, flushed at once:
//! `{"id", "cluster", "new_cluster", "merged", "neighbours": [[id, similarity], ...],
//! "replayed"}`.
//!
//! # Crash safety (`--index FILE`)
//!
//! An answer is written and flushed before it counts as answered. The index is checkpointed
//! (module `checkpoint`) after every `--checkpoint-every N` answers, after about a second of idle
//! input with unsaved answers, and on every stop; each save is atomic and durable. So:
//!
//! - SIGINT, SIGTERM, SIGHUP: the line in hand is finished, lines read ahead but not answered
//!   are dropped, the index is saved, and the process exits with 128 + the signal number
//!   (130, 143, 129).
//! - SIGKILL or power loss: FILE holds the last checkpoint; the answers after it are lost, at
//!   most N − 1 of them and none that came before a one-second pause.
//! - End of input: saved, exit 0. A bad line (malformed JSON, no `text`, an id already in the
//!   index with another text): the answered lines are saved, exit 1 with an error naming the
//!   line and id. A failed save stops the stream with exit 1 naming the file.
//!
//! Restarting with the same FILE continues where it left off. A line whose id is already in
//! the index with the same text is answered again (`"replayed": true`, its current cluster)
//! instead of failing, so a feed can be replayed from any earlier offset.

mod checkpoint;
mod events;

use std::io::{self, Write};
use std::path::Path;

use neardup::{Index, Timestamp};
use serde::Serialize;
use serde_json::Value;

use super::args::StreamArgs;
use super::error::CliError;
use super::input::{parse_fields, warn};
use super::time::{parse_window, time_of};
use checkpoint::{Checkpoint, IDLE};
use events::{Event, Events};

pub use checkpoint::DEFAULT_EVERY;

#[derive(Serialize)]
struct Line<'a> {
    id: &'a Value,
    cluster: u64,
    new_cluster: bool,
    merged: &'a [u64],
    neighbours: Vec<(Value, f64)>,
    replayed: bool,
}

/// Why the stream stopped without an error.
enum Stop {
    /// The end of the input.
    Eof,
    /// A stop signal (its number).
    Signal(i32),
}

/// Runs `neardup stream`. On a stop signal it saves and exits the process itself with
/// 128 + the signal number, the shell's convention for a process ended by a signal.
pub fn stream(args: &StreamArgs) -> Result<(), CliError> {
    let config = args.engine.config()?;
    if args.engine.explain {
        eprintln!("neardup: {}", config.explain());
    }
    // `--window D`, `--window off`, or nothing: a loaded index keeps its window, a new one
    // takes the preset's default (the story preset's 30 days; with no `time` on any line
    // every article is at time 0 and none is evicted or kept apart).
    let window = args.window.as_deref().map(parse_window).transpose()?;
    // Handlers first: a signal while the index loads is then a clean stop, not a kill.
    let events = Events::start().map_err(|source| CliError::Read {
        file: "<stdin>".into(),
        source,
    })?;
    // The lock before the load: a second stream on the same index stops here.
    let mut checkpoint = args
        .index
        .as_deref()
        .map(|path| Checkpoint::new(path, args.checkpoint_every, args.engine.explain))
        .transpose()?;
    let default = config.default_window().filter(|_| window.is_none());
    let (index, window) = match &args.index {
        Some(path) if Path::new(path).exists() => (load(path, &config)?, window),
        _ => (Index::with_config(config)?, window.or(default.map(Some))),
    };
    let index = match window {
        Some(Some(w)) => index.with_window(w),
        Some(None) => index.without_window(),
        None => index,
    };
    let lines = LineOptions {
        lossy: args.engine.lossy,
        // The preset's default window, new or resumed: it assumes Unix seconds.
        seconds_only: default.is_some() && index.window() == default,
    };
    let result = run(&index, lines, &events, checkpoint.as_mut());
    // Save what was answered, also after a bad line, so the stream can resume.
    let saved = checkpoint.as_mut().map_or(Ok(()), |c| c.flush(&index));
    match (result, saved) {
        (Ok(Stop::Eof), saved) => saved,
        (Ok(Stop::Signal(signal)), Ok(())) => {
            if let Some(c) = &checkpoint {
                eprintln!(
                    "neardup: stopped by {}; {} articles saved in {}",
                    events::signal_name(signal),
                    index.len(),
                    c.path().display()
                );
            }
            std::process::exit(128 + signal)
        }
        (Ok(Stop::Signal(_)), Err(save)) => Err(save),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(save)) => {
            eprintln!("neardup: error: {e}");
            Err(save)
        }
    }
}

/// Loads a saved index and checks that it was built with `config`.
fn load(path: &str, config: &neardup::Config) -> Result<Index, CliError> {
    let file = std::fs::File::open(path).map_err(|source| CliError::Read {
        file: path.to_string(),
        source,
    })?;
    let index = Index::load(io::BufReader::new(file)).map_err(|e| CliError::File {
        file: path.to_string(),
        message: e.to_string(),
    })?;
    if index.config() != config {
        return Err(CliError::Usage(format!(
            "{path} was built with another configuration ({}); give the same \
             --preset/--method/--threshold/--num-perm/--seed/--shingle/--stop-words",
            index.config().explain()
        )));
    }
    Ok(index)
}

/// Answers lines until the input ends, a signal arrives or a line is bad; checkpoints on the
/// way.
fn run(
    index: &Index,
    lines: LineOptions,
    events: &Events,
    mut checkpoint: Option<&mut Checkpoint>,
) -> Result<Stop, CliError> {
    let mut out = io::stdout().lock();
    // A line without a time takes the previous line's, across restarts too.
    let mut time: Timestamp = index.newest().unwrap_or(0);
    let mut line_no = 0;
    loop {
        // Checked before every line: lines read ahead after a signal are left unanswered.
        if let Some(signal) = events.stop_signal() {
            return Ok(Stop::Signal(signal));
        }
        let raw = match events.next(IDLE) {
            Event::Line(raw) => raw,
            Event::Idle => {
                if let Some(c) = checkpoint.as_deref_mut() {
                    c.idle(index)?;
                }
                continue;
            }
            Event::Signal => continue,
            Event::Eof => return Ok(Stop::Eof),
            Event::ReadError(e) => {
                return Err(CliError::Line {
                    file: "<stdin>".into(),
                    line: line_no + 1,
                    message: format!("cannot read: {e}"),
                })
            }
        };
        line_no += 1;
        if answer(index, &raw, line_no, lines, &mut time, &mut out)? {
            if let Some(c) = checkpoint.as_deref_mut() {
                c.answered(index)?;
            }
        }
    }
}

/// How `answer` reads a line.
#[derive(Clone, Copy, Debug)]
struct LineOptions {
    /// Replace invalid UTF-8 instead of failing.
    lossy: bool,
    /// Under the preset's default window: a time that is no plausible Unix seconds (one in
    /// milliseconds) is a bad line, not a window a thousand times too narrow.
    seconds_only: bool,
}

/// Inserts one line and writes its answer, flushed. Returns whether the index changed (false
/// for a blank line and a replayed article, which leave nothing new to save).
fn answer(
    index: &Index,
    raw: &[u8],
    line_no: usize,
    LineOptions {
        lossy,
        seconds_only,
    }: LineOptions,
    time: &mut Timestamp,
    out: &mut impl Write,
) -> Result<bool, CliError> {
    let bad = |message: String| CliError::Line {
        file: "<stdin>".into(),
        line: line_no,
        message,
    };
    let line = match std::str::from_utf8(raw) {
        Ok(line) => std::borrow::Cow::Borrowed(line),
        Err(_) if lossy => {
            warn(&format!(
                "<stdin>:{line_no}: invalid UTF-8 replaced (--lossy)"
            ));
            String::from_utf8_lossy(raw)
        }
        Err(e) => return Err(bad(format!("invalid UTF-8 ({e}); --lossy replaces it"))),
    };
    if line.trim().is_empty() {
        return Ok(false);
    }
    let (id, text, time_field) = parse_fields(&line).map_err(bad)?;
    if let Some(t) = time_of(time_field.as_ref()).map_err(|m| bad(format!("id {id}: {m}")))? {
        if seconds_only && !neardup::config::plausible_seconds(t) {
            return Err(bad(format!(
                "id {id}: \"time\" {t} is not Unix seconds (milliseconds?), which the \
                 preset's default window needs; give seconds, or --window off"
            )));
        }
        *time = t;
    }
    let key = id.to_string();
    let got = index.insert(&key, &text, *time).map_err(|e| match e {
        neardup::Error::DuplicateId(_) => bad(format!(
            "id {key} is already in the index with another text"
        )),
        e => bad(e.to_string()),
    })?;
    let neighbours = got
        .neighbours
        .iter()
        .map(|(k, s)| {
            (
                serde_json::from_str(k).unwrap_or(Value::String(k.clone())),
                *s,
            )
        })
        .collect();
    let answer = Line {
        id: &id,
        cluster: got.cluster,
        new_cluster: got.is_new_cluster,
        merged: &got.merged,
        neighbours,
        replayed: got.replayed,
    };
    serde_json::to_writer(&mut *out, &answer).map_err(|e| CliError::Write(e.into()))?;
    out.write_all(b"\n").map_err(CliError::Write)?;
    out.flush().map_err(CliError::Write)?;
    Ok(!got.replayed)
}
