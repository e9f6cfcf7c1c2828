//! [`Slot`]: what the pool knows about one host: its idle HTTP/1 connections, its shared
//! HTTP/2 connection, the protocol it spoke last, its connection cap, and the line of
//! requests waiting for its first HTTP/2 connection.
//!
//! The lock is never held across an await: checking out and in are plain operations on a
//! list, and connecting and waiting happen outside it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ferry_core::rt::{Timer, instant_after};
use ferry_core::semaphore::Semaphore;
use http::HeaderValue;
use hyper::client::conn::{http1, http2};

use super::key::HostKey;

struct Idle<B> {
    sender: http1::SendRequest<B>,
    since: Instant,
}

/// What the host's last connection spoke, which decides whether a request that finds no
/// connection waits for another request's connect or makes its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Proto {
    /// Nothing known yet: over TLS, ALPN may yet choose HTTP/2.
    Unknown,
    /// HTTP/1.1: one request per connection, so requests connect side by side.
    H1,
    /// HTTP/2: one connection carries every request, so one request connects at a time.
    H2,
    /// The last connect failed: requests connect side by side rather than fail one by one.
    Failed,
}

struct State<B> {
    /// Oldest first: checkout takes the newest (the least likely to have been closed by the
    /// server), and the expired ones are a prefix.
    idle: VecDeque<Idle<B>>,
    h2: Option<http2::SendRequest<B>>,
    proto: Proto,
}

/// One host's part of the pool; see the [module docs](self).
pub(super) struct Slot<B> {
    key: HostKey,
    state: Mutex<State<B>>,
    /// The `Host` header of this authority, made once: the request line of HTTP/1 carries
    /// only the path.
    host_header: Option<HeaderValue>,
    /// Connections to this host at once, when capped: a request over HTTP/1 holds a permit
    /// from before it takes a connection until its response body ends.
    pub(super) cap: Option<Arc<Semaphore>>,
    /// One permit: the request that connects while the host may speak HTTP/2 holds it, and
    /// the others wait for its connection rather than open their own.
    pub(super) connecting: Semaphore,
    max_idle: usize,
    idle_timeout: Duration,
    clock: Arc<dyn Timer>,
}

impl<B> Slot<B> {
    pub(super) fn new(
        key: HostKey,
        max_idle: usize,
        idle_timeout: Duration,
        cap: usize,
        clock: Arc<dyn Timer>,
    ) -> Self {
        let authority = key.authority().as_str();
        // `Host` is the authority without the user info: `host[:port]`, brackets kept.
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host_header = HeaderValue::from_str(host).ok();
        let https = key.is_https();
        Self {
            key,
            state: Mutex::new(State {
                idle: VecDeque::new(),
                h2: None,
                proto: if https { Proto::Unknown } else { Proto::H1 },
            }),
            host_header,
            cap: (cap > 0).then(|| Arc::new(Semaphore::new(cap))),
            connecting: Semaphore::new(1),
            max_idle,
            idle_timeout,
            clock,
        }
    }

    fn state(&self) -> MutexGuard<'_, State<B>> {
        // The state is consistent after every statement, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Which host this is.
    pub(super) fn key(&self) -> &HostKey {
        &self.key
    }

    /// The `Host` header for HTTP/1 requests to this host.
    pub(super) fn host_header(&self) -> Option<&HeaderValue> {
        self.host_header.as_ref()
    }

    /// The host's shared HTTP/2 connection, if it has a live one.
    pub(super) fn shared_h2(&self) -> Option<http2::SendRequest<B>> {
        let mut state = self.state();
        match &state.h2 {
            Some(h2) if !h2.is_closed() => Some(h2.clone()),
            Some(_) => {
                state.h2 = None;
                None
            }
            None => None,
        }
    }

    /// The newest idle HTTP/1 connection that is not closed. Closed ones met on the way are
    /// dropped; the one handed out is no longer in the pool, so it is never handed out twice.
    /// A connection is checked in when its last response body ends, possibly before hyper has
    /// finished that exchange, so it need not be ready yet: the request that takes it waits
    /// for that.
    pub(super) fn checkout_h1(&self) -> Option<http1::SendRequest<B>> {
        let mut state = self.state();
        while let Some(idle) = state.idle.pop_back() {
            if !idle.sender.is_closed() {
                return Some(idle.sender);
            }
        }
        None
    }

    /// Whether a request that finds no connection should wait for the host's one connect in
    /// progress: over TLS, while the host may answer with HTTP/2.
    pub(super) fn connects_one_at_a_time(&self) -> bool {
        matches!(self.state().proto, Proto::Unknown | Proto::H2)
    }

    /// Records what the host's newest connection (or connect) came to.
    pub(super) fn learned(&self, proto: Proto) {
        self.state().proto = proto;
    }

    /// Shares a new HTTP/2 connection for later requests, unless a live one is already shared
    /// (two requests that connected at once keep the first).
    pub(super) fn share_h2(&self, sender: &http2::SendRequest<B>) {
        let mut state = self.state();
        state.proto = Proto::H2;
        if state.h2.as_ref().is_none_or(|h2| h2.is_closed()) {
            state.h2 = Some(sender.clone());
        }
    }

    /// Stops sharing the host's HTTP/2 connection (requests already on it carry on), so that
    /// the next request connects anew instead of meeting a failing connection again.
    pub(super) fn forget_h2(&self) {
        self.state().h2 = None;
    }

    /// Offers an HTTP/1 connection whose response has been read back for reuse; dropped
    /// (closed) if it is closed or if the pool keeps no idle connections. Beyond
    /// `max_idle`, the oldest idle connection is closed instead.
    pub(super) fn checkin(&self, sender: http1::SendRequest<B>) {
        if self.max_idle == 0 || sender.is_closed() {
            return;
        }
        let since = self.clock.now();
        let overflow = {
            let mut state = self.state();
            state.idle.push_back(Idle { sender, since });
            if state.idle.len() > self.max_idle {
                state.idle.pop_front()
            } else {
                None
            }
        };
        // Closed outside the lock.
        drop(overflow);
    }

    /// Closes the idle connections that have been idle for the idle timeout by `now` (and
    /// those already closed), and returns when the next one will have been, if any is left.
    pub(super) fn expire(&self, now: Instant) -> Option<Instant> {
        let mut expired = Vec::new();
        let next = {
            let mut state = self.state();
            while let Some(oldest) = state.idle.front() {
                if now.saturating_duration_since(oldest.since) < self.idle_timeout {
                    break;
                }
                expired.extend(state.idle.pop_front());
            }
            let (live, closed): (VecDeque<_>, VecDeque<_>) = std::mem::take(&mut state.idle)
                .into_iter()
                .partition(|idle| !idle.sender.is_closed());
            state.idle = live;
            expired.extend(closed);
            if state.h2.as_ref().is_some_and(http2::SendRequest::is_closed) {
                state.h2 = None;
            }
            state
                .idle
                .front()
                .map(|oldest| instant_after(oldest.since, self.idle_timeout))
        };
        drop(expired);
        next
    }

    /// Whether the slot holds no connection and nothing but the pool's map refers to it, so
    /// that forgetting it loses nothing but what was learned of the host's protocol.
    pub(super) fn is_unused(self: &Arc<Self>) -> bool {
        if Arc::strong_count(self) > 1 {
            return false;
        }
        let state = self.state();
        state.idle.is_empty() && state.h2.is_none()
    }
}
