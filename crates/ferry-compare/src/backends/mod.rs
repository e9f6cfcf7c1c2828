//! The built-in backends, one per cargo feature (`tokio`, `smol`, `mock`); the features add
//! backends and never exclude each other.
//!
//! | backend | name | runtime | HTTP client | file system |
//! |---|---|---|---|---|
//! | [`TokioCt`] | `tokio-ct` | tokio current-thread | `TokioHttpClient` | `TokioFs` |
//! | [`TokioMt`] | `tokio-mt` | tokio multi-thread, the workload spawned onto it | `TokioHttpClient` | `TokioFs` |
//! | [`Smol`] | `smol` | an `async-executor` driven by the calling thread | `SmolHttpClient` | `SmolFs` |
//! | [`Mock`] | `mock` | ferry's mock, virtual time | scripted `MockHttp` | in-memory `MemFs` |

#[cfg(feature = "mock")]
mod mock;
#[cfg(feature = "smol")]
mod smol;
#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "mock")]
pub use mock::{Mock, MockEnv};
#[cfg(feature = "smol")]
pub use smol::{Smol, SmolEnv};
#[cfg(feature = "tokio")]
pub use tokio::{TokioCt, TokioEnv, TokioMt};
