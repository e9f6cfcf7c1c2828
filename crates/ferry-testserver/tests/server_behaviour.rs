//! The routes that misbehave on purpose, over real connections on 127.0.0.1: failures that heal,
//! rate limits, slow, truncated, endless and stalled responses.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{client, eventually, raw, send, split_head};
use ferry_testserver::TestServer;
use ferry_testserver::routes::{item_json, pattern_bytes};
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn flaky_route_fails_n_calls_per_key_then_serves_the_item() {
    let server = TestServer::start();
    let client = client();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let got = send(
            &client,
            Method::GET,
            &server.url("/flaky/k1?fail=2&status=500"),
            b"",
        )
        .await;
        statuses.push(got.status.as_u16());
        if got.status == StatusCode::OK {
            assert_eq!(got.body, item_json(1));
        } else {
            assert_eq!(got.json()["error"], "flaky");
        }
    }
    assert_eq!(statuses, [500, 500, 200, 200]);
    // Another key has its own counter, and the default is one 503.
    let other = send(&client, Method::POST, &server.url("/flaky/k2"), b"").await;
    assert_eq!(other.status, StatusCode::SERVICE_UNAVAILABLE);
    let healed = send(&client, Method::POST, &server.url("/flaky/k2"), b"").await;
    assert_eq!(healed.status, StatusCode::OK);
    assert_eq!(
        (
            server.routes().flaky_calls("k1"),
            server.routes().flaky_calls("k2")
        ),
        (4, 2)
    );
}

#[tokio::test]
async fn ratelimited_route_sends_retry_after_in_each_form_then_serves_the_item() {
    let server = TestServer::start();
    let client = client();
    let seconds = send(
        &client,
        Method::GET,
        &server.url("/ratelimited/a?fail=2&retry_after=7"),
        b"",
    )
    .await;
    assert_eq!(seconds.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(seconds.header("retry-after"), "7");
    assert_eq!(seconds.json()["call"], 1);
    let again = send(
        &client,
        Method::GET,
        &server.url("/ratelimited/a?fail=2&retry_after=7"),
        b"",
    )
    .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    let ok = send(
        &client,
        Method::GET,
        &server.url("/ratelimited/a?fail=2&retry_after=7"),
        b"",
    )
    .await;
    assert_eq!((ok.status, ok.body), (StatusCode::OK, item_json(1).into()));

    let before = SystemTime::now();
    let dated = send(
        &client,
        Method::GET,
        &server.url("/ratelimited/b?retry_after=120&date=1"),
        b"",
    )
    .await;
    let when = httpdate::parse_http_date(dated.header("retry-after")).expect("an HTTP-date");
    // HTTP-dates have whole seconds, so allow one second of rounding down.
    assert!(when + Duration::from_secs(1) >= before + Duration::from_secs(120));
    assert!(when <= SystemTime::now() + Duration::from_secs(121));

    let garbage = send(
        &client,
        Method::GET,
        &server.url("/ratelimited/c?retry_after=garbage"),
        b"",
    )
    .await;
    assert_eq!(
        (garbage.status, garbage.header("retry-after")),
        (StatusCode::TOO_MANY_REQUESTS, "garbage")
    );
}

#[tokio::test]
async fn slow_route_sends_the_head_then_chunks_spaced_in_time() {
    let server = TestServer::start();
    let request = http::Request::get(server.url("/slow?ms=40&chunks=3&chunk_size=8"))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let started = Instant::now();
    let response = client().request(request).await.unwrap();
    let head_at = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body_at = started.elapsed();
    assert_eq!(body, "012345670123456701234567");
    // Three waits of 40 ms happen after the head; only lower bounds are checked.
    assert!(
        body_at >= Duration::from_millis(120),
        "body took {body_at:?}"
    );
    assert!(
        body_at - head_at >= Duration::from_millis(80),
        "head {head_at:?}, body {body_at:?}"
    );
}

#[tokio::test]
async fn truncated_route_closes_the_connection_after_half_the_declared_length() {
    let server = TestServer::start();
    // One small body, and one of several pattern pieces.
    for (len, sent) in [(1001, 500), (300_001, 150_000)] {
        let request = format!("GET /truncated?len={len} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let (response, closed) = raw(server.http_addr(), &request, Duration::from_secs(5)).await;
        assert!(closed, "the server must close the connection");
        let (head, body) = split_head(&response);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-length: {len}")),
            "{head}"
        );
        assert!(
            body == pattern_bytes(0, sent),
            "{} bytes came, {sent} expected",
            body.len()
        );
    }

    // A client that trusts Content-Length sees an error, not a short body.
    let got = client()
        .get(server.url("/truncated?len=1001").parse().unwrap())
        .await
        .unwrap();
    assert!(got.into_body().collect().await.is_err());
}

#[tokio::test]
async fn stall_route_never_answers() {
    let server = TestServer::start();
    let request = "GET /stall HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let (response, closed) = raw(server.http_addr(), request, Duration::from_millis(200)).await;
    assert!(!closed && response.is_empty(), "got {response:?}");
    assert_eq!(server.requests_for("/stall"), 1);
}

#[tokio::test]
async fn endless_route_streams_until_the_client_leaves_and_then_frees_the_connection() {
    let server = TestServer::start();
    let mut stream = tokio::net::TcpStream::connect(server.http_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /endless HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut received = vec![0u8; 1 << 20];
    stream.read_exact(&mut received).await.unwrap();
    let (head, body) = split_head(&received);
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert!(body.len() > 500_000, "a megabyte came, most of it body");
    assert_eq!(server.connections_open(), 1);

    drop(stream);
    let freed = eventually(Duration::from_secs(5), || server.connections_open() == 0).await;
    assert!(
        freed,
        "the endless response must end when its client goes away"
    );
    // The server still serves.
    let got = send(&client(), Method::GET, &server.url("/items/2"), b"").await;
    assert_eq!(got.body, item_json(2));
}

#[tokio::test]
async fn dropping_the_server_closes_stalled_connections_and_the_port() {
    let server = TestServer::start();
    let addr = server.http_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /stall HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(5), || server.requests_for("/stall")
            == 1)
        .await
    );

    // Drop joins the server thread; run it off this runtime's thread.
    tokio::task::spawn_blocking(move || drop(server))
        .await
        .unwrap();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the stalled connection must close, got {read:?}"
    );
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn stalled_request_is_dropped_when_its_client_leaves() {
    let server = TestServer::start();
    let mut stream = tokio::net::TcpStream::connect(server.http_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /stall HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(5), || server.requests_for("/stall")
            == 1)
        .await
    );
    drop(stream);
    let freed = eventually(Duration::from_secs(5), || server.connections_open() == 0).await;
    assert!(freed, "a stalled request must not outlive its connection");
}
