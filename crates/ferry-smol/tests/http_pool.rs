//! The smol transport's keep-alive pool, counted by the test server: idle timeout, the idle
//! limit, responses dropped unread, HTTP/2 sharing, and a dropped executor.

use std::sync::Arc;
use std::time::Duration;

use async_executor::Executor;
use ferry_core::Timer;
use ferry_http::{Certificate, HttpClientExt, HttpSettings};
use ferry_smol::SmolRuntime;
use ferry_testserver::TestServer;

#[test]
fn idle_connection_past_the_idle_timeout_is_not_reused() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let settings = HttpSettings::default().with_pool_idle_timeout(Duration::from_millis(50));
        let client = rt.http_client(settings).unwrap();
        for id in 0..2 {
            let response = client.get(server.url(&format!("/items/{id}"))).send().await;
            response.unwrap().bytes().await.unwrap();
            rt.sleep(Duration::from_millis(150)).await;
        }
        assert_eq!(server.requests_served(), 2);
        assert_eq!(server.connections_accepted(), 2);
    });
}

#[test]
fn connection_inside_the_idle_timeout_is_reused() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default()).unwrap();
        for id in 0..3 {
            let response = client.get(server.url(&format!("/items/{id}"))).send().await;
            response.unwrap().bytes().await.unwrap();
            rt.sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.connections_accepted(), 1);
    });
}

#[test]
fn back_to_back_requests_reuse_one_connection() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default()).unwrap();
        // No pause between requests: the connection is back in the pool as soon as the
        // previous body has been read, so the next request never needs a second one.
        for id in 0..20 {
            let response = client.get(server.url(&format!("/items/{id}"))).send().await;
            response.unwrap().bytes().await.unwrap();
        }
        assert_eq!(server.requests_served(), 20);
        assert_eq!(server.connections_accepted(), 1);
    });
}

#[test]
fn empty_response_dropped_unread_leaves_its_connection_reusable() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default()).unwrap();
        let empty = client.get(server.url("/status/204")).send().await.unwrap();
        assert_eq!(empty.status(), 204);
        drop(empty);
        let text = client.get(server.url("/items/3")).send().await.unwrap();
        assert!(text.text().await.unwrap().contains("\"id\":3"));
        assert_eq!(server.connections_accepted(), 1);
    });
}

#[test]
fn no_idle_connections_kept_means_one_connection_per_request() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let settings = HttpSettings::default().with_pool_max_idle_per_host(0);
        let client = rt.http_client(settings).unwrap();
        for id in 0..4 {
            let response = client.get(server.url(&format!("/items/{id}"))).send().await;
            response.unwrap().bytes().await.unwrap();
        }
        assert_eq!(server.connections_accepted(), 4);
    });
}

#[test]
fn response_dropped_unread_closes_its_connection_and_the_next_request_succeeds() {
    let server = TestServer::builder().http_only().start();
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default()).unwrap();
        let unread = client
            .get(server.url("/bytes/100000"))
            .send()
            .await
            .unwrap();
        drop(unread);
        let text = client.get(server.url("/items/3")).send().await.unwrap();
        assert!(text.text().await.unwrap().contains("\"id\":3"));
        // The half-read connection could not carry the second request.
        assert_eq!(server.connections_accepted(), 2);
    });
}

#[test]
fn https_requests_in_flight_together_share_one_http2_connection() {
    let server = TestServer::start();
    ferry_smol::block_on(|rt| async move {
        let settings = HttpSettings::default()
            .add_root_certificate(Certificate::from_pem(server.ca_cert_pem().to_owned()));
        let client = rt.http_client(settings).unwrap();
        // The first request opens the connection; the rest find it shared.
        let first = client
            .get(server.https_url("/items/0"))
            .send()
            .await
            .unwrap();
        assert_eq!(first.version(), http::Version::HTTP_2);
        first.bytes().await.unwrap();
        let requests = (1..=20).map(|id| {
            let client = client.clone();
            let url = server.https_url(&format!("/delay/20?id={id}"));
            async move { client.get(url).send().await.unwrap().bytes().await.unwrap() }
        });
        let bodies = futures::future::join_all(requests).await;
        assert_eq!(bodies.len(), 20);
        assert_eq!(server.connections_accepted(), 1);
    });
}

#[test]
fn request_after_its_executor_is_dropped_fails_instead_of_hanging() {
    let server = TestServer::builder().http_only().start();
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let client = rt.http_client(HttpSettings::default()).unwrap();
    drop(executor);
    let error = async_io::block_on(client.get(server.url("/items/1")).send()).unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(server.requests_served(), 0);
}

/// A one-request-per-connection HTTP/1.1 server on std threads: it answers with keep-alive
/// headers, then closes the connection anyway, as servers do with idle connections.
fn closing_server() -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
            );
            // Dropping the stream closes the connection the client has pooled.
        }
    });
    (address, accepted)
}

#[test]
fn pooled_connection_the_server_closed_is_not_used_again() {
    let (address, accepted) = closing_server();
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default()).unwrap();
        for _ in 0..3 {
            let response = client
                .get(format!("http://{address}/"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.text().await.unwrap(), "ok");
            rt.sleep(Duration::from_millis(30)).await;
        }
    });
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
}
