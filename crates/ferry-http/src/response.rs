//! [`Response`] and its body as a [`BodyStream`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::future::poll_fn;
use http::header::{CONTENT_LENGTH, RETRY_AFTER};
use http::{HeaderMap, StatusCode, Uri, Version};
use serde::de::DeserializeOwned;

use super::body::Body;
use super::error::{HttpError, Kind};
use super::redact::{RedactedHeaders, RedactedUri};
use super::retry_after::RetryAfter;

/// The response to a [`Request`](super::Request): status, headers, final URL, and a body that
/// is read once, whole ([`bytes`](Self::bytes), [`text`](Self::text), [`json`](Self::json)) or
/// as a stream ([`bytes_stream`](Self::bytes_stream)).
///
/// The body is read under the client's size limit and within the request's total timeout;
/// past either, reading fails with a typed [`HttpError`]. Dropping a response with an unread
/// body closes its connection instead of returning it to the pool.
///
/// `Debug` output hides `Set-Cookie` and other sensitive header values.
///
/// ```
/// use bytes::Bytes;
/// use ferry_http::Response;
///
/// # futures::executor::block_on(async {
/// let response = Response::from_bytes(
///     http::Response::new(Bytes::from_static(br#"{"id": 7}"#)),
///     "http://example.com/items/7".parse().unwrap(),
/// );
/// let item: serde_json::Value = response.error_for_status()?.json().await?;
/// assert_eq!(item["id"], 7);
/// # Ok::<(), ferry_http::HttpError>(())
/// # }).unwrap();
/// ```
pub struct Response {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    url: Uri,
    extensions: http::Extensions,
    body: Body,
}

impl Response {
    pub(crate) fn new(parts: http::response::Parts, url: Uri, body: Body) -> Self {
        Self {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            url,
            extensions: parts.extensions,
            body,
        }
    }

    /// A response whose body is already in memory, for mock clients and tests; `url` is
    /// what [`url`](Self::url) reports. No body limit applies.
    pub fn from_bytes(response: http::Response<Bytes>, url: Uri) -> Self {
        let (parts, body) = response.into_parts();
        Self::new(parts, url, Body::full(body))
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP version the server answered with.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL that answered, after redirects.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Typed values attached to the response by the client or a layer, such as the
    /// [`Attempts`](super::Attempts) a [`ResilientClient`](super::ResilientClient) made.
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// The extensions, to attach values to.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }

    /// Keeps `value` alive until the body has been read to its end, has failed, or is dropped
    /// (with the response or its [`BodyStream`]), whichever comes first: how a layer holds a
    /// concurrency permit for as long as the response is in use, body included.
    pub fn hold_until_body_done(&mut self, value: impl Send + Sync + 'static) {
        self.body.hold(Box::new(value));
    }

    /// The body size the server announced in `Content-Length`, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The `Retry-After` header, when present and valid (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<RetryAfter> {
        RetryAfter::parse(self.headers.get(RETRY_AFTER)?)
    }

    fn status_error(&self) -> Option<HttpError> {
        (self.status.is_client_error() || self.status.is_server_error()).then(|| {
            HttpError::new(Kind::Status)
                .with_url(&self.url)
                .with_status(self.status)
                .with_retry_after(self.retry_after())
        })
    }

