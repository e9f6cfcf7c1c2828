//! Map items to futures and run a bounded number at once, as a stream of their outputs: the
//! bounded `map` that asyncio users write with a semaphore around `gather`, or
//! `as_completed`.
//!
//! | input | in input order | in completion order |
//! |---|---|---|
//! | an iterator | [`map_concurrent`] | [`map_concurrent_unordered`] |
//! | a [`Stream`](futures_core::Stream) | [`StreamConcurrencyExt::map_concurrent`] | [`StreamConcurrencyExt::map_concurrent_unordered`] |
//!
//! These are futures-util's `buffered` and `buffer_unordered` behind a validated
//! [`ConcurrencyLimit`](crate::ConcurrencyLimit): a limit of zero, which makes
//! `buffer_unordered(0)` hang forever, is an [`InvalidLimit`] error here. The cost per item is
//! theirs.
//!
//! # Progress happens only while the stream is polled
//!
//! The futures in flight run inside the stream, so they make progress only while someone is
//! waiting on the stream's next item (futures-rs #2348). A loop that awaits something slow
//! between two `next()` calls stalls every request in flight for that long: their timeouts
//! can fire although the server answered, and idle connections can be closed under them.
//!
//! ```
//! use futures::StreamExt;
//! use ferry_core::map_concurrent;
//!
//! # async fn store(_: u32) {}
//! # futures::executor::block_on(async {
//! let mut results = map_concurrent(1..=100, 8, |id| async move { id * 2 })?;
//! while let Some(result) = results.next().await {
//!     // Keep this body short: while it runs, the eight futures in flight are not polled.
//!     // Slow work belongs in a spawned task (or send `result` down a channel to one).
//!     store(result).await;
//! }
//! # Ok::<(), ferry_core::InvalidLimit>(())
//! # }).unwrap();
//! ```

mod stream;

pub use stream::{MapConcurrent, MapConcurrentUnordered, StreamConcurrencyExt};

use std::future::Future;

use futures_util::stream::Iter;

use crate::limit::InvalidLimit;

/// Calls `f` on every item of `items` and runs up to `limit` of the resulting futures at
/// once, yielding their outputs in input order.
///
/// Items are taken from the iterator lazily, one each time a slot frees up, so at most
/// `limit` futures exist at a time. An output that is ready early waits until every output
/// before it has been yielded; use [`map_concurrent_unordered`] to get outputs as they come.
///
/// # Errors
///
/// [`InvalidLimit`] if `limit` is zero.
///
/// # Examples
///
/// ```
/// use futures::TryStreamExt;
/// use ferry_core::map_concurrent;
///
/// async fn fetch(id: u32) -> Result<String, std::io::Error> {
///     Ok(format!("item {id}"))
/// }
///
/// # futures::executor::block_on(async {
/// let items: Vec<String> = map_concurrent(1..=3, 2, fetch)?.try_collect().await?;
/// assert_eq!(items, ["item 1", "item 2", "item 3"]);
/// assert!(map_concurrent(1..=3, 0, fetch).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn map_concurrent<I, F, Fut>(
    items: I,
    limit: usize,
    f: F,
) -> Result<MapConcurrent<Iter<I::IntoIter>, F>, InvalidLimit>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    futures_util::stream::iter(items).map_concurrent(limit, f)
}

/// Calls `f` on every item of `items` and runs up to `limit` of the resulting futures at
/// once, yielding each output as soon as its future finishes.
///
/// Items are taken from the iterator lazily, one each time a slot frees up, so at most
/// `limit` futures exist at a time. Pair each output with its input (return `(id, result)`
/// from `f`) if the caller needs to know which is which.
///
/// # Errors
///
/// [`InvalidLimit`] if `limit` is zero.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use ferry_core::map_concurrent_unordered;
///
/// # futures::executor::block_on(async {
/// let mut squares: Vec<u64> = map_concurrent_unordered(1..=4_u64, 2, |n| async move { n * n })?
///     .collect()
///     .await;
/// squares.sort_unstable();
/// assert_eq!(squares, [1, 4, 9, 16]);
/// # Ok::<(), ferry_core::InvalidLimit>(())
/// # }).unwrap();
/// ```
pub fn map_concurrent_unordered<I, F, Fut>(
    items: I,
    limit: usize,
    f: F,
) -> Result<MapConcurrentUnordered<Iter<I::IntoIter>, F>, InvalidLimit>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    futures_util::stream::iter(items).map_concurrent_unordered(limit, f)
}
