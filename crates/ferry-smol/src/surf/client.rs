//! [`SurfHttpClient`]: ferry-core's shared client over [`SurfTransport`].

use std::future::Future;
use std::pin::Pin;

use ferry_http::{Client, HttpClient, HttpError, HttpSettings, Request, Response};

use super::transport::SurfTransport;
use crate::SmolRuntime;

/// ferry's HTTP client over a [`surf::Client`]: implements ferry-core's [`HttpClient`], so
/// retries, rate limits, pagination and pipelines work on it unchanged.
///
/// Redirects, the total deadline, the body limit, redaction and error mapping are ferry-core's
/// [`Client`] on the runtime's timers; each hop goes through surf. See the
/// [module docs](super) for its limits. Cloning is cheap and shares surf's client.
///
/// ```no_run
/// use ferry_http::{HttpClientExt, HttpSettings};
/// use ferry_smol::surf::SurfHttpClient;
///
/// let status = ferry_smol::block_on(|_rt| async move {
///     let client = SurfHttpClient::new(surf::Client::new(), HttpSettings::default())?;
///     let response = client.get("http://127.0.0.1:8080/items/1").send().await?;
///     Ok::<_, Box<dyn std::error::Error>>(response.status())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SurfHttpClient {
    client: Client<SurfTransport, SmolRuntime>,
}

/// [`HttpSettings`] asked the surf adapter for something only surf's backend can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SurfSettingsError {
    /// The settings carry root certificates; surf's backend owns TLS, so ferry cannot make
    /// it trust them, and ignoring them would fail later in a more confusing way.
    #[error(
        "the surf adapter cannot apply {count} root certificate(s) from HttpSettings: \
         TLS belongs to surf's backend, configure the roots there"
    )]
    RootCertificates {
        /// How many certificates the settings carry.
        count: usize,
    },
    /// The settings cap the connections per host; surf's backend owns its connections, so
    /// ferry cannot hold requests back for one (surf's `Config::set_max_connections_per_host`
    /// can).
    #[error(
        "the surf adapter cannot cap connections at {max} per host from HttpSettings: \
         connections belong to surf's backend, set surf's max_connections_per_host there"
    )]
    ConnectionCap {
        /// The cap the settings asked for.
        max: usize,
    },
}

impl SurfHttpClient {
    /// A client over `surf` on ferry-smol's global executor, with ferry's client `settings`
    /// (timeout, body limit, redirects, user agent).
    ///
    /// # Errors
    ///
    /// [`SurfSettingsError::RootCertificates`] if `settings` carry root certificates,
    /// [`SurfSettingsError::ConnectionCap`] if they cap the connections per host.
    pub fn new(surf: surf::Client, settings: HttpSettings) -> Result<Self, SurfSettingsError> {
        Self::with_runtime(SmolRuntime::new(), surf, settings)
    }

    /// A client whose deadlines run on `runtime`'s timers.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn with_runtime(
        runtime: SmolRuntime,
        surf: surf::Client,
        settings: HttpSettings,
    ) -> Result<Self, SurfSettingsError> {
        let count = settings.root_certificates().len();
        if count > 0 {
            return Err(SurfSettingsError::RootCertificates { count });
        }
        let max = settings.max_connections_per_host();
        if max > 0 {
            return Err(SurfSettingsError::ConnectionCap { max });
        }
        Ok(Self {
            client: Client::new(SurfTransport::new(surf), runtime, settings),
        })
    }

    /// The shared client inside, for its inherent methods.
    pub fn inner(&self) -> &Client<SurfTransport, SmolRuntime> {
        &self.client
    }
}

impl SmolRuntime {
    /// ferry's HTTP client over `surf` on this runtime; see [`SurfHttpClient`].
    ///
    /// # Errors
    ///
    /// As [`SurfHttpClient::new`].
    pub fn surf_client(
        &self,
        surf: surf::Client,
        settings: HttpSettings,
    ) -> Result<SurfHttpClient, SurfSettingsError> {
        SurfHttpClient::with_runtime(self.clone(), surf, settings)
    }
}

impl HttpClient for SurfHttpClient {
    // Written out rather than through `#[async_trait]`, as SmolHttpClient's is: one box.
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Response, HttpError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.client.execute(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_http::Certificate;

    #[test]
    fn settings_with_root_certificates_are_refused_not_ignored() {
        let settings = HttpSettings::default()
            .add_root_certificate(Certificate::from_pem(&b"-----BEGIN CERTIFICATE-----"[..]));
        let error = SurfHttpClient::with_runtime(SmolRuntime::new(), surf::Client::new(), settings)
            .unwrap_err();
        assert!(matches!(
            error,
            SurfSettingsError::RootCertificates { count: 1 }
        ));
        assert!(error.to_string().contains("1 root certificate"));
    }

    #[test]
    fn settings_with_a_connection_cap_are_refused_not_ignored() {
        let settings = HttpSettings::default().with_max_connections_per_host(3);
        let error = SurfHttpClient::with_runtime(SmolRuntime::new(), surf::Client::new(), settings)
            .unwrap_err();
        assert!(matches!(error, SurfSettingsError::ConnectionCap { max: 3 }));
        assert!(error.to_string().contains("3 per host"), "{error}");
    }
}
