//! Each scripted HTTP behaviour of `MockHttp`, with exact virtual times.

use std::time::Duration;

use ferry_core::{SpawnExt, timeout};
use ferry_http::{HttpClient, HttpClientExt, HttpSettings, Request, RetryAfter};
use ferry_mock::http::{Latency, MockHttp, NoRouteMatched, Respond};
use ferry_mock::{Builder, TraceKind};
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode};

const API: &str = "http://api.test";

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn url(path: &str) -> String {
    format!("{API}{path}")
}

#[test]
fn route_with_fixed_latency_answers_at_exactly_that_virtual_time() {
    ferry_mock::run(1, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/items/{id}",
            Respond::json(r#"{"id":3}"#).latency(ms(200)),
        );
        let response = http.get(url("/items/3")).send().await.unwrap();
        assert_eq!(rt.elapsed(), ms(200));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.content_length(), Some(8));
        assert_eq!(response.text().await.unwrap(), r#"{"id":3}"#);
        assert_eq!(rt.elapsed(), ms(200));
    });
}

#[test]
fn stalled_route_fails_at_exactly_the_client_timeout() {
    ferry_mock::run(2, |rt| async move {
        let http = MockHttp::new(&rt)
            .with_settings(HttpSettings::default().with_timeout(Duration::from_secs(1)))
            .route(Method::GET, "/stall", Respond::stall());
        let error = http.get(url("/stall")).send().await.unwrap_err();
        assert!(error.is_timeout() && error.is_retryable(), "{error:?}");
        assert_eq!(rt.elapsed(), Duration::from_secs(1));

        // The request's own timeout wins over the client's; a caller's timeout works too.
        let error = http
            .get(url("/stall"))
            .timeout(ms(250))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(rt.elapsed(), ms(1250));
        let outer = timeout(&rt, ms(100), http.get(url("/stall")).send()).await;
        assert!(outer.is_err());
        assert_eq!(rt.elapsed(), ms(1350));
    });
}

#[test]
fn slow_route_past_a_caller_timeout_fails_at_the_timeout_not_the_latency() {
    ferry_mock::run(3, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/slow",
            Respond::ok().latency(Duration::from_secs(5)),
        );
        let result = timeout(&rt, Duration::from_secs(1), http.get(url("/slow")).send()).await;
        assert!(result.is_err());
        assert_eq!(rt.elapsed(), Duration::from_secs(1));
    });
}

#[test]
fn fail_first_fails_that_many_calls_then_answers_as_scripted() {
    ferry_mock::run(4, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/flaky", Respond::text("ok"))
            .fail_first(3, Respond::status(503));
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(
                http.get(url("/flaky"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, [503, 503, 503, 200, 200]);
        assert_eq!(http.requests_to("/flaky").len(), 5);
    });
}

#[test]
fn a_sequence_answers_in_order_and_repeats_its_last_answer() {
    ferry_mock::run(5, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::POST, "/jobs", Respond::status(202))
            .then(Respond::status(409))
            .then(Respond::status(201));
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(
                http.post(url("/jobs"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, [202, 409, 201, 201, 201]);
    });
}

#[test]
fn rate_limited_answer_carries_retry_after_to_the_error() {
    ferry_mock::run(6, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/limited", Respond::ok())
            .fail_first(1, Respond::status(429).retry_after(ms(1500)));
        let response = http.get(url("/limited")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        // Rounded up to whole seconds, so a client that honours it is never early.
        let error = response.error_for_status().unwrap_err();
        assert!(error.is_retryable());
        assert_eq!(
            error.retry_after(),
            Some(RetryAfter::Delay(Duration::from_secs(2)))
        );
        let again = http.get(url("/limited")).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::OK);
    });
}

#[test]
fn refused_connection_is_a_retryable_connect_error_after_its_latency() {
    ferry_mock::run(7, |rt| async move {
        let http =
            MockHttp::new(&rt).route(Method::GET, "/down", Respond::refuse().latency(ms(30)));
        let error = http.get(url("/down")).send().await.unwrap_err();
        assert!(
            error.is_connect() && !error.is_timeout() && error.is_retryable(),
            "{error:?}"
        );
        assert_eq!(rt.elapsed(), ms(30));
    });
}

#[test]
fn reset_connection_is_a_retryable_request_error() {
    ferry_mock::run(8, |rt| async move {
        let http =
            MockHttp::new(&rt).route(Method::GET, "/reset", Respond::reset().latency(ms(10)));
        let error = http.get(url("/reset")).send().await.unwrap_err();
        assert!(
            error.is_request() && !error.is_connect() && error.is_retryable(),
            "{error:?}"
        );
        assert_eq!(rt.elapsed(), ms(10));
    });
}

