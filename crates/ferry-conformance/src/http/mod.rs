//! Cases for an HTTP client against ferry's test server routes: every route, every error
//! kind, timeouts, limits, redirects, TLS, keep-alive reuse and bad input.
//!
//! Run them with [`http_suite!`](crate::http_suite) and an [`HttpBackend`]. The cases reach
//! the routes of [`ferry_testserver::routes`] through [`HttpBackend::url`]: on a real backend
//! that is one [`TestServer`] per test process, on a scripted backend (`ferry-mock`) the same
//! routes answered in virtual time. The cases that need real sockets (TLS certificates,
//! counting TCP connections) are in [`http_network_suite!`](crate::http_network_suite),
//! which only real backends run.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferry_http::{HttpClient, HttpClientExt, HttpSettings};
use ferry_testserver::TestServer;
use serde_json::Value;

use crate::runtime::TestRuntime;

mod bodies;
mod cap;
mod decode;
mod errors;
mod network;
mod redirects;
mod routes;
mod uploads;

pub use bodies::*;
pub use cap::*;
pub use decode::*;
pub use errors::*;
pub use network::*;
pub use redirects::*;
pub use routes::*;
pub use uploads::*;

/// What the HTTP cases need from a backend: its runtime, clients built from settings, and
/// where the test routes are served.
pub trait HttpBackend: Send + Sync + 'static {
    /// The runtime the cases run on.
    type Runtime: TestRuntime;
    /// The backend's client.
    type Client: HttpClient + Clone + 'static;

    /// The runtime (for its clock and spawning).
    fn runtime(&self) -> Self::Runtime;

    /// A client with `settings`; panics if the backend rejects them (a test failure).
    fn client(&self, settings: HttpSettings) -> Self::Client;

    /// The absolute `http` URL of `path_and_query` on a server of the test routes. By default
    /// the real [`TestServer`] shared by this process.
    fn url(&self, path_and_query: &str) -> String {
        server().url(path_and_query)
    }

    /// The same server under another origin (another host name), for the cases about
    /// cross-origin redirects. By default `localhost` instead of `127.0.0.1`.
    fn other_origin_url(&self, path_and_query: &str) -> String {
        format!(
            "http://localhost:{}{path_and_query}",
            server().http_addr().port()
        )
    }
}

/// Runs every case of this module that works without real sockets as a `#[test]`; see the
/// [crate docs](crate).
#[macro_export]
macro_rules! http_suite {
    ($with_backend:path) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                get_item_returns_its_json,
                delay_route_answers_after_its_delay,
                numbered_pages_cover_every_item_once,
                cursor_pages_cover_every_item_once,
                link_header_pages_cover_every_item_once,
                status_route_gives_each_status_and_error_for_status_maps_it,
                flaky_route_fails_then_succeeds,
                ratelimited_route_carries_retry_after,
                slow_body_streams_in_chunks,
                slow_body_past_the_timeout_fails_while_reading,
                stalled_server_times_out,
                truncated_body_is_a_body_error,
                bytes_route_returns_the_exact_bytes,
                large_body_past_the_limit_fails,
                endless_body_stops_at_the_limit,
                redirect_chain_is_followed_to_the_end,
                redirect_loop_fails_at_the_limit,
                redirect_to_other_scheme_is_refused,
                see_other_turns_post_into_get,
                cross_origin_redirect_drops_credentials,
                files_download_whole_and_streamed,
                headers_route_sees_user_agent_and_custom_headers,
                echo_round_trips_a_json_body,
                connection_refused_is_a_connect_error,
                concurrent_requests_all_succeed,
                invalid_url_is_a_typed_error,
                invalid_json_is_a_decode_error,
                non_utf8_text_is_a_decode_error,
                secrets_stay_out_of_debug_and_errors,
            ]
        );
    };
}

/// Runs the cases that need a real server on real sockets (TLS with the test CA, keep-alive
/// connection counts) as `#[test]`s. Real backends run it next to [`http_suite!`]; a
/// scripted backend has no sockets to check.
#[macro_export]
macro_rules! http_network_suite {
    ($with_backend:path) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                https_with_the_test_root_succeeds,
                https_without_the_test_root_is_rejected,
                sequential_requests_reuse_keep_alive_connections,
                the_per_host_cap_bounds_the_connections_opened,
            ]
        );
    };
}

/// The test server shared by the cases of this process.
fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(TestServer::start)
}

/// A key no other case (or run of this case on another runtime) uses.
fn unique_key(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn default_client<B: HttpBackend>(backend: &B) -> B::Client {
    backend.client(HttpSettings::default())
}

async fn get_json<C: HttpClient>(client: &C, url: &str) -> Value {
    client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url} failed: {error}"))
        .error_for_status()
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url} body: {error}"))
}

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|item| item["id"].as_u64().expect("item has an id"))
        .collect()
}
