//! ferry: a runtime-independent toolkit for I/O-bound async data pipelines.
//!
//! This facade re-exports every ferry crate at the paths users know, and behind cargo
//! features the backends:
//!
//! | crate | here as | what |
//! |---|---|---|
//! | `ferry-rt` | [`rt`] and the root | the runtime traits (`Spawn`, `Timer`, `Runtime`, ...) |
//! | `ferry-core` | the root (`gather`, `Semaphore`, [`queue`], [`retry`](mod@retry), ...) | the concurrency toolkit |
//! | `ferry-http` | [`http`], [`paginate`](mod@paginate), [`ResilientClient`] | the HTTP client interface and its shared logic |
//! | `ferry-fs` | [`fs`] | files |
//! | `ferry-pipeline` | [`pipeline`], [`download`], [`Downloader`] | pipelines and downloads |
//!
//! A library should depend on the narrowest of these it needs (see
//! `docs/LIBRARY_AUTHORS.md`); applications can take this facade.
//!
//! | feature | module | backend |
//! |---|---|---|
//! | `tokio` (default) | [`tokio`] | `ferry-tokio` |
//! | `mock` | `mock` | `ferry-mock` |
//! | `smol` | `smol` | `ferry-smol` |
//!
//! The features add backends; they never exclude each other, so a workspace can use several.

pub use ferry_core::*;

/// Files: [`FileSystem`](fs::FileSystem), [`StdFs`](fs::StdFs), atomic writes (`ferry-fs`).
pub use ferry_fs as fs;
/// HTTP: the client interface, the shared client, the resilient layer (`ferry-http`).
pub use ferry_http as http;
/// Paged APIs as streams (`ferry_http::paginate`).
pub use ferry_http::paginate;
pub use ferry_http::{HostPolicy, Pages, ResilientClient};
/// Pipelines: steps, CSV and JSON Lines, policies, progress (`ferry-pipeline`).
pub use ferry_pipeline as pipeline;
/// Downloading files concurrently (`ferry_pipeline::download`).
pub use ferry_pipeline::download;
pub use ferry_pipeline::{Downloader, Pipeline, PipelineContext, PipelineError};

/// Retrying failed operations: `ferry_core::retry`, with the HTTP rules of `ferry-http`.
pub mod retry {
    pub use ferry_core::retry::*;
    pub use ferry_http::{HttpRetryRule, TransportFailure, parse_retry_after};
}

/// The tokio backend (feature `tokio`).
#[cfg(feature = "tokio")]
pub mod tokio {
    pub use ferry_tokio::*;
}

/// The mock backend: deterministic scheduling and virtual time for tests (feature `mock`).
#[cfg(feature = "mock")]
pub mod mock {
    pub use ferry_mock::*;
}

/// The smol backend: smol's executor, blocking pool and timers, no tokio (feature `smol`).
#[cfg(feature = "smol")]
pub mod smol {
    pub use ferry_smol::*;
}
