//! The concurrency limit shared by gather, map and worker pools.

use std::num::NonZeroUsize;

/// How many operations may run at once: always at least one.
///
/// A limit of zero would never run anything (`buffer_unordered(0)` hangs forever); ferry
/// refuses it with [`InvalidLimit`] when the limit is made, so the mistake shows up as an
/// error and never as a hang.
///
/// ```
/// use ferry_core::ConcurrencyLimit;
///
/// assert_eq!(ConcurrencyLimit::new(8).unwrap().get(), 8);
/// assert!(ConcurrencyLimit::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConcurrencyLimit(NonZeroUsize);

impl ConcurrencyLimit {
    /// No limit: as many at once as there are operations.
    pub const UNLIMITED: Self = Self(NonZeroUsize::MAX);

    /// A limit of `limit` at once; zero is an error.
    pub fn new(limit: usize) -> Result<Self, InvalidLimit> {
        NonZeroUsize::new(limit).map(Self).ok_or(InvalidLimit)
    }

    /// The limit as a number, at least 1.
    pub fn get(self) -> usize {
        self.0.get()
    }
}

impl From<NonZeroUsize> for ConcurrencyLimit {
    fn from(limit: NonZeroUsize) -> Self {
        Self(limit)
    }
}

impl TryFrom<usize> for ConcurrencyLimit {
    type Error = InvalidLimit;

    fn try_from(limit: usize) -> Result<Self, InvalidLimit> {
        Self::new(limit)
    }
}

/// A concurrency limit of zero was asked for; it would never run anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("concurrency limit must be at least 1, got 0 (a limit of 0 would never run anything)")]
pub struct InvalidLimit;
