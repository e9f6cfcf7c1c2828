//! The request builder's credentials and bodies beyond raw bytes and JSON: basic auth,
//! urlencoded forms, multipart forms and streams.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_core::Stream;
use http::HeaderValue;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;

use super::error::{HttpError, Kind};
use super::multipart::Form;
use super::request::RequestBuilder;
use super::request_body::{BoxBodyError, RequestBody};

/// The `Authorization` value of HTTP basic authentication (RFC 7617): `Basic` and the base64
/// of `user:password` (`user:` without a password, as reqwest and curl send it), marked
/// sensitive.
pub(crate) fn basic_auth_value(
    user: impl fmt::Display,
    password: Option<impl fmt::Display>,
) -> HeaderValue {
    let credentials = match password {
        Some(password) => format!("{user}:{password}"),
        None => format!("{user}:"),
    };
    let encoded = format!("Basic {}", STANDARD.encode(credentials));
    // Base64 and "Basic " are visible ASCII, always a valid header value.
    let mut value =
        HeaderValue::try_from(encoded).unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    value.set_sensitive(true);
    value
}

impl<C> RequestBuilder<C> {
    /// Sets `Authorization: Basic ...` for `user` and `password` (RFC 7617), marked
    /// sensitive: never in `Debug`, errors or logs, and dropped when a redirect leaves the
    /// origin. `None` sends `user:` with an empty password, as reqwest and curl do.
    ///
    /// ```
    /// use ferry_http::Request;
    ///
    /// let request = Request::get("https://api.example.com/me")
    ///     .basic_auth("alice", Some("s3cret"))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(request.headers()["authorization"], "Basic YWxpY2U6czNjcmV0");
    /// assert!(!format!("{request:?}").contains("YWxpY2U6czNjcmV0"));
    /// ```
    pub fn basic_auth(self, user: impl fmt::Display, password: Option<impl fmt::Display>) -> Self {
        let value = basic_auth_value(user, password);
        self.and_then(|request| {
            request.headers.insert(AUTHORIZATION, value);
            Ok(())
        })
    }

    /// Sets the body to `value` as `application/x-www-form-urlencoded` (serde, through
    /// `serde_urlencoded`: a struct, a map, or a sequence of pairs) and `Content-Type` to
    /// match, unless one is set already. A value that is not a flat list of pairs fails with
    /// [`is_invalid_body`](HttpError::is_invalid_body).
    ///
    /// ```
    /// use ferry_http::Request;
    ///
    /// let request = Request::post("https://example.com/login")
    ///     .form(&[("user", "alice"), ("note", "a&b c")])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(request.body().as_bytes().unwrap(), "user=alice&note=a%26b+c");
    /// assert_eq!(request.headers()["content-type"], "application/x-www-form-urlencoded");
    /// ```
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.and_then(|request| {
            let body = serde_urlencoded::to_string(value).map_err(|error| {
                HttpError::new(Kind::InvalidBody)
                    .with_url(&request.uri)
                    .with_context(format!(
                        "could not serialize {} as a urlencoded form",
                        std::any::type_name::<T>()
                    ))
                    .with_source(error)
            })?;
            request.body = RequestBody::from_bytes(body);
            if !request.headers.contains_key(CONTENT_TYPE) {
                request.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            Ok(())
        })
    }

    /// Sets the body to the `multipart/form-data` `form` and `Content-Type` to match, with
    /// its boundary (replacing any content type set before). See [`Form`].
    pub fn multipart(self, form: Form) -> Self {
        let content_type = form.content_type();
        let body = form.into_body();
        self.and_then(|request| {
            request.headers.insert(CONTENT_TYPE, content_type);
            request.body = body;
            Ok(())
        })
    }

    /// Streams the body from `stream`, chunk by chunk with backpressure, sent once and
    /// chunked: the same as `.body(RequestBody::from_stream(stream))`. Use
    /// [`RequestBody::from_factory`] for a body that retries and redirects may send again, and
    /// [`RequestBody::with_length`] to send a `Content-Length`.
    pub fn body_stream<S, E>(self, stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxBodyError>,
    {
        self.body(RequestBody::from_stream(stream))
    }
}

#[cfg(test)]
mod tests {
    use crate::Request;

    #[test]
    fn basic_auth_without_password_sends_an_empty_one() {
        let request = Request::get("http://h/")
            .basic_auth("bob", None::<&str>)
            .build()
            .unwrap();
        // base64("bob:")
        assert_eq!(request.headers()["authorization"], "Basic Ym9iOg==");
        assert!(request.headers()["authorization"].is_sensitive());
    }

    #[test]
    fn forms_that_are_not_flat_pairs_are_invalid_bodies() {
        #[derive(serde::Serialize)]
        struct Nested {
            inner: Vec<u32>,
        }
        let error = Request::post("http://h/")
            .form(&Nested { inner: vec![1] })
            .build()
            .unwrap_err();
        assert!(error.is_invalid_body(), "{error:?}");
        assert!(error.to_string().contains("urlencoded"), "{error}");
    }
}
