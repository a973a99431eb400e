//! Stage 4: signatures → candidate pairs, without comparing all pairs.
//!
//! **MinHash banding.** The `k` minima are cut into `b` bands of `r` rows; two documents become
//! candidates when all `r` rows of at least one band agree. For Jaccard similarity `s` that
//! happens with probability `P(s) = 1 − (1 − s^r)^b`, an S-curve whose steep part sits near
//! `(1/b)^(1/r)`. [`Banding::optimal`] picks `(b, r)` with `b·r ≤ k` minimizing
//!
//! ```text
//! w_fp · ∫₀ᵗ P(s) ds  +  w_fn · ∫ₜ¹ (1 − P(s)) ds
//! ```
//!
//! the weighted areas of false positives (below the threshold `t`) and false negatives (above
//! it), among the layouts that make a pair exactly at the threshold a candidate with probability
//! at least [`MIN_P_AT_THRESHOLD`] (0.995). Every candidate is verified afterwards, so a false
//! positive costs only time while a false negative loses a pair for good: the defaults favour
//! recall. (The area criterion alone picks 16 × 8 at `t = 0.8`, `P(0.8) = 0.95`, which lost up to
//! 4% of clustered pairs on Reuters-21578 for some seeds.) Hashes left over when
//! `b·r < k` are reported by [`Banding::explain`] (an estimated verification still uses all
//! `k`).
//!
//! Candidates are found in batch by sorting `(band key, document)` pairs per band, in parallel
//! over bands, rather than with a hash map per band. A bucket larger than [`MAX_BUCKET`] (a
//! template shared by thousands of texts) would give a quadratic number of pairs: there each
//! document is paired only with the next [`HUGE_BUCKET_WINDOW`] documents of the bucket, which
//! keeps the work linear and, after verification, still connects a bucket of true duplicates.
//!
//! **SimHash tables.** To find fingerprints within Hamming distance `d`, the 64 bits are cut
//! into `d + 2` blocks; two fingerprints that differ in at most `d` bits agree exactly on at
//! least two blocks (pigeonhole), so one sorted table per pair of blocks finds every such pair.
//! Unlike banding, an oversized SimHash bucket is not cut short: it is split again on the
//! fingerprint bits its members do not share, so no pair within `d` is missed at any corpus
//! size or distance (only classes of more than [`MAX_BUCKET`] identical fingerprints are
//! chained rather than paired all with all, which keeps the same clusters).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::minhash::Signature;
use crate::simhash::Fingerprint;

mod hamming;
mod sort;
pub(crate) use hamming::{simhash_pairs, simhash_tables};
use sort::{sort_dedup_parts, sorted_table, Scratch};

/// Buckets up to this size give all their pairs.
pub const MAX_BUCKET: usize = 200;

/// In a larger bucket each document is paired with this many following members only.
pub const HUGE_BUCKET_WINDOW: usize = 16;

/// A candidate pair of document indices, `a < b`.
pub type Pair = (u32, u32);

/// Band layout for MinHash LSH: `bands × rows ≤ num_perm`, both at least 1. Made only by
/// [`Banding::new`] and [`Banding::optimal`] (and checked again when deserialized), so every
/// layout in hand is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "BandingFields", into = "BandingFields")]
pub struct Banding {
    bands: usize,
    rows: usize,
    num_perm: usize,
}

/// The serialized form of a [`Banding`], validated on the way in.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct BandingFields {
    bands: usize,
    rows: usize,
    num_perm: usize,
}

impl TryFrom<BandingFields> for Banding {
    type Error = Error;
    fn try_from(f: BandingFields) -> Result<Banding, Error> {
        Banding::new(f.bands, f.rows, f.num_perm)
    }
}

impl From<Banding> for BandingFields {
    fn from(b: Banding) -> BandingFields {
        BandingFields {
            bands: b.bands,
            rows: b.rows,
            num_perm: b.num_perm,
        }
    }
}

/// Default weight of the false-negative area; false positives get `1 − FN_WEIGHT`.
pub const FN_WEIGHT: f64 = 0.95;

/// The chosen layout must make a pair exactly at the threshold a candidate with at least this
/// probability (when any layout with `b·r ≤ k` can): pairs above it are found even more surely.
pub const MIN_P_AT_THRESHOLD: f64 = 0.995;

