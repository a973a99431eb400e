//! Tests of the `neardup` binary itself: output format, strict input validation, exit codes,
//! round trips.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use proptest::prelude::*;
use serde_json::{json, Value};

mod support;

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");

const BANK: &str = "The central bank raised interest rates by half a point on Tuesday, citing \
                    inflation that has stayed above its target for a year.";
const BANK_COPY: &str = "The central bank raised interest rates by half a point on Tuesday, \
                         citing inflation that has stayed above its target for a year!";
const FROG: &str = "A new species of frog was found in the rainforests of northern Peru this \
                    spring by a team of biologists.";

/// Runs the binary with `args` and `stdin`.
fn run(args: &[&str], stdin: &str) -> Output {
    run_in(Path::new("."), args, stdin)
}

/// Runs the binary in `dir` with `args` and `stdin`.
fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    support::run_binary(args, Some(dir), stdin.as_bytes())
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The output lines as JSON values.
fn lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

/// JSON Lines of `{id, text}` records.
fn jsonl(records: &[(Value, &str)]) -> String {
    records
        .iter()
        .map(|(id, text)| format!("{}\n", json!({ "id": id, "text": text })))
        .collect()
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

/// Asserts a failed run: `code`, nothing on stdout, and every `needle` in stderr.
fn assert_fails(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(o.stdout.is_empty(), "partial output: {}", stdout(o));
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in stderr: {err}");
    }
}

fn seed_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(SEEDS)
        .expect("seeds directory")
        .map(|e| e.expect("entry").path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn rewrite_preset_puts_the_seeds_in_one_cluster() {
    let files = seed_files();
    assert_eq!(files.len(), 5);
    let mut args = vec!["cluster", "--preset", "rewrite"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args, "");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = lines(&o);
    assert_eq!(out.len(), 5);
    for (line, file) in out.iter().zip(&files) {
        assert_eq!(line["id"], json!(file));
        assert_eq!(line["cluster"], out[0]["cluster"]);
    }
    assert_eq!(
        out.iter()
            .filter(|l| l["representative"] == json!(true))
            .count(),
        1
    );
    let summary = stderr(&o);
    assert!(
        summary.contains("5 documents, 1 cluster, largest 5"),
        "{summary}"
    );
    assert!(summary.contains("documents/s"), "{summary}");
}

#[test]
fn output_format_and_cluster_values() {
    let input = jsonl(&[
        (json!("a"), BANK),
        (json!(7), FROG),
        (json!("b"), BANK_COPY),
    ]);
    let o = run(&["cluster"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = lines(&o);
    assert_eq!(out.len(), 3);
    for line in &out {
        let keys: Vec<&String> = line.as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), 4, "{line}");
        assert!(line["representative"].is_boolean());
        let s = line["similarity"].as_f64().expect("similarity is a number");
        assert!((0.0..=1.0).contains(&s));
    }
    // The cluster value is the id of the cluster's first member, as given.
    assert_eq!(out[0]["cluster"], json!("a"));
    assert_eq!(out[2]["cluster"], json!("a"));
    assert_eq!(out[1]["id"], json!(7));
    assert_eq!(out[1]["cluster"], json!(7));
    assert_eq!(out[1]["representative"], json!(true));
    assert_eq!(out[1]["similarity"], json!(1.0));
    let reps = [&out[0], &out[2]]
        .iter()
        .filter(|l| l["representative"] == json!(true))
        .count();
    assert_eq!(reps, 1);
}

#[test]
fn stdin_is_the_default_and_dash_reads_it() {
    let input = jsonl(&[(json!("x"), BANK), (json!("y"), FROG)]);
    let a = run(&["cluster"], &input);
    let b = run(&["cluster", "-"], &input);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(lines(&a).len(), 2);
}

#[test]
fn files_and_stdin_mix_in_argument_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "one.txt", BANK);
    write(
        dir.path(),
        "more.jsonl",
        jsonl(&[(json!(1), FROG), (json!(2), BANK_COPY)]),
    );
    let stdin = jsonl(&[(json!("s"), "from stdin")]);
    let o = run_in(
        dir.path(),
        &["cluster", "more.jsonl", "-", "one.txt"],
        &stdin,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ids: Vec<Value> = lines(&o).iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, [json!(1), json!(2), json!("s"), json!("one.txt")]);
    let out = lines(&o);
    assert_eq!(
        out[3]["cluster"],
        json!(2),
        "the copy joins the earlier document"
    );
}

