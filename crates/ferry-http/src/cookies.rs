//! [`CookieJar`]: the opt-in cookie store a client keeps between requests.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Uri};

/// Cookies kept between requests, with RFC 6265's rules (through the `cookie_store` crate):
/// a cookie goes back only to the domain and path it was set for (a `Domain` attribute
/// widens it to subdomains, never to another site; host-only otherwise), `Secure` ones only
/// over `https`, and expired ones (`Expires`, `Max-Age`) are dropped. Cookies set by every
/// response count, the intermediate ones of a redirect chain included.
///
/// Off by default: enable a jar per client with
/// [`HttpSettings::with_cookie_store`](super::HttpSettings::with_cookie_store), or share one
/// between clients with [`HttpSettings::with_cookie_jar`](super::HttpSettings::with_cookie_jar).
/// A request that sets its own `Cookie` header is sent with it, not with the jar's.
///
/// Cookie values are credentials: `Debug` shows only how many there are, and the `Cookie`
/// header made from the jar is marked sensitive, so errors and tracing never show it.
///
/// Expiry is compared with the wall clock (cookie dates are calendar dates), not with the
/// runtime's clock: on the mock backend, virtual time does not expire cookies.
///
/// Cloning is cheap and shares the jar.
///
/// ```
/// use ferry_http::CookieJar;
///
/// let jar = CookieJar::new();
/// let url = "https://shop.example.com/cart".parse().unwrap();
/// jar.add("session=abc123; Path=/; Secure; HttpOnly", &url).unwrap();
/// assert_eq!(jar.len(), 1);
/// assert_eq!(jar.cookie_header(&url).unwrap(), "session=abc123");
/// // Secure cookies never go over plain HTTP.
/// assert!(jar.cookie_header(&"http://shop.example.com/".parse().unwrap()).is_none());
/// assert!(!format!("{jar:?}").contains("abc123"));
/// ```
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<cookie_store::CookieStore>>,
}

/// A cookie the jar refused: unparsable, or not allowed for the URL it came from (another
/// domain, a public suffix). Its value is never part of the message.
#[derive(Debug, thiserror::Error)]
#[error("the cookie was refused for {url}: {reason}")]
pub struct InvalidCookie {
    url: String,
    reason: String,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, cookie_store::CookieStore> {
        // The store stays consistent even if a holder panicked: every change is one call.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the cookie of a `Set-Cookie` value, as if `url` had answered with it.
    ///
    /// # Errors
    ///
    /// The value does not parse, or the cookie is not allowed for `url`.
    pub fn add(&self, set_cookie: &str, url: &Uri) -> Result<(), InvalidCookie> {
        let refuse = |reason: String| InvalidCookie {
            url: super::redact::redact_uri(url),
            reason,
        };
        let url = to_url(url).ok_or_else(|| refuse("the URL is not absolute".into()))?;
        self.lock()
            .parse(set_cookie, &url)
            .map(drop)
            .map_err(|error| refuse(cookie_error_reason(&error)))
    }

    /// The `Cookie` header value for a request to `url` (`name=value; name2=value2`),
    /// marked sensitive, or `None` when no cookie applies.
    pub fn cookie_header(&self, url: &Uri) -> Option<HeaderValue> {
        let url = to_url(url)?;
        let store = self.lock();
        let header = store
            .get_request_values(&url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        if header.is_empty() {
            return None;
        }
        let mut value = HeaderValue::try_from(header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// How many unexpired cookies the jar holds.
    pub fn len(&self) -> usize {
        self.lock().iter_unexpired().count()
    }

    /// Whether the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Stores every `Set-Cookie` of a response from `url`; refused or malformed ones are
    /// skipped, as browsers do.
    pub(crate) fn store_from(&self, headers: &HeaderMap, url: &Uri) {
        let mut values = headers.get_all(SET_COOKIE).iter().peekable();
        if values.peek().is_none() {
            return;
        }
        let Some(url) = to_url(url) else { return };
        let mut store = self.lock();
        for value in values {
            if let Ok(text) = value.to_str() {
                // `parse` rather than `store_response_cookies`, which logs the values of
                // cookies that are not `Secure`.
                let _refused = store.parse(text, &url);
            }
        }
    }

    /// Adds the jar's `Cookie` header to `headers` for `url`, unless they have one.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, url: &Uri) {
        if headers.contains_key(COOKIE) {
            return;
        }
        if let Some(value) = self.cookie_header(url) {
            headers.insert(COOKIE, value);
        }
    }
}

fn to_url(uri: &Uri) -> Option<url::Url> {
    url::Url::parse(&uri.to_string()).ok()
}

/// What was wrong with a cookie, without its value.
fn cookie_error_reason(error: &cookie_store::CookieError) -> String {
    use cookie_store::CookieError;
    match error {
        CookieError::Parse => "it is not a valid Set-Cookie value".into(),
        CookieError::DomainMismatch => "its Domain does not match the URL's host".into(),
        CookieError::NonHttpScheme => "it is HttpOnly and the URL is not http(s)".into(),
        CookieError::NonRelativeScheme => "the URL cannot carry cookies".into(),
        CookieError::Expired => "it has expired already".into(),
        _ => "the cookie store refused it".into(),
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("cookies", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn domain_path_and_expiry_rules_apply() {
        let jar = CookieJar::new();
        let origin = uri("http://a.example.com/app/page");
        jar.add("host=1", &origin).unwrap();
        jar.add("wide=2; Domain=example.com; Path=/", &origin)
            .unwrap();
        jar.add("scoped=3; Path=/app", &origin).unwrap();
        jar.add("gone=4; Max-Age=0", &origin).unwrap_or(());
        assert!(jar.add("evil=5; Domain=other.org", &origin).is_err());
        let header = |url: &str| {
            jar.cookie_header(&uri(url))
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let on_app = header("http://a.example.com/app/x");
        for expected in ["host=1", "wide=2", "scoped=3"] {
            assert!(on_app.contains(expected), "{on_app}");
        }
        assert!(!on_app.contains("gone"), "{on_app}");
        assert_eq!(header("http://b.example.com/app/x"), "wide=2");
        assert!(!header("http://a.example.com/other").contains("scoped"));
        assert_eq!(header("http://other.org/"), "");
    }

    #[test]
    fn a_request_cookie_header_wins_over_the_jar() {
        let jar = CookieJar::new();
        let url = uri("http://h/");
        jar.add("a=1", &url).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("mine=2"));
        jar.apply(&mut headers, &url);
        assert_eq!(headers[COOKIE], "mine=2");
        let mut empty = HeaderMap::new();
        jar.apply(&mut empty, &url);
        assert_eq!(empty[COOKIE], "a=1");
        assert!(empty[COOKIE].is_sensitive());
    }
}
