//! ferry: a runtime-independent toolkit for I/O-bound async data pipelines.
//!
//! This facade re-exports [`ferry_core`] (the traits and the toolkit) and, behind cargo
//! features, the backends:
//!
//! | feature | module | backend |
//! |---|---|---|
//! | `tokio` (default) | [`tokio`] | `ferry-tokio` |
//! | `mock` | `mock` | `ferry-mock` |
//! | `smol` | `smol` | `ferry-smol` |
//!
//! The features add backends; they never exclude each other, so a workspace can use several.

pub use ferry_core::*;

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
