//! Why one gathered future produced no value.

use std::error::Error;
use std::fmt;

use crate::rt::Panicked;

/// Why one future in a [`gather_settled`](super::gather_settled) produced no value: it
/// returned an error, or it panicked.
///
/// The failed future's position is where this error sits in the
/// [`Settled`](super::Settled) report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemError<E> {
    /// The future returned `Err(E)`.
    Failed(E),
    /// The future panicked; the panic was caught and its message kept.
    Panicked(Panicked),
}

impl<E> ItemError<E> {
    /// The error the future returned, if it returned one (rather than panicking).
    pub fn failed(&self) -> Option<&E> {
        match self {
            Self::Failed(error) => Some(error),
            Self::Panicked(_) => None,
        }
    }

    /// The caught panic, if the future panicked.
    pub fn panicked(&self) -> Option<&Panicked> {
        match self {
            Self::Failed(_) => None,
            Self::Panicked(panicked) => Some(panicked),
        }
    }

    /// Whether the future panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Panicked(_))
    }
}

impl<E: fmt::Display> fmt::Display for ItemError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The future's own error says what failed; repeating a prefix adds nothing.
            Self::Failed(error) => error.fmt(f),
            Self::Panicked(panicked) => write!(f, "future panicked: {panicked}"),
        }
    }
}

impl<E: Error> Error for ItemError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed(error) => error.source(),
            Self::Panicked(_) => None,
        }
    }
}
