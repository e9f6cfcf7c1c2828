//! [`Client`]: everything above one hop, shared by every backend.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, Method, StatusCode, Uri};
use tracing::Instrument;
use tracing::field::Empty;

use super::body::Body;
use super::deadline::{Deadlines, SharedDeadline};
use super::error::{HttpError, Kind};
use super::redact::is_sensitive;
use super::settings::HttpSettings;
use super::transport::{Transport, TransportError};
use super::{HttpClient, Request, Response};
use ferry_core::rt::Timer;

/// An HTTP client built from a backend's [`Transport`] and [`Timer`].
///
/// It does everything above a single exchange, the same way on every backend: the total
/// timeout (covering redirects and the body), following redirects (at most
/// [`max_redirects`](HttpSettings::max_redirects), only to `http`/`https`, `303` and a
/// `POST` answered by `301`/`302` become `GET`, credentials dropped when a redirect leaves the
/// origin), the body size limit, the default `User-Agent`, one `tracing` span per request,
/// and mapping failures to [`HttpError`]. Backends wrap it (`ferry_tokio::TokioHttpClient`).
///
/// Cloning is cheap and shares the transport's connection pool.
pub struct Client<T, Tm> {
    shared: Arc<Shared<T, Tm>>,
}

struct Shared<T, Tm> {
    transport: T,
    timer: Tm,
    settings: HttpSettings,
    deadlines: Deadlines,
}

impl<T, Tm> Clone for Client<T, Tm> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T: Transport, Tm: Timer> Client<T, Tm> {
    /// A client sending through `transport`, timing with `timer`, under `settings`.
    ///
    /// The transport is expected to apply the settings that concern the wire (connect
    /// timeout, pool, root certificates); the client applies the rest.
    pub fn new(transport: T, timer: Tm, settings: HttpSettings) -> Self {
        let deadlines = Deadlines::new(timer.now());
        Self {
            shared: Arc::new(Shared {
                transport,
                timer,
                settings,
                deadlines,
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &HttpSettings {
        &self.shared.settings
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.shared.transport
    }

    /// Sends `request`, following redirects, and resolves once the final response head has
    /// arrived; the body is read from the [`Response`].
    ///
    /// The same as [`HttpClient::send`], without boxing the future.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the request: its connection is closed (not returned to
    /// the pool) and nothing else is affected. The server may have received the request.
    pub fn execute(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response, HttpError>> + Send + '_ {
        // The setup is synchronous so that the returned future holds only what crosses an
        // await (the hop state, the deadline, the span): a small future is cheap to box and to
        // move, which matters at tens of thousands of requests per second.
        let shared = &*self.shared;
        let span = tracing::debug_span!(
            "http.request",
            method = %request.method,
            host = request.uri.host().unwrap_or(""),
            path = request.uri.path(),
            attempt = request.attempt,
            status = Empty,
            duration_ms = Empty,
        );
        // Reading the clock only when a subscriber wants the span keeps the common case lean.
        let started = (!span.is_disabled()).then(|| shared.timer.now());
        let timeout = request.timeout.unwrap_or(shared.settings.timeout());
        // One deadline for the whole request: it bounds every hop, then moves into the body.
        // Requests started in the same millisecond share its timer (see `deadline`).
        // `Duration::MAX` means no total timeout, and then no timer is registered at all.
        let deadline = (timeout != Duration::MAX).then(|| {
            shared
                .deadlines
                .after(&shared.timer, shared.timer.now(), timeout)
        });
        let hops = Hops::new(request, timeout);
        Execute {
            exchange: run_hops(shared, hops, deadline).instrument(span),
            started,
            timer: &shared.timer,
        }
    }
}

pin_project_lite::pin_project! {
    /// [`Client::execute`]'s future: the hops inside the request's span, then the outcome
    /// recorded on the span. A named future rather than an `async` block, so that the hops'
    /// future is stored once, not twice.
    struct Execute<'a, F, Tm> {
        #[pin]
        exchange: tracing::instrument::Instrumented<F>,
        started: Option<std::time::Instant>,
        timer: &'a Tm,
    }
}

impl<F, Tm> Future for Execute<'_, F, Tm>
where
    F: Future<Output = Result<Response, HttpError>>,
    Tm: Timer,
{
    type Output = Result<Response, HttpError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        // The outcome is looked at in place and handed on as it is: the response is large,
        // and taking it out of the `Poll` to put it back would copy it twice. A pending poll
        // returns a fresh `Pending`, so that only a ready one is copied at all.
        let poll = this.exchange.as_mut().poll(cx);
        let Poll::Ready(result) = &poll else {
            return Poll::Pending;
        };
        if let Some(started) = this.started.take() {
            record_outcome(this.exchange.span(), result, started, *this.timer);
        }
        poll
    }
}

fn record_outcome<Tm: Timer>(
    span: &tracing::Span,
    result: &Result<Response, HttpError>,
    started: std::time::Instant,
    timer: &Tm,
) {
    let elapsed = timer.now().saturating_duration_since(started);
    span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
    match result {
        Ok(response) => {
            span.record("status", response.status().as_u16());
        }
        Err(error) => {
            if let Some(status) = error.status() {
                span.record("status", status.as_u16());
            }
            // The error's Display has the redacted URL and no header values.
            span.in_scope(|| tracing::debug!(%error, "http request failed"));
        }
    }
}

/// Sends hop after hop until a final response, an error, or the deadline.
// clippy would turn this back into an `async fn`, which stores the arguments twice.
#[allow(clippy::manual_async_fn)]
fn run_hops<T: Transport, Tm: Timer>(
    shared: &Shared<T, Tm>,
    mut hops: Hops,
    mut deadline: Option<SharedDeadline>,
) -> impl Future<Output = Result<Response, HttpError>> + Send + '_ {
    // An `async` block rather than an `async fn`: its captures are its only copy of the
    // arguments. The work between hops is in plain functions, so that the future holds little
    // besides the transport's future and the hop state.
    async move {
        let settings = &shared.settings;
        loop {
            let send = shared.transport.send(hops.wire_request(settings));
            let sent = Race::new(send, deadline.as_mut()).await;
            if let Some(response) = hops.after_hop(sent, settings)? {
                let (parts, wire_body) = response.into_parts();
                let body = Body::wire(Box::pin(wire_body), deadline, settings.max_body_bytes());
                return Ok(Response::new(parts, hops.uri, body));
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The transport's answer to one hop, or `None` when the deadline passes first.
    struct Race<'a, F> {
        #[pin]
        send: F,
        deadline: Option<&'a mut SharedDeadline>,
    }
}

impl<'a, F> Race<'a, F> {
    fn new(send: F, deadline: Option<&'a mut SharedDeadline>) -> Self {
        Self { send, deadline }
    }
}

impl<F: Future> Future for Race<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.send.poll(cx) {
            return Poll::Ready(Some(output));
        }
        match this.deadline {
            Some(deadline) => Pin::new(&mut **deadline).poll(cx).map(|()| None),
            None => Poll::Pending,
        }
    }
}

/// Where a request is between hops: what the next hop sends.
struct Hops {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    timeout: Duration,
    redirects: usize,
}

impl Hops {
    fn new(request: Request, timeout: Duration) -> Self {
        Self {
            method: request.method,
            uri: request.uri,
            headers: request.headers,
            body: request.body,
            timeout,
            redirects: 0,
        }
    }

