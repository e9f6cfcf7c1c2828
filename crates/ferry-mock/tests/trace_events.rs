//! The trace: what it records, when, and how other components add to it.

use std::time::Duration;

use ferry_core::{SpawnExt, Timer};
use ferry_mock::{Builder, TaskId, TraceEvent, TraceKind};

#[test]
fn trace_records_spawn_time_jump_timer_end_and_custom_events_with_virtual_times() {
    let trace = ferry_mock::run(31, |rt| async move {
        let sleeper = rt.clone();
        let task = rt.named("sleeper").spawn(async move {
            sleeper.sleep(Duration::from_secs(2)).await;
        });
        task.await.expect("sleeper finishes");
        rt.record("http", "GET /items -> 200");
        rt.trace()
    });
    let two = Duration::from_secs(2);
    let sleeper = match &trace[0].kind {
        TraceKind::Spawned { task, .. } => *task,
        other => panic!("expected a spawn first, got {other:?}"),
    };
    let timer = match &trace[2].kind {
        TraceKind::TimerFired { timer, .. } => *timer,
        other => panic!("expected the timer third, got {other:?}"),
    };
    let expected = vec![
        TraceEvent {
            at: Duration::ZERO,
            kind: TraceKind::Spawned {
                task: sleeper,
                name: Some("sleeper".to_owned()),
                blocking: false,
                parent: Some(TaskId::MAIN),
            },
        },
        TraceEvent {
            at: two,
            kind: TraceKind::TimeAdvanced {
                from: Duration::ZERO,
            },
        },
        TraceEvent {
            at: two,
            kind: TraceKind::TimerFired {
                timer,
                owner: Some(sleeper),
            },
        },
        TraceEvent {
            at: two,
            kind: TraceKind::Ended { task: sleeper },
        },
        TraceEvent {
            at: two,
            kind: TraceKind::Custom {
                task: Some(TaskId::MAIN),
                component: "http".to_owned(),
                detail: "GET /items -> 200".to_owned(),
            },
        },
    ];
    assert_eq!(trace, expected);
    let lines: Vec<String> = trace.iter().map(ToString::to_string).collect();
    assert_eq!(lines[3], "     2.000000000s  task #1 ended");
    assert_eq!(
        lines[4],
        "     2.000000000s  [http] main: GET /items -> 200"
    );
}

#[test]
fn tracing_off_records_nothing() {
    let (trace, tracing) = Builder::new().trace(false).run(|rt| async move {
        rt.sleep(Duration::from_secs(1)).await;
        rt.record("fs", "write /tmp/x");
        (rt.trace(), rt.is_tracing())
    });
    assert!(trace.is_empty());
    assert!(!tracing);
}

#[test]
fn forked_generators_repeat_with_the_seed_and_differ_between_seeds() {
    let draw = |seed| {
        ferry_mock::run(seed, |rt| async move {
            let mut latency = rt.fork_rng();
            let mut faults = rt.fork_rng();
            (latency.next_u64(), faults.next_u64())
        })
    };
    let (latency, faults) = draw(1);
    assert_eq!(draw(1), (latency, faults));
    assert_ne!(latency, faults, "each fork is its own stream");
    assert_ne!(draw(2), (latency, faults));
}
