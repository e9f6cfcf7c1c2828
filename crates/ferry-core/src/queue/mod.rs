//! A bounded multi-producer multi-consumer queue: asyncio's `Queue` (with `join` and
//! `task_done`) in the shape of smol-rs `async-channel`.
//!
//! [`bounded`] makes a [`Sender`] and a [`Receiver`]; both are `Clone`, and each item goes to
//! exactly one receiver, oldest first. A full queue makes [`Sender::send`] wait
//! (backpressure); [`Sender::reserve`] waits for a slot without giving up the item yet.
//!
//! # Close and drop
//!
//! - [`Sender::close`] / [`Receiver::close`], or dropping every `Sender` (and every
//!   [`OwnedSendPermit`]), closes the queue. New sends fail and hand their item back; waiting
//!   senders wake and get theirs back. Receivers still get every buffered item, then
//!   [`RecvError`] (the stream ends): nothing sent is lost, no sentinel is needed.
//! - A permit reserved before the close can still send (as in tokio): its item is buffered and
//!   received like the others. Receivers of a closed queue wait for outstanding permits to be
//!   used or dropped before they report the end.
//! - Dropping every `Receiver` closes the queue too and drops the buffered items (nobody could
//!   receive them); senders get their items back in the error. `join` then fails with
//!   [`UnfinishedItems`] instead of waiting forever.
//!
//! # `join` and `task_done`
//!
//! Each received item counts as unfinished until a receiver calls [`Receiver::task_done`].
//! [`Sender::join`] and [`Receiver::join`] complete once every item ever sent has been
//! received and marked done. The [`WorkerPool`](crate::WorkerPool) marks items done itself.
//!
//! # Examples
//!
//! ```
//! use futures::executor::block_on;
//! use futures::join;
//!
//! let (tx, rx) = ferry_core::queue::bounded::<u32>(2).unwrap();
//! let producer = async move {
//!     for n in 0..5 {
//!         tx.send(n).await.unwrap(); // waits while 2 items are buffered
//!     }
//!     // dropping `tx` closes the queue
//! };
//! let consumer = async {
//!     let mut sum = 0;
//!     while let Ok(n) = rx.recv().await {
//!         sum += n;
//!         rx.task_done().unwrap();
//!     }
//!     sum
//! };
//! let ((), sum) = block_on(async { join!(producer, consumer) });
//! assert_eq!(sum, 10);
//! ```
//!
//! # Performance
//!
//! Each operation is one short critical section under one mutex that updates the buffer,
//! the permits and the `join` count together. The waiting senders' and receivers' wakers
//! live under the same mutex, so handing a slot or an item to a waiter takes that one lock
//! and one wake-up, made after unlocking. The buffer is allocated up front (up to 1,024
//! slots; a larger queue grows once to its peak), and the lines of waiters grow only to the
//! peak number of waiters, so no operation allocates per item.

mod error;
mod receiver;
mod sender;
mod shared;

use std::sync::Arc;

pub use error::{
    Closed, ExtraTaskDone, InvalidCapacity, RecvError, SendError, TryRecvError, TrySendError,
    UnfinishedItems,
};
pub use receiver::Receiver;
pub use sender::{OwnedSendPermit, SendPermit, Sender};

/// Makes a queue that buffers at most `capacity` items (buffered items plus reserved permits).
///
/// A capacity of 0 is an error ([`InvalidCapacity`]), never a panic or a hang. Any other
/// capacity is fine, even `usize::MAX`: memory is only used as items are buffered.
///
/// ```
/// let (tx, rx) = ferry_core::queue::bounded::<String>(16).unwrap();
/// assert_eq!(tx.capacity(), 16);
/// assert!(rx.is_empty());
/// assert!(ferry_core::queue::bounded::<String>(0).is_err());
/// ```
pub fn bounded<T>(capacity: usize) -> Result<(Sender<T>, Receiver<T>), InvalidCapacity> {
    if capacity == 0 {
        return Err(InvalidCapacity);
    }
    let shared = Arc::new(shared::Shared::new(capacity));
    let receiver = Receiver::new(Arc::clone(&shared));
    Ok((Sender { shared }, receiver))
}

#[cfg(test)]
mod tests {
    use super::bounded;

    fn assert_send<F: Send>(future: F) -> F {
        future
    }

    /// Fails to compile if the queue's futures stop being `Send` for `Send` items, which would
    /// keep them off multi-threaded executors.
    #[test]
    fn queue_futures_are_send_when_items_are() {
        use futures::executor::block_on;
        let (tx, rx) = bounded::<String>(2).unwrap();
        block_on(assert_send(tx.send("a".to_owned()))).unwrap();
        block_on(assert_send(tx.reserve()))
            .unwrap()
            .send("b".to_owned());
        assert_eq!(block_on(assert_send(rx.recv())).unwrap(), "a");
        assert_eq!(block_on(assert_send(rx.recv())).unwrap(), "b");
        rx.task_done().unwrap();
        rx.task_done().unwrap();
        block_on(assert_send(rx.join())).unwrap();
        let permit = block_on(assert_send(tx.clone().reserve_owned())).unwrap();
        std::thread::spawn(move || permit.send("c".to_owned()))
            .join()
            .unwrap();
        assert_eq!(rx.try_recv().unwrap(), "c");
    }
}
