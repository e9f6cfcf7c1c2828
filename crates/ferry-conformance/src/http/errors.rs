//! Cases for failures before a response: refused connections, bad URLs, and secrets kept out
//! of what errors show.

use ferry_http::{HttpClient, HttpClientExt, HttpError, Request};
use http::Method;

use super::{HttpBackend, default_client};

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

/// Credentials never show in `Debug` of requests, responses or errors, nor in error messages.
pub async fn secrets_stay_out_of_debug_and_errors<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let secrets = ["tok-SECRET", "key-SECRET", "pw-SECRET", "q-SECRET"];
    let url = backend
        .url("/status/401?api_key=q-SECRET")
        .replacen("://", "://user:pw-SECRET@", 1);
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
