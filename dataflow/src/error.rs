//! Why a run failed, and the exit code each failure maps to.

/// Everything that can make `neardup-dataflow` fail.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The command line is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// An input is bad: the message names the file, and the line and id where known (exit 1).
    #[error("{0}")]
    Input(String),
    /// Timely could not start, a worker panicked or a connection was lost (exit 3).
    #[error("{0}")]
    Workers(String),
    /// Writing the output failed (exit 1).
    #[error("cannot write output: {0}")]
    Write(String),
}

impl RunError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Usage(_) => 2,
            RunError::Input(_) | RunError::Write(_) => 1,
            RunError::Workers(_) => 3,
        }
    }
}
