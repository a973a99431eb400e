//! Containers that grow without stopping the world: a hash map split into shards that each
//! rehash on their own, and a slot array in fixed chunks that never moves.
//!
//! A single hash map of a million entries rehashes all of them at once when it fills, and the
//! index has one per LSH band: at a million articles all eighteen band maps cross their load
//! factor on nearly the same insert, which stalled one insert for half a second. Split into
//! [`SHARDS`] maps chosen by the key, each shard holds 1/64 of the keys and grows on its own
//! schedule, so one insert rehashes at most one shard per map (1/64 of the work). A `Vec` that
//! doubles copies all its elements the same way; [`Chunked`] adds a fixed-size chunk instead.
//! This is what real-time indexes do (partitioned hash tables, segmented arrays); it keeps
//! answers deterministic, unlike a background rehash, and needs no size hint (but
//! [`super::Index::with_capacity`] can presize the shards).

use std::collections::hash_map::Entry;
use std::hash::Hash;

use super::tables::KeyMap;

/// Number of shards of a [`Sharded`] map: a power of two.
pub(super) const SHARDS: usize = 64;

/// A map keyed by hash values (`u64`, or `u32` where 4 bytes a key matter), split into
/// [`SHARDS`] [`KeyMap`]s.
#[derive(Clone, Debug)]
pub(super) struct Sharded<V, K = u64> {
    shards: Vec<KeyMap<V, K>>,
}

impl<V, K> Default for Sharded<V, K> {
    fn default() -> Self {
        Sharded {
            shards: (0..SHARDS).map(|_| KeyMap::default()).collect(),
        }
    }
}

/// The shard of `key`: a multiplier other than [`KeyMap`]'s, so that within a shard the bits
/// the map uses for its buckets and control bytes stay spread.
fn shard<K: Into<u64>>(key: K) -> usize {
    (key.into().wrapping_mul(0xD6E8_FEB8_6659_FD93) >> (64 - SHARDS.trailing_zeros())) as usize
}

impl<V, K: Copy + Eq + Hash + Into<u64>> Sharded<V, K> {
    pub(super) fn get(&self, key: &K) -> Option<&V> {
        self.shards[shard(*key)].get(key)
    }

    pub(super) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.shards[shard(*key)].get_mut(key)
    }

    pub(super) fn contains_key(&self, key: &K) -> bool {
        self.shards[shard(*key)].contains_key(key)
    }

    pub(super) fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.shards[shard(key)].insert(key, value)
    }

    pub(super) fn remove(&mut self, key: &K) -> Option<V> {
        self.shards[shard(*key)].remove(key)
    }

    pub(super) fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        self.shards[shard(key)].entry(key)
    }

    pub(super) fn len(&self) -> usize {
        self.shards.iter().map(KeyMap::len).sum()
    }

    /// Slots allocated over all shards, for memory estimates.
    pub(super) fn capacity(&self) -> usize {
        self.shards.iter().map(KeyMap::capacity).sum()
    }

    /// Room for `n` keys in all, spread evenly (with slack for uneven shards).
    pub(super) fn reserve(&mut self, n: usize) {
        let per = n / SHARDS + n / SHARDS / 8 + 16;
        for s in &mut self.shards {
            s.reserve(per.saturating_sub(s.len()));
        }
    }

    /// Every entry, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flatten()
    }

    pub(super) fn values(&self) -> impl Iterator<Item = &V> {
        self.shards.iter().flat_map(KeyMap::values)
    }
}

/// log2 of the number of slots per chunk of a [`Chunked`] array.
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

/// An array indexed by slot, stored in chunks of 4,096 that never move: growing it allocates
/// one chunk (and, rarely, doubles the small vector of chunk pointers) instead of copying
/// every element. The first chunk starts small and doubles up to the chunk size, so a small
/// index stays small.
#[derive(Clone, Debug)]
pub(super) struct Chunked<T> {
    chunks: Vec<Box<[T]>>,
    fill: T,
}

impl<T: Clone> Chunked<T> {
    /// An empty array whose slots read as `fill` until written.
    pub(super) fn new(fill: T) -> Chunked<T> {
        Chunked {
            chunks: Vec::new(),
            fill,
        }
    }

    /// Number of slots allocated.
    pub(super) fn capacity(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }

    pub(super) fn get(&self, slot: u32) -> Option<&T> {
        let s = slot as usize;
        self.chunks.get(s >> CHUNK_BITS)?.get(s & (CHUNK - 1))
    }

    pub(super) fn get_mut(&mut self, slot: u32) -> Option<&mut T> {
        let s = slot as usize;
        self.chunks
            .get_mut(s >> CHUNK_BITS)?
            .get_mut(s & (CHUNK - 1))
    }

    /// The slot, allocating chunks up to it if needed.
    pub(super) fn at(&mut self, slot: u32) -> &mut T {
        let s = slot as usize;
        let (chunk, at) = (s >> CHUNK_BITS, s & (CHUNK - 1));
        // The first chunk starts small and doubles: at most CHUNK elements are ever copied.
        let first_len = match chunk {
            0 => (at + 1).next_power_of_two().max(16),
            _ => CHUNK,
        };
        match self.chunks.first_mut() {
            None => self
                .chunks
                .push(vec![self.fill.clone(); first_len].into_boxed_slice()),
            Some(first) if first.len() < first_len => {
                let mut grown = std::mem::take(first).into_vec();
                grown.resize(first_len, self.fill.clone());
                *first = grown.into_boxed_slice();
            }
            Some(_) => {}
        }
        while self.chunks.len() <= chunk {
            self.chunks
                .push(vec![self.fill.clone(); CHUNK].into_boxed_slice());
        }
        &mut self.chunks[chunk][at]
    }

    /// Every slot allocated, with its number.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.chunks
            .iter()
            .flat_map(|c| c.iter())
            .zip(0u32..)
            .map(|(t, i)| (i, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharded_map_is_a_map() {
        let mut m = Sharded::default();
        for k in 0..10_000u64 {
            assert_eq!(m.insert(k * 3, k), None);
        }
        assert_eq!(m.len(), 10_000);
        assert_eq!(m.get(&300), Some(&100));
        assert_eq!(m.remove(&300), Some(100));
        assert!(!m.contains_key(&300) && m.get(&301).is_none());
        *m.entry(7).or_default() += 5;
        assert_eq!(m.get(&7), Some(&5));
        assert_eq!(m.iter().count(), m.len());
        // Keys spread over every shard.
        assert!(m.shards.iter().all(|s| s.len() > 10_000 / SHARDS / 2));
    }

    #[test]
    fn chunked_array_reads_fill_until_written() {
        let mut c = Chunked::new(u32::MAX);
        assert_eq!(c.get(5), None);
        *c.at(3) = 3;
        assert_eq!(
            (c.capacity(), c.get(3), c.get(15), c.get(16)),
            (16, Some(&3), Some(&u32::MAX), None)
        );
        *c.at(100) = 100;
        assert_eq!(
            (c.capacity(), c.get(3), c.get(100)),
            (128, Some(&3), Some(&100))
        );
        *c.at(5000) = 7;
        assert_eq!(c.get(5000), Some(&7));
        assert_eq!(c.get(4999), Some(&u32::MAX));
        assert_eq!((c.get(3), c.get(100)), (Some(&3), Some(&100)));
        assert_eq!(c.capacity(), 2 * CHUNK);
        assert_eq!(
            c.iter().filter(|(_, &v)| v == 7).map(|(i, _)| i).next(),
            Some(5000)
        );
    }
}
