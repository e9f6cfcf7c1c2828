//! The HTTP conformance cases for `SmolHttpClient` on smol: the global executor (with the
//! calling thread helping, as `ferry_smol::block_on` does), an executor of the test's own run
//! by two threads, and one run by the calling thread alone. The test server is ferry-testserver on its own threads;
//! the client side is pure smol.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_conformance::http::HttpBackend;
use ferry_http::HttpSettings;
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

/// Runs `body` on the calling thread while two threads run a fresh executor for the
/// connections and other tasks; the executor is dropped when the body ends.
fn on_two_thread_executor<F, Fut>(body: F)
where
    F: FnOnce(Smol) -> Fut,
    Fut: Future<Output = ()>,
{
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let (stop, stopped) = async_channel::bounded::<()>(1);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (executor, stopped) = (&executor, stopped.clone());
            scope.spawn(move || async_io::block_on(executor.run(stopped.recv())));
        }
        // Dropped when the body ends or panics, which stops the threads, so that a failing
        // case fails instead of hanging the scope.
        let _stop = stop;
        async_io::block_on(body(Smol(rt)));
    });
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
    ferry_conformance::http_decode_suite!(on_global_executor);
    ferry_conformance::http_cap_suite!(on_global_executor);
    ferry_conformance::http_network_suite!(on_global_executor);
    ferry_conformance::http_uploads_suite!(on_global_executor);
}

mod two_thread_executor {
    use super::on_two_thread_executor;
    ferry_conformance::http_suite!(on_two_thread_executor);
    ferry_conformance::http_decode_suite!(on_two_thread_executor);
    ferry_conformance::http_cap_suite!(on_two_thread_executor);
    ferry_conformance::http_network_suite!(on_two_thread_executor);
}

mod calling_thread_executor {
    use super::on_calling_thread_executor;
    ferry_conformance::http_suite!(on_calling_thread_executor);
    ferry_conformance::http_decode_suite!(on_calling_thread_executor);
    ferry_conformance::http_cap_suite!(on_calling_thread_executor);
    ferry_conformance::http_network_suite!(on_calling_thread_executor);
}
