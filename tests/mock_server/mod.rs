//! ferry-testserver's routes served by `MockHttp` in virtual time: the very logic behind the
//! real test server, so conformance cases written against it run unchanged on the mock.
//! Shared by the mock conformance files that need the test server.

use std::time::{Duration, SystemTime};

use ferry_mock::http::{Latency, MockRequest, Respond};
use ferry_testserver::routes::{Reply, ReplyBody, RouteRequest, Routes, pattern_bytes};
use http::uri::Scheme;

/// The host the routes are served on. `.invalid` (RFC 2606) can never resolve, so nothing
/// here can reach a real network.
pub(crate) const HOST: &str = "server.ferry-mock.invalid";

/// Wall-clock time for `Retry-After` dates: a fixed date plus virtual time, so that runs repeat.
const EPOCH_SECS: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// A route's [`Reply`] as a scripted answer: every body shape of the real server, waited out
/// on the mock clock. `network` is added to answers that have no delay of their own.
fn scripted(reply: Reply, network: Option<Latency>) -> Respond {
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
        ReplyBody::Repeated {
            head,
            unit,
            count,
            tail,
        } => Respond::repeated(head, unit, count, tail),
    };
    let respond = match network {
        Some(latency) if !delayed => respond.latency(latency),
        _ => respond,
    };
    reply.headers.iter().fold(
        respond.with_status_code(reply.status),
        |respond, (name, value)| respond.header(name.clone(), value.clone()),
    )
}

/// Answers `request` the way the real test server would, if it is addressed to one of
/// `hosts`; any other host is refused, as a closed port would be.
pub(crate) fn serve(
    routes: &Routes,
    request: &MockRequest,
    hosts: &[&str],
    network: Option<Latency>,
) -> Respond {
    if !request.uri.host().is_some_and(|host| hosts.contains(&host)) {
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
