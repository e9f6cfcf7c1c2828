//! The data routes: items, pagination in three styles, deterministic bytes and files.

use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LINK};

use super::query::{Query, parse_u64};
use super::{BadRequest, Reply, ReplyBody, RouteRequest};

/// Default `per_page` / `limit` of the paginated routes.
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// Default `total` of the paginated routes.
pub const DEFAULT_TOTAL: u64 = 95;
/// The largest `per_page` / `limit` the paginated routes accept, so one page stays small.
pub const MAX_PAGE_SIZE: u64 = 10_000;

/// The period of the pattern bytes: a prime, so that a body shifted or repeated by a round
/// number of bytes (a chunk size) does not compare equal.
const PATTERN_PERIOD: u64 = 251;
/// The largest piece [`pattern_chunk`] hands out.
pub(crate) const PATTERN_CHUNK: usize = 64 * 1024;

/// The byte at `offset` of every pattern body (`/bytes/{n}`, `/truncated`, `/endless`, binary
/// files): `offset % 251`.
///
/// ```
/// assert_eq!(ferry_testserver::routes::pattern_byte(0), 0);
/// assert_eq!(ferry_testserver::routes::pattern_byte(251 + 7), 7);
/// ```
pub fn pattern_byte(offset: u64) -> u8 {
    (offset % PATTERN_PERIOD) as u8
}

/// `len` pattern bytes starting at `offset`, as one allocation.
///
/// ```
/// let bytes = ferry_testserver::routes::pattern_bytes(250, 3);
/// assert_eq!(bytes, vec![250, 0, 1]);
/// ```
pub fn pattern_bytes(offset: u64, len: usize) -> Vec<u8> {
    (0..len as u64).map(|i| pattern_byte(offset + i)).collect()
}

/// Up to [`PATTERN_CHUNK`] pattern bytes starting at `offset`, sliced without copying from one
/// shared buffer (so streaming large bodies costs no per-chunk work).
pub(crate) fn pattern_chunk(offset: u64, len: usize) -> Bytes {
    static BUFFER: OnceLock<Bytes> = OnceLock::new();
    let buffer = BUFFER
        .get_or_init(|| Bytes::from(pattern_bytes(0, PATTERN_CHUNK + PATTERN_PERIOD as usize)));
    let start = (offset % PATTERN_PERIOD) as usize;
    buffer.slice(start..start + len.min(PATTERN_CHUNK))
}

/// The price of item `id`, in cents: deterministic and spread over 1.00..=999.99.
fn price_cents(id: u64) -> u64 {
    100 + id.wrapping_mul(7_919).wrapping_add(4_999) % 99_900
}

/// The `price` field of item `id` (what a JSON parser reads from [`item_json`]).
///
/// ```
/// let json = ferry_testserver::routes::item_json(7);
/// let price = ferry_testserver::routes::item_price(7);
/// assert!(json.ends_with(&format!("\"price\":{price:.2}}}")));
/// ```
pub fn item_price(id: u64) -> f64 {
    price_cents(id) as f64 / 100.0
}

/// The compact JSON of item `id`: `{"id":<id>,"name":"item-<id>","price":<price>}`.
///
/// ```
/// let json = ferry_testserver::routes::item_json(42);
/// assert!(json.starts_with(r#"{"id":42,"name":"item-42","price":"#));
/// ```
pub fn item_json(id: u64) -> String {
    let mut out = String::with_capacity(64);
    push_item(&mut out, id);
    out
}

fn push_item(out: &mut String, id: u64) {
    let cents = price_cents(id);
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        r#"{{"id":{id},"name":"item-{id}","price":{}.{:02}}}"#,
        cents / 100,
        cents % 100
    );
}

/// `[item, item, ...]` for ids `first..=last` (empty when `first > last`).
fn items_array(first: u64, last: u64) -> String {
    let mut out = String::with_capacity(2 + 48 * (last.saturating_sub(first) + 1) as usize);
    out.push('[');
    for id in first..=last {
        if id != first {
            out.push(',');
        }
        push_item(&mut out, id);
    }
    out.push(']');
    out
}

