//! [`MockTransport`]: ferry's `Transport` over a script, so that the shared `Client` does the
//! redirects, timeouts, body limits and error mapping exactly as on a real backend.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use ferry_core::semaphore::OwnedSemaphorePermit;
use ferry_core::{Sleep, Timer};
use ferry_http::{OutgoingBody, Transport, TransportError, TransportErrorKind};
use http::Method;
use http::header::{CONTENT_LENGTH, HeaderValue, TRANSFER_ENCODING};
use http_body::Frame;

use super::cap::{HostCaps, Place};
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
    /// The per-host connection cap, if the settings set one.
    pub(crate) caps: Option<Arc<HostCaps>>,
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
        request: http::Request<OutgoingBody>,
    ) -> impl Future<Output = Result<http::Response<MockBody>, TransportError>> + Send {
        let (parts, body) = request.into_parts();
        let head_only = parts.method == Method::HEAD;
        let rt = self.rt.clone();
        let tracing = rt.is_tracing();
        if tracing {
            rt.record(
                "http",
                format_args!("{} {} attempt {}", parts.method, parts.uri.path(), {
                    CURRENT_ATTEMPT.with(Cell::get)
                }),
            );
        }
        let place = match &self.caps {
            Some(caps) => caps.place(&parts.uri),
            None => Place::Free,
        };
        // A body in memory is decided on at once, so that the order of answers is the order
        // of sends; a streamed one once the whole stream has been read (and recorded), and a
        // request waiting for a place under the connection cap once it has one.
        let decided = match place {
            Place::Wait(_) => None,
            Place::Free | Place::Held(_) => body
                .as_bytes()
                .map(|bytes| self.decide(&http::Request::from_parts(parts.clone(), bytes.clone()))),
        };
        let transport = MockTransport {
            state: Arc::clone(&self.state),
            rt: self.rt.clone(),
            caps: None,
        };
        async move {
            let permit = place.taken().await;
            let decision = match (decided, body.as_bytes()) {
                (Some(decision), _) => decision,
                (None, Some(bytes)) => {
                    transport.decide(&http::Request::from_parts(parts, bytes.clone()))
                }
                (None, None) => {
                    // The framing headers an HTTP/1.1 stack would write for a stream, so that
                    // the recorded request (and the routes) see what a server would.
                    let mut parts = parts;
                    match body.length() {
                        Some(length) => parts.headers.insert(CONTENT_LENGTH, length.into()),
                        None => parts
                            .headers
                            .insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked")),
                    };
                    let bytes = read_streamed(body).await?;
                    transport.decide(&http::Request::from_parts(parts, bytes))
                }
            };
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
                MockBody::empty(rt, permit)
            } else {
                MockBody::new(plan, rt, permit)
            };
            let mut response = http::Response::new(body);
            *response.status_mut() = status;
            *response.version_mut() = http::Version::HTTP_11;
            *response.headers_mut() = headers;
            Ok(response)
        }
    }
}

/// Reads a streamed request body to its end, as a server would receive it. A body that fails
/// fails the exchange; the client reports the body's own error.
async fn read_streamed(mut body: OutgoingBody) -> Result<Bytes, TransportError> {
    let mut received = Vec::new();
    loop {
        match std::future::poll_fn(|cx| http_body::Body::poll_frame(Pin::new(&mut body), cx)).await
        {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    received.extend_from_slice(&data);
                }
            }
            Some(Err(error)) => return Err(TransportError::new(TransportErrorKind::Io, error)),
            None => return Ok(received.into()),
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
    Repeated {
        head: Option<Bytes>,
        unit: Bytes,
        remaining: u64,
        tail: Option<Bytes>,
    },
    Done,
}

/// A scripted response body: whole, in timed chunks, endless, or cut short.
pub(crate) struct MockBody {
    state: BodyState,
    rt: MockRuntime,
    /// The request's place under the connection cap, given back when the body ends (or is
    /// dropped), as a real connection goes back to its pool.
    permit: Option<OwnedSemaphorePermit>,
}

impl MockBody {
    fn new(plan: BodyPlan, rt: MockRuntime, permit: Option<OwnedSemaphorePermit>) -> Self {
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
            BodyPlan::Repeated {
                head,
                unit,
                count,
                tail,
            } => BodyState::Repeated {
                head: Some(head).filter(|head| !head.is_empty()),
                unit,
                remaining: count,
                tail: Some(tail).filter(|tail| !tail.is_empty()),
            },
        };
        MockBody { state, rt, permit }
    }

    fn empty(rt: MockRuntime, permit: Option<OwnedSemaphorePermit>) -> Self {
        MockBody {
            state: BodyState::Done,
            rt,
            permit,
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
        let polled = this.poll_data(cx);
        // Whole (or failed): the request's place under the cap is free again.
        if matches!(this.state, BodyState::Done) || matches!(polled, Poll::Ready(Some(Err(_)))) {
            this.permit = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, BodyState::Done)
    }
}

impl MockBody {
    fn poll_data(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        let this = self;
        let data = match &mut this.state {
            BodyState::Done => return Poll::Ready(None),
            BodyState::Full(bytes) => {
                let bytes = bytes.take();
                this.state = BodyState::Done;
                bytes
            }
            BodyState::Endless(chunk) => Some(chunk.clone()),
            BodyState::Repeated {
                head,
                unit,
                remaining,
                tail,
            } => {
                if let Some(head) = head.take() {
                    Some(head)
                } else if *remaining > 0 {
                    *remaining -= 1;
                    Some(unit.clone())
                } else {
                    let tail = tail.take();
                    if tail.is_none() {
                        this.state = BodyState::Done;
                    }
                    tail
                }
            }
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
}
