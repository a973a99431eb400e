//! Slot storage: documents in reusable slots, ids, time order, the free list, and eviction.

use std::collections::hash_map::Entry;

use super::clusters::Cluster;
use super::features::{DocFeatures, Signer};
use super::tables::{Buckets, NIL};
use super::{ClusterId, Inner, Timestamp};
use crate::error::Error;

#[derive(Clone, Debug)]
pub(super) struct Doc {
    pub(super) id: Box<str>,
    /// Insertion order, kept across save and load (slots are reused and compacted).
    pub(super) seq: u64,
    pub(super) time: Timestamp,
    pub(super) cluster: ClusterId,
    /// xxh3-64 of the text: a replayed insert is recognised by it.
    pub(super) text_hash: u64,
    pub(super) features: DocFeatures,
}

/// The key of an id in the id table.
#[cfg(not(test))]
fn id_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// Unit tests key ids by their length, so that ids of one length collide like 64-bit hashes
/// almost never do, and the overflow path is exercised.
#[cfg(test)]
fn id_key(id: &str) -> u64 {
    id.len() as u64
}

impl Inner {
    /// Fails if one more article, with features `f`, would overflow the insertion numbers,
    /// the cluster ids, the slots or the term ids (`u32`, [`NIL`] excluded).
    pub(super) fn check_capacity(&self, f: &DocFeatures) -> Result<(), Error> {
        let terms = match f {
            DocFeatures::Weighted { terms } => terms.len(),
            _ => 0,
        };
        if !self.terms.has_room(terms) {
            Err(Error::Capacity(format!(
                "more than {} distinct terms",
                NIL - 1
            )))
        } else if self.next_seq == u64::MAX {
            Err(Error::Capacity("insertion numbers used up".into()))
        } else if self.next_cluster == ClusterId::MAX {
            Err(Error::Capacity("cluster ids used up".into()))
        } else if self.free.is_empty() && self.slot_count == NIL {
            Err(Error::Capacity(format!("more than {} articles", NIL - 1)))
        } else {
            Ok(())
        }
    }

    pub(super) fn doc(&self, slot: u32) -> Option<&Doc> {
        self.slots.get(slot)?.as_ref()
    }

    pub(super) fn doc_mut(&mut self, slot: u32) -> Option<&mut Doc> {
        self.slots.get_mut(slot)?.as_mut()
    }

    /// The slot of article `id`, if it is in the index.
    pub(super) fn slot_of(&self, id: &str) -> Option<u32> {
        match self.ids.get(&id_key(id)) {
            Some(&slot) if self.doc(slot).is_some_and(|d| &*d.id == id) => Some(slot),
            _ => self.id_overflow.get(id).copied(),
        }
    }

    /// Records that `id` (not in the index) is in `slot`.
    fn add_id(&mut self, id: &str, slot: u32) {
        match self.ids.entry(id_key(id)) {
            Entry::Vacant(e) => {
                e.insert(slot);
            }
            // Another id has the same hash: a 64-bit collision, kept aside.
            Entry::Occupied(_) => {
                self.id_overflow.insert(id.into(), slot);
            }
        }
    }

    fn remove_id(&mut self, id: &str, slot: u32) {
        let key = id_key(id);
        if self.ids.get(&key) == Some(&slot) {
            self.ids.remove(&key);
        } else {
            self.id_overflow.remove(id);
        }
    }

