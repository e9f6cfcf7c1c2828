//! Cases for the data and behaviour routes: items, pages, statuses, failures that heal, rate
//! limits, files, headers, echo, and many requests at once.

use std::time::Duration;

use ferry_core::Clock;
use ferry_http::{HttpClientExt, RetryAfter};
use ferry_testserver::routes::{file_content, item_json};
use futures::StreamExt;
use http::StatusCode;
use serde_json::Value;

use super::{HttpBackend, default_client, get_json, ids, unique_key};

/// `GET /items/{id}` decodes to the item.
pub async fn get_item_returns_its_json<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(backend.url("/items/7")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/items/7");
    assert_eq!(response.text().await.unwrap(), item_json(7));
}

/// `/delay/{ms}` takes at least its delay, and answers.
pub async fn delay_route_answers_after_its_delay<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let rt = backend.runtime();
    let started = rt.now();
    let item = get_json(&client, &backend.url("/delay/60?id=3")).await;
    assert!(rt.now() - started >= Duration::from_millis(60));
    assert_eq!(item["id"], 3);
}

/// Numbered pages, read until one comes back empty, hold every item exactly once.
pub async fn numbered_pages_cover_every_item_once<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let mut seen = Vec::new();
    for page in 1.. {
        let url = backend.url(&format!("/pages?page={page}&per_page=10&total=25"));
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
            .get(backend.url("/cursor"))
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
fn next_link(response: &ferry_http::Response) -> Option<String> {
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
    let mut url = Some(backend.url("/link?per_page=4&total=10"));
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
        let url = backend.url(&format!("/status/{code}"));
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
    let url = backend.url(&format!("/flaky/{}?fail=2", unique_key("flaky")));
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
    let url = backend.url(&format!(
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

    let url = backend.url(&format!(
        "/ratelimited/{}?fail=1&retry_after=30&date=1",
        unique_key("rl-date")
    ));
    let response = client.get(&url).send().await.unwrap();
    let Some(RetryAfter::At(_)) = response.retry_after() else {
        panic!("expected an HTTP-date Retry-After, got {response:?}");
    };
}

/// Every file downloads whole, and the same when streamed.
pub async fn files_download_whole_and_streamed<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for name in ferry_testserver::routes::FILE_NAMES {
        let (_, expected) = file_content(name).expect("listed files exist");
        let url = backend.url(&format!("/files/{name}"));
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
        .get(backend.url("/files/.hidden"))
        .send()
        .await
        .unwrap();
    assert!(refused.error_for_status().unwrap_err().is_status());
}

/// The server sees ferry's user agent and the request's own headers.
pub async fn headers_route_sees_user_agent_and_custom_headers<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let headers: Value = client
        .get(backend.url("/headers"))
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
        .put(backend.url("/echo"))
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

/// Many requests in flight at once all get their own answer.
pub async fn concurrent_requests_all_succeed<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let bodies: Vec<String> = futures::stream::iter(0..200u64)
        .map(|id| {
            let client = client.clone();
            let url = backend.url(&format!("/items/{id}"));
            async move { client.get(url).send().await.unwrap().text().await.unwrap() }
        })
        .buffered(32)
        .collect()
        .await;
    for (id, body) in bodies.iter().enumerate() {
        assert_eq!(*body, item_json(id as u64));
    }
}
