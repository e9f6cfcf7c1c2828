//! Small clients for the server's tests: hyper-util's client over 127.0.0.1, raw TCP for the
//! routes that misbehave on purpose, and an HTTPS connection trusting only the test CA.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A whole response.
#[derive(Debug)]
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A pooling (keep-alive) HTTP/1.1 client.
pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub async fn send(client: &HttpClient, method: Method, url: &str, body: &[u8]) -> Got {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("x-test", "yes")
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap();
    let response = client.request(request).await.expect("request failed");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body failed").to_bytes();
    Got {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// GET with a fresh client.
pub async fn get(url: &str) -> Got {
    send(&client(), Method::GET, url, b"").await
}

/// Writes `request` on a fresh connection and reads until the server closes it, giving up
/// after `limit` (returning what arrived and whether the server closed).
pub async fn raw(addr: SocketAddr, request: &str, limit: Duration) -> (Vec<u8>, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    (received, read.is_ok())
}

/// Splits a raw HTTP/1.1 response into its head (as text) and body bytes.
pub fn split_head(response: &[u8]) -> (String, &[u8]) {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    (
        String::from_utf8_lossy(&response[..end]).into_owned(),
        &response[end + 4..],
    )
}

/// A TLS connection to `addr` that trusts only the CA in `ca_pem`, offering `alpn`.
pub async fn tls_connect(
    addr: SocketAddr,
    ca_pem: &str,
    server_name: &str,
    alpn: &[&[u8]],
) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("valid PEM")).expect("a usable CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let stream = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
}

/// Sends one GET over an established TLS connection, speaking whatever ALPN chose.
pub async fn get_over_tls(stream: TlsStream<TcpStream>, authority: &str, path: &str) -> Got {
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(stream);
    let uri = format!("https://{authority}{path}");
    let request = |uri: &str| {
        let builder = Request::builder().uri(uri);
        // HTTP/1.1 needs a Host header; HTTP/2 carries the authority in the URI.
        let builder = if h2 {
            builder
        } else {
            builder.header("host", authority)
        };
        builder.body(Full::new(Bytes::new())).unwrap()
    };
    let response = if h2 {
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .unwrap();
        tokio::spawn(connection);
        sender.send_request(request(&uri)).await.unwrap()
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(connection);
        sender.send_request(request(path)).await.unwrap()
    };
    assert_eq!(
        response.version(),
        if h2 {
            http::Version::HTTP_2
        } else {
            http::Version::HTTP_11
        }
    );
    let (parts, body) = response.into_parts();
    Got {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// Waits until `condition` holds, polling, for at most `limit`; returns whether it held.
pub async fn eventually(limit: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    condition()
}
