//! The state both halves share: one mutex around the buffer and every counter, and three
//! events to wake waiters.
//!
//! Every operation is one short critical section that updates the buffer and all counters at
//! once (no second atomic per item for permits or `join`). Waiters are woken through
//! `event-listener`, but only when the critical section saw someone waiting: notifying an
//! `Event` takes its own lock, which the fast path should not pay for.
//!
//! The waiter protocol: a waiter creates its listener *inside* the critical section in which it
//! found it must wait and counts itself in `send_waiting`/`recv_waiting`. A notifier changes the
//! state and reads the count in its own critical section and notifies after unlocking. The
//! mutex orders the two, so a notifier that comes after the waiter sees both the count and the
//! listener, and one that comes before has already changed what the waiter checked.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use event_listener::{Event, EventListener};

use super::error::{
    Closed, ExtraTaskDone, RecvError, SendError, TryRecvError, TrySendError, UnfinishedItems,
};

/// At most this many slots are allocated up front; a larger queue grows its buffer (by
/// doubling) the first times it fills, and never allocates again after that. A huge capacity
/// therefore costs nothing until it is used, and is never an allocation failure.
const PREALLOCATED_SLOTS: usize = 1024;

/// Which side of the queue a waiter is on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Side {
    Send,
    Recv,
}

pub(super) struct State<T> {
    items: VecDeque<T>,
    /// Slots held by permits that have not sent yet.
    reserved: usize,
    closed: bool,
    senders: usize,
    receivers: usize,
    /// Items received and not yet marked with `task_done` (asyncio's `unfinished_tasks` minus
    /// the buffered items). `u64` so that it never overflows on 32-bit targets.
    taken_not_done: u64,
    /// Set when the last receiver went away: items nobody can ever mark done.
    abandoned: u64,
    send_waiting: usize,
    recv_waiting: usize,
}

impl<T> State<T> {
    fn waiting(&mut self, side: Side) -> &mut usize {
        match side {
            Side::Send => &mut self.send_waiting,
            Side::Recv => &mut self.recv_waiting,
        }
    }

    fn drained(&self) -> bool {
        self.closed && self.items.is_empty() && self.reserved == 0
    }
}

pub(super) struct Shared<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    /// Senders and reservers wait here for room.
    send_ops: Event,
    /// Receivers wait here for an item.
    recv_ops: Event,
    /// `join` waits here for every item to be marked done.
    join_ops: Event,
}

