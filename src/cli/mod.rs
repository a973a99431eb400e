//! The `neardup` command-line tool, one module per concern.

pub mod args;
pub mod cluster;
pub mod compare;
pub mod error;
pub mod input;
pub mod progress;
pub mod stream;
pub mod time;
