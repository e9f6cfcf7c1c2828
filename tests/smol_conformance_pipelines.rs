//! The pipeline and resilience conformance cases on smol: CSV -> enrich -> JSON Lines with
//! `SmolFs`, and the resilient client, paginators, enrichment against the local test server
//! and downloads with `SmolHttpClient`, each in a fresh temporary directory.

use std::future::Future;

use ferry_conformance::fs::FsEnv;
use ferry_conformance::resilience::{ResilienceEnv, shared_server_origin};
use ferry_http::HttpSettings;
use ferry_smol::{SmolFs, SmolHttpClient, SmolRuntime};

fn in_temp_dir<F, Fut>(body: F)
where
    F: FnOnce(SmolRuntime, std::path::PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().to_path_buf();
    ferry_smol::block_on(|rt| body(rt, root));
    dir.close().expect("temporary directory is removed");
}

fn with_fs<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<SmolRuntime, SmolFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    in_temp_dir(|rt, root| body(FsEnv::new(rt.clone(), rt.fs(), &root)));
}

fn with_http<F, Fut>(body: F)
where
    F: FnOnce(ResilienceEnv<SmolRuntime, SmolFs, SmolHttpClient>) -> Fut,
    Fut: Future<Output = ()>,
{
    in_temp_dir(|rt, root| {
        let client = rt
            .http_client(HttpSettings::default())
            .expect("default settings are valid");
        body(ResilienceEnv {
            origin: shared_server_origin(),
            fs: rt.fs(),
            rt,
            root,
            client,
        })
    });
}

mod pipeline {
    use super::with_fs;
    ferry_conformance::pipeline_suite!(with_fs);
}

mod resilience {
    use super::with_http;
    ferry_conformance::resilience_suite!(with_http);
}
