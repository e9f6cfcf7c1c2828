//! The receiving half: `recv`, `try_recv`, `Stream`, and asyncio's `task_done`/`join`.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;

use super::error::{ExtraTaskDone, RecvError, TryRecvError, UnfinishedItems};
use super::shared::{Shared, Side, Waiter};

/// The receiving half of a [`bounded`](super::bounded) queue. Cheap to clone; clones compete
/// for items (each item goes to exactly one receiver).
///
/// Also a [`Stream`] of items that ends once the queue is closed and drained.
///
/// Dropping the last `Receiver` closes the queue and drops the items still buffered (nobody
/// could receive them); waiting senders wake and get their items back in the error.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The `Stream` implementation's place in the receivers' line, kept between polls.
    stream_ticket: Option<u64>,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Self {
        Self {
            shared,
            stream_ticket: None,
        }
    }

    /// Receives the oldest item, waiting while the queue is empty.
    ///
    /// After the queue is closed, receivers first get every buffered item (and every item a
    /// permit reserved before the close still sends); only then does `recv` fail with
    /// [`RecvError`]. Nothing sent is lost and no sentinel value is needed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an item is taken out of the queue only in the poll that returns it, so
    /// dropping the future loses no item (a wake-up it had received is passed on to the next
    /// waiting receiver).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use ferry_core::queue::RecvError;
    ///
    /// let (tx, rx) = ferry_core::queue::bounded(4).unwrap();
    /// block_on(async {
    ///     tx.send(1).await.unwrap();
    ///     tx.send(2).await.unwrap();
    ///     drop(tx); // closes the queue
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Ok(2));
    ///     assert_eq!(rx.recv().await, Err(RecvError));
    /// });
    /// ```
    pub async fn recv(&self) -> Result<T, RecvError> {
        let mut waiter = Waiter::new(&self.shared, Side::Recv);
        poll_fn(|cx| self.shared.poll_recv(&mut waiter.ticket, cx)).await
    }

    /// Receives the oldest item if one is buffered now, without waiting.
    ///
    /// Fails with [`TryRecvError::Empty`] if nothing is buffered but more may come, and with
    /// [`TryRecvError::Closed`] once the queue is closed and drained.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.shared.try_recv()
    }

    /// Marks one received item as processed (asyncio's `Queue.task_done()`), for
    /// [`join`](Self::join).
    ///
    /// The count is shared by every receiver of the queue, as in asyncio. Calling it more
    /// times than items were received fails with [`ExtraTaskDone`] and changes nothing.
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use ferry_core::queue::ExtraTaskDone;
    ///
    /// let (tx, rx) = ferry_core::queue::bounded(2).unwrap();
    /// block_on(async {
    ///     tx.send("job").await.unwrap();
    ///     let job = rx.recv().await.unwrap();
    ///     // ... process `job` ...
    ///     rx.task_done().unwrap();
    ///     tx.join().await.unwrap(); // every item sent is done
    ///     assert_eq!(rx.task_done(), Err(ExtraTaskDone));
    /// });
    /// ```
    pub fn task_done(&self) -> Result<(), ExtraTaskDone> {
        self.shared.task_done()
    }

    /// Waits until every item ever sent has been received and marked done with
    /// [`task_done`](Self::task_done); see [`Sender::join`](super::Sender::join).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops waiting.
    pub async fn join(&self) -> Result<(), UnfinishedItems> {
        let mut waiter = Waiter::new(&self.shared, Side::Join);
        poll_fn(|cx| self.shared.poll_join(&mut waiter.ticket, cx)).await
    }

    /// Closes the queue; returns `true` if this call closed it. See
    /// [`Sender::close`](super::Sender::close) for what close means to either side.
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Whether the queue is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// How many items are buffered now.
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether no item is buffered now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every slot is taken now, by buffered items or reserved permits.
    pub fn is_full(&self) -> bool {
        self.shared.is_full()
    }

    /// The capacity the queue was made with.
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }
}

/// Yields items until the queue is closed and drained.
///
/// Dropping the receiver between polls loses no item, as with [`Receiver::recv`].
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.shared
            .poll_recv(&mut this.stream_ticket, cx)
            .map(Result::ok)
    }
}

impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.shared.is_drained()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.add_receiver();
        Self::new(Arc::clone(&self.shared))
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.cancel_wait(Side::Recv, &mut self.stream_ticket);
        self.shared.remove_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A stream of items received through a borrowed [`Receiver`], for the worker pool (which
/// needs the receiver afterwards to mark items done).
pub(crate) struct RecvStream<'a, T> {
    waiter: Waiter<'a, T>,
}

impl<T> Receiver<T> {
    pub(crate) fn recv_stream(&self) -> RecvStream<'_, T> {
        RecvStream {
            waiter: Waiter::new(&self.shared, Side::Recv),
        }
    }
}

impl<T> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let waiter = &mut self.get_mut().waiter;
        waiter
            .shared()
            .poll_recv(&mut waiter.ticket, cx)
            .map(Result::ok)
    }
}
