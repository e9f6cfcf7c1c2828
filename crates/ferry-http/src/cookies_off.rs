//! The cookie jar's stand-in when `ferry-http` is built without its `cookies` feature.

use http::{HeaderMap, Uri};

/// Has no values: without the `cookies` feature no jar can exist, so the client's
/// `Option<&CookieJar>` is always `None` and its cookie steps compile to nothing.
pub(crate) enum CookieJar {}

impl CookieJar {
    pub(crate) fn store_from(&self, _: &HeaderMap, _: &Uri) {
        match *self {}
    }

    pub(crate) fn apply(&self, _: &mut HeaderMap, _: &Uri) {
        match *self {}
    }
}
