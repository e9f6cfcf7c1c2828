//! Making symbolic links for the cases that need them, which the `FileSystem` trait leaves to
//! each backend.

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

type Make = dyn Fn(&Path, &Path) -> io::Result<()> + Send + Sync;

/// Makes a symbolic link: `make(target, link)`, as `std::os::unix::fs::symlink` does on a real
/// disk or `MemFs::symlink` in memory. Set it with
/// [`FsEnv::with_symlinks`](super::FsEnv::with_symlinks).
#[derive(Clone)]
pub struct Symlinker(Arc<Make>);

impl Symlinker {
    /// Wraps `make(target, link)`.
    pub fn new(make: impl Fn(&Path, &Path) -> io::Result<()> + Send + Sync + 'static) -> Self {
        Self(Arc::new(make))
    }

    /// Makes a link at `link` pointing to `target`.
    ///
    /// # Panics
    ///
    /// If the link cannot be made: the case cannot go on without it.
    pub fn make(&self, target: &Path, link: &Path) {
        (self.0)(target, link).unwrap_or_else(|error| {
            panic!(
                "making a symbolic link {} -> {}: {error}",
                link.display(),
                target.display()
            )
        });
    }
}

impl fmt::Debug for Symlinker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Symlinker(..)")
    }
}
