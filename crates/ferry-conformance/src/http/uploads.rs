//! Cases for what a request carries beyond bytes: basic auth, urlencoded and multipart forms,
//! streamed bodies (with and without a length, through 307/308, failing), and the cookie jar.
//! Run them with [`http_uploads_suite!`](crate::http_uploads_suite).

use bytes::Bytes;
use ferry_http::{Form, HttpClient, HttpClientExt, HttpSettings, Part, RequestBody};
use futures::stream;
use http::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{HttpBackend, default_client, get_json};

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! http_uploads_suite {
    ($with_backend:path) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                basic_auth_reaches_the_origin_and_not_another,
                form_fields_arrive_decoded,
                multipart_parts_arrive_with_names_types_and_digests,
                streamed_body_with_a_length_arrives_whole,
                streamed_body_without_a_length_arrives_whole,
                factory_body_follows_307_and_308,
                one_shot_stream_is_not_resent_on_307,
                failing_stream_is_a_request_body_error,
                cookie_jar_keeps_cookies_set_by_redirects,
                cookie_jar_follows_the_path_rule_and_is_off_by_default,
            ]
        );
    };
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `count` chunks of 1,000 bytes, each filled with its index, made afresh per call.
fn chunks(count: u8) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    stream::iter((0..count).map(|index| Ok(Bytes::from(vec![index; 1000]))))
}

fn chunks_bytes(count: u8) -> Vec<u8> {
    (0..count).flat_map(|index| vec![index; 1000]).collect()
}

async fn json_of(response: ferry_http::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// `basic_auth` reaches the server, stays out of `Debug`, and a redirect to another origin
/// drops it.
pub async fn basic_auth_reaches_the_origin_and_not_another<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let builder = client
        .get(backend.url("/headers"))
        .basic_auth("alice", Some("pa:ss"));
    assert!(!format!("{builder:?}").contains("YWxpY2U6cGE6c3M="));
    let headers = json_of(builder.send().await.unwrap()).await;
    // base64("alice:pa:ss")
    assert_eq!(headers["authorization"], "Basic YWxpY2U6cGE6c3M=");

    let elsewhere = backend.other_origin_url("/headers");
    let response = client
        .get(backend.url("/redirect-to"))
        .query([("location", elsewhere.as_str())])
        .basic_auth("alice", Some("pa:ss"))
        .send()
        .await
        .unwrap();
    let headers = json_of(response).await;
    assert!(headers.get("authorization").is_none(), "{headers}");
}

/// `form` sends urlencoded fields the server decodes back.
pub async fn form_fields_arrive_decoded<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .post(backend.url("/form-echo"))
        .form(&[("name", "Zoë & co"), ("tag", "a=b"), ("tag", "c")])
        .send()
        .await
        .unwrap();
    let echo = json_of(response).await;
    assert_eq!(echo["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(echo["fields"]["name"], "Zoë & co");
    assert_eq!(echo["fields"]["tag"], serde_json::json!(["a=b", "c"]));
}

/// A multipart form with a text part, a named bytes part and a streamed part of known
/// length arrives part by part, with `Content-Length`.
pub async fn multipart_parts_arrive_with_names_types_and_digests<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let data = b"col\n1\n2\n".to_vec();
    let form = Form::new()
        .text("title", "report \"Q3\"")
        .part(
            "table",
            Part::bytes(data.clone())
                .file_name("q3.csv")
                .mime("text/csv")
                .unwrap(),
        )
        .part(
            "blob",
            Part::stream(RequestBody::from_factory(|| chunks(5)).with_length(5000))
                .file_name("blob.bin"),
        );
    let request = ferry_http::Request::post(backend.url("/multipart-echo"))
        .multipart(form)
        .build()
        .unwrap();
    let length = request
        .body()
        .length()
        .expect("every part's length is known");
    let echo = json_of(client.send(request).await.unwrap()).await;
    assert_eq!(echo["content_length"], length.to_string());
    let parts = echo["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3, "{echo}");
    assert_eq!(parts[0]["name"], "title");
    assert_eq!(parts[0]["filename"], Value::Null);
    assert_eq!(parts[0]["sha256"], sha256(b"report \"Q3\""));
    assert_eq!(parts[1]["filename"], "q3.csv");
    assert_eq!(parts[1]["content_type"], "text/csv");
    assert_eq!(parts[1]["length"], data.len());
    assert_eq!(parts[2]["content_type"], "application/octet-stream");
    assert_eq!(parts[2]["length"], 5000);
    assert_eq!(parts[2]["sha256"], sha256(&chunks_bytes(5)));
}

/// A stream with a declared length is sent with `Content-Length` and arrives whole.
pub async fn streamed_body_with_a_length_arrives_whole<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .put(backend.url("/upload/sink"))
        .body(RequestBody::from_stream(chunks(40)).with_length(40_000))
        .send()
        .await
        .unwrap();
    let sink = json_of(response).await;
    assert_eq!(sink["bytes"], 40_000);
    assert_eq!(sink["sha256"], sha256(&chunks_bytes(40)));
    assert_eq!(sink["content_length"], "40000");
    assert_eq!(sink["chunked"], false);
}

