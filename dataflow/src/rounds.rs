//! The weighted method's candidates and their verification, in rounds that bound memory.
//!
//! 1. Every document's probe-prefix postings ([`crate::prefix`]) are exchanged by term; each
//!    worker sorts its terms' buckets by rank and keeps them.
//! 2. The workers add up how many candidates their buckets give (a pair in several buckets
//!    counts in each) and pick the same number of rounds `R`: that total over
//!    [`PAIRS_PER_ROUND`], or `--rounds`.
//! 3. In round `r` every worker lists, from its buckets, the candidates `(a, b)`, `a < b`,
//!    whose first document `a` falls in round `r` (by a hash of `a`), at timestamp `r`. They
//!    go to `a`'s worker, which, once the round is complete, sorts them and drops repeats (a
//!    pair is listed only in its first document's round, so nothing is kept across rounds),
//!    then sends `a`'s features *once* to each worker owning some of its `b`s, with the list
//!    of those `b`s. That worker measures each pair and keeps those at or above the threshold:
//!    the verified edges, on the worker of their second document.
//!
//! A worker lists round `r + 1` only once round `r` has passed its probe, so the pairs and
//! feature copies in flight are those of one round. The edges do not depend on `R`, nor on
//! how documents are spread over workers: they are the pairs at or above the threshold.

use std::cell::RefCell;
use std::rc::Rc;

use timely::dataflow::channels::pact::Exchange as ExchangePact;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::{Exchange, Inspect, Probe};
use timely::dataflow::{InputHandleVec, ProbeHandle};
use timely::worker::Worker;

use crate::features::Feat;
use crate::prefix::{
    bucket_count, bucket_pairs, by_rank, filter_threshold, may_reach, Listing, Posting,
};

/// Candidates (counted in every bucket they are found in) per round, unless `--rounds` says:
/// a round's listings (20 bytes each) then take about 80 MB, twice that while gathered.
pub const PAIRS_PER_ROUND: u64 = 4_000_000;

/// A verified edge `a < b` and its similarity (`f64` bits).
pub type Edge = (u32, u32, u64);

/// What the rounds found, the same on every worker.
pub struct Stats {
    /// The number of rounds.
    pub rounds: u32,
    /// Candidates over all buckets, a pair counted in each bucket it is found in.
    pub listed: u64,
    /// Distinct candidates.
    pub distinct: u64,
    /// Candidates left by the positional filter, verified.
    pub verified: u64,
}

/// The round of a pair whose first document is `a`: a hash, so each round's first documents
/// are spread over all workers.
fn round_of(a: u32, rounds: u32) -> u32 {
    ((u64::from(a).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % u64::from(rounds)) as u32
}

/// Runs `logic` and steps `worker` until `probe` has passed time `t`.
fn step_past(worker: &mut Worker, probe: &ProbeHandle<u64>, t: u64) {
    worker.step_while(|| probe.less_than(&(t + 1)));
}

/// The sum of every worker's `x`.
fn sum_across(worker: &mut Worker, x: u64) -> u64 {
    let total = Rc::new(RefCell::new(0u64));
    let sink = total.clone();
    let mut input = InputHandleVec::<u64, u64>::new();
    let probe = ProbeHandle::new();
    worker.dataflow::<u64, _, _>(|scope| {
        input
            .to_stream(scope)
            .broadcast()
            .inspect(move |x| *sink.borrow_mut() += *x)
            .probe_with(&probe);
    });
    input.send(x);
    drop(input);
    step_past(worker, &probe, 0);
    let total = *total.borrow();
    total
}

/// This worker's buckets: postings sorted by term, then rank, with where each term starts.
struct Buckets {
    postings: Vec<Posting>,
    /// `starts[k]..starts[k + 1]` is the `k`-th term's bucket.
    starts: Vec<usize>,
}

impl Buckets {
    fn iter(&self) -> impl Iterator<Item = &[Posting]> {
        self.starts.windows(2).map(|w| &self.postings[w[0]..w[1]])
    }
}

/// Exchanges `(term, posting)` records by term; returns this worker's buckets.
fn exchange_postings(worker: &mut Worker, postings: Vec<(u64, Posting)>) -> Buckets {
    let received: Rc<RefCell<Vec<(u64, Posting)>>> = Rc::default();
    let sink = received.clone();
    let mut input = InputHandleVec::<u64, (u64, Posting)>::new();
    let probe = ProbeHandle::new();
    worker.dataflow::<u64, _, _>(|scope| {
        input
            .to_stream(scope)
            .exchange(|(term, _)| *term)
            .inspect(move |x| sink.borrow_mut().push(*x))
            .probe_with(&probe);
    });
    for p in postings {
        input.send(p);
    }
    drop(input);
    step_past(worker, &probe, 0);
    let mut all = received.take();
    all.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(by_rank(&x.1, &y.1)));
    let mut starts = Vec::new();
    for (k, e) in all.iter().enumerate() {
        if k == 0 || all[k - 1].0 != e.0 {
            starts.push(k);
        }
    }
    starts.push(all.len());
    Buckets {
        postings: all.into_iter().map(|e| e.1).collect(),
        starts,
    }
}