#[test]
fn truncated_body_fails_with_a_body_error_after_the_bytes_sent() {
    ferry_mock::run(9, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/cut",
            Respond::bytes(vec![7u8; 1000]).truncate_body(400),
        );
        let response = http.get(url("/cut")).send().await.unwrap();
        assert_eq!(response.content_length(), Some(1000));
        let mut stream = response.bytes_stream();
        let mut received = 0;
        let error = loop {
            match stream.next().await.expect("the body ends with an error") {
                Ok(chunk) => received += chunk.len(),
                Err(error) => break error,
            }
        };
        assert_eq!(received, 400);
        assert!(error.is_body() && error.is_retryable(), "{error:?}");
    });
}

#[test]
fn chunked_body_arrives_one_chunk_per_interval() {
    ferry_mock::run(10, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/slow",
            Respond::chunks(ms(100), 3, "abc").latency(ms(20)),
        );
        let response = http.get(url("/slow")).send().await.unwrap();
        assert_eq!(rt.elapsed(), ms(20));
        let mut stream = response.bytes_stream();
        let mut arrivals = Vec::new();
        while let Some(chunk) = stream.next().await {
            assert_eq!(chunk.unwrap(), "abc");
            arrivals.push(rt.elapsed());
        }
        assert_eq!(arrivals, [ms(120), ms(220), ms(320)]);
    });
}

#[test]
fn chunked_body_past_the_timeout_fails_at_exactly_the_deadline() {
    ferry_mock::run(11, |rt| async move {
        let http =
            MockHttp::new(&rt).route(Method::GET, "/slow", Respond::chunks(ms(100), 20, "x"));
        let response = http
            .get(url("/slow"))
            .timeout(ms(250))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
        assert_eq!(rt.elapsed(), ms(250));
    });
}

#[test]
fn endless_body_stops_at_the_client_body_limit() {
    ferry_mock::run(12, |rt| async move {
        let http = MockHttp::new(&rt)
            .with_settings(HttpSettings::default().with_max_body_bytes(10_000))
            .route(Method::GET, "/endless", Respond::endless(vec![1u8; 512]));
        let error = http
            .get(url("/endless"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert!(error.is_body_too_large(), "{error:?}");
    });
}

#[test]
fn random_latency_repeats_for_a_seed_and_stays_in_its_range() {
    let latencies = |seed| {
        ferry_mock::run(seed, |rt| async move {
            let http = MockHttp::new(&rt).route(
                Method::GET,
                "/jitter",
                Respond::ok().latency(Latency::uniform(ms(50), ms(150))),
            );
            let mut latencies = Vec::new();
            for _ in 0..20 {
                let before = rt.elapsed();
                http.get(url("/jitter")).send().await.unwrap();
                latencies.push(rt.elapsed() - before);
            }
            latencies
        })
    };
    let first = latencies(42);
    assert_eq!(first, latencies(42));
    assert_ne!(first, latencies(43));
    assert!(
        first.iter().all(|d| (ms(50)..=ms(150)).contains(d)),
        "{first:?}"
    );

    let mean = ferry_mock::run(44, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/tail",
            Respond::ok().latency(Latency::exponential(ms(100))),
        );
        for _ in 0..400 {
            http.get(url("/tail")).send().await.unwrap();
        }
        rt.elapsed() / 400
    });
    assert!((ms(70)..ms(130)).contains(&mean), "{mean:?}");
}

#[test]
fn handler_sees_the_path_params_query_and_body() {
    ferry_mock::run(13, |rt| async move {
        let http = MockHttp::new(&rt).route_fn(Method::PUT, "/users/{user}/notes/{note}", |req| {
            Respond::text(format!(
                "{}:{}:{}:{}:call {}",
                req.param("user").unwrap(),
                req.param("note").unwrap(),
                req.uri.query().unwrap_or(""),
                String::from_utf8_lossy(&req.body),
                req.call
            ))
        });
        let text = http
            .put(url("/users/ada/notes/9?draft=1"))
            .body("hello")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "ada:9:draft=1:hello:call 1");
    });
}

#[test]
fn query_pairs_in_a_pattern_must_be_present() {
    ferry_mock::run(14, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/search?page=2", Respond::text("second"))
            .route(Method::GET, "/search", Respond::text("any"));
        let text = |path: &'static str| {
            let http = http.clone();
            async move {
                http.get(url(path))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(text("/search?q=x&page=2").await, "second");
        assert_eq!(text("/search?page=3").await, "any");
        assert_eq!(http.requests_to("/search?page=2").len(), 1);
    });
}

