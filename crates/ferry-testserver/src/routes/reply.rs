//! [`Reply`]: what a route answers, as plain data that any transport can send.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};

/// How a reply's body is produced.
///
/// The route logic only describes the body; the transport (the hyper glue of
/// [`TestServer`](crate::TestServer), or the virtual-time mock backend) decides how to wait and
/// write. Bytes that are "pattern" bytes come from [`pattern_byte`](super::pattern_byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyBody {
    /// The whole body at once.
    Full(Bytes),
    /// Wait `delay` before sending anything (head included), then send `body` at once.
    Delayed {
        /// How long to wait before the response head.
        delay: Duration,
        /// The body sent after the wait.
        body: Bytes,
    },
    /// Send the head at once, then `count` copies of `chunk`, waiting `interval` before each
    /// one (so the whole body takes `count × interval`). No Content-Length is declared.
    Chunks {
        /// The wait before each chunk.
        interval: Duration,
        /// How many chunks are sent.
        count: u64,
        /// The bytes of one chunk.
        chunk: Bytes,
    },
    /// Exactly `len` pattern bytes (offsets `0..len`), streamed in pieces. The route puts the
    /// matching Content-Length in the headers.
    Pattern {
        /// The number of bytes.
        len: u64,
    },
    /// The headers declare Content-Length `declared_len`, only `sent_len` pattern bytes are sent,
    /// then the connection is closed (HTTP/1.1) or the stream reset (HTTP/2).
    Truncated {
        /// The Content-Length the headers announce.
        declared_len: u64,
        /// The number of bytes actually sent before closing.
        sent_len: u64,
    },
    /// Pattern bytes forever, until the client goes away.
    Endless,
    /// `head`, then `count` copies of `unit`, then `tail`: a long body (a compressed stream
    /// of gigabytes) held as one unit. The route puts the total Content-Length in the headers.
    Repeated {
        /// The bytes before the first unit.
        head: Bytes,
        /// The bytes repeated.
        unit: Bytes,
        /// How many times `unit` is sent.
        count: u64,
        /// The bytes after the last unit.
        tail: Bytes,
    },
    /// Never answer: no head, no body. The request is held until the client or the server goes
    /// away.
    Stall,
}

/// A route's answer: status, headers and a [`ReplyBody`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The response status.
    pub status: StatusCode,
    /// The response headers (Content-Length only where the route must control it).
    pub headers: HeaderMap,
    /// How the body is produced.
    pub body: ReplyBody,
}

impl Reply {
    /// A reply with `status`, no headers and the given body.
    pub fn new(status: StatusCode, body: ReplyBody) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body,
        }
    }

    /// A reply with a compact JSON body and `Content-Type: application/json`.
    pub fn json(status: StatusCode, json: impl Into<Bytes>) -> Reply {
        Reply::new(status, ReplyBody::Full(json.into()))
            .with_header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
    }

    /// A JSON error reply: `{"error":"<message>"}` with `status`.
    pub fn error(status: StatusCode, message: &str) -> Reply {
        Reply::json(status, serde_json::json!({ "error": message }).to_string())
    }

    /// The same reply with one more header (replacing any value of that name).
    pub fn with_header(mut self, name: http::header::HeaderName, value: HeaderValue) -> Reply {
        self.headers.insert(name, value);
        self
    }

    /// The body bytes when the body is [`ReplyBody::Full`] or [`ReplyBody::Delayed`], else
    /// `None`. Handy for tests of the route logic.
    pub fn full_body(&self) -> Option<&Bytes> {
        match &self.body {
            ReplyBody::Full(bytes) | ReplyBody::Delayed { body: bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// Why the routes refuse a request; it is answered 400 `{"error":"<message>"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad request: {message}")]
pub(crate) struct BadRequest {
    message: String,
}

impl BadRequest {
    pub(crate) fn new(message: impl Into<String>) -> BadRequest {
        BadRequest {
            message: message.into(),
        }
    }
}

impl From<BadRequest> for Reply {
    fn from(bad: BadRequest) -> Reply {
        Reply::error(StatusCode::BAD_REQUEST, &bad.message)
    }
}
