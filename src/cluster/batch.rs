//! Clustering a corpus read in chunks, holding per document little more than what finding its
//! candidates needs.
//!
//! With exact verification (the near-duplicate preset) a document's shingle set is ten times its
//! LSH band keys and is needed only if the document ends up in a candidate pair, which most
//! documents of a large corpus never do. So a [`Batch`] signs each chunk of texts as it comes
//! and keeps only the band keys (8 bytes per band); [`Batch::candidates`] finds the candidate
//! pairs and drops the keys; [`Pending::needed`] names the documents in candidate pairs, whose
//! texts the caller gives again, in order ([`Pending::supply`]: a file is read a second time,
//! a slice indexed); only their shingle sets are made and kept; [`Pending::finish`] verifies
//! and links exactly as [`Clusterer::cluster_features`] does, so the clusters are the same.
//!
//! The other methods keep what they keep anyway (fingerprints, signatures for an estimated
//! verification) and need no second look at any text; the weighted and story methods' weights
//! depend on the whole batch's document frequencies, so they keep each document's terms (about
//! its text's size, as 8-byte hashes) and weigh them at the end.

use rayon::prelude::*;

use super::{link_checked, Cluster, Clusterer};
use crate::config::{Config, Method, Verification};
use crate::error::Error;
use crate::index::Timestamp;
use crate::lsh::{self, band_key, Banding, Pair};
use crate::minhash::{self, MinHashParams, MinHasher};
use crate::profile::TermLists;
use crate::shingle::{self, Shingler};
use crate::verify::{profile_terms, verify_with, Features, Measure};

/// Texts signed at once before their keys go to the bands.
const SIGN_PIECE: usize = 4096;

/// Texts one parallel job shingles into one buffer when they are supplied again.
const SUPPLY_PIECE: usize = 32;

/// Documents added in chunks, then clustered after one more look at the texts of those in
/// candidate pairs. Made by [`Clusterer::batch`]; gives the same clusters as
/// [`Clusterer::cluster`] on all the texts at once.
///
/// ```
/// use neardup::{Clusterer, Preset};
/// let texts = [
///     "The central bank raised interest rates by half a point on Tuesday, citing inflation.",
///     "A new species of frog was found in the rainforests of northern Peru this spring.",
///     "The central bank raised interest rates by half a point on Tuesday, citing inflation!",
/// ];
/// let clusterer = Clusterer::new(Preset::NearDuplicate);
/// let mut batch = clusterer.batch()?;
/// batch.add(&texts[..2])?;
/// batch.add(&texts[2..])?;
/// let mut pending = batch.candidates()?;
/// // The texts of the documents in candidate pairs, again, in order.
/// let again: Vec<&str> = pending.needed().iter().map(|&i| texts[i as usize]).collect();
/// pending.supply(&again)?;
/// let clusters = pending.finish()?;
/// assert_eq!(clusters, clusterer.cluster(&texts));
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Debug)]
pub struct Batch {
    config: Config,
    len: usize,
    store: Store,
}

#[derive(Debug)]
enum Store {
    /// Exact MinHash: every document's key in each band (band-major, so finding a band's
    /// candidates reads one array straight through), and whether its set is empty.
    Keys {
        hasher: MinHasher,
        banding: Banding,
        keys: Vec<Vec<u64>>,
        empty: Vec<bool>,
    },
    /// Methods whose features are small or are what verification measures.
    Features(Option<Features>),
    /// The weighted and story methods: each document's terms, weighed by the whole batch's
    /// document frequencies at the end.
    Terms(TermLists),
}

impl Batch {
    pub(super) fn new(clusterer: &Clusterer) -> Result<Batch, Error> {
        let config = clusterer.config().clone();
        config.validate()?;
        let store = match (config.method, config.verification) {
            (Method::MinHash, Verification::Exact) => {
                let banding = config.banding()?;
                Store::Keys {
                    hasher: MinHasher::new(MinHashParams {
                        num_perm: config.num_perm,
                        seed: config.seed,
                        shingles: config.shingles,
                    })?,
                    keys: vec![Vec::new(); banding.bands()],
                    banding,
                    empty: Vec::new(),
                }
            }
            (Method::Weighted | Method::Story, _) => Store::Terms(TermLists::default()),
            _ => Store::Features(None),
        };
        Ok(Batch {
            config,
            len: 0,
            store,
        })
    }

