//! Determinism: one seed gives one run, trace for trace; many seeds give correct results in
//! different orders.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::{SpawnExt, Timer, timeout};
use ferry_mock::{MockRuntime, TraceEvent};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};

const PRODUCERS: u64 = 200;
const CONSUMERS: usize = 4;

/// What one run of the pipeline produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    /// Every (consumer, item) in the order the items were handled.
    handled: Vec<(usize, u64)>,
    /// Items whose handling ran over its timeout.
    timed_out: Vec<u64>,
    trace: Vec<TraceEvent>,
}

/// Hundreds of producers sleep and send into a bounded channel; a few consumers receive, and
/// handle each item under a timeout with a sleep that depends on the item. Many tasks wake at
/// the same virtual instants, so the order in which they run is the scheduler's choice.
async fn pipeline(rt: MockRuntime) -> Outcome {
    let (sender, receiver) = mpsc::channel::<u64>(8);
    let receiver = Arc::new(futures::lock::Mutex::new(receiver));
    let handled = Arc::new(Mutex::new(Vec::new()));
    let timed_out = Arc::new(Mutex::new(Vec::new()));

    let mut producers = Vec::new();
    for item in 0..PRODUCERS {
        let (rt2, mut sender) = (rt.clone(), sender.clone());
        producers.push(rt.spawn(async move {
            rt2.sleep(Duration::from_millis(item % 7 * 10)).await;
            sender.send(item).await.expect("consumers are alive");
        }));
    }
    drop(sender);

    let mut consumers = Vec::new();
    for consumer in 0..CONSUMERS {
        let rt2 = rt.clone();
        let (receiver, handled, timed_out) = (
            Arc::clone(&receiver),
            Arc::clone(&handled),
            Arc::clone(&timed_out),
        );
        consumers.push(rt.named(format!("consumer-{consumer}")).spawn(async move {
            loop {
                let next = receiver.lock().await.next().await;
                let Some(item) = next else { break };
                let work = rt2.sleep(Duration::from_millis(item % 5 * 3));
                match timeout(&rt2, Duration::from_millis(10), work).await {
                    Ok(()) => handled.lock().unwrap().push((consumer, item)),
                    Err(_) => timed_out.lock().unwrap().push(item),
                }
            }
        }));
    }
    for producer in producers {
        producer.await.expect("producer finishes");
    }
    for consumer in consumers {
        consumer.await.expect("consumer finishes");
    }
    let handled = std::mem::take(&mut *handled.lock().unwrap());
    let timed_out = std::mem::take(&mut *timed_out.lock().unwrap());
    Outcome {
        handled,
        timed_out,
        trace: rt.trace(),
    }
}

#[test]
fn one_seed_gives_identical_traces_and_results() {
    let first = ferry_mock::run(12_345, pipeline);
    let second = ferry_mock::run(12_345, pipeline);
    assert!(
        first.trace.len() > 3 * PRODUCERS as usize,
        "the trace records the run"
    );
    assert_eq!(first.trace, second.trace);
    assert_eq!(first, second);
}

#[test]
fn results_are_correct_on_fifty_seeds_and_orders_differ() {
    let mut orders = BTreeSet::new();
    for seed in 0..50 {
        let outcome = ferry_mock::run(seed, pipeline);
        let mut items: Vec<u64> = outcome.handled.iter().map(|(_, item)| *item).collect();
        items.sort_unstable();
        // Items taking 12 ms (item % 5 == 4) exceed the 10 ms timeout; all others succeed.
        let expected: Vec<u64> = (0..PRODUCERS).filter(|item| item % 5 != 4).collect();
        assert_eq!(items, expected, "seed {seed}");
        let mut timed_out = outcome.timed_out.clone();
        timed_out.sort_unstable();
        let expected: Vec<u64> = (0..PRODUCERS).filter(|item| item % 5 == 4).collect();
        assert_eq!(timed_out, expected, "seed {seed}");
        orders.insert(outcome.handled);
    }
    assert!(
        orders.len() >= 2,
        "fifty seeds all gave the same interleaving: the seed does not reach the scheduler"
    );
}
