//! Every attempt of a retried operation is visible in tracing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_core::retry::{Backoff, RetryDecision, RetryPolicy, retry};
use ferry_core::{Clock, Sleep, Timer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A timer whose clock jumps to each deadline as soon as something sleeps: virtual time for
/// a test with no runtime.
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

/// What one event said: its message and fields, and the attempt of the span it happened in.
#[derive(Debug, Default, Clone)]
struct Seen {
    fields: Vec<(String, String)>,
    in_attempt: Option<String>,
}

impl Seen {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Visit for Seen {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

/// Records events and the `attempt` field of the span each happened in.
/// Clones share what they record, so the test keeps one to read after installing another.
#[derive(Default, Clone)]
struct Recorder {
    next_id: Arc<AtomicU64>,
    spans: Arc<Mutex<Vec<(u64, String)>>>,
    current: Arc<Mutex<Vec<u64>>>,
    events: Arc<Mutex<Vec<Seen>>>,
}

impl Subscriber for Recorder {
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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Seen::default();
        span.record(&mut fields);
        let attempt = fields.get("attempt").unwrap_or("").to_string();
        self.spans.lock().unwrap().push((id, attempt));
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut seen = Seen::default();
        event.record(&mut seen);
        if let Some(id) = self.current.lock().unwrap().last() {
            let spans = self.spans.lock().unwrap();
            seen.in_attempt = spans.iter().find(|(s, _)| s == id).map(|(_, a)| a.clone());
        }
        self.events.lock().unwrap().push(seen);
    }

    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, _: &Id) {
        self.current.lock().unwrap().pop();
    }
}

#[test]
fn each_attempt_runs_in_a_span_and_ends_with_an_event_naming_delay_and_outcome() {
    let recorder = Recorder::default();
    let timer = JumpingTimer(Arc::new(Mutex::new(Instant::now())));
    let policy = RetryPolicy::new(Backoff::exponential(Duration::from_millis(100)));
    let mut calls = 0;
    let outcome = tracing::subscriber::with_default(recorder.clone(), || {
        futures::executor::block_on(retry(
            &timer,
            &policy,
            |_: &&str| RetryDecision::Retry,
            || {
                calls += 1;
                let call = calls;
                async move {
                    tracing::info!(call, "operation ran");
                    if call < 3 { Err("flaky") } else { Ok(call) }
                }
            },
        ))
    });
    assert_eq!(outcome.unwrap().attempts, 3);

    let events = recorder.events.lock().unwrap().clone();
    // The operation's own events carry the attempt number of their span.
    let ran: Vec<_> = events
        .iter()
        .filter(|e| e.get("message") == Some("operation ran"))
        .map(|e| e.in_attempt.clone().unwrap_or_default())
        .collect();
    assert_eq!(ran, ["1", "2", "3"]);
    // Two failed attempts with their delays, then one success.
    let retried: Vec<_> = events
        .iter()
        .filter(|e| e.get("message") == Some("attempt failed; retrying"))
        .map(|e| (e.get("attempt").unwrap(), e.get("delay_ms").unwrap()))
        .collect();
    assert_eq!(retried, [("1", "100"), ("2", "200")]);
    let succeeded: Vec<_> = events
        .iter()
        .filter(|e| e.get("message") == Some("attempt succeeded"))
        .map(|e| e.get("attempt").unwrap())
        .collect();
    assert_eq!(succeeded, ["3"]);
}

#[test]
fn giving_up_is_an_event_with_the_reason() {
    let recorder = Recorder::default();
    let timer = JumpingTimer(Arc::new(Mutex::new(Instant::now())));
    let policy = RetryPolicy::new(Backoff::constant(Duration::from_millis(5))).max_attempts(2);
    let outcome = tracing::subscriber::with_default(recorder.clone(), || {
        futures::executor::block_on(retry(
            &timer,
            &policy,
            |_: &()| RetryDecision::Retry,
            || async { Err::<(), ()>(()) },
        ))
    });
    assert_eq!(outcome.unwrap_err().attempts(), 2);
    let events = recorder.events.lock().unwrap().clone();
    let gave_up = events
        .iter()
        .find(|e| e.get("message") == Some("attempt failed; giving up"))
        .expect("a give-up event");
    assert_eq!(gave_up.get("attempt"), Some("2"));
    assert_eq!(gave_up.get("reason"), Some("no attempts left"));
}
