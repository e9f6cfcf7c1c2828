//! The in-memory file system in virtual time: latency per operation, modification times from
//! the virtual clock, and a trace that is the same in every run with one seed.

use std::path::Path;
use std::time::{Duration, SystemTime};

use ferry_core::{Clock, SpawnExt, Timer};
use ferry_fs::{FileSystem, FileSystemExt, WriteMode};
use ferry_mock::{MemFs, TraceEvent, TraceKind};
use futures::io::AsyncWriteExt;

fn p(path: &str) -> &Path {
    Path::new(path)
}

#[test]
fn latency_advances_virtual_time_by_exactly_one_latency_per_operation() {
    let latency = Duration::from_millis(7);
    ferry_mock::run(1, |rt| async move {
        let fs = MemFs::new(&rt).with_latency(latency);
        let start = rt.now();
        fs.write(p("/a"), b"abc").await.expect("write");
        assert_eq!(rt.now() - start, latency);
        fs.read(p("/a")).await.expect("read");
        fs.metadata(p("/a")).await.expect("metadata");
        fs.read_dir(p("/")).await.expect("list");
        let error = fs.read(p("/missing")).await.expect_err("missing");
        assert!(error.is_not_found());
        assert_eq!(
            rt.now() - start,
            latency * 5,
            "failures take the latency too"
        );

        // Streaming writes are memory copies; opening and syncing are operations.
        let mut writer = fs
            .open_write(p("/big"), WriteMode::Truncate)
            .await
            .expect("open");
        for _ in 0..100 {
            writer.write_all(&[7; 1000]).await.expect("chunk");
        }
        assert_eq!(rt.now() - start, latency * 6);
        writer.sync_all().await.expect("sync");
        writer.close().await.expect("close");
        assert_eq!(rt.now() - start, latency * 7);
    });
}

#[test]
fn concurrent_operations_wait_their_latency_side_by_side() {
    let latency = Duration::from_millis(20);
    ferry_mock::run(2, |rt| async move {
        let fs = MemFs::new(&rt).with_latency(latency);
        let start = rt.now();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let fs = fs.clone();
                rt.spawn(async move { fs.write(&Path::new("/").join(i.to_string()), b"x").await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("write");
        }
        assert_eq!(rt.now() - start, latency);
        assert_eq!(fs.read_dir(p("/")).await.expect("list").len(), 50);
    });
}

#[test]
fn modification_time_is_the_virtual_time_of_the_last_change() {
    ferry_mock::run(3, |rt| async move {
        let fs = MemFs::new(&rt);
        rt.sleep(Duration::from_secs(90)).await;
        fs.write(p("/f"), b"1").await.expect("write");
        rt.sleep(Duration::from_secs(10)).await;
        let modified = fs.metadata(p("/f")).await.expect("metadata").modified();
        assert_eq!(
            modified,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(90))
        );
        fs.append(p("/f"), b"2").await.expect("append");
        let modified = fs.metadata(p("/f")).await.expect("metadata").modified();
        assert_eq!(
            modified,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(100))
        );
    });
}

/// Many tasks writing, replacing atomically, reading and listing, with a failure or two;
/// returns the run's `fs` events.
fn busy_file_scenario(seed: u64) -> Vec<TraceEvent> {
    ferry_mock::run(seed, |rt| async move {
        let fs = MemFs::new(&rt).with_latency(Duration::from_micros(300));
        fs.create_dir(p("/out")).await.expect("dir");
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (fs, rt2) = (fs.clone(), rt.clone());
                rt.spawn(async move {
                    rt2.sleep(Duration::from_micros(100 * (i % 4))).await;
                    let path = format!("/out/{i}.json");
                    fs.write_json_atomic(&path, &[i; 3]).await.expect("atomic");
                    fs.append(p("/out/log"), format!("{i}\n").as_bytes())
                        .await
                        .expect("append");
                    let _ = fs.read(p("/out/missing")).await;
                    fs.read_dir(p("/out")).await.expect("list").len()
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        rt.trace()
            .into_iter()
            .filter(|event| matches!(&event.kind, TraceKind::Custom { component, .. } if component == "fs"))
            .collect()
    })
}

#[test]
fn trace_records_fs_operations_identically_across_two_runs_with_one_seed() {
    for seed in [5, 6] {
        let first = busy_file_scenario(seed);
        let second = busy_file_scenario(seed);
        assert!(
            first.len() > 20 * 7,
            "seed {seed}: {} fs events",
            first.len()
        );
        assert_eq!(
            first, second,
            "seed {seed}: the fs trace differs between runs"
        );
    }
    // Other seeds interleave the tasks differently.
    assert_ne!(busy_file_scenario(5), busy_file_scenario(6));
}

#[test]
fn trace_lines_name_the_operation_path_outcome_and_virtual_time() {
    let lines = ferry_mock::run(4, |rt| async move {
        let fs = MemFs::new(&rt).with_latency(Duration::from_millis(1));
        fs.write(p("/a.txt"), b"hello").await.expect("write");
        let _ = fs.read(p("/nope")).await;
        fs.write_atomic("/a.txt", b"bye").await.expect("atomic");
        rt.trace()
            .iter()
            .filter_map(|event| match &event.kind {
                TraceKind::Custom { detail, .. } => Some(format!("{:?} {detail}", event.at)),
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(
        lines,
        [
            "1ms write /a.txt (5 bytes): ok",
            "2ms read /nope: NotFound",
            "3ms open_write /.a.txt.~tmp1.ferry-tmp CreateNew: ok",
            "4ms sync_all /.a.txt.~tmp1.ferry-tmp: ok",
            "4ms close /.a.txt.~tmp1.ferry-tmp (3 bytes written): ok",
            "5ms rename /.a.txt.~tmp1.ferry-tmp to /a.txt: ok",
            "6ms sync_dir /: ok",
        ]
    );
}
