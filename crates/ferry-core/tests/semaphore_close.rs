//! Closing wakes every waiter with an error, fails later acquires and keeps held permits valid.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use ferry_core::semaphore::{AcquireError, Semaphore, TryAcquireError};
use futures::FutureExt;
use futures::executor::block_on;
use futures::task::{ArcWake, waker};

#[derive(Default)]
struct WakeCount(AtomicUsize);

impl ArcWake for WakeCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    future.poll_unpin(&mut Context::from_waker(waker))
}

#[test]
fn close_wakes_every_waiter_and_each_fails_with_what_it_asked_for() {
    let semaphore = Semaphore::new(0);
    let count = Arc::new(WakeCount::default());
    let waker = waker(count.clone());
    let mut one = semaphore.acquire();
    let mut three = semaphore.acquire_many(3);
    assert!(poll_with(&mut one, &waker).is_pending());
    assert!(poll_with(&mut three, &waker).is_pending());

    semaphore.close();
    assert_eq!(count.0.load(Ordering::SeqCst), 2);
    assert!(semaphore.is_closed());
    let Poll::Ready(Err(error)) = poll_with(&mut three, &waker) else {
        panic!("a waiter must fail once the semaphore is closed");
    };
    assert_eq!(error.requested(), 3);
    assert_eq!(
        error.to_string(),
        "semaphore closed: could not acquire 3 permit(s)"
    );
    assert!(matches!(poll_with(&mut one, &waker), Poll::Ready(Err(_))));
}

#[test]
fn close_fails_later_acquires_of_every_kind() {
    let semaphore = Arc::new(Semaphore::new(5));
    semaphore.close();
    let error: AcquireError = block_on(semaphore.acquire()).unwrap_err();
    assert_eq!(error.requested(), 1);
    assert!(block_on(semaphore.acquire_many(0)).is_err());
    assert!(block_on(semaphore.clone().acquire_many_owned(2)).is_err());
    assert_eq!(
        semaphore.try_acquire_many(2).unwrap_err(),
        TryAcquireError::Closed { requested: 2 }
    );
    assert!(
        semaphore
            .clone()
            .try_acquire_owned()
            .unwrap_err()
            .is_closed()
    );
    assert_eq!(semaphore.available_permits(), 5, "closing takes no permits");
}

#[test]
fn permits_held_at_close_stay_valid_and_are_given_back_on_drop() {
    let semaphore = Arc::new(Semaphore::new(3));
    let borrowed = semaphore.try_acquire_many(2).unwrap();
    let owned = semaphore.clone().try_acquire_owned().unwrap();
    semaphore.close();
    assert_eq!(borrowed.num_permits(), 2);
    assert_eq!(owned.num_permits(), 1);
    drop(borrowed);
    drop(owned);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn a_waiter_granted_before_close_still_gets_its_permit() {
    let semaphore = Semaphore::new(0);
    let mut waiting = semaphore.acquire();
    assert!(poll_with(&mut waiting, Waker::noop()).is_pending());
    semaphore.add_permits(1).unwrap();
    semaphore.close();
    let Poll::Ready(Ok(permit)) = poll_with(&mut waiting, Waker::noop()) else {
        panic!("permits assigned before the close belong to the waiter");
    };
    assert_eq!(permit.num_permits(), 1);
}

#[test]
fn permits_partly_assigned_to_a_waiter_come_back_when_it_fails_on_close() {
    let semaphore = Semaphore::new(2);
    let mut big = semaphore.acquire_many(5);
    assert!(poll_with(&mut big, Waker::noop()).is_pending());
    semaphore.add_permits(1).unwrap();
    assert_eq!(
        semaphore.available_permits(),
        0,
        "three are reserved for `big`"
    );

    semaphore.close();
    assert!(matches!(
        poll_with(&mut big, Waker::noop()),
        Poll::Ready(Err(_))
    ));
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn dropping_a_waiter_after_close_gives_back_its_partial_permits() {
    let semaphore = Semaphore::new(1);
    let mut big = semaphore.acquire_many(2);
    assert!(poll_with(&mut big, Waker::noop()).is_pending());
    semaphore.close();
    drop(big);
    assert_eq!(semaphore.available_permits(), 1);
}

#[test]
fn permits_given_back_after_close_are_not_handed_to_failing_waiters() {
    let semaphore = Semaphore::new(1);
    let held = semaphore.try_acquire().unwrap();
    let mut waiting = semaphore.acquire();
    assert!(poll_with(&mut waiting, Waker::noop()).is_pending());
    semaphore.close();
    drop(held);
    assert_eq!(semaphore.available_permits(), 1);
    assert!(matches!(
        poll_with(&mut waiting, Waker::noop()),
        Poll::Ready(Err(_))
    ));
    assert_eq!(semaphore.available_permits(), 1);
}

#[test]
fn add_permits_still_counts_after_close() {
    let semaphore = Semaphore::new(0);
    semaphore.close();
    semaphore.close();
    semaphore.add_permits(4).unwrap();
    assert_eq!(semaphore.available_permits(), 4);
    assert!(semaphore.try_acquire().unwrap_err().is_closed());
}
