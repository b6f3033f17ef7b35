//! The API over HTTPS: a self-signed certificate made for the test, the
//! real binary serving a store, and a rustls client that trusts it (or not).

mod common;

use common::http::*;
use common::*;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A self-signed certificate for localhost, written as `cert.pem` and
/// `key.pem` in `dir`; returns it for clients to trust.
fn certificate(dir: &Path) -> CertificateDer<'static> {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("cert.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).unwrap();
    made.cert.der().clone()
}

/// The usual test config, plus `api_lines` inside its `[api]` table.
fn config_with(dir: &Path, api_lines: &str) -> std::path::PathBuf {
    let cfg = api_config(dir, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(api_lines);
    std::fs::write(&cfg, text).unwrap();
    cfg
}

fn tls_lines(dir: &Path) -> String {
    format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        dir.join("cert.pem").display(),
        dir.join("key.pem").display()
    )
}

/// A client trusting `roots` only, offering h2 and HTTP/1.1.
fn client(roots: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut store = RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).unwrap();
    }
    let mut c = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(c)
}

fn connect(addr: &str, client: &Arc<ClientConfig>) -> (ClientConnection, TcpStream) {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    (ClientConnection::new(client.clone(), name).unwrap(), tcp)
}

/// One request over TLS; returns (status, body).
fn https(addr: &str, client: &Arc<ClientConfig>, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (conn, tcp) = connect(addr, client);
    exchange(StreamOwned::new(conn, tcp), addr, "GET", path, headers, None)
}

#[test]
fn https_serves_the_store_and_refuses_plain_http_and_untrusting_clients() {
    let dir = scratch("api-tls");
    let cert = certificate(&dir);
    let cfg = config_with(&dir, &tls_lines(&dir));
    let out = run(vigie()
        .args(["-q", "replay", "-c"])
        .arg(&cfg)
        .arg(repo().join("pcaps/venue-attacks.pcap")));
    assert!(out.status.success());
    let s = spawn_served(vigie().args(["serve", "-c"]).arg(&cfg));
    let trusting = client(&[cert]);
    let auth = bearer(READ_TOKEN);
    let h = [("Authorization", auth.as_str())];

    // HTTP/1.1 is what ALPN settles on when h2 is offered too.
    let (mut conn, mut tcp) = connect(&s.addr, &trusting);
    conn.complete_io(&mut tcp).unwrap();
    assert_eq!(conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    drop((conn, tcp));

    assert_eq!(https(&s.addr, &trusting, "/healthz", &h).0, 200);
    let (code, body) = https(&s.addr, &trusting, "/v1/alerts?src=203.0.113.66&severity=1", &h);
    assert_eq!(code, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sids: Vec<u64> = page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["eve"]["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    assert_eq!(sids, vec![9100001, 9100002, 9100003]);
    assert_eq!(https(&s.addr, &trusting, "/v1/alerts", &[]).0, 401);

    // Plain HTTP on the TLS port gets no answer it could take for HTTP.
    let (code, _) = http(&s.addr, "GET", "/healthz", &h, None);
    assert_ne!(code, 200);
    assert_eq!(code, 0);

    // A client that does not trust the certificate fails the handshake.
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let untrusting = client(&[stranger.cert.der().clone()]);
    let (mut conn, mut tcp) = connect(&s.addr, &untrusting);
    let err = conn.complete_io(&mut tcp).unwrap_err();
    assert!(err.to_string().contains("invalid peer certificate"), "{err}");

    // Neither failure stopped the server.
    assert_eq!(https(&s.addr, &trusting, "/healthz", &h).0, 200);
}

#[test]
fn tls_settings_errors_name_the_setting_and_the_file() {
    let dir = scratch("api-tls-errors");
    certificate(&dir);
    let serve = |cfg: &Path| run(vigie().args(["serve", "-c"]).arg(cfg));

    let cert_only = format!("tls_cert = \"{}\"\n", dir.join("cert.pem").display());
    let out = serve(&config_with(&dir, &cert_only));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("api.tls_key is missing"), "{err}");

    let absent = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        dir.join("cert.pem").display(),
        dir.join("absent-key.pem").display()
    );
    let out = serve(&config_with(&dir, &absent));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("api.tls_key") && err.contains("absent-key.pem"), "{err}");

    // The key and the certificate swapped.
    let swapped = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        dir.join("key.pem").display(),
        dir.join("cert.pem").display()
    );
    let out = serve(&config_with(&dir, &swapped));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("api.tls_cert") && err.contains("key.pem"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_stop_does_not_wait_on_an_open_alert_stream() {
    let dir = scratch("api-tls-stop");
    let cert = certificate(&dir);
    let cfg = config_with(&dir, &tls_lines(&dir));
    let mut s = spawn_served(vigie().args(["serve", "-c"]).arg(&cfg));
    let (conn, tcp) = connect(&s.addr, &client(&[cert]));
    let mut stream = StreamOwned::new(conn, tcp);
    let request = format!(
        "GET /v1/alerts/stream HTTP/1.0\r\nHost: {}\r\nAuthorization: {}\r\n\r\n",
        s.addr,
        bearer(READ_TOKEN)
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.0 200");

    let term = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "vigie kept serving the stream after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    drop(stream);
}
