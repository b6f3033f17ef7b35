//! End-to-end tests of the parser: wire bytes in, state, keywords and EVE out.

use super::direction::Direction::{self, ToClient, ToServer};
use super::eve::eve_object;
use super::events::TlsEvent;
use super::hello::HELLO_RETRY_REQUEST_RANDOM;
use super::keywords::*;
use super::parser::TlsParser;
use super::state::TlsState;
use super::test_builders::*;
use super::test_certs::{leaf_der, root_der};

const LEAF_FINGERPRINT: &str = "4b:b8:c1:d1:48:c3:c5:39:39:19:9d:1b:2f:81:c0:ae:c9:b1:7c:96";
const LEAF_SUBJECT: &str = "C=FR, ST=Ile-de-France, L=Paris, O=Vigie Stadium, CN=tickets.example.org";
const ROOT_SUBJECT: &str = "C=FR, O=Vigie Test CA, CN=Vigie Root R1";

/// A TLS 1.2 conversation, as (direction, bytes) in wire order.
pub(super) fn tls12_conversation() -> Vec<(Direction, Vec<u8>)> {
    let ch = client_hello_body(
        0x0303,
        &[0x11; 32],
        &[0x0a0a, 0xc02b, 0xc02f, 0x009c, 0x002f],
        &[
            ext(0x1a1a, &[]),
            sni_ext(b"tickets.example.org"),
            u16_list_ext(10, &[0x2a2a, 29, 23, 24]),
            point_formats_ext(&[0]),
            u16_list_ext(13, &[0x0403, 0x0804, 0x0401]),
            alpn_ext(&[b"h2", b"http/1.1"]),
            ext(23, &[]),
            ext(0xff01, &[0]),
        ],
    );
    let sh = server_hello_body(
        0x0303,
        &[0x22; 32],
        &[0x33; 32],
        0xc02f,
        &[ext(0xff01, &[0]), ext(23, &[]), alpn_ext(&[b"h2"])],
    );
    let mut server_flight = handshake(2, &sh);
    server_flight.extend(handshake(11, &certificate_body(&[&leaf_der(), &root_der()])));
    server_flight.extend(handshake(12, &[3, 0, 29, 1, 4]));
    server_flight.extend(handshake(14, &[]));
    let mut client_finish = record(22, 0x0303, &handshake(16, &[4; 33]));
    client_finish.extend(record(20, 0x0303, &[1]));
    client_finish.extend(record(22, 0x0303, &[0x99; 40]));
    let mut server_finish = record(20, 0x0303, &[1]);
    server_finish.extend(record(22, 0x0303, &[0x77; 40]));
    vec![
        (ToServer, record(22, 0x0301, &handshake(1, &ch))),
        (ToClient, record(22, 0x0303, &server_flight)),
        (ToServer, client_finish),
        (ToClient, server_finish),
        (ToServer, record(23, 0x0303, &[0x55; 300])),
        (ToClient, record(23, 0x0303, &[0x66; 1000])),
        (ToServer, record(21, 0x0303, &[0x44; 26])),
    ]
}

fn run(conv: &[(Direction, Vec<u8>)]) -> TlsState {
    let mut p = TlsParser::new();
    for (dir, bytes) in conv {
        p.feed(*dir, bytes);
    }
    p.state().clone()
}

fn run_chunked(conv: &[(Direction, Vec<u8>)], rng: &mut Rng, max_chunk: usize) -> TlsState {
    let mut p = TlsParser::new();
    for (dir, bytes) in conv {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = (1 + rng.below(max_chunk)).min(rest.len());
            p.feed(*dir, &rest[..n]);
            rest = &rest[n..];
        }
    }
    p.state().clone()
}

