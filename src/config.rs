//! Presets and the configuration builder: every knob of the pipeline, with sensible defaults.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::lsh::{Banding, FN_WEIGHT};
use crate::profile::ProfileParams;
use crate::shingle::ShingleConfig;

/// What kind of sameness to look for. Both presets run on one engine; they differ only in
/// their [`Config`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// Copies and light edits: word 5-gram MinHash, LSH at Jaccard 0.8, exact verification.
    NearDuplicate,
    /// An article and its rewrites by other outlets: rarity-weighted content words, a
    /// calibrated low threshold, and a guard against chaining (see the README for the
    /// calibration).
    Rewrite,
    /// Reports of one event by different outlets, written independently: content words and
    /// names ([`crate::story`]), a lower threshold than rewrites, and the chain guard.
    Story,
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "near-duplicate" | "near_duplicate" | "neardup" => Ok(Preset::NearDuplicate),
            "rewrite" => Ok(Preset::Rewrite),
            "story" => Ok(Preset::Story),
            _ => Err(Error::InvalidConfig(format!(
                "unknown preset {s:?} (expected near-duplicate, rewrite or story)"
            ))),
        }
    }
}

/// How documents are represented and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// MinHash signatures over shingle sets, LSH banding; similarity is Jaccard.
    MinHash,
    /// 64-bit SimHash fingerprints over shingles; similarity is `1 − hamming/64`.
    SimHash,
    /// Rarity-weighted content words ([`crate::profile`]); similarity is the smaller of the
    /// weighted Jaccard over all content words and over specific ones.
    Weighted,
    /// The weighted method over story terms ([`crate::story`]): content words plus names.
    Story,
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "minhash" => Ok(Method::MinHash),
            "simhash" => Ok(Method::SimHash),
            "weighted" => Ok(Method::Weighted),
            "story" => Ok(Method::Story),
            _ => Err(Error::InvalidConfig(format!(
                "unknown method {s:?} (expected minhash, simhash, weighted or story)"
            ))),
        }
    }
}

/// How a MinHash candidate pair is checked before it becomes an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verification {
    /// Exact Jaccard of the shingle sets (kept in memory during clustering): precision does
    /// not depend on estimation noise.
    Exact,
    /// The signatures' Jaccard estimate: less memory, ± `sqrt(J(1−J)/k)` noise at the threshold.
    Estimated,
}

/// The full configuration of a [`crate::Clusterer`]. Build one with [`Config::builder`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub(crate) preset: Preset,
    pub(crate) method: Method,
    pub(crate) threshold: f64,
    pub(crate) num_perm: usize,
    pub(crate) seed: u64,
    pub(crate) shingles: ShingleConfig,
    pub(crate) banding: Option<Banding>,
    pub(crate) verification: Verification,
    pub(crate) simhash_distance: u32,
    pub(crate) chain_floor: Option<f64>,
    pub(crate) profile: ProfileParams,
}

/// Rewrite preset: minimum rewrite similarity of an edge. Calibrated on Reuters-21578 (see
/// the README): the seeds' weakest link is 0.15 and the closest unrelated article 0.04.
pub const REWRITE_THRESHOLD: f64 = 0.12;
/// Rewrite preset: every member must be at least this similar to its cluster's representative.
pub const REWRITE_CHAIN_FLOOR: f64 = 0.08;

/// Story preset: minimum similarity of an edge (calibrated on ECB+ with Reuters-21578 as
/// distractors; see docs/accuracy.md).
pub const STORY_THRESHOLD: f64 = 0.06;
/// Story preset: every member must be at least this similar to its cluster's representative.
pub const STORY_CHAIN_FLOOR: f64 = 0.05;

/// Story preset: the prior of the weight formula, in pseudo-documents (the rewrite preset's is
/// 1000). A same-event input is made of stories: a story's own words are found in about as
/// many documents as it has reports, so with a small prior a story with many reports weighs
/// its shared words as common ones. A larger prior, a background corpus of news several times
/// the size of ECB+, trusts the input's document frequencies less (docs/accuracy.md §7: ARI
/// 0.904–0.908 for priors 2000–10000 on ECB+, against 0.895 at 1000).
pub const STORY_PRIOR: f64 = 5000.0;

