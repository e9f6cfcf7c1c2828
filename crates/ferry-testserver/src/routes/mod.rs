//! The test server's routes as plain, runtime-independent logic: a [`RouteRequest`] goes in, a
//! [`Reply`] (status, headers, and a description of the body) comes out.
//!
//! Nothing here does I/O or waits: a delay or a slow body is *described* by [`ReplyBody`] and
//! carried out by the transport. [`TestServer`](crate::TestServer) runs these routes behind
//! hyper on tokio; a mock backend can serve the very same routes under virtual time. The state
//! that outlives one request (per-key call counters, request counts) lives in [`Routes`], which
//! the transport shares between connections.
//!
//! # Routes
//!
//! JSON bodies are compact. An *item* is `{"id":<id>,"name":"item-<id>","price":<price>}` (see
//! [`item_json`]). Errors are `{"error":"<message>"}`. Bad input (a non-numeric id, `per_page=0`,
//! a malformed cursor) is a 400, never a panic. The read-only routes answer GET and HEAD and
//! return 405 to other methods; the others accept any method, so retry and redirect tests can
//! use POST.
//!
//! | Route | Methods | Reply |
//! |---|---|---|
//! | `/items/{id}` | GET | the item; non-numeric id: 400 |
//! | `/delay/{ms}?id=N` | any | after `ms` ms, item `N` (default 1) |
//! | `/pages?page=N&per_page=M&total=T` | GET | `{"page":N,"items":[...],"total":T}`; pages from 1, defaults 1/10/95; past the end `items` is `[]` |
//! | `/cursor?cursor=C&limit=M&total=T` | GET | `{"items":[...],"next_cursor":"<opaque>"\|null}`; no cursor = start |
//! | `/link?page=N&per_page=M&total=T` | GET | `[items]` with `Link: <{origin}/link?page=N+1&per_page=M&total=T>; rel="next"` while more |
//! | `/status/{code}` | any | that status (200..=999) with `{"status":code}` (empty for 204/205/304); other codes: 400 |
//! | `/flaky/{key}?fail=N&status=S` | any | calls 1..=N (default 1) for `key`: `S` (default 503) `{"error":"flaky","call":k}`; then item 1 |
//! | `/ratelimited/{key}?fail=N&retry_after=S&date=1` | any | calls 1..=N: 429 `{"error":"rate limited","call":k}` + `Retry-After: S` (HTTP-date with `date=1`; non-numeric `S` sent as is); then item 1 |
//! | `/slow?ms=M&chunks=K&chunk_size=B` | GET | head at once, then K chunks of B bytes, each after M ms (defaults 50/5/16) |
//! | `/stall` | any | never answers |
//! | `/truncated?len=L` | GET | `Content-Length: L` (default 100), L/2 pattern bytes, then the connection closes |
//! | `/bytes/{n}` | GET | exactly `n` pattern bytes ([`pattern_byte`]) |
//! | `/endless` | GET | pattern bytes until the client goes away |
//! | `/redirect/{n}?absolute=1` | any | 302 to `/redirect/{n-1}`; `/redirect/0`: 200 `{"redirected":true}` |
//! | `/redirect-loop` | any | 302 to `/redirect-loop` |
//! | `/redirect-to?location=L&status=S` | any | `S` (3xx, default 302) with `Location: L`, verbatim |
//! | `/redirect-303` | any | 303 to `/items/1` |
//! | `/files/{name}` | GET | [`file_content`] with Content-Type and `Content-Disposition: attachment; filename="name"` |
//! | `/files/` (or `/files`) | GET | `{"files":[{"name":..,"size":..},...]}` |
//! | `/headers` | GET | the request headers as a JSON object (lowercase names) |
//! | `/echo` | any | `{"method":..,"headers":{..},"body":..,"body_encoding":"utf8"\|"base64"}` |
//! | `/redirect-307`, `/redirect-308` | any | that status with `Location: /echo` (the method and body must follow) |
//! | `/form-echo` | any | the urlencoded body decoded: `{"fields":{name: value \| [values]},"content_type":..}` |
//! | `/multipart-echo` | any | per part, read as it streams (no size limit): `{"parts":[{"name","filename","content_type","length","sha256"}],"content_length":..}`; malformed: 400 |
//! | `/upload/sink` | any | the body counted as it streams (no size limit): `{"bytes":n,"sha256":..,"content_length":..\|null,"chunked":bool}` |
//! | `/cookies/set?name=N&value=V&path=&domain=&max_age=&secure=1&httponly=1&redirect=L` | any | `Set-Cookie: N=V` with those attributes; 302 to `L` with `redirect`, else 200 `{"set":..}` |
//! | `/cookies` | any | the cookies received: `{"cookies":{name: value},"headers":n}` |
//! | `/compressed/{codings}?len=N&status=S` | GET | [`compressible_text`]`(N)` (default 10000, at most 16 MiB) with each coding of the comma-separated list applied in turn (`gzip`, `x-gzip`, `deflate` (zlib), `deflate-raw` (raw deflate sent as `deflate`), `br`, `zstd`, `identity`); `Content-Encoding` lists them in that order. `status=204` or `304`: that status, the `Content-Encoding`, no body |
//! | `/negotiate?len=N` | GET | the same text in the first coding of `Accept-Encoding` the server has (`q=0` refused), else unencoded; `Vary: Accept-Encoding` |
//! | `/compressed-stream/{coding}?size=N` | GET | `N` bytes (default 64 MiB, at most 16 GiB) of [`compressible_text`] (its first MiB repeated) as `gzip`, `deflate` or `zstd`, streamed with a `Content-Length`; no compression per request |
//! | `/bomb/{coding}?size=N` | GET | `N` zero bytes (default 64 MiB) as `gzip`, `deflate`, `zstd` (at most 16 GiB) or `br` (at most 256 MiB): about 1/1000 of that on the wire, far less for `zstd` and `br` |
//! | `/corrupt/{coding}?how=flip\|cut` | GET | [`compressible_text`]`(20000)` compressed, with 64 bytes in the middle inverted (`flip`, default) or cut to its first half (`cut`); the `Content-Length` is right |
//! | anything else | any | 404 `{"error":"not found","path":..}` |
//!
//! ```
//! use ferry_testserver::routes::{RouteRequest, Routes};
//!
//! let routes = Routes::new();
//! let reply = routes.handle(&RouteRequest::get("/items/3"));
//! assert_eq!(reply.status, 200);
//! assert_eq!(reply.full_body().unwrap(), ferry_testserver::routes::item_json(3).as_bytes());
//! assert_eq!(routes.requests_for("/items/3"), 1);
//! ```

