//! [`Decoded`]: the wire body read through a chain of decoders, one bounded chunk at a time.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

#[cfg(feature = "brotli")]
use async_compression::futures::bufread::BrotliDecoder;
#[cfg(feature = "gzip")]
use async_compression::futures::bufread::GzipDecoder;
#[cfg(feature = "zstd")]
use async_compression::futures::bufread::ZstdDecoder;
#[cfg(feature = "deflate")]
use async_compression::futures::bufread::{DeflateDecoder, ZlibDecoder};
use bytes::{Buf, Bytes, BytesMut};
use futures_io::{AsyncBufRead, AsyncRead};
use futures_util::io::BufReader;
use http::Uri;

use super::coding::{ContentCoding, MAX_CHAIN, is_zlib_header};
use super::error::DecompressError;
use crate::body::Body;
use crate::error::{HttpError, Kind};

/// The most decoded bytes one poll produces, and the buffer between two stacked decoders: a
/// body is never held whole, whatever its size or ratio.
const CHUNK: usize = 32 * 1024;

type Reader = Pin<Box<dyn AsyncRead + Send + Sync>>;

enum State {
    /// Waiting for the first wire bytes: an empty body is an empty decoded body (servers send
    /// `Content-Encoding` on empty bodies), and `deflate` is told from raw deflate by them.
    Start {
        wire: Body,
        codings: Vec<ContentCoding>,
        first: BytesMut,
    },
    Reading {
        reader: Reader,
        /// The coding applied last, which the first decoder undoes.
        outer: ContentCoding,
        buf: Box<[u8]>,
    },
    /// The chain was refused before any byte was read.
    Refused(Option<DecompressError>),
    Done,
}

/// A response body decoded as it streams.
pub(crate) struct Decoded {
    state: State,
}

impl Decoded {
    /// Decodes `wire` with `codings`, in this order.
    pub(crate) fn new(wire: Body, codings: Vec<ContentCoding>) -> Self {
        Self {
            state: State::Start {
                wire,
                codings,
                first: BytesMut::new(),
            },
        }
    }

    /// A body that fails at its first read: `count` stacked codings are more than supported.
    pub(crate) fn too_many(count: usize) -> Self {
        Self {
            state: State::Refused(Some(DecompressError::too_many(count, MAX_CHAIN))),
        }
    }

    /// The wire body, until reading starts (to check its announced length).
    pub(crate) fn wire(&self) -> Option<&Body> {
        match &self.state {
            State::Start { wire, .. } => Some(wire),
            _ => None,
        }
    }

    /// The next decoded chunk of at most `allowance` bytes (the caller passes one more than
    /// its limit leaves, so that going past the limit shows without decoding further).
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
        url: &Uri,
        allowance: u64,
    ) -> Poll<Option<Result<Bytes, HttpError>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Refused(error) => {
                    let error = error.take().map(|error| decompress_error(error, url));
                    self.state = State::Done;
                    return Poll::Ready(error.map(Err));
                }
                State::Start {
                    wire,
                    codings,
                    first,
                } => {
                    let need = if codings.first() == Some(&ContentCoding::Deflate) {
                        2
                    } else {
                        1
                    };
                    let ended = loop {
                        if first.len() >= need {
                            break false;
                        }
                        match ready!(wire.poll_chunk(cx, url)) {
                            Some(Ok(chunk)) => first.extend_from_slice(&chunk),
                            Some(Err(error)) => {
                                self.state = State::Done;
                                return Poll::Ready(Some(Err(error)));
                            }
                            None => break true,
                        }
                    };
                    if ended && first.is_empty() {
                        self.state = State::Done;
                        return Poll::Ready(None);
                    }
                    let State::Start {
                        wire,
                        codings,
                        first,
                    } = std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("the state was matched as Start above")
                    };
                    let first = first.freeze();
                    let raw_deflate = first.len() < 2 || !is_zlib_header(first[0], first[1]);
                    let outer = codings[0];
                    let wire = WireReader {
                        body: wire,
                        url: url.clone(),
                        chunk: first,
                        ended,
                    };
                    self.state = State::Reading {
                        reader: chain(wire, &codings, raw_deflate),
                        outer,
                        buf: vec![0; CHUNK].into_boxed_slice(),
                    };
                }
                State::Reading { reader, outer, buf } => {
                    let want = usize::try_from(allowance).map_or(CHUNK, |left| left.min(CHUNK));
                    let read = ready!(reader.as_mut().poll_read(cx, &mut buf[..want.max(1)]));
                    let outer = *outer;
                    return Poll::Ready(match read {
                        Ok(0) => {
                            self.state = State::Done;
                            None
                        }
                        Ok(n) => Some(Ok(Bytes::copy_from_slice(&buf[..n]))),
                        Err(error) => {
                            self.state = State::Done;
                            Some(Err(into_http_error(error, outer, url)))
                        }
                    });
                }
            }
        }
    }
}

