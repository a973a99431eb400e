//! The errors of the command-line tool and the exit code each one maps to.

use std::io;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code for bad input: malformed or missing data, unreadable files.
pub const EXIT_BAD_INPUT: u8 = 1;
/// Exit code for bad usage: unknown options, invalid option values.
pub const EXIT_USAGE: u8 = 2;

/// Everything that can make a command fail.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line is wrong (an option value out of range, an unknown input kind).
    #[error("{0}")]
    Usage(String),
    /// A file could not be opened or read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file, as named on the command line (`<stdin>` for standard input).
        file: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// A whole file is bad (for example a `.txt` file that is not UTF-8).
    #[error("{file}: {message}")]
    File {
        /// The file, as named on the command line.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// One line of a JSON Lines input is bad.
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file, as named on the command line (`<stdin>` for standard input).
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line (naming the id when it is known).
        message: String,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Write(io::Error),
    /// The library refused the input.
    #[error("{0}")]
    Library(neardup::Error),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            _ => EXIT_BAD_INPUT,
        }
    }

    /// Whether this is a write to a closed pipe (`neardup … | head`), which ends quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<neardup::Error> for CliError {
    fn from(e: neardup::Error) -> Self {
        match e {
            // Configurations come from options: a usage error.
            neardup::Error::InvalidConfig(_) => CliError::Usage(e.to_string()),
            e => CliError::Library(e),
        }
    }
}
