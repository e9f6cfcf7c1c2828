//! The HTTP conformance cases on the mock backend: `MockHttp` serving ferry-testserver's routes
//! (the very logic behind the real test server) in virtual time, once with no network latency
//! and once with a seeded random latency per request under another scheduling seed.
//!
//! The cases that need real sockets (TLS certificates, TCP connection counts) are in
//! `http_network_suite!`, which only real backends run. Everything else runs unchanged.

mod mock_server;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ferry_conformance::http::HttpBackend;
use ferry_http::HttpSettings;
use ferry_mock::MockRuntime;
use ferry_mock::http::{Latency, MockHttp};
use ferry_testserver::routes::Routes;
use mock_server::{HOST, serve};

/// A second name for the same server, for the cross-origin cases.
const ALIAS: &str = "alias.ferry-mock.invalid";

/// The part of a real network the mock adds to every answer that has no delay of its own.
#[derive(Clone, Copy)]
enum Network {
    Instant,
    Jittery,
}

struct Mock {
    rt: MockRuntime,
    routes: Arc<Routes>,
    network: Network,
}

impl Network {
    fn latency(self) -> Option<Latency> {
        match self {
            Network::Instant => None,
            Network::Jittery => Some(Latency::uniform(Duration::ZERO, Duration::from_millis(5))),
        }
    }
}

impl HttpBackend for Mock {
    type Runtime = MockRuntime;
    type Client = MockHttp;

    fn runtime(&self) -> MockRuntime {
        self.rt.clone()
    }

    fn client(&self, settings: HttpSettings) -> MockHttp {
        let routes = Arc::clone(&self.routes);
        let network = self.network;
        MockHttp::new(&self.rt)
            .with_settings(settings)
            .fallback(move |request| serve(&routes, request, &[HOST, ALIAS], network.latency()))
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://{HOST}{path_and_query}")
    }

    fn other_origin_url(&self, path_and_query: &str) -> String {
        format!("http://{ALIAS}{path_and_query}")
    }
}

fn on_mock<F, Fut>(seed: u64, network: Network, body: F)
where
    F: FnOnce(Mock) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(seed, |rt| async move {
        body(Mock {
            rt,
            routes: Arc::new(Routes::new()),
            network,
        })
        .await;
    });
}

fn instant_network<F, Fut>(body: F)
where
    F: FnOnce(Mock) -> Fut,
    Fut: Future<Output = ()>,
{
    on_mock(ferry_mock::DEFAULT_SEED, Network::Instant, body);
}

fn jittery_network<F, Fut>(body: F)
where
    F: FnOnce(Mock) -> Fut,
    Fut: Future<Output = ()>,
{
    on_mock(0x0DD_5EED, Network::Jittery, body);
}

mod instant {
    use super::instant_network;
    ferry_conformance::http_suite!(instant_network);
    ferry_conformance::http_uploads_suite!(instant_network);
    ferry_conformance::http_decode_suite!(instant_network);
    ferry_conformance::http_cap_suite!(instant_network);
}

mod jittery {
    use super::jittery_network;
    ferry_conformance::http_suite!(jittery_network);
    ferry_conformance::http_uploads_suite!(jittery_network);
    ferry_conformance::http_decode_suite!(jittery_network);
    ferry_conformance::http_cap_suite!(jittery_network);
}
