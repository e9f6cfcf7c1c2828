//! Cases for transparent decompression: every coding, stacked codings, `Accept-Encoding`,
//! turning it off, decompression bombs, corrupt bodies and responses without a body.
//!
//! Run them with [`http_decode_suite!`](crate::http_decode_suite).

use std::error::Error as _;

use ferry_http::{
    BodySide, ContentCoding, DecompressError, HttpClient, HttpClientExt, HttpError, HttpSettings,
};
use ferry_testserver::routes::compressible_text;
use futures::StreamExt;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH};
use serde_json::Value;

use super::{HttpBackend, default_client};

/// Runs every decompression case as a `#[test]`; see the [crate docs](crate).
///
/// `http_decode_suite!(backend, except_head)` leaves out
/// `head_response_with_content_encoding_is_passed_on`, for clients whose HTTP stack waits for
/// a HEAD response's announced body (surf's h1 backend does, until the request's timeout).
#[macro_export]
macro_rules! http_decode_suite {
    ($with_backend:path) => {
        $crate::http_decode_suite!($with_backend, except_head);
        $crate::__suite!(
            $with_backend,
            http,
            [head_response_with_content_encoding_is_passed_on]
        );
    };
    ($with_backend:path, except_head) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                gzip_body_is_decoded_and_the_wire_headers_kept_aside,
                every_coding_is_decoded,
                stacked_codings_are_undone_in_reverse_order,
                accept_encoding_is_sent_by_default_and_the_server_picks_from_it,
                an_accept_encoding_of_the_request_is_kept_and_its_answer_decoded,
                decompression_off_for_the_client_reads_the_wire_bytes,
                decompression_chosen_per_request_overrides_the_client,
                decompression_bomb_fails_on_the_decoded_side_of_the_limit,
                decompression_bomb_stops_a_stream_at_the_limit,
                compressed_body_over_the_limit_on_the_wire_fails_on_the_wire_side,
                corrupt_compressed_bodies_are_typed_decompress_errors,
                cut_compressed_streams_are_typed_decompress_errors,
                bodyless_statuses_with_content_encoding_do_not_fail,
                long_compressed_stream_is_decoded_in_bounded_chunks,
                redirect_to_a_compressed_body_is_decoded,
            ]
        );
    };
}

async fn get_text<C: HttpClient>(client: &C, url: &str) -> (String, Option<Vec<ContentCoding>>) {
    let response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url} failed: {error}"));
    assert!(response.status().is_success(), "GET {url}: {response:?}");
    let codings = response.wire_encoding().map(|wire| wire.codings().to_vec());
    let text = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("GET {url} body: {error:?}"));
    (text, codings)
}

fn expected_text(len: usize) -> String {
    String::from_utf8(compressible_text(len).to_vec()).expect("the test text is UTF-8")
}

/// A gzip body reads as the text it encodes; the response has no `Content-Encoding` or
/// `Content-Length` of the wire, and [`WireEncoding`](ferry_http::WireEncoding) keeps
/// them.
pub async fn gzip_body_is_decoded_and_the_wire_headers_kept_aside<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let response = client
        .get(backend.url("/compressed/gzip?len=20000"))
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert!(!response.headers().contains_key(CONTENT_LENGTH));
    assert_eq!(response.content_length(), None);
    let wire = response
        .wire_encoding()
        .expect("the body was decoded")
        .clone();
    assert_eq!(wire.content_encoding(), "gzip");
    assert_eq!(wire.codings(), [ContentCoding::Gzip]);
    let wire_length = wire.content_length().expect("the server sent a length");
    assert!(wire_length > 0 && wire_length < 20_000, "{wire_length}");
    assert_eq!(response.text().await.unwrap(), expected_text(20_000));
}

/// gzip, its alias x-gzip, zlib deflate, raw deflate, brotli and zstd all decode.
pub async fn every_coding_is_decoded<B: HttpBackend>(backend: B) {
    use ContentCoding::*;
    let client = default_client(&backend);
    for (coding, expected) in [
        ("gzip", Gzip),
        ("x-gzip", Gzip),
        ("deflate", Deflate),
        ("deflate-raw", Deflate),
        ("br", Brotli),
        ("zstd", Zstd),
    ] {
        let url = backend.url(&format!("/compressed/{coding}?len=5000"));
        let (text, codings) = get_text(&client, &url).await;
        assert_eq!(codings, Some(vec![expected]), "{coding}");
        assert!(text == expected_text(5000), "{coding} decodes to the text");
    }
}

/// `Content-Encoding: gzip, br` was gzip first, then brotli: both are undone.
pub async fn stacked_codings_are_undone_in_reverse_order<B: HttpBackend>(backend: B) {
    use ContentCoding::*;
    let client = default_client(&backend);
    for (codings, expected) in [
        ("gzip,br", vec![Gzip, Brotli]),
        ("deflate,zstd,gzip", vec![Deflate, Zstd, Gzip]),
    ] {
        let url = backend.url(&format!("/compressed/{codings}?len=3000"));
        let (text, applied) = get_text(&client, &url).await;
        assert_eq!(applied, Some(expected), "{codings}");
        assert!(text == expected_text(3000), "{codings} decodes to the text");
    }
}