/// The verified edges of the weighted method whose second document is this worker's
/// (`features[k]` is document `k * peers + worker`'s), from every worker's `postings`
/// (`(term, posting)`, its documents' probe-prefix terms).
pub fn verified_edges(
    worker: &mut Worker,
    features: Rc<Vec<Feat>>,
    postings: Vec<(u64, Posting)>,
    threshold: f64,
    rounds: Option<u32>,
) -> (Vec<Edge>, Stats) {
    let peers = worker.peers() as u32;
    let tf = filter_threshold(threshold);
    let buckets = exchange_postings(worker, postings);
    let listed = sum_across(worker, buckets.iter().map(|b| bucket_count(b, tf)).sum());
    let rounds = rounds
        .unwrap_or_else(|| {
            listed
                .div_ceil(PAIRS_PER_ROUND)
                .clamp(1, u64::from(u32::MAX)) as u32
        })
        .max(1);

    let edges: Rc<RefCell<Vec<Edge>>> = Rc::default();
    // (distinct, verified)
    let counts = Rc::new(RefCell::new((0u64, 0u64)));
    let (edges_sink, counts_sink) = (edges.clone(), counts.clone());
    let mut input = InputHandleVec::<u64, Listing>::new();
    let probe = ProbeHandle::new();
    let first_features = features.clone();
    let slot = move |doc: u32| (doc / peers) as usize;
    worker.dataflow::<u64, _, _>(|scope| {
        input
            .to_stream(scope)
            .unary_frontier(
                ExchangePact::new(|l: &Listing| u64::from(l.a)),
                "FirstDocument",
                |_, _| {
                    // Pairs by round (a capability for its time): few at once.
                    let mut stash: Vec<(Capability<u64>, Vec<Listing>)> = Vec::new();
                    move |(input, frontier), output| {
                        input.for_each_stamp(|cap, data| {
                            if let Some(cap) = cap.retain_least(output.output_index()) {
                                let at = match stash.iter().position(|(c, _)| *c == cap) {
                                    Some(at) => at,
                                    None => {
                                        stash.push((cap, Vec::new()));
                                        stash.len() - 1
                                    }
                                };
                                for batch in data {
                                    stash[at].1.append(batch);
                                }
                            }
                        });
                        // A complete round: each first document's features go once to each
                        // worker of its second documents.
                        stash.retain_mut(|(cap, listings)| {
                            if frontier.less_equal(cap.time()) {
                                return true;
                            }
                            listings.sort_unstable_by_key(|l| (l.a, l.b % peers, l.b));
                            let mut session = output.session(cap);
                            let mut counts = counts_sink.borrow_mut();
                            let mut bs: Vec<u32> = Vec::new();
                            let same_a =
                                |x: &Listing, y: &Listing| x.a == y.a && x.b % peers == y.b % peers;
                            for run in listings.chunk_by(same_a) {
                                bs.clear();
                                for pair in run.chunk_by(|x, y| x.b == y.b) {
                                    counts.0 += 1;
                                    if may_reach(pair) {
                                        bs.push(pair[0].b);
                                    }
                                }
                                if !bs.is_empty() {
                                    counts.1 += bs.len() as u64;
                                    let a = run[0].a;
                                    let fa = first_features[slot(a)].clone();
                                    session.give((a, fa, bs.clone()));
                                }
                            }
                            false
                        });
                    }
                },
            )
            .container::<Vec<(u32, Feat, Vec<u32>)>>()
            .exchange(move |(_, _, bs)| u64::from(bs[0]))
            .inspect(move |(a, fa, bs)| {
                let mut edges = edges_sink.borrow_mut();
                for &b in bs {
                    let similarity = fa.similarity(&features[slot(b)]);
                    // A tiny tolerance so a pair exactly at the threshold is not lost to
                    // rounding (the batch's).
                    if similarity >= threshold - 1e-9 {
                        edges.push((*a, b, similarity.to_bits()));
                    }
                }
            })
            .probe_with(&probe);
    });
    for r in 0..rounds {
        for bucket in buckets.iter() {
            bucket_pairs(
                bucket,
                tf,
                |a| round_of(a, rounds) == r,
                |listing| input.send(listing),
            );
        }
        input.advance_to(u64::from(r) + 1);
        step_past(worker, &probe, u64::from(r));
    }
    drop(input);
    worker.step_while(|| !probe.done());
    let (distinct, verified) = *counts.borrow();
    let (distinct, verified) = (sum_across(worker, distinct), sum_across(worker, verified));
    let edges = edges.take();
    (
        edges,
        Stats {
            rounds,
            listed,
            distinct,
            verified,
        },
    )
}
