//! tokio, current-thread and multi-thread.

use std::future::Future;

use ferry_http::HttpSettings;
use ferry_tokio::{TokioFs, TokioHttpClient, TokioRuntime};

use crate::backend::{Backend, BackendError, Finished};
use crate::workload::{Env, EnvError};

/// What a workload gets on tokio: ferry's `TokioRuntime`, `TokioHttpClient` and `TokioFs`.
#[derive(Debug, Clone)]
pub struct TokioEnv {
    name: &'static str,
    rt: TokioRuntime,
}

impl Env for TokioEnv {
    type Rt = TokioRuntime;
    type Http = TokioHttpClient;
    type Fs = TokioFs;

    fn backend(&self) -> &str {
        self.name
    }

    fn rt(&self) -> &TokioRuntime {
        &self.rt
    }

    fn http(&self, settings: HttpSettings) -> Result<TokioHttpClient, EnvError> {
        self.rt
            .http_client(settings)
            .map_err(|error| EnvError::new(self.name, "an HTTP client", error))
    }

    fn fs(&self) -> TokioFs {
        self.rt.fs()
    }
}

/// tokio's current-thread runtime with I/O and timers, the workload driven by `block_on`.
#[derive(Debug, Clone, Default)]
pub struct TokioCt;

impl TokioCt {
    /// The backend.
    pub fn new() -> Self {
        Self
    }
}

impl Backend for TokioCt {
    type Env = TokioEnv;

    fn name(&self) -> &str {
        "tokio-ct"
    }

    fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
    where
        F: FnOnce(TokioEnv) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| BackendError::new(self.name(), format!("runtime: {error}")))?;
        let env = TokioEnv {
            name: "tokio-ct",
            rt: TokioRuntime::from_handle(runtime.handle().clone()),
        };
        Ok(Finished {
            output: runtime.block_on(body(env)),
            virtual_time: None,
        })
    }
}

/// tokio's multi-thread runtime (one worker per core unless set), I/O and timers.
///
/// The workload is spawned onto the runtime as a task rather than driven from `block_on`'s
/// thread: on a small machine a driver outside the workers pays a cross-thread wake-up for
/// every item it waits on (30-40 % of an HTTP client's throughput), which would measure the
/// harness rather than the runtime.
#[derive(Debug, Clone, Default)]
pub struct TokioMt {
    workers: Option<usize>,
}

impl TokioMt {
    /// The backend with tokio's default worker count (the number of cores).
    pub fn new() -> Self {
        Self::default()
    }

    /// The backend with `workers` worker threads.
    pub fn worker_threads(mut self, workers: usize) -> Self {
        self.workers = Some(workers.max(1));
        self
    }
}

impl Backend for TokioMt {
    type Env = TokioEnv;

    fn name(&self) -> &str {
        "tokio-mt"
    }

    fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
    where
        F: FnOnce(TokioEnv) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = self.workers {
            builder.worker_threads(workers);
        }
        let runtime = builder
            .enable_all()
            .build()
            .map_err(|error| BackendError::new(self.name(), format!("runtime: {error}")))?;
        let env = TokioEnv {
            name: "tokio-mt",
            rt: TokioRuntime::from_handle(runtime.handle().clone()),
        };
        let driver = runtime.spawn(body(env));
        let output = runtime.block_on(driver).map_err(|error| {
            BackendError::new(self.name(), format!("the spawned workload failed: {error}"))
        })?;
        Ok(Finished {
            output,
            virtual_time: None,
        })
    }
}
