//! Core pinning for workloads with a server: the test server's threads on one core, the client
//! on another, so that the client's figure is not the two fighting over a core.
//!
//! Linux threads inherit the affinity of the thread that creates them, so starting the server
//! from a thread pinned to the first core pins every thread of its runtime there, and pinning
//! the calling thread to the second core before the client's runtime is built pins the
//! client's workers there. `core_affinity` wraps `sched_setaffinity`, which keeps this crate
//! free of unsafe code.

use std::sync::OnceLock;

use core_affinity::CoreId;
use ferry_testserver::TestServer;

/// The server's worker threads: one, as it has one core to itself.
const SERVER_THREADS: usize = 1;

/// The test server on the first core and the calling thread (the client) on the second, with a
/// note saying what was pinned. On a machine with one core, or where pinning fails, nothing is
/// pinned and the note says so.
pub(crate) fn pinned_server_and_client() -> (TestServer, String) {
    let cores = cores();
    let [server_core, client_core, ..] = cores[..] else {
        let server = TestServer::builder()
            .worker_threads(SERVER_THREADS)
            .http_only()
            .start();
        return (
            server,
            format!("pinning: none ({} core(s) visible)", cores.len()),
        );
    };
    let (server, server_pinned) = std::thread::spawn(move || {
        let pinned = core_affinity::set_for_current(server_core);
        let server = TestServer::builder()
            .worker_threads(SERVER_THREADS)
            .http_only()
            .start();
        (server, pinned)
    })
    .join()
    .expect("starting the test server does not panic");
    let client_pinned = core_affinity::set_for_current(client_core);
    let note = if server_pinned && client_pinned {
        format!(
            "pinning: test server ({SERVER_THREADS} worker thread) on core {}, client on core {}",
            server_core.id, client_core.id
        )
    } else {
        format!(
            "pinning: failed (server pinned: {server_pinned}, client pinned: {client_pinned}); \
             server and client share the cores"
        )
    };
    (server, note)
}

/// The cores this process may use, read once: after the first pinning the process's own
/// affinity mask lists only the client's core, which must not hide the others from later cases.
fn cores() -> &'static [CoreId] {
    static CORES: OnceLock<Vec<CoreId>> = OnceLock::new();
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default())
}