impl<T> Shared<T> {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity.min(PREALLOCATED_SLOTS)),
                reserved: 0,
                closed: false,
                senders: 1,
                receivers: 1,
                taken_not_done: 0,
                abandoned: 0,
                send_waiting: 0,
                recv_waiting: 0,
            }),
            capacity,
            send_ops: Event::new(),
            recv_ops: Event::new(),
            join_ops: Event::new(),
        }
    }

    /// No critical section can panic halfway through an update (they only move items and
    /// count), so a poisoned lock still guards consistent state and is used as is.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn event(&self, side: Side) -> &Event {
        match side {
            Side::Send => &self.send_ops,
            Side::Recv => &self.recv_ops,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(super) fn len(&self) -> usize {
        self.lock().items.len()
    }

    pub(super) fn is_full(&self) -> bool {
        let state = self.lock();
        state.items.len() + state.reserved >= self.capacity
    }

    pub(super) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Closes the queue; returns whether this call closed it.
    pub(super) fn close(&self) -> bool {
        {
            let mut state = self.lock();
            if state.closed {
                return false;
            }
            state.closed = true;
        }
        self.wake_all_after_close();
        true
    }

    fn wake_all_after_close(&self) {
        self.send_ops.notify(usize::MAX);
        self.recv_ops.notify(usize::MAX);
    }

    pub(super) fn add_sender(&self) {
        self.lock().senders += 1;
    }

    /// The last sender going away closes the queue: receivers drain, then see the end.
    pub(super) fn remove_sender(&self) {
        let closed_now = {
            let mut state = self.lock();
            state.senders -= 1;
            let closed_now = state.senders == 0 && !state.closed;
            if closed_now {
                state.closed = true;
            }
            closed_now
        };
        if closed_now {
            self.wake_all_after_close();
        }
    }

    pub(super) fn add_receiver(&self) {
        self.lock().receivers += 1;
    }

    /// The last receiver going away closes the queue and drops the buffered items, which
    /// nobody could receive any more. `join` then reports them as [`UnfinishedItems`].
    pub(super) fn remove_receiver(&self) {
        let dropped_items = {
            let mut state = self.lock();
            state.receivers -= 1;
            if state.receivers > 0 {
                return;
            }
            state.closed = true;
            state.abandoned = state.items.len() as u64 + state.taken_not_done;
            std::mem::take(&mut state.items)
        };
        // Items are dropped outside the lock: their destructors may be slow or touch the queue.
        drop(dropped_items);
        self.wake_all_after_close();
        self.join_ops.notify(usize::MAX);
    }

    /// Stops waiting on `side` without having been served: uncounts the waiter. Dropping a
    /// listener that was already notified passes the notification on to the next waiter.
    pub(super) fn cancel_wait(&self, side: Side, listener: &mut Option<EventListener>) {
        if let Some(listener) = listener.take() {
            *self.lock().waiting(side) -= 1;
            drop(listener);
        }
    }

    /// Pushes `item` into a slot the caller is known to own (a free slot checked in this
    /// critical section, or a permit's slot).
    fn push_locked(state: &mut State<T>, item: T) -> bool {
        state.items.push_back(item);
        state.recv_waiting > 0
    }

    fn wake_one(&self, side: Side) {
        self.event(side).notify_additional_relaxed(1);
    }

    pub(super) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        let wake = {
            let mut state = self.lock();
            if state.closed {
                return Err(TrySendError::Closed(item));
            }
            if state.items.len() + state.reserved >= self.capacity {
                return Err(TrySendError::Full(item));
            }
            Self::push_locked(&mut state, item)
        };
        if wake {
            self.wake_one(Side::Recv);
        }
        Ok(())
    }

    /// Waits for room, then either pushes the item in `item` (when it holds one) or reserves a
    /// slot for a permit (when it is `None`). On close, hands back the item.
    pub(super) fn poll_send_or_reserve(
        &self,
        item: &mut Option<T>,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<Option<T>>>> {
        loop {
            if let Some(waiting) = listener.as_mut() {
                ready!(Pin::new(waiting).poll(cx));
            }
            let wake = {
                let mut state = self.lock();
                if listener.take().is_some() {
                    state.send_waiting -= 1;
                }
                if state.closed {
                    return Poll::Ready(Err(SendError(item.take())));
                }
                if state.items.len() + state.reserved < self.capacity {
                    match item.take() {
                        Some(item) => Self::push_locked(&mut state, item),
                        None => {
                            state.reserved += 1;
                            false
                        }
                    }
                } else {
                    *listener = Some(self.send_ops.listen());
                    state.send_waiting += 1;
                    continue;
                }
            };
            if wake {
                self.wake_one(Side::Recv);
            }
            return Poll::Ready(Ok(()));
        }
    }

    /// A permit sends into the slot it holds. If every receiver is gone the item is dropped
    /// at once, as nobody could ever receive it.
    pub(super) fn permit_send(&self, item: T) {
        let (wake, unreachable) = {
            let mut state = self.lock();
            state.reserved -= 1;
            if state.receivers == 0 {
                (false, Some(item))
            } else {
                (Self::push_locked(&mut state, item), None)
            }
        };
        drop(unreachable);
        if wake {
            self.wake_one(Side::Recv);
        }
    }

    /// A permit dropped unused gives its slot back.
    pub(super) fn permit_release(&self) {
        let (wake_sender, drained) = {
            let mut state = self.lock();
            state.reserved -= 1;
            (state.send_waiting > 0, state.drained())
        };
        if wake_sender {
            self.wake_one(Side::Send);
        }
        // Receivers of a closed queue wait for outstanding permits; this was the last one.
        if drained {
            self.recv_ops.notify(usize::MAX);
        }
    }

    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let (item, wake) = {
            let mut state = self.lock();
            match state.items.pop_front() {
                Some(item) => {
                    state.taken_not_done += 1;
                    (item, state.send_waiting > 0)
                }
                None if state.drained() => return Err(TryRecvError::Closed),
                None => return Err(TryRecvError::Empty),
            }
        };
        if wake {
            self.wake_one(Side::Send);
        }
        Ok(item)
    }

    pub(super) fn poll_recv(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        loop {
            if let Some(waiting) = listener.as_mut() {
                ready!(Pin::new(waiting).poll(cx));
            }
            let (item, wake) = {
                let mut state = self.lock();
                if listener.take().is_some() {
                    state.recv_waiting -= 1;
                }
                match state.items.pop_front() {
                    Some(item) => {
                        state.taken_not_done += 1;
                        (item, state.send_waiting > 0)
                    }
                    None if state.drained() => return Poll::Ready(Err(RecvError)),
                    None => {
                        *listener = Some(self.recv_ops.listen());
                        state.recv_waiting += 1;
                        continue;
                    }
                }
            };
            if wake {
                self.wake_one(Side::Send);
            }
            return Poll::Ready(Ok(item));
        }
    }

    /// Whether a receiver could still get an item some day.
    pub(super) fn is_drained(&self) -> bool {
        self.lock().drained()
    }

    pub(super) fn task_done(&self) -> Result<(), ExtraTaskDone> {
        let all_done = {
            let mut state = self.lock();
            if state.taken_not_done == 0 {
                return Err(ExtraTaskDone);
            }
            state.taken_not_done -= 1;
            state.taken_not_done == 0 && state.items.is_empty()
        };
        if all_done {
            self.join_ops.notify(usize::MAX);
        }
        Ok(())
    }

    pub(super) fn poll_join(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), UnfinishedItems>> {
        loop {
            if let Some(waiting) = listener.as_mut() {
                ready!(Pin::new(waiting).poll(cx));
                *listener = None;
            }
            let state = self.lock();
            if state.receivers == 0 && state.abandoned > 0 {
                return Poll::Ready(Err(UnfinishedItems {
                    remaining: state.abandoned,
                }));
            }
            if state.taken_not_done == 0 && state.items.is_empty() {
                return Poll::Ready(Ok(()));
            }
            // Join waiters are not counted: task_done notifies them only on the rare
            // transition to "all done", never on the hot path.
            *listener = Some(self.join_ops.listen());
        }
    }
}

// `Closed` is what reserving reports; kept next to the code that produces it.
impl<T> From<SendError<Option<T>>> for Closed {
    fn from(_: SendError<Option<T>>) -> Self {
        Closed
    }
}

/// A waiter's listener that uncounts itself when dropped before it was served: what makes
/// dropping a `send`, `reserve` or `recv` future leak nothing.
pub(super) struct Waiter<'a, T> {
    shared: &'a Shared<T>,
    side: Side,
    pub(super) listener: Option<EventListener>,
}

impl<'a, T> Waiter<'a, T> {
    pub(super) fn new(shared: &'a Shared<T>, side: Side) -> Self {
        Self {
            shared,
            side,
            listener: None,
        }
    }

    pub(super) fn shared(&self) -> &'a Shared<T> {
        self.shared
    }
}

impl<T> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_wait(self.side, &mut self.listener);
    }
}