/// Story preset: the time window applied when every document has a publication time and the
/// caller gives none ([`Config::default_window`]), in seconds: 30 days. One event's reports
/// appear within days of it, and a story goes on being linked past the window through the
/// reports published between its ends; two similar events (the same fighters' rematch, the
/// same player's second arrest) are usually months apart and share as many names as one
/// event's reports do, so only their time tells them apart (docs/presets.md, item 4).
pub const STORY_WINDOW: crate::Timestamp = 30 * 24 * 60 * 60;

/// Whether `t` can be a time in Unix seconds for a preset's default window: before the year
/// 5138 (|t| < 10¹¹). Every Unix time in milliseconds since March 1973 is larger, so such
/// input gets no default window instead of one a thousand times too narrow.
pub fn plausible_seconds(t: crate::Timestamp) -> bool {
    t.unsigned_abs() < 100_000_000_000
}

/// The story preset's profile settings: see [`Preset::Story`] and docs/presets.md.
fn story_profile() -> ProfileParams {
    ProfileParams {
        prior: STORY_PRIOR,
        ..ProfileParams::default()
    }
}

impl Config {
    /// The configuration of a preset.
    pub fn preset(preset: Preset) -> Config {
        let base = Config {
            preset,
            method: Method::MinHash,
            threshold: 0.8,
            num_perm: 128,
            seed: 42,
            shingles: ShingleConfig::words(5),
            banding: None,
            verification: Verification::Exact,
            simhash_distance: 3,
            chain_floor: None,
            profile: ProfileParams::default(),
        };
        match preset {
            Preset::NearDuplicate => base,
            Preset::Rewrite => Config {
                method: Method::Weighted,
                threshold: REWRITE_THRESHOLD,
                shingles: ShingleConfig::words(1).drop_stop_words(true),
                chain_floor: Some(REWRITE_CHAIN_FLOOR),
                ..base
            },
            Preset::Story => Config {
                method: Method::Story,
                threshold: STORY_THRESHOLD,
                shingles: ShingleConfig::words(1).drop_stop_words(true),
                chain_floor: Some(STORY_CHAIN_FLOOR),
                profile: story_profile(),
                ..base
            },
        }
    }

    /// A builder starting from a preset's configuration.
    pub fn builder(preset: Preset) -> ConfigBuilder {
        ConfigBuilder {
            config: Config::preset(preset),
            banding: None,
        }
    }

    /// The preset this configuration started from.
    pub fn preset_name(&self) -> Preset {
        self.preset
    }

    /// The representation and similarity in use.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The similarity an edge must reach (for SimHash: `1 − distance/64`).
    pub fn threshold(&self) -> f64 {
        match self.method {
            Method::SimHash => 1.0 - f64::from(self.simhash_distance) / 64.0,
            _ => self.threshold,
        }
    }

    /// Number of MinHash permutations.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// Seed of every hash function.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How texts are shingled (MinHash and SimHash).
    pub fn shingles(&self) -> ShingleConfig {
        self.shingles
    }

    /// The MinHash LSH band layout: the explicit one, or the optimal one for the threshold.
    pub fn banding(&self) -> Result<Banding, Error> {
        match self.banding {
            // Re-checked against `num_perm`: a configuration may come from a file.
            Some(b) => Banding::new(b.bands(), b.rows(), self.num_perm),
            // A threshold of 1 (identical sets only) is designed for as just below 1.
            None => Banding::optimal(self.threshold.min(1.0 - 1e-6), self.num_perm, FN_WEIGHT),
        }
    }

    /// The time window (seconds) to apply when every document has a publication time and the
    /// caller gives no window: [`STORY_WINDOW`] for the story method, none for the others
    /// (copies and rewrites are duplicates whenever they were published). `neardup cluster`,
    /// `dedup` and Python's `cluster(texts, times=...)` use it; [`crate::Clusterer::cluster_within`]
    /// takes its window from the caller.
    pub fn default_window(&self) -> Option<crate::Timestamp> {
        (self.method == Method::Story).then_some(STORY_WINDOW)
    }

