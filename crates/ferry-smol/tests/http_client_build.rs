//! Building a `SmolHttpClient`: bad root certificates are typed errors, the second of two is
//! named by its index, and no executor needs to run to build one.

use ferry_http::{Certificate, HttpSettings};
use ferry_smol::{HttpClientBuildError, SmolHttpClient, SmolRuntime};

#[test]
fn default_settings_build_a_client_without_running_anything() {
    assert!(SmolHttpClient::new(HttpSettings::default()).is_ok());
    assert!(
        SmolRuntime::new()
            .http_client(HttpSettings::default())
            .is_ok()
    );
}

#[test]
fn garbage_root_certificates_are_rejected_with_their_index() {
    let good = Certificate::from_pem(
        ferry_testserver::TestServer::builder()
            .start()
            .ca_cert_pem()
            .to_owned(),
    );
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
        let settings = HttpSettings::default()
            .add_root_certificate(good.clone())
            .add_root_certificate(certificate);
        match SmolRuntime::new().http_client(settings) {
            Err(HttpClientBuildError::InvalidCertificate(error)) => {
                assert_eq!(error.index(), 1, "{what}: {error}");
            }
            other => panic!("{what}: expected an invalid certificate error, got {other:?}"),
        }
    }
}
