//! `neardup.MinHasher` and `neardup.jaccard`: bare MinHash signatures as NumPy arrays, for
//! users who bring their own index (Spark, Ray, a database).

use neardup::minhash::{MinHashParams, MinHasher};
use neardup::Config;
use numpy::ndarray::ArrayView1;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::errors::to_py;
use crate::options::{int_option, shingles, usize_option};
use crate::texts;

/// Makes MinHash signatures: ``MinHasher(num_perm=128, seed=42, *, shingle="words:5",
/// drop_stop_words=False)``.
///
/// The shingles are the near-duplicate preset's unless ``shingle`` (``"words:N"`` or
/// ``"chars:N"``) says otherwise. Signatures of the same text with the same parameters are
/// equal on every machine and for any number of threads. Bad values raise ``ValueError``.
#[pyclass(name = "MinHasher", module = "neardup", frozen)]
pub struct PyMinHasher {
    inner: MinHasher,
}

#[pymethods]
impl PyMinHasher {
    #[new]
    #[pyo3(signature = (num_perm = None, seed = None, *, shingle = None, drop_stop_words = None))]
    fn new(
        num_perm: Option<Bound<'_, PyAny>>,
        seed: Option<Bound<'_, PyAny>>,
        shingle: Option<String>,
        drop_stop_words: Option<bool>,
    ) -> PyResult<Self> {
        let defaults = Config::default();
        let params = MinHashParams {
            num_perm: match &num_perm {
                Some(k) => usize_option(k, "num_perm")?,
                None => defaults.num_perm(),
            },
            seed: match &seed {
                Some(s) => int_option(s, "seed")?,
                None => defaults.seed(),
            },
            shingles: shingles(defaults.shingles(), shingle.as_deref(), drop_stop_words)?,
        };
        Ok(PyMinHasher {
            inner: MinHasher::new(params).map_err(to_py)?,
        })
    }

    /// The signatures of ``texts`` (any iterable of ``str``) as a ``numpy.ndarray`` of
    /// ``uint32``, one row of ``num_perm`` values per text. A text with no shingle (empty)
    /// has every value at 2**32 - 1. Releases the GIL and runs on all cores.
    fn sign<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<u32>>> {
        let strings = texts::collect(texts)?;
        let strs = texts::borrow(&strings)?;
        let k = self.inner.params().num_perm;
        let n = strs.len();
        let len = n
            .checked_mul(k)
            .ok_or_else(|| PyValueError::new_err("too many texts for one array"))?;
        let flat = py.detach(|| {
            let mut flat = vec![0u32; len];
            flat.par_chunks_mut(k).zip(strs.par_iter()).for_each_init(
                || (self.inner.shingler(), Vec::new()),
                |(shingler, set), (row, text)| {
                    shingler.shingle_into(text, set);
                    row.copy_from_slice(self.inner.sign_shingles(set).values());
                },
            );
            flat
        });
        PyArray1::from_vec(py, flat).reshape([n, k])
    }

    /// Permutations per signature.
    #[getter]
    fn num_perm(&self) -> usize {
        self.inner.params().num_perm
    }

    /// Seed of the hash functions.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.params().seed
    }

    fn __repr__(&self) -> String {
        format!(
            "MinHasher(num_perm={}, seed={})",
            self.num_perm(),
            self.seed()
        )
    }
}

/// The Jaccard similarity estimated from two signatures of ``MinHasher.sign``: the fraction
/// of positions where they agree. Two 1-D arrays give a ``float``; two 2-D arrays of the same
/// shape give a ``numpy.ndarray`` of ``float64``, one estimate per row. A signature of an
/// empty text is similar to nothing (0.0). Arrays must be ``uint32`` (``TypeError``
/// otherwise) and of the same shape (``ValueError``).
#[pyfunction]
pub fn jaccard<'py>(
    py: Python<'py>,
    sig_a: PyReadonlyArrayDyn<'py, u32>,
    sig_b: PyReadonlyArrayDyn<'py, u32>,
) -> PyResult<Bound<'py, PyAny>> {
    if sig_a.shape() != sig_b.shape() {
        return Err(PyValueError::new_err(format!(
            "signatures of different shapes: {:?} and {:?}",
            sig_a.shape(),
            sig_b.shape()
        )));
    }
    let (a, b) = (sig_a.as_array(), sig_b.as_array());
    match a.ndim() {
        1 => {
            let (a, b) = (a.into_dimensionality().ok(), b.into_dimensionality().ok());
            match (a, b) {
                (Some(a), Some(b)) => Ok(estimate(a, b).into_pyobject(py)?.into_any()),
                _ => Err(PyValueError::new_err("expected 1-D signatures")),
            }
        }
        2 => {
            let rows: Vec<f64> = a
                .outer_iter()
                .zip(b.outer_iter())
                .map(
                    |(x, y)| match (x.into_dimensionality(), y.into_dimensionality()) {
                        (Ok(x), Ok(y)) => estimate(x, y),
                        _ => 0.0,
                    },
                )
                .collect();
            Ok(PyArray1::from_vec(py, rows).into_any())
        }
        d => Err(PyValueError::new_err(format!(
            "signatures must be 1-D (one) or 2-D (one per row), got {d}-D"
        ))),
    }
}

/// The fraction of equal positions; 0.0 if either side signs an empty set (all values
/// `u32::MAX`), as the engine's estimate.
fn estimate(a: ArrayView1<'_, u32>, b: ArrayView1<'_, u32>) -> f64 {
    let empty = |s: &ArrayView1<'_, u32>| s.iter().all(|&v| v == u32::MAX);
    if empty(&a) || empty(&b) {
        return 0.0;
    }
    let equal = a.iter().zip(b.iter()).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}
