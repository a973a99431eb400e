//! The incremental side: an [`Index`] that assigns each arriving article to a story at once.
//!
//! It runs the same stages as a batch [`crate::Clusterer`] on one document at a time: features
//! (signature, fingerprint or profile), candidates from live tables (LSH bands, SimHash tables,
//! or postings of rare words), verification against the threshold, and the same chain guard.
//!
//! - **Stable story ids.** A story id, once handed out, keeps naming its story. When an article
//!   bridges two stories they merge, the older (smaller) id survives, and the merge is reported
//!   in the [`Assignment`]. Removing or evicting articles never renumbers or splits a story.
//! - **Batch equivalence.** For the MinHash and SimHash methods without a chain guard (the
//!   near-duplicate preset), inserting documents one by one gives exactly the clusters of a
//!   batch call (tested), as long as no LSH bucket exceeds [`crate::lsh::MAX_BUCKET`]. The
//!   weighted method measures word rarity over the documents indexed so far, so early
//!   assignments can differ from a batch run over the whole corpus.
//! - **Time window.** [`Index::evict_older_than`], or a window set with
//!   [`Index::with_window`], removes old articles so memory stays bounded on an endless stream
//!   (freed slots are reused; eviction takes the oldest first from a time-ordered set). An
//!   article older than the window is still inserted, and evicted when a newer one arrives.
//! - **Save and load** in a compact binary format with a version header and a checksum; a
//!   truncated, corrupted or wrong-version file is an error, never a panic.
//! - **Rare-word postings.** The weighted method keeps postings only for words in at most four
//!   times the specificity bound of documents (at least 256); a word that once grew past it is
//!   never an anchor again, even if evictions later make it rare (the set is saved with the
//!   index, so a loaded index answers alike).
//! - **Removal.** Removing an article never splits its story. If it was the representative, the
//!   member whose least similar fellow member is most similar takes over, which keeps the
//!   chain guard's invariant whenever any member can; a story can still end up held together
//!   only by members that left.
//! - **Concurrency.** `Index` is `Send + Sync`: queries run in parallel under a read lock while
//!   one thread inserts under a write lock; features are computed before the lock is taken.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Write};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Method, Preset, Verification};
use crate::error::Error;
use crate::lsh::{band_key, simhash_tables, Banding, MAX_BUCKET};
use crate::minhash::{MinHashParams, MinHasher};
use crate::profile::{self, content_terms};
use crate::shingle;
use crate::simhash::{Fingerprint, SimHasher};

/// A point in time, in seconds since the Unix epoch.
pub type Timestamp = i64;

/// A story id: stable for the life of the story.
pub type StoryId = u64;

/// Where an inserted article went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The story the article joined (or started).
    pub cluster: StoryId,
    /// Verified similar articles already in the index, most similar first: `(id, similarity)`.
    pub neighbours: Vec<(String, f64)>,
    /// Whether the article started a new story.
    pub is_new_cluster: bool,
    /// Stories absorbed into `cluster` because this article bridged them (their ids are retired).
    pub merged: Vec<StoryId>,
}

/// What a query found, without inserting anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    /// The story the text would join, if any.
    pub cluster: Option<StoryId>,
    /// Verified similar articles in the index, most similar first: `(id, similarity)`.
    pub neighbours: Vec<(String, f64)>,
}

/// An incrementally built index of articles grouped into stories. See the module docs.
///
/// ```
/// use neardup::{Index, Preset};
/// let index = Index::new(Preset::NearDuplicate);
/// let story = "The central bank raised interest rates by half a point on Tuesday, \
///              citing persistent inflation and a tight labour market.";
/// let a = index.insert("a", story, 100)?;
/// let b = index.insert("b", &format!("{story} (Reuters)"), 160)?;
/// assert!(a.is_new_cluster && !b.is_new_cluster);
/// assert_eq!(a.cluster, b.cluster);
/// assert_eq!(index.len(), 2);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Debug)]
pub struct Index {
    signer: Signer,
    inner: RwLock<Inner>,
}

