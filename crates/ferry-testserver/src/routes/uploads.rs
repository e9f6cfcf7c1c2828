//! The routes that receive request bodies: a urlencoded form echo, and two that read a body of
//! any size as it streams in ([`BodySink`]): a byte-counting sink and a multipart digest, which
//! report lengths and SHA-256 sums so large uploads are checked without being echoed.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Reply, RouteRequest};

/// The largest part header block the multipart digest accepts, so a body with no blank line
/// cannot grow its buffer without bound.
const MAX_PART_HEADERS: usize = 16 * 1024;

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `/form-echo` (any method) -> `{"fields":{name: value | [values...]},"content_type":..}`:
/// the urlencoded body decoded; a name given more than once maps to an array in order.
pub(crate) fn form_echo(request: &RouteRequest) -> Reply {
    let mut fields = Map::new();
    for (name, value) in form_urlencoded::parse(&request.body) {
        let value = Value::String(value.into_owned());
        match fields.get_mut(name.as_ref()) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
            None => {
                fields.insert(name.into_owned(), value);
            }
        }
    }
    let content_type = request
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    Reply::json(
        StatusCode::OK,
        json!({ "fields": fields, "content_type": content_type }).to_string(),
    )
}

/// A route that reads its request body as it arrives, a chunk at a time, and answers when
/// it has ended. The real server feeds it frame by frame with no size limit; the mock feeds it
/// the whole recorded body at once.
pub trait BodySink: Send {
    /// Takes the next chunk of the body.
    fn feed(&mut self, chunk: &[u8]);

    /// The answer, once the body has ended.
    fn finish(self: Box<Self>) -> Reply;
}

/// The sink for `path`, if it is a streaming route.
pub(crate) fn sink_for(path: &str, headers: &HeaderMap) -> Option<Box<dyn BodySink>> {
    match path {
        "/upload/sink" => Some(Box::new(CountingSink::new(headers))),
        "/multipart-echo" => Some(Box::new(MultipartDigest::new(headers))),
        _ => None,
    }
}

/// `/upload/sink` (any method) -> `{"bytes":n,"sha256":..,"content_length":..|null,
/// "chunked":bool}`.
struct CountingSink {
    bytes: u64,
    hash: Sha256,
    content_length: Option<String>,
    chunked: bool,
}

impl CountingSink {
    fn new(headers: &HeaderMap) -> Self {
        Self {
            bytes: 0,
            hash: Sha256::new(),
            content_length: headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            chunked: headers
                .get(TRANSFER_ENCODING)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.to_ascii_lowercase().contains("chunked")),
        }
    }
}

impl BodySink for CountingSink {
    fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.hash.update(chunk);
    }

    fn finish(self: Box<Self>) -> Reply {
        let json = json!({
            "bytes": self.bytes,
            "sha256": hex(&self.hash.finalize()),
            "content_length": self.content_length,
            "chunked": self.chunked,
        });
        Reply::json(StatusCode::OK, json.to_string())
    }
}

/// Where the multipart parser is.
enum State {
    /// Before the first delimiter.
    Preamble,
    /// Just after a delimiter: `--` ends the body, CRLF starts a part.
    AfterDelimiter,
    /// Reading a part's headers up to the blank line.
    Headers,
    /// Reading a part's content up to the next delimiter.
    Content,
    /// After the closing delimiter.
    Done,
}

/// One part as the digest reports it.
struct PartDigest {
    name: Option<String>,
    file_name: Option<String>,
    content_type: Option<String>,
    length: u64,
    hash: Sha256,
}

/// `/multipart-echo` (any method) -> `{"parts":[{"name":..,"filename":..,"content_type":..,
/// "length":n,"sha256":..},...],"content_length":..}`; a malformed body is a 400 saying
/// what was wrong. Parsed as it streams (RFC 2046 delimiters, RFC 7578 dispositions), holding
/// no more than a part's headers and a delimiter's length of content.
struct MultipartDigest {
    delimiter: Vec<u8>,
    buffer: Vec<u8>,
    state: State,
    current: Option<PartDigest>,
    parts: Vec<Value>,
    error: Option<String>,
    content_length: Option<String>,
}