    /// Number of documents added.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no document was added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether [`Batch::candidates`] will ask for the texts of the documents in candidate pairs
    /// again ([`Pending::needed`]): with exact MinHash verification.
    pub fn needs_texts_again(&self) -> bool {
        matches!(self.store, Store::Keys { .. })
    }

    /// Adds the next documents, signing them in parallel. Fails if the batch would hold more
    /// than `u32::MAX` documents.
    pub fn add<T: AsRef<str> + Sync>(&mut self, texts: &[T]) -> Result<(), Error> {
        let total = self.len + texts.len();
        lsh::check_count(total)?;
        match &mut self.store {
            Store::Keys {
                hasher,
                banding,
                keys,
                empty,
            } => {
                let (bands, rows) = (banding.bands(), banding.rows());
                // Signed document-major a piece at a time, then moved to the bands: a piece's
                // keys stay in cache, and a caller's single large chunk needs no second copy.
                let mut piece_keys = Vec::new();
                for piece in texts.chunks(SIGN_PIECE) {
                    let start = empty.len();
                    piece_keys.clear();
                    piece_keys.resize(piece.len() * bands, 0);
                    empty.resize(start + piece.len(), false);
                    piece_keys
                        .par_chunks_mut(bands)
                        .zip(empty[start..].par_iter_mut())
                        .zip(piece.par_iter())
                        .for_each_init(
                            || (hasher.shingler(), Vec::new(), Vec::new()),
                            |(shingler, raw, values), ((keys, empty), text)| {
                                // A minimum ignores repeats: sign the raw shingles, unsorted.
                                shingler.raw_shingles_into(text.as_ref(), raw);
                                hasher.sign_values_into(raw, values);
                                *empty = minhash::signs_empty_set(values);
                                for (band, key) in keys.iter_mut().enumerate() {
                                    *key = band_key(&values[band * rows..(band + 1) * rows]);
                                }
                            },
                        );
                    for (band, keys) in keys.iter_mut().enumerate() {
                        keys.extend(piece_keys.iter().skip(band).step_by(bands));
                    }
                }
            }
            Store::Features(features) => {
                let more = Features::compute(&self.config, texts)?;
                match features {
                    None => *features = Some(more),
                    Some(f) => {
                        if !f.append(more) {
                            return Err(Error::InvalidInput(
                                "features of one batch must be appendable".into(),
                            ));
                        }
                    }
                }
            }
            Store::Terms(all) => {
                let config = &self.config;
                let more: Vec<Vec<u64>> = texts
                    .par_iter()
                    .map(|t| profile_terms(config, t.as_ref()))
                    .collect();
                all.extend(more);
            }
        }
        self.len = total;
        Ok(())
    }

    /// Finds the candidate pairs and frees what found them; the [`Pending`] batch then asks for
    /// the texts of the documents in candidate pairs (none, unless verification is exact).
    pub fn candidates(self) -> Result<Pending, Error> {
        self.candidates_where(None)
    }

    /// [`Batch::candidates`] for documents with publication times (`times[i]` in seconds, one
    /// per document added): a pair published more than `window` seconds apart is never a
    /// candidate, so never linked directly (a story can still span longer through documents
    /// published between them), as in an [`Index`](crate::Index) with a window fed in time
    /// order. The story method then keeps its specificity bound's formula instead of measuring
    /// it (time keeps similar events apart; [`crate::story::measured_bound`]). Fails if
    /// `times` does not hold one time per document or `window` is negative.
    pub fn candidates_within(
        self,
        times: &[Timestamp],
        window: Timestamp,
    ) -> Result<Pending, Error> {
        check_times(times, self.len, window)?;
        let within = |a, b| crate::parts::within_window(times, window, a, b);
        self.candidates_where(Some(&within))
    }

