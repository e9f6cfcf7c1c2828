//! The resilience conformance cases on the mock backend: `MockHttp` serving ferry-testserver's
//! routes (the logic behind the real test server) and `MemFs`, all in virtual time, so a
//! `Retry-After: 1` costs no real second.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ferry_conformance::resilience::ResilienceEnv;
use ferry_mock::http::{MockHttp, MockRequest, Respond};
use ferry_mock::{MemFs, MockRuntime};
use ferry_testserver::routes::{Reply, ReplyBody, RouteRequest, Routes, pattern_bytes};
use http::uri::Scheme;

/// `.invalid` (RFC 2606) never resolves: nothing here can reach a real network.
const HOST: &str = "server.ferry-mock.invalid";

/// Wall-clock time for `Retry-After` dates: a fixed date plus virtual time.
const EPOCH_SECS: u64 = 1_767_225_600;

/// A route's [`Reply`] as a scripted answer, waited out on the mock clock.
fn scripted(reply: Reply) -> Respond {
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
        ReplyBody::Endless => Respond::endless(pattern_bytes(0, 251 * 64)),
        ReplyBody::Stall => Respond::stall(),
    };
    reply.headers.iter().fold(
        respond.with_status_code(reply.status),
        |respond, (name, value)| respond.header(name.clone(), value.clone()),
    )
}

fn serve(routes: &Routes, request: &MockRequest) -> Respond {
    if request.uri.host() != Some(HOST) {
        return Respond::refuse();
    }
    scripted(routes.handle(&RouteRequest {
        method: request.method.clone(),
        uri: request.uri.clone(),
        headers: request.headers.clone(),
        body: request.body.clone(),
        scheme: request.uri.scheme().cloned().unwrap_or(Scheme::HTTP),
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH_SECS) + request.sent_at,
    }))
}

fn on_mock<F, Fut>(body: F)
where
    F: FnOnce(ResilienceEnv<MockRuntime, MemFs, MockHttp>) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(ferry_mock::DEFAULT_SEED, |rt| async move {
        let routes = Arc::new(Routes::new());
        let client = MockHttp::new(&rt).fallback(move |request| serve(&routes, request));
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
