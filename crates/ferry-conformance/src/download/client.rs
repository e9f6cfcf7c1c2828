//! A client that answers every GET from memory, numbering its answers, so the download cases
//! need no server and show which download wrote which file.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use ferry_http::{HttpClient, HttpError, Request, Response};

/// Answers `GET http://host/path` with `200` and the body `"{path} #{n}"`, where `n` counts
/// the requests it has answered (from 1). Clones share the count.
#[derive(Debug, Clone, Default)]
pub struct NumberedBodies {
    answered: Arc<AtomicUsize>,
}

impl NumberedBodies {
    /// A client that has answered nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many requests it answered.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl HttpClient for NumberedBodies {
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        let n = self.answered.fetch_add(1, Ordering::SeqCst) + 1;
        let body = Bytes::from(format!("{} #{n}", request.uri().path()));
        let response = http::Response::builder()
            .status(200)
            .body(body)
            .expect("a status and a body make a valid response");
        Ok(Response::from_bytes(response, request.uri().clone()))
    }
}