#[test]
fn tls12_handshake_fills_everything() {
    let st = run(&tls12_conversation());
    assert!(st.events.is_empty(), "{:?}", st.events);
    let ch = st.client_hello.as_ref().expect("client hello");
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.cipher_suites, vec![0x0a0a, 0xc02b, 0xc02f, 0x009c, 0x002f]);
    assert_eq!(ch.extensions, vec![0x1a1a, 0, 10, 11, 13, 16, 23, 0xff01]);
    assert_eq!(ch.supported_groups, vec![0x2a2a, 29, 23, 24]);
    assert_eq!(ch.ec_point_formats, vec![0]);
    assert_eq!(ch.signature_algorithms, vec![0x0403, 0x0804, 0x0401]);
    assert_eq!(ch.alpn, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert_eq!(ch.session_id, vec![0x11; 32]);
    assert_eq!(st.sni(), Some(&b"tickets.example.org"[..]));
    let sh = st.server_hello.as_ref().expect("server hello");
    assert_eq!(
        (sh.legacy_version, sh.cipher, sh.selected_version),
        (0x0303, 0xc02f, None)
    );
    assert_eq!(sh.extensions, vec![0xff01, 23, 16]);
    assert_eq!(sh.alpn, vec![b"h2".to_vec()]);
    assert!(st.client_hello_seen && st.server_hello_seen && st.certificate_seen && st.alert_seen);
    assert!(!st.session_resumed && !st.sslv2_detected && !st.hello_retry_request);
    for d in [&st.to_server, &st.to_client] {
        assert!(d.hello && d.key_exchange && d.change_cipher_spec && d.application_data && d.encrypted);
        assert!(!d.stopped && !d.gap);
    }
    assert!(st.to_server.alert && !st.to_client.alert);
    assert_eq!(
        st.to_server.last_alert, None,
        "an encrypted alert has no readable content"
    );
    assert_eq!(st.to_server.record_version, Some(0x0301));
    assert_eq!(st.version(), Some(0x0303));
    assert_eq!(st.ssl_versions_seen(), SSL_VERSION_TLS12);
    assert_eq!(
        st.ssl_states_seen(),
        SSL_STATE_CLIENT_HELLO | SSL_STATE_SERVER_HELLO | SSL_STATE_CLIENT_KEYX | SSL_STATE_SERVER_KEYX
    );
    assert_eq!(st.certificates.len(), 2);
    assert_eq!(st.certs().collect::<Vec<_>>(), vec![&leaf_der()[..], &root_der()[..]]);
    assert_eq!(
        st.ja3_string(),
        Some("771,49195-49199-156-47,0-10-11-13-16-23-65281,29-23-24,0")
    );
    assert_eq!(st.ja3s_string().as_deref(), Some("771,49199,65281-23-16"));
}

#[test]
fn certificate_fields_in_suricata_format() {
    let st = run(&tls12_conversation());
    let leaf = st.leaf().expect("leaf");
    assert!(leaf.parsed);
    assert_eq!(leaf.subject, LEAF_SUBJECT);
    assert_eq!(leaf.issuer, ROOT_SUBJECT);
    assert_eq!(leaf.serial, "00:8B:AD:F0:0D:00:42");
    assert_eq!(leaf.fingerprint_sha1, LEAF_FINGERPRINT);
    assert_eq!(leaf.not_before, 1_795_438_481);
    assert_eq!(leaf.not_after, 1_829_825_681);
    assert_eq!(leaf.subject_alt_names, vec!["tickets.example.org", "www.example.org"]);
    assert_eq!(leaf.der_len, 544);
    let root = &st.certificates[1];
    assert_eq!(
        (root.subject.as_str(), root.issuer.as_str(), root.serial.as_str()),
        (ROOT_SUBJECT, ROOT_SUBJECT, "01")
    );
    assert_eq!(
        root.fingerprint_sha1,
        "96:bd:bf:20:7c:14:8b:4f:55:4f:0e:0e:a9:6b:4f:1b:88:9c:8e:32"
    );
    assert_eq!(st.cert_subject(), Some(LEAF_SUBJECT));
    assert_eq!(st.cert_issuer(), Some(ROOT_SUBJECT));
    assert_eq!(st.cert_serial(), Some("00:8B:AD:F0:0D:00:42"));
    assert_eq!(st.cert_fingerprint(), Some(LEAF_FINGERPRINT));
}

