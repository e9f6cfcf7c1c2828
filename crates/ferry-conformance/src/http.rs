//! Cases for an HTTP client against ferry's local test server: every route, every error kind,
//! timeouts, limits, redirects, TLS, keep-alive reuse and bad input.
//!
//! Run them with [`http_suite!`](crate::http_suite) and an [`HttpBackend`]. Most cases share
//! one [`TestServer`] per test process; those that count connections start their own.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferry_core::Clock;
use ferry_core::http::{
    Certificate, HttpClient, HttpClientExt, HttpError, HttpSettings, Request, RetryAfter,
};
use ferry_testserver::TestServer;
use ferry_testserver::routes::{file_content, item_json, pattern_bytes};
use futures::StreamExt;
use http::{Method, StatusCode, Version};
use serde_json::Value;

use crate::runtime::TestRuntime;

/// What the HTTP cases need from a backend: its runtime, and clients built from settings.
pub trait HttpBackend: Send + Sync + 'static {
    /// The runtime the cases run on.
    type Runtime: TestRuntime;
    /// The backend's client.
    type Client: HttpClient + Clone + 'static;

    /// The runtime (for its clock and spawning).
    fn runtime(&self) -> Self::Runtime;

    /// A client with `settings`; panics if the backend rejects them (a test failure).
    fn client(&self, settings: HttpSettings) -> Self::Client;
}

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! http_suite {
    ($with_backend:path) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                get_item_returns_its_json,
                delay_route_answers_after_its_delay,
                numbered_pages_cover_every_item_once,
                cursor_pages_cover_every_item_once,
                link_header_pages_cover_every_item_once,
                status_route_gives_each_status_and_error_for_status_maps_it,
                flaky_route_fails_then_succeeds,
                ratelimited_route_carries_retry_after,
                slow_body_streams_in_chunks,
                slow_body_past_the_timeout_fails_while_reading,
                stalled_server_times_out,
                truncated_body_is_a_body_error,
                bytes_route_returns_the_exact_bytes,
                large_body_past_the_limit_fails,
                endless_body_stops_at_the_limit,
                redirect_chain_is_followed_to_the_end,
                redirect_loop_fails_at_the_limit,
                redirect_to_other_scheme_is_refused,
                see_other_turns_post_into_get,
                cross_origin_redirect_drops_credentials,
                files_download_whole_and_streamed,
                headers_route_sees_user_agent_and_custom_headers,
                echo_round_trips_a_json_body,
                connection_refused_is_a_connect_error,
                https_with_the_test_root_succeeds,
                https_without_the_test_root_is_rejected,
                sequential_requests_reuse_keep_alive_connections,
                concurrent_requests_all_succeed,
                invalid_url_is_a_typed_error,
                invalid_json_is_a_decode_error,
                non_utf8_text_is_a_decode_error,
                secrets_stay_out_of_debug_and_errors,
            ]
        );
    };
}

/// The test server shared by the cases of this process.
fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(TestServer::start)
}

/// A key no other case (or run of this case on another runtime) uses.
fn unique_key(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn default_client<B: HttpBackend>(backend: &B) -> B::Client {
    backend.client(HttpSettings::default())
}

async fn get_json<C: HttpClient>(client: &C, url: &str) -> Value {
    client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url} failed: {error}"))
        .error_for_status()
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url} body: {error}"))
}

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|item| item["id"].as_u64().expect("item has an id"))
        .collect()
}

/// `GET /items/{id}` decodes to the item.
pub async fn get_item_returns_its_json<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(server().url("/items/7")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/items/7");
    assert_eq!(response.text().await.unwrap(), item_json(7));
}

/// `/delay/{ms}` takes at least its delay, and answers.
pub async fn delay_route_answers_after_its_delay<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let rt = backend.runtime();
    let started = rt.now();
    let item = get_json(&client, &server().url("/delay/60?id=3")).await;
    assert!(rt.now() - started >= Duration::from_millis(60));
    assert_eq!(item["id"], 3);
}

