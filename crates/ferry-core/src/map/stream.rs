//! The bounded concurrent map streams and the extension trait that makes them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_util::stream::{BufferUnordered, Buffered, Map, StreamExt};
use pin_project_lite::pin_project;

use crate::limit::{ConcurrencyLimit, InvalidLimit};

/// Bounded concurrent mapping for every [`Stream`]: implemented for all of them.
///
/// See the [module docs](crate::map) for the rule every buffered stream shares: the futures in
/// flight progress only while the stream is polled.
pub trait StreamConcurrencyExt: Stream + Sized {
    /// Calls `f` on every item and runs up to `limit` of the resulting futures at once,
    /// yielding their outputs in input order.
    ///
    /// The stream is pulled only when a slot is free, so at most `limit` futures exist at a
    /// time.
    ///
    /// # Errors
    ///
    /// [`InvalidLimit`] if `limit` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use ferry_core::StreamConcurrencyExt;
    ///
    /// # futures::executor::block_on(async {
    /// let ids = futures::stream::iter(["a", "b", "c"]);
    /// let upper: Vec<String> = ids
    ///     .map_concurrent(2, |id| async move { id.to_uppercase() })?
    ///     .collect()
    ///     .await;
    /// assert_eq!(upper, ["A", "B", "C"]);
    /// # Ok::<(), ferry_core::InvalidLimit>(())
    /// # }).unwrap();
    /// ```
    fn map_concurrent<F, Fut>(
        self,
        limit: usize,
        f: F,
    ) -> Result<MapConcurrent<Self, F>, InvalidLimit>
    where
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        let limit = ConcurrencyLimit::new(limit)?;
        Ok(MapConcurrent {
            inner: self.map(f).buffered(limit.get()),
        })
    }

    /// Calls `f` on every item and runs up to `limit` of the resulting futures at once,
    /// yielding each output as soon as its future finishes.
    ///
    /// The stream is pulled only when a slot is free, so at most `limit` futures exist at a
    /// time.
    ///
    /// # Errors
    ///
    /// [`InvalidLimit`] if `limit` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use ferry_core::StreamConcurrencyExt;
    ///
    /// # futures::executor::block_on(async {
    /// let total: u32 = futures::stream::iter(1..=10)
    ///     .map_concurrent_unordered(4, |n| async move { n })?
    ///     .fold(0, |sum, n| async move { sum + n })
    ///     .await;
    /// assert_eq!(total, 55);
    /// # Ok::<(), ferry_core::InvalidLimit>(())
    /// # }).unwrap();
    /// ```
    fn map_concurrent_unordered<F, Fut>(
        self,
        limit: usize,
        f: F,
    ) -> Result<MapConcurrentUnordered<Self, F>, InvalidLimit>
    where
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        let limit = ConcurrencyLimit::new(limit)?;
        Ok(MapConcurrentUnordered {
            inner: self.map(f).buffer_unordered(limit.get()),
        })
    }
}

impl<St: Stream> StreamConcurrencyExt for St {}

/// Implements `Stream`, `FusedStream` and `Debug` by forwarding to `inner`.
macro_rules! forward_stream {
    ($name:ident) => {
        impl<St, F, Fut> Stream for $name<St, F>
        where
            St: Stream,
            F: FnMut(St::Item) -> Fut,
            Fut: Future,
        {
            type Item = Fut::Output;

            #[inline]
            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                self.project().inner.poll_next(cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<St, F, Fut> FusedStream for $name<St, F>
        where
            St: Stream,
            F: FnMut(St::Item) -> Fut,
            Fut: Future,
        {
            fn is_terminated(&self) -> bool {
                self.inner.is_terminated()
            }
        }

        impl<St, F, Fut> fmt::Debug for $name<St, F>
        where
            St: Stream + fmt::Debug,
            F: FnMut(St::Item) -> Fut,
            Fut: Future,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("stream", self.inner.get_ref().get_ref())
                    .finish_non_exhaustive()
            }
        }
    };
}

pin_project! {
    /// A stream of the outputs of a bounded number of concurrent futures, in input order.
    ///
    /// Made by [`map_concurrent`](crate::map_concurrent) and
    /// [`StreamConcurrencyExt::map_concurrent`].
    ///
    /// # Cancel safety
    ///
    /// Awaiting the next item is cancel safe: dropping the `next()` future loses nothing.
    /// Dropping the stream drops every future in flight, and the outputs finished but not yet
    /// yielded.
    #[must_use = "streams do nothing unless polled"]
    pub struct MapConcurrent<St, F>
    where
        Map<St, F>: Stream,
        <Map<St, F> as Stream>::Item: Future,
    {
        #[pin]
        inner: Buffered<Map<St, F>>,
    }
}

forward_stream!(MapConcurrent);

pin_project! {
    /// A stream of the outputs of a bounded number of concurrent futures, in the order they
    /// finish.
    ///
    /// Made by [`map_concurrent_unordered`](crate::map_concurrent_unordered) and
    /// [`StreamConcurrencyExt::map_concurrent_unordered`].
    ///
    /// # Cancel safety
    ///
    /// Awaiting the next item is cancel safe: dropping the `next()` future loses nothing.
    /// Dropping the stream drops every future in flight.
    #[must_use = "streams do nothing unless polled"]
    pub struct MapConcurrentUnordered<St, F>
    where
        Map<St, F>: Stream,
        <Map<St, F> as Stream>::Item: Future,
    {
        #[pin]
        inner: BufferUnordered<Map<St, F>>,
    }
}

forward_stream!(MapConcurrentUnordered);
