//! How a run fails: deadlocks named, panics and runaway loops reported with the seed, and
//! wakes from other threads delivered.

use std::time::Duration;

use ferry_core::{SpawnExt, Timer};
use ferry_mock::{Builder, MockErrorKind, TaskId, TaskInfo};
use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};

#[test]
fn deadlock_is_reported_with_the_names_of_the_waiting_tasks() {
    let error = ferry_mock::try_run(11, |rt| async move {
        let (to_consumer, from_producer) = oneshot::channel::<u32>();
        let (to_producer, from_consumer) = oneshot::channel::<u32>();
        // Each waits for the other to go first.
        let _producer = rt.named("producer").spawn(async move {
            let go = from_consumer.await.unwrap_or(0);
            let _ = to_consumer.send(go);
        });
        let consumer = rt.named("consumer").spawn(async move {
            let got = from_producer.await.unwrap_or(0);
            let _ = to_producer.send(got);
        });
        consumer.await.ok();
    })
    .expect_err("the run cannot finish");
    let waiting = error.deadlocked_tasks().expect("a deadlock");
    let expected = [
        TaskInfo {
            id: TaskId::MAIN,
            name: None,
        },
        TaskInfo {
            id: waiting[1].id,
            name: Some("producer".to_owned()),
        },
        TaskInfo {
            id: waiting[2].id,
            name: Some("consumer".to_owned()),
        },
    ];
    assert_eq!(waiting, expected);
    let message = error.to_string();
    for part in [
        "deadlock",
        "main",
        "\"producer\"",
        "\"consumer\"",
        "seed 11",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
}

#[test]
fn deadlock_after_time_has_moved_is_reported_at_that_time() {
    let error = ferry_mock::try_run(12, |rt| async move {
        rt.sleep(Duration::from_secs(3)).await;
        futures::future::pending::<()>().await;
    })
    .expect_err("pending forever");
    assert!(matches!(error.kind(), MockErrorKind::Deadlock { .. }));
    assert_eq!(error.at(), Duration::from_secs(3));
}

#[test]
#[should_panic(expected = "seed 77")]
fn run_panics_naming_the_seed_when_the_body_deadlocks() {
    ferry_mock::run(77, |_rt| futures::future::pending::<()>());
}

#[test]
fn body_panic_is_an_error_with_its_message_and_seed() {
    let error = ferry_mock::try_run(13, |rt| async move {
        rt.sleep(Duration::from_millis(250)).await;
        panic!("expected 3 attempts, saw 2");
    })
    .expect_err("the body panics");
    match error.kind() {
        MockErrorKind::Panicked(panicked) => {
            assert_eq!(panicked.message(), "expected 3 attempts, saw 2");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(error.seed(), 13);
    assert_eq!(error.at(), Duration::from_millis(250));
}

#[test]
#[should_panic(expected = "seed 9")]
fn run_panics_naming_the_seed_when_the_body_panics() {
    ferry_mock::run(9, |_rt| async { panic!("assertion in the body") });
}

#[test]
fn step_limit_stops_a_task_that_never_waits_on_a_timer() {
    let error = Builder::new()
        .seed(14)
        .max_steps(1_000)
        .try_run(|rt| async move {
            let spinner = rt.clone();
            let _busy = rt.spawn(async move {
                loop {
                    spinner.yield_now().await;
                }
            });
            rt.sleep(Duration::from_secs(1)).await;
        })
        .expect_err("the spinner never lets time move");
    assert_eq!(error.kind(), &MockErrorKind::StepLimit { limit: 1_000 });
    assert_eq!(error.at(), Duration::ZERO);
}

#[test]
fn wakes_from_other_threads_are_delivered() {
    let total = Builder::new()
        .external_wake_grace(Duration::from_secs(10))
        .try_run(|_rt| async move {
            let (sender, mut receiver) = mpsc::channel::<u64>(4);
            let threads: Vec<_> = (0..4)
                .map(|thread| {
                    let mut sender = sender.clone();
                    std::thread::spawn(move || {
                        futures::executor::block_on(async {
                            for i in 0..100 {
                                sender
                                    .send(thread * 1000 + i)
                                    .await
                                    .expect("receiver alive");
                            }
                        });
                    })
                })
                .collect();
            drop(sender);
            let mut total = 0;
            while let Some(value) = receiver.next().await {
                total += value;
            }
            for thread in threads {
                thread.join().expect("sender thread");
            }
            total
        })
        .expect("all messages arrive");
    let expected: u64 = (0..4u64)
        .flat_map(|thread| (0..100).map(move |i| thread * 1000 + i))
        .sum();
    assert_eq!(total, expected);
}
