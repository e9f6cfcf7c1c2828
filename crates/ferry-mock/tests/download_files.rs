//! Downloads into an in-memory file system on the mock's virtual time: names made safe,
//! collisions, failures reported per URL, the concurrency limit, and no partial file after
//! a failure, a cancellation or a crash.

mod layer_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ferry_core::retry::{Backoff, RetryPolicy};
use ferry_core::{ConcurrencyLimit, Timer, timeout};
use ferry_fs::{FileSystem, FileSystemExt};
use ferry_http::{HostPolicy, ResilientClient};
use ferry_mock::{InjectedFault, MemFs, MockRuntime};
use ferry_pipeline::download::{DownloadError, Downloader};
use layer_support::{FakeClient, Reply};

const DIR: &str = "/downloads";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every URL answers with its own path as the body, after `delay`.
fn echo_path(rt: &MockRuntime, delay: Duration) -> FakeClient {
    FakeClient::new(rt, move |request, _| {
        Reply::ok(format!("content of {}", request.uri().path())).after(delay)
    })
}

/// A file system with the root synced, so that what is synced below it survives a crash.
async fn memfs(rt: &MockRuntime) -> MemFs {
    let fs = MemFs::new(rt);
    fs.sync_dir(Path::new("/")).await.unwrap();
    fs
}

