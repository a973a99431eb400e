//! Crash safety of `neardup stream --index`: the real binary, real signals. Each test answers
//! lines (reading the answers back, so they were answered), stops the process (SIGINT,
//! SIGTERM, SIGHUP, or SIGKILL after a pause or mid-burst), then checks the saved index holds
//! every answered article and that a restarted stream continues from it.
#![cfg(unix)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;

/// Article `n` of the feed: its id and text.
fn article(n: usize) -> (String, String) {
    let text = support::article_text(n);
    (format!("a{n}"), text)
}

fn line(n: usize) -> String {
    let (id, text) = article(n);
    format!("{}\n", json!({"id": id, "text": text, "time": n}))
}

/// A running `neardup stream` fed line by line.
struct Feed {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Feed {
    fn start(index: &Path, extra: &[&str]) -> Feed {
        let mut child = Command::new(env!("CARGO_BIN_EXE_neardup"))
            .arg("stream")
            .arg("--index")
            .arg(index)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Feed {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends articles `range` and reads their answers.
    fn answer(&mut self, range: std::ops::Range<usize>) -> Vec<Value> {
        let input: String = range.clone().map(line).collect();
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(input.as_bytes()).expect("write");
        stdin.flush().expect("flush");
        range
            .map(|n| {
                let mut answer = String::new();
                self.stdout.read_line(&mut answer).expect("read");
                assert!(!answer.is_empty(), "no answer for a{n}: {}", self.stderr());
                let answer: Value = serde_json::from_str(&answer).expect("a JSON answer");
                assert_eq!(answer["id"], format!("a{n}"));
                answer
            })
            .collect()
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Closes stdin (end of input) or not, and waits at most 10 s for the exit.
    fn wait(mut self, close: bool) -> (ExitStatus, String) {
        if close {
            self.stdin = None;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status, self.stderr());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("neardup stream did not stop");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&mut self) -> String {
        let mut err = String::new();
        if self.child.try_wait().ok().flatten().is_some() {
            if let Some(mut e) = self.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
        }
        err
    }
}

/// The ids among `a{range}` that the index file holds.
fn saved_ids(index: &Path, range: std::ops::Range<usize>) -> Vec<usize> {
    let file = File::open(index).expect("the index file exists");
    let index = neardup::Index::load(BufReader::new(file)).expect("a whole index");
    range
        .filter(|n| {
            index
                .cluster_of(&json!(format!("a{n}")).to_string())
                .is_some()
        })
        .collect()
}

fn index_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("stories.idx")
}

/// SIGINT, SIGTERM and SIGHUP: the answered lines are saved, exit 128 + the signal, and a new
/// process continues from the index (a copy joins a story answered before the stop).
#[test]
fn stop_signals_save_and_exit_with_the_conventional_code() {
    for (name, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let idx = index_path(&dir);
        let mut feed = Feed::start(&idx, &[]);
        let before = feed.answer(0..20);
        feed.signal(name);
        let (status, err) = feed.wait(false);
        assert_eq!(status.code(), Some(code), "SIG{name}: {err}");
        assert!(err.contains(&format!("SIG{name}")), "{err}");
        assert_eq!(saved_ids(&idx, 0..20), (0..20).collect::<Vec<_>>());
        // Resume, replaying the answered lines: same stories; article 20, a copy of 18 and 19,
        // joins their story.
        let mut feed = Feed::start(&idx, &[]);
        let after = feed.answer(0..21);
        for (a, b) in after.iter().zip(&before) {
            assert_eq!(a["replayed"], true, "{a}");
            assert_eq!(a["cluster"], b["cluster"], "{a}");
        }
        assert_eq!(after[20]["replayed"], false);
        assert_eq!(after[20]["cluster"], before[18]["cluster"], "SIG{name}");
        let (status, err) = feed.wait(true);
        assert_eq!(status.code(), Some(0), "{err}");
        assert_eq!(saved_ids(&idx, 0..21).len(), 21);
    }
}

/// A `tail -f` feed that pauses is saved during the pause: SIGKILL after it loses nothing.
#[test]
fn kill_9_after_a_pause_loses_nothing_answered() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index_path(&dir);
    let mut feed = Feed::start(&idx, &[]);
    feed.answer(0..25);
    std::thread::sleep(Duration::from_millis(2500));
    feed.signal("KILL");
    let (status, _) = feed.wait(false);
    assert_eq!(status.signal(), Some(9));
    assert_eq!(saved_ids(&idx, 0..25), (0..25).collect::<Vec<_>>());
}

/// Without a pause, SIGKILL loses at most the answers after the last `--checkpoint-every`.
#[test]
fn kill_9_mid_burst_loses_less_than_checkpoint_every() {
    let dir = tempfile::tempdir().unwrap();
    let idx = index_path(&dir);
    let mut feed = Feed::start(&idx, &["--checkpoint-every", "5"]);
    feed.answer(0..23);
    feed.signal("KILL");
    let (status, _) = feed.wait(false);
    assert_eq!(status.signal(), Some(9));
    let saved = saved_ids(&idx, 0..23);
    // The save after answer 20 ends before line 21 is read, so before answer 23.
    assert!(
        saved.len() >= 20 && saved[..20] == (0..20).collect::<Vec<_>>()[..],
        "{saved:?}"
    );
}