#[test]
fn eve_object_fields() {
    let st = run(&tls12_conversation());
    let eve = eve_object(&st);
    assert_eq!(eve["subject"], LEAF_SUBJECT);
    assert_eq!(eve["issuerdn"], ROOT_SUBJECT);
    assert_eq!(eve["serial"], "00:8B:AD:F0:0D:00:42");
    assert_eq!(eve["fingerprint"], LEAF_FINGERPRINT);
    assert_eq!(eve["sni"], "tickets.example.org");
    assert_eq!(eve["version"], "TLS 1.2");
    assert_eq!(eve["notbefore"], "2026-11-23T12:54:41");
    assert_eq!(eve["notafter"], "2027-12-26T12:54:41");
    assert_eq!(
        eve["ja3"]["string"],
        "771,49195-49199-156-47,0-10-11-13-16-23-65281,29-23-24,0"
    );
    assert_eq!(eve["ja3"]["hash"].as_str().map(str::len), Some(32));
    assert_eq!(eve["ja3s"]["string"], "771,49199,65281-23-16");
    assert_eq!(eve["ja4"], st.ja4_hash().unwrap_or_default());
    assert!(eve["ja4"].as_str().is_some_and(|s| s.starts_with("t12d0407h2_")));
    assert_eq!(eve["client_alpns"], serde_json::json!(["h2", "http/1.1"]));
    assert_eq!(eve["server_alpns"], serde_json::json!(["h2"]));
    assert_eq!(
        eve["subjectaltname"],
        serde_json::json!(["tickets.example.org", "www.example.org"])
    );
    assert!(eve.get("session_resumed").is_none());

    let empty = eve_object(&TlsState::default());
    assert_eq!(empty, serde_json::json!({ "version": "UNDETERMINED" }));
}

#[test]
fn any_chunking_gives_the_same_state() {
    let conv = tls12_conversation();
    let whole = run(&conv);
    let mut rng = Rng(7);
    assert_eq!(run_chunked(&conv, &mut rng, 1), whole, "one byte at a time");
    for max in [2, 3, 5, 17, 64, 500] {
        for _ in 0..20 {
            assert_eq!(run_chunked(&conv, &mut rng, max), whole, "chunks up to {max}");
        }
    }
}

#[test]
fn handshake_fragmented_over_records() {
    let conv = tls12_conversation();
    let whole = run(&conv);
    // Re-frame the ClientHello into 4 records and the server flight into many small ones.
    let ch_msg = conv[0].1[5..].to_vec();
    let sh_flight = conv[1].1[5..].to_vec();
    let mut fragmented_conv = conv.clone();
    fragmented_conv[0].1 = fragmented(22, 0x0301, &ch_msg, &[1, 3, 50]);
    fragmented_conv[1].1 = fragmented(22, 0x0303, &sh_flight, &[7; 200]);
    let st = run(&fragmented_conv);
    assert_eq!(st.client_hello, whole.client_hello);
    assert_eq!(st.server_hello, whole.server_hello);
    assert_eq!(st.certificates, whole.certificates);
    assert_eq!(st.ssl_states_seen(), whole.ssl_states_seen());
    assert!(st.events.is_empty(), "{:?}", st.events);
    let mut rng = Rng(99);
    assert_eq!(run_chunked(&fragmented_conv, &mut rng, 1), st);
}

pub(super) fn tls13_conversation() -> Vec<(Direction, Vec<u8>)> {
    let ch = client_hello_body(
        0x0303,
        &[0x01; 32],
        &[0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b],
        &[
            ext(0x0a0a, &[]),
            sni_ext(b"api.example.net"),
            u16_list_ext(10, &[0x1a1a, 29, 23]),
            u16_list_ext(13, &[0x0403, 0x0804]),
            alpn_ext(&[b"h2"]),
            ext(
                51,
                &[
                    0, 38, 0, 29, 0, 32, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
                    5, 5, 5, 5, 5, 5,
                ],
            ),
            versions_ext_client(&[0x7a7a, 0x0304, 0x0303]),
            ext(45, &[1, 1]),
        ],
    );
    let sh = server_hello_body(
        0x0303,
        &[0x42; 32],
        &[0x01; 32],
        0x1301,
        &[ext(51, &[0, 29, 0, 2, 9, 9]), versions_ext_server(0x0304)],
    );
    vec![
        (ToServer, record(22, 0x0301, &handshake(1, &ch))),
        (
            ToClient,
            [
                record(22, 0x0303, &handshake(2, &sh)),
                record(20, 0x0303, &[1]),
                record(23, 0x0303, &[0xab; 2000]),
            ]
            .concat(),
        ),
        (
            ToServer,
            [record(20, 0x0303, &[1]), record(23, 0x0303, &[0xcd; 53])].concat(),
        ),
    ]
}

