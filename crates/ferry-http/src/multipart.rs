//! `multipart/form-data` bodies (RFC 7578): text parts, file parts streamed from a
//! [`FileSystem`], and parts from any stream.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, stream};
use http::HeaderValue;

use super::file_body::FileSource;
use super::request_body::{BoxBodyError, RequestBody};
use ferry_fs::{FileSystem, FsError};

/// A `multipart/form-data` body: named parts, each text, bytes, a file or a stream, sent with
/// [`RequestBuilder::multipart`](super::RequestBuilder::multipart).
///
/// Written as RFC 7578 and the HTML standard's form encoding describe it: every part has
/// `Content-Disposition: form-data; name="..."` (and `filename="..."` for files), in which
/// `"`, CR and LF are percent-encoded and other characters are sent as UTF-8; a file part
/// has a `Content-Type` (`application/octet-stream` unless given), a text part none (it
/// means `text/plain`). Lines end with CRLF.
///
/// Files are not read when the form is built, only when it is sent, a chunk at a time. When
/// every part's length is known (text, bytes, files by their metadata, streams given a
/// length) the body is sent with `Content-Length`, otherwise chunked. A form without
/// one-shot stream parts is replayable: each attempt opens its files again.
///
/// The boundary is 32 random hexadecimal digits after `ferry-`, from the standard
/// library's randomly keyed hasher (random per process); [`with_boundary`](Self::with_boundary)
/// sets one (for reproducible bodies in tests).
///
/// ```
/// use ferry_http::{Form, Part, Request};
///
/// let form = Form::new()
///     .text("title", "Quarterly report")
///     .part("data", Part::bytes(&b"a,b\n1,2\n"[..]).file_name("q3.csv").mime("text/csv").unwrap());
/// let request = Request::post("https://uploads.example.com/reports")
///     .multipart(form)
///     .build()
///     .unwrap();
/// let content_type = request.headers()["content-type"].to_str().unwrap();
/// assert!(content_type.starts_with("multipart/form-data; boundary=ferry-"));
/// assert!(request.body().length().is_some());
/// ```
pub struct Form {
    boundary: String,
    parts: Vec<(String, Part)>,
}

/// One part of a [`Form`]: its content, and optionally a file name and a content type.
pub struct Part {
    content: Content,
    file_name: Option<String>,
    mime: Option<HeaderValue>,
}

enum Content {
    Bytes(Bytes),
    File(FileSource),
    Stream(RequestBody),
}

/// A boundary or a content type that cannot be used in a multipart body.
#[derive(Debug, thiserror::Error)]
#[error("invalid multipart {what}: {reason}")]
pub struct InvalidMultipart {
    what: &'static str,
    reason: &'static str,
}

