//! The CLI's input modules, compiled from the binary's own sources (they are not part of the
//! library): `input` reaches its siblings as `super::error`, `super::progress` and
//! `super::time`.

#[path = "../../src/cli/error.rs"]
pub mod error;
#[path = "../../src/cli/input.rs"]
pub mod input;
#[path = "../../src/cli/progress.rs"]
pub mod progress;
#[path = "../../src/cli/time.rs"]
pub mod time;
