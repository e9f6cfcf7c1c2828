//! The hyper/tokio glue: accepts connections, turns hyper requests into [`RouteRequest`]s and
//! [`Reply`]s into hyper responses, carrying out the waits and body behaviours they describe.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream;
use http::uri::Scheme;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::routes::{
    BodySink, PATTERN_CHUNK, Reply, ReplyBody, RouteRequest, Routes, pattern_chunk,
};

/// The largest request body the server reads; larger ones get 413, so a runaway upload test
/// cannot exhaust memory.
pub(crate) const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// How long a truncated body waits after its last byte before failing, so hyper writes those
/// bytes to the socket before it closes the connection.
const TRUNCATE_FLUSH: Duration = Duration::from_millis(20);

/// A wait before each retry of a failed `accept` (out of file descriptors, for example), so the
/// accept loop does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(10);

/// The body type of every response.
pub(crate) type ResponseBody = UnsyncBoxBody<Bytes, io::Error>;

/// State shared by the accept loops, the connections and the [`TestServer`](crate::TestServer).
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) routes: Routes,
    pub(crate) connections_accepted: AtomicUsize,
    pub(crate) connections_open: AtomicUsize,
}

/// Counts one open connection for as long as it lives, however its task ends (finished,
/// failed, or dropped when the runtime shuts down).
struct OpenConnection(Arc<Shared>);

impl OpenConnection {
    fn new(shared: Arc<Shared>) -> OpenConnection {
        shared.connections_open.fetch_add(1, Ordering::SeqCst);
        OpenConnection(shared)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts connections on `listener` forever, serving each on its own task (over TLS when
/// `tls` is given). Ends only when its task is dropped with the runtime.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        // Small responses must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        shared.connections_accepted.fetch_add(1, Ordering::SeqCst);
        let open = OpenConnection::new(Arc::clone(&shared));
        let (builder, shared, tls) = (Arc::clone(&builder), Arc::clone(&shared), tls.clone());
        tokio::spawn(async move {
            let _open = open;
            match tls {
                None => serve_connection(&builder, stream, shared, Scheme::HTTP).await,
                Some(acceptor) => {
                    // A failed handshake only ends this connection.
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve_connection(&builder, stream, shared, Scheme::HTTPS).await;
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 or HTTP/2 (whichever the client speaks) on one connection until it closes.
async fn serve_connection<I>(
    builder: &auto::Builder<TokioExecutor>,
    io: I,
    shared: Arc<Shared>,
    scheme: Scheme,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let (shared, scheme) = (Arc::clone(&shared), scheme.clone());
        async move { Ok::<_, Infallible>(respond(&shared.routes, scheme, request).await) }
    });
    // Errors here are the client's doing (reset, malformed request, went away mid-body) or a
    // deliberate truncation: they end the connection and nothing else.
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// Reads the request, runs the routes, and carries out the reply.
async fn respond(
    routes: &Routes,
    scheme: Scheme,
    request: Request<Incoming>,
) -> Response<ResponseBody> {
    let (parts, body) = request.into_parts();
    if let Some(sink) = routes.streaming(parts.uri.path(), &parts.headers) {
        return into_response(stream_into(routes, parts.uri.path(), sink, body).await).await;
    }
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            let reply = if error.is::<LengthLimitError>() {
                Reply::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("request bodies are limited to {MAX_REQUEST_BODY} bytes"),
                )
            } else {
                Reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot read the body: {error}"),
                )
            };
            return into_response(reply).await;
        }
    };
    let request = RouteRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        scheme,
        now: SystemTime::now(),
    };
    into_response(routes.handle(&request)).await
}

/// Feeds a streaming route's body to its sink frame by frame, holding no more than one frame.
async fn stream_into(
    routes: &Routes,
    path: &str,
    mut sink: Box<dyn BodySink>,
    mut body: Incoming,
) -> Reply {
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    sink.feed(data);
                }
            }
            Err(error) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot read the body: {error}"),
                );
            }
        }
    }
    routes.finish_streaming(path, sink)
}

/// Turns a [`Reply`] into a response, waiting first when the reply says so.
async fn into_response(reply: Reply) -> Response<ResponseBody> {
    let body = match reply.body {
        ReplyBody::Full(bytes) => full(bytes),
        ReplyBody::Delayed { delay, body } => {
            tokio::time::sleep(delay).await;
            full(body)
        }
        ReplyBody::Stall => {
            // Held until the connection's task is dropped (client gone or server shut down).
            std::future::pending::<()>().await;
            full(Bytes::new())
        }
        ReplyBody::Chunks {
            interval,
            count,
            chunk,
        } => boxed(stream::unfold(count, move |left| {
            let chunk = chunk.clone();
            async move {
                if left == 0 {
                    return None;
                }
                tokio::time::sleep(interval).await;
                Some((Ok(Frame::data(chunk)), left - 1))
            }
        })),
        ReplyBody::Pattern { len } => boxed(pattern_stream(len)),
        ReplyBody::Truncated { sent_len, .. } => {
            let failure = stream::once(async {
                tokio::time::sleep(TRUNCATE_FLUSH).await;
                Err(io::Error::other("body truncated on purpose"))
            });
            boxed(futures_util::StreamExt::chain(
                pattern_stream(sent_len),
                failure,
            ))
        }
        ReplyBody::Endless => boxed(pattern_stream(u64::MAX)),
        ReplyBody::Repeated {
            head,
            unit,
            count,
            tail,
        } => {
            let units = stream::iter((0..count).map(move |_| Ok(Frame::data(unit.clone()))));
            let ends =
                |bytes: Bytes| stream::iter((!bytes.is_empty()).then(|| Ok(Frame::data(bytes))));
            boxed(futures_util::StreamExt::chain(
                futures_util::StreamExt::chain(ends(head), units),
                ends(tail),
            ))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    *response.headers_mut() = reply.headers;
    response
}

fn full(bytes: Bytes) -> ResponseBody {
    UnsyncBoxBody::new(Full::new(bytes).map_err(|never| match never {}))
}

fn boxed<S>(frames: S) -> ResponseBody
where
    S: futures_util::Stream<Item = io::Result<Frame<Bytes>>> + Send + 'static,
{
    UnsyncBoxBody::new(StreamBody::new(frames))
}

/// `len` pattern bytes from offset 0, in pieces of at most [`PATTERN_CHUNK`].
fn pattern_stream(len: u64) -> impl futures_util::Stream<Item = io::Result<Frame<Bytes>>> + Send {
    stream::unfold(0u64, move |offset| async move {
        let left = len - offset;
        if left == 0 {
            return None;
        }
        let size = left.min(PATTERN_CHUNK as u64) as usize;
        Some((
            Ok(Frame::data(pattern_chunk(offset, size))),
            offset + size as u64,
        ))
    })
}
