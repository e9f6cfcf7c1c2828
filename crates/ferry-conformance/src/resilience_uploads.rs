//! Resilience cases for request bodies: files streamed from the file system under test
//! (whole, and as multipart parts), and what the resilient client does with bodies it can
//! and cannot send again. Listed in [`resilience_suite!`](crate::resilience_suite).

use std::path::Path;

use bytes::Bytes;
use ferry_http::{Attempts, Form, HttpClientExt, RequestBody, ResilientClient};
use futures::stream;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{ResilienceEnv, TestClient, quick_retries, unique_key};
use crate::fs::TestFs;
use crate::runtime::TestRuntime;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

async fn json_of(response: ferry_http::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("the body arrives");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("the route answers JSON")
}

/// A file on the file system under test is uploaded streamed, with `Content-Length` from its
/// metadata, both as a whole body and as a multipart file part.
pub async fn files_upload_streamed_from_the_file_system<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let contents: Vec<u8> = (0..300_000u32).map(|index| (index % 251) as u8).collect();
    let path = env.root.join("upload.bin");
    env.fs
        .write(&path, &contents)
        .await
        .expect("the file is written");

    let body = RequestBody::file(env.fs.clone(), &path)
        .await
        .expect("metadata");
    assert_eq!(body.length(), Some(contents.len() as u64));
    let response = env
        .client
        .put(env.url("/upload/sink"))
        .body(body)
        .send()
        .await
        .expect("the upload is answered");
    let sink = json_of(response).await;
    assert_eq!(sink["bytes"], contents.len());
    assert_eq!(sink["sha256"], sha256(&contents));
    assert_eq!(sink["content_length"], contents.len().to_string());

    let form = Form::new()
        .text("kind", "backup")
        .file("archive", env.fs.clone(), &path)
        .await
        .expect("metadata");
    let response = env
        .client
        .post(env.url("/multipart-echo"))
        .multipart(form)
        .send()
        .await
        .expect("the form is answered");
    let echo = json_of(response).await;
    let file = &echo["parts"][1];
    assert_eq!(file["name"], "archive");
    assert_eq!(file["filename"], "upload.bin");
    assert_eq!(file["content_type"], "application/octet-stream");
    assert_eq!(file["length"], contents.len());
    assert_eq!(file["sha256"], sha256(&contents));

    let missing = RequestBody::file(env.fs.clone(), Path::new(&env.root.join("absent"))).await;
    assert!(
        missing.is_err(),
        "a missing file is an error before anything is sent"
    );
}

/// The resilient client retries a request whose body a factory makes afresh, and sends a
/// one-shot stream once: the retryable answer comes back as it is.
pub async fn resilient_client_resends_only_replayable_bodies<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let client = ResilientClient::new(env.client.clone(), env.rt.clone(), quick_retries());
    let chunks = || stream::iter([Ok::<_, std::io::Error>(Bytes::from("payload"))]);

    let flaky = env.url(&format!("/flaky/{}?fail=1", unique_key("replay")));
    let response = client
        .put(&flaky)
        .body(RequestBody::from_factory(chunks))
        .send()
        .await
        .expect("the second attempt succeeds");
    assert_eq!(response.status(), 200);
    assert_eq!(Attempts::of(&response), Some(2));

    let flaky = env.url(&format!("/flaky/{}?fail=1", unique_key("once")));
    let response = client
        .put(&flaky)
        .body_stream(chunks())
        .send()
        .await
        .expect("a status is a response");
    assert_eq!(response.status(), 503, "not retried: the stream is spent");
    assert_eq!(Attempts::of(&response), Some(1));
}
