//! The state both halves share: one mutex around the buffer, every counter and the lines of
//! waiting senders, receivers and `join`s.
//!
//! Every operation is one short critical section that updates the buffer and all counters at
//! once (no second atomic per item for permits or `join`). A hand-over takes that one lock and
//! nothing else: the waiters' wakers live in `State`, so the critical section that frees a slot
//! or buffers an item also takes the next waiter's waker out of its line, and wakes it after
//! unlocking (so the woken task does not find the lock still held).
//!
//! The waiter protocol: a waiter that found it must wait joins its line (with its waker)
//! *inside* the critical section in which it checked the state. A notifier changes the state
//! and takes a waker out of the line in its own critical section. The mutex orders the two, so
//! a notifier that comes after the waiter finds it in line, and one that comes before has
//! already changed what the waiter checked. A woken waiter is out of the line; if it finds
//! nothing when it runs (another got there first) it joins again at the back, and if it is
//! dropped instead, it wakes the next waiter in its place, so no wake-up is ever lost.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::semaphore::line::Line;

use super::error::{
    Closed, ExtraTaskDone, RecvError, SendError, TryRecvError, TrySendError, UnfinishedItems,
};

/// At most this many slots are allocated up front; a larger queue grows its buffer (by
/// doubling) the first times it fills, and never allocates again after that. A huge capacity
/// therefore costs nothing until it is used, and is never an allocation failure.
const PREALLOCATED_SLOTS: usize = 1024;

/// Which line a waiter stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// Senders and reservers waiting for room.
    Send,
    /// Receivers waiting for an item.
    Recv,
    /// `join`s waiting for every item to be marked done.
    Join,
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
    send_line: Line<Waker>,
    recv_line: Line<Waker>,
    join_line: Line<Waker>,
}

impl<T> State<T> {
    fn line(&mut self, side: Side) -> &mut Line<Waker> {
        match side {
            Side::Send => &mut self.send_line,
            Side::Recv => &mut self.recv_line,
            Side::Join => &mut self.join_line,
        }
    }

    fn drained(&self) -> bool {
        self.closed && self.items.is_empty() && self.reserved == 0
    }

    /// Puts the waiter holding `ticket` in line on `side` with `waker`: refreshes its waker if
    /// it is still in line, else (new, or woken and found nothing) joins at the back.
    fn wait(&mut self, side: Side, ticket: &mut Option<u64>, waker: &Waker) {
        let line = self.line(side);
        if let Some(waiting) = ticket.and_then(|ticket| line.get_mut(ticket)) {
            if !waiting.will_wake(waker) {
                waiting.clone_from(waker);
            }
            return;
        }
        *ticket = Some(line.push_back(waker.clone()));
    }

    /// The waiter holding `ticket` got what it waited for: it leaves the line if it is still in
    /// it (it may have been served without being woken, by a poll of its own).
    fn stop_waiting(&mut self, side: Side, ticket: &mut Option<u64>) {
        if let Some(ticket) = ticket.take() {
            self.line(side).remove(ticket);
        }
    }

    /// Takes every waiter of a closed queue out of both lines, to wake after unlocking.
    fn take_all_after_close(&mut self) -> impl Iterator<Item = Waker> + use<T> {
        self.send_line.take_all().chain(self.recv_line.take_all())
    }
}

pub(super) struct Shared<T> {
    state: Mutex<State<T>>,
    capacity: usize,
}

