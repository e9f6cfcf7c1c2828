//! Scripted HTTP: [`MockHttp`], an [`HttpClient`] whose server is a script running in
//! virtual time.
//!
//! Under the script sits ferry's shared [`Client`], the same one
//! every real backend uses: redirects, the total timeout, the body limit, the user agent and
//! the mapping of failures to [`HttpError`] behave exactly as in production. Only the wire is
//! scripted, and every wait on it (latency, slow bodies, stalls) is on the mock clock, so a
//! test of minutes of retries runs in microseconds and gives the same result every time.
//!
//! | script | what the client sees |
//! |---|---|
//! | [`Respond::json`], [`Respond::status`], ... | that response |
//! | [`.latency(d)`](Respond::latency) or a random [`Latency`] | the head after `d` of virtual time |
//! | [`MockHttp::fail_first`] | a fault or error status for the first N calls |
//! | [`MockHttp::then`] | a sequence of answers; the last one repeats |
//! | [`Respond::status(429)`](Respond::status)`.`[`retry_after`](Respond::retry_after)`(d)` | a rate limit with `Retry-After` |
//! | [`Respond::stall`] | nothing: the client's timeout fires, at exactly its virtual time |
//! | [`Respond::refuse`], [`Respond::reset`] | a connect error, a connection reset |
//! | [`Respond::truncate_body`] | a body error after some bytes |
//! | [`Respond::encoded`] | a compressed body with its `Content-Encoding`, decoded by the client as a server's would be |
//! | [`Respond::repeated`] | a long body (a compressed stream of gigabytes) held as one repeated unit |
//! | [`MockHttp::route_fn`], [`MockHttp::fallback`] | whatever a closure answers |
//! | no route and no fallback | a connect error whose source is [`NoRouteMatched`], listing the routes |
//!
//! The mock has no connections, but it honours
//! [`max_connections_per_host`](HttpSettings::max_connections_per_host) as a real backend
//! does over HTTP/1.1: a request waits (in virtual time) for a place among its host's, and
//! holds it until its response body ends or is dropped.
//!
//! Every request is recorded ([`MockHttp::requests`], [`RecordedRequest`]) with its virtual
//! send time and attempt number, and in the runtime's trace under the component `"http"`.
//!
//! ```
//! use std::time::Duration;
//! use ferry_http::HttpClientExt;
//! use ferry_mock::http::{MockHttp, Respond};
//! use http::Method;
//!
//! ferry_mock::run(7, |rt| async move {
//!     let http = MockHttp::new(&rt)
//!         .route(Method::GET, "/items/{id}", Respond::json(r#"{"id":1}"#).latency(Duration::from_millis(200)))
//!         .fail_first(2, Respond::status(503).retry_after(Duration::from_secs(1)));
//!
//!     let first = http.get("http://api.test/items/1").send().await.unwrap();
//!     assert_eq!(first.status(), 503);
//!     http.get("http://api.test/items/1").send().await.unwrap();
//!     let third = http.get("http://api.test/items/1").send().await.unwrap();
//!     assert_eq!(third.text().await.unwrap(), r#"{"id":1}"#);
//!
//!     let sent = http.requests_to("/items/{id}");
//!     assert_eq!(sent.len(), 3);
//!     // The two failures answer at once; the success takes its 200 ms.
//!     assert_eq!(sent[2].sent_at(), Duration::ZERO);
//!     assert_eq!(rt.elapsed(), Duration::from_millis(200));
//! });
//! ```

mod cap;
mod error;
mod record;
mod respond;
mod route;
mod transport;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use ferry_http::{Client, HttpClient, HttpError, HttpSettings, Request, Response};
use http::Method;

pub use error::NoRouteMatched;
pub use record::RecordedRequest;
pub use respond::{Latency, Respond};
pub use route::MockRequest;

use crate::MockRuntime;
use cap::HostCaps;
use route::{PathPattern, Route, Script};
use transport::{MockTransport, SharedState, State, lock, with_attempt};

/// A scripted HTTP client on a [`MockRuntime`]: see the [module docs](self).
///
/// Build it with chained calls; the methods that refine a route ([`then`](Self::then),
/// [`fail_first`](Self::fail_first)) apply to the route added last. Clones share the script,
/// the call counters and the log. Routes are tried in the order they were added; the first
/// whose method and pattern match answers.
///
/// # Patterns
///
/// `/items/{id}` matches one segment per `{name}` (read it with [`MockRequest::param`]);
/// a trailing `/*` matches any rest; `?key=value&...` requires those query pairs (other
/// pairs may be present). The host is not matched: one script answers every origin.
#[derive(Clone)]
pub struct MockHttp {
    client: Client<MockTransport, MockRuntime>,
    state: SharedState,
    rt: MockRuntime,
}

impl MockHttp {
    /// A client with no routes and default [`HttpSettings`] (30 s total timeout, ...).
    ///
    /// It forks its random generator (for random latencies) from `rt` now: build mocks in
    /// the same order in every run to keep a seed's numbers.
    pub fn new(rt: &MockRuntime) -> Self {
        let state = Arc::new(Mutex::new(State {
            routes: Vec::new(),
            fallback: None,
            fallback_calls: 0,
            log: Vec::new(),
            rng: rt.fork_rng(),
        }));
        let client = Self::make_client(&state, rt, HttpSettings::default());
        MockHttp {
            client,
            state,
            rt: rt.clone(),
        }
    }

