//! Reading documents: `.txt` files, JSON Lines files and standard input, validated strictly.
//!
//! Every document gets an id (the file name for `.txt`, the `id` field for JSON Lines) and an
//! origin (which input, which line), so `dedup` can read the kept lines again in a second pass
//! instead of holding every text.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::Value;
use xxhash_rust::xxh3::xxh3_64;

use neardup::Timestamp;

use super::error::CliError;
use super::progress::Progress;
use super::time::time_of;

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

/// How to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Replace invalid UTF-8 with U+FFFD (with a warning) instead of failing.
    pub lossy: bool,
    /// Keep each document's length in characters (for `dedup --keep longest`).
    pub keep_lengths: bool,
    /// Copy the lines read from stdin to a temporary file, so a later pass can read them again
    /// (stdin itself cannot be read twice).
    pub spill_stdin: bool,
    /// Keep each document's publication time ([`Corpus::times`]).
    pub times: bool,
    /// With `times`: read an unreadable `time` as none instead of failing (for a preset's
    /// default window, which applies only when every document has a time).
    pub lenient_times: bool,
}

/// What a run keeps of every document once its text is signed and dropped: its id (as JSON
/// text, in one arena), its line, a hash of its text (so a second pass notices a file that
/// changed), and where each input's documents start.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The ids' JSON text, one after another.
    id_text: String,
    /// Where each id ends in `id_text`.
    id_ends: Vec<usize>,
    /// Each document's 1-based line in its JSON Lines input (0 for a `.txt` file).
    lines: Vec<u64>,
    /// Each document's text hash.
    hashes: Vec<u64>,
    /// Each document's length in characters, when [`ReadOptions::keep_lengths`].
    pub lengths: Vec<usize>,
    /// Each document's publication time, when [`ReadOptions::times`]: its JSON line's
    /// `"time"`, or the previous document's (0 for the first) where it has none.
    pub times: Vec<Timestamp>,
    /// With [`ReadOptions::times`]: how many documents have no time of their own (a `.txt`
    /// file, a line without `time`, or with an unreadable one under `lenient_times`).
    pub untimed: usize,
    /// Each INPUT's first document.
    starts: Vec<usize>,
    /// The lines read from stdin, when [`ReadOptions::spill_stdin`].
    spill: Option<Spill>,
}

impl Corpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.id_ends.len()
    }

    /// Document `doc`'s id as JSON text (a string or a number, as given).
    pub fn id(&self, doc: usize) -> &str {
        let start = if doc == 0 { 0 } else { self.id_ends[doc - 1] };
        &self.id_text[start..self.id_ends[doc]]
    }

    /// The documents of INPUT `source`.
    pub fn range(&self, source: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(source).copied().unwrap_or(self.len());
        let end = self.starts.get(source + 1).copied().unwrap_or(self.len());
        start..end
    }

    /// Document `doc`'s 1-based line in its JSON Lines input (0 for a `.txt` file).
    pub fn line(&self, doc: usize) -> usize {
        self.lines[doc] as usize
    }

    /// A reader of the stdin lines kept by [`ReadOptions::spill_stdin`], from the start.
    pub fn stdin_lines(&self) -> Result<JsonLines<File>, CliError> {
        Ok(JsonLines::new(self.stdin_file()?, STDIN_NAME, false).quiet())
    }

    /// The file of stdin lines kept by [`ReadOptions::spill_stdin`], from the start.
    fn stdin_file(&self) -> Result<File, CliError> {
        let spill = self.spill.as_ref().ok_or_else(|| CliError::Read {
            file: STDIN_NAME.into(),
            source: io::Error::other("standard input was not kept for a second pass"),
        })?;
        let mut file = spill
            .file
            .try_clone()
            .map_err(|e| read_error(STDIN_NAME, e))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| read_error(STDIN_NAME, e))?;
        Ok(file)
    }

    fn push(&mut self, id: &str, text: &str, hash: u64, line: usize, options: ReadOptions) {
        if options.times {
            // A line with a time overwrites this after the push (and counts itself timed).
            self.times.push(self.times.last().copied().unwrap_or(0));
            self.untimed += 1;
        }
        self.id_text.push_str(id);
        self.id_ends.push(self.id_text.len());
        self.lines.push(line as u64);
        self.hashes.push(hash);
        if options.keep_lengths {
            self.lengths.push(text.chars().count());
        }
    }

    /// The place of document `doc`, for messages: `file` or `file:line`.
    fn place(&self, sources: &[Source], doc: usize) -> String {
        let source = self.starts.partition_point(|&s| s <= doc).saturating_sub(1);
        place(sources, source, self.line(doc))
    }
}