    /// The candidate pairs `keep` accepts (all of them without it: no extra pass).
    fn candidates_where(self, keep: Option<&dyn Fn(u32, u32) -> bool>) -> Result<Pending, Error> {
        let Batch { config, len, store } = self;
        let retain = |pairs: &mut Vec<Pair>| {
            if let Some(keep) = keep {
                pairs.retain(|&(a, b)| keep(a, b));
            }
        };
        let stage = match store {
            Store::Keys {
                hasher,
                banding,
                keys,
                empty,
            } => {
                let mut pairs = lsh::pairs_from_band_keys(banding.bands(), |b| &keys[b], &empty);
                retain(&mut pairs);
                drop(keys);
                drop(empty);
                let mut slot = vec![u32::MAX; len];
                for &(a, b) in &pairs {
                    slot[a as usize] = 0;
                    slot[b as usize] = 0;
                }
                let mut needed = Vec::new();
                for (i, s) in slot.iter_mut().enumerate() {
                    if *s == 0 {
                        *s = needed.len() as u32;
                        needed.push(i as u32);
                    }
                }
                Stage::Exact(Exact {
                    shingler: hasher.shingler(),
                    pairs,
                    needed,
                    slot,
                    shingles: Vec::new(),
                    ends: Vec::new(),
                    len,
                })
            }
            Store::Features(features) => {
                let features = match features {
                    Some(f) => f,
                    None => Features::compute::<&str>(&config, &[])?,
                };
                let mut pairs = features.candidates(&config)?;
                retain(&mut pairs);
                Stage::Features(features, pairs)
            }
            Store::Terms(terms) => {
                let features = Features::from_terms(&config, terms, keep.is_none());
                let mut pairs = features.candidates(&config)?;
                retain(&mut pairs);
                Stage::Features(features, pairs)
            }
        };
        Ok(Pending { config, stage })
    }
}

/// Checks the times and window of [`Batch::candidates_within`] and
/// [`Clusterer::cluster_within`].
pub(super) fn check_times(times: &[Timestamp], len: usize, window: Timestamp) -> Result<(), Error> {
    if times.len() != len {
        return Err(Error::InvalidInput(format!(
            "{} times for {len} documents",
            times.len()
        )));
    }
    if window < 0 {
        return Err(Error::InvalidInput(format!(
            "the window must not be negative, got {window} s"
        )));
    }
    Ok(())
}

/// A [`Batch`] whose candidate pairs are known, waiting for the texts of the documents in them
/// ([`Pending::needed`], given with [`Pending::supply`]) before [`Pending::finish`] verifies
/// and clusters.
#[derive(Debug)]
pub struct Pending {
    config: Config,
    stage: Stage,
}

#[derive(Debug)]
enum Stage {
    Exact(Exact),
    Features(Features, Vec<Pair>),
}

/// The exact shingle sets of the documents in candidate pairs, filled as their texts come.
#[derive(Debug)]
struct Exact {
    shingler: Shingler,
    pairs: Vec<Pair>,
    /// The documents in candidate pairs, ascending.
    needed: Vec<u32>,
    /// Each document's index in `needed` (`u32::MAX` if not needed).
    slot: Vec<u32>,
    /// The shingle sets of `needed[..ends.len()]`, one after another in one arena (no
    /// allocation per document, and sets of nearby documents lie near each other).
    shingles: Vec<u64>,
    /// Where each set ends in `shingles`.
    ends: Vec<usize>,
    len: usize,
}

impl Measure for Exact {
    fn count(&self) -> usize {
        self.len
    }
    fn similarity_at(&self, a: usize, b: usize) -> f64 {
        match (self.set(a), self.set(b)) {
            (Some(x), Some(y)) => shingle::jaccard(x, y),
            _ => 0.0,
        }
    }
    fn content_at(&self, i: usize) -> f64 {
        self.set(i).map_or(0.0, |s| s.len() as f64)
    }
}

impl Exact {
    /// The set of a document in a candidate pair (linking asks about no other).
    fn set(&self, i: usize) -> Option<&[u64]> {
        let s = *self.slot.get(i)? as usize;
        let end = *self.ends.get(s)?;
        let start = if s == 0 { 0 } else { self.ends[s - 1] };
        self.shingles.get(start..end)
    }
}

