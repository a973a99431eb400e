//! `neardup`: find near-duplicate and rewritten texts from the command line.
//!
//! See `neardup --help` and `docs/cli.md` for the subcommands, the output format and the
//! exit codes (0 ok, 1 bad input, 2 usage).

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};
use cli::error::EXIT_OK;

fn main() -> ExitCode {
    // Clap prints help and version (exit 0) and usage errors (exit 2) itself.
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Cluster(args) => cli::cluster::cluster(args),
        Command::Dedup(args) => cli::cluster::dedup(args),
        Command::Compare(args) => cli::compare::compare(args),
        Command::Stream(args) => cli::stream::stream(args),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) if e.is_broken_pipe() => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("neardup: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
