//! The incremental side: an [`Index`] that assigns each arriving article to a cluster (a
//! story, for news) at once.
//!
//! It runs the same stages as a batch [`crate::Clusterer`] on one document at a time: features
//! (signature, fingerprint or profile), candidates from live tables (LSH bands, SimHash tables,
//! or postings of rare words), verification against the threshold, and the same chain guard.
//!
//! - **Stable cluster ids.** A cluster id, once handed out, keeps naming its cluster. When an
//!   article bridges two clusters they merge, the older (smaller) id survives, and the merge is
//!   reported in the [`Assignment`]. Removing or evicting articles never renumbers or splits a cluster.
//! - **Every SimHash neighbour.** With the SimHash method, every article within the Hamming
//!   distance shares a table bucket with the query (pigeonhole over the blocks), and buckets are
//!   walked whole, whatever their size, so none is missed (tested with buckets far larger than
//!   [`crate::lsh::MAX_BUCKET`]). MinHash band buckets keep their documented cap: a query takes
//!   the newest [`crate::lsh::MAX_BUCKET`] members of each.
//! - **Batch equivalence.** For the MinHash and SimHash methods without a chain guard (the
//!   near-duplicate preset), inserting documents one by one gives exactly the clusters of a
//!   batch call (tested), for MinHash as long as no band bucket exceeds the cap (and barring
//!   32-bit coincidences: the index compares shingle sets folded to 32 bits and names a
//!   bucket by 32 bits of its key, which can change an answer only for a pair within about
//!   1/|A ∪ B| of the threshold, with odds near |A|·|B| / 2^32, or add a candidate that then
//!   verifies; see `index/search.rs` and `index/tables.rs`). The
//!   weighted method measures word rarity over the documents indexed so far, so early
//!   assignments can differ from a batch run over the whole corpus.
//! - **Story links at first sight.** The story method lists every neighbour at the threshold
//!   but links an article to a cluster only through a neighbour at least twice as similar
//!   (`index/clusters.rs`, `STORY_LINK_FACTOR`): the batch links strongest edges first with
//!   hindsight over the whole input, the index decides as each article arrives and never
//!   splits, so the first report of a new event would otherwise join a similar earlier event
//!   and draw every later report of its own event after it.
//! - **Time window.** [`Index::evict_older_than`], or a window set with
//!   [`Index::with_window`], removes old articles so memory stays bounded on an endless stream
//!   (freed slots are reused; eviction takes the oldest first from a time-ordered set). An
//!   article older than the window is still inserted, and evicted when a newer one arrives.
//! - **Save and load** in a compact binary format with a version header and a checksum
//!   ([`mod@format`]); a truncated, corrupted, crafted or wrong-version file is an error,
//!   never a panic, an overflow or a hang.
//! - **Idempotent replay.** Inserting an id again with the same text changes nothing and
//!   answers with `replayed: true` (see [`Index::insert`]), so a stream can resume from a
//!   checkpoint.
//! - **Rare-word postings.** The weighted method keeps postings only for words in at most four
//!   times the specificity bound of documents (at least 256); a word that once grew past it is
//!   never an anchor again, even if evictions later make it rare (the set is saved with the
//!   index, so a loaded index answers alike).
//! - **Interned terms.** The weighted methods keep each live term once, in a term table with
//!   its document frequency and postings (`index/terms.rs`); an article holds 32-bit ids, packed
//!   in 2 or 3 bytes each, in the order of its terms, so every sum and tie-break runs as over the
//!   terms themselves and answers do not depend on the ids.
//! - **Bounded work per article.** The weighted method reads the newest
//!   [`crate::lsh::MAX_BUCKET`] postings of each anchor (as MinHash reads the newest members of
//!   a band bucket) and verifies at most 32 candidates, those sharing the most anchors (then
//!   the newest), so `neighbours` lists at most 32 articles; a candidate whose similarity
//!   cannot reach the threshold, whatever its own words weigh, is dropped before its weights
//!   are looked up. An insert costs about the same at a million articles as at a thousand.
//! - **No stalls.** Hash tables are split into 64 shards that grow one at a time and slot
//!   arrays grow by fixed chunks, so no insert waits while a whole table is rehashed or
//!   copied; [`Index::with_capacity`] presizes the tables when the size is known.
//! - **Removal.** Removing an article never splits its cluster. If it was the representative,
//!   the member whose least similar fellow member is most similar takes over, which keeps the
//!   chain guard's invariant whenever any member can; a cluster can still end up held together
//!   only by members that left.
//! - **Concurrency.** `Index` is `Send + Sync`: queries run in parallel under a read lock while
//!   one thread inserts. An insert computes its features without the lock and searches and
//!   verifies its candidates under the read lock, beside the queries; it takes the write lock
//!   only to apply the result (if another insert or a window eviction changed the index
//!   meanwhile, it searches again under the write lock, so answers are those of inserts
//!   applied one after another).

