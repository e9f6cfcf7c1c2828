//! [`SurfResponseBody`]: a surf response body as an [`http_body::Body`] of byte frames.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use ferry_http::{TransportError, TransportErrorKind};
use futures_io::AsyncBufRead;
use http_body::{Body, Frame, SizeHint};

use super::transport::io_error_kind;

/// The body of a response from [`SurfTransport`](super::SurfTransport): surf's body read as
/// frames of at most what the backend has buffered, with read errors classified.
///
/// Each frame copies one buffered chunk out of surf's reader (surf bodies are
/// `AsyncBufRead`, which lends its buffer rather than handing it over). The frames end
/// when surf's reader does. A body that ends before the length its response announced
/// ends with a [`TransportError`] of kind [`Io`](TransportErrorKind::Io), even where surf's
/// backend itself reports the short body as complete.
pub struct SurfResponseBody {
    body: Option<surf::Body>,
    /// What surf knew of the length when the response arrived; used for the size hint.
    length: Option<u64>,
    read: u64,
}

impl SurfResponseBody {
    pub(super) fn new(body: surf::Body) -> Self {
        let length = body.len().and_then(|length| u64::try_from(length).ok());
        Self {
            body: Some(body),
            length,
            read: 0,
        }
    }
}

impl fmt::Debug for SurfResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SurfResponseBody")
            .field("length", &self.length)
            .field("read", &self.read)
            .field("done", &self.body.is_none())
            .finish()
    }
}

impl Body for SurfResponseBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        let this = &mut *self;
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        let chunk = match ready!(Pin::new(&mut *body).poll_fill_buf(cx)) {
            Ok([]) => None,
            Ok(buffered) => Some(Bytes::copy_from_slice(buffered)),
            Err(error) => {
                // A failed reader is not read again: the body ends with this error.
                this.body = None;
                return Poll::Ready(Some(Err(read_error(error))));
            }
        };
        match chunk {
            None => {
                // Dropping surf's body here lets its backend reuse the connection at once.
                this.body = None;
                match this.length {
                    // surf's h1 backend ends a body cut short by the peer as if it were
                    // whole; the announced length is how a lost tail is still reported.
                    Some(length) if this.read < length => {
                        Poll::Ready(Some(Err(cut_short(this.read, length))))
                    }
                    _ => Poll::Ready(None),
                }
            }
            Some(chunk) => {
                Pin::new(body).consume(chunk.len());
                this.read += chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match (self.body.as_ref(), self.length) {
            (None, _) => SizeHint::with_exact(0),
            (Some(_), Some(length)) => SizeHint::with_exact(length.saturating_sub(self.read)),
            (Some(_), None) => SizeHint::default(),
        }
    }
}

fn cut_short(read: u64, length: u64) -> TransportError {
    TransportError::new(
        TransportErrorKind::Io,
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the body ended after {read} of its {length} bytes"),
        ),
    )
}

fn read_error(error: io::Error) -> TransportError {
    let kind = match io_error_kind(&error) {
        // A connect-time kind cannot happen while reading; the connection broke.
        TransportErrorKind::Connect => TransportErrorKind::Io,
        kind => kind,
    };
    TransportError::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn body_of(bytes: &'static [u8], announced: usize) -> SurfResponseBody {
        let reader = futures::io::Cursor::new(bytes);
        SurfResponseBody::new(surf::Body::from_reader(
            futures::io::BufReader::new(reader),
            Some(announced),
        ))
    }

    #[test]
    fn a_whole_body_is_read_to_the_end() {
        let body = body_of(b"hello", 5);
        assert_eq!(body.size_hint().exact(), Some(5));
        let collected = futures::executor::block_on(body.collect()).unwrap();
        assert_eq!(collected.to_bytes(), "hello");
    }

    #[test]
    fn a_body_shorter_than_announced_ends_with_an_error() {
        let error = futures::executor::block_on(body_of(b"hel", 5).collect()).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Io);
        assert!(error.to_string().contains("3 of its 5 bytes"), "{error}");
    }

    #[test]
    fn an_ended_body_stays_ended() {
        let mut body = body_of(b"x", 1);
        let first = futures::executor::block_on(body.frame());
        assert!(first.is_some_and(|frame| frame.is_ok()));
        assert!(futures::executor::block_on(body.frame()).is_none());
        assert!(body.is_end_stream());
        assert!(futures::executor::block_on(body.frame()).is_none());
    }
}
