//! Reading documents: `.txt` files, JSON Lines files and standard input, validated strictly.
//!
//! Every document gets an id (the file name for `.txt`, the `id` field for JSON Lines) and an
//! origin (which input, which line), so `dedup` can read the kept lines again in a second pass
//! instead of holding every text.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::Value;

use super::error::CliError;
use super::progress::Progress;

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// One INPUT argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// `-`: JSON Lines on standard input.
    Stdin,
    /// A `.txt` file: one document, its id the file name as given.
    Text(PathBuf),
    /// A `.jsonl` (or `.ndjson`) file: one JSON object per line.
    JsonLines(PathBuf),
}

impl Source {
    /// Classifies an INPUT argument by its extension.
    pub fn parse(arg: &str) -> Result<Source, CliError> {
        if arg == "-" {
            return Ok(Source::Stdin);
        }
        let path = PathBuf::from(arg);
        match path.extension().and_then(|e| e.to_str()) {
            Some("txt") => Ok(Source::Text(path)),
            Some("jsonl" | "ndjson") => Ok(Source::JsonLines(path)),
            _ => Err(CliError::Usage(format!(
                "{arg}: unknown kind of input (expected a .txt or .jsonl file, or - for JSON \
                 Lines on stdin)"
            ))),
        }
    }

    /// Classifies all INPUT arguments; none means stdin. Stdin may be named only once.
    pub fn parse_all(args: &[String]) -> Result<Vec<Source>, CliError> {
        if args.is_empty() {
            return Ok(vec![Source::Stdin]);
        }
        let sources = args
            .iter()
            .map(|a| Source::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
            return Err(CliError::Usage("- (stdin) given more than once".into()));
        }
        Ok(sources)
    }

    /// The name used in ids and messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => STDIN_NAME.to_string(),
            Source::Text(p) | Source::JsonLines(p) => p.to_string_lossy().into_owned(),
        }
    }

    /// The size in bytes, if known (for the progress bar).
    fn size(&self) -> u64 {
        match self {
            Source::Stdin => 0,
            Source::Text(p) | Source::JsonLines(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }
}

/// Where a document came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Index of its INPUT argument.
    pub source: usize,
    /// 1-based line number in a JSON Lines input (0 for a `.txt` file).
    pub line: usize,
}

/// How to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Replace invalid UTF-8 with U+FFFD (with a warning) instead of failing.
    pub lossy: bool,
    /// Keep the raw JSON lines read from stdin (for `dedup`, which cannot read stdin twice).
    pub keep_stdin_lines: bool,
}

/// All documents of a run, in input order.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Each document's id, a JSON string or number, as given.
    pub ids: Vec<Value>,
    /// Each document's text (emptied once features are computed).
    pub texts: Vec<String>,
    /// Each document's length in characters.
    pub lengths: Vec<usize>,
    /// Where each document came from.
    pub origins: Vec<Origin>,
    /// The raw lines of stdin documents, in order, when [`ReadOptions::keep_stdin_lines`].
    pub stdin_lines: Vec<String>,
}

impl Corpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Total size in bytes of the inputs that are files (0 if only stdin).
pub fn total_size(sources: &[Source]) -> u64 {
    sources.iter().map(Source::size).sum()
}

/// Reads and validates every input, in order. Fails on the first bad file or line.
pub fn read_all(
    sources: &[Source],
    options: ReadOptions,
    progress: &mut Progress,
) -> Result<Corpus, CliError> {
    let mut corpus = Corpus::default();
    // Each id's JSON form, and where it was first seen, to reject an id given twice.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for (index, source) in sources.iter().enumerate() {
        let name = source.name();
        match source {
            Source::Text(path) => {
                let id = Value::String(name.clone());
                check_unique(&mut seen, sources, &id, index, 0)?;
                let bytes = std::fs::read(path).map_err(|e| read_error(&name, e))?;
                progress.read(bytes.len() as u64);
                let text = decode_file(bytes, &name, options.lossy)?;
                corpus.push(
                    id,
                    text,
                    Origin {
                        source: index,
                        line: 0,
                    },
                );
            }
            Source::JsonLines(_) | Source::Stdin => {
                let reader: Box<dyn Read> = match source {
                    Source::JsonLines(path) => {
                        Box::new(File::open(path).map_err(|e| read_error(&name, e))?)
                    }
                    _ => Box::new(io::stdin().lock()),
                };
                read_json_lines(
                    reader,
                    index,
                    sources,
                    options,
                    &mut seen,
                    &mut corpus,
                    progress,
                )?;
            }
        }
    }
    Ok(corpus)
}

impl Corpus {
    fn push(&mut self, id: Value, text: String, origin: Origin) {
        self.lengths.push(text.chars().count());
        self.ids.push(id);
        self.texts.push(text);
        self.origins.push(origin);
    }
}

fn read_error(name: &str, source: io::Error) -> CliError {
    CliError::Read {
        file: name.to_string(),
        source,
    }
}

/// A whole `.txt` file as text: UTF-8, or lossily decoded with a warning.
pub fn decode_file(bytes: Vec<u8>, name: &str, lossy: bool) -> Result<String, CliError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            if lossy {
                warn(&format!(
                    "{name}: not valid UTF-8 (first bad byte at offset {offset}); invalid bytes \
                     replaced with U+FFFD"
                ));
                Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
            } else {
                Err(CliError::File {
                    file: name.to_string(),
                    message: format!(
                        "not valid UTF-8 (first bad byte at offset {offset}); use --lossy to \
                         replace invalid bytes"
                    ),
                })
            }
        }
    }
}

