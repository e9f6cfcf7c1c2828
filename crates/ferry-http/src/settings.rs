//! [`HttpSettings`]: what a client may do, with defaults that never hang.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;

use super::cookies::CookieJar;

/// Settings for an HTTP client, shared by every backend.
///
/// The defaults are safe for a pipeline that talks to servers it does not control:
///
/// | setting | default | why |
/// |---|---|---|
/// | [`connect_timeout`](Self::connect_timeout) | 10 s | an unreachable host fails fast |
/// | [`timeout`](Self::timeout) | 30 s | a server that never answers cannot hang the pipeline |
/// | [`max_body_bytes`](Self::max_body_bytes) | 32 MiB | an endless body cannot exhaust memory |
/// | [`max_redirects`](Self::max_redirects) | 10 | a redirect loop ends |
/// | [`user_agent`](Self::user_agent) | `ferry/<version>` | servers can tell who calls |
/// | [`pool_idle_timeout`](Self::pool_idle_timeout) | 90 s | idle connections are reused, then closed |
/// | [`pool_max_idle_per_host`](Self::pool_max_idle_per_host) | 64 | enough for 64 requests in flight per host |
/// | [`max_connections_per_host`](Self::max_connections_per_host) | none | as aiohttp's `limit_per_host=0`; set it to spare a server |
/// | [`decompression`](Self::decompression) | on | `gzip`, `deflate`, `br` and `zstd` bodies are decoded as they stream |
///
/// Certificate and host name checks are always on; there is no switch to turn them off. A
/// private CA is trusted by adding its certificate with
/// [`add_root_certificate`](Self::add_root_certificate).
///
/// ```
/// use std::time::Duration;
/// use ferry_http::HttpSettings;
///
/// let settings = HttpSettings::default()
///     .with_timeout(Duration::from_secs(5))
///     .with_max_body_bytes(1024 * 1024);
/// assert_eq!(settings.timeout(), Duration::from_secs(5));
/// assert_eq!(settings.max_redirects(), 10);
/// ```
#[derive(Clone)]
pub struct HttpSettings {
    connect_timeout: Duration,
    timeout: Duration,
    max_body_bytes: u64,
    max_redirects: usize,
    user_agent: Option<HeaderValue>,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    max_connections_per_host: usize,
    root_certificates: Vec<Certificate>,
    #[cfg(feature = "cookies")]
    cookies: Cookies,
    basic_auth: Option<HeaderValue>,
    decompression: bool,
}

/// Whether a client keeps cookies, and in which jar.
#[cfg(feature = "cookies")]
#[derive(Clone, Debug, Default)]
pub(crate) enum Cookies {
    #[default]
    Off,
    /// A fresh jar for each client built from the settings.
    PerClient,
    /// This jar, shared by every client built from the settings.
    Shared(CookieJar),
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 32 * 1024 * 1024,
            max_redirects: 10,
            user_agent: Some(HeaderValue::from_static(concat!(
                "ferry/",
                env!("CARGO_PKG_VERSION")
            ))),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 64,
            max_connections_per_host: 0,
            root_certificates: Vec::new(),
            #[cfg(feature = "cookies")]
            cookies: Cookies::Off,
            basic_auth: None,
            decompression: true,
        }
    }
}

impl HttpSettings {
    /// The defaults; same as [`Default::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// How long making one connection (TCP and TLS) may take.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Sets the connect timeout. `Duration::MAX` means no limit of its own (the total timeout
    /// still applies).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a whole request may take, from sending it to the last byte of the body,
    /// redirects included, unless the request sets its own.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets the total timeout. `Duration::MAX` disables it (no timer is registered); do that
    /// only for servers you trust.
    ///
    /// A timeout of 100 ms or more may fire up to 1 ms late: requests that end within the same
    /// millisecond share one timer, which saves a timer registration per request. Shorter
    /// timeouts fire at their exact instant.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body, in bytes, that the client reads; past it reading fails with
    /// [`is_body_too_large`](super::HttpError::is_body_too_large).
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// Sets the body limit. It applies to [`bytes_stream`](super::Response::bytes_stream) too.
    pub fn with_max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How many redirects one request may follow.
    pub fn max_redirects(&self) -> usize {
        self.max_redirects
    }

    /// Sets the redirect limit. `0` turns following off: a 3xx response is returned as it is.
    /// With a limit of `n > 0`, the `n + 1`-th redirect fails with
    /// [`is_redirect`](super::HttpError::is_redirect).
    pub fn with_max_redirects(mut self, limit: usize) -> Self {
        self.max_redirects = limit;
        self
    }