    fn make_client(
        state: &SharedState,
        rt: &MockRuntime,
        settings: HttpSettings,
    ) -> Client<MockTransport, MockRuntime> {
        let transport = MockTransport {
            state: Arc::clone(state),
            rt: rt.clone(),
            caps: HostCaps::new(settings.max_connections_per_host()),
        };
        Client::new(transport, rt.clone(), settings)
    }

    /// The same script under other client settings (timeout, body limit, redirects, user
    /// agent). Clones made before keep their settings.
    pub fn with_settings(mut self, settings: HttpSettings) -> Self {
        self.client = Self::make_client(&self.state, &self.rt, settings);
        self
    }

    /// The client settings.
    pub fn settings(&self) -> &HttpSettings {
        self.client.settings()
    }

    fn push(self, route: Route) -> Self {
        lock(&self.state).routes.push(route);
        self
    }

    /// Adds a route: requests with `method` whose URL matches `pattern` get `respond`.
    pub fn route(self, method: Method, pattern: &str, respond: Respond) -> Self {
        self.push(Route::new(method, pattern, Script::Sequence(vec![respond])))
    }

    /// Adds a route answered by `handler`, called once per request when it is sent.
    pub fn route_fn<F>(self, method: Method, pattern: &str, handler: F) -> Self
    where
        F: Fn(&MockRequest) -> Respond + Send + Sync + 'static,
    {
        self.push(Route::new(
            method,
            pattern,
            Script::Handler(Arc::new(handler)),
        ))
    }

    /// The route added last answers its next call with `respond`, after the answers it
    /// already has; the last answer repeats for every later call.
    ///
    /// # Panics
    ///
    /// If there is no route yet, or the last one was added with [`route_fn`](Self::route_fn)
    /// (a mistake in the test's setup, reported at once).
    pub fn then(self, respond: Respond) -> Self {
        {
            let mut state = lock(&self.state);
            let route = state
                .routes
                .last_mut()
                .expect("MockHttp::then needs a route added before it");
            match &mut route.script {
                Script::Sequence(answers) => answers.push(respond),
                Script::Handler(_) => {
                    panic!("MockHttp::then: route {route} is answered by a closure")
                }
            }
        }
        self
    }

    /// The route added last answers its first `n` calls with `failure` (an error status or a
    /// fault), then as scripted. Calling it again replaces the previous `fail_first`.
    ///
    /// # Panics
    ///
    /// If there is no route yet.
    pub fn fail_first(self, n: u64, failure: Respond) -> Self {
        lock(&self.state)
            .routes
            .last_mut()
            .expect("MockHttp::fail_first needs a route added before it")
            .fail_first = Some((n, failure));
        self
    }

    /// Answers every request that no route matches with `handler` (instead of failing it
    /// with [`NoRouteMatched`]).
    pub fn fallback<F>(self, handler: F) -> Self
    where
        F: Fn(&MockRequest) -> Respond + Send + Sync + 'static,
    {
        lock(&self.state).fallback = Some(Arc::new(handler));
        self
    }

    /// Every request sent so far, in the order they went out.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).log.clone()
    }

    /// The requests whose URL matches `pattern` (any method; same syntax as routes, so
    /// `"/items/7"` and `"/items/{id}"` both work).
    pub fn requests_to(&self, pattern: &str) -> Vec<RecordedRequest> {
        let pattern = PathPattern::parse(pattern);
        lock(&self.state)
            .log
            .iter()
            .filter(|request| pattern.matches(request.uri(), None))
            .cloned()
            .collect()
    }

    /// How many requests were sent.
    pub fn request_count(&self) -> usize {
        lock(&self.state).log.len()
    }

    /// The runtime this client waits on.
    pub fn runtime(&self) -> &MockRuntime {
        &self.rt
    }
}

pin_project_lite::pin_project! {
    /// Sets the request's attempt number for the transport around each poll.
    struct WithAttempt<F> {
        #[pin]
        inner: F,
        attempt: u32,
    }
}

impl<F: Future> Future for WithAttempt<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        with_attempt(*this.attempt, || this.inner.poll(cx))
    }
}

/// Sends through the shared client over the script.
///
/// # Cancel safety
///
/// Dropping the future abandons the request. It stays recorded (it was sent) and counts as a
/// call of its route.
impl HttpClient for MockHttp {
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Response, HttpError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let attempt = request.attempt();
        Box::pin(WithAttempt {
            inner: self.client.execute(request),
            attempt,
        })
    }
}

impl fmt::Debug for MockHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        let routes: Vec<String> = state.routes.iter().map(ToString::to_string).collect();
        f.debug_struct("MockHttp")
            .field("routes", &routes)
            .field("fallback", &state.fallback.is_some())
            .field("requests", &state.log.len())
            .finish_non_exhaustive()
    }
}