/// The names in `dir`, sorted.
async fn listing(fs: &MemFs, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = fs
        .read_dir(Path::new(dir))
        .await
        .unwrap()
        .iter()
        .map(|entry| {
            entry
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_url_is_saved_under_its_name_with_its_size() {
    ferry_mock::run(1, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = echo_path(&rt, ms(10));
        let report = Downloader::new(&fake, &fs, DIR)
            .download([
                "http://files.test/a/notes.txt",
                "http://files.test/b/annual%20report.pdf?v=2",
                "http://files.test/data.json#top",
            ])
            .await;
        assert!(report.is_complete(), "{report}");
        let names: Vec<&Path> = report
            .saved
            .iter()
            .map(|saved| saved.path.as_path())
            .collect();
        assert_eq!(
            names,
            [
                Path::new("/downloads/notes.txt"),
                Path::new("/downloads/annual report.pdf"),
                Path::new("/downloads/data.json"),
            ]
        );
        for saved in &report.saved {
            let content = fs.read(&saved.path).await.unwrap();
            assert_eq!(saved.bytes, content.len() as u64);
        }
        assert_eq!(
            fs.read_to_string("/downloads/notes.txt").await.unwrap(),
            "content of /a/notes.txt"
        );
        assert_eq!(
            listing(&fs, DIR).await.len(),
            3,
            "no temporary file is left"
        );
    });
}

#[test]
fn hostile_urls_land_inside_the_directory_or_are_reported() {
    ferry_mock::run(2, |rt| async move {
        let fs = memfs(&rt).await;
        fs.create_dir_all(Path::new("/etc")).await.unwrap();
        let fake = echo_path(&rt, ms(1));
        let urls = [
            "http://evil.test/../../etc/passwd",
            "http://evil.test/x/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "http://evil.test/a/b\\c",
            "http://evil.test/a%5Cb%5Cc",
            "http://evil.test/%2Fabsolute%2Fpath",
            "http://evil.test/nul%00byte%0Aline",
            "http://evil.test/CON",
            "http://evil.test/%2e%2e",
            "http://evil.test",
            "http://evil.test/dir/",
            "http://evil.test/?file=passwd",
            "ftp://evil.test/file.txt",
            "not a url",
        ];
        let report = Downloader::new(&fake, &fs, DIR).download(urls).await;
        let saved: Vec<String> = report
            .saved
            .iter()
            .map(|saved| {
                assert_eq!(saved.path.parent(), Some(Path::new(DIR)), "{saved:?}");
                saved
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            saved,
            [
                "passwd",
                "_.._etc_passwd",
                "c",
                "a_b_c",
                "_absolute_path",
                "nul_byte_line",
                "_CON"
            ]
        );
        let failed: Vec<(&str, &str)> = report
            .failed
            .iter()
            .map(|failed| {
                let kind = match failed.error {
                    DownloadError::NoFileName { .. } => "no name",
                    DownloadError::InvalidUrl { .. } => "invalid",
                    _ => "other",
                };
                (failed.url.as_str(), kind)
            })
            .collect();
        assert_eq!(
            failed,
            [
                ("http://evil.test/%2e%2e", "no name"),
                ("http://evil.test", "no name"),
                ("http://evil.test/dir/", "no name"),
                ("http://evil.test/?file=passwd", "no name"),
                ("ftp://evil.test/file.txt", "invalid"),
                ("not a url", "invalid"),
            ]
        );
        assert!(
            listing(&fs, "/etc").await.is_empty(),
            "nothing escaped to /etc"
        );
        assert_eq!(listing(&fs, "/").await, ["downloads", "etc"]);
        assert_eq!(
            fake.calls().len(),
            7,
            "URLs without a name are not even fetched"
        );
    });
}

#[test]
fn colliding_names_get_suffixes_in_input_order_whatever_finishes_first() {
    ferry_mock::run(3, |rt| async move {
        let fs = memfs(&rt).await;
        // Later URLs answer sooner, so completion order is the reverse of input order.
        let fake = FakeClient::new(&rt, |request, _| {
            let delay = match request.uri().host() {
                Some("one.test") => 300,
                Some("two.test") => 200,
                _ => 100,
            };
            Reply::ok(request.uri().to_string()).after(ms(delay))
        });
        let report = Downloader::new(&fake, &fs, DIR)
            .download([
                "http://one.test/report.csv",
                "http://two.test/report.csv",
                "http://three.test/REPORT.csv",
            ])
            .await;
        let names: Vec<PathBuf> = report.saved.into_iter().map(|saved| saved.path).collect();
        assert_eq!(
            names,
            [
                PathBuf::from("/downloads/report.csv"),
                PathBuf::from("/downloads/report-1.csv"),
                PathBuf::from("/downloads/REPORT-2.csv"),
            ]
        );
        assert_eq!(
            fs.read_to_string("/downloads/report.csv").await.unwrap(),
            "http://one.test/report.csv"
        );
        assert_eq!(
            fs.read_to_string("/downloads/report-1.csv").await.unwrap(),
            "http://two.test/report.csv"
        );
    });
}

#[test]
fn a_failing_url_is_reported_while_the_others_are_saved() {
    ferry_mock::run(4, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = FakeClient::new(&rt, |request, _| {
            if request.uri().path() == "/missing.txt" {
                Reply::status(404)
            } else {
                Reply::ok("fine")
            }
        });
        let report = Downloader::new(&fake, &fs, DIR)
            .download([
                "http://f.test/a.txt",
                "http://f.test/missing.txt",
                "http://f.test/b.txt",
            ])
            .await;
        assert_eq!(report.saved.len(), 2);
        assert_eq!(report.failed.len(), 1);
        let failed = &report.failed[0];
        assert_eq!(failed.url, "http://f.test/missing.txt");
        match &failed.error {
            DownloadError::Http { source, .. } => assert_eq!(source.status().unwrap(), 404),
            other => panic!("expected an HTTP error, got {other:?}"),
        }
        assert_eq!(listing(&fs, DIR).await, ["a.txt", "b.txt"]);
    });
}

#[test]
fn five_downloads_run_at_once_by_default_and_the_limit_is_configurable() {
    ferry_mock::run(5, |rt| async move {
        let fs = memfs(&rt).await;
        let urls: Vec<String> = (0..12).map(|i| format!("http://f.test/{i}.bin")).collect();
        let fake = echo_path(&rt, ms(100));
        Downloader::new(&fake, &fs, DIR).download(&urls).await;
        let mut times = fake.call_times_ms();
        times.sort();
        assert_eq!(times, [0, 0, 0, 0, 0, 100, 100, 100, 100, 100, 200, 200]);

        let fake = echo_path(&rt, ms(100));
        let start = rt.elapsed().as_millis();
        Downloader::new(&fake, &fs, "/two")
            .concurrency(ConcurrencyLimit::new(2).unwrap())
            .download(&urls[..5])
            .await;
        let mut times: Vec<u128> = fake.call_times_ms().iter().map(|t| t - start).collect();
        times.sort();
        assert_eq!(times, [0, 0, 100, 100, 200]);
    });
}

#[test]
fn a_write_failure_is_an_fs_error_and_leaves_no_file() {
    ferry_mock::run(6, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = echo_path(&rt, ms(1));
        fs.create_dir_all(Path::new(DIR)).await.unwrap();
        fs.fail_write_after(0);
        let report = Downloader::new(&fake, &fs, DIR)
            .concurrency(ConcurrencyLimit::new(1).unwrap())
            .download(["http://f.test/first.txt", "http://f.test/second.txt"])
            .await;
        assert_eq!(report.failed.len(), 1);
        match &report.failed[0].error {
            DownloadError::Fs { path, source, .. } => {
                assert_eq!(path, Path::new("/downloads/first.txt"));
                assert!(InjectedFault::of(source).is_some(), "{source}");
            }
            other => panic!("expected a file system error, got {other:?}"),
        }
        assert_eq!(
            listing(&fs, DIR).await,
            ["second.txt"],
            "no partial or temporary file"
        );
    });
}

#[test]
fn an_unwritable_directory_fails_every_url_with_its_own_error() {
    ferry_mock::run(7, |rt| async move {
        let fs = memfs(&rt).await;
        fs.deny_under("/locked");
        let fake = echo_path(&rt, ms(1));
        let report = Downloader::new(&fake, &fs, "/locked/in")
            .download(["http://f.test/a", "http://f.test/b"])
            .await;
        assert_eq!(report.failed.len(), 2);
        assert!(report.failed.iter().all(|failed| matches!(
            &failed.error,
            DownloadError::Fs { source, .. } if source.is_permission_denied()
        )));
        assert!(
            fake.calls().is_empty(),
            "nothing is fetched that cannot be saved"
        );
    });
}

#[test]
fn a_cancelled_download_leaves_no_partial_file() {
    for cut_ms in [5, 15, 25, 35, 45] {
        ferry_mock::run(8, |rt| async move {
            let fs = memfs(&rt).await;
            fs.create_dir_all(Path::new(DIR)).await.unwrap();
            // Each file operation takes 10 ms: the cut lands between any two of them.
            fs.set_latency(ms(10));
            let fake = echo_path(&rt, ms(1));
            let downloader = Downloader::new(&fake, &fs, DIR);
            let cut = timeout(
                &rt,
                ms(cut_ms),
                downloader.download(["http://f.test/big.bin"]),
            )
            .await;
            assert!(cut.is_err(), "cut at {cut_ms} ms");
            rt.sleep(Duration::from_secs(1)).await;
            fs.set_latency(Duration::ZERO);
            let left = listing(&fs, DIR).await;
            assert!(
                left.is_empty() || left == ["big.bin"],
                "cut at {cut_ms} ms left {left:?}"
            );
            if left == ["big.bin"] {
                assert_eq!(
                    fs.read_to_string("/downloads/big.bin").await.unwrap(),
                    "content of /big.bin"
                );
            }
        });
    }
}

#[test]
fn a_saved_file_survives_a_crash_whole() {
    ferry_mock::run(9, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = echo_path(&rt, ms(1));
        let report = Downloader::new(&fake, &fs, DIR)
            .download(["http://f.test/kept.txt"])
            .await;
        assert!(report.is_complete());
        fs.crash();
        assert_eq!(
            fs.read_to_string("/downloads/kept.txt").await.unwrap(),
            "content of /kept.txt"
        );
    });
}