/// Wakes, after the lock is released, what a critical section took out of a line.
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
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
                send_line: Line::new(),
                recv_line: Line::new(),
                join_line: Line::new(),
            }),
            capacity,
        }
    }

    /// No critical section can panic halfway through an update (they only move items, count,
    /// and clone or drop wakers where the state is consistent), so a poisoned lock still
    /// guards consistent state and is used as is.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
        let wakes = {
            let mut state = self.lock();
            if state.closed {
                return false;
            }
            state.closed = true;
            state.take_all_after_close()
        };
        wakes.for_each(Waker::wake);
        true
    }

    pub(super) fn add_sender(&self) {
        self.lock().senders += 1;
    }

    /// The last sender going away closes the queue: receivers drain, then see the end.
    pub(super) fn remove_sender(&self) {
        let wakes = {
            let mut state = self.lock();
            state.senders -= 1;
            if state.senders > 0 || state.closed {
                return;
            }
            state.closed = true;
            state.take_all_after_close()
        };
        wakes.for_each(Waker::wake);
    }

    pub(super) fn add_receiver(&self) {
        self.lock().receivers += 1;
    }

    /// The last receiver going away closes the queue and drops the buffered items, which
    /// nobody could receive any more. `join` then reports them as [`UnfinishedItems`].
    pub(super) fn remove_receiver(&self) {
        let (dropped_items, wakes, joins) = {
            let mut state = self.lock();
            state.receivers -= 1;
            if state.receivers > 0 {
                return;
            }
            state.closed = true;
            state.abandoned = state.items.len() as u64 + state.taken_not_done;
            (
                std::mem::take(&mut state.items),
                state.take_all_after_close(),
                state.join_line.take_all(),
            )
        };
        // Items are dropped outside the lock: their destructors may be slow or touch the queue.
        drop(dropped_items);
        wakes.chain(joins).for_each(Waker::wake);
    }

    /// Stops waiting on `side` without having been served: leaves the line. A sender or
    /// receiver that had already been woken (and so left the line) wakes the next one in its
    /// place, since the wake-up was meant for whoever takes the slot or item.
    pub(super) fn cancel_wait(&self, side: Side, ticket: &mut Option<u64>) {
        let Some(ticket) = ticket.take() else {
            return;
        };
        let next = {
            let mut state = self.lock();
            let line = state.line(side);
            if line.remove(ticket).is_some() || side == Side::Join {
                // Still in line, so never woken (a `join` wake-up is for everyone anyway).
                None
            } else {
                line.pop_front()
            }
        };
        wake(next);
    }

    /// Pushes `item` into a slot the caller is known to own (a free slot checked in this
    /// critical section, or a permit's slot); returns the receiver to wake.
    fn push_locked(state: &mut State<T>, item: T) -> Option<Waker> {
        state.items.push_back(item);
        state.recv_line.pop_front()
    }

    pub(super) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        let receiver = {
            let mut state = self.lock();
            if state.closed {
                return Err(TrySendError::Closed(item));
            }
            if state.items.len() + state.reserved >= self.capacity {
                return Err(TrySendError::Full(item));
            }
            Self::push_locked(&mut state, item)
        };
        wake(receiver);
        Ok(())
    }

    /// Waits for room, then either pushes the item in `item` (when it holds one) or reserves a
    /// slot for a permit (when it is `None`). On close, hands back the item. `ticket` is the
    /// caller's place in the senders' line while it waits.
    pub(super) fn poll_send_or_reserve(
        &self,
        item: &mut Option<T>,
        ticket: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<Option<T>>>> {
        let receiver = {
            let mut state = self.lock();
            if state.closed {
                state.stop_waiting(Side::Send, ticket);
                return Poll::Ready(Err(SendError(item.take())));
            }
            if state.items.len() + state.reserved >= self.capacity {
                state.wait(Side::Send, ticket, cx.waker());
                return Poll::Pending;
            }
            state.stop_waiting(Side::Send, ticket);
            match item.take() {
                Some(item) => Self::push_locked(&mut state, item),
                None => {
                    state.reserved += 1;
                    None
                }
            }
        };
        wake(receiver);
        Poll::Ready(Ok(()))
    }

    /// A permit sends into the slot it holds. If every receiver is gone the item is dropped
    /// at once, as nobody could ever receive it.
    pub(super) fn permit_send(&self, item: T) {
        let (receiver, unreachable) = {
            let mut state = self.lock();
            state.reserved -= 1;
            if state.receivers == 0 {
                (None, Some(item))
            } else {
                (Self::push_locked(&mut state, item), None)
            }
        };
        drop(unreachable);
        wake(receiver);
    }

    /// A permit dropped unused gives its slot back.
    pub(super) fn permit_release(&self) {
        let (sender, receivers) = {
            let mut state = self.lock();
            state.reserved -= 1;
            let sender = state.send_line.pop_front();
            // Receivers of a closed queue wait for outstanding permits; this was the last one.
            let receivers = state.drained().then(|| state.recv_line.take_all());
            (sender, receivers)
        };
        wake(sender);
        receivers.into_iter().flatten().for_each(Waker::wake);
    }

    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let (item, sender) = {
            let mut state = self.lock();
            match state.items.pop_front() {
                Some(item) => {
                    state.taken_not_done += 1;
                    (item, state.send_line.pop_front())
                }
                None if state.drained() => return Err(TryRecvError::Closed),
                None => return Err(TryRecvError::Empty),
            }
        };
        wake(sender);
        Ok(item)
    }

    /// Receives an item, or waits for one in the receivers' line under `ticket`.
    pub(super) fn poll_recv(
        &self,
        ticket: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let (item, sender) = {
            let mut state = self.lock();
            match state.items.pop_front() {
                Some(item) => {
                    state.stop_waiting(Side::Recv, ticket);
                    state.taken_not_done += 1;
                    (item, state.send_line.pop_front())
                }
                None if state.drained() => {
                    state.stop_waiting(Side::Recv, ticket);
                    return Poll::Ready(Err(RecvError));
                }
                None => {
                    state.wait(Side::Recv, ticket, cx.waker());
                    return Poll::Pending;
                }
            }
        };
        wake(sender);
        Poll::Ready(Ok(item))
    }

    /// Whether a receiver could still get an item some day.
    pub(super) fn is_drained(&self) -> bool {
        self.lock().drained()
    }

    pub(super) fn task_done(&self) -> Result<(), ExtraTaskDone> {
        let joins = {
            let mut state = self.lock();
            if state.taken_not_done == 0 {
                return Err(ExtraTaskDone);
            }
            state.taken_not_done -= 1;
            // `join`s are woken only on the rare transition to "all done", never per item.
            let all_done = state.taken_not_done == 0 && state.items.is_empty();
            all_done.then(|| state.join_line.take_all())
        };
        joins.into_iter().flatten().for_each(Waker::wake);
        Ok(())
    }

    /// Completes once every item is done, or waits in the `join` line under `ticket`.
    pub(super) fn poll_join(
        &self,
        ticket: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), UnfinishedItems>> {
        let mut state = self.lock();
        if state.receivers == 0 && state.abandoned > 0 {
            state.stop_waiting(Side::Join, ticket);
            return Poll::Ready(Err(UnfinishedItems {
                remaining: state.abandoned,
            }));
        }
        if state.taken_not_done == 0 && state.items.is_empty() {
            state.stop_waiting(Side::Join, ticket);
            return Poll::Ready(Ok(()));
        }
        state.wait(Side::Join, ticket, cx.waker());
        Poll::Pending
    }
}

// `Closed` is what reserving reports; kept next to the code that produces it.
impl<T> From<SendError<Option<T>>> for Closed {
    fn from(_: SendError<Option<T>>) -> Self {
        Closed
    }
}

/// A waiter's place in line that leaves the line when dropped before it was served (passing on
/// a wake-up it had received): what makes dropping a `send`, `reserve`, `recv` or `join`
/// future leak nothing.
pub(super) struct Waiter<'a, T> {
    shared: &'a Shared<T>,
    side: Side,
    /// The waiter's ticket in its line, once it has had to wait.
    pub(super) ticket: Option<u64>,
}

impl<'a, T> Waiter<'a, T> {
    pub(super) fn new(shared: &'a Shared<T>, side: Side) -> Self {
        Self {
            shared,
            side,
            ticket: None,
        }
    }

    pub(super) fn shared(&self) -> &'a Shared<T> {
        self.shared
    }
}

impl<T> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_wait(self.side, &mut self.ticket);
    }
}
