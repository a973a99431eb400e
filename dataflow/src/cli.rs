//! The `neardup` tool's time fields, compiled from its own sources (its modules are private
//! to its binary), so a record's `time` and `--window` read exactly as `neardup cluster`
//! reads them.

#[allow(dead_code)] // only `CliError`'s message is used here
#[path = "../../src/cli/error.rs"]
pub mod error;
#[path = "../../src/cli/time.rs"]
pub mod time;
