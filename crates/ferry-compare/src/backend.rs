//! A backend: builds a fresh runtime and its [`Env`], and runs one future on it to the end.

use std::future::Future;
use std::time::Duration;

use crate::workload::Env;

/// What [`Backend::block_on`] gives back.
#[derive(Debug)]
pub struct Finished<T> {
    /// The future's output.
    pub output: T,
    /// How much virtual time passed, on a backend with a virtual clock.
    pub virtual_time: Option<Duration>,
}

/// Why a backend could not run a future.
#[derive(Debug, thiserror::Error)]
#[error("backend {backend}: {message}")]
pub struct BackendError {
    backend: String,
    message: String,
}

impl BackendError {
    /// `backend` failed: `message` says how (could not build its runtime, the run deadlocked).
    pub fn new(backend: &str, message: impl Into<String>) -> Self {
        Self {
            backend: backend.to_owned(),
            message: message.into(),
        }
    }
}

/// A runtime the harness can run workloads on.
///
/// The crate has one per built-in backend (`TokioCt`, `TokioMt`, `Smol`, `Mock`, behind the
/// features of the same names); any other runtime joins by implementing this trait and
/// [`Env`], and is then registered like the built-in ones with
/// [`WithWorkload::on`](crate::WithWorkload::on).
///
/// `block_on` must build a new runtime for every call, so that no state (cached tasks, grown
/// buffers, warm connection pools) carries from one run to the next.
///
/// ```
/// use std::future::Future;
/// use ferry_compare::{Backend, BackendError, Finished};
/// use ferry_compare::backends::{Mock, MockEnv};
///
/// /// The mock under another name and seed: what a third-party backend looks like.
/// struct Seeded(u64);
///
/// impl Backend for Seeded {
///     type Env = MockEnv;
///
///     fn name(&self) -> &str {
///         "mock-seeded"
///     }
///
///     fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
///     where
///         F: FnOnce(MockEnv) -> Fut + Send + 'static,
///         Fut: Future + Send + 'static,
///         Fut::Output: Send + 'static,
///     {
///         Mock::new().seed(self.0).named("mock-seeded").block_on(body)
///     }
/// }
///
/// let finished = Seeded(3).block_on(|_env| async { 6 * 7 }).unwrap();
/// assert_eq!(finished.output, 42);
/// ```
pub trait Backend: Send + Sync + 'static {
    /// What the workload gets.
    type Env: Env;

    /// The name in the results (`tokio-ct`, `smol`).
    fn name(&self) -> &str;

    /// The runtime underneath, which pairs a case with a hand-written baseline on the same
    /// runtime; the name unless said otherwise.
    fn runtime(&self) -> &str {
        self.name()
    }

    /// Builds a fresh runtime and its env, runs `body(env)` on it to the end, and shuts the
    /// runtime down.
    ///
    /// # Errors
    ///
    /// The runtime could not be built, or the run failed in the runtime (a deadlock on the
    /// mock, a panic in a spawned driver).
    fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
    where
        F: FnOnce(Self::Env) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static;
}
