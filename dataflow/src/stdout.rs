//! Keeping standard output for the JSON Lines: timely prints its connection progress
//! ("awaiting connections", "error connecting … retrying") with `println!`, so while the
//! workers run, file descriptor 1 points at standard error and the output is written to a
//! copy of the original standard output.

use std::fs::File;
use std::io::{self, Write};

/// Where the output goes.
pub struct Output {
    file: File,
}

impl Output {
    /// Takes standard output for the output and points descriptor 1 at standard error.
    #[cfg(unix)]
    pub fn claim() -> io::Result<Output> {
        use std::os::fd::AsFd;
        io::stdout().flush()?;
        let file = File::from(io::stdout().as_fd().try_clone_to_owned()?);
        // SAFETY: `dup2` only makes descriptor 1 refer to what descriptor 2 refers to; both are
        // open for the whole process, and nothing in this program owns descriptor 1 as a Rust
        // object that could be invalidated (`Stdout` writes to it by number, and was flushed).
        if unsafe { libc::dup2(2, 1) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Output { file })
    }

    /// Standard output itself (timely's messages may mix in when there are several processes).
    #[cfg(not(unix))]
    pub fn claim() -> io::Result<Output> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "neardup-dataflow runs on Unix only",
        ))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
