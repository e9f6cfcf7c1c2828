//! One HTTP connection pool over hyper's client connections, for every hyper-based backend.
//!
//! [`Pool`] names no runtime. A backend supplies a [`Connect`] (TCP to a host, and TLS over
//! such a stream, in hyper's I/O traits), a ferry [`Spawn`] (where hyper's connection tasks
//! run) and a ferry [`Timer`] (the connect timeout, the idle clock, hyper's HTTP/2 timers).
//! The pool does the rest:
//!
//! - Per (scheme, authority) it keeps up to
//!   [`pool_max_idle_per_host`](HttpSettings::pool_max_idle_per_host) idle HTTP/1
//!   connections, reused newest first, and one HTTP/2 connection shared by all requests to
//!   the host when ALPN chose HTTP/2. While a TLS host may speak HTTP/2 (before its first
//!   connection, and whenever it did last time), a request that finds no connection waits
//!   for the one connect in progress instead of opening its own, so concurrent requests end
//!   up on one connection; a host that answered with HTTP/1.1 is connected to side by side.
//! - Idle connections are closed once idle for
//!   [`pool_idle_timeout`](HttpSettings::pool_idle_timeout), by a sweeper task that runs only
//!   while the pool knows some host and ends with the pool.
//! - An HTTP/1 connection goes back to the pool when its response body has been read to the
//!   end, not when the head arrives; the next request waits, if need be, for hyper to finish
//!   that exchange. A response dropped unread closes its connection, unless its body had
//!   already arrived whole (an empty body). A connection is in the pool or in one request's
//!   hands, never both, so a dead one is never handed out twice.
//! - With [`max_connections_per_host`](HttpSettings::max_connections_per_host) set, a request
//!   over HTTP/1 takes one of its host's permits before it takes a connection and gives it
//!   back when its response body ends or is dropped; requests beyond the cap wait, first come
//!   first served. A connection is only ever in the hands of a request holding a permit or
//!   idle in the pool, so the host never has more connections open than the cap. Requests
//!   over the shared HTTP/2 connection take no permit.
//! - A request that finds its pooled connection closed before anything was written is sent
//!   again on another connection; once written, a failure is reported.
//!
//! Dropping a request's future at any point leaks nothing: a permit goes back, a request
//! waiting leaves its line, a half-made connection closes, a connection in use is closed by
//! hyper.

mod body;
mod connect;
mod hosts;
mod key;
mod slot;

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;

use ferry_core::rt::{Spawn, Timer};
use ferry_core::semaphore::OwnedSemaphorePermit;
use ferry_http::{HttpSettings, TransportError, TransportErrorKind};
use http::header::HOST;
use http::uri::PathAndQuery;
use http::{Uri, Version};
use hyper::body::Body;
use hyper::client::conn::{http1, http2};

pub use body::PoolBody;
pub use connect::Connect;
pub use key::HostKey;

use body::CheckIn;
use connect::{Connector, Exec, Fresh, HyperTimer};
use hosts::Hosts;
use slot::{Proto, Slot};

use crate::classify::exchange_error_kind;

/// ferry's connection pool over hyper: see the [module docs](self).
///
/// `B` is the request body. Cloning is cheap and shares the pool.
pub struct Pool<C, S, T, B> {
    inner: Arc<Inner<C, S, T, B>>,
}

impl<C, S, T, B> Clone for Pool<C, S, T, B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C, S, T, B> std::fmt::Debug for Pool<C, S, T, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("connect_timeout", &self.inner.connector.connect_timeout)
            .field("idle_timeout", &self.inner.hosts.idle_timeout())
            .finish_non_exhaustive()
    }
}

struct Inner<C, S, T, B> {
    hosts: Arc<Hosts<B>>,
    connector: Connector<C, S, T>,
}

/// What a request goes out on.
enum Conn<B> {
    H1(http1::SendRequest<B>),
    H2(http2::SendRequest<B>),
}

