//! Many tasks on several threads acquire, release and abandon acquires at random: no permit is
//! ever over-issued, and none leaks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::task::{Context, Poll};
use std::time::Duration;

use ferry_core::semaphore::Semaphore;
use futures::FutureExt;
use futures::executor::{ThreadPool, block_on};
use futures::future::{RemoteHandle, join_all};
use futures::task::SpawnExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PERMITS: usize = 6;
const TASKS: u64 = 24;
const ROUNDS: usize = 300;
/// Far beyond the well under a second the tasks need; only a stall takes this long.
const STALL_LIMIT: Duration = Duration::from_secs(20);

/// Gives other tasks a turn: pending once, waking itself at once.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_now() -> YieldNow {
    YieldNow(false)
}

/// Waits for every task, failing (instead of hanging) if they stall: a leaked permit or a
/// waiter never woken leaves some acquire waiting forever.
fn join_or_fail<T: Send + 'static>(tasks: Vec<RemoteHandle<T>>, semaphore: &Semaphore) {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        block_on(join_all(tasks));
        let _ = done.send(());
    });
    match finished.recv_timeout(STALL_LIMIT) {
        Ok(()) => {}
        Err(RecvTimeoutError::Disconnected) => panic!("a task panicked (see its message above)"),
        Err(RecvTimeoutError::Timeout) => {
            panic!("tasks stalled: a permit leaked or a waiter was never woken ({semaphore:?})")
        }
    }
}

/// Counts permits held by the tasks, and fails if that ever exceeds what exists.
struct Holdings {
    held: AtomicUsize,
    most: AtomicUsize,
}

impl Holdings {
    fn take(&self, permits: usize) {
        let now = self.held.fetch_add(permits, Ordering::SeqCst) + permits;
        self.most.fetch_max(now, Ordering::SeqCst);
        assert!(now <= PERMITS, "{now} permits held, only {PERMITS} exist");
    }

    fn give(&self, permits: usize) {
        self.held.fetch_sub(permits, Ordering::SeqCst);
    }
}

/// One task's life: acquire (borrowed, owned or try) some permits, hold them a little, give
/// them back; or start an acquire and drop it while it may be waiting or partly assigned.
async fn churn(semaphore: Arc<Semaphore>, holdings: Arc<Holdings>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..ROUNDS {
        let permits = rng.random_range(0..=3);
        match rng.random_range(0..10) {
            0..=3 => {
                let permit = semaphore.acquire_many(permits).await.unwrap();
                holdings.take(permit.num_permits());
                for _ in 0..rng.random_range(0..6) {
                    yield_now().await;
                }
                holdings.give(permit.num_permits());
            }
            4..=5 => {
                let permit = semaphore.clone().acquire_many_owned(permits).await.unwrap();
                holdings.take(permits);
                yield_now().await;
                holdings.give(permits);
                drop(permit);
            }
            6 => {
                if let Ok(permit) = semaphore.try_acquire_many(permits) {
                    holdings.take(permits);
                    holdings.give(permits);
                    drop(permit);
                }
            }
            _ => {
                // Poll the acquire a few times, then abandon it wherever it is. Asking for up to
                // every permit makes it likely to be abandoned with some already assigned.
                let permits = rng.random_range(1..=PERMITS);
                let mut acquire = semaphore.acquire_many(permits);
                for _ in 0..rng.random_range(1..4) {
                    if let Some(permit) = (&mut acquire).now_or_never() {
                        let permit = permit.unwrap();
                        holdings.take(permits);
                        holdings.give(permits);
                        drop(permit);
                        break;
                    }
                    yield_now().await;
                }
                drop(acquire);
            }
        }
    }
}

#[test]
fn random_acquires_releases_and_abandoned_waiters_leak_no_permit_and_never_overissue() {
    let pool = ThreadPool::builder().pool_size(4).create().unwrap();
    let semaphore = Arc::new(Semaphore::new(PERMITS));
    let holdings = Arc::new(Holdings {
        held: AtomicUsize::new(0),
        most: AtomicUsize::new(0),
    });
    let tasks: Vec<_> = (0..TASKS)
        .map(|seed| {
            pool.spawn_with_handle(churn(semaphore.clone(), holdings.clone(), seed))
                .unwrap()
        })
        .collect();
    join_or_fail(tasks, &semaphore);

    assert_eq!(holdings.held.load(Ordering::SeqCst), 0);
    assert!(holdings.most.load(Ordering::SeqCst) <= PERMITS);
    assert_eq!(semaphore.available_permits(), PERMITS);
    // The line is empty too: every permit can be taken at once without waiting.
    assert_eq!(
        semaphore.try_acquire_many(PERMITS).unwrap().num_permits(),
        PERMITS
    );
}

#[test]
fn concurrent_close_fails_waiters_and_returns_every_permit() {
    let pool = ThreadPool::builder().pool_size(4).create().unwrap();
    let semaphore = Arc::new(Semaphore::new(PERMITS));
    let failures = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|seed| {
            let semaphore = semaphore.clone();
            let failures = failures.clone();
            let acquired = acquired.clone();
            pool.spawn_with_handle(async move {
                let mut rng = StdRng::seed_from_u64(seed);
                loop {
                    match semaphore.acquire_many(rng.random_range(1..=PERMITS)).await {
                        Ok(permit) => {
                            acquired.fetch_add(1, Ordering::SeqCst);
                            yield_now().await;
                            drop(permit);
                        }
                        Err(_) => {
                            failures.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    }
                }
            })
            .unwrap()
        })
        .collect();
    // Let the tasks contend for a while, then close under them.
    let started = std::time::Instant::now();
    while acquired.load(Ordering::SeqCst) < 4 * TASKS as usize && started.elapsed() < STALL_LIMIT {
        std::thread::yield_now();
    }
    semaphore.close();
    join_or_fail(tasks, &semaphore);

    assert_eq!(failures.load(Ordering::SeqCst), TASKS as usize);
    assert_eq!(semaphore.available_permits(), PERMITS);
}