#[test]
fn content_disposition_names_win_only_when_preferred() {
    ferry_mock::run(10, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = FakeClient::new(&rt, |_, _| {
            Reply::ok("x").header(
                "content-disposition",
                "attachment; filename=\"../server name.txt\"",
            )
        });
        let urls = ["http://f.test/?id=1", "http://f.test/get/file.bin"];
        let plain = Downloader::new(&fake, &fs, "/plain").download(urls).await;
        assert_eq!(plain.saved.len(), 1);
        assert_eq!(plain.saved[0].path, Path::new("/plain/file.bin"));
        assert!(matches!(
            plain.failed[0].error,
            DownloadError::NoFileName { .. }
        ));

        let named = Downloader::new(&fake, &fs, "/named")
            .prefer_content_disposition(true)
            .download(urls)
            .await;
        assert!(named.is_complete(), "{named}");
        assert_eq!(
            listing(&fs, "/named").await,
            ["_server name-1.txt", "_server name.txt"]
        );
    });
}

#[test]
fn downloads_retry_through_the_resilient_client() {
    ferry_mock::run(11, |rt| async move {
        let fs = memfs(&rt).await;
        let fake = FakeClient::new(&rt, |_, n| {
            if n == 0 {
                Reply::status(503)
            } else {
                Reply::ok("ok")
            }
        });
        let policy = HostPolicy::new().retry(RetryPolicy::new(Backoff::constant(ms(100))));
        let client = ResilientClient::new(fake.clone(), rt.clone(), policy);
        let report = Downloader::new(&client, &fs, DIR)
            .download(["http://f.test/a.txt", "http://f.test/b.txt"])
            .await;
        assert!(report.is_complete(), "{report}");
        assert_eq!(fake.call_times_ms(), [0, 0, 100, 100]);
    });
}