mod clusters;
pub(crate) use clusters::STORY_LINK_FACTOR;
mod features;
pub mod format;
mod search;
mod sharded;
mod store;
mod tables;
mod terms;

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Method, Preset};
use crate::error::Error;

use clusters::Cluster;
use features::Signer;
use sharded::{Chunked, Sharded};
use store::Doc;
use tables::Buckets;
use terms::Terms;

pub use format::FORMAT_VERSION;
pub use store::MemoryUsage;

/// A point in time, in seconds since the Unix epoch.
pub type Timestamp = i64;

/// A cluster id: stable for the life of the cluster.
pub type ClusterId = u64;

/// Where an inserted article went.
///
/// New fields may be added (it is `#[non_exhaustive]`); read the fields, don't build one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assignment {
    /// The cluster the article joined (or started).
    pub cluster: ClusterId,
    /// Verified similar articles already in the index, most similar first: `(id, similarity)`.
    pub neighbours: Vec<(String, f64)>,
    /// Whether the article started a new cluster.
    pub is_new_cluster: bool,
    /// Clusters absorbed into `cluster` because this article bridged them (their ids are retired).
    pub merged: Vec<ClusterId>,
    /// Whether the article was already in the index with the same text, so nothing changed
    /// (see [`Index::insert`]).
    #[serde(default)]
    pub replayed: bool,
}

/// What a query found, without inserting anything.
///
/// New fields may be added (it is `#[non_exhaustive]`); read the fields, don't build one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryResult {
    /// The cluster the text would join, if any.
    pub cluster: Option<ClusterId>,
    /// Verified similar articles in the index, most similar first: `(id, similarity)`.
    pub neighbours: Vec<(String, f64)>,
}

/// An incrementally built index of articles grouped into clusters. See the module docs.
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