fn boundary_of(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// A `Content-Disposition` parameter's value, quoted or not.
fn disposition_param(disposition: &str, wanted: &str) -> Option<String> {
    disposition.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case(wanted)
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

impl MultipartDigest {
    fn new(headers: &HeaderMap) -> Self {
        let boundary = boundary_of(headers);
        Self {
            delimiter: format!("\r\n--{}", boundary.as_deref().unwrap_or_default()).into_bytes(),
            // The first delimiter has no CRLF before it; pretending there was one lets one
            // search find every delimiter.
            buffer: b"\r\n".to_vec(),
            state: State::Preamble,
            current: None,
            parts: Vec::new(),
            error: boundary
                .is_none()
                .then(|| "the Content-Type is not multipart/form-data with a boundary".into()),
            content_length: headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
        self.state = State::Done;
        self.buffer.clear();
    }

    fn start_part(&mut self, head: &[u8]) {
        let Ok(head) = std::str::from_utf8(head) else {
            return self.fail("a part's headers are not UTF-8".into());
        };
        let mut part = PartDigest {
            name: None,
            file_name: None,
            content_type: None,
            length: 0,
            hash: Sha256::new(),
        };
        for line in head.split("\r\n").filter(|line| !line.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return self.fail(format!("a part header line has no colon: {line:?}"));
            };
            let value = value.trim();
            if name.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = disposition_param(value, "name");
                part.file_name = disposition_param(value, "filename");
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.to_owned());
            }
        }
        self.current = Some(part);
    }

    fn end_part(&mut self) {
        if let Some(part) = self.current.take() {
            self.parts.push(json!({
                "name": part.name,
                "filename": part.file_name,
                "content_type": part.content_type,
                "length": part.length,
                "sha256": hex(&part.hash.finalize()),
            }));
        }
    }

    fn content(&mut self, bytes: &[u8]) {
        if let Some(part) = &mut self.current {
            part.length += bytes.len() as u64;
            part.hash.update(bytes);
        }
    }

    /// Moves through the buffer as far as it allows.
    fn advance(&mut self) {
        loop {
            match self.state {
                State::Done => return self.buffer.clear(),
                State::Preamble | State::Content => {
                    let in_content = matches!(self.state, State::Content);
                    match find(&self.buffer, &self.delimiter) {
                        Some(at) => {
                            if in_content {
                                let content = self.buffer[..at].to_vec();
                                self.content(&content);
                                self.end_part();
                            }
                            self.buffer.drain(..at + self.delimiter.len());
                            self.state = State::AfterDelimiter;
                        }
                        None => {
                            // Keep what could be the start of a delimiter split across chunks.
                            let keep = self.delimiter.len() - 1;
                            if self.buffer.len() > keep {
                                let cut = self.buffer.len() - keep;
                                if in_content {
                                    let content = self.buffer[..cut].to_vec();
                                    self.content(&content);
                                }
                                self.buffer.drain(..cut);
                            }
                            return;
                        }
                    }
                }
                State::AfterDelimiter => {
                    if self.buffer.len() < 2 {
                        return;
                    }
                    match &self.buffer[..2] {
                        b"--" => {
                            self.state = State::Done;
                        }
                        b"\r\n" => {
                            self.buffer.drain(..2);
                            self.state = State::Headers;
                        }
                        _ => {
                            return self
                                .fail("a delimiter is followed by neither CRLF nor --".into());
                        }
                    }
                }
                State::Headers => match find(&self.buffer, b"\r\n\r\n") {
                    Some(at) => {
                        let head = self.buffer[..at].to_vec();
                        self.buffer.drain(..at + 4);
                        self.start_part(&head);
                        if !matches!(self.state, State::Done) {
                            self.state = State::Content;
                        }
                    }
                    None if self.buffer.len() > MAX_PART_HEADERS => {
                        return self.fail("a part's headers have no end".into());
                    }
                    // A part with no headers at all: the blank line follows the delimiter.
                    None if self.buffer.starts_with(b"\r\n") => {
                        self.buffer.drain(..2);
                        self.start_part(b"");
                        self.state = State::Content;
                    }
                    None => return,
                },
            }
        }
    }
}

impl BodySink for MultipartDigest {
    fn feed(&mut self, chunk: &[u8]) {
        if self.error.is_some() {
            return;
        }
        self.buffer.extend_from_slice(chunk);
        self.advance();
    }

    fn finish(mut self: Box<Self>) -> Reply {
        if self.error.is_none() && !matches!(self.state, State::Done) {
            self.fail("the body ended before the closing delimiter".into());
        }
        match self.error {
            Some(error) => Reply::error(StatusCode::BAD_REQUEST, &error),
            None => Reply::json(
                StatusCode::OK,
                json!({ "parts": self.parts, "content_length": self.content_length }).to_string(),
            ),
        }
    }
}

/// Answers a streaming route from a body that is already whole (the mock's way).
pub(crate) fn from_whole_body(mut sink: Box<dyn BodySink>, body: &[u8]) -> Reply {
    sink.feed(body);
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn digest(body: &[u8], chunk: usize) -> Value {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=\"b-1\""),
        );
        let mut sink: Box<dyn BodySink> = Box::new(MultipartDigest::new(&headers));
        for piece in body.chunks(chunk) {
            sink.feed(piece);
        }
        let reply = sink.finish();
        serde_json::from_slice(reply.full_body().unwrap()).unwrap()
    }

    #[test]
    fn parts_are_digested_whatever_the_chunking() {
        let body = b"preamble\r\n--b-1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\
            one\r\n--b-1\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n\r\n--b-\r\n--b-1--\r\n";
        let whole = digest(body, body.len());
        for chunk in [1, 2, 7, 13] {
            assert_eq!(digest(body, chunk), whole, "chunks of {chunk}");
        }
        let parts = whole["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "{whole}");
        assert_eq!(parts[0]["name"], "a");
        assert_eq!(parts[0]["length"], 3);
        assert_eq!(parts[1]["filename"], "x.bin");
        // "\r\n--b-" is content: it is not the whole delimiter.
        assert_eq!(parts[1]["length"], 6);
        assert_eq!(parts[1]["content_type"], "application/octet-stream");
    }

    #[test]
    fn a_body_without_its_closing_delimiter_is_a_400() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=z"),
        );
        let reply = from_whole_body(Box::new(MultipartDigest::new(&headers)), b"--z\r\n\r\nabc");
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = from_whole_body(Box::new(MultipartDigest::new(&HeaderMap::new())), b"");
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}
