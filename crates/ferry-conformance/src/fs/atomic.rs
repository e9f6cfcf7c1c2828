//! Cases for concurrency, atomic writes and JSON round trips.

use std::collections::BTreeMap;
use std::time::Duration;

use ferry_core::SpawnExt;
use ferry_fs::{FileSystemExt, FsOp};

use super::{FsEnv, TestFs, assert_names_path, names, temp_files};
use crate::runtime::TestRuntime;

/// 500 files written by 500 concurrent tasks, then read back by 500 more, each hold exactly
/// what was written to them.
pub async fn concurrent_writes_and_reads_of_many_files<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    const FILES: usize = 500;
    let dir = env.root.join("many");
    env.fs.create_dir(&dir).await.expect("create dir");
    let content = |i: usize| format!("{{\"id\":{i},\"body\":\"{}\"}}", "x".repeat(i % 97));

    let writers: Vec<_> = (0..FILES)
        .map(|i| {
            let (fs, path) = (env.fs.clone(), dir.join(format!("{i:03}.json")));
            env.rt
                .spawn(async move { fs.write(&path, content(i).as_bytes()).await })
        })
        .collect();
    for (i, writer) in writers.into_iter().enumerate() {
        writer
            .await
            .expect("writer task")
            .unwrap_or_else(|e| panic!("write {i}: {e}"));
    }

    let readers: Vec<_> = (0..FILES)
        .map(|i| {
            let (fs, path) = (env.fs.clone(), dir.join(format!("{i:03}.json")));
            env.rt.spawn(async move { fs.read_to_string(&path).await })
        })
        .collect();
    for (i, reader) in readers.into_iter().enumerate() {
        let text = reader
            .await
            .expect("reader task")
            .unwrap_or_else(|e| panic!("read {i}: {e}"));
        assert_eq!(text, content(i), "file {i}");
    }
    assert_eq!(env.fs.read_dir(&dir).await.expect("list").len(), FILES);
}

/// An atomic write creates the file, replaces its content, and leaves only the file behind.
pub async fn write_atomic_replaces_content_and_leaves_no_temp_file<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let path = env.root.join("state.json");
    env.fs
        .write_atomic(&path, b"version 1")
        .await
        .expect("create");
    assert_eq!(env.fs.read(&path).await.expect("read"), b"version 1");
    env.fs.write_atomic(&path, b"v2").await.expect("replace");
    assert_eq!(env.fs.read(&path).await.expect("read"), b"v2");
    assert_eq!(names(&env.fs, &env.root).await, ["state.json"]);
}

/// While atomic writes swap a file between two contents, concurrent readers always see one
/// content whole: never a mix, a prefix or an empty file.
pub async fn readers_never_see_a_torn_atomic_write<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    const LEN: usize = 256 * 1024;
    const WRITES: usize = 20;
    let path = env.root.join("swapped.bin");
    env.fs
        .write_atomic(&path, vec![b'a'; LEN])
        .await
        .expect("first write");

    let writer = {
        let (fs, path) = (env.fs.clone(), path.clone());
        env.rt.spawn(async move {
            for i in 0..WRITES {
                let byte = if i % 2 == 0 { b'b' } else { b'a' };
                fs.write_atomic(&path, vec![byte; LEN])
                    .await
                    .expect("atomic write");
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads == 0 {
        let seen = env.fs.read(&path).await.expect("the file always exists");
        assert_eq!(seen.len(), LEN, "read {reads} saw a torn file");
        assert!(
            seen.iter().all(|&b| b == seen[0]),
            "read {reads} saw a mix of two writes"
        );
        reads += 1;
    }
    writer.await.expect("writer task");
    assert!(temp_files(&env.fs, &env.root).await.is_empty());
}

/// When an atomic write fails (the target is a directory; the directory is missing), the
/// target is untouched and no temporary file is left.
pub async fn failed_write_atomic_leaves_target_and_no_temp_file<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let occupied = env.root.join("occupied");
    env.fs.create_dir(&occupied).await.expect("create dir");
    env.fs
        .write(&occupied.join("keep"), b"k")
        .await
        .expect("write in dir");
    let error = env
        .fs
        .write_atomic(&occupied, b"data")
        .await
        .expect_err("target is a dir");
    assert_eq!(error.op(), FsOp::Rename, "got {error}");
    assert!(
        env.fs
            .metadata(&occupied)
            .await
            .expect("still there")
            .is_dir()
    );
    assert_eq!(names(&env.fs, &occupied).await, ["keep"]);
    assert_eq!(names(&env.fs, &env.root).await, ["occupied"]);

    let nowhere = env.root.join("no-dir").join("file.json");
    let error = env
        .fs
        .write_atomic(&nowhere, b"data")
        .await
        .expect_err("no directory");
    assert!(error.is_not_found(), "got {error}");
    assert_names_path(&error, &env.root.join("no-dir"));
    assert_eq!(names(&env.fs, &env.root).await, ["occupied"]);
}

/// Dropping an atomic write part-way leaves the old content or the new one, and its temporary
/// file is removed.
pub async fn dropped_write_atomic_leaves_old_or_new_content_and_no_temp_file<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    const LEN: usize = 4 * 1024 * 1024;
    let path = env.root.join("target.bin");
    env.fs.write(&path, b"old").await.expect("write old");
    {
        let mut write = std::pin::pin!(env.fs.write_atomic(&path, vec![7u8; LEN]));
        // A few polls with pauses move the write past creating its temporary file.
        for _ in 0..3 {
            if futures::poll!(write.as_mut()).is_ready() {
                break;
            }
            env.rt.sleep(Duration::from_millis(5)).await;
        }
    }
    let content = env.fs.read(&path).await.expect("target is readable");
    assert!(
        content == b"old" || content == vec![7u8; LEN],
        "target holds {} bytes, neither old nor new",
        content.len()
    );
    // The cleanup runs in the background: give it time, but fail if it never happens.
    let start = env.rt.now();
    loop {
        let left = temp_files(&env.fs, &env.root).await;
        if left.is_empty() {
            break;
        }
        assert!(
            env.rt.now() - start < Duration::from_secs(5),
            "temp files left: {left:?}"
        );
        env.rt.sleep(Duration::from_millis(10)).await;
    }
}

/// A value written as JSON reads back equal, atomically or not.
pub async fn json_round_trips_through_write_json_and_read_json<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Item {
        id: u64,
        name: String,
        tags: Vec<String>,
        score: Option<f64>,
    }
    let item = Item {
        id: 7,
        name: "ferry ⛴".into(),
        tags: vec!["a".into(), "b\"quoted\"".into()],
        score: Some(0.5),
    };
    let plain = env.root.join("item.json");
    env.fs.write_json(&plain, &item).await.expect("write json");
    assert_eq!(
        env.fs.read_json::<Item>(&plain).await.expect("read json"),
        item
    );

    let atomic = env.root.join("items.json");
    let map = BTreeMap::from([("first".to_owned(), 1u32), ("second".to_owned(), 2)]);
    env.fs
        .write_json_atomic(&atomic, &map)
        .await
        .expect("write json atomically");
    let back: BTreeMap<String, u32> = env.fs.read_json(&atomic).await.expect("read json");
    assert_eq!(back, map);
}
