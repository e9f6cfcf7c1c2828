//! One workload written once against the traits, run on every built-in backend: the runtime,
//! the file system and (on the mock) the scripted HTTP each backend hands it work.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ferry_compare::backends::Mock;
use ferry_compare::{Comparison, Config, Env, Figure, Harness, Report, Sizes, Workload};
use ferry_fs::FileSystem;
use ferry_http::{HttpClientExt, HttpSettings};
use ferry_mock::http::Respond;
use ferry_rt::{SpawnExt, Timer};

/// Spawns tasks that sleep, then writes and reads back a file in `dir`.
struct SpawnSleepFile {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error("join: {0}")]
    Join(#[from] ferry_rt::JoinError),
    #[error("fs: {0}")]
    Fs(#[from] ferry_fs::FsError),
    #[error("read back {0:?}")]
    Content(Vec<u8>),
}

impl Workload for SpawnSleepFile {
    type Error = Failed;

    async fn run<E: Env>(self: Arc<Self>, env: E, sizes: Sizes) -> Result<Report, Failed> {
        let tasks = sizes.items(8, 4);
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let rt = env.rt().clone();
                env.rt()
                    .spawn(async move { rt.sleep(Duration::from_millis(2)).await })
            })
            .collect();
        for handle in handles {
            handle.await?;
        }
        let fs = env.fs();
        let dir = self.dir.join(env.backend());
        fs.create_dir_all(&dir).await?;
        let path = dir.join("data.txt");
        fs.write(&path, env.backend().as_bytes()).await?;
        let back = fs.read(&path).await?;
        if back != env.backend().as_bytes() {
            return Err(Failed::Content(back));
        }
        Ok(Report::new().items(tasks as u64))
    }
}

#[test]
fn one_workload_runs_on_tokio_ct_tokio_mt_smol_and_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = Harness::new("builtin")
        .compare(
            Comparison::new("spawn-sleep-file", Figure::wall_ms())
                .workload(SpawnSleepFile {
                    dir: dir.path().to_owned(),
                })
                .label_prefix("ferry ")
                .on_enabled_backends(),
        )
        .run(&Config::quiet(1))
        .unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let labels: Vec<&str> = outcome.rows.iter().map(|r| r.backend.as_str()).collect();
    assert_eq!(
        labels,
        [
            "ferry tokio-ct",
            "ferry tokio-mt",
            "ferry smol",
            "ferry mock"
        ]
    );
    for row in &outcome.rows {
        let virtual_time = row.virtual_ms.map(|v| v.median);
        if row.backend == "ferry mock" {
            assert_eq!(virtual_time, Some(2.0));
        } else {
            assert_eq!(virtual_time, None, "{}", row.backend);
            // The real backends wrote to the real disk; the mock to memory.
            let file = dir.path().join(&row.runtime).join("data.txt");
            assert_eq!(std::fs::read_to_string(file).unwrap(), row.runtime);
        }
    }
    assert!(!dir.path().join("mock").exists());
}

/// Fetches `/items/1` and reports the body's length as its figure.
struct FetchOne;

impl Workload for FetchOne {
    type Error = ferry_http::HttpError;

    async fn run<E: Env>(self: Arc<Self>, env: E, _: Sizes) -> Result<Report, Self::Error> {
        let client = env
            .http(HttpSettings::default())
            .expect("a mock client builds");
        let body = client
            .get("http://api.test/items/1")
            .send()
            .await?
            .text()
            .await?;
        Ok(Report::new().value(body.len() as f64))
    }
}

#[test]
fn the_mocks_http_script_answers_the_workloads_requests_in_virtual_time() {
    let scripted = Mock::new().http(|http| {
        http.route(
            http::Method::GET,
            "/items/{id}",
            Respond::json(r#"{"id":1}"#).latency(Duration::from_millis(40)),
        )
    });
    let outcome = Harness::new("http")
        .compare(
            Comparison::new("fetch", Figure::custom("bytes", true))
                .workload(FetchOne)
                .on(scripted)
                .on(Mock::new().named("unscripted")),
        )
        .run(&Config::quiet(1))
        .unwrap();
    assert_eq!(outcome.rows.len(), 1);
    assert_eq!(outcome.rows[0].figure.median, 8.0);
    assert_eq!(outcome.rows[0].virtual_ms.unwrap().median, 40.0);
    // Without a script the request finds no route: reported, not dropped.
    assert_eq!(outcome.failures.len(), 1);
    let error = outcome.failures[0].error.to_string();
    assert!(
        error.contains("no mock route matches GET /items/1"),
        "{error}"
    );
}