/// Everything behind the lock. The maps are [`Sharded`] and the slot arrays [`Chunked`], so no
/// insert waits for a whole table to be copied (see [`mod@sharded`]).
#[derive(Debug)]
struct Inner {
    slots: Chunked<Option<Doc>>,
    /// Slots ever used: the next new slot.
    slot_count: u32,
    /// Slots freed by removals, reused so an endless stream does not grow `slots`.
    free: Vec<u32>,
    /// Live slots by (time, insertion order): eviction takes from the front.
    by_time: BTreeSet<(Timestamp, u64, u32)>,
    next_seq: u64,
    /// Slot by xxh3-64 of the id (interned: the id itself is kept once, in its `Doc`).
    ids: Sharded<u32>,
    /// The rare id whose hash another live id already holds in `ids`.
    id_overflow: HashMap<Box<str>, u32>,
    /// MinHash: one per band; SimHash: one per table.
    buckets: Vec<Buckets>,
    /// Weighted method: the term table, with each term's document frequency among live
    /// documents, its postings (oldest first), and the terms too common to keep postings for
    /// (never anchors).
    terms: Terms,
    /// Clusters of two or more members.
    clusters: Sharded<Cluster>,
    /// Clusters of one member (most of them, in a news stream): its slot, by cluster id.
    singles: Sharded<u32>,
    /// Bumped by every change: an insert that searched under the read lock checks it
    /// under the write lock to know its answer still holds.
    version: u64,
    next_cluster: ClusterId,
    window: Option<Timestamp>,
    newest: Timestamp,
    live: usize,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            slots: Chunked::new(None),
            slot_count: 0,
            free: Vec::new(),
            by_time: BTreeSet::new(),
            next_seq: 0,
            ids: Sharded::default(),
            id_overflow: HashMap::new(),
            buckets: Vec::new(),
            terms: Terms::default(),
            clusters: Sharded::default(),
            singles: Sharded::default(),
            version: 0,
            next_cluster: 0,
            window: None,
            newest: 0,
            live: 0,
        }
    }
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
            Method::Weighted | Method::Story => 0,
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

    /// The window (seconds) in use, if any: articles older than this before the newest are
    /// evicted.
    pub fn window(&self) -> Option<Timestamp> {
        self.read().window
    }

    /// The same index without a window: no article is evicted for its age (the articles
    /// already evicted stay out).
    pub fn without_window(self) -> Index {
        self.write().window = None;
        self
    }

    /// The same index, with room for `n` articles reserved in its hash tables: an optional
    /// hint. Without it, tables grow one shard (1/64) at a time, so no insert stalls on a
    /// whole table's growth either way; with it, none of that growth happens until `n`.
    pub fn with_capacity(self, n: usize) -> Index {
        {
            let mut inner = self.write();
            inner.ids.reserve(n);
            inner.singles.reserve(n);
            for b in &mut inner.buckets {
                b.reserve(n);
            }
        }
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.signer.config
    }

    /// The latest time of any article inserted so far (the clock of the window), or `None`
    /// if nothing was ever inserted. A feed resumed from a saved index continues from it.
    pub fn newest(&self) -> Option<Timestamp> {
        let inner = self.read();
        (inner.next_seq > 0).then_some(inner.newest)
    }

    /// Number of live articles.
    pub fn len(&self) -> usize {
        self.read().live
    }

    /// Whether the index holds no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of live clusters.
    pub fn clusters(&self) -> usize {
        let inner = self.read();
        inner.clusters.len() + inner.singles.len()
    }

    /// An estimate of the heap memory the index holds, in bytes: features, tables, ids and
    /// clusters (hash tables counted at their capacity). For capacity planning and monitoring.
    pub fn memory_bytes(&self) -> usize {
        self.memory_usage().total()
    }

    /// [`Index::memory_bytes`] part by part: documents, features, tables, ids, clusters, order.
    pub fn memory_usage(&self) -> MemoryUsage {
        self.read().memory_usage()
    }

    /// The cluster of article `id`, if it is in the index.
    pub fn cluster_of(&self, id: &str) -> Option<ClusterId> {
        let inner = self.read();
        let slot = inner.slot_of(id)?;
        inner.doc(slot).map(|d| d.cluster)
    }

    /// The member ids of cluster `cluster`, in insertion order, and its representative's id.
    pub fn members(&self, cluster: ClusterId) -> Option<(Vec<String>, String)> {
        let inner = self.read();
        let ids = inner
            .members_of(cluster)?
            .filter_map(|m| inner.doc(m).map(|d| d.id.to_string()))
            .collect();
        let rep = inner.representative(cluster)?;
        Some((ids, inner.doc(rep)?.id.to_string()))
    }

    /// Adds an article and assigns it to a cluster.
    ///
    /// **Replay is idempotent.** If `id` is already in the index with the same text (compared
    /// by a 64-bit xxh3 hash of the text, kept with each article and saved with the index),
    /// nothing changes and the answer has `replayed: true`, the article's current cluster,
    /// `is_new_cluster: false`, no `merged` ids, and its neighbours as they are now (itself
    /// excluded), whatever `time` says. So a stream can be replayed from a checkpoint after a
    /// crash. The same id with another text is an error ([`Error::DuplicateId`]) and changes
    /// nothing; so is an index whose insertion numbers, cluster ids or slots are used up
    /// ([`Error::Capacity`]).
    pub fn insert(&self, id: &str, text: &str, time: Timestamp) -> Result<Assignment, Error> {
        let text_hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        if let Some(replayed) = self.replay(id, text_hash) {
            return replayed;
        }
        let features = self.signer.features(text);
        let keys = self.signer.keys(&features);
        // Candidates and their verification, the bulk of the work, under the read lock
        // (queries go on meanwhile); the write lock only applies the result. Searching as a
        // query gives what searching after placing would (a query counts itself in the
        // document frequencies), unless the index changed in between or the window evicts.
        let searched = {
            let inner = self.read();
            let evicts = inner.window.is_some_and(|w| {
                time > inner.newest
                    && inner
                        .by_time
                        .first()
                        .is_some_and(|&(t, _, _)| t < time.saturating_sub(w))
            });
            (!evicts).then(|| {
                let found = inner.neighbours_of(&self.signer, &features, &keys, None);
                (inner.version, found)
            })
        };
        let mut inner = self.write();
        if inner.slot_of(id).is_some() {
            // Inserted by another thread since `replay` looked.
            drop(inner);
            return self
                .replay(id, text_hash)
                .unwrap_or_else(|| Err(Error::DuplicateId(id.to_string())));
        }
        inner.check_capacity(&features)?;
        let version = inner.version; // before this insert's own changes (eviction included)
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
        inner.next_seq = seq.saturating_add(1); // below u64::MAX: checked above
        let slot = inner.place(
            &self.signer,
            Doc {
                id: id.into(),
                seq,
                time,
                cluster: 0,
                text_hash,
                features,
            },
            &keys,
            true,
        );
        let neighbours = match searched {
            Some((v, found)) if v == version => found,
            _ => inner.neighbours(&self.signer, slot),
        };
        let (cluster, is_new_cluster, merged) = inner.assign(&self.signer, slot, &neighbours);
        Ok(Assignment {
            cluster,
            neighbours: inner.named(&neighbours),
            is_new_cluster,
            merged,
            replayed: false,
        })
    }

    /// The answer to inserting `id` again: `None` if it is not in the index, a replayed
    /// assignment if its text hash is `text_hash`, [`Error::DuplicateId`] otherwise.
    fn replay(&self, id: &str, text_hash: u64) -> Option<Result<Assignment, Error>> {
        let inner = self.read();
        let slot = inner.slot_of(id)?;
        let doc = inner.doc(slot)?;
        if doc.text_hash != text_hash {
            return Some(Err(Error::DuplicateId(id.to_string())));
        }
        let neighbours = inner.neighbours(&self.signer, slot);
        Some(Ok(Assignment {
            cluster: doc.cluster,
            neighbours: inner.named(&neighbours),
            is_new_cluster: false,
            merged: Vec::new(),
            replayed: true,
        }))
    }

    /// The cluster `text` would join and its verified neighbours, without inserting it.
    pub fn query(&self, text: &str) -> QueryResult {
        let features = self.signer.features(text);
        let keys = self.signer.keys(&features);
        let inner = self.read();
        let neighbours = inner.neighbours_of(&self.signer, &features, &keys, None);
        let link = self.signer.link_threshold();
        let linked = neighbours.iter().take_while(|&&(_, sim)| sim >= link);
        let cluster = linked.copied().find_map(|(slot, _)| {
            let cluster = inner.doc(slot)?.cluster;
            let rep = inner.representative(cluster)?;
            let ok = match self.signer.config.chain_floor {
                Some(floor) => inner.similarity_to(&self.signer, &features, None, rep) >= floor,
                None => true,
            };
            ok.then_some(cluster)
        });
        QueryResult {
            cluster,
            neighbours: inner.named(&neighbours),
        }
    }

    /// Removes article `id`; returns whether it was there. Its cluster keeps its id (and is
    /// dropped when its last member goes).
    pub fn remove(&self, id: &str) -> bool {
        let mut inner = self.write();
        match inner.slot_of(id) {
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

    /// Writes the index in the format of [`mod@format`]: a header (magic bytes, format version,
    /// payload length, checksum) and the payload.
    pub fn save<W: Write>(&self, writer: W) -> Result<(), Error> {
        format::write(self, writer)
    }

    /// Reads an index written by [`Index::save`]. A file that is not an index, was truncated or
    /// corrupted, or has another format version is an error.
    pub fn load<R: Read>(reader: R) -> Result<Index, Error> {
        format::read(reader)
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