impl Banding {
    /// The `(b, r)` with `b·r ≤ num_perm` minimizing the weighted error areas around `threshold`
    /// (see the module docs), with false negatives weighted `fn_weight` and false positives
    /// `1 − fn_weight`, among the layouts with `P(threshold) ≥` [`MIN_P_AT_THRESHOLD`].
    pub fn optimal(threshold: f64, num_perm: usize, fn_weight: f64) -> Result<Banding, Error> {
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(Error::InvalidConfig(format!(
                "LSH threshold must be in (0, 1), got {threshold}"
            )));
        }
        if !(0.0..=1.0).contains(&fn_weight) {
            return Err(Error::InvalidConfig(format!(
                "false-negative weight must be in [0, 1], got {fn_weight}"
            )));
        }
        crate::minhash::check_num_perm(num_perm)?;
        // The search costs about a millisecond and configurations ask again and again: memoize.
        type Memo = std::sync::Mutex<Vec<((u64, usize, u64), Banding)>>;
        static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
        let key = (threshold.to_bits(), num_perm, fn_weight.to_bits());
        let memo = MEMO.get_or_init(Default::default);
        if let Some(&(_, b)) = memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(b);
        }
        let best = Banding::search(threshold, num_perm, fn_weight)?;
        let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
        if memo.len() < 256 {
            memo.push((key, best));
        }
        Ok(best)
    }

    fn search(threshold: f64, num_perm: usize, fn_weight: f64) -> Result<Banding, Error> {
        // (meets the recall floor, weighted error): layouts that meet it always win.
        let mut best = ((false, f64::INFINITY), Banding::new(1, 1, num_perm)?);
        for bands in 1..=num_perm {
            for rows in 1..=num_perm / bands {
                let fp = integrate(|s| probability(s, bands, rows), 0.0, threshold);
                let fnr = integrate(|s| 1.0 - probability(s, bands, rows), threshold, 1.0);
                let err = (1.0 - fn_weight) * fp + fn_weight * fnr;
                let meets = probability(threshold, bands, rows) >= MIN_P_AT_THRESHOLD;
                let better = match (meets, best.0 .0) {
                    (true, false) => true,
                    (false, true) => false,
                    // Ties go to the layout found first, which uses fewer bands.
                    _ => err < best.0 .1 - 1e-12,
                };
                if better {
                    best = ((meets, err), Banding::new(bands, rows, num_perm)?);
                }
            }
        }
        Ok(best.1)
    }

    /// An explicit layout; fails if `bands × rows` exceeds `num_perm` or either is 0, or if
    /// `num_perm` is not in `1..=`[`crate::minhash::MAX_NUM_PERM`].
    pub fn new(bands: usize, rows: usize, num_perm: usize) -> Result<Banding, Error> {
        crate::minhash::check_num_perm(num_perm)?;
        let needed = bands.checked_mul(rows);
        if bands == 0 || rows == 0 || needed.is_none_or(|n| n > num_perm) {
            return Err(Error::InvalidConfig(format!(
                "{bands} bands × {rows} rows needs more hashes than the signature's {num_perm}"
            )));
        }
        Ok(Banding {
            bands,
            rows,
            num_perm,
        })
    }

    /// Number of bands `b`.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Rows per band `r`.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Signature length `k` the layout was made for.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// Probability that two documents with Jaccard similarity `s` become candidates.
    pub fn probability(&self, s: f64) -> f64 {
        probability(s, self.bands, self.rows)
    }

    /// A human-readable account of the layout: hashes used and left over, and the S-curve.
    pub fn explain(&self, threshold: f64) -> String {
        let used = self.bands * self.rows;
        let unused = self.num_perm - used;
        let knee = (1.0 / self.bands as f64).powf(1.0 / self.rows as f64);
        format!(
            "{b} bands × {r} rows = {used} of {k} hashes in bands ({unused} left out of the bands; \
             an estimated verification still uses all {k}); P(candidate) = {p:.3} at the threshold {t:.2}, \
             {p9:.3} at {t9:.2}, {p5:.4} at {t5:.2}; the curve's midpoint is near {knee:.3}",
            b = self.bands,
            r = self.rows,
            k = self.num_perm,
            p = self.probability(threshold),
            t = threshold,
            t9 = (threshold + 0.1).min(1.0),
            p9 = self.probability((threshold + 0.1).min(1.0)),
            t5 = (threshold - 0.3).max(0.0),
            p5 = self.probability((threshold - 0.3).max(0.0)),
        )
    }

    /// Candidate pairs among `signatures` (sorted, without duplicates). Empty signatures are
    /// never candidates. Fails if the signatures do not share one set of parameters, if their
    /// length is not this layout's `num_perm`, or if there are more than `u32::MAX` of them.
    pub fn candidates(&self, signatures: &[Signature]) -> Result<Vec<Pair>, Error> {
        check_count(signatures.len())?;
        if let Some(first) = signatures.first() {
            for s in signatures {
                first.check_compatible(s)?;
            }
            if first.values().len() != self.num_perm {
                return Err(Error::InvalidConfig(format!(
                    "banding is for {} hashes, signatures have {}",
                    self.num_perm,
                    first.values().len()
                )));
            }
        }
        Ok(self.pairs(signatures))
    }

    /// [`Banding::candidates`] for signatures already known to fit (at most `u32::MAX`, made
    /// for this layout).
    pub(crate) fn pairs(&self, signatures: &[Signature]) -> Vec<Pair> {
        let rows = self.rows;
        pairs_from_tables(self.bands, |band| {
            signatures
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .filter_map(|(i, s)| {
                    let values = s.values().get(band * rows..(band + 1) * rows)?;
                    Some((band_key(values), i as u32))
                })
                .collect()
        })
    }
}