#[test]
fn tls13_supported_versions() {
    let st = run(&tls13_conversation());
    assert!(st.events.is_empty(), "{:?}", st.events);
    let ch = st.client_hello.as_ref().expect("client hello");
    assert_eq!(ch.supported_versions, vec![0x7a7a, 0x0304, 0x0303]);
    let sh = st.server_hello.as_ref().expect("server hello");
    assert_eq!(sh.selected_version, Some(0x0304));
    assert_eq!(sh.legacy_version, 0x0303);
    assert_eq!(st.version(), Some(0x0304));
    assert_eq!(st.server_version(), Some(0x0304));
    assert_eq!(
        st.to_server.version,
        Some(0x0304),
        "first real entry of supported_versions"
    );
    assert_eq!(st.ssl_versions_seen(), SSL_VERSION_TLS13);
    assert!(st.to_client.encrypted && st.to_client.application_data);
    assert!(!st.session_resumed, "an echoed session id is not resumption in TLS 1.3");
    assert!(st.certificates.is_empty() && !st.certificate_seen);
    let eve = eve_object(&st);
    assert_eq!(eve["version"], "TLS 1.3");
    assert_eq!(eve["sni"], "api.example.net");
    assert!(
        eve["ja4"].as_str().is_some_and(|s| s.starts_with("t13d0407h2_")),
        "{eve}"
    );
    assert_eq!(eve["ja3s"]["string"], "771,4865,51-43");
    assert!(eve.get("subject").is_none());
    let mut rng = Rng(3);
    assert_eq!(run_chunked(&tls13_conversation(), &mut rng, 1), st);
}

#[test]
fn hello_retry_request_keeps_first_client_hello() {
    let conv = tls13_conversation();
    let hrr = server_hello_body(
        0x0303,
        &HELLO_RETRY_REQUEST_RANDOM,
        &[0x01; 32],
        0x1301,
        &[versions_ext_server(0x0304)],
    );
    let second_ch = client_hello_body(
        0x0303,
        &[],
        &[0x1301],
        &[sni_ext(b"second.example"), versions_ext_client(&[0x0304])],
    );
    let sh = conv[1].1.clone();
    let st = run(&[
        conv[0].clone(),
        (ToClient, record(22, 0x0303, &handshake(2, &hrr))),
        (ToServer, record(22, 0x0303, &handshake(1, &second_ch))),
        (ToClient, sh),
    ]);
    assert!(st.hello_retry_request);
    assert_eq!(st.sni(), Some(&b"api.example.net"[..]));
    let sh = st.server_hello.as_ref().expect("server hello");
    assert!(!sh.hello_retry_request);
    assert_eq!(sh.random, vec![0x42; 32]);
    assert!(st.to_client.encrypted);
}

#[test]
fn hello_retry_request_magic_is_sha256() {
    use sha2::{Digest, Sha256};
    assert_eq!(
        Sha256::digest(b"HelloRetryRequest").as_slice(),
        &HELLO_RETRY_REQUEST_RANDOM
    );
}

#[test]
fn session_resumption() {
    let ch = client_hello_body(0x0303, &[9; 16], &[0x002f], &[]);
    let sh = server_hello_body(0x0303, &[1; 32], &[9; 16], 0x002f, &[]);
    let st = run(&[
        (ToServer, record(22, 0x0303, &handshake(1, &ch))),
        (
            ToClient,
            [record(22, 0x0303, &handshake(2, &sh)), record(20, 0x0303, &[1])].concat(),
        ),
    ]);
    assert!(st.session_resumed);
    assert_eq!(eve_object(&st)["session_resumed"], true);
    assert_eq!(st.client_hello.as_ref().map(|c| c.extensions.len()), Some(0));
    assert_eq!(st.ja3_string(), Some("771,47,,,"));
}

fn client_hello_with(exts: &[Vec<u8>]) -> TlsState {
    let ch = client_hello_body(0x0303, &[], &[0x002f], exts);
    run(&[(ToServer, record(22, 0x0303, &handshake(1, &ch)))])
}

