//! The resilience conformance cases on the mock backend: `MockHttp` serving ferry-testserver's
//! routes (the logic behind the real test server) and `MemFs`, all in virtual time, so a
//! `Retry-After: 1` costs no real second.

mod mock_server;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use ferry_conformance::resilience::ResilienceEnv;
use ferry_mock::http::MockHttp;
use ferry_mock::{MemFs, MockRuntime};
use ferry_testserver::routes::Routes;
use mock_server::{HOST, serve};

fn on_mock<F, Fut>(body: F)
where
    F: FnOnce(ResilienceEnv<MockRuntime, MemFs, MockHttp>) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(ferry_mock::DEFAULT_SEED, |rt| async move {
        let routes = Arc::new(Routes::new());
        let client =
            MockHttp::new(&rt).fallback(move |request| serve(&routes, request, &[HOST], None));
        body(ResilienceEnv {
            origin: format!("http://{HOST}"),
            fs: MemFs::new(&rt),
            root: PathBuf::from("/"),
            client,
            rt,
        })
        .await;
    });
}

ferry_conformance::resilience_suite!(on_mock);
