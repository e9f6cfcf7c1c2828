//! The compression routes: bodies in each content coding, negotiated from `Accept-Encoding`,
//! long streams, decompression bombs and corrupt compressed bodies.

use bytes::Bytes;
use http::StatusCode;
use http::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, VARY,
};

use super::codec::{Coding, Filler, brotli_zeros, compressible_text, stream};
use super::query::Query;
use super::{BadRequest, Reply, ReplyBody, RouteRequest};

/// The default decoded size of `/compressed` and `/negotiate` bodies.
const DEFAULT_LEN: u64 = 10_000;
/// The largest whole body the server compresses per request.
const MAX_LEN: u64 = 16 * 1024 * 1024;
/// The default decoded size of a `/bomb`.
const DEFAULT_BOMB: u64 = 64 * 1024 * 1024;
/// The largest streamed body: 16 GiB decoded is enough for any benchmark.
const MAX_STREAM: u64 = 16 * 1024 * 1024 * 1024;
/// The largest brotli bomb, which is compressed per request.
const MAX_BROTLI_BOMB: u64 = 256 * 1024 * 1024;

fn parse_coding(name: &str) -> Result<Coding, BadRequest> {
    Coding::parse(name).ok_or_else(|| {
        BadRequest::new(format!(
            "unknown coding {name:?}; use gzip, x-gzip, deflate, deflate-raw, br, zstd or identity"
        ))
    })
}

fn encoded(body: impl Into<Bytes>, content_encoding: &str) -> Result<Reply, BadRequest> {
    let value = HeaderValue::try_from(content_encoding)
        .map_err(|_| BadRequest::new("the codings cannot be sent as a header value"))?;
    Ok(Reply::new(StatusCode::OK, ReplyBody::Full(body.into()))
        .with_header(CONTENT_TYPE, HeaderValue::from_static("text/plain"))
        .with_header(CONTENT_ENCODING, value))
}

/// `/compressed/{codings}?len=N&status=S` -> [`compressible_text`]`(N)` with each coding of
/// the comma-separated list applied in turn, and `Content-Encoding` listing them in that
/// order; with `status=204` or `304`, that status with the `Content-Encoding` and no body.
pub(crate) fn compressed(codings: &str, query: &Query) -> Result<Reply, BadRequest> {
    let len = query.u64_in("len", DEFAULT_LEN, 0, MAX_LEN)?;
    let codings = codings
        .split(',')
        .map(parse_coding)
        .collect::<Result<Vec<_>, _>>()?;
    let tokens: Vec<&str> = codings.iter().map(|coding| coding.token()).collect();
    if let Some(status) = query.get("status") {
        let status = match status {
            "204" => StatusCode::NO_CONTENT,
            "304" => StatusCode::NOT_MODIFIED,
            other => {
                return Err(BadRequest::new(format!(
                    "status must be 204 or 304, got {other:?}"
                )));
            }
        };
        let mut reply = encoded(Bytes::new(), &tokens.join(", "))?;
        reply.status = status;
        return Ok(reply);
    }
    let mut body = compressible_text(len as usize).to_vec();
    for coding in &codings {
        body = coding.encode(&body);
    }
    encoded(body, &tokens.join(", "))
}

/// `/negotiate?len=N` -> the same text in the first coding of the request's `Accept-Encoding`
/// the server has (ignoring those with `q=0`), or unencoded; always `Vary: Accept-Encoding`.
pub(crate) fn negotiate(request: &RouteRequest, query: &Query) -> Result<Reply, BadRequest> {
    let len = query.u64_in("len", DEFAULT_LEN, 0, MAX_LEN)?;
    let accepted = request
        .headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter(|entry| !refused(entry))
        .filter_map(|entry| entry.split(';').next())
        .filter_map(Coding::parse)
        .find(|coding| *coding != Coding::DeflateRaw);
    let coding = accepted.unwrap_or(Coding::Identity);
    let text = compressible_text(len as usize);
    let reply = if coding == Coding::Identity {
        Reply::new(StatusCode::OK, ReplyBody::Full(text))
            .with_header(CONTENT_TYPE, HeaderValue::from_static("text/plain"))
    } else {
        encoded(coding.encode(&text), coding.token())?
    };
    Ok(reply.with_header(VARY, HeaderValue::from_static("accept-encoding")))
}

