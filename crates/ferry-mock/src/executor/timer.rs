//! Virtual timers: a binary heap of deadlines and the sleep future that waits on one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::core::Shared;
use super::slab::Slab;
use crate::trace::{TaskId, TimerId, TraceEvent, TraceKind};

/// A timer that some sleep is waiting on.
struct TimerSlot {
    id: TimerId,
    /// Taken when the timer fires; the slot stays until its sleep is polled or dropped.
    waker: Option<Waker>,
    owner: Option<TaskId>,
}

/// Every pending timer, earliest first.
///
/// The heap is ordered by (deadline, id), and ids count up in the order timers were first
/// polled, so timers with equal deadlines fire in that order in every run. A sleep dropped
/// before its deadline frees its slot at once but leaves its heap entry behind; the entry is
/// recognised as stale (its slot no longer holds its id) and discarded when it reaches the
/// top. That keeps every operation O(log n) with no search through the heap.
pub(crate) struct Timers {
    slots: Slab<TimerSlot>,
    heap: BinaryHeap<Reverse<(Duration, TimerId, usize)>>,
    next_id: u64,
}

impl Timers {
    pub(crate) fn new() -> Self {
        Self {
            slots: Slab::new(),
            heap: BinaryHeap::new(),
            next_id: 0,
        }
    }

    fn register(
        &mut self,
        deadline: Duration,
        waker: Waker,
        owner: Option<TaskId>,
    ) -> (usize, TimerId) {
        let id = TimerId(self.next_id);
        self.next_id += 1;
        let slot = self.slots.insert(TimerSlot {
            id,
            waker: Some(waker),
            owner,
        });
        self.heap.push(Reverse((deadline, id, slot)));
        (slot, id)
    }

    /// Stores `waker` unless the one stored already wakes the same task; returns the waker
    /// replaced, for the caller to drop outside the executor's lock.
    fn update_waker(&mut self, slot: usize, id: TimerId, waker: &Waker) -> Option<Waker> {
        let timer = self.slots.get_mut(slot).filter(|timer| timer.id == id)?;
        match &timer.waker {
            Some(current) if current.will_wake(waker) => None,
            _ => timer.waker.replace(waker.clone()),
        }
    }

    /// Forgets a timer; returns its waker, for the caller to drop outside the lock.
    fn deregister(&mut self, slot: usize, id: TimerId) -> Option<Waker> {
        if self.slots.get(slot).is_some_and(|timer| timer.id == id) {
            self.slots.remove(slot).and_then(|timer| timer.waker)
        } else {
            None
        }
    }

    fn is_live(&self, id: TimerId, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|timer| timer.id == id)
    }

    /// The deadline of the earliest timer still waited on, discarding stale entries on top.
    pub(crate) fn next_deadline(&mut self) -> Option<Duration> {
        while let Some(&Reverse((deadline, id, slot))) = self.heap.peek() {
            if self.is_live(id, slot) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// Fires every timer due at `now`, in (deadline, id) order: moves their wakers into
    /// `wake` (to be woken once the lock is released) and records them in `trace`.
    pub(crate) fn fire_due(
        &mut self,
        now: Duration,
        wake: &mut Vec<Waker>,
        trace: &mut Option<Vec<TraceEvent>>,
    ) {
        while let Some(&Reverse((deadline, id, slot))) = self.heap.peek() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            let Some(timer) = self.slots.get_mut(slot).filter(|timer| timer.id == id) else {
                continue;
            };
            if let Some(waker) = timer.waker.take() {
                wake.push(waker);
            }
            if let Some(trace) = trace {
                trace.push(TraceEvent {
                    at: deadline,
                    kind: TraceKind::TimerFired {
                        timer: id,
                        owner: timer.owner,
                    },
                });
            }
        }
    }

    /// How many timers are waited on (stale heap entries excluded).
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Forgets every timer, handing back their wakers to be dropped outside the lock.
    pub(crate) fn drain(&mut self) -> Vec<Waker> {
        self.heap.clear();
        self.slots
            .drain()
            .into_iter()
            .filter_map(|timer| timer.waker)
            .collect()
    }
}

/// The future behind the mock's [`Sleep`](ferry_core::Sleep): ready once virtual time reaches
/// its deadline.
///
/// It registers its timer on the first poll that finds the deadline ahead, and deregisters on
/// completion or drop, so a sleep that is never polled costs nothing and one that is dropped
/// leaves no timer behind to move the clock.
pub(crate) struct MockSleep {
    shared: Arc<Shared>,
    /// Virtual time since zero.
    deadline: Duration,
    registered: Option<(usize, TimerId)>,
}

impl MockSleep {
    pub(crate) fn new(shared: Arc<Shared>, deadline: Duration) -> Self {
        Self {
            shared,
            deadline,
            registered: None,
        }
    }
}

impl Future for MockSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut core = this.shared.lock();
        if core.now >= this.deadline {
            let old = this
                .registered
                .take()
                .and_then(|(slot, id)| core.timers.deregister(slot, id));
            drop(core);
            drop(old);
            return Poll::Ready(());
        }
        match this.registered {
            Some((slot, id)) => {
                let old = core.timers.update_waker(slot, id, cx.waker());
                drop(core);
                drop(old);
            }
            None => {
                let owner = core.current;
                this.registered = Some(core.timers.register(
                    this.deadline,
                    cx.waker().clone(),
                    owner,
                ));
            }
        }
        Poll::Pending
    }
}

impl Drop for MockSleep {
    fn drop(&mut self) {
        if let Some((slot, id)) = self.registered.take() {
            let old = self.shared.lock().timers.deregister(slot, id);
            drop(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn waker() -> Waker {
        Waker::from(Arc::new(Noop))
    }

    #[test]
    fn equal_deadlines_fire_in_registration_order_and_stale_entries_are_skipped() {
        let mut timers = Timers::new();
        let second = Duration::from_secs(1);
        let (slot_a, a) = timers.register(second, waker(), None);
        let (_, b) = timers.register(second, waker(), Some(TaskId(1)));
        let (slot_c, c) = timers.register(Duration::from_millis(500), waker(), None);
        let (_, d) = timers.register(second, waker(), None);
        assert!(timers.deregister(slot_c, c).is_some());
        assert_eq!(timers.next_deadline(), Some(second));
        assert!(timers.deregister(slot_a, a).is_some());

        let mut wake = Vec::new();
        let mut trace = Some(Vec::new());
        timers.fire_due(second, &mut wake, &mut trace);
        let fired: Vec<TimerId> = trace
            .unwrap()
            .into_iter()
            .map(|event| match event.kind {
                TraceKind::TimerFired { timer, .. } => timer,
                other => panic!("unexpected event {other:?}"),
            })
            .collect();
        assert_eq!(fired, vec![b, d]);
        assert_eq!(wake.len(), 2);
        assert_eq!(timers.next_deadline(), None);
    }
}
