//! The two dataflows every worker runs.
//!
//! 1. **Check and count.** Ids are exchanged by id to find any given twice; every worker's
//!    first bad document and those duplicates are broadcast, so all workers agree on the earliest
//!    failure and stop together. For the weighted method the same dataflow counts each term's
//!    document frequency across workers and answers every worker's question "what are the
//!    frequencies of my terms".
//! 2. **Cluster.** Each worker computes its documents' features and keys; `(table, key) → doc`
//!    records are grouped by key into buckets (MinHash bands or SimHash tables), which give
//!    candidate pairs by the batch's own rules (a SimHash record carries its fingerprint, and
//!    its bucket gives the verified edges directly); each pair visits the worker of its first
//!    document (which attaches that document's features) and then the worker of its second
//!    (which measures it): features never leave their worker except for this and the last
//!    step. The weighted method's edges are verified before, in rounds (`rounds.rs`), and
//!    enter here. Connected components with minimum-id labels come from label
//!    propagation in `iterate`; each component's edges and members' features meet on one worker,
//!    which links them with the batch's rules (`link`). The rows of documents in a component go
//!    to worker 0; every other document is a cluster of its own.
//!
//! Nothing depends on the order records arrive in: every group is sorted before it is used.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::{CountTotal, Iterate, ThresholdTotal};
use differential_dataflow::AsCollection;
use neardup::config::{Config, Method};
use neardup::verify::Edge;
use serde::{Deserialize, Serialize};
use timely::dataflow::operators::probe::Handle;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::{Exchange, Inspect, Probe};
use timely::worker::Worker;

use crate::features::{weigh, Feat, FingerprintSigner, Signer};
use crate::input::{describe, Place, Share, Source};
use crate::prefix::Posting;
use crate::rounds::Edge as VerifiedEdge;
use neardup::parts::{link, SimHashTables};
use neardup::simhash::Fingerprint;

/// One output row: a document in a component, its cluster (the smallest member), whether it is
/// the representative, and its similarity to it (`f64` bits).
pub type Row = (u32, u32, bool, u64);

/// A record of a component, gathered on the component's worker.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum Item {
    /// A member and its features.
    Member(u32, Feat),
    /// A verified edge `a < b` and its similarity (`f64` bits).
    Edge(u32, u32, u64),
}

/// The worker that owns document `doc`.
fn owner(doc: u32) -> u64 {
    u64::from(doc)
}

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

