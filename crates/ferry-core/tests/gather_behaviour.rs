//! gather, gather_settled and try_gather on futures' executor: order, limits, failures and
//! cancellation.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures::channel::oneshot;
use futures::executor::block_on;
use futures::future::{self, BoxFuture, FutureExt};
use futures::poll;

use ferry_core::gather::{ItemError, gather, gather_settled, try_gather};
use ferry_core::{ConcurrencyLimit, InvalidLimit};

/// Counts the futures alive right now, the most ever alive at once, and how many were made.
#[derive(Clone, Default)]
struct Live {
    now: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    made: Arc<AtomicUsize>,
}

impl Live {
    fn guard(&self) -> Guard {
        self.made.fetch_add(1, Ordering::SeqCst);
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Guard(self.clone())
    }

    fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn made(&self) -> usize {
        self.made.load(Ordering::SeqCst)
    }
}

/// Held by a future: alive while the future exists.
struct Guard(Live);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Returns `Pending` `n` times (waking itself each time), then `Ready`.
struct YieldTimes(usize);

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A future that lives (holding a guard) for `yields` polls, then returns `value`.
fn tracked<T>(live: &Live, yields: usize, value: T) -> impl Future<Output = T> {
    let guard = live.guard();
    async move {
        YieldTimes(yields).await;
        drop(guard);
        value
    }
}

#[test]
fn gather_keeps_input_order_when_later_futures_finish_first() {
    let live = Live::default();
    // Future `i` needs 10 - i polls, so they finish in reverse order.
    let outputs = block_on(gather((0..10).map(|i| tracked(&live, 10 - i, i))));
    assert_eq!(outputs, (0..10).collect::<Vec<_>>());
}

#[test]
fn gather_of_nothing_resolves_at_first_poll_to_an_empty_vec() {
    let mut all = gather(std::iter::empty::<future::Ready<u8>>());
    assert_eq!((&mut all).now_or_never(), Some(Vec::new()));
    let mut settled = gather_settled(Vec::<future::Ready<Result<u8, ()>>>::new());
    assert!((&mut settled).now_or_never().expect("ready").is_empty());
    let limited = try_gather(Vec::<future::Ready<Result<u8, ()>>>::new())
        .limit(3)
        .expect("3 is a valid limit");
    assert_eq!(limited.now_or_never(), Some(Ok(Vec::new())));
}

#[test]
fn gather_limit_of_zero_is_an_error_on_every_form() {
    let inputs = || (0..3).map(|i| future::ready(Ok::<_, ()>(i)));
    assert_eq!(gather(inputs()).limit(0).err(), Some(InvalidLimit));
    assert_eq!(gather_settled(inputs()).limit(0).err(), Some(InvalidLimit));
    assert_eq!(try_gather(inputs()).limit(0).err(), Some(InvalidLimit));
}

#[test]
fn gather_limit_caps_how_many_futures_exist_at_once() {
    let live = Live::default();
    let work = (0..20).map(|i| tracked(&live, i % 4 + 1, i));
    let outputs = block_on(gather(work).limit(3).expect("valid limit"));
    assert_eq!(outputs, (0..20).collect::<Vec<_>>());
    assert_eq!(live.made(), 20);
    assert_eq!(
        live.peak(),
        3,
        "the limit should be used fully and never exceeded"
    );
    assert_eq!(live.now(), 0);
}

#[test]
fn gather_with_limit_pulls_the_input_lazily() {
    let live = Live::default();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..5).map(|_| oneshot::channel::<u32>()).unzip();
    let work = receivers.into_iter().map(|rx| {
        let guard = live.guard();
        async move {
            let value = rx.await.expect("sender kept");
            drop(guard);
            value
        }
    });
    let mut all = gather(work).with_limit(ConcurrencyLimit::new(2).expect("valid"));
    block_on(async {
        assert!(poll!(&mut all).is_pending());
        assert_eq!(
            live.made(),
            2,
            "only two futures should be made before any finishes"
        );
        let mut senders = senders.into_iter().enumerate();
        let (_, first) = senders.next().expect("five senders");
        first.send(0).expect("receiver alive");
        assert!(poll!(&mut all).is_pending());
        assert_eq!(live.made(), 3, "one finished, so exactly one more is made");
        for (i, sender) in senders {
            sender.send(i as u32).expect("receiver alive");
        }
        assert_eq!(all.await, [0, 1, 2, 3, 4]);
    });
    assert_eq!(live.peak(), 2);
}

