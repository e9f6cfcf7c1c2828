//! Read and write many JSON files concurrently: the asyncio lesson's
//! `asyncio.gather(*(write(path, item) for ...))` with aiofiles, in ferry.
//!
//! Writes 1,000 small JSON records one by one, then with 64 in flight; reads them back both
//! ways; then shows what happens to a file that is not valid JSON (its error is reported with
//! the path, the other files still load) and saves a summary with an atomic write.
//!
//! Run it with `cargo run --example files_json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ferry::ConcurrencyLimit;
use ferry::fs::{FileSystem, FileSystemExt, FsError};
use ferry::tokio::TokioRuntime;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

const RECORDS: usize = 1_000;

/// One record of the data set, one file each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    id: usize,
    name: String,
    tags: Vec<String>,
    score: f64,
}

fn record(id: usize) -> Record {
    Record {
        id,
        name: format!("item {id}"),
        tags: vec![format!("group-{}", id % 7), "example".to_owned()],
        score: (id % 100) as f64 / 10.0,
    }
}

fn record_path(dir: &Path, id: usize) -> PathBuf {
    dir.join(format!("record-{id:04}.json"))
}

/// Writes every record, one after the other.
async fn write_sequentially(fs: &impl FileSystem, dir: &Path) -> Result<(), FsError> {
    for id in 0..RECORDS {
        fs.write_json(record_path(dir, id), &record(id)).await?;
    }
    Ok(())
}

/// Writes every record with at most `limit` writes in flight; stops at the first error.
async fn write_concurrently(
    fs: &impl FileSystem,
    dir: &Path,
    limit: ConcurrencyLimit,
) -> Result<(), FsError> {
    futures::stream::iter(0..RECORDS)
        .map(|id| async move { fs.write_json(record_path(dir, id), &record(id)).await })
        .buffer_unordered(limit.get())
        .try_collect()
        .await
}

/// Reads every record, one after the other.
async fn read_sequentially(fs: &impl FileSystem, dir: &Path) -> Result<Vec<Record>, FsError> {
    let mut records = Vec::with_capacity(RECORDS);
    for id in 0..RECORDS {
        records.push(fs.read_json(record_path(dir, id)).await?);
    }
    Ok(records)
}

/// Reads every record with at most `limit` reads in flight, in order; each file's result is
/// kept, so one bad file does not hide the others.
async fn read_concurrently(
    fs: &impl FileSystem,
    dir: &Path,
    limit: ConcurrencyLimit,
) -> Vec<Result<Record, FsError>> {
    futures::stream::iter(0..RECORDS)
        .map(|id| async move { fs.read_json::<Record>(record_path(dir, id)).await })
        .buffered(limit.get())
        .collect()
        .await
}

fn report(label: &str, elapsed: Duration, baseline: Option<Duration>) {
    let per_file = elapsed.as_secs_f64() * 1e6 / RECORDS as f64;
    print!(
        "  {label:<28} {:>8.1} ms  ({per_file:.1} µs per file)",
        elapsed.as_secs_f64() * 1e3
    );
    match baseline {
        Some(baseline) => println!(
            "  {:.1}x faster",
            baseline.as_secs_f64() / elapsed.as_secs_f64()
        ),
        None => println!(),
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    loaded: usize,
    failed: Vec<String>,
    total_score: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fs = TokioRuntime::current().fs();
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path().join("records");
    fs.create_dir_all(&dir).await?;
    let limit = ConcurrencyLimit::new(64)?;
    println!("{RECORDS} JSON files in {}", dir.display());

    println!("writing:");
    let start = Instant::now();
    write_sequentially(&fs, &dir).await?;
    let sequential = start.elapsed();
    report("one at a time", sequential, None);
    let start = Instant::now();
    write_concurrently(&fs, &dir, limit).await?;
    report(
        &format!("{} in flight", limit.get()),
        start.elapsed(),
        Some(sequential),
    );

    println!("reading:");
    let start = Instant::now();
    let records = read_sequentially(&fs, &dir).await?;
    let sequential = start.elapsed();
    report("one at a time", sequential, None);
    let start = Instant::now();
    let results = read_concurrently(&fs, &dir, limit).await;
    report(
        &format!("{} in flight", limit.get()),
        start.elapsed(),
        Some(sequential),
    );
    let concurrent: Vec<Record> = results.into_iter().collect::<Result<_, _>>()?;
    assert_eq!(concurrent, records, "both ways read the same records");

    // A truncated file: its error names the file and the position; the rest still load.
    fs.write(&record_path(&dir, 500), br#"{"id": 500, "name": "trunc"#)
        .await?;
    let results = read_concurrently(&fs, &dir, limit).await;
    let (loaded, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    let failed: Vec<String> = failed
        .into_iter()
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect();
    println!(
        "after truncating one file: {} loaded, {} failed",
        loaded.len(),
        failed.len()
    );
    for error in &failed {
        println!("  {error}");
    }

    // The summary is replaced atomically: a reader sees the previous summary or this one.
    let summary = Summary {
        loaded: loaded.len(),
        total_score: loaded
            .into_iter()
            .filter_map(Result::ok)
            .map(|r| r.score)
            .sum(),
        failed,
    };
    let summary_path = scratch.path().join("summary.json");
    fs.write_json_atomic(&summary_path, &summary).await?;
    println!("summary: {}", fs.read_to_string(&summary_path).await?);
    Ok(())
}
