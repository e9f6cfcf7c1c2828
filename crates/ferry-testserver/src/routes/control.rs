//! The behaviour routes: statuses, failures that heal, rate limits, redirects, and bodies that are
//! slow, short, endless or never come.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER};

use super::data::item_json;
use super::query::{Query, parse_status, parse_u64};
use super::{BadRequest, CounterKind, Reply, ReplyBody, RouteRequest, Routes};

/// The bytes of one `/slow` chunk unless `chunk_size` says otherwise.
const SLOW_CHUNK: &[u8] = b"0123456789abcdef";
/// The largest `/slow` chunk, so one request cannot make the server allocate without bound.
const MAX_SLOW_CHUNK: u64 = 1024 * 1024;

/// `/status/{code}` -> that status; the body is `{"status":<code>}` except for the statuses that
/// must not have one (204, 205, 304).
pub(crate) fn status(code: &str) -> Reply {
    let status = match parse_status(code) {
        Ok(status) => status,
        Err(bad) => return bad.into(),
    };
    if matches!(status.as_u16(), 204 | 205 | 304) {
        Reply::new(status, ReplyBody::Full(Bytes::new()))
    } else {
        Reply::json(status, format!(r#"{{"status":{}}}"#, status.as_u16()))
    }
}

/// `/delay/{ms}?id=N` -> item `N` (default 1) after `ms` milliseconds.
pub(crate) fn delay(ms: &str, query: &Query) -> Result<Reply, BadRequest> {
    let ms = parse_u64("delay in milliseconds", ms)?;
    let id = query.u64_or("id", 1)?;
    let body = Bytes::from(item_json(id));
    let mut reply = Reply::json(StatusCode::OK, body.clone());
    reply.body = ReplyBody::Delayed {
        delay: Duration::from_millis(ms),
        body,
    };
    Ok(reply)
}

/// `/flaky/{key}?fail=N&status=S` -> the first `N` calls (default 1) for `key` get status `S`
/// (default 503) and `{"error":"flaky","call":k}`; later calls get item 1.
pub(crate) fn flaky(routes: &Routes, key: &str, query: &Query) -> Result<Reply, BadRequest> {
    let fail = query.u64_or("fail", 1)?;
    let status = query.status_or("status", StatusCode::SERVICE_UNAVAILABLE)?;
    let call = routes.count_call(CounterKind::Flaky, key);
    Ok(if call <= fail {
        Reply::json(status, format!(r#"{{"error":"flaky","call":{call}}}"#))
    } else {
        Reply::json(StatusCode::OK, item_json(1))
    })
}

/// `/ratelimited/{key}?fail=N&retry_after=S&date=1` -> the first `N` calls (default 1) for `key`
/// get 429 with `Retry-After: S` (default 1; with `date=1` and a numeric `S`, the HTTP-date `S`
/// seconds after the request's `now`; a non-numeric `S` is sent as it is, to test malformed
/// values); later calls get item 1.
pub(crate) fn ratelimited(
    routes: &Routes,
    request: &RouteRequest,
    key: &str,
    query: &Query,
) -> Result<Reply, BadRequest> {
    let fail = query.u64_or("fail", 1)?;
    let retry_after = query.get("retry_after").unwrap_or("1");
    let as_date = matches!(query.get("date"), Some("1" | "true"));
    let value = match retry_after.parse::<u64>() {
        Ok(seconds) if as_date => {
            let when = request
                .now
                .checked_add(Duration::from_secs(seconds))
                .ok_or_else(|| {
                    BadRequest::new(format!(
                        "retry_after={seconds} is too far in the future for a date"
                    ))
                })?;
            httpdate::fmt_http_date(when)
        }
        _ => retry_after.to_owned(),
    };
    let value = HeaderValue::try_from(value)
        .map_err(|_| BadRequest::new("retry_after cannot be sent as a header value"))?;
    let call = routes.count_call(CounterKind::RateLimited, key);
    Ok(if call <= fail {
        Reply::json(
            StatusCode::TOO_MANY_REQUESTS,
            format!(r#"{{"error":"rate limited","call":{call}}}"#),
        )
        .with_header(RETRY_AFTER, value)
    } else {
        Reply::json(StatusCode::OK, item_json(1))
    })
}

fn redirect(status: StatusCode, location: HeaderValue) -> Reply {
    Reply::new(status, ReplyBody::Full(Bytes::new())).with_header(LOCATION, location)
}

/// `/redirect/{n}` -> 302 to `/redirect/{n-1}` (absolute with `?absolute=1`), and
/// `/redirect/0` -> 200 `{"redirected":true}`.
pub(crate) fn redirect_chain(
    request: &RouteRequest,
    n: &str,
    query: &Query,
) -> Result<Reply, BadRequest> {
    let n = parse_u64("redirect count", n)?;
    if n == 0 {
        return Ok(Reply::json(StatusCode::OK, r#"{"redirected":true}"#));
    }
    let absolute = matches!(query.get("absolute"), Some("1" | "true"));
    let location = if absolute {
        format!("{}/redirect/{}?absolute=1", request.origin(), n - 1)
    } else {
        format!("/redirect/{}", n - 1)
    };
    let location = HeaderValue::try_from(location)
        .map_err(|_| BadRequest::new("Host header unusable in Location"))?;
    Ok(redirect(StatusCode::FOUND, location))
}

/// `/redirect-loop` -> 302 to itself.
pub(crate) fn redirect_loop() -> Reply {
    redirect(
        StatusCode::FOUND,
        HeaderValue::from_static("/redirect-loop"),
    )
}

/// `/redirect-303` -> 303 to `/items/1` (a client must follow with GET).
pub(crate) fn redirect_303() -> Reply {
    redirect(StatusCode::SEE_OTHER, HeaderValue::from_static("/items/1"))
}

/// `/redirect-307` and `/redirect-308` -> that status with `Location: /echo`, which keeps the
/// method and the body.
pub(crate) fn redirect_to_echo(path: &str) -> Reply {
    let status = if path == "/redirect-308" {
        StatusCode::PERMANENT_REDIRECT
    } else {
        StatusCode::TEMPORARY_REDIRECT
    };
    redirect(status, HeaderValue::from_static("/echo"))
}

/// `/redirect-to?location=L&status=S` -> status `S` (default 302, must be 3xx) with
/// `Location: L`, whatever `L` is.
pub(crate) fn redirect_to(query: &Query) -> Result<Reply, BadRequest> {
    let location = query
        .get("location")
        .ok_or_else(|| BadRequest::new("missing query parameter `location`"))?;
    let status = query.status_or("status", StatusCode::FOUND)?;
    if !status.is_redirection() {
        return Err(BadRequest::new(format!(
            "redirect status must be 3xx, got {}",
            status.as_u16()
        )));
    }
    let location = HeaderValue::try_from(location)
        .map_err(|_| BadRequest::new("location cannot be sent as a header value"))?;
    Ok(redirect(status, location))
}

/// `/slow?ms=M&chunks=K&chunk_size=B` -> the head at once, then `K` chunks (default 5) of `B`
/// bytes (default 16), each after waiting `M` ms (default 50).
pub(crate) fn slow(query: &Query) -> Result<Reply, BadRequest> {
    let interval = Duration::from_millis(query.u64_or("ms", 50)?);
    let count = query.u64_or("chunks", 5)?;
    let chunk_size = query.u64_in("chunk_size", SLOW_CHUNK.len() as u64, 1, MAX_SLOW_CHUNK)?;
    let chunk: Bytes = SLOW_CHUNK
        .iter()
        .copied()
        .cycle()
        .take(chunk_size as usize)
        .collect();
    Ok(Reply::new(
        StatusCode::OK,
        ReplyBody::Chunks {
            interval,
            count,
            chunk,
        },
    )
    .with_header(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    ))
}

/// `/truncated?len=L` -> declares Content-Length `L` (default 100), sends `L/2` pattern bytes
/// and closes.
pub(crate) fn truncated(query: &Query) -> Result<Reply, BadRequest> {
    let declared_len = query.u64_in("len", 100, 1, u64::MAX)?;
    Ok(Reply::new(
        StatusCode::OK,
        ReplyBody::Truncated {
            declared_len,
            sent_len: declared_len / 2,
        },
    )
    .with_header(CONTENT_LENGTH, HeaderValue::from(declared_len))
    .with_header(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    ))
}

/// `/endless` -> pattern bytes until the client goes away.
pub(crate) fn endless() -> Reply {
    Reply::new(StatusCode::OK, ReplyBody::Endless).with_header(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    )
}

/// `/stall` -> never answers.
pub(crate) fn stall() -> Reply {
    Reply::new(StatusCode::OK, ReplyBody::Stall)
}
