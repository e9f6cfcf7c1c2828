//! HTTP on smol: a [`Transport`] on hyper 1.x over async-io sockets, with rustls.
//!
//! [`SmolHttpClient`] is ferry-core's shared [`Client`] over [`SmolTransport`]: redirects,
//! timeouts, body limits, redaction and tracing come from ferry-core and behave the same on
//! every backend; this module only moves bytes. The connection pool, the TLS configuration
//! and the error classification are `ferry-wire`'s, shared with the tokio backend; this
//! module opens the sockets and adapts them to hyper.

mod client;
mod connect;
mod io;
mod transport;

pub use client::{HttpClientBuildError, SmolHttpClient};
pub use transport::{SmolResponseBody, SmolTransport};

#[cfg(doc)]
use ferry_http::{Client, Transport};
