//! Helpers shared by the command-line tests: running the binary, and a synthetic news feed.
// Each test file uses some of these.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs the `neardup` binary with `args` (in `dir`, if given) and `stdin`, and waits for it.
pub fn run_binary(args: &[&str], dir: Option<&Path>, stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_neardup"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().expect("binary starts");
    let mut input = child.stdin.take().expect("stdin piped");
    let data = stdin.to_vec();
    // Write from a thread: a large input must not block on a full pipe.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let output = child.wait_with_output().expect("binary runs");
    writer.join().expect("writer thread");
    output
}

/// The text of article `n`: stories of three near-copies (the last of 60 words differs),
/// distinct across stories.
pub fn article_text(n: usize) -> String {
    let (story, variant) = (n / 3, n % 3);
    (0..60)
        .map(|i| match i {
            59 if variant > 0 => format!("v{variant}"),
            _ => format!("s{story}w{i}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
