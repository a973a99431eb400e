//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong in neardup.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or inconsistent; the message says which.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Two signatures were made with different parameters and cannot be compared.
    #[error("incompatible signatures: {what} differs ({left} vs {right})")]
    Incompatible {
        /// Which parameter differs (`num_perm`, `seed`, `shingles`).
        what: &'static str,
        /// The left signature's value.
        left: String,
        /// The right signature's value.
        right: String,
    },
    /// An argument does not fit the data it refers to (a document index out of range, too many
    /// documents for one batch); the message says which.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Input is missing or malformed; the message names the file and line.
    #[error("{0}")]
    Input(String),
    /// Reading or writing failed; `context` says what was being read or written, `source` is
    /// the operating system's error.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written (a file name, or "reading index").
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A document id was inserted twice into an [`crate::Index`].
    #[error("duplicate document id {0:?}")]
    DuplicateId(String),
    /// A saved index is truncated, corrupted or not an index at all; the message says which.
    #[error("cannot load index: {0}")]
    Format(String),
    /// An [`crate::Index`] has used up its insertion numbers, cluster ids or slots (only a
    /// crafted saved index gets there); nothing was inserted.
    #[error("index full: {0}")]
    Capacity(String),
    /// A saved index was written by an incompatible version of the format.
    #[error(
        "cannot load index: format version {found}, this build reads version {expected}; \
         rebuild the index from its articles"
    )]
    Version {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
}
