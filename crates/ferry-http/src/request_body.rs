//! Request bodies: bytes in memory (sent again freely), a stream made afresh per attempt by a
//! factory, or a one-shot stream; and [`OutgoingBody`], what a [`Transport`](super::Transport)
//! sends.

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};

/// The error type a body stream may fail with, boxed.
pub type BoxBodyError = Box<dyn StdError + Send + Sync + 'static>;

pub(crate) type BoxByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxBodyError>> + Send>>;

type Factory = Arc<dyn Fn() -> BoxByteStream + Send + Sync>;

/// The body of a [`Request`](super::Request): bytes in memory, or a stream of chunks.
///
/// | made with | replayable | memory |
/// |---|---|---|
/// | [`from_bytes`](Self::from_bytes) (and `From<Bytes>`, `Vec<u8>`, `String`, `&'static str`) | yes | the whole body |
/// | [`from_factory`](Self::from_factory) | yes: a fresh stream per attempt | a chunk or two |
/// | [`from_stream`](Self::from_stream) | no: sent at most once | a chunk or two |
/// | [`file`](Self::file) | yes: the file is opened per attempt | a chunk or two |
///
/// A streamed body is pulled by the transport as it writes to the socket, so nothing is
/// buffered beyond the chunk in flight: a slow connection slows the stream down (backpressure).
/// With a [`length`](Self::with_length) it is sent with `Content-Length`, otherwise chunked
/// (HTTP/1.1) or as DATA frames (HTTP/2).
///
/// A body that cannot be sent again is never resent silently: a retry
/// ([`ResilientClient`](super::ResilientClient)) or a `307`/`308` redirect of a request whose
/// one-shot body was already sent fails with
/// [`is_body_not_replayable`](super::HttpError::is_body_not_replayable). A stream that yields
/// an error, or more or fewer bytes than its declared length, fails the request with
/// [`is_request_body`](super::HttpError::is_request_body).
///
/// Cloning is cheap. Clones of a one-shot stream share it: whichever is sent first takes it.
///
/// ```
/// use bytes::Bytes;
/// use ferry_http::RequestBody;
/// use futures_util::stream;
///
/// let full = RequestBody::from("hello");
/// assert_eq!(full.length(), Some(5));
/// assert!(full.is_replayable());
///
/// let chunks = || stream::iter([Ok::<_, std::io::Error>(Bytes::from("a")), Ok(Bytes::from("b"))]);
/// let retried = RequestBody::from_factory(chunks).with_length(2);
/// assert!(retried.is_replayable());
///
/// let once = RequestBody::from_stream(chunks());
/// assert!(!once.is_replayable());
/// assert_eq!(once.length(), None);
/// ```
#[derive(Clone)]
pub struct RequestBody {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Full(Bytes),
    Factory {
        make: Factory,
        length: Option<u64>,
    },
    Once {
        stream: Arc<Mutex<Option<BoxByteStream>>>,
        length: Option<u64>,
    },
}

fn boxed<S, E>(stream: S) -> BoxByteStream
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxBodyError>,
{
    Box::pin(MapErr { stream })
}

pin_project_lite::pin_project! {
    /// Boxes a stream's errors without futures-util's `map_err` (which needs its `TryStream`
    /// machinery and names no type we could store).
    struct MapErr<S> {
        #[pin]
        stream: S,
    }
}

impl<S, E> Stream for MapErr<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxBodyError>,
{
    type Item = Result<Bytes, BoxBodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project()
            .stream
            .poll_next(cx)
            .map(|item| item.map(|item| item.map_err(Into::into)))
    }
}

impl RequestBody {
    /// No body.
    pub fn empty() -> Self {
        Self::from_bytes(Bytes::new())
    }