#[test]
fn malformed_json_line_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "bad.jsonl",
        "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\n",
    );
    let o = run_in(dir.path(), &["cluster", "bad.jsonl"], "");
    assert_fails(&o, 1, &["bad.jsonl:3", "malformed JSON"]);
    // Not an object, bad id types, bad text type.
    for (line, needle) in [
        ("[1, 2]", "expected a JSON object"),
        (
            "{\"id\": null, \"text\": \"x\"}",
            "\"id\" must be a string or a number",
        ),
        (
            "{\"id\": [1], \"text\": \"x\"}",
            "\"id\" must be a string or a number",
        ),
        ("{\"text\": \"x\"}", "missing \"id\""),
        (
            "{\"id\": 5, \"text\": 5}",
            "id 5: \"text\" must be a string",
        ),
    ] {
        let o = run(&["cluster"], &format!("{line}\n"));
        assert_fails(&o, 1, &["<stdin>:1", needle]);
    }
}

#[test]
fn line_without_text_names_file_line_and_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "docs.jsonl",
        "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}\n",
    );
    let o = run_in(dir.path(), &["cluster", "docs.jsonl"], "");
    assert_fails(&o, 1, &["docs.jsonl:2", "id \"b\"", "missing \"text\""]);
}

#[test]
fn duplicate_ids_are_rejected_within_and_across_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a.jsonl",
        jsonl(&[(json!(1), "x"), (json!("k"), "y")]),
    );
    write(
        dir.path(),
        "b.jsonl",
        jsonl(&[(json!("z"), "x"), (json!("k"), "y")]),
    );
    write(
        dir.path(),
        "c.jsonl",
        jsonl(&[(json!(3), "x"), (json!(3), "y")]),
    );
    write(dir.path(), "t.txt", "text");
    let o = run_in(dir.path(), &["cluster", "c.jsonl"], "");
    assert_fails(
        &o,
        1,
        &["c.jsonl:2", "id 3 given twice", "first at c.jsonl:1"],
    );
    let o = run_in(dir.path(), &["cluster", "a.jsonl", "b.jsonl"], "");
    assert_fails(
        &o,
        1,
        &["b.jsonl:2", "id \"k\" given twice", "first at a.jsonl:2"],
    );
    let o = run_in(dir.path(), &["cluster", "t.txt", "t.txt"], "");
    assert_fails(&o, 1, &["t.txt", "given twice"]);
    // A .txt file's id and a JSON id can collide too.
    let stdin = jsonl(&[(json!("t.txt"), "x")]);
    let o = run_in(dir.path(), &["cluster", "t.txt", "-"], &stdin);
    assert_fails(&o, 1, &["<stdin>:1", "\"t.txt\" given twice"]);
    // The number 1 and the string "1" are different ids.
    let o = run(&["cluster"], &jsonl(&[(json!(1), "x"), (json!("1"), "y")]));
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn missing_or_unreadable_file_fails_without_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "ok.jsonl", jsonl(&[(json!("a"), BANK)]));
    std::fs::create_dir(dir.path().join("dir.txt")).expect("mkdir");
    for missing in ["missing.txt", "missing.jsonl", "dir.txt"] {
        let o = run_in(dir.path(), &["cluster", "ok.jsonl", missing], "");
        assert_fails(&o, 1, &["cannot read", missing]);
    }
}

