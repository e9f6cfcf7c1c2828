//! The future returned by [`retry`](super::retry()).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::{GiveUpReason, Retried, RetryBudget, RetryDecision, RetryError};
use crate::rt::{Sleep, Timer};

pin_project! {
    #[project = StateProj]
    enum State<Fut> {
        // The next attempt starts on the next poll.
        Start,
        Running { #[pin] attempt: Fut, span: tracing::Span },
        Waiting { sleep: Sleep },
        Done,
    }
}

pin_project! {
    /// Runs an operation until it succeeds or the [`RetryPolicy`](super::RetryPolicy) says
    /// to stop; made by [`retry`](super::retry()).
    ///
    /// Resolves to [`Retried`] (the value and the number of attempts) or [`RetryError`] (the
    /// last error, the number of attempts and the [`GiveUpReason`]).
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the attempt in flight (which is then as cancelled as dropping that
    /// attempt's future makes it) or the pending delay; no further attempt is made. Retries
    /// already taken from a [`RetryBudget`] stay spent, as the attempts they paid for did run.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Retry<Tm, D, C, Op, Fut> {
        timer: Tm,
        delays: D,
        classify: C,
        operation: Op,
        #[pin]
        state: State<Fut>,
        attempts: u32,
        max_attempts: u32,
        max_delay: Duration,
        max_total_time: Option<Duration>,
        budget: Option<Arc<RetryBudget>>,
        started: Option<Instant>,
    }
}

impl<Tm, D, C, Op, Fut> Retry<Tm, D, C, Op, Fut> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        timer: Tm,
        delays: D,
        classify: C,
        operation: Op,
        max_attempts: u32,
        max_delay: Duration,
        max_total_time: Option<Duration>,
        budget: Option<Arc<RetryBudget>>,
    ) -> Self {
        Self {
            timer,
            delays,
            classify,
            operation,
            state: State::Start,
            attempts: 0,
            max_attempts,
            max_delay,
            max_total_time,
            budget,
            started: None,
        }
    }

    /// How many attempts have started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<Tm, D, C, Op, Fut, T, E> Future for Retry<Tm, D, C, Op, Fut>
where
    Tm: Timer,
    D: Iterator<Item = Duration>,
    C: FnMut(&E) -> RetryDecision,
    Op: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    type Output = Result<Retried<T>, RetryError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Start => {
                    let now = this.timer.now();
                    if this.started.is_none() {
                        // The clock starts with the first attempt, not when the future is
                        // made, so a retry built ahead of time gets its whole allowance.
                        *this.started = Some(now);
                        if let Some(budget) = this.budget {
                            budget.deposit();
                        }
                    }
                    *this.attempts += 1;
                    let span = tracing::debug_span!("retry_attempt", attempt = *this.attempts);
                    let attempt = span.in_scope(|| (this.operation)());
                    this.state.set(State::Running { attempt, span });
                }
                StateProj::Running { attempt, span } => {
                    let output = {
                        let _entered = span.enter();
                        ready!(attempt.poll(cx))
                    };
                    let attempts = *this.attempts;
                    let error = match output {
                        Ok(value) => {
                            tracing::debug!(attempt = attempts, "attempt succeeded");
                            this.state.set(State::Done);
                            return Poll::Ready(Ok(Retried { value, attempts }));
                        }
                        Err(error) => error,
                    };
                    let now = this.timer.now();
                    let started = this.started.unwrap_or(now);
                    let give_up = |reason: GiveUpReason, error: E| {
                        tracing::debug!(attempt = attempts, %reason, "attempt failed; giving up");
                        Poll::Ready(Err(RetryError::new(
                            attempts,
                            reason,
                            now.saturating_duration_since(started),
                            error,
                        )))
                    };
                    let decision = (this.classify)(&error);
                    // The backoff advances on every retry, hinted or not, so that the n-th
                    // retry always has the backoff's n-th delay to fall back on.
                    let backoff = match decision {
                        RetryDecision::DontRetry => {
                            this.state.set(State::Done);
                            return give_up(GiveUpReason::NotRetryable, error);
                        }
                        RetryDecision::Retry | RetryDecision::RetryAfter(_) => this.delays.next(),
                    };
                    let (Some(backoff), true) = (backoff, attempts < *this.max_attempts) else {
                        this.state.set(State::Done);
                        return give_up(GiveUpReason::ExhaustedAttempts, error);
                    };
                    let delay = match decision {
                        RetryDecision::RetryAfter(hint) => hint,
                        _ => backoff,
                    }
                    .min(*this.max_delay);
                    if let Some(total) = *this.max_total_time {
                        let retry_at = now.saturating_duration_since(started) + delay;
                        if retry_at > total {
                            this.state.set(State::Done);
                            return give_up(GiveUpReason::Deadline, error);
                        }
                    }
                    if let Some(budget) = this.budget {
                        if !budget.withdraw() {
                            this.state.set(State::Done);
                            return give_up(GiveUpReason::Budget, error);
                        }
                    }
                    tracing::debug!(
                        attempt = attempts,
                        delay_ms = delay.as_millis() as u64,
                        hinted = matches!(decision, RetryDecision::RetryAfter(_)),
                        "attempt failed; retrying"
                    );
                    let sleep = this.timer.sleep(delay);
                    this.state.set(State::Waiting { sleep });
                }
                StateProj::Waiting { sleep } => {
                    ready!(Pin::new(sleep).poll(cx));
                    this.state.set(State::Start);
                }
                StateProj::Done => panic!("Retry polled after it completed"),
            }
        }
    }
}

impl<Tm, D, C, Op, Fut> fmt::Debug for Retry<Tm, D, C, Op, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("attempts", &self.attempts)
            .field("max_attempts", &self.max_attempts)
            .field("max_delay", &self.max_delay)
            .field("max_total_time", &self.max_total_time)
            .finish_non_exhaustive()
    }
}
