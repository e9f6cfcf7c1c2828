//! [`MockTransport`]: ferry's `Transport` over a script, so that the shared `Client` does the
//! redirects, timeouts, body limits and error mapping exactly as on a real backend.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use ferry_core::{Sleep, Timer};
use ferry_http::{Transport, TransportError, TransportErrorKind};
use http::Method;
use http_body::Frame;

use super::error::NoRouteMatched;
use super::record::RecordedRequest;
use super::respond::{BodyPlan, Outcome, Respond};
use super::route::{Handler, MockRequest, PathPattern, Route};
use crate::{MockRng, MockRuntime};

thread_local! {
    /// The attempt number of the request being polled on this thread. The shared `Client`
    /// does not pass `Request::attempt` down to the transport, so `MockHttp::send` sets it
    /// around each poll; the mock executor polls one task at a time on one thread.
    static CURRENT_ATTEMPT: Cell<u32> = const { Cell::new(1) };
}

/// Runs `poll` with `attempt` as the current attempt number.
pub(crate) fn with_attempt<T>(attempt: u32, poll: impl FnOnce() -> T) -> T {
    let previous = CURRENT_ATTEMPT.with(|current| current.replace(attempt));
    let output = poll();
    CURRENT_ATTEMPT.with(|current| current.set(previous));
    output
}

/// The script and the log, shared by every clone of a `MockHttp`.
pub(crate) struct State {
    pub(crate) routes: Vec<Route>,
    pub(crate) fallback: Option<Handler>,
    pub(crate) fallback_calls: u64,
    pub(crate) log: Vec<RecordedRequest>,
    pub(crate) rng: MockRng,
}

pub(crate) type SharedState = Arc<Mutex<State>>;

pub(crate) fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panicking handler leaves the script as it was: keep going.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Answers requests from the script, on the mock runtime's clock.
pub(crate) struct MockTransport {
    pub(crate) state: SharedState,
    pub(crate) rt: MockRuntime,
}

/// What was decided when the request went out.
enum Decision {
    Script(Respond, Duration),
    Unmatched(NoRouteMatched),
}

impl MockTransport {
    /// Records the request and picks its answer, at the moment it is sent: the order of
    /// calls (and of latency draws) is the order of sends, which the seed fixes.
    fn decide(&self, request: &http::Request<Bytes>) -> Decision {
        let sent_at = self.rt.elapsed();
        let attempt = CURRENT_ATTEMPT.with(Cell::get);
        let mut record = RecordedRequest::new(
            request.method().clone(),
            request.uri().clone(),
            request.headers(),
            request.body().clone(),
            sent_at,
            attempt,
        );
        // What a handler sees, built only for handlers: most routes answer from a script.
        let mock_request = |pattern: Option<&PathPattern>, call: u64| {
            let mut params = Vec::new();
            if let Some(pattern) = pattern {
                pattern.matches(request.uri(), Some(&mut params));
            }
            MockRequest {
                method: request.method().clone(),
                uri: request.uri().clone(),
                headers: request.headers().clone(),
                body: request.body().clone(),
                sent_at,
                call,
                params,
            }
        };
        let mut state = lock(&self.state);
        let state = &mut *state;
        let route = state.routes.iter_mut().find(|route| {
            route.method == request.method() && route.pattern.matches(request.uri(), None)
        });
        let respond = match route {
            Some(route) => {
                record.route = Some(Arc::clone(&route.label));
                Some(route.answer(|pattern, call| mock_request(Some(pattern), call)))
            }
            None => state.fallback.clone().map(|fallback| {
                state.fallback_calls += 1;
                fallback(&mock_request(None, state.fallback_calls))
            }),
        };
        let decision = match respond {
            Some(respond) => {
                let latency = respond.draw_latency(&mut state.rng);
                Decision::Script(respond, latency)
            }
            None => Decision::Unmatched(NoRouteMatched::new(
                request.method().clone(),
                request.uri().path().to_owned(),
                state.routes.iter().map(ToString::to_string).collect(),
            )),
        };
        state.log.push(record);
        decision
    }
}

