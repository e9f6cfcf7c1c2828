//! Worker pools reading a queue: every item handled once, marked done, `join` completes.

use std::collections::HashSet;
use std::pin::pin;
use std::thread;

use ferry_core::WorkerPool;
use ferry_core::queue::{self, UnfinishedItems};
use futures::executor::block_on;

#[test]
fn pool_over_a_queue_marks_items_done_so_join_completes() {
    let (tx, rx) = queue::bounded::<u32>(4).unwrap();
    let pool = WorkerPool::new(3).unwrap();
    let (joined, report) = block_on(async {
        let producer = async {
            for n in 0..200 {
                tx.send(n).await.unwrap();
            }
            // join completes while the queue is still open: only task_done can end it.
            let joined = tx.join().await;
            tx.close();
            joined
        };
        let workers = pool.run_queue(&rx, |n| async move {
            match n % 50 {
                7 => Err(n),
                13 => panic!("item {n}"),
                _ => Ok(n),
            }
        });
        futures::join!(producer, workers)
    });
    assert_eq!(joined, Ok(()));
    assert_eq!(report.total(), 200);
    assert_eq!(report.failed_count(), 8);
    assert_eq!(report.panicked_count(), 4);
    assert_eq!(rx.task_done(), Err(queue::ExtraTaskDone));
}

#[test]
fn pools_on_several_threads_share_one_queue_and_handle_each_item_once() {
    let (tx, rx) = queue::bounded::<u32>(3).unwrap();
    let pools: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let pool = WorkerPool::new(4).unwrap();
                block_on(pool.run_queue(&rx, |n| async move { Ok::<_, ()>(n) }))
            })
        })
        .collect();
    drop(rx);
    block_on(async {
        for n in 0..5_000 {
            tx.send(n).await.unwrap();
        }
        tx.join().await.unwrap();
    });
    drop(tx);
    let mut seen = HashSet::new();
    for pool in pools {
        let report = pool.join().unwrap();
        assert!(report.all_succeeded());
        for item in report.succeeded {
            assert!(
                seen.insert(item.output),
                "item {} handled twice",
                item.output
            );
        }
    }
    assert_eq!(seen.len(), 5_000);
}

#[test]
fn dropping_the_pool_future_leaves_untaken_items_queued_and_in_flight_items_unfinished() {
    let (tx, rx) = queue::bounded::<u32>(8).unwrap();
    for n in 0..5 {
        tx.try_send(n).unwrap();
    }
    let pool = WorkerPool::new(2).unwrap();
    {
        let mut run = pin!(pool.run_queue(&rx, |_| futures::future::pending::<Result<(), ()>>()));
        let waker = std::task::Waker::noop();
        assert!(
            run.as_mut()
                .poll(&mut std::task::Context::from_waker(waker))
                .is_pending()
        );
    }
    // Two items were taken by the two workers and are lost with the pool; three are left.
    assert_eq!(rx.len(), 3);
    for n in 2..5 {
        assert_eq!(rx.try_recv(), Ok(n));
        rx.task_done().unwrap();
    }
    // The two lost items were never marked done, so join cannot succeed.
    drop(rx);
    assert_eq!(block_on(tx.join()), Err(UnfinishedItems { remaining: 2 }));
}
