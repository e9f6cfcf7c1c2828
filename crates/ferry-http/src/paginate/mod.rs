//! Paged APIs as [`Stream`](futures_core::Stream)s of items.
//!
//! | API shape | use |
//! |---|---|
//! | `?page=1`, `?page=2`, ... until an empty page | [`PageNumbers`] |
//! | `?cursor=<next_cursor of the last page>` until none | [`CursorPages`] |
//! | `Link: <...>; rel="next"` headers | [`LinkPages`] (and [`parse_link_header`]) |
//! | anything else | [`paginate`] with your own fetch function |
//!
//! Every paginator is lazy (a page is fetched only when the stream is polled past the one
//! before), can fetch a set number of pages ahead ([`Pages::prefetch`]), and reports errors
//! through the stream: a page that fails ends it after the items before it, an item that does
//! not parse is reported and the stream goes on ([`PageError::ends_stream`]). Put a
//! [`ResilientClient`](crate::ResilientClient) under a paginator to retry pages and
//! respect rate limits.

mod error;
mod http;
mod link;
mod pages;

pub use error::PageError;
pub use http::{CursorPages, LinkPages, PageNumbers};
pub use link::{Link, find_link, parse_link_header};
pub use pages::{Page, Pages, paginate};
