//! The smol backend for ferry: spawning, blocking work, timers and files on smol's crates,
//! with no tokio anywhere in its dependency tree.
//!
//! [`SmolRuntime`] implements every [`ferry_core::rt`] trait: tasks on an
//! [`async_executor::Executor`] (a global one, or yours), blocking work on the [`blocking`]
//! pool, timers from [`async_io`]. [`SmolFs`] is ferry's file system on the same pool.
//! [`block_on`] runs a body with a runtime on the global executor.
//! [`SmolHttpClient`] (from [`SmolRuntime::http_client`]) is ferry's HTTP client on hyper 1.x
//! over async-io sockets, with rustls: the same client layer, and so the same behaviour, as
//! the tokio backend's. (hyper itself names tokio's runtime-free `sync` and `io-util` parts;
//! no tokio scheduler, reactor or timer is ever built or needed.)
//!
//! The crate depends on smol's building blocks (async-executor, async-io, blocking) rather
//! than the `smol` umbrella crate, which would add process, signal and networking crates that
//! this half of the backend does not use. They are the same crates `smol` re-exports, so code
//! using `smol::block_on`, `smol::Timer` or `smol::unblock` works alongside.
//!
//! ```
//! use std::time::Duration;
//! use ferry_fs::{FileSystem, FileSystemExt};
//! use ferry_core::{SpawnExt, TimerExt};
//!
//! let dir = tempfile::tempdir().unwrap();
//! ferry_smol::block_on(|rt| async move {
//!     let fs = rt.fs();
//!     let path = dir.path().join("answer.txt");
//!     let writer = rt.spawn({
//!         let path = path.clone();
//!         async move { fs.write(&path, b"42").await }
//!     });
//!     writer.await.unwrap().unwrap();
//!     let text = rt.timeout(Duration::from_secs(5), rt.fs().read_to_string(&path)).await;
//!     assert_eq!(text.unwrap().unwrap(), "42");
//! });
//! ```

mod fs;
mod http;
mod runtime;
#[cfg(feature = "surf")]
pub mod surf;
mod task;

pub use fs::SmolFs;
pub use http::{HttpClientBuildError, SmolHttpClient, SmolResponseBody, SmolTransport};
pub use runtime::{SmolRuntime, block_on};