#[test]
fn sni_extraction_and_anomalies() {
    let st = client_hello_with(&[sni_ext(b"a.example")]);
    assert_eq!(st.sni(), Some(&b"a.example"[..]));
    assert!(st.events.is_empty());

    let st = client_hello_with(&[sni_ext(b"first.example"), sni_ext(b"second.example")]);
    assert_eq!(st.sni(), Some(&b"first.example"[..]));
    assert_eq!(st.events, vec![(ToServer, TlsEvent::MultipleSniExtensions)]);

    let st = client_hello_with(&[sni_ext_entries(&[(1, b"x.example")])]);
    assert_eq!(st.sni(), None);
    assert_eq!(st.events, vec![(ToServer, TlsEvent::InvalidSniType)]);

    let st = client_hello_with(&[sni_ext(&[b'a'; 256])]);
    assert_eq!(st.sni(), None);
    assert_eq!(st.events, vec![(ToServer, TlsEvent::InvalidSniLength)]);

    let st = client_hello_with(&[ext(0, &[0, 20, 0, 0, 9, b'x'])]);
    assert_eq!(st.sni(), None);
    assert_eq!(st.events, vec![(ToServer, TlsEvent::InvalidSniLength)]);
    assert_eq!(st.client_hello.as_ref().map(|c| c.extensions.clone()), Some(vec![0]));
}

#[test]
fn grease_removed_from_ja3_but_kept_in_state() {
    let with = client_hello_with(&[
        ext(0xdada, &[]),
        u16_list_ext(10, &[0xeaea, 29]),
        point_formats_ext(&[0]),
    ]);
    let without = client_hello_with(&[u16_list_ext(10, &[29]), point_formats_ext(&[0])]);
    assert_eq!(
        with.client_hello.as_ref().map(|c| c.extensions.clone()),
        Some(vec![0xdada, 10, 11])
    );
    assert_eq!(with.ja3_string(), without.ja3_string());
    assert_eq!(with.ja3_string(), Some("771,47,10-11,29,0"));
    assert_eq!(with.ja3_hash(), without.ja3_hash());
    assert_eq!(with.ja4_hash(), without.ja4_hash());
}

#[test]
fn truncated_hello_raises_event() {
    let ch = client_hello_body(0x0303, &[], &[0x002f], &[sni_ext(b"x.example")]);
    let short = &ch[..ch.len() - 3];
    let st = run(&[(ToServer, record(22, 0x0303, &handshake(1, short)))]);
    assert!(st.client_hello_seen);
    assert!(st.has_event(TlsEvent::HandshakeInvalidLength));
    let st = run(&[(ToServer, record(22, 0x0303, &handshake(1, &[3, 3, 0])))]);
    assert!(st.client_hello_seen && st.client_hello.is_none());
    assert_eq!(st.events, vec![(ToServer, TlsEvent::HandshakeInvalidLength)]);
}

#[test]
fn sslv2_client_hello() {
    let mut body = vec![1, 0, 2, 0, 6, 0, 0, 0, 16, 7, 0, 0xc0, 5, 0, 0x80];
    body.extend([0x5a; 16]);
    let mut wire = vec![0x80 | (body.len() >> 8) as u8, body.len() as u8];
    wire.extend(&body);
    let st = run(&[(ToServer, wire)]);
    assert!(st.sslv2_detected && st.client_hello_seen);
    assert_eq!(st.to_server.version, Some(0x0200));
    assert_eq!(st.ssl_versions_seen(), SSL_VERSION_SSLV2);
    assert_eq!(st.ssl_states_seen(), SSL_STATE_CLIENT_HELLO);
    assert!(st.events.is_empty());
    assert!(st.client_hello.is_none());
}

#[test]
fn sslv2_compatible_hello_then_tls_records() {
    let mut body = vec![1, 3, 1, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f];
    body.extend([0x5a; 16]);
    let mut wire = vec![0x80, body.len() as u8];
    wire.extend(&body);
    wire.extend(record(22, 0x0301, &handshake(16, &[0; 10])));
    wire.extend(record(20, 0x0301, &[1]));
    let sh = server_hello_body(0x0301, &[3; 32], &[], 0x002f, &[]);
    let st = run(&[
        (ToServer, wire.clone()),
        (ToClient, record(22, 0x0301, &handshake(2, &sh))),
    ]);
    assert!(!st.sslv2_detected);
    assert!(st.events.is_empty(), "{:?}", st.events);
    assert_eq!(st.to_server.version, Some(0x0301));
    assert!(st.to_server.key_exchange && st.to_server.change_cipher_spec);
    assert_eq!(st.ssl_versions_seen(), SSL_VERSION_TLS10);
    assert_eq!(eve_object(&st)["version"], "TLSv1");
    let mut rng = Rng(11);
    let chunked = run_chunked(
        &[(ToServer, wire), (ToClient, record(22, 0x0301, &handshake(2, &sh)))],
        &mut rng,
        1,
    );
    assert_eq!(chunked, st);
}

