//! Tests of key exchange tracking: KEXINIT, NEWKEYS, HASSH, bad packets, chunking and gaps.

use super::super::config::SshConfig;
use super::super::direction::Direction::{ToClient, ToServer};
use super::super::event::SshEvent;
use super::super::parser::SshParser;
use super::super::state::SshState;
use super::build::{
    CLIENT_COMP, CLIENT_ENC, CLIENT_HASSH, CLIENT_KEX, CLIENT_MAC, client_kexinit, client_stream, newkeys, packet,
    server_kexinit,
};

fn server_stream() -> Vec<u8> {
    let mut out = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n".to_vec();
    out.extend(server_kexinit());
    out.extend(packet(&[31, 1, 2, 3], 8));
    out.extend(newkeys());
    out.extend([0x00; 64]);
    out
}

fn check_client(p: &SshParser) {
    assert_eq!(p.state(ToServer), SshState::NewKeys);
    let kex = p.kexinit(ToServer).unwrap();
    assert_eq!(kex.kex_algorithms, CLIENT_KEX);
    assert_eq!(kex.encryption_client_to_server, CLIENT_ENC);
    assert_eq!(kex.mac_client_to_server, CLIENT_MAC);
    assert_eq!(kex.compression_client_to_server, CLIENT_COMP);
    assert_eq!(kex.server_host_key_algorithms, b"ssh-ed25519,rsa-sha2-512");
    assert!(!kex.first_kex_packet_follows);
    let string = [CLIENT_KEX, CLIENT_ENC, CLIENT_MAC, CLIENT_COMP].join(&b';');
    assert_eq!(p.hassh_string(), Some(string.as_slice()));
    assert_eq!(p.hassh(), Some(CLIENT_HASSH));
    assert!(p.events().is_empty(), "{:?}", p.events());
}

#[test]
fn full_exchange_reaches_newkeys_on_both_sides() {
    let mut p = SshParser::new();
    p.feed(ToClient, &server_stream());
    assert_eq!(p.state(ToClient), SshState::NewKeys);
    assert!(!p.encrypted());
    p.feed(ToServer, &client_stream());
    check_client(&p);
    assert!(p.encrypted() && p.done());
    assert_eq!(p.hassh_server(), Some("7723e5c0f5bf8c5301facdf0b2b22ddf"));
    assert_eq!(
        p.hassh_server_string(),
        Some(b"curve25519-sha256,diffie-hellman-group14-sha256;aes256-gcm@openssh.com;hmac-sha2-512;none".as_slice())
    );
}

#[test]
fn states_progress_in_order() {
    let mut p = SshParser::new();
    assert_eq!(p.state(ToServer), SshState::None);
    p.feed(ToServer, b"SSH-2.0-c\r\n");
    assert_eq!(p.state(ToServer), SshState::BannerDone);
    let kex = client_kexinit();
    p.feed(ToServer, &kex[..kex.len() - 1]);
    assert_eq!(p.state(ToServer), SshState::BannerDone);
    p.feed(ToServer, &kex[kex.len() - 1..]);
    assert_eq!(p.state(ToServer), SshState::KexInit);
    p.feed(ToServer, &newkeys());
    assert_eq!(p.state(ToServer), SshState::NewKeys);
    assert!(SshState::None < SshState::BannerDone && SshState::KexInit < SshState::NewKeys);
}

#[test]
fn client_stream_split_at_every_byte() {
    let stream = client_stream();
    for cut in 0..=stream.len() {
        let mut p = SshParser::new();
        p.feed(ToServer, &stream[..cut]);
        p.feed(ToServer, &stream[cut..]);
        check_client(&p);
    }
    let mut p = SshParser::new();
    for b in &stream {
        p.feed(ToServer, std::slice::from_ref(b));
    }
    check_client(&p);
}

#[test]
fn nothing_is_parsed_after_newkeys() {
    let mut stream = b"SSH-2.0-c\r\n".to_vec();
    stream.extend(newkeys());
    // Looks like a KEXINIT, but is encrypted data.
    stream.extend(client_kexinit());
    let mut p = SshParser::new();
    p.feed(ToServer, &stream);
    assert_eq!(p.state(ToServer), SshState::NewKeys);
    assert!(p.kexinit(ToServer).is_none() && p.hassh().is_none());
    p.feed(ToServer, &[0; 10_000]);
    assert!(p.events().is_empty());
}

#[test]
fn impossible_packet_lengths_stop_the_direction() {
    for bad in [
        vec![0, 0, 0, 1, 0, 20],
        vec![0, 0, 0, 10, 9, 20],
        vec![0x7F, 0xFF, 0xFF, 0xFF, 4, 20],
    ] {
        let mut stream = b"SSH-2.0-c\r\n".to_vec();
        stream.extend(&bad);
        stream.extend(client_kexinit());
        let mut p = SshParser::new();
        p.feed(ToServer, &stream);
        assert_eq!(p.state(ToServer), SshState::BannerDone);
        assert_eq!(p.events(), &[(ToServer, SshEvent::InvalidRecordLength)]);
        assert!(!p.done());
    }
}

#[test]
fn oversized_kexinit_is_flagged_and_skipped() {
    let cfg = SshConfig {
        max_kexinit_len: 100,
        ..SshConfig::default()
    };
    let mut stream = b"SSH-2.0-c\r\n".to_vec();
    stream.extend(client_kexinit());
    stream.extend(newkeys());
    let mut p = SshParser::with_config(cfg);
    p.feed(ToServer, &stream);
    assert_eq!(p.state(ToServer), SshState::NewKeys);
    assert!(p.hassh().is_none() && p.kexinit(ToServer).is_none());
    assert_eq!(p.events(), &[(ToServer, SshEvent::LongKexRecord)]);
}

#[test]
fn truncated_kexinit_lists_give_no_hassh() {
    let mut payload = vec![20];
    payload.extend([0; 16]);
    payload.extend([0, 0, 0, 50, b'a']);
    let mut stream = b"SSH-2.0-c\r\n".to_vec();
    stream.extend(packet(&payload, 4));
    let mut p = SshParser::new();
    p.feed(ToServer, &stream);
    assert_eq!(p.state(ToServer), SshState::KexInit);
    assert!(p.hassh().is_none());
}

#[test]
fn gaps() {
    // In the banner: the partial line is dropped, the next line is read.
    let mut p = SshParser::new();
    p.feed(ToServer, b"SSH-2.0-cl");
    p.gap(ToServer);
    p.feed(ToServer, b"ient\r\nSSH-2.0-again\r\n");
    assert_eq!(p.banner(ToServer).unwrap().software_version, b"again");
    // After it: the direction is no longer followed.
    p.gap(ToServer);
    p.feed(ToServer, &client_kexinit());
    assert_eq!(p.state(ToServer), SshState::BannerDone);
    assert!(p.hassh().is_none());
}

#[test]
fn server_banner_first_then_client_interleaved() {
    let (c, s) = (client_stream(), server_stream());
    let mut p = SshParser::new();
    let (mut ci, mut si) = (0, 0);
    let mut step = 1;
    while ci < c.len() || si < s.len() {
        let sn = (si + step).min(s.len());
        p.feed(ToClient, &s[si..sn]);
        si = sn;
        let cn = (ci + step + 3).min(c.len());
        p.feed(ToServer, &c[ci..cn]);
        ci = cn;
        step = step % 17 + 1;
    }
    check_client(&p);
    assert!(p.encrypted());
}