/// A temporary file holding the lines read from stdin; removed when dropped.
#[derive(Debug)]
struct Spill {
    file: File,
    path: PathBuf,
}

impl Spill {
    fn create() -> Result<Spill, CliError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "neardup-stdin-{}-{nanos}.jsonl",
            std::process::id()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| CliError::Read {
                file: path.to_string_lossy().into_owned(),
                source: e,
            })?;
        Ok(Spill { file, path })
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        // Best effort: a temporary file left behind is no reason to fail a finished run.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Total size in bytes of the inputs that are files (0 if only stdin).
pub fn total_size(sources: &[Source]) -> u64 {
    sources.iter().map(Source::size).sum()
}

/// Lines read and parsed together; results are taken in order, so the first bad line is still
/// the one reported.
const CHUNK: usize = 4096;

/// Texts waiting to be handed to the sink, a chunk at a time.
struct Chunks<'a> {
    texts: Vec<String>,
    sink: &'a mut dyn FnMut(&[String]) -> Result<(), CliError>,
}

impl Chunks<'_> {
    fn push(&mut self, text: String) -> Result<(), CliError> {
        self.texts.push(text);
        if self.texts.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), CliError> {
        if !self.texts.is_empty() {
            (self.sink)(&self.texts)?;
            self.texts.clear();
        }
        Ok(())
    }
}

/// One parsed record: the id as JSON text, the text and its hash.
pub type Record = (String, String, u64);

/// A parsed JSON Lines record with its id serialized and its text hashed.
pub fn record(line: &str) -> Result<Record, String> {
    let (id, text, _) = parse_fields(line)?;
    let hash = xxh3_64(text.as_bytes());
    Ok((id.to_string(), text, hash))
}

/// [`record`] and the line's `time` field, from one parse.
fn record_and_time(line: &str) -> Result<(Record, Option<Value>), String> {
    let (id, text, time) = parse_fields(line)?;
    let hash = xxh3_64(text.as_bytes());
    Ok(((id.to_string(), text, hash), time))
}

/// Reads and validates every input, in order, handing the texts to `sink` in chunks (in input
/// order) and keeping only ids, lines and text hashes. Fails on the first bad file or line.
pub fn read_all(
    sources: &[Source],
    options: ReadOptions,
    progress: &mut Progress,
    sink: &mut dyn FnMut(&[String]) -> Result<(), CliError>,
) -> Result<Corpus, CliError> {
    let mut corpus = Corpus::default();
    let mut seen = Seen::default();
    let read = read_into(&mut corpus, &mut seen, sources, options, progress, sink);
    // An id given twice is found once reading stops, and is the first error in input order:
    // every document before the one that failed was checked.
    if let Some(e) = seen.repeated(&corpus, sources) {
        return Err(e);
    }
    read.map(|()| corpus)
}

