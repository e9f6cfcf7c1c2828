//! Cases for a [`FileSystem`]: whole-file and streaming I/O, directories, atomic writes, JSON,
//! concurrency, and the typed error of each kind of bad input.
//!
//! Run them with [`fs_suite!`](crate::fs_suite). Each case gets an [`FsEnv`]: a runtime, the
//! file system, and a fresh empty directory (`root`) that it owns. The backend's test harness
//! makes the directory (a `tempfile::TempDir` on a real disk, `/` of a new in-memory file
//! system for a mock) and removes it afterwards:
//!
//! ```ignore
//! fn with_fs<F, Fut>(body: F)
//! where
//!     F: FnOnce(FsEnv<MyRuntime, MyFs>) -> Fut,
//!     Fut: std::future::Future<Output = ()>,
//! {
//!     let dir = tempfile::tempdir().unwrap();
//!     my_runtime::block_on(body(FsEnv::new(MyRuntime::new(), MyFs::new(), dir.path())));
//! }
//!
//! ferry_conformance::fs_suite!(with_fs);
//! ```

use std::path::{Path, PathBuf};

use ferry_fs::{FileSystem, FileSystemExt, FsError, FsOp, WriteMode, is_atomic_temp_name};
use futures::io::{AsyncReadExt, AsyncWriteExt};

use crate::runtime::TestRuntime;

mod atomic;
mod bad_input;

pub use atomic::*;
pub use bad_input::*;

/// The bound every case's file system meets.
pub trait TestFs: FileSystem + Clone + 'static {}
impl<F: FileSystem + Clone + 'static> TestFs for F {}

/// What a case runs on: a runtime, a file system, and an empty directory of its own.
#[derive(Debug, Clone)]
pub struct FsEnv<R, F> {
    /// The runtime, for spawning concurrent work and for timers.
    pub rt: R,
    /// The file system under test.
    pub fs: F,
    /// A directory that exists, is empty, and belongs to this case alone.
    pub root: PathBuf,
    /// Whether read-only permissions stop writes here. False when tests run as root on
    /// Unix (root ignores them); the permission case is then skipped with a note.
    pub enforces_permissions: bool,
}

impl<R, F> FsEnv<R, F> {
    /// An environment with `root` as the case's directory, enforcing permissions.
    pub fn new(rt: R, fs: F, root: impl Into<PathBuf>) -> Self {
        Self {
            rt,
            fs,
            root: root.into(),
            enforces_permissions: true,
        }
    }

    /// Says whether read-only permissions stop writes on this file system and user.
    #[must_use]
    pub fn with_enforced_permissions(mut self, enforced: bool) -> Self {
        self.enforces_permissions = enforced;
        self
    }
}

/// Runs every case of this module as a `#[test]`; see the [module docs](self).
#[macro_export]
macro_rules! fs_suite {
    ($with_fs:path) => {
        $crate::__suite!(
            $with_fs,
            fs,
            [
                write_then_read_returns_the_same_bytes,
                write_replaces_longer_content,
                read_to_string_returns_the_text,
                append_creates_the_file_then_adds_after_its_content,
                create_dir_all_then_read_dir_lists_names_types_and_lengths,
                create_dir_needs_its_parent_and_refuses_an_existing_path,
                rename_moves_a_file_and_replaces_the_target,
                remove_file_and_remove_dir_all_delete_what_they_name,
                metadata_and_exists_report_type_and_length,
                set_readonly_shows_in_metadata,
                streaming_write_and_read_of_several_mib_round_trip,
                open_write_modes_truncate_append_and_create_new,
                concurrent_writes_and_reads_of_many_files,
                write_atomic_replaces_content_and_leaves_no_temp_file,
                readers_never_see_a_torn_atomic_write,
                failed_write_atomic_leaves_target_and_no_temp_file,
                dropped_write_atomic_leaves_old_or_new_content_and_no_temp_file,
                json_round_trips_through_write_json_and_read_json,
                missing_file_is_not_found_with_operation_and_path_in_message,
                invalid_json_is_a_json_error_with_path_and_no_value,
                non_utf8_text_is_an_invalid_utf8_error,
                unserializable_value_is_a_json_error_and_writes_nothing,
                writing_into_read_only_file_or_directory_is_permission_denied,
                writing_below_a_regular_file_fails_and_creates_nothing,
            ]
        );
    };
}

