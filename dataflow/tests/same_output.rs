//! `neardup-dataflow cluster` writes exactly what `neardup cluster` writes, byte for byte, on
//! one thread, two threads and two processes, for every preset and the SimHash method, and
//! from stdin.
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

/// `neardup-dataflow cluster ARGS` with `-w 1`, `-w 2`, `-w 3` (a worker count that divides
/// no power of two, so every exchange splits unevenly), and as two processes (`-n 2 -w 1`).
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
        ("-w 3".to_string(), run(&["-w", "3"])),
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

/// The presets, each with its own method.
const PRESETS: [&[&str]; 3] = [
    &["--preset", "near-duplicate"],
    &["--preset", "rewrite"],
    &["--preset", "story"],
];

/// Runs both tools on `inputs` with each preset and compares their outputs.
fn same_output(inputs: &[String], dir: &Path, min_clustered: usize) {
    same_output_with(&PRESETS, inputs, dir, min_clustered);
}

/// Runs both tools on `inputs` with each of `options` and compares their outputs.
fn same_output_with(options: &[&[&str]], inputs: &[String], dir: &Path, min_clustered: usize) {
    let neardup = neardup();
    for options in options {
        let preset = options.join(" ");
        let mut args: Vec<String> = options.iter().map(|s| s.to_string()).collect();
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

/// The rewrite and story presets verify their candidates in rounds: one round, seven, or as
/// many as the candidates call for give the same output, on one thread and on two.
#[test]
fn rounds_do_not_change_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = small_corpus(dir.path());
    let neardup = neardup();
    for preset in ["rewrite", "story"] {
        let want = Command::new(&neardup)
            .args(["cluster", "--preset", preset])
            .args(&inputs)
            .output()
            .expect("run neardup");
        let want = check(&want, "neardup cluster");
        for (threads, rounds) in [("1", "1"), ("1", "7"), ("2", "7"), ("2", "1")] {
            let got = Command::new(DATAFLOW)
                .args(["cluster", "--preset", preset, "--explain", "-w", threads])
                .args(["--rounds", rounds])
                .args(&inputs)
                .output()
                .expect("run neardup-dataflow");
            let what = format!("--preset {preset} -w {threads} --rounds {rounds}");
            let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
            let got = check(&got, &what);
            // The rounds did happen, over many candidates.
            let stats = stderr
                .lines()
                .find(|l| l.contains("candidates listed"))
                .unwrap_or_else(|| panic!("{what}: no statistics in {stderr}"));
            assert!(
                stats.contains(&format!("in {rounds} rounds")),
                "{what}: {stats}"
            );
            let listed: u64 = stats
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{what}: {stats}"));
            assert!(listed > 1000, "{what}: too few candidates: {stats}");
            assert!(got == want, "{what}: output differs from neardup cluster's");
        }
    }
}

/// `--explain` names the specificity bound the words were weighed with, as `neardup cluster`
/// does: the story preset's measured bound (below the formula's on the small corpus), the
/// rewrite preset's formula, on one worker and on two.
#[test]
fn explain_names_the_same_bound_as_neardup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = small_corpus(dir.path());
    let bound_line = |program: &str, args: &[&str], prefix: &str| {
        let got = Command::new(program)
            .args(args)
            .args(&inputs)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
        check(&got, program);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("specific words"))
            .collect();
        assert_eq!(lines.len(), 1, "{program} {args:?}: {stderr}");
        lines[0]
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{stderr}"))
            .to_string()
    };
    let neardup = neardup();
    let neardup = neardup.to_str().expect("utf-8 path");
    for preset in ["story", "rewrite"] {
        let want = bound_line(
            neardup,
            &["cluster", "--preset", preset, "--explain"],
            "neardup: ",
        );
        assert_eq!(want.contains("measured"), preset == "story", "{want}");
        for threads in ["1", "2"] {
            let got = bound_line(
                DATAFLOW,
                &["cluster", "--preset", preset, "--explain", "-w", threads],
                "neardup-dataflow: ",
            );
            assert_eq!(got, want, "--preset {preset} -w {threads}");
        }
    }
}

