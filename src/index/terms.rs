//! The term table of the weighted methods: every distinct content term of the live articles
//! gets a 32-bit id, so an article holds 4 bytes a term instead of 8, and what the index keeps
//! per term (the term, its document frequency, whether it saturated, its postings) sits in
//! arrays indexed by id instead of maps keyed by the 64-bit term.
//!
//! Ids never reach an answer: documents keep their ids in the order of their terms, and every
//! comparison, tie-break and sum runs over the terms in that order, as before interning. An id
//! is freed when its term's last article leaves and handed out again, newest freed first, so
//! the table of a stream stays as large as its live vocabulary (deterministic, as inserts and
//! removals are applied one at a time under the write lock). A saved index keeps the terms,
//! not the ids: a loaded one interns them anew.

use std::collections::hash_map::Entry;
use std::collections::VecDeque;

use super::sharded::{Chunked, Sharded};
use super::tables::NIL;

/// The term ids of one article, in the order of its terms, each in as many bytes as its
/// largest id needs (little-endian, after one byte giving that width). Ids stay below the
/// most terms the table ever held at once: 2 bytes a term below 65,536, 3 below 16.7 million.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct PackedIds(Box<[u8]>);

impl PackedIds {
    pub(super) fn new(ids: &[u32]) -> PackedIds {
        let Some(&max) = ids.iter().max() else {
            return PackedIds::default();
        };
        let width = (4 - max.leading_zeros() as usize / 8).max(1);
        let mut bytes = Vec::with_capacity(1 + width * ids.len());
        bytes.push(width as u8);
        for id in ids {
            bytes.extend_from_slice(&id.to_le_bytes()[..width]);
        }
        PackedIds(bytes.into_boxed_slice())
    }

    fn width(&self) -> usize {
        self.0.first().map_or(1, |&w| usize::from(w).clamp(1, 4))
    }

    pub(super) fn len(&self) -> usize {
        self.0.len().saturating_sub(1) / self.width()
    }

    /// The ids, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let width = self.width();
        self.0
            .get(1..)
            .unwrap_or_default()
            .chunks_exact(width)
            .map(move |c| {
                let mut le = [0u8; 4];
                le[..width].copy_from_slice(c);
                u32::from_le_bytes(le)
            })
    }

    /// Heap bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        self.0.len()
    }
}

/// What the table keeps of one term, by id: read together when a candidate is verified.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TermInfo {
    pub(super) term: u64,
    /// Live articles with the term.
    pub(super) df: u32,
    /// The term lost its postings for good (see [`Terms::add`]).
    pub(super) saturated: bool,
}

/// See the module docs.
#[derive(Clone, Debug)]
pub(super) struct Terms {
    ids: Sharded<u32>,
    info: Chunked<TermInfo>,
    /// The articles of each term not saturated, oldest first.
    postings: Chunked<VecDeque<u32>>,
    /// Ids freed by removals, reused newest first.
    free: Vec<u32>,
    /// Ids ever handed out: the next new one.
    next: u32,
    /// Every term that ever saturated, live or not: it never gets postings again.
    saturated: Sharded<()>,
}

impl Default for Terms {
    fn default() -> Self {
        Terms {
            ids: Sharded::default(),
            info: Chunked::new(TermInfo::default()),
            postings: Chunked::new(VecDeque::new()),
            free: Vec::new(),
            next: 0,
            saturated: Sharded::default(),
        }
    }
}

impl Terms {
    /// Whether `n` more terms surely get an id ([`NIL`] excluded).
    pub(super) fn has_room(&self, n: usize) -> bool {
        self.free.len() + (NIL - self.next) as usize >= n
    }

    /// The id of `term`, if a live article has it.
    pub(super) fn id(&self, term: u64) -> Option<u32> {
        self.ids.get(&term).copied()
    }

    /// What the table keeps of id `id` (the default for an id not handed out).
    pub(super) fn info(&self, id: u32) -> TermInfo {
        self.info.get(id).copied().unwrap_or_default()
    }

    /// The document frequency of `term` among the live articles.
    pub(super) fn df(&self, term: u64) -> u32 {
        self.id(term).map_or(0, |id| self.info(id).df)
    }

    /// Whether `term` ever saturated.
    pub(super) fn is_saturated(&self, term: u64) -> bool {
        self.saturated.contains_key(&term)
    }

    /// Records that `term` saturated (loading a saved index, before its articles).
    pub(super) fn saturate(&mut self, term: u64) {
        self.saturated.insert(term, ());
        if let Some(id) = self.id(term) {
            self.info.at(id).saturated = true;
            *self.postings.at(id) = VecDeque::new();
        }
    }