    /// A body of `bytes`, held in memory and sent again as often as needed.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            kind: Kind::Full(bytes.into()),
        }
    }

    /// A body streamed from `stream`, pulled chunk by chunk as the connection takes it; sent
    /// at most once (see [`from_factory`](Self::from_factory) for retries). Sent chunked unless
    /// a length is given with [`with_length`](Self::with_length).
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxBodyError>,
    {
        Self {
            kind: Kind::Once {
                stream: Arc::new(Mutex::new(Some(boxed(stream)))),
                length: None,
            },
        }
    }

    /// A streamed body that can be sent again: `make` is called for every attempt (the first
    /// send, each retry, each `307`/`308` redirect) and must produce the same bytes each time.
    pub fn from_factory<F, S, E>(make: F) -> Self
    where
        F: Fn() -> S + Send + Sync + 'static,
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxBodyError>,
    {
        Self {
            kind: Kind::Factory {
                make: Arc::new(move || boxed(make())),
                length: None,
            },
        }
    }

    /// Declares a streamed body's exact length, sent as `Content-Length`. A stream that then
    /// yields more or fewer bytes fails the request with
    /// [`is_request_body`](super::HttpError::is_request_body). A body in memory knows its
    /// length already and is left as it is.
    pub fn with_length(mut self, length: u64) -> Self {
        match &mut self.kind {
            Kind::Full(_) => {}
            Kind::Factory { length: known, .. } | Kind::Once { length: known, .. } => {
                *known = Some(length);
            }
        }
        self
    }

    /// The body's length when it is known: always for bytes in memory, for a stream when it
    /// was declared.
    pub fn length(&self) -> Option<u64> {
        match &self.kind {
            Kind::Full(bytes) => Some(bytes.len() as u64),
            Kind::Factory { length, .. } | Kind::Once { length, .. } => *length,
        }
    }

    /// The bytes of a body held in memory; `None` for a stream.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Full(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Whether the body can be sent more than once (bytes, a factory, a file); a one-shot
    /// stream cannot.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, Kind::Once { .. })
    }

    /// Whether this is a body in memory with no bytes.
    pub fn is_empty(&self) -> bool {
        matches!(&self.kind, Kind::Full(bytes) if bytes.is_empty())
    }

    /// The body for one send on the wire, or `None` when it is a one-shot stream that was
    /// taken already.
    pub(crate) fn outgoing(&self) -> Option<OutgoingBody> {
        match &self.kind {
            Kind::Full(bytes) => Some(OutgoingBody::from(bytes.clone())),
            Kind::Factory { make, length } => Some(OutgoingBody::streamed(make(), *length)),
            Kind::Once { stream, length } => {
                let stream = stream
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()?;
                Some(OutgoingBody::streamed(stream, *length))
            }
        }
    }
}

impl Default for RequestBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for RequestBody {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}

impl From<Vec<u8>> for RequestBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from_bytes(bytes)
    }
}

impl From<String> for RequestBody {
    fn from(text: String) -> Self {
        Self::from_bytes(text)
    }
}

impl From<&'static str> for RequestBody {
    fn from(text: &'static str) -> Self {
        Self::from_bytes(text)
    }
}

impl From<&'static [u8]> for RequestBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::from_bytes(bytes)
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the bytes: a body may carry secrets (a form with a password).
        let kind = match self.kind {
            Kind::Full(_) => "bytes",
            Kind::Factory { .. } => "stream (factory)",
            Kind::Once { .. } => "stream (once)",
        };
        f.debug_struct("RequestBody")
            .field("kind", &kind)
            .field("length", &self.length())
            .finish()
    }
}

/// Why a request body could not be sent: its stream failed, or its length was not the one
/// declared. The client reports it as
/// [`is_request_body`](super::HttpError::is_request_body).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestBodyError {
    /// The body's stream yielded an error.
    #[error("the request body stream failed after {sent} bytes")]
    Stream {
        /// How many bytes had been handed to the transport before.
        sent: u64,
        /// What the stream yielded.
        #[source]
        source: BoxBodyError,
    },
    /// The stream yielded more bytes than the length declared.
    #[error("the request body stream yielded more than its declared {declared} bytes")]
    TooLong {
        /// The declared length.
        declared: u64,
    },
    /// The stream ended before the length declared.
    #[error("the request body stream ended after {sent} of its declared {declared} bytes")]
    TooShort {
        /// How many bytes it yielded.
        sent: u64,
        /// The declared length.
        declared: u64,
    },
}

