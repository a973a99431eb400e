//! Replays the checked-in fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz targets'
//! own checks (`fuzz/checks/`), on stable: an input that once crashed a target, or breaks an
//! invariant after a change, fails here. See `fuzz/README.md` for running the fuzzers.
#![cfg(feature = "cli")] // the `jsonl` check compiles the CLI's input modules

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

#[path = "../fuzz/checks/mod.rs"]
mod checks;

/// Runs every file of `fuzz/corpus/<target>/` through its check; fails naming each file that
/// breaks an invariant, or if the corpus is missing or empty.
fn replay(target: &str) {
    let Some(&(_, check)) = checks::TARGETS.iter().find(|(name, _)| *name == target) else {
        panic!("no fuzz target {target}");
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    files.retain(|p| p.is_file());
    files.sort();
    assert!(!files.is_empty(), "{}: no corpus files", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} corpus files break an invariant:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn text_corpus() {
    replay("text");
}

#[test]
fn jsonl_corpus() {
    replay("jsonl");
}

#[test]
fn cluster_corpus() {
    replay("cluster");
}

#[test]
fn index_load_corpus() {
    replay("index_load");
}

/// Every target has a test above (a target added to `checks::TARGETS` needs one).
#[test]
fn every_target_replayed() {
    let names: Vec<&str> = checks::TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["text", "jsonl", "cluster", "index_load"]);
}
