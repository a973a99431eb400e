//! Moving records between workers with plain timely exchanges: each worker hands over its
//! records and gets back those routed to it, held in a vector and never arranged.

use std::cell::RefCell;
use std::rc::Rc;

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange as ExchangePact;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Probe;
use timely::dataflow::{InputHandleVec, ProbeHandle};
use timely::worker::Worker;
use timely::ExchangeData;

/// Records sent between two steps of the worker, so few wait in its buffers at once.
const BATCH: usize = 1 << 16;

/// Sends every worker's `records` to the worker `route` names (modulo the number of workers)
/// and returns those routed to this one, in no particular order. Every worker must call it at
/// the same point of its run.
pub fn shuffle<T, I, R>(worker: &mut Worker, records: I, route: R) -> Vec<T>
where
    T: ExchangeData + Clone,
    I: IntoIterator<Item = T>,
    R: Fn(&T) -> u64 + 'static,
{
    let received: Rc<RefCell<Vec<T>>> = Rc::default();
    let sink = received.clone();
    let mut input = InputHandleVec::<u64, T>::new();
    let probe = ProbeHandle::new();
    worker.dataflow::<u64, _, _>(|scope| {
        input
            .to_stream(scope)
            .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                ExchangePact::new(route),
                "Gather",
                |_, _| {
                    move |input, _| {
                        // Records are moved out of their batches, not copied.
                        input.for_each(|_, batch| sink.borrow_mut().append(batch));
                    }
                },
            )
            .probe_with(&probe);
    });
    for (k, record) in records.into_iter().enumerate() {
        input.send(record);
        if k % BATCH == BATCH - 1 {
            worker.step();
        }
    }
    drop(input);
    worker.step_while(|| !probe.done());
    received.take()
}

/// The records of `records` from its end, its memory given back as it empties (so a vector
/// being sent away does not stay whole until the last record has left).
pub fn draining<T>(mut records: Vec<T>) -> impl Iterator<Item = T> {
    std::iter::from_fn(move || {
        let record = records.pop();
        if records.capacity() > 4 * BATCH && records.len() < records.capacity() / 2 {
            records.shrink_to_fit();
        }
        record
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draining yields every record once, from the end, through its shrinking steps.
    #[test]
    fn draining_yields_every_record() {
        let records: Vec<u32> = (0..1_000_000).collect();
        let back: Vec<u32> = draining(records).collect();
        assert_eq!(back.len(), 1_000_000);
        assert!(back.iter().rev().copied().eq(0..1_000_000));
    }

    /// Each of three workers gets exactly the records routed to it, from every worker.
    #[test]
    fn shuffle_routes_every_record_to_its_worker() {
        let results = timely::execute(timely::Config::process(3), |worker| {
            let me = worker.index() as u64;
            // Each worker sends 0..1000 tagged with itself.
            let records = (0..1000u64).map(move |x| (x, me));
            let mut got = shuffle(worker, records, |(x, _)| *x);
            got.sort_unstable();
            (me, got)
        })
        .expect("timely runs")
        .join();
        for result in results {
            let (me, got) = result.expect("worker");
            let expected: Vec<(u64, u64)> = (0..1000u64)
                .filter(|x| x % 3 == me)
                .flat_map(|x| (0..3).map(move |w| (x, w)))
                .collect();
            assert_eq!(got, expected);
        }
    }
}
