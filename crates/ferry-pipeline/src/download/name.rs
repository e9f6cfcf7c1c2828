//! File names from URLs and `Content-Disposition`, made safe to create inside a directory.

use std::collections::HashSet;

use percent_encoding::percent_decode_str;
use url::Url;

/// The longest name kept, in bytes: under the usual 255-byte limit, with room for a
/// collision suffix and the temporary file's decorations.
const MAX_NAME_BYTES: usize = 150;

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Turns any text into a name that is one plain file inside a directory, or `None` when
/// nothing usable is left.
///
/// Path separators (`/`, `\`), NUL and other control characters, and the characters Windows
/// forbids (`<>:"|?*`) become `_`; leading dots and spaces go (so no `.`, `..` or hidden
/// files), as do trailing dots and spaces (Windows drops them); Windows device names (`CON`,
/// `nul.txt`, ...) get a leading `_`; names longer than 150 bytes are cut, keeping a short
/// extension. The result never holds a separator, so joined to a directory it names a file in
/// that directory, whatever the input.
///
/// ```
/// use ferry_pipeline::download::sanitize_file_name;
///
/// assert_eq!(sanitize_file_name("report.csv").as_deref(), Some("report.csv"));
/// assert_eq!(sanitize_file_name("../../etc/passwd").as_deref(), Some("_.._etc_passwd"));
/// assert_eq!(sanitize_file_name("a/b\\c").as_deref(), Some("a_b_c"));
/// assert_eq!(sanitize_file_name("CON.txt").as_deref(), Some("_CON.txt"));
/// assert_eq!(sanitize_file_name(".."), None);
/// ```
pub fn sanitize_file_name(raw: &str) -> Option<String> {
    let replaced: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return None;
    }
    let mut name = shorten(trimmed);
    let stem = name.split('.').next().unwrap_or("");
    if RESERVED
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(stem))
    {
        name.insert(0, '_');
    }
    Some(name)
}

/// Cuts `name` to at most [`MAX_NAME_BYTES`], keeping an extension of up to 16 bytes.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|extension| extension.len() <= 16)
        .unwrap_or("");
    let mut cut = MAX_NAME_BYTES - extension.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{extension}", &name[..cut])
}

/// The file name a URL names: its last path segment, percent-decoded and made safe with
/// [`sanitize_file_name`]; `None` for a URL whose path is empty or ends in `/` (the query and
/// fragment are never used).
///
/// ```
/// use ferry_pipeline::download::file_name_from_url;
/// use url::Url;
///
/// let name = |url: &str| file_name_from_url(&Url::parse(url).unwrap());
/// assert_eq!(name("https://h.example/files/annual%20report.pdf?v=2").as_deref(), Some("annual report.pdf"));
/// assert_eq!(name("https://h.example/files/%2e%2e%2fsecret").as_deref(), Some("_secret"));
/// assert_eq!(name("https://h.example/?file=a.txt"), None);
/// ```
pub fn file_name_from_url(url: &Url) -> Option<String> {
    let segment = url.path_segments()?.next_back()?;
    let decoded = percent_decode_str(segment).decode_utf8_lossy();
    sanitize_file_name(&decoded)
}

/// The file name of a `Content-Disposition` header value, made safe: `filename*` (RFC 5987,
/// UTF-8 or Latin-1, percent-encoded) when present and readable, else `filename`.
///
/// ```
/// use ferry_pipeline::download::file_name_from_content_disposition;
///
/// let name = file_name_from_content_disposition;
/// assert_eq!(name(r#"attachment; filename="a b.txt""#).as_deref(), Some("a b.txt"));
/// assert_eq!(
///     name(r#"attachment; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#).as_deref(),
///     Some("€ rates.txt"),
/// );
/// assert_eq!(name(r#"attachment; filename="../../x""#).as_deref(), Some("_.._x"));
/// assert_eq!(name("inline"), None);
/// ```
pub fn file_name_from_content_disposition(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for (name, value) in disposition_params(value) {
        if name.eq_ignore_ascii_case("filename*") {
            extended = extended.or_else(|| decode_ext_value(&value));
        } else if name.eq_ignore_ascii_case("filename") {
            plain = plain.or(Some(value));
        }
    }
    extended.or(plain).and_then(|raw| sanitize_file_name(&raw))
}

