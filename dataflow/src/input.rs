//! Reading a worker's share of the inputs: `.txt` files (one document each) and JSON Lines
//! files or standard input, validated as `neardup cluster` validates them.
//!
//! Standard input can be read once, by one process: a single-process run copies it to a
//! temporary file first (as `neardup cluster` does for its second pass), which its worker
//! threads then read like any other input.
//!
//! Every worker scans every input to number the documents (document `i` is the `i`th non-blank
//! line or `.txt` file, in input order) and keeps those with `i % peers == worker`; only those
//! are decoded and parsed. A worker stops at its first bad document. The failures of all
//! workers, and the ids given twice, are gathered in the first dataflow, and the one earliest in
//! input order is reported, which is the one `neardup cluster` reports.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::time::record_time;
use crate::error::RunError;

/// A place in the inputs, in reading order: the input's index, the 1-based line (0 for a
/// `.txt` file), and 0 for an id given twice or 1 for anything else (a `.txt` file's id is
/// checked before the file is read).
pub type Place = (u32, u64, u8);

/// The name standard input goes by in messages, as `neardup cluster` names it.
const STDIN_NAME: &str = "<stdin>";

/// One INPUT argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A `.txt` file: one document, its id the file name as given.
    Text(PathBuf),
    /// A `.jsonl` (or `.ndjson`) file: one JSON object per line.
    JsonLines(PathBuf),
    /// `-`: JSON Lines on standard input, copied to this temporary file.
    Stdin(PathBuf),
}

impl Source {
    /// Classifies INPUT arguments by their extensions; none means stdin, which is copied to a
    /// temporary file (removed when the returned [`Spool`] is dropped). Stdin may be named
    /// once, and only when this is the run's one process (`processes` is 1).
    pub fn parse_all(
        args: &[String],
        processes: u32,
    ) -> Result<(Vec<Source>, Option<Spool>), RunError> {
        let stdin = ["-".to_string()];
        let args = if args.is_empty() { &stdin[..] } else { args };
        match args.iter().filter(|a| *a == "-").count() {
            0 => {}
            1 if processes == 1 => {}
            1 => {
                return Err(RunError::Usage(format!(
                    "- (stdin) needs a single process (-n 1, any -w): with -n {processes} \
                     every process reads every input, and only one of them has this stdin; \
                     save it to a file on shared storage"
                )))
            }
            _ => return Err(RunError::Usage("- (stdin) given more than once".into())),
        }
        let mut spool = None;
        let mut sources = Vec::with_capacity(args.len());
        for arg in args {
            let path = PathBuf::from(arg);
            sources.push(match path.extension().and_then(|e| e.to_str()) {
                _ if arg == "-" => {
                    let copy = Spool::stdin()?;
                    let source = Source::Stdin(copy.path.clone());
                    spool = Some(copy);
                    source
                }
                Some("txt") => Source::Text(path),
                Some("jsonl" | "ndjson") => Source::JsonLines(path),
                _ => {
                    return Err(RunError::Usage(format!(
                        "{arg}: unknown kind of input (expected a .txt or .jsonl file, or - \
                         for JSON Lines on stdin)"
                    )))
                }
            });
        }
        Ok((sources, spool))
    }

    /// The name used in ids and messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Text(p) | Source::JsonLines(p) => p.to_string_lossy().into_owned(),
            Source::Stdin(_) => STDIN_NAME.to_string(),
        }
    }
}

/// A temporary copy of standard input; removed when dropped.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
}

impl Spool {
    /// Copies all of standard input to a new temporary file.
    fn stdin() -> Result<Spool, RunError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "neardup-dataflow-stdin-{}-{nanos}.jsonl",
            std::process::id()
        ));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                RunError::Input(format!(
                    "cannot create a temporary copy of stdin at {}: {e}",
                    path.display()
                ))
            })?;
        // From here on the file exists: dropping `spool` removes it on every path.
        let spool = Spool { path };
        io::copy(&mut io::stdin().lock(), &mut file)
            .and_then(|_| file.sync_data())
            .map_err(|e| {
                RunError::Input(format!(
                    "cannot copy {STDIN_NAME} to {}: {e}",
                    spool.path.display()
                ))
            })?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Best effort: a temporary file left behind is no reason to fail a finished run.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One document of this worker's share.
#[derive(Debug)]
pub struct Doc {
    /// Its index among all documents, in input order.
    pub index: u32,
    /// Its id in JSON form, exactly as `neardup cluster` writes it.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Where it is (for an id given twice).
    pub place: Place,
}

/// What one worker read.
#[derive(Debug, Default)]
pub struct Share {
    /// This worker's documents, in input order.
    pub docs: Vec<Doc>,
    /// The number of documents in all inputs.
    pub total: u64,
    /// The first failure this worker met, with its place.
    pub error: Option<(Place, String)>,
    /// With `--window` or a default window possible: every document's publication time, by index (all workers read every
    /// line's `time`, since a line without one takes the previous line's, which may be
    /// another worker's): 8 bytes per document on each worker.
    pub times: Vec<i64>,
    /// With times read: how many documents of all workers have no time of their own (the
    /// same on every worker, since each reads every line's time).
    pub untimed: u64,
}

/// Which publication times a worker reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    /// None.
    Off,
    /// Every line's; a bad `time` on this worker's line is bad input (`--window`).
    Strict,
    /// Every line's; a bad `time` counts as none (a preset's default window, applied only
    /// if every document has a time).
    Lenient,
}