/// The names in `dir`, sorted.
pub(crate) async fn names(fs: &impl FileSystem, dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs
        .read_dir(dir)
        .await
        .unwrap_or_else(|error| panic!("listing {} failed: {error}", dir.display()))
        .iter()
        .map(|entry| entry.name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether any temporary file of an atomic write is left in `dir`.
pub(crate) async fn temp_files(fs: &impl FileSystem, dir: &Path) -> Vec<String> {
    names(fs, dir)
        .await
        .into_iter()
        .filter(|name| is_atomic_temp_name(name.as_ref()))
        .collect()
}

/// Asserts that `error`'s message names `path`.
pub(crate) fn assert_names_path(error: &FsError, path: &Path) {
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "error message {message:?} should name {}",
        path.display()
    );
}

/// Bytes that are not text: every byte value, twice.
fn binary_bytes() -> Vec<u8> {
    (0..=255u8).chain(0..=255u8).collect()
}

/// Bytes written and read back are the same, every byte value included.
pub async fn write_then_read_returns_the_same_bytes<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let path = env.root.join("data.bin");
    env.fs.write(&path, &binary_bytes()).await.expect("write");
    assert_eq!(env.fs.read(&path).await.expect("read"), binary_bytes());
    env.fs
        .write(&env.root.join("empty"), b"")
        .await
        .expect("write empty");
    assert_eq!(
        env.fs
            .read(&env.root.join("empty"))
            .await
            .expect("read empty"),
        b""
    );
}

/// Writing a shorter content truncates: nothing of the old content is left behind.
pub async fn write_replaces_longer_content<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let path = env.root.join("notes.txt");
    env.fs
        .write(&path, b"a long first version")
        .await
        .expect("first write");
    env.fs.write(&path, b"short").await.expect("second write");
    assert_eq!(env.fs.read(&path).await.expect("read"), b"short");
}

/// UTF-8 text, multi-byte characters included, comes back as the same string.
pub async fn read_to_string_returns_the_text<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let path = env.root.join("text.txt");
    let text = "ferry ⛴ carries data\nline two\n";
    env.fs.write(&path, text.as_bytes()).await.expect("write");
    assert_eq!(env.fs.read_to_string(&path).await.expect("read text"), text);
}

/// Append creates a missing file, then each call adds after what is there.
pub async fn append_creates_the_file_then_adds_after_its_content<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let path = env.root.join("log.txt");
    env.fs.append(&path, b"one\n").await.expect("first append");
    env.fs.append(&path, b"two\n").await.expect("second append");
    env.fs.append(&path, b"").await.expect("empty append");
    assert_eq!(env.fs.read(&path).await.expect("read"), b"one\ntwo\n");
}

