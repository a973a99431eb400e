//! `neardup.compare`: every measure of two texts, as `neardup compare --json` prints it.

use neardup::compare::{CompareOptions, Verdict};
use neardup::shingle::{ShingleConfig, ShingleKind};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;
use crate::options::{int_option, shingles, usize_option};

/// Every measure of how similar ``a`` and ``b`` are, as a ``dict`` with the keys of
/// ``neardup compare --text --json``: the documents' names (``"A"`` and ``"B"``), the
/// shingles used, shingle counts, estimated and exact Jaccard, both containments, the SimHash
/// Hamming distance, and under ``"presets"`` what each preset makes of the pair
/// (``similarity``, ``threshold``, ``joined``). The options are those of ``MinHasher``; bad
/// values raise ``ValueError``.
#[pyfunction]
#[pyo3(signature = (a, b, *, num_perm = None, seed = None, shingle = None, drop_stop_words = None))]
pub fn compare<'py>(
    py: Python<'py>,
    a: &str,
    b: &str,
    num_perm: Option<Bound<'py, PyAny>>,
    seed: Option<Bound<'py, PyAny>>,
    shingle: Option<String>,
    drop_stop_words: Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let defaults = CompareOptions::default();
    let options = CompareOptions {
        num_perm: match &num_perm {
            Some(k) => usize_option(k, "num_perm")?,
            None => defaults.num_perm,
        },
        seed: match &seed {
            Some(s) => int_option(s, "seed")?,
            None => defaults.seed,
        },
        shingles: shingles(defaults.shingles, shingle.as_deref(), drop_stop_words)?,
    };
    let c = py
        .detach(|| neardup::compare::compare(a, b, &options))
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("a", "A")?;
    d.set_item("b", "B")?;
    d.set_item("shingles", shingle_spec(options.shingles))?;
    d.set_item("drop_stop_words", c.drop_stop_words)?;
    d.set_item("num_perm", c.num_perm)?;
    d.set_item("seed", c.seed)?;
    d.set_item("shingles_a", c.shingles_a)?;
    d.set_item("shingles_b", c.shingles_b)?;
    d.set_item("shingles_shared", c.shingles_shared)?;
    d.set_item("jaccard_estimated", c.jaccard_estimated)?;
    d.set_item("jaccard_exact", c.jaccard_exact)?;
    d.set_item("containment_a_in_b", c.containment_a_in_b)?;
    d.set_item("containment_b_in_a", c.containment_b_in_a)?;
    d.set_item("simhash_hamming", c.simhash_hamming)?;
    let presets = PyDict::new(py);
    presets.set_item("near-duplicate", verdict(py, &c.presets.near_duplicate)?)?;
    presets.set_item("rewrite", verdict(py, &c.presets.rewrite)?)?;
    d.set_item("presets", presets)?;
    Ok(d)
}

/// One preset's verdict as a dict.
fn verdict<'py>(py: Python<'py>, v: &Verdict) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("similarity", v.similarity)?;
    d.set_item("threshold", v.threshold)?;
    d.set_item("joined", v.joined)?;
    Ok(d)
}

/// `words:N` or `chars:N`, as the CLI's `--shingle` takes it.
fn shingle_spec(s: ShingleConfig) -> String {
    let kind = match s.kind {
        ShingleKind::Words => "words",
        ShingleKind::Chars => "chars",
    };
    format!("{kind}:{}", s.size)
}
