//! The queue's errors: one small type per operation. A failed send hands its item back.

use std::fmt;

/// [`bounded`](super::bounded) was asked for a queue of capacity 0, which could never hold an
/// item (async-channel panics here; ferry returns this error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "queue capacity must be at least 1, got 0 (a queue of capacity 0 could never hold an item)"
)]
pub struct InvalidCapacity;

/// [`Sender::send`](super::Sender::send) found the queue closed; the item is handed back.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sending into a closed queue")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The item that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Written by hand so that `SendError<T>` is `Debug` (and so an `Error`) for every `T`.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// [`Sender::try_send`](super::Sender::try_send) could not send at once; the item is handed back.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrySendError<T> {
    /// Every slot was taken (by buffered items or reserved permits).
    #[error("sending into a full queue")]
    Full(T),
    /// The queue was closed.
    #[error("sending into a closed queue")]
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The item that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item) | Self::Closed(item) => item,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the queue was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

/// [`Sender::reserve`](super::Sender::reserve) found the queue closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("reserving a slot in a closed queue")]
pub struct Closed;

/// [`Receiver::recv`](super::Receiver::recv) found the queue closed and drained: no item is
/// left and none can come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("receiving from a closed and drained queue")]
pub struct RecvError;

/// [`Receiver::try_recv`](super::Receiver::try_recv) could not receive at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// No item is buffered now, but the queue is open (or a reserved permit may still send).
    #[error("receiving from an empty queue")]
    Empty,
    /// The queue is closed and drained.
    #[error("receiving from a closed and drained queue")]
    Closed,
}

/// [`Receiver::task_done`](super::Receiver::task_done) was called more times than items were
/// received (asyncio raises `ValueError` here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("task_done called more times than items were received from the queue")]
pub struct ExtraTaskDone;

/// `join` can never complete: every receiver was dropped while items were still buffered or
/// received but not marked done, so nobody is left to mark them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every receiver was dropped with {remaining} item(s) not marked done")]
pub struct UnfinishedItems {
    /// Items buffered or received but not marked done when the last receiver was dropped.
    pub remaining: u64,
}
