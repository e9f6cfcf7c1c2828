//! [`SurfTransport`]: one exchange through a [`surf::Client`], converted between the `http`
//! crate's types (ferry's) and http-types' (surf's).

use std::error::Error as StdError;
use std::fmt;
use std::io;

use bytes::Bytes;
use ferry_http::{Transport, TransportError, TransportErrorKind};
use ferry_wire::classify::{any_source, is_tls};
use http::header::{CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use surf::http::headers::{HeaderName as SurfHeaderName, HeaderValue as SurfHeaderValue};

use super::body::SurfResponseBody;

/// ferry's [`Transport`] over a [`surf::Client`]: each call is one request through surf's
/// middleware and backend, with no redirects of its own.
///
/// See the [module docs](super) for what stays surf's (connections, TLS, HTTP versions)
/// and how its errors are classified. Cloning is cheap: surf's client is shared.
#[derive(Clone)]
pub struct SurfTransport {
    client: surf::Client,
}

impl SurfTransport {
    /// A transport that sends through `client`, its backend and its middleware.
    pub fn new(client: surf::Client) -> Self {
        Self { client }
    }

    /// The surf client inside.
    pub fn surf(&self) -> &surf::Client {
        &self.client
    }
}

impl fmt::Debug for SurfTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SurfTransport").finish_non_exhaustive()
    }
}

impl Transport for SurfTransport {
    type Body = SurfResponseBody;

    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<SurfResponseBody>, TransportError> {
        let request = to_surf(request)?;
        let response = self.client.send(request).await.map_err(surf_error)?;
        from_surf(response)
    }
}

/// A request surf cannot express: the part, never a header's value (it may be a secret).
#[derive(Debug, thiserror::Error)]
#[error("surf cannot express {what}")]
struct Inexpressible {
    what: String,
}

fn unsupported(what: String) -> TransportError {
    TransportError::new(TransportErrorKind::Unsupported, Inexpressible { what })
}

/// Converts ferry's request into surf's, or says which part surf cannot carry.
fn to_surf(request: http::Request<Bytes>) -> Result<surf::Request, TransportError> {
    let (parts, body) = request.into_parts();
    // http-types parses methods case-insensitively; only an exact round trip keeps the
    // method the caller asked for (the `http` crate treats `get` and `GET` as different).
    let method = parts
        .method
        .as_str()
        .parse::<surf::http::Method>()
        .ok()
        .filter(|method| method.as_ref() == parts.method.as_str())
        .ok_or_else(|| unsupported(format!("the method {}", parts.method)))?;
    let url = surf::Url::parse(&parts.uri.to_string())
        .map_err(|error| unsupported(format!("the URL ({error})")))?;
    let mut converted = surf::Request::new(method, url);
    for (name, value) in &parts.headers {
        // surf's backend writes these from the URL and the body itself; copying them too
        // would send them twice.
        if name == HOST || name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            continue;
        }
        let surf_name = SurfHeaderName::from_bytes(name.as_str().as_bytes().to_vec())
            .map_err(|_| unsupported(format!("the header name {name}")))?;
        let surf_value = SurfHeaderValue::from_bytes(value.as_bytes().to_vec())
            .map_err(|_| unsupported(format!("a non-ASCII value of the header {name}")))?;
        converted.append_header(surf_name, surf_value);
    }
    if !body.is_empty() {
        converted.set_body(surf::Body::from_bytes(body.into()));
    }
    Ok(converted)
}

/// Converts surf's response head into ferry's; the body streams through
/// [`SurfResponseBody`].
fn from_surf(
    mut response: surf::Response,
) -> Result<http::Response<SurfResponseBody>, TransportError> {
    let malformed = |what: String| {
        TransportError::new(
            TransportErrorKind::Io,
            io::Error::new(io::ErrorKind::InvalidData, what),
        )
    };
    let status = http::StatusCode::from_u16(u16::from(response.status()))
        .map_err(|error| malformed(format!("surf gave an invalid status: {error}")))?;
    let version = match response.version() {
        Some(surf::http::Version::Http0_9) => http::Version::HTTP_09,
        Some(surf::http::Version::Http1_0) => http::Version::HTTP_10,
        Some(surf::http::Version::Http2_0) => http::Version::HTTP_2,
        Some(surf::http::Version::Http3_0) => http::Version::HTTP_3,
        // HTTP/1.1, or no version recorded (surf's h1 backend does not always record the
        // one it spoke), or one newer than http-types knew of.
        _ => http::Version::HTTP_11,
    };
    let mut converted = http::Response::new(SurfResponseBody::new(response.take_body()));
    *converted.status_mut() = status;
    *converted.version_mut() = version;
    let headers = converted.headers_mut();
    for (name, values) in response.iter() {
        let name = http::HeaderName::from_bytes(name.as_str().as_bytes())
            .map_err(|_| malformed(format!("surf gave an invalid header name {name}")))?;
        for value in values.iter() {
            let value = http::HeaderValue::from_str(value.as_str()).map_err(|_| {
                malformed(format!("surf gave an invalid value for the header {name}"))
            })?;
            headers.append(name.clone(), value);
        }
    }
    Ok(converted)
}

