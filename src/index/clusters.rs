//! Clusters: assignment of a new article, merges under the chain guard, and representatives.

use std::collections::VecDeque;

use super::features::Signer;
use super::{ClusterId, Inner};

#[derive(Clone, Debug, Default)]
pub(super) struct Cluster {
    /// Slots of the members, in insertion order (by `Doc::seq`): a new article joins at the
    /// back, eviction (oldest first) leaves from the front, both in O(1); any other member
    /// is found by binary search.
    pub(super) members: VecDeque<u32>,
    pub(super) representative: u32,
}

/// Largest cluster whose representative is re-chosen by pairwise similarity after removal.
pub(super) const RECENTER_LIMIT: usize = 64;

/// Story method: the index links an article to a cluster only through a neighbour at least
/// this many times the threshold similar (neighbours between the threshold and this still
/// answer as neighbours, and a later article may still bridge the clusters).
///
/// The batch applies edges strongest first over the whole input, so a weak edge acts only
/// after every stronger one has grown the clusters it meets, and the chain guard then tests
/// it against whole clusters; the index must decide at first sight and can never split. The
/// first report of a new event arrives when only the reports of a similar earlier event are
/// there to match (measured on ECB+ in file order, joining clusters of three or more: such a
/// wrong join's link has a median similarity of 0.10, a right one's 0.23), and every later
/// report of the new event follows it. So the index asks more of a link than the batch does:
/// at 2× the threshold, ECB+ (file order and three shuffles) reaches ARI 0.79–0.82 with no
/// cluster across topics, against 0.72–0.79 with 2–10 clusters across topics at 1×; ARI is
/// flat from 1.5× to 2.5× (0.76–0.82), topics stay apart from 2× on (docs/accuracy.md §7).
/// Guard and verification are the batch's.
pub(crate) const STORY_LINK_FACTOR: f64 = 2.0;

impl Inner {
    /// Puts the new document in `slot` into a cluster, merging the clusters it bridges.
    pub(super) fn assign(
        &mut self,
        signer: &Signer,
        slot: u32,
        neighbours: &[(u32, f64)],
    ) -> (ClusterId, bool, Vec<ClusterId>) {
        let floor = signer.config.chain_floor;
        let link = signer.link_threshold();
        // Start as a cluster of its own, then merge with neighbours' clusters strongest first,
        // exactly as the batch union-find applies edges (same guard).
        // The provisional id is larger than every id handed out, so it survives no merge and
        // is handed out only if the document starts a cluster.
        let own = self.next_cluster;
        self.singles.insert(own, slot);
        if let Some(d) = self.doc_mut(slot) {
            d.cluster = own;
        }
        let mut current = own;
        let mut absorbed = Vec::new();
        for &(n, _) in neighbours.iter().take_while(|&&(_, sim)| sim >= link) {
            let Some(other) = self.doc(n).map(|d| d.cluster) else {
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
            // Below u64::MAX: checked before the insert began.
            self.next_cluster = own.saturating_add(1);
        }
        (current, current == own, absorbed)
    }

    /// Merges clusters `a` and `b` if the guard allows; the older id survives. Returns it.
    pub(super) fn merge(
        &mut self,
        signer: &Signer,
        a: ClusterId,
        b: ClusterId,
        floor: Option<f64>,
    ) -> Option<ClusterId> {
        let (ra, rb) = (self.representative(a)?, self.representative(b)?);
        let size = |c: ClusterId| self.clusters.get(&c).map_or(1, |s| s.members.len());
        let content = |rep: u32| self.doc(rep).map_or(0.0, |d| signer.content(&d.features));
        // The larger cluster keeps its representative; only the smaller side is checked.
        let a_bigger = (size(a), content(ra), std::cmp::Reverse(a)).partial_cmp(&(
            size(b),
            content(rb),
            std::cmp::Reverse(b),
        )) != Some(std::cmp::Ordering::Less);
        let (small, rep) = if a_bigger { (b, ra) } else { (a, rb) };
        if let Some(floor) = floor {
            let rep_features = &self.doc(rep)?.features;
            let ok = self.members_of(small)?.all(|m| {
                m == rep || self.similarity_to(signer, rep_features, Some(rep), m) >= floor
            });
            if !ok {
                return None;
            }
        }
        let (keep, gone) = (a.min(b), a.max(b));
        let moved = self.take_cluster(gone)?.members;
        for &m in &moved {
            if let Some(d) = self.doc_mut(m) {
                d.cluster = keep;
            }
        }
        let kept = self.take_cluster(keep)?.members;
        let members = self.merge_in_order(kept, moved);
        self.clusters.insert(
            keep,
            Cluster {
                members,
                representative: rep,
            },
        );
        Some(keep)
    }

    /// The representative of cluster `id`.
    pub(super) fn representative(&self, id: ClusterId) -> Option<u32> {
        match self.clusters.get(&id) {
            Some(c) => Some(c.representative),
            None => self.singles.get(&id).copied(),
        }
    }

    /// The members of cluster `id`, in insertion order.
    pub(super) fn members_of(&self, id: ClusterId) -> Option<impl Iterator<Item = u32> + '_> {
        let (a, b): (&[u32], &[u32]) = match self.clusters.get(&id) {
            Some(c) => c.members.as_slices(),
            None => (std::slice::from_ref(self.singles.get(&id)?), &[]),
        };
        Some(a.iter().chain(b).copied())
    }

