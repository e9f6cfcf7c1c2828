//! What a pool run returns: every item, succeeded or failed, by sequence number.

use crate::Panicked;

/// Why a handler did not produce an output for an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError<E> {
    /// The handler returned `Err`.
    #[error("handler failed: {0}")]
    Failed(#[source] E),
    /// The handler panicked (while being called or while its future was polled).
    #[error("handler panicked: {0}")]
    Panicked(Panicked),
}

/// An item whose handler returned `Ok`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSucceeded<O> {
    /// The item's position in arrival order, from 0.
    pub seq: u64,
    /// What the handler returned.
    pub output: O,
}

/// An item whose handler returned `Err` or panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailed<E> {
    /// The item's position in arrival order, from 0.
    pub seq: u64,
    /// The handler's error, or its panic.
    pub error: HandlerError<E>,
}

/// What a [`WorkerPool`](super::WorkerPool) run did with every item: each one is in exactly
/// one of the two lists. Items are listed in the order their handlers finished; call
/// [`sort_by_seq`](Self::sort_by_seq) for arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolReport<O, E> {
    /// Items whose handler returned `Ok`.
    pub succeeded: Vec<ItemSucceeded<O>>,
    /// Items whose handler returned `Err` or panicked.
    pub failed: Vec<ItemFailed<E>>,
}

impl<O, E> PoolReport<O, E> {
    pub(super) fn new() -> Self {
        Self {
            succeeded: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// How many items succeeded.
    pub fn succeeded_count(&self) -> usize {
        self.succeeded.len()
    }

    /// How many items failed (returned `Err` or panicked).
    pub fn failed_count(&self) -> usize {
        self.failed.len()
    }

    /// How many items panicked (a subset of the failed ones).
    pub fn panicked_count(&self) -> usize {
        self.failed
            .iter()
            .filter(|item| matches!(item.error, HandlerError::Panicked(_)))
            .count()
    }

    /// How many items were handled in all.
    pub fn total(&self) -> usize {
        self.succeeded.len() + self.failed.len()
    }

    /// Whether every item succeeded (also true when there were no items).
    pub fn all_succeeded(&self) -> bool {
        self.failed.is_empty()
    }

    /// Puts both lists in arrival order.
    pub fn sort_by_seq(&mut self) {
        self.succeeded.sort_unstable_by_key(|item| item.seq);
        self.failed.sort_unstable_by_key(|item| item.seq);
    }
}

/// Passed to the [`on_item`](super::WorkerPool::on_item) callback each time a handler finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemDone {
    /// The item's position in arrival order, from 0.
    pub seq: u64,
    /// Whether its handler returned `Ok`.
    pub succeeded: bool,
    /// How many items have finished so far in this run, this one included.
    pub finished: u64,
}