/// SimHash with the near-duplicate preset (no chain guard), the rewrite preset's guard and a
/// larger distance, on the small corpus plus a class of identical texts larger than a bucket
/// (chained, not paired all with all) and close variants of it.
#[test]
fn simhash_same_as_neardup_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inputs = small_corpus(dir.path());
    let template = "the board of directors declared a regular quarterly dividend of ten cts a \
                    share payable on april one to holders of record on march fifteen";
    let lines: Vec<String> = (0..460)
        .map(|i| {
            let text = if i % 2 == 0 {
                template.to_string()
            } else {
                format!(
                    "{template} {}",
                    ["reuter", "it said", "company said"][i % 3]
                )
            };
            serde_json::json!({"id": format!("d{i}"), "text": text}).to_string()
        })
        .collect();
    let file = dir.path().join("dividends.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    inputs.push(file.to_string_lossy().into_owned());
    same_output_with(
        &[
            &["--method", "simhash"],
            &["--preset", "rewrite", "--method", "simhash"],
            &["--method", "simhash", "--threshold", "0.8"],
        ],
        &inputs,
        dir.path(),
        400,
    );
}

/// `-` and no INPUT read JSON Lines from stdin, as `neardup cluster -` does, with any number of
/// threads; two processes are refused (each would need the same stdin).
#[test]
fn stdin_same_as_neardup_cluster() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = small_corpus(dir.path());
    let corpus = std::fs::read(&inputs[0]).expect("corpus");
    let feed = |program: &Path, args: &[&str], input: &[u8]| {
        let mut child = Command::new(program)
            .arg("cluster")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start");
        let written = child.stdin.take().expect("stdin").write_all(input);
        // A process that refuses its arguments exits without reading stdin.
        assert!(
            written.is_ok() || args.contains(&"-n"),
            "write stdin: {written:?}"
        );
        child.wait_with_output().expect("wait")
    };
    let dataflow = Path::new(DATAFLOW);
    for preset in ["near-duplicate", "rewrite"] {
        let want = check(
            &feed(&neardup(), &["--preset", preset, "-"], &corpus),
            "neardup cluster -",
        );
        assert!(want.len() > 1000);
        for args in [
            &["--preset", preset, "-w", "1", "-"][..],
            &["--preset", preset, "-w", "2", "-"],
            &["--preset", preset, "-w", "2"],
        ] {
            let got = check(&feed(dataflow, args, &corpus), "neardup-dataflow");
            assert!(
                got == want,
                "{args:?}: output differs from neardup cluster -'s"
            );
        }
    }
    // Stdin between files: its documents come in its place in the input order.
    let seed = inputs[1].as_str();
    for args in [[seed, "-"], ["-", seed]] {
        let want = check(&feed(&neardup(), &args, &corpus), "neardup");
        let got = check(
            &feed(dataflow, &[&["-w", "2"][..], &args].concat(), &corpus),
            "dataflow",
        );
        assert!(got == want, "{args:?}: output differs");
    }
    // A bad line on stdin is named as `neardup cluster` names it.
    let bad = b"{\"id\":1,\"text\":\"a\"}\n\n{\"id\":2}\n";
    let want = feed(&neardup(), &["-"], bad);
    let got = feed(dataflow, &["-w", "2", "-"], bad);
    assert_eq!((want.status.code(), got.status.code()), (Some(1), Some(1)));
    let message = |o: &Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .find_map(|l| l.split_once("error: ").map(|(_, m)| m.to_string()))
            .unwrap_or_default()
    };
    assert!(
        message(&want).starts_with("<stdin>:3: "),
        "{}",
        message(&want)
    );
    assert_eq!(message(&got), message(&want));
    // Two processes cannot share one stdin.
    let two = feed(dataflow, &["-n", "2", "-p", "0", "-"], &corpus);
    assert_eq!(two.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&two.stderr).contains("single process"));
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
        // With --window: a bad time (on the second worker's line), before a duplicate id.
        "{\"id\":1,\"text\":\"a\",\"time\":5}\n{\"id\":2,\"text\":\"b\",\"time\":\"noon\"}\n{\"id\":1,\"text\":\"c\"}\n",
    ];
    for (i, case) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.jsonl"));
        std::fs::write(&file, case).expect("write");
        let file = file.to_string_lossy().into_owned();
        let window: &[&str] = if case.contains("time") {
            &["--window", "1d"]
        } else {
            &[]
        };
        let want = Command::new(neardup())
            .args(["cluster", &file])
            .args(window)
            .output()
            .expect("neardup");
        let got = Command::new(DATAFLOW)
            .args(["cluster", "-w", "2", &file])
            .args(window)
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

