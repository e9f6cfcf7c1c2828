//! The three shapes of paged HTTP APIs: page numbers, cursors, `Link` headers.

use std::fmt;

use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderMap, Uri};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::link::find_link;
use super::{Page, PageError, paginate};
use crate::{HttpClient, HttpError, Request, is_sensitive, redact_uri};

/// What every HTTP paginator can be told.
#[derive(Debug, Clone)]
struct Options {
    items_at: String,
    prefetch: usize,
}

/// A fetched page's JSON body, final URL and headers.
struct Fetched {
    body: Value,
    url: Uri,
    headers: HeaderMap,
}

async fn fetch_json<C: HttpClient>(
    client: &C,
    request: Result<Request, HttpError>,
    page: u64,
) -> Result<Fetched, PageError> {
    let http = |source| PageError::Http { page, source };
    let response = client
        .send(request.map_err(http)?)
        .await
        .map_err(http)?
        .error_for_status()
        .map_err(http)?;
    let url = response.url().clone();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.map_err(http)?;
    Ok(Fetched { body, url, headers })
}

/// Takes the array at `pointer` out of `fetched`'s body and parses each item as a `T`.
fn take_items<T: DeserializeOwned>(
    fetched: &mut Fetched,
    pointer: &str,
    page: u64,
) -> Result<Vec<Result<T, PageError>>, PageError> {
    let url = || redact_uri(&fetched.url);
    let Some(Value::Array(items)) = fetched.body.pointer_mut(pointer).map(Value::take) else {
        return Err(PageError::NoItems {
            page,
            url: url(),
            pointer: pointer.to_owned(),
        });
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_value(item).map_err(|source| PageError::Item {
                page,
                url: url(),
                index,
                type_name: std::any::type_name::<T>(),
                source,
            })
        })
        .collect())
}

fn flatten<T>(item: Result<Result<T, PageError>, PageError>) -> Result<T, PageError> {
    item.and_then(|inner| inner)
}

/// Page numbers: fetch page 1, 2, 3, ... until a page comes back with no items.
///
/// `request_for(n)` builds the request for page `n` (an error there is reported as that
/// page's [`PageError::Http`]). Items are the JSON array at the pointer set with
/// [`items_at`](Self::items_at) (`"/items"` by default; `""` for a body that is the array).
///
/// ```
/// use futures::StreamExt;
/// use ferry_http::{HttpClient, Request};
/// use ferry_http::paginate::{PageError, PageNumbers};
///
/// #[derive(serde::Deserialize)]
/// struct Item { id: u64 }
///
/// async fn all_ids(client: &impl HttpClient) -> Result<Vec<u64>, PageError> {
///     let items = PageNumbers::new(client, |page| {
///         Request::get("https://api.example.com/items")
///             .query([("page", page.to_string())])
///             .build()
///     })
///     .items::<Item>();
///     let mut items = std::pin::pin!(items);
///     let mut ids = Vec::new();
///     while let Some(item) = items.next().await {
///         ids.push(item?.id);
///     }
///     Ok(ids)
/// }
/// ```
pub struct PageNumbers<C, R> {
    client: C,
    request_for: R,
    first: u64,
    options: Options,
}

