//! The flag a cancellable blocking closure checks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when the future awaiting a blocking closure is dropped; the closure checks it to stop
/// early. Given to the closure by [`to_thread_cancellable`](super::to_thread_cancellable).
///
/// Clones share the flag, so it can be handed on to helper threads the closure starts.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the result is no longer wanted: the closure should return as soon as it can.
    pub fn is_cancelled(&self) -> bool {
        // Acquire pairs with the Release in `cancel`: whatever the canceller did before
        // setting the flag is visible to a closure that sees it set.
        self.0.load(Ordering::Acquire)
    }

    /// Sets the flag. [`ToThread`](super::ToThread) does this when dropped unfinished; call it
    /// by hand to stop a closure for other reasons.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }
}