    /// Takes cluster `id` out of the index (out of `singles` or `clusters`).
    fn take_cluster(&mut self, id: ClusterId) -> Option<Cluster> {
        match self.singles.remove(&id) {
            Some(slot) => Some(Cluster {
                members: VecDeque::from([slot]),
                representative: slot,
            }),
            None => self.clusters.remove(&id),
        }
    }

    /// Puts cluster `c` in the index as `id`: a single member in `singles`, more in `clusters`.
    pub(super) fn put_cluster(&mut self, id: ClusterId, c: Cluster) {
        match c.members.len() {
            1 => {
                self.singles.insert(id, c.members[0]);
            }
            _ => {
                self.clusters.insert(id, c);
            }
        }
    }

    /// Two member lists in insertion order, merged. A new article joining a cluster is newer
    /// than every member, so it is appended: no re-sort per insert.
    fn merge_in_order(&self, a: VecDeque<u32>, b: VecDeque<u32>) -> VecDeque<u32> {
        let seq = |m: u32| self.doc(m).map_or(u64::MAX, |d| d.seq);
        let (mut a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
        let (first, last) = (b.front().map(|&m| seq(m)), b.back().map(|&m| seq(m)));
        if a.back().is_none_or(|&m| first.is_some_and(|f| seq(m) < f)) {
            a.extend(b);
            return a;
        }
        if a.front().is_none_or(|&m| last.is_some_and(|l| l < seq(m))) {
            for m in b.into_iter().rev() {
                a.push_front(m);
            }
            return a;
        }
        let mut out = VecDeque::with_capacity(a.len() + b.len());
        let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
        while let (Some(&x), Some(&y)) = (a.peek(), b.peek()) {
            if seq(x) <= seq(y) {
                out.push_back(x);
                a.next();
            } else {
                out.push_back(y);
                b.next();
            }
        }
        out.extend(a);
        out.extend(b);
        out
    }

    /// A cluster's representative after the old one left. With the chain guard: the member whose
    /// least similar fellow member is most similar (so the guard's invariant holds whenever
    /// some member can keep it), for clusters up to [`RECENTER_LIMIT`] members; otherwise, and
    /// on ties, the fullest text, then the earliest.
    pub(super) fn new_representative(&self, signer: &Signer, members: &[u32]) -> Option<u32> {
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
        members.iter().copied().max_by(|&x, &y| {
            let (kx, ky) = (key(x), key(y));
            kx.0.total_cmp(&ky.0)
                .then(kx.1.total_cmp(&ky.1))
                .then(seq(y).cmp(&seq(x)))
        })
    }
}