    /// The next request on the wire, with the default headers added.
    fn wire_request(&mut self, settings: &HttpSettings) -> http::Request<Bytes> {
        // Keep the logical headers for the next hop only when a redirect may need them;
        // cloning an empty map does not allocate.
        let mut headers = if settings.max_redirects() > 0 {
            self.headers.clone()
        } else {
            std::mem::take(&mut self.headers)
        };
        if let Some(user_agent) = settings.user_agent() {
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, user_agent.clone());
            }
        }
        let mut wire = http::Request::new(self.body.clone());
        *wire.method_mut() = self.method.clone();
        *wire.uri_mut() = self.uri.clone();
        *wire.headers_mut() = headers;
        wire
    }

    /// The final response, or `None` after moving on to the redirect target.
    fn after_hop<B>(
        &mut self,
        sent: Option<Result<http::Response<B>, TransportError>>,
        settings: &HttpSettings,
    ) -> Result<Option<http::Response<B>>, HttpError> {
        let response = match sent {
            Some(Ok(response)) => response,
            Some(Err(error)) => return Err(HttpError::from_transport(error, &self.uri)),
            None => {
                return Err(HttpError::new(Kind::Timeout)
                    .with_url(&self.uri)
                    .with_context(timeout_context(self.timeout)));
            }
        };
        let status = response.status();
        if settings.max_redirects() == 0 || !status.is_redirection() {
            return Ok(Some(response));
        }
        let Some(location) = response.headers().get(LOCATION) else {
            return Ok(Some(response));
        };
        let Some(next_method) = redirect_method(status, &self.method) else {
            return Ok(Some(response));
        };
        self.redirects += 1;
        if self.redirects > settings.max_redirects() {
            return Err(HttpError::new(Kind::Redirect)
                .with_url(&self.uri)
                .with_status(status)
                .with_context(format!("more than {} redirects", settings.max_redirects())));
        }
        let next = resolve_redirect(&self.uri, location.as_bytes())
            .map_err(|error| error.with_status(status))?;
        if next_method != self.method {
            self.method = next_method;
            self.body = Bytes::new();
            self.headers.remove(CONTENT_TYPE);
            self.headers.remove(CONTENT_LENGTH);
        }
        if !same_origin(&self.uri, &next) {
            remove_sensitive(&mut self.headers);
        }
        // The redirect's own body is not read; dropping it frees the hop.
        drop(response);
        self.uri = next;
        Ok(None)
    }
}

