//! [`ContentCoding`]: the content codings the client decodes, and reading them from
//! `Content-Encoding`.

use std::fmt;
use std::sync::OnceLock;

use http::header::CONTENT_ENCODING;
use http::{HeaderMap, HeaderValue};

/// The most codings one response may stack; a longer chain fails to read with
/// [`is_decompress`](crate::HttpError::is_decompress) instead of building an unbounded
/// pile of decoders.
pub(crate) const MAX_CHAIN: usize = 3;

/// What the client sends as `Accept-Encoding` when the request has none of its own: the
/// codings this build decodes, in the order of preference; `None` when it decodes none.
pub(crate) fn accept_encoding() -> Option<&'static HeaderValue> {
    static VALUE: OnceLock<Option<HeaderValue>> = OnceLock::new();
    VALUE
        .get_or_init(|| {
            let names: Vec<&str> = ContentCoding::ALL
                .into_iter()
                .filter(|coding| coding.is_compiled_in())
                .map(ContentCoding::as_str)
                .collect();
            if names.is_empty() {
                return None;
            }
            HeaderValue::from_str(&names.join(", ")).ok()
        })
        .as_ref()
}

/// A content coding the client decodes (RFC 9110 section 8.4.1, RFC 8878 for zstd).
///
/// ```
/// use ferry_http::ContentCoding;
///
/// assert_eq!(ContentCoding::from_token("x-gzip"), Some(ContentCoding::Gzip));
/// assert_eq!(ContentCoding::from_token("BR"), Some(ContentCoding::Brotli));
/// assert_eq!(ContentCoding::from_token("compress"), None);
/// assert_eq!(ContentCoding::Zstd.as_str(), "zstd");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentCoding {
    /// `gzip` (and its old alias `x-gzip`), RFC 1952; concatenated members are decoded too.
    Gzip,
    /// `deflate`: zlib-wrapped deflate (RFC 1950). A raw deflate stream (RFC 1951), which some
    /// servers send under this name, is recognised by its first bytes and decoded as well,
    /// as browsers do.
    Deflate,
    /// `br`, brotli (RFC 7932).
    Brotli,
    /// `zstd`, Zstandard (RFC 8878), with the window limited to 8 MiB as the RFC advises for
    /// HTTP, so a frame cannot make the client reserve a large window; concatenated frames are
    /// decoded too.
    Zstd,
}

impl ContentCoding {
    /// Every coding, in the order `Accept-Encoding` lists them.
    const ALL: [Self; 4] = [Self::Gzip, Self::Deflate, Self::Brotli, Self::Zstd];

    /// Whether this build decodes the coding: each is a feature of `ferry-http` (`gzip`,
    /// `deflate`, `brotli`, `zstd`, all on by default). A response in a coding that is not
    /// compiled in is passed on as it came, with its `Content-Encoding`, and the coding is
    /// not offered in `Accept-Encoding`.
    ///
    /// ```
    /// use ferry_http::ContentCoding;
    ///
    /// assert_eq!(ContentCoding::Gzip.is_compiled_in(), cfg!(feature = "gzip"));
    /// ```
    pub const fn is_compiled_in(self) -> bool {
        match self {
            Self::Gzip => cfg!(feature = "gzip"),
            Self::Deflate => cfg!(feature = "deflate"),
            Self::Brotli => cfg!(feature = "brotli"),
            Self::Zstd => cfg!(feature = "zstd"),
        }
    }

    /// The `ferry-http` feature that compiles the coding's decoder in.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            Self::Brotli => "brotli",
            other => other.as_str(),
        }
    }

    /// The coding named by `token` (case-insensitive), or `None` for one the client does not
    /// decode (including `identity`).
    pub fn from_token(token: &str) -> Option<Self> {
        let token = token.trim();
        [
            ("gzip", Self::Gzip),
            ("x-gzip", Self::Gzip),
            ("deflate", Self::Deflate),
            ("br", Self::Brotli),
            ("zstd", Self::Zstd),
        ]
        .into_iter()
        .find(|(name, _)| token.eq_ignore_ascii_case(name))
        .map(|(_, coding)| coding)
    }

    /// The coding's name as it appears in `Content-Encoding`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
            Self::Brotli => "br",
            Self::Zstd => "zstd",
        }
    }
}

