//! Implementing [`FileSystem`](super::FileSystem) by calling through to another implementor:
//! for pointers to one here, and for the backends' file systems, which are newtypes over
//! [`StdFs`](super::StdFs).

use std::sync::Arc;

/// Implements [`FileSystem`](super::FileSystem) for a type by calling through to an
/// implementor it points to or holds: `__forward_file_system!([generics] Type => |this|
/// &inner)`, where `&inner` is a reference to the implementor. ferry-core uses it for `&F`,
/// `Box<F>` and `Arc<F>`; the backends for their file systems, newtypes over
/// [`StdFs`](super::StdFs).
#[doc(hidden)]
#[macro_export]
macro_rules! __forward_file_system {
    ([$($generics:tt)*] $ty:ty => |$this:ident| $inner:expr) => {
        // A block of its own, so that the names below mean what they say whatever the
        // invoking module has in scope.
        const _: () = {
            use ::std::path::{Path, PathBuf};
            use ::std::result::Result;
            use ::std::vec::Vec;
            use $crate::{
                DirEntry, FileReader, FileSystem, FileWriter, FsError, Metadata, WriteMode,
            };

            #[$crate::__async_trait]
            impl<$($generics)*> FileSystem for $ty {
                async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
                    let $this = self;
                    FileSystem::read($inner, path).await
                }
                async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::write($inner, path, contents).await
                }
                async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::append($inner, path, contents).await
                }
                async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::create_dir($inner, path).await
                }
                async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::create_dir_all($inner, path).await
                }
                async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
                    let $this = self;
                    FileSystem::read_dir($inner, path).await
                }
                async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::remove_file($inner, path).await
                }
                async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::remove_dir_all($inner, path).await
                }
                async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::rename($inner, from, to).await
                }
                async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
                    let $this = self;
                    FileSystem::metadata($inner, path).await
                }
                async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::set_readonly($inner, path, readonly).await
                }
                async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
                    let $this = self;
                    FileSystem::open_read($inner, path).await
                }
                async fn open_write(
                    &self,
                    path: &Path,
                    mode: WriteMode,
                ) -> Result<FileWriter, FsError> {
                    let $this = self;
                    FileSystem::open_write($inner, path, mode).await
                }
                async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
                    let $this = self;
                    FileSystem::sync_dir($inner, path).await
                }
                fn remove_file_in_background(&self, path: PathBuf) {
                    let $this = self;
                    FileSystem::remove_file_in_background($inner, path)
                }
            }
        };
    };
}

__forward_file_system!([F: FileSystem + ?Sized] &F => |this| &**this);
__forward_file_system!([F: FileSystem + ?Sized] Box<F> => |this| &**this);
__forward_file_system!([F: FileSystem + ?Sized] Arc<F> => |this| &**this);