/// The decoders for `codings` (first applied to the wire), stacked over `wire`.
fn chain(wire: WireReader, codings: &[ContentCoding], raw_deflate: bool) -> Reader {
    let mut reader = decoder(codings[0], wire, raw_deflate);
    for &coding in &codings[1..] {
        reader = decoder(coding, BufReader::with_capacity(CHUNK, reader), false);
    }
    reader
}

fn decoder<R>(coding: ContentCoding, input: R, raw_deflate: bool) -> Reader
where
    R: AsyncBufRead + Send + Sync + 'static,
{
    // Built without every codec, some arms below are gone and these may go unused.
    let _ = (&input, raw_deflate);
    match coding {
        #[cfg(feature = "gzip")]
        ContentCoding::Gzip => {
            let mut decoder = GzipDecoder::new(input);
            decoder.multiple_members(true);
            Box::pin(Tagged::new(decoder, coding))
        }
        #[cfg(feature = "deflate")]
        ContentCoding::Deflate if raw_deflate => {
            Box::pin(Tagged::new(DeflateDecoder::new(input), coding))
        }
        #[cfg(feature = "deflate")]
        ContentCoding::Deflate => Box::pin(Tagged::new(ZlibDecoder::new(input), coding)),
        #[cfg(feature = "brotli")]
        ContentCoding::Brotli => Box::pin(Tagged::new(BrotliDecoder::new(input), coding)),
        #[cfg(feature = "zstd")]
        ContentCoding::Zstd => {
            let mut decoder = ZstdDecoder::new_for_http(input);
            decoder.multiple_members(true);
            Box::pin(Tagged::new(decoder, coding))
        }
        // `coding::plan` passes a coding that is not compiled in through undecoded, so no
        // chain asks for one; should one, its body fails to read rather than being misread.
        #[allow(unreachable_patterns)]
        missing => Box::pin(NotCompiledIn(missing)),
    }
}

/// The reader for a coding this build cannot decode: every read fails, naming it.
struct NotCompiledIn(ContentCoding);

impl AsyncRead for NotCompiledIn {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::Error::other(DecompressError::not_compiled_in(
            self.0,
        ))))
    }
}

/// The wire body as an [`AsyncBufRead`]; its failures travel through the decoders as the
/// [`HttpError`] inside an `io::Error`, and come out as they went in.
struct WireReader {
    body: Body,
    url: Uri,
    chunk: Bytes,
    ended: bool,
}

impl AsyncBufRead for WireReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.chunk.is_empty() && !this.ended {
            match ready!(this.body.poll_chunk(cx, &this.url)) {
                Some(Ok(chunk)) => this.chunk = chunk,
                Some(Err(error)) => return Poll::Ready(Err(io::Error::other(error))),
                None => this.ended = true,
            }
        }
        Poll::Ready(Ok(&this.chunk[..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let chunk = &mut self.get_mut().chunk;
        chunk.advance(amt.min(chunk.len()));
    }
}

impl AsyncRead for WireReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

pin_project_lite::pin_project! {
    /// A decoder whose own failures are tagged with its coding, so that in a chain the error
    /// names the layer that failed.
    struct Tagged<R> {
        #[pin]
        inner: R,
        coding: ContentCoding,
    }
}

impl<R> Tagged<R> {
    #[cfg_attr(
        not(any(
            feature = "gzip",
            feature = "deflate",
            feature = "brotli",
            feature = "zstd"
        )),
        allow(dead_code)
    )]
    fn new(inner: R, coding: ContentCoding) -> Self {
        Self { inner, coding }
    }
}

impl<R: AsyncRead> AsyncRead for Tagged<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let coding = *this.coding;
        this.inner.poll_read(cx, buf).map_err(|error| {
            if is_typed(&error) {
                error
            } else {
                io::Error::other(DecompressError::corrupt(coding, error))
            }
        })
    }
}

/// Whether `error` already carries a wire failure or a tagged decoder failure.
fn is_typed(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<HttpError>() || inner.is::<DecompressError>())
}

/// The error a read of the decoded body reports.
fn into_http_error(error: io::Error, outer: ContentCoding, url: &Uri) -> HttpError {
    if !is_typed(&error) {
        return decompress_error(DecompressError::corrupt(outer, error), url);
    }
    let Some(inner) = error.into_inner() else {
        unreachable!("a typed io::Error has an inner error")
    };
    match inner.downcast::<HttpError>() {
        Ok(wire) => *wire,
        Err(other) => match other.downcast::<DecompressError>() {
            Ok(decompress) => decompress_error(*decompress, url),
            Err(other) => HttpError::new(Kind::Decompress)
                .with_url(url)
                .with_source(other),
        },
    }
}

fn decompress_error(error: DecompressError, url: &Uri) -> HttpError {
    HttpError::new(Kind::Decompress)
        .with_url(url)
        .with_context(error.to_string())
        .with_source(error)
}
