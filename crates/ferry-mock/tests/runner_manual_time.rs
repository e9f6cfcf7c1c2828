//! Driving a runner by hand: running until idle, advancing time step by step, inspecting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::{SpawnExt, Timer};
use ferry_mock::Builder;

const SECOND: Duration = Duration::from_secs(1);

/// Spawns a task that ticks every second, five times, logging the virtual time of each tick.
fn spawn_ticker(
    runner: &ferry_mock::MockRunner,
) -> (Arc<Mutex<Vec<Duration>>>, ferry_core::JoinHandle<()>) {
    let rt = runner.runtime().clone();
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&ticks);
    let handle = rt.clone().spawn(async move {
        for _ in 0..5 {
            rt.sleep(SECOND).await;
            log.lock().unwrap().push(rt.elapsed());
        }
    });
    (ticks, handle)
}

#[test]
fn run_until_idle_runs_ready_tasks_without_moving_time() {
    let mut runner = Builder::new().build();
    let started = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&started);
    let rt = runner.runtime().clone();
    let _task = rt.clone().spawn(async move {
        flag.store(true, Ordering::SeqCst);
        rt.sleep(SECOND).await;
    });
    assert!(
        !started.load(Ordering::SeqCst),
        "spawn must not run the task inline"
    );
    let turns = runner.run_until_idle().expect("no limit is reached");
    assert_eq!(turns, 1);
    assert!(started.load(Ordering::SeqCst));
    assert_eq!(runner.elapsed(), Duration::ZERO);
    assert_eq!(runner.next_timer(), Some(SECOND));
    assert_eq!(runner.run_until_idle().expect("nothing to run"), 0);
}

#[test]
fn advance_steps_time_and_runs_every_task_due_on_the_way() {
    let mut runner = Builder::new().seed(9).build();
    let (ticks, handle) = spawn_ticker(&runner);
    runner
        .advance(Duration::from_millis(2500))
        .expect("advance");
    assert_eq!(*ticks.lock().unwrap(), [SECOND, 2 * SECOND]);
    assert_eq!(runner.elapsed(), Duration::from_millis(2500));
    runner.advance(SECOND).expect("advance");
    assert_eq!(*ticks.lock().unwrap(), [SECOND, 2 * SECOND, 3 * SECOND]);
    assert!(!handle.is_finished());
    assert_eq!(runner.next_timer(), Some(4 * SECOND));
}

#[test]
fn advance_fires_a_timer_due_exactly_at_the_new_time() {
    let mut runner = Builder::new().build();
    let (ticks, _handle) = spawn_ticker(&runner);
    runner.advance(SECOND).expect("advance");
    assert_eq!(*ticks.lock().unwrap(), [SECOND]);
}

#[test]
fn advance_to_moves_to_an_absolute_time_and_never_back() {
    let mut runner = Builder::new().build();
    let (ticks, _handle) = spawn_ticker(&runner);
    runner.advance_to(3 * SECOND).expect("advance");
    assert_eq!(ticks.lock().unwrap().len(), 3);
    runner.advance_to(SECOND).expect("advance to the past");
    assert_eq!(runner.elapsed(), 3 * SECOND);
}

#[test]
fn advance_by_an_enormous_duration_does_not_panic() {
    let mut runner = Builder::new().build();
    let (ticks, handle) = spawn_ticker(&runner);
    runner.advance(Duration::MAX).expect("advance");
    assert_eq!(ticks.lock().unwrap().len(), 5);
    assert!(handle.is_finished());
    assert!(runner.elapsed() >= Duration::from_secs(86_400 * 365 * 30));
}

#[test]
fn block_on_after_manual_steps_continues_with_time_jumping() {
    let mut runner = Builder::new().build();
    let (ticks, handle) = spawn_ticker(&runner);
    runner
        .advance(Duration::from_millis(1500))
        .expect("advance");
    runner
        .block_on(handle)
        .expect("run")
        .expect("ticker finishes");
    assert_eq!(
        *ticks.lock().unwrap(),
        [SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND]
    );
    assert_eq!(runner.elapsed(), 5 * SECOND);
}