fn random_boundary() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut words = [0u64; 2];
    for (index, word) in words.iter_mut().enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_usize(index);
        *word = hasher.finish();
    }
    format!("ferry-{:016x}{:016x}", words[0], words[1])
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    /// An empty form with a random boundary.
    pub fn new() -> Self {
        Self {
            boundary: random_boundary(),
            parts: Vec::new(),
        }
    }

    /// Uses `boundary` instead of a random one. It must be 1 to 70 characters of RFC 2046's
    /// set (letters, digits, `'()+_,-./:=?` and inner spaces); the caller must make sure it
    /// occurs in no part.
    ///
    /// # Errors
    ///
    /// The boundary is empty, too long, has another character or ends with a space.
    pub fn with_boundary(mut self, boundary: impl Into<String>) -> Result<Self, InvalidMultipart> {
        let boundary = boundary.into();
        let invalid = |reason| InvalidMultipart {
            what: "boundary",
            reason,
        };
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(invalid("it must have 1 to 70 characters"));
        }
        let allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&byte);
        if !boundary.bytes().all(allowed) {
            return Err(invalid(
                "only letters, digits and '()+_,-./:=? and space are allowed",
            ));
        }
        if boundary.ends_with(' ') {
            return Err(invalid("it must not end with a space"));
        }
        self.boundary = boundary;
        Ok(self)
    }

    /// The boundary between parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Adds a text field.
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(name, Part::text(value))
    }

    /// Adds a file field: the file at `path` on `fs`, named by the last component of `path`,
    /// typed `application/octet-stream` (change both with [`part`](Self::part) and
    /// [`Part::file`]).
    ///
    /// # Errors
    ///
    /// The file's metadata cannot be read.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future only drops a metadata lookup.
    pub async fn file<F: FileSystem + 'static>(
        self,
        name: impl Into<String>,
        fs: F,
        path: &Path,
    ) -> Result<Self, FsError> {
        Ok(self.part(name, Part::file(fs, path).await?))
    }

    /// Adds `part` under `name`.
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Self {
        self.parts.push((name.into(), part));
        self
    }

    /// The `Content-Type` of this form's body, with its boundary.
    pub fn content_type(&self) -> HeaderValue {
        // The boundary is checked to be header-safe; it is quoted only when it has characters
        // a bare parameter value (an RFC 9110 token) cannot carry.
        let token = |byte: u8| byte.is_ascii_alphanumeric() || b"-_.+".contains(&byte);
        let value = if self.boundary.bytes().all(token) {
            format!("multipart/form-data; boundary={}", self.boundary)
        } else {
            format!("multipart/form-data; boundary=\"{}\"", self.boundary)
        };
        HeaderValue::try_from(value)
            .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data"))
    }

    /// The body: streamed, replayable unless a part is a one-shot stream, with its length
    /// when every part's is known.
    pub fn into_body(self) -> RequestBody {
        let mut length = Some(0u64);
        let mut replayable = true;
        let mut pieces = Vec::with_capacity(self.parts.len() * 3 + 1);
        for (name, part) in self.parts {
            let head = part_head(&self.boundary, &name, &part);
            let part_len = match &part.content {
                Content::Bytes(bytes) => Some(bytes.len() as u64),
                Content::File(file) => Some(file.len()),
                Content::Stream(body) => {
                    replayable &= body.is_replayable();
                    body.length()
                }
            };
            length = match (length, part_len) {
                (Some(total), Some(part_len)) => {
                    total.checked_add(head.len() as u64 + part_len + 2)
                }
                _ => None,
            };
            pieces.push(Piece::Bytes(head));
            pieces.push(match part.content {
                Content::Bytes(bytes) => Piece::Bytes(bytes),
                Content::File(file) => Piece::File(file),
                Content::Stream(body) => Piece::Stream(body),
            });
            pieces.push(Piece::Bytes(Bytes::from_static(b"\r\n")));
        }
        let closing = Bytes::from(format!("--{}--\r\n", self.boundary));
        length = length.and_then(|total| total.checked_add(closing.len() as u64));
        pieces.push(Piece::Bytes(closing));
        let make = move || pieces_stream(&pieces);
        let body = if replayable {
            RequestBody::from_factory(make)
        } else {
            RequestBody::from_stream(make())
        };
        match length {
            Some(length) => body.with_length(length),
            None => body,
        }
    }
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, part) in &self.parts {
            list.entry(&(name, part));
        }
        list.finish()
    }
}

/// What one piece of the body is made from, when it is sent.
#[derive(Clone)]
enum Piece {
    Bytes(Bytes),
    File(FileSource),
    Stream(RequestBody),
}

type PieceStream = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, BoxBodyError>> + Send>>;

fn pieces_stream(pieces: &[Piece]) -> PieceStream {
    let pieces: Vec<Piece> = pieces.to_vec();
    Box::pin(stream::iter(pieces).flat_map(|piece| -> PieceStream {
        match piece {
            Piece::Bytes(bytes) => Box::pin(stream::once(std::future::ready(Ok(bytes)))),
            Piece::File(file) => file.stream(),
            Piece::Stream(body) => match body.outgoing() {
                Some(outgoing) => Box::pin(outgoing_stream(outgoing)),
                None => Box::pin(stream::once(std::future::ready(Err(BoxBodyError::from(
                    "a one-shot stream part was sent already",
                ))))),
            },
        }
    }))
}

/// A part's own body as a stream of chunks, its own length checks included.
fn outgoing_stream(
    outgoing: super::OutgoingBody,
) -> impl Stream<Item = Result<Bytes, BoxBodyError>> + Send {
    let slot = outgoing.failure_slot();
    stream::unfold(Some(outgoing), move |body| {
        let slot = slot.clone();
        async move {
            let mut body = body?;
            let frame = std::future::poll_fn(|cx| {
                http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)
            })
            .await;
            match frame {
                Some(Ok(frame)) => Some((Ok(frame.into_data().unwrap_or_default()), Some(body))),
                Some(Err(failed)) => {
                    let cause = slot
                        .and_then(|slot| slot.lock().ok().and_then(|mut slot| slot.take()))
                        .map_or_else(|| BoxBodyError::from(failed), BoxBodyError::from);
                    Some((Err(cause), None))
                }
                None => None,
            }
        }
    })
}

/// `--boundary`, the part's headers and the blank line.
fn part_head(boundary: &str, name: &str, part: &Part) -> Bytes {
    let mut head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
        escape(name)
    );
    if let Some(file_name) = &part.file_name {
        head.push_str("; filename=\"");
        head.push_str(&escape(file_name));
        head.push('"');
    }
    head.push_str("\r\n");
    let mime = match (&part.mime, &part.content, &part.file_name) {
        (Some(mime), _, _) => Some(mime.to_str().unwrap_or("application/octet-stream")),
        (None, Content::File(_), _) | (None, _, Some(_)) => Some("application/octet-stream"),
        (None, _, None) => None,
    };
    if let Some(mime) = mime {
        head.push_str("Content-Type: ");
        head.push_str(mime);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    Bytes::from(head)
}