/// Nested directories are created in one call (again without error), and a listing gives
/// each entry's name, full path, type and length.
pub async fn create_dir_all_then_read_dir_lists_names_types_and_lengths<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let top = env.root.join("a");
    env.fs
        .create_dir_all(&top.join("b").join("c"))
        .await
        .expect("create nested");
    env.fs
        .create_dir_all(&top.join("b").join("c"))
        .await
        .expect("create again is fine");
    env.fs
        .write(&top.join("x.txt"), b"xx")
        .await
        .expect("write x");
    env.fs
        .write(&top.join("y.txt"), b"yyyy")
        .await
        .expect("write y");

    let mut entries = env.fs.read_dir(&top).await.expect("list");
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    let seen: Vec<_> = entries
        .iter()
        .map(|entry| {
            assert_eq!(
                entry.path(),
                top.join(entry.name()),
                "path is dir joined with name"
            );
            let len = if entry.is_file() {
                Some(entry.len())
            } else {
                None
            };
            (
                entry.name().to_string_lossy().into_owned(),
                entry.is_dir(),
                len,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("b".to_owned(), true, None),
            ("x.txt".to_owned(), false, Some(2)),
            ("y.txt".to_owned(), false, Some(4)),
        ]
    );
    assert_eq!(
        names(&env.fs, &top.join("b").join("c")).await,
        Vec::<String>::new()
    );
}

/// `create_dir` makes one level: a missing parent is "not found", an existing path "already
/// exists".
pub async fn create_dir_needs_its_parent_and_refuses_an_existing_path<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let dir = env.root.join("one");
    env.fs.create_dir(&dir).await.expect("create one level");
    assert!(env.fs.metadata(&dir).await.expect("metadata").is_dir());

    let again = env.fs.create_dir(&dir).await.expect_err("exists already");
    assert!(again.is_already_exists(), "got {again}");
    assert_eq!(again.op(), FsOp::CreateDir);

    let orphan = env.root.join("missing").join("child");
    let error = env
        .fs
        .create_dir(&orphan)
        .await
        .expect_err("parent is missing");
    assert!(error.is_not_found(), "got {error}");
    assert_names_path(&error, &orphan);
}

/// A rename moves the content to the new name, replacing a file there; a missing source is
/// "not found" and names both paths.
pub async fn rename_moves_a_file_and_replaces_the_target<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let from = env.root.join("from.txt");
    let to = env.root.join("to.txt");
    env.fs.write(&from, b"new").await.expect("write source");
    env.fs.write(&to, b"old").await.expect("write target");
    env.fs.rename(&from, &to).await.expect("rename");
    assert_eq!(env.fs.read(&to).await.expect("read target"), b"new");
    assert_eq!(names(&env.fs, &env.root).await, ["to.txt"]);

    let error = env.fs.rename(&from, &to).await.expect_err("source is gone");
    assert!(error.is_not_found(), "got {error}");
    assert_eq!(error.op(), FsOp::Rename);
    assert_eq!(error.target(), Some(to.as_path()));
    assert_names_path(&error, &from);
    assert_names_path(&error, &to);
    assert_eq!(env.fs.read(&to).await.expect("target intact"), b"new");
}

/// `remove_file` deletes one file, `remove_dir_all` a whole tree; removing what is not there is
/// "not found".
pub async fn remove_file_and_remove_dir_all_delete_what_they_name<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let file = env.root.join("gone.txt");
    env.fs.write(&file, b"x").await.expect("write");
    env.fs.remove_file(&file).await.expect("remove file");
    assert!(!env.fs.exists(&file).await.expect("exists"));
    let again = env
        .fs
        .remove_file(&file)
        .await
        .expect_err("already removed");
    assert!(again.is_not_found(), "got {again}");
    assert_eq!(again.op(), FsOp::RemoveFile);

    let tree = env.root.join("tree");
    env.fs
        .create_dir_all(&tree.join("deep").join("er"))
        .await
        .expect("create tree");
    env.fs
        .write(&tree.join("deep").join("f"), b"f")
        .await
        .expect("write in tree");
    env.fs.remove_dir_all(&tree).await.expect("remove tree");
    assert_eq!(names(&env.fs, &env.root).await, Vec::<String>::new());
}

