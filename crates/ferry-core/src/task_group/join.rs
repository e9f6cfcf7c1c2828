//! The future returned by [`TaskGroup::join`](super::TaskGroup::join).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::future::FusedFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{ChildError, GroupError};
use crate::rt::{JoinError, JoinHandle};

/// A child's join handle tagged with its spawn position.
pub(super) struct Child<T, E> {
    pub(super) index: usize,
    pub(super) handle: JoinHandle<Result<T, E>>,
}

impl<T, E> Future for Child<T, E> {
    type Output = (usize, Result<T, ChildError<E>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let outcome = ready!(Pin::new(&mut self.handle).poll(cx));
        let outcome = match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(ChildError::Failed(error)),
            Err(JoinError::Panicked(panicked)) => Err(ChildError::Panicked(panicked)),
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
    /// The first failure; once set, the remaining children are being aborted.
    failure: Option<GroupError<E>>,
    done: bool,
}

impl<T, E> Join<T, E> {
    pub(super) fn new(children: Vec<JoinHandle<Result<T, E>>>) -> Self {
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
                self.abort_running();
                // The group has failed; values collected so far will never be returned.
                self.slots = Vec::new();
            }
            // Aborted siblings end as cancelled: that is the group's doing, not a failure.
            Some(_) if error.is_cancelled() => {}
            Some(failure) => failure.add_other(index, error),
        }
    }
}

impl<T, E> Future for Join<T, E> {
    type Output = Result<Vec<T>, GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "task group Join polled after it completed");
        loop {
            match ready!(this.running.poll_next_unpin(cx)) {
                Some((index, Ok(value))) => {
                    if this.failure.is_none() {
                        this.slots[index] = Some(value);
                    }
                }
                Some((index, Err(error))) => this.record(index, error),
                None => {
                    this.done = true;
                    return Poll::Ready(match this.failure.take() {
                        Some(failure) => Err(failure),
                        None => Ok(std::mem::take(&mut this.slots)
                            .into_iter()
                            .map(|slot| slot.expect("every child has finished"))
                            .collect()),
                    });
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
