//! Route logic checked without any network: request in, reply out.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_LENGTH, LINK, LOCATION, RETRY_AFTER};
use http::{Method, StatusCode};
use serde_json::Value;

use super::*;

fn json(reply: &Reply) -> Value {
    serde_json::from_slice(reply.full_body().expect("a full body")).expect("valid JSON")
}

fn get(routes: &Routes, uri: &str) -> Reply {
    routes.handle(&RouteRequest::get(uri))
}

#[test]
fn item_json_has_the_documented_shape_and_price() {
    for id in [0, 1, 42, 99_999, u64::MAX] {
        let value: Value = serde_json::from_str(&item_json(id)).unwrap();
        assert_eq!(value["id"], id);
        assert_eq!(value["name"], format!("item-{id}"));
        assert_eq!(value["price"].as_f64(), Some(item_price(id)));
        assert!((1.0..1000.0).contains(&item_price(id)));
    }
}

#[test]
fn pages_past_the_end_are_empty_and_the_last_page_is_partial() {
    let routes = Routes::new();
    let last = json(&get(&routes, "/pages?page=10"));
    assert_eq!(last["items"].as_array().unwrap().len(), 5);
    assert_eq!(last["items"][0]["id"], 91);
    let past = json(&get(&routes, "/pages?page=11&per_page=10&total=95"));
    assert_eq!(past["items"], Value::Array(vec![]));
    assert_eq!(past["page"], 11);
    assert_eq!(past["total"], 95);
}

#[test]
fn paging_parameters_out_of_range_are_bad_requests() {
    let routes = Routes::new();
    for uri in [
        "/pages?page=0",
        "/pages?per_page=0",
        "/pages?per_page=10001",
        "/pages?page=x",
        "/link?per_page=-1",
        "/cursor?limit=0",
        "/cursor?cursor=not-a-cursor",
        "/cursor?total=1e3",
    ] {
        let reply = get(&routes, uri);
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(json(&reply)["error"].is_string(), "{uri}");
    }
}

#[test]
fn huge_page_numbers_do_not_overflow() {
    let routes = Routes::new();
    let reply = get(&routes, &format!("/pages?page={}&per_page=10000", u64::MAX));
    assert_eq!(json(&reply)["items"], Value::Array(vec![]));
    let reply = get(&routes, &format!("/link?page={}", u64::MAX));
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers.get(LINK).is_none());
}

#[test]
fn cursor_walk_visits_every_item_once() {
    let routes = Routes::new();
    let mut ids = Vec::new();
    let mut uri = "/cursor?limit=7&total=20".to_owned();
    loop {
        let page = json(&get(&routes, &uri));
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_u64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/cursor?limit=7&total=20&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(ids, (1..=20).collect::<Vec<u64>>());
}

#[test]
fn link_uses_host_header_and_scheme_for_the_next_url() {
    let routes = Routes::new();
    let mut request = RouteRequest::get("/link?page=2&per_page=3&total=10");
    request.scheme = http::uri::Scheme::HTTPS;
    request
        .headers
        .insert(HOST, HeaderValue::from_static("localhost:8443"));
    let reply = routes.handle(&request);
    assert_eq!(
        reply.headers[LINK],
        "<https://localhost:8443/link?page=3&per_page=3&total=10>; rel=\"next\""
    );
    let ids: Vec<_> = json(&reply)
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids, [4, 5, 6]);
}

#[test]
fn status_accepts_final_codes_and_refuses_others() {
    let routes = Routes::new();
    assert_eq!(get(&routes, "/status/418").status, 418);
    assert_eq!(get(&routes, "/status/999").status, 999);
    assert_eq!(get(&routes, "/status/204").full_body().unwrap().len(), 0);
    for bad in ["100", "1000", "abc", "-1", "", "65736"] {
        assert_eq!(get(&routes, &format!("/status/{bad}")).status, 400, "{bad}");
    }
}

#[test]
fn flaky_counts_per_key_and_heals_after_fail_calls() {
    let routes = Routes::new();
    let statuses: Vec<_> = (0..4)
        .map(|_| get(&routes, "/flaky/a?fail=2&status=500").status.as_u16())
        .collect();
    assert_eq!(statuses, [500, 500, 200, 200]);
    assert_eq!(get(&routes, "/flaky/b").status, 503);
    assert_eq!(routes.flaky_calls("a"), 4);
    assert_eq!(routes.flaky_calls("b"), 1);
    assert_eq!(get(&routes, "/flaky/c?status=99").status, 400);
    assert_eq!(routes.flaky_calls("c"), 0, "a rejected call is not counted");
}

#[test]
fn ratelimited_date_form_is_seconds_after_now() {
    let routes = Routes::new();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut request = RouteRequest::get("/ratelimited/k?retry_after=30&date=1");
    request.now = now;
    let reply = routes.handle(&request);
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let date = httpdate::parse_http_date(reply.headers[RETRY_AFTER].to_str().unwrap()).unwrap();
    assert_eq!(date, now + Duration::from_secs(30));
    assert_eq!(routes.handle(&request).status, StatusCode::OK);
}

