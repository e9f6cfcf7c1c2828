//! HTTP for ferry: a client trait users program against, and the shared machinery backends
//! plug into.
//!
//! Beside the client: [`ResilientClient`] (per-host limits, rate limits and retries), the HTTP
//! retry rules ([`HttpRetryRule`], [`parse_retry_after`]) and [`paginate`](mod@paginate) (paged APIs as
//! streams). Backends (`ferry-tokio`, `ferry-smol`, `ferry-mock`) implement [`Transport`].
//!
//! # The split
//!
//! | layer | what | who writes it |
//! |---|---|---|
//! | [`HttpClient`] | `send(Request) -> Response`, object safe | users program against it; mocks implement it |
//! | [`Client`] | redirects, total timeout, body limit, user agent, tracing, error mapping | here, once |
//! | [`Transport`] | one exchange on the wire: pool, TLS, connect timeout | each backend (hyper on tokio, ...) |
//!
//! A backend implements only [`Transport`] and wraps `Client<ItsTransport, ItsTimer>`; every
//! behaviour a user can observe above the wire is therefore the same on every backend, and the
//! conformance suite checks it once.
//!
//! # Sending requests
//!
//! ```
//! use ferry_http::{HttpClient, HttpClientExt, HttpError, Response};
//!
//! async fn fetch_item(client: &dyn HttpClient, id: u32) -> Result<serde_json::Value, HttpError> {
//!     client
//!         .get(format!("https://api.example.com/items/{id}"))
//!         .query([("fields", "name,price")])
//!         .send()
//!         .await?
//!         .error_for_status()?
//!         .json()
//!         .await
//! }
//! ```
//!
//! # Defaults that do not hang
//!
//! [`HttpSettings`] starts with a 10 s connect timeout, a 30 s total timeout, a 32 MiB body
//! limit and at most 10 redirects. Certificate checks cannot be turned off.
//!
//! # Secrets
//!
//! `Authorization`, `Cookie`, `Set-Cookie`, `Proxy-Authorization` and every header marked
//! with [`HeaderValue::set_sensitive`](http::HeaderValue::set_sensitive) (see
//! [`RequestBuilder::sensitive_header`]) are never printed by `Debug`, errors or tracing, and
//! are dropped when a redirect leaves the origin. URLs in errors and `Debug` output lose their
//! password and credential-like query values.

use std::sync::Arc;

mod body;
mod client;
mod deadline;
mod error;
mod layer;
mod redact;
mod request;
mod response;
mod retry_after;
mod settings;
mod transport;

pub mod paginate;
mod retry_rule;

#[cfg(test)]
mod tests;

pub use client::Client;
pub use error::HttpError;
pub use layer::{Attempts, HostPolicy, ResilientClient};
pub use redact::{is_sensitive, redact_uri, redact_url_str};
pub use request::{IntoUrl, Request, RequestBuilder};
pub use response::{BodyStream, Response};
pub use retry_after::RetryAfter;
pub use settings::{Certificate, CertificateEncoding, HttpSettings, InvalidCertificate};
pub use transport::{Transport, TransportError, TransportErrorKind};

pub use paginate::{Pages, paginate};
pub use retry_rule::{HttpRetryRule, TransportFailure, parse_retry_after};

/// Sends HTTP requests: the trait pipelines program against.
///
/// Object safe (use `Arc<dyn HttpClient>` to pick a backend at run time, or a mock in tests)
/// and implemented for `&T`, `Box<T>` and `Arc<T>`. Convenience methods (`get`, `post`, ...)
/// come from [`HttpClientExt`], implemented for every client.
#[async_trait::async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and resolves once the final response head has arrived (after
    /// redirects); read the body from the [`Response`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the request: its connection is closed, not returned to a
    /// pool, and nothing else is affected. The server may already have received the request.
    async fn send(&self, request: Request) -> Result<Response, HttpError>;
}

#[async_trait::async_trait]
impl<T: HttpClient + ?Sized> HttpClient for &T {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        (**self).send(request).await
    }
}

#[async_trait::async_trait]
impl<T: HttpClient + ?Sized> HttpClient for Box<T> {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        (**self).send(request).await
    }
}

#[async_trait::async_trait]
impl<T: HttpClient + ?Sized> HttpClient for Arc<T> {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        (**self).send(request).await
    }
}

// Architecture invariant: the client trait stays object safe.
const _: Option<&dyn HttpClient> = None;

/// Request builders on any [`HttpClient`]: `client.get(url).send().await`.
///
/// ```
/// use ferry_http::{HttpClient, HttpClientExt};
///
/// async fn post_event(client: &impl HttpClient) -> Result<(), ferry_http::HttpError> {
///     client
///         .post("https://events.example.com/v1/events")
///         .sensitive_header("x-api-key", "k-123")
///         .json(&serde_json::json!({ "kind": "started" }))
///         .send()
///         .await?
///         .error_for_status()?;
///     Ok(())
/// }
/// ```
pub trait HttpClientExt: HttpClient {
    /// A request with `method` to `url`, sent by this client.
    fn request(&self, method: http::Method, url: impl IntoUrl) -> RequestBuilder<&Self> {
        RequestBuilder::new(self, method, url)
    }

    /// A `GET` request to `url`.
    fn get(&self, url: impl IntoUrl) -> RequestBuilder<&Self> {
        self.request(http::Method::GET, url)
    }

    /// A `POST` request to `url`.
    fn post(&self, url: impl IntoUrl) -> RequestBuilder<&Self> {
        self.request(http::Method::POST, url)
    }

    /// A `PUT` request to `url`.
    fn put(&self, url: impl IntoUrl) -> RequestBuilder<&Self> {
        self.request(http::Method::PUT, url)
    }

    /// A `DELETE` request to `url`.
    fn delete(&self, url: impl IntoUrl) -> RequestBuilder<&Self> {
        self.request(http::Method::DELETE, url)
    }

    /// A `HEAD` request to `url`.
    fn head(&self, url: impl IntoUrl) -> RequestBuilder<&Self> {
        self.request(http::Method::HEAD, url)
    }
}

impl<C: HttpClient + ?Sized> HttpClientExt for C {}
