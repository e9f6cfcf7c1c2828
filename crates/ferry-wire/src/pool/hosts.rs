//! [`Hosts`]: the pool's map from [`HostKey`] to [`Slot`], and the sweeper task that closes
//! idle connections when their idle timeout is up.
//!
//! The sweeper runs only while the map has slots: the first slot starts it, and it ends once
//! a sweep leaves the map empty or the pool is gone. It holds the map weakly, so it never
//! keeps the pool (or its connections) alive, and the pool's drop wakes it to end at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use event_listener::Event;
use ferry_core::rt::{Spawn, Timer, instant_after};
use futures_util::future::{Either, select};
use http::Uri;
use http::uri::Scheme;

use super::key::HostKey;
use super::slot::Slot;

struct Map<B> {
    /// Keyed by the authority as the URI spells it, one map per scheme, so that a request
    /// finds its slot by the `&str` it already has: no key is built per request.
    http: HashMap<Box<str>, Arc<Slot<B>>>,
    https: HashMap<Box<str>, Arc<Slot<B>>>,
    /// Whether a sweeper task is running (or about to).
    sweeping: bool,
}

/// The per-host slots, and how they are swept.
pub(super) struct Hosts<B> {
    map: Mutex<Map<B>>,
    max_idle: usize,
    idle_timeout: Duration,
    cap: usize,
    timer: Arc<dyn Timer>,
    spawner: Arc<dyn Spawn>,
    /// Notified when the pool is dropped, so that a sleeping sweeper ends at once.
    gone: Arc<Event>,
}

impl<B> Hosts<B> {
    pub(super) fn new(
        max_idle: usize,
        idle_timeout: Duration,
        cap: usize,
        timer: Arc<dyn Timer>,
        spawner: Arc<dyn Spawn>,
    ) -> Self {
        Self {
            map: Mutex::new(Map {
                http: HashMap::new(),
                https: HashMap::new(),
                sweeping: false,
            }),
            max_idle,
            idle_timeout,
            cap,
            timer,
            spawner,
            gone: Arc::new(Event::new()),
        }
    }

    fn map(&self) -> MutexGuard<'_, Map<B>> {
        // The map is consistent after every statement, so a panic elsewhere leaves it usable.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The idle timeout connections are closed after.
    pub(super) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// How many hosts the pool knows (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        let map = self.map();
        map.http.len() + map.https.len()
    }
}

impl<B: Send + 'static> Hosts<B> {
    /// The slot of an absolute `http` or `https` URI's host, made (and the sweeper started)
    /// on the host's first request; `None` for any other URI.
    pub(super) fn slot_for(self: &Arc<Self>, uri: &Uri) -> Option<Arc<Slot<B>>> {
        let https = match uri.scheme()? {
            scheme if *scheme == Scheme::HTTPS => true,
            scheme if *scheme == Scheme::HTTP => false,
            _ => return None,
        };
        let authority = uri.authority()?.as_str();
        let slot = {
            let mut map = self.map();
            let slots = if https { &mut map.https } else { &mut map.http };
            if let Some(slot) = slots.get(authority) {
                return Some(Arc::clone(slot));
            }
            let key = HostKey::from_uri(uri)?;
            let slot = Arc::new(Slot::new(
                key,
                self.max_idle,
                self.idle_timeout,
                self.cap,
                Arc::clone(&self.timer),
            ));
            slots.insert(authority.into(), Arc::clone(&slot));
            if map.sweeping {
                return Some(slot);
            }
            map.sweeping = true;
            slot
        };
        let sweeper = sweep(
            Arc::downgrade(self),
            Arc::clone(&self.gone),
            Arc::clone(&self.timer),
        );
        // Detached: the sweeper ends by itself (see the module docs).
        drop(self.spawner.spawn_boxed(Box::pin(sweeper)));
        Some(slot)
    }

    /// Closes what has expired by now, forgets unused hosts, and returns when to look again,
    /// or `None` (and the sweeper's end) once no host is left.
    fn sweep_once(&self) -> Option<Instant> {
        let now = self.timer.now();
        let mut forgotten = Vec::new();
        let mut map = self.map();
        let mut next = instant_after(now, self.idle_timeout);
        let mut keep = |_: &_, slot: &mut Arc<Slot<B>>| {
            if let Some(at) = slot.expire(now) {
                next = next.min(at);
            }
            if slot.is_unused() {
                forgotten.push(Arc::clone(slot));
                false
            } else {
                true
            }
        };
        map.http.retain(&mut keep);
        map.https.retain(&mut keep);
        if map.http.is_empty() && map.https.is_empty() {
            map.sweeping = false;
            return None;
        }
        drop(map);
        drop(forgotten);
        Some(next)
    }
}