    /// Stores `doc` with bucket keys `keys` in a free slot (or a new one), indexes it, and
    /// returns the slot.
    pub(super) fn place(
        &mut self,
        signer: &Signer,
        mut doc: Doc,
        keys: &[(usize, u64)],
        may_saturate: bool,
    ) -> u32 {
        self.version += 1;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slot_count += 1; // below NIL: checked before (`check_capacity`)
            self.slot_count - 1
        });
        self.add_to_tables(signer, slot, &mut doc.features, keys, may_saturate);
        self.add_id(&doc.id, slot);
        self.by_time.insert((doc.time, doc.seq, slot));
        *self.slots.at(slot) = Some(doc);
        self.live += 1;
        slot
    }

    pub(super) fn remove_slot(&mut self, signer: &Signer, slot: u32) {
        let Some(doc) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.version += 1;
        self.remove_from_tables(signer, slot, &doc.features);
        self.remove_id(&doc.id, slot);
        self.by_time.remove(&(doc.time, doc.seq, slot));
        self.free.push(slot);
        self.live -= 1;
        if self.singles.get(&doc.cluster) == Some(&slot) {
            self.singles.remove(&doc.cluster);
            return;
        }
        let slots = &self.slots;
        let Some(cluster) = self.clusters.get_mut(&doc.cluster) else {
            return;
        };
        // Members are in insertion order: find the leaving one by its number.
        let seq = |m: u32| slots.get(m).and_then(Option::as_ref).map_or(0, |d| d.seq);
        let found = cluster.members.binary_search_by(|&m| match m == slot {
            true => std::cmp::Ordering::Equal,
            false => seq(m).cmp(&doc.seq),
        });
        if let Ok(i) = found {
            cluster.members.remove(i);
        }
        if cluster.members.len() <= 1 {
            // The last member, if any, is its own cluster's representative.
            if let Some(c) = self.clusters.remove(&doc.cluster) {
                if let Some(&last) = c.members.front() {
                    self.singles.insert(doc.cluster, last);
                }
            }
        } else if cluster.representative == slot {
            let members: Vec<u32> = cluster.members.iter().copied().collect();
            let rep = self.new_representative(signer, &members);
            if let (Some(s), Some(rep)) = (self.clusters.get_mut(&doc.cluster), rep) {
                s.representative = rep;
            }
        }
    }

    pub(super) fn evict_older_than(&mut self, signer: &Signer, time: Timestamp) -> usize {
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

    /// See [`super::Index::memory_usage`].
    pub(super) fn memory_usage(&self) -> MemoryUsage {
        use std::mem::size_of;
        // A hash table entry: key, value and one control byte, at the table's capacity.
        let map = |cap: usize, value: usize| cap * (8 + value + 1);
        let live = || self.slots.iter().filter_map(|(_, d)| d.as_ref());
        let documents = self.slots.capacity() * size_of::<Option<Doc>>();
        let features = live()
            .map(|d| match &d.features {
                DocFeatures::MinHash { set } => 4 * set.len(),
                DocFeatures::Signature { values } => 4 * values.len(),
                DocFeatures::SimHash { .. } => 0,
                DocFeatures::Weighted { terms } => 8 * terms.len(),
                DocFeatures::Interned { ids } => ids.heap_bytes(),
            })
            .sum::<usize>();
        let tables: usize = self
            .buckets
            .iter()
            .map(Buckets::memory_bytes)
            .sum::<usize>()
            + self.terms.memory_bytes();
        let ids = map(self.ids.capacity(), 4)
            + live().map(|d| d.id.len()).sum::<usize>()
            + self.id_overflow.capacity() * (size_of::<Box<str>>() + 4 + 1)
            + self.id_overflow.keys().map(|k| k.len()).sum::<usize>();
        let clusters = map(self.clusters.capacity(), size_of::<Cluster>())
            + map(self.singles.capacity(), 4)
            + self
                .clusters
                .values()
                .map(|c| 4 * c.members.capacity())
                .sum::<usize>();
        let order = self.by_time.len() * 48 + self.free.capacity() * 4;
        MemoryUsage {
            documents,
            features,
            tables,
            ids,
            clusters,
            order,
        }
    }
}

/// Where the heap memory of an [`super::Index`] goes, in bytes: an estimate (hash tables
/// counted at their capacity, allocator overhead not counted). See
/// [`super::Index::memory_usage`].
///
/// New fields may be added (it is `#[non_exhaustive]`); read the fields, don't build one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryUsage {
    /// The per-slot records: id, times, cluster, text hash, the features' headers.
    pub documents: usize,
    /// The features' contents: shingle sets, signatures or content term ids.
    pub features: usize,
    /// Candidate tables: LSH band buckets or SimHash tables; for the weighted methods the term
    /// table (terms, document frequencies) and the rare-word postings.
    pub tables: usize,
    /// The ids and the table that finds a slot by id.
    pub ids: usize,
    /// Cluster records and their member lists.
    pub clusters: usize,
    /// Time order (for eviction) and the free slots.
    pub order: usize,
}

impl MemoryUsage {
    /// The sum of every part: [`super::Index::memory_bytes`].
    pub fn total(&self) -> usize {
        self.documents + self.features + self.tables + self.ids + self.clusters + self.order
    }
}

impl std::fmt::Display for MemoryUsage {
    /// `total N B: documents N, features N, tables N, ids N, clusters N, order N`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "total {} B: documents {}, features {}, tables {}, ids {}, clusters {}, order {}",
            self.total(),
            self.documents,
            self.features,
            self.tables,
            self.ids,
            self.clusters,
            self.order
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Doc, DocFeatures};
    use crate::{Index, Preset};

    /// A slot holds a document's record, of which an index keeps one per article: features
    /// behind a box (16 bytes) keep it at 72 bytes, the tag and the id's box included.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn document_records_stay_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<DocFeatures>(), 24);
        assert_eq!(size_of::<Option<Doc>>(), 72);
    }

    /// Ids whose keys collide (see the test `id_key`) are still told apart.
    #[test]
    fn colliding_ids_are_told_apart() {
        let index = Index::new(Preset::NearDuplicate);
        let text = |i: usize| format!("story number {i} about {} things happening today", i * 7);
        for (i, id) in ["a", "b", "c", "dd"].iter().enumerate() {
            index.insert(id, &text(i), i as i64).unwrap();
        }
        assert_eq!(index.len(), 4);
        assert!(!index.inner.read().unwrap().id_overflow.is_empty());
        let clusters = ["a", "b", "c", "dd"].map(|id| index.cluster_of(id));
        assert!(clusters.iter().all(Option::is_some));
        assert_ne!(clusters[0], clusters[1]);
        // Removing the id that holds the shared key leaves the others reachable.
        assert!(index.remove("a"));
        assert_eq!(index.cluster_of("a"), None);
        assert_eq!(index.cluster_of("b"), clusters[1]);
        assert_eq!(index.cluster_of("c"), clusters[2]);
        // Re-inserting with the same text is a replay, another text an error.
        assert!(index.insert("b", &text(1), 9).unwrap().replayed);
        assert!(index.insert("c", "other", 9).is_err());
        assert!(index.insert("a", &text(0), 10).is_ok());
        for id in ["a", "b", "c", "dd"] {
            assert!(index.remove(id), "{id}");
        }
        assert!(index.is_empty());
        let inner = index.inner.read().unwrap();
        assert!(inner.ids.len() == 0 && inner.id_overflow.is_empty());
    }
}
