//! `neardup.Index`: the incremental index, with save/load and pickling as its versioned bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use neardup::{Index, Timestamp};
use pyo3::exceptions::{PyIsADirectoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};

use crate::errors::{os_error, to_py};
use crate::options::{method_name, preset_name, EngineOptions};

/// An index that assigns each arriving text to a cluster at once, with stable cluster ids.
///
/// ``Index(preset="near-duplicate", window=None, *, threshold=None, num_perm=None,
/// seed=None, method=None, shingle=None, drop_stop_words=None)``: the options are those of
/// ``Clusterer``. With ``window`` (seconds), articles more than ``window`` seconds older than
/// the newest one are evicted as newer ones arrive, so memory stays bounded on a stream.
///
/// Safe to share between threads: queries run in parallel, inserts one at a time; the GIL is
/// released during each call. Pickles as its saved bytes (format versioned and checksummed),
/// so it travels to Spark or Ray workers.
#[pyclass(name = "Index", module = "neardup", frozen)]
pub struct PyIndex {
    inner: Index,
}

#[pymethods]
impl PyIndex {
    #[new]
    #[pyo3(signature = (preset = "near-duplicate", window = None, *, threshold = None,
        num_perm = None, seed = None, method = None, shingle = None, drop_stop_words = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword options, one per knob
    fn new<'py>(
        preset: &str,
        window: Option<Timestamp>,
        threshold: Option<f64>,
        num_perm: Option<Bound<'py, PyAny>>,
        seed: Option<Bound<'py, PyAny>>,
        method: Option<String>,
        shingle: Option<String>,
        drop_stop_words: Option<bool>,
    ) -> PyResult<Self> {
        let config = EngineOptions {
            preset: Some(preset.to_string()),
            threshold,
            num_perm,
            seed,
            method,
            shingle,
            drop_stop_words,
        }
        .config()?;
        let mut inner = Index::with_config(config).map_err(to_py)?;
        if let Some(w) = window {
            if w < 0 {
                return Err(PyValueError::new_err(format!(
                    "window must be a non-negative number of seconds, got {w}"
                )));
            }
            inner = inner.with_window(w);
        }
        Ok(PyIndex { inner })
    }

    /// Adds text ``text`` under id ``id`` at ``time`` (seconds) and assigns it to a cluster.
    /// Inserting an id again with the same text changes nothing (``replayed`` is true); with
    /// another text it raises ``ValueError``.
    #[pyo3(signature = (id, text, time = 0))]
    fn insert(
        &self,
        py: Python<'_>,
        id: &str,
        text: &str,
        time: Timestamp,
    ) -> PyResult<PyAssignment> {
        let a = py
            .detach(|| self.inner.insert(id, text, time))
            .map_err(to_py)?;
        Ok(PyAssignment {
            cluster: a.cluster,
            neighbours: a.neighbours,
            is_new_cluster: a.is_new_cluster,
            merged: a.merged,
            replayed: a.replayed,
        })
    }

    /// The cluster ``text`` would join and its verified neighbours, without inserting it.
    fn query(&self, py: Python<'_>, text: &str) -> PyQueryResult {
        let q = py.detach(|| self.inner.query(text));
        PyQueryResult {
            cluster: q.cluster,
            neighbours: q.neighbours,
        }
    }

    /// Removes article ``id``; returns whether it was there. Its cluster keeps its id.
    fn remove(&self, py: Python<'_>, id: &str) -> bool {
        py.detach(|| self.inner.remove(id))
    }

    /// Removes every article older than ``time``; returns how many.
    fn evict_older_than(&self, py: Python<'_>, time: Timestamp) -> usize {
        py.detach(|| self.inner.evict_older_than(time))
    }

    /// The cluster of article ``id``, or None if it is not in the index.
    fn cluster_of(&self, id: &str) -> Option<u64> {
        self.inner.cluster_of(id)
    }

    /// The member ids of ``cluster`` in insertion order and its representative's id, or None
    /// if there is no such cluster.
    fn members(&self, cluster: u64) -> Option<(Vec<String>, String)> {
        self.inner.members(cluster)
    }

    /// Number of live clusters.
    fn num_clusters(&self) -> usize {
        self.inner.clusters()
    }

    /// An estimate of the memory the index holds, in bytes.
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// Where the memory goes, in bytes: ``documents``, ``features``, ``tables``, ``ids``,
    /// ``clusters`` and ``order`` (their sum is :meth:`memory_bytes`).
    fn memory_usage(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let m = self.inner.memory_usage();
        std::collections::BTreeMap::from([
            ("documents", m.documents),
            ("features", m.features),
            ("tables", m.tables),
            ("ids", m.ids),
            ("clusters", m.clusters),
            ("order", m.order),
        ])
    }

    /// The latest time of any article inserted so far, or None.
    #[getter]
    fn newest(&self) -> Option<Timestamp> {
        self.inner.newest()
    }

    /// The preset the index started from, e.g. ``"near-duplicate"``.
    #[getter]
    fn preset(&self) -> String {
        preset_name(self.inner.config().preset_name())
    }

    /// ``"minhash"``, ``"simhash"`` or ``"weighted"``.
    #[getter]
    fn method(&self) -> String {
        method_name(self.inner.config().method())
    }

    /// Whether article ``id`` is in the index: ``"a" in index``.
    fn __contains__(&self, id: &str) -> bool {
        self.inner.cluster_of(id).is_some()
    }

    /// Number of live articles.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Index(preset={:?}, method={:?}, len={}, clusters={})",
            self.preset(),
            self.method(),
            self.inner.len(),
            self.inner.clusters()
        )
    }

    /// Writes the index to ``path`` (a str or os.PathLike), replacing the file at once: it is
    /// written beside it under a temporary name, then renamed. Raises ``OSError``.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| save_to(&self.inner, &path))
    }

    /// Reads an index written by ``save``. Raises ``OSError`` if the file cannot be read and
    /// ``IndexFormatError`` (a ``ValueError``) if it is truncated, corrupted, not an index
    /// or of another format version.
    #[classmethod]
    fn load(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| {
            let shown = path.display().to_string();
            let file = File::open(&path).map_err(|e| os_error(&e, &shown))?;
            Index::load(BufReader::new(file)).map_err(|e| match e {
                neardup::Error::Io { source, .. } => os_error(&source, &shown),
                other => to_py(other),
            })
        })?;
        Ok(PyIndex { inner })
    }

    /// The index as bytes in the saved format (what ``save`` writes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| {
            let mut bytes = Vec::new();
            self.inner.save(&mut bytes).map(|()| bytes)
        });
        Ok(PyBytes::new(py, &bytes.map_err(to_py)?))
    }

    /// An index from ``to_bytes``' bytes; ``IndexFormatError`` if they are not a valid index.
    #[classmethod]
    fn from_bytes(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| Index::load(data)).map_err(to_py)?;
        Ok(PyIndex { inner })
    }

    /// Pickling: ``Index.from_bytes(index.to_bytes())``.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().to_bytes(slf.py())?,)))
    }
}

