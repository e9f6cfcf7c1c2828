//! [`Request`] and its [`RequestBuilder`].

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::uri::{PathAndQuery, Scheme};
use http::{HeaderMap, Method, Uri};
use serde::Serialize;

use super::error::{HttpError, Kind};
use super::redact::{RedactedHeaders, RedactedUri, is_sensitive_name};
use super::{HttpClient, Response};

/// One HTTP request: method, absolute `http`/`https` URL, headers, body and options.
///
/// Built with [`Request::builder`] (or [`HttpClientExt::get`](super::HttpClientExt::get) and
/// friends), which check the URL and headers so a `Request` is always valid to send. Its
/// `Debug` output hides sensitive header values and secrets in the URL.
///
/// ```
/// use ferry_http::Request;
/// use http::Method;
///
/// let request = Request::builder(Method::GET, "https://api.example.com/items")
///     .query([("page", "2"), ("q", "a b")])
///     .bearer_auth("s3cret")
///     .build()
///     .unwrap();
/// assert_eq!(request.uri(), "https://api.example.com/items?page=2&q=a+b");
/// assert!(!format!("{request:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt: u32,
}

impl Request {
    /// Starts a request with `method` to `url`; problems are reported by
    /// [`build`](RequestBuilder::build) or `send`.
    pub fn builder(method: Method, url: impl IntoUrl) -> RequestBuilder<()> {
        RequestBuilder::new((), method, url)
    }

    /// Starts a `GET` request to `url`.
    pub fn get(url: impl IntoUrl) -> RequestBuilder<()> {
        Self::builder(Method::GET, url)
    }