/// Reads the documents `i` with `i % peers == worker` (the others are only counted).
pub fn read_share(
    sources: &[Source],
    worker: usize,
    peers: usize,
    lossy: bool,
    which: Times,
) -> Share {
    let mut share = Share::default();
    let mut times = (which != Times::Off).then(Vec::new);
    let mut index = 0u64;
    for (s, source) in sources.iter().enumerate() {
        let s = s as u32;
        let name = source.name();
        let result = match source {
            Source::Text(path) => {
                let mine = index % peers as u64 == worker as u64;
                index += 1;
                if let Some(times) = &mut times {
                    times.push(times.last().copied().unwrap_or(0));
                    share.untimed += 1;
                }
                if mine {
                    read_text(path, &name, lossy)
                        .map_err(|m| ((s, 0, 1), m))
                        .map(|text| {
                            share.docs.push(Doc {
                                index: (index - 1) as u32,
                                id: Value::String(name.clone()).to_string(),
                                text,
                                place: (s, 0, 1),
                            });
                        })
                } else {
                    Ok(())
                }
            }
            Source::JsonLines(path) | Source::Stdin(path) => read_lines(
                path,
                s,
                &name,
                worker,
                peers,
                lossy,
                &mut index,
                &mut share.docs,
                times
                    .as_mut()
                    .map(|t| (t, which == Times::Lenient, &mut share.untimed)),
            ),
        };
        if let Err(e) = result {
            share.error = Some(e);
            return share;
        }
    }
    share.total = index;
    share.times = times.unwrap_or_default();
    share
}

/// A whole `.txt` file as UTF-8 text, or what is wrong with it.
fn read_text(path: &Path, name: &str, lossy: bool) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            if !lossy {
                return Err(format!(
                    "{name}: not valid UTF-8 (first bad byte at offset {offset}); use --lossy \
                     to replace invalid bytes"
                ));
            }
            warn(&format!(
                "{name}: not valid UTF-8 (first bad byte at offset {offset}); invalid bytes \
                 replaced with U+FFFD"
            ));
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

/// Scans one JSON Lines file, numbering its non-blank lines and parsing this worker's.
#[allow(clippy::too_many_arguments)]
fn read_lines(
    path: &Path,
    s: u32,
    name: &str,
    worker: usize,
    peers: usize,
    lossy: bool,
    index: &mut u64,
    docs: &mut Vec<Doc>,
    mut times: Option<(&mut Vec<i64>, bool, &mut u64)>,
) -> Result<(), (Place, String)> {
    let file = File::open(path).map_err(|e| ((s, 0, 1), format!("cannot read {name}: {e}")))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| ((s, line_no + 1, 1), format!("cannot read {name}: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let mut bytes = buf.as_slice();
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        while let Some((b'\n' | b'\r', rest)) = bytes.split_last() {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mine = *index % peers as u64 == worker as u64;
        *index += 1;
        if !mine {
            if let Some((times, _, untimed)) = times.as_mut() {
                // Another worker's line: only its time, as its owner will read it (a bad
                // line is its owner's error to report).
                let line = String::from_utf8_lossy(bytes);
                let last = times.last().copied().unwrap_or(0);
                let time = record_time(&line).ok().flatten();
                **untimed += u64::from(time.is_none());
                times.push(time.unwrap_or(last));
            }
            continue;
        }
        let at = |message: String| ((s, line_no, 1), format!("{name}:{line_no}: {message}"));
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => std::borrow::Cow::Borrowed(line),
            Err(e) if lossy => {
                warn(&format!(
                    "{name}:{line_no}: not valid UTF-8 (first bad byte at column {}); invalid \
                     bytes replaced with U+FFFD",
                    e.valid_up_to() + 1
                ));
                String::from_utf8_lossy(bytes)
            }
            Err(e) => {
                return Err(at(format!(
                    "not valid UTF-8 (first bad byte at column {}); use --lossy to replace \
                     invalid bytes",
                    e.valid_up_to() + 1
                )))
            }
        };
        let (id, text) = parse_record(&line).map_err(at)?;
        if let Some((times, lenient, untimed)) = times.as_mut() {
            let last = times.last().copied().unwrap_or(0);
            let time = match record_time(&line) {
                Err(_) if *lenient => None,
                read => read.map_err(|m| at(format!("id {id}: {m}")))?,
            };
            **untimed += u64::from(time.is_none());
            times.push(time.unwrap_or(last));
        }
        docs.push(Doc {
            index: (*index - 1) as u32,
            id: id.to_string(),
            text,
            place: (s, line_no, 1),
        });
    }
}

/// The id and text of one JSON Lines record, or what is wrong with it (`neardup cluster`'s
/// messages).
pub fn parse_record(line: &str) -> Result<(Value, String), String> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        // serde_json counts lines within this one line: keep only the column.
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(&*message, |i| &message[..i]);
        format!("malformed JSON at column {}: {message}", e.column())
    })?;
    let Value::Object(mut object) = value else {
        return Err(format!(
            "expected a JSON object with \"id\" and \"text\", got {}",
            kind(&value)
        ));
    };
    let id = match object.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        Some(other) => {
            return Err(format!(
                "\"id\" must be a string or a number, got {}",
                kind(&other)
            ))
        }
        None => return Err("missing \"id\"".into()),
    };
    match object.remove("text") {
        Some(Value::String(text)) => Ok((id, text)),
        Some(other) => Err(format!(
            "id {id}: \"text\" must be a string, got {}",
            kind(&other)
        )),
        None => Err(format!("id {id}: missing \"text\"")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `file` or `file:line`, for messages.
pub fn describe(sources: &[Source], place: Place) -> String {
    let name = sources[place.0 as usize].name();
    if place.1 == 0 {
        name
    } else {
        format!("{name}:{}", place.1)
    }
}

/// Prints a warning on stderr.
fn warn(message: &str) {
    eprintln!("neardup-dataflow: warning: {message}");
}