/// The ids on a page of `size` items starting after `offset` items, out of `total`.
fn page_ids(offset: u64, size: u64, total: u64) -> (u64, u64) {
    let first = offset.saturating_add(1);
    let last = offset.saturating_add(size).min(total);
    (first, last)
}

/// `GET /items/{id}`.
pub(crate) fn item(id: &str) -> Reply {
    match parse_u64("item id", id) {
        Ok(id) => Reply::json(StatusCode::OK, item_json(id)),
        Err(bad) => bad.into(),
    }
}

/// Shared parameters of `/pages` and `/link`: (page, per_page, total).
fn page_params(query: &Query) -> Result<(u64, u64, u64), BadRequest> {
    let page = query.u64_in("page", 1, 1, u64::MAX)?;
    let per_page = query.u64_in("per_page", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)?;
    let total = query.u64_or("total", DEFAULT_TOTAL)?;
    Ok((page, per_page, total))
}

/// `GET /pages?page=N&per_page=M&total=T` -> `{"page":N,"items":[...],"total":T}`.
pub(crate) fn pages(query: &Query) -> Result<Reply, BadRequest> {
    let (page, per_page, total) = page_params(query)?;
    let (first, last) = page_ids((page - 1).saturating_mul(per_page), per_page, total);
    let body = format!(
        r#"{{"page":{page},"items":{},"total":{total}}}"#,
        items_array(first, last)
    );
    Ok(Reply::json(StatusCode::OK, body))
}

/// `GET /link?page=N&per_page=M&total=T` -> a JSON array, with a `Link: <...>; rel="next"`
/// header while more pages follow.
pub(crate) fn link(request: &RouteRequest, query: &Query) -> Result<Reply, BadRequest> {
    let (page, per_page, total) = page_params(query)?;
    let offset = (page - 1).saturating_mul(per_page);
    let (first, last) = page_ids(offset, per_page, total);
    let mut reply = Reply::json(StatusCode::OK, items_array(first, last));
    if offset.saturating_add(per_page) < total {
        let next = format!(
            "<{}/link?page={}&per_page={per_page}&total={total}>; rel=\"next\"",
            request.origin(),
            page + 1
        );
        // The origin comes from the Host header, which was a valid header value already.
        if let Ok(value) = HeaderValue::try_from(next) {
            reply = reply.with_header(LINK, value);
        }
    }
    Ok(reply)
}

/// The opaque cursor pointing after `offset` items.
fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("after:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    text.strip_prefix("after:")?.parse().ok()
}

/// `GET /cursor?cursor=C&limit=M&total=T` -> `{"items":[...],"next_cursor":"..."|null}`.
pub(crate) fn cursor(query: &Query) -> Result<Reply, BadRequest> {
    let limit = query.u64_in("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)?;
    let total = query.u64_or("total", DEFAULT_TOTAL)?;
    let offset = match query.get("cursor") {
        None | Some("") => 0,
        Some(cursor) => decode_cursor(cursor)
            .ok_or_else(|| BadRequest::new(format!("malformed cursor {cursor:?}")))?,
    };
    let (first, last) = page_ids(offset, limit, total);
    let next = offset.saturating_add(limit);
    let next_cursor = if next < total {
        format!("\"{}\"", encode_cursor(next))
    } else {
        "null".to_owned()
    };
    let body = format!(
        r#"{{"items":{},"next_cursor":{next_cursor}}}"#,
        items_array(first, last)
    );
    Ok(Reply::json(StatusCode::OK, body))
}

/// `GET /bytes/{n}` -> exactly `n` pattern bytes.
pub(crate) fn bytes(len: &str) -> Result<Reply, BadRequest> {
    let len = parse_u64("byte count", len)?;
    Ok(Reply::new(StatusCode::OK, ReplyBody::Pattern { len })
        .with_header(CONTENT_LENGTH, HeaderValue::from(len))
        .with_header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ))
}

