//! Streaming handles over in-memory files, and the pause every operation takes.

use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use ferry_core::rt::Sleep;
use ferry_fs::RawFileWriter;
use futures_io::{AsyncRead, AsyncWrite};

use super::Shared;
use super::faults::InjectedFault;
use super::tree::{Bytes, NodeId};

/// The wait before an operation takes effect: the configured latency on the runtime's
/// virtual clock, or else one turn given to the other tasks (a real file system's call goes to
/// the kernel or a thread pool, so other tasks run meanwhile; the seed then decides the
/// interleaving).
#[derive(Debug)]
pub(super) enum Pause {
    Yield { yielded: bool },
    Sleep(Sleep),
}

impl Future for Pause {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut *self {
            Self::Sleep(sleep) => Pin::new(sleep).poll(cx),
            Self::Yield { yielded: true } => Poll::Ready(()),
            Self::Yield { yielded } => {
                *yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

/// A reader over the content the file had when it was opened.
pub(super) struct MemReader {
    pub(super) data: Bytes,
    pub(super) pos: usize,
}

impl AsyncRead for MemReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        let count = rest.len().min(buf.len());
        buf[..count].copy_from_slice(&rest[..count]);
        self.pos += count;
        Poll::Ready(Ok(count))
    }
}

/// A writer straight into a file's node: nothing is buffered, so every accepted byte is in
/// the file at once (and durable only after `sync_all`).
pub(super) struct MemWriter {
    pub(super) fs: Arc<Shared>,
    pub(super) id: NodeId,
    /// The crash generation it was opened in.
    pub(super) generation: u64,
    pub(super) path: PathBuf,
    pub(super) parts: Vec<OsString>,
    /// Where the next write goes; `None` in append mode (always at the end).
    pub(super) offset: Option<u64>,
    pub(super) written: u64,
    pub(super) sync: Option<Pause>,
    pub(super) closed: bool,
}

impl AsyncWrite for MemWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let now = this.fs.now();
        let result = {
            let mut state = this.fs.lock();
            state.check_generation(this.generation).and_then(|()| {
                state
                    .faults
                    .check_write(&this.parts)
                    .map_err(InjectedFault::into_io)?;
                state.write_at(this.id, this.offset, buf, now)
            })
        };
        match &result {
            Ok(count) => {
                if let Some(offset) = &mut this.offset {
                    *offset += *count as u64;
                }
                this.written += *count as u64;
            }
            // Successful chunks are summed up at close; failures are worth a line each.
            Err(error) => this.fs.record(
                format_args!("write {} ({} bytes)", this.fs.show(&this.path), buf.len()),
                Err(error),
            ),
        }
        Poll::Ready(result)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let state = self.fs.lock();
        Poll::Ready(state.check_generation(self.generation))
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = self.fs.lock().check_generation(self.generation);
        if !self.closed {
            self.closed = true;
            let shown = self.fs.show(&self.path);
            self.fs.record(
                format_args!("close {shown} ({} bytes written)", self.written),
                result.as_ref().map(|_| ()),
            );
        }
        Poll::Ready(result)
    }
}

impl RawFileWriter for MemWriter {
    fn poll_sync_all(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let pause = this.sync.get_or_insert_with(|| this.fs.pause());
        ready!(Pin::new(pause).poll(cx));
        this.sync = None;
        let result = {
            let mut state = this.fs.lock();
            state
                .check_generation(this.generation)
                .map(|()| state.sync_node(this.id))
        };
        this.fs.record(
            format_args!("sync_all {}", this.fs.show(&this.path)),
            result.as_ref().map(|_| ()),
        );
        Poll::Ready(result)
    }
}

impl Drop for MemWriter {
    fn drop(&mut self) {
        self.fs.lock().close_handle(self.id, self.generation);
    }
}
