//! [`Pages`]: the stream of items over any sequence of pages, fetched lazily.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use pin_project_lite::pin_project;

/// One fetched page: its items, and the key of the page after it (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<I, K> {
    /// The page's items, in order.
    pub items: Vec<I>,
    /// What to fetch next (a page number, a cursor, a URL); `None` ends the stream.
    pub next: Option<K>,
}

impl<I, K> Page<I, K> {
    /// A page with `items`, followed by the page at `next`.
    pub fn new(items: Vec<I>, next: Option<K>) -> Self {
        Self { items, next }
    }

    /// The last page: `items` and nothing after.
    pub fn last(items: Vec<I>) -> Self {
        Self { items, next: None }
    }
}

/// Turns a paged source into a [`Stream`] of items: `fetch(first)` gives the first page and
/// the key of the next, and so on until a page has no next key.
///
/// - **Lazy.** A page is fetched only when the stream is polled past the items of the pages
///   before it: a consumer that stops after 5 items of a 10-item page fetches one page.
/// - **Prefetch.** [`Pages::prefetch`] lets the stream fetch up to `n` pages beyond the one
///   being read, while the consumer works through it; one fetch is in flight at a time (the
///   next key comes from the page before). Fetches make progress while the stream is polled:
///   nothing is spawned, and a stream nobody polls fetches nothing.
/// - **Errors.** A failed fetch is yielded as an `Err` after the items already fetched, and
///   then the stream ends: without the page there is no next key. Per-item errors are the
///   source's business: a fetch can return items that are themselves `Result`s (the HTTP
///   paginators do, and their streams go on past a bad item).
///
/// # Cancel safety
///
/// Dropping the stream drops the fetch in flight, if any (as dropping that future does) and
/// the items not yet read; nothing else is affected.
///
/// ```
/// use futures::StreamExt;
/// use ferry_http::paginate::{Page, paginate};
///
/// # futures::executor::block_on(async {
/// // Pages of 3 numbers, 8 numbers in all; the key is the offset of the page.
/// let numbers = paginate(0u32, |offset| async move {
///     let items: Vec<u32> = (offset..(offset + 3).min(8)).collect();
///     let next = (offset + 3 < 8).then_some(offset + 3);
///     Ok::<_, std::io::Error>(Page::new(items, next))
/// });
/// let all: Vec<u32> = numbers.map(Result::unwrap).collect().await;
/// assert_eq!(all, [0, 1, 2, 3, 4, 5, 6, 7]);
/// # });
/// ```
pub fn paginate<K, F, Fut, I, E>(first: K, fetch: F) -> Pages<K, F, Fut, I, E>
where
    F: FnMut(K) -> Fut,
    Fut: Future<Output = Result<Page<I, K>, E>>,
{
    Pages {
        fetch,
        next: Some(first),
        in_flight: None,
        pages: VecDeque::new(),
        error: None,
        prefetch: 0,
        fetched: 0,
    }
}

pin_project! {
    /// The stream made by [`paginate`]; see there.
    #[must_use = "streams do nothing unless polled"]
    pub struct Pages<K, F, Fut, I, E> {
        fetch: F,
        next: Option<K>,
        #[pin]
        in_flight: Option<Fut>,
        pages: VecDeque<VecDeque<I>>,
        error: Option<E>,
        prefetch: usize,
        fetched: u64,
    }
}

impl<K, F, Fut, I, E> Pages<K, F, Fut, I, E> {
    /// Fetches up to `pages` pages ahead of the one being read (0, the default: a page is
    /// fetched only once the stream is polled past the one before).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages;
        self
    }

    /// How many pages have been fetched so far (failed fetches not counted).
    pub fn pages_fetched(&self) -> u64 {
        self.fetched
    }
}

impl<K, F, Fut, I, E> Stream for Pages<K, F, Fut, I, E>
where
    F: FnMut(K) -> Fut,
    Fut: Future<Output = Result<Page<I, K>, E>>,
{
    type Item = Result<I, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            // Pages read to their end make room for the next.
            while this.pages.front().is_some_and(VecDeque::is_empty) {
                this.pages.pop_front();
            }
            let wanted = this.pages.is_empty() || this.pages.len() <= *this.prefetch;
            if this.in_flight.is_none() && wanted {
                if let Some(key) = this.next.take() {
                    let future = (this.fetch)(key);
                    this.in_flight.set(Some(future));
                }
            }
            if let Some(fetching) = this.in_flight.as_mut().as_pin_mut() {
                if let Poll::Ready(result) = fetching.poll(cx) {
                    this.in_flight.set(None);
                    match result {
                        Ok(page) => {
                            *this.fetched += 1;
                            *this.next = page.next;
                            let empty = page.items.is_empty();
                            this.pages.push_back(page.items.into());
                            if empty && this.next.is_some() && this.pages.len() == 1 {
                                // An empty page with more after it: give other tasks a turn
                                // before the next fetch, so that a source of endless empty
                                // pages cannot hold the thread in this loop.
                                cx.waker().wake_by_ref();
                                return Poll::Pending;
                            }
                            continue;
                        }
                        Err(error) => *this.error = Some(error),
                    }
                }
            }
            if let Some(item) = this.pages.front_mut().and_then(VecDeque::pop_front) {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.pages.iter().any(|page| !page.is_empty()) {
                continue;
            }
            if let Some(error) = this.error.take() {
                return Poll::Ready(Some(Err(error)));
            }
            if this.in_flight.is_none() && this.next.is_none() {
                return Poll::Ready(None);
            }
            return Poll::Pending;
        }
    }
}

impl<K, F, Fut, I, E> fmt::Debug for Pages<K, F, Fut, I, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("pages_fetched", &self.fetched)
            .field("buffered_pages", &self.pages.len())
            .field("fetching", &self.in_flight.is_some())
            .field("prefetch", &self.prefetch)
            .finish_non_exhaustive()
    }
}