impl Pending {
    /// The specificity bound the weighted or story profiles were weighed with, in documents
    /// ([`Profiles::max_specific_df`](crate::profile::Profiles::max_specific_df): below the
    /// formula's when the story preset measured a tighter one); `None` for other methods.
    pub fn max_specific_df(&self) -> Option<f64> {
        match &self.stage {
            Stage::Features(features, _) => features.profiles().map(|p| p.max_specific_df()),
            Stage::Exact(_) => None,
        }
    }

    /// The documents whose texts [`Pending::supply`] wants, ascending: those in candidate pairs
    /// when verification is exact, else none.
    pub fn needed(&self) -> &[u32] {
        match &self.stage {
            Stage::Exact(e) => &e.needed[e.ends.len()..],
            Stage::Features(..) => &[],
        }
    }

    /// Gives the texts of the next needed documents, in the order of [`Pending::needed`], in
    /// chunks of any size. Fails if more texts are given than are needed.
    pub fn supply<T: AsRef<str> + Sync>(&mut self, texts: &[T]) -> Result<(), Error> {
        let wanted = self.needed().len();
        if texts.len() > wanted {
            return Err(Error::InvalidInput(format!(
                "{} texts given, {wanted} still needed",
                texts.len()
            )));
        }
        if let Stage::Exact(e) = &mut self.stage {
            let shingler = &e.shingler;
            // Each job shingles a few texts into one flat buffer, appended in order below; a
            // few hundred texts at a time, so the buffers add little to the arena's memory.
            for piece in texts.chunks(SUPPLY_PIECE * 16) {
                let parts: Vec<(Vec<u64>, Vec<usize>)> = piece
                    .par_chunks(SUPPLY_PIECE)
                    .map_init(
                        || (shingler.clone(), Vec::new()),
                        |(s, set), texts| {
                            let mut flat = Vec::new();
                            let mut lens = Vec::with_capacity(texts.len());
                            for text in texts {
                                s.shingle_into(text.as_ref(), set);
                                flat.extend_from_slice(set);
                                lens.push(set.len());
                            }
                            (flat, lens)
                        },
                    )
                    .collect();
                for (flat, lens) in parts {
                    e.shingles.extend_from_slice(&flat);
                    let mut end = e.ends.last().copied().unwrap_or(0);
                    e.ends.extend(lens.into_iter().map(|n| {
                        end += n;
                        end
                    }));
                }
            }
        }
        Ok(())
    }