/// Pairs hold document indices as `u32`.
pub(crate) fn check_count(n: usize) -> Result<(), Error> {
    if n > u32::MAX as usize {
        return Err(Error::InvalidInput(format!(
            "at most {} documents per batch, got {n}",
            u32::MAX
        )));
    }
    Ok(())
}

fn probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Trapezoid rule, fine enough for comparing layouts.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const STEPS: usize = 200;
    let h = (b - a) / STEPS as f64;
    let inner: f64 = (1..STEPS).map(|i| f(a + i as f64 * h)).sum();
    h * (inner + (f(a) + f(b)) / 2.0)
}

/// Hashes one band's rows to a 64-bit key (distinct rows collide with negligible probability,
/// and a collision only adds a candidate that verification rejects).
#[inline]
pub(crate) fn band_key(rows: &[u32]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64;
    for &v in rows {
        h = (h ^ u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
    }
    h
}

/// Emits the pairs of documents sharing a key in a sorted `(key, doc)` list, at most
/// [`MAX_BUCKET`] partners after each document within one bucket.
pub(crate) fn pairs_in_runs(keys: &[(u64, u32)], out: &mut Vec<Pair>) {
    for run in keys.chunk_by(|x, y| x.0 == y.0) {
        // In a huge bucket (boilerplate, templates) members are nearly always alike: a short
        // window keeps them connected at a fraction of the pairs.
        let window = if run.len() > MAX_BUCKET {
            HUGE_BUCKET_WINDOW
        } else {
            MAX_BUCKET
        };
        for (i, &(_, a)) in run.iter().enumerate() {
            for &(_, b) in run[i + 1..].iter().take(window) {
                out.push((a.min(b), a.max(b)));
            }
        }
    }
}

/// The pairs of documents sharing a key in any of `tables` key tables, built and sorted in
/// parallel (one `(key, doc)` list per table), sorted and deduplicated.
pub(crate) fn pairs_from_tables(
    tables: usize,
    keys: impl Fn(usize) -> Vec<(u64, u32)> + Sync,
) -> Vec<Pair> {
    let pairs: Vec<Vec<Pair>> = (0..tables)
        .into_par_iter()
        .map_init(Scratch::default, |scratch, t| {
            let keys = keys(t);
            let sorted = sorted_table(keys.len(), || keys.iter().copied(), scratch);
            let mut pairs = Vec::new();
            pairs_in_runs(sorted, &mut pairs);
            pairs
        })
        .collect();
    sort_dedup_parts(&pairs)
}

/// [`pairs_from_tables`] over band-major keys: `keys(band)` is every document's key in that
/// band, in document order; documents marked in `skip` are left out.
pub(crate) fn pairs_from_band_keys<'k>(
    bands: usize,
    keys: impl Fn(usize) -> &'k [u64] + Sync,
    skip: &[bool],
) -> Vec<Pair> {
    let live = skip.iter().filter(|&&s| !s).count();
    let pairs: Vec<Vec<Pair>> = (0..bands)
        .into_par_iter()
        .map_init(Scratch::default, |scratch, band| {
            let keys = keys(band);
            let entries = || {
                keys.iter()
                    .zip(skip)
                    .enumerate()
                    .filter(|(_, (_, &s))| !s)
                    .map(|(i, (&k, _))| (k, i as u32))
            };
            let sorted = sorted_table(live, entries, scratch);
            let mut pairs = Vec::new();
            pairs_in_runs(sorted, &mut pairs);
            pairs
        })
        .collect();
    sort_dedup_parts(&pairs)
}

