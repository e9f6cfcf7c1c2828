//! The keep-alive pool: idle HTTP/1 connections and one shared HTTP/2 connection per host.
//!
//! The pool never holds its lock across an await: checking out and in are plain operations on
//! a map, and connecting happens outside it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ferry_http::OutgoingBody;
use http::Uri;
use http::uri::Scheme;
use hyper::client::conn::{http1, http2};

/// The sending half of a connection.
pub(super) enum Conn {
    /// An HTTP/1 connection: one request at a time, back to the pool when its response ends.
    H1(http1::SendRequest<OutgoingBody>),
    /// An HTTP/2 connection: shared by every request to its host.
    H2(http2::SendRequest<OutgoingBody>),
}

/// Which connections a request may use: same scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct HostKey {
    https: bool,
    host: String,
    port: u16,
}

impl HostKey {
    /// The key for an absolute `http` or `https` URI, or `None` for anything else.
    pub(super) fn from_uri(uri: &Uri) -> Option<Self> {
        let https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            _ => return None,
        };
        let host = uri.host()?;
        // `Uri::host` keeps the brackets of an IPv6 literal; sockets and TLS want it bare.
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Self {
            https,
            host: host.to_owned(),
            port,
        })
    }

    pub(super) fn is_https(&self) -> bool {
        self.https
    }

    pub(super) fn host(&self) -> &str {
        &self.host
    }

    pub(super) fn port(&self) -> u16 {
        self.port
    }
}

struct Idle {
    sender: http1::SendRequest<OutgoingBody>,
    since: Instant,
}

#[derive(Default)]
struct Host {
    /// Newest last: checkout takes the most recently used connection, the least likely to
    /// have been closed by the server.
    idle: Vec<Idle>,
    h2: Option<http2::SendRequest<OutgoingBody>>,
}

/// Idle connections per host.
pub(super) struct Pool {
    hosts: Mutex<HashMap<HostKey, Host>>,
    idle_timeout: Duration,
    max_idle_per_host: usize,
}

impl Pool {
    pub(super) fn new(idle_timeout: Duration, max_idle_per_host: usize) -> Self {
        Self {
            hosts: Mutex::new(HashMap::new()),
            idle_timeout,
            max_idle_per_host,
        }
    }

    fn hosts(&self) -> std::sync::MutexGuard<'_, HashMap<HostKey, Host>> {
        // The map is consistent after every statement, so a panic elsewhere leaves it usable.
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Young enough and not closed. A connection is checked in when its last response body
    /// ends, possibly before hyper has finished that exchange, so it need not be ready yet:
    /// the request that takes it waits for that.
    fn fresh(&self, idle: &Idle, now: Instant) -> bool {
        now.saturating_duration_since(idle.since) < self.idle_timeout && !idle.sender.is_closed()
    }

    /// A live connection to `key`: the shared HTTP/2 one, else the newest idle HTTP/1 one.
    /// Expired and closed connections met on the way are dropped (which closes them).
    pub(super) fn checkout(&self, key: &HostKey) -> Option<Conn> {
        let now = Instant::now();
        let mut hosts = self.hosts();
        let host = hosts.get_mut(key)?;
        if let Some(h2) = &host.h2 {
            if !h2.is_closed() {
                return Some(Conn::H2(h2.clone()));
            }
            host.h2 = None;
        }
        while let Some(idle) = host.idle.pop() {
            if self.fresh(&idle, now) {
                return Some(Conn::H1(idle.sender));
            }
        }
        None
    }

    /// Stops sharing `key`'s HTTP/2 connection (requests already on it carry on).
    pub(super) fn forget_h2(&self, key: &HostKey) {
        if let Some(host) = self.hosts().get_mut(key) {
            host.h2 = None;
        }
    }

    /// Offers an HTTP/1 connection whose response has been read back for reuse; dropped
    /// (closed) if it is closed, if `key` already has `max_idle_per_host` idle ones, or if the
    /// pool keeps none.
    pub(super) fn checkin(&self, key: &HostKey, sender: http1::SendRequest<OutgoingBody>) {
        if self.max_idle_per_host == 0 || sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut hosts = self.hosts();
        // Looked up before `entry`, which would need a clone of the key (an allocation) on
        // every check-in.
        let host = match hosts.get_mut(key) {
            Some(host) => host,
            None => hosts.entry(key.clone()).or_default(),
        };
        // Oldest first: the expired connections are a prefix. Closed ones elsewhere are
        // dropped when checkout meets them, or below when they would keep this one out.
        let expired = host
            .idle
            .iter()
            .take_while(|idle| now.saturating_duration_since(idle.since) >= self.idle_timeout)
            .count();
        host.idle.drain(..expired);
        if host.idle.len() >= self.max_idle_per_host {
            host.idle.retain(|idle| self.fresh(idle, now));
        }
        if host.idle.len() < self.max_idle_per_host {
            host.idle.push(Idle { sender, since: now });
        }
    }

    /// Shares a new HTTP/2 connection for later requests to `key`, unless a live one is
    /// already shared (two requests that connected at once keep the first).
    pub(super) fn share_h2(&self, key: &HostKey, sender: &http2::SendRequest<OutgoingBody>) {
        let mut hosts = self.hosts();
        let host = hosts.entry(key.clone()).or_default();
        if host.h2.as_ref().is_none_or(|h2| h2.is_closed()) {
            host.h2 = Some(sender.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_uses_the_default_port_of_its_scheme() {
        let key = HostKey::from_uri(&"https://example.com/a".parse().unwrap()).unwrap();
        assert_eq!(
            (key.is_https(), key.host(), key.port()),
            (true, "example.com", 443)
        );
        let key = HostKey::from_uri(&"http://example.com:8080/".parse().unwrap()).unwrap();
        assert_eq!((key.is_https(), key.port()), (false, 8080));
    }

    #[test]
    fn key_strips_the_brackets_of_an_ipv6_host() {
        let key = HostKey::from_uri(&"http://[::1]:9000/".parse().unwrap()).unwrap();
        assert_eq!(key.host(), "::1");
    }

    #[test]
    fn key_refuses_other_schemes_and_relative_uris() {
        assert!(HostKey::from_uri(&"ftp://example.com/".parse().unwrap()).is_none());
        assert!(HostKey::from_uri(&"/just/a/path".parse().unwrap()).is_none());
    }

    #[test]
    fn empty_pool_has_nothing_to_check_out() {
        let pool = Pool::new(Duration::from_secs(90), 64);
        let key = HostKey::from_uri(&"http://example.com/".parse().unwrap()).unwrap();
        assert!(pool.checkout(&key).is_none());
    }
}
