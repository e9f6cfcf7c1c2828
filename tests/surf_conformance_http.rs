//! The HTTP conformance cases for ferry's client over a `surf::Client` (ferry-smol's `surf`
//! feature), with surf's h1 backend, on smol against the same test server as every backend.
//!
//! Twice: with surf's default configuration (a keep-alive pool), and with keep-alive off.
//! The cases are listed one by one rather than through `http_suite!`, because with the
//! keep-alive pool three of them check what the adapter documents that surf's h1 backend
//! cannot promise; each is named below with why. With keep-alive off, every case runs.
#![cfg(feature = "surf")]

use std::future::Future;

use ferry_conformance::http::HttpBackend;
use ferry_http::HttpSettings;
use ferry_smol::SmolRuntime;
use ferry_smol::surf::SurfHttpClient;

/// ferry over a surf client with surf's h1 backend, built by `surf`.
struct Surf {
    runtime: SmolRuntime,
    surf: fn() -> surf::Client,
}

impl HttpBackend for Surf {
    type Runtime = SmolRuntime;
    type Client = SurfHttpClient;

    fn runtime(&self) -> SmolRuntime {
        self.runtime.clone()
    }

    fn client(&self, settings: HttpSettings) -> SurfHttpClient {
        self.runtime
            .surf_client((self.surf)(), settings)
            .expect("test settings carry no root certificates")
    }
}

mod keep_alive {
    use super::*;

    fn on_smol<F, Fut>(body: F)
    where
        F: FnOnce(Surf) -> Fut,
        Fut: Future<Output = ()>,
    {
        ferry_smol::block_on(|runtime| {
            body(Surf {
                runtime,
                surf: surf::Client::new,
            })
        });
    }

    // Left out, as the surf module's docs say:
    // - `connection_refused_is_a_connect_error`: the h1 pool reports a refused connection as
    //   text, so ferry can only call it a failure during the request (`is_request`).
    // - `large_body_past_the_limit_fails` and `endless_body_stops_at_the_limit`: they send a
    //   second request after dropping a body at the limit, and the h1 pool hands the
    //   connection with the unread rest of that body to the next request.
    ferry_conformance::__suite!(
        on_smol,
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
            redirect_chain_is_followed_to_the_end,
            redirect_loop_fails_at_the_limit,
            redirect_to_other_scheme_is_refused,
            see_other_turns_post_into_get,
            cross_origin_redirect_drops_credentials,
            files_download_whole_and_streamed,
            headers_route_sees_user_agent_and_custom_headers,
            echo_round_trips_a_json_body,
            concurrent_requests_all_succeed,
            invalid_url_is_a_typed_error,
            invalid_json_is_a_decode_error,
            non_utf8_text_is_a_decode_error,
            secrets_stay_out_of_debug_and_errors,
        ]
    );
}

mod without_keep_alive {
    use super::*;

    fn one_connection_per_request() -> surf::Client {
        surf::Config::new()
            .set_http_keep_alive(false)
            .try_into()
            .expect("a valid surf configuration")
    }

    fn on_smol<F, Fut>(body: F)
    where
        F: FnOnce(Surf) -> Fut,
        Fut: Future<Output = ()>,
    {
        ferry_smol::block_on(|runtime| {
            body(Surf {
                runtime,
                surf: one_connection_per_request,
            })
        });
    }

    ferry_conformance::http_suite!(on_smol);
    ferry_conformance::http_uploads_suite!(on_smol);

    // Left out: `head_response_with_content_encoding_is_passed_on`, because surf's h1
    // backend waits for a HEAD response's body as its `Content-Length` announces, until the
    // request's timeout. Decoding itself is ferry's and runs in every other case.
    ferry_conformance::http_decode_suite!(on_smol, except_head);
}
