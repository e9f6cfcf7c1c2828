//! Cases for response bodies: streaming, timeouts while reading, truncation, limits and
//! decoding.

use std::time::Duration;

use ferry_core::Clock;
use ferry_http::{HttpClientExt, HttpSettings};
use ferry_testserver::routes::pattern_bytes;
use futures::StreamExt;
use serde_json::Value;

use super::{HttpBackend, default_client};

/// `/slow` arrives as several chunks through `bytes_stream`, all bytes in order.
pub async fn slow_body_streams_in_chunks<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = backend.url("/slow?ms=10&chunks=4&chunk_size=100");
    let mut stream = client.get(&url).send().await.unwrap().bytes_stream();
    let (mut chunks, mut body) = (0, Vec::new());
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert_eq!(body.len(), 400);
    assert!(
        chunks >= 2,
        "a slow body arrives in several chunks, got {chunks}"
    );
}

/// A body still arriving when the request's timeout ends fails with a timeout.
pub async fn slow_body_past_the_timeout_fails_while_reading<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = backend.url("/slow?ms=100&chunks=20");
    let response = client
        .get(&url)
        .timeout(Duration::from_millis(250))
        .send()
        .await
        .expect("the head arrives at once");
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

/// A server that never answers hits the total timeout, not a hang.
pub async fn stalled_server_times_out<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_timeout(Duration::from_millis(200)));
    let rt = backend.runtime();
    let started = rt.now();
    let error = client.get(backend.url("/stall")).send().await.unwrap_err();
    assert!(error.is_timeout() && error.is_retryable(), "{error:?}");
    assert!(rt.now() - started >= Duration::from_millis(200));
}

/// A body shorter than its `Content-Length` fails with a body error.
pub async fn truncated_body_is_a_body_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .get(backend.url("/truncated?len=1000"))
        .send()
        .await
        .unwrap();
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body(), "{error:?}");
}

/// `/bytes/{n}` gives exactly the server's pattern.
pub async fn bytes_route_returns_the_exact_bytes<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .get(backend.url("/bytes/300000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_length(), Some(300_000));
    assert_eq!(response.bytes().await.unwrap(), pattern_bytes(0, 300_000));
}

/// A body announced larger than the limit fails without being read.
pub async fn large_body_past_the_limit_fails<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_body_bytes(10_000));
    let url = backend.url("/bytes/50000");
    let error = client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(
        error.is_body_too_large() && !error.is_retryable(),
        "{error:?}"
    );
    let fits = client
        .get(backend.url("/bytes/10000"))
        .send()
        .await
        .unwrap();
    assert_eq!(fits.bytes().await.unwrap().len(), 10_000);
}

/// An endless body stops at the limit, read whole or streamed.
pub async fn endless_body_stops_at_the_limit<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_body_bytes(100_000));
    let url = backend.url("/endless");
    let error = client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");

    let mut stream = client.get(&url).send().await.unwrap().bytes_stream();
    let mut received = 0;
    let error = loop {
        match stream.next().await.expect("the stream ends with an error") {
            Ok(chunk) => received += chunk.len(),
            Err(error) => break error,
        }
    };
    assert!(error.is_body_too_large(), "{error:?}");
    assert!(received <= 100_000);
    assert!(stream.next().await.is_none(), "nothing follows the error");
}

/// A body that is not JSON, or not the right shape, is a decode error naming the type.
pub async fn invalid_json_is_a_decode_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(backend.url("/bytes/64")).send().await.unwrap();
    let error = response.json::<Value>().await.unwrap_err();
    assert!(error.is_decode() && !error.is_retryable(), "{error:?}");
    let response = client.get(backend.url("/items/1")).send().await.unwrap();
    let error = response.json::<Vec<String>>().await.unwrap_err();
    assert!(
        error.is_decode() && error.to_string().contains("Vec<"),
        "{error}"
    );
}

/// Bytes that are not UTF-8 are a decode error from `text`.
pub async fn non_utf8_text_is_a_decode_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(backend.url("/bytes/256")).send().await.unwrap();
    let error = response.text().await.unwrap_err();
    assert!(error.is_decode(), "{error:?}");
}