/// Numbered pages, read until one comes back empty, hold every item exactly once.
pub async fn numbered_pages_cover_every_item_once<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let mut seen = Vec::new();
    for page in 1.. {
        let url = server().url(&format!("/pages?page={page}&per_page=10&total=25"));
        let body = get_json(&client, &url).await;
        let page_ids = ids(&body["items"]);
        if page_ids.is_empty() {
            break;
        }
        seen.extend(page_ids);
    }
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
}

/// Following `next_cursor` until it is null visits every item exactly once.
pub async fn cursor_pages_cover_every_item_once<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client
            .get(server().url("/cursor"))
            .query([("limit", "7"), ("total", "30")]);
        if let Some(cursor) = &cursor {
            request = request.query([("cursor", cursor.as_str())]);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        seen.extend(ids(&body["items"]));
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (1..=30).collect::<Vec<_>>());
}

/// The URL of `rel="next"` in a `Link` header.
fn next_link(response: &ferry_core::http::Response) -> Option<String> {
    let link = response.headers().get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// Following `Link: <...>; rel="next"` visits every item exactly once.
pub async fn link_header_pages_cover_every_item_once<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let mut seen = Vec::new();
    let mut url = Some(server().url("/link?per_page=4&total=10"));
    while let Some(current) = url {
        let response = client.get(&current).send().await.unwrap();
        url = next_link(&response);
        seen.extend(ids(&response.json::<Value>().await.unwrap()));
    }
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
}

/// `/status/{code}` answers that status; `error_for_status` passes 2xx and maps 4xx/5xx.
pub async fn status_route_gives_each_status_and_error_for_status_maps_it<B: HttpBackend>(
    backend: B,
) {
    let client = default_client(&backend);
    for code in [200u16, 201, 204, 400, 404, 418, 500, 503] {
        let url = server().url(&format!("/status/{code}"));
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), code);
        match response.error_for_status() {
            Ok(response) => {
                assert!(code < 400);
                let body = response.bytes().await.unwrap();
                assert_eq!(body.is_empty(), code == 204, "{code}");
            }
            Err(error) => {
                assert!(code >= 400 && error.is_status(), "{code}: {error:?}");
                assert_eq!(error.status().map(|s| s.as_u16()), Some(code));
                assert_eq!(error.url(), Some(url.as_str()));
                assert_eq!(error.is_retryable(), code == 503, "{code}");
            }
        }
    }
}

/// `/flaky/{key}?fail=2` fails twice with a retryable 503, then answers.
pub async fn flaky_route_fails_then_succeeds<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = server().url(&format!("/flaky/{}?fail=2", unique_key("flaky")));
    for _ in 0..2 {
        let error = client
            .get(&url)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap_err();
        assert!(error.is_retryable() && error.status() == Some(StatusCode::SERVICE_UNAVAILABLE));
    }
    assert_eq!(get_json(&client, &url).await["id"], 1);
}

/// `/ratelimited` answers 429 with `Retry-After`, in seconds or as a date.
pub async fn ratelimited_route_carries_retry_after<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = server().url(&format!(
        "/ratelimited/{}?fail=1&retry_after=2",
        unique_key("rl")
    ));
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(2)))
    );
    let error = response.error_for_status().unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(
        error.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(2)))
    );
    assert_eq!(get_json(&client, &url).await["id"], 1);

    let url = server().url(&format!(
        "/ratelimited/{}?fail=1&retry_after=30&date=1",
        unique_key("rl-date")
    ));
    let response = client.get(&url).send().await.unwrap();
    let Some(RetryAfter::At(_)) = response.retry_after() else {
        panic!("expected an HTTP-date Retry-After, got {response:?}");
    };
}

/// `/slow` arrives as several chunks through `bytes_stream`, all bytes in order.
pub async fn slow_body_streams_in_chunks<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = server().url("/slow?ms=10&chunks=4&chunk_size=100");
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
    let url = server().url("/slow?ms=100&chunks=20");
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
    let error = client.get(server().url("/stall")).send().await.unwrap_err();
    assert!(error.is_timeout() && error.is_retryable(), "{error:?}");
    assert!(rt.now() - started >= Duration::from_millis(200));
}