impl<C, S, T, B> Pool<C, S, T, B>
where
    C: Connect,
    S: Spawn + Clone + 'static,
    T: Timer + Clone + 'static,
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    /// A pool that opens connections with `connect`, runs them on `spawner` and reads time
    /// from `timer`, with the wire settings of `settings` (connect timeout, idle timeout and
    /// count, the per-host connection cap).
    pub fn new(connect: C, spawner: S, timer: T, settings: &HttpSettings) -> Self {
        let shared_timer: Arc<dyn Timer> = Arc::new(timer.clone());
        let spawner = Arc::new(spawner);
        Self {
            inner: Arc::new(Inner {
                hosts: Arc::new(Hosts::new(
                    settings.pool_max_idle_per_host(),
                    settings.pool_idle_timeout(),
                    settings.max_connections_per_host(),
                    Arc::clone(&shared_timer),
                    Arc::clone(&spawner) as Arc<dyn Spawn>,
                )),
                connector: Connector {
                    connect,
                    executor: Exec(spawner),
                    timer,
                    hyper_timer: HyperTimer(shared_timer),
                    connect_timeout: settings.connect_timeout(),
                },
            }),
        }
    }

    /// Sends `request` (absolute URI) on a pooled or new connection and resolves once the
    /// response head has arrived.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaks nothing: a request waiting for a cap leaves the line, a
    /// half-made connection closes, a connection in use is closed by hyper.
    pub fn send(
        &self,
        request: http::Request<B>,
    ) -> impl Future<Output = Result<http::Response<PoolBody<B>>, TransportError>> + Send + 'static
    where
        C::Tcp: Send,
        T: Send + Sync,
    {
        Arc::clone(&self.inner).send(request)
    }
}

/// How an attempt on one connection ended: the response, or the request back unsent (nothing
/// was written, so it may go on another connection).
type Attempt<B> = Result<http::Response<PoolBody<B>>, http::Request<B>>;

impl<C, S, T, B> Inner<C, S, T, B>
where
    C: Connect,
    S: Spawn + Clone + 'static,
    T: Timer + Clone + 'static,
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    async fn send(
        self: Arc<Self>,
        request: http::Request<B>,
    ) -> Result<http::Response<PoolBody<B>>, TransportError> {
        let slot = self
            .hosts
            .slot_for(request.uri())
            .ok_or_else(|| not_absolute(request.uri()))?;
        let mut request = request;
        let mut permit: Option<OwnedSemaphorePermit> = None;
        loop {
            // Every wait but hyper's own two below is boxed, so that the future of a request
            // on a pooled HTTP/1 connection stays small: it is moved (and boxed by the
            // client) on every request, and a future holds room for its largest wait.
            if let Some(sender) = slot.shared_h2() {
                // The shared connection is no connection of the cap's.
                permit = None;
                match Box::pin(send_h2(&slot, sender, request, true)).await? {
                    Ok(response) => return Ok(response),
                    Err(unsent) => {
                        request = unsent;
                        continue;
                    }
                }
            }
            if let (None, Some(cap)) = (&permit, &slot.cap) {
                // The semaphore is never closed, so acquiring cannot fail.
                permit = Box::pin(Arc::clone(cap).acquire_owned()).await.ok();
                // Another request may have shared an HTTP/2 connection meanwhile.
                continue;
            }
            let (conn, reused) = match slot.checkout_h1() {
                Some(sender) => (Conn::H1(sender), true),
                None => Box::pin(self.connect(&slot)).await?,
            };
            let mut sender = match conn {
                Conn::H1(sender) => sender,
                Conn::H2(sender) => {
                    permit = None;
                    match Box::pin(send_h2(&slot, sender, request, reused)).await? {
                        Ok(response) => return Ok(response),
                        Err(unsent) => {
                            request = unsent;
                            continue;
                        }
                    }
                }
            };
            // Written out here rather than in a function of its own: the request and the
            // response are a few hundred bytes each, and every function boundary on this
            // path copies them again.
            //
            // A pooled connection was checked in when its last response body ended; hyper
            // may still be finishing that exchange. A connection that closed meanwhile fails
            // here, before anything was written: try the next one.
            if let Err(error) = sender.ready().await {
                if reused {
                    continue;
                }
                return Err(exchange_error(error));
            }
            to_origin_form(&slot, &mut request);
            match sender.try_send_request(request).await {
                Ok(response) => {
                    let check_in = CheckIn { slot, sender };
                    return Ok(response
                        .map(|incoming| PoolBody::new(incoming, Some(check_in), permit.take())));
                }
                Err(mut failed) => match failed.take_message() {
                    // Nothing was written: a pooled connection closed while it sat in the
                    // pool. Try the next one (or a new connection); a new one is never
                    // retried.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(exchange_error(failed.into_error())),
                },
            }
        }
    }

    /// A new connection to `key`, or one that another request's connect, waited for, left
    /// to use; and whether it was taken from the pool.
    async fn connect(&self, slot: &Arc<Slot<B>>) -> Result<(Conn<B>, bool), TransportError> {
        let key = slot.key();
        let mut flight = None;
        if key.is_https() && slot.connects_one_at_a_time() {
            // The semaphore is never closed, so acquiring cannot fail.
            flight = slot.connecting.acquire().await.ok();
            if let Some(sender) = slot.shared_h2() {
                return Ok((Conn::H2(sender), true));
            }
            if let Some(sender) = slot.checkout_h1() {
                return Ok((Conn::H1(sender), true));
            }
            if !slot.connects_one_at_a_time() {
                // The host turned out to speak HTTP/1.1 (or failed): no reason to queue.
                flight = None;
            }
        }
        let fresh = self.connector.connect::<B>(key).await;
        let conn = match fresh {
            Ok(Fresh::H1(sender)) => {
                slot.learned(Proto::H1);
                Conn::H1(sender)
            }
            Ok(Fresh::H2(sender)) => {
                slot.share_h2(&sender);
                Conn::H2(sender)
            }
            Err(error) => {
                slot.learned(Proto::Failed);
                return Err(error);
            }
        };
        // Given back only now, so that the requests waiting find the shared connection.
        drop(flight);
        Ok((conn, false))
    }
}