/// The names listed by `GET /files/`.
pub const FILE_NAMES: [&str; 4] = ["notes.txt", "report.csv", "items.json", "archive.bin"];

/// FNV-1a: a stable hash, so a file's size and content never change between runs.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The content type and deterministic content of `/files/{name}`, or `None` when the name is
/// not a plain file name (letters, digits, `.`, `_`, `-`; not starting with `.`).
///
/// The target size is 1..=64 KiB, derived from the name. `.txt`, `.csv` and `.json` files are
/// text of exactly that size (JSON: whole items, so slightly smaller); any other name is pattern
/// bytes starting at an offset derived from the name.
///
/// ```
/// let (content_type, content) = ferry_testserver::routes::file_content("notes.txt").unwrap();
/// assert_eq!(content_type, "text/plain; charset=utf-8");
/// assert!((1024..=64 * 1024).contains(&content.len()));
/// assert!(ferry_testserver::routes::file_content("../etc/passwd").is_none());
/// ```
pub fn file_content(name: &str) -> Option<(&'static str, Bytes)> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !plain {
        return None;
    }
    let hash = name_hash(name);
    let size = 1024 + (hash % (63 * 1024)) as usize;
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    let (content_type, content) = match extension {
        "txt" => (
            "text/plain; charset=utf-8",
            text_lines(size, |k| format!("{name} line {k}\n")),
        ),
        "csv" => (
            "text/csv; charset=utf-8",
            text_lines(size, |k| {
                if k == 0 {
                    "id,name,price\n".to_owned()
                } else {
                    format!("{k},item-{k},{:.2}\n", item_price(k))
                }
            }),
        ),
        "json" => ("application/json", json_items(size)),
        _ => ("application/octet-stream", pattern_bytes(hash, size)),
    };
    Some((content_type, Bytes::from(content)))
}

/// Lines made by `line(0)`, `line(1)`, ... cut to exactly `size` bytes (ASCII, so the cut is a
/// valid UTF-8 boundary).
fn text_lines(size: usize, line: impl Fn(u64) -> String) -> Vec<u8> {
    let mut out = String::with_capacity(size + 64);
    let mut k = 0;
    while out.len() < size {
        out.push_str(&line(k));
        k += 1;
    }
    out.truncate(size);
    out.into_bytes()
}

/// A JSON array of whole items, as long as fits in `size` bytes.
fn json_items(size: usize) -> Vec<u8> {
    let mut out = String::from("[");
    let mut item = String::new();
    for id in 1.. {
        item.clear();
        push_item(&mut item, id);
        if out.len() + item.len() + 2 > size {
            break;
        }
        if id > 1 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out.into_bytes()
}

/// `GET /files/{name}` -> the file, with Content-Type and Content-Disposition.
pub(crate) fn file(name: &str) -> Reply {
    let Some((content_type, content)) = file_content(name) else {
        return BadRequest::new(format!(
            "file names are letters, digits, '.', '_' and '-', got {name:?}"
        ))
        .into();
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    Reply::new(StatusCode::OK, ReplyBody::Full(content))
        .with_header(CONTENT_TYPE, HeaderValue::from_static(content_type))
        .with_header(
            CONTENT_DISPOSITION,
            // The name was checked to be plain ASCII above.
            HeaderValue::try_from(disposition).unwrap_or(HeaderValue::from_static("attachment")),
        )
}

/// `GET /files/` -> `{"files":[{"name":"notes.txt","size":1234},...]}`.
pub(crate) fn file_index() -> Reply {
    let files: Vec<_> = FILE_NAMES
        .iter()
        .filter_map(|name| {
            let (_, content) = file_content(name)?;
            Some(serde_json::json!({ "name": name, "size": content.len() }))
        })
        .collect();
    Reply::json(
        StatusCode::OK,
        serde_json::json!({ "files": files }).to_string(),
    )
}
