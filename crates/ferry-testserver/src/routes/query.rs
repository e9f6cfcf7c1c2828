//! Query-string parsing for the routes: typed look-ups whose failures are 400 replies.

use http::StatusCode;

use super::BadRequest;

/// The decoded `name=value` pairs of a request's query string.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes a raw query string (`a=1&b=x%20y`); `None` means no query.
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|raw| {
                form_urlencoded::parse(raw.as_bytes())
                    .map(|(name, value)| (name.into_owned(), value.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// The first value of `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// `name` as an unsigned number, `default` when absent, a 400 reply when malformed.
    pub(crate) fn u64_or(&self, name: &str, default: u64) -> Result<u64, BadRequest> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => parse_u64(name, value),
        }
    }

    /// Like [`Query::u64_or`], also rejecting values outside `min..=max`.
    pub(crate) fn u64_in(
        &self,
        name: &str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, BadRequest> {
        let value = self.u64_or(name, default)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(BadRequest::new(format!(
                "query parameter `{name}` must be in {min}..={max}, got {value}"
            )))
        }
    }

    /// `name` as a final (non-informational) status code, `default` when absent.
    pub(crate) fn status_or(
        &self,
        name: &str,
        default: StatusCode,
    ) -> Result<StatusCode, BadRequest> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => parse_status(value),
        }
    }
}

/// Parses a decimal number, or explains in a 400 reply what was wrong with `what`.
pub(crate) fn parse_u64(what: &str, value: &str) -> Result<u64, BadRequest> {
    value.parse::<u64>().map_err(|_| {
        BadRequest::new(format!(
            "`{what}` must be a non-negative integer, got {value:?}"
        ))
    })
}

/// Parses a status code that can end a response (200..=999); 1xx codes are informational and
/// cannot be a final response, so they are refused like malformed codes.
pub(crate) fn parse_status(value: &str) -> Result<StatusCode, BadRequest> {
    let code = value.parse::<u16>().ok().filter(|code| *code >= 200);
    code.and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| {
            BadRequest::new(format!(
                "status must be a final HTTP status code in 200..=999, got {value:?}"
            ))
        })
}
