//! HTTPS for the API: loads `api.tls_cert` and `api.tls_key` into rustls
//! server settings (ring provider), and serves the router over TLS
//! connections, one task each, with a graceful stop.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long a client has to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stop waits for the answers in progress. Alert streams never
/// finish by themselves; past this they are closed with the runtime.
pub(super) const DRAIN: Duration = Duration::from_secs(3);

/// What is wrong with the configured certificate or key. The cause is in
/// the message and not chained, so a report that prints the chain says it once.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("api.tls_cert {path}: {error}")]
    ReadCert { path: PathBuf, error: std::io::Error },
    #[error("api.tls_key {path}: {error}")]
    ReadKey { path: PathBuf, error: std::io::Error },
    #[error("api.tls_cert {path}: not a PEM certificate chain: {message}")]
    BadCert { path: PathBuf, message: String },
    #[error(
        "api.tls_key {path}: no private key found (expected an unencrypted PEM key: PKCS#8, PKCS#1 or SEC1){detail}"
    )]
    NoKey { path: PathBuf, detail: String },
    #[error("api.tls_cert {cert} with api.tls_key {key}: {error}")]
    Rejected {
        cert: PathBuf,
        key: PathBuf,
        error: rustls::Error,
    },
}

/// Every certificate in the PEM file at `path`, in order.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|error| TlsError::ReadCert {
        path: path.to_path_buf(),
        error,
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCert {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::BadCert {
            path: path.to_path_buf(),
            message: "no CERTIFICATE section found".into(),
        });
    }
    Ok(certs)
}

/// The first private key in the PEM file at `path`.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|error| TlsError::ReadKey {
        path: path.to_path_buf(),
        error,
    })?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::NoKey {
        path: path.to_path_buf(),
        detail: match e {
            pem::Error::NoItemsFound => String::new(),
            other => format!(": {other}"),
        },
    })
}

/// Server settings for the certificate chain at `cert` and its key at
/// `key`: TLS 1.2 and 1.3, HTTP/1.1 by ALPN.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = load_certs(cert)?;
    let private = load_key(key)?;
    let rejected = |error| TlsError::Rejected {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        error,
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(rejected)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(rejected)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts on `listener` until `shutdown` completes, then lets the
/// connections finish what they are answering, for up to `DRAIN`.
pub(super) async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(config);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, "api: TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "api: TLS handshake timed out");
                    return;
                }
            };
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%peer, "api: connection: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::info!("api: connections still open {DRAIN:?} after the stop (alert streams): closing them");
    }
}

/// A failed accept: the peer's doing is passed over; anything else (out of
/// file descriptors) is logged and waited out.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!("api: accept: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("vigie-tls-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A self-signed certificate for localhost: (cert PEM, key PEM).
    fn self_signed() -> (String, String) {
        let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        (c.cert.pem(), c.signing_key.serialize_pem())
    }

    #[test]
    fn a_missing_file_is_named() {
        let d = dir("missing");
        let absent = d.join("nowhere.pem");
        let e = load_certs(&absent).unwrap_err().to_string();
        assert!(e.contains("api.tls_cert") && e.contains("nowhere.pem"), "{e}");
        let e = load_key(&absent).unwrap_err().to_string();
        assert!(e.contains("api.tls_key") && e.contains("nowhere.pem"), "{e}");
        let (cert, _) = self_signed();
        std::fs::write(d.join("cert.pem"), cert).unwrap();
        let e = server_config(&d.join("cert.pem"), &absent).unwrap_err().to_string();
        assert!(e.contains("nowhere.pem"), "{e}");
    }

    #[test]
    fn a_file_without_a_key_is_refused() {
        let d = dir("nokey");
        let (cert, key) = self_signed();
        // The certificate given as the key: a common slip.
        std::fs::write(d.join("cert.pem"), &cert).unwrap();
        let e = load_key(&d.join("cert.pem")).unwrap_err().to_string();
        assert!(e.contains("no private key found") && e.contains("cert.pem"), "{e}");
        std::fs::write(d.join("empty.pem"), "").unwrap();
        assert!(matches!(load_key(&d.join("empty.pem")), Err(TlsError::NoKey { .. })));
        // And the key given as the certificate.
        std::fs::write(d.join("key.pem"), &key).unwrap();
        let e = load_certs(&d.join("key.pem")).unwrap_err().to_string();
        assert!(e.contains("no CERTIFICATE") && e.contains("key.pem"), "{e}");
        let broken = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n";
        std::fs::write(d.join("broken.pem"), broken).unwrap();
        assert!(matches!(
            load_certs(&d.join("broken.pem")),
            Err(TlsError::BadCert { .. })
        ));
    }

    #[test]
    fn a_matching_pair_loads_and_a_stranger_key_does_not() {
        let d = dir("pair");
        let (cert, key) = self_signed();
        let (_, other_key) = self_signed();
        std::fs::write(d.join("cert.pem"), &cert).unwrap();
        std::fs::write(d.join("key.pem"), &key).unwrap();
        std::fs::write(d.join("other.pem"), &other_key).unwrap();
        let config = server_config(&d.join("cert.pem"), &d.join("key.pem")).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let e = server_config(&d.join("cert.pem"), &d.join("other.pem")).unwrap_err();
        assert!(matches!(e, TlsError::Rejected { .. }), "{e}");
    }

    #[test]
    fn a_cert_without_a_key_is_a_config_error() {
        let sets = ["api.tls_cert=\"/etc/vigie/cert.pem\"".to_string()];
        let e = crate::config::Config::load(None, &sets).unwrap_err().to_string();
        assert!(e.contains("api.tls_key is missing"), "{e}");
        let sets = ["api.tls_key=\"/etc/vigie/key.pem\"".to_string()];
        let e = crate::config::Config::load(None, &sets).unwrap_err().to_string();
        assert!(e.contains("api.tls_cert is missing"), "{e}");
        let both = [
            "api.tls_cert=\"/etc/vigie/cert.pem\"".to_string(),
            "api.tls_key=\"/etc/vigie/key.pem\"".to_string(),
        ];
        let c = crate::config::Config::load(None, &both).unwrap();
        assert!(c.api.tls_files().unwrap().is_some());
    }
}
