//! Keeping secrets out of URLs and headers that are printed, logged or put in errors.

use std::fmt;

use http::header::{AUTHORIZATION, COOKIE, HeaderName, PROXY_AUTHORIZATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Uri};

const REDACTED: &str = "REDACTED";

/// Headers that carry credentials whatever the user says: never printed, and dropped when a
/// redirect leaves the origin.
pub(crate) fn is_sensitive_name(name: &HeaderName) -> bool {
    name == AUTHORIZATION || name == COOKIE || name == SET_COOKIE || name == PROXY_AUTHORIZATION
}

/// Whether a header value must not be printed: a credential header, or one marked with
/// [`HeaderValue::set_sensitive`].
pub fn is_sensitive(name: &HeaderName, value: &HeaderValue) -> bool {
    value.is_sensitive() || is_sensitive_name(name)
}

/// Query parameter names whose values look like credentials.
///
/// Matching is by substring, case-insensitive: redacting a harmless value costs a log reader a
/// little, leaking a token costs much more.
fn is_sensitive_query_name(name: &str) -> bool {
    const PARTS: [&str; 10] = [
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "pwd",
        "auth",
        "signature",
        "credential",
        "session",
    ];
    let lower = name.to_ascii_lowercase();
    lower == "sig" || lower == "code" || PARTS.iter().any(|part| lower.contains(part))
}

/// `uri` as a string with the userinfo password and credential-like query values replaced.
pub fn redact_uri(uri: &Uri) -> String {
    redact_url_str(&uri.to_string())
}

/// [`redact_uri`] on any string, valid URL or not, so that even a malformed URL in an
/// [`InvalidUrl`](super::HttpError::is_invalid_url) error shows no secret.
pub fn redact_url_str(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let (before_fragment, fragment) = match url.find('#') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let (before_query, query) = match before_fragment.find('?') {
        Some(at) => (&before_fragment[..at], Some(&before_fragment[at + 1..])),
        None => (before_fragment, None),
    };
    let authority_start = before_query.find("://").map_or(0, |at| at + 3);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |at| authority_start + at);
    let authority = &before_query[authority_start..authority_end];
    out.push_str(&before_query[..authority_start]);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push(':');
                    out.push_str(REDACTED);
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    out.push_str(&before_query[authority_end..]);
    if let Some(query) = query {
        out.push('?');
        for (index, pair) in query.split('&').enumerate() {
            if index > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) if is_sensitive_query_name(name) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                _ => out.push_str(pair),
            }
        }
    }
    out.push_str(fragment);
    out
}

/// Prints a URI with [`redact_uri`].
pub(crate) struct RedactedUri<'a>(pub(crate) &'a Uri);

impl fmt::Debug for RedactedUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_uri(self.0))
    }
}

/// Prints a header map with sensitive values replaced.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_sensitive(name, value) {
                map.entry(name, &REDACTED);
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_credential_query_values_are_redacted() {
        assert_eq!(
            redact_url_str(
                "https://alice:s3cret@api.example.com:8443/v1/x?api_key=abc&page=2&Token=t#frag"
            ),
            "https://alice:REDACTED@api.example.com:8443/v1/x?api_key=REDACTED&page=2&Token=REDACTED#frag"
        );
    }

    #[test]
    fn urls_without_secrets_are_unchanged() {
        for url in [
            "http://127.0.0.1:8080/items/1?page=2",
            "https://example.com",
            "http://user@host/path",
            "not a url at all",
        ] {
            assert_eq!(redact_url_str(url), url);
        }
    }

    #[test]
    fn malformed_urls_are_redacted_too() {
        let shown = redact_url_str("ht tp://bob:pw@[bad/x?password=pw");
        assert!(!shown.contains(":pw@"), "{shown}");
        assert!(!shown.contains("password=pw"), "{shown}");
    }

    #[test]
    fn sensitive_headers_print_as_redacted() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        headers.insert(SET_COOKIE, HeaderValue::from_static("id=xyz"));
        let mut marked = HeaderValue::from_static("k-123");
        marked.set_sensitive(true);
        headers.insert("x-api-key", marked);
        headers.insert("accept", HeaderValue::from_static("text/plain"));
        let shown = format!("{:?}", RedactedHeaders(&headers));
        assert!(!shown.contains("abc") && !shown.contains("xyz") && !shown.contains("k-123"));
        assert!(shown.contains("text/plain"));
    }
}
