//! Clones of a resilient client are one client: spawned tasks holding clones share each
//! host's rate, concurrency limit, policy and retry budget, on the mock's virtual time.

mod layer_support;

use std::sync::Arc;
use std::time::Duration;

use ferry_core::rate_limit::Quota;
use ferry_core::retry::{Backoff, RetryBudget, RetryPolicy};
use ferry_core::{ConcurrencyLimit, SpawnExt};
use ferry_http::{Attempts, HostPolicy, HttpClientExt, ResilientClient};
use ferry_mock::MockRuntime;
use layer_support::{FakeClient, Reply};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Spawns one task per clone, each sending `per_task` GETs to `host` one after another, and
/// waits for all of them.
async fn from_spawned_clones(
    rt: &MockRuntime,
    client: &ResilientClient<FakeClient, MockRuntime>,
    clones: usize,
    per_task: usize,
    host: &str,
) {
    let tasks: Vec<_> = (0..clones)
        .map(|task| {
            let client = client.clone();
            let host = host.to_owned();
            rt.spawn(async move {
                for i in 0..per_task {
                    let url = format!("http://{host}/{task}/{i}");
                    client.get(url).send().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[test]
fn two_clones_in_two_tasks_see_one_rate_not_two() {
    ferry_mock::run(1, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x"));
        let client = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new()).with_host(
            "api.test",
            HostPolicy::new().rate(Quota::every(ms(100)).unwrap()),
        );
        from_spawned_clones(&rt, &client, 2, 3, "api.test").await;
        // Six requests one quota apart: a quota per clone would have let two go at a time.
        assert_eq!(fake.call_times_ms(), [0, 100, 200, 300, 400, 500]);
        assert_eq!(rt.elapsed(), ms(500));
    });
}

#[test]
fn two_clones_in_two_tasks_share_one_concurrency_limit() {
    ferry_mock::run(2, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x").after(ms(1000)));
        let limited = HostPolicy::new().concurrency(ConcurrencyLimit::new(2).unwrap());
        let client = ResilientClient::new(fake.clone(), rt.clone(), limited);
        from_spawned_clones(&rt, &client, 4, 2, "api.test").await;
        assert_eq!(fake.peak_in_flight(), 2);
        // Eight one-second requests, two at a time.
        assert_eq!(rt.elapsed(), ms(4000));
    });
}

#[test]
fn a_retry_budget_spent_through_one_clone_is_spent_for_the_other() {
    ferry_mock::run(3, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::status(503));
        // No earned retries (ratio 0), one retry of reserve per one-second window.
        let budget = Arc::new(RetryBudget::new(rt.clone(), ms(1000), 1, 0.0).unwrap());
        let retry = RetryPolicy::new(Backoff::constant(ms(10)))
            .max_attempts(5)
            .budget(budget.clone());
        let first = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new().retry(retry));
        let second = first.clone();
        assert!(first.shares_limits_with(&second));

        let response = first.get("http://api.test/a").send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(
            Attempts::of(&response),
            Some(2),
            "the one retry of the budget"
        );
        assert_eq!(budget.remaining(), 0);

        let response = second.get("http://api.test/b").send().await.unwrap();
        assert_eq!(
            Attempts::of(&response),
            Some(1),
            "the clone finds the budget spent"
        );
        assert_eq!(fake.calls().len(), 3);
    });
}

#[test]
fn a_host_policy_set_through_one_clone_applies_to_every_clone() {
    ferry_mock::run(4, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x"));
        let first = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new());
        let second = first.clone();
        first.set_host(
            "API.test",
            HostPolicy::new().rate(Quota::every(ms(250)).unwrap()),
        );
        assert_eq!(
            second.policy_for("api.test").rate_limit(),
            Some(Quota::every(ms(250)).unwrap())
        );
        first.get("http://api.test/1").send().await.unwrap();
        second.get("http://api.test/2").send().await.unwrap();
        assert_eq!(fake.call_times_ms(), [0, 250]);
    });
}

#[test]
fn separate_clients_do_not_share_limits() {
    ferry_mock::run(5, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x"));
        let policy = HostPolicy::new().rate(Quota::every(ms(100)).unwrap());
        let first = ResilientClient::new(fake.clone(), rt.clone(), policy.clone());
        let other = ResilientClient::new(fake.clone(), rt.clone(), policy);
        assert!(!first.shares_limits_with(&other));
        first.get("http://api.test/1").send().await.unwrap();
        other.get("http://api.test/2").send().await.unwrap();
        // Two clients, two quotas: the contrast to the clones above.
        assert_eq!(fake.call_times_ms(), [0, 0]);
    });
}
