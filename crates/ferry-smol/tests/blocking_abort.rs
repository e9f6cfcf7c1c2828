//! Aborting blocking work before it starts keeps it from running.
//!
//! A file of its own: it limits the process's blocking pool to one thread, so that a closure
//! can be made to wait in the queue.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use ferry_core::SpawnBlockingExt;
use ferry_smol::SmolRuntime;

#[test]
fn aborted_blocking_closure_that_has_not_started_never_runs() {
    blocking::set_max_blocking_threads(NonZeroUsize::MIN);
    let rt = SmolRuntime::new();

    // Occupies the pool's only thread until released.
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let occupier = rt.spawn_blocking(move || {
        started_tx.send(()).expect("the test waits");
        release_rx.recv().expect("the test releases");
    });
    started_rx.recv().expect("the occupier starts");

    let ran = Arc::new(AtomicBool::new(false));
    let queued = rt.spawn_blocking({
        let ran = Arc::clone(&ran);
        move || ran.store(true, Ordering::SeqCst)
    });
    queued.abort();
    release_tx.send(()).expect("the occupier waits");

    async_io::block_on(async {
        occupier.await.expect("the occupier finishes");
        // Queued after the aborted closure on the one thread, so it runs after that one would.
        rt.spawn_blocking(|| ())
            .await
            .expect("a later closure runs");
        let error = queued.await.expect_err("the queued closure was aborted");
        assert!(error.is_cancelled(), "got {error:?}");
    });
    assert!(!ran.load(Ordering::SeqCst), "the aborted closure ran");
}
