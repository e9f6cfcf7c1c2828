//! HTTP on tokio: a [`Transport`] on hyper 1.x and ferry-wire's connection pool, with rustls.
//!
//! [`TokioHttpClient`] is ferry-core's shared [`Client`] over [`TokioTransport`]: redirects,
//! timeouts, body limits, redaction and tracing come from ferry-core and behave the same on
//! every backend; this module only moves bytes.

mod client;
mod connect;
mod transport;

pub use client::{HttpClientBuildError, TokioHttpClient};
pub use transport::{TokioResponseBody, TokioTransport};

#[cfg(doc)]
use ferry_http::{Client, Transport};