    /// Verifies the candidates and clusters, as [`Clusterer::cluster_features`] does. Fails if
    /// needed texts were not given.
    pub fn finish(self) -> Result<Vec<Cluster>, Error> {
        let missing = self.needed().len();
        if missing > 0 {
            return Err(Error::InvalidInput(format!(
                "the texts of {missing} documents in candidate pairs were not given"
            )));
        }
        let threshold = self.config.threshold();
        let floor = self.config.chain_floor;
        Ok(match self.stage {
            Stage::Exact(mut exact) => {
                let pairs = std::mem::take(&mut exact.pairs);
                let edges = verify_with(&exact, &pairs, threshold);
                drop(pairs);
                link_checked(&exact, edges, floor)
            }
            Stage::Features(features, pairs) => {
                let edges = features.verify_pairs(&pairs, threshold);
                drop(pairs);
                link_checked(&features, edges, floor)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::minhash::splitmix64;
    use crate::shingle::ShingleConfig;

    /// Base stories, edited copies (some words replaced), a huge bucket of one template, and
    /// empty texts, shuffled: every path of linking gets exercised.
    fn corpus() -> Vec<String> {
        corpus_seeded(11)
    }

    fn corpus_seeded(seed: u64) -> Vec<String> {
        let mut state = seed;
        let words: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
        let mut pick = |n: u64| (splitmix64(&mut state) % n) as usize;
        let mut texts = Vec::new();
        for _ in 0..60 {
            let base: Vec<&str> = (0..40 + pick(40))
                .map(|_| words[pick(400)].as_str())
                .collect();
            texts.push(base.join(" "));
            for _ in 0..pick(4) {
                let copy: Vec<&str> = base
                    .iter()
                    .map(|w| {
                        if pick(50) == 0 {
                            words[pick(400)].as_str()
                        } else {
                            w
                        }
                    })
                    .collect();
                texts.push(copy.join(" "));
            }
        }
        // Over MAX_BUCKET copies of each: huge buckets, paired by a window only.
        for i in 0..500 {
            texts.push(format!(
                "the same template shared by many pages, page {}",
                i % 2
            ));
        }
        texts.extend(["".to_string(), "   ".to_string(), "one".to_string()]);
        for i in (1..texts.len()).rev() {
            texts.swap(i, pick(i as u64 + 1));
        }
        texts
    }

    fn configs() -> Vec<Config> {
        let b = Config::builder;
        vec![
            Config::preset(Preset::NearDuplicate),
            Config::preset(Preset::Rewrite),
            b(Preset::NearDuplicate)
                .threshold(0.6)
                .chain_floor(Some(0.5))
                .build()
                .unwrap(),
            b(Preset::NearDuplicate)
                .verification(Verification::Estimated)
                .build()
                .unwrap(),
            b(Preset::NearDuplicate)
                .shingles(ShingleConfig::chars(5))
                .build()
                .unwrap(),
            b(Preset::NearDuplicate)
                .method(Method::SimHash)
                .simhash_distance(6)
                .build()
                .unwrap(),
            Config::preset(Preset::Story),
        ]
    }

    /// Clusters `texts` through a batch fed `chunk` texts at a time.
    fn in_chunks(clusterer: &Clusterer, texts: &[String], chunk: usize) -> Vec<Cluster> {
        let mut batch = clusterer.batch().unwrap();
        for part in texts.chunks(chunk) {
            batch.add(part).unwrap();
        }
        assert_eq!(batch.len(), texts.len());
        let mut pending = batch.candidates().unwrap();
        let needed = pending.needed().to_vec();
        assert!(needed.windows(2).all(|w| w[0] < w[1]));
        for part in needed.chunks(chunk) {
            let again: Vec<&str> = part.iter().map(|&i| texts[i as usize].as_str()).collect();
            pending.supply(&again).unwrap();
        }
        pending.finish().unwrap()
    }

    #[test]
    fn same_clusters_as_features_for_every_method_and_chunking() {
        let texts = corpus();
        for config in configs() {
            let clusterer = Clusterer::with_config(config.clone()).unwrap();
            let expected = clusterer
                .cluster_features(&clusterer.features(&texts).unwrap())
                .unwrap();
            assert!(
                expected.iter().any(|c| c.len() > 1),
                "nothing clustered: {config:?}"
            );
            for chunk in [1, 7, texts.len()] {
                assert_eq!(
                    in_chunks(&clusterer, &texts, chunk),
                    expected,
                    "{config:?}, chunks of {chunk}"
                );
            }
            assert_eq!(clusterer.cluster(&texts), expected, "{config:?}");
        }
    }

    /// A time window: the batch and `cluster_within` agree for every method; a window wide
    /// enough links what one time for all links, which is what no window links except that the
    /// story method then keeps its bound's formula; a narrow one keeps every cluster within its
    /// times' reach; bad times are errors.
    #[test]
    fn window_bounds_links_for_every_method() {
        let texts = corpus();
        // Two "days" of publication, interleaved: no pair across them may link directly.
        let times: Vec<Timestamp> = (0..texts.len() as i64).map(|i| (i % 2) * 1_000).collect();
        for config in configs() {
            let clusterer = Clusterer::with_config(config.clone()).unwrap();
            let all = clusterer.cluster(&texts);
            let wide = clusterer.cluster_within(&texts, &times, 1_000).unwrap();
            let one_time = vec![0; texts.len()];
            let untimed = clusterer.cluster_within(&texts, &one_time, 0).unwrap();
            assert_eq!(wide, untimed, "{config:?}: a window spanning every time");
            if config.method() != Method::Story {
                assert_eq!(wide, all, "{config:?}: a window spanning every time");
            }
            let narrow = clusterer.cluster_within(&texts, &times, 999).unwrap();
            assert_ne!(narrow, all, "{config:?}: the window changed nothing");
            for c in &narrow {
                assert!(
                    c.members.iter().all(|&m| times[m] == times[c.members[0]]),
                    "{config:?}: a cluster spans both days: {c:?}"
                );
            }
            let mut batch = clusterer.batch().unwrap();
            batch.add(&texts).unwrap();
            let mut pending = batch.candidates_within(&times, 999).unwrap();
            let again: Vec<&str> = pending
                .needed()
                .iter()
                .map(|&i| texts[i as usize].as_str())
                .collect();
            pending.supply(&again).unwrap();
            assert_eq!(pending.finish().unwrap(), narrow, "{config:?}: batch");
        }
        let clusterer = Clusterer::new(Preset::Story);
        assert!(clusterer.cluster_within(&texts, &times[1..], 10).is_err());
        assert!(clusterer.cluster_within(&texts, &times, -1).is_err());
        let mut batch = clusterer.batch().unwrap();
        batch.add(&texts).unwrap();
        assert!(batch.candidates_within(&times[1..], 10).is_err());
    }

    #[test]
    fn large_batch_gives_the_clusters_of_features() {
        // Past a signing piece and the size where the LSH tables and pairs are sorted in
        // buckets.
        let texts: Vec<String> = (0..20).flat_map(corpus_seeded).collect();
        assert!(texts.len() > 2 * SIGN_PIECE);
        let clusterer = Clusterer::new(Preset::NearDuplicate);
        let expected = clusterer
            .cluster_features(&clusterer.features(&texts).unwrap())
            .unwrap();
        assert!(expected.iter().filter(|c| c.len() > 1).count() > 500);
        for chunk in [1000, texts.len()] {
            assert_eq!(in_chunks(&clusterer, &texts, chunk), expected, "{chunk}");
        }
    }

    #[test]
    fn exact_verification_rereads_only_candidate_documents() {
        let texts = corpus();
        let clusterer = Clusterer::new(Preset::NearDuplicate);
        let mut batch = clusterer.batch().unwrap();
        assert!(batch.needs_texts_again());
        batch.add(&texts).unwrap();
        let pending = batch.candidates().unwrap();
        let needed = pending.needed();
        assert!(!needed.is_empty() && needed.len() < texts.len());
        // Every document of a multi-member cluster was needed.
        for c in clusterer.cluster(&texts).iter().filter(|c| c.len() > 1) {
            for &m in &c.members {
                assert!(needed.binary_search(&(m as u32)).is_ok(), "{m}");
            }
        }
        let simhash = Clusterer::with_config(configs()[5].clone()).unwrap();
        let mut batch = simhash.batch().unwrap();
        assert!(!batch.needs_texts_again());
        batch.add(&texts).unwrap();
        assert!(batch.candidates().unwrap().needed().is_empty());
    }

    #[test]
    fn wrong_number_of_texts_is_an_error() {
        let texts = corpus();
        let clusterer = Clusterer::new(Preset::NearDuplicate);
        let mut batch = clusterer.batch().unwrap();
        batch.add(&texts).unwrap();
        let mut pending = batch.candidates().unwrap();
        let n = pending.needed().len();
        let too_many = vec!["x"; n + 1];
        assert!(matches!(
            pending.supply(&too_many),
            Err(Error::InvalidInput(_))
        ));
        pending.supply(&too_many[..n - 1]).unwrap();
        assert_eq!(pending.needed().len(), 1);
        assert!(matches!(pending.finish(), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn same_clusters_on_one_and_two_threads() {
        let texts = corpus();
        let clusterer = Clusterer::new(Preset::NearDuplicate);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| in_chunks(&clusterer, &texts, 13))
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn empty_batch_has_no_clusters() {
        for config in configs() {
            let clusterer = Clusterer::with_config(config).unwrap();
            let batch = clusterer.batch().unwrap();
            assert!(batch.is_empty());
            assert_eq!(batch.candidates().unwrap().finish().unwrap(), []);
        }
    }
}
