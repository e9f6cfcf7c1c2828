//! The HTTP conformance cases for `SmolHttpClient` on smol: the global executor (with the
//! calling thread helping, as `ferry_smol::block_on` does) and an executor of the test's own
//! run by the calling thread alone. The test server is ferry-testserver on its own threads;
//! the client side is pure smol.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_conformance::http::HttpBackend;
use ferry_core::http::HttpSettings;
use ferry_smol::{SmolHttpClient, SmolRuntime};

struct Smol(SmolRuntime);

impl HttpBackend for Smol {
    type Runtime = SmolRuntime;
    type Client = SmolHttpClient;

    fn runtime(&self) -> SmolRuntime {
        self.0.clone()
    }

    fn client(&self, settings: HttpSettings) -> SmolHttpClient {
        self.0
            .http_client(settings)
            .expect("test settings are valid")
    }
}

fn on_global_executor<F, Fut>(body: F)
where
    F: FnOnce(Smol) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_smol::block_on(|rt| body(Smol(rt)));
}

/// Runs `body`, the connections and every other task on the calling thread alone.
fn on_calling_thread_executor<F, Fut>(body: F)
where
    F: FnOnce(Smol) -> Fut,
    Fut: Future<Output = ()>,
{
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    async_io::block_on(executor.run(body(Smol(rt))));
}

mod global_executor {
    use super::on_global_executor;
    ferry_conformance::http_suite!(on_global_executor);
}

mod calling_thread_executor {
    use super::on_calling_thread_executor;
    ferry_conformance::http_suite!(on_calling_thread_executor);
}
