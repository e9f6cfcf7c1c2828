//! `MemFs::crash`: only what was synced survives, so `write_atomic` never tears while a plain
//! `write` can lose or empty a file.

use std::path::Path;
use std::time::Duration;

use ferry_core::{SpawnExt, Timer};
use ferry_fs::{FileSystem, FileSystemExt, WriteMode};
use ferry_mock::{InjectedFault, MemFs};
use futures::io::AsyncWriteExt;

fn p(path: &str) -> &Path {
    Path::new(path)
}

const OLD: &[u8] = b"{\"version\":1,\"items\":[1,2,3]}";

fn new_content() -> Vec<u8> {
    // Longer than OLD and different at every byte, so a mix or a prefix of either shows.
    (0..4096).map(|i| b'a' + (i % 26) as u8).collect()
}

/// What a crash at a given point of one atomic replacement left in the target.
#[derive(Debug, PartialEq)]
enum Survivor {
    Old,
    New,
}

/// Replaces `/data/state.json` atomically in a task and crashes the file system `crash_after`
/// into it (virtual time, with 1 ms per operation), strictly or with random writeback, then
/// reports what the target holds.
fn crash_during_write_atomic(seed: u64, crash_after: Duration, writeback: bool) -> Survivor {
    ferry_mock::run(seed, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir(p("/data")).await.expect("create dir");
        fs.sync_dir(p("/")).await.expect("sync root");
        fs.write_atomic("/data/state.json", OLD).await.expect("old");
        fs.set_latency(Duration::from_millis(1));

        let writer = rt.spawn({
            let fs = fs.clone();
            async move { fs.write_atomic("/data/state.json", new_content()).await }
        });
        rt.sleep(crash_after).await;
        if writeback {
            fs.crash_with_writeback(&mut rt.fork_rng());
        } else {
            fs.crash();
        }
        writer.abort();
        let _ = writer.await;

        fs.set_latency(Duration::ZERO);
        let content = fs
            .read(p("/data/state.json"))
            .await
            .expect("target survives");
        if content == OLD {
            Survivor::Old
        } else if content == new_content() {
            Survivor::New
        } else {
            panic!(
                "seed {seed}, crash after {crash_after:?} (writeback {writeback}): torn file of \
                 {} bytes",
                content.len()
            )
        }
    })
}

/// Crashes one atomic replacement at every point, under many seeds.
fn crash_write_atomic_everywhere(writeback: bool) {
    let mut survivors = Vec::new();
    for seed in 0..40 {
        // From before the first operation to after the last, in steps finer than one
        // operation's latency, so that every step of the write is crashed in.
        for step in 0..30 {
            let crash_after = Duration::from_micros(250 * step);
            survivors.push(crash_during_write_atomic(seed, crash_after, writeback));
        }
    }
    // Both outcomes occur: the crash points straddle the moment the rename became durable.
    assert!(survivors.contains(&Survivor::Old));
    assert!(survivors.contains(&Survivor::New));
}

#[test]
fn crash_during_write_atomic_keeps_old_or_new_content_never_torn() {
    crash_write_atomic_everywhere(false);
}

#[test]
fn crash_with_writeback_during_write_atomic_keeps_old_or_new_content_never_torn() {
    crash_write_atomic_everywhere(true);
}

#[test]
fn crash_with_writeback_can_tear_a_plain_write() {
    let mut torn = 0;
    for seed in 0..60 {
        let content = ferry_mock::run(seed, |rt| async move {
            let fs = MemFs::new(&rt);
            fs.write_atomic("/state.json", OLD)
                .await
                .expect("durable old");
            fs.write(p("/state.json"), &new_content())
                .await
                .expect("plain write");
            fs.crash_with_writeback(&mut rt.fork_rng());
            fs.read(p("/state.json"))
                .await
                .expect("the name is durable")
        });
        if content != OLD && content != new_content() {
            assert!(
                new_content().starts_with(&content),
                "seed {seed}: not a prefix"
            );
            torn += 1;
        }
    }
    assert!(torn > 0, "no seed tore the plain write");
}

