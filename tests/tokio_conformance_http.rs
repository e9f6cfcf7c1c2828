//! The HTTP conformance cases for `TokioHttpClient` on tokio's multi-thread and current-thread
//! schedulers.

use std::future::Future;

use ferry_conformance::http::HttpBackend;
use ferry_http::HttpSettings;
use ferry_tokio::{TokioHttpClient, TokioRuntime};

struct Tokio(TokioRuntime);

impl HttpBackend for Tokio {
    type Runtime = TokioRuntime;
    type Client = TokioHttpClient;

    fn runtime(&self) -> TokioRuntime {
        self.0.clone()
    }

    fn client(&self, settings: HttpSettings) -> TokioHttpClient {
        self.0
            .http_client(settings)
            .expect("test settings are valid")
    }
}

fn on_multi_thread<F, Fut>(body: F)
where
    F: FnOnce(Tokio) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    tokio.block_on(async { body(Tokio(TokioRuntime::current())).await });
}

fn on_current_thread<F, Fut>(body: F)
where
    F: FnOnce(Tokio) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    tokio.block_on(async { body(Tokio(TokioRuntime::current())).await });
}

mod multi_thread {
    use super::on_multi_thread;
    ferry_conformance::http_suite!(on_multi_thread);
    ferry_conformance::http_decode_suite!(on_multi_thread);
    ferry_conformance::http_cap_suite!(on_multi_thread);
    ferry_conformance::http_network_suite!(on_multi_thread);
    ferry_conformance::http_uploads_suite!(on_multi_thread);
}

mod current_thread {
    use super::on_current_thread;
    ferry_conformance::http_suite!(on_current_thread);
    ferry_conformance::http_decode_suite!(on_current_thread);
    ferry_conformance::http_cap_suite!(on_current_thread);
    ferry_conformance::http_network_suite!(on_current_thread);
}
