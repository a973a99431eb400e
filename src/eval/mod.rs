//! Measuring neardup (behind the `eval` feature): the Reuters-21578 reader that tests,
//! benches and examples share, exact all-pairs ground truth and the scores that compare a
//! clustering with it.
//!
//! Not part of the default API: enable it with `features = ["eval"]`. This crate's own tests,
//! benches and examples get it through a dev-dependency on the crate itself.

pub mod reuters;
pub mod scores;
pub mod truth;
