//! The shared client logic against a scripted in-memory transport.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::executor::block_on;
use http::{HeaderValue, Method, StatusCode};

use super::*;
use ferry_core::rt::{Clock, Sleep, Timer};

/// What the fake server answers to one request.
enum Reply {
    Response {
        status: u16,
        headers: Vec<(&'static str, String)>,
        chunks: Vec<Result<Bytes, TransportErrorKind>>,
        then_stall: bool,
    },
    Fail(TransportErrorKind),
    Stall,
}

fn ok(body: &'static str) -> Reply {
    Reply::Response {
        status: 200,
        headers: vec![],
        chunks: vec![Ok(Bytes::from_static(body.as_bytes()))],
        then_stall: false,
    }
}

fn status(code: u16, headers: Vec<(&'static str, String)>) -> Reply {
    Reply::Response {
        status: code,
        headers,
        chunks: vec![],
        then_stall: false,
    }
}

fn redirect(code: u16, location: &str) -> Reply {
    status(code, vec![("location", location.to_owned())])
}

type Handler = Box<dyn Fn(&http::Request<Bytes>) -> Reply + Send + Sync>;

/// A transport that answers from a closure and records every request it saw.
struct FakeTransport {
    handler: Handler,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

struct FakeBody {
    chunks: VecDeque<Result<Bytes, TransportErrorKind>>,
    then_stall: bool,
}

impl http_body::Body for FakeBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, TransportError>>> {
        match self.chunks.pop_front() {
            Some(Ok(data)) => Poll::Ready(Some(Ok(http_body::Frame::data(data)))),
            Some(Err(kind)) => {
                Poll::Ready(Some(Err(TransportError::new(kind, "connection reset"))))
            }
            None if self.then_stall => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

impl Transport for FakeTransport {
    type Body = FakeBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<FakeBody>, TransportError>> + Send {
        let reply = (self.handler)(&request);
        self.seen.lock().unwrap().push(request);
        async move {
            match reply {
                Reply::Response {
                    status,
                    headers,
                    chunks,
                    then_stall,
                } => {
                    let mut response = http::Response::new(FakeBody {
                        chunks: chunks.into(),
                        then_stall,
                    });
                    *response.status_mut() = StatusCode::from_u16(status).unwrap();
                    for (name, value) in headers {
                        response
                            .headers_mut()
                            .append(name, HeaderValue::from_str(&value).unwrap());
                    }
                    Ok(response)
                }
                Reply::Fail(kind) => Err(TransportError::new(kind, "refused")),
                Reply::Stall => futures::future::pending().await,
            }
        }
    }
}

/// A timer whose sleeps either complete at once (every deadline has passed) or never.
#[derive(Clone, Copy)]
struct FakeTimer {
    expired: bool,
}

impl Clock for FakeTimer {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

impl Timer for FakeTimer {
    fn sleep_until(&self, _deadline: Instant) -> Sleep {
        if self.expired {
            Sleep::new(futures::future::ready(()))
        } else {
            Sleep::new(futures::future::pending())
        }
    }
}

type FakeClient = Client<Arc<FakeTransport>, FakeTimer>;

impl<T: Transport> Transport for Arc<T> {
    type Body = T::Body;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<T::Body>, TransportError>> + Send {
        (**self).send(request)
    }
}

fn client_with(
    settings: HttpSettings,
    expired: bool,
    handler: impl Fn(&http::Request<Bytes>) -> Reply + Send + Sync + 'static,
) -> (FakeClient, Arc<FakeTransport>) {
    let transport = Arc::new(FakeTransport {
        handler: Box::new(handler),
        seen: Mutex::new(Vec::new()),
    });
    let client = Client::new(Arc::clone(&transport), FakeTimer { expired }, settings);
    (client, transport)
}

fn client(
    handler: impl Fn(&http::Request<Bytes>) -> Reply + Send + Sync + 'static,
) -> (FakeClient, Arc<FakeTransport>) {
    client_with(HttpSettings::default(), false, handler)
}

#[test]
fn get_sends_the_default_user_agent_and_reads_the_body() {
    let (client, transport) = client(|_| ok("hello"));
    let response = block_on(client.get("http://h/x").send()).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(block_on(response.text()).unwrap(), "hello");
    let seen = transport.seen.lock().unwrap();
    let ua = seen[0].headers()["user-agent"].to_str().unwrap();
    assert!(ua.starts_with("ferry/"), "{ua}");
}

#[test]
fn a_request_user_agent_replaces_the_default() {
    let (client, transport) = client(|_| ok(""));
    block_on(
        client
            .get("http://h/")
            .header("user-agent", "mine/1")
            .send(),
    )
    .unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[0].headers().get_all("user-agent").iter().count(), 1);
    assert_eq!(seen[0].headers()["user-agent"], "mine/1");
}

#[test]
fn chunked_bodies_are_joined_in_order() {
    let (client, _) = client(|_| Reply::Response {
        status: 200,
        headers: vec![],
        chunks: ["ab", "", "cd", "ef"]
            .map(|s| Ok(Bytes::from_static(s.as_bytes())))
            .into(),
        then_stall: false,
    });
    let response = block_on(client.get("http://h/").send()).unwrap();
    assert_eq!(block_on(response.bytes()).unwrap(), "abcdef");
}

#[test]
fn dyn_client_sends_through_the_extension_trait() {
    let (client, _) = client(|request| {
        assert_eq!(request.method(), Method::DELETE);
        ok("gone")
    });
    let shared: Arc<dyn HttpClient> = Arc::new(client);
    let response = block_on(shared.delete("http://h/items/1").send()).unwrap();
    assert_eq!(block_on(response.text()).unwrap(), "gone");
}

#[test]
fn invalid_url_is_reported_before_anything_is_sent() {
    let (client, transport) = client(|_| ok(""));
    let error = block_on(client.get("mailto:someone@example.com").send()).unwrap_err();
    assert!(error.is_invalid_url());
    assert!(transport.seen.lock().unwrap().is_empty());
}

#[test]
fn a_uri_is_accepted_without_reparsing_and_still_checked() {
    let (client, transport) = client(|_| ok("ok"));
    let uri: http::Uri = "http://h/by-uri?x=1".parse().unwrap();
    block_on(client.get(&uri).send()).unwrap();
    assert_eq!(transport.seen.lock().unwrap()[0].uri(), &uri);
    let relative: http::Uri = "/only/a/path".parse().unwrap();
    assert!(
        block_on(client.get(relative).send())
            .unwrap_err()
            .is_invalid_url()
    );
}

#[test]
fn redirects_are_followed_to_the_final_url() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/a" => redirect(301, "/b"),
        "/b" => redirect(302, "http://h/c?x=1"),
        _ => ok("end"),
    });
    let response = block_on(client.get("http://h/a").send()).unwrap();
    assert_eq!(response.url(), "http://h/c?x=1");
    assert_eq!(block_on(response.text()).unwrap(), "end");
    assert_eq!(transport.seen.lock().unwrap().len(), 3);
}

#[test]
fn see_other_turns_a_post_into_a_get_without_body() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/submit" => redirect(303, "/result"),
        _ => ok("done"),
    });
    block_on(client.post("http://h/submit").json(&[1, 2, 3]).send()).unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[1].method(), Method::GET);
    assert!(seen[1].body().is_empty());
    assert!(seen[1].headers().get("content-type").is_none());
}

