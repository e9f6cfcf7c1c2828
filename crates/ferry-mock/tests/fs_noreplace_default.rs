//! The provided `FileSystem::rename_noreplace`, for file systems that do not override it (a
//! placeholder made with create-new, then a rename over it): it never replaces an entry that
//! was there, and leaves no placeholder when the move fails.

use std::path::{Path, PathBuf};

use ferry_fs::{DirEntry, FileReader, FileSystem, FileWriter, FsError, Metadata, WriteMode};
use ferry_mock::MemFs;
use futures::executor::block_on;

fn p(path: &str) -> &Path {
    Path::new(path)
}

/// A `MemFs` behind every method but `rename_noreplace`, which keeps the trait's own.
struct WithoutOwnNoReplace(MemFs);

#[async_trait::async_trait]
impl FileSystem for WithoutOwnNoReplace {
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        self.0.read(path).await
    }
    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.0.write(path, contents).await
    }
    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.0.append(path, contents).await
    }
    async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
        self.0.create_dir(path).await
    }
    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.0.create_dir_all(path).await
    }
    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        self.0.read_dir(path).await
    }
    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        self.0.remove_file(path).await
    }
    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.0.remove_dir_all(path).await
    }
    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        self.0.rename(from, to).await
    }
    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.0.metadata(path).await
    }
    async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError> {
        self.0.set_readonly(path, readonly).await
    }
    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        self.0.open_read(path).await
    }
    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        self.0.open_write(path, mode).await
    }
    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.0.sync_dir(path).await
    }
    fn remove_file_in_background(&self, path: PathBuf) {
        self.0.remove_file_in_background(path);
    }
}

async fn names(fs: &MemFs, dir: &str) -> Vec<String> {
    fs.read_dir(p(dir))
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_provided_rename_noreplace_moves_to_a_free_name_and_refuses_every_taken_one() {
    block_on(async {
        let mem = MemFs::standalone();
        let fs = WithoutOwnNoReplace(mem.clone());
        fs.write(p("/part"), b"new").await.unwrap();
        fs.write(p("/file"), b"old").await.unwrap();
        fs.create_dir(p("/dir")).await.unwrap();
        mem.symlink("/nowhere", "/dangling").unwrap();
        for taken in ["/file", "/dir", "/dangling"] {
            let error = fs.rename_noreplace(p("/part"), p(taken)).await.unwrap_err();
            assert!(error.is_already_exists(), "{taken}: {error}");
            assert_eq!(error.target(), Some(p(taken)));
        }
        assert_eq!(fs.read(p("/file")).await.unwrap(), b"old");
        assert_eq!(mem.read_link("/dangling").unwrap(), p("/nowhere"));
        assert!(fs.metadata(p("/nowhere")).await.unwrap_err().is_not_found());

        fs.rename_noreplace(p("/part"), p("/free")).await.unwrap();
        assert_eq!(fs.read(p("/free")).await.unwrap(), b"new");
        assert_eq!(names(&mem, "/").await, ["dangling", "dir", "file", "free"]);
    });
}

#[test]
fn the_provided_rename_noreplace_removes_its_placeholder_when_the_move_fails() {
    block_on(async {
        let mem = MemFs::standalone();
        let fs = WithoutOwnNoReplace(mem.clone());
        let error = fs
            .rename_noreplace(p("/no-such-source"), p("/target"))
            .await
            .unwrap_err();
        assert!(error.is_not_found(), "{error}");
        assert!(
            names(&mem, "/").await.is_empty(),
            "the placeholder at /target is gone"
        );
    });
}
