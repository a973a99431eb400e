//! neardup's errors as Python exceptions.
//!
//! - a bad option or argument ([`Error::InvalidConfig`], [`Error::InvalidInput`], a duplicate
//!   id, incompatible signatures): `ValueError`;
//! - a file that cannot be read or written ([`Error::Io`]): `OSError`, with `errno` and
//!   `filename`, so Python picks the subclass (`FileNotFoundError`, `PermissionError`, ...);
//! - a saved index that is truncated, corrupted, not an index or of another format version:
//!   [`IndexFormatError`], a `ValueError`.

use std::io;

use neardup::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::PyErr;

create_exception!(
    neardup,
    IndexFormatError,
    PyValueError,
    "A saved index is truncated, corrupted, not an index at all, or was written by another \
     format version. A subclass of ValueError."
);

/// The Python exception for a neardup error.
pub fn to_py(e: Error) -> PyErr {
    match e {
        Error::Io { context, source } => os_error(&source, &context),
        Error::Format(_) | Error::Version { .. } => IndexFormatError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// An `OSError(errno, strerror, filename)`: Python turns it into the matching subclass.
pub fn os_error(e: &io::Error, filename: &str) -> PyErr {
    match e.raw_os_error() {
        Some(errno) => {
            let message = e.to_string();
            let suffix = format!(" (os error {errno})");
            let strerror = message
                .strip_suffix(&suffix)
                .unwrap_or(&message)
                .to_string();
            PyOSError::new_err((errno, strerror, filename.to_string()))
        }
        None => PyOSError::new_err(format!("{filename}: {e}")),
    }
}
