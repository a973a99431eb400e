//! The texts a call takes: any iterable of `str` (a list, a tuple, a NumPy string array, a
//! pandas Series, a generator), borrowed as `&str` without copying.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// The `str` objects of `texts`, in order. Holding them keeps their UTF-8 buffers alive while
/// the GIL is released, even if the caller's list is changed meanwhile by another thread.
pub fn collect<'py>(texts: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyString>>> {
    if texts.is_instance_of::<PyString>() || texts.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "texts must be an iterable of str (a list, a tuple, a NumPy string array), not a \
             single string: wrap it in a list",
        ));
    }
    let iter = texts.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "texts must be an iterable of str, not {}",
            type_name(texts)
        ))
    })?;
    let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
    for (i, item) in iter.enumerate() {
        let item = item?;
        match item.cast::<PyString>() {
            Ok(s) => out.push(s.clone()),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "texts[{i}] is {}, not str",
                    type_name(&item)
                )))
            }
        }
    }
    Ok(out)
}

/// The UTF-8 view of each string; a string with lone surrogates is a `UnicodeEncodeError`.
pub fn borrow<'a>(strings: &'a [Bound<'_, PyString>]) -> PyResult<Vec<&'a str>> {
    strings.iter().map(|s| s.to_str()).collect()
}

/// The name of an object's type, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".to_string())
}
