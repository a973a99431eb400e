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
//! let story = &clusters[0];
//! assert_eq!(story.members, [0, 1]);
//! println!("original: {}, evidence: {:?}", story.representative, story.edges);
//! ```
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
//! - The knobs that matter: the threshold, and for MinHash `num_perm` (accuracy vs speed).
//!   [`Config::explain`] shows what was derived (LSH bands and rows, hashes left unused).
//! - Results depend only on the input, the configuration and the seed, never on the number
//!   of threads.
#![deny(missing_docs)]

pub mod cluster;
pub mod config;
pub mod corpus;
pub mod error;
pub mod index;
pub mod lsh;
pub mod minhash;
pub mod profile;
pub mod shingle;
pub mod simhash;
pub mod text;
pub mod truth;
pub mod verify;

pub use cluster::{Cluster, Clusterer};
pub use config::{Config, ConfigBuilder, Method, Preset, Verification};
pub use error::Error;
pub use index::{Assignment, ClusterId, Index, QueryResult, Timestamp};
pub use minhash::{MinHashParams, MinHasher, Signature};
pub use shingle::ShingleConfig;
pub use simhash::Fingerprint;
pub use verify::Edge;

/// The README's examples are tests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
