//! The last stage: connected components of the verified edges, and the batch's linking of
//! each component, with memory in proportion to the edges and the clustered documents.
//!
//! 1. **Forest.** Each worker joins the edges it holds with a union–find and ties every node of
//!    a local tree to the tree's smallest node (its local root). The ties, at most one per node
//!    the worker has edges on, connect exactly what its edges connect.
//! 2. **Labels.** Label propagation in differential-dataflow's `iterate`, over every worker's
//!    ties, gives each node its component's smallest document: its label. Each worker learns
//!    the labels of its local roots (the label of all its edges in their trees), and each
//!    document's worker the label of its document.
//! 3. **Routing.** Each edge, with its label, goes to its component's worker, and so does each
//!    member's document number, with its features unless that worker is its own (which reads
//!    them in place). These are plain timely exchanges: nothing is arranged, and an edge leaves
//!    its worker's memory as it is sent.
//! 4. **Linking.** Once everything has arrived, each worker sorts its components' members and
//!    edges and links each component with the batch's rules (`neardup::parts::link`); the rows
//!    go to worker 0.
//!
//! Nothing depends on the order records arrive in: every group is sorted before it is used.

use std::cell::RefCell;
use std::rc::Rc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::{Iterate, ThresholdTotal};
use neardup::parts::link;
use neardup::verify::Edge as LocalEdge;
use timely::dataflow::operators::probe::Handle;
use timely::dataflow::operators::{Exchange, Inspect, Probe};
use timely::worker::Worker;

use crate::exchange::{draining, shuffle};
use crate::features::Feat;
use crate::rounds::Edge;

/// One output row: a document in a component, its cluster (the smallest member), whether it is
/// the representative, and its similarity to it (`f64` bits).
pub type Row = (u32, u32, bool, u64);

/// The worker that owns document `doc` (modulo the number of workers).
pub fn owner(doc: u32) -> u64 {
    u64::from(doc)
}

/// The rows of every document in a component of the verified `edges` (`a < b`, each edge on
/// exactly one worker), linked with the chain guard `floor`; `features[k]` is document
/// `k * peers + worker`'s. Worker 0 gets all rows, sorted; the others an empty list.
pub fn link_components(
    worker: &mut Worker,
    features: &[Feat],
    edges: Vec<Edge>,
    floor: Option<f64>,
) -> Vec<Row> {
    let (me, peers) = (worker.index() as u64, worker.peers() as u32);
    let mine = |doc: u32| owner(doc) % u64::from(peers) == me;
    let slot = |doc: u32| (doc / peers) as usize;

    let mut forest = Forest::new(&edges);
    let (root_labels, member_labels) = labels(worker, forest.ties(), forest.roots());
    forest.label_roots(&root_labels);
    drop(root_labels);

    let labelled = draining(edges).map(|(a, b, s)| (forest.label(a), a, b, s));
    let mut edges = shuffle(worker, labelled, |e| owner(e.0));
    drop(forest);
    edges.sort_unstable();

    // A member's features travel only if its component's worker is not its own.
    let members = draining(member_labels).map(|(doc, label)| {
        let feat = (!mine(label)).then(|| features[slot(doc)].clone());
        (label, doc, feat)
    });
    let mut members = shuffle(worker, members, |m| owner(m.0));
    members.sort_unstable_by_key(|m| (m.0, m.1));

    let mut rows = Vec::new();
    for component in members.chunk_by(|x, y| x.0 == y.0) {
        let label = component[0].0;
        let from = edges.partition_point(|e| e.0 < label);
        let to = edges.partition_point(|e| e.0 <= label);
        let docs: Vec<u32> = component.iter().map(|m| m.1).collect();
        // Received features, or this worker's own (a member whose worker is this one).
        let feats: Vec<&Feat> = component
            .iter()
            .map(|(_, doc, feat)| feat.as_ref().unwrap_or_else(|| &features[slot(*doc)]))
            .collect();
        rows.extend(link_component(&docs, &feats, &edges[from..to], floor));
    }
    drop((members, edges));
    let mut rows = shuffle(worker, rows, |_| 0);
    rows.sort_unstable();
    rows
}

/// `(node, label)`.
type Label = (u32, u32);

/// Changes to a collection, gathered by a dataflow.
type Changes<T> = Rc<RefCell<Vec<(T, isize)>>>;

