//! [`Respond`]: what a scripted route answers, and [`Latency`]: how long it takes.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::MockRng;

/// How long a scripted answer waits, in virtual time, before its response head arrives.
///
/// Random latencies are drawn from the [`MockHttp`](super::MockHttp)'s own generator, forked
/// from the run's seed: the same seed gives the same latencies, in the same order of requests.
///
/// ```
/// use std::time::Duration;
/// use ferry_mock::http::Latency;
///
/// let fixed: Latency = Duration::from_millis(200).into();
/// assert_eq!(fixed, Latency::fixed(Duration::from_millis(200)));
/// let jittery = Latency::uniform(Duration::from_millis(50), Duration::from_millis(150));
/// # let _ = jittery;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    /// Always this long.
    Fixed(Duration),
    /// Uniformly between `min` and `max` (inclusive of `min`); `max < min` acts as `min`.
    Uniform {
        /// The shortest latency.
        min: Duration,
        /// The longest latency.
        max: Duration,
    },
    /// Exponentially distributed with this mean (long tails, like real networks), capped at
    /// 100 times the mean so that one draw cannot stall a test for hours.
    Exponential {
        /// The mean latency.
        mean: Duration,
    },
}

impl Latency {
    /// Always `latency`.
    pub fn fixed(latency: Duration) -> Self {
        Latency::Fixed(latency)
    }

    /// Uniformly between `min` and `max`.
    pub fn uniform(min: Duration, max: Duration) -> Self {
        Latency::Uniform { min, max }
    }

    /// Exponentially distributed with mean `mean`, capped at `100 × mean`.
    pub fn exponential(mean: Duration) -> Self {
        Latency::Exponential { mean }
    }

    /// One latency, drawing from `rng` when random (exactly one draw, so that the stream
    /// advances the same way whatever the values).
    pub(crate) fn draw(&self, rng: &mut MockRng) -> Duration {
        match *self {
            Latency::Fixed(latency) => latency,
            Latency::Uniform { min, max } => {
                let span = max.saturating_sub(min).as_nanos();
                let span = u64::try_from(span).unwrap_or(u64::MAX);
                min.saturating_add(Duration::from_nanos(rng.below(span.saturating_add(1))))
            }
            Latency::Exponential { mean } => {
                let u = rng.next_f64();
                let factor = (-(1.0 - u).ln()).min(100.0);
                Duration::try_from_secs_f64(mean.as_secs_f64() * factor).unwrap_or(Duration::MAX)
            }
        }
    }
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Fixed(Duration::ZERO)
    }
}

impl From<Duration> for Latency {
    fn from(latency: Duration) -> Self {
        Latency::Fixed(latency)
    }
}

/// What happens on the wire after the latency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response head, then the body.
    Answer,
    /// Nothing, ever: the client's timeout has to end the request.
    Stall,
    /// No connection: a connect error ("connection refused").
    Refuse,
    /// The connection breaks before the head: an I/O error ("connection reset").
    Reset,
}

/// How the body is produced once the head is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyPlan {
    /// All of it at once.
    Full(Bytes),
    /// `count` copies of `chunk`, each after waiting `interval`.
    Chunks {
        interval: Duration,
        count: u64,
        chunk: Bytes,
    },
    /// `chunk` repeated until the client stops reading.
    Endless(Bytes),
    /// The first `sent` bytes of `body`, then the connection breaks; the head declares the
    /// whole length.
    Truncated { body: Bytes, sent: usize },
}

/// A scripted answer: a response (status, headers, body, latency) or a fault.
///
/// Build one with a constructor ([`ok`](Self::ok), [`json`](Self::json),
/// [`status`](Self::status), or a fault such as [`stall`](Self::stall)) and refine it with the
/// chained methods. Every wait happens on the mock runtime's virtual clock.
///
/// ```
/// use std::time::Duration;
/// use ferry_mock::http::Respond;
///
/// let item = Respond::json(r#"{"id":1}"#).latency(Duration::from_millis(200));
/// let busy = Respond::status(503).retry_after(Duration::from_secs(2));
/// let cut = Respond::bytes(vec![7u8; 1000]).truncate_body(10);
/// # let _ = (item, busy, cut);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Respond {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: BodyPlan,
    pub(crate) latency: Latency,
    pub(crate) outcome: Outcome,
}

impl Respond {
    /// `status` with an empty body. A code outside `100..=999` becomes 500 (documented
    /// rather than a panic: scripts are data).
    pub fn status(status: u16) -> Self {
        Self::with_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
    }

    /// `status` with an empty body.
    pub fn with_status(status: StatusCode) -> Self {
        Respond {
            status,
            headers: HeaderMap::new(),
            body: BodyPlan::Full(Bytes::new()),
            latency: Latency::default(),
            outcome: Outcome::Answer,
        }
    }

    /// 200 with an empty body.
    pub fn ok() -> Self {
        Self::with_status(StatusCode::OK)
    }

    /// 200 with `json` as the body and `Content-Type: application/json`.
    pub fn json(json: impl Into<Bytes>) -> Self {
        Self::ok()
            .body(json)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
    }

    /// 200 with `text` as the body and `Content-Type: text/plain; charset=utf-8`.
    pub fn text(text: impl Into<String>) -> Self {
        Self::ok().body(text.into()).header(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )
    }

