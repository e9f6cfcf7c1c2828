//! [`PoolBody`]: a response body that gives its HTTP/1 connection back to the pool when it
//! ends.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use ferry_core::semaphore::OwnedSemaphorePermit;
use ferry_http::TransportError;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1;

use super::slot::Slot;
use crate::classify::body_error;

/// The body of a response from a [`Pool`](super::Pool): hyper's incoming body with its errors
/// classified.
///
/// For an HTTP/1 response it also carries its connection's sending half, which goes back to
/// the pool as soon as the body has been read to its end (or, for a body that was already
/// complete, such as an empty one, when it is dropped). A body dropped part way, or one that
/// fails, closes its connection instead. Under a
/// [connection cap](ferry_http::HttpSettings::with_max_connections_per_host) the request's
/// place is given back at the same moment, just after the connection.
pub struct PoolBody<B> {
    incoming: Incoming,
    check_in: Option<CheckIn<B>>,
    permit: Option<OwnedSemaphorePermit>,
}

/// Where an HTTP/1 connection goes back once its response body has ended.
pub(super) struct CheckIn<B> {
    pub(super) slot: Arc<Slot<B>>,
    pub(super) sender: http1::SendRequest<B>,
}

impl<B> PoolBody<B> {
    /// An HTTP/2 body, or an HTTP/1 one with where its connection goes back.
    pub(super) fn new(
        incoming: Incoming,
        check_in: Option<CheckIn<B>>,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self {
            incoming,
            check_in,
            permit,
        }
    }

    /// Gives the connection back, then the permit, so that a request waiting for the permit
    /// finds the connection.
    fn finish(&mut self) {
        if let Some(CheckIn { slot, sender }) = self.check_in.take() {
            slot.checkin(sender);
        }
        self.permit = None;
    }
}

impl<B> Body for PoolBody<B> {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        let frame = ready!(Pin::new(&mut self.incoming).poll_frame(cx));
        match &frame {
            // Checked in here, in the reader's task, rather than by a task spawned per
            // request that waits for the connection to become ready: the next request may
            // then find it at once instead of opening another connection.
            None => self.finish(),
            Some(Err(_)) => {
                self.check_in = None;
                self.permit = None;
            }
            Some(Ok(_)) => {}
        }
        Poll::Ready(frame.map(|frame| frame.map_err(body_error)))
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl<B> Drop for PoolBody<B> {
    fn drop(&mut self) {
        // A body that had arrived whole leaves its connection reusable; one dropped part way
        // does not (hyper closes it), so its sending half is simply dropped.
        if self.incoming.is_end_stream() {
            self.finish();
        }
    }
}

impl<B> std::fmt::Debug for PoolBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolBody")
            .field("incoming", &self.incoming)
            .field("pooled", &self.check_in.is_some())
            .finish_non_exhaustive()
    }
}
