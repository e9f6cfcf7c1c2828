//! A bounded queue with 4 producers and 4 consumers vs async-channel, flume and tokio's mpsc.

use std::hint::black_box;
use std::time::Instant;

use ferry_core::{Spawn, SpawnExt};

use ferry_compare::Comparison;

use super::{Case, Measured, Sizes, case, ferry_workload};
use crate::backends;

const ITEMS: usize = 1_000_000;
const QUICK_ITEMS: usize = 50_000;
const CAPACITY: usize = 1_024;
const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;

ferry_workload!(
    /// ferry's queue, written once for every backend.
    FerryQueue,
    ferry_queue
);

/// ferry's cases: the queue on every backend ferry-compare has.
pub(crate) fn generic(comparison: Comparison) -> Comparison {
    comparison
        .workload(FerryQueue)
        .label_prefix("ferry ")
        .on_enabled_backends()
        .done()
}

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("async-channel tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(async_channel_queue(s.clone()))
        }),
        case("flume tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(flume_queue(s.clone()))
        }),
        case("tokio mpsc (1 consumer) tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(tokio_mpsc(s.clone()))
        }),
        case("flume tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(&backends::tokio_multi_thread(), flume_queue(s.clone()))
        }),
        case("async-channel tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(
                &backends::tokio_multi_thread(),
                async_channel_queue(s.clone()),
            )
        }),
    ]
}

/// Splits `items` over `PRODUCERS`; the count actually sent.
fn per_producer(items: usize) -> usize {
    items / PRODUCERS
}

async fn ferry_queue<R: Spawn>(rt: R, sizes: Sizes) -> Measured {
    let items = per_producer(sizes.items(ITEMS, QUICK_ITEMS));
    let capacity = sizes.concurrency(CAPACITY);
    let (sender, receiver) = ferry_core::queue::bounded::<u64>(capacity).expect("capacity > 0");
    let start = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let sender = sender.clone();
            rt.spawn(async move {
                for n in 0..items as u64 {
                    sender.send(n).await.expect("consumers outlive producers");
                }
            })
        })
        .collect();
    drop(sender);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let receiver = receiver.clone();
            rt.spawn(async move {
                let mut sum = 0_u64;
                while let Ok(n) = receiver.recv().await {
                    sum = sum.wrapping_add(n);
                }
                black_box(sum)
            })
        })
        .collect();
    drop(receiver);
    for handle in producers {
        handle.await.expect("no panic");
    }
    for handle in consumers {
        handle.await.expect("no panic");
    }
    Measured::per_item(start.elapsed(), items * PRODUCERS)
}

async fn async_channel_queue(sizes: Sizes) -> Measured {
    let items = per_producer(sizes.items(ITEMS, QUICK_ITEMS));
    let (sender, receiver) = async_channel::bounded::<u64>(sizes.concurrency(CAPACITY));
    let start = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let sender = sender.clone();
            tokio::spawn(async move {
                for n in 0..items as u64 {
                    sender.send(n).await.expect("consumers outlive producers");
                }
            })
        })
        .collect();
    drop(sender);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move {
                let mut sum = 0_u64;
                while let Ok(n) = receiver.recv().await {
                    sum = sum.wrapping_add(n);
                }
                black_box(sum)
            })
        })
        .collect();
    drop(receiver);
    for handle in producers {
        handle.await.expect("no panic");
    }
    for handle in consumers {
        handle.await.expect("no panic");
    }
    Measured::per_item(start.elapsed(), items * PRODUCERS)
}

async fn flume_queue(sizes: Sizes) -> Measured {
    let items = per_producer(sizes.items(ITEMS, QUICK_ITEMS));
    let (sender, receiver) = flume::bounded::<u64>(sizes.concurrency(CAPACITY));
    let start = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let sender = sender.clone();
            tokio::spawn(async move {
                for n in 0..items as u64 {
                    sender
                        .send_async(n)
                        .await
                        .expect("consumers outlive producers");
                }
            })
        })
        .collect();
    drop(sender);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move {
                let mut sum = 0_u64;
                while let Ok(n) = receiver.recv_async().await {
                    sum = sum.wrapping_add(n);
                }
                black_box(sum)
            })
        })
        .collect();
    drop(receiver);
    for handle in producers {
        handle.await.expect("no panic");
    }
    for handle in consumers {
        handle.await.expect("no panic");
    }
    Measured::per_item(start.elapsed(), items * PRODUCERS)
}

/// tokio's mpsc has one receiver, so one consumer drains what the four producers send.
async fn tokio_mpsc(sizes: Sizes) -> Measured {
    let items = per_producer(sizes.items(ITEMS, QUICK_ITEMS));
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<u64>(sizes.concurrency(CAPACITY));
    let start = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let sender = sender.clone();
            tokio::spawn(async move {
                for n in 0..items as u64 {
                    sender
                        .send(n)
                        .await
                        .expect("the consumer outlives producers");
                }
            })
        })
        .collect();
    drop(sender);
    let consumer = tokio::spawn(async move {
        let mut sum = 0_u64;
        while let Some(n) = receiver.recv().await {
            sum = sum.wrapping_add(n);
        }
        black_box(sum)
    });
    for handle in producers {
        handle.await.expect("no panic");
    }
    consumer.await.expect("no panic");
    Measured::per_item(start.elapsed(), items * PRODUCERS)
}
