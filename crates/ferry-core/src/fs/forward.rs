//! Implementing [`FileSystem`] by calling through to another implementor: for pointers to one
//! here, and for the backends' file systems, which are newtypes over [`StdFs`](super::StdFs).

use std::sync::Arc;

use super::FileSystem;

/// Implements [`FileSystem`] for a type by calling through to an implementor it points to or
/// holds: `__forward_file_system!([generics] Type => |this| &inner)`, where `&inner` is a
/// reference to the implementor. ferry-core uses it for `&F`, `Box<F>` and `Arc<F>`; the
/// backends for their file systems, newtypes over [`StdFs`](super::StdFs).
#[doc(hidden)]
#[macro_export]
macro_rules! __forward_file_system {
    ([$($generics:tt)*] $ty:ty => |$this:ident| $inner:expr) => {
        #[$crate::fs::__async_trait]
        impl<$($generics)*> $crate::fs::FileSystem for $ty {
            async fn read(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<::std::vec::Vec<u8>, $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::read($inner, path).await
            }
            async fn write(
                &self,
                path: &::std::path::Path,
                contents: &[u8],
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::write($inner, path, contents).await
            }
            async fn append(
                &self,
                path: &::std::path::Path,
                contents: &[u8],
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::append($inner, path, contents).await
            }
            async fn create_dir(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::create_dir($inner, path).await
            }
            async fn create_dir_all(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::create_dir_all($inner, path).await
            }
            async fn read_dir(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::fs::DirEntry>, $crate::fs::FsError>
            {
                let $this = self;
                $crate::fs::FileSystem::read_dir($inner, path).await
            }
            async fn remove_file(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::remove_file($inner, path).await
            }
            async fn remove_dir_all(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::remove_dir_all($inner, path).await
            }
            async fn rename(
                &self,
                from: &::std::path::Path,
                to: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::rename($inner, from, to).await
            }
            async fn metadata(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<$crate::fs::Metadata, $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::metadata($inner, path).await
            }
            async fn set_readonly(
                &self,
                path: &::std::path::Path,
                readonly: bool,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::set_readonly($inner, path, readonly).await
            }
            async fn open_read(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<$crate::fs::FileReader, $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::open_read($inner, path).await
            }
            async fn open_write(
                &self,
                path: &::std::path::Path,
                mode: $crate::fs::WriteMode,
            ) -> ::std::result::Result<$crate::fs::FileWriter, $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::open_write($inner, path, mode).await
            }
            async fn sync_dir(
                &self,
                path: &::std::path::Path,
            ) -> ::std::result::Result<(), $crate::fs::FsError> {
                let $this = self;
                $crate::fs::FileSystem::sync_dir($inner, path).await
            }
            fn remove_file_in_background(&self, path: ::std::path::PathBuf) {
                let $this = self;
                $crate::fs::FileSystem::remove_file_in_background($inner, path)
            }
        }
    };
}

__forward_file_system!([F: FileSystem + ?Sized] &F => |this| &**this);
__forward_file_system!([F: FileSystem + ?Sized] Box<F> => |this| &**this);
__forward_file_system!([F: FileSystem + ?Sized] Arc<F> => |this| &**this);
