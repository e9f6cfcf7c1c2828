//! The line is first come, first served: for single and many permits, across drops.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use ferry_core::semaphore::{Semaphore, TryAcquireError};
use futures::FutureExt;
use futures::task::{ArcWake, waker};

/// A waker that counts its wakes, so tests can tell who was woken.
#[derive(Default)]
struct WakeCount(AtomicUsize);

impl ArcWake for WakeCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<WakeCount>, Waker) {
    let count = Arc::new(WakeCount::default());
    (count.clone(), waker(count))
}

fn wakes(count: &WakeCount) -> usize {
    count.0.load(Ordering::SeqCst)
}

fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    future.poll_unpin(&mut Context::from_waker(waker))
}

/// Polls an acquire that must have finished and returns its permit (which the caller holds).
fn ready_permit<F, T, E>(future: &mut F, waker: &Waker) -> T
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: std::fmt::Debug,
{
    match poll_with(future, waker) {
        Poll::Ready(result) => result.expect("the acquire failed"),
        Poll::Pending => panic!("the acquire is still waiting"),
    }
}

#[test]
fn waiters_are_served_in_the_order_they_first_polled() {
    let semaphore = Semaphore::new(0);
    let waker = Waker::noop();
    let mut first = semaphore.acquire_many(2);
    let mut second = semaphore.acquire();
    let mut third = semaphore.acquire_many(3);
    assert!(poll_with(&mut first, waker).is_pending());
    assert!(poll_with(&mut second, waker).is_pending());
    assert!(poll_with(&mut third, waker).is_pending());

    // One permit is not enough for the head, and `second` must not take it.
    semaphore.add_permits(1).unwrap();
    assert!(poll_with(&mut second, waker).is_pending());
    assert!(poll_with(&mut first, waker).is_pending());

    semaphore.add_permits(1).unwrap();
    let first = ready_permit(&mut first, waker);
    assert_eq!(first.num_permits(), 2);
    assert!(poll_with(&mut third, waker).is_pending());

    semaphore.add_permits(1).unwrap();
    let _second = ready_permit(&mut second, waker);
    semaphore.add_permits(3).unwrap();
    let third = ready_permit(&mut third, waker);
    assert_eq!(third.num_permits(), 3);
    assert_eq!(semaphore.available_permits(), 0);
    drop((first, third));
    assert_eq!(semaphore.available_permits(), 5);
}

#[test]
fn big_request_at_the_head_blocks_smaller_later_ones_even_with_permits_free() {
    let semaphore = Semaphore::new(2);
    let held = semaphore.try_acquire().unwrap();
    let (big_wakes, big_waker) = counting_waker();
    let (small_wakes, small_waker) = counting_waker();
    let mut big = semaphore.acquire_many(2);
    let mut small = semaphore.acquire();
    assert!(poll_with(&mut big, &big_waker).is_pending());
    // The one free permit is now reserved for `big`, so `small` cannot have it.
    assert_eq!(semaphore.available_permits(), 0);
    assert!(poll_with(&mut small, &small_waker).is_pending());

    drop(held);
    assert_eq!(wakes(&big_wakes), 1);
    assert_eq!(wakes(&small_wakes), 0);
    let big = ready_permit(&mut big, &big_waker);
    assert_eq!(big.num_permits(), 2);
    assert!(poll_with(&mut small, &small_waker).is_pending());

    drop(big);
    assert_eq!(wakes(&small_wakes), 1);
    let _small = ready_permit(&mut small, &small_waker);
    assert_eq!(semaphore.available_permits(), 1);
}

#[test]
fn released_permits_are_assigned_to_the_head_in_part_until_it_has_enough() {
    let semaphore = Semaphore::new(3);
    let mut held = semaphore.try_acquire_many(3).unwrap();
    let (wakes_seen, waker) = counting_waker();
    let mut big = semaphore.acquire_many(3);
    assert!(poll_with(&mut big, &waker).is_pending());

    drop(held.split(1).unwrap());
    drop(held.split(1).unwrap());
    assert_eq!(
        wakes(&wakes_seen),
        0,
        "two of three permits must not wake the waiter"
    );
    assert_eq!(
        semaphore.available_permits(),
        0,
        "they are reserved for the head"
    );
    drop(held);
    assert_eq!(wakes(&wakes_seen), 1);
    assert!(poll_with(&mut big, &waker).is_ready());
}