    /// Every term that ever saturated, in no particular order.
    pub(super) fn saturated(&self) -> impl Iterator<Item = u64> + '_ {
        self.saturated.iter().map(|(&t, _)| t)
    }

    /// The postings of id `id`, oldest first (empty if saturated).
    pub(super) fn postings(&self, id: u32) -> Option<&VecDeque<u32>> {
        self.postings.get(id)
    }

    /// The terms of ids `ids`, in their order.
    pub(super) fn terms_of(&self, ids: &PackedIds) -> Vec<u64> {
        ids.iter().map(|id| self.info(id).term).collect()
    }

    /// Counts the article in `slot` with the (sorted) terms `terms` and returns their ids, in
    /// the terms' order. A term gets postings unless it saturated; with `cap`, a term whose
    /// postings grow past it saturates (its postings are dropped, for good).
    ///
    /// The caller checked [`Terms::has_room`] for `terms.len()`.
    pub(super) fn add(&mut self, terms: &[u64], slot: u32, cap: Option<f64>) -> PackedIds {
        let mut ids = Vec::with_capacity(terms.len());
        for &term in terms {
            let id = match self.ids.entry(term) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    let id = self.free.pop().unwrap_or_else(|| {
                        self.next += 1; // below NIL: `has_room`
                        self.next - 1
                    });
                    e.insert(id);
                    *self.info.at(id) = TermInfo {
                        term,
                        df: 0,
                        saturated: self.saturated.contains_key(&term),
                    };
                    id
                }
            };
            ids.push(id);
            let info = self.info.at(id);
            info.df += 1;
            if info.saturated {
                continue;
            }
            let list = self.postings.at(id);
            list.push_back(slot);
            if cap.is_some_and(|cap| list.len() as f64 > cap) {
                *list = VecDeque::new();
                self.info.at(id).saturated = true;
                self.saturated.insert(term, ());
            }
        }
        PackedIds::new(&ids)
    }

    /// Uncounts the article in `slot` with the term ids `ids`; frees the ids of terms no live
    /// article has any more.
    pub(super) fn remove(&mut self, ids: &PackedIds, slot: u32) {
        for id in ids.iter() {
            let Some(info) = self.info.get_mut(id) else {
                continue;
            };
            if info.df == 0 {
                continue; // not a live id: nothing to undo
            }
            info.df -= 1;
            let (df, term) = (info.df, info.term);
            if let Some(list) = self.postings.get_mut(id) {
                // Oldest first: eviction finds its slot at the front, removal in O(1).
                if let Some(i) = list.iter().position(|&s| s == slot) {
                    list.remove(i);
                }
                if df == 0 {
                    *list = VecDeque::new();
                }
            }
            if df == 0 {
                self.ids.remove(&term);
                *self.info.at(id) = TermInfo::default();
                self.free.push(id);
            }
        }
    }

    /// Heap bytes, as [`super::Index::memory_usage`] counts them.
    pub(super) fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        // A hash table entry: key, value and one control byte, at the table's capacity.
        self.ids.capacity() * (8 + 4 + 1)
            + self.saturated.capacity() * (8 + 1)
            + self.info.capacity() * size_of::<TermInfo>()
            + self.postings.capacity() * size_of::<VecDeque<u32>>()
            + self
                .postings
                .iter()
                .map(|(_, l)| 4 * l.capacity())
                .sum::<usize>()
            + 4 * self.free.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids follow the terms' order in a document, are freed with the last article of their
    /// term and reused newest freed first; postings and frequencies follow the articles.
    #[test]
    fn ids_are_freed_and_reused() {
        let mut t = Terms::default();
        let a = t.add(&[10, 20, 30], 0, None);
        assert_eq!(a, PackedIds::new(&[0, 1, 2]));
        let b = t.add(&[5, 20], 1, None);
        assert_eq!(b, PackedIds::new(&[3, 1]));
        assert_eq!((t.df(20), t.df(5), t.df(99)), (2, 1, 0));
        assert_eq!(t.terms_of(&b), [5, 20]);
        assert_eq!(t.postings(1).unwrap(), &VecDeque::from([0, 1]));
        t.remove(&a, 0);
        assert_eq!((t.id(10), t.id(30), t.id(20)), (None, None, Some(1)));
        assert_eq!(t.postings(1).unwrap(), &VecDeque::from([1]));
        // 10 freed id 0, then 30 freed id 2: the newest freed comes back first.
        let c = t.add(&[1, 2, 3], 2, None);
        assert_eq!(c, PackedIds::new(&[2, 0, 4]));
        assert_eq!(t.terms_of(&c), [1, 2, 3]);
        t.remove(&b, 1);
        t.remove(&c, 2);
        assert_eq!(t.ids.len(), 0);
        assert!(t.has_room(5));
    }

    /// A term saturates once its postings pass the cap, stays saturated after its articles
    /// leave, and is saturated again when it comes back.
    #[test]
    fn saturation_outlives_the_term() {
        let mut t = Terms::default();
        let docs: Vec<_> = (0..4)
            .map(|s| t.add(&[7, 8 + s as u64], s, Some(2.5)))
            .collect();
        let seven = t.id(7).unwrap();
        assert!(t.info(seven).saturated && t.is_saturated(7));
        assert!(t.postings(seven).unwrap().is_empty());
        assert_eq!(t.df(7), 4);
        for (s, d) in docs.iter().enumerate() {
            t.remove(d, s as u32);
        }
        assert_eq!(t.id(7), None);
        let again = t.add(&[7], 9, None).iter().next().unwrap();
        assert!(t.info(again).saturated);
        assert!(t.postings(again).unwrap().is_empty());
    }

    /// Ids come back as packed, in order, in the width of the largest.
    #[test]
    fn packed_ids_round_trip() {
        for ids in [
            vec![],
            vec![0],
            vec![7, 255, 3],
            vec![256, 1, 65_535],
            vec![65_536, 0, 9],
            vec![u32::MAX - 1, 5, 1 << 24],
        ] {
            let p = PackedIds::new(&ids);
            assert_eq!(p.iter().collect::<Vec<_>>(), ids);
            assert_eq!(p.len(), ids.len());
            let max = ids.iter().max().copied().unwrap_or(0);
            let width = [1 << 8, 1 << 16, 1 << 24]
                .iter()
                .filter(|&&b| max >= b)
                .count()
                + 1;
            let want = if ids.is_empty() {
                0
            } else {
                1 + width * ids.len()
            };
            assert_eq!(p.heap_bytes(), want, "{ids:?}");
        }
    }
}
