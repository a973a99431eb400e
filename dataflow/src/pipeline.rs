//! The dataflows every worker runs before and after the weighted method's rounds.
//!
//! 1. **Check and count.** Ids are exchanged by id to find any given twice; every worker's
//!    first bad document and those duplicates are broadcast, so all workers agree on the earliest
//!    failure and stop together. For the weighted method the same dataflow counts each term's
//!    document frequency across workers and answers every worker's question "what are the
//!    frequencies of my terms".
//! 2. **Candidates and verification** (MinHash and SimHash). Each worker computes its
//!    documents' features and keys; `(table, key) → doc` records are grouped by key into
//!    buckets (MinHash bands or SimHash tables), which give candidate pairs by the batch's own
//!    rules (a SimHash record carries its fingerprint, and its bucket gives the verified edges
//!    directly); each pair visits the worker of its first document (which attaches that
//!    document's features) and then the worker of its second (which measures it). The
//!    weighted method's edges are verified in rounds instead (`rounds.rs`).
//! 3. **Components and linking** (`components.rs`): connected components with minimum-id
//!    labels, and each component linked with the batch's rules on one worker. The rows of
//!    documents in a component go to worker 0; every other document is a cluster of its own.
//!
//! Nothing depends on the order records arrive in: every group is sorted before it is used.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::{CountTotal, ThresholdTotal};
use differential_dataflow::AsCollection;
use neardup::config::{Config, Method};
use neardup::profile::ProfileParams;
use timely::dataflow::operators::probe::Handle;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::{Exchange, Inspect, Probe};
use timely::worker::Worker;

use crate::components::{self, owner, Row};
use crate::exchange::shuffle;
use crate::features::{weigh, Feat, FingerprintSigner, Signer};
use crate::input::{describe, Place, Share, Source};
use crate::prefix::Posting;
use crate::rounds::Edge as VerifiedEdge;
use neardup::parts::SimHashTables;
use neardup::simhash::Fingerprint;

/// Steps `worker` until everything up to time 0 has passed `probe`.
fn run(worker: &mut Worker, probe: &Handle<u64>) {
    worker.step_while(|| probe.less_than(&1));
}

/// Dataflow 1: the earliest failure across workers (if any), and for the weighted method the
/// document frequency of each of `terms` (this worker's distinct terms, with how many of its
/// documents have them).
pub fn check_and_count(
    worker: &mut Worker,
    sources: &[Source],
    share: &Share,
    terms: &[(u64, u32)],
) -> (Option<(Place, String)>, HashMap<u64, u32>) {
    let errors: Rc<RefCell<Vec<(Place, String)>>> = Rc::default();
    let dfs: Rc<RefCell<HashMap<u64, u32>>> = Rc::default();
    let me = worker.index() as u32;
    let (errors_sink, dfs_sink) = (errors.clone(), dfs.clone());
    let names: Vec<Source> = sources.to_vec();
    let (mut ids_in, mut errs_in, mut terms_in, mut asks_in, probe) =
        worker.dataflow::<u64, _, _>(move |scope| {
            let (ids_in, ids) = scope.new_collection::<(String, Place), isize>();
            let (errs_in, errs) = scope.new_collection::<(Place, String), isize>();
            let (terms_in, terms) = scope.new_collection::<u64, isize>();
            let (asks_in, asks) = scope.new_collection::<(u64, u32), isize>();
            // An id given twice fails at its second place, naming the first.
            let twice = ids
                .reduce(move |key, places, out| {
                    let first = describe(&names, *places[0].0);
                    for (place, _) in &places[1..] {
                        let message = format!(
                            "{}: id {key} given twice (first at {first})",
                            describe(&names, **place)
                        );
                        out.push(((**place, message), 1isize));
                    }
                })
                .map(|(_, e)| e);
            let probe = Handle::new();
            twice
                .concat(errs)
                .inner
                .broadcast()
                .inspect(move |(e, _, _)| errors_sink.borrow_mut().push(e.clone()))
                .probe_with(&probe);
            let df = terms.count_total();
            asks.join_map(df, |term, asker, df| (*asker, *term, *df as u32))
                .inner
                .exchange(|((asker, _, _), _, _)| u64::from(*asker))
                .inspect(move |((_, term, df), _, diff)| {
                    if *diff > 0 {
                        dfs_sink.borrow_mut().insert(*term, *df);
                    }
                })
                .probe_with(&probe);
            (ids_in, errs_in, terms_in, asks_in, probe)
        });
    for doc in &share.docs {
        ids_in.insert((doc.id.clone(), doc.place));
    }
    if let Some(e) = &share.error {
        errs_in.insert(e.clone());
    }
    for &(term, count) in terms {
        terms_in.update(term, count as isize);
        asks_in.insert((term, me));
    }
    // Dropping the inputs closes them: the dataflow runs to completion.
    drop((ids_in, errs_in, terms_in, asks_in));
    run(worker, &probe);
    let first = errors.borrow().iter().min().cloned();
    let dfs = dfs.take();
    (first, dfs)
}