/// Writes `index` to a temporary file beside `path`, then renames it over `path`.
fn save_to(index: &Index, path: &Path) -> PyResult<()> {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .ok_or_else(|| PyIsADirectoryError::new_err(format!("not a file path: {shown:?}")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let written = (|| {
        let file = File::create(&tmp).map_err(|e| os_error(&e, &shown))?;
        let mut writer = BufWriter::new(file);
        index.save(&mut writer).map_err(|e| match e {
            neardup::Error::Io { source, .. } => os_error(&source, &shown),
            other => to_py(other),
        })?;
        writer
            .into_inner()
            .map_err(|e| os_error(e.error(), &shown))?
            .sync_all()
            .map_err(|e| os_error(&e, &shown))?;
        std::fs::rename(&tmp, path).map_err(|e| os_error(&e, &shown))
    })();
    if written.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Where an inserted article went.
///
/// - ``cluster``: the cluster it joined (or started);
/// - ``neighbours``: verified similar articles already in the index, most similar first, as
///   ``(id, similarity)``;
/// - ``is_new_cluster``: whether it started a new cluster;
/// - ``merged``: clusters absorbed into ``cluster`` because it bridged them;
/// - ``replayed``: whether it was already in the index with the same text (nothing changed).
#[pyclass(name = "Assignment", module = "neardup", frozen, get_all, eq)]
#[derive(PartialEq)]
pub struct PyAssignment {
    cluster: u64,
    neighbours: Vec<(String, f64)>,
    is_new_cluster: bool,
    merged: Vec<u64>,
    replayed: bool,
}

#[pymethods]
impl PyAssignment {
    /// An assignment from its fields (what unpickling calls).
    #[new]
    fn new(
        cluster: u64,
        neighbours: Vec<(String, f64)>,
        is_new_cluster: bool,
        merged: Vec<u64>,
        replayed: bool,
    ) -> Self {
        PyAssignment {
            cluster,
            neighbours,
            is_new_cluster,
            merged,
            replayed,
        }
    }

    /// Pickling: the fields, in the constructor's order.
    fn __getnewargs__(&self) -> (u64, Vec<(String, f64)>, bool, Vec<u64>, bool) {
        (
            self.cluster,
            self.neighbours.clone(),
            self.is_new_cluster,
            self.merged.clone(),
            self.replayed,
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Assignment(cluster={}, is_new_cluster={}, neighbours={}, merged={:?}, replayed={})",
            self.cluster,
            if self.is_new_cluster { "True" } else { "False" },
            self.neighbours.len(),
            self.merged,
            if self.replayed { "True" } else { "False" }
        )
    }
}

/// What a query found, without inserting anything.
///
/// - ``cluster``: the cluster the text would join, or None;
/// - ``neighbours``: verified similar articles in the index, most similar first, as
///   ``(id, similarity)``.
#[pyclass(name = "QueryResult", module = "neardup", frozen, get_all, eq)]
#[derive(PartialEq)]
pub struct PyQueryResult {
    cluster: Option<u64>,
    neighbours: Vec<(String, f64)>,
}

#[pymethods]
impl PyQueryResult {
    /// A query result from its fields (what unpickling calls).
    #[new]
    fn new(cluster: Option<u64>, neighbours: Vec<(String, f64)>) -> Self {
        PyQueryResult {
            cluster,
            neighbours,
        }
    }

    /// Pickling: the fields, in the constructor's order.
    fn __getnewargs__(&self) -> (Option<u64>, Vec<(String, f64)>) {
        (self.cluster, self.neighbours.clone())
    }

    fn __repr__(&self) -> String {
        let cluster = self
            .cluster
            .map_or_else(|| "None".to_string(), |c| c.to_string());
        format!(
            "QueryResult(cluster={cluster}, neighbours={})",
            self.neighbours.len()
        )
    }
}