/// The HTML standard's escaping of names and file names in `Content-Disposition`.
fn escape(value: &str) -> String {
    value
        .replace('\n', "%0A")
        .replace('\r', "%0D")
        .replace('"', "%22")
}

impl Part {
    fn new(content: Content) -> Self {
        Self {
            content,
            file_name: None,
            mime: None,
        }
    }

    /// A text value.
    pub fn text(value: impl Into<String>) -> Self {
        Self::new(Content::Bytes(Bytes::from(value.into())))
    }

    /// Bytes in memory.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(Content::Bytes(bytes.into()))
    }

    /// The file at `path` on `fs`, read when the form is sent; its length comes from its
    /// metadata now, and its file name from the last component of `path`.
    ///
    /// # Errors
    ///
    /// The file's metadata cannot be read.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future only drops a metadata lookup.
    pub async fn file<F: FileSystem + 'static>(fs: F, path: &Path) -> Result<Self, FsError> {
        let source = FileSource::open(fs, path).await?;
        let file_name = source
            .path()
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        let mut part = Self::new(Content::File(source));
        part.file_name = file_name;
        Ok(part)
    }

    /// A part streamed from `body` (a [`RequestBody::from_stream`], `from_factory`, ...): its
    /// length, if declared, counts toward the form's `Content-Length`.
    pub fn stream(body: RequestBody) -> Self {
        Self::new(Content::Stream(body))
    }

    /// Sets the file name sent with the part.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's `Content-Type`.
    ///
    /// # Errors
    ///
    /// `mime` is not a valid header value (a control character, a line break).
    pub fn mime(mut self, mime: &str) -> Result<Self, InvalidMultipart> {
        let value = HeaderValue::from_str(mime).map_err(|_| InvalidMultipart {
            what: "content type",
            reason: "it is not a valid header value",
        })?;
        if value.to_str().is_err() {
            return Err(InvalidMultipart {
                what: "content type",
                reason: "it must be visible ASCII",
            });
        }
        self.mime = Some(value);
        Ok(self)
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Lengths and names only: a part's content may be a secret.
        let (kind, length) = match &self.content {
            Content::Bytes(bytes) => ("bytes", Some(bytes.len() as u64)),
            Content::File(file) => ("file", Some(file.len())),
            Content::Stream(body) => ("stream", body.length()),
        };
        f.debug_struct("Part")
            .field("kind", &kind)
            .field("length", &length)
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    fn collect(body: &RequestBody) -> Vec<u8> {
        let mut outgoing = body.outgoing().unwrap();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut out = Vec::new();
        loop {
            match Pin::new(&mut outgoing).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => out.extend_from_slice(&frame.into_data().unwrap()),
                Poll::Ready(None) => return out,
                other => panic!("unexpected {:?}", other.map(|f| f.map(|f| f.is_ok()))),
            }
        }
    }

    #[test]
    fn parts_are_written_as_rfc_7578_says_with_an_exact_length() {
        let form = Form::new()
            .with_boundary("XyZ")
            .unwrap()
            .text("title", "a \"quoted\"\r\nline")
            .part(
                "up\"load",
                Part::bytes(&b"\x00\x01"[..]).file_name("r\u{e9}sum\u{e9}.bin"),
            )
            .part("csv", Part::text("1,2").mime("text/csv").unwrap());
        let body = form.into_body();
        let bytes = collect(&body);
        let expected = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\
            a \"quoted\"\r\nline\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"up%22load\"; filename=\"r\u{e9}sum\u{e9}.bin\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"csv\"\r\nContent-Type: text/csv\r\n\r\n1,2\r\n\
            --XyZ--\r\n";
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
        assert_eq!(body.length(), Some(bytes.len() as u64));
        assert!(body.is_replayable());
        assert_eq!(
            collect(&body),
            bytes,
            "a replayable form writes the same bytes again"
        );
    }

    #[test]
    fn a_stream_part_without_length_makes_the_form_chunked_and_one_shot() {
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("zz"))]);
        let body = Form::new()
            .part("s", Part::stream(RequestBody::from_stream(chunks)))
            .into_body();
        assert_eq!(body.length(), None);
        assert!(!body.is_replayable());
        assert!(
            String::from_utf8(collect(&body))
                .unwrap()
                .contains("\r\n\r\nzz\r\n")
        );
    }

    #[test]
    fn bad_boundaries_and_content_types_are_refused() {
        for bad in ["", "has\"quote", "trailing ", &"x".repeat(71)] {
            assert!(Form::new().with_boundary(bad).is_err(), "{bad:?}");
        }
        assert!(Part::text("x").mime("text/plain\r\nX-Evil: 1").is_err());
        let random = Form::new();
        assert_eq!(random.boundary().len(), "ferry-".len() + 32);
        assert_ne!(random.boundary(), Form::new().boundary());
    }
}