impl Transport for MockTransport {
    type Body = MockBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<MockBody>, TransportError>> + Send {
        let decision = self.decide(&request);
        let rt = self.rt.clone();
        let head_only = request.method() == Method::HEAD;
        let tracing = rt.is_tracing();
        if tracing {
            rt.record(
                "http",
                format_args!(
                    "{} {} attempt {}",
                    request.method(),
                    request.uri().path(),
                    { CURRENT_ATTEMPT.with(Cell::get) }
                ),
            );
        }
        async move {
            let (respond, latency) = match decision {
                Decision::Script(respond, latency) => (respond, latency),
                Decision::Unmatched(unmatched) => {
                    if tracing {
                        rt.record("http", format_args!("unmatched: {unmatched}"));
                    }
                    return Err(TransportError::new(TransportErrorKind::Connect, unmatched));
                }
            };
            if !latency.is_zero() {
                rt.sleep(latency).await;
            }
            let fault = match respond.outcome {
                Outcome::Answer => None,
                Outcome::Stall => {
                    if tracing {
                        rt.record("http", "stalled");
                    }
                    return std::future::pending().await;
                }
                Outcome::Refuse => Some((TransportErrorKind::Connect, "connection refused")),
                Outcome::Reset => Some((TransportErrorKind::Io, "connection reset by peer")),
            };
            if let Some((kind, message)) = fault {
                if tracing {
                    rt.record("http", message);
                }
                return Err(TransportError::new(kind, message));
            }
            if tracing {
                rt.record("http", format_args!("answered {}", respond.status.as_u16()));
            }
            let (status, headers, plan) = respond.into_head();
            let body = if head_only {
                MockBody::empty(rt)
            } else {
                MockBody::new(plan, rt)
            };
            let mut response = http::Response::new(body);
            *response.status_mut() = status;
            *response.version_mut() = http::Version::HTTP_11;
            *response.headers_mut() = headers;
            Ok(response)
        }
    }
}

enum BodyState {
    Full(Option<Bytes>),
    Chunks {
        interval: Duration,
        remaining: u64,
        chunk: Bytes,
        sleep: Option<Sleep>,
    },
    Endless(Bytes),
    Truncated(Option<Bytes>),
    Done,
}

/// A scripted response body: whole, in timed chunks, endless, or cut short.
pub(crate) struct MockBody {
    state: BodyState,
    rt: MockRuntime,
}

impl MockBody {
    fn new(plan: BodyPlan, rt: MockRuntime) -> Self {
        let state = match plan {
            BodyPlan::Full(bytes) => BodyState::Full(Some(bytes)),
            BodyPlan::Chunks {
                interval,
                count,
                chunk,
            } => BodyState::Chunks {
                interval,
                remaining: count,
                chunk,
                sleep: None,
            },
            BodyPlan::Endless(chunk) => BodyState::Endless(chunk),
            BodyPlan::Truncated { body, sent } => BodyState::Truncated(Some(body.slice(..sent))),
        };
        MockBody { state, rt }
    }

    fn empty(rt: MockRuntime) -> Self {
        MockBody {
            state: BodyState::Done,
            rt,
        }
    }
}

impl http_body::Body for MockBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        let this = self.get_mut();
        let data = match &mut this.state {
            BodyState::Done => return Poll::Ready(None),
            BodyState::Full(bytes) => {
                let bytes = bytes.take();
                this.state = BodyState::Done;
                bytes
            }
            BodyState::Endless(chunk) => Some(chunk.clone()),
            BodyState::Truncated(bytes) => match bytes.take() {
                Some(bytes) => Some(bytes),
                None => {
                    this.state = BodyState::Done;
                    return Poll::Ready(Some(Err(TransportError::new(
                        TransportErrorKind::Io,
                        "connection closed before the body was complete",
                    ))));
                }
            },
            BodyState::Chunks {
                interval,
                remaining,
                chunk,
                sleep,
            } => {
                if *remaining == 0 {
                    this.state = BodyState::Done;
                    return Poll::Ready(None);
                }
                let timer = sleep.get_or_insert_with(|| this.rt.sleep(*interval));
                ready!(Pin::new(timer).poll(cx));
                *sleep = None;
                *remaining -= 1;
                Some(chunk.clone())
            }
        };
        Poll::Ready(data.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, BodyState::Done)
    }
}
