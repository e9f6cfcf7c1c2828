//! The response body: a stream of chunks under the client's size limit and deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::Uri;

use super::deadline::SharedDeadline;
use super::error::{HttpError, Kind};
use super::transport::TransportError;

pub(crate) type BoxWireBody =
    Pin<Box<dyn http_body::Body<Data = Bytes, Error = TransportError> + Send + Sync + 'static>>;

enum Source {
    /// A body that is already in memory (mock backends, empty bodies).
    Full(Option<Bytes>),
    /// A body still arriving from the transport.
    Wire(BoxWireBody),
}

/// A response body that enforces the byte limit and the request's deadline on every chunk.
pub(crate) struct Body {
    source: Source,
    /// Something to keep alive until the body ends (a concurrency permit of a layer).
    hold: Option<Box<dyn std::any::Any + Send + Sync>>,
    deadline: Option<SharedDeadline>,
    limit: u64,
    received: u64,
    finished: bool,
}

impl Body {
    pub(crate) fn full(bytes: Bytes) -> Self {
        Self {
            source: Source::Full(Some(bytes)),
            hold: None,
            deadline: None,
            limit: u64::MAX,
            received: 0,
            finished: false,
        }
    }

    /// A body that yields nothing more.
    pub(crate) fn finished() -> Self {
        Self {
            source: Source::Full(None),
            hold: None,
            deadline: None,
            limit: u64::MAX,
            received: 0,
            finished: true,
        }
    }

    pub(crate) fn wire(body: BoxWireBody, deadline: Option<SharedDeadline>, limit: u64) -> Self {
        Self {
            source: Source::Wire(body),
            hold: None,
            deadline,
            limit,
            received: 0,
            finished: false,
        }
    }

    /// Keeps `value` alive until the body has ended (read to its end, or failed) or is dropped.
    pub(crate) fn hold(&mut self, value: Box<dyn std::any::Any + Send + Sync>) {
        self.hold = Some(value);
    }

    /// The body's exact length when the transport knows it (hyper does from a
    /// `Content-Length` it has validated), without looking at the headers again.
    pub(crate) fn exact_length(&self) -> Option<u64> {
        match &self.source {
            Source::Full(bytes) => Some(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64)),
            Source::Wire(body) => body.size_hint().exact(),
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    fn too_large(&self, url: &Uri) -> HttpError {
        HttpError::new(Kind::BodyTooLarge)
            .with_url(url)
            .with_context(format!("the limit is {} bytes", self.limit))
    }

    /// Checks a `Content-Length` against the limit before any byte is read.
    pub(crate) fn check_length(&self, length: Option<u64>, url: &Uri) -> Result<(), HttpError> {
        match length {
            Some(length) if length > self.limit => Err(self.too_large(url)),
            _ => Ok(()),
        }
    }

    /// The next chunk of data, `None` at the end; after an error the body is finished.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
        url: &Uri,
    ) -> Poll<Option<Result<Bytes, HttpError>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let chunk = match &mut self.source {
            Source::Full(bytes) => bytes.take().map(Ok),
            Source::Wire(body) => loop {
                match body.as_mut().poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                        Ok(data) if data.is_empty() => continue,
                        Ok(data) => break Some(Ok(data)),
                        // Trailers carry no data; the body ends after them.
                        Err(_trailers) => continue,
                    },
                    Poll::Ready(Some(Err(error))) => {
                        break Some(Err(HttpError::from_body_transport(error, url)));
                    }
                    Poll::Ready(None) => break None,
                    Poll::Pending => {
                        if let Some(deadline) = &mut self.deadline {
                            ready!(Pin::new(deadline).poll(cx));
                            self.finished = true;
                            return Poll::Ready(Some(Err(HttpError::new(Kind::Timeout)
                                .with_url(url)
                                .with_context("while reading the response body"))));
                        }
                        return Poll::Pending;
                    }
                }
            },
        };
        let chunk = match chunk {
            Some(Ok(data)) => {
                self.received = self.received.saturating_add(data.len() as u64);
                if self.received > self.limit {
                    Some(Err(self.too_large(url)))
                } else {
                    Some(Ok(data))
                }
            }
            other => other,
        };
        if !matches!(chunk, Some(Ok(_))) {
            self.finished = true;
            // Dropping the wire body now releases the connection (or closes it) at once.
            self.source = Source::Full(None);
            self.deadline = None;
            self.hold = None;
        }
        Poll::Ready(chunk)
    }
}
