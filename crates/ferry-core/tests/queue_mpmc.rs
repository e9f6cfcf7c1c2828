//! Many producers and consumers on real threads: every item arrives exactly once.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use ferry_core::queue::{self, RecvError};
use futures::StreamExt;
use futures::executor::block_on;

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const PER_PRODUCER: usize = 25_000;

fn item_id(producer: usize, n: usize) -> usize {
    producer * PER_PRODUCER + n
}

#[test]
fn four_producers_four_consumers_through_capacity_three_deliver_each_item_exactly_once() {
    let (tx, rx) = queue::bounded::<usize>(3).unwrap();
    let seen: Arc<Vec<AtomicU8>> = Arc::new(
        (0..PRODUCERS * PER_PRODUCER)
            .map(|_| AtomicU8::new(0))
            .collect(),
    );
    let start = Arc::new(Barrier::new(PRODUCERS + CONSUMERS));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                block_on(async {
                    for n in 0..PER_PRODUCER {
                        tx.send(item_id(p, n)).await.unwrap();
                    }
                });
            })
        })
        .collect();
    // Only the producers' clones keep the queue open: when they finish, it closes.
    drop(tx);

    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            let seen = Arc::clone(&seen);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut received = 0_usize;
                let end = block_on(async {
                    loop {
                        match rx.recv().await {
                            Ok(id) => {
                                seen[id].fetch_add(1, Ordering::Relaxed);
                                received += 1;
                            }
                            Err(end) => break end,
                        }
                    }
                });
                assert_eq!(end, RecvError);
                received
            })
        })
        .collect();
    drop(rx);

    for producer in producers {
        producer.join().unwrap();
    }
    let total: usize = consumers.into_iter().map(|c| c.join().unwrap()).sum();

    assert_eq!(total, PRODUCERS * PER_PRODUCER);
    let wrong: Vec<usize> = (0..seen.len())
        .filter(|&id| seen[id].load(Ordering::Relaxed) != 1)
        .collect();
    assert!(
        wrong.is_empty(),
        "items not received exactly once: {wrong:?}"
    );
}

#[test]
fn items_from_one_producer_arrive_in_the_order_sent() {
    let (tx, rx) = queue::bounded::<u32>(2).unwrap();
    let producer = thread::spawn(move || {
        block_on(async {
            for n in 0..5_000 {
                tx.send(n).await.unwrap();
            }
        })
    });
    let received: Vec<u32> = block_on(rx.collect());
    producer.join().unwrap();
    assert_eq!(received, (0..5_000).collect::<Vec<_>>());
}

#[test]
fn stream_consumers_on_threads_share_the_items_and_all_end() {
    let (tx, rx) = queue::bounded::<u64>(4).unwrap();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || block_on(rx.fold(0_u64, |sum, n| async move { sum + n })))
        })
        .collect();
    drop(rx);
    block_on(async {
        for n in 1..=10_000_u64 {
            tx.send(n).await.unwrap();
        }
    });
    drop(tx);
    let sum: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(sum, 10_000 * 10_001 / 2);
}