fn timeout_context(timeout: Duration) -> String {
    format!("no complete response within {timeout:?}")
}

/// The method for the next hop of a redirect with `status`, or `None` when `status` is not a
/// redirect to follow (304 Not Modified, 300 Multiple Choices).
fn redirect_method(status: StatusCode, method: &Method) -> Option<Method> {
    match status {
        StatusCode::SEE_OTHER if *method == Method::HEAD => Some(Method::HEAD),
        StatusCode::SEE_OTHER => Some(Method::GET),
        // What browsers (and the fetch standard) do for a POST answered by 301 or 302.
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if *method == Method::POST => {
            Some(Method::GET)
        }
        StatusCode::MOVED_PERMANENTLY
        | StatusCode::FOUND
        | StatusCode::TEMPORARY_REDIRECT
        | StatusCode::PERMANENT_REDIRECT => Some(method.clone()),
        _ => None,
    }
}

/// Resolves a `Location` against the current URL; only `http`/`https` targets are allowed.
fn resolve_redirect(current: &Uri, location: &[u8]) -> Result<Uri, HttpError> {
    let refuse = |context: String| {
        HttpError::new(Kind::Redirect)
            .with_url(current)
            .with_context(context)
    };
    let location = std::str::from_utf8(location)
        .map_err(|_| refuse("the Location header is not valid UTF-8".into()))?;
    let base = url::Url::parse(&current.to_string())
        .map_err(|error| refuse(format!("the current URL cannot be a base: {error}")))?;
    let next = base
        .join(location)
        .map_err(|error| refuse(format!("the Location header is not a valid URL: {error}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(refuse(format!(
            "refusing to follow a redirect to a {:?} URL",
            next.scheme()
        )));
    }
    next.as_str()
        .parse()
        .map_err(|error| refuse(format!("the redirect target is not a valid URI: {error}")))
}

fn same_origin(a: &Uri, b: &Uri) -> bool {
    a.scheme() == b.scheme()
        && a.host().map(str::to_ascii_lowercase) == b.host().map(str::to_ascii_lowercase)
        && a.port_u16() == b.port_u16()
}

/// Drops credentials before a redirect to another origin: they were meant for the first one.
fn remove_sensitive(headers: &mut HeaderMap) {
    let names: Vec<_> = headers
        .iter()
        .filter(|(name, value)| is_sensitive(name, value))
        .map(|(name, _)| name.clone())
        .collect();
    for name in names {
        headers.remove(name);
    }
}

impl<T: Transport, Tm: Timer + 'static> HttpClient for Client<T, Tm> {
    // Written out rather than through `#[async_trait]`, whose wrapper would add a second
    // state machine around `execute`'s: one box, one small future.
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Response, HttpError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.execute(request))
    }
}

impl<T, Tm> fmt::Debug for Client<T, Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_methods_follow_rfc_9110_and_fetch() {
        let post = Method::POST;
        assert_eq!(
            redirect_method(StatusCode::SEE_OTHER, &Method::PUT),
            Some(Method::GET)
        );
        assert_eq!(redirect_method(StatusCode::FOUND, &post), Some(Method::GET));
        assert_eq!(
            redirect_method(StatusCode::TEMPORARY_REDIRECT, &post),
            Some(Method::POST)
        );
        assert_eq!(
            redirect_method(StatusCode::PERMANENT_REDIRECT, &Method::PUT),
            Some(Method::PUT)
        );
        assert_eq!(
            redirect_method(StatusCode::NOT_MODIFIED, &Method::GET),
            None
        );
    }

    #[test]
    fn relative_locations_resolve_against_the_current_url() {
        let current: Uri = "http://h:8080/a/b?x=1".parse().unwrap();
        let resolve = |location: &str| resolve_redirect(&current, location.as_bytes());
        assert_eq!(resolve("/c").unwrap(), "http://h:8080/c");
        assert_eq!(resolve("c?y=2").unwrap(), "http://h:8080/a/c?y=2");
        assert_eq!(resolve("../d").unwrap(), "http://h:8080/d");
        assert_eq!(resolve("//other/e").unwrap(), "http://other/e");
        assert_eq!(resolve("https://s/f").unwrap(), "https://s/f");
        for bad in [
            "ftp://h/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://[::1",
        ] {
            assert!(resolve(bad).unwrap_err().is_redirect(), "{bad}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        assert!(same_origin(&uri("http://H/a"), &uri("http://h/b")));
        assert!(!same_origin(&uri("http://h/a"), &uri("https://h/a")));
        assert!(!same_origin(&uri("http://h:1/a"), &uri("http://h:2/a")));
        assert!(!same_origin(&uri("http://h/a"), &uri("http://evil/a")));
    }
}
