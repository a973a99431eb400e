//! Tests of `--shingle` and `--stop-words`: every subcommand takes them, they change what is
//! joined, `--explain` names them, bad values are usage errors, and a saved index built with
//! other shingles is refused.

use std::process::Output;

use serde_json::{json, Value};

mod support;

/// Runs the binary with `args` and `stdin`.
fn run(args: &[&str], stdin: &str) -> Output {
    support::run_binary(args, None, stdin.as_bytes())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

fn jsonl(texts: &[&str]) -> String {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}\n", json!({"id": i, "text": t})))
        .collect()
}

/// 30 distinct words, `alpha0 alpha1 ...`.
fn words() -> Vec<String> {
    (0..30).map(|i| format!("alpha{i}")).collect()
}

/// [`words`] with the last two of every three swapped: the same set of words, but no two
/// neighbours of the swapped text are neighbours in that order in the original, so they share
/// every single word and not one word 2-gram (let alone a 5-gram).
fn swapped() -> (String, String) {
    let a = words();
    let mut b = a.clone();
    for t in b.chunks_mut(3) {
        t.swap(1, 2);
    }
    (a.join(" "), b.join(" "))
}

/// Long random words, and the same text with an "s" appended to every word: no word is shared
/// (word Jaccard 0), but every character 5-gram inside a word survives. Each 26-letter word of A
/// has 22 inner 5-grams and 5 holding a following space; B's 27-letter copy keeps those 22 and
/// the one starting with the space before it, and has 6 new ones. Random letters make distinct
/// 5-grams, so character 5-gram Jaccard is about 23 / (27 + 29 - 23) ≈ 0.7, far from 0.
fn typos() -> (String, String) {
    // A fixed linear congruential generator: the same letters every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut letter = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        char::from(b'a' + ((state >> 33) % 26) as u8)
    };
    let a: Vec<String> = (0..12)
        .map(|_| (0..26).map(|_| letter()).collect())
        .collect();
    let b: Vec<String> = a.iter().map(|w| format!("{w}s")).collect();
    (a.join(" "), b.join(" "))
}

