//! Why a task group failed.

use std::error::Error;
use std::fmt;

use crate::rt::Panicked;

/// Why one child of a [`TaskGroup`](super::TaskGroup) produced no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildError<E> {
    /// The child returned `Err(E)`.
    Failed(E),
    /// The child panicked; the panic was caught and its message kept.
    Panicked(Panicked),
    /// The child was aborted before it finished, by [`TaskGroup::abort_all`] or by its runtime
    /// shutting down.
    ///
    /// [`TaskGroup::abort_all`]: super::TaskGroup::abort_all
    Cancelled,
}

impl<E> ChildError<E> {
    /// The error the child returned, if it returned one.
    pub fn failed(&self) -> Option<&E> {
        match self {
            Self::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// The caught panic, if the child panicked.
    pub fn panicked(&self) -> Option<&Panicked> {
        match self {
            Self::Panicked(panicked) => Some(panicked),
            _ => None,
        }
    }

    /// Whether the child panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Panicked(_))
    }

    /// Whether the child was aborted from outside.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }
}

impl<E: fmt::Display> fmt::Display for ChildError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The child's own error says what failed; a prefix would only repeat it.
            Self::Failed(error) => error.fmt(f),
            Self::Panicked(panicked) => write!(f, "task panicked: {panicked}"),
            Self::Cancelled => f.write_str("task was cancelled before it finished"),
        }
    }
}

impl<E: Error> Error for ChildError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed(error) => error.source(),
            _ => None,
        }
    }
}

/// The first child of a [`TaskGroup`](super::TaskGroup) to fail, which made the group abort
/// the others.
///
/// "First" is in time, not in spawn order. [`index`](Self::index) is the child's position in
/// spawn order (what [`TaskGroup::spawn`](super::TaskGroup::spawn) returned for it). Siblings
/// that failed on their own while the group was stopping are kept in
/// [`others`](Self::others), so that no failure goes unreported; siblings that merely ended
/// because they were aborted are not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupError<E> {
    index: usize,
    error: ChildError<E>,
    others: Vec<(usize, ChildError<E>)>,
}

impl<E> GroupError<E> {
    pub(super) fn new(index: usize, error: ChildError<E>) -> Self {
        Self {
            index,
            error,
            others: Vec::new(),
        }
    }

    pub(super) fn add_other(&mut self, index: usize, error: ChildError<E>) {
        self.others.push((index, error));
    }

    /// The failed child's position in spawn order.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Why the child failed.
    pub fn error(&self) -> &ChildError<E> {
        &self.error
    }

    /// Why the child failed, by value.
    pub fn into_error(self) -> ChildError<E> {
        self.error
    }

    /// Other children that failed (not merely aborted) while the group was stopping, with
    /// their positions.
    pub fn others(&self) -> &[(usize, ChildError<E>)] {
        &self.others
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} of the group failed: {}", self.index, self.error)?;
        if !self.others.is_empty() {
            write!(f, " (and {} more failed)", self.others.len())?;
        }
        Ok(())
    }
}

impl<E: Error> Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}