/// Whether an `Accept-Encoding` entry carries `q=0`.
fn refused(entry: &str) -> bool {
    entry.split(';').skip(1).any(|parameter| {
        let parameter = parameter.trim();
        parameter
            .strip_prefix("q=")
            .or_else(|| parameter.strip_prefix("Q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .is_some_and(|q| q == 0.0)
    })
}

fn streamed(coding: Coding, filler: Filler, size: u64) -> Result<Reply, BadRequest> {
    let body = stream(coding, filler, size).ok_or_else(|| {
        BadRequest::new(format!(
            "{} cannot be streamed; use gzip, deflate or zstd",
            coding.token()
        ))
    })?;
    let ReplyBody::Repeated {
        head,
        unit,
        count,
        tail,
    } = &body
    else {
        return Err(BadRequest::new("the stream has no repeated unit"));
    };
    let length = (head.len() as u64)
        .saturating_add((unit.len() as u64).saturating_mul(*count))
        .saturating_add(tail.len() as u64);
    let content_type = match filler {
        Filler::Zeros => "application/octet-stream",
        Filler::Text => "text/plain",
    };
    Ok(Reply::new(StatusCode::OK, body)
        .with_header(CONTENT_TYPE, HeaderValue::from_static(content_type))
        .with_header(CONTENT_ENCODING, HeaderValue::from_static(coding.token()))
        .with_header(CONTENT_LENGTH, HeaderValue::from(length)))
}

/// `/compressed-stream/{coding}?size=N` -> `N` bytes of [`compressible_text`] (its first MiB
/// repeated) as gzip, deflate or zstd, streamed without compressing per request.
pub(crate) fn compressed_stream(coding: &str, query: &Query) -> Result<Reply, BadRequest> {
    let size = query.u64_in("size", DEFAULT_BOMB, 0, MAX_STREAM)?;
    streamed(parse_coding(coding)?, Filler::Text, size)
}

/// `/bomb/{coding}?size=N` -> `N` zero bytes (default 64 MiB) as gzip, deflate, zstd or br:
/// about a thousandth of that on the wire (far less for br and zstd).
pub(crate) fn bomb(coding: &str, query: &Query) -> Result<Reply, BadRequest> {
    let coding = parse_coding(coding)?;
    if coding == Coding::Brotli {
        let size = query.u64_in("size", DEFAULT_BOMB, 0, MAX_BROTLI_BOMB)?;
        return encoded(brotli_zeros(size), "br");
    }
    let size = query.u64_in("size", DEFAULT_BOMB, 0, MAX_STREAM)?;
    streamed(coding, Filler::Zeros, size)
}

/// `/corrupt/{coding}?how=flip|cut` -> [`compressible_text`]`(20000)` compressed, then with
/// 64 bytes in the middle inverted (`flip`, the default) or only its first half (`cut`); the
/// `Content-Length` is right, so only decoding can tell.
pub(crate) fn corrupt(coding: &str, query: &Query) -> Result<Reply, BadRequest> {
    let coding = parse_coding(coding)?;
    let mut body = coding.encode(&compressible_text(20_000));
    match query.get("how").unwrap_or("flip") {
        "flip" => {
            let middle = body.len() / 2;
            let end = (middle + 64).min(body.len());
            for byte in &mut body[middle..end] {
                *byte = !*byte;
            }
        }
        "cut" => body.truncate(body.len() / 2),
        other => {
            return Err(BadRequest::new(format!(
                "how must be flip or cut, got {other:?}"
            )));
        }
    }
    encoded(body, coding.token())
}
