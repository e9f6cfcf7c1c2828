//! The deterministic executor: tasks, timers, the runtime handle and the runner.

mod core;
mod runner;
mod runtime;
mod slab;
mod task;
mod timer;

pub(crate) use self::core::Shared;
pub(crate) use runner::Limits;
pub use runner::MockRunner;
pub use runtime::{MockRuntime, Named, YieldNow};