/// The number of distinct clusters in `cluster` output.
fn clusters(o: &Output) -> usize {
    let mut ids: Vec<String> = lines(o).iter().map(|l| l["cluster"].to_string()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

#[test]
fn cluster_joins_by_the_chosen_shingles() {
    let (a, b) = swapped();
    let input = jsonl(&[&a, &b]);
    let ok = |o: &Output| {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
        clusters(o)
    };
    assert_eq!(
        ok(&run(&["cluster", "-"], &input)),
        2,
        "word 5-grams differ"
    );
    assert_eq!(
        ok(&run(&["cluster", "--shingle", "words:2", "-"], &input)),
        2
    );
    assert_eq!(
        ok(&run(&["cluster", "--shingle", "words:1", "-"], &input)),
        1
    );
    let simhash = [
        "cluster",
        "--method",
        "simhash",
        "--shingle",
        "words:1",
        "-",
    ];
    assert_eq!(ok(&run(&simhash, &input)), 1, "same word multiset");

    let (a, b) = typos();
    let input = jsonl(&[&a, &b]);
    let t = ["--threshold", "0.5"];
    assert_eq!(ok(&run(&["cluster", t[0], t[1], "-"], &input)), 2);
    let chars = ["cluster", t[0], t[1], "--shingle", "chars:5", "-"];
    assert_eq!(ok(&run(&chars, &input)), 1);
}

#[test]
fn stop_words_choice_changes_word_shingles() {
    let input = jsonl(&["the cat sat on the mat", "a cat sat in a mat"]);
    let n = |stop: &str| {
        let o = run(
            &["cluster", "--shingle", "words:2", "--stop-words", stop, "-"],
            &input,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        clusters(&o)
    };
    // Without "the", "on", "a", "in" both are "cat sat mat".
    assert_eq!(n("drop"), 1);
    assert_eq!(n("keep"), 2);
}

#[test]
fn dedup_uses_the_chosen_shingles() {
    let (a, b) = typos();
    let input = jsonl(&[&a, &b]);
    let kept = |extra: &[&str]| {
        let mut args = vec!["dedup", "--threshold", "0.5"];
        args.extend_from_slice(extra);
        args.push("-");
        let o = run(&args, &input);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        lines(&o).len()
    };
    assert_eq!(kept(&[]), 2);
    assert_eq!(kept(&["--shingle", "chars:5"]), 1);
}

#[test]
fn compare_reports_and_uses_the_chosen_shingles() {
    let (a, b) = typos();
    let json = |extra: &[&str]| {
        let mut args = vec!["compare", "--json", "--text"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[&a, &b]);
        let o = run(&args, "");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        lines(&o).remove(0)
    };
    let words = json(&[]);
    assert_eq!(words["shingles"], "words:5");
    assert_eq!(words["jaccard_exact"], 0.0);
    let chars = json(&["--shingle", "chars:5"]);
    assert_eq!(chars["shingles"], "chars:5");
    assert!(chars["jaccard_exact"].as_f64().unwrap() > 0.5, "{chars}");
    // The near-duplicate verdict uses the same shingles as the set measures.
    assert_eq!(
        chars["presets"]["near-duplicate"]["similarity"],
        chars["jaccard_exact"]
    );
    let o = run(&["compare", "--text", "--shingle", "chars:5", &a, &b], "");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("character 5-gram shingles: A "), "{text}");
    let o = run(
        &[
            "compare",
            "--text",
            "--stop-words",
            "drop",
            "the cat",
            "a cat",
        ],
        "",
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("word 5-gram (stop words dropped) shingles"),
        "{text}"
    );
}

#[test]
fn explain_names_the_shingles() {
    let input = jsonl(&["one two three"]);
    let o = run(
        &["cluster", "--explain", "--shingle", "chars:7", "-"],
        &input,
    );
    assert!(stderr(&o).contains("Chars shingles of 7"), "{}", stderr(&o));
    let args = [
        "dedup",
        "--explain",
        "--method",
        "simhash",
        "--shingle",
        "words:3",
        "--stop-words",
        "drop",
        "-",
    ];
    let o = run(&args, &input);
    assert!(
        stderr(&o).contains("Words shingles of 3 (stop words dropped)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_values_are_usage_errors() {
    let bad = [
        ("chars:0", "the shingle size must be 1 to 32, got 0"),
        ("words:0", "got 0"),
        ("words:33", "got 33"),
        ("lines:3", "unknown shingle kind 'lines'"),
        ("words5", "expected words:N or chars:N"),
        ("words:-1", "not a whole number"),
    ];
    for sub in ["cluster", "dedup", "stream"] {
        for (value, message) in bad {
            let o = run(&[sub, "--shingle", value], "");
            assert_eq!(o.status.code(), Some(2), "{sub} {value}");
            assert!(
                stderr(&o).contains(message),
                "{sub} {value}: {}",
                stderr(&o)
            );
        }
    }
    let o = run(&["compare", "--text", "--shingle", "chars:0", "a", "b"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("got 0"), "{}", stderr(&o));
    // Stop words are a word-shingle choice.
    let o = run(
        &[
            "cluster",
            "--shingle",
            "chars:5",
            "--stop-words",
            "drop",
            "-",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("word shingles only"), "{}", stderr(&o));
    // The weighted method has no shingles to choose.
    for args in [
        &[
            "cluster",
            "--preset",
            "rewrite",
            "--shingle",
            "words:3",
            "-",
        ][..],
        &["stream", "--method", "weighted", "--stop-words", "keep"][..],
    ] {
        let o = run(args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("weighted method"), "{}", stderr(&o));
    }
}

#[test]
fn stream_uses_the_shingles_and_refuses_an_index_built_with_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = dir.path().join("s.idx");
    let idx = idx.to_str().expect("UTF-8 path");
    let (a, b) = typos();
    let input = jsonl(&[&a, &b]);
    let args = [
        "stream",
        "--index",
        idx,
        "--threshold",
        "0.5",
        "--shingle",
        "chars:5",
    ];
    let o = run(&args, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let answers = lines(&o);
    assert_eq!(answers[1]["cluster"], answers[0]["cluster"]);
    // Resuming with the same shingles works; with the default ones it is refused.
    assert_eq!(run(&args, "").status.code(), Some(0));
    let o = run(&["stream", "--index", idx, "--threshold", "0.5"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--shingle"), "{}", stderr(&o));
    // Without the index the default word shingles keep them apart.
    let o = run(&["stream", "--threshold", "0.5"], &input);
    let answers = lines(&o);
    assert_ne!(answers[1]["cluster"], answers[0]["cluster"]);
}