#[test]
fn ratelimited_sends_malformed_retry_after_verbatim() {
    let routes = Routes::new();
    let reply = get(&routes, "/ratelimited/g?retry_after=soon%20ish&fail=1");
    assert_eq!(reply.headers[RETRY_AFTER], "soon ish");
    let reply = get(&routes, "/ratelimited/h?retry_after=bad%0Avalue");
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[test]
fn redirects_point_where_documented() {
    let routes = Routes::new();
    assert_eq!(get(&routes, "/redirect/3").headers[LOCATION], "/redirect/2");
    assert_eq!(json(&get(&routes, "/redirect/0"))["redirected"], true);
    assert_eq!(
        get(&routes, "/redirect-loop").headers[LOCATION],
        "/redirect-loop"
    );
    let reply = get(
        &routes,
        "/redirect-to?location=ftp%3A%2F%2Fexample.invalid%2Fx&status=307",
    );
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.headers[LOCATION], "ftp://example.invalid/x");
    assert_eq!(get(&routes, "/redirect-to").status, 400);
    assert_eq!(
        get(&routes, "/redirect-to?location=/x&status=200").status,
        400
    );
    let post = routes.handle(&RouteRequest::new(Method::POST, "/redirect-303"));
    assert_eq!(post.status, StatusCode::SEE_OTHER);
    assert_eq!(post.headers[LOCATION], "/items/1");
}

#[test]
fn body_kinds_describe_slow_truncated_endless_and_stall() {
    let routes = Routes::new();
    let slow = get(&routes, "/slow?ms=20&chunks=3&chunk_size=4");
    assert_eq!(
        slow.body,
        ReplyBody::Chunks {
            interval: Duration::from_millis(20),
            count: 3,
            chunk: Bytes::from_static(b"0123")
        }
    );
    let truncated = get(&routes, "/truncated?len=11");
    assert_eq!(truncated.headers[CONTENT_LENGTH], "11");
    assert_eq!(
        truncated.body,
        ReplyBody::Truncated {
            declared_len: 11,
            sent_len: 5
        }
    );
    assert_eq!(get(&routes, "/endless").body, ReplyBody::Endless);
    assert_eq!(get(&routes, "/stall").body, ReplyBody::Stall);
    assert!(matches!(
        get(&routes, "/delay/50").body,
        ReplyBody::Delayed { delay, .. } if delay == Duration::from_millis(50)
    ));
}

#[test]
fn pattern_chunks_match_pattern_bytes_at_any_offset() {
    for offset in [0, 1, 250, 251, 1_000_003] {
        assert_eq!(
            &pattern_chunk(offset, 600)[..],
            &pattern_bytes(offset, 600)[..]
        );
    }
    assert_eq!(pattern_chunk(0, usize::MAX).len(), PATTERN_CHUNK);
}

#[test]
fn files_are_deterministic_and_names_are_checked() {
    for name in FILE_NAMES {
        let (_, first) = file_content(name).unwrap();
        let (_, again) = file_content(name).unwrap();
        assert_eq!(first, again);
        assert!((1..=64 * 1024).contains(&first.len()), "{name}");
    }
    let (_, json_file) = file_content("items.json").unwrap();
    assert!(
        serde_json::from_slice::<Value>(&json_file)
            .unwrap()
            .is_array()
    );
    for bad in [".hidden", "a%2Fb", "a%20b", "%C3%A9"] {
        assert_eq!(
            get(&Routes::new(), &format!("/files/{bad}")).status,
            400,
            "{bad}"
        );
    }
}

#[test]
fn read_only_routes_refuse_post_and_others_accept_it() {
    let routes = Routes::new();
    let post = routes.handle(&RouteRequest::new(Method::POST, "/items/1"));
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.headers[ALLOW], "GET, HEAD");
    let head = routes.handle(&RouteRequest::new(Method::HEAD, "/items/1"));
    assert_eq!(head.status, StatusCode::OK);
    let flaky = routes.handle(&RouteRequest::new(Method::POST, "/flaky/p?fail=0"));
    assert_eq!(flaky.status, StatusCode::OK);
}

#[test]
fn echo_reports_binary_bodies_as_base64() {
    let routes = Routes::new();
    let mut request = RouteRequest::new(Method::PUT, "/echo");
    request.body = Bytes::from_static(&[0xff, 0x00, 0x01]);
    let echoed = json(&routes.handle(&request));
    assert_eq!(echoed["method"], "PUT");
    assert_eq!(echoed["body"], "/wAB");
    assert_eq!(echoed["body_encoding"], "base64");
}

#[test]
fn unknown_paths_are_404_and_counted() {
    let routes = Routes::new();
    let reply = get(&routes, "/nope?x=1");
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&reply)["path"], "/nope");
    assert_eq!(get(&routes, "/items/1/extra").status, StatusCode::NOT_FOUND);
    assert_eq!(routes.requests_for("/nope"), 1);
    assert_eq!(routes.requests_served(), 2);
    routes.reset();
    assert_eq!(routes.requests_served(), 0);
}
