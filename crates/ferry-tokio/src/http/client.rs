//! [`TokioHttpClient`]: ferry-core's shared client over [`TokioTransport`].

use ferry_http::{
    Client, HttpClient, HttpError, HttpSettings, InvalidCertificate, Request, Response,
};

use std::future::Future;
use std::pin::Pin;

use super::transport::TokioTransport;
use crate::TokioRuntime;

/// An HTTP client on tokio: implements ferry-core's [`HttpClient`].
///
/// Redirects, timeouts, the body limit and error mapping are ferry-core's
/// [`Client`]; connections (a keep-alive pool per host, HTTP/1.1 and HTTP/2, rustls TLS) are
/// [`TokioTransport`]'s. Cloning is cheap and shares the pool; build one client and reuse it.
///
/// ```no_run
/// use ferry_http::{HttpClientExt, HttpSettings};
/// use ferry_tokio::TokioHttpClient;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = TokioHttpClient::new(HttpSettings::default())?;
/// let item: serde_json::Value = client
///     .get("https://api.example.com/items/1")
///     .send()
///     .await?
///     .error_for_status()?
///     .json()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TokioHttpClient {
    client: Client<TokioTransport, TokioRuntime>,
}

/// A [`TokioHttpClient`] could not be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientBuildError {
    /// A root certificate in the settings is not a valid certificate.
    #[error(transparent)]
    InvalidCertificate(#[from] InvalidCertificate),
    /// rustls refused the TLS configuration.
    #[error("invalid TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

impl From<ferry_wire::TlsConfigError> for HttpClientBuildError {
    fn from(error: ferry_wire::TlsConfigError) -> Self {
        match error {
            ferry_wire::TlsConfigError::InvalidCertificate(error) => {
                Self::InvalidCertificate(error)
            }
            ferry_wire::TlsConfigError::Tls(error) => Self::Tls(error),
        }
    }
}

impl TokioHttpClient {
    /// A client on the tokio runtime the calling thread runs on.
    ///
    /// # Panics
    ///
    /// Panics outside a tokio runtime, like `tokio::spawn`; use
    /// [`with_runtime`](Self::with_runtime) from elsewhere.
    pub fn new(settings: HttpSettings) -> Result<Self, HttpClientBuildError> {
        Self::with_runtime(TokioRuntime::current(), settings)
    }

    /// A client whose connections and timers live on `runtime`.
    pub fn with_runtime(
        runtime: TokioRuntime,
        settings: HttpSettings,
    ) -> Result<Self, HttpClientBuildError> {
        let transport = TokioTransport::new(runtime.handle().clone(), &settings)?;
        Ok(Self {
            client: Client::new(transport, runtime, settings),
        })
    }

    /// The shared client inside, for its inherent methods.
    pub fn inner(&self) -> &Client<TokioTransport, TokioRuntime> {
        &self.client
    }
}

impl TokioRuntime {
    /// An HTTP client on this runtime; see [`TokioHttpClient`].
    pub fn http_client(
        &self,
        settings: HttpSettings,
    ) -> Result<TokioHttpClient, HttpClientBuildError> {
        TokioHttpClient::with_runtime(self.clone(), settings)
    }
}

impl HttpClient for TokioHttpClient {
    // Written out rather than through `#[async_trait]`, whose wrapper would add a second
    // state machine around the client's: one box, one small future.
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
