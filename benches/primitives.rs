//! Micro benchmarks of ferry's primitives next to the libraries people would otherwise use:
//! `cargo bench --bench primitives`. The comparative, whole-workload figures come from
//! `cargo xtask bench` (see docs/BENCHMARKS.md); these isolate one operation each.
//!
//! Operations that complete at once are driven with `now_or_never`, so no executor's cost is
//! in the figure; the spawn benchmarks run on a tokio current-thread runtime.

use std::future::ready;

use divan::{Bencher, black_box, counter::ItemsCount};
use ferry::{Semaphore, SpawnExt};
use futures::{FutureExt, StreamExt};

fn main() {
    divan::main();
}

/// One uncontended acquire and release.
mod semaphore_acquire_release {
    use super::*;

    #[divan::bench]
    fn ferry(bencher: Bencher<'_, '_>) {
        let semaphore = Semaphore::new(1);
        bencher.bench_local(|| drop(black_box(semaphore.acquire().now_or_never())));
    }

    #[divan::bench]
    fn tokio(bencher: Bencher<'_, '_>) {
        let semaphore = tokio::sync::Semaphore::new(1);
        bencher.bench_local(|| drop(black_box(semaphore.acquire().now_or_never())));
    }

    #[divan::bench]
    fn async_lock(bencher: Bencher<'_, '_>) {
        let semaphore = async_lock::Semaphore::new(1);
        bencher.bench_local(|| drop(black_box(semaphore.acquire().now_or_never())));
    }
}

/// One send and one receive on a bounded queue with room (capacity 1,024).
mod queue_send_recv {
    use super::*;

    const CAPACITY: usize = 1_024;

    #[divan::bench]
    fn ferry(bencher: Bencher<'_, '_>) {
        let (sender, receiver) = ferry::queue::bounded::<u64>(CAPACITY).unwrap();
        bencher.bench_local(|| {
            let _ = sender.send(black_box(1)).now_or_never();
            black_box(receiver.recv().now_or_never())
        });
    }

    #[divan::bench]
    fn async_channel(bencher: Bencher<'_, '_>) {
        let (sender, receiver) = async_channel::bounded::<u64>(CAPACITY);
        bencher.bench_local(|| {
            let _ = sender.send(black_box(1)).now_or_never();
            black_box(receiver.recv().now_or_never())
        });
    }

    #[divan::bench]
    fn tokio_mpsc(bencher: Bencher<'_, '_>) {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
        bencher.bench_local(|| {
            let _ = sender.send(black_box(1)).now_or_never();
            black_box(receiver.recv().now_or_never())
        });
    }
}

/// 1,000 ready futures through gather and the map-with-limit (limit 100) vs futures'
/// `join_all` and `buffer_unordered`.
mod ready_futures {
    use super::*;

    const ITEMS: u64 = 1_000;
    const LIMIT: usize = 100;

    #[divan::bench]
    fn ferry_gather(bencher: Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(ITEMS)).bench_local(|| {
            futures::executor::block_on(ferry::gather((0..ITEMS).map(|n| ready(black_box(n)))))
        });
    }

    #[divan::bench]
    fn futures_join_all(bencher: Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(ITEMS)).bench_local(|| {
            futures::executor::block_on(futures::future::join_all(
                (0..ITEMS).map(|n| ready(black_box(n))),
            ))
        });
    }

    #[divan::bench]
    fn ferry_map_concurrent_unordered(bencher: Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(ITEMS)).bench_local(|| {
            futures::executor::block_on(
                ferry::map_concurrent_unordered(0..ITEMS, LIMIT, |n| ready(black_box(n)))
                    .unwrap()
                    .count(),
            )
        });
    }

    #[divan::bench]
    fn futures_buffer_unordered(bencher: Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(ITEMS)).bench_local(|| {
            futures::executor::block_on(
                futures::stream::iter(0..ITEMS)
                    .map(|n| ready(black_box(n)))
                    .buffer_unordered(LIMIT)
                    .count(),
            )
        });
    }
}

/// 100 no-op tasks spawned, then joined, on a tokio current-thread runtime.
mod spawn_join_tokio {
    use super::*;

    const TASKS: u64 = 100;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[divan::bench]
    fn ferry(bencher: Bencher<'_, '_>) {
        let runtime = runtime();
        let rt = ferry::tokio::TokioRuntime::from_handle(runtime.handle().clone());
        bencher.counter(ItemsCount::new(TASKS)).bench_local(|| {
            runtime.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|_| rt.spawn(async {})).collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        });
    }

    #[divan::bench]
    fn tokio(bencher: Bencher<'_, '_>) {
        let runtime = runtime();
        bencher.counter(ItemsCount::new(TASKS)).bench_local(|| {
            runtime.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|_| tokio::spawn(async {})).collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        });
    }
}