mod codec;
mod compressed;
mod control;
mod cookies;
mod data;
mod echo;
mod query;
mod reply;
mod uploads;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{ALLOW, HOST, HeaderValue};
use http::uri::Scheme;
use http::{HeaderMap, Method, StatusCode, Uri};

pub use codec::compressible_text;
pub use data::{
    DEFAULT_PAGE_SIZE, DEFAULT_TOTAL, FILE_NAMES, MAX_PAGE_SIZE, file_content, item_json,
    item_price, pattern_byte, pattern_bytes,
};
pub(crate) use data::{PATTERN_CHUNK, pattern_chunk};
use reply::BadRequest;
pub use reply::{Reply, ReplyBody};
pub use uploads::BodySink;

use query::Query;

/// Everything the routes look at in a request.
#[derive(Debug, Clone)]
pub struct RouteRequest {
    /// The request method.
    pub method: Method,
    /// The request target (path and query; an absolute URI's authority is used when there is no
    /// Host header, as in HTTP/2).
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The whole request body.
    pub body: Bytes,
    /// The scheme the request came in on (`http` or `https`), for absolute URLs.
    pub scheme: Scheme,
    /// "Now" for this request: wall-clock time on a real server, virtual time in a mock. Used for
    /// `Retry-After` dates.
    pub now: SystemTime,
}

