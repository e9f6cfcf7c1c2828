//! Downloads of bodies that arrive in chunks over `MockHttp`, on virtual time: a body that
//! breaks off, and a download cancelled half way, leave no partial file.

use std::path::Path;
use std::time::Duration;

use ferry_core::{Timer, timeout};
use ferry_fs::{FileSystem, FileSystemExt};
use ferry_mock::MemFs;
use ferry_mock::http::{MockHttp, Respond};
use ferry_pipeline::download::{DownloadError, Downloader};
use http::Method;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `/big.bin`: 100 chunks of 1 KiB, one every 10 ms (1 s in all); `/cut.bin`: 10 of 1000
/// declared bytes, then the connection breaks.
fn server(rt: &ferry_mock::MockRuntime) -> MockHttp {
    MockHttp::new(rt)
        .route(
            Method::GET,
            "/big.bin",
            Respond::chunks(ms(10), 100, vec![7u8; 1024]),
        )
        .route(
            Method::GET,
            "/cut.bin",
            Respond::bytes(vec![1u8; 1000]).truncate_body(10),
        )
}

async fn names(fs: &MemFs, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = fs
        .read_dir(Path::new(dir))
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_chunked_body_is_streamed_whole_into_its_file() {
    ferry_mock::run(1, |rt| async move {
        let fs = MemFs::new(&rt);
        let mock = server(&rt);
        let report = Downloader::new(&mock, &fs, "/d")
            .download(["http://files.test/big.bin"])
            .await;
        assert!(report.is_complete(), "{report}");
        assert_eq!(report.saved[0].bytes, 100 * 1024);
        assert_eq!(
            fs.read("/d/big.bin".as_ref()).await.unwrap(),
            vec![7u8; 100 * 1024]
        );
        assert_eq!(rt.elapsed(), Duration::from_secs(1));
    });
}

#[test]
fn a_body_that_breaks_off_is_an_http_error_and_leaves_no_file() {
    ferry_mock::run(2, |rt| async move {
        let fs = MemFs::new(&rt);
        let mock = server(&rt);
        let report = Downloader::new(&mock, &fs, "/d")
            .download(["http://files.test/cut.bin", "http://files.test/big.bin"])
            .await;
        assert_eq!(report.saved.len(), 1);
        match &report.failed[0].error {
            DownloadError::Http { source, .. } => assert!(source.is_body(), "{source}"),
            other => panic!("expected a body error, got {other:?}"),
        }
        assert_eq!(names(&fs, "/d").await, ["big.bin"]);
    });
}

#[test]
fn a_download_cancelled_half_way_leaves_no_partial_file() {
    ferry_mock::run(3, |rt| async move {
        let fs = MemFs::new(&rt);
        let mock = server(&rt);
        let downloader = Downloader::new(&mock, &fs, "/d");
        let cut = timeout(
            &rt,
            ms(500),
            downloader.download(["http://files.test/big.bin"]),
        )
        .await;
        assert!(cut.is_err());
        // Half the body was in a temporary file; its removal runs in the background.
        rt.sleep(ms(100)).await;
        assert!(
            names(&fs, "/d").await.is_empty(),
            "{:?}",
            names(&fs, "/d").await
        );
        assert!(!fs.exists("/d/big.bin").await.unwrap());
    });
}