/// Prints a warning on stderr.
pub fn warn(message: &str) {
    eprintln!("neardup: warning: {message}");
}

/// Reads JSON Lines from `reader`, one document per non-blank line.
fn read_json_lines(
    reader: impl Read,
    index: usize,
    sources: &[Source],
    options: ReadOptions,
    seen: &mut HashMap<String, (usize, usize)>,
    corpus: &mut Corpus,
    progress: &mut Progress,
) -> Result<(), CliError> {
    let name = sources[index].name();
    let keep_raw = options.keep_stdin_lines && sources[index] == Source::Stdin;
    let mut lines = JsonLines::new(reader, &name, options.lossy);
    // Lines are read in order and parsed in parallel a chunk at a time; results are taken in
    // order, so the first bad line is still the one reported.
    const CHUNK: usize = 4096;
    let mut batch: Vec<(usize, String, u64)> = Vec::with_capacity(CHUNK);
    loop {
        let mut read_error = None;
        while batch.len() < CHUNK {
            match lines.next_line() {
                Ok(Some(line)) => batch.push(line),
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        if batch.is_empty() && read_error.is_none() {
            return Ok(());
        }
        let parsed: Vec<Result<(Value, String), String>> = batch
            .par_iter()
            .map(|(_, line, _)| parse_record(line))
            .collect();
        for ((line_no, line, bytes), record) in batch.drain(..).zip(parsed) {
            progress.read(bytes);
            let (id, text) = record.map_err(|message| CliError::Line {
                file: name.clone(),
                line: line_no,
                message,
            })?;
            check_unique(seen, sources, &id, index, line_no)?;
            corpus.push(
                id,
                text,
                Origin {
                    source: index,
                    line: line_no,
                },
            );
            if keep_raw {
                corpus.stdin_lines.push(line);
            }
        }
        if let Some(e) = read_error {
            return Err(e);
        }
    }
}

/// A reader of the non-blank lines of a JSON Lines input, as UTF-8 text.
pub struct JsonLines<R> {
    reader: BufReader<R>,
    name: String,
    lossy: bool,
    quiet: bool,
    line_no: usize,
    buf: Vec<u8>,
}

impl<R: Read> JsonLines<R> {
    /// Lines of `reader`, named `name` in messages.
    pub fn new(reader: R, name: &str, lossy: bool) -> Self {
        JsonLines {
            reader: BufReader::with_capacity(1 << 20, reader),
            name: name.to_string(),
            lossy,
            quiet: false,
            line_no: 0,
            buf: Vec::new(),
        }
    }

    /// The same reader without warnings (for a second pass over an input).
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// The next non-blank line: its 1-based number, its text without the line ending, and
    /// the bytes consumed. Blank (whitespace-only) lines are skipped.
    pub fn next_line(&mut self) -> Result<Option<(usize, String, u64)>, CliError> {
        let mut consumed = 0u64;
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| read_error(&self.name, e))?;
            if n == 0 {
                return Ok(None);
            }
            consumed += n as u64;
            self.line_no += 1;
            let mut bytes = self.buf.as_slice();
            if self.line_no == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            while let Some((b'\n' | b'\r', rest)) = bytes.split_last() {
                bytes = rest;
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) if self.lossy && self.quiet => String::from_utf8_lossy(bytes).into_owned(),
                Err(e) if self.lossy => {
                    warn(&format!(
                        "{}:{}: not valid UTF-8 (first bad byte at column {}); invalid bytes \
                         replaced with U+FFFD",
                        self.name,
                        self.line_no,
                        e.valid_up_to() + 1
                    ));
                    String::from_utf8_lossy(bytes).into_owned()
                }
                Err(e) => {
                    return Err(CliError::Line {
                        file: self.name.clone(),
                        line: self.line_no,
                        message: format!(
                            "not valid UTF-8 (first bad byte at column {}); use --lossy to \
                             replace invalid bytes",
                            e.valid_up_to() + 1
                        ),
                    })
                }
            };
            return Ok(Some((self.line_no, line, consumed)));
        }
    }
}

/// The id and text of one JSON Lines record, or what is wrong with it.
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

/// Fails if `id` was seen before, naming both places.
fn check_unique(
    seen: &mut HashMap<String, (usize, usize)>,
    sources: &[Source],
    id: &Value,
    source: usize,
    line: usize,
) -> Result<(), CliError> {
    let key = id.to_string();
    if let Some(&(first_source, first_line)) = seen.get(&key) {
        let first = place(sources, first_source, first_line);
        let message = format!("id {key} given twice (first at {first})");
        let file = sources[source].name();
        return Err(if line == 0 {
            CliError::File { file, message }
        } else {
            CliError::Line {
                file,
                line,
                message,
            }
        });
    }
    seen.insert(key, (source, line));
    Ok(())
}

/// `file` or `file:line`, for messages.
fn place(sources: &[Source], source: usize, line: usize) -> String {
    let name = sources[source].name();
    if line == 0 {
        name
    } else {
        format!("{name}:{line}")
    }
}