#[test]
fn bad_framing_stops_the_direction() {
    let mut p = TlsParser::new();
    p.feed(ToServer, b"GET / HTTP/1.1\r\n\r\n");
    assert!(p.state().parsing_stopped(ToServer));
    assert!(p.state().has_event(TlsEvent::InvalidRecordType));
    p.feed(
        ToServer,
        &record(22, 0x0303, &handshake(1, &client_hello_body(0x0303, &[], &[47], &[]))),
    );
    assert!(!p.state().client_hello_seen, "nothing parsed after the stop");
    assert!(!p.state().parsing_stopped(ToClient));

    let mut p = TlsParser::new();
    p.feed(ToClient, &[22, 7, 7, 0, 1, 0]);
    assert!(p.state().parsing_stopped(ToClient));
    assert_eq!(p.state().events, vec![(ToClient, TlsEvent::InvalidRecordVersion)]);
}

#[test]
fn gap_stops_only_that_direction() {
    let conv = tls12_conversation();
    let mut p = TlsParser::new();
    p.feed(ToServer, &conv[0].1[..40]);
    p.gap(ToServer);
    p.feed(ToServer, &conv[0].1[40..]);
    p.feed(ToClient, &conv[1].1);
    let st = p.state();
    assert!(st.to_server.gap && st.to_server.stopped);
    assert!(st.client_hello.is_none());
    assert!(st.server_hello.is_some() && st.certificates.len() == 2);
    assert_eq!(st.events, vec![(ToServer, TlsEvent::StreamGap)]);
}

#[test]
fn record_and_handshake_limits() {
    // A record longer than TLS allows is flagged but still parsed.
    let ch = client_hello_body(0x0303, &[], &[47], &[ext(21, &vec![0; 20_000])]);
    let st = run(&[(ToServer, record(22, 0x0303, &handshake(1, &ch)))]);
    assert!(st.has_event(TlsEvent::RecordTooLarge));
    assert_eq!(st.client_hello.as_ref().map(|c| c.extensions.clone()), Some(vec![21]));

    // A handshake message over the cap is skipped; the next one is still seen.
    let huge = vec![0x30; 300 * 1024];
    let mut flight = handshake(11, &certificate_body(&[&huge]));
    flight.extend(handshake(14, &[]));
    flight.extend(handshake(12, &[1, 2, 3]));
    let st = run(&[(ToClient, fragmented(22, 0x0303, &flight, &[16_384; 40]))]);
    assert!(st.has_event(TlsEvent::HandshakeTooLarge));
    assert!(st.certificates.is_empty());
    assert!(st.to_client.key_exchange);
}

#[test]
fn certificate_count_is_capped() {
    let leaf = leaf_der();
    let chain: Vec<&[u8]> = std::iter::repeat_n(&leaf[..], 20).collect();
    let st = run(&[(
        ToClient,
        fragmented(22, 0x0303, &handshake(11, &certificate_body(&chain)), &[16_384; 4]),
    )]);
    assert_eq!(st.certificates.len(), 16);
    assert!(st.has_event(TlsEvent::TooManyCertificates));
}

#[test]
fn invalid_certificate_is_reported() {
    let mut leaf = leaf_der();
    leaf[0] = 0x31;
    let st = run(&[(
        ToClient,
        record(22, 0x0303, &handshake(11, &certificate_body(&[&leaf, &root_der()]))),
    )]);
    assert_eq!(st.certificates.len(), 2);
    assert!(!st.certificates[0].parsed && st.certificates[1].parsed);
    assert!(st.has_event(TlsEvent::InvalidCertificate));
    assert_eq!(st.cert_subject(), None);
    assert!(eve_object(&st).get("subject").is_none());
}

