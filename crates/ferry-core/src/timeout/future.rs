//! The future returned by [`timeout`](crate::timeout()).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::Elapsed;
use crate::rt::Sleep;

pin_project! {
    /// A future that gives up on its inner future once a timer fires.
    ///
    /// Made by [`timeout`](crate::timeout()) and [`Deadline::run`](crate::Deadline::run).
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        inner: F,
        sleep: Sleep,
        allowed: Duration,
    }
}

impl<F> Timeout<F> {
    pub(crate) fn new(inner: F, sleep: Sleep, allowed: Duration) -> Self {
        Self {
            inner,
            sleep,
            allowed,
        }
    }

    /// The inner future, for inspection.
    pub fn get_ref(&self) -> &F {
        &self.inner
    }

    /// Gives back the inner future, dropping the timer.
    pub fn into_inner(self) -> F {
        self.inner
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The inner future goes first: an operation that finishes at the very instant the
        // timer fires has succeeded, and should not be thrown away.
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new(*this.allowed))),
            Poll::Pending => Poll::Pending,
        }
    }
}
