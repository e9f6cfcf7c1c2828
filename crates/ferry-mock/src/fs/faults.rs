//! Fault injection: which operations fail on purpose, and the typed error they fail with.

use std::error::Error as StdError;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

use ferry_fs::FsError;

/// Why a [`MemFs`](super::MemFs) operation failed on purpose: the cause inside the
/// [`FsError`] of every injected failure.
///
/// Each variant comes with the [`io::ErrorKind`] a real file system would give for the same
/// trouble, so code under test sees an ordinary error ([`kind`](Self::kind) says which), while
/// a test can tell an injected failure from a real one with [`InjectedFault::of`].
///
/// ```
/// use ferry_fs::FileSystem;
/// use ferry_mock::{InjectedFault, MemFs};
///
/// futures::executor::block_on(async {
///     let fs = MemFs::standalone();
///     fs.fail_write_after(0);
///     let error = fs.write("/a.txt".as_ref(), b"x").await.unwrap_err();
///     assert_eq!(InjectedFault::of(&error), Some(&InjectedFault::NthWrite { n: 1 }));
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InjectedFault {
    /// The write chosen by [`MemFs::fail_write_after`](super::MemFs::fail_write_after): the
    /// `n`th write counted from that call. Kind [`Other`](io::ErrorKind::Other), like an
    /// `EIO` from a failing disk.
    #[error("injected fault: write #{n} fails")]
    NthWrite {
        /// Which write it was, counting from 1.
        n: u64,
    },
    /// A write under a path given to
    /// [`MemFs::fail_writes_under`](super::MemFs::fail_writes_under). Kind
    /// [`Other`](io::ErrorKind::Other).
    #[error("injected fault: writes under {} fail", prefix.display())]
    WriteUnder {
        /// The path given.
        prefix: PathBuf,
    },
    /// The capacity set with [`MemFs::limit_space`](super::MemFs::limit_space) is used up.
    /// Kind [`StorageFull`](io::ErrorKind::StorageFull) (`ENOSPC`).
    #[error("injected fault: no space left ({capacity} bytes in use)")]
    StorageFull {
        /// The capacity, in bytes.
        capacity: u64,
    },
    /// The path is under one given to [`MemFs::deny_under`](super::MemFs::deny_under). Kind
    /// [`PermissionDenied`](io::ErrorKind::PermissionDenied).
    #[error("injected fault: access under {} is denied", prefix.display())]
    Denied {
        /// The path given.
        prefix: PathBuf,
    },
    /// The file system [crashed](super::MemFs::crash) after this file was opened: the handle
    /// belongs to a process that no longer exists. Kind [`Other`](io::ErrorKind::Other).
    #[error("injected fault: the file system crashed after this file was opened")]
    Crashed,
}

impl InjectedFault {
    /// The kind of I/O error this fault is reported as.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Self::NthWrite { .. } | Self::WriteUnder { .. } | Self::Crashed => io::ErrorKind::Other,
            Self::StorageFull { .. } => io::ErrorKind::StorageFull,
            Self::Denied { .. } => io::ErrorKind::PermissionDenied,
        }
    }

    /// The injected fault behind `error`, if it was one (and not a real failure such as a
    /// missing file).
    pub fn of(error: &FsError) -> Option<&InjectedFault> {
        error.io_error()?.get_ref()?.downcast_ref::<InjectedFault>()
    }

    /// The fault as an I/O error of its [`kind`](Self::kind), carrying it as the source.
    pub(super) fn into_io(self) -> io::Error {
        io::Error::new(self.kind(), self)
    }

    /// The injected fault behind an I/O error, if any (for the trace).
    pub(super) fn in_io(error: &io::Error) -> Option<&InjectedFault> {
        let inner: &(dyn StdError + Send + Sync + 'static) = error.get_ref()?;
        inner.downcast_ref::<InjectedFault>()
    }
}

/// A path given to a fault, as given (for messages) and as components (for matching).
#[derive(Debug, Clone)]
pub(super) struct Prefix {
    pub(super) given: PathBuf,
    pub(super) parts: Vec<OsString>,
}

impl Prefix {
    /// Whether the resolved path `parts` is this prefix or below it.
    pub(super) fn covers(&self, parts: &[OsString]) -> bool {
        parts.starts_with(&self.parts)
    }
}

/// The faults armed on one file system.
#[derive(Debug, Clone, Default)]
pub(super) struct Faults {
    /// Writes still allowed before the armed one fails, and the armed write's number.
    pub(super) nth_write: Option<(u64, u64)>,
    pub(super) writes_under: Vec<Prefix>,
    pub(super) capacity: Option<u64>,
    pub(super) denied: Vec<Prefix>,
}

impl Faults {
    /// Counts one write to `parts` and says whether it must fail.
    pub(super) fn check_write(&mut self, parts: &[OsString]) -> Result<(), InjectedFault> {
        if let Some(prefix) = self.writes_under.iter().find(|p| p.covers(parts)) {
            return Err(InjectedFault::WriteUnder {
                prefix: prefix.given.clone(),
            });
        }
        if let Some((left, n)) = self.nth_write.as_mut() {
            if *left == 0 {
                let n = *n;
                self.nth_write = None;
                return Err(InjectedFault::NthWrite { n });
            }
            *left -= 1;
        }
        Ok(())
    }

    /// Whether any operation on `parts` is denied.
    pub(super) fn check_access(&self, parts: &[OsString]) -> Result<(), InjectedFault> {
        match self.denied.iter().find(|p| p.covers(parts)) {
            Some(prefix) => Err(InjectedFault::Denied {
                prefix: prefix.given.clone(),
            }),
            None => Ok(()),
        }
    }
}