    /// 200 with `bytes` as the body.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self::ok().body(bytes)
    }

    /// A head sent at once, then `count` copies of `chunk`, each after `interval` (so the
    /// body takes `count × interval`). No `Content-Length`.
    pub fn chunks(interval: Duration, count: u64, chunk: impl Into<Bytes>) -> Self {
        let mut respond = Self::ok();
        respond.body = BodyPlan::Chunks {
            interval,
            count,
            chunk: chunk.into(),
        };
        respond
    }

    /// A body that repeats `chunk` until the client stops reading (its body limit ends it).
    /// An empty `chunk` is replaced by one zero byte, so that the body does make progress.
    pub fn endless(chunk: impl Into<Bytes>) -> Self {
        let chunk: Bytes = chunk.into();
        let chunk = if chunk.is_empty() {
            Bytes::from_static(&[0])
        } else {
            chunk
        };
        let mut respond = Self::ok();
        respond.body = BodyPlan::Endless(chunk);
        respond
    }

    /// Never answers: no head, no body. The client's total timeout (or the caller's own)
    /// ends the request, at exactly that virtual time.
    pub fn stall() -> Self {
        Self::ok().outcome(Outcome::Stall)
    }

    /// Refuses the connection: the request fails with a retryable
    /// [connect error](ferry_http::HttpError::is_connect) after the latency.
    pub fn refuse() -> Self {
        Self::ok().outcome(Outcome::Refuse)
    }

    /// Resets the connection after the request was sent and before the head arrived: a
    /// retryable I/O error after the latency.
    pub fn reset() -> Self {
        Self::ok().outcome(Outcome::Reset)
    }

    fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// The same answer with `status`.
    pub fn with_status_code(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The same answer with the body `body` (sent whole).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = BodyPlan::Full(body.into());
        self
    }

    /// The same answer with one more header (replacing any value of that name).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The same answer with `Retry-After: <whole seconds>` (rounded up, so that a client
    /// honouring it never comes back early).
    pub fn retry_after(self, after: Duration) -> Self {
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        self.header(RETRY_AFTER, HeaderValue::from(seconds))
    }

    /// The same answer after `latency` of virtual time (a [`Duration`] or a random
    /// [`Latency`]). For a fault, the latency is when the fault happens.
    pub fn latency(mut self, latency: impl Into<Latency>) -> Self {
        self.latency = latency.into();
        self
    }

    /// The same answer with its body cut after `sent` bytes: the head declares the full
    /// `Content-Length`, then the connection breaks and reading fails with a
    /// [body error](ferry_http::HttpError::is_body). Only whole bodies can be cut; a
    /// `sent` at or past the length leaves the body whole.
    pub fn truncate_body(mut self, sent: usize) -> Self {
        if let BodyPlan::Full(body) = &self.body {
            if sent < body.len() {
                self.body = BodyPlan::Truncated {
                    body: body.clone(),
                    sent,
                };
            }
        }
        self
    }

    /// The latency to wait, drawn now.
    pub(crate) fn draw_latency(&self, rng: &mut MockRng) -> Duration {
        self.latency.draw(rng)
    }

    /// The status, the head's headers (the script's own, plus `Content-Length` for a known
    /// length, as a server would send) and the body.
    pub(crate) fn into_head(self) -> (StatusCode, HeaderMap, BodyPlan) {
        let mut headers = self.headers;
        let length = match &self.body {
            BodyPlan::Full(body) | BodyPlan::Truncated { body, .. } => Some(body.len()),
            BodyPlan::Chunks { .. } | BodyPlan::Endless(_) => None,
        };
        let bodyless = self.status.is_informational()
            || self.status == StatusCode::NO_CONTENT
            || self.status == StatusCode::NOT_MODIFIED;
        if let (Some(length), false) = (length, bodyless) {
            if !headers.contains_key(CONTENT_LENGTH) {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
            }
        }
        (self.status, headers, self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_status_code_becomes_500() {
        assert_eq!(
            Respond::status(42).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            Respond::status(1000).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(Respond::status(418).status, StatusCode::IM_A_TEAPOT);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let header = |after| Respond::ok().retry_after(after).headers[RETRY_AFTER].clone();
        assert_eq!(header(Duration::from_secs(2)), "2");
        assert_eq!(header(Duration::from_millis(1)), "1");
        assert_eq!(header(Duration::ZERO), "0");
    }

    #[test]
    fn content_length_is_added_for_known_lengths_only() {
        let (_, headers, _) = Respond::bytes(vec![0u8; 5]).into_head();
        assert_eq!(headers[CONTENT_LENGTH], "5");
        let (_, headers, _) = Respond::chunks(Duration::ZERO, 2, "x").into_head();
        assert!(!headers.contains_key(CONTENT_LENGTH));
        let (_, headers, _) = Respond::status(204).into_head();
        assert!(!headers.contains_key(CONTENT_LENGTH));
        let (_, headers, _) = Respond::bytes(vec![0u8; 10]).truncate_body(3).into_head();
        assert_eq!(headers[CONTENT_LENGTH], "10");
    }

    #[test]
    fn truncating_at_or_past_the_length_keeps_the_body_whole() {
        let whole = Respond::bytes("abc").truncate_body(3);
        assert_eq!(whole.body, BodyPlan::Full(Bytes::from_static(b"abc")));
    }

    #[test]
    fn extreme_latencies_saturate_instead_of_panicking() {
        let mut rng = MockRng::new(1);
        let huge = Latency::uniform(Duration::ZERO, Duration::MAX).draw(&mut rng);
        assert!(huge <= Duration::MAX);
        let backwards = Latency::uniform(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(backwards.draw(&mut rng), Duration::from_secs(2));
        let tail = Latency::exponential(Duration::MAX).draw(&mut rng);
        assert!(tail > Duration::ZERO);
    }
}