#[test]
fn crash_after_write_atomic_completes_keeps_the_new_content_and_no_temp_file() {
    ferry_mock::run(7, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir(p("/data")).await.expect("create dir");
        fs.sync_dir(p("/")).await.expect("sync root");
        fs.write_atomic("/data/state.json", OLD).await.expect("old");
        fs.write_atomic("/data/state.json", new_content())
            .await
            .expect("new");
        fs.crash();
        assert_eq!(
            fs.read(p("/data/state.json")).await.expect("read"),
            new_content()
        );
        let names: Vec<_> = fs.read_dir(p("/data")).await.expect("list");
        assert_eq!(names.len(), 1, "{names:?}");
    });
}

#[test]
fn crash_after_plain_write_without_sync_loses_the_update() {
    ferry_mock::run(8, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.write_atomic("/state.json", OLD)
            .await
            .expect("durable old");
        fs.write(p("/state.json"), &new_content())
            .await
            .expect("plain write");
        assert_eq!(
            fs.read(p("/state.json")).await.expect("before"),
            new_content()
        );
        fs.crash();
        assert_eq!(fs.read(p("/state.json")).await.expect("after"), OLD);
    });
}

#[test]
fn crash_after_plain_write_of_a_new_file_loses_it_or_leaves_it_empty() {
    ferry_mock::run(9, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.write(p("/unsynced.json"), OLD).await.expect("write");
        fs.crash();
        let error = fs.read(p("/unsynced.json")).await.expect_err("entry lost");
        assert!(error.is_not_found(), "got {error}");

        // With the directory synced but not the file, the name survives and the data does
        // not: the torn, empty file a plain write can leave.
        fs.write(p("/half.json"), OLD).await.expect("write");
        fs.sync_dir(p("/")).await.expect("sync dir");
        fs.crash();
        assert_eq!(fs.read(p("/half.json")).await.expect("entry kept"), b"");
    });
}

#[test]
fn synced_file_and_directory_survive_and_later_unsynced_changes_roll_back() {
    ferry_mock::run(10, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir_all(p("/a/b")).await.expect("dirs");
        let mut writer = fs
            .open_write(p("/a/b/log"), WriteMode::CreateNew)
            .await
            .expect("open");
        writer.write_all(b"synced ").await.expect("write");
        writer.sync_all().await.expect("sync file");
        writer.write_all(b"unsynced").await.expect("write more");
        for dir in ["/", "/a", "/a/b"] {
            fs.sync_dir(p(dir)).await.expect("sync dir");
        }
        // Unsynced after the last sync: a removal, a rename, a new directory.
        fs.rename(p("/a/b/log"), p("/a/log")).await.expect("rename");
        fs.create_dir(p("/a/new")).await.expect("mkdir");
        fs.remove_dir_all(p("/a/b")).await.expect("rmdir");

        fs.crash();
        assert_eq!(
            fs.read(p("/a/b/log")).await.expect("back in place"),
            b"synced "
        );
        assert!(!fs.exists("/a/log").await.expect("exists"));
        assert!(!fs.exists("/a/new").await.expect("exists"));
        let error = writer.write_all(b"late").await.expect_err("writer is dead");
        let error = ferry_fs::FsError::new(ferry_fs::FsOp::Write, "/a/b/log", error);
        assert_eq!(InjectedFault::of(&error), Some(&InjectedFault::Crashed));
    });
}

#[test]
fn sync_everything_makes_the_current_state_the_one_a_crash_keeps() {
    ferry_mock::run(11, |rt| async move {
        let fs = MemFs::new(&rt);
        fs.create_dir_all(p("/x/y")).await.expect("dirs");
        fs.write(p("/x/y/z"), b"zz").await.expect("write");
        fs.write(p("/x/gone"), b"g").await.expect("write");
        fs.sync_everything();
        fs.remove_file(p("/x/gone")).await.expect("remove");
        fs.write(p("/x/y/z"), b"changed").await.expect("write");
        fs.crash();
        assert_eq!(fs.read(p("/x/y/z")).await.expect("read"), b"zz");
        assert_eq!(
            fs.read(p("/x/gone")).await.expect("removal rolled back"),
            b"g"
        );
        assert_eq!(fs.used_space(), 3);
    });
}