    /// [`Config::default_window`] for documents published at `times`, if every time is
    /// plausible Unix seconds ([`plausible_seconds`]): a time in milliseconds would make a
    /// 30-day window 43 minutes wide and keep every report apart.
    pub fn default_window_for(&self, times: &[crate::Timestamp]) -> Option<crate::Timestamp> {
        self.default_window()
            .filter(|_| times.iter().all(|&t| plausible_seconds(t)))
    }

    /// The chain guard floor, if any.
    pub fn chain_floor(&self) -> Option<f64> {
        self.chain_floor
    }

    /// The settings of the weighted (rewrite) method.
    pub fn profile(&self) -> &ProfileParams {
        &self.profile
    }

    /// How MinHash candidates are verified.
    pub fn verification(&self) -> Verification {
        self.verification
    }

    /// A human-readable account of the configuration and what was derived from it.
    pub fn explain(&self) -> String {
        let mut s = format!(
            "preset {:?}, method {:?}, seed {}",
            self.preset, self.method, self.seed
        );
        match self.method {
            Method::MinHash => {
                s += &format!(
                    "; {:?} shingles of {}{}; {} permutations; Jaccard ≥ {} ({:?} verification); ",
                    self.shingles.kind,
                    self.shingles.size,
                    self.stop_words_note(),
                    self.num_perm,
                    self.threshold,
                    self.verification
                );
                s += &match self.banding() {
                    Ok(b) => b.explain(self.threshold),
                    Err(e) => e.to_string(),
                };
            }
            Method::SimHash => {
                s += &format!(
                    "; {:?} shingles of {}{}; SimHash Hamming distance ≤ {} ({} tables)",
                    self.shingles.kind,
                    self.shingles.size,
                    self.stop_words_note(),
                    self.simhash_distance,
                    // In u64: a configuration read from a file may hold any distance.
                    (u64::from(self.simhash_distance) + 2) * (u64::from(self.simhash_distance) + 1)
                        / 2
                );
            }
            Method::Weighted | Method::Story => {
                let p = &self.profile;
                if self.method == Method::Story {
                    s += "; content words plus names (capitalized words not starting a \
                          sentence, and runs of them)";
                }
                s += &format!(
                    "; content words weighted ln((N + {}) / (df + 1)); specific if df ≤ {} + {}·min(N, {}); \
                     similarity = min(weighted Jaccard of all, of specific) ≥ {}; candidates: every \
                     pair at the threshold (prefix filtering; the incremental index: ≥ {} of {} \
                     anchors)",
                    p.prior,
                    p.specific_base,
                    p.specific_frac,
                    crate::profile::SPECIFIC_GROWTH_END,
                    self.threshold,
                    p.min_shared_anchors,
                    p.anchors
                );
                if self.method == Method::Story {
                    s += &format!(
                        "; without a time window the batch lowers that bound to the size of the \
                         story the 90th percentile of clustered documents is in (a first \
                         clustering) + {}; the incremental index joins a cluster only through a \
                         neighbour ≥ {}",
                        crate::story::STORY_SIZE_MARGIN,
                        self.threshold * crate::index::STORY_LINK_FACTOR
                    );
                }
            }
        }
        if let Some(f) = self.chain_floor {
            s += &format!(
                "; chain guard: every member ≥ {f} similar to its cluster's representative"
            );
        }
        s
    }

