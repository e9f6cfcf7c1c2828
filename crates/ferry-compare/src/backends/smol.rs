//! smol: an `async-executor` of its own, driven by the calling thread.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_http::HttpSettings;
use ferry_smol::{SmolFs, SmolHttpClient, SmolRuntime};

use crate::backend::{Backend, BackendError, Finished};
use crate::workload::{Env, EnvError};

/// What a workload gets on smol: ferry's `SmolRuntime`, `SmolHttpClient` and `SmolFs`.
#[derive(Clone)]
pub struct SmolEnv {
    rt: SmolRuntime,
}

impl std::fmt::Debug for SmolEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmolEnv")
    }
}

impl Env for SmolEnv {
    type Rt = SmolRuntime;
    type Http = SmolHttpClient;
    type Fs = SmolFs;

    fn backend(&self) -> &str {
        "smol"
    }

    fn rt(&self) -> &SmolRuntime {
        &self.rt
    }

    fn http(&self, settings: HttpSettings) -> Result<SmolHttpClient, EnvError> {
        self.rt
            .http_client(settings)
            .map_err(|error| EnvError::new("smol", "an HTTP client", error))
    }

    fn fs(&self) -> SmolFs {
        self.rt.fs()
    }
}

/// smol's usual one-thread set-up: a fresh `Executor` run by `async_io::block_on` on the
/// calling thread, which also drives async-io's reactor.
#[derive(Debug, Clone, Default)]
pub struct Smol;

impl Smol {
    /// The backend.
    pub fn new() -> Self {
        Self
    }
}

impl Backend for Smol {
    type Env = SmolEnv;

    fn name(&self) -> &str {
        "smol"
    }

    fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
    where
        F: FnOnce(SmolEnv) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let executor = Arc::new(Executor::new());
        let env = SmolEnv {
            rt: SmolRuntime::with_executor(&executor),
        };
        let output = async_io::block_on(executor.run(body(env)));
        Ok(Finished {
            output,
            virtual_time: None,
        })
    }
}
