//! The Python package `neardup`: the neardup engine behind a Pythonic API.
//!
//! This crate is the extension module `neardup._neardup`; `python/neardup/__init__.py`
//! re-exports it, and `python/neardup/__init__.pyi` types it. Every heavy call copies nothing
//! it does not have to, releases the GIL (`Python::detach`) and runs on rayon's thread pool.
//! No call panics on user input: errors become `ValueError`, `TypeError`, `OSError` or
//! `neardup.IndexFormatError` (see `errors`).

mod cluster;
mod compare;
mod errors;
mod index;
mod minhash;
mod options;
mod texts;

use pyo3::prelude::*;

/// The extension module; `neardup/__init__.py` re-exports every name.
#[pymodule]
fn _neardup(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "IndexFormatError",
        m.py().get_type::<errors::IndexFormatError>(),
    )?;
    m.add_function(wrap_pyfunction!(cluster::cluster, m)?)?;
    m.add_class::<cluster::PyClusterer>()?;
    m.add_class::<cluster::PyCluster>()?;
    m.add_class::<index::PyIndex>()?;
    m.add_class::<index::PyAssignment>()?;
    m.add_class::<index::PyQueryResult>()?;
    m.add_function(wrap_pyfunction!(compare::compare, m)?)?;
    m.add_class::<minhash::PyMinHasher>()?;
    m.add_function(wrap_pyfunction!(minhash::jaccard, m)?)?;
    Ok(())
}
