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

/// A map keyed by hash values (band keys, term hashes, masked fingerprints): one
/// multiply-xorshift spreads them enough, where the default SipHash would cost several times more.
pub(super) type KeyMap<V, K = u64> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

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

    fn write_u32(&mut self, key: u32) {
        self.write_u64(u64::from(key));
    }

    fn write_u64(&mut self, key: u64) {
        // Masked SimHash keys have all-zero stretches: mix high bits down and low bits up.
        let x = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

/// The buckets of one LSH band or SimHash table, as doubly linked lists threaded through the
/// slots: per key its newest member, per slot its newer and older bucket-mates. About 19 bytes
/// per article and table, where a map of `Vec`s costs three times that. Both parts grow
/// without copying everything at once ([`Sharded`], [`Chunked`]).
///
/// A bucket is named by 32 bits of its 64-bit key ([`short`]): 4 bytes less per article and
/// table. Two keys that agree there share a list, so a search may meet an article of another
/// bucket: at most one extra candidate per table in 2^32 / (keys in the table), which
/// verification then measures like any other (1 in 4,300 per table at a million articles).
/// No bucket-mate is ever lost, so SimHash still finds every neighbour.
#[derive(Clone, Debug)]
pub(super) struct Buckets {
    newest: Sharded<u32, u32>,
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

/// The 32 bits of a bucket key that name its bucket: the high half of a multiply, which every
/// bit of the key reaches (masked SimHash keys leave whole halves zero).
fn short(key: u64) -> u32 {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

impl Buckets {
    pub(super) fn insert(&mut self, key: u64, slot: u32) {
        let key = short(key);
        let previous = self.newest.insert(key, slot).unwrap_or(NIL);
        *self.links.at(slot) = [NIL, previous];
        if previous != NIL {
            self.links.at(previous)[0] = slot;
        }
    }

    pub(super) fn remove(&mut self, key: u64, slot: u32) {
        let key = short(key);
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
        let mut at = self.newest.get(&short(key)).copied().unwrap_or(NIL);
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
        self.newest.capacity() * (4 + 4 + 1) + 8 * self.links.capacity()
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
    /// The weighted method's terms are interned: `f` becomes [`DocFeatures::Interned`].
    pub(super) fn add_to_tables(
        &mut self,
        signer: &Signer,
        slot: u32,
        f: &mut DocFeatures,
        keys: &[(usize, u64)],
        may_saturate: bool,
    ) {
        if let DocFeatures::Weighted { terms } = f {
            // Postings only for words that can still be anchors: a word in more than four
            // times the specificity bound of documents never will, and its list would make
            // every removal slow.
            let cap = (4.0 * signer.config.profile.max_specific_df(self.live + 1)).max(256.0);
            let ids = self.terms.add(terms, slot, may_saturate.then_some(cap));
            *f = DocFeatures::Interned { ids };
            return;
        }
        for &(table, key) in keys {
            self.buckets[table].insert(key, slot);
        }
    }

    pub(super) fn remove_from_tables(&mut self, signer: &Signer, slot: u32, f: &DocFeatures) {
        if let DocFeatures::Interned { ids } = f {
            self.terms.remove(ids, slot);
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
            .map(|&t| match self.terms.id(t).map(|id| self.terms.info(id)) {
                Some(info) if info.saturated => u32::MAX,
                Some(info) => info.df + extra,
                None if self.terms.is_saturated(t) => u32::MAX,
                None => extra,
            })
            .collect();
        let anchors = p.anchors(terms, &dfs, n, 2);
        let need = p.min_shared_anchors.min(anchors.len()).max(1);
        let mut hits: Vec<u32> = anchors
            .iter()
            .filter_map(|&t| self.terms.postings(self.terms.id(t)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that agree in their [`short`] bits share one list, whose members both keys find
    /// (extra candidates, never lost ones), and removals by either key keep it whole.
    #[test]
    fn keys_sharing_their_short_bits_share_a_list() {
        // The inverse of the multiplier modulo 2^64 (Newton's iteration): `a + inverse`
        // multiplies to one more than `a` does, the same high half unless a carry crosses.
        let m = 0x9E37_79B9_7F4A_7C15u64;
        let mut inverse = m;
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(inverse)));
        }
        assert_eq!(m.wrapping_mul(inverse), 1);
        let a = 12_345u64;
        let b = a.wrapping_add(inverse);
        assert!(a != b && short(a) == short(b));
        let mut t = Buckets::default();
        t.insert(a, 1);
        t.insert(b, 2);
        t.insert(a, 3);
        t.insert(7, 4);
        let list = |t: &Buckets, k: u64| t.newest_first(k).collect::<Vec<_>>();
        assert_eq!(list(&t, a), [3, 2, 1]);
        assert_eq!(list(&t, b), [3, 2, 1]);
        assert_eq!(list(&t, 7), [4]);
        t.remove(b, 2);
        assert_eq!(list(&t, a), [3, 1]);
        t.remove(a, 3);
        t.remove(a, 1);
        assert!(list(&t, b).is_empty());
        assert_eq!(list(&t, 7), [4]);
    }
}