/// This worker's documents reduced to features and keys: `features[k]` is document
/// `k * peers + worker`'s.
pub struct Reduced {
    /// Features by local slot.
    pub features: Vec<Feat>,
    /// `(table, key, doc)`: band keys (table = band).
    pub keys: Vec<(u32, u64, u32)>,
    /// `(term, posting)`: the weighted method's probe-prefix terms.
    pub postings: Vec<(u64, Posting)>,
    /// `(table, key, doc, fingerprint)`: SimHash table keys.
    pub fingerprint_keys: Vec<(u32, u64, u32, u64)>,
}

/// Computes the features and keys of this worker's documents (`texts` in index order); the
/// weighted and story methods weigh `terms` with `profile` (the configuration's, or the story
/// method's measured bound).
pub fn reduce_documents(
    config: &Config,
    profile: &ProfileParams,
    share: &Share,
    terms: Option<Vec<Vec<u64>>>,
    dfs: &HashMap<u64, u32>,
) -> Result<Reduced, neardup::Error> {
    let mut features = Vec::with_capacity(share.docs.len());
    let mut keys = Vec::new();
    let mut fingerprint_keys = Vec::new();
    let mut postings = Vec::new();
    match config.method() {
        Method::Weighted | Method::Story => {
            let n = share.total as usize;
            let terms = terms.unwrap_or_default();
            for (doc, terms) in share.docs.iter().zip(terms) {
                let df: Vec<u32> = terms
                    .iter()
                    .map(|t| dfs.get(t).copied().unwrap_or(1))
                    .collect();
                let (feat, total, prefix) = weigh(profile, terms, &df, n, config.threshold());
                postings.extend(prefix.into_iter().map(|(term, indexed, weight, after)| {
                    let posting = Posting {
                        total,
                        doc: doc.index,
                        indexed,
                        weight,
                        after,
                    };
                    (term, posting)
                }));
                features.push(feat);
            }
        }
        Method::SimHash => {
            let mut signer = FingerprintSigner::new(config)?;
            for doc in &share.docs {
                let (feat, table_keys) = signer.sign(&doc.text);
                if let Feat::SimHash(fingerprint, _) = feat {
                    fingerprint_keys.extend(
                        table_keys
                            .into_iter()
                            .map(|(table, key)| (table, key, doc.index, fingerprint)),
                    );
                }
                features.push(feat);
            }
        }
        Method::MinHash => {
            let mut signer = Signer::new(config)?;
            for doc in &share.docs {
                let (feat, bands) = signer.sign(&doc.text);
                keys.extend(
                    bands
                        .into_iter()
                        .enumerate()
                        .map(|(band, key)| (band as u32, key, doc.index)),
                );
                features.push(feat);
            }
        }
    }
    Ok(Reduced {
        features,
        keys,
        postings,
        fingerprint_keys,
    })
}