    /// The `User-Agent` sent when a request has none of its own.
    pub fn user_agent(&self) -> Option<&HeaderValue> {
        self.user_agent.as_ref()
    }

    /// Sets the default `User-Agent`; `None` sends none.
    pub fn with_user_agent(mut self, user_agent: Option<HeaderValue>) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// How long an idle pooled connection is kept for reuse.
    pub fn pool_idle_timeout(&self) -> Duration {
        self.pool_idle_timeout
    }

    /// Sets the idle timeout of pooled connections.
    pub fn with_pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// How many idle connections are kept per host.
    pub fn pool_max_idle_per_host(&self) -> usize {
        self.pool_max_idle_per_host
    }

    /// Sets how many idle connections are kept per host; `0` closes each after use.
    pub fn with_pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// The most connections open to one host (scheme, host and port) at once; `0`, the
    /// default, sets no cap. See [`with_max_connections_per_host`](Self::with_max_connections_per_host).
    pub fn max_connections_per_host(&self) -> usize {
        self.max_connections_per_host
    }

    /// Caps the connections open to one host (scheme, host and port) at once, as aiohttp's
    /// `limit_per_host` does; `0` removes the cap.
    ///
    /// A request that finds every connection to its host in use, and the cap reached, waits
    /// for one to come free (first come, first served), within its total
    /// [`timeout`](Self::timeout); dropping it leaves the line. On HTTP/1.1 a connection carries
    /// one request at a time, so the cap is also the most requests in flight to the host. On
    /// HTTP/2 one connection carries every request to its host, so the cap does not hold them
    /// back. Hosts are counted apart: `localhost` and `127.0.0.1` are two hosts.
    ///
    /// To bound requests rather than connections, on any protocol, use
    /// [`ResilientClient`](crate::ResilientClient)'s per-host concurrency limit.
    ///
    /// ```
    /// use ferry_http::HttpSettings;
    ///
    /// assert_eq!(HttpSettings::default().max_connections_per_host(), 0);
    /// let polite = HttpSettings::default().with_max_connections_per_host(4);
    /// assert_eq!(polite.max_connections_per_host(), 4);
    /// ```
    pub fn with_max_connections_per_host(mut self, max: usize) -> Self {
        self.max_connections_per_host = max;
        self
    }

    /// Extra trusted root certificates, on top of the backend's default roots.
    pub fn root_certificates(&self) -> &[Certificate] {
        &self.root_certificates
    }

    #[cfg(feature = "cookies")]
    /// Turns the cookie jar on (`true`) or off (`false`, the default). On, each client built
    /// from these settings keeps its own [`CookieJar`], which
    /// [`Client::cookie_jar`](super::Client::cookie_jar) returns; see
    /// [`with_cookie_jar`](Self::with_cookie_jar) to share one.
    ///
    /// ```
    /// use ferry_http::HttpSettings;
    ///
    /// assert!(!HttpSettings::default().cookie_store());
    /// assert!(HttpSettings::default().with_cookie_store(true).cookie_store());
    /// ```
    pub fn with_cookie_store(mut self, enabled: bool) -> Self {
        self.cookies = if enabled {
            Cookies::PerClient
        } else {
            Cookies::Off
        };
        self
    }

    #[cfg(feature = "cookies")]
    /// Keeps cookies in `jar`, shared by every client built from these settings (and anyone
    /// else holding a clone of it).
    ///
    /// ```
    /// use ferry_http::{CookieJar, HttpSettings};
    ///
    /// let jar = CookieJar::new();
    /// let settings = HttpSettings::default().with_cookie_jar(jar.clone());
    /// assert!(settings.cookie_store());
    /// ```
    pub fn with_cookie_jar(mut self, jar: CookieJar) -> Self {
        self.cookies = Cookies::Shared(jar);
        self
    }

    #[cfg(feature = "cookies")]
    /// Whether clients built from these settings keep cookies.
    pub fn cookie_store(&self) -> bool {
        !matches!(self.cookies, Cookies::Off)
    }

    #[cfg(feature = "cookies")]
    /// The jar a new client starts with: `None` when cookies are off, a fresh one per client,
    /// or the shared one.
    pub(crate) fn new_cookie_jar(&self) -> Option<CookieJar> {
        match &self.cookies {
            Cookies::Off => None,
            Cookies::PerClient => Some(CookieJar::new()),
            Cookies::Shared(jar) => Some(jar.clone()),
        }
    }