    /// " (stop words dropped)" for word shingles that drop them, for [`Config::explain`].
    fn stop_words_note(&self) -> &'static str {
        if self.shingles.drop_stop_words && self.shingles.kind == crate::shingle::ShingleKind::Words
        {
            " (stop words dropped)"
        } else {
            ""
        }
    }

    /// Checks every value is in range and consistent.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::InvalidConfig(format!(
                "threshold must be in (0, 1], got {}",
                self.threshold
            )));
        }
        self.shingles.validate()?;
        crate::minhash::check_num_perm(self.num_perm)?;
        if self.method == Method::MinHash {
            let b = self.banding()?;
            if b.num_perm() != self.num_perm {
                return Err(Error::InvalidConfig(format!(
                    "banding is for {} hashes but num_perm is {}",
                    b.num_perm(),
                    self.num_perm
                )));
            }
        }
        if self.simhash_distance > 30 {
            return Err(Error::InvalidConfig(format!(
                "SimHash distance must be 0..=30, got {}",
                self.simhash_distance
            )));
        }
        if let Some(f) = self.chain_floor {
            if !(0.0..=1.0).contains(&f) {
                return Err(Error::InvalidConfig(format!(
                    "chain floor must be in [0, 1], got {f}"
                )));
            }
        }
        let p = &self.profile;
        if p.anchors == 0 || p.min_shared_anchors == 0 || p.min_shared_anchors > p.anchors {
            return Err(Error::InvalidConfig(format!(
                "need 1 ≤ min_shared_anchors ({}) ≤ anchors ({})",
                p.min_shared_anchors, p.anchors
            )));
        }
        // With a prior of at least one pseudo-document every weight ln((N + P)/(df + 1)) is
        // positive (df ≤ N), which the sign convention for specific words relies on.
        if !(p.prior >= 1.0 && p.prior.is_finite()) {
            return Err(Error::InvalidConfig(format!(
                "profile prior must be at least 1, got {}",
                p.prior
            )));
        }
        if !(p.specific_base >= 0.0
            && p.specific_frac >= 0.0
            && p.specific_base.is_finite()
            && p.specific_frac.is_finite())
        {
            return Err(Error::InvalidConfig(
                "profile specificity bounds must be finite and non-negative".into(),
            ));
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::preset(Preset::NearDuplicate)
    }
}

/// Builds a [`Config`] from a preset, overriding single values.
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    config: Config,
    /// An explicit `(bands, rows)`, checked against `num_perm` in [`ConfigBuilder::build`].
    banding: Option<(usize, usize)>,
}

impl ConfigBuilder {
    /// Representation and similarity.
    pub fn method(mut self, method: Method) -> Self {
        self.config.method = method;
        self
    }

    /// Minimum similarity of an edge, in (0, 1]; for SimHash use [`ConfigBuilder::simhash_distance`].
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.config.threshold = threshold;
        self
    }

    /// Number of MinHash permutations (default 128).
    pub fn num_perm(mut self, num_perm: usize) -> Self {
        self.config.num_perm = num_perm;
        self
    }

    /// Seed of every hash function (default 42). Same seed, input and config: same output.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self.config.profile.seed = seed;
        self
    }

    /// Shingles for MinHash and SimHash.
    pub fn shingles(mut self, shingles: ShingleConfig) -> Self {
        self.config.shingles = shingles;
        self
    }

    /// An explicit LSH band layout instead of the optimal one.
    /// Checked in [`ConfigBuilder::build`]: `bands × rows` must not exceed `num_perm`.
    pub fn banding(mut self, bands: usize, rows: usize) -> Self {
        self.banding = Some((bands, rows));
        self
    }

    /// How MinHash candidates are verified (default exact).
    pub fn verification(mut self, verification: Verification) -> Self {
        self.config.verification = verification;
        self
    }

    /// Maximum Hamming distance for the SimHash method (default 3).
    pub fn simhash_distance(mut self, distance: u32) -> Self {
        self.config.simhash_distance = distance;
        self
    }

    /// The chain guard: every member must be at least `floor` similar to its cluster's
    /// representative (`None` turns it off: plain single linkage).
    pub fn chain_floor(mut self, floor: Option<f64>) -> Self {
        self.config.chain_floor = floor;
        self
    }

    /// Settings of the weighted (rewrite) method.
    pub fn profile(mut self, profile: ProfileParams) -> Self {
        self.config.profile = ProfileParams {
            seed: self.config.seed,
            ..profile
        };
        self
    }

    /// The validated configuration.
    pub fn build(self) -> Result<Config, Error> {
        let mut config = self.config;
        if let Some((bands, rows)) = self.banding {
            config.banding = Some(Banding::new(bands, rows, config.num_perm)?);
        }
        config.validate()?;
        Ok(config)
    }
}
