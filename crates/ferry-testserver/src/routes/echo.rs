//! The echo routes: what the server received, as JSON.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::{Reply, RouteRequest};

/// The request headers as a JSON object with lowercase names; repeated headers are joined with
/// `", "` in arrival order, and bytes that are not UTF-8 are replaced with U+FFFD.
fn headers_object(headers: &HeaderMap) -> Map<String, Value> {
    let mut object = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        match object.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            _ => {
                object.insert(name.as_str().to_owned(), Value::String(value.into_owned()));
            }
        }
    }
    object
}

/// `GET /headers` -> the request headers as a JSON object.
pub(crate) fn headers(request: &RouteRequest) -> Reply {
    Reply::json(
        StatusCode::OK,
        Value::Object(headers_object(&request.headers)).to_string(),
    )
}

/// `/echo` (any method) -> `{"method":..,"headers":{..},"body":..,"body_encoding":..}` where the
/// body is the UTF-8 text (`"utf8"`) or, when it is not UTF-8, its standard base64 (`"base64"`).
pub(crate) fn echo(request: &RouteRequest) -> Reply {
    let (body, encoding) = match std::str::from_utf8(&request.body) {
        Ok(text) => (text.to_owned(), "utf8"),
        Err(_) => (STANDARD.encode(&request.body), "base64"),
    };
    let json = serde_json::json!({
        "method": request.method.as_str(),
        "headers": headers_object(&request.headers),
        "body": body,
        "body_encoding": encoding,
    });
    Reply::json(StatusCode::OK, json.to_string())
}
