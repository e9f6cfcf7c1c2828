//! Cases that need a real server on real sockets: TLS with the test CA and keep-alive
//! connection reuse. Only real backends run them ([`http_network_suite!`](crate::http_network_suite)).

use ferry_http::{Certificate, HttpClientExt, HttpSettings};
use ferry_testserver::TestServer;
use ferry_testserver::routes::item_json;
use http::Version;

use super::{HttpBackend, default_client, server};

/// HTTPS works once the test CA is trusted, and negotiates HTTP/2 by ALPN.
pub async fn https_with_the_test_root_succeeds<B: HttpBackend>(backend: B) {
    let settings = HttpSettings::default()
        .add_root_certificate(Certificate::from_pem(server().ca_cert_pem().to_owned()));
    let client = backend.client(settings);
    let response = client
        .get(server().https_url("/items/2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), item_json(2));
    let der = backend.client(
        HttpSettings::default()
            .add_root_certificate(Certificate::from_der(server().ca_cert_der().to_vec())),
    );
    assert!(der.get(server().https_url("/items/2")).send().await.is_ok());
}

/// Without the test CA the server's certificate is not trusted.
pub async fn https_without_the_test_root_is_rejected<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let error = client
        .get(server().https_url("/items/2"))
        .send()
        .await
        .unwrap_err();
    assert!(
        error.is_tls() && error.is_connect() && !error.is_retryable(),
        "{error:?}"
    );
}

/// Fifty sequential requests travel over at most two connections.
pub async fn sequential_requests_reuse_keep_alive_connections<B: HttpBackend>(backend: B) {
    let own = TestServer::builder().http_only().start();
    let client = default_client(&backend);
    for id in 0..50 {
        let body = client
            .get(own.url(&format!("/items/{id}")))
            .send()
            .await
            .unwrap();
        body.bytes().await.unwrap();
    }
    assert_eq!(own.requests_served(), 50);
    assert!(
        own.connections_accepted() <= 2,
        "{} connections",
        own.connections_accepted()
    );
}