/// What a transport sees when a body stream fails; the first failure itself goes to the
/// client through a slot it shares with the body, whatever the transport's HTTP stack makes of this one.
#[derive(Debug, thiserror::Error)]
#[error("the request body could not be sent (see the request's error)")]
pub struct RequestBodyFailed(());

/// Where an [`OutgoingBody`] leaves its first failure for the client to report.
pub(crate) type FailureSlot = Arc<Mutex<Option<RequestBodyError>>>;

/// What a body in memory reads as once its one frame was taken.
static EMPTY: Bytes = Bytes::new();

/// One send of a request body: what a [`Transport`](super::Transport) gets, an
/// [`http_body::Body`] that hyper (or any HTTP stack) can write as it is.
///
/// A body in memory is one frame ([`as_bytes`](Self::as_bytes) lets a transport take a fast
/// path); a stream is pulled frame by frame as the connection takes it. Its
/// [`size_hint`](http_body::Body::size_hint) is exact when the length is known, which makes
/// hyper send `Content-Length`; otherwise HTTP/1.1 sends it chunked. If the stream fails (an
/// error, or a length other than the one declared), polling yields [`RequestBodyFailed`] and
/// the client reports the cause.
pub struct OutgoingBody {
    inner: Outgoing,
}

enum Outgoing {
    Full(Option<Bytes>),
    Stream {
        // A `Mutex` only to make the body `Sync` (a transport's pool may need it): it is only
        // ever reached through `&mut self`, with `get_mut`, which never locks.
        stream: Mutex<BoxByteStream>,
        length: Option<u64>,
        sent: u64,
        done: bool,
        failure: FailureSlot,
    },
}

impl OutgoingBody {
    fn streamed(stream: BoxByteStream, length: Option<u64>) -> Self {
        Self {
            inner: Outgoing::Stream {
                stream: Mutex::new(stream),
                length,
                sent: 0,
                done: false,
                failure: FailureSlot::default(),
            },
        }
    }

    /// The whole body when it is held in memory (and not yet polled); `None` for a stream.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Outgoing::Full(bytes) => Some(bytes.as_ref().unwrap_or(&EMPTY)),
            Outgoing::Stream { .. } => None,
        }
    }

    /// The body's length when known.
    pub fn length(&self) -> Option<u64> {
        match &self.inner {
            Outgoing::Full(bytes) => Some(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64)),
            Outgoing::Stream { length, .. } => *length,
        }
    }

    /// Where this body leaves its failure, for the client.
    pub(crate) fn failure_slot(&self) -> Option<FailureSlot> {
        match &self.inner {
            Outgoing::Full(_) => None,
            Outgoing::Stream { failure, .. } => Some(Arc::clone(failure)),
        }
    }
}

impl From<Bytes> for OutgoingBody {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: Outgoing::Full(Some(bytes)),
        }
    }
}

impl fmt::Debug for OutgoingBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingBody")
            .field("streamed", &matches!(self.inner, Outgoing::Stream { .. }))
            .field("length", &self.length())
            .finish()
    }
}

