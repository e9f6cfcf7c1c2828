//! [`PageError`]: why a page, or an item on it, could not be had.

use crate::HttpError;

/// A page of an HTTP paginator failed, or one item on it did not parse.
///
/// Page-level errors ([`Http`](Self::Http), [`NoItems`](Self::NoItems),
/// [`BadCursor`](Self::BadCursor)) end the stream: without the page there is no next one.
/// [`Item`](Self::Item) does not: the stream goes on with the next item. URLs are shown with
/// credentials redacted. Pages are counted from 1 in the order they were fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The request could not be built or sent, or the response was an error status or not
    /// JSON.
    #[error("page {page}: {source}")]
    Http {
        /// Which page (from 1).
        page: u64,
        /// What failed.
        #[source]
        source: HttpError,
    },
    /// The JSON body has no array where the items should be.
    #[error("page {page} ({url}): no JSON array of items at {pointer:?}")]
    NoItems {
        /// Which page (from 1).
        page: u64,
        /// The page's URL, redacted.
        url: String,
        /// The JSON pointer looked at (`""` is the whole body).
        pointer: String,
    },
    /// One item of the page is not a valid record of the asked type; the stream goes on.
    #[error("page {page} ({url}): item {index} is not a valid {type_name}: {source}")]
    Item {
        /// Which page (from 1).
        page: u64,
        /// The page's URL, redacted.
        url: String,
        /// The item's index on its page (from 0).
        index: usize,
        /// The type asked for.
        type_name: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The next cursor is neither a string, a number nor null, or repeats the cursor that
    /// fetched this page (which would loop forever).
    #[error("page {page} ({url}): bad next cursor at {pointer:?}: {reason}")]
    BadCursor {
        /// Which page (from 1).
        page: u64,
        /// The page's URL, redacted.
        url: String,
        /// The JSON pointer of the cursor.
        pointer: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl PageError {
    /// The page the error is about (from 1).
    pub fn page(&self) -> u64 {
        match self {
            Self::Http { page, .. }
            | Self::NoItems { page, .. }
            | Self::Item { page, .. }
            | Self::BadCursor { page, .. } => *page,
        }
    }

    /// Whether the stream goes on after this error (a bad item) or ends (every other kind).
    pub fn ends_stream(&self) -> bool {
        !matches!(self, Self::Item { .. })
    }
}