/// [`read_all`] into `corpus`, noting every id in `seen`.
fn read_into(
    corpus: &mut Corpus,
    seen: &mut Seen,
    sources: &[Source],
    options: ReadOptions,
    progress: &mut Progress,
    sink: &mut dyn FnMut(&[String]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut chunks = Chunks {
        texts: Vec::new(),
        sink,
    };
    for source in sources {
        corpus.starts.push(corpus.len());
        let name = source.name();
        match source {
            Source::Text(path) => {
                let id = Value::String(name.clone()).to_string();
                seen.note_file(&id);
                let bytes = std::fs::read(path).map_err(|e| read_error(&name, e))?;
                progress.read(bytes.len() as u64);
                let text = decode(bytes, &name, options.lossy, false)?;
                corpus.push(&id, &text, xxh3_64(text.as_bytes()), 0, options);
                chunks.push(text)?;
            }
            Source::JsonLines(_) | Source::Stdin => {
                let reader: Box<dyn Read> = match source {
                    Source::JsonLines(path) => {
                        Box::new(File::open(path).map_err(|e| read_error(&name, e))?)
                    }
                    _ => Box::new(io::stdin().lock()),
                };
                let mut spill = match source {
                    Source::Stdin if options.spill_stdin => Some(Spill::create()?),
                    _ => None,
                };
                let mut writer = match &spill {
                    Some(s) => Some(io::BufWriter::with_capacity(
                        1 << 20,
                        s.file.try_clone().map_err(|e| read_error(STDIN_NAME, e))?,
                    )),
                    None => None,
                };
                let mut lines = JsonLines::new(reader, &name, options.lossy);
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
                        break;
                    }
                    let parsed: Vec<Result<(Record, Option<Timestamp>), String>> = batch
                        .par_iter()
                        .map(|(_, line, _)| {
                            let (record, time) = record_and_time(line)?;
                            let time = if options.times && options.lenient_times {
                                time_of(time.as_ref()).ok().flatten()
                            } else if options.times {
                                time_of(time.as_ref())
                                    .map_err(|m| format!("id {}: {m}", record.0))?
                            } else {
                                None
                            };
                            Ok((record, time))
                        })
                        .collect();
                    for ((line_no, line, bytes), parsed) in batch.drain(..).zip(parsed) {
                        progress.read(bytes);
                        let ((id, text, hash), time) =
                            parsed.map_err(|message| CliError::Line {
                                file: name.clone(),
                                line: line_no,
                                message,
                            })?;
                        seen.note(&id);
                        corpus.push(&id, &text, hash, line_no, options);
                        if let (Some(t), Some(last)) = (time, corpus.times.last_mut()) {
                            *last = t;
                            corpus.untimed -= 1;
                        }
                        if let Some(w) = &mut writer {
                            w.write_all(line.as_bytes())
                                .and_then(|()| w.write_all(b"\n"))
                                .map_err(|e| spill_error(spill.as_ref(), e))?;
                        }
                        chunks.push(text)?;
                    }
                    if let Some(e) = read_error {
                        return Err(e);
                    }
                }
                if let Some(w) = writer {
                    w.into_inner()
                        .map_err(|e| spill_error(spill.as_ref(), e.into_error()))?;
                }
                if let Some(s) = spill.take() {
                    corpus.spill = Some(s);
                }
            }
        }
    }
    chunks.flush()
}

fn spill_error(spill: Option<&Spill>, source: io::Error) -> CliError {
    CliError::Read {
        file: spill.map_or_else(String::new, |s| s.path.to_string_lossy().into_owned()),
        source,
    }
}