impl<C, R> PageNumbers<C, R>
where
    C: HttpClient + Clone,
    R: FnMut(u64) -> Result<Request, HttpError>,
{
    /// Pages from 1, items at `"/items"`, no prefetch.
    pub fn new(client: C, request_for: R) -> Self {
        Self {
            client,
            request_for,
            first: 1,
            options: Options {
                items_at: "/items".into(),
                prefetch: 0,
            },
        }
    }

    /// Starts at page `first` (0 for APIs that count from zero).
    pub fn first_page(mut self, first: u64) -> Self {
        self.first = first;
        self
    }

    /// Where the items are: a JSON pointer (RFC 6901) into the body, `""` for the body itself.
    pub fn items_at(mut self, pointer: impl Into<String>) -> Self {
        self.options.items_at = pointer.into();
        self
    }

    /// Fetches up to `pages` pages ahead of the one being read; see [`Pages`](super::Pages).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.options.prefetch = pages;
        self
    }

    /// The stream of items, parsed as `T`; see [`Pages`](super::Pages) for laziness and
    /// errors, and [`PageError`] for which errors end it.
    pub fn items<'a, T>(self) -> impl Stream<Item = Result<T, PageError>> + Send + 'a
    where
        C: Send + Sync + 'a,
        R: Send + 'a,
        T: DeserializeOwned + Send + 'a,
    {
        let Self {
            client,
            mut request_for,
            first,
            options,
        } = self;
        let items_at = options.items_at;
        let mut fetches = 0;
        paginate(first, move |number: u64| {
            fetches += 1;
            let page = fetches;
            let request = request_for(number);
            let client = client.clone();
            let items_at = items_at.clone();
            async move {
                let mut fetched = fetch_json(&client, request, page).await?;
                let items = take_items::<T>(&mut fetched, &items_at, page)?;
                let next = if items.is_empty() {
                    None
                } else {
                    number.checked_add(1)
                };
                Ok(Page::new(items, next))
            }
        })
        .prefetch(options.prefetch)
        .map(flatten)
    }
}

impl<C, R> fmt::Debug for PageNumbers<C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageNumbers")
            .field("first", &self.first)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Cursors: fetch the first page without a cursor, then pass back each page's next cursor
/// until it is null or missing.
///
/// `request_for(cursor)` builds the request (`None` for the first page). The cursor is read
/// at the pointer set with [`cursor_at`](Self::cursor_at) (`"/next_cursor"` by default): a
/// string (an empty one ends the stream) or a number. Anything else, or a cursor equal to
/// the one just sent (which would loop forever), is a [`PageError::BadCursor`].
pub struct CursorPages<C, R> {
    client: C,
    request_for: R,
    cursor_at: String,
    options: Options,
}

impl<C, R> CursorPages<C, R>
where
    C: HttpClient + Clone,
    R: FnMut(Option<&str>) -> Result<Request, HttpError>,
{
    /// Items at `"/items"`, the cursor at `"/next_cursor"`, no prefetch.
    pub fn new(client: C, request_for: R) -> Self {
        Self {
            client,
            request_for,
            cursor_at: "/next_cursor".into(),
            options: Options {
                items_at: "/items".into(),
                prefetch: 0,
            },
        }
    }

    /// Where the next cursor is: a JSON pointer into the body.
    pub fn cursor_at(mut self, pointer: impl Into<String>) -> Self {
        self.cursor_at = pointer.into();
        self
    }

    /// Where the items are: a JSON pointer into the body, `""` for the body itself.
    pub fn items_at(mut self, pointer: impl Into<String>) -> Self {
        self.options.items_at = pointer.into();
        self
    }

    /// Fetches up to `pages` pages ahead of the one being read; see [`Pages`](super::Pages).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.options.prefetch = pages;
        self
    }

    /// The stream of items, parsed as `T`.
    pub fn items<'a, T>(self) -> impl Stream<Item = Result<T, PageError>> + Send + 'a
    where
        C: Send + Sync + 'a,
        R: Send + 'a,
        T: DeserializeOwned + Send + 'a,
    {
        let Self {
            client,
            mut request_for,
            cursor_at,
            options,
        } = self;
        let items_at = options.items_at;
        let mut fetches = 0;
        paginate(None::<String>, move |cursor: Option<String>| {
            fetches += 1;
            let page = fetches;
            let request = request_for(cursor.as_deref());
            let client = client.clone();
            let (items_at, cursor_at) = (items_at.clone(), cursor_at.clone());
            async move {
                let mut fetched = fetch_json(&client, request, page).await?;
                let bad = |fetched: &Fetched, reason: String| PageError::BadCursor {
                    page,
                    url: redact_uri(&fetched.url),
                    pointer: cursor_at.clone(),
                    reason,
                };
                let next = match fetched.body.pointer(&cursor_at) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(next)) if next.is_empty() => None,
                    Some(Value::String(next)) => Some(next.clone()),
                    Some(Value::Number(next)) => Some(next.to_string()),
                    Some(other) => {
                        let reason = format!("expected a string, a number or null, got {other}");
                        return Err(bad(&fetched, reason));
                    }
                };
                if next.is_some() && next == cursor {
                    return Err(bad(&fetched, "it repeats the cursor of this page".into()));
                }
                let items = take_items::<T>(&mut fetched, &items_at, page)?;
                Ok(Page::new(items, next.map(Some)))
            }
        })
        .prefetch(options.prefetch)
        .map(flatten)
    }
}

