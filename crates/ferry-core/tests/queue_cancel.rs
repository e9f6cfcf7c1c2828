//! Dropping a queue future or an unused permit leaks no slot, loses no item and leaves no
//! waiter behind.

mod queue_support;

use std::pin::pin;
use std::task::Poll;

use ferry_core::queue;
use futures::executor::block_on;
use queue_support::{CountingWaker, poll_once, poll_with};

/// Fills the whole capacity with `try_send` and empties it again: proves every slot is free.
fn assert_every_slot_usable(tx: &queue::Sender<u32>, rx: &queue::Receiver<u32>) {
    for n in 0..tx.capacity() as u32 {
        tx.try_send(n)
            .unwrap_or_else(|e| panic!("slot {n} of {} unusable: {e}", tx.capacity()));
    }
    assert!(tx.is_full());
    for n in 0..tx.capacity() as u32 {
        assert_eq!(rx.try_recv(), Ok(n));
    }
}

#[test]
fn dropping_a_waiting_reserve_future_leaks_no_slot() {
    let (tx, rx) = queue::bounded::<u32>(2).unwrap();
    let held = block_on(tx.reserve()).unwrap();
    let held2 = block_on(tx.reserve()).unwrap();
    {
        let mut waiting = pin!(tx.reserve());
        assert!(poll_once(waiting.as_mut()).is_pending());
    }
    drop(held);
    drop(held2);
    assert_every_slot_usable(&tx, &rx);
}

#[test]
fn dropping_a_reserve_future_woken_but_not_polled_leaks_no_slot() {
    let (tx, rx) = queue::bounded::<u32>(1).unwrap();
    tx.try_send(0).unwrap();
    {
        let mut waiting = pin!(tx.reserve());
        let waker = CountingWaker::new();
        assert!(poll_with(waiting.as_mut(), &waker).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(waker.wakes(), 1, "a freed slot wakes the waiting reserver");
    }
    assert_every_slot_usable(&tx, &rx);
}

#[test]
fn dropping_an_unused_permit_returns_its_slot_and_wakes_a_waiting_sender() {
    let (tx, rx) = queue::bounded::<u32>(1).unwrap();
    let permit = block_on(tx.reserve()).unwrap();
    assert!(tx.is_full());
    let waker = CountingWaker::new();
    let mut waiting = pin!(tx.send(5));
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    drop(permit);
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_once(waiting.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(5));
    assert_every_slot_usable(&tx, &rx);
}

#[test]
fn dropping_an_unused_owned_permit_returns_its_slot() {
    let (tx, rx) = queue::bounded::<u32>(3).unwrap();
    let permits: Vec<_> = (0..3)
        .map(|_| block_on(tx.clone().reserve_owned()).unwrap())
        .collect();
    assert!(tx.is_full());
    drop(permits);
    assert_every_slot_usable(&tx, &rx);
}

#[test]
fn a_dropped_woken_sender_passes_its_wake_up_on() {
    let (tx, rx) = queue::bounded::<u32>(1).unwrap();
    tx.try_send(0).unwrap();
    let first = CountingWaker::new();
    let second = CountingWaker::new();
    let mut second_send = pin!(tx.send(2));
    {
        let mut first_send = pin!(tx.send(1));
        assert!(poll_with(first_send.as_mut(), &first).is_pending());
        assert!(poll_with(second_send.as_mut(), &second).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(first.wakes(), 1);
        assert_eq!(second.wakes(), 0, "one freed slot wakes one sender");
        // `first_send` is cancelled here, before it used its wake-up.
    }
    assert_eq!(
        second.wakes(),
        1,
        "the cancelled sender's wake-up goes to the next one"
    );
    assert_eq!(poll_once(second_send.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropping_a_waiting_recv_future_loses_no_item() {
    let (tx, rx) = queue::bounded::<u32>(2).unwrap();
    {
        let waker = CountingWaker::new();
        let mut waiting = pin!(rx.recv());
        assert!(poll_with(waiting.as_mut(), &waker).is_pending());
        tx.try_send(7).unwrap();
        assert_eq!(waker.wakes(), 1);
        // Dropped after the wake-up, before taking the item.
    }
    assert_eq!(rx.len(), 1);
    assert_eq!(block_on(rx.recv()), Ok(7));
}

#[test]
fn a_dropped_woken_receiver_passes_its_wake_up_on() {
    let (tx, rx) = queue::bounded::<u32>(2).unwrap();
    let rx2 = rx.clone();
    let second = CountingWaker::new();
    let mut second_recv = pin!(rx2.recv());
    {
        let mut first_recv = pin!(rx.recv());
        assert!(poll_once(first_recv.as_mut()).is_pending());
        assert!(poll_with(second_recv.as_mut(), &second).is_pending());
        tx.try_send(3).unwrap();
        assert_eq!(second.wakes(), 0, "one item wakes one receiver");
    }
    assert_eq!(second.wakes(), 1);
    assert_eq!(poll_once(second_recv.as_mut()), Poll::Ready(Ok(3)));
}

#[test]
fn dropping_a_waiting_send_future_drops_its_item_and_takes_no_slot() {
    let (tx, rx) = queue::bounded::<u32>(1).unwrap();
    tx.try_send(0).unwrap();
    {
        let mut waiting = pin!(tx.send(1));
        assert!(poll_once(waiting.as_mut()).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(queue::TryRecvError::Empty));
    assert_every_slot_usable(&tx, &rx);
}

#[test]
fn dropping_a_receiver_between_stream_polls_loses_no_item() {
    use futures::Stream;
    let (tx, rx) = queue::bounded::<u32>(2).unwrap();
    let mut streaming = rx.clone();
    assert!(
        std::pin::Pin::new(&mut streaming)
            .poll_next(&mut std::task::Context::from_waker(std::task::Waker::noop()))
            .is_pending()
    );
    tx.try_send(4).unwrap();
    drop(streaming);
    assert_eq!(rx.try_recv(), Ok(4));
}
