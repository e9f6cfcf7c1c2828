//! The future returned by [`TaskGroup::join`](super::TaskGroup::join).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::future::FusedFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use std::sync::Arc;

use super::child::{Outcome, StopSignal};
use super::{ChildError, GroupError};
use crate::rt::{JoinError, JoinHandle};

/// A child's join handle tagged with its spawn position.
struct Child<T, E> {
    index: usize,
    handle: JoinHandle<Outcome<T, E>>,
}

impl<T, E> Future for Child<T, E> {
    /// `Ok(None)`: the child was stopped because a sibling failed.
    type Output = (usize, Result<Option<T>, ChildError<E>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let outcome = match ready!(Pin::new(&mut self.handle).poll(cx)) {
            Ok(Outcome::Value(value)) => Ok(Some(value)),
            Ok(Outcome::Stopped) => Ok(None),
            Ok(Outcome::Failed(error)) => Err(ChildError::Failed(error)),
            Ok(Outcome::Panicked(panicked)) | Err(JoinError::Panicked(panicked)) => {
                Err(ChildError::Panicked(panicked))
            }
            Err(JoinError::Cancelled) => Err(ChildError::Cancelled),
        };
        Poll::Ready((self.index, outcome))
    }
}

/// Waits for every child of a [`TaskGroup`](super::TaskGroup); made by
/// [`TaskGroup::join`](super::TaskGroup::join).
///
/// # Cancel safety
///
/// Dropping a `Join` before it completes aborts every child still running, exactly like
/// dropping the group: each stops at its next suspension point (a blocking section runs to its
/// end first), and the outputs collected so far are dropped. Nothing outlives it, so it is not
/// cancel safe in the sense of "can be awaited again": wrap it in a timeout only if giving up
/// on the whole group is what a timeout should mean.
#[must_use = "futures do nothing unless awaited; dropping a Join aborts the group's tasks"]
pub struct Join<T, E> {
    running: FuturesUnordered<Child<T, E>>,
    /// Outputs by spawn position, filled as children finish.
    slots: Vec<Option<T>>,
    /// The first failure; once set, the remaining children are being stopped.
    failure: Option<GroupError<E>>,
    signal: Arc<StopSignal>,
    done: bool,
}

impl<T, E> Join<T, E> {
    pub(super) fn new(children: Vec<JoinHandle<Outcome<T, E>>>, signal: Arc<StopSignal>) -> Self {
        let mut slots = Vec::with_capacity(children.len());
        slots.resize_with(children.len(), || None);
        let running = children
            .into_iter()
            .enumerate()
            .map(|(index, handle)| Child { index, handle })
            .collect();
        Self {
            running,
            slots,
            failure: None,
            signal,
            done: false,
        }
    }

    fn abort_running(&self) {
        for child in self.running.iter() {
            child.handle.abort();
        }
    }

    fn record(&mut self, index: usize, error: ChildError<E>) {
        match &mut self.failure {
            None => {
                self.failure = Some(GroupError::new(index, error));
                // The failed child raised the stop signal itself; this covers a failure the
                // child could not raise (it was aborted from outside). Stopping through the
                // signal rather than aborting lets a sibling that failed at the same moment
                // still report its own error.
                self.signal.stop();
                // The group has failed; values collected so far will never be returned.
                self.slots = Vec::new();
            }
            // Siblings cancelled along with the first failure (by `abort_all`, or a runtime
            // shutting down) did not fail on their own: nothing more to report.
            Some(_) if error.is_cancelled() => {}
            Some(failure) => failure.add_other(index, error),
        }
    }
}

impl<T, E> Join<T, E> {
    /// The result once every child has ended.
    fn finish(&mut self) -> Result<Vec<T>, GroupError<E>> {
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        let slots = std::mem::take(&mut self.slots);
        let mut values = Vec::with_capacity(slots.len());
        for (index, slot) in slots.into_iter().enumerate() {
            match slot {
                Some(value) => values.push(value),
                // A child stopped by a failure always comes with that failure; should one
                // ever arrive alone, it is still reported, never silently dropped.
                None => return Err(GroupError::new(index, ChildError::Cancelled)),
            }
        }
        Ok(values)
    }
}

impl<T, E> Future for Join<T, E> {
    type Output = Result<Vec<T>, GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "task group Join polled after it completed");
        loop {
            match ready!(this.running.poll_next_unpin(cx)) {
                Some((index, Ok(Some(value)))) => {
                    if this.failure.is_none() {
                        this.slots[index] = Some(value);
                    }
                }
                // Stopped by a sibling's failure, which that sibling reports itself.
                Some((_, Ok(None))) => {}
                Some((index, Err(error))) => this.record(index, error),
                None => {
                    this.done = true;
                    return Poll::Ready(this.finish());
                }
            }
        }
    }
}

// Values and errors are only ever moved, never pinned, and the children live boxed inside
// `FuturesUnordered`; nothing here relies on being pinned.
impl<T, E> Unpin for Join<T, E> {}

impl<T, E> FusedFuture for Join<T, E> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T, E> Drop for Join<T, E> {
    fn drop(&mut self) {
        self.signal.stop();
        self.abort_running();
    }
}

impl<T, E> fmt::Debug for Join<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("running", &self.running.len())
            .field("failed", &self.failure.is_some())
            .finish()
    }
}