/// Dataflow 2 and the last stage: the verified edges (those of MinHash and SimHash found here,
/// the weighted method's `verified` before, on the worker of their second document), then
/// their components, linked (`components.rs`), from `features` (`reduced`'s, taken out of it).
/// Returns, on worker 0, the rows of every document in a component and every document's id
/// (others return empty lists).
pub fn cluster(
    worker: &mut Worker,
    config: &Config,
    share: &Share,
    features: Rc<Vec<Feat>>,
    reduced: Reduced,
    verified: Vec<VerifiedEdge>,
    window: Option<i64>,
) -> (Vec<Row>, Vec<(u32, String)>) {
    // Every worker builds the same dataflows: the choice depends only on the configuration.
    let mut edges = match config.method() {
        Method::Weighted | Method::Story => verified,
        Method::MinHash | Method::SimHash => candidate_edges(worker, config, &features, reduced),
    };
    // The batch drops candidate pairs published farther apart than the window before it
    // verifies them; verification is a function of the pair, so dropping those edges now
    // leaves the same edges. Every worker knows every document's time (`Share::times`).
    if let Some(window) = window {
        edges.retain(|&(a, b, _)| neardup::parts::within_window(&share.times, window, a, b));
    }
    let rows = components::link_components(worker, &features, edges, config.chain_floor());
    let ids = share.docs.iter().map(|doc| (doc.index, doc.id.clone()));
    let mut ids = shuffle(worker, ids, |_| 0);
    ids.sort_unstable();
    (rows, ids)
}

/// The verified edges of the MinHash and SimHash methods, each on the worker of its second
/// document.
fn candidate_edges(
    worker: &mut Worker,
    config: &Config,
    features: &Rc<Vec<Feat>>,
    reduced: Reduced,
) -> Vec<VerifiedEdge> {
    let peers = worker.peers() as u32;
    let edges: Rc<RefCell<Vec<(VerifiedEdge, isize)>>> = Rc::default();
    let sink = edges.clone();
    let slot = move |doc: u32| (doc / peers) as usize;
    let threshold = config.threshold();
    let tables = SimHashTables::new(config);
    let (first, second) = (features.clone(), features.clone());
    let (mut keys_in, mut fingerprints_in, probe) = worker.dataflow::<u64, _, _>(move |scope| {
        let (keys_in, keys) = scope.new_collection::<((u32, u64), u32), isize>();
        let (fingerprints_in, fingerprint_keys) =
            scope.new_collection::<((u32, u64), (u32, u64)), isize>();
        // Buckets → candidate pairs, by the batch's rules.
        let in_buckets = keys.reduce(move |_key, docs, out| {
            let docs: Vec<u32> = docs.iter().map(|(d, _)| **d).collect();
            let mut pairs = Vec::new();
            neardup::parts::bucket_pairs(&docs, &mut pairs);
            out.extend(pairs.into_iter().map(|p| (p, 1isize)));
        });
        // SimHash buckets give verified edges (the MinHash input is empty then, and the
        // other way round); a pair in several tables' buckets counts once.
        let close = fingerprint_keys.reduce(move |_key, members, out| {
            let bucket: Vec<(u32, Fingerprint)> = members
                .iter()
                .map(|((doc, fingerprint), _)| (*doc, Fingerprint(*fingerprint)))
                .collect();
            let mut pairs = Vec::new();
            tables.bucket_edges(&bucket, &mut pairs);
            out.extend(pairs.into_iter().map(|p| (p, 1isize)));
        });
        let pairs = in_buckets
            .concat(close)
            .map(|(_, pair)| pair)
            .distinct_total();
        // Each pair picks up its first document's features, then is measured on the second's
        // worker.
        let probe = Handle::new();
        pairs
            .inner
            .exchange(|((a, _), _, _)| owner(*a))
            .as_collection()
            .map(move |(a, b)| (a, b, first[slot(a)].clone()))
            .inner
            .exchange(|((_, b, _), _, _)| owner(*b))
            .as_collection()
            .flat_map(move |(a, b, fa)| {
                let similarity = fa.similarity(&second[slot(b)]);
                // A tiny tolerance so a pair exactly at the threshold is not lost to rounding.
                (similarity >= threshold - 1e-9).then_some((a, b, similarity.to_bits()))
            })
            .inner
            .inspect(move |(edge, _, diff)| sink.borrow_mut().push((*edge, *diff)))
            .probe_with(&probe);
        (keys_in, fingerprints_in, probe)
    });
    for &(table, key, doc) in &reduced.keys {
        keys_in.insert(((table, key), doc));
    }
    for &(table, key, doc, fingerprint) in &reduced.fingerprint_keys {
        fingerprints_in.insert(((table, key), (doc, fingerprint)));
    }
    drop((keys_in, fingerprints_in, reduced));
    run(worker, &probe);
    // An edge counts if its changes add up to one.
    crate::components::consolidate(edges.take())
}
