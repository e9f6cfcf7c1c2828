//! The server's certificates: a CA and a leaf for `localhost` and `127.0.0.1`, made with rcgen
//! at start, and the rustls configuration that serves them.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What failed while making the certificates or the TLS configuration.
#[derive(Debug, thiserror::Error)]
#[error("cannot make the test server's {what}: {message}")]
pub struct TlsSetupError {
    what: &'static str,
    message: String,
}

fn setup_error<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> TlsSetupError {
    move |error| TlsSetupError {
        what,
        message: error.to_string(),
    }
}

/// A freshly made CA and the rustls configuration serving a leaf it signed.
pub(crate) struct TestCertificates {
    pub(crate) ca_pem: String,
    pub(crate) ca_der: CertificateDer<'static>,
    pub(crate) server_config: Arc<ServerConfig>,
}

impl TestCertificates {
    /// Makes a CA, a leaf valid for `localhost` and `127.0.0.1`, and a server configuration
    /// offering ALPN `h2` and `http/1.1`, on the ring provider.
    pub(crate) fn generate() -> Result<TestCertificates, TlsSetupError> {
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(setup_error("CA parameters"))?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ferry-testserver CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().map_err(setup_error("CA key"))?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key)
            .map_err(setup_error("CA certificate"))?;

        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .map_err(setup_error("leaf parameters"))?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().map_err(setup_error("leaf key"))?;
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca)
            .map_err(setup_error("leaf certificate"))?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let mut server_config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(setup_error("TLS protocol versions"))?
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
            .map_err(setup_error("TLS server configuration"))?;
        server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

        Ok(TestCertificates {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            server_config: Arc::new(server_config),
        })
    }
}
