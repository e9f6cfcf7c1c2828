//! POSIX semantics of the in-memory file system beyond the conformance suite: the error kind
//! of each misuse, rename rules, path resolution, listing order, streaming handles, and use
//! without a mock runtime.

use std::io::ErrorKind;
use std::path::Path;

use ferry_fs::{FileSystem, FileSystemExt, WriteMode};
use ferry_mock::MemFs;
use futures::executor::block_on;
use futures::io::{AsyncReadExt, AsyncWriteExt};

fn p(path: &str) -> &Path {
    Path::new(path)
}

/// A file system with `/d/f` (a file holding "f") and `/d/sub/` (an empty directory).
async fn sample() -> MemFs {
    let fs = MemFs::standalone();
    fs.create_dir_all(p("/d/sub")).await.expect("dirs");
    fs.write(p("/d/f"), b"f").await.expect("file");
    fs
}

#[test]
fn files_used_as_directories_and_directories_as_files_fail_with_the_kinds_std_gives() {
    block_on(async {
        let fs = sample().await;
        let kind = |result: Result<(), ferry_fs::FsError>| result.expect_err("fails").kind();
        assert_eq!(
            kind(fs.read(p("/d")).await.map(drop)),
            ErrorKind::IsADirectory
        );
        assert_eq!(kind(fs.write(p("/d"), b"x").await), ErrorKind::IsADirectory);
        assert_eq!(
            kind(fs.remove_file(p("/d/sub")).await),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            kind(fs.read_dir(p("/d/f")).await.map(drop)),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs.remove_dir_all(p("/d/f")).await),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs.metadata(p("/d/f/x")).await.map(drop)),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs.create_dir_all(p("/d/f")).await),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(fs.create_dir(p("/d/f")).await),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(fs.set_readonly(p("/nope"), true).await),
            ErrorKind::NotFound
        );
        assert_eq!(kind(fs.sync_dir(p("/nope")).await), ErrorKind::NotFound);
        assert_eq!(kind(fs.read(p("")).await.map(drop)), ErrorKind::NotFound);
        assert_eq!(
            kind(fs.remove_dir_all(p("/")).await),
            ErrorKind::ResourceBusy
        );
        assert_eq!(fs.read(p("/d/f")).await.expect("intact"), b"f");
    });
}

#[test]
fn rename_follows_posix_rules_for_files_and_directories() {
    block_on(async {
        let fs = sample().await;
        let kind = |result: Result<(), ferry_fs::FsError>| result.expect_err("fails").kind();
        assert_eq!(
            kind(fs.rename(p("/d/f"), p("/d/sub")).await),
            ErrorKind::IsADirectory
        );
        assert_eq!(
            kind(fs.rename(p("/d/sub"), p("/d/f")).await),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            kind(fs.rename(p("/d"), p("/d/sub/d")).await),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            kind(fs.rename(p("/d/f"), p("/none/f")).await),
            ErrorKind::NotFound
        );
        fs.create_dir(p("/full")).await.expect("dir");
        fs.write(p("/full/x"), b"x").await.expect("file");
        assert_eq!(
            kind(fs.rename(p("/d/sub"), p("/full")).await),
            ErrorKind::DirectoryNotEmpty
        );

        // A directory replaces an empty one and takes its content along.
        fs.rename(p("/full"), p("/d/sub"))
            .await
            .expect("over empty dir");
        assert_eq!(fs.read(p("/d/sub/x")).await.expect("moved"), b"x");
        fs.rename(p("/d/f"), p("/d/f"))
            .await
            .expect("onto itself is a no-op");
        assert_eq!(fs.read(p("/d/f")).await.expect("still there"), b"f");
    });
}