#[test]
fn unmatched_request_is_a_connect_error_listing_the_routes() {
    ferry_mock::run(15, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::ok())
            .route(Method::POST, "/events", Respond::status(202));
        let error = http.post(url("/items/1")).send().await.unwrap_err();
        assert!(error.is_connect(), "{error:?}");
        let unmatched = NoRouteMatched::find(&error).expect("the source says why");
        assert_eq!(unmatched.method(), Method::POST);
        assert_eq!(unmatched.routes(), ["GET /items/{id}", "POST /events"]);
        assert_eq!(
            unmatched.to_string(),
            "no mock route matches POST /items/1; the routes are: GET /items/{id}, POST /events"
        );
        // It was still sent, and is recorded without a route.
        assert_eq!(http.requests()[0].route(), None);
    });
}

#[test]
fn fallback_answers_what_no_route_matches() {
    ferry_mock::run(16, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/known", Respond::text("route"))
            .fallback(|req| Respond::status(404).body(req.uri.path().to_owned()));
        let known = http.get(url("/known")).send().await.unwrap();
        assert_eq!(known.text().await.unwrap(), "route");
        let other = http.get(url("/other")).send().await.unwrap();
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        assert_eq!(other.text().await.unwrap(), "/other");
    });
}

#[test]
fn requests_are_recorded_with_time_attempt_size_and_redacted_credentials() {
    ferry_mock::run(17, |rt| async move {
        let http = MockHttp::new(&rt).route(Method::POST, "/events", Respond::ok().latency(ms(40)));
        http.post(url("/events"))
            .bearer_auth("tok-SECRET")
            .sensitive_header("x-api-key", "key-SECRET")
            .header("x-trace", "t1")
            .body("twelve bytes")
            .send()
            .await
            .unwrap();
        let mut retry = Request::post(url("/events")).attempt(2).build().unwrap();
        retry.set_attempt(3);
        http.send(retry).await.unwrap();

        let sent = http.requests_to("/events");
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].method(), Method::POST);
        assert_eq!(sent[0].uri().to_string(), "http://api.test/events");
        assert_eq!(sent[0].body_len(), 12);
        assert_eq!(sent[0].attempt(), 1);
        assert_eq!(sent[0].sent_at(), Duration::ZERO);
        assert_eq!(sent[0].route(), Some("POST /events"));
        assert_eq!(sent[0].headers()["x-trace"], "t1");
        assert_eq!(sent[0].headers()["authorization"], "[redacted]");
        assert_eq!(sent[0].headers()["x-api-key"], "[redacted]");
        assert!(
            sent[0].headers()["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("ferry/")
        );
        assert_eq!((sent[1].attempt(), sent[1].sent_at()), (3, ms(40)));
        let shown = format!("{:?} {:?}", sent, http);
        assert!(!shown.contains("SECRET"), "{shown}");
    });
}

#[test]
fn redirects_are_followed_by_the_shared_client_and_each_hop_is_recorded() {
    ferry_mock::run(18, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(
                Method::GET,
                "/old",
                Respond::status(301)
                    .header(http::header::LOCATION, HeaderValue::from_static("/new")),
            )
            .route(Method::GET, "/new", Respond::text("moved").latency(ms(5)));
        let response = http.get(url("/old")).send().await.unwrap();
        assert_eq!(response.url().path(), "/new");
        assert_eq!(response.text().await.unwrap(), "moved");
        let paths: Vec<String> = http
            .requests()
            .iter()
            .map(|r| r.path().to_owned())
            .collect();
        assert_eq!(paths, ["/old", "/new"]);
    });
}

#[test]
fn head_requests_get_the_headers_without_a_body() {
    ferry_mock::run(19, |rt| async move {
        let http = MockHttp::new(&rt).route(Method::HEAD, "/file", Respond::bytes(vec![0u8; 64]));
        let response = http.head(url("/file")).send().await.unwrap();
        assert_eq!(response.content_length(), Some(64));
        assert!(response.bytes().await.unwrap().is_empty());
    });
}

#[test]
fn requests_and_their_outcomes_appear_in_the_trace() {
    let trace = Builder::new().seed(20).trace(true).run(|rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/a", Respond::ok().latency(ms(10)))
            .fail_first(1, Respond::refuse());
        let task = rt.spawn({
            let http = http.clone();
            async move {
                let _ = http.get(url("/a")).send().await;
                http.get(url("/a")).send().await.map(|r| r.status())
            }
        });
        assert_eq!(task.await.unwrap().unwrap(), StatusCode::OK);
        rt.trace()
    });
    let http_events: Vec<(Duration, String)> = trace
        .iter()
        .filter_map(|event| match &event.kind {
            TraceKind::Custom {
                component, detail, ..
            } if component == "http" => Some((event.at, detail.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        http_events,
        [
            (Duration::ZERO, "GET /a attempt 1".to_owned()),
            (Duration::ZERO, "connection refused".to_owned()),
            (Duration::ZERO, "GET /a attempt 1".to_owned()),
            (ms(10), "answered 200".to_owned()),
        ]
    );
}