impl RouteRequest {
    /// A request with `method` and `uri` over http, no headers, an empty body and the real
    /// current time. A `uri` that does not parse becomes `/`, which answers 404.
    pub fn new(method: Method, uri: &str) -> RouteRequest {
        RouteRequest {
            method,
            uri: uri.parse().unwrap_or_else(|_| Uri::from_static("/")),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            scheme: Scheme::HTTP,
            now: SystemTime::now(),
        }
    }

    /// A GET request for `uri` (see [`RouteRequest::new`]).
    pub fn get(uri: &str) -> RouteRequest {
        RouteRequest::new(Method::GET, uri)
    }

    /// `scheme://host[:port]` of this request, from the Host header, else the URI's authority;
    /// empty when neither is known, which makes the URLs built on it relative.
    pub fn origin(&self) -> String {
        let host = self
            .headers
            .get(HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| self.uri.authority().map(|authority| authority.as_str()));
        match host {
            Some(host) => format!("{}://{host}", self.scheme),
            None => String::new(),
        }
    }
}

/// Which per-key counter a call increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CounterKind {
    Flaky,
    RateLimited,
}

/// The routes and their shared state: per-key call counters of `/flaky` and `/ratelimited`,
/// and request counts. One `Routes` serves every connection of a server.
#[derive(Debug, Default)]
pub struct Routes {
    calls: Mutex<HashMap<(CounterKind, String), u64>>,
    requests_served: AtomicUsize,
    requests_per_path: Mutex<HashMap<String, usize>>,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (plain counters).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Routes {
    /// Fresh routes: every counter at zero.
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Answers one request and counts it (see the [module docs](self) for the routes).
    pub fn handle(&self, request: &RouteRequest) -> Reply {
        let path = request.uri.path();
        self.count_request(path);
        let query = Query::parse(request.uri.query());
        match self.route(request, path, &query) {
            Ok(reply) => reply,
            Err(bad) => bad.into(),
        }
    }

    /// The reader of a streaming route's body (`/upload/sink`, `/multipart-echo`), when `path`
    /// is one: the real server feeds it the body as it arrives, with no size limit, and
    /// answers with [`finish_streaming`](Self::finish_streaming). [`handle`](Self::handle)
    /// answers the same routes from a whole body.
    pub fn streaming(&self, path: &str, headers: &HeaderMap) -> Option<Box<dyn BodySink>> {
        uploads::sink_for(path, headers)
    }

    /// Counts a request to a streaming route and answers it from its `sink`.
    pub fn finish_streaming(&self, path: &str, sink: Box<dyn BodySink>) -> Reply {
        self.count_request(path);
        sink.finish()
    }

    /// How many requests [`Routes::handle`] has answered (or started to: a stalled request
    /// counts when it arrives).
    pub fn requests_served(&self) -> usize {
        self.requests_served.load(Ordering::Relaxed)
    }

    /// How many requests had exactly this path (no query string).
    pub fn requests_for(&self, path: &str) -> usize {
        lock(&self.requests_per_path)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// How many calls `/flaky/{key}` has had.
    pub fn flaky_calls(&self, key: &str) -> u64 {
        self.calls_for(CounterKind::Flaky, key)
    }

    /// How many calls `/ratelimited/{key}` has had.
    pub fn ratelimited_calls(&self, key: &str) -> u64 {
        self.calls_for(CounterKind::RateLimited, key)
    }

    /// Sets every counter back to zero, as if the routes were new.
    pub fn reset(&self) {
        lock(&self.calls).clear();
        lock(&self.requests_per_path).clear();
        self.requests_served.store(0, Ordering::Relaxed);
    }

    fn calls_for(&self, kind: CounterKind, key: &str) -> u64 {
        lock(&self.calls)
            .get(&(kind, key.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Counts one more call for `key` and returns its number (1 for the first call).
    pub(crate) fn count_call(&self, kind: CounterKind, key: &str) -> u64 {
        let mut calls = lock(&self.calls);
        let count = calls.entry((kind, key.to_owned())).or_insert(0);
        *count += 1;
        *count
    }

    fn count_request(&self, path: &str) {
        self.requests_served.fetch_add(1, Ordering::Relaxed);
        let mut per_path = lock(&self.requests_per_path);
        // Look up before inserting so the common case (a path seen before) allocates nothing.
        match per_path.get_mut(path) {
            Some(count) => *count += 1,
            None => {
                per_path.insert(path.to_owned(), 1);
            }
        }
    }

    fn route(
        &self,
        request: &RouteRequest,
        path: &str,
        query: &Query,
    ) -> Result<Reply, BadRequest> {
        // Routes that only read data: GET and HEAD.
        if let Some(reply) = self.read_route(request, path, query) {
            if request.method != Method::GET && request.method != Method::HEAD {
                return Ok(method_not_allowed(&request.method));
            }
            return reply;
        }
        if let Some(ms) = param(path, "/delay/") {
            return control::delay(ms, query);
        }
        if let Some(code) = param(path, "/status/") {
            return Ok(control::status(code));
        }
        if let Some(key) = param(path, "/flaky/") {
            return control::flaky(self, key, query);
        }
        if let Some(key) = param(path, "/ratelimited/") {
            return control::ratelimited(self, request, key, query);
        }
        if let Some(sink) = uploads::sink_for(path, &request.headers) {
            return Ok(uploads::from_whole_body(sink, &request.body));
        }
        if let Some(n) = param(path, "/redirect/") {
            return control::redirect_chain(request, n, query);
        }
        Ok(match path {
            "/stall" => control::stall(),
            "/redirect-loop" => control::redirect_loop(),
            "/redirect-303" => control::redirect_303(),
            "/redirect-to" => return control::redirect_to(query),
            "/echo" => echo::echo(request),
            "/redirect-307" | "/redirect-308" => control::redirect_to_echo(path),
            "/form-echo" => uploads::form_echo(request),
            "/cookies" => cookies::echo(request),
            "/cookies/set" => return cookies::set(query),
            _ => not_found(path),
        })
    }

    /// The reply of a read-only route, or `None` when `path` is not one.
    fn read_route(
        &self,
        request: &RouteRequest,
        path: &str,
        query: &Query,
    ) -> Option<Result<Reply, BadRequest>> {
        if let Some(id) = param(path, "/items/") {
            return Some(Ok(data::item(id)));
        }
        if let Some(n) = param(path, "/bytes/") {
            return Some(data::bytes(n));
        }
        if let Some(codings) = param(path, "/compressed/") {
            return Some(compressed::compressed(codings, query));
        }
        if let Some(coding) = param(path, "/compressed-stream/") {
            return Some(compressed::compressed_stream(coding, query));
        }
        if let Some(coding) = param(path, "/bomb/") {
            return Some(compressed::bomb(coding, query));
        }
        if let Some(coding) = param(path, "/corrupt/") {
            return Some(compressed::corrupt(coding, query));
        }
        if let Some(name) = param(path, "/files/") {
            return Some(Ok(if name.is_empty() {
                data::file_index()
            } else {
                data::file(name)
            }));
        }
        Some(match path {
            "/pages" => data::pages(query),
            "/cursor" => data::cursor(query),
            "/link" => data::link(request, query),
            "/files" => Ok(data::file_index()),
            "/headers" => Ok(echo::headers(request)),
            "/negotiate" => compressed::negotiate(request, query),
            "/slow" => control::slow(query),
            "/truncated" => control::truncated(query),
            "/endless" => Ok(control::endless()),
            _ => return None,
        })
    }
}

/// The single path segment after `prefix`, if `path` is `prefix` + one segment.
fn param<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    path.strip_prefix(prefix).filter(|rest| !rest.contains('/'))
}

fn not_found(path: &str) -> Reply {
    Reply::json(
        StatusCode::NOT_FOUND,
        serde_json::json!({ "error": "not found", "path": path }).to_string(),
    )
}

fn method_not_allowed(method: &Method) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method {method} not allowed here; use GET or HEAD"),
    )
    .with_header(ALLOW, HeaderValue::from_static("GET, HEAD"))
}

#[cfg(test)]
mod tests;
