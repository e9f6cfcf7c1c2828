//! [`HostCaps`]: the per-host connection cap
//! ([`max_connections_per_host`](ferry_http::HttpSettings::max_connections_per_host)) as the
//! mock models it.
//!
//! The mock has no connections, so it models the real backends over HTTP/1.1, where a
//! connection carries one request at a time: a request takes one of its host's places before
//! it is sent (and recorded), and gives it back when its response body ends or is dropped,
//! or when the exchange fails. Requests beyond the cap wait, first come first served, in
//! virtual time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ferry_core::semaphore::{OwnedSemaphorePermit, Semaphore};
use http::Uri;

/// Where a request stands with its host's cap when it is sent.
pub(crate) enum Place {
    /// No cap.
    Free,
    /// A place was free and is taken.
    Held(OwnedSemaphorePermit),
    /// Every place is taken: wait on this semaphore.
    Wait(Arc<Semaphore>),
}

impl Place {
    /// The place, once there is one (`None`: no cap).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the line; nothing is lost.
    pub(crate) async fn taken(self) -> Option<OwnedSemaphorePermit> {
        match self {
            Place::Free => None,
            Place::Held(permit) => Some(permit),
            // The semaphores are never closed, so acquiring cannot fail.
            Place::Wait(semaphore) => semaphore.acquire_owned().await.ok(),
        }
    }
}

/// One semaphore per (scheme, authority), made on the host's first request.
pub(crate) struct HostCaps {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostCaps {
    /// Caps of `per_host` places, or `None` for no cap (`0`).
    pub(crate) fn new(per_host: usize) -> Option<Arc<Self>> {
        (per_host > 0).then(|| {
            Arc::new(Self {
                per_host,
                hosts: Mutex::new(HashMap::new()),
            })
        })
    }

    /// Takes a place for a request to `uri` if one is free, else says where to wait.
    pub(crate) fn place(&self, uri: &Uri) -> Place {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |authority| authority.as_str())
        );
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                hosts
                    .entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(self.per_host))),
            )
        };
        match Arc::clone(&semaphore).try_acquire_owned() {
            Ok(permit) => Place::Held(permit),
            Err(_) => Place::Wait(semaphore),
        }
    }
}
