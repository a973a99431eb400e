//! Candidate tables: LSH band buckets and SimHash tables (linked lists through the slots),
//! and the rare-word postings of the weighted method.
//!
//! A table is one kind of candidate source: `keys` gives a document's keys per table and
//! [`Buckets`] holds one table, so another banded signature (a weighted MinHash of the
//! rewrite profile, say) plugs in as more tables beside the postings.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::features::{DocFeatures, Signer};
use super::sharded::{Chunked, Sharded};
use super::Inner;

/// A map keyed by 64-bit hash values (band keys, term hashes, masked fingerprints): one
/// multiply-xorshift spreads them enough, where the default SipHash would cost several times more.
pub(super) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Mixes a `u64` key cheaply; see [`KeyMap`].
#[derive(Default)]
pub(super) struct KeyHasher(u64);

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
/// per article and table, where a map of `Vec`s costs three times that. Both parts grow
/// without copying everything at once ([`Sharded`], [`Chunked`]).
#[derive(Clone, Debug)]
pub(super) struct Buckets {
    newest: Sharded<u32>,
    /// Per slot: `[newer, older]` bucket-mate.
    links: Chunked<[u32; 2]>,
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets {
            newest: Sharded::default(),
            links: Chunked::new([NIL; 2]),
        }
    }
}

/// No slot: the end of a bucket's list.
pub(super) const NIL: u32 = u32::MAX;

impl Buckets {
    pub(super) fn insert(&mut self, key: u64, slot: u32) {
        let previous = self.newest.insert(key, slot).unwrap_or(NIL);
        *self.links.at(slot) = [NIL, previous];
        if previous != NIL {
            self.links.at(previous)[0] = slot;
        }
    }

    pub(super) fn remove(&mut self, key: u64, slot: u32) {
        let Some(&[newer, older]) = self.links.get(slot) else {
            return;
        };
        if newer == NIL {
            if older == NIL {
                self.newest.remove(&key);
            } else {
                self.newest.insert(key, older);
            }
        } else {
            self.links.at(newer)[1] = older;
        }
        if older != NIL {
            self.links.at(older)[0] = newer;
        }
        *self.links.at(slot) = [NIL; 2];
    }

    /// The members of bucket `key`, newest first.
    pub(super) fn newest_first(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.newest.get(&key).copied().unwrap_or(NIL);
        std::iter::from_fn(move || {
            (at != NIL).then(|| {
                let slot = at;
                at = self.links.get(slot).map_or(NIL, |l| l[1]);
                slot
            })
        })
    }

    /// Presizes the table for `n` keys.
    pub(super) fn reserve(&mut self, n: usize) {
        self.newest.reserve(n);
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.newest.capacity() * (8 + 4 + 1) + 8 * self.links.capacity()
    }
}

/// The newest postings of each anchor a candidate search reads (as a band bucket gives its
/// newest [`crate::lsh::MAX_BUCKET`]): bounds the work of one insert whatever the index size.
pub(super) const POSTINGS_PER_ANCHOR: usize = crate::lsh::MAX_BUCKET;

/// Most candidates the weighted method verifies per document: those sharing the most anchors
/// (then the newest). A rewrite shares many of its source's rarest words, so it ranks first.
pub(super) const MAX_VERIFIED: usize = 32;

impl Inner {
    /// Adds the document in `slot` with features `f` and bucket keys `keys` to the tables.
    pub(super) fn add_to_tables(
        &mut self,
        signer: &Signer,
        slot: u32,
        f: &DocFeatures,
        keys: &[(usize, u64)],
        may_saturate: bool,
    ) {
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
                list.push_back(slot);
                if may_saturate && list.len() as f64 > cap {
                    self.postings.remove(&t);
                    self.saturated.insert(t, ());
                }
            }
            return;
        }
        for &(table, key) in keys {
            self.buckets[table].insert(key, slot);
        }
    }

    pub(super) fn remove_from_tables(&mut self, signer: &Signer, slot: u32, f: &DocFeatures) {
        if let DocFeatures::Weighted { terms } = f {
            for t in terms {
                if let Some(list) = self.postings.get_mut(t) {
                    // Oldest first: eviction finds its slot at the front, removal in O(1).
                    if let Some(i) = list.iter().position(|&s| s == slot) {
                        list.remove(i);
                    }
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

    /// Weighted method: documents sharing enough of the query's anchors, at most
    /// [`MAX_VERIFIED`], those sharing the most first (then the newest); each anchor
    /// contributes its newest [`POSTINGS_PER_ANCHOR`] documents.
    pub(super) fn weighted_candidates(
        &self,
        signer: &Signer,
        terms: &[u64],
        own: Option<u32>,
    ) -> Vec<u32> {
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
            .flat_map(|list| {
                let newest = list.iter().rev().filter(|&&s| Some(s) != own);
                newest.take(POSTINGS_PER_ANCHOR).copied()
            })
            .collect();
        hits.sort_unstable();
        let seq = |s: u32| self.doc(s).map_or(0, |d| d.seq);
        let mut found: Vec<(usize, u64, u32)> = hits
            .chunk_by(|a, b| a == b)
            .filter(|run| run.len() >= need)
            .map(|run| (run.len(), seq(run[0]), run[0]))
            .collect();
        if found.len() > MAX_VERIFIED {
            found.select_nth_unstable_by(MAX_VERIFIED - 1, |a, b| (b.0, b.1).cmp(&(a.0, a.1)));
            found.truncate(MAX_VERIFIED);
        }
        found.into_iter().map(|f| f.2).collect()
    }
}