/// Reads the texts of the documents `needed` (ascending) again, checking each is the one read
/// before, and hands them to `sink` in chunks, in order. Lines of other documents are skipped
/// unparsed.
pub fn reread(
    sources: &[Source],
    corpus: &Corpus,
    needed: &[u32],
    lossy: bool,
    sink: &mut dyn FnMut(&[String]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut chunks = Chunks {
        texts: Vec::new(),
        sink,
    };
    let mut next = needed.iter().map(|&d| d as usize).peekable();
    for (index, source) in sources.iter().enumerate() {
        let range = corpus.range(index);
        if next.peek().is_none_or(|&d| d >= range.end) {
            continue;
        }
        let name = source.name();
        let check = |doc: usize, line: usize, id: &str, hash: u64| {
            if id == corpus.id(doc) && hash == corpus.hashes[doc] {
                Ok(())
            } else {
                Err(changed(&name, line))
            }
        };
        match source {
            Source::Text(path) => {
                next.next();
                let bytes = std::fs::read(path).map_err(|e| read_error(&name, e))?;
                let text = decode(bytes, &name, lossy, true)?;
                check(
                    range.start,
                    0,
                    corpus.id(range.start),
                    xxh3_64(text.as_bytes()),
                )?;
                chunks.push(text)?;
            }
            Source::JsonLines(_) | Source::Stdin => {
                let mut lines: JsonLines<Box<dyn Read>> = match source {
                    Source::JsonLines(path) => {
                        let file = File::open(path).map_err(|e| read_error(&name, e))?;
                        JsonLines::new(Box::new(file) as Box<dyn Read>, &name, lossy).quiet()
                    }
                    _ => JsonLines::new(Box::new(corpus.stdin_file()?) as _, &name, false).quiet(),
                };
                let mut batch: Vec<(usize, usize, String)> = Vec::with_capacity(CHUNK);
                let mut doc = range.start;
                while let Some(&want) = next.peek().filter(|&&d| d < range.end) {
                    if doc < want {
                        if !lines.skip_line()? {
                            return Err(changed(&name, lines.line_no));
                        }
                        doc += 1;
                        continue;
                    }
                    let (line_no, line, _) = lines
                        .next_line()?
                        .ok_or_else(|| changed(&name, lines.line_no))?;
                    batch.push((doc, line_no, line));
                    next.next();
                    doc += 1;
                    let last = next.peek().is_none_or(|&d| d >= range.end);
                    if batch.len() == CHUNK || last {
                        let parsed: Vec<Result<Record, String>> =
                            batch.par_iter().map(|(_, _, line)| record(line)).collect();
                        for ((doc, line_no, _), parsed) in batch.drain(..).zip(parsed) {
                            let (id, text, hash) = parsed.map_err(|_| changed(&name, line_no))?;
                            check(doc, line_no, &id, hash)?;
                            chunks.push(text)?;
                        }
                    }
                }
            }
        }
    }
    chunks.flush()
}

/// The error for an input that is not what the first pass read.
pub fn changed(name: &str, line: usize) -> CliError {
    CliError::Line {
        file: name.to_string(),
        line,
        message: "the file changed while neardup was reading it; output is incomplete".into(),
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
    decode(bytes, name, lossy, false)
}

/// [`decode_file`], without the warning when `quiet` (a second pass).
fn decode(bytes: Vec<u8>, name: &str, lossy: bool, quiet: bool) -> Result<String, CliError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            if lossy {
                if !quiet {
                    warn(&format!(
                        "{name}: not valid UTF-8 (first bad byte at offset {offset}); invalid \
                         bytes replaced with U+FFFD"
                    ));
                }
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

    /// Reads up to the next non-blank line into `buf`: the bytes consumed and the line's
    /// content range in `buf` (without a BOM or line ending), or `None` at the end.
    fn advance(&mut self) -> Result<Option<(u64, std::ops::Range<usize>)>, CliError> {
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
            let mut start = 0;
            if self.line_no == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                start = 3;
            }
            let mut end = self.buf.len();
            while end > start && matches!(self.buf[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            if self.buf[start..end].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((consumed, start..end)));
        }
    }

    /// Skips the next non-blank line unread; false at the end of the input.
    pub fn skip_line(&mut self) -> Result<bool, CliError> {
        Ok(self.advance()?.is_some())
    }

    /// The next non-blank line: its 1-based number, its text without the line ending, and
    /// the bytes consumed. Blank (whitespace-only) lines are skipped.
    pub fn next_line(&mut self) -> Result<Option<(usize, String, u64)>, CliError> {
        let Some((consumed, range)) = self.advance()? else {
            return Ok(None);
        };
        let bytes = &self.buf[range];
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
        Ok(Some((self.line_no, line, consumed)))
    }
}

/// The id, text and `time` field (if any) of one JSON Lines record, or what is wrong with it.
pub fn parse_fields(line: &str) -> Result<(Value, String, Option<Value>), String> {
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
        Some(Value::String(text)) => Ok((id, text, object.remove("time"))),
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

/// Every document's id hash in input order, to find an id given twice when reading stops:
/// one sort at the end, where a hash table probed per line misses the cache on every line of a
/// large input (the ids' texts live in the corpus's arena).
#[derive(Default)]
struct Seen {
    hashes: Vec<u64>,
    /// The id of the `.txt` file being read, noted before the corpus has it.
    file_id: String,
}

impl Seen {
    /// Notes the id (JSON text) of the next document of the corpus.
    fn note(&mut self, id: &str) {
        self.hashes.push(xxh3_64(id.as_bytes()));
    }

    /// [`Seen::note`] for a `.txt` file, whose id is noted before the file is read.
    fn note_file(&mut self, id: &str) {
        self.note(id);
        id.clone_into(&mut self.file_id);
    }

    /// The error for the first document, in input order, whose id an earlier one had, naming
    /// both places; `None` if no id was given twice.
    fn repeated(&self, corpus: &Corpus, sources: &[Source]) -> Option<CliError> {
        let id = |d: usize| {
            if d < corpus.len() {
                corpus.id(d)
            } else {
                &self.file_id
            }
        };
        let mut order: Vec<(u64, u32)> = self
            .hashes
            .iter()
            .enumerate()
            .map(|(d, &h)| (h, d as u32))
            .collect();
        order.sort_unstable();
        // (later, earlier) of the first repeat; runs of one hash are in input order.
        let mut first: Option<(usize, usize)> = None;
        for run in order.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1) {
            for (i, &(_, later)) in run.iter().enumerate().skip(1) {
                let later = later as usize;
                let mut earlier = run[..i].iter().map(|&(_, e)| e as usize);
                if let Some(earlier) = earlier.find(|&e| id(e) == id(later)) {
                    if first.is_none_or(|(l, _)| later < l) {
                        first = Some((later, earlier));
                    }
                    break;
                }
            }
        }
        let (later, earlier) = first?;
        let message = format!(
            "id {} given twice (first at {})",
            id(later),
            corpus.place(sources, earlier)
        );
        let source = corpus
            .starts
            .partition_point(|&s| s <= later)
            .saturating_sub(1);
        let file = sources[source].name();
        let line = if later < corpus.len() {
            corpus.line(later)
        } else {
            0
        };
        Some(if line == 0 {
            CliError::File { file, message }
        } else {
            CliError::Line {
                file,
                line,
                message,
            }
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sources: &[Source], options: ReadOptions) -> Result<(Corpus, Vec<String>), CliError> {
        let mut texts = Vec::new();
        let mut progress = Progress::new(0, false);
        let corpus = read_all(sources, options, &mut progress, &mut |chunk| {
            texts.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok((corpus, texts))
    }

    #[test]
    fn second_pass_gives_the_needed_texts_and_notices_changes() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        let txt = dir.path().join("b.txt");
        let lines: Vec<String> = (0..10_000)
            .map(|i| format!("{{\"id\": {i}, \"text\": \"text number {i}\"}}\n\n"))
            .collect();
        std::fs::write(&jsonl, lines.concat()).unwrap();
        std::fs::write(&txt, "a text file").unwrap();
        let sources = Source::parse_all(&[
            jsonl.to_string_lossy().into_owned(),
            txt.to_string_lossy().into_owned(),
        ])
        .unwrap();
        let (corpus, texts) = read(&sources, ReadOptions::default()).unwrap();
        assert_eq!(corpus.len(), 10_001);
        assert_eq!(texts.len(), 10_001);
        assert_eq!((corpus.id(7), corpus.line(7)), ("7", 15));
        assert_eq!(
            corpus.id(10_000),
            Value::String(sources[1].name()).to_string()
        );
        assert_eq!(corpus.range(1), 10_000..10_001);
        let needed: Vec<u32> = vec![0, 3, 4096, 4097, 9_999, 10_000];
        let again = |corpus: &Corpus| {
            let mut got = Vec::new();
            reread(&sources, corpus, &needed, false, &mut |chunk| {
                got.extend_from_slice(chunk);
                Ok(())
            })
            .map(|()| got)
        };
        let want: Vec<String> = needed.iter().map(|&d| texts[d as usize].clone()).collect();
        assert_eq!(again(&corpus).unwrap(), want);
        // A changed text is noticed, not clustered.
        std::fs::write(&jsonl, lines.concat().replace("number 4097", "number x")).unwrap();
        let err = again(&corpus).unwrap_err().to_string();
        assert!(
            err.contains("a.jsonl:8195") && err.contains("changed"),
            "{err}"
        );
        // So is a file that lost lines.
        std::fs::write(&jsonl, lines[..5000].concat()).unwrap();
        assert!(again(&corpus).unwrap_err().to_string().contains("changed"));
    }

    #[test]
    fn an_id_given_twice_names_both_places() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(
            &jsonl,
            "{\"id\": \"x\", \"text\": \"one\"}\n{\"id\": 1, \"text\": \"two\"}\n\
             {\"id\": \"1\", \"text\": \"three\"}\n{\"id\": 1, \"text\": \"four\"}\n",
        )
        .unwrap();
        let name = jsonl.to_string_lossy().into_owned();
        let sources = Source::parse_all(std::slice::from_ref(&name)).unwrap();
        let err = read(&sources, ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{name}:4: id 1 given twice (first at {name}:2)")
        );
    }

    #[test]
    fn the_first_error_in_input_order_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        let name = jsonl.to_string_lossy().into_owned();
        let sources = Source::parse_all(std::slice::from_ref(&name)).unwrap();
        let line = |id: &str| format!("{{\"id\": \"{id}\", \"text\": \"t\"}}\n");
        // Two repeats and a bad line after them: the earlier repeat is the error.
        let mut lines: Vec<String> = ["a", "b", "c", "b", "a"].map(line).into();
        lines.push("not json\n".into());
        std::fs::write(&jsonl, lines.concat()).unwrap();
        let err = read(&sources, ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{name}:4: id \"b\" given twice (first at {name}:2)")
        );
        // A bad line before any repeat is the error.
        lines.insert(1, "not json\n".into());
        std::fs::write(&jsonl, lines.concat()).unwrap();
        let err = read(&sources, ReadOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with(&format!("{name}:2:")), "{err}");
    }
}
