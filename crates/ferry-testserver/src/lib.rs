//! A local HTTP + HTTPS server on 127.0.0.1 for ferry's tests, examples and benchmarks
//! (nothing touches the internet).
//!
//! - [`TestServer`] runs hyper (HTTP/1.1 and HTTP/2) on its own tokio runtime in a background
//!   thread, so clients on any runtime can use it; HTTPS uses a CA made at start
//!   ([`TestServer::ca_cert_pem`]).
//! - [`routes`] is the route logic on its own, runtime-independent: request in, [`Reply`] out.
//!   Its module docs list every route and the exact shape of its answers.
//! - [`external`] starts real servers from Debian's packages (nginx, redis-server, PostgreSQL)
//!   on free ports in temporary directories, for the tests that check ferry against them.
//!
//! ```
//! let server = ferry_testserver::TestServer::start();
//! assert!(server.url("/items/1").starts_with("http://127.0.0.1:"));
//! assert!(server.https_url("/items/1").starts_with("https://localhost:"));
//! assert!(server.ca_cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! ```
//!
//! [`Reply`]: routes::Reply

pub mod external;
pub mod routes;
mod serve;
mod server;
mod tls;

pub use server::{StartError, TestServer, TestServerBuilder};
pub use tls::TlsSetupError;
