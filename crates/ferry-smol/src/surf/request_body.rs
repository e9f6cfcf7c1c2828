//! [`SurfRequestBody`]: ferry's outgoing request body as the `AsyncBufRead` surf sends.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use ferry_http::OutgoingBody;
use futures_io::{AsyncBufRead, AsyncRead};
use http_body::Body;

/// A streamed request body read by surf's backend: each frame of the [`OutgoingBody`] is lent
/// out as the reader's buffer, so nothing is copied into a buffer of its own and nothing is
/// read ahead of what surf writes. A failing body is an I/O error, which ends surf's request;
/// the client then reports the body's own error.
pub(super) struct SurfRequestBody {
    body: OutgoingBody,
    chunk: Bytes,
    done: bool,
}

impl SurfRequestBody {
    pub(super) fn new(body: OutgoingBody) -> Self {
        Self {
            body,
            chunk: Bytes::new(),
            done: false,
        }
    }
}

impl AsyncBufRead for SurfRequestBody {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.chunk.is_empty() && !this.done {
            match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        this.chunk = data;
                    }
                }
                Some(Err(error)) => {
                    this.done = true;
                    return Poll::Ready(Err(io::Error::other(error)));
                }
                None => this.done = true,
            }
        }
        Poll::Ready(Ok(&this.chunk[..]))
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        let this = self.get_mut();
        this.chunk.advance(amount.min(this.chunk.len()));
    }
}

impl AsyncRead for SurfRequestBody {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let copied = available.len().min(buf.len());
        buf[..copied].copy_from_slice(&available[..copied]);
        self.consume(copied);
        Poll::Ready(Ok(copied))
    }
}