    /// Starts a `POST` request to `url`.
    pub fn post(url: impl IntoUrl) -> RequestBuilder<()> {
        Self::builder(Method::POST, url)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The absolute URL.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers (without the defaults the client adds, such as `User-Agent`).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body; empty for none.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// This request's own total timeout, replacing the client's when set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Which attempt this is (1 for the first), as recorded in the tracing span; retry layers
    /// set it.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Sets the attempt number recorded in the tracing span.
    pub fn set_attempt(&mut self, attempt: u32) {
        self.attempt = attempt;
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("uri", &RedactedUri(&self.uri))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// A URL a request can be sent to: a string (parsed) or an [`http::Uri`] (checked, not
/// parsed again). Either way it must be an absolute `http` or `https` URL with a host, or
/// the request fails with [`is_invalid_url`](HttpError::is_invalid_url).
///
/// Sealed: implemented for `&str`, `String`, `&String`, `Uri` and `&Uri`.
pub trait IntoUrl: sealed::Sealed {
    /// The checked URI.
    #[doc(hidden)]
    fn into_url(self) -> Result<Uri, HttpError>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for http::Uri {}
    impl Sealed for &http::Uri {}
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Uri, HttpError> {
        let invalid = || HttpError::new(Kind::InvalidUrl).with_url_str(self);
        let uri: Uri = self.parse().map_err(|error| invalid().with_source(error))?;
        match url_problem(&uri) {
            None => Ok(uri),
            Some(problem) => Err(invalid().with_context(problem)),
        }
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Uri, HttpError> {
        self.as_str().into_url()
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Uri, HttpError> {
        self.as_str().into_url()
    }
}

impl IntoUrl for Uri {
    fn into_url(self) -> Result<Uri, HttpError> {
        match url_problem(&self) {
            None => Ok(self),
            Some(problem) => Err(HttpError::new(Kind::InvalidUrl)
                .with_url(&self)
                .with_context(problem)),
        }
    }
}

impl IntoUrl for &Uri {
    fn into_url(self) -> Result<Uri, HttpError> {
        self.clone().into_url()
    }
}

/// What makes `uri` unusable as a request URL, if anything: it must be an absolute `http` or
/// `https` URL with a host.
fn url_problem(uri: &Uri) -> Option<String> {
    let Some(scheme) = uri.scheme() else {
        return Some("the URL has no scheme; use http:// or https://".into());
    };
    if *scheme != Scheme::HTTP && *scheme != Scheme::HTTPS {
        return Some(format!(
            "unsupported scheme {:?}; only http and https are allowed",
            scheme.as_str()
        ));
    }
    if !has_host(uri) {
        return Some("the URL has no host".into());
    }
    None
}

/// Whether `uri` has a non-empty host: `uri.host().is_some_and(|host| !host.is_empty())`,
/// without `Uri::host`'s string splitting, which is a noticeable part of a small request.
fn has_host(uri: &Uri) -> bool {
    let Some(authority) = uri.authority() else {
        return false;
    };
    let authority = authority.as_str().as_bytes();
    // The host follows the last `@` (user info) and ends at `:` (the port); an IPv6 host
    // starts with `[`, so a `:` right after the user info means an empty host.
    let host_start = authority
        .iter()
        .rposition(|&byte| byte == b'@')
        .map_or(0, |at| at + 1);
    authority.get(host_start).is_some_and(|&byte| byte != b':')
}

/// Builds a [`Request`], and sends it when it was made from a client.
///
/// `C` is `()` for a builder from [`Request::builder`] (finish with
/// [`build`](Self::build)) and `&client` for one from
/// [`HttpClientExt`](super::HttpClientExt) (finish with [`send`](Self::send)).
///
/// The first invalid input (URL, header name or value, JSON body) is kept and returned by
/// `build`/`send`; nothing is sent and nothing panics.
#[must_use = "a RequestBuilder does nothing until built or sent"]
pub struct RequestBuilder<C> {
    client: C,
    request: Result<Request, HttpError>,
}

impl<C> RequestBuilder<C> {
    pub(crate) fn new(client: C, method: Method, url: impl IntoUrl) -> Self {
        let request = url.into_url().map(|uri| Request {
            method,
            uri,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: None,
            attempt: 1,
        });
        Self { client, request }
    }

    fn and_then(mut self, f: impl FnOnce(&mut Request) -> Result<(), HttpError>) -> Self {
        if let Ok(request) = &mut self.request {
            if let Err(error) = f(request) {
                self.request = Err(error);
            }
        }
        self
    }

    fn add_header<K, V>(self, name: K, value: V, sensitive: bool) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.and_then(|request| {
            let invalid = |context: String, error: http::Error| {
                HttpError::new(Kind::InvalidHeader)
                    .with_url(&request.uri)
                    .with_context(context)
                    .with_source(error)
            };
            let name: HeaderName = name
                .try_into()
                .map_err(|error| invalid("invalid header name".into(), error.into()))?;
            // The value is never put in the error: it may be a credential.
            let mut value: HeaderValue = value.try_into().map_err(|error| {
                invalid(format!("invalid value for header {name}"), error.into())
            })?;
            if sensitive || is_sensitive_name(&name) {
                value.set_sensitive(true);
            }
            request.headers.append(name, value);
            Ok(())
        })
    }

    /// Adds a header. `Authorization`, `Cookie` and `Proxy-Authorization` are marked sensitive
    /// automatically.
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.add_header(name, value, false)
    }

    /// Adds a header whose value is a secret (an API key): marked with
    /// [`HeaderValue::set_sensitive`], so it never appears in `Debug` output, errors or logs,
    /// and it is dropped when a redirect leaves the origin.
    pub fn sensitive_header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.add_header(name, value, true)
    }

    /// Adds every header of `headers`, keeping their sensitive marks.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.and_then(|request| {
            for (name, value) in &headers {
                let mut value = value.clone();
                if is_sensitive_name(name) {
                    value.set_sensitive(true);
                }
                request.headers.append(name.clone(), value);
            }
            Ok(())
        })
    }

    /// Sets `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer_auth(self, token: impl fmt::Display) -> Self {
        self.add_header(http::header::AUTHORIZATION, format!("Bearer {token}"), true)
    }

    /// Appends query parameters, form-encoded, after any the URL already has.
    pub fn query<I, K, V>(self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.and_then(|request| {
            let mut parts = std::mem::take(&mut request.uri).into_parts();
            let (path, existing) = match &parts.path_and_query {
                Some(pq) => (pq.path().to_owned(), pq.query().map(str::to_owned)),
                None => ("/".to_owned(), None),
            };
            let mut encoded = form_urlencoded::Serializer::new(String::new());
            encoded.extend_pairs(pairs);
            let added = encoded.finish();
            let query = match existing {
                Some(existing) if !existing.is_empty() && !added.is_empty() => {
                    format!("{existing}&{added}")
                }
                Some(existing) if added.is_empty() => existing,
                _ => added,
            };
            let pq = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            parts.path_and_query = Some(
                PathAndQuery::try_from(pq)
                    .map_err(|error| HttpError::new(Kind::InvalidUrl).with_source(error))?,
            );
            request.uri = Uri::from_parts(parts)
                .map_err(|error| HttpError::new(Kind::InvalidUrl).with_source(error))?;
            Ok(())
        })
    }

    /// Sets the body.
    pub fn body(self, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.and_then(|request| {
            request.body = body;
            Ok(())
        })
    }

    /// Sets the body to `value` as JSON and `Content-Type: application/json` unless a content
    /// type is set already. A value that fails to serialize is an
    /// [`is_invalid_body`](HttpError::is_invalid_body) error.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.and_then(|request| {
            let body = serde_json::to_vec(value).map_err(|error| {
                HttpError::new(Kind::InvalidBody)
                    .with_url(&request.uri)
                    .with_context(format!(
                        "could not serialize {} as JSON",
                        std::any::type_name::<T>()
                    ))
                    .with_source(error)
            })?;
            request.body = body.into();
            if !request.headers.contains_key(CONTENT_TYPE) {
                request
                    .headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Ok(())
        })
    }

    /// Sets this request's total timeout, replacing the client's.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.and_then(|request| {
            request.timeout = Some(timeout);
            Ok(())
        })
    }

    /// Sets the attempt number recorded in the tracing span (retry layers use it).
    pub fn attempt(self, attempt: u32) -> Self {
        self.and_then(|request| {
            request.attempt = attempt;
            Ok(())
        })
    }

    /// The request, or the first invalid input.
    pub fn build(self) -> Result<Request, HttpError> {
        self.request
    }
}