#[test]
fn heartbeat_checks() {
    // Heartbleed: a request claiming 16 KiB of payload in a tiny record.
    let st = run(&[(ToServer, record(24, 0x0302, &[1, 0x40, 0x00, 1, 2, 3]))]);
    assert!(st.has_event(TlsEvent::HeartbeatMessage));
    assert!(st.has_event(TlsEvent::OverflowHeartbeatMessage));
    let mut fine = vec![1, 0, 3, 1, 2, 3];
    fine.extend([0; 16]);
    let st = run(&[(ToServer, record(24, 0x0302, &fine))]);
    assert_eq!(st.events, vec![(ToServer, TlsEvent::HeartbeatMessage)]);
    // Encrypted: the response must be as long as the request.
    let st = run(&[
        (
            ToServer,
            [record(20, 0x0303, &[1]), record(24, 0x0303, &[0; 40])].concat(),
        ),
        (
            ToClient,
            [record(20, 0x0303, &[1]), record(24, 0x0303, &[0; 4000])].concat(),
        ),
    ]);
    assert!(st.has_event(TlsEvent::DataleakHeartbeatMismatch));
}

#[test]
fn plaintext_alert_is_read() {
    let st = run(&[(ToClient, record(21, 0x0301, &[2, 40]))]);
    assert_eq!(st.to_client.last_alert, Some((2, 40)));
    assert!(st.alert_seen && st.to_client.alert);
    assert_eq!(
        st.server_version(),
        Some(0x0301),
        "record version stands in before any hello"
    );
    assert_eq!(st.ssl_versions_seen(), SSL_VERSION_TLS10);
}

#[test]
fn unknown_handshake_type() {
    let st = run(&[(ToServer, record(22, 0x0303, &handshake(99, &[1, 2])))]);
    assert_eq!(st.ssl_states_seen(), SSL_STATE_UNKNOWN);
    assert!(st.has_event(TlsEvent::InvalidHandshakeMessage));
}

/// A ClientHello and ServerHello captured from a real connection (a client to
/// raw.githubusercontent.com, from the capture of suricata-verify's
/// bug-7264-tcp-3whs-ack-data-tls-01 test), replayed byte by byte and whole.
#[test]
fn real_world_hellos() {
    let mut ch = hex(REAL_CLIENT_HELLO);
    ch.extend([0u8; 235]); // the padding extension's content
    let sh = hex(REAL_SERVER_HELLO);
    let conv = vec![(ToServer, ch), (ToClient, sh)];
    let st = run(&conv);
    assert!(st.events.is_empty(), "{:?}", st.events);
    assert_eq!(st.sni(), Some(&b"raw.githubusercontent.com"[..]));
    let hello = st.client_hello.as_ref().expect("client hello");
    assert_eq!(hello.cipher_suites.len(), 62);
    assert_eq!(hello.extensions, vec![0, 11, 10, 35, 22, 23, 13, 21]);
    assert_eq!(hello.supported_groups, vec![29, 23, 25, 24]);
    assert_eq!(hello.ec_point_formats, vec![0, 1, 2]);
    assert_eq!(hello.signature_algorithms.len(), 15);
    assert_eq!(
        st.server_hello.as_ref().map(|s| (s.cipher, s.extensions.clone())),
        Some((0xc02f, vec![0xff01, 0, 11, 35, 23]))
    );
    assert_eq!(st.version(), Some(0x0303));
    let mut rng = Rng(5);
    assert_eq!(run_chunked(&conv, &mut rng, 1), st);
}

const REAL_CLIENT_HELLO: &str = "\
1603010200010001fc030347e8b632f08119744bc6405780046bbd702783225906b4f4f100e50ee7d22d4200007cc02cc030c02bc02fcca9cca8\
00a3009f00a2009eccaac0afc0adc024c028c00ac014c0a3c09f006b006a00390038c0aec0acc023c027c009c013c0a2c09e0067004000330032\
c073c077c072c07600c400c300be00bd0088008700450044009d009cc0a1c09dc0a0c09c003d003c0035002f00c000ba0084004100ff01000157\
0000001e001c0000197261772e67697468756275736572636f6e74656e742e636f6d000b000403000102000a000a0008001d0017001900180023\
00000016000000170000000d0020001e060106020603050105020503040104020403030103020303020102020203001500eb";

const REAL_SERVER_HELLO: &str = "\
16030300450200004103030690466dcf72c3ae6d1e49e43cef1624db28c2eb9ec4d5d6dfc9cc13a940fa3600c02f000019ff0100010000000000\
000b0004030001020023000000170000";