impl fmt::Display for ContentCoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `Content-Encoding` asks of the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Nothing to decode: no header, only `identity`, or a coding the client does not know
    /// or was built without (then the body is passed on as it came, headers included).
    PassThrough,
    /// Decode with these codings, in this order (the reverse of the header's, which lists
    /// them in the order they were applied).
    Decode(Vec<ContentCoding>),
    /// More codings than [`MAX_CHAIN`].
    TooMany(usize),
}

/// Reads every `Content-Encoding` line of `headers`, in order.
pub(crate) fn plan(headers: &HeaderMap) -> Plan {
    let mut codings = Vec::new();
    for value in headers.get_all(CONTENT_ENCODING) {
        let Ok(value) = value.to_str() else {
            return Plan::PassThrough;
        };
        for token in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if token.eq_ignore_ascii_case("identity") {
                continue;
            }
            match ContentCoding::from_token(token) {
                Some(coding) if coding.is_compiled_in() => codings.push(coding),
                _ => return Plan::PassThrough,
            }
        }
    }
    if codings.is_empty() {
        Plan::PassThrough
    } else if codings.len() > MAX_CHAIN {
        Plan::TooMany(codings.len())
    } else {
        codings.reverse();
        Plan::Decode(codings)
    }
}

/// Whether the first bytes of a `deflate` body are a zlib header (RFC 1950: method 8, a
/// window of at most 32 KiB, and a check value that makes the pair a multiple of 31).
/// Anything else is taken for raw deflate.
pub(crate) fn is_zlib_header(first: u8, second: u8) -> bool {
    first & 0x0f == 8 && first >> 4 <= 7 && (u16::from(first) << 8 | u16::from(second)) % 31 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(CONTENT_ENCODING, HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    #[test]
    #[cfg(all(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    ))]
    fn codings_are_decoded_in_the_reverse_of_the_order_they_were_applied() {
        use ContentCoding::*;
        assert_eq!(plan(&headers(&["gzip"])), Plan::Decode(vec![Gzip]));
        assert_eq!(
            plan(&headers(&["gzip, br"])),
            Plan::Decode(vec![Brotli, Gzip])
        );
        assert_eq!(
            plan(&headers(&["deflate", "identity, zstd"])),
            Plan::Decode(vec![Zstd, Deflate])
        );
        assert_eq!(plan(&headers(&["X-GZIP"])), Plan::Decode(vec![Gzip]));
    }

    #[test]
    fn accept_encoding_offers_exactly_the_codings_compiled_in() {
        let offered = accept_encoding().map(|value| value.to_str().unwrap().to_owned());
        let expected: Vec<&str> = [
            (cfg!(feature = "gzip"), "gzip"),
            (cfg!(feature = "deflate"), "deflate"),
            (cfg!(feature = "brotli"), "br"),
            (cfg!(feature = "zstd"), "zstd"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if expected.is_empty() {
            assert_eq!(offered, None);
        } else {
            assert_eq!(offered.as_deref(), Some(expected.join(", ").as_str()));
        }
        for coding in ContentCoding::ALL {
            let planned = plan(&headers(&[coding.as_str()]));
            if coding.is_compiled_in() {
                assert_eq!(planned, Plan::Decode(vec![coding]));
            } else {
                assert_eq!(planned, Plan::PassThrough, "{coding} is not compiled in");
            }
        }
    }

    #[test]
    fn identity_and_unknown_codings_pass_through() {
        assert_eq!(plan(&HeaderMap::new()), Plan::PassThrough);
        assert_eq!(plan(&headers(&["identity"])), Plan::PassThrough);
        assert_eq!(plan(&headers(&["gzip, compress"])), Plan::PassThrough);
        assert_eq!(plan(&headers(&["aes128gcm"])), Plan::PassThrough);
    }

    #[test]
    #[cfg(feature = "gzip")]
    fn long_chains_are_refused() {
        assert_eq!(
            plan(&headers(&["gzip, gzip, gzip, gzip"])),
            Plan::TooMany(4)
        );
    }

    #[test]
    fn zlib_headers_are_told_from_raw_deflate() {
        for (first, second) in [(0x78, 0x9c), (0x78, 0x01), (0x78, 0xda), (0x58, 0x85)] {
            assert!(is_zlib_header(first, second), "{first:x} {second:x}");
        }
        // A raw deflate stream starting with a fixed or dynamic block.
        for (first, second) in [(0xcb, 0x48), (0xed, 0xbd), (0x78, 0x9d), (0x05, 0xc1)] {
            assert!(!is_zlib_header(first, second), "{first:x} {second:x}");
        }
    }
}