/// Candidate pairs of fingerprints within Hamming distance `max_distance` (0 to 30), sorted:
/// every such pair is found at any size (see the module docs), plus some farther ones to
/// verify. The fingerprint 0, which an empty document gets, is never a candidate.
pub fn simhash_candidates(
    fingerprints: &[Fingerprint],
    max_distance: u32,
) -> Result<Vec<Pair>, Error> {
    if max_distance > 30 {
        return Err(Error::InvalidConfig(format!(
            "SimHash distance must be 0..=30, got {max_distance}"
        )));
    }
    check_count(fingerprints.len())?;
    Ok(simhash_pairs(fingerprints, max_distance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_banding_is_sane() {
        let b = Banding::optimal(0.8, 128, FN_WEIGHT).unwrap();
        assert!(b.bands * b.rows <= 128);
        assert!(b.probability(0.8) > 0.9, "{}", b.explain(0.8));
        assert!(b.probability(0.3) < 0.05, "{}", b.explain(0.8));
        let low = Banding::optimal(0.3, 128, FN_WEIGHT).unwrap();
        assert!(low.rows < b.rows);
    }

    #[test]
    fn invalid_banding_rejected() {
        assert!(Banding::new(10, 13, 128).is_err());
        assert!(Banding::new(0, 1, 128).is_err());
        assert!(Banding::optimal(1.0, 128, 0.5).is_err());
        assert!(Banding::optimal(0.5, 128, 1.5).is_err());
    }

    #[test]
    fn huge_bucket_stays_linear() {
        let keys: Vec<(u64, u32)> = (0..10_000).map(|i| (7, i)).collect();
        let mut out = Vec::new();
        pairs_in_runs(&keys, &mut out);
        assert!(out.len() <= 10_000 * HUGE_BUCKET_WINDOW);
        // Still connected: every document is paired with its successor.
        let pairs: std::collections::HashSet<Pair> = out.into_iter().collect();
        assert!((0..9_999).all(|i| pairs.contains(&(i, i + 1))));
        // A bucket at the limit still gives every pair.
        let keys: Vec<(u64, u32)> = (0..MAX_BUCKET as u32).map(|i| (3, i)).collect();
        let mut out = Vec::new();
        pairs_in_runs(&keys, &mut out);
        assert_eq!(out.len(), MAX_BUCKET * (MAX_BUCKET - 1) / 2);
    }

    #[test]
    fn simhash_tables_find_all_close_pairs() {
        let mut state = 5;
        let base: Vec<Fingerprint> = (0..200)
            .map(|_| Fingerprint(crate::minhash::splitmix64(&mut state)))
            .collect();
        let mut fps = base.clone();
        for (i, f) in base.iter().enumerate() {
            // A copy with `i % 5` bits flipped.
            let flips = (0..(i % 5)).fold(0u64, |m, k| m | 1 << ((i * 7 + k * 13) % 64));
            fps.push(Fingerprint(f.0 ^ flips));
        }
        let pairs = simhash_candidates(&fps, 4).unwrap();
        for i in 0..200u32 {
            assert!(
                pairs.binary_search(&(i, i + 200)).is_ok(),
                "missed copy {i}"
            );
        }
    }
}
