//! `neardup-dataflow cluster` writes exactly what `neardup cluster` writes, byte for byte, on
//! one thread, two threads and two processes, for every preset.
//!
//! `neardup cluster` is the root package's binary: it is built here (`cargo build --bin
//! neardup`, same profile) unless it is already beside this package's binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATAFLOW: &str = env!("CARGO_BIN_EXE_neardup-dataflow");

/// The `neardup` binary of the same profile, built if missing.
fn neardup() -> PathBuf {
    let dir = Path::new(DATAFLOW).parent().expect("binary directory");
    let binary = dir.join("neardup");
    if !binary.exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut build = Command::new(env!("CARGO"));
        build.current_dir(&root).args(["build", "--bin", "neardup"]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --bin neardup");
        assert!(status.success(), "cargo build --bin neardup failed");
    }
    binary
}

/// Two free ports on localhost, for a hostfile.
fn free_ports() -> [u16; 2] {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind");
    [
        a.local_addr().expect("addr").port(),
        b.local_addr().expect("addr").port(),
    ]
}

fn check(output: &Output, what: &str) -> Vec<u8> {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout.clone()
}

/// `neardup-dataflow cluster ARGS` with `-w 1`, with `-w 2`, and as two processes (`-n 2 -w 1`).
fn dataflow_runs(args: &[String], dir: &Path) -> Vec<(String, Output)> {
    let run = |extra: &[&str]| {
        Command::new(DATAFLOW)
            .arg("cluster")
            .args(extra)
            .args(args)
            .output()
            .expect("run neardup-dataflow")
    };
    let mut runs = vec![
        ("-w 1".to_string(), run(&["-w", "1"])),
        ("-w 2".to_string(), run(&["-w", "2"])),
    ];
    let hostfile = dir.join("hosts.txt");
    let [p0, p1] = free_ports();
    std::fs::write(&hostfile, format!("127.0.0.1:{p0}\n127.0.0.1:{p1}\n")).expect("hostfile");
    let hosts = hostfile.to_string_lossy().into_owned();
    let second = Command::new(DATAFLOW)
        .arg("cluster")
        .args(["-n", "2", "-p", "1", "-w", "1", "-h", &hosts])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start process 1");
    let first = run(&["-n", "2", "-p", "0", "-w", "1", "-h", &hosts]);
    let second = second.wait_with_output().expect("process 1");
    assert!(
        second.status.success() && second.stdout.is_empty(),
        "process 1 failed or wrote output: {}",
        String::from_utf8_lossy(&second.stderr)
    );
    runs.push(("-n 2 -w 1".to_string(), first));
    runs
}

/// Runs both tools on `inputs` with each preset and compares their outputs.
fn same_output(inputs: &[String], dir: &Path, min_clustered: usize) {
    let neardup = neardup();
    for preset in ["near-duplicate", "rewrite", "story"] {
        let mut args = vec!["--preset".to_string(), preset.to_string()];
        args.extend(inputs.iter().cloned());
        let want = Command::new(&neardup)
            .arg("cluster")
            .args(&args)
            .output()
            .expect("run neardup");
        let want = check(&want, "neardup cluster");
        // A corpus where clusters are found, so a difference in linking could show.
        let joined = String::from_utf8_lossy(&want)
            .lines()
            .filter(|l| l.contains("\"representative\":false"))
            .count();
        assert!(
            joined >= min_clustered,
            "{preset}: only {joined} documents joined a cluster"
        );
        for (mode, got) in dataflow_runs(&args, dir) {
            let got = check(&got, &format!("neardup-dataflow {mode}"));
            assert!(
                got == want,
                "{preset}, {mode}: output differs from neardup cluster's ({} vs {} bytes)",
                got.len(),
                want.len()
            );
        }
    }
}

