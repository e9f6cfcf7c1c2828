//! Injected faults of the in-memory file system: the Nth write, writes under a path, running
//! out of space, permission denied under a prefix. Each fails with a typed error and leaves
//! everything else as it was.

use std::io::ErrorKind;
use std::path::Path;

use ferry_fs::{FileSystem, FileSystemExt, FsOp, WriteMode};
use ferry_mock::{InjectedFault, MemFs};
use futures::io::AsyncWriteExt;

fn p(path: &str) -> &Path {
    Path::new(path)
}

#[test]
fn nth_write_fails_with_a_typed_error_and_leaves_other_files_intact() {
    ferry_mock::run(1, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.write(p("/a"), b"first").await.expect("write a");
        fs.write(p("/b"), b"second").await.expect("write b");

        fs.fail_write_after(2);
        fs.write(p("/c"), b"third")
            .await
            .expect("write #1 succeeds");
        fs.append(p("/a"), b"+more")
            .await
            .expect("write #2 succeeds");
        let error = fs.write(p("/b"), b"clobbered").await.expect_err("write #3");
        assert_eq!(
            InjectedFault::of(&error),
            Some(&InjectedFault::NthWrite { n: 3 })
        );
        assert_eq!(error.kind(), ErrorKind::Other);
        assert_eq!((error.op(), error.path()), (FsOp::Write, p("/b")));
        assert!(error.to_string().contains("write #3"), "message: {error}");

        // The failed write changed nothing, and the fault fired once only.
        assert_eq!(fs.read(p("/a")).await.expect("read a"), b"first+more");
        assert_eq!(fs.read(p("/b")).await.expect("read b"), b"second");
        assert_eq!(fs.read(p("/c")).await.expect("read c"), b"third");
        fs.write(p("/d"), b"fourth")
            .await
            .expect("writes work again");
    });
}

#[test]
fn nth_write_counts_each_chunk_of_a_streaming_writer() {
    ferry_mock::run(2, |rt| async move {
        let fs = MemFs::new(&rt);
        let mut writer = fs
            .open_write(p("/log"), WriteMode::Truncate)
            .await
            .expect("open");
        fs.fail_write_after(1);
        writer.write_all(b"one ").await.expect("chunk #1");
        let error = writer.write_all(b"two ").await.expect_err("chunk #2");
        assert_eq!(error.kind(), ErrorKind::Other);
        writer.write_all(b"three").await.expect("chunk #3");
        writer.close().await.expect("close");
        assert_eq!(fs.read(p("/log")).await.expect("read"), b"one three");
    });
}

#[test]
fn writes_under_a_path_fail_until_faults_are_cleared() {
    ferry_mock::run(3, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir_all(p("/out/bad")).await.expect("dirs");
        fs.write(p("/out/bad/old"), b"old").await.expect("write");
        fs.fail_writes_under("/out/bad");

        for attempt in 0..3 {
            let error = fs.write(p("/out/bad/x"), b"x").await.expect_err("under");
            let fault = InjectedFault::of(&error).expect("injected");
            assert!(
                matches!(fault, InjectedFault::WriteUnder { prefix } if prefix == p("/out/bad")),
                "attempt {attempt}: {fault:?}"
            );
        }
        let error = fs
            .write_atomic("/out/bad/old", b"new")
            .await
            .expect_err("atomic");
        assert!(InjectedFault::of(&error).is_some(), "got {error}");
        fs.write(p("/out/good"), b"fine")
            .await
            .expect("elsewhere works");
        assert_eq!(fs.read(p("/out/bad/old")).await.expect("read"), b"old");

        fs.clear_faults();
        fs.write(p("/out/bad/x"), b"x").await.expect("cleared");
    });
}

#[test]
fn space_runs_out_at_the_capacity_with_storage_full_keeping_what_fit() {
    ferry_mock::run(4, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.limit_space(10);
        fs.write(p("/six"), b"123456").await.expect("fits");
        assert_eq!(fs.used_space(), 6);

        let error = fs.write(p("/more"), b"abcdef").await.expect_err("full");
        assert_eq!(error.kind(), ErrorKind::StorageFull);
        assert_eq!(
            InjectedFault::of(&error),
            Some(&InjectedFault::StorageFull { capacity: 10 })
        );
        assert_eq!(fs.read(p("/more")).await.expect("partly written"), b"abcd");
        assert_eq!(fs.used_space(), 10);
        let error = fs.append(p("/six"), b"7").await.expect_err("nothing left");
        assert_eq!(error.kind(), ErrorKind::StorageFull);

        // Rewriting a file frees its old bytes first; removing a file frees them for good.
        fs.write(p("/six"), b"12").await.expect("shrink");
        fs.remove_file(p("/more")).await.expect("remove");
        assert_eq!(fs.used_space(), 2);
        fs.write_atomic("/eight", b"12345678")
            .await
            .expect("fits again");
        assert_eq!(fs.used_space(), 10);
    });
}

#[test]
fn a_removed_file_keeps_its_space_while_a_writer_has_it_open() {
    ferry_mock::run(5, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.limit_space(8);
        let mut writer = fs
            .open_write(p("/open"), WriteMode::CreateNew)
            .await
            .expect("open");
        writer.write_all(b"12345").await.expect("write");
        fs.remove_file(p("/open")).await.expect("unlink");
        assert_eq!(fs.used_space(), 5, "still open");
        let error = fs.write(p("/other"), b"1234").await.expect_err("full");
        assert_eq!(error.kind(), ErrorKind::StorageFull);
        drop(writer);
        // The partly written /other holds 3 bytes; the unlinked file's 5 are free now.
        assert_eq!(fs.used_space(), 3);
    });
}

#[test]
fn denied_prefix_is_permission_denied_for_every_operation_under_it() {
    ferry_mock::run(6, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir_all(p("/secret/inner")).await.expect("dirs");
        fs.write(p("/secret/key"), b"k").await.expect("write");
        fs.write(p("/public"), b"p").await.expect("write");
        fs.deny_under("/secret");

        let denied = [
            fs.read(p("/secret/key")).await.map(drop),
            fs.write(p("/secret/key"), b"x").await,
            fs.metadata(p("/secret/inner")).await.map(drop),
            fs.read_dir(p("/secret")).await.map(drop),
            fs.create_dir(p("/secret/new")).await,
            fs.remove_dir_all(p("/secret/inner")).await,
            fs.rename(p("/public"), p("/secret/public")).await,
            fs.open_read(p("/secret/key")).await.map(drop),
            fs.set_readonly(p("/secret/key"), true).await,
        ];
        for (index, result) in denied.into_iter().enumerate() {
            let error = result.expect_err("denied");
            assert!(error.is_permission_denied(), "operation {index}: {error}");
            assert!(
                matches!(
                    InjectedFault::of(&error),
                    Some(InjectedFault::Denied { .. })
                ),
                "operation {index}: {error}"
            );
        }
        // `/secretive` is not under `/secret`: prefixes match whole components.
        fs.write(p("/secretive"), b"s").await.expect("not under");
        assert_eq!(fs.read(p("/public")).await.expect("public"), b"p");

        fs.clear_faults();
        assert_eq!(
            fs.read(p("/secret/key")).await.expect("allowed again"),
            b"k"
        );
        assert!(fs.exists("/secret/inner").await.expect("untouched"));
    });
}