impl http_body::Body for OutgoingBody {
    type Data = Bytes;
    type Error = RequestBodyFailed;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, RequestBodyFailed>>> {
        match &mut self.get_mut().inner {
            Outgoing::Full(bytes) => Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            Outgoing::Stream {
                stream,
                length,
                sent,
                done,
                failure,
            } => {
                if *done {
                    return Poll::Ready(None);
                }
                let stream = stream.get_mut().unwrap_or_else(PoisonError::into_inner);
                let outcome = loop {
                    match stream.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                        Poll::Ready(Some(Ok(chunk))) => {
                            *sent = sent.saturating_add(chunk.len() as u64);
                            match *length {
                                Some(declared) if *sent > declared => {
                                    break Err(RequestBodyError::TooLong { declared });
                                }
                                _ => return Poll::Ready(Some(Ok(Frame::data(chunk)))),
                            }
                        }
                        Poll::Ready(Some(Err(source))) => {
                            break Err(RequestBodyError::Stream {
                                sent: *sent,
                                source,
                            });
                        }
                        Poll::Ready(None) => match *length {
                            Some(declared) if *sent < declared => {
                                break Err(RequestBodyError::TooShort {
                                    sent: *sent,
                                    declared,
                                });
                            }
                            _ => break Ok(()),
                        },
                    }
                };
                *done = true;
                match outcome {
                    Ok(()) => Poll::Ready(None),
                    Err(error) => {
                        failure
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .get_or_insert(error);
                        Poll::Ready(Some(Err(RequestBodyFailed(()))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Outgoing::Full(bytes) => bytes.as_ref().is_none_or(Bytes::is_empty),
            Outgoing::Stream { done, length, .. } => *done || *length == Some(0),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Outgoing::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            Outgoing::Stream {
                length: Some(length),
                sent,
                ..
            } => SizeHint::with_exact(length.saturating_sub(*sent)),
            Outgoing::Stream { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use http_body::Body as _;

    fn drain(body: &mut OutgoingBody) -> (Vec<u8>, bool) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut out = Vec::new();
        loop {
            match Pin::new(&mut *body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => out.extend_from_slice(&frame.into_data().unwrap()),
                Poll::Ready(Some(Err(_))) => return (out, false),
                Poll::Ready(None) => return (out, true),
                Poll::Pending => panic!("ready streams never wait"),
            }
        }
    }

    fn chunks() -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        stream::iter([
            Ok(Bytes::from("ab")),
            Ok(Bytes::new()),
            Ok(Bytes::from("c")),
        ])
    }

    #[test]
    fn a_one_shot_stream_is_sent_once_and_its_clones_share_it() {
        let body = RequestBody::from_stream(chunks());
        let clone = body.clone();
        let mut first = body.outgoing().expect("the first send takes the stream");
        assert_eq!(drain(&mut first), (b"abc".to_vec(), true));
        assert!(clone.outgoing().is_none());
        assert!(body.outgoing().is_none());
    }

    #[test]
    fn a_factory_makes_a_fresh_stream_per_send() {
        let body = RequestBody::from_factory(chunks).with_length(3);
        for _ in 0..2 {
            let mut outgoing = body.outgoing().unwrap();
            assert_eq!(outgoing.size_hint().exact(), Some(3));
            assert_eq!(drain(&mut outgoing), (b"abc".to_vec(), true));
        }
    }

    #[test]
    fn wrong_declared_lengths_and_stream_errors_fail_into_the_slot() {
        for (length, expect) in [(2, "more than"), (5, "ended after 3 of")] {
            let mut outgoing = RequestBody::from_factory(chunks)
                .with_length(length)
                .outgoing()
                .unwrap();
            let slot = outgoing.failure_slot().unwrap();
            assert!(!drain(&mut outgoing).1);
            let error = slot.lock().unwrap().take().unwrap();
            assert!(error.to_string().contains(expect), "{error}");
        }
        let failing = stream::iter([
            Ok(Bytes::from("x")),
            Err(std::io::Error::other("disk on fire")),
        ]);
        let mut outgoing = RequestBody::from_stream(failing).outgoing().unwrap();
        let slot = outgoing.failure_slot().unwrap();
        assert_eq!(drain(&mut outgoing), (b"x".to_vec(), false));
        let error = slot.lock().unwrap().take().unwrap();
        assert!(matches!(error, RequestBodyError::Stream { sent: 1, .. }));
        assert_eq!(
            StdError::source(&error).unwrap().to_string(),
            "disk on fire"
        );
    }

    #[test]
    fn bodies_in_memory_are_one_exact_frame() {
        let mut outgoing = RequestBody::from("hello").outgoing().unwrap();
        assert_eq!(outgoing.as_bytes().unwrap(), "hello");
        assert_eq!(outgoing.size_hint().exact(), Some(5));
        assert_eq!(drain(&mut outgoing), (b"hello".to_vec(), true));
        assert!(RequestBody::empty().outgoing().unwrap().is_end_stream());
    }
}
