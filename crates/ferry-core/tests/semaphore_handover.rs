//! A waiter that has been granted its permits takes them on its next poll without locking the
//! line; these races between the grant on one thread and the waiter's poll, drop or a close on
//! another must neither lose nor duplicate a permit, nor let anyone jump the line.

use std::future::Future;
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;

use ferry_core::semaphore::{OwnedSemaphorePermit, Semaphore};
use futures::FutureExt;

/// Enough rounds for the two threads to meet in every order many times; each round is a few
/// microseconds.
const ROUNDS: usize = 2_000;

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    future.poll_unpin(&mut Context::from_waker(Waker::noop()))
}

/// A thread that drops whatever permits it is sent, acknowledging each drop: the other side of
/// every race below.
struct Releaser {
    permits: mpsc::Sender<OwnedSemaphorePermit>,
    dropped: mpsc::Receiver<()>,
    thread: thread::JoinHandle<()>,
}

impl Releaser {
    fn start() -> Self {
        let (permits, to_drop) = mpsc::channel::<OwnedSemaphorePermit>();
        let (acknowledge, dropped) = mpsc::channel();
        let thread = thread::spawn(move || {
            for mut permit in to_drop {
                // Give permits back one at a time, so a waiter that needs several sees them
                // assigned in parts.
                while permit.num_permits() > 1 {
                    drop(permit.split(1));
                }
                drop(permit);
                acknowledge.send(()).unwrap();
            }
        });
        Self {
            permits,
            dropped,
            thread,
        }
    }

    /// Has `permit` dropped on the other thread, racing with whatever the caller does next.
    fn release(&self, permit: OwnedSemaphorePermit) {
        self.permits.send(permit).unwrap();
    }

    /// Waits until the last permit sent has been dropped.
    fn wait(&self) {
        self.dropped.recv().unwrap();
    }

    fn stop(self) {
        drop(self.permits);
        self.thread
            .join()
            .expect("the releasing thread does not panic");
    }
}

#[test]
fn dropping_a_waiter_while_another_thread_grants_it_loses_no_permit() {
    let semaphore = Arc::new(Semaphore::new(2));
    let releaser = Releaser::start();
    for _ in 0..ROUNDS {
        let held = semaphore.clone().try_acquire_many_owned(2).unwrap();
        let mut waiting = semaphore.acquire_many(2);
        assert!(poll_once(&mut waiting).is_pending());
        releaser.release(held);
        // The grant on the other thread races with this drop.
        drop(waiting);
        releaser.wait();
        assert_eq!(semaphore.available_permits(), 2, "no permit is lost");
    }
    releaser.stop();
    assert_eq!(semaphore.try_acquire_many(2).unwrap().num_permits(), 2);
}

#[test]
fn a_waiter_polled_while_another_thread_grants_it_gets_exactly_its_permits_in_order() {
    let semaphore = Arc::new(Semaphore::new(2));
    let releaser = Releaser::start();
    for _ in 0..ROUNDS {
        let held = semaphore.clone().try_acquire_many_owned(2).unwrap();
        let mut head = semaphore.acquire_many(2);
        let mut behind = semaphore.acquire();
        assert!(poll_once(&mut head).is_pending());
        assert!(poll_once(&mut behind).is_pending());
        releaser.release(held);
        // Poll both while the permits come back one by one: the head completes first, with
        // both, and the waiter behind it gets nothing meanwhile.
        let head_permit = loop {
            if let Poll::Ready(result) = poll_once(&mut head) {
                break result.unwrap();
            }
            assert!(
                poll_once(&mut behind).is_pending(),
                "the waiter behind must not jump the line"
            );
            thread::yield_now();
        };
        releaser.wait();
        assert_eq!(head_permit.num_permits(), 2);
        assert!(poll_once(&mut behind).is_pending());
        drop(head_permit);
        let Poll::Ready(Ok(behind_permit)) = poll_once(&mut behind) else {
            panic!("the released permits go to the next waiter");
        };
        assert_eq!(semaphore.available_permits(), 1);
        drop(behind_permit);
        assert_eq!(semaphore.available_permits(), 2);
    }
    releaser.stop();
}

#[test]
fn a_grant_racing_with_close_either_completes_the_waiter_or_returns_the_permit() {
    let mut granted = 0;
    let mut failed = 0;
    for _ in 0..ROUNDS / 4 {
        let semaphore = Arc::new(Semaphore::new(1));
        let held = semaphore.clone().try_acquire_owned().unwrap();
        let mut waiting = semaphore.acquire();
        assert!(poll_once(&mut waiting).is_pending());
        let closer = {
            let semaphore = semaphore.clone();
            thread::spawn(move || semaphore.close())
        };
        drop(held);
        closer.join().unwrap();
        match poll_once(&mut waiting) {
            Poll::Ready(Ok(permit)) => {
                granted += 1;
                assert_eq!(semaphore.available_permits(), 0);
                drop(permit);
            }
            Poll::Ready(Err(_)) => failed += 1,
            Poll::Pending => panic!("a closed semaphore leaves no waiter waiting"),
        }
        assert_eq!(semaphore.available_permits(), 1, "no permit is lost");
    }
    assert_eq!(granted + failed, ROUNDS / 4);
}
