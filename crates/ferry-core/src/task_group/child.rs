//! How a child runs inside its task: watching the group's stop signal, and reporting how it
//! ended.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};

use event_listener::Event;
use futures_util::FutureExt;
use futures_util::future::{Either, select};

use crate::rt::Panicked;

/// Raised by the first child to fail, so that its siblings stop at once, whether or not
/// anyone is awaiting the group's `join` yet.
#[derive(Debug, Default)]
pub(super) struct StopSignal {
    stopped: AtomicBool,
    event: Event,
}

impl StopSignal {
    pub(super) fn stop(&self) {
        if !self.stopped.swap(true, Ordering::AcqRel) {
            self.event.notify(usize::MAX);
        }
    }

    pub(super) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Resolves once [`stop`](Self::stop) has been called.
    async fn stopped(&self) {
        loop {
            if self.is_stopped() {
                return;
            }
            let listener = self.event.listen();
            // Checked again after registering, so that a stop between the first check and
            // the registration is not missed.
            if self.is_stopped() {
                return;
            }
            listener.await;
        }
    }
}

/// How a child's task ended, as its task returns it.
pub(super) enum Outcome<T, E> {
    Value(T),
    Failed(E),
    Panicked(Panicked),
    /// A sibling failed first, so this child was dropped (or never started).
    Stopped,
}

/// Runs `future` as a child: its error or panic raises the stop signal; a raised signal drops
/// it at its next suspension point.
pub(super) async fn run_child<F, T, E>(future: F, signal: &StopSignal) -> Outcome<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    if signal.is_stopped() {
        return Outcome::Stopped;
    }
    // The child's state is dropped right after a panic, never looked at again, so asserting
    // unwind safety is sound.
    let run = pin!(AssertUnwindSafe(future).catch_unwind());
    let stopped = pin!(signal.stopped());
    // The child is polled first: one that finishes at the moment the group stops keeps its
    // result.
    match select(run, stopped).await {
        Either::Left((Ok(Ok(value)), _)) => Outcome::Value(value),
        Either::Left((Ok(Err(error)), _)) => {
            signal.stop();
            Outcome::Failed(error)
        }
        Either::Left((Err(payload), _)) => {
            signal.stop();
            Outcome::Panicked(Panicked::from_payload(payload))
        }
        Either::Right(((), _)) => Outcome::Stopped,
    }
}
