//! What a request holds while it runs under a keyed limit.

use crate::semaphore::OwnedSemaphorePermit;

/// Permission for one request under a [`KeyedRateLimiter`](super::KeyedRateLimiter): its rate
/// slot is taken, and its place among the key's requests in flight is held until this is
/// dropped.
///
/// Hold it for as long as the request runs (the whole response, body included, for HTTP);
/// dropping it lets the key's next request start. Keys without a concurrency limit give a
/// permit that holds nothing.
#[derive(Debug)]
#[must_use = "dropping the permit at once ends the request's place among those in flight"]
pub struct KeyPermit {
    concurrency: Option<OwnedSemaphorePermit>,
}

impl KeyPermit {
    pub(super) fn new(concurrency: Option<OwnedSemaphorePermit>) -> Self {
        Self { concurrency }
    }

    /// Whether this permit holds a place under a concurrency limit.
    pub fn is_limited(&self) -> bool {
        self.concurrency.is_some()
    }
}
