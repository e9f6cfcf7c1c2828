//! The engine shared by the three gather futures: a lazily pulled iterator feeding a
//! `FuturesUnordered` of index-tagged futures, and the slots that put outputs back in order.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::stream::{FuturesUnordered, StreamExt};
use pin_project_lite::pin_project;

pin_project! {
    /// A future tagged with its position in the input, so that outputs arriving in completion
    /// order can be put back in input order.
    pub(super) struct Indexed<F> {
        index: usize,
        #[pin]
        inner: F,
    }
}

impl<F> Indexed<F> {
    pub(super) fn new(index: usize, inner: F) -> Self {
        Self { index, inner }
    }
}

impl<F: Future> Future for Indexed<F> {
    type Output = (usize, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let index = *this.index;
        this.inner.poll(cx).map(|output| (index, output))
    }
}

/// Pulls futures from the input while fewer than `limit` are in flight and polls them
/// together, tagging each with its input position.
pub(super) struct Driver<I, Fut> {
    /// The input, until it runs dry; `None` afterwards so that it is never called again.
    pending: Option<I>,
    in_flight: FuturesUnordered<Fut>,
    /// How many futures have been pulled from the input: the next one's index.
    pulled: usize,
    limit: usize,
}

impl<I: Iterator, Fut: Future> Driver<I, Fut> {
    pub(super) fn new(pending: I) -> Self {
        Self {
            pending: Some(pending),
            in_flight: FuturesUnordered::new(),
            pulled: 0,
            limit: usize::MAX,
        }
    }

    /// The input's lower size bound, to size the output before anything runs.
    pub(super) fn expected_len(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(0, |pending| pending.size_hint().0)
    }

    pub(super) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// How many futures exist right now (pulled and not yet finished).
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Starts futures up to the limit, then polls for the next one to finish.
    ///
    /// `Ready(Some(output))` hands over one finished future's output, `Ready(None)` means
    /// every future has finished and the input is exhausted.
    #[inline]
    pub(super) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        wrap: impl Fn(usize, I::Item) -> Fut,
    ) -> Poll<Option<Fut::Output>> {
        if let Some(pending) = self.pending.as_mut() {
            while self.in_flight.len() < self.limit {
                match pending.next() {
                    Some(item) => {
                        self.in_flight.push(wrap(self.pulled, item));
                        self.pulled += 1;
                    }
                    None => {
                        self.pending = None;
                        break;
                    }
                }
            }
        }
        self.in_flight.poll_next_unpin(cx)
    }

    /// Drops every future in flight and every future not yet pulled from the input.
    pub(super) fn cancel(&mut self) {
        self.pending = None;
        self.in_flight.clear();
    }
}

/// Outputs in input order: one slot per future pulled, filled when it finishes.
pub(super) struct Slots<T> {
    slots: Vec<Option<T>>,
    done: bool,
}

impl<T> Slots<T> {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            slots: Vec::with_capacity(capacity),
            done: false,
        }
    }

    #[inline]
    pub(super) fn store(&mut self, index: usize, value: T) {
        // Futures finish out of order, so a later index may arrive before an earlier one; the
        // gap is filled with empty slots that their own futures fill later.
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(value);
    }

    /// Hands over the outputs once every future has finished.
    ///
    /// # Panics
    ///
    /// When called a second time: the gather future was polled after it completed.
    pub(super) fn take(&mut self, what: &str) -> Vec<T> {
        assert!(!self.done, "{what} polled after it completed");
        self.done = true;
        std::mem::take(&mut self.slots)
            .into_iter()
            // Every pulled future has finished once the driver reports the end, so every
            // slot is full.
            .map(|slot| slot.expect("every gathered future has finished"))
            .collect()
    }

    /// Marks the gather finished without handing over outputs (it failed); drops them.
    pub(super) fn mark_done(&mut self, what: &str) {
        assert!(!self.done, "{what} polled after it completed");
        self.done = true;
        self.slots = Vec::new();
    }

    /// Whether the outputs were handed over (or dropped on failure).
    pub(super) fn is_done(&self) -> bool {
        self.done
    }
}

/// A whole gather: the driver, the slots that put its outputs in order, and the gather's name
/// for the panic of a poll after completion.
pub(super) struct Gathering<I, F: Future, T> {
    driver: Driver<I, Indexed<F>>,
    slots: Slots<T>,
    name: &'static str,
}

impl<I: Iterator, F: Future, T> Gathering<I, F, T> {
    pub(super) fn new(futures: I, name: &'static str) -> Self {
        let driver = Driver::new(futures);
        let slots = Slots::with_capacity(driver.expected_len());
        Self {
            driver,
            slots,
            name,
        }
    }

    pub(super) fn set_limit(&mut self, limit: usize) {
        self.driver.set_limit(limit);
    }

    /// How many futures exist right now (pulled and not yet finished).
    pub(super) fn in_flight(&self) -> usize {
        self.driver.in_flight()
    }

    /// Whether the gather has completed (with its outputs, or with an error).
    pub(super) fn is_done(&self) -> bool {
        self.slots.is_done()
    }

    /// Polls the futures (each input item made one by `wrap`) until every one has finished,
    /// then hands over their outputs in input order.
    ///
    /// # Panics
    ///
    /// When polled again after it completed.
    #[inline]
    pub(super) fn poll_all(
        &mut self,
        cx: &mut Context<'_>,
        wrap: impl Fn(I::Item) -> F,
    ) -> Poll<Vec<T>>
    where
        F: Future<Output = T>,
    {
        self.poll_until_error(cx, wrap, Ok::<T, Infallible>)
            .map(|outputs| outputs.unwrap_or_else(|never| match never {}))
    }

    /// As [`poll_all`](Self::poll_all) for futures that can fail: the first error to arrive
    /// ends the gather at once, dropping the other futures (in flight and not yet pulled),
    /// and is returned.
    #[inline]
    pub(super) fn try_poll_all<E>(
        &mut self,
        cx: &mut Context<'_>,
        wrap: impl Fn(I::Item) -> F,
    ) -> Poll<Result<Vec<T>, E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.poll_until_error(cx, wrap, |output| output)
    }

    /// Stores each output as `keep` turns it into a slot's value, until the end or the first
    /// output `keep` rejects.
    #[inline]
    fn poll_until_error<E>(
        &mut self,
        cx: &mut Context<'_>,
        wrap: impl Fn(I::Item) -> F,
        keep: impl Fn(F::Output) -> Result<T, E>,
    ) -> Poll<Result<Vec<T>, E>> {
        loop {
            let next = self
                .driver
                .poll_next(cx, |index, item| Indexed::new(index, wrap(item)));
            match ready!(next) {
                Some((index, output)) => match keep(output) {
                    Ok(value) => self.slots.store(index, value),
                    Err(error) => {
                        // Fail fast: the other futures are cancelled now, not whenever the
                        // caller gets around to dropping the gather.
                        self.driver.cancel();
                        self.slots.mark_done(self.name);
                        return Poll::Ready(Err(error));
                    }
                },
                None => return Poll::Ready(Ok(self.slots.take(self.name))),
            }
        }
    }
}