    /// Without the `cookies` feature no client keeps cookies.
    #[cfg(not(feature = "cookies"))]
    pub(crate) fn new_cookie_jar(&self) -> Option<CookieJar> {
        None
    }

    /// Sends `Authorization: Basic ...` for `user` and `password` with every request that has
    /// no `Authorization` of its own (as `httpx.Client(auth=...)` does). Like the request
    /// builder's [`basic_auth`](super::RequestBuilder::basic_auth), it is sensitive: never in
    /// `Debug`, errors or logs, and dropped when a redirect leaves the request's first origin.
    ///
    /// ```
    /// use ferry_http::HttpSettings;
    ///
    /// let settings = HttpSettings::default().with_basic_auth("svc", Some("hunter2"));
    /// assert!(!format!("{settings:?}").contains("hunter2"));
    /// ```
    pub fn with_basic_auth(
        mut self,
        user: impl fmt::Display,
        password: Option<impl fmt::Display>,
    ) -> Self {
        self.basic_auth = Some(super::builder_bodies::basic_auth_value(user, password));
        self
    }

    /// The default `Authorization` value, when one is set.
    pub(crate) fn basic_auth(&self) -> Option<&HeaderValue> {
        self.basic_auth.as_ref()
    }

    /// Trusts `certificate` as a root, for servers with a private CA or a self-signed
    /// certificate. The backend checks it when the client is built.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// Whether requests ask for compressed bodies and responses are decoded as they stream
    /// (on by default); see [`ContentCoding`](super::ContentCoding) for what is decoded and
    /// [`RequestBuilder::decompression`](super::RequestBuilder::decompression) to choose per
    /// request.
    pub fn decompression(&self) -> bool {
        self.decompression
    }

    /// Turns decompression on or off. Off, no `Accept-Encoding` is added and every body is
    /// read as it came, with the server's `Content-Encoding` and `Content-Length`.
    ///
    /// ```
    /// use ferry_http::HttpSettings;
    ///
    /// let raw = HttpSettings::default().with_decompression(false);
    /// assert!(!raw.decompression());
    /// assert!(HttpSettings::default().decompression());
    /// ```
    pub fn with_decompression(mut self, on: bool) -> Self {
        self.decompression = on;
        self
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("HttpSettings");
        out.field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_redirects", &self.max_redirects)
            .field("user_agent", &self.user_agent)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("root_certificates", &self.root_certificates.len());
        #[cfg(feature = "cookies")]
        out.field("cookies", &self.cookies);
        out.field("basic_auth", &self.basic_auth.as_ref().map(|_| "REDACTED"))
            .field("decompression", &self.decompression)
            .finish()
    }
}

/// A root certificate to trust, PEM or DER encoded; see
/// [`HttpSettings::add_root_certificate`].
///
/// It is checked by the backend when the client is built, which fails with
/// [`InvalidCertificate`] on a bad one.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    encoding: CertificateEncoding,
    bytes: Bytes,
}

/// How a [`Certificate`]'s bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateEncoding {
    /// One or more `-----BEGIN CERTIFICATE-----` blocks.
    Pem,
    /// One certificate in binary DER.
    Der,
}

impl Certificate {
    /// One or more PEM certificates (every `BEGIN CERTIFICATE` block is trusted).
    pub fn from_pem(pem: impl Into<Bytes>) -> Self {
        Self {
            encoding: CertificateEncoding::Pem,
            bytes: pem.into(),
        }
    }

    /// One DER certificate.
    pub fn from_der(der: impl Into<Bytes>) -> Self {
        Self {
            encoding: CertificateEncoding::Der,
            bytes: der.into(),
        }
    }

    /// How the bytes are encoded.
    pub fn encoding(&self) -> CertificateEncoding {
        self.encoding
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("encoding", &self.encoding)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A backend could not build a client because a root certificate in the settings is invalid.
#[derive(Debug, thiserror::Error)]
#[error("invalid root certificate #{index} ({encoding:?}): {reason}")]
pub struct InvalidCertificate {
    index: usize,
    encoding: CertificateEncoding,
    reason: String,
}

impl InvalidCertificate {
    /// The certificate at `index` in [`HttpSettings::root_certificates`] is invalid because of
    /// `reason`.
    pub fn new(index: usize, certificate: &Certificate, reason: impl fmt::Display) -> Self {
        Self {
            index,
            encoding: certificate.encoding,
            reason: reason.to_string(),
        }
    }

    /// The position of the bad certificate in [`HttpSettings::root_certificates`].
    pub fn index(&self) -> usize {
        self.index
    }
}