    /// The response itself for 1xx-3xx, or an [`is_status`](HttpError::is_status) error with
    /// the status, URL and `Retry-After` for 4xx and 5xx. The body of a failed response is
    /// dropped unread.
    pub fn error_for_status(self) -> Result<Self, HttpError> {
        match self.status_error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    /// Like [`error_for_status`](Self::error_for_status), keeping the response.
    pub fn error_for_status_ref(&self) -> Result<&Self, HttpError> {
        match self.status_error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    /// The whole body, under the size limit.
    ///
    /// A body announced (`Content-Length`) or found larger than the limit fails with
    /// [`is_body_too_large`](HttpError::is_body_too_large) without reading past the limit; a
    /// connection that breaks part way fails with [`is_body`](HttpError::is_body); the total
    /// timeout fails with [`is_timeout`](HttpError::is_timeout).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the response and its connection; the bytes read so far are
    /// lost.
    pub fn bytes(self) -> impl Future<Output = Result<Bytes, HttpError>> + Send {
        // Not an `async fn`: the future holds the reader once, without the headers.
        let mut reader = self.into_reader();
        async move { reader.collect().await }
    }

    /// The whole body as UTF-8 text; a body that is not valid UTF-8 fails with
    /// [`is_decode`](HttpError::is_decode). The `charset` of `Content-Type` is not consulted.
    ///
    /// # Cancel safety
    ///
    /// As for [`bytes`](Self::bytes).
    pub fn text(self) -> impl Future<Output = Result<String, HttpError>> + Send {
        let mut reader = self.into_reader();
        async move {
            let bytes = reader.collect().await?;
            String::from_utf8(bytes.into()).map_err(|error| {
                let at = error.utf8_error().valid_up_to();
                HttpError::new(Kind::Decode)
                    .with_url(&reader.url)
                    .with_context(format!("the body is not valid UTF-8 (at byte {at})"))
                    .with_source(error.utf8_error())
            })
        }
    }

    /// The whole body parsed as JSON into `T`; invalid JSON, or JSON of another shape, fails
    /// with [`is_decode`](HttpError::is_decode), naming the type and the line and column.
    ///
    /// # Cancel safety
    ///
    /// As for [`bytes`](Self::bytes).
    pub fn json<T: DeserializeOwned>(self) -> impl Future<Output = Result<T, HttpError>> + Send {
        let mut reader = self.into_reader();
        async move {
            let bytes = reader.collect().await?;
            serde_json::from_slice(&bytes).map_err(|error| {
                HttpError::new(Kind::Decode)
                    .with_url(&reader.url)
                    .with_context(format!(
                        "the body is not valid JSON for {} (line {}, column {})",
                        std::any::type_name::<T>(),
                        error.line(),
                        error.column()
                    ))
                    .with_source(error)
            })
        }
    }

    /// The body's length as announced: the transport's exact size hint when it has one (the
    /// cheap common case), otherwise the `Content-Length` header.
    fn announced_length(&self) -> Option<u64> {
        self.body.exact_length().or_else(|| self.content_length())
    }

    fn into_reader(self) -> BodyReader {
        let length = self.announced_length();
        let error = self.body.check_length(length, &self.url).err();
        BodyReader {
            url: self.url,
            body: self.body,
            length,
            error,
        }
    }

    /// The body as a stream of chunks, for downloads too large to hold in memory. The size
    /// limit and the total timeout still apply; the stream ends after its first error.
    pub fn bytes_stream(self) -> BodyStream {
        let error = self
            .body
            .check_length(self.announced_length(), &self.url)
            .err();
        BodyStream {
            url: self.url,
            body: self.body,
            error,
        }
    }
}

/// What reading a whole body needs, without the rest of the response.
struct BodyReader {
    url: Uri,
    body: Body,
    length: Option<u64>,
    error: Option<HttpError>,
}

impl BodyReader {
    async fn collect(&mut self) -> Result<Bytes, HttpError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let Self { url, body, .. } = self;
        let first = match poll_fn(|cx| body.poll_chunk(cx, url)).await {
            None => return Ok(Bytes::new()),
            Some(chunk) => chunk?,
        };
        // A body that arrives in one chunk is returned as it is, without a copy.
        let Some(second) = poll_fn(|cx| body.poll_chunk(cx, url)).await else {
            return Ok(first);
        };
        let second = second?;
        let capacity = self
            .length
            .unwrap_or(0)
            .min(body.limit())
            .max((first.len() + second.len()) as u64);
        // The limit bounds the allocation: a lying Content-Length cannot reserve more.
        let mut buffer = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
        buffer.extend_from_slice(&first);
        buffer.extend_from_slice(&second);
        while let Some(chunk) = poll_fn(|cx| body.poll_chunk(cx, url)).await {
            buffer.extend_from_slice(&chunk?);
        }
        Ok(buffer.freeze())
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("version", &self.version)
            .field("url", &RedactedUri(&self.url))
            .field("headers", &RedactedHeaders(&self.headers))
            .finish_non_exhaustive()
    }
}

/// A response body as a [`Stream`] of [`Bytes`] chunks; from [`Response::bytes_stream`].
///
/// # Cancel safety
///
/// Dropping the stream closes the response's connection; nothing else is affected.
pub struct BodyStream {
    url: Uri,
    body: Body,
    error: Option<HttpError>,
}

impl Stream for BodyStream {
    type Item = Result<Bytes, HttpError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(error) = this.error.take() {
            this.body = Body::finished();
            return Poll::Ready(Some(Err(error)));
        }
        this.body.poll_chunk(cx, &this.url)
    }
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("url", &RedactedUri(&self.url))
            .finish_non_exhaustive()
    }
}