/// Sends `request` over HTTP/2 on `sender`, the host's shared connection if `reused`.
async fn send_h2<B>(
    slot: &Slot<B>,
    mut sender: http2::SendRequest<B>,
    mut request: http::Request<B>,
    reused: bool,
) -> Result<Attempt<B>, TransportError>
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    to_absolute_form(slot.key(), &mut request);
    match sender.try_send_request(request).await {
        Ok(response) => Ok(Ok(
            response.map(|incoming| PoolBody::new(incoming, None, None))
        )),
        Err(mut failed) => {
            // Unshared, so that the next request connects anew instead of meeting the same
            // failing connection again.
            slot.forget_h2();
            match failed.take_message() {
                Some(unsent) if reused => Ok(Err(unsent)),
                _ => Err(exchange_error(failed.into_error())),
            }
        }
    }
}

/// What an HTTP/1.1 origin server expects: the path and query on the request line, the
/// authority in `Host`.
fn to_origin_form<B>(slot: &Slot<B>, request: &mut http::Request<B>) {
    if request.uri().scheme().is_some() {
        if !request.headers().contains_key(HOST) {
            if let Some(host) = slot.host_header() {
                request.headers_mut().insert(HOST, host.clone());
            }
        }
        // Moved rather than cloned out of the absolute URI; the scheme and authority are the
        // slot's, should the request come back unsent and go out on HTTP/2.
        let mut parts = std::mem::take(request.uri_mut()).into_parts();
        parts.scheme = None;
        parts.authority = None;
        if parts.path_and_query.is_none() {
            parts.path_and_query = Some(PathAndQuery::from_static("/"));
        }
        *request.uri_mut() = Uri::from_parts(parts).unwrap_or_default();
    }
    if request.version() != Version::HTTP_10 {
        *request.version_mut() = Version::HTTP_11;
    }
}

/// What HTTP/2 wants: the absolute URI, for `:scheme` and `:authority`. A request that went
/// out on HTTP/1 first (and came back unsent) has only its path left.
fn to_absolute_form<B>(key: &HostKey, request: &mut http::Request<B>) {
    if request.uri().scheme().is_none() {
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(key.scheme());
        parts.authority = Some(key.authority().clone());
        parts.path_and_query = request.uri().path_and_query().cloned();
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    *request.version_mut() = Version::HTTP_2;
}

fn not_absolute(uri: &Uri) -> TransportError {
    TransportError::new(
        TransportErrorKind::Connect,
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not an absolute http(s) URI: {uri}"),
        ),
    )
}

fn exchange_error(error: hyper::Error) -> TransportError {
    TransportError::new(exchange_error_kind(&error), error)
}
