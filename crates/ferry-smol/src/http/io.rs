//! [`HyperIo`]: hyper's I/O traits over a futures-io stream, without zeroing hyper's buffer
//! on every read.
//!
//! smol-hyper's `FuturesIo` makes hyper's uninitialised read buffer safe to hand to a
//! futures-io reader by zeroing all of it before every read, including reads that find no
//! data. hyper's spare capacity is many kilobytes, so on a keep-alive connection answering
//! small responses that zeroing was about half of all the client's instructions (callgrind:
//! ~49,000 of ~98,000 per request in the throughput benchmark). ferry allows no unsafe code,
//! so instead of writing into hyper's buffer directly this adapter reads into a buffer of its
//! own, zeroed once when it grows, and copies only the bytes that arrived.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use std::net::TcpStream;

use async_io::Async;
use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// The first read size, hyper's own initial read buffer size.
const FIRST_READ: usize = 8 * 1024;
/// The largest read; a read that fills the buffer doubles it up to here, as hyper's adaptive
/// read strategy does.
const MAX_READ: usize = 64 * 1024;

/// A stream that can tell whether a read may find data, so that reads bound to fail with
/// `WouldBlock` are skipped.
///
/// hyper polls its connection's reader every time the connection task runs (a new request,
/// the body being taken, the pool checking the connection), and async-io's `poll_read` always
/// tries the system call first: on smol that was about six failed `recvfrom` calls per
/// request (strace), where tokio, which remembers that the socket had nothing, makes none.
pub(super) trait ReadReadiness {
    /// Whether [`poll_read_ready`](Self::poll_read_ready) is meaningful for this stream.
    const TRACKS_READINESS: bool;

    /// Ready once the reactor has reported the stream readable since the last read that
    /// found nothing (and registered for that report).
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl ReadReadiness for Async<TcpStream> {
    const TRACKS_READINESS: bool = true;

    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_readable(cx)
    }
}

/// TLS may hold decrypted bytes that the socket's readiness says nothing about, so every read
/// is tried.
impl<T> ReadReadiness for futures_rustls::client::TlsStream<T> {
    const TRACKS_READINESS: bool = false;

    fn poll_read_ready(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

pin_project_lite::pin_project! {
    /// A futures-io stream (TCP or TLS) as a hyper connection's I/O.
    pub(super) struct HyperIo<T> {
        #[pin]
        inner: T,
        // Initialised bytes to read into; grows when reads fill it, never shrinks.
        scratch: Vec<u8>,
        // The last read found nothing: wait for the reactor's word before the next one.
        read_blocked: bool,
    }
}

impl<T> HyperIo<T> {
    pub(super) fn new(inner: T) -> Self {
        Self {
            inner,
            scratch: Vec::new(),
            read_blocked: false,
        }
    }

    /// The stream inside, to wrap it in TLS. Nothing has been read through the adapter yet
    /// when that happens, so no bytes are left behind in its buffer.
    pub(super) fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + ReadReadiness> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let mut this = self.project();
        if *this.read_blocked {
            // The pending read registered this task for the readable event, so waiting on it
            // loses no wake-up.
            ready!(this.inner.as_ref().get_ref().poll_read_ready(cx))?;
            *this.read_blocked = false;
        }
        let size = this.scratch.len().clamp(FIRST_READ, MAX_READ);
        let wanted = buf.remaining().min(size);
        if this.scratch.len() < wanted {
            this.scratch.resize(wanted, 0);
        }
        let read = match this
            .inner
            .as_mut()
            .poll_read(cx, &mut this.scratch[..wanted])
        {
            Poll::Ready(result) => result?,
            Poll::Pending => {
                *this.read_blocked = T::TRACKS_READINESS;
                return Poll::Pending;
            }
        };
        buf.put_slice(&this.scratch[..read]);
        // A full read suggests more is waiting: read more at once next time.
        if read == this.scratch.len() && read < MAX_READ {
            let grown = (read * 2).min(MAX_READ);
            this.scratch.resize(grown, 0);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use futures_io::AsyncRead;
    use hyper::rt::{Read, ReadBuf};

    /// A reader that hands out its bytes at most `chunk` at a time.
    struct Chunks {
        data: Vec<u8>,
        at: usize,
        chunk: usize,
    }

    impl ReadReadiness for Chunks {
        const TRACKS_READINESS: bool = false;

        fn poll_read_ready(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let n = buf.len().min(self.chunk).min(self.data.len() - self.at);
            let at = self.at;
            buf[..n].copy_from_slice(&self.data[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(n))
        }
    }

    fn read_all(io: &mut HyperIo<Chunks>, hyper_buffer: usize) -> Vec<u8> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut out = Vec::new();
        loop {
            let mut storage = vec![std::mem::MaybeUninit::uninit(); hyper_buffer];
            let mut buf = ReadBuf::uninit(&mut storage);
            match Pin::new(&mut *io).poll_read(&mut cx, buf.unfilled()) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return out,
                Poll::Ready(Ok(())) => out.extend_from_slice(buf.filled()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn reads_every_byte_in_order_whatever_the_buffer_sizes() {
        let data: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
        for (chunk, hyper_buffer) in [(7, 5), (100_000, 8192), (70_000, 200_000), (1, 1)] {
            let mut io = HyperIo::new(Chunks {
                data: data.clone(),
                at: 0,
                chunk,
            });
            assert_eq!(
                read_all(&mut io, hyper_buffer),
                data,
                "{chunk} {hyper_buffer}"
            );
            assert!(io.scratch.len() <= MAX_READ);
        }
    }

    /// A socket-like reader: nothing to read until `readable` is set, counting its reads.
    #[derive(Default)]
    struct Socket {
        readable: bool,
        reads: usize,
    }

    impl ReadReadiness for Socket {
        const TRACKS_READINESS: bool = true;

        fn poll_read_ready(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            if self.readable {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }
    }

    impl AsyncRead for Socket {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.reads += 1;
            if self.readable {
                buf[..3].copy_from_slice(b"abc");
                Poll::Ready(Ok(3))
            } else {
                Poll::Pending
            }
        }
    }

    fn poll_into(
        io: &mut HyperIo<Socket>,
        storage: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<usize> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut buf = ReadBuf::uninit(storage);
        match Pin::new(&mut *io).poll_read(&mut cx, buf.unfilled()) {
            Poll::Ready(Ok(())) => Poll::Ready(buf.filled().len()),
            Poll::Ready(Err(error)) => panic!("{error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    #[test]
    fn after_a_read_finds_nothing_the_next_waits_for_readiness() {
        let mut io = HyperIo::new(Socket::default());
        let mut storage = vec![std::mem::MaybeUninit::uninit(); 64];
        assert!(poll_into(&mut io, &mut storage).is_pending());
        assert!(poll_into(&mut io, &mut storage).is_pending());
        assert!(poll_into(&mut io, &mut storage).is_pending());
        assert_eq!(io.inner.reads, 1, "woken without readiness: no system call");
        io.inner.readable = true;
        assert_eq!(poll_into(&mut io, &mut storage), Poll::Ready(3));
        assert_eq!(poll_into(&mut io, &mut storage), Poll::Ready(3));
        assert_eq!(io.inner.reads, 3, "readable again: every poll reads");
    }

    #[test]
    fn full_reads_grow_the_read_size_up_to_the_maximum() {
        let mut io = HyperIo::new(Chunks {
            data: vec![1; 1_000_000],
            at: 0,
            chunk: usize::MAX,
        });
        read_all(&mut io, 1 << 20);
        assert_eq!(io.scratch.len(), MAX_READ);
    }
}
