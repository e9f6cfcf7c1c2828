//! The handle types users pass into tasks are `Clone + Send + Sync` (and `'static` where they
//! own their state), checked when this file compiles: a change that makes one of them lose a
//! bound fails the build here rather than in a user's fan-out code.
//!
//! Clones share state: these assertions are about the types; the behaviour (two clones of a
//! `ResilientClient` or a `RateLimiter` draw on one quota) is tested beside each type.

use std::sync::Arc;

use ferry::fs::FileSystem;
use ferry::http::{HttpClient, HttpSettings};
use ferry::{
    CancelFlag, Downloader, HostPolicy, KeyedRateLimiter, PipelineContext, RateLimiter,
    ResilientClient, Runtime, Semaphore,
};

/// Compiles only for types that can be cloned into a spawned task and used from any thread.
fn shareable<T: Clone + Send + Sync + 'static>() {}

/// Compiles only for types that can be moved into a spawned task and shared through an `Arc`.
fn send_sync<T: Send + Sync + 'static>() {}

/// The generic handles hold whatever runtime and client they are given: they are shareable
/// whenever those are, on every backend.
fn generic_handles_are_shareable<R, C, F>()
where
    R: Runtime + Clone + 'static,
    C: HttpClient + Clone + 'static,
    F: FileSystem + Clone + 'static,
{
    shareable::<ResilientClient<C, R>>();
    shareable::<Downloader<C, F>>();
    shareable::<ferry::fs::StdFs<R>>();
    shareable::<RateLimiter<R>>();
    shareable::<KeyedRateLimiter<String, R>>();
}

#[test]
fn toolkit_handles_are_clone_send_and_sync() {
    shareable::<Arc<Semaphore>>();
    send_sync::<Semaphore>();
    shareable::<CancelFlag>();
    shareable::<ferry::queue::Sender<String>>();
    shareable::<ferry::queue::Receiver<String>>();
    shareable::<HostPolicy>();
    shareable::<HttpSettings>();
    // One run's context holds that run's state; runs share it by reference or in an `Arc`.
    send_sync::<PipelineContext>();
}

#[test]
fn tokio_handles_are_clone_send_and_sync() {
    use ferry::tokio::{TokioFs, TokioHttpClient, TokioRuntime, TokioTransport};
    shareable::<ferry::http::Client<TokioTransport, TokioRuntime>>();
    shareable::<TokioRuntime>();
    shareable::<TokioHttpClient>();
    shareable::<TokioFs>();
    generic_handles_are_shareable::<TokioRuntime, TokioHttpClient, TokioFs>();
}

#[test]
fn smol_handles_are_clone_send_and_sync() {
    use ferry::smol::{SmolFs, SmolHttpClient, SmolRuntime};
    shareable::<SmolRuntime>();
    shareable::<SmolHttpClient>();
    shareable::<SmolFs>();
    generic_handles_are_shareable::<SmolRuntime, SmolHttpClient, SmolFs>();
}

#[test]
fn mock_handles_are_clone_send_and_sync() {
    use ferry::mock::http::MockHttp;
    use ferry::mock::{MemFs, MockRuntime};
    shareable::<MockRuntime>();
    shareable::<MockHttp>();
    shareable::<MemFs>();
    generic_handles_are_shareable::<MockRuntime, MockHttp, MemFs>();
}
