//! Each route's answer over real HTTP on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::{client, get, send};
use ferry_testserver::TestServer;
use ferry_testserver::routes::{FILE_NAMES, file_content, item_json, item_price, pattern_bytes};
use http::{Method, StatusCode};
use serde_json::{Value, json};

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .expect("an array of items")
        .iter()
        .map(|item| item["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn items_route_returns_the_item_and_400_for_a_non_numeric_id() {
    let server = TestServer::start();
    let got = get(&server.url("/items/17")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.body, item_json(17));
    assert_eq!(
        got.json(),
        json!({ "id": 17, "name": "item-17", "price": item_price(17) })
    );

    let bad = get(&server.url("/items/abc")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().contains("abc"));
}

#[tokio::test]
async fn pages_route_covers_every_item_once_with_default_sizes() {
    let server = TestServer::start();
    let client = client();
    let mut seen = Vec::new();
    for page in 1.. {
        let got = send(
            &client,
            Method::GET,
            &server.url(&format!("/pages?page={page}")),
            b"",
        )
        .await;
        let body = got.json();
        assert_eq!(
            (body["page"].as_u64(), body["total"].as_u64()),
            (Some(page), Some(95))
        );
        let page_ids = ids(&body["items"]);
        if page_ids.is_empty() {
            assert_eq!(page, 11, "the first empty page is the one past the end");
            break;
        }
        assert!(page_ids.len() <= 10);
        seen.extend(page_ids);
    }
    assert_eq!(seen, (1..=95).collect::<Vec<_>>());

    let small = get(&server.url("/pages?page=2&per_page=3&total=5"))
        .await
        .json();
    assert_eq!(ids(&small["items"]), [4, 5]);
}

#[tokio::test]
async fn cursor_route_walks_all_items_then_gives_a_null_cursor() {
    let server = TestServer::start();
    let client = client();
    let mut url = server.url("/cursor?limit=4&total=10");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let body = send(&client, Method::GET, &url, b"").await.json();
        pages += 1;
        seen.extend(ids(&body["items"]));
        match &body["next_cursor"] {
            Value::String(cursor) => {
                assert!(
                    cursor.parse::<u64>().is_err(),
                    "the cursor is opaque, not an offset"
                );
                url = server.url(&format!("/cursor?limit=4&total=10&cursor={cursor}"));
            }
            Value::Null => break,
            other => panic!("next_cursor must be a string or null, got {other}"),
        }
    }
    assert_eq!((pages, seen), (3, (1..=10).collect::<Vec<_>>()));
    let bad = get(&server.url("/cursor?cursor=%21%21")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn link_headers_lead_through_every_page_with_absolute_urls() {
    let server = TestServer::start();
    let client = client();
    let mut next = Some(server.url("/link?per_page=4&total=10"));
    let mut seen = Vec::new();
    let mut links = Vec::new();
    while let Some(url) = next.take() {
        let got = send(&client, Method::GET, &url, b"").await;
        seen.extend(ids(&got.json()));
        if let Some(link) = got.headers.get("link") {
            let link = link.to_str().unwrap().to_owned();
            let target = link
                .strip_prefix('<')
                .and_then(|rest| rest.strip_suffix(">; rel=\"next\""))
                .unwrap_or_else(|| panic!("malformed Link header {link:?}"));
            next = Some(target.to_owned());
            links.push(link);
        }
    }
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    assert_eq!(
        links,
        [
            format!(
                "<{}>; rel=\"next\"",
                server.url("/link?page=2&per_page=4&total=10")
            ),
            format!(
                "<{}>; rel=\"next\"",
                server.url("/link?page=3&per_page=4&total=10")
            ),
        ]
    );
}

#[tokio::test]
async fn status_route_answers_the_requested_code_and_400_for_invalid_ones() {
    let server = TestServer::start();
    let client = client();
    for code in [200u16, 201, 204, 404, 429, 500, 503, 599] {
        let got = send(
            &client,
            Method::POST,
            &server.url(&format!("/status/{code}")),
            b"x",
        )
        .await;
        assert_eq!(got.status.as_u16(), code);
        if code != 204 {
            assert_eq!(got.json(), json!({ "status": code }));
        }
    }
    for bad in ["99", "1000", "abc"] {
        let got = send(
            &client,
            Method::GET,
            &server.url(&format!("/status/{bad}")),
            b"",
        )
        .await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "/status/{bad}");
    }
}

#[tokio::test]
async fn redirect_routes_send_the_documented_locations() {
    let server = TestServer::start();
    let client = client();
    let location = |got: &common::Got| got.header("location").to_owned();

    let chain = send(&client, Method::GET, &server.url("/redirect/2"), b"").await;
    assert_eq!(
        (chain.status, location(&chain)),
        (StatusCode::FOUND, "/redirect/1".into())
    );
    let absolute = send(
        &client,
        Method::GET,
        &server.url("/redirect/2?absolute=1"),
        b"",
    )
    .await;
    assert_eq!(location(&absolute), server.url("/redirect/1?absolute=1"));
    let end = send(&client, Method::GET, &server.url("/redirect/0"), b"").await;
    assert_eq!(
        (end.status, end.json()),
        (StatusCode::OK, json!({ "redirected": true }))
    );

    let lp = send(&client, Method::GET, &server.url("/redirect-loop"), b"").await;
    assert_eq!(
        (lp.status, location(&lp)),
        (StatusCode::FOUND, "/redirect-loop".into())
    );

    let ftp = send(
        &client,
        Method::GET,
        &server.url("/redirect-to?location=ftp://example.invalid/f"),
        b"",
    )
    .await;
    assert_eq!(
        (ftp.status, location(&ftp)),
        (StatusCode::FOUND, "ftp://example.invalid/f".into())
    );
    let relative = send(
        &client,
        Method::GET,
        &server.url("/redirect-to?location=../up%3Fa%3D1&status=308"),
        b"",
    )
    .await;
    assert_eq!(
        (relative.status, location(&relative)),
        (StatusCode::PERMANENT_REDIRECT, "../up?a=1".into())
    );

    let see_other = send(
        &client,
        Method::POST,
        &server.url("/redirect-303"),
        b"payload",
    )
    .await;
    assert_eq!(
        (see_other.status, location(&see_other)),
        (StatusCode::SEE_OTHER, "/items/1".into())
    );
}

#[tokio::test]
async fn files_route_serves_each_indexed_file_with_type_and_disposition() {
    let server = TestServer::start();
    let client = client();
    let index = send(&client, Method::GET, &server.url("/files/"), b"")
        .await
        .json();
    let listed = index["files"].as_array().unwrap();
    assert_eq!(listed.len(), FILE_NAMES.len());
    for entry in listed {
        let name = entry["name"].as_str().unwrap();
        let got = send(
            &client,
            Method::GET,
            &server.url(&format!("/files/{name}")),
            b"",
        )
        .await;
        let (content_type, content) = file_content(name).unwrap();
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, content);
        assert_eq!(entry["size"].as_u64(), Some(content.len() as u64));
        assert_eq!(got.header("content-type"), content_type);
        assert_eq!(
            got.header("content-disposition"),
            format!("attachment; filename=\"{name}\"")
        );
    }
    let other = get(&server.url("/files/any-name_2.dat")).await;
    assert_eq!(other.body, file_content("any-name_2.dat").unwrap().1);
    assert_eq!(
        get(&server.url("/files/..secret")).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn headers_route_echoes_request_headers_with_lowercase_names() {
    let server = TestServer::start();
    let request = http::Request::get(server.url("/headers"))
        .header("X-Custom-Name", "Value One")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let response = client().request(request).await.unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let headers: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(headers["x-custom-name"], "Value One");
    assert_eq!(headers["x-multi"], "a, b");
    assert_eq!(headers["host"], server.http_addr().to_string());
}

#[tokio::test]
async fn echo_route_returns_method_headers_and_body_for_each_method() {
    let server = TestServer::start();
    let client = client();
    let post = send(
        &client,
        Method::POST,
        &server.url("/echo"),
        "héllo".as_bytes(),
    )
    .await
    .json();
    assert_eq!(post["method"], "POST");
    assert_eq!(post["body"], "héllo");
    assert_eq!(post["body_encoding"], "utf8");
    assert_eq!(post["headers"]["x-test"], "yes");
    assert_eq!(post["headers"]["content-length"], "6");

    let put = send(
        &client,
        Method::PUT,
        &server.url("/echo"),
        &[0xde, 0xad, 0xbe, 0xef],
    )
    .await
    .json();
    assert_eq!(
        (put["method"].as_str(), put["body"].as_str()),
        (Some("PUT"), Some("3q2+7w=="))
    );
    assert_eq!(put["body_encoding"], "base64");
    for method in [Method::PATCH, Method::DELETE] {
        let echoed = send(&client, method.clone(), &server.url("/echo"), b"{}")
            .await
            .json();
        assert_eq!(
            (echoed["method"].as_str(), echoed["body"].as_str()),
            (Some(method.as_str()), Some("{}"))
        );
    }
}

#[tokio::test]
async fn bytes_route_sends_exactly_n_pattern_bytes() {
    let server = TestServer::start();
    let client = client();
    for n in [0usize, 1, 250, 251, 200_000] {
        let got = send(
            &client,
            Method::GET,
            &server.url(&format!("/bytes/{n}")),
            b"",
        )
        .await;
        assert_eq!(got.header("content-length"), n.to_string());
        assert_eq!(got.body.len(), n);
        assert!(
            got.body == pattern_bytes(0, n),
            "/bytes/{n} content differs from the pattern"
        );
    }
}

#[tokio::test]
async fn delay_route_waits_at_least_the_delay_before_answering() {
    let server = TestServer::start();
    let started = Instant::now();
    let got = get(&server.url("/delay/60?id=5")).await;
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_eq!(got.body, item_json(5));
}

#[tokio::test]
async fn unknown_paths_get_404_json_and_read_only_routes_refuse_post() {
    let server = TestServer::start();
    let client = client();
    let missing = send(&client, Method::GET, &server.url("/no/such/route"), b"").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json(),
        json!({ "error": "not found", "path": "/no/such/route" })
    );
    let post = send(&client, Method::POST, &server.url("/items/1"), b"").await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.header("allow"), "GET, HEAD");
}
