//! The typed spawn path's pieces: `catch_panic` and a `JoinHandle` over a backend's
//! `TypedTask`, checked with a hand-made task instead of a runtime.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use ferry_rt::{JoinError, JoinHandle, TypedTask, catch_panic};
use futures::channel::oneshot;
use futures::executor::block_on;

#[test]
fn catch_panic_turns_a_panic_into_panicked_with_its_message() {
    let result = block_on(catch_panic(async {
        if true {
            panic!("boom in typed task");
        }
    }));
    let panicked = result.expect_err("the panic should be caught");
    assert_eq!(panicked.message(), "boom in typed task");
}

#[test]
fn catch_panic_passes_the_output_through() {
    assert_eq!(block_on(catch_panic(async { 6 * 7 })).ok(), Some(42));
}

/// A task whose outcome arrives through a channel, as a backend's handle would deliver it.
struct ChannelTask {
    outcome: oneshot::Receiver<Result<u32, JoinError>>,
    aborted: Arc<AtomicBool>,
}

impl TypedTask<u32> for ChannelTask {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<u32, JoinError>> {
        std::pin::Pin::new(&mut self.outcome)
            .poll(cx)
            .map(|sent| sent.unwrap_or_else(|_| Err(JoinError::cancelled())))
    }

    fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
    }

    fn is_finished(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

fn channel_handle() -> (
    JoinHandle<u32>,
    oneshot::Sender<Result<u32, JoinError>>,
    Arc<AtomicBool>,
) {
    let (send, outcome) = oneshot::channel();
    let aborted = Arc::new(AtomicBool::new(false));
    let task = ChannelTask {
        outcome,
        aborted: Arc::clone(&aborted),
    };
    (JoinHandle::from_typed(task), send, aborted)
}

#[test]
fn typed_handle_resolves_to_the_backends_outcome() {
    let (handle, send, _) = channel_handle();
    send.send(Ok(42)).expect("handle is alive");
    assert_eq!(block_on(handle).expect("task finished"), 42);
}

#[test]
fn typed_handle_forwards_abort_and_is_finished_to_the_backend() {
    let (handle, send, aborted) = channel_handle();
    assert!(!handle.is_finished());
    handle.abort();
    assert!(aborted.load(Ordering::SeqCst));
    assert!(handle.is_finished());
    drop(send);
    let result = block_on(handle);
    assert!(
        matches!(result, Err(ref e) if e.is_cancelled()),
        "{result:?}"
    );
}
