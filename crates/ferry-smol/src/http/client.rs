//! [`SmolHttpClient`]: ferry-core's shared client over [`SmolTransport`].

use ferry_http::{Client, HttpClient, HttpError, HttpSettings, Request, Response};

use std::future::Future;
use std::pin::Pin;

use super::transport::SmolTransport;
use crate::SmolRuntime;

/// A [`SmolHttpClient`] could not be built from its settings: a root certificate is invalid,
/// or rustls refused the TLS configuration. The same error as the tokio backend's, from the
/// TLS code both share.
pub use ferry_wire::TlsConfigError as HttpClientBuildError;

/// An HTTP client on smol: implements ferry-core's [`HttpClient`], with no tokio anywhere.
///
/// Redirects, timeouts, the body limit and error mapping are ferry-core's [`Client`], the
/// same code the tokio client runs; connections (a keep-alive pool per host, HTTP/1.1 and
/// HTTP/2, rustls TLS) are [`SmolTransport`]'s. Cloning is cheap and shares the pool; build
/// one client and reuse it.
///
/// ```no_run
/// use ferry_http::{HttpClientExt, HttpSettings};
///
/// let item: serde_json::Value = ferry_smol::block_on(|rt| async move {
///     let client = rt.http_client(HttpSettings::default())?;
///     let item = client
///         .get("https://api.example.com/items/1")
///         .send()
///         .await?
///         .error_for_status()?
///         .json()
///         .await?;
///     Ok::<_, Box<dyn std::error::Error>>(item)
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SmolHttpClient {
    client: Client<SmolTransport, SmolRuntime>,
}

impl SmolHttpClient {
    /// A client on ferry-smol's global executor.
    ///
    /// # Errors
    ///
    /// A root certificate in `settings` is invalid, or rustls refuses the configuration.
    pub fn new(settings: HttpSettings) -> Result<Self, HttpClientBuildError> {
        Self::with_runtime(SmolRuntime::new(), settings)
    }

    /// A client whose connections and timers live on `runtime`.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn with_runtime(
        runtime: SmolRuntime,
        settings: HttpSettings,
    ) -> Result<Self, HttpClientBuildError> {
        let transport = SmolTransport::new(runtime.clone(), &settings)?;
        Ok(Self {
            client: Client::new(transport, runtime, settings),
        })
    }

    /// The shared client inside, for its inherent methods.
    pub fn inner(&self) -> &Client<SmolTransport, SmolRuntime> {
        &self.client
    }
}

impl SmolRuntime {
    /// An HTTP client on this runtime; see [`SmolHttpClient`].
    ///
    /// # Errors
    ///
    /// A root certificate in `settings` is invalid, or rustls refuses the configuration.
    pub fn http_client(
        &self,
        settings: HttpSettings,
    ) -> Result<SmolHttpClient, HttpClientBuildError> {
        SmolHttpClient::with_runtime(self.clone(), settings)
    }
}

impl HttpClient for SmolHttpClient {
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
