//! [`RecordedRequest`]: what the scripted client saw go out, for a test to assert on.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, Uri};

/// One request as it went out on the (scripted) wire: one per hop, so a followed redirect
/// records two.
///
/// Header values that are credentials (`Authorization`, `Cookie`, `Proxy-Authorization`, and
/// values marked sensitive) are replaced by `[redacted]`, so that a recorded request can be
/// printed in a failing test without leaking them; assert on their presence with
/// [`has_header`](Self::has_header).
#[derive(Clone)]
pub struct RecordedRequest {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) sent_at: Duration,
    pub(crate) attempt: u32,
    pub(crate) route: Option<std::sync::Arc<str>>,
}

/// The value that stands in for a credential.
const REDACTED: &str = "[redacted]";

impl RecordedRequest {
    pub(crate) fn new(
        method: Method,
        uri: Uri,
        headers: &HeaderMap,
        body: Bytes,
        sent_at: Duration,
        attempt: u32,
    ) -> Self {
        let mut redacted = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let secret = value.is_sensitive()
                || name == AUTHORIZATION
                || name == COOKIE
                || name == SET_COOKIE
                || name == PROXY_AUTHORIZATION;
            let value = if secret {
                HeaderValue::from_static(REDACTED)
            } else {
                value.clone()
            };
            redacted.append(name.clone(), value);
        }
        RecordedRequest {
            method,
            uri,
            headers: redacted,
            body,
            sent_at,
            attempt,
            route: None,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The absolute URL, as sent.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The path of the URL.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The headers, credentials redacted.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether a header of this name was sent (credentials included).
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body's size in bytes.
    pub fn body_len(&self) -> usize {
        self.body.len()
    }

    /// Virtual time since the runtime's zero when the request went out.
    pub fn sent_at(&self) -> Duration {
        self.sent_at
    }

    /// The request's [attempt number](ferry_http::Request::attempt) (1 unless a retry
    /// layer set it).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The route that answered (`"GET /items/{id}"`), or `None` when none matched (the
    /// fallback handler answered, or the request failed as unmatched).
    pub fn route(&self) -> Option<&str> {
        self.route.as_deref()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.uri.path())
            .field("sent_at", &self.sent_at)
            .field("attempt", &self.attempt)
            .field("body_len", &self.body.len())
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}
