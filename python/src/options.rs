//! Keyword options → a neardup [`Config`], with the CLI's meaning for each (`docs/cli.md`):
//! a SimHash threshold becomes a Hamming distance, shingles do not apply to the weighted method.

use neardup::shingle::{ShingleConfig, ShingleKind, MAX_SHINGLE_SIZE};
use neardup::{Config, Method, Preset};
use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;

use crate::errors::to_py;

/// Largest SimHash distance the library accepts.
const MAX_SIMHASH_DISTANCE: u32 = 30;

/// The engine options every entry point takes (`preset` and the keyword-only rest).
#[derive(Default)]
pub struct EngineOptions<'py> {
    /// A name `neardup::Preset` parses (`near-duplicate`, `rewrite`, ...).
    pub preset: Option<String>,
    /// Minimum similarity to join, in (0, 1].
    pub threshold: Option<f64>,
    /// MinHash permutations.
    pub num_perm: Option<Bound<'py, PyAny>>,
    /// Seed of every hash function.
    pub seed: Option<Bound<'py, PyAny>>,
    /// `minhash`, `simhash` or `weighted`.
    pub method: Option<String>,
    /// `words:N` or `chars:N`.
    pub shingle: Option<String>,
    /// Drop English stop words before forming word shingles.
    pub drop_stop_words: Option<bool>,
}

impl EngineOptions<'_> {
    /// The configuration these options describe; `ValueError` if one is out of range.
    pub fn config(&self) -> PyResult<Config> {
        let preset = parse_preset(self.preset.as_deref().unwrap_or("near-duplicate"))?;
        let method = match &self.method {
            Some(m) => m.parse::<Method>().map_err(to_py)?,
            None => Config::preset(preset).method(),
        };
        let mut builder = Config::builder(preset).method(method);
        if let Some(t) = self.threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(PyValueError::new_err(format!(
                    "threshold must be in (0, 1], got {t}"
                )));
            }
            builder = if method == Method::SimHash {
                builder.simhash_distance(simhash_distance(t)?)
            } else {
                builder.threshold(t)
            };
        }
        if let Some(k) = &self.num_perm {
            builder = builder.num_perm(usize_option(k, "num_perm")?);
        }
        if let Some(s) = &self.seed {
            builder = builder.seed(int_option(s, "seed")?);
        }
        if self.shingle.is_some() || self.drop_stop_words.is_some() {
            if method == Method::Weighted {
                return Err(PyValueError::new_err(
                    "shingle and drop_stop_words do not apply to the weighted method (the \
                     rewrite preset's), which weighs single content words: use \
                     method=\"minhash\" or \"simhash\"",
                ));
            }
            let base = Config::preset(preset).shingles();
            builder = builder.shingles(shingles(
                base,
                self.shingle.as_deref(),
                self.drop_stop_words,
            )?);
        }
        builder.build().map_err(to_py)
    }
}

/// A preset by name; `ValueError` naming the choices otherwise.
pub fn parse_preset(name: &str) -> PyResult<Preset> {
    name.parse::<Preset>().map_err(to_py)
}

/// The shingles `shingle` and `drop_stop_words` describe, starting from `base`.
pub fn shingles(
    base: ShingleConfig,
    shingle: Option<&str>,
    drop_stop_words: Option<bool>,
) -> PyResult<ShingleConfig> {
    let mut shingles = match shingle {
        Some(spec) => parse_shingle(spec)?,
        None => base,
    };
    if let Some(drop) = drop_stop_words {
        if shingles.kind != ShingleKind::Words && drop {
            return Err(PyValueError::new_err(
                "drop_stop_words applies to word shingles only, not chars:N",
            ));
        }
        shingles = shingles.drop_stop_words(drop);
    }
    Ok(shingles)
}

/// `words:N` or `chars:N`, N from 1 to 32.
fn parse_shingle(s: &str) -> PyResult<ShingleConfig> {
    let bad = |why: String| PyValueError::new_err(format!("shingle {s:?}: {why}"));
    let (kind, size) = s
        .split_once(':')
        .ok_or_else(|| bad("expected words:N or chars:N".into()))?;
    let size: usize = size
        .parse()
        .map_err(|_| bad("the size is not a whole number".into()))?;
    if size == 0 || size > MAX_SHINGLE_SIZE {
        return Err(bad(format!("the size must be 1 to {MAX_SHINGLE_SIZE}")));
    }
    match kind {
        "words" => Ok(ShingleConfig::words(size)),
        "chars" => Ok(ShingleConfig::chars(size)),
        _ => Err(bad(format!(
            "unknown kind {kind:?}: expected words or chars"
        ))),
    }
}

/// The largest Hamming distance `d` with `1 − d/64 ≥ threshold`.
fn simhash_distance(threshold: f64) -> PyResult<u32> {
    let d = ((1.0 - threshold) * 64.0 + 1e-9).floor() as u32;
    if d > MAX_SIMHASH_DISTANCE {
        return Err(PyValueError::new_err(format!(
            "threshold {threshold} maps to SimHash distance {d}, more than the maximum of \
             {MAX_SIMHASH_DISTANCE}: use a threshold of at least {}",
            1.0 - f64::from(MAX_SIMHASH_DISTANCE) / 64.0
        )));
    }
    Ok(d)
}

/// A non-negative integer option: a negative or too large one is a `ValueError` (not the
/// `OverflowError` of a plain conversion); a non-integer a `TypeError`.
pub fn int_option(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    value.extract::<u64>().map_err(|e| {
        if e.is_instance_of::<PyOverflowError>(value.py()) {
            PyValueError::new_err(format!(
                "{name} must be a non-negative integer below 2**64, got {value}"
            ))
        } else {
            e
        }
    })
}

/// [`int_option`] as a `usize`.
pub fn usize_option(value: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    usize::try_from(int_option(value, name)?)
        .map_err(|_| PyValueError::new_err(format!("{name} is too large: {value}")))
}

/// `near-duplicate` for `Preset::NearDuplicate`: the name the preset parses from, for reprs.
pub fn preset_name(preset: Preset) -> String {
    let mut name = String::new();
    for (i, c) in format!("{preset:?}").chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            name.push('-');
        }
        name.extend(c.to_lowercase());
    }
    name
}

/// `minhash`, `simhash` or `weighted`: the name the method parses from.
pub fn method_name(method: Method) -> String {
    format!("{method:?}").to_lowercase()
}