#[test]
fn invalid_utf8_text_file_fails_or_is_decoded_lossily() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bin.txt", b"caf\xe9 au lait\n");
    let o = run_in(dir.path(), &["cluster", "bin.txt"], "");
    assert_fails(&o, 1, &["bin.txt", "not valid UTF-8", "--lossy"]);
    let o = run_in(dir.path(), &["cluster", "--lossy", "bin.txt"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: bin.txt"), "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 1);
    // Invalid UTF-8 inside a JSON line: the same choice, naming the line.
    write(
        dir.path(),
        "bin.jsonl",
        b"{\"id\":1,\"text\":\"caf\xe9\"}\n",
    );
    let o = run_in(dir.path(), &["cluster", "bin.jsonl"], "");
    assert_fails(&o, 1, &["bin.jsonl:1", "not valid UTF-8"]);
    let o = run_in(dir.path(), &["cluster", "--lossy", "bin.jsonl"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: bin.jsonl:1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn edge_documents_each_appear_exactly_once() {
    let records = [
        (json!("empty"), ""),
        (json!("blank"), "   \n\t  "),
        (json!(0), "numeric id zero"),
        (json!(-12), "negative numeric id"),
        (json!(3.5), "fractional numeric id"),
        (
            json!("ünïcödé 東京 🦀"),
            "日本語のテキスト, emoji 🦀🦀, ½ and RTL שלום",
        ),
        (json!("empty2"), ""),
        (json!(""), "an empty string id is an id too"),
    ];
    let o = run(&["cluster"], &jsonl(&records));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = lines(&o);
    let ids: Vec<Value> = out.iter().map(|l| l["id"].clone()).collect();
    let expected: Vec<Value> = records.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, expected);
    // Empty documents are similar to nothing: each is its own cluster.
    assert_eq!(out[0]["cluster"], json!("empty"));
    assert_eq!(out[6]["cluster"], json!("empty2"));
}

#[test]
fn blank_lines_are_skipped_and_still_counted() {
    let input = format!(
        "\n{}\r\n   \n{}",
        json!({"id": "a", "text": "x"}),
        json!({"id": "b"})
    );
    let o = run(&["cluster"], &input);
    assert_fails(&o, 1, &["<stdin>:4", "id \"b\""]);
    let input = format!(
        "\n{}\r\n\n\n{}",
        json!({"id": "a", "text": "x"}),
        json!({"id": "b", "text": "y"})
    );
    let o = run(&["cluster"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 2);
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let input = format!("\u{feff}{}\n", json!({"id": "a", "text": "x"}));
    let o = run(&["cluster"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["id"], json!("a"));
}

#[test]
fn a_30_mb_document_is_one_document() {
    let words = ["alpha", "beta", "gamma", "delta", "épsilon", "東京", "word"];
    let mut text = String::with_capacity(31 << 20);
    let mut i = 0u64;
    while text.len() < 30 << 20 {
        text.push_str(words[(i % 7) as usize]);
        text.push_str(&(i % 100_003).to_string());
        text.push(' ');
        i += 1;
    }
    let input = jsonl(&[(json!("big"), &text), (json!("small"), "alpha0 beta1")]);
    let o = run(&["cluster"], &input);
    assert!(o.status.success(), "{}", stderr(&o));
    let ids: Vec<Value> = lines(&o).iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, [json!("big"), json!("small")]);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["cluster", "--bogus"],
        vec!["cluster", "--preset", "nope"],
        vec!["cluster", "--method", "nope"],
        vec!["cluster", "--threshold", "1.5"],
        vec!["cluster", "--threshold", "0"],
        vec!["cluster", "--num-perm", "0"],
        vec!["cluster", "--method", "simhash", "--threshold", "0.2"],
        vec!["cluster", "input.csv"],
        vec!["cluster", "-", "-"],
        vec!["dedup"],
        vec!["compare", "only-one"],
        vec!["frobnicate"],
        vec![],
    ] {
        let o = run(&args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version() {
    for sub in ["cluster", "dedup", "compare"] {
        let o = run(&[sub, "--help"], "");
        assert!(o.status.success());
        let help = stdout(&o);
        assert!(help.contains("Examples:"), "{sub}: {help}");
        assert!(help.contains("Exit codes:"), "{sub}: {help}");
    }
    let o = run(&["--help"], "");
    assert!(o.status.success());
    assert!(stdout(&o).contains("cluster") && stdout(&o).contains("Exit codes:"));
    let o = run(&["--version"], "");
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).trim(),
        format!("neardup {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn methods_and_options_map_to_the_library() {
    let input = jsonl(&[
        (json!("a"), BANK),
        (json!("b"), BANK_COPY),
        (json!("c"), FROG),
    ]);
    for args in [
        vec!["cluster", "--method", "simhash"],
        vec!["cluster", "--method", "simhash", "--threshold", "0.9"],
        vec![
            "cluster",
            "--method",
            "minhash",
            "--num-perm",
            "256",
            "--seed",
            "7",
        ],
        vec!["cluster", "--preset", "rewrite"],
        vec![
            "cluster",
            "--preset",
            "rewrite",
            "--method",
            "minhash",
            "--threshold",
            "0.5",
        ],
    ] {
        let o = run(&args, &input);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let out = lines(&o);
        assert_eq!(out.len(), 3, "{args:?}");
        assert_eq!(out[1]["cluster"], json!("a"), "{args:?}: the copy joins");
        assert_eq!(
            out[2]["cluster"],
            json!("c"),
            "{args:?}: the frog stays alone"
        );
    }
    let o = run(
        &[
            "cluster",
            "--explain",
            "--method",
            "simhash",
            "--threshold",
            "0.95",
        ],
        &input,
    );
    assert!(
        stderr(&o).contains("Hamming distance ≤ 3"),
        "{}",
        stderr(&o)
    );
}

/// `--explain` names the specificity bound: the story preset measures it from its first
/// clustering (the seeds, one story of five: 5 + 2 documents, where the formula gives 20),
/// a window keeps the formula, and the rewrite preset always does.
#[test]
fn explain_names_the_specificity_bound() {
    let files = seed_files();
    let bound = |extra: &[&str]| {
        let mut args = vec!["cluster", "--explain"];
        args.extend(extra);
        args.extend(files.iter().map(String::as_str));
        let o = run(&args, "");
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        err.lines()
            .find(|l| l.contains("specific words"))
            .unwrap_or_else(|| panic!("no bound in {err}"))
            .to_string()
    };
    let story = bound(&["--preset", "story"]);
    assert!(
        story.contains("at most 7 documents, measured") && story.contains("20.0"),
        "{story}"
    );
    let window = bound(&["--preset", "story", "--window", "30d"]);
    assert!(
        window.contains("at most 20.0 documents (the formula"),
        "{window}"
    );
    let rewrite = bound(&["--preset", "rewrite"]);
    assert!(rewrite.contains("(the formula's bound)"), "{rewrite}");
}

#[test]
fn progress_goes_to_stderr_only() {
    let input = jsonl(&[(json!("a"), BANK), (json!("b"), BANK_COPY)]);
    let plain = run(&["cluster"], &input);
    let with = run(&["cluster", "--progress"], &input);
    assert!(with.status.success(), "{}", stderr(&with));
    assert_eq!(plain.stdout, with.stdout);
    assert!(stderr(&with).contains("neardup cluster: 2 documents"));
}

#[test]
fn dedup_keeps_one_line_per_cluster_verbatim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines_in = [
        json!({"id": "a", "text": BANK, "source": "wire"}).to_string(),
        json!({"text": FROG, "id": 2}).to_string(),
        json!({"id": "c", "text": format!("{BANK_COPY} Again")}).to_string(),
    ];
    write(dir.path(), "in.jsonl", lines_in.join("\n") + "\n");
    let o = run_in(dir.path(), &["dedup", "--keep", "first", "in.jsonl"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n{}\n", lines_in[0], lines_in[1]));
    assert!(
        stderr(&o).contains("kept 2 of 3 documents, dropped 1"),
        "{}",
        stderr(&o)
    );
    let o = run_in(dir.path(), &["dedup", "--keep", "longest", "in.jsonl"], "");
    assert_eq!(stdout(&o), format!("{}\n{}\n", lines_in[1], lines_in[2]));
    // Representative (the default) is one of the two; stdin gives the same as the file.
    let o = run_in(dir.path(), &["dedup", "in.jsonl"], "");
    let from_stdin = run(&["dedup", "-"], &(lines_in.join("\n") + "\n"));
    assert_eq!(o.stdout, from_stdin.stdout);
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn dedup_then_cluster_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "page.txt", BANK);
    write(
        dir.path(),
        "more.jsonl",
        jsonl(&[(json!(1), BANK_COPY), (json!(2), FROG)]),
    );
    let o = run_in(dir.path(), &["dedup", "page.txt", "more.jsonl"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let kept = lines(&o);
    assert_eq!(kept.len(), 2);
    // A kept .txt document comes back as an {"id", "text"} record.
    if kept[0]["id"] == json!("page.txt") {
        assert_eq!(kept[0]["text"], json!(BANK));
    }
    // Deduplicated output has no near-duplicates left: every document is its own cluster.
    let again = run(&["cluster"], &stdout(&o));
    assert!(again.status.success(), "{}", stderr(&again));
    for line in lines(&again) {
        assert_eq!(line["cluster"], line["id"]);
    }
    // Cluster output is deterministic.
    let first = run_in(dir.path(), &["cluster", "page.txt", "more.jsonl"], "");
    let second = run_in(dir.path(), &["cluster", "page.txt", "more.jsonl"], "");
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn dedup_rejects_bad_input_like_cluster() {
    let o = run(
        &["dedup", "-"],
        "{\"id\":1,\"text\":\"x\"}\n{\"id\":1,\"text\":\"y\"}\n",
    );
    assert_fails(&o, 1, &["<stdin>:2", "given twice"]);
}

#[test]
fn compare_reports_every_measure() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.txt", BANK);
    write(dir.path(), "b.txt", BANK_COPY);
    let o = run_in(dir.path(), &["compare", "a.txt", "b.txt"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "Jaccard, estimated",
        "Jaccard, exact",
        "containment of A in B",
        "containment of B in A",
        "SimHash Hamming distance",
        "near-duplicate:",
        "rewrite:",
    ] {
        assert!(text.contains(needle), "{needle:?} missing: {text}");
    }
    let o = run_in(dir.path(), &["compare", "--json", "a.txt", "b.txt"], "");
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(
        v["jaccard_exact"],
        json!(1.0),
        "normalization ignores the punctuation"
    );
    assert_eq!(v["simhash_hamming"], json!(0));
    assert_eq!(v["presets"]["near-duplicate"]["joined"], json!(true));
    assert_eq!(v["presets"]["rewrite"]["joined"], json!(true));
    let o = run(&["compare", "--json", "--text", BANK, FROG], "");
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["jaccard_exact"], json!(0.0));
    assert_eq!(v["presets"]["near-duplicate"]["joined"], json!(false));
    assert_eq!(v["presets"]["rewrite"]["joined"], json!(false));
    // Seeds: rewrites, not near-duplicates.
    let files = seed_files();
    let o = run(&["compare", "--json", &files[0], &files[1]], "");
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["presets"]["near-duplicate"]["joined"], json!(false));
    assert_eq!(v["presets"]["rewrite"]["joined"], json!(true));
    let o = run(&["compare", "a-missing-file.txt", &files[0]], "");
    assert_fails(&o, 1, &["a-missing-file.txt"]);
}

/// One generated document: an id kind and a text (fresh, or a copy of an earlier one).
fn documents() -> impl Strategy<Value = Vec<(bool, String, Option<usize>)>> {
    prop::collection::vec(
        (any::<bool>(), "\\PC{0,60}", prop::option::of(0usize..30)),
        0..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// For any input, every id appears exactly once, in input order, and documents that share
    /// a cluster value agree on it being one of the ids.
    #[test]
    fn every_id_once_in_input_order(docs in documents()) {
        let mut texts: Vec<String> = Vec::new();
        let mut records = Vec::new();
        for (i, (numeric, text, copy_of)) in docs.into_iter().enumerate() {
            let text = match copy_of {
                Some(j) if j < texts.len() => texts[j].clone(),
                _ => text,
            };
            let id = if numeric { json!(i) } else { json!(format!("doc {i} ✓")) };
            texts.push(text.clone());
            records.push(json!({"id": id, "text": text}).to_string());
        }
        let input: String = records.iter().map(|r| format!("{r}\n")).collect();
        for preset in ["near-duplicate", "rewrite"] {
            let o = run(&["cluster", "--preset", preset], &input);
            prop_assert!(o.status.success(), "{}", stderr(&o));
            let out = lines(&o);
            let ids: Vec<Value> = out.iter().map(|l| l["id"].clone()).collect();
            let expected: Vec<Value> = records
                .iter()
                .map(|r| serde_json::from_str::<Value>(r).unwrap()["id"].clone())
                .collect();
            prop_assert_eq!(&ids, &expected);
            let position: HashMap<String, usize> =
                ids.iter().enumerate().map(|(i, id)| (id.to_string(), i)).collect();
            for (i, line) in out.iter().enumerate() {
                let c = position.get(&line["cluster"].to_string());
                prop_assert!(c.is_some_and(|&c| c <= i), "cluster is an earlier or same id");
            }
        }
    }
}

/// The whole of Reuters-21578 as JSON Lines through `neardup cluster`: every id exactly once,
/// in input order, and cluster values that name a member of the cluster.
#[test]
#[ignore = "needs Reuters-21578 (NEARDUP_REUTERS)"]
fn reuters_jsonl_run_has_every_id_once_in_order() {
    let articles = neardup::eval::reuters::load().unwrap_or_else(|e| panic!("{e}"));
    let input: String = articles
        .iter()
        .map(|a| format!("{}\n", json!({"id": a.id, "text": a.text})))
        .collect();
    for preset in ["near-duplicate", "rewrite"] {
        let out = run(&["cluster", "--preset", preset], &input);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let got = lines(&out);
        assert_eq!(got.len(), articles.len());
        let ids: HashMap<&str, usize> = articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i))
            .collect();
        let mut representatives: HashMap<String, usize> = HashMap::new();
        for (line, article) in got.iter().zip(&articles) {
            assert_eq!(line["id"], article.id.as_str());
            let cluster = line["cluster"].as_str().expect("string cluster value");
            assert!(
                ids[cluster] <= ids[article.id.as_str()],
                "cluster is its first member"
            );
            if line["representative"] == true {
                *representatives.entry(cluster.to_string()).or_default() += 1;
            }
        }
        assert!(
            representatives.values().all(|&n| n == 1),
            "one representative per cluster"
        );
    }
}

/// Lines are parsed in parallel chunks, but the first bad line in input order is reported,
/// even when a later line in the same chunk is bad in another way.
#[test]
fn first_bad_line_is_reported_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"id\": 1, \"text\": \"fine\"}\n");
    bytes.extend_from_slice(b"{\"id\": 2, \"text\": }\n");
    bytes.extend_from_slice(b"{\"id\": 3, \"text\": \"ok\"}\n");
    bytes.extend_from_slice(b"{\"id\": 4, \"text\": \"caf\xe9\"}\n");
    let path = write(dir.path(), "mixed.jsonl", &bytes);
    let out = run(&["cluster", path.to_str().expect("utf-8 path")], "");
    assert_fails(&out, 1, &["mixed.jsonl:2"]);
}

/// `--window`: reports published within it link; the same report a year later (another
/// event) stays apart; a line without a time takes the previous line's; `dedup` keeps one
/// per windowed cluster; a bad time names file, line and id; a bad duration is a usage error.
#[test]
fn window_keeps_reports_far_apart_in_time_apart() {
    let quake = "Magnitude 4.4 earthquake strikes Sonoma County near The Geysers, USGS says.";
    let retold = "A 4.4 magnitude earthquake struck Sonoma County near The Geysers, the USGS said.";
    let input = [
        json!({"id": "a", "text": quake, "time": "2013-03-14T08:00:00Z"}),
        json!({"id": "b", "text": retold, "time": 1_363_251_600}),
        json!({"id": "c", "text": quake}),
        json!({"id": "d", "text": quake, "time": "2014-04-20T08:00:00+02:00"}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let clusters = |args: &[&str]| -> Vec<String> {
        let o = run(&[&["cluster", "--preset", "story"], args].concat(), &input);
        assert!(o.status.success(), "{}", stderr(&o));
        lines(&o).iter().map(|l| l["cluster"].to_string()).collect()
    };
    assert_eq!(
        clusters(&[]),
        ["\"a\""; 4],
        "without a window every copy joins"
    );
    assert_eq!(
        clusters(&["--window", "3d"]),
        ["\"a\"", "\"a\"", "\"a\"", "\"d\""]
    );
    assert_eq!(clusters(&["--window", "420d"]), ["\"a\""; 4]);
    let kept = run(
        &["dedup", "--preset", "story", "--window", "1w", "-"],
        &input,
    );
    assert!(kept.status.success(), "{}", stderr(&kept));
    let ids: Vec<String> = lines(&kept).iter().map(|l| l["id"].to_string()).collect();
    assert_eq!(ids, ["\"a\"", "\"d\""]);

    let bad = format!(
        "{input}{}\n",
        json!({"id": "e", "text": quake, "time": "yesterday"})
    );
    let o = run(&["cluster", "--window", "1d"], &bad);
    assert_fails(&o, 1, &["<stdin>:5", "id \"e\"", "RFC 3339"]);
    let o = run(&["cluster", "--window", "3q"], &input);
    assert_fails(&o, 2, &["--window", "3q"]);
}

/// The story preset's default window: when every line has a `time`, reports 30 days apart or
/// more are not linked, as with `--window 30d`; `--window off` links them; one line without a
/// readable time (no error without `--window`) leaves the input unwindowed; other presets
/// have no default window.
#[test]
fn story_preset_uses_times_when_every_line_has_one() {
    let quake = "Magnitude 4.4 earthquake strikes Sonoma County near The Geysers, USGS says.";
    let retold = "A 4.4 magnitude earthquake struck Sonoma County near The Geysers, the USGS said.";
    let timed = [
        json!({"id": "a", "text": quake, "time": "2013-03-14T08:00:00Z"}),
        json!({"id": "b", "text": retold, "time": 1_363_251_600}),
        json!({"id": "c", "text": quake, "time": "2013-04-10"}), // a date alone: midnight UTC
        json!({"id": "d", "text": quake, "time": "2013-05-20T08:00:00Z"}),
    ];
    let text = |records: &[serde_json::Value]| -> String {
        records.iter().map(|v| format!("{v}\n")).collect()
    };
    let clusters = |preset: &str, args: &[&str], input: &str| -> (Vec<String>, String) {
        let o = run(&[&["cluster", "--preset", preset], args].concat(), input);
        assert!(o.status.success(), "{}", stderr(&o));
        let found = lines(&o).iter().map(|l| l["cluster"].to_string()).collect();
        (found, stderr(&o))
    };
    let input = text(&timed);
    let (found, notice) = clusters("story", &[], &input);
    assert_eq!(found, ["\"a\"", "\"a\"", "\"a\"", "\"d\""]);
    assert!(notice.contains("default window"), "{notice}");
    assert_eq!(clusters("story", &["--window", "30d"], &input).0, found);
    assert_eq!(
        clusters("story", &["--window", "off"], &input).0,
        ["\"a\""; 4]
    );
    let (found, notice) = clusters("rewrite", &[], &input);
    assert_eq!(found, ["\"a\""; 4]);
    assert!(!notice.contains("window"), "{notice}");

    // Times in milliseconds get no default window (it would be 43 minutes wide).
    let millis: Vec<serde_json::Value> = [0i64, 3_600_000, 3_456_000_000, 6_912_000_000]
        .iter()
        .zip(&timed)
        .map(|(t, r)| {
            let mut r = r.clone();
            r["time"] = json!(1_363_248_000_000i64 + t);
            r
        })
        .collect();
    let (found, notice) = clusters("story", &[], &text(&millis));
    assert_eq!(found, ["\"a\""; 4]);
    assert!(notice.contains("milliseconds"), "{notice}");

    let (found, notice) = clusters("story", &[], "\n");
    assert!(found.is_empty());
    assert!(!notice.contains("time"), "no documents, no note: {notice}");

    let mut partly = timed.clone();
    partly[2]["time"] = json!("yesterday");
    let (found, notice) = clusters("story", &[], &text(&partly));
    assert_eq!(
        found, ["\"a\""; 4],
        "a line without a readable time: no window"
    );
    assert!(!notice.contains("window"), "{notice}");
    let o = run(
        &["cluster", "--preset", "story", "--window", "30d"],
        &text(&partly),
    );
    assert_fails(&o, 1, &["<stdin>:3", "id \"c\"", "RFC 3339"]);
}
