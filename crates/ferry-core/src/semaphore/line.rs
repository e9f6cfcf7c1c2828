//! A first-come, first-served line of waiters addressed by ticket, shared by the semaphore and
//! the queue.
//!
//! Tickets only grow, so the slots, kept in ticket order in a `VecDeque`, are found by their
//! distance from the head's ticket: joining and leaving from the head (what nearly every waiter
//! does) are O(1) and allocate nothing once the deque has grown to the peak number of waiters.
//! A waiter that leaves from the middle leaves a tombstone, so the others keep their places;
//! tombstones at either end are popped at once, and when they outnumber the live waiters the
//! deque is compacted, so memory stays proportional to the live waiters even if the head never
//! moves. After a compaction a slot is no longer at its distance from the head and is found by
//! binary search on its ticket (the slots stay sorted).

use std::collections::VecDeque;

/// Tombstones tolerated beyond the number of live waiters before compacting: keeps compaction
/// (which moves every slot) amortised O(1) per removal, and rare for short lines.
const SLACK_TOMBSTONES: usize = 32;

#[derive(Debug)]
struct Slot<W> {
    ticket: u64,
    /// `None`: a tombstone, the waiter left from the middle.
    waiter: Option<W>,
}

/// Waiters in the order they joined; see the module documentation.
#[derive(Debug)]
pub(crate) struct Line<W> {
    /// Sorted by ticket; the first and last slots are never tombstones.
    slots: VecDeque<Slot<W>>,
    next_ticket: u64,
    live: usize,
}

