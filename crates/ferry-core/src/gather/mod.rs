//! Run many futures at once and collect their outputs in input order: asyncio's `gather`.
//!
//! Three forms, for three ways of handling failure:
//!
//! | function | resolves to | on failure |
//! |---|---|---|
//! | [`gather`] | `Vec<T>` | the futures cannot fail |
//! | [`gather_settled`] | [`Settled<T, E>`] | every outcome kept in its slot, errors and panics included (`return_exceptions=True`) |
//! | [`try_gather`] | `Result<Vec<T>, E>` | the first error is returned and the other futures are dropped at once |
//!
//! Each runs its futures inside the calling task (no spawning, no runtime needed), polling
//! them together through a [`FuturesUnordered`](futures_util::stream::FuturesUnordered), and
//! puts each output back at its input position. Each can be given a concurrency limit with
//! `.limit(n)`: then at most `n` futures exist at a time, because the input iterator is pulled
//! lazily, one future each time another finishes. A limit of zero is an
//! [`InvalidLimit`](crate::InvalidLimit) error rather than a gather that never finishes. Empty
//! input resolves at the first poll to an empty result.
//!
//! Since the futures run inside the gathering task, they make progress only while it is being
//! polled, and use one thread between them. For CPU-heavy work or work that must outlive the
//! caller, spawn tasks instead (see [`TaskGroup`](crate::TaskGroup)).

mod driver;
mod error;
mod future;
mod settled;

pub use error::ItemError;
pub use future::{Gather, GatherSettled, TryGather};
pub use settled::Settled;

use std::future::Future;

use futures_core::future::TryFuture;

/// Runs every future from `futures` concurrently and resolves to their outputs, in input
/// order.
///
/// The futures are polled together in the calling task; whichever finishes first, output `i`
/// is that of the `i`-th future. Add `.limit(n)?` to run at most `n` at a time. A panic in one
/// of the futures propagates to the caller of `poll` (use [`gather_settled`] to catch it).
///
/// # Cancel safety
///
/// Dropping the returned [`Gather`] drops every future still running and every future not yet
/// taken from the iterator.
///
/// # Examples
///
/// ```
/// use ferry_core::gather::gather;
///
/// # futures::executor::block_on(async {
/// let lengths = gather(["a", "bb", "ccc"].map(|word| async move { word.len() })).await;
/// assert_eq!(lengths, [1, 2, 3]);
///
/// // At most two at a time; the input is pulled lazily, so the third future is only made
/// // when one of the first two has finished.
/// let doubled = gather((1..=3).map(|n| async move { n * 2 })).limit(2)?.await;
/// assert_eq!(doubled, [2, 4, 6]);
/// # Ok::<(), ferry_core::InvalidLimit>(())
/// # }).unwrap();
/// ```
pub fn gather<I>(futures: I) -> Gather<I::IntoIter>
where
    I: IntoIterator,
    I::Item: Future,
{
    Gather::new(futures.into_iter())
}

/// Runs every fallible future from `futures` concurrently and keeps every outcome in input
/// order: asyncio's `gather(..., return_exceptions=True)`.
///
/// Nothing is cancelled when one future fails: slot `i` of the [`Settled`] report holds the
/// `i`-th future's value, its error as [`ItemError::Failed`], or, if it panicked, the caught
/// panic as [`ItemError::Panicked`]. Add `.limit(n)?` to run at most `n` at a time.
///
/// # Cancel safety
///
/// Dropping the returned [`GatherSettled`] drops every future still running and every future
/// not yet taken from the iterator.
///
/// # Examples
///
/// ```
/// use ferry_core::gather::{gather_settled, ItemError};
///
/// async fn fetch(id: u32) -> Result<String, String> {
///     match id {
///         2 => Err(format!("item {id} not found")),
///         3 => panic!("parser bug on item {id}"),
///         _ => Ok(format!("item {id}")),
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let report = gather_settled((1..=4).map(fetch)).limit(2)?.await;
/// let outcomes = report.into_results();
/// assert_eq!(outcomes[0], Ok("item 1".to_owned()));
/// assert_eq!(outcomes[1], Err(ItemError::Failed("item 2 not found".to_owned())));
/// assert_eq!(outcomes[2].as_ref().unwrap_err().panicked().unwrap().message(), "parser bug on item 3");
/// assert_eq!(outcomes[3], Ok("item 4".to_owned()));
/// # Ok::<(), ferry_core::InvalidLimit>(())
/// # }).unwrap();
/// ```
pub fn gather_settled<I>(futures: I) -> GatherSettled<I::IntoIter>
where
    I: IntoIterator,
    I::Item: TryFuture,
{
    GatherSettled::new(futures.into_iter())
}

/// Runs every fallible future from `futures` concurrently and resolves to their values in
/// input order, or to the first error.
///
/// Fails fast: as soon as one future returns an error, every other future is dropped (which
/// cancels it), no more are taken from the iterator, and that error is returned. "First" means
/// first to finish, not first in input order. A panic propagates to the caller of `poll`, as
/// with [`gather`]. Add `.limit(n)?` to run at most `n` at a time.
///
/// # Cancel safety
///
/// Dropping the returned [`TryGather`] drops every future still running and every future not
/// yet taken from the iterator.
///
/// # Examples
///
/// ```
/// use ferry_core::gather::try_gather;
///
/// async fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
///     text.parse()
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(try_gather(["1", "2"].map(parse)).await, Ok(vec![1, 2]));
/// assert!(try_gather(["1", "x", "3"].map(parse)).await.is_err());
/// # });
/// ```
pub fn try_gather<I>(futures: I) -> TryGather<I::IntoIter>
where
    I: IntoIterator,
    I::Item: TryFuture,
{
    TryGather::new(futures.into_iter())
}