/// The spanning forest of one worker's edges: each node tied to its local tree's smallest node.
struct Forest {
    /// The distinct nodes of the edges, sorted.
    nodes: Vec<u32>,
    /// For each node (by index), its local root's index, then (after
    /// [`Forest::label_roots`]) its label.
    root: Vec<u32>,
}

impl Forest {
    /// The forest of `edges`.
    fn new(edges: &[Edge]) -> Forest {
        let mut nodes: Vec<u32> = edges.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes.shrink_to_fit();
        let index = |node: u32| nodes.partition_point(|&n| n < node) as u32;
        // A set's root is its smallest index, so every parent is smaller than its child.
        let mut parent: Vec<u32> = (0..nodes.len() as u32).collect();
        let find = |parent: &mut Vec<u32>, mut x: u32| {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        };
        for &(a, b, _) in edges {
            let (ra, rb) = (find(&mut parent, index(a)), find(&mut parent, index(b)));
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
        // Parents come before their children: one pass in order points every node at its root.
        for i in 0..parent.len() {
            parent[i] = parent[parent[i] as usize];
        }
        Forest {
            nodes,
            root: parent,
        }
    }

    /// The index of `node`, one of the edges' nodes.
    fn index(&self, node: u32) -> usize {
        self.nodes.partition_point(|&n| n < node)
    }

    /// `(node, its local root)` for every node but the roots.
    fn ties(&self) -> Vec<(u32, u32)> {
        let mut ties = Vec::new();
        for (i, (&node, &root)) in self.nodes.iter().zip(&self.root).enumerate() {
            if root as usize != i {
                ties.push((node, self.nodes[root as usize]));
            }
        }
        ties
    }

    /// The local roots.
    fn roots(&self) -> Vec<u32> {
        let mut roots = Vec::new();
        for (i, (&node, &root)) in self.nodes.iter().zip(&self.root).enumerate() {
            if root as usize == i {
                roots.push(node);
            }
        }
        roots
    }

    /// Replaces each node's root by the root's label: `labels` holds `(root, label)` for every
    /// local root, sorted.
    fn label_roots(&mut self, labels: &[(u32, u32)]) {
        let label_at = |root: u32| {
            let at = labels.partition_point(|&(r, _)| r < root);
            labels.get(at).map_or(root, |&(_, label)| label)
        };
        let roots: Vec<u32> = self
            .root
            .iter()
            .map(|&r| label_at(self.nodes[r as usize]))
            .collect();
        self.root = roots;
    }

    /// The label of `node`, one of the edges' nodes (after [`Forest::label_roots`]).
    fn label(&self, node: u32) -> u32 {
        self.root[self.index(node)]
    }
}

/// Label propagation over every worker's `ties` (each `(node, root)` of its local forest):
/// returns `(root, label)` for this worker's `roots`, and `(document, label)` for every
/// document of this worker with an edge, both sorted. A label is its component's smallest
/// document.
fn labels(worker: &mut Worker, ties: Vec<(u32, u32)>, roots: Vec<u32>) -> (Vec<Label>, Vec<Label>) {
    let me = worker.index() as u32;
    let root_labels: Changes<Label> = Rc::default();
    let member_labels: Changes<Label> = Rc::default();
    let (roots_sink, members_sink) = (root_labels.clone(), member_labels.clone());
    let (mut ties_in, mut asks_in, probe) = worker.dataflow::<u64, _, _>(move |scope| {
        let (ties_in, ties) = scope.new_collection::<(u32, u32), isize>();
        let (asks_in, asks) = scope.new_collection::<(u32, u32), isize>();
        // Every node takes the smallest label among its neighbours.
        let both_ways = ties.flat_map(|(a, b)| [(a, b), (b, a)]);
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
        let probe = Handle::new();
        // A worker's roots: `(root, asker)`, answered to the asker.
        asks.join_map(labels.clone(), |root, asker, label| (*asker, *root, *label))
            .inner
            .exchange(|((asker, _, _), _, _)| u64::from(*asker))
            .inspect(move |((_, root, label), _, diff)| {
                roots_sink.borrow_mut().push(((*root, *label), *diff))
            })
            .probe_with(&probe);
        labels
            .inner
            .exchange(|((node, _), _, _)| owner(*node))
            .inspect(move |(label, _, diff)| members_sink.borrow_mut().push((*label, *diff)))
            .probe_with(&probe);
        (ties_in, asks_in, probe)
    });
    for tie in ties {
        ties_in.insert(tie);
    }
    for root in roots {
        asks_in.insert((root, me));
    }
    drop((ties_in, asks_in));
    worker.step_while(|| probe.less_than(&1));
    (
        consolidate(root_labels.take()),
        consolidate(member_labels.take()),
    )
}

/// The records whose changes add up to a positive count, sorted.
pub(crate) fn consolidate<T: Ord + Copy>(mut changes: Vec<(T, isize)>) -> Vec<T> {
    changes.sort_unstable();
    let mut out = Vec::new();
    for run in changes.chunk_by(|x, y| x.0 == y.0) {
        if run.iter().map(|c| c.1).sum::<isize>() > 0 {
            out.push(run[0].0);
        }
    }
    out
}

/// Links one component, its members `docs` sorted with their features `feats` and its
/// `edges` (`(label, a, b, similarity bits)`), and returns its rows.
fn link_component(
    docs: &[u32],
    feats: &[&Feat],
    edges: &[(u32, u32, u32, u64)],
    floor: Option<f64>,
) -> Vec<Row> {
    let local = |doc: u32| docs.partition_point(|&d| d < doc);
    // Local numbers keep the order of global ones, so every tie breaks alike.
    let edges: Vec<LocalEdge> = edges
        .iter()
        .map(|&(_, a, b, s)| LocalEdge {
            a: local(a),
            b: local(b),
            similarity: f64::from_bits(s),
        })
        .collect();
    let clusters = link(
        docs.len(),
        edges,
        floor,
        |a, b| feats[a].similarity(feats[b]),
        |i| feats[i].content(),
    )
    // Edges are `a < b < docs.len()` by construction (local numbers keep the global order, and
    // every edge's nodes are members of its component) and the floor comes from a validated
    // `Config`, so `link` cannot refuse them.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ties connect what the edges connect, each node tied to its tree's smallest node.
    #[test]
    fn forest_ties_nodes_to_their_local_root() {
        // Two trees: {3, 5, 9, 12} and {7, 20}.
        let edges: Vec<Edge> = vec![(9, 12, 0), (5, 12, 0), (7, 20, 0), (3, 9, 0), (5, 9, 0)];
        let forest = Forest::new(&edges);
        assert_eq!(forest.nodes, vec![3, 5, 7, 9, 12, 20]);
        assert_eq!(forest.roots(), vec![3, 7]);
        assert_eq!(forest.ties(), vec![(5, 3), (9, 3), (12, 3), (20, 7)]);
    }

    /// Labels given to the roots reach every node of their trees.
    #[test]
    fn roots_labels_reach_their_trees() {
        let edges: Vec<Edge> = vec![(4, 6, 0), (6, 8, 0), (10, 11, 0)];
        let mut forest = Forest::new(&edges);
        forest.label_roots(&[(4, 1), (10, 2)]);
        let labels: Vec<u32> = [4, 6, 8, 10, 11].iter().map(|&n| forest.label(n)).collect();
        assert_eq!(labels, vec![1, 1, 1, 2, 2]);
    }

    /// Components are labelled by their smallest document whatever worker holds which edge.
    #[test]
    fn labels_are_smallest_members_across_workers() {
        let results = timely::execute(timely::Config::process(3), |worker| {
            let me = worker.index();
            // A path 0-1-2-...-29 whose edges are spread over the workers, and a pair 40-41.
            let mut edges: Vec<Edge> = (0..29u32)
                .filter(|a| *a as usize % 3 == me)
                .map(|a| (a, a + 1, 0))
                .collect();
            if me == 1 {
                edges.push((40, 41, 0));
            }
            let forest = Forest::new(&edges);
            let (_, members) = labels(worker, forest.ties(), forest.roots());
            (me, members)
        })
        .expect("timely runs")
        .join();
        for result in results {
            let (me, members) = result.expect("worker");
            let expected: Vec<(u32, u32)> = (0..30u32)
                .map(|d| (d, 0))
                .chain([(40, 40), (41, 40)])
                .filter(|(d, _)| *d as usize % 3 == me)
                .collect();
            assert_eq!(members, expected);
        }
    }
}
