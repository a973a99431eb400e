//! The invariants the fuzz targets check, one module per target.
//!
//! Shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and the stable replay test
//! (`tests/fuzz_corpora.rs`), which both include this directory with `#[path]`: a corpus file
//! that breaks an invariant fails `cargo test` the same way it crashes the fuzzer. Each check
//! panics (through `assert!`) when an invariant fails and returns normally otherwise.

#[allow(dead_code)] // the binary's modules, of which the checks use a part
mod cli;
mod cluster;
mod index_load;
mod jsonl;
mod text;

pub use cluster::cluster;
pub use index_load::index_load;
pub use jsonl::jsonl;
pub use text::text;

/// A check: panics if the input breaks an invariant.
pub type Check = fn(&[u8]);

/// Every target: its name (the directory under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("text", text),
    ("jsonl", jsonl),
    ("cluster", cluster),
    ("index_load", index_load),
];
