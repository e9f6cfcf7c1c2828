//! [`tls_config`]: rustls's client configuration from [`HttpSettings`].

use std::sync::Arc;

use ferry_http::{CertificateEncoding, HttpSettings, InvalidCertificate};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The ALPN protocols a client offering HTTP/2 and HTTP/1.1 sends, HTTP/2 first.
pub const ALPN_H2_AND_HTTP1: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// [`tls_config`] could not build a configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// A root certificate in the settings is not a valid certificate.
    #[error(transparent)]
    InvalidCertificate(#[from] InvalidCertificate),
    /// rustls refused the configuration.
    #[error("invalid TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// The rustls client configuration for `settings`, without ALPN protocols (the caller sets
/// those for the HTTP versions it speaks, e.g. [`ALPN_H2_AND_HTTP1`]).
///
/// The crypto provider is ring. The trusted roots are the Mozilla set compiled in from
/// `webpki-roots` (the same on every machine, no OS store needed, works offline) plus the
/// settings' [`root_certificates`](HttpSettings::root_certificates); a PEM entry may hold
/// several certificates. Certificate and host name checks are always on.
///
/// # Errors
///
/// [`TlsConfigError::InvalidCertificate`] names the first root certificate that is not valid
/// (a PEM entry with no certificate in it counts as invalid).
///
/// ```
/// use ferry_http::{Certificate, HttpSettings};
/// use ferry_wire::{TlsConfigError, tls_config};
///
/// let settings = HttpSettings::default().add_root_certificate(Certificate::from_pem("nonsense"));
/// let error = tls_config(&settings).unwrap_err();
/// assert!(matches!(error, TlsConfigError::InvalidCertificate(e) if e.index() == 0));
/// ```
pub fn tls_config(settings: &HttpSettings) -> Result<rustls::ClientConfig, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, certificate) in settings.root_certificates().iter().enumerate() {
        let invalid =
            |reason: &dyn std::fmt::Display| InvalidCertificate::new(index, certificate, reason);
        let ders: Vec<CertificateDer<'static>> = match certificate.encoding() {
            CertificateEncoding::Pem => CertificateDer::pem_slice_iter(certificate.bytes())
                .collect::<Result<_, _>>()
                .map_err(|error| invalid(&error))?,
            CertificateEncoding::Der => vec![CertificateDer::from(certificate.bytes().to_vec())],
        };
        if ders.is_empty() {
            return Err(invalid(&"no certificate found in the PEM data").into());
        }
        for der in ders {
            roots.add(der).map_err(|error| invalid(&error))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsConfigError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// [`tls_config`] offering HTTP/2 and HTTP/1.1 by ALPN ([`ALPN_H2_AND_HTTP1`]), shared: the
/// configuration the [`pool`](crate::pool)'s backends connect with.
///
/// # Errors
///
/// As [`tls_config`].
///
/// ```
/// use ferry_http::HttpSettings;
///
/// let config = ferry_wire::pool_tls_config(&HttpSettings::default()).unwrap();
/// assert_eq!(config.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
/// ```
pub fn pool_tls_config(
    settings: &HttpSettings,
) -> Result<Arc<rustls::ClientConfig>, TlsConfigError> {
    let mut config = tls_config(settings)?;
    config.alpn_protocols = ALPN_H2_AND_HTTP1
        .iter()
        .map(|protocol| protocol.to_vec())
        .collect();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_http::Certificate;

    #[test]
    fn default_settings_trust_the_webpki_roots() {
        let config = tls_config(&HttpSettings::default()).unwrap();
        assert!(config.alpn_protocols.is_empty());
    }

    #[test]
    fn der_that_is_not_a_certificate_is_rejected_with_its_index() {
        let settings =
            HttpSettings::default().add_root_certificate(Certificate::from_der(vec![1u8, 2, 3]));
        match tls_config(&settings) {
            Err(TlsConfigError::InvalidCertificate(error)) => assert_eq!(error.index(), 0),
            other => panic!("expected an invalid certificate, got {other:?}"),
        }
    }
}
