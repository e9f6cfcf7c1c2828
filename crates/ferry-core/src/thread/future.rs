//! The future returned by [`to_thread`](super::to_thread()) and
//! [`to_thread_cancellable`](super::to_thread_cancellable).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::future::FusedFuture;

use super::CancelFlag;
use crate::rt::{JoinError, JoinHandle};

/// A blocking closure running on a thread pool, as a future of its result.
///
/// # Cancel safety
///
/// Dropping a `ToThread` before it completes aborts the blocking task (a closure that has not
/// started never runs) and sets its [`CancelFlag`], if it has one. A closure already running
/// keeps its thread until it returns; its result is dropped.
#[must_use = "dropping a ToThread cancels the blocking work if it has not started"]
pub struct ToThread<T> {
    handle: JoinHandle<T>,
    cancel: Option<CancelFlag>,
    finished: bool,
}

impl<T> ToThread<T> {
    pub(super) fn new(handle: JoinHandle<T>, cancel: Option<CancelFlag>) -> Self {
        Self {
            handle,
            cancel,
            finished: false,
        }
    }

    /// Whether the closure has ended (returned, panicked, or been aborted before it started).
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl<T> Future for ToThread<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = ready!(Pin::new(&mut self.handle).poll(cx));
        self.finished = true;
        Poll::Ready(result)
    }
}

impl<T> FusedFuture for ToThread<T> {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

impl<T> Drop for ToThread<T> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(flag) = &self.cancel {
            flag.cancel();
        }
        self.handle.abort();
    }
}

impl<T> fmt::Debug for ToThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToThread")
            .field("finished", &self.finished)
            .field("cancellable", &self.cancel.is_some())
            .finish()
    }
}
