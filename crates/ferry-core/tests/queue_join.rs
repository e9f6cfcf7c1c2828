//! asyncio's `join`/`task_done`.

mod queue_support;

use std::pin::pin;
use std::task::Poll;
use std::thread;

use ferry_core::queue::{self, ExtraTaskDone, UnfinishedItems};
use futures::executor::block_on;
use queue_support::{CountingWaker, poll_once, poll_with};

#[test]
fn join_completes_at_once_when_nothing_was_sent() {
    let (tx, rx) = queue::bounded::<u8>(1).unwrap();
    assert_eq!(block_on(tx.join()), Ok(()));
    assert_eq!(block_on(rx.join()), Ok(()));
}

#[test]
fn join_waits_for_every_item_to_be_received_and_marked_done() {
    let (tx, rx) = queue::bounded(4).unwrap();
    tx.try_send('a').unwrap();
    tx.try_send('b').unwrap();
    let waker = CountingWaker::new();
    let mut join = pin!(tx.join());
    assert!(poll_with(join.as_mut(), &waker).is_pending());

    assert_eq!(rx.try_recv(), Ok('a'));
    assert_eq!(rx.try_recv(), Ok('b'));
    rx.task_done().unwrap();
    assert!(
        poll_with(join.as_mut(), &waker).is_pending(),
        "one item is not done yet"
    );
    rx.task_done().unwrap();
    assert!(waker.wakes() >= 1);
    assert_eq!(poll_once(join.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn join_waits_for_buffered_items_even_when_all_received_ones_are_done() {
    let (tx, rx) = queue::bounded(4).unwrap();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    rx.task_done().unwrap();
    let mut join = pin!(rx.join());
    assert!(poll_once(join.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(2));
    rx.task_done().unwrap();
    assert_eq!(poll_once(join.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn task_done_more_often_than_items_received_is_an_error() {
    let (tx, rx) = queue::bounded(2).unwrap();
    assert_eq!(rx.task_done(), Err(ExtraTaskDone));
    tx.try_send(1).unwrap();
    // Sent but not received: still nothing to mark done.
    assert_eq!(rx.task_done(), Err(ExtraTaskDone));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.task_done(), Ok(()));
    assert_eq!(rx.task_done(), Err(ExtraTaskDone));
    // The failed calls changed nothing: a new item is still owed its own task_done.
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    let mut join = pin!(tx.join());
    assert!(poll_once(join.as_mut()).is_pending());
    rx.task_done().unwrap();
    assert_eq!(poll_once(join.as_mut()), Poll::Ready(Ok(())));
}

#[test]
fn join_fails_when_every_receiver_is_dropped_with_items_unfinished() {
    let (tx, rx) = queue::bounded(4).unwrap();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    let waker = CountingWaker::new();
    let mut join = pin!(tx.join());
    assert!(poll_with(join.as_mut(), &waker).is_pending());
    drop(rx);
    assert!(waker.wakes() >= 1);
    assert_eq!(
        poll_once(join.as_mut()),
        Poll::Ready(Err(UnfinishedItems { remaining: 3 }))
    );
}

#[test]
fn join_succeeds_after_receivers_are_dropped_with_everything_done() {
    let (tx, rx) = queue::bounded(1).unwrap();
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    rx.task_done().unwrap();
    drop(rx);
    assert_eq!(block_on(tx.join()), Ok(()));
}

#[test]
fn join_on_another_thread_returns_once_consumers_mark_everything_done() {
    let (tx, rx) = queue::bounded::<u32>(3).unwrap();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                block_on(async {
                    while let Ok(_item) = rx.recv().await {
                        rx.task_done().unwrap();
                    }
                })
            })
        })
        .collect();
    block_on(async {
        for n in 0..2_000 {
            tx.send(n).await.unwrap();
        }
        tx.join().await.unwrap();
    });
    // join returned: every item was received and marked done, nothing is buffered.
    assert!(tx.is_empty());
    assert_eq!(rx.task_done(), Err(ExtraTaskDone));
    drop(tx);
    for consumer in consumers {
        consumer.join().unwrap();
    }
}
