//! The shared client with the request bodies and credentials beyond bytes: basic auth,
//! streamed bodies and their replay rules.

use bytes::Bytes;
use futures::executor::block_on;
use futures::stream;
use http::Method;

use super::tests::{client, client_with, ok, redirect};
use super::*;

fn chunks() -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    stream::iter([Ok(Bytes::from("up")), Ok(Bytes::from("load"))])
}

#[test]
fn basic_auth_from_settings_is_sent_and_dropped_cross_origin() {
    let settings = HttpSettings::default().with_basic_auth("svc", Some("pw"));
    let (client, transport) = client_with(settings, false, |request| {
        match (request.uri().host(), request.uri().path()) {
            (Some("h"), "/1") => redirect(302, "http://other/2"),
            _ => ok(""),
        }
    });
    block_on(client.get("http://h/1").send()).unwrap();
    block_on(
        client
            .get("http://h/own")
            .basic_auth("me", None::<&str>)
            .send(),
    )
    .unwrap();
    let seen = transport.seen.lock().unwrap();
    // base64("svc:pw")
    assert_eq!(seen[0].headers()["authorization"], "Basic c3ZjOnB3");
    assert!(!seen[1].headers().contains_key("authorization"));
    // base64("me:"): the request's own wins over the default.
    assert_eq!(seen[2].headers()["authorization"], "Basic bWU6");
}

#[test]
fn a_streamed_body_is_sent_whole() {
    let (client, transport) = client(|_| ok("done"));
    let response = block_on(client.post("http://h/up").body_stream(chunks()).send()).unwrap();
    assert_eq!(block_on(response.text()).unwrap(), "done");
    assert_eq!(transport.seen.lock().unwrap()[0].body(), "upload");
}

#[test]
fn a_307_with_a_one_shot_stream_is_a_typed_error() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/old" => redirect(307, "/new"),
        _ => ok(""),
    });
    let error = block_on(client.post("http://h/old").body_stream(chunks()).send()).unwrap_err();
    assert!(
        error.is_body_not_replayable() && error.is_redirect(),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(http::StatusCode::TEMPORARY_REDIRECT));
    assert_eq!(transport.seen.lock().unwrap().len(), 1, "nothing resent");
}

#[test]
fn a_308_with_a_factory_sends_a_fresh_stream() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/old" => redirect(308, "/new"),
        _ => ok(""),
    });
    let body = RequestBody::from_factory(chunks).with_length(6);
    block_on(client.put("http://h/old").body(body).send()).unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].method(), Method::PUT);
    assert_eq!(seen[1].body(), "upload");
}

#[test]
fn a_303_drops_a_one_shot_stream_and_goes_on_with_get() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/form" => redirect(303, "/done"),
        _ => ok(""),
    });
    block_on(client.post("http://h/form").body_stream(chunks()).send()).unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[1].method(), Method::GET);
    assert!(seen[1].body().is_empty());
}

#[test]
fn a_failing_stream_fails_the_request_with_its_error() {
    let (client, _transport) = client(|_| ok(""));
    let failing = stream::iter([
        Ok(Bytes::from("part")),
        Err(std::io::Error::other("sensor unplugged")),
    ]);
    let error = block_on(client.post("http://h/up").body_stream(failing).send()).unwrap_err();
    assert!(
        error.is_request_body() && !error.is_retryable(),
        "{error:?}"
    );
    let mut source = std::error::Error::source(&error);
    let mut chain = Vec::new();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    assert!(
        chain.iter().any(|cause| cause == "sensor unplugged"),
        "{chain:?}"
    );
}

#[test]
fn a_stream_shorter_than_its_length_is_a_request_body_error() {
    let (client, _transport) = client(|_| ok(""));
    let body = RequestBody::from_stream(chunks()).with_length(100);
    let error = block_on(client.post("http://h/up").body(body).send()).unwrap_err();
    assert!(error.is_request_body(), "{error:?}");
}

#[test]
fn a_clone_of_a_request_with_a_spent_stream_is_not_sent_again() {
    let (client, transport) = client(|_| ok(""));
    let request = Request::post("http://h/up")
        .body_stream(chunks())
        .build()
        .unwrap();
    block_on(client.send(request.clone())).unwrap();
    let error = block_on(client.send(request)).unwrap_err();
    assert!(
        error.is_body_not_replayable() && error.is_request_body(),
        "{error:?}"
    );
    assert_eq!(transport.seen.lock().unwrap().len(), 1);
}
