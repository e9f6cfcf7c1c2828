//! ferry's HTTP client over a [`surf::Client`] you already have (feature `surf`, off by
//! default).
//!
//! [`SurfHttpClient`] is ferry-core's shared [`Client`](ferry_http::Client) over
//! [`SurfTransport`]: surf moves the bytes of one exchange, and everything ferry adds on top
//! (redirect rules and credential stripping, the total deadline, the body limit, redaction,
//! tracing, typed errors, and through them retries, rate limits and pagination) is the same
//! code the tokio and smol clients run. It is for code that already has surf in its stack and
//! wants to keep its surf backend; new code is better served by
//! [`SmolHttpClient`](crate::SmolHttpClient), which has none of the limits below.
//!
//! ```no_run
//! use ferry_http::{HttpClientExt, HttpSettings};
//!
//! let item: serde_json::Value = ferry_smol::block_on(|rt| async move {
//!     // The surf client your stack already configures, with its backend (here surf's h1
//!     // backend), but without surf's `Redirect` middleware: ferry follows redirects itself.
//!     let surf = surf::Client::new();
//!     let client = rt.surf_client(surf, HttpSettings::default())?;
//!     let item = client.get("http://127.0.0.1:8080/items/1").send().await?.json().await?;
//!     Ok::<_, Box<dyn std::error::Error>>(item)
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! The wire belongs to surf's backend, not to ferry, so:
//!
//! - **Connections, HTTP versions and TLS are the backend's.** ferry's wire settings
//!   ([`connect_timeout`](ferry_http::HttpSettings::connect_timeout), the pool settings,
//!   [`root_certificates`](ferry_http::HttpSettings::root_certificates)) cannot reach
//!   it: configure them on the surf backend (`http_client::Config`). Because trusting extra
//!   roots silently would not happen, and a cap on connections silently would not hold,
//!   settings that carry root certificates or a
//!   [`max_connections_per_host`](ferry_http::HttpSettings::max_connections_per_host) are
//!   refused with [`SurfSettingsError`] instead of being ignored. surf's h1 backend speaks HTTP/1.1 only,
//!   and its TLS is its own (an older rustls or native-tls), not ferry's shared rustls
//!   configuration.
//! - **Errors are classified as far as surf keeps their type.** An `io::Error` anywhere in
//!   the chain is classified like the other backends do (refused or unreachable: a connect
//!   error; timed out: a timeout; TLS inside: a TLS error), and surf's own timeout is a
//!   timeout. Some backends flatten failures into text before ferry sees them: surf's h1
//!   backend reports a refused connection from its keep-alive pool as a plain message. Such
//!   failures are reported as [`is_request`](ferry_http::HttpError::is_request)
//!   errors (the conservative reading: the request may have been sent), still retryable,
//!   with surf's message as the source.
//! - **Requests surf cannot express fail before anything is sent**, with
//!   [`is_unsupported`](ferry_http::HttpError::is_unsupported): methods outside
//!   http-types' list and header values with bytes outside ASCII (the `http` crate accepts
//!   both).
//! - **surf's middleware runs inside one hop.** Middleware on the surf client sees each
//!   request ferry sends, redirects included, one at a time; a middleware that follows
//!   redirects or retries on its own bypasses ferry's rules for them, so leave those to ferry.
//! - **surf's h1 backend (http-client 6.5) pools connections it should close.** Its
//!   keep-alive pool takes a connection back whenever the request's objects are dropped,
//!   finished or not, and only checks that the socket has not been closed:
//!   - a request abandoned before its response arrived (a ferry timeout or deadline, an
//!     aborted task) returns a connection the server is still answering, and the next
//!     request on it waits behind that answer, or times out behind a stalled one;
//!   - a response body dropped before its end (at ferry's body limit, a stream you stop
//!     reading) returns its connection with the unread rest on it, and the next request
//!     there fails (`Head byte length should be less than 8kb`) or reads the stale bytes.
//!
//!   Where requests can time out or bodies can be dropped early, turn keep-alive off
//!   (`surf::Config::new().set_http_keep_alive(false)`) or use a backend without this flaw.
//!   With keep-alive off, that backend also reports a refused connection as the
//!   `io::Error` it is, so it becomes a connect error. (A body that ends before its
//!   announced length, which the same backend passes off as complete, is caught here and
//!   reported as a body error.)
//! - **Cancellation is surf's.** Dropping a request future drops surf's future; what happens
//!   to its connection is up to the backend (see the h1 backend's pool above).

mod body;
mod client;
mod request_body;
mod transport;

pub use body::SurfResponseBody;
pub use client::{SurfHttpClient, SurfSettingsError};
pub use transport::SurfTransport;
