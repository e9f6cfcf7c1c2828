//! Write then read JSON files through ferry's file system vs std::fs and tokio::fs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ferry_fs::{FileSystem, FileSystemExt};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::{Case, Measured, Sizes, case};
use crate::backends;

const FILES: usize = 10_000;
const QUICK_FILES: usize = 500;
const LIMIT: usize = 64;

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            let dir = TempDir::new();
            let path = dir.path();
            backends::ferry_tokio_mt(|rt| ferry_files(rt.fs(), path, s.clone()))
        }),
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            let dir = TempDir::new();
            backends::ferry_tokio_ct(|rt| ferry_files(rt.fs(), dir.path(), s.clone()))
        }),
        case("ferry smol", "smol", false, |s| {
            let dir = TempDir::new();
            backends::ferry_smol(|rt| ferry_files(rt.fs(), dir.path(), s.clone()))
        }),
        case("std::fs sequential", "std", true, |s| {
            std_sequential(&TempDir::new().path(), s)
        }),
        case("tokio::fs tokio-mt", "tokio-mt", true, |s| {
            let dir = TempDir::new();
            backends::tokio_mt_spawned(
                &backends::tokio_multi_thread(),
                tokio_fs(dir.path(), s.clone()),
            )
        }),
    ]
}

/// A record that serializes to about 1 KiB of JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    body: String,
}

impl Record {
    fn new(id: u64) -> Self {
        Self {
            id,
            name: format!("record {id}"),
            tags: vec![
                "bench".to_owned(),
                "json".to_owned(),
                format!("group-{}", id % 16),
            ],
            body: "x".repeat(940),
        }
    }
}

fn file_name(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id}.json"))
}

async fn ferry_files<F: FileSystem>(fs: F, dir: PathBuf, sizes: Sizes) -> Measured {
    let files = sizes.items(FILES, QUICK_FILES);
    let limit = sizes.concurrency(LIMIT);
    let fs = &fs;
    let dir = &dir;
    let start = Instant::now();
    ferry_core::map_concurrent_unordered(0..files as u64, limit, |id| async move {
        fs.write_json(file_name(dir, id), &Record::new(id)).await
    })
    .expect("limit > 0")
    .try_collect::<Vec<()>>()
    .await
    .expect("writes succeed");
    let read: Vec<Record> =
        ferry_core::map_concurrent_unordered(0..files as u64, limit, |id| async move {
            fs.read_json(file_name(dir, id)).await
        })
        .expect("limit > 0")
        .try_collect()
        .await
        .expect("reads succeed");
    assert_eq!(read.len(), files);
    Measured::millis(start.elapsed(), files)
}

fn std_sequential(dir: &Path, sizes: &Sizes) -> Measured {
    let files = sizes.items(FILES, QUICK_FILES);
    let start = Instant::now();
    for id in 0..files as u64 {
        let json = serde_json::to_vec(&Record::new(id)).expect("serializes");
        std::fs::write(file_name(dir, id), json).expect("writes succeed");
    }
    let mut read = 0;
    for id in 0..files as u64 {
        let bytes = std::fs::read(file_name(dir, id)).expect("reads succeed");
        let record: Record = serde_json::from_slice(&bytes).expect("parses");
        read += usize::from(record.id == id);
    }
    assert_eq!(read, files);
    Measured::millis(start.elapsed(), files)
}

async fn tokio_fs(dir: PathBuf, sizes: Sizes) -> Measured {
    let files = sizes.items(FILES, QUICK_FILES);
    let limit = sizes.concurrency(LIMIT);
    let dir = &dir;
    let start = Instant::now();
    futures::stream::iter(0..files as u64)
        .map(|id| async move {
            let json = serde_json::to_vec(&Record::new(id)).expect("serializes");
            tokio::fs::write(file_name(dir, id), json).await
        })
        .buffer_unordered(limit)
        .try_collect::<Vec<()>>()
        .await
        .expect("writes succeed");
    let read: Vec<Record> = futures::stream::iter(0..files as u64)
        .map(|id| async move {
            let bytes = tokio::fs::read(file_name(dir, id)).await?;
            Ok::<Record, std::io::Error>(serde_json::from_slice(&bytes).expect("parses"))
        })
        .buffer_unordered(limit)
        .try_collect()
        .await
        .expect("reads succeed");
    assert_eq!(read.len(), files);
    Measured::millis(start.elapsed(), files)
}

/// A fresh temporary directory per run, removed afterwards.
struct TempDir(tempfile::TempDir);

impl TempDir {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("a temporary directory can be made"))
    }

    fn path(&self) -> PathBuf {
        self.0.path().to_owned()
    }
}