/// `--window`: publication times on two lines of three (the third takes the previous line's
/// time, as `neardup cluster` reads it), as Unix seconds or RFC 3339 text, spread over ten
/// days; every preset and layout gives `neardup cluster --window 2d`'s output, which the
/// window changed.
#[test]
fn window_same_as_neardup_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inputs = small_corpus(dir.path());
    let text = std::fs::read_to_string(&inputs[0]).expect("corpus");
    let mut timed = String::new();
    for (i, line) in text.lines().enumerate() {
        let day = i * 7919 % 10;
        let time = match i % 3 {
            0 => serde_json::json!(1_699_617_600 + day * 86_400),
            1 => serde_json::json!(format!("2023-11-{:02}T12:00:00Z", 10 + day)),
            _ => serde_json::Value::Null,
        };
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(mut record) if !time.is_null() => {
                record["time"] = time;
                timed.push_str(&record.to_string());
            }
            _ => timed.push_str(line),
        }
        timed.push('\n');
    }
    let path = dir.path().join("timed.jsonl");
    std::fs::write(&path, timed).expect("write timed corpus");
    inputs[0] = path.to_string_lossy().into_owned();
    let presets = ["near-duplicate", "rewrite", "story"];
    for preset in presets {
        let run = |extra: &[&str]| {
            let out = Command::new(neardup())
                .args(["cluster", "--preset", preset])
                .args(extra)
                .args(&inputs)
                .output()
                .expect("run neardup");
            check(&out, "neardup cluster")
        };
        assert!(
            run(&["--window", "2d"]) != run(&[]),
            "{preset}: the window changed nothing"
        );
    }
    let options: Vec<Vec<&str>> = presets
        .iter()
        .map(|p| vec!["--preset", p, "--window", "2d"])
        .collect();
    let options: Vec<&[&str]> = options.iter().map(Vec::as_slice).collect();
    same_output_with(&options, &inputs, dir.path(), 50);
}

/// The story preset's default window (every line has a `time`, no `--window`) is applied
/// as `neardup cluster` applies it, in every layout; it changes the output (`--window off`).
#[test]
fn default_window_same_as_neardup_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = small_corpus(dir.path());
    let text = std::fs::read_to_string(&inputs[0]).expect("corpus");
    let mut timed = String::new();
    for (i, line) in text.lines().enumerate() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(mut record) => {
                // Four months: a 30-day window splits some clusters.
                record["time"] = serde_json::json!(1_699_617_600 + (i * 7919 % 120) * 86_400);
                timed.push_str(&record.to_string());
            }
            Err(_) => timed.push_str(line),
        }
        timed.push('\n');
    }
    let path = dir.path().join("timed.jsonl");
    std::fs::write(&path, timed).expect("write timed corpus");
    let inputs = vec![path.to_string_lossy().into_owned()];
    // `neardup cluster --preset story` on `inputs` with `extra` options.
    let run = |inputs: &[String], extra: &[&str]| {
        let out = Command::new(neardup())
            .args(["cluster", "--preset", "story"])
            .args(extra)
            .args(inputs)
            .output()
            .expect("run neardup");
        check(&out, "neardup cluster")
    };
    assert!(
        run(&inputs, &[]) != run(&inputs, &["--window", "off"]),
        "the default window changed nothing"
    );
    assert!(run(&inputs, &[]) == run(&inputs, &["--window", "30d"]));
    same_output_with(
        &[
            &["--preset", "story"],
            &["--preset", "story", "--window", "off"],
        ],
        &inputs,
        dir.path(),
        50,
    );
    // One document without a readable time, on a worker other than the first, or a `.txt`
    // input: no default window, on every worker alike.
    let timed = std::fs::read_to_string(&inputs[0]).expect("timed corpus");
    let mut lines: Vec<String> = timed.lines().map(String::from).collect();
    let at = lines
        .iter()
        .rposition(|l| l.contains("\"time\""))
        .expect("a timed line");
    lines[at] = lines[at].replace("\"time\":", "\"time\":\"noon\",\"was\":");
    let partly = dir.path().join("partly.jsonl");
    std::fs::write(&partly, lines.join("\n") + "\n").expect("write");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/000_27a26c8f072408e8.txt");
    let with_txt = vec![inputs[0].clone(), seed.to_string_lossy().into_owned()];
    for inputs in [vec![partly.to_string_lossy().into_owned()], with_txt] {
        assert!(
            run(&inputs, &[]) == run(&inputs, &["--window", "off"]),
            "{inputs:?}"
        );
        same_output_with(&[&["--preset", "story"]], &inputs, dir.path(), 50);
    }
}
