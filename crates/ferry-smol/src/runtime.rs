//! [`SmolRuntime`]: the runtime traits on an async-executor, the blocking pool and async-io.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_executor::Executor;
use ferry_core::rt::{
    BlockingTask, BoxTask, Clock, JoinHandle, RawJoinHandle, Sleep, Spawn, SpawnBlocking, Timer,
};

use crate::task::SmolTask;

/// ferry's runtime traits on smol's crates.
///
/// - Tasks are spawned on an [`async_executor::Executor`]: ferry-smol's global one
///   ([`SmolRuntime::new`]) or one you supply ([`SmolRuntime::with_executor`]).
/// - Blocking work runs on the [`blocking`] crate's thread pool, the one smol's `unblock` uses.
/// - Timers are [`async_io::Timer`]s and the clock is [`std::time::Instant`], which is what
///   async-io's timers measure.
///
/// Cloning is cheap (a reference count), and a clone can be used from any thread.
///
/// # The global executor
///
/// [`SmolRuntime::new`] spawns on one executor shared by the whole process, started on first
/// use with one background thread, like smol's own global executor (a separate one: ferry-smol
/// does not depend on the `smol` crate). [`block_on`](crate::block_on) lends the calling
/// thread to it as well, so a program that runs its main body there uses two threads.
///
/// # Your own executor
///
/// [`SmolRuntime::with_executor`] spawns on an `Arc<Executor<'static>>` you run yourself, on
/// as many threads as you like, each with `async_io::block_on(executor.run(future))`
/// (`smol::block_on` is the same function). Tasks spawned on an executor nobody runs never
/// start. The runtime holds the executor weakly: whoever runs it owns it, and dropping the
/// last `Arc` cancels its tasks (their handles report
/// [`JoinError::Cancelled`](ferry_core::JoinError::Cancelled)) and makes later spawns report
/// the same at once. Tasks that hold a clone of the runtime therefore never keep their own
/// executor alive.
///
/// A `LocalExecutor` cannot back a `SmolRuntime`: ferry spawns `Send` futures from any thread.
/// Keep `!Send` futures on the `LocalExecutor` and drive the runtime's executor on the same
/// thread with `local.run(executor.run(future))`.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use async_executor::Executor;
/// use ferry_core::{SpawnBlockingExt, SpawnExt, TimerExt};
/// use ferry_smol::SmolRuntime;
///
/// // The global executor, with the calling thread helping.
/// let answer = ferry_smol::block_on(|rt| async move {
///     let task = rt.spawn(async { 6 * 7 });
///     let quick = rt.timeout(Duration::from_secs(1), async { "done" }).await;
///     assert_eq!(quick, Ok("done"));
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
///
/// // An executor of your own, run on this thread.
/// let executor = Arc::new(Executor::new());
/// let rt = SmolRuntime::with_executor(&executor);
/// let sum = async_io::block_on(executor.run(async {
///     rt.spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap()
/// }));
/// assert_eq!(sum, 55);
/// ```
#[derive(Clone)]
pub struct SmolRuntime {
    executor: Weak<Executor<'static>>,
}

impl SmolRuntime {
    /// The runtime on ferry-smol's global executor, started on first use with one background
    /// thread; see [the type's docs](Self#the-global-executor).
    pub fn new() -> Self {
        Self::with_executor(global_executor())
    }

    /// The runtime on `executor`, which you run; see [the type's docs](Self#your-own-executor).
    ///
    /// The runtime does not keep `executor` alive: once its last `Arc` is dropped, tasks are
    /// cancelled and spawns report cancellation.
    pub fn with_executor(executor: &Arc<Executor<'static>>) -> Self {
        Self {
            executor: Arc::downgrade(executor),
        }
    }

    /// The executor tasks are spawned on, or `None` once it has been dropped.
    pub fn executor(&self) -> Option<Arc<Executor<'static>>> {
        self.executor.upgrade()
    }
}

impl Default for SmolRuntime {
    /// The runtime on the global executor, as [`SmolRuntime::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Looks at the global executor without starting it.
        let global = GLOBAL
            .get()
            .is_some_and(|global| Weak::ptr_eq(&self.executor, &Arc::downgrade(global)));
        f.debug_struct("SmolRuntime")
            .field("global_executor", &global)
            .field("executor_alive", &(self.executor.strong_count() > 0))
            .finish()
    }
}

