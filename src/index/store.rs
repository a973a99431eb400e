//! Slot storage: documents in reusable slots, ids, time order, the free list, and eviction.

use super::clusters::Cluster;
use super::features::{DocFeatures, Signer};
use super::tables::{Buckets, NIL};
use super::{ClusterId, Inner, Timestamp};
use crate::error::Error;

#[derive(Clone, Debug)]
pub(super) struct Doc {
    pub(super) id: String,
    /// Insertion order, kept across save and load (slots are reused and compacted).
    pub(super) seq: u64,
    pub(super) time: Timestamp,
    pub(super) cluster: ClusterId,
    /// xxh3-64 of the text: a replayed insert is recognised by it.
    pub(super) text_hash: u64,
    pub(super) features: DocFeatures,
}

impl Inner {
    /// Fails if one more article would overflow the insertion numbers, the cluster ids or
    /// the slots (`u32`, [`NIL`] excluded).
    pub(super) fn check_capacity(&self) -> Result<(), Error> {
        if self.next_seq == u64::MAX {
            Err(Error::Capacity("insertion numbers used up".into()))
        } else if self.next_cluster == ClusterId::MAX {
            Err(Error::Capacity("cluster ids used up".into()))
        } else if self.free.is_empty() && self.slots.len() >= NIL as usize {
            Err(Error::Capacity(format!("more than {} articles", NIL - 1)))
        } else {
            Ok(())
        }
    }

    pub(super) fn doc(&self, slot: u32) -> Option<&Doc> {
        self.slots.get(slot as usize)?.as_ref()
    }

    /// Stores `doc` in a free slot (or a new one), indexes it, and returns the slot.
    pub(super) fn place(&mut self, signer: &Signer, doc: Doc, may_saturate: bool) -> u32 {
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

    pub(super) fn remove_slot(&mut self, signer: &Signer, slot: u32) {
        let Some(doc) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.remove_from_tables(signer, slot, &doc.features);
        self.ids.remove(&doc.id);
        self.by_time.remove(&(doc.time, doc.seq, slot));
        self.free.push(slot);
        self.live -= 1;
        let Some(cluster) = self.clusters.get_mut(&doc.cluster) else {
            return;
        };
        cluster.members.retain(|&m| m != slot);
        if cluster.members.is_empty() {
            self.clusters.remove(&doc.cluster);
        } else if cluster.representative == slot {
            let members = cluster.members.clone();
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

    /// See [`super::Index::memory_bytes`].
    pub(super) fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let inner = self;
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
        let clusters: usize = inner.clusters.capacity() * (8 + size_of::<Cluster>() + 1)
            + inner
                .clusters
                .values()
                .map(|s| 4 * s.members.capacity())
                .sum::<usize>();
        let df = (inner.df.capacity() + inner.saturated.capacity()) * (8 + 4 + 1);
        let order = inner.by_time.len() * 48 + inner.free.capacity() * 4;
        docs + tables + ids + clusters + df + order
    }
}
