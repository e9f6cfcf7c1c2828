//! [`TestServer`]: the routes behind hyper, on a tokio runtime of their own in a background
//! thread, listening on 127.0.0.1.

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::routes::Routes;
use crate::serve::{Shared, accept_loop};
use crate::tls::{TestCertificates, TlsSetupError};

/// Why a [`TestServer`] could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listening socket could not be bound (the port is taken, for example).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// [`TestServerBuilder::worker_threads`] was given 0.
    #[error("the test server needs at least one worker thread, got 0")]
    NoWorkerThreads,
    /// The server's tokio runtime or its thread could not be started.
    #[error("cannot start the test server's runtime: {0}")]
    Runtime(std::io::Error),
    /// The certificates or the TLS configuration could not be made.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
}

/// Configures a [`TestServer`] before it starts.
///
/// ```
/// let server = ferry_testserver::TestServer::builder()
///     .worker_threads(2)
///     .http_only()
///     .start();
/// assert!(server.https_addr().is_none());
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` or `try_start`"]
pub struct TestServerBuilder {
    worker_threads: usize,
    http_only: bool,
    http_port: u16,
    https_port: u16,
}

impl Default for TestServerBuilder {
    fn default() -> TestServerBuilder {
        TestServerBuilder {
            worker_threads: 1,
            http_only: false,
            http_port: 0,
            https_port: 0,
        }
    }
}

impl TestServerBuilder {
    /// The number of threads serving requests (default 1: a current-thread runtime, which keeps
    /// the server on one core, as benchmarks on a small machine want). More than 1 uses a
    /// multi-thread runtime with that many workers. 0 makes `start` fail.
    pub fn worker_threads(mut self, threads: usize) -> TestServerBuilder {
        self.worker_threads = threads;
        self
    }

    /// Listens for plain HTTP only: no HTTPS port ([`TestServer::https_url`] then panics).
    pub fn http_only(mut self) -> TestServerBuilder {
        self.http_only = true;
        self
    }

    /// The HTTP port (default 0: a free port chosen by the system).
    pub fn bind_port(mut self, port: u16) -> TestServerBuilder {
        self.http_port = port;
        self
    }

    /// The HTTPS port (default 0: a free port chosen by the system).
    pub fn bind_https_port(mut self, port: u16) -> TestServerBuilder {
        self.https_port = port;
        self
    }

    /// Starts the server.
    ///
    /// # Panics
    ///
    /// When the server cannot start (see [`TestServerBuilder::try_start`]): this is a test
    /// helper, where a panic with the reason is the useful outcome.
    pub fn start(self) -> TestServer {
        match self.try_start() {
            Ok(server) => server,
            Err(error) => panic!("ferry-testserver: {error}"),
        }
    }

    /// Starts the server, or says why it cannot: a port that cannot be bound, 0 worker threads,
    /// a runtime or certificate failure.
    pub fn try_start(self) -> Result<TestServer, StartError> {
        if self.worker_threads == 0 {
            return Err(StartError::NoWorkerThreads);
        }
        let certificates = TestCertificates::generate()?;
        let http = bind(self.http_port)?;
        let https = if self.http_only {
            None
        } else {
            Some(bind(self.https_port)?)
        };
        let http_addr = local_addr(&http, self.http_port)?;
        let https_addr = match &https {
            Some(listener) => Some(local_addr(listener, self.https_port)?),
            None => None,
        };

        let runtime = build_runtime(self.worker_threads).map_err(StartError::Runtime)?;
        // Registering the listeners here, not in the thread, reports failures to the caller.
        let listeners = {
            let _context = runtime.enter();
            let http = tokio::net::TcpListener::from_std(http);
            let https = https.map(tokio::net::TcpListener::from_std).transpose();
            (http, https)
        };
        let (http, https) = match listeners {
            (Ok(http), Ok(https)) => (http, https),
            (Err(error), _) | (_, Err(error)) => {
                // The caller may be inside another runtime, where a blocking drop panics.
                runtime.shutdown_background();
                return Err(StartError::Runtime(error));
            }
        };

        let shared = Arc::new(Shared::default());
        let acceptor = TlsAcceptor::from(Arc::clone(&certificates.server_config));
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("ferry-testserver".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(accept_loop(http, None, Arc::clone(&thread_shared)));
                    if let Some(https) = https {
                        tokio::spawn(accept_loop(https, Some(acceptor), thread_shared));
                    }
                    // Either a shutdown request or the sender dropped with the TestServer.
                    let _ = shutdown_signal.await;
                });
                // Dropping the runtime drops every connection task: stalled and endless
                // responses end here, and their sockets close.
                drop(runtime);
            })
            .map_err(StartError::Runtime)?;

        Ok(TestServer {
            http_addr,
            https_addr,
            ca_pem: certificates.ca_pem,
            ca_der: certificates.ca_der.to_vec(),
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

fn bind(port: u16) -> Result<StdTcpListener, StartError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener =
        StdTcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Bind { addr, source })?;
    Ok(listener)
}

fn local_addr(listener: &StdTcpListener, port: u16) -> Result<SocketAddr, StartError> {
    listener.local_addr().map_err(|source| StartError::Bind {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        source,
    })
}

fn build_runtime(worker_threads: usize) -> std::io::Result<Runtime> {
    let mut builder = if worker_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(worker_threads);
        builder
    };
    builder
        .enable_all()
        .thread_name("ferry-testserver-worker")
        .build()
}

/// A local HTTP + HTTPS server on 127.0.0.1 serving the [routes](crate::routes), for tests,
/// examples and benchmarks.
///
/// It runs on its own tokio runtime in a background thread, so clients on any runtime (or on
/// plain threads) can use it. HTTP/1.1 and HTTP/2 are both served (HTTP/2 over TLS by ALPN, or
/// over plain HTTP with prior knowledge). Dropping the server shuts it down: every connection
/// closes, and the drop returns once the server's thread has ended.
///
/// ```
/// use std::io::{Read, Write};
///
/// let server = ferry_testserver::TestServer::start();
/// let mut stream = std::net::TcpStream::connect(server.http_addr()).unwrap();
/// stream
///     .write_all(b"GET /items/1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
///     .unwrap();
/// let mut response = String::new();
/// stream.read_to_string(&mut response).unwrap();
/// assert!(response.starts_with("HTTP/1.1 200 OK"));
/// assert!(response.ends_with(&ferry_testserver::routes::item_json(1)));
/// assert_eq!(server.requests_for("/items/1"), 1);
/// ```
#[derive(Debug)]
pub struct TestServer {
    http_addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    ca_pem: String,
    ca_der: Vec<u8>,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with HTTP and HTTPS on free ports of 127.0.0.1 and one worker thread.
    ///
    /// # Panics
    ///
    /// When it cannot start (no free port, no thread): see [`TestServerBuilder::try_start`].
    pub fn start() -> TestServer {
        TestServer::builder().start()
    }

