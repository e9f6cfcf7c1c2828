//! A scripted [`HttpClient`] on the mock's virtual clock, for the layer, pagination and
//! download tests: a handler decides each reply, and every call is recorded with its virtual
//! start time.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ferry_core::Timer;
use ferry_http::{HttpClient, HttpError, Request, Response};
use ferry_mock::MockRuntime;

/// What the fake server answers to one call.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// How long the call takes on the virtual clock before the head arrives.
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self::status(200).body(body)
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub at: Duration,
    pub method: String,
    pub url: String,
    pub attempt: u32,
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// The fake client: `handler(request, n)` gives the reply to the `n`th call (from 0) to that
/// exact URL.
#[derive(Clone)]
pub struct FakeClient {
    rt: MockRuntime,
    handler: Arc<Handler>,
    calls: Arc<Mutex<Vec<Call>>>,
    per_url: Arc<Mutex<HashMap<String, usize>>>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl FakeClient {
    pub fn new(
        rt: &MockRuntime,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self {
            rt: rt.clone(),
            handler: Arc::new(handler),
            calls: Arc::default(),
            per_url: Arc::default(),
            in_flight: Arc::default(),
            peak: Arc::default(),
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The virtual start times of the calls, in milliseconds.
    pub fn call_times_ms(&self) -> Vec<u128> {
        self.calls()
            .iter()
            .map(|call| call.at.as_millis())
            .collect()
    }

    pub fn peak_in_flight(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl HttpClient for FakeClient {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        let url = request.uri().to_string();
        let n = {
            let mut per_url = self.per_url.lock().unwrap();
            let count = per_url.entry(url.clone()).or_default();
            *count += 1;
            *count - 1
        };
        self.calls.lock().unwrap().push(Call {
            at: self.rt.elapsed(),
            method: request.method().to_string(),
            url: url.clone(),
            attempt: request.attempt(),
        });
        let reply = (self.handler)(&request, n);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        // Decrements even when the caller drops this future mid-wait.
        struct Leave(Arc<AtomicUsize>);
        impl Drop for Leave {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _leave = Leave(self.in_flight.clone());
        self.rt.sleep(reply.delay).await;
        let mut builder = http::Response::builder().status(reply.status);
        for (name, value) in &reply.headers {
            builder = builder.header(*name, value);
        }
        let response = builder.body(reply.body).expect("valid scripted reply");
        Ok(Response::from_bytes(response, request.uri().clone()))
    }
}