impl<B> Drop for Hosts<B> {
    fn drop(&mut self) {
        self.gone.notify(usize::MAX);
    }
}

/// The sweeper task: sweeps, then sleeps until the next idle connection expires (at most the
/// idle timeout), until the map is empty or the pool is dropped.
async fn sweep<B: Send + 'static>(hosts: Weak<Hosts<B>>, gone: Arc<Event>, timer: Arc<dyn Timer>) {
    loop {
        // Listening before looking, so that a drop in between is not missed.
        let listener = gone.listen();
        let next = match hosts.upgrade() {
            Some(hosts) => hosts.sweep_once(),
            None => None,
        };
        let Some(next) = next else { return };
        let sleep = timer.sleep_until(next);
        if let Either::Right(_) = select(sleep, listener).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use ferry_core::rt::{BoxTask, Clock, RawJoinHandle, Sleep};
    use http_body_util::Empty;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A clock that stands still and sleeps that never end: the tests sweep by hand.
    struct Frozen(Instant);

    impl Clock for Frozen {
        fn now(&self) -> Instant {
            self.0
        }
    }

    impl Timer for Frozen {
        fn sleep_until(&self, _: Instant) -> Sleep {
            Sleep::new(std::future::pending())
        }
    }

    /// Counts spawns and drops the tasks unstarted.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl Spawn for Counting {
        fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
            self.0.fetch_add(1, Ordering::SeqCst);
            drop(task);
            RawJoinHandle::new(Finished)
        }
    }

    struct Finished;

    impl ferry_core::rt::RawTask for Finished {
        fn poll_finished(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), ferry_core::rt::JoinError>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn abort(&self) {}

        fn is_finished(&self) -> bool {
            true
        }
    }

    fn hosts(spawner: Arc<Counting>) -> Arc<Hosts<Empty<Bytes>>> {
        Arc::new(Hosts::new(
            64,
            Duration::from_secs(90),
            0,
            Arc::new(Frozen(Instant::now())),
            spawner,
        ))
    }

    fn uri(uri: &str) -> Uri {
        uri.parse().unwrap()
    }

    #[test]
    fn a_host_gets_one_slot_and_the_first_host_starts_the_sweeper() {
        let spawner = Arc::new(Counting::default());
        let hosts = hosts(Arc::clone(&spawner));
        let a = hosts.slot_for(&uri("http://a.test/x")).unwrap();
        let again = hosts.slot_for(&uri("http://a.test/y?q")).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let _b = hosts.slot_for(&uri("http://b.test/")).unwrap();
        let secure = hosts.slot_for(&uri("https://a.test/")).unwrap();
        assert!(!Arc::ptr_eq(&a, &secure));
        assert_eq!(hosts.len(), 3);
        assert_eq!(spawner.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn only_absolute_http_and_https_uris_have_a_slot() {
        let hosts = hosts(Arc::new(Counting::default()));
        assert!(hosts.slot_for(&uri("/relative")).is_none());
        assert!(hosts.slot_for(&uri("ftp://a.test/")).is_none());
        assert_eq!(hosts.len(), 0);
    }

    #[test]
    fn a_sweep_forgets_unused_hosts_and_ends_when_none_is_left() {
        let spawner = Arc::new(Counting::default());
        let hosts = hosts(Arc::clone(&spawner));
        let held = hosts.slot_for(&uri("http://a.test/")).unwrap();
        drop(hosts.slot_for(&uri("http://b.test/")));
        // `a` is still in a request's hands; `b` is not.
        assert!(hosts.sweep_once().is_some());
        assert_eq!(hosts.len(), 1);
        drop(held);
        assert!(hosts.sweep_once().is_none());
        assert_eq!(hosts.len(), 0);
        // The next host starts a new sweeper.
        let _c = hosts.slot_for(&uri("http://c.test/"));
        assert_eq!(spawner.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_sweeper_ends_at_once_when_the_pool_is_dropped() {
        let spawner = Arc::new(Counting::default());
        let hosts = hosts(spawner);
        let _slot = hosts.slot_for(&uri("http://a.test/"));
        let mut sweeper = Box::pin(sweep(
            Arc::downgrade(&hosts),
            Arc::clone(&hosts.gone),
            Arc::clone(&hosts.timer),
        ));
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        // The clock never moves: the sweeper sleeps.
        assert!(sweeper.as_mut().poll(&mut cx).is_pending());
        drop(hosts);
        assert!(sweeper.as_mut().poll(&mut cx).is_ready());
    }
}
