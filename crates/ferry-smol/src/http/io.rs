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

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// The first read size, hyper's own initial read buffer size.
const FIRST_READ: usize = 8 * 1024;
/// The largest read; a read that fills the buffer doubles it up to here, as hyper's adaptive
/// read strategy does.
const MAX_READ: usize = 64 * 1024;

pin_project_lite::pin_project! {
    /// A futures-io stream (TCP or TLS) as a hyper connection's I/O.
    pub(super) struct HyperIo<T> {
        #[pin]
        inner: T,
        // Initialised bytes to read into; grows when reads fill it, never shrinks.
        scratch: Vec<u8>,
    }
}

impl<T> HyperIo<T> {
    pub(super) fn new(inner: T) -> Self {
        Self {
            inner,
            scratch: Vec::new(),
        }
    }
}

impl<T: AsyncRead> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let size = this.scratch.len().clamp(FIRST_READ, MAX_READ);
        let wanted = buf.remaining().min(size);
        if this.scratch.len() < wanted {
            this.scratch.resize(wanted, 0);
        }
        let read = ready!(this.inner.poll_read(cx, &mut this.scratch[..wanted]))?;
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