#[test]
fn read_only_file_may_be_replaced_by_rename_but_not_written_or_removed_from_a_locked_dir() {
    block_on(async {
        let fs = sample().await;
        fs.set_readonly(p("/d/f"), true).await.expect("lock file");
        let error = fs.append(p("/d/f"), b"x").await.expect_err("read-only");
        assert!(error.is_permission_denied());
        fs.write_atomic("/d/f", b"replaced")
            .await
            .expect("rename over it");
        assert_eq!(fs.read(p("/d/f")).await.expect("read"), b"replaced");

        fs.set_readonly(p("/d"), true).await.expect("lock dir");
        for result in [
            fs.remove_file(p("/d/f")).await,
            fs.remove_dir_all(p("/d/sub")).await,
            fs.rename(p("/d/f"), p("/f")).await,
            fs.create_dir(p("/d/new")).await,
        ] {
            assert!(result.expect_err("locked").is_permission_denied());
        }
        // Writing an existing file needs only the file to be writable.
        fs.write(p("/d/f"), b"in place")
            .await
            .expect("file is writable");
        fs.set_readonly(p("/d"), false).await.expect("unlock");
        fs.remove_dir_all(p("/d")).await.expect("remove all");
    });
}

#[test]
fn paths_resolve_lexically_from_the_root_and_listings_are_sorted_by_name() {
    block_on(async {
        let fs = MemFs::standalone();
        for name in ["b", "a", "C", "c", ".hidden"] {
            fs.write(&Path::new("/dir").join(name), name.as_bytes())
                .await
                .expect_err("no dir yet");
        }
        fs.create_dir(p("dir"))
            .await
            .expect("relative path is from the root");
        for name in ["b", "a", "C", "c", ".hidden"] {
            fs.write(&Path::new("/dir/./x/..").join(name), name.as_bytes())
                .await
                .expect("write");
        }
        let listing = fs.read_dir(p("/dir/")).await.expect("list");
        let names: Vec<_> = listing
            .iter()
            .map(|entry| entry.name().to_owned())
            .collect();
        assert_eq!(names, [".hidden", "C", "a", "b", "c"]);
        assert_eq!(listing[0].path(), p("/dir/.hidden"));
        assert_eq!(fs.read(p("/../dir/a")).await.expect("read"), b"a");
    });
}

#[test]
fn streaming_handles_see_a_snapshot_and_write_at_their_offset() {
    block_on(async {
        let fs = MemFs::standalone();
        fs.write(p("/f"), b"0123456789").await.expect("write");
        let mut reader = fs.open_read(p("/f")).await.expect("open read");
        fs.write(p("/f"), b"changed").await.expect("rewrite");
        let mut seen = Vec::new();
        reader.read_to_end(&mut seen).await.expect("read");
        assert_eq!(seen, b"0123456789", "a reader keeps the content it opened");

        let mut writer = fs
            .open_write(p("/f"), WriteMode::Append)
            .await
            .expect("open append");
        writer.write_all(b"+1").await.expect("append");
        fs.append(p("/f"), b"+2").await.expect("append elsewhere");
        writer.write_all(b"+3").await.expect("append again");
        writer.close().await.expect("close");
        assert_eq!(fs.read(p("/f")).await.expect("read"), b"changed+1+2+3");

        let mut writer = fs
            .open_write(p("/f"), WriteMode::Truncate)
            .await
            .expect("open truncate");
        writer.write_all(b"ab").await.expect("write");
        fs.append(p("/f"), b"XYZ").await.expect("append elsewhere");
        writer.write_all(b"cd").await.expect("write at offset 2");
        writer.close().await.expect("close");
        assert_eq!(fs.read(p("/f")).await.expect("read"), b"abcdZ");
    });
}

#[test]
fn standalone_file_system_works_on_any_executor_and_refuses_latency() {
    let fs = MemFs::standalone();
    block_on(async {
        fs.write_json_atomic("/s.json", &[1, 2])
            .await
            .expect("write");
        let back: Vec<u32> = fs.read_json("/s.json").await.expect("read");
        assert_eq!(back, [1, 2]);
        let modified = fs
            .metadata(p("/s.json"))
            .await
            .expect("metadata")
            .modified();
        assert_eq!(modified, Some(std::time::UNIX_EPOCH));
    });
    let panic = std::panic::catch_unwind(|| fs.set_latency(std::time::Duration::from_millis(1)));
    assert!(
        panic.is_err(),
        "latency without a clock must not be ignored"
    );
    fs.set_latency(std::time::Duration::ZERO);
}