/// A corpus with near-copies, rewrites (the seeds), a template shared by more documents than
/// an LSH bucket holds, empty texts, numeric ids and blank lines, in a JSON Lines file and
/// `.txt` files.
fn small_corpus(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let mut state = 7u64;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let words: Vec<String> = (0..400).map(|i| format!("w{}", i * 7919 % 3001)).collect();
    for g in 0..60 {
        let base: Vec<String> = (0..40).map(|_| words[next(words.len())].clone()).collect();
        for copy in 0..(1 + g % 5) {
            let mut text = base.clone();
            for _ in 0..copy {
                let at = next(text.len());
                text[at] = words[next(words.len())].clone();
            }
            let id = if g % 3 == 0 {
                serde_json::json!(g * 100 + copy)
            } else {
                serde_json::json!(format!("g{g}-{copy}"))
            };
            lines.push(serde_json::json!({"id": id, "text": text.join(" ")}).to_string());
        }
    }
    for i in 0..260 {
        let text = format!(
            "Shr {} cts vs {} cts net profit revs {} mln vs {} mln the company said Reuter",
            i % 3,
            i % 2,
            i % 4,
            1 + i % 2
        );
        lines.push(serde_json::json!({"id": format!("t{i}"), "text": text}).to_string());
    }
    lines.push(r#"{"id":"empty","text":""}"#.to_string());
    lines.push("   ".to_string());
    // Shuffle, so clusters spread over workers.
    for i in (1..lines.len()).rev() {
        let j = next(i + 1);
        lines.swap(i, j);
    }
    let jsonl = dir.join("corpus.jsonl");
    std::fs::write(&jsonl, lines.join("\n") + "\n").expect("write corpus");
    let mut inputs = vec![jsonl.to_string_lossy().into_owned()];
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds");
    let mut seed_files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .expect("seeds/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seed_files.sort();
    assert!(seed_files.len() >= 5, "the seeds are missing");
    inputs.extend(seed_files.iter().map(|p| p.to_string_lossy().into_owned()));
    inputs
}

#[test]
fn small_corpus_same_as_neardup_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = small_corpus(dir.path());
    same_output(&inputs, dir.path(), 100);
}

#[test]
#[ignore = "needs Reuters-21578 (NEARDUP_REUTERS)"]
fn reuters_same_as_neardup_cluster() {
    let articles = neardup::eval::reuters::load().expect("Reuters-21578 (NEARDUP_REUTERS)");
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = dir.path().join("reuters.jsonl");
    let lines: Vec<String> = articles
        .iter()
        .map(|a| serde_json::json!({"id": a.id, "text": a.text}).to_string())
        .collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").expect("write");
    same_output(&[jsonl.to_string_lossy().into_owned()], dir.path(), 400);
}

/// A bad line owned by the second worker and an id given twice: the earliest is reported, as
/// `neardup cluster` reports it, with exit code 1.
#[test]
fn earliest_bad_input_reported_as_neardup_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        "{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"}\n{\"id\":3,\"text\":\"c\"}\n{\"id\":2,\"text\":\"d\"}\n{\"id\":5,\"text\":\n",
        "{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"}\n\n{\"id\":3,\"text\":7}\n{\"id\":1,\"text\":\"d\"}\n",
        "{\"id\":1,\"text\":\"a\"}\n{\"id\":\"x\"}\n",
    ];
    for (i, case) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.jsonl"));
        std::fs::write(&file, case).expect("write");
        let file = file.to_string_lossy().into_owned();
        let want = Command::new(neardup())
            .args(["cluster", &file])
            .output()
            .expect("neardup");
        let got = Command::new(DATAFLOW)
            .args(["cluster", "-w", "2", &file])
            .output()
            .expect("neardup-dataflow");
        assert_eq!(want.status.code(), Some(1));
        assert_eq!(got.status.code(), Some(1), "case {i}");
        assert!(got.stdout.is_empty());
        let message = |o: &Output, prefix: &str| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .find_map(|l| l.strip_prefix(prefix).map(String::from))
                .unwrap_or_default()
        };
        let want = message(&want, "neardup: error: ");
        assert!(!want.is_empty());
        assert_eq!(message(&got, "neardup-dataflow: error: "), want, "case {i}");
    }
}