impl<W> Default for Line<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> Line<W> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: VecDeque::new(),
            next_ticket: 0,
            live: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The ticket of the oldest waiter still in line, or the next ticket to be handed out if
    /// the line is empty. Never decreases, and every ticket below it has left the line.
    pub(crate) fn head_ticket(&self) -> u64 {
        // The front slot is never a tombstone (see `trim`), so it is the oldest live waiter.
        self.slots
            .front()
            .map_or(self.next_ticket, |slot| slot.ticket)
    }

    /// Joins the line at the back; the ticket finds the waiter again.
    pub(crate) fn push_back(&mut self, waiter: W) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.slots.push_back(Slot {
            ticket,
            waiter: Some(waiter),
        });
        self.live += 1;
        ticket
    }

    /// The slot index of `ticket`, if it is still in the deque (live or a tombstone).
    fn find(&self, ticket: u64) -> Option<usize> {
        let head = self.slots.front()?.ticket;
        let distance = usize::try_from(ticket.checked_sub(head)?).ok()?;
        match self.slots.get(distance) {
            Some(slot) if slot.ticket == ticket => Some(distance),
            // Compacted since this waiter joined (or gone): the slots are still sorted.
            _ => self
                .slots
                .binary_search_by_key(&ticket, |slot| slot.ticket)
                .ok(),
        }
    }

    /// The waiter holding `ticket`, if it has not left the line.
    pub(crate) fn get_mut(&mut self, ticket: u64) -> Option<&mut W> {
        let index = self.find(ticket)?;
        self.slots[index].waiter.as_mut()
    }

    pub(crate) fn contains(&self, ticket: u64) -> bool {
        self.find(ticket)
            .is_some_and(|index| self.slots[index].waiter.is_some())
    }

    /// Takes the waiter holding `ticket` out of the line, keeping everyone else's place.
    pub(crate) fn remove(&mut self, ticket: u64) -> Option<W> {
        let index = self.find(ticket)?;
        let waiter = self.slots[index].waiter.take()?;
        self.live -= 1;
        self.trim();
        if self.slots.len() - self.live > self.live + SLACK_TOMBSTONES {
            self.slots.retain(|slot| slot.waiter.is_some());
        }
        Some(waiter)
    }

    /// The oldest waiter.
    pub(crate) fn front_mut(&mut self) -> Option<&mut W> {
        self.slots.front_mut()?.waiter.as_mut()
    }

    /// Takes the oldest waiter out of the line.
    pub(crate) fn pop_front(&mut self) -> Option<W> {
        let waiter = self.slots.pop_front()?.waiter;
        self.live -= 1;
        self.trim();
        waiter
    }

    /// Every waiter still in line, oldest first.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut W> {
        self.slots
            .iter_mut()
            .filter_map(|slot| slot.waiter.as_mut())
    }

    /// Takes every waiter out of the line at once (tickets keep growing afterwards, so an old
    /// ticket never finds a newer waiter).
    pub(crate) fn take_all(&mut self) -> impl Iterator<Item = W> + use<W> {
        self.live = 0;
        std::mem::take(&mut self.slots)
            .into_iter()
            .filter_map(|slot| slot.waiter)
    }

    /// Pops tombstones off both ends, so the ends are always live waiters.
    // Inline: the check for no tombstone at all is the common case, when waiters leave from
    // the head, and costs less than the call.
    #[inline]
    fn trim(&mut self) {
        if self.slots.len() != self.live {
            self.trim_tombstones();
        }
    }

    fn trim_tombstones(&mut self) {
        while self.slots.front().is_some_and(|slot| slot.waiter.is_none()) {
            self.slots.pop_front();
        }
        while self.slots.back().is_some_and(|slot| slot.waiter.is_none()) {
            self.slots.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn waiters_leave_in_ticket_order_around_middle_removals() {
        let mut line = Line::new();
        let tickets: Vec<u64> = (0..10).map(|n| line.push_back(n)).collect();
        assert_eq!(line.remove(tickets[3]), Some(3));
        assert_eq!(line.remove(tickets[3]), None);
        assert!(!line.contains(tickets[3]));
        assert_eq!(line.get_mut(tickets[7]), Some(&mut 7));
        let mut order = Vec::new();
        while let Some(n) = line.pop_front() {
            order.push(n);
        }
        assert_eq!(order, [0, 1, 2, 4, 5, 6, 7, 8, 9]);
        assert!(line.is_empty());
    }

    #[test]
    fn tombstones_behind_a_stuck_head_are_compacted_and_tickets_still_found() {
        let mut line = Line::new();
        let head = line.push_back(u64::MAX);
        let mut kept = Vec::new();
        // Waiters behind the head come and go, leaving from the middle every time.
        for round in 0..1_000u64 {
            let leaving = line.push_back(round);
            let staying = line.push_back(round);
            line.remove(leaving);
            if round % 100 == 0 {
                kept.push((staying, round));
            } else {
                line.remove(staying);
            }
        }
        assert!(line.slots.len() <= 2 * line.live + super::SLACK_TOMBSTONES + 1);
        for (ticket, round) in &kept {
            assert_eq!(line.get_mut(*ticket), Some(&mut round.clone()));
        }
        assert!(line.contains(head));
        assert_eq!(line.pop_front(), Some(u64::MAX));
        let rest: Vec<u64> = std::iter::from_fn(|| line.pop_front()).collect();
        assert_eq!(
            rest,
            kept.iter().map(|(_, round)| *round).collect::<Vec<_>>()
        );
    }

    #[test]
    fn head_ticket_passes_every_waiter_that_left() {
        let mut line = Line::new();
        assert_eq!(line.head_ticket(), 0);
        let first = line.push_back('a');
        let second = line.push_back('b');
        let third = line.push_back('c');
        assert_eq!(line.head_ticket(), first);
        // Leaving from the middle leaves the head where it is.
        line.remove(second);
        assert_eq!(line.head_ticket(), first);
        // Popping the head skips the tombstone behind it.
        line.pop_front();
        assert_eq!(line.head_ticket(), third);
        line.pop_front();
        assert!(line.head_ticket() > third);
        assert_eq!(line.head_ticket(), line.push_back('d'));
    }

    #[test]
    fn take_all_empties_the_line_and_old_tickets_find_nothing() {
        let mut line = Line::new();
        let old = line.push_back('a');
        line.push_back('b');
        assert_eq!(line.take_all().collect::<String>(), "ab");
        assert!(line.is_empty());
        let new = line.push_back('c');
        assert_ne!(old, new);
        assert!(!line.contains(old));
        assert_eq!(line.front_mut(), Some(&mut 'c'));
    }
}
