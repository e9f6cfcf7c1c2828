//! [`catch_panic`]: a future whose panic comes back as a value.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::Panicked;

/// Wraps `future` so that its panic is caught and returned as [`Panicked`] instead of unwinding
/// into the executor: what backends spawn on the typed path ([`TypedTask`](crate::TypedTask)).
///
/// # Cancel safety
///
/// Dropping the returned future drops `future`, nothing else.
pub fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic { future }
}

pin_project! {
    /// The future returned by [`catch_panic`].
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct CatchPanic<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        // The unwind-safety assertion is the caller's choice, as with
        // `futures::FutureExt::catch_unwind`: a panicking task's state is dropped, never
        // observed half-updated by the code that handles the `Panicked`.
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(Panicked::from_payload(payload))),
        }
    }
}
