//! A TLS connection turns to ciphertext after its handshake: by default,
//! as in Suricata, content rules stop reading its stream there, while the
//! handshake stays readable to them and to the TLS keywords;
//! `detect.inspect_encrypted` keeps them reading.

mod common;

use common::*;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use vigie::synth::tcp_session::{Direction, TcpSession};
use vigie::synth::{FrameTime, Rng, tls, write_ethernet_pcap};

const SNI: &str = "tickets.venue.example";
/// Bytes that stand in for ciphertext which happens to hold a pattern.
const MARKER: &[u8] = b"MARKER-INSIDE-APPLICATION-DATA";

const RULES: &str = "\
alert tcp any any -> any 443 (msg:\"pattern in application data\"; flow:established,to_server; \
content:\"MARKER-INSIDE-APPLICATION-DATA\"; sid:1;)
alert tls any any -> any any (msg:\"SNI\"; tls.sni; content:\"tickets.venue.example\"; sid:2;)
alert tcp any any -> any 443 (msg:\"SNI bytes in the ClientHello\"; flow:established,to_server; \
content:\"tickets.venue.example\"; sid:3;)
alert tcp any any -> any 443 (msg:\"a client segment of the connection\"; flow:established,to_server; \
dsize:>0; sid:4;)
";

/// An application_data record around `body`.
fn application_data(body: &[u8]) -> Vec<u8> {
    let mut record = vec![23, 3, 3];
    record.extend_from_slice(&(body.len() as u16).to_be_bytes());
    record.extend_from_slice(body);
    record
}

fn capture(dir: &Path) -> PathBuf {
    let mut rng = Rng::new(11);
    let client: SocketAddr = "203.0.113.9:50100".parse().unwrap();
    let server: SocketAddr = "10.10.0.81:443".parse().unwrap();
    let hello = tls::client_hello(&mut rng, SNI);
    let mut server_flight = tls::server_hello(&mut rng, &hello.session_id);
    server_flight.extend(tls::application_data(&mut rng, 1200));
    let mut finish = tls::change_cipher_spec();
    finish.extend(tls::application_data(&mut rng, 53));
    let mut body = rng.byte_vec(100);
    body.extend_from_slice(MARKER);
    body.extend(rng.byte_vec(100));
    let mut s = TcpSession::new(client, server, FrameTime::new(1_717_264_800, 0));
    s.handshake()
        .client_data(&hello.record)
        .send(Direction::ToClient, &server_flight, false)
        .client_data(&finish)
        .client_data(&application_data(&body))
        .send(Direction::ToClient, &tls::application_data(&mut rng, 800), true)
        .close(Direction::ToServer);
    let path = dir.join("tls.pcap");
    write_ethernet_pcap(&path, s.into_frames()).unwrap();
    path
}

fn sids(logdir: &Path) -> Vec<u64> {
    let mut sids: Vec<u64> = alert_triples(logdir).into_iter().map(|(sid, _, _)| sid).collect();
    sids.sort_unstable();
    sids
}

#[test]
fn content_rules_stop_at_the_ciphertext_unless_asked_to_read_on() {
    let dir = scratch("encrypted_tls");
    let pcap = capture(&dir);
    let rules = write_rules(&dir, RULES);

    let default_out = dir.join("default");
    let (out, _) = replay(&[&pcap], &[&rules], &default_out, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = sids(&default_out);
    // The handshake is read by content and TLS rules alike; the record
    // after it is not given to content rules, though rules on the packet
    // alone (dsize) still see its segments.
    assert!(!got.contains(&1), "ciphertext was inspected: {got:?}");
    assert_eq!(got.iter().filter(|&&s| s == 2).count(), 1, "{got:?}");
    assert_eq!(got.iter().filter(|&&s| s == 3).count(), 1, "{got:?}");
    // ClientHello, ChangeCipherSpec + Finished, the application data.
    assert_eq!(got.iter().filter(|&&s| s == 4).count(), 3, "{got:?}");

    let full_out = dir.join("full");
    let (out, _) = replay(
        &[&pcap],
        &[&rules],
        &full_out,
        &["--set", "detect.inspect_encrypted=true"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = sids(&full_out);
    assert_eq!(got.iter().filter(|&&s| s == 1).count(), 1, "{got:?}");
    assert_eq!(got.iter().filter(|&&s| s == 2).count(), 1, "{got:?}");
    assert_eq!(got.iter().filter(|&&s| s == 3).count(), 1, "{got:?}");
}
