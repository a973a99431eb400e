//! `neardup.cluster`, `neardup.Clusterer` and `neardup.Cluster`: batch clustering.

use neardup::Clusterer;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::options::{method_name, preset_name, EngineOptions};
use crate::texts;

/// One label per text: the smallest index of the text's cluster, so texts ``i`` and ``j``
/// are in one cluster exactly when ``labels[i] == labels[j]``.
///
/// ``texts`` is any iterable of ``str`` (a list, a tuple, a NumPy string array). ``preset``
/// is ``"near-duplicate"`` (copies and light edits: word 5-gram Jaccard >= 0.8) or
/// ``"rewrite"`` (a story and its rewrites); the keyword options override single values of
/// the preset as the CLI's flags do (see ``Clusterer``). The GIL is released while the
/// texts are clustered, on all cores. Same texts and options, same labels, for any number of
/// threads. Raises ``ValueError`` for a bad option and ``TypeError`` for a text that is not a
/// ``str``. With ``times`` (one publication time per text, in seconds) and ``window``
/// (seconds), texts published farther apart are never linked directly, as
/// ``Clusterer.cluster`` does; with ``times`` alone, the preset's default window (the story
/// preset's 30 days; the other presets have none and need ``window``).
#[pyfunction]
#[pyo3(signature = (texts, preset = "near-duplicate", *, threshold = None, num_perm = None,
    seed = None, method = None, shingle = None, drop_stop_words = None, times = None,
    window = None))]
#[allow(clippy::too_many_arguments)] // Python keyword options, one per knob
pub fn cluster<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    preset: &str,
    threshold: Option<f64>,
    num_perm: Option<Bound<'py, PyAny>>,
    seed: Option<Bound<'py, PyAny>>,
    method: Option<String>,
    shingle: Option<String>,
    drop_stop_words: Option<bool>,
    times: Option<Vec<i64>>,
    window: Option<i64>,
) -> PyResult<Vec<usize>> {
    let clusterer = Clusterer::with_config(
        EngineOptions {
            preset: Some(preset.to_string()),
            threshold,
            num_perm,
            seed,
            method,
            shingle,
            drop_stop_words,
        }
        .config()?,
    )
    .map_err(to_py)?;
    let strings = texts::collect(texts)?;
    let strs = texts::borrow(&strings)?;
    let default = times
        .as_ref()
        .and_then(|t| clusterer.config().default_window_for(t));
    let times = both(times, window, default, clusterer.config().default_window())?;
    py.detach(|| {
        let clusters = match &times {
            Some((times, window)) => clusterer.cluster_within(&strs, times, *window)?,
            None => clusterer.try_cluster(&strs)?,
        };
        let mut labels = vec![0; strs.len()];
        for c in &clusters {
            for &m in &c.members {
                labels[m] = c.id;
            }
        }
        Ok(labels)
    })
    .map_err(to_py)
}

/// `times` with `window` or the preset's `default` window for them (a time window), or
/// neither; `preset_default` tells a preset without one from times that look like
/// milliseconds.
fn both(
    times: Option<Vec<i64>>,
    window: Option<i64>,
    default: Option<i64>,
    preset_default: Option<i64>,
) -> PyResult<Option<(Vec<i64>, i64)>> {
    let error = |m: &str| Err(pyo3::exceptions::PyValueError::new_err(m.to_string()));
    match (times, window, default) {
        (None, None, _) => Ok(None),
        (None, Some(_), _) => error("window needs times (one publication time per text)"),
        (Some(times), Some(window), _) | (Some(times), None, Some(window)) => {
            Ok(Some((times, window)))
        }
        (Some(_), None, None) if preset_default.is_some() => error(
            "times must be Unix seconds for the default window (a time of 10^11 or more looks \
             like milliseconds); give seconds or a window",
        ),
        (Some(_), None, None) => error("times need a window: this preset has no default window"),
    }
}

/// Groups texts into clusters of copies or rewrites; reusable and safe to share between
/// threads.
///
/// ``Clusterer(preset="near-duplicate", *, threshold=None, num_perm=None, seed=None,
/// method=None, shingle=None, drop_stop_words=None)``:
///
/// - ``preset``: ``"near-duplicate"`` or ``"rewrite"`` (any name the engine knows).
/// - ``threshold``: minimum similarity to join, in (0, 1]. With ``method="simhash"`` it
///   becomes the largest Hamming distance d with 1 - d/64 >= threshold.
/// - ``num_perm``: MinHash permutations (default 128); ``seed``: seed of every hash (42).
/// - ``method``: ``"minhash"``, ``"simhash"`` or ``"weighted"`` (the rewrite preset's).
/// - ``shingle``: ``"words:N"`` or ``"chars:N"`` (N from 1 to 32), for minhash and simhash.
/// - ``drop_stop_words``: drop English stop words before forming word shingles.
///
/// A bad value raises ``ValueError``; an unknown keyword ``TypeError``.
#[pyclass(name = "Clusterer", module = "neardup", frozen)]
pub struct PyClusterer {
    inner: Clusterer,
}

