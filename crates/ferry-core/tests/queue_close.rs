//! What close and drop do to each side of the queue.

mod queue_support;

use std::pin::pin;
use std::task::Poll;
use std::thread;

use ferry_core::queue::{self, Closed, RecvError, SendError, TryRecvError};
use futures::executor::block_on;
use queue_support::{CountingWaker, poll_once, poll_with};

#[test]
fn close_while_producers_wait_hands_their_items_back() {
    let (tx, _rx) = queue::bounded::<String>(1).unwrap();
    tx.try_send("buffered".to_owned()).unwrap();

    let waker_a = CountingWaker::new();
    let waker_b = CountingWaker::new();
    let mut send_a = pin!(tx.send("a".to_owned()));
    let mut send_b = pin!(tx.send("b".to_owned()));
    assert!(poll_with(send_a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(send_b.as_mut(), &waker_b).is_pending());

    assert!(tx.close());
    assert!(waker_a.wakes() >= 1, "closing must wake waiting senders");
    assert!(waker_b.wakes() >= 1, "closing must wake waiting senders");
    assert_eq!(
        poll_once(send_a.as_mut()),
        Poll::Ready(Err(SendError("a".to_owned())))
    );
    assert_eq!(
        poll_once(send_b.as_mut()),
        Poll::Ready(Err(SendError("b".to_owned())))
    );
}

#[test]
fn close_wakes_producers_blocked_on_other_threads_with_their_items() {
    let (tx, rx) = queue::bounded::<u32>(1).unwrap();
    tx.try_send(0).unwrap();
    let producers: Vec<_> = (1..=3)
        .map(|n| {
            let tx = tx.clone();
            thread::spawn(move || block_on(tx.send(n)))
        })
        .collect();
    // Whether each producer is already waiting or not, close makes its send fail.
    thread::sleep(std::time::Duration::from_millis(20));
    rx.close();
    let mut handed_back: Vec<u32> = producers
        .into_iter()
        .map(|p| p.join().unwrap().unwrap_err().into_inner())
        .collect();
    handed_back.sort_unstable();
    assert_eq!(handed_back, [1, 2, 3]);
    assert_eq!(rx.try_recv(), Ok(0));
}

#[test]
fn close_lets_consumers_drain_buffered_items_then_reports_the_end() {
    let (tx, rx) = queue::bounded(4).unwrap();
    for n in 0..4 {
        tx.try_send(n).unwrap();
    }
    assert!(rx.close());
    assert!(
        !tx.close(),
        "a second close reports that the queue was closed already"
    );
    assert!(tx.is_closed());
    block_on(async {
        for n in 0..4 {
            assert_eq!(rx.recv().await, Ok(n));
        }
        assert_eq!(rx.recv().await, Err(RecvError));
    });
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropping_every_sender_closes_and_consumers_drain_first() {
    let (tx, rx) = queue::bounded(2).unwrap();
    let tx2 = tx.clone();
    tx.try_send('x').unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "one sender is still alive");
    tx2.try_send('y').unwrap();
    drop(tx2);
    assert!(rx.is_closed());
    block_on(async {
        assert_eq!(rx.recv().await, Ok('x'));
        assert_eq!(rx.recv().await, Ok('y'));
        assert_eq!(rx.recv().await, Err(RecvError));
    });
}

#[test]
fn dropping_every_sender_wakes_a_waiting_consumer_with_the_end() {
    let (tx, rx) = queue::bounded::<u8>(2).unwrap();
    let waker = CountingWaker::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(Err(RecvError)));
}

#[test]
fn dropping_every_receiver_closes_and_senders_get_items_back() {
    let (tx, rx) = queue::bounded(1).unwrap();
    let rx2 = rx.clone();
    tx.try_send(1).unwrap();
    let waker = CountingWaker::new();
    let mut waiting = pin!(tx.send(2));
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());

    drop(rx);
    assert!(!tx.is_closed(), "one receiver is still alive");
    drop(rx2);
    assert!(tx.is_closed());
    assert_eq!(tx.len(), 0, "buffered items nobody can receive are dropped");
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_once(waiting.as_mut()), Poll::Ready(Err(SendError(2))));
    assert_eq!(block_on(tx.send(3)), Err(SendError(3)));
    assert_eq!(block_on(tx.reserve()).unwrap_err(), Closed);
}

#[test]
fn permit_reserved_before_close_still_sends_and_the_item_is_drained() {
    let (tx, rx) = queue::bounded(2).unwrap();
    tx.try_send("first").unwrap();
    let permit = block_on(tx.reserve()).unwrap();
    tx.close();

    // The buffered item comes out; then the receiver waits for the outstanding permit
    // instead of reporting the end.
    assert_eq!(rx.try_recv(), Ok("first"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let waker = CountingWaker::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());

    permit.send("late");
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(Ok("late")));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn permit_dropped_unused_after_close_ends_the_waiting_consumer() {
    let (tx, rx) = queue::bounded::<u8>(2).unwrap();
    let permit = block_on(tx.reserve()).unwrap();
    tx.close();
    let waker = CountingWaker::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    drop(permit);
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(Err(RecvError)));
}

#[test]
fn owned_permit_keeps_the_queue_open_until_it_sends() {
    let (tx, rx) = queue::bounded(1).unwrap();
    let permit = block_on(tx.reserve_owned()).unwrap();
    // `tx` was moved into the permit: it is the only sender left.
    assert!(!rx.is_closed());
    let sender = thread::spawn(move || permit.send(99));
    sender.join().unwrap();
    assert!(rx.is_closed(), "the permit's sender was the last one");
    assert_eq!(block_on(rx.recv()), Ok(99));
    assert_eq!(block_on(rx.recv()), Err(RecvError));
}

#[test]
fn stream_ends_after_close_and_drain() {
    use futures::StreamExt;
    let (tx, rx) = queue::bounded(3).unwrap();
    for n in [5, 6, 7] {
        tx.try_send(n).unwrap();
    }
    tx.close();
    let items: Vec<i32> = block_on(rx.collect());
    assert_eq!(items, [5, 6, 7]);
}
