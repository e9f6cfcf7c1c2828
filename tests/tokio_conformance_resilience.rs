//! The resilience conformance cases (resilient client, paginators, enrichment, downloads)
//! against the local test server on tokio's multi-thread and current-thread schedulers, with
//! `TokioFs` in a fresh temporary directory and `TokioHttpClient`.

use std::future::Future;

use ferry_conformance::resilience::{ResilienceEnv, shared_server_origin};
use ferry_http::HttpSettings;
use ferry_tokio::{TokioFs, TokioHttpClient, TokioRuntime};

type Env = ResilienceEnv<TokioRuntime, TokioFs, TokioHttpClient>;

fn run_in_temp_dir<F, Fut>(tokio: tokio::runtime::Runtime, body: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    tokio.block_on(async {
        let rt = TokioRuntime::current();
        let client = rt
            .http_client(HttpSettings::default())
            .expect("default settings are valid");
        body(ResilienceEnv {
            origin: shared_server_origin(),
            rt: rt.clone(),
            fs: rt.fs(),
            root: dir.path().to_path_buf(),
            client,
        })
        .await;
    });
    // Shutting the runtime down first lets background cleanup finish before the directory goes.
    drop(tokio);
    dir.close().expect("temporary directory is removed");
}

fn on_multi_thread<F, Fut>(body: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    run_in_temp_dir(tokio, body);
}

fn on_current_thread<F, Fut>(body: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    run_in_temp_dir(tokio, body);
}

mod multi_thread {
    use super::on_multi_thread;
    ferry_conformance::resilience_suite!(on_multi_thread);
}

mod current_thread {
    use super::on_current_thread;
    ferry_conformance::resilience_suite!(on_current_thread);
}