#[test]
fn temporary_redirect_keeps_method_and_body() {
    let (client, transport) = client(|request| match request.uri().path() {
        "/old" => redirect(307, "/new"),
        _ => ok(""),
    });
    block_on(client.put("http://h/old").body("payload").send()).unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[1].method(), Method::PUT);
    assert_eq!(seen[1].body(), "payload");
}

#[test]
fn credentials_are_dropped_when_a_redirect_leaves_the_origin() {
    let (client, transport) =
        client(
            |request| match (request.uri().host(), request.uri().path()) {
                (Some("h"), "/1") => redirect(302, "/2"),
                (Some("h"), "/2") => redirect(302, "http://other/3"),
                _ => ok(""),
            },
        );
    block_on(
        client
            .get("http://h/1")
            .bearer_auth("tok")
            .header("cookie", "c=1")
            .sensitive_header("x-api-key", "k")
            .header("accept", "text/plain")
            .send(),
    )
    .unwrap();
    let seen = transport.seen.lock().unwrap();
    assert!(
        seen[1].headers().contains_key("authorization"),
        "same origin keeps them"
    );
    assert!(seen[1].headers().contains_key("x-api-key"));
    for name in ["authorization", "cookie", "x-api-key"] {
        assert!(
            !seen[2].headers().contains_key(name),
            "{name} leaked cross-origin"
        );
    }
    assert_eq!(seen[2].headers()["accept"], "text/plain");
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    let settings = HttpSettings::default().with_max_redirects(3);
    let (client, transport) = client_with(settings, false, |_| redirect(302, "/again"));
    let error = block_on(client.get("http://h/start").send()).unwrap_err();
    assert!(error.is_redirect(), "{error:?}");
    assert!(
        error.to_string().contains("more than 3 redirects"),
        "{error}"
    );
    assert_eq!(transport.seen.lock().unwrap().len(), 4);
}