impl<C, R> fmt::Debug for CursorPages<C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorPages")
            .field("cursor_at", &self.cursor_at)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// `Link` headers: fetch the first request, then follow each response's
/// `Link: <...>; rel="next"` until a response has none.
///
/// Every `Link` header of a response is read, links may come several to a header, and
/// relative targets resolve against the URL of the response that carried them (see
/// [`parse_link_header`](super::parse_link_header)). The next requests are GETs with the
/// first request's headers; credentials (`Authorization`, `Cookie`, headers marked sensitive)
/// are kept only while the next page is on the same origin. Items are the JSON array at
/// [`items_at`](Self::items_at), the whole body by default.
pub struct LinkPages<C> {
    client: C,
    first: Result<Request, HttpError>,
    options: Options,
}

impl<C: HttpClient + Clone> LinkPages<C> {
    /// Starts with `first`; items are the whole body, no prefetch.
    pub fn new(client: C, first: Result<Request, HttpError>) -> Self {
        Self {
            client,
            first,
            options: Options {
                items_at: String::new(),
                prefetch: 0,
            },
        }
    }

    /// Where the items are: a JSON pointer into the body, `""` (the default) for the body.
    pub fn items_at(mut self, pointer: impl Into<String>) -> Self {
        self.options.items_at = pointer.into();
        self
    }

    /// Fetches up to `pages` pages ahead of the one being read; see [`Pages`](super::Pages).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.options.prefetch = pages;
        self
    }

    /// The stream of items, parsed as `T`.
    pub fn items<'a, T>(self) -> impl Stream<Item = Result<T, PageError>> + Send + 'a
    where
        C: Send + Sync + 'a,
        T: DeserializeOwned + Send + 'a,
    {
        let Self {
            client,
            first,
            options,
        } = self;
        let headers = first
            .as_ref()
            .map(|request| request.headers().clone())
            .unwrap_or_default();
        let items_at = options.items_at;
        let mut fetches = 0;
        paginate(first, move |request: Result<Request, HttpError>| {
            fetches += 1;
            let page = fetches;
            let client = client.clone();
            let items_at = items_at.clone();
            let headers = headers.clone();
            let origin = request.as_ref().ok().map(|request| request.uri().clone());
            async move {
                let mut fetched = fetch_json(&client, request, page).await?;
                let base = Url::parse(&fetched.url.to_string()).ok();
                let next = base
                    .and_then(|base| find_link(&fetched.headers, &base, "next"))
                    .map(|next| next_request(next, &headers, origin.as_ref()));
                let items = take_items::<T>(&mut fetched, &items_at, page)?;
                Ok(Page::new(items, next))
            }
        })
        .prefetch(options.prefetch)
        .map(flatten)
    }
}

/// A GET of `url` with `headers`, without the credentials unless `url` has `origin`'s origin.
fn next_request(url: Url, headers: &HeaderMap, origin: Option<&Uri>) -> Result<Request, HttpError> {
    let same_origin = origin.is_some_and(|origin| {
        origin.scheme_str() == Some(url.scheme())
            && origin
                .host()
                .is_some_and(|host| url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host)))
            && origin
                .port_u16()
                .or_else(|| default_port(origin.scheme_str()))
                == url.port_or_known_default()
    });
    let mut kept = HeaderMap::new();
    for (name, value) in headers {
        if same_origin || !is_sensitive(name, value) {
            kept.append(name.clone(), value.clone());
        }
    }
    Request::get(String::from(url)).headers(kept).build()
}

fn default_port(scheme: Option<&str>) -> Option<u16> {
    match scheme {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    }
}

impl<C> fmt::Debug for LinkPages<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkPages")
            .field("first", &self.first)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
