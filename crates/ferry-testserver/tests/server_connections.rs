//! Connections, counters, HTTPS and the builder, over 127.0.0.1.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{client, get_over_tls, send, tls_connect};
use ferry_testserver::routes::item_json;
use ferry_testserver::{StartError, TestServer};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[tokio::test]
async fn connections_accepted_counts_keep_alive_reuse_as_one_connection() {
    let server = TestServer::start();
    let pooled = client();
    for id in 1..=5 {
        let got = send(
            &pooled,
            Method::GET,
            &server.url(&format!("/items/{id}")),
            b"",
        )
        .await;
        assert_eq!(got.body, item_json(id));
    }
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(server.requests_served(), 5);

    // Without idle connections in the pool every request opens its own.
    let unpooled: common::HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http();
    for _ in 0..3 {
        send(&unpooled, Method::GET, &server.url("/items/1"), b"").await;
    }
    assert_eq!(server.connections_accepted(), 4);
    assert_eq!(server.requests_served(), 8);
}

#[tokio::test]
async fn requests_for_counts_calls_per_exact_path() {
    let server = TestServer::start();
    let client = client();
    for url in ["/items/1", "/items/1?x=2", "/items/2", "/nowhere"] {
        send(&client, Method::GET, &server.url(url), b"").await;
    }
    assert_eq!(server.requests_for("/items/1"), 2);
    assert_eq!(server.requests_for("/items/2"), 1);
    assert_eq!(server.requests_for("/nowhere"), 1);
    assert_eq!(server.requests_for("/items/3"), 0);
    assert_eq!(server.requests_served(), 4);
}

#[tokio::test]
async fn https_works_with_the_test_ca_as_the_only_root_over_h2_and_http1() {
    let server = TestServer::start();
    let addr = server.https_addr().unwrap();
    let authority = format!("localhost:{}", addr.port());
    for alpn in [&[b"h2".as_slice(), b"http/1.1"][..], &[b"http/1.1"]] {
        let tls = tls_connect(addr, server.ca_cert_pem(), "localhost", alpn)
            .await
            .unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn[0]));
        let got = get_over_tls(tls, &authority, "/link?per_page=2&total=3").await;
        assert_eq!(got.status, StatusCode::OK);
        let next = format!(
            "<{}>; rel=\"next\"",
            server.https_url("/link?page=2&per_page=2&total=3")
        );
        assert_eq!(
            got.header("link"),
            next,
            "the Link URL keeps the https scheme"
        );
    }
    assert_eq!(
        server.https_url("/a?b=1"),
        format!("https://{authority}/a?b=1")
    );
}

#[tokio::test]
async fn https_certificate_is_valid_for_127_0_0_1_and_refused_without_the_ca() {
    let server = TestServer::start();
    let addr = server.https_addr().unwrap();
    let tls = tls_connect(addr, server.ca_cert_pem(), "127.0.0.1", &[b"h2"])
        .await
        .unwrap();
    let got = get_over_tls(tls, &addr.to_string(), "/items/9").await;
    assert_eq!(got.body, item_json(9));

    let other_ca = TestServer::builder().http_only().start();
    let refused = tls_connect(addr, other_ca.ca_cert_pem(), "localhost", &[b"h2"]).await;
    assert!(
        refused.is_err(),
        "a client trusting another CA must refuse the certificate"
    );
    assert!(
        server
            .ca_cert_pem()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert_eq!(server.ca_cert_der()[0], 0x30, "DER starts with a SEQUENCE");
}

#[tokio::test]
async fn plain_http2_with_prior_knowledge_is_served() {
    let server = TestServer::start();
    let h2: common::HttpClient = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let request = http::Request::get(server.url("/items/4"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = h2.request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, item_json(4));
}

#[tokio::test]
async fn builder_refuses_zero_workers_and_a_taken_port_and_serves_with_several_workers() {
    assert!(matches!(
        TestServer::builder().worker_threads(0).try_start(),
        Err(StartError::NoWorkerThreads)
    ));
    let first = TestServer::builder().worker_threads(2).http_only().start();
    assert!(first.https_addr().is_none());
    let taken = TestServer::builder()
        .bind_port(first.http_addr().port())
        .try_start();
    assert!(matches!(taken, Err(StartError::Bind { addr, .. }) if addr == first.http_addr()));

    let got = send(&client(), Method::GET, &first.url("items/3"), b"").await;
    assert_eq!(got.body, item_json(3));
}

#[test]
fn server_works_for_clients_without_any_async_runtime() {
    use std::io::{Read, Write};
    let server = TestServer::start();
    let mut stream = std::net::TcpStream::connect(server.http_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /items/8 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let (head, body) = common::split_head(&response);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert_eq!(body, item_json(8).as_bytes());
}
