//! Find near-duplicate and rewritten texts fast, and group them into clusters.
//!
//! ```
//! use neardup::{Clusterer, Preset};
//!
//! let texts = [
//!     "North Korean leader Kim Jong Un plans to travel to Vladivostok to meet Vladimir Putin \
//!      and discuss supplying Moscow with artillery shells, the New York Times reported.",
//!     "Kim Jong-un is expected to meet Putin in Vladivostok, where the leaders would discuss \
//!      North Korean artillery shells for Moscow, according to the New York Times.",
//!     "Wheat futures rose in Chicago on Tuesday as dry weather in Kansas threatened the crop.",
//! ];
//! let clusters = Clusterer::new(Preset::Rewrite).cluster(&texts);
//! assert_eq!(clusters.len(), 2);
//! let cluster = &clusters[0];
//! assert_eq!(cluster.members, [0, 1]);
//! println!("original: {}, evidence: {:?}", cluster.representative, cluster.edges);
//! ```
//!
//! # The API
//! The root holds what most users need: batch clustering ([`Clusterer`], [`Cluster`]), the
//! incremental [`Index`] (with [`Assignment`], [`QueryResult`], [`ClusterId`], [`Timestamp`]),
//! the configuration ([`Config`], [`ConfigBuilder`], [`Preset`], [`Method`]) and [`Error`].
//! The stages below are public modules for expert use, each with its own types
//! (`minhash::Signature`, `simhash::Fingerprint`, `verify::Edge`, `config::Verification`, …).
//!
//! # The pipeline
//! Data flows one way, one module per stage (see `ARCHITECTURE.md`):
//! [`text`] (normalize, tokenize) → [`shingle`] (hashed shingle sets) → [`minhash`] /
//! [`simhash`] / [`profile`] (signatures, fingerprints, weighted profiles) → [`lsh`]
//! (candidate pairs) → [`verify`] (edges above the threshold) → [`cluster`] (clusters with a
//! representative and their evidence).
//!
//! # Quick advice
//! - Copies and light edits (dedup of a corpus, syndicated copies): [`Preset::NearDuplicate`],
//!   word 5-gram Jaccard ≥ 0.8 with exact verification.
//! - A story and its rewrites by other outlets: [`Preset::Rewrite`].
//! - Reports of one event written independently by different outlets: [`Preset::Story`].
//! - The knobs that matter: the threshold, and for MinHash `num_perm` (accuracy vs speed).
//!   [`Config::explain`] shows what was derived (LSH bands and rows, hashes left unused).
//! - Results depend only on the input, the configuration and the seed, never on the number
//!   of threads.
//!
//! # Features
//! - `cli` (default): the `neardup` command-line tool (`docs/cli.md`).
//! - `eval`: the `eval` module: the Reuters-21578 reader, exact all-pairs ground truth and the
//!   scores that measure a clustering against it (`docs/accuracy.md`).
#![deny(missing_docs)]

pub mod cluster;
pub mod compare;
pub mod config;
pub mod error;
#[cfg(feature = "eval")]
pub mod eval;
pub mod index;
pub mod lang;
pub mod lsh;
pub mod minhash;
pub mod parts;
pub mod profile;
pub mod shingle;
pub mod simhash;
pub mod story;
pub mod text;
pub mod verify;
pub mod wminhash;

pub use cluster::{Cluster, Clusterer};
pub use config::{Config, ConfigBuilder, Method, Preset};
pub use error::Error;
pub use index::{Assignment, ClusterId, Index, QueryResult, Timestamp};

/// The README's examples are tests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
