//! Resolving a URI reference (a redirect's `Location`, a `Link` target) against the URI of the
//! response that carried it, as RFC 3986 section 5 says.
//!
//! iri-string does the resolution (merging paths, removing dot segments) on plain strings;
//! this module adds what servers send in practice and a strict parser rejects: surrounding
//! white space, and raw spaces or non-ASCII characters, which are percent-encoded first as
//! browsers and the `url` crate do.

use http::Uri;
use iri_string::types::{UriAbsoluteStr, UriReferenceStr};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters a URI reference cannot hold raw, encoded before parsing. `%` is left alone so
/// that what is already encoded stays as it is.
const NOT_IN_URIS: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Why a reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResolveError {
    /// The base is not an absolute URI (a URI without a scheme cannot be a base).
    #[error("the current URL cannot be a base")]
    Base,
    /// The reference is not a URI reference, even after encoding.
    #[error("not a valid URL: {0}")]
    Reference(String),
    /// The result is not an `http` or `https` URI (the scheme it has).
    #[error("not an http or https URL: {0:?}")]
    Scheme(String),
    /// The result is not a URI `http` accepts.
    #[error("the resolved target is not a valid URI: {0}")]
    Resolved(String),
}

/// `reference` resolved against `base`, without its fragment (which is never sent); only
/// `http` and `https` results are accepted, since nothing else can be fetched.
pub(crate) fn resolve(base: &Uri, reference: &str) -> Result<Uri, ResolveError> {
    let base = base.to_string();
    let base = UriAbsoluteStr::new(&base).map_err(|_| ResolveError::Base)?;
    let encoded = utf8_percent_encode(reference.trim(), NOT_IN_URIS).to_string();
    let reference = UriReferenceStr::new(&encoded)
        .map_err(|error| ResolveError::Reference(error.to_string()))?;
    let resolved = reference.resolve_against(base).to_string();
    let scheme = resolved.split(':').next().unwrap_or_default();
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(ResolveError::Scheme(scheme.to_owned()));
    }
    let without_fragment = resolved.split('#').next().unwrap_or_default();
    without_fragment
        .parse()
        .map_err(|error: http::uri::InvalidUri| ResolveError::Resolved(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(base: &str, reference: &str) -> String {
        resolve(&base.parse().unwrap(), reference)
            .unwrap_or_else(|error| panic!("{reference}: {error}"))
            .to_string()
    }

    #[test]
    fn relative_references_resolve_as_rfc_3986_section_5_4_says() {
        let base = "http://a/b/c/d;p?q";
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("g;x=1/../y", "http://a/b/c/y"),
        ] {
            assert_eq!(resolved(base, reference), expected, "{reference}");
        }
    }

    #[test]
    fn absolute_references_replace_the_base() {
        assert_eq!(
            resolved("http://a/b", "https://other.example:8443/x?y=1"),
            "https://other.example:8443/x?y=1"
        );
    }

    #[test]
    fn spaces_and_non_ascii_are_percent_encoded_and_existing_escapes_kept() {
        assert_eq!(
            resolved("http://a/dir/", " a b/ü?q=%20x "),
            "http://a/dir/a%20b/%C3%BC?q=%20x"
        );
    }

    #[test]
    fn a_reference_that_is_no_uri_is_an_error_not_a_panic() {
        let base: Uri = "http://a/b".parse().unwrap();
        assert!(matches!(
            resolve(&base, "http://[::1"),
            Err(ResolveError::Reference(_))
        ));
    }

    #[test]
    fn only_http_and_https_targets_are_accepted() {
        let base: Uri = "http://a/b".parse().unwrap();
        assert_eq!(
            resolve(&base, "file:///etc/passwd"),
            Err(ResolveError::Scheme("file".into()))
        );
        assert_eq!(resolved("http://a/b", "HTTPS://c/d"), "https://c/d");
    }

    #[test]
    fn a_base_without_a_scheme_cannot_resolve() {
        let base: Uri = "/only/a/path".parse().unwrap();
        assert_eq!(resolve(&base, "g"), Err(ResolveError::Base));
    }
}