/// A body shorter than its `Content-Length` fails with a body error.
pub async fn truncated_body_is_a_body_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .get(server().url("/truncated?len=1000"))
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
        .get(server().url("/bytes/300000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_length(), Some(300_000));
    assert_eq!(response.bytes().await.unwrap(), pattern_bytes(0, 300_000));
}

/// A body announced larger than the limit fails without being read.
pub async fn large_body_past_the_limit_fails<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_body_bytes(10_000));
    let url = server().url("/bytes/50000");
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
        .get(server().url("/bytes/10000"))
        .send()
        .await
        .unwrap();
    assert_eq!(fits.bytes().await.unwrap().len(), 10_000);
}

/// An endless body stops at the limit, read whole or streamed.
pub async fn endless_body_stops_at_the_limit<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_body_bytes(100_000));
    let url = server().url("/endless");
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

/// A chain of redirects ends at the final URL.
pub async fn redirect_chain_is_followed_to_the_end<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .get(server().url("/redirect/4"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().path(), "/redirect/0");
    assert_eq!(response.json::<Value>().await.unwrap()["redirected"], true);
    let absolute = client
        .get(server().url("/redirect/2?absolute=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(absolute.status(), StatusCode::OK);
}

/// A redirect loop fails after the limit, and 0 returns the redirect itself.
pub async fn redirect_loop_fails_at_the_limit<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_redirects(5));
    let error = client
        .get(server().url("/redirect-loop"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_redirect() && !error.is_retryable(), "{error:?}");
    let within = client
        .get(server().url("/redirect/5"))
        .send()
        .await
        .unwrap();
    assert_eq!(within.status(), StatusCode::OK);

    let manual = backend.client(HttpSettings::default().with_max_redirects(0));
    let response = manual
        .get(server().url("/redirect-loop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
}

/// A redirect to a non-http(s) URL is refused.
pub async fn redirect_to_other_scheme_is_refused<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for target in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
    ] {
        let error = client
            .get(server().url("/redirect-to"))
            .query([("location", target)])
            .send()
            .await
            .unwrap_err();
        assert!(error.is_redirect(), "{target}: {error:?}");
    }
}

/// A POST answered by 303 continues as a GET.
pub async fn see_other_turns_post_into_get<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .post(server().url("/redirect-303"))
        .body("form=data")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "/items/1 answers GET only"
    );
    assert_eq!(response.text().await.unwrap(), item_json(1));
}

/// Credentials go to the origin they were meant for, not to where it redirects.
pub async fn cross_origin_redirect_drops_credentials<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let port = server().http_addr().port();
    let elsewhere = format!("http://localhost:{port}/headers");
    let headers: Value = client
        .get(server().url("/redirect-to"))
        .query([("location", elsewhere.as_str())])
        .bearer_auth("secret-token")
        .sensitive_header("x-api-key", "secret-key")
        .header("x-trace", "kept")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(headers.get("authorization").is_none(), "{headers}");
    assert!(headers.get("x-api-key").is_none(), "{headers}");
    assert_eq!(headers["x-trace"], "kept");

    let same: Value = client
        .get(server().url("/redirect-to?location=/headers"))
        .bearer_auth("secret-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(same["authorization"], "Bearer secret-token");
}

/// Every file downloads whole, and the same when streamed.
pub async fn files_download_whole_and_streamed<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for name in ferry_testserver::routes::FILE_NAMES {
        let (_, expected) = file_content(name).expect("listed files exist");
        let url = server().url(&format!("/files/{name}"));
        assert_eq!(
            client
                .get(&url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
            expected
        );
        let mut stream = client.get(&url).send().await.unwrap().bytes_stream();
        let mut streamed = Vec::new();
        while let Some(chunk) = stream.next().await {
            streamed.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(streamed, expected);
    }
    let refused = client
        .get(server().url("/files/.hidden"))
        .send()
        .await
        .unwrap();
    assert!(refused.error_for_status().unwrap_err().is_status());
}

/// The server sees ferry's user agent and the request's own headers.
pub async fn headers_route_sees_user_agent_and_custom_headers<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let headers: Value = client
        .get(server().url("/headers"))
        .header("x-custom", "yes")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        headers["user-agent"]
            .as_str()
            .unwrap()
            .starts_with("ferry/"),
        "{headers}"
    );
    assert_eq!(headers["x-custom"], "yes");
}