#[test]
fn zero_redirect_limit_returns_the_redirect_itself() {
    let settings = HttpSettings::default().with_max_redirects(0);
    let (client, _) = client_with(settings, false, |_| redirect(301, "/b"));
    let response = block_on(client.get("http://h/a").send()).unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
}

#[test]
fn redirects_to_other_schemes_are_refused() {
    let (client, transport) = client(|_| redirect(302, "file:///etc/passwd"));
    let error = block_on(client.get("http://h/").send()).unwrap_err();
    assert!(
        error.is_redirect() && error.to_string().contains("file"),
        "{error}"
    );
    assert_eq!(transport.seen.lock().unwrap().len(), 1);
}

#[test]
fn transport_failures_keep_their_kind() {
    for (kind, check) in [
        (
            TransportErrorKind::Connect,
            HttpError::is_connect as fn(&HttpError) -> bool,
        ),
        (TransportErrorKind::ConnectTimeout, HttpError::is_timeout),
        (TransportErrorKind::Tls, HttpError::is_tls),
        (TransportErrorKind::Io, HttpError::is_request),
        (TransportErrorKind::Unsupported, HttpError::is_unsupported),
    ] {
        let (client, _) = client(move |_| Reply::Fail(kind));
        let error = block_on(client.get("http://h/?token=t0p").send()).unwrap_err();
        assert!(check(&error), "{kind:?} gave {error:?}");
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(error.url(), Some("http://h/?token=REDACTED"));
    }
}

#[test]
fn a_request_the_transport_cannot_express_is_not_retried() {
    let (client, _) = client(|_| Reply::Fail(TransportErrorKind::Unsupported));
    let error = block_on(client.get("http://h/").send()).unwrap_err();
    assert!(error.is_unsupported() && !error.is_retryable(), "{error:?}");
    assert!(!error.is_connect() && !error.is_request(), "{error:?}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (client, _) = client_with(HttpSettings::default(), true, |_| Reply::Stall);
    let error = block_on(client.get("http://h/stall").send()).unwrap_err();
    assert!(error.is_timeout() && error.is_retryable(), "{error:?}");
}

#[test]
fn the_deadline_also_bounds_the_body() {
    let (client, _) = client_with(HttpSettings::default(), true, |_| Reply::Response {
        status: 200,
        headers: vec![],
        chunks: vec![Ok(Bytes::from_static(b"partial"))],
        then_stall: true,
    });
    let response = block_on(client.get("http://h/slow").send()).unwrap();
    let error = block_on(response.bytes()).unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[test]
fn a_body_cut_short_is_a_body_error() {
    let (client, _) = client(|_| Reply::Response {
        status: 200,
        headers: vec![],
        chunks: vec![Ok(Bytes::from_static(b"half")), Err(TransportErrorKind::Io)],
        then_stall: false,
    });
    let response = block_on(client.get("http://h/truncated").send()).unwrap();
    let error = block_on(response.bytes()).unwrap_err();
    assert!(error.is_body(), "{error:?}");
}

#[test]
fn announced_and_streamed_bodies_past_the_limit_fail() {
    let settings = HttpSettings::default().with_max_body_bytes(10);
    let (client, _) = client_with(settings.clone(), false, |_| Reply::Response {
        status: 200,
        headers: vec![("content-length", "1000".into())],
        chunks: vec![Ok(Bytes::from(vec![b'x'; 1000]))],
        then_stall: false,
    });
    let response = block_on(client.get("http://h/big").send()).unwrap();
    assert!(block_on(response.bytes()).unwrap_err().is_body_too_large());

    let (client, _) = client_with(settings, false, |_| Reply::Response {
        status: 200,
        headers: vec![],
        chunks: (0..100).map(|_| Ok(Bytes::from_static(b"0123"))).collect(),
        then_stall: true,
    });
    let response = block_on(client.get("http://h/endless").send()).unwrap();
    assert!(block_on(response.bytes()).unwrap_err().is_body_too_large());

    let response = block_on(client.get("http://h/endless").send()).unwrap();
    let items: Vec<_> = block_on(response.bytes_stream().collect());
    assert_eq!(
        items.len(),
        3,
        "two chunks fit, the third fails, then the stream ends"
    );
    assert!(items[2].as_ref().unwrap_err().is_body_too_large());
}

#[test]
fn non_utf8_text_and_invalid_json_are_decode_errors() {
    let (client, _) = client(|request| match request.uri().path() {
        "/latin1" => Reply::Response {
            status: 200,
            headers: vec![],
            chunks: vec![Ok(Bytes::from_static(b"caf\xe9"))],
            then_stall: false,
        },
        _ => ok("{\"id\": oops}"),
    });
    let response = block_on(client.get("http://h/latin1").send()).unwrap();
    let error = block_on(response.text()).unwrap_err();
    assert!(
        error.is_decode() && error.to_string().contains("UTF-8"),
        "{error}"
    );

    let response = block_on(client.get("http://h/json").send()).unwrap();
    let error = block_on(response.json::<Vec<u32>>()).unwrap_err();
    assert!(error.is_decode(), "{error:?}");
    let shown = error.to_string();
    assert!(
        shown.contains("Vec<u32>") && shown.contains("line 1"),
        "{shown}"
    );
}

#[test]
fn error_for_status_carries_status_url_and_retry_after() {
    let (client, _) = client(|request| match request.uri().path() {
        "/missing" => status(404, vec![]),
        _ => status(429, vec![("retry-after", "3".into())]),
    });
    let response = block_on(client.get("http://h/missing").send()).unwrap();
    let error = response.error_for_status().unwrap_err();
    assert!(error.is_status() && !error.is_retryable());
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.url(), Some("http://h/missing"));

    let response = block_on(client.get("http://h/busy").send()).unwrap();
    let error = response.error_for_status().unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(
        error.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(3)))
    );
}