#[pymethods]
impl PyClusterer {
    #[new]
    #[pyo3(signature = (preset = "near-duplicate", *, threshold = None, num_perm = None,
        seed = None, method = None, shingle = None, drop_stop_words = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword options, one per knob
    fn new<'py>(
        preset: &str,
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
        Ok(PyClusterer {
            inner: Clusterer::with_config(config).map_err(to_py)?,
        })
    }

    /// Clusters ``texts`` (any iterable of ``str``): every text is in exactly one
    /// ``Cluster``; clusters are sorted by id (their smallest member index). Empty texts are
    /// similar to nothing. Releases the GIL and runs on all cores.
    ///
    /// With ``times`` (one publication time per text, in seconds, e.g. Unix time) and
    /// ``window`` (seconds), two texts published more than ``window`` apart are never linked
    /// directly (a story may still span longer through texts published between them). With
    /// ``times`` alone, the preset's default window (the story preset's 30 days; the others
    /// have none and raise ``ValueError``); ``window`` alone raises ``ValueError``, as do a
    /// wrong count and a negative window. With a window the story preset keeps its
    /// specificity bound's formula instead of measuring it (``neardup`` crate: ``story``).
    #[pyo3(signature = (texts, *, times = None, window = None))]
    fn cluster(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        times: Option<Vec<i64>>,
        window: Option<i64>,
    ) -> PyResult<Vec<PyCluster>> {
        let strings = texts::collect(texts)?;
        let strs = texts::borrow(&strings)?;
        let default = times
            .as_ref()
            .and_then(|t| self.inner.config().default_window_for(t));
        let clusters = match both(times, window, default, self.inner.config().default_window())? {
            None => py.detach(|| self.inner.try_cluster(&strs)),
            Some((times, window)) => py.detach(|| self.inner.cluster_within(&strs, &times, window)),
        }
        .map_err(to_py)?;
        Ok(clusters.into_iter().map(PyCluster::from).collect())
    }

    /// The similarity of two texts as clustering would measure it (for the weighted method,
    /// word rarity is measured within this pair only).
    fn similarity(&self, py: Python<'_>, a: &str, b: &str) -> f64 {
        py.detach(|| self.inner.similarity(a, b))
    }

    /// The configuration in use and what was derived from it (LSH bands and rows, the SimHash
    /// distance), as one line of text.
    fn explain(&self) -> String {
        self.inner.config().explain()
    }

    /// The preset this clusterer started from, e.g. ``"near-duplicate"``.
    #[getter]
    fn preset(&self) -> String {
        preset_name(self.inner.config().preset_name())
    }

    /// ``"minhash"``, ``"simhash"`` or ``"weighted"``.
    #[getter]
    fn method(&self) -> String {
        method_name(self.inner.config().method())
    }

    /// The minimum similarity to join.
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.config().threshold()
    }

    /// MinHash permutations.
    #[getter]
    fn num_perm(&self) -> usize {
        self.inner.config().num_perm()
    }

    /// Seed of every hash function.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.config().seed()
    }

    fn __repr__(&self) -> String {
        format!(
            "Clusterer(preset={:?}, method={:?}, threshold={}, num_perm={}, seed={})",
            self.preset(),
            self.method(),
            self.threshold(),
            self.num_perm(),
            self.seed()
        )
    }
}

/// A group of texts that are copies or rewrites of each other.
///
/// - ``id``: the smallest member index (stable for the same input);
/// - ``members``: indices of the member texts, ascending;
/// - ``representative``: the index of the likely original;
/// - ``similarities``: each member's similarity to the representative, parallel to
///   ``members`` (1.0 for the representative itself);
/// - ``edges``: the evidence, verified pairs ``(a, b, similarity)`` within the cluster,
///   strongest first.
#[pyclass(name = "Cluster", module = "neardup", frozen, get_all, eq)]
#[derive(PartialEq)]
pub struct PyCluster {
    id: usize,
    members: Vec<usize>,
    representative: usize,
    similarities: Vec<f64>,
    edges: Vec<(usize, usize, f64)>,
}

impl From<neardup::Cluster> for PyCluster {
    fn from(c: neardup::Cluster) -> Self {
        PyCluster {
            id: c.id,
            representative: c.representative,
            similarities: c.similarities,
            edges: c.edges.iter().map(|e| (e.a, e.b, e.similarity)).collect(),
            members: c.members,
        }
    }
}

#[pymethods]
impl PyCluster {
    /// A cluster from its fields (what unpickling calls).
    #[new]
    fn new(
        id: usize,
        members: Vec<usize>,
        representative: usize,
        similarities: Vec<f64>,
        edges: Vec<(usize, usize, f64)>,
    ) -> Self {
        PyCluster {
            id,
            members,
            representative,
            similarities,
            edges,
        }
    }

    /// Pickling: the fields, in the constructor's order.
    #[allow(clippy::type_complexity)] // the constructor's argument tuple
    fn __getnewargs__(&self) -> (usize, Vec<usize>, usize, Vec<f64>, Vec<(usize, usize, f64)>) {
        (
            self.id,
            self.members.clone(),
            self.representative,
            self.similarities.clone(),
            self.edges.clone(),
        )
    }

    /// Number of members.
    fn __len__(&self) -> usize {
        self.members.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Cluster(id={}, members={:?}, representative={})",
            self.id, self.members, self.representative
        )
    }
}