/// A stream without a length arrives whole, without a `Content-Length`.
pub async fn streamed_body_without_a_length_arrives_whole<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .post(backend.url("/upload/sink"))
        .body_stream(chunks(30))
        .send()
        .await
        .unwrap();
    let sink = json_of(response).await;
    assert_eq!(sink["bytes"], 30_000);
    assert_eq!(sink["sha256"], sha256(&chunks_bytes(30)));
    assert_eq!(sink["content_length"], Value::Null);
}

/// A body made by a factory is sent again, whole, to where a 307 or 308 points.
pub async fn factory_body_follows_307_and_308<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for route in ["/redirect-307", "/redirect-308"] {
        let body = RequestBody::from_factory(|| {
            stream::iter([
                Ok::<_, std::io::Error>(Bytes::from("same ")),
                Ok(Bytes::from("bytes")),
            ])
        });
        let response = client
            .post(backend.url(route))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().path(), "/echo");
        let echo = json_of(response).await;
        assert_eq!(echo["method"], "POST", "{route}");
        assert_eq!(echo["body"], "same bytes", "{route}");
    }
}

/// A one-shot stream is never sent twice: a 307 fails with a typed error.
pub async fn one_shot_stream_is_not_resent_on_307<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let error = client
        .post(backend.url("/redirect-307"))
        .body_stream(chunks(2))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_body_not_replayable(), "{error:?}");
    assert!(error.is_redirect(), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::TEMPORARY_REDIRECT));
}

/// A stream that yields an error fails the request with a request-body error carrying it.
pub async fn failing_stream_is_a_request_body_error<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let failing = stream::iter([
        Ok(Bytes::from(vec![7; 1000])),
        Err(std::io::Error::other("the source went away")),
    ]);
    let error = client
        .post(backend.url("/upload/sink"))
        .body_stream(failing)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_request_body(), "{error:?}");
    let mut cause = std::error::Error::source(&error);
    let mut found = false;
    while let Some(inner) = cause {
        found |= inner.to_string() == "the source went away";
        cause = inner.source();
    }
    assert!(found, "the stream's own error is in the chain: {error:?}");
}

/// With a jar, a cookie set by a redirect is sent to where it leads and to later requests,
/// and never shows in errors.
pub async fn cookie_jar_keeps_cookies_set_by_redirects<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_cookie_store(true));
    let response = client
        .get(backend.url("/cookies/set"))
        .query([
            ("name", "session"),
            ("value", "jar-secret"),
            ("path", "/"),
            ("redirect", "/cookies"),
        ])
        .send()
        .await
        .unwrap();
    let echo = json_of(response).await;
    assert_eq!(echo["cookies"]["session"], "jar-secret", "{echo}");
    let later = get_json(&client, &backend.url("/cookies")).await;
    assert_eq!(later["cookies"]["session"], "jar-secret");
    assert_eq!(later["headers"], 1);
    let error = client
        .get(backend.url("/status/500"))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("jar-secret"));
}

/// A cookie scoped to a path is not sent outside it, and a client without a jar keeps none.
pub async fn cookie_jar_follows_the_path_rule_and_is_off_by_default<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_cookie_store(true));
    let set = backend.url("/cookies/set?name=scoped&value=1&path=/elsewhere");
    client.get(&set).send().await.unwrap();
    let echo = get_json(&client, &backend.url("/cookies")).await;
    assert!(echo["cookies"].get("scoped").is_none(), "{echo}");

    let plain = default_client(&backend);
    let set = backend.url("/cookies/set?name=kept&value=1&path=/");
    plain.get(&set).send().await.unwrap();
    let echo = get_json(&plain, &backend.url("/cookies")).await;
    assert_eq!(echo["headers"], 0, "{echo}");
}
