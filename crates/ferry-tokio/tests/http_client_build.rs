//! Building a `TokioHttpClient` from settings: bad root certificates are typed errors.

use ferry_http::{Certificate, HttpSettings};
use ferry_tokio::{HttpClientBuildError, TokioRuntime};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds")
}

#[test]
fn default_settings_build_a_client() {
    let tokio = runtime();
    let rt = TokioRuntime::from_handle(tokio.handle().clone());
    assert!(rt.http_client(HttpSettings::default()).is_ok());
}

#[test]
fn garbage_root_certificates_are_rejected_as_invalid() {
    let tokio = runtime();
    let rt = TokioRuntime::from_handle(tokio.handle().clone());
    for (certificate, what) in [
        (
            Certificate::from_pem("not a certificate"),
            "PEM without a block",
        ),
        (
            Certificate::from_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"),
            "PEM with bad base64",
        ),
        (
            Certificate::from_der(vec![0x30, 0x03, 0x01, 0x02]),
            "DER that is no certificate",
        ),
        (Certificate::from_der(Vec::new()), "empty DER"),
    ] {
        match rt.http_client(HttpSettings::default().add_root_certificate(certificate)) {
            Err(HttpClientBuildError::InvalidCertificate(error)) => {
                assert_eq!(error.index(), 0, "{what}: {error}");
            }
            other => panic!("{what}: expected an invalid certificate error, got {other:?}"),
        }
    }
}
