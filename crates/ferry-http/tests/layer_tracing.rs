//! Each attempt of the resilient client is a tracing span carrying its host and attempt
//! number, and the inner client sees the attempt number on the request.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_core::retry::{Backoff, RetryPolicy};
use ferry_core::{Clock, Sleep, Timer};
use ferry_http::{
    Attempts, HostPolicy, HttpClient, HttpClientExt, HttpError, Request, ResilientClient, Response,
};
use futures::executor::block_on;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A timer whose clock jumps to each deadline at once: virtual time with no runtime.
#[derive(Clone)]
struct JumpingTimer(Arc<Mutex<Instant>>);

impl Clock for JumpingTimer {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

impl Timer for JumpingTimer {
    fn sleep_until(&self, deadline: Instant) -> Sleep {
        let mut now = self.0.lock().unwrap();
        *now = (*now).max(deadline);
        Sleep::new(async {})
    }
}

/// Answers 503 to the first two calls, then 200; records each request's attempt number.
#[derive(Default)]
struct TwiceUnavailable {
    calls: AtomicU32,
    attempts: Mutex<Vec<u32>>,
}

#[async_trait::async_trait]
impl HttpClient for TwiceUnavailable {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        self.attempts.lock().unwrap().push(request.attempt());
        let status = if self.calls.fetch_add(1, Ordering::SeqCst) < 2 {
            503
        } else {
            200
        };
        let response = http::Response::builder()
            .status(status)
            .body(Bytes::new())
            .unwrap();
        Ok(Response::from_bytes(response, request.uri().clone()))
    }
}

/// Records the name and fields of every new span.
#[derive(Default, Clone)]
struct SpanRecorder {
    next_id: Arc<AtomicU64>,
    spans: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for SpanRecorder {
    // Interest is cached per callsite for the whole process, and tests run on parallel
    // threads: a callsite first reached on a thread without this subscriber would be cached
    // as "never" and its events lost here. "Sometimes" makes tracing ask `enabled` each time.
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = span.metadata().name().to_owned();
        span.record(&mut Fields(&mut line));
        self.spans.lock().unwrap().push(line);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn every_attempt_is_a_span_with_its_host_and_number() {
    let timer = JumpingTimer(Arc::new(Mutex::new(Instant::now())));
    let inner = Arc::new(TwiceUnavailable::default());
    let policy = HostPolicy::new()
        .retry(RetryPolicy::new(Backoff::exponential(Duration::from_millis(100))).max_attempts(5));
    let client = ResilientClient::new(Arc::clone(&inner), timer, policy);
    let recorder = SpanRecorder::default();
    let spans = Arc::clone(&recorder.spans);
    let response = tracing::subscriber::with_default(recorder, || {
        block_on(client.get("http://API.example/items").send())
    })
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(Attempts::of(&response), Some(3));
    assert_eq!(*inner.attempts.lock().unwrap(), [1, 2, 3]);
    let attempts: Vec<String> = spans
        .lock()
        .unwrap()
        .iter()
        .filter(|span| span.starts_with("http.attempt"))
        .cloned()
        .collect();
    assert_eq!(
        attempts,
        [
            "http.attempt host=\"api.example\" attempt=1",
            "http.attempt host=\"api.example\" attempt=2",
            "http.attempt host=\"api.example\" attempt=3",
        ]
    );
}