/// ferry-smol's process-wide executor; see [`global_executor`].
static GLOBAL: OnceLock<Arc<Executor<'static>>> = OnceLock::new();

/// ferry-smol's process-wide executor, started with its thread on first call.
fn global_executor() -> &'static Arc<Executor<'static>> {
    GLOBAL.get_or_init(|| {
        let executor = Arc::new(Executor::new());
        let runner = Arc::clone(&executor);
        // If the thread cannot be started, the calling thread still runs the executor inside
        // `block_on`; a program that only uses `smol::block_on` would see tasks never start, so
        // say why.
        if let Err(error) = std::thread::Builder::new()
            .name("ferry-smol".into())
            .spawn(move || run_forever(&runner))
        {
            eprintln!("ferry-smol: could not start the global executor's thread: {error}");
        }
        executor
    })
}

fn run_forever(executor: &Executor<'static>) -> ! {
    loop {
        // ferry's tasks catch their own panics; this keeps the thread alive should anything
        // else on the executor panic, as smol's global executor does.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            async_io::block_on(executor.run(std::future::pending::<()>()))
        }));
    }
}

impl Spawn for SmolRuntime {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        match self.executor.upgrade() {
            Some(executor) => RawJoinHandle::new(SmolTask::new(executor.spawn(task))),
            // Dropped unstarted, as the executor would have on its way out.
            None => RawJoinHandle::new(SmolTask::<()>::never_started()),
        }
    }

    fn spawn_typed<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.executor.upgrade() {
            Some(executor) => {
                // No `catch_panic`: the executor catches the task's panic itself and hands it to
                // the handle, where `SmolTask` turns it into `JoinError::Panicked`.
                JoinHandle::from_typed(SmolTask::new(executor.spawn(future)))
            }
            // Dropped unstarted, as the executor would have on its way out.
            None => JoinHandle::from_typed(SmolTask::never_started()),
        }
    }
}

impl SpawnBlocking for SmolRuntime {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        // The blocking pool runs async-task tasks too: an abort before the closure starts
        // cancels the task, and a cancelled task's future (here, the closure) is never polled.
        RawJoinHandle::new(SmolTask::new(blocking::unblock(task)))
    }

    fn spawn_blocking_typed<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // The blocking pool, like the executor, hands a panic to the handle (see `SmolTask`).
        JoinHandle::from_typed(SmolTask::new(blocking::unblock(f)))
    }
}

impl Clock for SmolRuntime {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

impl Timer for SmolRuntime {
    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep::new(self.sleep_until_typed(deadline))
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Sleep::new(self.sleep_typed(duration))
    }

    /// An [`async_io::Timer`], without ferry's box.
    fn sleep_typed(&self, duration: Duration) -> impl Future<Output = ()> + Send + Sync + 'static {
        // `Timer::after` becomes `Timer::never` when `now + duration` would overflow.
        SmolSleep(async_io::Timer::after(duration))
    }

    /// An [`async_io::Timer`], without ferry's box.
    fn sleep_until_typed(
        &self,
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send + Sync + 'static {
        // async-io keeps far deadlines as they are (no arithmetic), so any instant is fine.
        SmolSleep(async_io::Timer::at(deadline))
    }
}

/// An async-io timer without its output instant.
struct SmolSleep(async_io::Timer);

impl Future for SmolSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

/// Runs `body` to completion on the calling thread, with a [`SmolRuntime`] on the global
/// executor, whose tasks the calling thread helps run meanwhile.
///
/// This is `async_io::block_on(executor.run(body(rt)))` (smol's `block_on` is the same
/// function): the body's own future need not be `Send`.
///
/// ```
/// use ferry_core::SpawnExt;
///
/// let doubled = ferry_smol::block_on(|rt| async move {
///     let tasks: Vec<_> = (1..=3).map(|n| rt.spawn(async move { n * 2 })).collect();
///     let mut out = Vec::new();
///     for task in tasks {
///         out.push(task.await.unwrap());
///     }
///     out
/// });
/// assert_eq!(doubled, [2, 4, 6]);
/// ```
pub fn block_on<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(SmolRuntime) -> Fut,
    Fut: Future,
{
    let executor = global_executor();
    async_io::block_on(executor.run(body(SmolRuntime::with_executor(executor))))
}
