//! The CLI's JSON Lines reader on arbitrary bytes, against a plain reading of its contract.
//!
//! The contract (docs/cli.md, `src/cli/input.rs`): one record per non-blank line (lines end at
//! `\n`; trailing `\r`s dropped; a UTF-8 byte-order mark on line 1 ignored; lines of ASCII white
//! space skipped), each a JSON object with a string or number `id`, unique in the input, and a
//! string `text`. The reader must return every record in order with its line number, or fail
//! on the first bad line, naming it; the byte counts it reports must add up to the input (up to
//! the last record).

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::Value;

use super::cli::error::CliError;
use super::cli::input::{parse_fields, read_all, JsonLines, ReadOptions, Source};
use super::cli::progress::Progress;

/// Checks one input, given as the contents of a `.jsonl` file.
pub fn jsonl(data: &[u8]) {
    let (expected, end_of_last) = expected(data);
    check_lines(data, &expected, end_of_last);
    check_read_all(data, &expected);
}

/// A record as the contract reads it, or why its line is bad.
type Line = (usize, Result<(Value, String), ()>);

/// The non-blank lines of `data` with their numbers, each parsed or marked bad (bad UTF-8, bad
/// JSON, bad fields, or an id seen on an earlier line), and where the last of them ends.
fn expected(data: &[u8]) -> (Vec<Line>, usize) {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let (mut end, mut end_of_last) = (0, 0);
    for (i, raw) in data.split_inclusive(|&b| b == b'\n').enumerate() {
        end += raw.len();
        let mut line = raw.strip_suffix(b"\n").unwrap_or(raw);
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        while let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        end_of_last = end;
        let record = std::str::from_utf8(line)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| match v {
                Value::Object(mut o) => match (o.remove("id"), o.remove("text")) {
                    (Some(id @ (Value::String(_) | Value::Number(_))), Some(Value::String(t))) => {
                        Some((id, t))
                    }
                    _ => None,
                },
                _ => None,
            })
            .filter(|(id, _)| seen.insert(id.to_string()));
        out.push((i + 1, record.ok_or(())));
    }
    (out, end_of_last)
}

/// The line reader and the record parser, called directly (strict, then lossy and quiet).
fn check_lines(data: &[u8], expected: &[Line], end_of_last: usize) {
    let mut lines = JsonLines::new(data, "fuzz.jsonl", false);
    let mut consumed = 0;
    let mut got = Vec::new();
    loop {
        match lines.next_line() {
            Ok(Some((number, line, bytes))) => {
                consumed += bytes;
                got.push((number, parse_fields(&line).map(|(id, text, _)| (id, text))));
            }
            Ok(None) => {
                // Blank lines after the last record are read but not reported: the progress bar
                // may stop short of 100 % by them (cosmetic, found by fuzzing, left alone).
                assert_eq!(
                    consumed, end_of_last as u64,
                    "bytes reported up to the last record"
                );
                break;
            }
            Err(CliError::Line { line, .. }) => {
                assert!(
                    std::str::from_utf8(data).is_err(),
                    "line {line} refused, but the input is UTF-8"
                );
                break;
            }
            Err(e) => panic!("unexpected error from the line reader: {e}"),
        }
    }
    // Line numbers and contents agree with the contract up to where the reader stopped
    // (duplicate ids are read_all's business, checked below).
    assert!(got.len() <= expected.len(), "more lines than the input has");
    for ((number, parsed), (want_number, want)) in got.iter().zip(expected) {
        assert_eq!(number, want_number, "line numbers");
        if let (Ok(record), Ok(want)) = (parsed, want) {
            assert_eq!(record, want, "line {number}");
        }
    }
    let mut lossy = JsonLines::new(data, "fuzz.jsonl", true).quiet();
    let mut count = 0;
    while let Ok(Some(_)) = lossy.next_line() {
        count += 1;
    }
    assert_eq!(
        count,
        expected.len(),
        "a lossy reader reads every non-blank line"
    );
}

/// The whole reader as the CLI calls it, on a real file: every record or the first bad line.
fn check_read_all(data: &[u8], expected: &[Line]) {
    let path = scratch_file();
    if std::fs::write(&path, data).is_err() {
        return; // no scratch space: nothing to check
    }
    let sources = [Source::JsonLines(path.clone())];
    let mut progress = Progress::new(0, false);
    let options = ReadOptions {
        keep_lengths: true,
        ..ReadOptions::default()
    };
    let mut texts = Vec::new();
    let result = read_all(&sources, options, &mut progress, &mut |chunk| {
        texts.extend_from_slice(chunk);
        Ok(())
    });
    let _ = std::fs::remove_file(&path);
    let first_bad = expected.iter().find(|(_, r)| r.is_err()).map(|(n, _)| *n);
    match (result, first_bad) {
        (Ok(corpus), None) => {
            assert_eq!(corpus.len(), expected.len(), "one document per record");
            for (i, (number, record)) in expected.iter().enumerate() {
                let Ok((id, text)) = record else {
                    unreachable!("no bad line")
                };
                assert_eq!(corpus.id(i), id.to_string(), "id of line {number}");
                assert_eq!(&texts[i], text, "text of line {number}");
                assert_eq!(corpus.lengths[i], text.chars().count(), "length");
                assert_eq!(corpus.line(i), *number, "line number");
                assert!(corpus.range(0).contains(&i), "source");
            }
        }
        (Err(CliError::Line { line, .. }), Some(bad)) => {
            assert_eq!(line, bad, "the first bad line is the one reported")
        }
        (Ok(_), Some(bad)) => panic!("line {bad} is bad, but the input was accepted"),
        (Err(e), _) => panic!("refused with {e}, expected {first_bad:?} as the first bad line"),
    }
}

/// A `.jsonl` path of this thread's own.
fn scratch_file() -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    std::env::temp_dir().join(format!(
        "neardup-fuzz-{}-{thread}.jsonl",
        std::process::id()
    ))
}
