//! The runtime-free parts of ferry's hyper backends, shared by `ferry-tokio` and `ferry-smol`.
//!
//! Both backends speak HTTP with hyper 1.x and TLS with rustls; only the sockets and the
//! executor differ. What does not depend on the runtime lives here, once:
//!
//! - [`pool`]: the connection pool over hyper's HTTP/1.1 and HTTP/2 client connections (idle
//!   lists, the idle timeout, HTTP/2 sharing, the per-host connection cap); a backend gives
//!   it only a [`Connect`](pool::Connect) for TCP and TLS, a ferry `Spawn` and a ferry
//!   `Timer`.
//! - [`tls_config`]: the rustls client configuration for [`HttpSettings`] (ring provider,
//!   the Mozilla roots from `webpki-roots` plus the settings' extra roots, safe defaults).
//! - [`classify`]: turning hyper, rustls and I/O errors into ferry's
//!   [`TransportErrorKind`](ferry_http::TransportErrorKind)s.
//!
//! It is a crate of its own rather than a module of ferry-core so that ferry-core stays free of
//! rustls and hyper: users who bring their own [`Transport`](ferry_http::Transport) (or
//! only mock HTTP) do not compile a TLS stack.
//!
//! ```
//! use ferry_http::HttpSettings;
//!
//! let config = ferry_wire::tls_config(&HttpSettings::default()).unwrap();
//! assert!(config.alpn_protocols.is_empty());
//! ```

pub mod classify;
pub mod pool;
mod tls;

pub use tls::{ALPN_H2_AND_HTTP1, TlsConfigError, pool_tls_config, tls_config};

#[cfg(doc)]
use ferry_http::HttpSettings;
