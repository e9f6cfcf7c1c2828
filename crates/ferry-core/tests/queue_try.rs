//! The non-waiting operations and the sizes the queue reports.

use ferry_core::queue::{self, InvalidCapacity, TryRecvError, TrySendError};

#[test]
fn capacity_zero_is_an_error_not_a_panic() {
    assert_eq!(queue::bounded::<u8>(0).unwrap_err(), InvalidCapacity);
}

#[test]
fn huge_capacity_is_accepted_without_allocating_it() {
    let (tx, rx) = queue::bounded::<u64>(usize::MAX).unwrap();
    tx.try_send(1).unwrap();
    assert_eq!(tx.capacity(), usize::MAX);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn try_send_on_a_full_queue_hands_the_item_back_as_full() {
    let (tx, rx) = queue::bounded(2).unwrap();
    tx.try_send(vec![1]).unwrap();
    tx.try_send(vec![2]).unwrap();
    assert!(tx.is_full());
    let error = tx.try_send(vec![3]).unwrap_err();
    assert!(error.is_full());
    assert_eq!(error.into_inner(), vec![3]);
    assert_eq!(rx.try_recv(), Ok(vec![1]));
    tx.try_send(vec![4]).unwrap();
}

#[test]
fn try_send_on_a_closed_queue_hands_the_item_back_as_closed() {
    let (tx, _rx) = queue::bounded(2).unwrap();
    tx.close();
    let error = tx.try_send("kept").unwrap_err();
    assert!(error.is_closed());
    assert!(matches!(error, TrySendError::Closed("kept")));
}

#[test]
fn try_send_on_a_closed_full_queue_reports_closed() {
    let (tx, _rx) = queue::bounded(1).unwrap();
    tx.try_send(1).unwrap();
    tx.close();
    assert!(matches!(tx.try_send(2), Err(TrySendError::Closed(2))));
}

#[test]
fn try_recv_tells_empty_from_closed() {
    let (tx, rx) = queue::bounded::<u8>(1).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn len_counts_buffered_items_and_is_full_counts_permits_too() {
    let (tx, rx) = queue::bounded(3).unwrap();
    assert!(tx.is_empty() && rx.is_empty());
    tx.try_send('a').unwrap();
    let permit = futures::executor::block_on(tx.reserve()).unwrap();
    assert_eq!(tx.len(), 1);
    assert!(!tx.is_full());
    tx.try_send('b').unwrap();
    assert!(rx.is_full(), "two items and one permit fill three slots");
    assert!(matches!(tx.try_send('c'), Err(TrySendError::Full('c'))));
    permit.send('p');
    assert_eq!(rx.len(), 3);
    let order: Vec<char> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(order, ['a', 'b', 'p']);
}
