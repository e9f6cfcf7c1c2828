//! map_concurrent, map_concurrent_unordered and StreamConcurrencyExt on futures' executor:
//! limits, order, laziness and cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::channel::oneshot;
use futures::executor::block_on;
use futures::stream::{self, StreamExt};
use futures::{future, poll};

use ferry_core::{InvalidLimit, StreamConcurrencyExt, map_concurrent, map_concurrent_unordered};

/// Counts the futures alive right now and the most ever alive at once.
#[derive(Clone, Default)]
struct Live {
    now: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

struct Guard(Live);

impl Live {
    fn guard(&self) -> Guard {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Guard(self.clone())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn limit_of_zero_is_an_error_not_a_hang() {
    let double = |n: u32| async move { n * 2 };
    assert_eq!(map_concurrent(0..3, 0, double).err(), Some(InvalidLimit));
    assert_eq!(
        map_concurrent_unordered(0..3, 0, double).err(),
        Some(InvalidLimit)
    );
    assert_eq!(
        stream::iter(0..3).map_concurrent(0, double).err(),
        Some(InvalidLimit)
    );
    assert_eq!(
        stream::iter(0..3).map_concurrent_unordered(0, double).err(),
        Some(InvalidLimit)
    );
}

#[test]
fn empty_input_ends_the_stream_at_once() {
    let mut ordered = map_concurrent(Vec::<u32>::new(), 4, future::ready).expect("valid");
    let mut unordered = stream::empty::<u32>()
        .map_concurrent_unordered(4, future::ready)
        .expect("valid");
    block_on(async {
        assert_eq!(ordered.next().await, None);
        assert_eq!(unordered.next().await, None);
    });
    assert!(futures::stream::FusedStream::is_terminated(&ordered));
}

#[test]
fn ordered_map_waits_for_earlier_items_and_keeps_input_order() {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..3).map(|_| oneshot::channel::<u32>()).unzip();
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    let mut send = |i: usize| {
        senders[i]
            .take()
            .expect("sent once")
            .send(i as u32)
            .expect("alive")
    };
    let mut results =
        map_concurrent(receivers, 3, |rx| async move { rx.await.expect("sent") }).expect("valid");
    block_on(async {
        assert!(poll!(results.next()).is_pending());
        send(2);
        assert!(
            poll!(results.next()).is_pending(),
            "item 2 is done but item 0 is not, so nothing may be yielded"
        );
        send(0);
        assert_eq!(results.next().await, Some(0));
        assert!(poll!(results.next()).is_pending());
        send(1);
        assert_eq!(results.next().await, Some(1));
        assert_eq!(results.next().await, Some(2));
        assert_eq!(results.next().await, None);
    });
}

#[test]
fn unordered_map_yields_outputs_as_they_finish() {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..3).map(|_| oneshot::channel::<u32>()).unzip();
    let mut results = stream::iter(receivers)
        .map_concurrent_unordered(3, |rx| async move { rx.await.expect("sent") })
        .expect("valid");
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    block_on(async {
        assert!(poll!(results.next()).is_pending());
        for i in [2, 0, 1] {
            senders[i]
                .take()
                .expect("sent once")
                .send(i as u32)
                .expect("alive");
            assert_eq!(results.next().await, Some(i as u32));
        }
        assert_eq!(results.next().await, None);
    });
}

#[test]
fn at_most_limit_futures_exist_at_once_in_both_orders() {
    for unordered in [false, true] {
        let live = Live::default();
        let made = Arc::new(AtomicUsize::new(0));
        let work = |n: u64| {
            made.fetch_add(1, Ordering::SeqCst);
            let guard = live.guard();
            async move {
                // Different lengths, so that slots free up out of order.
                YieldTimes(n % 5).await;
                drop(guard);
                n
            }
        };
        let outputs: Vec<u64> = if unordered {
            let mut outputs: Vec<u64> = block_on(
                map_concurrent_unordered(0..50_u64, 4, work)
                    .expect("valid")
                    .collect(),
            );
            outputs.sort_unstable();
            outputs
        } else {
            block_on(map_concurrent(0..50_u64, 4, work).expect("valid").collect())
        };
        assert_eq!(outputs, (0..50).collect::<Vec<_>>());
        assert_eq!(made.load(Ordering::SeqCst), 50);
        assert_eq!(
            live.peak.load(Ordering::SeqCst),
            4,
            "unordered: {unordered}"
        );
        assert_eq!(live.now.load(Ordering::SeqCst), 0);
    }
}

#[test]
fn dropping_the_stream_drops_every_future_in_flight() {
    let live = Live::default();
    let hold = |_: u32| {
        let guard = live.guard();
        async move {
            let _guard = guard;
            future::pending::<()>().await
        }
    };
    let mut ordered = map_concurrent(0..10, 3, hold).expect("valid");
    let mut unordered = stream::iter(0..10)
        .map_concurrent_unordered(2, hold)
        .expect("valid");
    block_on(async {
        assert!(poll!(ordered.next()).is_pending());
        assert!(poll!(unordered.next()).is_pending());
    });
    assert_eq!(live.now.load(Ordering::SeqCst), 5);
    drop(ordered);
    drop(unordered);
    assert_eq!(live.now.load(Ordering::SeqCst), 0);
}

/// Returns `Pending` `n` times (waking itself each time), then `Ready`.
struct YieldTimes(u64);

impl std::future::Future for YieldTimes {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 == 0 {
            return std::task::Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}