#[test]
fn gather_settled_keeps_errors_and_panics_in_their_slots() {
    let work = (0..5).map(|i| -> BoxFuture<'static, Result<u32, String>> {
        async move {
            YieldTimes(5 - i as usize).await;
            match i {
                1 => Err(format!("item {i} failed")),
                3 => panic!("item {i} panicked"),
                _ => Ok(i * 10),
            }
        }
        .boxed()
    });
    let report = block_on(gather_settled(work).limit(2).expect("valid"));
    assert_eq!(report.len(), 5);
    assert!(!report.all_succeeded());
    let results = report.results();
    assert_eq!(results[0], Ok(0));
    assert_eq!(
        results[1],
        Err(ItemError::Failed("item 1 failed".to_owned()))
    );
    assert_eq!(results[2], Ok(20));
    let panic = results[3].as_ref().expect_err("item 3 panicked");
    assert_eq!(
        panic.panicked().expect("a panic").message(),
        "item 3 panicked"
    );
    assert_eq!(results[4], Ok(40));
    assert_eq!(
        report.successes().collect::<Vec<_>>(),
        [(0, &0), (2, &20), (4, &40)]
    );
    let failed: Vec<usize> = report.failures().map(|(index, _)| index).collect();
    assert_eq!(failed, [1, 3]);
    assert_eq!(report.into_all().expect_err("two failed").0, 1);
}

#[test]
fn try_gather_returns_the_first_error_and_drops_the_rest_at_once() {
    let live = Live::default();
    let work = (0..6).map(|i| {
        let guard = live.guard();
        async move {
            let _guard = guard;
            if i == 2 {
                YieldTimes(3).await;
                Err(format!("item {i} failed"))
            } else {
                future::pending::<()>().await;
                Ok(i)
            }
        }
    });
    let mut all = try_gather(work).limit(4).expect("valid");
    let result = block_on(&mut all);
    assert_eq!(result, Err("item 2 failed".to_owned()));
    assert_eq!(
        live.now(),
        0,
        "the futures in flight should be dropped before the error is returned"
    );
    assert_eq!(
        live.made(),
        4,
        "no more input should be pulled after the failure"
    );
    assert!(futures::future::FusedFuture::is_terminated(&all));
}

#[test]
fn try_gather_returns_all_values_in_order_when_nothing_fails() {
    let live = Live::default();
    let work = (0..8).map(|i| tracked(&live, 8 - i, Ok::<_, String>(i)));
    assert_eq!(block_on(try_gather(work)), Ok((0..8).collect()));
}

#[test]
fn dropping_a_gather_mid_flight_drops_every_future() {
    let live = Live::default();
    let pending_work = |live: &Live| {
        let live = live.clone();
        (0..4).map(move |_| {
            let guard = live.guard();
            async move {
                let _guard = guard;
                future::pending::<u32>().await
            }
        })
    };
    let mut all = gather(pending_work(&live));
    let mut settled = gather_settled(pending_work(&live).map(|f| f.map(Ok::<u32, ()>)));
    let mut fail_fast = try_gather(pending_work(&live).map(|f| f.map(Ok::<u32, ()>)))
        .limit(2)
        .expect("valid");
    block_on(async {
        assert!(poll!(&mut all).is_pending());
        assert!(poll!(&mut settled).is_pending());
        assert!(poll!(&mut fail_fast).is_pending());
    });
    assert_eq!(live.now(), 10, "4 + 4 + 2 (limited) futures in flight");
    drop(all);
    drop(settled);
    drop(fail_fast);
    assert_eq!(
        live.now(),
        0,
        "dropping the gathers should drop every future"
    );
}

#[test]
fn gather_runs_on_a_thread_pool_across_threads() {
    let pool = futures::executor::ThreadPool::builder()
        .pool_size(2)
        .create()
        .expect("thread pool");
    let (tx, rx) = oneshot::channel();
    pool.spawn_ok(async move {
        let outputs = gather((0..100).map(|i| async move { i * 2 })).limit(7);
        let _ = tx.send(outputs.expect("valid").await);
    });
    let outputs = block_on(rx).expect("task finished");
    assert_eq!(outputs, (0..100).map(|i| i * 2).collect::<Vec<_>>());
}