/// A JSON body goes out with its content type and comes back unchanged.
pub async fn echo_round_trips_a_json_body<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let sent = serde_json::json!({"name": "ferry", "tags": ["a", "b"], "n": 3});
    let echo: Value = client
        .put(server().url("/echo"))
        .json(&sent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(echo["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, sent);
}

/// A port nobody listens on gives a retryable connect error.
pub async fn connection_refused_is_a_connect_error<B: HttpBackend>(backend: B) {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = default_client(&backend);
    let url = format!("http://127.0.0.1:{port}/items/1");
    let error = client.get(&url).send().await.unwrap_err();
    assert!(
        error.is_connect() && !error.is_timeout() && error.is_retryable(),
        "{error:?}"
    );
    assert!(std::error::Error::source(&error).is_some());
}

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

/// Many requests in flight at once all get their own answer.
pub async fn concurrent_requests_all_succeed<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let bodies: Vec<String> = futures::stream::iter(0..200u64)
        .map(|id| {
            let client = client.clone();
            async move {
                let url = server().url(&format!("/items/{id}"));
                client.get(url).send().await.unwrap().text().await.unwrap()
            }
        })
        .buffered(32)
        .collect()
        .await;
    for (id, body) in bodies.iter().enumerate() {
        assert_eq!(*body, item_json(id as u64));
    }
}

/// Malformed and non-http(s) URLs fail before anything is sent.
pub async fn invalid_url_is_a_typed_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for url in [
        "",
        "not a url",
        "ftp://127.0.0.1/x",
        "http://",
        "//no-scheme/x",
        "http://[::1",
    ] {
        let error: HttpError = client.get(url).send().await.unwrap_err();
        assert!(error.is_invalid_url(), "{url:?}: {error:?}");
    }
    let built = Request::builder(Method::GET, "file:///etc/passwd").build();
    assert!(built.unwrap_err().is_invalid_url());
}

/// A body that is not JSON, or not the right shape, is a decode error naming the type.
pub async fn invalid_json_is_a_decode_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(server().url("/bytes/64")).send().await.unwrap();
    let error = response.json::<Value>().await.unwrap_err();
    assert!(error.is_decode() && !error.is_retryable(), "{error:?}");
    let response = client.get(server().url("/items/1")).send().await.unwrap();
    let error = response.json::<Vec<String>>().await.unwrap_err();
    assert!(
        error.is_decode() && error.to_string().contains("Vec<"),
        "{error}"
    );
}

/// Bytes that are not UTF-8 are a decode error from `text`.
pub async fn non_utf8_text_is_a_decode_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(server().url("/bytes/256")).send().await.unwrap();
    let error = response.text().await.unwrap_err();
    assert!(error.is_decode(), "{error:?}");
}

/// Credentials never show in `Debug` of requests, responses or errors, nor in error messages.
pub async fn secrets_stay_out_of_debug_and_errors<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let secrets = ["tok-SECRET", "key-SECRET", "pw-SECRET", "q-SECRET"];
    let port = server().http_addr().port();
    let url = format!("http://user:pw-SECRET@127.0.0.1:{port}/status/401?api_key=q-SECRET");
    let request = Request::get(&url)
        .bearer_auth("tok-SECRET")
        .sensitive_header("x-api-key", "key-SECRET")
        .build()
        .unwrap();
    let shown_request = format!("{request:?}");
    let response = client.send(request).await.unwrap();
    let shown_response = format!("{response:?}");
    let error = response.error_for_status().unwrap_err();
    for shown in [
        shown_request,
        shown_response,
        format!("{error:?}"),
        error.to_string(),
    ] {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
    }
}