#[test]
fn try_acquire_fails_while_anyone_waits() {
    let semaphore = Semaphore::new(3);
    let mut waiting = semaphore.acquire_many(5);
    assert!(poll_with(&mut waiting, Waker::noop()).is_pending());

    semaphore.add_permits(1).unwrap();
    let error = semaphore.try_acquire().unwrap_err();
    assert_eq!(
        error,
        TryAcquireError::NoPermits {
            requested: 1,
            available: 0,
            waiters_queued: true
        }
    );
    assert!(error.to_string().contains("waiting in line"), "{error}");

    // Once the waiter is gone its reserved permits come back and the line is open again.
    drop(waiting);
    assert_eq!(semaphore.available_permits(), 4);
    assert_eq!(semaphore.try_acquire_many(4).unwrap().num_permits(), 4);
}

#[test]
fn try_acquire_reports_how_many_were_free() {
    let semaphore = Semaphore::new(2);
    let error = semaphore.try_acquire_many(3).unwrap_err();
    assert_eq!(
        error,
        TryAcquireError::NoPermits {
            requested: 3,
            available: 2,
            waiters_queued: false
        }
    );
    assert!(error.is_no_permits());
    assert_eq!(
        error.to_string(),
        "no permits: asked for 3 permit(s), 2 available"
    );
}

#[test]
fn zero_permits_complete_at_once_even_behind_waiters() {
    let semaphore = Semaphore::new(0);
    let mut waiting = semaphore.acquire();
    assert!(poll_with(&mut waiting, Waker::noop()).is_pending());
    let nothing = ready_permit(&mut semaphore.acquire_many(0), Waker::noop());
    assert_eq!(nothing.num_permits(), 0);
    assert_eq!(semaphore.try_acquire_many(0).unwrap().num_permits(), 0);
}

#[test]
fn dropping_a_partly_assigned_head_gives_its_permits_to_the_next_waiter() {
    let semaphore = Semaphore::new(3);
    let mut held = semaphore.try_acquire_many(3).unwrap();
    let (small_wakes, small_waker) = counting_waker();
    let mut big = semaphore.acquire_many(3);
    let mut small = semaphore.acquire();
    assert!(poll_with(&mut big, Waker::noop()).is_pending());
    assert!(poll_with(&mut small, &small_waker).is_pending());

    drop(held.split(2).unwrap()); // assigned to `big`, which still needs one more
    assert_eq!(wakes(&small_wakes), 0);
    drop(big);
    assert_eq!(
        wakes(&small_wakes),
        1,
        "the returned permits satisfy `small`"
    );
    let small = ready_permit(&mut small, &small_waker);
    assert_eq!(semaphore.available_permits(), 1);
    drop(small);
    drop(held);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn dropping_a_waiter_in_the_middle_keeps_the_others_in_order() {
    let semaphore = Semaphore::new(0);
    let waker = Waker::noop();
    let mut first = semaphore.acquire();
    let mut middle = semaphore.acquire();
    let mut last = semaphore.acquire();
    for waiter in [&mut first, &mut middle, &mut last] {
        assert!(poll_with(waiter, waker).is_pending());
    }
    drop(middle);

    semaphore.add_permits(1).unwrap();
    assert!(poll_with(&mut last, waker).is_pending());
    let _first = ready_permit(&mut first, waker);
    semaphore.add_permits(1).unwrap();
    let _last = ready_permit(&mut last, waker);
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn dropping_a_granted_but_unpolled_waiter_gives_the_permits_back() {
    let semaphore = Semaphore::new(0);
    let (wakes_seen, waker) = counting_waker();
    let mut waiting = semaphore.acquire_many(2);
    assert!(poll_with(&mut waiting, &waker).is_pending());
    semaphore.add_permits(2).unwrap();
    assert_eq!(wakes(&wakes_seen), 1);
    assert_eq!(semaphore.available_permits(), 0);
    drop(waiting);
    assert_eq!(semaphore.available_permits(), 2);
    assert!(
        semaphore.try_acquire_many(2).is_ok(),
        "the line is empty again"
    );
}

#[test]
fn an_unpolled_acquire_takes_no_place_in_line() {
    let semaphore = Semaphore::new(0);
    let never_polled = semaphore.acquire();
    let mut polled = semaphore.acquire();
    assert!(poll_with(&mut polled, Waker::noop()).is_pending());
    semaphore.add_permits(1).unwrap();
    let _permit = ready_permit(&mut polled, Waker::noop());
    drop(never_polled);
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn a_repolled_waiter_is_woken_through_its_latest_waker() {
    let semaphore = Semaphore::new(0);
    let (old_wakes, old_waker) = counting_waker();
    let (new_wakes, new_waker) = counting_waker();
    let mut waiting = semaphore.acquire();
    assert!(poll_with(&mut waiting, &old_waker).is_pending());
    assert!(poll_with(&mut waiting, &new_waker).is_pending());
    semaphore.add_permits(1).unwrap();
    assert_eq!((wakes(&old_wakes), wakes(&new_wakes)), (0, 1));
}