/// `charset'language'percent-encoded` (RFC 5987) to text.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes: Vec<u8> = percent_decode_str(encoded).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

/// The `name=value` parameters after the disposition type, values unquoted.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (index, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&value[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    for part in parts.into_iter().skip(1) {
        let Some((name, raw)) = part.split_once('=') else {
            continue;
        };
        let raw = raw.trim();
        let value = match raw.strip_prefix('"') {
            Some(inner) => {
                let mut out = String::new();
                let mut escaped = false;
                for c in inner.chars() {
                    match c {
                        _ if escaped => {
                            out.push(c);
                            escaped = false;
                        }
                        '\\' => escaped = true,
                        '"' => break,
                        _ => out.push(c),
                    }
                }
                out
            }
            None => raw.to_owned(),
        };
        params.push((name.trim().to_owned(), value));
    }
    params
}

/// Names already given out in one download, compared without case (so two files never
/// differ by case alone, which a case-insensitive file system would merge).
#[derive(Debug, Default)]
pub(super) struct NameRegistry {
    taken: HashSet<String>,
}

impl NameRegistry {
    /// `name` if free, else `stem-1.ext`, `stem-2.ext`, ...: the first free one, now taken.
    pub(super) fn reserve(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_lowercase()) {
            return name.to_owned();
        }
        let (stem, extension) = match name.rfind('.') {
            Some(dot) if dot > 0 => name.split_at(dot),
            _ => (name, ""),
        };
        for n in 1.. {
            let candidate = format!("{stem}-{n}{extension}");
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
        }
        unreachable!("some suffix is always free")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_url(url: &str) -> Option<String> {
        file_name_from_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn hostile_urls_give_a_plain_name_or_none() {
        let cases = [
            ("http://h/../../etc/passwd", Some("passwd")),
            ("http://h/a/..%2f..%2fetc%2fpasswd", Some("_.._etc_passwd")),
            ("http://h/%2e%2e%2f", Some("_")),
            ("http://h/%2e%2e", None),
            ("http://h/a/b\\c", Some("c")),
            ("http://h/a%5Cb%5C..", Some("a_b_")),
            ("http://h/x%00y%0Az", Some("x_y_z")),
            ("http://h/%2Fetc%2Fpasswd", Some("_etc_passwd")),
            (
                "http://h/C:%5CWindows%5Cwin.ini",
                Some("C__Windows_win.ini"),
            ),
            ("http://h", None),
            ("http://h/", None),
            ("http://h/dir/", None),
            ("http://h/?name=a.txt", None),
            ("http://h/#frag", None),
            ("http://h/nul", Some("_nul")),
            ("http://h/.hidden", Some("hidden")),
            ("http://h/trailing.%20.", Some("trailing")),
        ];
        for (url, expected) in cases {
            let name = from_url(url);
            assert_eq!(name.as_deref(), expected, "{url}");
            if let Some(name) = name {
                assert!(!name.contains(['/', '\\', '\0']) && name != "." && name != "..");
            }
        }
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let name = sanitize_file_name(&format!("{}.tar.gz", "é".repeat(200))).unwrap();
        assert!(name.len() <= MAX_NAME_BYTES, "{}", name.len());
        assert!(name.ends_with(".gz"));
    }

    #[test]
    fn collisions_get_numbered_suffixes_in_order_ignoring_case() {
        let mut names = NameRegistry::default();
        assert_eq!(names.reserve("a.txt"), "a.txt");
        assert_eq!(names.reserve("a.txt"), "a-1.txt");
        assert_eq!(names.reserve("A.TXT"), "A-2.TXT");
        assert_eq!(names.reserve("a-1.txt"), "a-1-1.txt");
        assert_eq!(names.reserve("README"), "README");
        assert_eq!(names.reserve("README"), "README-1");
    }

    #[test]
    fn content_disposition_prefers_the_extended_name() {
        let name = file_name_from_content_disposition;
        assert_eq!(
            name("attachment; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            name("attachment; filename*=iso-8859-1'en'%E9t%E9.txt").as_deref(),
            Some("été.txt")
        );
        assert_eq!(
            name(r#"attachment; filename="semi;colon \"q\".txt""#).as_deref(),
            Some("semi;colon _q_.txt")
        );
        assert_eq!(name("attachment; filename*=bogus").as_deref(), None);
        assert_eq!(name("attachment; filename=\"\"").as_deref(), None);
    }
}
