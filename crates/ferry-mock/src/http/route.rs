//! Routes: which requests a script answers ([`PathPattern`]) and with what ([`Route`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use super::respond::Respond;

/// What a handler closure sees of a request (credentials included: the handler plays the
/// server).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MockRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub uri: Uri,
    /// The headers as sent, `User-Agent` included.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Virtual time since the runtime's zero when the request was sent.
    pub sent_at: Duration,
    /// Which call to the answering route this is, from 1 (for the fallback handler: which
    /// unmatched request).
    pub call: u64,
    /// The values of the pattern's `{name}` segments, in order.
    pub params: Vec<(String, String)>,
}

impl MockRequest {
    /// The value of the `{name}` segment of the route's pattern.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(param, _)| param == name)
            .map(|(_, value)| value.as_str())
    }
}

pub(crate) type Handler = Arc<dyn Fn(&MockRequest) -> Respond + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `*` at the end: any rest of the path, including nothing.
    Rest,
}

/// A path pattern: `/items/{id}` (one segment per `{name}`), `/files/*` (a trailing `*`
/// matches any rest), and optionally `?key=value&...` pairs the query must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPattern {
    text: String,
    segments: Vec<Segment>,
    query: Vec<(String, String)>,
}

impl PathPattern {
    pub(crate) fn parse(pattern: &str) -> Self {
        let (path, query) = match pattern.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (pattern, None),
        };
        let segments = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                if segment == "*" {
                    Segment::Rest
                } else if let Some(name) = segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                {
                    Segment::Param(name.to_owned())
                } else {
                    Segment::Literal(segment.to_owned())
                }
            })
            .collect();
        let query = query
            .map(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .map(|(key, value)| (key.into_owned(), value.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let text = if pattern.starts_with('/') {
            pattern.to_owned()
        } else {
            format!("/{pattern}")
        };
        PathPattern {
            text,
            segments,
            query,
        }
    }

    /// Whether `uri` matches; the `{name}` values go to `params` when given.
    pub(crate) fn matches(
        &self,
        uri: &Uri,
        mut params: Option<&mut Vec<(String, String)>>,
    ) -> bool {
        let mut parts = uri.path().split('/').filter(|part| !part.is_empty());
        for segment in &self.segments {
            match segment {
                Segment::Rest => return self.query_matches(uri),
                Segment::Literal(literal) => {
                    if parts.next() != Some(literal.as_str()) {
                        return false;
                    }
                }
                Segment::Param(name) => {
                    let Some(value) = parts.next() else {
                        return false;
                    };
                    if let Some(params) = params.as_deref_mut() {
                        params.push((name.clone(), value.to_owned()));
                    }
                }
            }
        }
        parts.next().is_none() && self.query_matches(uri)
    }

    fn query_matches(&self, uri: &Uri) -> bool {
        if self.query.is_empty() {
            return true;
        }
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect();
        self.query.iter().all(|wanted| pairs.contains(wanted))
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a route picks its answer.
pub(crate) enum Script {
    /// These answers in turn; the last one repeats.
    Sequence(Vec<Respond>),
    /// A closure decides.
    Handler(Handler),
}

/// One scripted route.
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) pattern: PathPattern,
    pub(crate) script: Script,
    /// `"METHOD /pattern"`, made once: every recorded request names its route.
    pub(crate) label: Arc<str>,
    /// The first `n` calls get this answer instead.
    pub(crate) fail_first: Option<(u64, Respond)>,
    /// Calls so far.
    pub(crate) calls: u64,
}

impl Route {
    pub(crate) fn new(method: Method, pattern: &str, script: Script) -> Self {
        let pattern = PathPattern::parse(pattern);
        Route {
            label: format!("{method} {pattern}").into(),
            method,
            pattern,
            script,
            fail_first: None,
            calls: 0,
        }
    }

    /// Counts one more call and picks its answer; `request` builds what a handler sees, only
    /// when there is a handler to see it.
    pub(crate) fn answer(
        &mut self,
        request: impl FnOnce(&PathPattern, u64) -> MockRequest,
    ) -> Respond {
        self.calls += 1;
        let failures = self.fail_first.as_ref().map_or(0, |(n, _)| *n);
        if let Some((_, fault)) = self.fail_first.as_ref().filter(|_| self.calls <= failures) {
            return fault.clone();
        }
        match &self.script {
            Script::Sequence(answers) => {
                let index = usize::try_from(self.calls - failures - 1)
                    .unwrap_or(usize::MAX)
                    .min(answers.len() - 1);
                answers[index].clone()
            }
            Script::Handler(handler) => handler(&request(&self.pattern, self.calls)),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, uri: &str) -> Option<Vec<(String, String)>> {
        let mut params = Vec::new();
        PathPattern::parse(pattern)
            .matches(&uri.parse().unwrap(), Some(&mut params))
            .then_some(params)
    }

    #[test]
    fn params_match_one_segment_each() {
        assert_eq!(
            matches("/users/{user}/notes/{note}", "http://h/users/ada/notes/9"),
            Some(vec![
                ("user".to_owned(), "ada".to_owned()),
                ("note".to_owned(), "9".to_owned())
            ])
        );
        assert_eq!(matches("/items/{id}", "http://h/items"), None);
        assert_eq!(matches("/items/{id}", "http://h/items/1/more"), None);
        assert_eq!(matches("/items/{id}", "http://h/things/1"), None);
    }

    #[test]
    fn a_trailing_star_matches_any_rest_including_nothing() {
        assert!(matches("/files/*", "http://h/files").is_some());
        assert!(matches("/files/*", "http://h/files/a/b/c").is_some());
        assert!(matches("/files/*", "http://h/other/a").is_none());
        assert!(matches("/*", "http://h/").is_some());
    }

    #[test]
    fn query_pairs_are_required_and_others_allowed() {
        assert!(matches("/search?page=2", "http://h/search?q=x&page=2").is_some());
        assert!(matches("/search?page=2", "http://h/search?page=3").is_none());
        assert!(matches("/search?page=2", "http://h/search").is_none());
        assert!(matches("/search", "http://h/search?page=3").is_some());
    }

    #[test]
    fn a_pattern_without_a_leading_slash_reads_as_if_it_had_one() {
        let pattern = PathPattern::parse("items/{id}");
        assert_eq!(pattern.to_string(), "/items/{id}");
        assert!(pattern.matches(&"http://h/items/3".parse().unwrap(), None));
    }
}