impl<'a, C: HttpClient + ?Sized> RequestBuilder<&'a C> {
    /// Builds the request and sends it with the client it came from.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the request, as described on [`HttpClient::send`].
    pub fn send(self) -> impl Future<Output = Result<Response, HttpError>> + Send + 'a {
        // Not an `async fn`: the future is the client's own box (or a boxed ready error, the
        // rare case), so the builder is not carried inside it, and the caller's future holds
        // one pointer rather than room for a whole response.
        match self.request {
            Ok(request) => self.client.send(request),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl<C> fmt::Debug for RequestBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("request", &self.request)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_host_agrees_with_uri_host() {
        for uri in [
            "http://h/",
            "http://h:80/",
            "http://:80/",
            "http://u@h/",
            "http://u:p@h:1/",
            "http://u@:1/",
            "http://[::1]:8080/",
            "/relative",
        ] {
            let uri: Uri = uri.parse().unwrap();
            let expected = uri.host().is_some_and(|host| !host.is_empty());
            assert_eq!(has_host(&uri), expected, "{uri}");
        }
    }

    #[test]
    fn only_absolute_http_and_https_urls_are_accepted() {
        for url in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "example.com/path",
            "/relative",
            "http://",
            "",
            "http://exa mple.com/",
            "javascript:alert(1)",
            "http://[::1",
        ] {
            let error = Request::get(url).build().unwrap_err();
            assert!(error.is_invalid_url(), "{url:?} gave {error:?}");
        }
        for url in [
            "http://127.0.0.1:8080/a?b=c",
            "https://example.com",
            "HTTP://example.com/",
        ] {
            assert!(Request::get(url).build().is_ok(), "{url:?}");
        }
    }

    #[test]
    fn query_pairs_are_encoded_and_appended() {
        let request = Request::get("http://h/p?x=1")
            .query([("q", "a&b=c"), ("emoji", "é")])
            .query([("n", "2")])
            .build()
            .unwrap();
        assert_eq!(request.uri(), "http://h/p?x=1&q=a%26b%3Dc&emoji=%C3%A9&n=2");
        let bare = Request::get("http://h")
            .query([("a", "1")])
            .build()
            .unwrap();
        assert_eq!(bare.uri(), "http://h/?a=1");
    }

    #[test]
    fn invalid_header_names_and_values_are_typed_errors_without_the_value() {
        let error = Request::get("http://h/")
            .header("bad name", "v")
            .build()
            .unwrap_err();
        assert!(error.is_invalid_header());
        let error = Request::get("http://h/")
            .header("x-token", "line\nbreak-secret")
            .build()
            .unwrap_err();
        assert!(error.is_invalid_header());
        assert!(error.to_string().contains("x-token"));
        assert!(!error.to_string().contains("secret"));
        assert!(!format!("{error:?}").contains("break-secret"));
    }

    #[test]
    fn first_error_wins_and_later_steps_are_skipped() {
        let error = Request::get("gopher://h/")
            .header("bad name", "v")
            .build()
            .unwrap_err();
        assert!(error.is_invalid_url());
    }

    #[test]
    fn credentials_are_marked_sensitive_and_hidden_from_debug() {
        let request = Request::get("http://h/")
            .header("authorization", "Basic dXNlcjpwYXNz")
            .header("cookie", "session=cookie-secret")
            .sensitive_header("x-api-key", "key-secret")
            .header("accept", "application/json")
            .build()
            .unwrap();
        assert!(request.headers()["authorization"].is_sensitive());
        assert!(request.headers()["x-api-key"].is_sensitive());
        assert!(!request.headers()["accept"].is_sensitive());
        let shown = format!("{request:?}");
        for secret in ["dXNlcjpwYXNz", "cookie-secret", "key-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("application/json"));
    }

    #[test]
    fn json_body_sets_content_type_unless_given() {
        let request = Request::post("http://h/")
            .json(&serde_json::json!({"a": 1}))
            .build()
            .unwrap();
        assert_eq!(request.body().as_ref(), br#"{"a":1}"#);
        assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
        let custom = Request::post("http://h/")
            .header(CONTENT_TYPE, "application/vnd.x+json")
            .json(&[1, 2])
            .build()
            .unwrap();
        assert_eq!(custom.headers()[CONTENT_TYPE], "application/vnd.x+json");
    }

    #[test]
    fn unserializable_json_is_an_invalid_body_error() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "tuple keys are not JSON object keys");
        let error = Request::post("http://h/").json(&map).build().unwrap_err();
        assert!(error.is_invalid_body(), "{error:?}");
    }
}