/// Classifies a failure surf reported before the response head arrived.
fn surf_error(error: surf::Error) -> TransportError {
    let kind = surf_error_kind(&error);
    TransportError::new(kind, error.into_inner())
}

fn surf_error_kind(error: &surf::Error) -> TransportErrorKind {
    let inner: &(dyn StdError + Send + Sync + 'static) = error.as_ref();
    if let Some(io) = find_io_error(inner) {
        return io_error_kind(io);
    }
    // surf's backends wrap their own timeouts (async-std's `TimeoutError`) as they are; the
    // type name http-types records is the only trace of it that does not need async-std.
    if error
        .type_name()
        .is_some_and(|name| name.ends_with("TimeoutError"))
    {
        return TransportErrorKind::Timeout;
    }
    // The backend flattened the failure into text: it may have happened after the request
    // was written, so it is reported as a failure during the request, which is retryable.
    TransportErrorKind::Io
}

/// The first `io::Error` in `error`'s source chain.
fn find_io_error<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e io::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = error.source();
    }
    None
}

/// The kind of an I/O failure surf passed on: refused or unreachable is a connect error
/// (nothing was sent), a TLS failure inside is a TLS error, timed out is a timeout.
pub(super) fn io_error_kind(error: &io::Error) -> TransportErrorKind {
    if any_source(error, &is_tls) {
        return TransportErrorKind::Tls;
    }
    match error.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::AddrNotAvailable
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable => TransportErrorKind::Connect,
        io::ErrorKind::TimedOut => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, header: (&str, &[u8])) -> http::Request<Bytes> {
        http::Request::builder()
            .method(method)
            .uri("http://127.0.0.1:9/items/1?page=2")
            .header(header.0, header.1)
            .body(Bytes::from_static(b"{}"))
            .unwrap()
    }

    #[test]
    fn a_plain_request_keeps_method_url_headers_and_body() {
        let mut converted = to_surf(request("PATCH", ("x-token", b"abc"))).unwrap();
        assert_eq!(converted.method(), surf::http::Method::Patch);
        assert_eq!(
            converted.url().as_str(),
            "http://127.0.0.1:9/items/1?page=2"
        );
        assert_eq!(converted.header("x-token").unwrap().as_str(), "abc");
        let body = futures::executor::block_on(converted.take_body().into_bytes()).unwrap();
        assert_eq!(body, b"{}");
    }

    #[test]
    fn extension_and_lowercase_methods_are_unsupported() {
        for method in ["FROBNICATE", "get"] {
            let error = to_surf(request(method, ("x", b"y"))).unwrap_err();
            assert_eq!(error.kind(), TransportErrorKind::Unsupported, "{method}");
            assert!(error.to_string().contains(method), "{error}");
        }
    }

    #[test]
    fn a_non_ascii_header_value_is_unsupported_and_not_echoed() {
        let error = to_surf(request("GET", ("authorization", b"s\xe9cret"))).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Unsupported);
        let message = error.to_string();
        assert!(message.contains("authorization"), "{message}");
        assert!(!message.contains("cret"), "{message}");
    }

    #[test]
    fn io_errors_are_classified_like_the_other_backends() {
        let cases = [
            (
                io::ErrorKind::ConnectionRefused,
                TransportErrorKind::Connect,
            ),
            (io::ErrorKind::TimedOut, TransportErrorKind::Timeout),
            (io::ErrorKind::ConnectionReset, TransportErrorKind::Io),
        ];
        for (io_kind, expected) in cases {
            let error = surf::Error::from(io::Error::from(io_kind));
            assert_eq!(surf_error(error).kind(), expected, "{io_kind:?}");
        }
        let tls = surf::Error::from(io::Error::other(rustls::Error::DecryptError));
        assert_eq!(surf_error(tls).kind(), TransportErrorKind::Tls);
    }

    #[test]
    fn a_flattened_message_is_a_failure_during_the_request() {
        let error = surf::Error::from_str(400, "Error occurred while creating a new object");
        let converted = surf_error(error);
        assert_eq!(converted.kind(), TransportErrorKind::Io);
        assert!(converted.to_string().contains("creating a new object"));
    }

    #[test]
    fn a_response_keeps_status_version_and_repeated_headers() {
        let mut response = surf::http::Response::new(surf::StatusCode::Created);
        response.append_header("set-cookie", "a=1");
        response.append_header("set-cookie", "b=2");
        response.set_body("done");
        let converted = from_surf(surf::Response::from(response)).unwrap();
        assert_eq!(converted.status(), http::StatusCode::CREATED);
        assert_eq!(converted.version(), http::Version::HTTP_11);
        let cookies: Vec<_> = converted.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
    }
}