/// Metadata says file or directory and the length; `exists` is false, not an error, for a
/// missing path.
pub async fn metadata_and_exists_report_type_and_length<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let file = env.root.join("five.txt");
    env.fs.write(&file, b"12345").await.expect("write");
    let metadata = env.fs.metadata(&file).await.expect("file metadata");
    assert!(metadata.is_file() && !metadata.is_dir());
    assert_eq!(metadata.len(), 5);
    assert!(!metadata.readonly());
    assert!(
        env.fs
            .metadata(&env.root)
            .await
            .expect("dir metadata")
            .is_dir()
    );

    assert!(env.fs.exists(&file).await.expect("exists"));
    assert!(env.fs.exists(&env.root).await.expect("root exists"));
    assert!(
        !env.fs
            .exists(env.root.join("nope"))
            .await
            .expect("missing is not an error")
    );
    let error = env
        .fs
        .metadata(&env.root.join("nope"))
        .await
        .expect_err("missing");
    assert!(
        error.is_not_found() && error.op() == FsOp::Metadata,
        "got {error}"
    );
}

/// A file marked read-only says so in its metadata, and stops saying so when made writable.
pub async fn set_readonly_shows_in_metadata<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let file = env.root.join("locked.txt");
    env.fs.write(&file, b"x").await.expect("write");
    env.fs
        .set_readonly(&file, true)
        .await
        .expect("make read-only");
    assert!(env.fs.metadata(&file).await.expect("metadata").readonly());
    env.fs
        .set_readonly(&file, false)
        .await
        .expect("make writable");
    assert!(!env.fs.metadata(&file).await.expect("metadata").readonly());
    env.fs.write(&file, b"y").await.expect("writable again");
}

/// A few MiB written through a streaming writer in odd-sized chunks come back byte for byte
/// through a streaming reader.
pub async fn streaming_write_and_read_of_several_mib_round_trip<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    const LEN: usize = 3 * 1024 * 1024 + 17;
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let path = env.root.join("big.bin");

    let mut writer = env
        .fs
        .open_write(&path, WriteMode::Truncate)
        .await
        .expect("open write");
    assert_eq!(writer.path(), path);
    for chunk in data.chunks(10_007) {
        writer.write_all(chunk).await.expect("write chunk");
    }
    writer.sync_all().await.expect("sync");
    writer.close().await.expect("close");
    drop(writer);
    assert_eq!(
        env.fs.metadata(&path).await.expect("metadata").len(),
        LEN as u64
    );

    let mut reader = env.fs.open_read(&path).await.expect("open read");
    let mut back = Vec::with_capacity(LEN);
    let mut chunk = vec![0; 4096];
    loop {
        let n = reader.read(&mut chunk).await.expect("read chunk");
        if n == 0 {
            break;
        }
        back.extend_from_slice(&chunk[..n]);
    }
    assert!(
        back == data,
        "streamed {} bytes back, wrote {LEN}",
        back.len()
    );
}

/// Truncate empties an existing file, Append keeps its content, CreateNew refuses it.
pub async fn open_write_modes_truncate_append_and_create_new<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let path = env.root.join("modes.txt");
    let mut writer = env
        .fs
        .open_write(&path, WriteMode::CreateNew)
        .await
        .expect("create new");
    writer.write_all(b"first").await.expect("write");
    writer.close().await.expect("close");
    drop(writer);

    let error = env
        .fs
        .open_write(&path, WriteMode::CreateNew)
        .await
        .expect_err("exists");
    assert!(error.is_already_exists(), "got {error}");
    assert_names_path(&error, &path);

    let mut writer = env
        .fs
        .open_write(&path, WriteMode::Append)
        .await
        .expect("append");
    writer.write_all(b"+second").await.expect("write");
    writer.close().await.expect("close");
    drop(writer);
    assert_eq!(env.fs.read(&path).await.expect("read"), b"first+second");

    let mut writer = env
        .fs
        .open_write(&path, WriteMode::Truncate)
        .await
        .expect("truncate");
    writer.write_all(b"third").await.expect("write");
    writer.close().await.expect("close");
    drop(writer);
    assert_eq!(env.fs.read(&path).await.expect("read"), b"third");
}
