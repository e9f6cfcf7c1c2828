//! The typed causes behind a body that was too large or could not be decompressed.

use std::io;

use super::ContentCoding;

/// Which count of a response body went past the client's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodySide {
    /// The bytes as they arrived (compressed, if the response was).
    Wire,
    /// The bytes after decompression: a small compressed body that inflates past the limit
    /// (a decompression bomb) stops here.
    Decoded,
}

/// The cause of an [`is_body_too_large`](crate::HttpError::is_body_too_large) error:
/// the limit, and whether the wire bytes or the decoded bytes went past it. Get it with
/// [`HttpError::body_limit`](crate::HttpError::body_limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {} body is larger than the limit of {limit} bytes", side_name(*.side))]
pub struct BodyLimitExceeded {
    pub(crate) limit: u64,
    pub(crate) side: BodySide,
}

fn side_name(side: BodySide) -> &'static str {
    match side {
        BodySide::Wire => "wire",
        BodySide::Decoded => "decoded",
    }
}

impl BodyLimitExceeded {
    /// The limit, in bytes ([`HttpSettings::max_body_bytes`](crate::HttpSettings::max_body_bytes)).
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Which count went past it.
    pub fn side(&self) -> BodySide {
        self.side
    }
}

/// The cause of an [`is_decompress`](crate::HttpError::is_decompress) error: which
/// coding failed, and the decoder's own error as the source.
#[derive(Debug, thiserror::Error)]
#[error("the {} body could not be decoded: {reason}", OptionCoding(.coding))]
pub struct DecompressError {
    coding: Option<ContentCoding>,
    reason: String,
    #[source]
    source: Option<io::Error>,
}

impl DecompressError {
    /// A chain asked for a coding this build has no decoder for.
    pub(crate) fn not_compiled_in(coding: ContentCoding) -> Self {
        Self {
            coding: Some(coding),
            reason: format!(
                "ferry-http was built without its `{}` feature",
                coding.feature()
            ),
            source: None,
        }
    }

    pub(crate) fn corrupt(coding: ContentCoding, source: io::Error) -> Self {
        let reason = if source.kind() == io::ErrorKind::UnexpectedEof {
            "the compressed stream ends before its end".to_owned()
        } else {
            format!("the compressed stream is corrupt ({source})")
        };
        Self {
            coding: Some(coding),
            reason,
            source: Some(source),
        }
    }

    pub(crate) fn too_many(count: usize, max: usize) -> Self {
        Self {
            coding: None,
            reason: format!("{count} stacked content codings, more than the {max} supported"),
            source: None,
        }
    }

    /// The coding whose decoder failed; `None` when the chain of codings was refused whole.
    pub fn coding(&self) -> Option<ContentCoding> {
        self.coding
    }
}

impl std::fmt::Display for OptionCoding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(coding) => write!(f, "{coding}"),
            None => f.write_str("encoded"),
        }
    }
}

struct OptionCoding<'a>(&'a Option<ContentCoding>);
