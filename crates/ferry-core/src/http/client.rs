//! [`Client`]: everything above one hop, shared by every backend.

use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, Method, StatusCode, Uri};
use tracing::Instrument;
use tracing::field::Empty;

use super::body::Body;
use super::error::{HttpError, Kind};
use super::redact::is_sensitive;
use super::settings::HttpSettings;
use super::transport::Transport;
use super::{HttpClient, Request, Response};
use crate::rt::{Timer, instant_after};

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
        Self {
            shared: Arc::new(Shared {
                transport,
                timer,
                settings,
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
    pub async fn execute(&self, request: Request) -> Result<Response, HttpError> {
        let span = tracing::debug_span!(
            "http.request",
            method = %request.method,
            host = request.uri.host().unwrap_or(""),
            path = request.uri.path(),
            attempt = request.attempt,
            status = Empty,
            duration_ms = Empty,
        );
        if span.is_disabled() {
            return self.execute_hops(request).await;
        }
        let started = self.shared.timer.now();
        let result = self.execute_hops(request).instrument(span.clone()).await;
        let elapsed = self.shared.timer.now().saturating_duration_since(started);
        span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
        match &result {
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
        result
    }

    async fn execute_hops(&self, request: Request) -> Result<Response, HttpError> {
        let settings = &self.shared.settings;
        let timer = &self.shared.timer;
        let timeout = request.timeout.unwrap_or(settings.timeout());
        // One timer for the whole request: it bounds every hop, then moves into the body.
        let mut deadline = timer.sleep_until(instant_after(timer.now(), timeout));
        let Request {
            mut method,
            mut uri,
            mut headers,
            mut body,
            ..
        } = request;
        let follow = settings.max_redirects() > 0;
        let mut redirects = 0;
        loop {
            // Keep the logical headers for the next hop only when a redirect may need them;
            // cloning an empty map does not allocate.
            let mut wire_headers = if follow {
                headers.clone()
            } else {
                std::mem::take(&mut headers)
            };
            if let Some(user_agent) = settings.user_agent() {
                if !wire_headers.contains_key(USER_AGENT) {
                    wire_headers.insert(USER_AGENT, user_agent.clone());
                }
            }
            let mut wire = http::Request::new(body.clone());
            *wire.method_mut() = method.clone();
            *wire.uri_mut() = uri.clone();
            *wire.headers_mut() = wire_headers;

            let response = {
                let send = pin!(self.shared.transport.send(wire));
                match select(send, &mut deadline).await {
                    Either::Left((result, _)) => {
                        result.map_err(|error| HttpError::from_transport(error, &uri))?
                    }
                    Either::Right(((), _)) => {
                        return Err(HttpError::new(Kind::Timeout)
                            .with_url(&uri)
                            .with_context(timeout_context(timeout)));
                    }
                }
            };

            let status = response.status();
            if follow && status.is_redirection() {
                if let Some(location) = response.headers().get(LOCATION) {
                    redirects += 1;
                    if redirects > settings.max_redirects() {
                        return Err(HttpError::new(Kind::Redirect)
                            .with_url(&uri)
                            .with_status(status)
                            .with_context(format!(
                                "more than {} redirects",
                                settings.max_redirects()
                            )));
                    }
                    let next = resolve_redirect(&uri, location.as_bytes())
                        .map_err(|error| error.with_status(status))?;
                    if let Some(next_method) = redirect_method(status, &method) {
                        if next_method != method {
                            method = next_method;
                            body = bytes::Bytes::new();
                            headers.remove(CONTENT_TYPE);
                            headers.remove(CONTENT_LENGTH);
                        }
                        if !same_origin(&uri, &next) {
                            remove_sensitive(&mut headers);
                        }
                        // The redirect's own body is not read; dropping it frees the hop.
                        drop(response);
                        uri = next;
                        continue;
                    }
                }
            }

            let (parts, wire_body) = response.into_parts();
            let body = Body::wire(Box::pin(wire_body), deadline, settings.max_body_bytes());
            return Ok(Response::new(parts, uri, body));
        }
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

#[async_trait::async_trait]
impl<T: Transport, Tm: Timer + 'static> HttpClient for Client<T, Tm> {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        self.execute(request).await
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
