//! TLS for `mqtts://` brokers: rustls with the ring provider (no aws-lc), shared by the box and `yiping fleet`.
//!
//! With `ca_file` only that CA is trusted (a box should talk to its
//! district's broker and nothing else); without it the system's roots are.
//! Mutual TLS when a client certificate and key are given.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_platform_verifier::BuilderVerifierExt;

/// A client configuration for the broker; errors name what is wrong with which file's contents.
pub(crate) fn client_config(ca_pem: Option<&[u8]>, client_auth: Option<(&[u8], &[u8])>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().map_err(|e| e.to_string())?;
    let builder = match ca_pem {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                roots.add(cert.map_err(|e| format!("ca_file: {e}"))?).map_err(|e| format!("ca_file: {e}"))?;
            }
            if roots.is_empty() {
                return Err("ca_file holds no PEM certificate".into());
            }
            builder.with_root_certificates(roots)
        }
        None => builder.with_platform_verifier().map_err(|e| format!("system certificates: {e}"))?,
    };
    match client_auth {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(cert).collect::<Result<_, _>>().map_err(|e| format!("client_cert: {e}"))?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("client_key: {e}"))?;
            builder.with_client_auth_cert(chain, key).map_err(|e| format!("client_cert/client_key: {e}"))
        }
    }
}
