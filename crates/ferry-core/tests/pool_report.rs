//! What a worker pool reports: every item succeeded or failed, by sequence number.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ferry_core::pool::{HandlerError, ItemFailed};
use ferry_core::{ConcurrencyLimit, InvalidLimit, WorkerPool};
use futures::executor::block_on;
use futures::stream;

/// A future that is pending once (waking itself), so other handlers get to run.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

#[test]
fn pool_limit_zero_is_an_error() {
    assert_eq!(WorkerPool::new(0).unwrap_err(), InvalidLimit);
    assert_eq!(WorkerPool::new(4).unwrap().workers().get(), 4);
}

#[test]
fn failing_and_panicking_handlers_are_reported_and_the_rest_processed() {
    let pool = WorkerPool::new(3).unwrap();
    let mut report = block_on(pool.run_iter(0..20_u32, |n| async move {
        yield_now().await;
        match n {
            4 => Err(format!("item {n} is bad")),
            9 => panic!("item {n} exploded"),
            _ => Ok(n * 2),
        }
    }));
    report.sort_by_seq();

    assert_eq!(report.total(), 20);
    assert_eq!(report.succeeded_count(), 18);
    assert_eq!(report.failed_count(), 2);
    assert_eq!(report.panicked_count(), 1);
    assert!(!report.all_succeeded());
    let succeeded: Vec<(u64, u32)> = report
        .succeeded
        .iter()
        .map(|item| (item.seq, item.output))
        .collect();
    let expected: Vec<(u64, u32)> = (0..20_u32)
        .filter(|n| *n != 4 && *n != 9)
        .map(|n| (u64::from(n), n * 2))
        .collect();
    assert_eq!(succeeded, expected);

    assert_eq!(
        report.failed[0],
        ItemFailed {
            seq: 4,
            error: HandlerError::Failed("item 4 is bad".to_owned())
        }
    );
    assert_eq!(report.failed[1].seq, 9);
    match &report.failed[1].error {
        HandlerError::Panicked(panicked) => assert_eq!(panicked.message(), "item 9 exploded"),
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn a_handler_that_panics_before_returning_a_future_is_reported() {
    let pool = WorkerPool::new(2).unwrap();
    let report = block_on(pool.run_iter([1, 2, 3], |n| {
        assert_ne!(n, 2, "refusing item two");
        async move { Ok::<_, ()>(n) }
    }));
    assert_eq!(report.succeeded_count(), 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].seq, 1);
    assert!(matches!(
        &report.failed[0].error,
        HandlerError::Panicked(p) if p.message().contains("refusing item two")
    ));
}

#[test]
fn pool_runs_up_to_its_limit_of_handlers_at_once_and_never_more() {
    let limit = 3;
    let running = Cell::new(0_usize);
    let most = Cell::new(0_usize);
    let pool = WorkerPool::with_limit(ConcurrencyLimit::new(limit).unwrap());
    let report = block_on(pool.run_iter(0..30, |n| {
        let (running, most) = (&running, &most);
        async move {
            running.set(running.get() + 1);
            most.set(most.get().max(running.get()));
            for _ in 0..(n % 4) {
                yield_now().await;
            }
            running.set(running.get() - 1);
            Ok::<_, ()>(n)
        }
    }));
    assert_eq!(report.succeeded_count(), 30);
    assert_eq!(most.get(), limit);
}

#[test]
fn seq_numbers_follow_arrival_order_over_a_stream() {
    let pool = WorkerPool::new(4).unwrap();
    let words = stream::iter(["a", "bb", "ccc", "dddd", "eeeee"]);
    let mut report = block_on(pool.run_stream(words, |word| async move {
        // Longer words finish first, so completion order differs from arrival order.
        for _ in 0..(6 - word.len()) {
            yield_now().await;
        }
        Ok::<_, ()>(word.len())
    }));
    let finish_order: Vec<u64> = report.succeeded.iter().map(|item| item.seq).collect();
    assert_ne!(finish_order, [0, 1, 2, 3, 4]);
    report.sort_by_seq();
    let lengths: Vec<(u64, usize)> = report
        .succeeded
        .iter()
        .map(|item| (item.seq, item.output))
        .collect();
    assert_eq!(lengths, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
}

#[test]
fn on_item_is_called_once_per_finished_item_with_its_outcome() {
    let calls = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let last_finished = Arc::new(AtomicU64::new(0));
    let pool = WorkerPool::new(2).unwrap().on_item({
        let (calls, failures, last_finished) = (
            Arc::clone(&calls),
            Arc::clone(&failures),
            Arc::clone(&last_finished),
        );
        move |done| {
            calls.fetch_add(1, Ordering::SeqCst);
            if !done.succeeded {
                failures.fetch_add(1, Ordering::SeqCst);
            }
            last_finished.store(done.finished, Ordering::SeqCst);
        }
    });
    let report =
        block_on(pool.run_iter(
            0..10,
            |n| async move { if n % 5 == 0 { Err(n) } else { Ok(n) } },
        ));
    assert_eq!(report.failed_count(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    assert_eq!(failures.load(Ordering::SeqCst), 2);
    assert_eq!(last_finished.load(Ordering::SeqCst), 10);
}

#[test]
fn an_empty_input_gives_an_empty_report() {
    let pool = WorkerPool::new(2).unwrap();
    let report = block_on(pool.run_iter(Vec::<u8>::new(), |n| async move { Ok::<_, ()>(n) }));
    assert_eq!(report.total(), 0);
    assert!(report.all_succeeded());
}