    /// A builder to choose ports, worker threads, or HTTP only.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT` followed by `path_and_query` (a `/` is put in front if missing).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.http_addr, slashed(path_and_query))
    }

    /// `https://localhost:PORT` followed by `path_and_query`. The certificate is valid for
    /// `localhost` and `127.0.0.1` and signed by [`TestServer::ca_cert_pem`].
    ///
    /// # Panics
    ///
    /// When the server was started with [`TestServerBuilder::http_only`].
    pub fn https_url(&self, path_and_query: &str) -> String {
        let addr = self
            .https_addr
            .expect("ferry-testserver: https_url on a server started with http_only()");
        format!(
            "https://localhost:{}{}",
            addr.port(),
            slashed(path_and_query)
        )
    }

    /// The address of the HTTP listener.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The address of the HTTPS listener, `None` for an HTTP-only server.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// The CA certificate (PEM) that signed the server's certificate: the only root a client
    /// needs to trust.
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate, DER encoded.
    pub fn ca_cert_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// How many TCP connections the server has accepted (HTTP and HTTPS): a client that reuses
    /// keep-alive connections keeps this low.
    pub fn connections_accepted(&self) -> usize {
        self.shared.connections_accepted.load(Ordering::SeqCst)
    }

    /// How many accepted connections are still open on the server's side (to check that a
    /// client that went away, mid-body for example, leaves nothing behind).
    pub fn connections_open(&self) -> usize {
        self.shared.connections_open.load(Ordering::SeqCst)
    }

    /// How many requests the routes have handled.
    pub fn requests_served(&self) -> usize {
        self.shared.routes.requests_served()
    }

    /// How many requests had exactly this path (no query string).
    pub fn requests_for(&self, path: &str) -> usize {
        self.shared.routes.requests_for(path)
    }

    /// The routes' state: per-key counters of `/flaky` and `/ratelimited`, and [`Routes::reset`].
    pub fn routes(&self) -> &Routes {
        &self.shared.routes
    }
}

fn slashed(path_and_query: &str) -> String {
    if path_and_query.starts_with('/') {
        path_and_query.to_owned()
    } else {
        format!("/{path_and_query}")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // The server thread only panics on a bug in the server; the test that dropped the
            // server should not fail for it in its own drop.
            let _ = thread.join();
        }
    }
}
