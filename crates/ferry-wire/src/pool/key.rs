//! [`HostKey`]: which pooled connections a request may use.

use std::hash::{Hash, Hasher};

use http::Uri;
use http::uri::{Authority, Scheme};

/// Which connections a request may use: same scheme and same authority (host and port as the
/// URI spells them).
///
/// The authority is compared byte for byte, without the case folding and default ports of
/// URI equivalence: two spellings of one host only fail to share connections, and the key is
/// made and hashed on every request, where a cheap key counts.
#[derive(Clone, Debug)]
pub struct HostKey {
    https: bool,
    authority: Authority,
}

impl PartialEq for HostKey {
    fn eq(&self, other: &Self) -> bool {
        self.https == other.https && self.authority.as_str() == other.authority.as_str()
    }
}

impl Eq for HostKey {}

impl Hash for HostKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // One write of the whole authority: `Authority`'s own `Hash` folds case byte by byte.
        state.write(self.authority.as_str().as_bytes());
        state.write_u8(u8::from(self.https));
    }
}

impl HostKey {
    /// The key for an absolute `http` or `https` URI, or `None` for anything else.
    ///
    /// ```
    /// use ferry_wire::pool::HostKey;
    ///
    /// let key = HostKey::from_uri(&"https://[::1]/a".parse().unwrap()).unwrap();
    /// assert_eq!((key.is_https(), key.host(), key.port()), (true, "::1", 443));
    /// ```
    pub fn from_uri(uri: &Uri) -> Option<Self> {
        let https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.host().is_empty() {
            return None;
        }
        Some(Self {
            https,
            authority: authority.clone(),
        })
    }

    /// Whether connections to this host speak TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host name or IP address, IPv6 without brackets.
    pub fn host(&self) -> &str {
        let host = self.authority.host();
        // `Authority::host` keeps the brackets of an IPv6 literal; sockets and TLS want it bare.
        host.strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The port, the scheme's default if the URI had none.
    pub fn port(&self) -> u16 {
        self.authority
            .port_u16()
            .unwrap_or(if self.https { 443 } else { 80 })
    }

    /// The authority as the URI spelled it (user info included, if any).
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The scheme, `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        if self.https {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(uri: &str) -> Option<HostKey> {
        HostKey::from_uri(&uri.parse().unwrap())
    }

    #[test]
    fn key_uses_the_default_port_of_its_scheme() {
        let key_a = key("https://example.com/a").unwrap();
        assert_eq!(
            (key_a.is_https(), key_a.host(), key_a.port()),
            (true, "example.com", 443)
        );
        let key_b = key("http://example.com:8080/").unwrap();
        assert_eq!((key_b.is_https(), key_b.port()), (false, 8080));
    }

    #[test]
    fn key_strips_the_brackets_of_an_ipv6_host() {
        assert_eq!(key("http://[::1]:9000/").unwrap().host(), "::1");
    }

    #[test]
    fn key_refuses_other_schemes_and_relative_uris() {
        assert!(key("ftp://example.com/").is_none());
        assert!(key("/just/a/path").is_none());
    }

    #[test]
    fn keys_differ_by_scheme_and_port_and_ignore_the_path() {
        assert_eq!(key("http://a.test/x"), key("http://a.test/y?q"));
        assert_ne!(key("http://a.test/"), key("https://a.test/"));
        assert_ne!(key("http://a.test/"), key("http://a.test:81/"));
    }
}
