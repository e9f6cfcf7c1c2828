//! [`NoRouteMatched`]: a request the script has no answer for.

use std::error::Error as StdError;

use http::Method;

/// No route matched a request and there was no fallback handler.
///
/// The request fails with a [connect error](ferry_http::HttpError::is_connect) (no
/// server answers it) whose source chain holds this error; find it with
/// [`NoRouteMatched::find`]. Its message lists every route, so that a typo in a test's URL is
/// obvious.
///
/// ```
/// use ferry_http::HttpClientExt;
/// use ferry_mock::http::{MockHttp, NoRouteMatched, Respond};
///
/// ferry_mock::run(1, |rt| async move {
///     let http = MockHttp::new(&rt).route(http::Method::GET, "/items/{id}", Respond::ok());
///     let error = http.get("http://api.test/itmes/1").send().await.unwrap_err();
///     let unmatched = NoRouteMatched::find(&error).expect("no route matched");
///     assert_eq!(unmatched.path(), "/itmes/1");
///     assert!(unmatched.to_string().contains("GET /items/{id}"));
/// });
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("no mock route matches {method} {path}; the routes are: {}", list(.routes))]
pub struct NoRouteMatched {
    method: Method,
    path: String,
    routes: Vec<String>,
}

fn list(routes: &[String]) -> String {
    if routes.is_empty() {
        "(none)".to_owned()
    } else {
        routes.join(", ")
    }
}

impl NoRouteMatched {
    pub(crate) fn new(method: Method, path: String, routes: Vec<String>) -> Self {
        NoRouteMatched {
            method,
            path,
            routes,
        }
    }

    /// The method of the unmatched request.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Its path (without the query, which may hold credentials).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every route, as `"METHOD /pattern"`.
    pub fn routes(&self) -> &[String] {
        &self.routes
    }

    /// The `NoRouteMatched` in `error`'s source chain, if any.
    pub fn find<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a NoRouteMatched> {
        let mut current = Some(error);
        while let Some(error) = current {
            if let Some(found) = error.downcast_ref::<NoRouteMatched>() {
                return Some(found);
            }
            current = error.source();
        }
        None
    }
}
