//! Cases for redirects: chains, loops, refused schemes, 303, and credentials across origins.

use ferry_http::{HttpClientExt, HttpSettings};
use ferry_testserver::routes::item_json;
use http::StatusCode;
use serde_json::Value;

use super::{HttpBackend, default_client};

/// A chain of redirects ends at the final URL.
pub async fn redirect_chain_is_followed_to_the_end<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client.get(backend.url("/redirect/4")).send().await.unwrap();
    assert_eq!(response.url().path(), "/redirect/0");
    assert_eq!(response.json::<Value>().await.unwrap()["redirected"], true);
    let absolute = client
        .get(backend.url("/redirect/2?absolute=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(absolute.status(), StatusCode::OK);
}

/// A redirect loop fails after the limit, and 0 returns the redirect itself.
pub async fn redirect_loop_fails_at_the_limit<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_max_redirects(5));
    let error = client
        .get(backend.url("/redirect-loop"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_redirect() && !error.is_retryable(), "{error:?}");
    let within = client.get(backend.url("/redirect/5")).send().await.unwrap();
    assert_eq!(within.status(), StatusCode::OK);

    let manual = backend.client(HttpSettings::default().with_max_redirects(0));
    let response = manual
        .get(backend.url("/redirect-loop"))
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
            .get(backend.url("/redirect-to"))
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
        .post(backend.url("/redirect-303"))
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
    let elsewhere = backend.other_origin_url("/headers");
    let headers: Value = client
        .get(backend.url("/redirect-to"))
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
        .get(backend.url("/redirect-to?location=/headers"))
        .bearer_auth("secret-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(same["authorization"], "Bearer secret-token");
}