/// Requests say `Accept-Encoding: gzip, deflate, br, zstd`; a negotiating server answers
/// with the first, and the body is decoded.
pub async fn accept_encoding_is_sent_by_default_and_the_server_picks_from_it<B: HttpBackend>(
    backend: B,
) {
    let client = default_client(&backend);
    let seen: Value = client
        .get(backend.url("/headers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["accept-encoding"], "gzip, deflate, br, zstd", "{seen}");
    let (text, codings) = get_text(&client, &backend.url("/negotiate?len=4000")).await;
    assert_eq!(codings, Some(vec![ContentCoding::Gzip]));
    assert_eq!(text, expected_text(4000));
}

/// A request's own `Accept-Encoding` is sent as it is, and its answer still decoded.
pub async fn an_accept_encoding_of_the_request_is_kept_and_its_answer_decoded<B: HttpBackend>(
    backend: B,
) {
    let client = default_client(&backend);
    let seen: Value = client
        .get(backend.url("/headers"))
        .header(ACCEPT_ENCODING, "zstd;q=1, br;q=0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["accept-encoding"], "zstd;q=1, br;q=0", "{seen}");
    let response = client
        .get(backend.url("/negotiate?len=4000"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.wire_encoding().map(|wire| wire.codings().to_vec()),
        Some(vec![ContentCoding::Brotli])
    );
    assert_eq!(response.text().await.unwrap(), expected_text(4000));
}

/// With decompression off, no `Accept-Encoding` goes out and the bytes come as sent, with
/// the server's headers.
pub async fn decompression_off_for_the_client_reads_the_wire_bytes<B: HttpBackend>(backend: B) {
    let client = backend.client(HttpSettings::default().with_decompression(false));
    let seen: Value = client
        .get(backend.url("/headers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(seen.get("accept-encoding").is_none(), "{seen}");
    assert_raw_gzip(
        client
            .get(backend.url("/compressed/gzip?len=5000"))
            .send()
            .await
            .unwrap(),
    )
    .await;
}

async fn assert_raw_gzip(response: ferry_http::Response) {
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert!(response.wire_encoding().is_none());
    let length = response.content_length().expect("the wire length is kept");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, length);
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "the gzip magic bytes");
}

/// `RequestBuilder::decompression` wins over the client's setting, both ways.
pub async fn decompression_chosen_per_request_overrides_the_client<B: HttpBackend>(backend: B) {
    let url = backend.url("/compressed/gzip?len=5000");
    let on = default_client(&backend);
    assert_raw_gzip(on.get(&url).decompression(false).send().await.unwrap()).await;
    let off = backend.client(HttpSettings::default().with_decompression(false));
    let response = off.get(&url).decompression(true).send().await.unwrap();
    assert!(response.wire_encoding().is_some());
    assert_eq!(response.text().await.unwrap(), expected_text(5000));
}

fn assert_decoded_too_large(error: &HttpError, limit: u64) {
    assert!(error.is_body_too_large(), "{error:?}");
    let cause = error.body_limit().expect("a body-limit cause");
    assert_eq!(cause.side(), BodySide::Decoded, "{error}");
    assert_eq!(cause.limit(), limit);
    assert!(!error.is_retryable());
}

/// 64 MiB of zeros in a few KiB of gzip, deflate, zstd or brotli stop at a 1 MiB limit as a
/// body that is too large once decoded.
pub async fn decompression_bomb_fails_on_the_decoded_side_of_the_limit<B: HttpBackend>(backend: B) {
    const LIMIT: u64 = 1024 * 1024;
    let client = backend.client(HttpSettings::default().with_max_body_bytes(LIMIT));
    for coding in ["gzip", "deflate", "zstd", "br"] {
        let url = backend.url(&format!("/bomb/{coding}?size={}", 64 * LIMIT));
        let response = client.get(&url).send().await.unwrap();
        let wire = response
            .wire_encoding()
            .and_then(|wire| wire.content_length());
        assert!(wire.is_some_and(|wire| wire < LIMIT), "{coding}: {wire:?}");
        let error = response.bytes().await.unwrap_err();
        assert_decoded_too_large(&error, LIMIT);
    }
}

/// Streamed, a bomb yields at most the limit in decoded bytes (and no less than one chunk
/// short of it), then the error, then ends.
pub async fn decompression_bomb_stops_a_stream_at_the_limit<B: HttpBackend>(backend: B) {
    const LIMIT: u64 = 3 * 1024 * 1024 + 5;
    let client = backend.client(HttpSettings::default().with_max_body_bytes(LIMIT));
    let mut stream = client
        .get(backend.url("/bomb/gzip?size=1073741824"))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let mut read = 0u64;
    let error = loop {
        match stream.next().await {
            Some(Ok(chunk)) => {
                assert!(chunk.iter().all(|&byte| byte == 0));
                read += chunk.len() as u64;
            }
            Some(Err(error)) => break error,
            None => panic!("a 1 GiB bomb ended under a {LIMIT} byte limit"),
        }
    };
    assert!(
        read <= LIMIT && read + 64 * 1024 > LIMIT,
        "{read} bytes handed out under a limit of {LIMIT}"
    );
    assert_decoded_too_large(&error, LIMIT);
    assert!(
        stream.next().await.is_none(),
        "the stream ends after its error"
    );
}

/// The limit still counts the wire: a compressed body announced larger than it fails before
/// anything is decoded, on the wire side.
pub async fn compressed_body_over_the_limit_on_the_wire_fails_on_the_wire_side<B: HttpBackend>(
    backend: B,
) {
    let client = backend.client(HttpSettings::default().with_max_body_bytes(1000));
    let response = client
        .get(backend.url("/compressed-stream/gzip?size=10000000"))
        .send()
        .await
        .unwrap();
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    assert_eq!(
        error.body_limit().map(|cause| cause.side()),
        Some(BodySide::Wire)
    );
}

fn assert_decompress_error(error: &HttpError, coding: ContentCoding) {
    assert!(error.is_decompress() && error.is_body(), "{error:?}");
    assert!(!error.is_retryable(), "{error:?}");
    let cause = error
        .source()
        .and_then(|source| source.downcast_ref::<DecompressError>())
        .unwrap_or_else(|| panic!("no DecompressError behind {error:?}"));
    assert_eq!(cause.coding(), Some(coding), "{error}");
}

/// A compressed stream with bytes inverted in its middle fails to read with a typed error
/// naming the coding (gzip and zlib check a checksum, zstd frames carry one).
pub async fn corrupt_compressed_bodies_are_typed_decompress_errors<B: HttpBackend>(backend: B) {
    use ContentCoding::*;
    let client = default_client(&backend);
    for (coding, expected) in [("gzip", Gzip), ("deflate", Deflate), ("zstd", Zstd)] {
        let response = client
            .get(backend.url(&format!("/corrupt/{coding}")))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert_decompress_error(&error, expected);
    }
}

/// A compressed stream cut in half (its `Content-Length` right, so the wire is whole) fails
/// with a typed error in every coding, never passing off the first half as the body.
pub async fn cut_compressed_streams_are_typed_decompress_errors<B: HttpBackend>(backend: B) {
    use ContentCoding::*;
    let client = default_client(&backend);
    for (coding, expected) in [
        ("gzip", Gzip),
        ("deflate", Deflate),
        ("deflate-raw", Deflate),
        ("br", Brotli),
        ("zstd", Zstd),
    ] {
        let response = client
            .get(backend.url(&format!("/corrupt/{coding}?how=cut")))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert_decompress_error(&error, expected);
    }
}

/// A HEAD response with `Content-Encoding` reads as an empty body with the server's headers:
/// there is nothing to decode.
pub async fn head_response_with_content_encoding_is_passed_on<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let head = client
        .head(backend.url("/compressed/gzip"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[CONTENT_ENCODING], "gzip");
    assert!(head.wire_encoding().is_none());
    assert!(head.bytes().await.unwrap().is_empty());
}

/// 204 and 304 responses that carry `Content-Encoding` read as empty bodies.
pub async fn bodyless_statuses_with_content_encoding_do_not_fail<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    for status in [204, 304] {
        let response = client
            .get(backend.url(&format!("/compressed/br?status={status}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        assert!(response.wire_encoding().is_none());
        assert!(response.bytes().await.unwrap().is_empty(), "{status}");
    }
}

/// 8 MiB decoded from a stream of gzip and of zstd arrive whole, in chunks of at most
/// 64 KiB: the body is decoded as it streams, never gathered.
pub async fn long_compressed_stream_is_decoded_in_bounded_chunks<B: HttpBackend>(backend: B) {
    const SIZE: usize = 8 * 1024 * 1024;
    let unit = compressible_text(1024 * 1024);
    let client = default_client(&backend);
    for coding in ["gzip", "zstd"] {
        let url = backend.url(&format!("/compressed-stream/{coding}?size={SIZE}"));
        let mut stream = client.get(&url).send().await.unwrap().bytes_stream();
        let (mut read, mut largest) = (0usize, 0usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap_or_else(|error| panic!("{coding}: {error:?}"));
            let offset = read % unit.len();
            let fits = (unit.len() - offset).min(chunk.len());
            assert!(
                chunk[..fits] == unit[offset..offset + fits],
                "{coding} at {read}"
            );
            largest = largest.max(chunk.len());
            read += chunk.len();
        }
        assert_eq!(read, SIZE, "{coding}");
        assert!(largest <= 64 * 1024, "{coding}: a chunk of {largest} bytes");
    }
}

/// The final response of a redirect chain is decoded like any other.
pub async fn redirect_to_a_compressed_body_is_decoded<B: HttpBackend>(backend: B) {
    let client = default_client(&backend);
    let url = backend.url("/redirect-to?location=%2Fcompressed%2Fbr%3Flen%3D2000&status=307");
    let (text, codings) = get_text(&client, &url).await;
    assert_eq!(codings, Some(vec![ContentCoding::Brotli]));
    assert_eq!(text, expected_text(2000));
}
