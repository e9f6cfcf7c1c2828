//! ferry's mock runtime: a deterministic schedule in virtual time.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use ferry_http::HttpSettings;
use ferry_mock::http::MockHttp;
use ferry_mock::{MemFs, MockRuntime};

use crate::backend::{Backend, BackendError, Finished};
use crate::workload::{Env, EnvError};

type Script = Arc<dyn Fn(MockHttp) -> MockHttp + Send + Sync>;

/// What a workload gets on the mock: a `MockRuntime`, a scripted `MockHttp` (the script given
/// to [`Mock::http`]) and an in-memory `MemFs` shared by every `fs()` call of the run.
#[derive(Clone)]
pub struct MockEnv {
    name: Arc<str>,
    rt: MockRuntime,
    script: Option<Script>,
    fs: MemFs,
}

impl fmt::Debug for MockEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockEnv")
            .field("name", &self.name)
            .field("seed", &self.rt.seed())
            .finish_non_exhaustive()
    }
}

impl Env for MockEnv {
    type Rt = MockRuntime;
    type Http = MockHttp;
    type Fs = MemFs;

    fn backend(&self) -> &str {
        &self.name
    }

    fn rt(&self) -> &MockRuntime {
        &self.rt
    }

    /// The scripted client; without a script every request fails with a connect error that
    /// says no route matched.
    fn http(&self, settings: HttpSettings) -> Result<MockHttp, EnvError> {
        let http = MockHttp::new(&self.rt);
        let http = match &self.script {
            Some(script) => script(http),
            None => http,
        };
        Ok(http.with_settings(settings))
    }

    fn fs(&self) -> MemFs {
        self.fs.clone()
    }
}

/// ferry's mock runtime, reporting virtual time next to wall time.
///
/// Sleeps take no wall time, so a workload of timeouts and retries shows how much virtual
/// time it needs and how little wall time the harness spends on it. The mock cannot reach a
/// real server: give it an HTTP script that answers like one with [`http`](Self::http).
///
/// ```
/// use std::time::Duration;
/// use ferry_compare::Backend;
/// use ferry_compare::backends::Mock;
/// use ferry_rt::Timer;
/// use ferry_compare::Env;
///
/// let finished = Mock::new()
///     .block_on(|env| async move { env.rt().sleep(Duration::from_secs(60)).await })
///     .unwrap();
/// assert_eq!(finished.virtual_time, Some(Duration::from_secs(60)));
/// ```
#[derive(Clone)]
pub struct Mock {
    name: Arc<str>,
    seed: u64,
    script: Option<Script>,
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("name", &self.name)
            .field("seed", &self.seed)
            .field("scripted_http", &self.script.is_some())
            .finish()
    }
}

impl Default for Mock {
    fn default() -> Self {
        Self::new()
    }
}

impl Mock {
    /// The mock with seed 7 and no HTTP script.
    pub fn new() -> Self {
        Self {
            name: Arc::from("mock"),
            seed: 7,
            script: None,
        }
    }

    /// Another seed: another deterministic schedule.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Another name in the results, for several mocks side by side.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Arc::from(name);
        self
    }

    /// Scripts the HTTP server every `env.http(..)` client of a run talks to: `script` gets a
    /// fresh `MockHttp` and adds its routes.
    pub fn http(mut self, script: impl Fn(MockHttp) -> MockHttp + Send + Sync + 'static) -> Self {
        self.script = Some(Arc::new(script));
        self
    }
}

impl Backend for Mock {
    type Env = MockEnv;

    fn name(&self) -> &str {
        &self.name
    }

    fn block_on<F, Fut>(&self, body: F) -> Result<Finished<Fut::Output>, BackendError>
    where
        F: FnOnce(MockEnv) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let mut runner = ferry_mock::Builder::new().seed(self.seed).build();
        let rt = runner.runtime().clone();
        let env = MockEnv {
            name: Arc::clone(&self.name),
            fs: MemFs::new(&rt),
            script: self.script.clone(),
            rt,
        };
        let output = runner
            .block_on(body(env))
            .map_err(|error| BackendError::new(&self.name, error.to_string()))?;
        Ok(Finished {
            output,
            virtual_time: Some(runner.elapsed()),
        })
    }
}
