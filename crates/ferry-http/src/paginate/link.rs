//! `Link` headers (RFC 8288): `<url>; rel="next"; title="a, b", <url2>; rel=last`.

use http::HeaderMap;
use http::header::LINK;
use url::Url;

/// One link of a `Link` header: its target, resolved against the response's URL, and its
/// parameters (names lowercased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target, absolute.
    pub target: Url,
    /// The parameters in order, names lowercased (`rel`, `title`, ...).
    pub params: Vec<(String, String)>,
}

impl Link {
    /// The value of parameter `name` (case-insensitive), if present; the first one wins, as
    /// RFC 8288 says for `rel`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether the link's `rel` holds `relation` among its space-separated types
    /// (case-insensitive: `rel="next last"` has both).
    pub fn has_rel(&self, relation: &str) -> bool {
        self.param("rel").is_some_and(|rels| {
            rels.split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case(relation))
        })
    }
}

/// Parses one `Link` header value into its links, resolving each target against `base` (the
/// URL of the response that carried it).
///
/// Commas and semicolons inside `<...>` and inside quoted strings are part of them; quoted
/// strings may escape with `\`. A link whose target is not in `<...>` or does not resolve is
/// skipped, as are stray separators: a header with nothing valid gives an empty list, never
/// an error.
///
/// ```
/// use ferry_http::paginate::parse_link_header;
/// use url::Url;
///
/// let base = Url::parse("https://api.example.com/items?page=1").unwrap();
/// let links = parse_link_header(
///     r#"</items?page=2>; rel="next"; title="a, b", <https://x.example/last>; rel=last"#,
///     &base,
/// );
/// assert_eq!(links.len(), 2);
/// assert_eq!(links[0].target.as_str(), "https://api.example.com/items?page=2");
/// assert_eq!(links[0].param("title"), Some("a, b"));
/// assert!(links[1].has_rel("last"));
/// ```
pub fn parse_link_header(value: &str, base: &Url) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            return links;
        }
        let Some(after_open) = rest.strip_prefix('<') else {
            // Not a link: skip to the next top-level comma.
            rest = skip_element(rest);
            continue;
        };
        let Some(close) = after_open.find('>') else {
            return links;
        };
        let target = after_open[..close].trim();
        rest = &after_open[close + 1..];
        let (params, after) = parse_params(rest);
        rest = after;
        if let Ok(target) = base.join(target) {
            links.push(Link { target, params });
        }
    }
}

/// The first link with relation `rel` in every `Link` header of `headers`, resolved against
/// `base`.
pub fn find_link(headers: &HeaderMap, base: &Url, rel: &str) -> Option<Url> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| parse_link_header(value, base))
        .find(|link| link.has_rel(rel))
        .map(|link| link.target)
}

/// Skips to just after the next comma outside quotes and angle brackets.
fn skip_element(text: &str) -> &str {
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = false;
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if !angle => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => return &text[index + 1..],
            _ => {}
        }
    }
    ""
}

/// Parses `; name=value; name="quoted"; flag` up to the comma ending the link; gives the
/// parameters and the text after that comma.
fn parse_params(mut text: &str) -> (Vec<(String, String)>, &str) {
    let mut params = Vec::new();
    loop {
        text = text.trim_start();
        match text.chars().next() {
            None => return (params, ""),
            Some(',') => return (params, &text[1..]),
            Some(';') => text = text[1..].trim_start(),
            // Junk between parameters: drop the rest of this link.
            Some(_) => return (params, skip_element(text)),
        }
        let name_end = text
            .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_whitespace())
            .unwrap_or(text.len());
        let name = text[..name_end].to_ascii_lowercase();
        text = text[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after_eq) = text.strip_prefix('=') {
            text = after_eq.trim_start();
            if let Some(quoted) = text.strip_prefix('"') {
                let mut escaped = false;
                let mut end = quoted.len();
                for (index, c) in quoted.char_indices() {
                    if escaped {
                        value.push(c);
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        end = index + 1;
                        break;
                    } else {
                        value.push(c);
                    }
                }
                text = &quoted[end.min(quoted.len())..];
            } else {
                let value_end = text.find([';', ',']).unwrap_or(text.len());
                value = text[..value_end].trim().to_owned();
                text = &text[value_end..];
            }
        }
        if !name.is_empty() {
            params.push((name, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://h.test/api/items?page=1").unwrap()
    }

    #[test]
    fn several_links_with_quoted_commas_and_semicolons() {
        let links = parse_link_header(
            r#"<http://h.test/a?x=1,2>; rel="prev"; title="one; two, three", <b>; rel="next last""#,
            &base(),
        );
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].target.as_str(), "http://h.test/a?x=1,2");
        assert_eq!(links[0].param("title"), Some("one; two, three"));
        assert!(links[0].has_rel("prev") && !links[0].has_rel("next"));
        assert_eq!(links[1].target.as_str(), "http://h.test/api/b");
        assert!(links[1].has_rel("next") && links[1].has_rel("LAST"));
    }

    #[test]
    fn relative_targets_resolve_against_the_base() {
        let resolve = |value: &str| parse_link_header(value, &base())[0].target.to_string();
        assert_eq!(resolve("</x?page=2>; rel=next"), "http://h.test/x?page=2");
        assert_eq!(
            resolve("<?page=2>; rel=next"),
            "http://h.test/api/items?page=2"
        );
        assert_eq!(resolve("<../up>; rel=next"), "http://h.test/up");
        assert_eq!(resolve("<//other.test/p>; rel=next"), "http://other.test/p");
    }

    #[test]
    fn escaped_quotes_unquoted_values_and_flags() {
        let links = parse_link_header(r#"<a>; Title="say \"hi\""; REL=Next; crossorigin"#, &base());
        assert_eq!(links[0].param("title"), Some(r#"say "hi""#));
        assert!(links[0].has_rel("next"));
        assert_eq!(links[0].param("crossorigin"), Some(""));
    }

    #[test]
    fn garbage_gives_no_links_and_no_panic() {
        for value in [
            "",
            ",,,",
            "next",
            "<unclosed; rel=next",
            "; rel=next",
            "<a> junk, <b>; rel=next",
            "\"<a>\", <b>",
        ] {
            let links = parse_link_header(value, &base());
            assert!(
                links
                    .iter()
                    .all(|link| link.target.as_str().starts_with("http://h.test/")),
                "{value:?}"
            );
        }
        let links = parse_link_header("<a> junk, <b>; rel=next", &base());
        assert_eq!(links.last().unwrap().target.as_str(), "http://h.test/api/b");
        assert!(links.last().unwrap().has_rel("next"));
    }

    #[test]
    fn find_link_looks_through_every_header() {
        let mut headers = HeaderMap::new();
        headers.append(LINK, "<first>; rel=first".parse().unwrap());
        headers.append(LINK, "<p2>; rel=\"next\"".parse().unwrap());
        assert_eq!(
            find_link(&headers, &base(), "next").unwrap().as_str(),
            "http://h.test/api/p2"
        );
        assert!(find_link(&headers, &base(), "prev").is_none());
    }
}
