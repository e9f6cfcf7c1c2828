//! Transparent decompression of response bodies: `gzip`, `deflate`, `br` and `zstd`.
//!
//! # What the client does
//!
//! With decompression on (the default; [`HttpSettings::with_decompression`] for a client,
//! [`RequestBuilder::decompression`] for one request):
//!
//! - every request without an `Accept-Encoding` of its own (and without `Range`, whose byte
//!   ranges would be of the compressed form) is sent with
//!   `Accept-Encoding: gzip, deflate, br, zstd` (the codings this build decodes: each is a
//!   crate feature, all on by default; see [`ContentCoding::is_compiled_in`]);
//! - a response whose `Content-Encoding` names only codings of [`ContentCoding`] (and
//!   `identity`) is decoded as it streams, a bounded chunk at a time: the body is never
//!   held whole, however large or however well it compresses. Stacked codings
//!   (`Content-Encoding: gzip, br`) are undone in reverse order, up to three of them; more is
//!   an [`is_decompress`](super::HttpError::is_decompress) error when the body is read;
//! - the decoded response has no `Content-Length` and no `Content-Encoding`: they described
//!   the wire, not the bytes you read. What they said is kept in the [`WireEncoding`]
//!   extension, returned by [`Response::wire_encoding`];
//! - the body limit ([`HttpSettings::max_body_bytes`]) applies to the wire bytes and to the
//!   decoded bytes: a small body that inflates past it (a decompression bomb) fails with
//!   [`is_body_too_large`](super::HttpError::is_body_too_large), and
//!   [`body_limit`](super::HttpError::body_limit) says it was the
//!   [decoded](BodySide::Decoded) count. At most one chunk past the limit is ever decoded;
//! - a corrupt or cut compressed stream fails with
//!   [`is_decompress`](super::HttpError::is_decompress) (also [`is_body`](super::HttpError::is_body)),
//!   whose source is a [`DecompressError`] naming the coding; it never panics.
//!
//! What is passed on as it came, headers included: a `Content-Encoding` with a coding the
//! client does not decode (`compress`, `aes128gcm`, ...: decoding the layers around it would
//! hand over bytes still encoded), responses to `HEAD`, `1xx`, `204 No Content` and
//! `304 Not Modified` (they have no body), and every response when decompression is off. An
//! empty body with a `Content-Encoding` is an empty decoded body. A request that sets
//! `Accept-Encoding` itself still has its response decoded; turn decompression off for the
//! bytes as sent.
//!
//! ```
//! use ferry_http::{HttpClient, HttpClientExt, HttpError};
//!
//! async fn page(client: &impl HttpClient) -> Result<(String, Option<String>), HttpError> {
//!     let response = client.get("https://example.com/").send().await?;
//!     // What the server sent on the wire, e.g. "gzip"; `None` when nothing was decoded.
//!     let wire = response
//!         .wire_encoding()
//!         .map(|wire| wire.content_encoding().to_owned());
//!     Ok((response.text().await?, wire))
//! }
//!
//! async fn raw_bytes(client: &impl HttpClient) -> Result<bytes::Bytes, HttpError> {
//!     // The compressed bytes as they are, with the server's headers.
//!     client
//!         .get("https://example.com/archive.tar.gz")
//!         .decompression(false)
//!         .send()
//!         .await?
//!         .bytes()
//!         .await
//! }
//! ```
//!
//! [`HttpSettings::with_decompression`]: super::HttpSettings::with_decompression
//! [`HttpSettings::max_body_bytes`]: super::HttpSettings::max_body_bytes
//! [`RequestBuilder::decompression`]: super::RequestBuilder::decompression

mod coding;
mod error;
mod stream;

use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, RANGE};
use http::{HeaderMap, Method, StatusCode};

pub use coding::ContentCoding;
pub use error::{BodyLimitExceeded, BodySide, DecompressError};
pub(crate) use stream::Decoded;

use super::Response;
use super::body::Body;
use coding::Plan;

/// What a decoded response's `Content-Encoding` and `Content-Length` said on the wire, kept
/// in its extensions when the client decoded the body (see [`Response::wire_encoding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEncoding {
    content_encoding: String,
    codings: Vec<ContentCoding>,
    content_length: Option<u64>,
}

impl WireEncoding {
    /// The `Content-Encoding` as the server sent it (several header lines joined by `", "`).
    pub fn content_encoding(&self) -> &str {
        &self.content_encoding
    }

    /// The codings in the order the server applied them (the header's order).
    pub fn codings(&self) -> &[ContentCoding] {
        &self.codings
    }

    /// The `Content-Length` the server sent: the size on the wire, not the decoded size.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
}

impl Response {
    /// How the body was encoded on the wire, when the client decoded it; `None` when the body
    /// is read as it came (no `Content-Encoding`, an unknown coding, decompression off).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use ferry_http::Response;
    ///
    /// let response = Response::from_bytes(
    ///     http::Response::new(Bytes::from_static(b"plain")),
    ///     "http://example.com/".parse().unwrap(),
    /// );
    /// assert!(response.wire_encoding().is_none());
    /// ```
    pub fn wire_encoding(&self) -> Option<&WireEncoding> {
        self.extensions().get()
    }
}

/// Adds the default `Accept-Encoding` unless the request has one, or asks for a `Range`.
pub(crate) fn add_accept_encoding(headers: &mut HeaderMap) {
    let Some(value) = coding::accept_encoding() else {
        return;
    };
    if !headers.contains_key(ACCEPT_ENCODING) && !headers.contains_key(RANGE) {
        headers.insert(ACCEPT_ENCODING, value.clone());
    }
}

/// The body of a response to `method`, decoded when its `Content-Encoding` asks for it; the
/// headers then lose `Content-Encoding` and `Content-Length`, kept in a [`WireEncoding`].
pub(crate) fn decode_response(
    method: &Method,
    parts: &mut http::response::Parts,
    body: Body,
) -> Body {
    // Most responses have no Content-Encoding: one lookup and they are on their way.
    if !parts.headers.contains_key(CONTENT_ENCODING) || has_no_body(method, parts.status) {
        return body;
    }
    let codings = match coding::plan(&parts.headers) {
        Plan::PassThrough => return body,
        Plan::TooMany(count) => return Body::decoded(Decoded::too_many(count), body.limit()),
        Plan::Decode(codings) => codings,
    };
    let content_encoding = parts
        .headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let content_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    parts.headers.remove(CONTENT_ENCODING);
    parts.headers.remove(CONTENT_LENGTH);
    let mut applied = codings.clone();
    applied.reverse();
    parts.extensions.insert(WireEncoding {
        content_encoding,
        codings: applied,
        content_length,
    });
    let limit = body.limit();
    Body::decoded(Decoded::new(body, codings), limit)
}

fn has_no_body(method: &Method, status: StatusCode) -> bool {
    *method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}