#[test]
fn response_debug_hides_set_cookie() {
    let (client, _) = client(|_| status(200, vec![("set-cookie", "session=very-secret".into())]));
    let response = block_on(client.get("http://h/").send()).unwrap();
    let shown = format!("{response:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
}

/// A tracing subscriber that writes every span field and event field it sees into a string.
#[derive(Default, Clone)]
struct RecordingSubscriber {
    seen: Arc<Mutex<String>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

struct WriteFields<'a>(&'a mut String);

impl tracing::field::Visit for WriteFields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for RecordingSubscriber {
    // Interest is cached per callsite for the whole process, and tests run on parallel
    // threads: a callsite first reached on a thread without this subscriber would be cached
    // as "never" and its events lost here. "Sometimes" makes tracing ask `enabled` each time.
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut seen = self.seen.lock().unwrap();
        seen.push_str(span.metadata().name());
        seen.push(' ');
        span.record(&mut WriteFields(&mut seen));
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::span::Id::from_u64(id + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut WriteFields(&mut self.seen.lock().unwrap()));
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut WriteFields(&mut self.seen.lock().unwrap()));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn the_request_span_has_method_host_path_status_and_no_secrets() {
    let (client, _) = client(|request| match request.uri().path() {
        "/ok" => ok("fine"),
        _ => Reply::Fail(TransportErrorKind::Connect),
    });
    let subscriber = RecordingSubscriber::default();
    let seen = Arc::clone(&subscriber.seen);
    // While at most one dispatcher is registered, tracing computes a new callsite's interest
    // from the registering thread's own subscriber, and caches it for the whole process: a
    // sibling test thread without one would cache "never" and hide this test's events. A
    // second registered dispatcher makes registration ask every dispatcher (both answer
    // "sometimes"), and rebuilding the cache fixes any callsite cached before this test.
    let anchor = tracing::Dispatch::new(RecordingSubscriber::default());
    tracing::subscriber::with_default(subscriber, || {
        tracing::callsite::rebuild_interest_cache();
        block_on(
            client
                .get("http://user:pw-SECRET@h/ok?token=t-SECRET")
                .bearer_auth("auth-SECRET")
                .attempt(2)
                .send(),
        )
        .unwrap();
        block_on(
            client
                .get("http://h/down?api_key=k-SECRET")
                .sensitive_header("x-api-key", "h-SECRET")
                .send(),
        )
        .unwrap_err();
    });
    drop(anchor);
    let seen = seen.lock().unwrap().clone();
    for expected in [
        "http.request",
        "method=GET",
        "host=\"h\"",
        "path=\"/ok\"",
        "attempt=2",
        "status=200",
        "duration_ms=",
    ] {
        assert!(seen.contains(expected), "{expected} missing from {seen}");
    }
    assert!(seen.contains("failed to connect"), "{seen}");
    assert!(!seen.contains("SECRET"), "a secret reached tracing: {seen}");
}
