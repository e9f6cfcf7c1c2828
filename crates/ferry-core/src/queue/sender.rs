//! The sending half and its permits.

use std::fmt;
use std::future::poll_fn;
use std::sync::Arc;

use super::error::{Closed, SendError, TrySendError, UnfinishedItems};
use super::shared::{Shared, Side, Waiter};

/// The sending half of a [`bounded`](super::bounded) queue. Cheap to clone; every clone sends
/// into the same queue.
///
/// Dropping the last `Sender` (and the last [`OwnedSendPermit`], which holds one) closes the
/// queue: receivers drain what is buffered, then see the end.
pub struct Sender<T> {
    pub(super) shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Sends `item`, waiting while the queue is full (backpressure).
    ///
    /// Fails only if the queue is closed, before or while waiting; the item is then handed
    /// back in the [`SendError`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe for the item: dropping the future before it completes drops `item`
    /// (it was not sent). No slot is taken and no waiter is left behind. To keep the item
    /// across a cancellation, wait for room with [`reserve`](Self::reserve) (which is cancel
    /// safe) and then send through the permit, which cannot fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = ferry_core::queue::bounded(1).unwrap();
    /// block_on(async {
    ///     tx.send("a").await.unwrap();
    ///     assert_eq!(rx.recv().await, Ok("a"));
    ///     tx.close();
    ///     assert_eq!(tx.send("b").await.unwrap_err().into_inner(), "b");
    /// });
    /// ```
    pub async fn send(&self, item: T) -> Result<(), SendError<T>> {
        let mut item = Some(item);
        let mut waiter = Waiter::new(&self.shared, Side::Send);
        let outcome = poll_fn(|cx| {
            self.shared
                .poll_send_or_reserve(&mut item, &mut waiter.ticket, cx)
        })
        .await;
        match outcome {
            Ok(()) => Ok(()),
            // A closed queue hands the item back; `None` cannot happen here (the item is only
            // taken out when it is pushed), and there would be nothing to hand back.
            Err(SendError(Some(item))) => Err(SendError(item)),
            Err(SendError(None)) => Ok(()),
        }
    }

    /// Sends `item` if there is room right now, without waiting.
    ///
    /// Hands the item back in [`TrySendError::Full`] when every slot is taken (by buffered
    /// items or reserved permits) and in [`TrySendError::Closed`] when the queue is closed.
    ///
    /// ```
    /// use ferry_core::queue::TrySendError;
    ///
    /// let (tx, _rx) = ferry_core::queue::bounded(1).unwrap();
    /// tx.try_send(1).unwrap();
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// ```
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        self.shared.try_send(item)
    }

    /// Waits for a free slot and holds it in a [`SendPermit`], whose `send` cannot fail.
    ///
    /// Fails with [`Closed`] if the queue is closed before a slot is free.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the slot is taken in the same poll that completes the future, so dropping
    /// the future before that takes no slot and leaves no waiter behind (a wake-up it had
    /// already received is passed on to the next waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = ferry_core::queue::bounded(1).unwrap();
    /// block_on(async {
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert!(tx.is_full()); // the permit holds the only slot
    ///     permit.send(7);
    ///     assert_eq!(rx.recv().await, Ok(7));
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<SendPermit<'_, T>, Closed> {
        self.wait_for_slot().await?;
        Ok(SendPermit {
            shared: &self.shared,
            used: false,
        })
    }

    /// Like [`reserve`](Self::reserve), but the permit owns a clone of this sender, so it can
    /// be moved into another task.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Self::reserve).
    pub async fn reserve_owned(self) -> Result<OwnedSendPermit<T>, Closed> {
        self.wait_for_slot().await?;
        Ok(OwnedSendPermit {
            sender: self,
            used: false,
        })
    }

    async fn wait_for_slot(&self) -> Result<(), Closed> {
        let mut nothing = None;
        let mut waiter = Waiter::new(&self.shared, Side::Send);
        poll_fn(|cx| {
            self.shared
                .poll_send_or_reserve(&mut nothing, &mut waiter.ticket, cx)
        })
        .await
        .map_err(Closed::from)
    }

    /// Closes the queue; returns `true` if this call closed it, `false` if it was closed
    /// already.
    ///
    /// After close, `send`, `try_send` and `reserve` fail (handing items back); waiting
    /// senders wake and fail. Receivers still get every buffered item, and every item sent
    /// through a permit reserved before the close, and only then see the end. Permits
    /// reserved before the close can still send.
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Whether the queue is closed (by [`close`](Self::close) or by dropping every sender or
    /// every receiver).
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// How many items are buffered now (reserved slots not counted).
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

    /// Waits until every item ever sent has been received and marked done with
    /// [`Receiver::task_done`](super::Receiver::task_done) (asyncio's `Queue.join()`).
    ///
    /// Completes at once if nothing is outstanding. Fails with [`UnfinishedItems`] if every
    /// receiver is dropped while items are still outstanding, since nobody could mark them.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops waiting.
    pub async fn join(&self) -> Result<(), UnfinishedItems> {
        let mut waiter = Waiter::new(&self.shared, Side::Join);
        poll_fn(|cx| self.shared.poll_join(&mut waiter.ticket, cx)).await
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.add_sender();
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.remove_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A slot reserved by [`Sender::reserve`]: sending through it cannot fail and cannot lose the
/// item.
///
/// Dropping the permit unused gives the slot back (and wakes a waiting sender).
///
/// If the queue is closed while the permit is held, the permit can still send: the item is
/// buffered and receivers get it before they see the end (receivers of a closed queue wait
/// for outstanding permits). If every receiver is gone, nobody could ever receive the item,
/// and it is dropped at once.
#[must_use = "a permit holds a queue slot until it is used or dropped"]
pub struct SendPermit<'a, T> {
    shared: &'a Shared<T>,
    used: bool,
}

impl<T> SendPermit<'_, T> {
    /// Sends `item` into the reserved slot, at once.
    pub fn send(mut self, item: T) {
        self.used = true;
        self.shared.permit_send(item);
    }
}

impl<T> Drop for SendPermit<'_, T> {
    fn drop(&mut self) {
        if !self.used {
            self.shared.permit_release();
        }
    }
}

impl<T> fmt::Debug for SendPermit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendPermit").finish_non_exhaustive()
    }
}

/// A slot reserved by [`Sender::reserve_owned`], owning its sender: what [`SendPermit`] is,
/// for moving into another task. Behaves exactly like [`SendPermit`] on send, drop and close.
///
/// The permit counts as a sender: the queue does not close from dropped senders while it is
/// held.
#[must_use = "a permit holds a queue slot until it is used or dropped"]
pub struct OwnedSendPermit<T> {
    sender: Sender<T>,
    used: bool,
}

impl<T> OwnedSendPermit<T> {
    /// Sends `item` into the reserved slot, at once, and drops the permit's sender.
    pub fn send(mut self, item: T) {
        self.used = true;
        self.sender.shared.permit_send(item);
    }
}

impl<T> Drop for OwnedSendPermit<T> {
    fn drop(&mut self) {
        // Runs before the sender field is dropped, so the slot is back before a possible
        // close from the last sender going away.
        if !self.used {
            self.sender.shared.permit_release();
        }
    }
}

impl<T> fmt::Debug for OwnedSendPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSendPermit").finish_non_exhaustive()
    }
}
