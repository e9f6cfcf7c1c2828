//! The cookie routes: set cookies with attributes (on a plain answer or a redirect), and echo
//! the cookies a request carried.

use http::StatusCode;
use http::header::{COOKIE, HeaderValue, LOCATION, SET_COOKIE};
use serde_json::{Map, Value, json};

use super::query::Query;
use super::{BadRequest, Reply, RouteRequest};

/// `/cookies/set?name=N&value=V&path=P&domain=D&max_age=S&secure=1&httponly=1&redirect=L`
/// -> `Set-Cookie: N=V` with the attributes given; a 302 to `L` when `redirect` is given,
/// else 200 `{"set":"<the Set-Cookie value>"}`.
pub(crate) fn set(query: &Query) -> Result<Reply, BadRequest> {
    let name = query
        .get("name")
        .ok_or_else(|| BadRequest::new("name is required"))?;
    let value = query.get("value").unwrap_or("");
    let mut cookie = format!("{name}={value}");
    for (param, attribute) in [
        ("path", "Path"),
        ("domain", "Domain"),
        ("max_age", "Max-Age"),
    ] {
        if let Some(given) = query.get(param) {
            cookie.push_str(&format!("; {attribute}={given}"));
        }
    }
    if query.get("secure") == Some("1") {
        cookie.push_str("; Secure");
    }
    if query.get("httponly") == Some("1") {
        cookie.push_str("; HttpOnly");
    }
    let header = HeaderValue::try_from(cookie.as_str())
        .map_err(|_| BadRequest::new("the cookie is not a valid header value"))?;
    Ok(match query.get("redirect") {
        Some(location) => {
            let location = HeaderValue::try_from(location)
                .map_err(|_| BadRequest::new("redirect is not a valid header value"))?;
            Reply::json(StatusCode::FOUND, json!({ "set": cookie }).to_string())
                .with_header(LOCATION, location)
                .with_header(SET_COOKIE, header)
        }
        None => Reply::json(StatusCode::OK, json!({ "set": cookie }).to_string())
            .with_header(SET_COOKIE, header),
    })
}

/// `/cookies` -> `{"cookies":{name: value,...},"headers":n}`: the cookies of every `Cookie`
/// header the request carried, and how many such headers there were.
pub(crate) fn echo(request: &RouteRequest) -> Reply {
    let mut cookies = Map::new();
    let mut headers = 0;
    for value in request.headers.get_all(COOKIE) {
        headers += 1;
        let text = String::from_utf8_lossy(value.as_bytes());
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                cookies.insert(name.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    Reply::json(
        StatusCode::OK,
        json!({ "cookies": cookies, "headers": headers }).to_string(),
    )
}
