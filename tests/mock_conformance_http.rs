//! The HTTP conformance cases on the mock backend: `MockHttp` serving ferry-testserver's routes
//! (the very logic behind the real test server) in virtual time, once with no network latency
//! and once with a seeded random latency per request under another scheduling seed.
//!
//! The cases that need real sockets (TLS certificates, TCP connection counts) are in
//! `http_network_suite!`, which only real backends run. Everything else runs unchanged.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ferry_conformance::http::HttpBackend;
use ferry_core::http::HttpSettings;
use ferry_mock::MockRuntime;
use ferry_mock::http::{Latency, MockHttp, MockRequest, Respond};
use ferry_testserver::routes::{Reply, ReplyBody, RouteRequest, Routes, pattern_bytes};
use http::uri::Scheme;

/// The host the routes are served on, and a second name for the same server. `.invalid`
/// (RFC 2606) can never resolve, so nothing here can reach a real network.
const HOST: &str = "server.ferry-mock.invalid";
const ALIAS: &str = "alias.ferry-mock.invalid";

/// Wall-clock time for `Retry-After` dates: a fixed date plus virtual time, so that runs repeat.
const EPOCH_SECS: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

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

/// A route's [`Reply`] as a scripted answer: every body shape of the real server, waited out
/// on the mock clock.
fn scripted(reply: Reply, network: Network) -> Respond {
    let delayed = matches!(reply.body, ReplyBody::Delayed { .. });
    let respond = match reply.body {
        ReplyBody::Full(body) => Respond::bytes(body),
        ReplyBody::Delayed { delay, body } => Respond::bytes(body).latency(delay),
        ReplyBody::Chunks {
            interval,
            count,
            chunk,
        } => Respond::chunks(interval, count, chunk),
        ReplyBody::Pattern { len } => Respond::bytes(pattern_bytes(
            0,
            usize::try_from(len).expect("fits in memory"),
        )),
        ReplyBody::Truncated {
            declared_len,
            sent_len,
        } => {
            Respond::bytes(pattern_bytes(0, declared_len as usize)).truncate_body(sent_len as usize)
        }
        // A whole number of pattern periods (251 bytes), so the pattern continues across chunks.
        ReplyBody::Endless => Respond::endless(pattern_bytes(0, 251 * 64)),
        ReplyBody::Stall => Respond::stall(),
    };
    let respond = match (network, delayed) {
        (Network::Jittery, false) => {
            respond.latency(Latency::uniform(Duration::ZERO, Duration::from_millis(5)))
        }
        _ => respond,
    };
    reply.headers.iter().fold(
        respond.with_status_code(reply.status),
        |respond, (name, value)| respond.header(name.clone(), value.clone()),
    )
}

/// Answers a request the way the real test server would.
fn serve(routes: &Routes, request: &MockRequest, network: Network) -> Respond {
    if !matches!(request.uri.host(), Some(HOST | ALIAS)) {
        // No server at that address: what a real client sees for a closed port.
        return Respond::refuse();
    }
    let route_request = RouteRequest {
        method: request.method.clone(),
        uri: request.uri.clone(),
        headers: request.headers.clone(),
        body: request.body.clone(),
        scheme: request.uri.scheme().cloned().unwrap_or(Scheme::HTTP),
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH_SECS) + request.sent_at,
    };
    scripted(routes.handle(&route_request), network)
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
            .fallback(move |request| serve(&routes, request, network))
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
}

mod jittery {
    use super::jittery_network;
    ferry_conformance::http_suite!(jittery_network);
}