/// Computes the features and keys of this worker's documents (`texts` in index order).
pub fn reduce_documents(
    config: &Config,
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
                let (feat, total, prefix) =
                    weigh(config.profile(), terms, &df, n, config.threshold());
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

/// Dataflow 2: candidates, verification, components and linking, with `verified` edges found
/// before (the weighted method's, on the worker of their second document), from `features`
/// (`reduced`'s, taken out of it). Returns, on
/// worker 0, the rows of every document in a component and every document's id (others
/// return empty lists).
pub fn cluster(
    worker: &mut Worker,
    config: &Config,
    share: &Share,
    features: Rc<Vec<Feat>>,
    reduced: Reduced,
    verified: Vec<VerifiedEdge>,
) -> (Vec<Row>, Vec<(u32, String)>) {
    let peers = worker.peers() as u32;
    let rows: Rc<RefCell<Vec<(Row, isize)>>> = Rc::default();
    let ids: Rc<RefCell<Vec<(u32, String)>>> = Rc::default();
    let (rows_sink, ids_sink) = (rows.clone(), ids.clone());
    let slot = move |doc: u32| (doc / peers) as usize;
    let threshold = config.threshold();
    let floor = config.chain_floor();
    let tables = SimHashTables::new(config);
    let (mut keys_in, mut fingerprints_in, mut ids_in, mut verified_in, probe) = worker
        .dataflow::<u64, _, _>(move |scope| {
            let (keys_in, keys) = scope.new_collection::<((u32, u64), u32), isize>();
            let (verified_in, given) = scope.new_collection::<(u32, u32, u64), isize>();
            let (fingerprints_in, fingerprint_keys) =
                scope.new_collection::<((u32, u64), (u32, u64)), isize>();
            let (ids_in, ids_col) = scope.new_collection::<(u32, String), isize>();
            let probe = Handle::new();
            ids_col
                .inner
                .exchange(|_| 0)
                .inspect(move |(id, _, _)| ids_sink.borrow_mut().push(id.clone()))
                .probe_with(&probe);
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
            let (first, second) = (features.clone(), features.clone());
            let edges = pairs
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
                .concat(given);
            // Connected components: every node takes the smallest label among its neighbours.
            let both_ways = edges.clone().flat_map(|(a, b, _)| [(a, b), (b, a)]);
            let nodes = both_ways.clone().map(|(a, _)| (a, a)).distinct_total();
            let labels = nodes
                .clone()
                .iterate(|scope, inner| {
                    let both_ways = both_ways.enter(scope);
                    let nodes = nodes.enter(scope);
                    inner
                        .join_map(both_ways, |_node, label, next| (*next, *label))
                        .concat(nodes)
                        .reduce(|_node, labels, out| out.push((*labels[0].0, 1isize)))
                })
                .consolidate();
            // Each component's members (with their features) and edges meet on its worker.
            let member_features = features.clone();
            let members = labels
                .clone()
                .inner
                .exchange(|((node, _), _, _)| owner(*node))
                .as_collection()
                .map(move |(node, label)| {
                    (
                        label,
                        Item::Member(node, member_features[slot(node)].clone()),
                    )
                });
            let component_edges = edges
                .map(|(a, b, s)| (a, (b, s)))
                .join_map(labels, |a, (b, s), label| (*label, Item::Edge(*a, *b, *s)));
            members
                .concat(component_edges)
                .reduce(move |_label, items, out| {
                    for row in link_component(items, floor) {
                        out.push((row, 1isize));
                    }
                })
                .inner
                .exchange(|_| 0)
                .inspect(move |((_, row), _, diff)| rows_sink.borrow_mut().push((*row, *diff)))
                .probe_with(&probe);
            (keys_in, fingerprints_in, ids_in, verified_in, probe)
        });
    for &(table, key, doc) in &reduced.keys {
        keys_in.insert(((table, key), doc));
    }
    for &(table, key, doc, fingerprint) in &reduced.fingerprint_keys {
        fingerprints_in.insert(((table, key), (doc, fingerprint)));
    }
    for doc in &share.docs {
        ids_in.insert((doc.index, doc.id.clone()));
    }
    for edge in verified {
        verified_in.insert(edge);
    }
    drop((keys_in, fingerprints_in, ids_in, verified_in));
    run(worker, &probe);
    // Consolidate: a row counts if its changes add up to one.
    let mut rows = rows.take();
    rows.sort_unstable();
    let mut out: Vec<Row> = Vec::new();
    for run in rows.chunk_by(|x, y| x.0 == y.0) {
        if run.iter().map(|r| r.1).sum::<isize>() > 0 {
            out.push(run[0].0);
        }
    }
    let mut ids = ids.take();
    ids.sort_unstable();
    (out, ids)
}

/// Links one component (its items sorted: members by document, then edges) and returns its
/// rows, in global document numbers.
fn link_component(items: &[(&Item, isize)], floor: Option<f64>) -> Vec<Row> {
    let mut docs: Vec<u32> = Vec::new();
    let mut feats: Vec<&Feat> = Vec::new();
    let mut edges: Vec<Edge> = Vec::new();
    for (item, _) in items {
        match item {
            Item::Member(doc, feat) => {
                docs.push(*doc);
                feats.push(feat);
            }
            Item::Edge(a, b, s) => {
                // Local numbers keep the order of global ones, so every tie breaks alike.
                if let (Ok(a), Ok(b)) = (docs.binary_search(a), docs.binary_search(b)) {
                    edges.push(Edge {
                        a,
                        b,
                        similarity: f64::from_bits(*s),
                    });
                }
            }
        }
    }
    let clusters = link(
        docs.len(),
        edges,
        floor,
        |a, b| feats[a].similarity(feats[b]),
        |i| feats[i].content(),
    )
    // Edges are `a < b < docs.len()` by construction (local numbers keep the global order) and
    // the floor comes from a validated `Config`, so `link` cannot refuse them.
    .expect("component edges and floor are valid");
    let mut rows = Vec::with_capacity(docs.len());
    for c in clusters {
        for (&m, &s) in c.members.iter().zip(&c.similarities) {
            rows.push((
                docs[m],
                docs[c.members[0]],
                c.representative == m,
                s.to_bits(),
            ));
        }
    }
    rows
}