/// Computes a document's features; immutable, shared by all threads.
#[derive(Clone, Debug)]
struct Signer {
    config: Config,
    minhasher: Option<MinHasher>,
    simhasher: Option<SimHasher>,
    banding: Option<Banding>,
    tables: Vec<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum DocFeatures {
    MinHash { signature: Vec<u32>, set: Vec<u64> },
    SimHash { fingerprint: u64, size: u32 },
    Weighted { terms: Vec<u64> },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Doc {
    id: String,
    /// Insertion order, kept across save and load (slots are reused and compacted).
    seq: u64,
    time: Timestamp,
    story: StoryId,
    features: DocFeatures,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Story {
    /// Slots of the members, in insertion order (by `Doc::seq`).
    members: Vec<u32>,
    representative: u32,
}

#[derive(Debug, Default)]
struct Inner {
    slots: Vec<Option<Doc>>,
    /// Slots freed by removals, reused so an endless stream does not grow `slots`.
    free: Vec<u32>,
    /// Live slots by (time, insertion order): eviction takes from the front.
    by_time: std::collections::BTreeSet<(Timestamp, u64, u32)>,
    next_seq: u64,
    ids: HashMap<String, u32>,
    /// MinHash: one per band; SimHash: one per table.
    buckets: Vec<Buckets>,
    /// Weighted method: the documents of each (not saturated) word.
    postings: KeyMap<Vec<u32>>,
    /// Weighted method: document frequency of each term among live documents.
    df: KeyMap<u32>,
    /// Weighted method: terms too common to keep postings for (never anchors).
    saturated: KeyMap<()>,
    stories: HashMap<StoryId, Story>,
    next_story: StoryId,
    window: Option<Timestamp>,
    newest: Timestamp,
    live: usize,
}

impl Index {
    /// An empty index with a preset's configuration.
    pub fn new(preset: Preset) -> Index {
        Index::with_config(Config::preset(preset)).expect("presets are valid")
    }

    /// An empty index with a custom configuration; fails if it is invalid.
    pub fn with_config(config: Config) -> Result<Index, Error> {
        config.validate()?;
        let signer = Signer::new(config)?;
        let tables = match signer.config.method {
            Method::Weighted => 0,
            _ => signer.table_count(),
        };
        Ok(Index {
            signer,
            inner: RwLock::new(Inner {
                buckets: vec![Buckets::default(); tables],
                ..Inner::default()
            }),
        })
    }

    /// The same index, keeping only articles at most `window` seconds older than the newest
    /// one seen: older ones are evicted as newer ones arrive.
    pub fn with_window(self, window: Timestamp) -> Index {
        self.write().window = Some(window.max(0));
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.signer.config
    }

    /// Number of live articles.
    pub fn len(&self) -> usize {
        self.read().live
    }

    /// Whether the index holds no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of live stories.
    pub fn stories(&self) -> usize {
        self.read().stories.len()
    }

    /// An estimate of the heap memory the index holds, in bytes: features, tables, ids and
    /// stories (hash tables counted at their capacity). For capacity planning and monitoring.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let inner = self.read();
        let vec = size_of::<Vec<u32>>();
        let docs: usize = inner
            .slots
            .iter()
            .map(|d| {
                size_of::<Option<Doc>>()
                    + d.as_ref().map_or(0, |d| {
                        d.id.capacity()
                            + match &d.features {
                                DocFeatures::MinHash { signature, set } => {
                                    4 * signature.capacity() + 8 * set.capacity()
                                }
                                DocFeatures::SimHash { .. } => 0,
                                DocFeatures::Weighted { terms } => 8 * terms.capacity(),
                            }
                    })
            })
            .sum();
        let tables: usize = inner
            .buckets
            .iter()
            .map(Buckets::memory_bytes)
            .sum::<usize>()
            + inner.postings.capacity() * (8 + vec + 1)
            + inner
                .postings
                .values()
                .map(|l| 4 * l.capacity())
                .sum::<usize>();
        let ids = inner.ids.capacity() * (size_of::<String>() + 4 + 1)
            + inner.ids.keys().map(String::capacity).sum::<usize>();
        let stories: usize = inner.stories.capacity() * (8 + size_of::<Story>() + 1)
            + inner
                .stories
                .values()
                .map(|s| 4 * s.members.capacity())
                .sum::<usize>();
        let df = (inner.df.capacity() + inner.saturated.capacity()) * (8 + 4 + 1);
        let order = inner.by_time.len() * 48 + inner.free.capacity() * 4;
        docs + tables + ids + stories + df + order
    }

    /// The story of article `id`, if it is in the index.
    pub fn story_of(&self, id: &str) -> Option<StoryId> {
        let inner = self.read();
        let slot = *inner.ids.get(id)?;
        inner.doc(slot).map(|d| d.story)
    }

    /// The member ids of story `story`, in insertion order, and its representative's id.
    pub fn members(&self, story: StoryId) -> Option<(Vec<String>, String)> {
        let inner = self.read();
        let s = inner.stories.get(&story)?;
        let ids = s
            .members
            .iter()
            .filter_map(|&m| inner.doc(m).map(|d| d.id.clone()))
            .collect();
        Some((ids, inner.doc(s.representative)?.id.clone()))
    }

    /// Adds an article and assigns it to a story. An id already in the index is an error
    /// ([`Error::DuplicateId`]) and changes nothing.
    pub fn insert(&self, id: &str, text: &str, time: Timestamp) -> Result<Assignment, Error> {
        let features = self.signer.features(text);
        let mut inner = self.write();
        if inner.ids.contains_key(id) {
            return Err(Error::DuplicateId(id.to_string()));
        }
        if let Some(window) = inner.window {
            if time > inner.newest {
                inner.newest = time;
                let cutoff = time.saturating_sub(window);
                inner.evict_older_than(&self.signer, cutoff);
            }
        } else {
            inner.newest = inner.newest.max(time);
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let slot = inner.place(
            &self.signer,
            Doc {
                id: id.to_string(),
                seq,
                time,
                story: 0,
                features,
            },
            true,
        );
        let neighbours = inner.neighbours(&self.signer, slot);
        let (cluster, is_new_cluster, merged) = inner.assign(&self.signer, slot, &neighbours);
        Ok(Assignment {
            cluster,
            neighbours: inner.named(&neighbours),
            is_new_cluster,
            merged,
        })
    }

    /// The story `text` would join and its verified neighbours, without inserting it.
    pub fn query(&self, text: &str) -> QueryResult {
        let features = self.signer.features(text);
        let inner = self.read();
        let neighbours = inner.neighbours_of(&self.signer, &features, None);
        let cluster = neighbours.iter().find_map(|&(slot, _)| {
            let story = inner.doc(slot)?.story;
            let rep = inner.stories.get(&story)?.representative;
            let ok = match self.signer.config.chain_floor {
                Some(floor) => inner.similarity_to(&self.signer, &features, None, rep) >= floor,
                None => true,
            };
            ok.then_some(story)
        });
        QueryResult {
            cluster,
            neighbours: inner.named(&neighbours),
        }
    }

    /// Removes article `id`; returns whether it was there. Its story keeps its id (and is
    /// dropped when its last member goes).
    pub fn remove(&self, id: &str) -> bool {
        let mut inner = self.write();
        match inner.ids.get(id).copied() {
            Some(slot) => {
                inner.remove_slot(&self.signer, slot);
                true
            }
            None => false,
        }
    }

    /// Removes every article older than `time`; returns how many.
    pub fn evict_older_than(&self, time: Timestamp) -> usize {
        self.write().evict_older_than(&self.signer, time)
    }

    /// Writes the index: magic bytes, format version, payload length, checksum, payload.
    pub fn save<W: Write>(&self, mut writer: W) -> Result<(), Error> {
        let inner = self.read();
        // Slots are compacted on save, in insertion order: map each live slot to its position.
        let mut live: Vec<(u64, u32)> = inner
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, d)| d.as_ref().map(|d| (d.seq, slot as u32)))
            .collect();
        live.sort_unstable();
        let position: HashMap<u32, u32> = live
            .iter()
            .enumerate()
            .map(|(i, &(_, slot))| (slot, i as u32))
            .collect();
        let mut saturated: Vec<u64> = inner.saturated.keys().copied().collect();
        saturated.sort_unstable();
        let saved = Saved {
            config: self.signer.config.clone(),
            docs: live
                .iter()
                .filter_map(|&(_, slot)| inner.doc(slot).cloned())
                .collect(),
            saturated,
            next_seq: inner.next_seq,
            stories: {
                let mut stories: Vec<(StoryId, Story)> = inner
                    .stories
                    .iter()
                    .map(|(&id, s)| {
                        (
                            id,
                            Story {
                                members: s.members.iter().map(|m| position[m]).collect(),
                                representative: position[&s.representative],
                            },
                        )
                    })
                    .collect();
                stories.sort_unstable_by_key(|s| s.0);
                stories
            },
            next_story: inner.next_story,
            window: inner.window,
            newest: inner.newest,
        };
        let payload =
            bincode::serialize(&saved).map_err(|e| Error::Format(format!("cannot encode: {e}")))?;
        let io = |e: std::io::Error| Error::Input(format!("writing index: {e}"));
        writer.write_all(MAGIC).map_err(io)?;
        writer
            .write_all(&FORMAT_VERSION.to_le_bytes())
            .map_err(io)?;
        writer
            .write_all(&(payload.len() as u64).to_le_bytes())
            .map_err(io)?;
        writer
            .write_all(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes())
            .map_err(io)?;
        writer.write_all(&payload).map_err(io)?;
        writer.flush().map_err(io)
    }

    /// Reads an index written by [`Index::save`]. A file that is not an index, was truncated or
    /// corrupted, or has another format version is an error.
    pub fn load<R: Read>(mut reader: R) -> Result<Index, Error> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Input(format!("reading index: {e}")))?;
        let header = MAGIC.len() + 4 + 8 + 8;
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::Format(
                "not a neardup index (bad magic bytes)".into(),
            ));
        }
        if bytes.len() < header {
            return Err(Error::Format("truncated header".into()));
        }
        let word = |at: usize, n: usize| {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&bytes[at..at + n]);
            u64::from_le_bytes(b)
        };
        let version = word(MAGIC.len(), 4) as u32;
        if version != FORMAT_VERSION {
            return Err(Error::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let len = word(MAGIC.len() + 4, 8);
        let checksum = word(MAGIC.len() + 12, 8);
        let payload = &bytes[header..];
        if payload.len() as u64 != len {
            return Err(Error::Format(format!(
                "truncated or padded: payload is {} bytes, header says {len}",
                payload.len()
            )));
        }
        if xxhash_rust::xxh3::xxh3_64(payload) != checksum {
            return Err(Error::Format(
                "checksum mismatch: the file is corrupted".into(),
            ));
        }
        use bincode::Options;
        let saved: Saved = bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .with_limit(len)
            .deserialize(payload)
            .map_err(|e| Error::Format(format!("cannot decode: {e}")))?;
        Index::from_saved(saved)
    }

    fn from_saved(saved: Saved) -> Result<Index, Error> {
        let bad = |what: &str| Error::Format(format!("inconsistent index: {what}"));
        let index = Index::with_config(saved.config)?;
        {
            let mut inner = index.write();
            inner.window = saved.window;
            inner.newest = saved.newest;
            inner.next_story = saved.next_story;
            inner.next_seq = saved.next_seq;
            inner.saturated = saved.saturated.iter().map(|&t| (t, ())).collect();
            let n = saved.docs.len();
            let mut last_seq = None;
            for doc in saved.docs {
                if !index.signer.accepts(&doc.features) {
                    return Err(bad("features do not match the configuration"));
                }
                if inner.ids.contains_key(&doc.id) {
                    return Err(bad("duplicate id"));
                }
                if doc.seq >= saved.next_seq || last_seq.is_some_and(|l| doc.seq <= l) {
                    return Err(bad("insertion order"));
                }
                last_seq = Some(doc.seq);
                // Postings as saved: no word saturates anew while the documents come back.
                inner.place(&index.signer, doc, false);
            }
            let mut seen = vec![false; n];
            for (id, story) in saved.stories {
                if id >= saved.next_story
                    || story.members.is_empty()
                    || inner.stories.contains_key(&id)
                {
                    return Err(bad("story ids"));
                }
                for &m in &story.members {
                    let m = m as usize;
                    if m >= n || seen[m] || inner.slots[m].as_ref().map(|d| d.story) != Some(id) {
                        return Err(bad("story members"));
                    }
                    seen[m] = true;
                }
                if !story.members.contains(&story.representative) {
                    return Err(bad("story representative"));
                }
                inner.stories.insert(id, story);
            }
            if seen.iter().any(|&s| !s) {
                return Err(bad("an article without a story"));
            }
        }
        Ok(index)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated in a way that
        // matters more than losing the index, so a poisoned lock is still used.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A map keyed by 64-bit hash values (band keys, term hashes, masked fingerprints): one
/// multiply-xorshift spreads them enough, where the default SipHash would cost several times more.
type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Mixes a `u64` key cheaply; see [`KeyMap`].
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are used; fold anything else in anyway, correctly if slowly.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, key: u64) {
        // Masked SimHash keys have all-zero stretches: mix high bits down and low bits up.
        let x = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

/// The buckets of one LSH band or SimHash table, as doubly linked lists threaded through the
/// slots: per key its newest member, per slot its newer and older bucket-mates. About 23 bytes
/// per article and table, where a map of `Vec`s costs three times that.
#[derive(Clone, Debug, Default)]
struct Buckets {
    newest: KeyMap<u32>,
    newer: Vec<u32>,
    older: Vec<u32>,
}

/// No slot: the end of a bucket's list.
const NIL: u32 = u32::MAX;

impl Buckets {
    fn insert(&mut self, key: u64, slot: u32) {
        let i = slot as usize;
        if self.older.len() <= i {
            self.older.resize(i + 1, NIL);
            self.newer.resize(i + 1, NIL);
        }
        let previous = self.newest.insert(key, slot).unwrap_or(NIL);
        self.older[i] = previous;
        self.newer[i] = NIL;
        if previous != NIL {
            self.newer[previous as usize] = slot;
        }
    }

    fn remove(&mut self, key: u64, slot: u32) {
        let i = slot as usize;
        let (older, newer) = (self.older[i], self.newer[i]);
        if newer == NIL {
            if older == NIL {
                self.newest.remove(&key);
            } else {
                self.newest.insert(key, older);
            }
        } else {
            self.older[newer as usize] = older;
        }
        if older != NIL {
            self.newer[older as usize] = newer;
        }
        self.older[i] = NIL;
        self.newer[i] = NIL;
    }

    /// The members of bucket `key`, newest first.
    fn newest_first(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.newest.get(&key).copied().unwrap_or(NIL);
        std::iter::from_fn(move || {
            (at != NIL).then(|| {
                let slot = at;
                at = self.older[slot as usize];
                slot
            })
        })
    }

    fn memory_bytes(&self) -> usize {
        self.newest.capacity() * (8 + 4 + 1) + 4 * (self.newer.capacity() + self.older.capacity())
    }
}

/// Largest story whose representative is re-chosen by pairwise similarity after removal.
const RECENTER_LIMIT: usize = 64;

const MAGIC: &[u8; 8] = b"NDUPIDX\0";
/// Version of the saved-index format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    config: Config,
    /// Live documents in insertion order.
    docs: Vec<Doc>,
    /// Weighted method: the words without postings.
    saturated: Vec<u64>,
    next_seq: u64,
    stories: Vec<(StoryId, Story)>,
    next_story: StoryId,
    window: Option<Timestamp>,
    newest: Timestamp,
}

impl Signer {
    fn new(config: Config) -> Result<Signer, Error> {
        let mut signer = Signer {
            minhasher: None,
            simhasher: None,
            banding: None,
            tables: Vec::new(),
            config,
        };
        let c = &signer.config;
        match c.method {
            Method::MinHash => {
                signer.minhasher = Some(MinHasher::new(MinHashParams {
                    num_perm: c.num_perm,
                    seed: c.seed,
                    shingles: c.shingles,
                })?);
                signer.banding = Some(c.banding()?);
            }
            Method::SimHash => {
                signer.simhasher = Some(SimHasher::new(c.shingles, c.seed)?);
                signer.tables = simhash_tables(c.simhash_distance);
            }
            Method::Weighted => {}
        }
        Ok(signer)
    }

    fn table_count(&self) -> usize {
        match self.config.method {
            Method::MinHash => self.banding.map_or(0, |b| b.bands()),
            Method::SimHash => self.tables.len(),
            Method::Weighted => 1,
        }
    }

    fn features(&self, text: &str) -> DocFeatures {
        if let Some(h) = &self.minhasher {
            let set = h.shingler().shingle(text);
            let signature = h.sign_shingles(&set).values().to_vec();
            let set = if self.config.verification == Verification::Exact {
                // Held for the life of the article: drop the slack from deduplication.
                let mut set = set;
                set.shrink_to_fit();
                set
            } else {
                Vec::new()
            };
            DocFeatures::MinHash { signature, set }
        } else if let Some(s) = &self.simhasher {
            let (fp, size) = s.clone().fingerprint_and_size(text, |_| 1.0);
            DocFeatures::SimHash {
                fingerprint: fp.0,
                size: size as u32,
            }
        } else {
            DocFeatures::Weighted {
                terms: content_terms(text, self.config.profile.seed),
            }
        }
    }

    fn accepts(&self, f: &DocFeatures) -> bool {
        match (self.config.method, f) {
            (Method::MinHash, DocFeatures::MinHash { signature, .. }) => {
                signature.len() == self.config.num_perm
            }
            (Method::SimHash, DocFeatures::SimHash { .. }) => true,
            (Method::Weighted, DocFeatures::Weighted { .. }) => true,
            _ => false,
        }
    }

    /// The bucket keys of a document: its band keys or SimHash block keys.
    fn keys(&self, f: &DocFeatures) -> Vec<(usize, u64)> {
        match f {
            DocFeatures::MinHash { signature, .. } => {
                if signature.iter().all(|&v| v == u32::MAX) {
                    return Vec::new(); // an empty document is similar to nothing
                }
                let b = self.banding.expect("MinHash signer has a banding");
                (0..b.bands())
                    .map(|i| (i, band_key(&signature[i * b.rows()..(i + 1) * b.rows()])))
                    .collect()
            }
            DocFeatures::SimHash { fingerprint, size } => {
                if *size == 0 {
                    return Vec::new();
                }
                self.tables
                    .iter()
                    .enumerate()
                    .map(|(i, &mask)| (i, fingerprint & mask))
                    .collect()
            }
            // The weighted method keeps postings of words instead (`Inner::postings`).
            DocFeatures::Weighted { .. } => Vec::new(),
        }
    }

    fn content(&self, f: &DocFeatures) -> f64 {
        match f {
            DocFeatures::MinHash { set, signature } => {
                if set.is_empty() {
                    f64::from(u8::from(signature.iter().any(|&v| v != u32::MAX)))
                } else {
                    set.len() as f64
                }
            }
            DocFeatures::SimHash { size, .. } => f64::from(*size),
            DocFeatures::Weighted { terms } => terms.len() as f64,
        }
    }
}

impl Inner {
    fn doc(&self, slot: u32) -> Option<&Doc> {
        self.slots.get(slot as usize)?.as_ref()
    }

    /// Stores `doc` in a free slot (or a new one), indexes it, and returns the slot.
    fn place(&mut self, signer: &Signer, doc: Doc, may_saturate: bool) -> u32 {
        let slot = self.free.pop().unwrap_or(self.slots.len() as u32);
        self.add_to_tables(signer, slot, &doc.features, may_saturate);
        self.ids.insert(doc.id.clone(), slot);
        self.by_time.insert((doc.time, doc.seq, slot));
        match self.slots.get_mut(slot as usize) {
            Some(s) => *s = Some(doc),
            None => self.slots.push(Some(doc)),
        }
        self.live += 1;
        slot
    }

    fn add_to_tables(&mut self, signer: &Signer, slot: u32, f: &DocFeatures, may_saturate: bool) {
        if let DocFeatures::Weighted { terms } = f {
            // Postings only for words that can still be anchors: a word in more than four
            // times the specificity bound of documents never will, and its list would make
            // every removal slow.
            let cap = (4.0 * signer.config.profile.max_specific_df(self.live + 1)).max(256.0);
            for &t in terms {
                *self.df.entry(t).or_default() += 1;
                if self.saturated.contains_key(&t) {
                    continue;
                }
                let list = self.postings.entry(t).or_default();
                list.push(slot);
                if may_saturate && list.len() as f64 > cap {
                    self.postings.remove(&t);
                    self.saturated.insert(t, ());
                }
            }
            return;
        }
        for (table, key) in signer.keys(f) {
            self.buckets[table].insert(key, slot);
        }
    }

    fn remove_from_tables(&mut self, signer: &Signer, slot: u32, f: &DocFeatures) {
        if let DocFeatures::Weighted { terms } = f {
            for t in terms {
                if let Some(list) = self.postings.get_mut(t) {
                    list.retain(|&s| s != slot);
                    if list.is_empty() {
                        self.postings.remove(t);
                    }
                }
                if let Some(d) = self.df.get_mut(t) {
                    *d -= 1;
                    if *d == 0 {
                        self.df.remove(t);
                    }
                }
            }
            return;
        }
        for (table, key) in signer.keys(f) {
            self.buckets[table].remove(key, slot);
        }
    }

    /// Verified neighbours of the document in `slot`, most similar first.
    fn neighbours(&self, signer: &Signer, slot: u32) -> Vec<(u32, f64)> {
        match self.doc(slot) {
            Some(doc) => self.neighbours_of(signer, &doc.features, Some(slot)),
            None => Vec::new(),
        }
    }

    /// Verified neighbours of `f` (the document in `own`, if it is indexed), most similar first.
    fn neighbours_of(&self, signer: &Signer, f: &DocFeatures, own: Option<u32>) -> Vec<(u32, f64)> {
        let mut candidates: Vec<u32> = match f {
            DocFeatures::Weighted { terms } => self.weighted_candidates(signer, terms, own),
            _ => {
                let mut c = Vec::new();
                for (table, key) in signer.keys(f) {
                    // The newest bucket-mates, as the batch index caps a bucket's pairs.
                    let others = self.buckets[table].newest_first(key);
                    c.extend(others.filter(|&s| Some(s) != own).take(MAX_BUCKET));
                }
                c
            }
        };
        candidates.sort_unstable();
        candidates.dedup();
        let threshold = signer.config.threshold() - 1e-9;
        let mut found: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|s| (s, self.similarity_to(signer, f, own, s)))
            .filter(|&(_, sim)| sim >= threshold)
            .collect();
        // Ties go to the earlier article (insertion order survives save and load; slots don't).
        let seq = |s: u32| self.doc(s).map_or(u64::MAX, |d| d.seq);
        found.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(seq(a.0).cmp(&seq(b.0))));
        found
    }

    /// Weighted method: documents sharing enough of the query's anchors.
    fn weighted_candidates(&self, signer: &Signer, terms: &[u64], own: Option<u32>) -> Vec<u32> {
        let p = &signer.config.profile;
        let extra = u32::from(own.is_none()); // a query counts itself, as if inserted
        let n = self.live + extra as usize;
        // A saturated word has no postings: it cannot be an anchor, whatever its count now.
        let dfs: Vec<u32> = terms
            .iter()
            .map(|t| match self.saturated.contains_key(t) {
                true => u32::MAX,
                false => self.df.get(t).copied().unwrap_or(0) + extra,
            })
            .collect();
        let anchors = p.anchors(terms, &dfs, n, 2);
        let need = p.min_shared_anchors.min(anchors.len()).max(1);
        let mut hits: Vec<u32> = anchors
            .iter()
            .filter_map(|t| self.postings.get(t))
            .flat_map(|list| list.iter().copied().filter(|&s| Some(s) != own))
            .collect();
        hits.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let j = hits[i..].iter().take_while(|&&h| h == hits[i]).count();
            if j >= need {
                out.push(hits[i]);
            }
            i += j;
        }
        out
    }

    /// Similarity of features `f` (indexed in `own`, or a query) to the document in `slot`.
    fn similarity_to(&self, signer: &Signer, f: &DocFeatures, own: Option<u32>, slot: u32) -> f64 {
        let Some(other) = self.doc(slot) else {
            return 0.0;
        };
        match (f, &other.features) {
            (
                DocFeatures::MinHash {
                    signature: a,
                    set: sa,
                },
                DocFeatures::MinHash {
                    signature: b,
                    set: sb,
                },
            ) => {
                if sa.is_empty() || sb.is_empty() {
                    if a.iter().all(|&v| v == u32::MAX) || b.iter().all(|&v| v == u32::MAX) {
                        return 0.0;
                    }
                    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
                    eq as f64 / a.len() as f64
                } else {
                    shingle::jaccard(sa, sb)
                }
            }
            (
                DocFeatures::SimHash {
                    fingerprint: a,
                    size: na,
                },
                DocFeatures::SimHash {
                    fingerprint: b,
                    size: nb,
                },
            ) => {
                if *na == 0 || *nb == 0 {
                    0.0
                } else {
                    Fingerprint(*a).similarity(Fingerprint(*b))
                }
            }
            (DocFeatures::Weighted { terms: a }, DocFeatures::Weighted { terms: b }) => {
                let p = &signer.config.profile;
                let extra = u32::from(own.is_none());
                let n = self.live + extra as usize;
                let df = |t: &u64, in_query: bool| {
                    let d = self.df.get(t).copied().unwrap_or(0);
                    d + if in_query { extra } else { 0 }
                };
                let wa: Vec<f32> = a.iter().map(|t| p.weight(*t, df(t, true), n)).collect();
                let wb: Vec<f32> = b
                    .iter()
                    .map(|t| p.weight(*t, df(t, a.binary_search(t).is_ok()), n))
                    .collect();
                profile::similarity(a, &wa, b, &wb)
            }
            _ => 0.0,
        }
    }

    fn named(&self, found: &[(u32, f64)]) -> Vec<(String, f64)> {
        found
            .iter()
            .filter_map(|&(s, sim)| Some((self.doc(s)?.id.clone(), sim)))
            .collect()
    }

    /// Puts the new document in `slot` into a story, merging the stories it bridges.
    fn assign(
        &mut self,
        signer: &Signer,
        slot: u32,
        neighbours: &[(u32, f64)],
    ) -> (StoryId, bool, Vec<StoryId>) {
        let floor = signer.config.chain_floor;
        // Start as a story of its own, then merge with neighbours' stories strongest first,
        // exactly as the batch union-find applies edges (same guard).
        // The provisional id is larger than every id handed out, so it survives no merge and
        // is handed out only if the document starts a story.
        let own = self.next_story;
        self.stories.insert(
            own,
            Story {
                members: vec![slot],
                representative: slot,
            },
        );
        if let Some(d) = self.slots[slot as usize].as_mut() {
            d.story = own;
        }
        let mut current = own;
        let mut absorbed = Vec::new();
        for &(n, _) in neighbours {
            let Some(other) = self.doc(n).map(|d| d.story) else {
                continue;
            };
            if other == current {
                continue;
            }
            if let Some(merged_into) = self.merge(signer, current, other, floor) {
                let gone = if merged_into == current {
                    other
                } else {
                    current
                };
                if gone != own {
                    absorbed.push(gone);
                }
                current = merged_into;
            }
        }
        absorbed.sort_unstable();
        if current == own {
            self.next_story += 1;
        }
        (current, current == own, absorbed)
    }

    /// Merges stories `a` and `b` if the guard allows; the older id survives. Returns it.
    fn merge(
        &mut self,
        signer: &Signer,
        a: StoryId,
        b: StoryId,
        floor: Option<f64>,
    ) -> Option<StoryId> {
        let (sa, sb) = (self.stories.get(&a)?, self.stories.get(&b)?);
        let content = |s: &Story| {
            self.doc(s.representative)
                .map_or(0.0, |d| signer.content(&d.features))
        };
        // The larger story keeps its representative; only the smaller side is checked.
        let a_bigger = (sa.members.len(), content(sa), std::cmp::Reverse(a)).partial_cmp(&(
            sb.members.len(),
            content(sb),
            std::cmp::Reverse(b),
        )) != Some(std::cmp::Ordering::Less);
        let (big, small) = if a_bigger { (a, b) } else { (b, a) };
        let rep = self.stories[&big].representative;
        if let Some(floor) = floor {
            let rep_features = &self.doc(rep)?.features;
            let ok = self.stories[&small].members.iter().all(|&m| {
                m == rep || self.similarity_to(signer, rep_features, Some(rep), m) >= floor
            });
            if !ok {
                return None;
            }
        }
        let (keep, gone) = (a.min(b), a.max(b));
        let moved = self.stories.remove(&gone)?.members;
        for &m in &moved {
            if let Some(Some(d)) = self.slots.get_mut(m as usize) {
                d.story = keep;
            }
        }
        let mut members = std::mem::take(&mut self.stories.get_mut(&keep)?.members);
        members.extend(moved);
        members.sort_unstable_by_key(|&m| self.doc(m).map_or(u64::MAX, |d| d.seq));
        let story = self.stories.get_mut(&keep)?;
        story.members = members;
        story.representative = rep;
        Some(keep)
    }

    fn remove_slot(&mut self, signer: &Signer, slot: u32) {
        let Some(doc) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.remove_from_tables(signer, slot, &doc.features);
        self.ids.remove(&doc.id);
        self.by_time.remove(&(doc.time, doc.seq, slot));
        self.free.push(slot);
        self.live -= 1;
        let Some(story) = self.stories.get_mut(&doc.story) else {
            return;
        };
        story.members.retain(|&m| m != slot);
        if story.members.is_empty() {
            self.stories.remove(&doc.story);
        } else if story.representative == slot {
            let members = story.members.clone();
            let rep = self.new_representative(signer, &members);
            if let Some(s) = self.stories.get_mut(&doc.story) {
                s.representative = rep;
            }
        }
    }

    /// A story's representative after the old one left. With the chain guard: the member whose
    /// least similar fellow member is most similar (so the guard's invariant holds whenever
    /// some member can keep it), for stories up to [`RECENTER_LIMIT`] members; otherwise, and
    /// on ties, the fullest text, then the earliest.
    fn new_representative(&self, signer: &Signer, members: &[u32]) -> u32 {
        let content = |s: u32| self.doc(s).map_or(0.0, |d| signer.content(&d.features));
        let seq = |s: u32| self.doc(s).map_or(u64::MAX, |d| d.seq);
        let worst = |c: u32| -> f64 {
            let Some(f) = self.doc(c).map(|d| &d.features) else {
                return 0.0;
            };
            members
                .iter()
                .filter(|&&m| m != c)
                .map(|&m| self.similarity_to(signer, f, Some(c), m))
                .fold(1.0, f64::min)
        };
        let guard = signer.config.chain_floor.is_some() && members.len() <= RECENTER_LIMIT;
        let key = |s: u32| (if guard { worst(s) } else { 0.0 }, content(s));
        members
            .iter()
            .copied()
            .max_by(|&x, &y| {
                let (kx, ky) = (key(x), key(y));
                kx.0.total_cmp(&ky.0)
                    .then(kx.1.total_cmp(&ky.1))
                    .then(seq(y).cmp(&seq(x)))
            })
            .unwrap_or(members[0])
    }

    fn evict_older_than(&mut self, signer: &Signer, time: Timestamp) -> usize {
        let mut evicted = 0;
        while let Some(&(t, _, slot)) = self.by_time.first() {
            if t >= time {
                break;
            }
            self.remove_slot(signer, slot);
            evicted += 1;
        }
        evicted
    }
}
