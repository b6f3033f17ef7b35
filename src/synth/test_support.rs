//! Test-only validators: independent parsers that check generated frames and application messages.

use std::collections::BTreeMap;
use std::net::IpAddr;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};

use super::frame::Frame;

/// A parsed DNS message.
pub(super) struct DnsMessage {
    pub id: u16,
    pub flags: u16,
    pub questions: Vec<(String, u16)>,
    pub answers: Vec<(String, u16, Vec<u8>)>,
    /// UDP payload size offered by an EDNS(0) OPT record, if there is one.
    pub edns_udp_size: Option<u16>,
}

/// True when `rdata` is a non-empty run of character-strings that ends exactly at its end.
fn txt_rdata_ok(mut rdata: &[u8]) -> bool {
    if rdata.is_empty() {
        return false;
    }
    while let Some((&len, rest)) = rdata.split_first() {
        match rest.get(usize::from(len)..) {
            Some(tail) => rdata = tail,
            None => return false,
        }
    }
    true
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Reads a possibly compressed name; returns it and the offset after it.
fn read_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut labels = Vec::new();
    let mut end = None;
    for _ in 0..64 {
        let len = *msg.get(at)? as usize;
        if len & 0xC0 == 0xC0 {
            end.get_or_insert(at + 2);
            at = usize::from(be16(msg, at)? & 0x3FFF);
            continue;
        }
        if len == 0 {
            return Some((labels.join("."), end.unwrap_or(at + 1)));
        }
        labels.push(String::from_utf8(msg.get(at + 1..at + 1 + len)?.to_vec()).ok()?);
        at += 1 + len;
    }
    None
}

/// Parses a DNS message, requiring every byte to be accounted for. Answers
/// may be A, AAAA (exact sizes), TXT (well-formed strings) or NULL records;
/// the only additional record allowed is one EDNS(0) OPT record.
pub(super) fn parse_dns(msg: &[u8]) -> Option<DnsMessage> {
    let (qd, an, ns, ar) = (be16(msg, 4)?, be16(msg, 6)?, be16(msg, 8)?, be16(msg, 10)?);
    if ns != 0 || ar > 1 {
        return None;
    }
    let mut at = 12;
    let mut questions = Vec::new();
    for _ in 0..qd {
        let (name, next) = read_name(msg, at)?;
        questions.push((name, be16(msg, next)?));
        if be16(msg, next + 2)? != 1 {
            return None;
        }
        at = next + 4;
    }
    let mut answers = Vec::new();
    for _ in 0..an {
        let (name, next) = read_name(msg, at)?;
        let rtype = be16(msg, next)?;
        let rdlen = usize::from(be16(msg, next + 8)?);
        let rdata = msg.get(next + 10..next + 10 + rdlen)?.to_vec();
        let ok = match rtype {
            1 => rdlen == 4,
            28 => rdlen == 16,
            16 => txt_rdata_ok(&rdata),
            10 => true,
            _ => false,
        };
        if !ok || be16(msg, next + 2)? != 1 {
            return None;
        }
        answers.push((name, rtype, rdata));
        at = next + 10 + rdlen;
    }
    let mut edns_udp_size = None;
    if ar == 1 {
        // OPT: root name, type 41, class = UDP size, TTL = flags, RDATA length.
        if *msg.get(at)? != 0 || be16(msg, at + 1)? != 41 {
            return None;
        }
        edns_udp_size = Some(be16(msg, at + 3)?);
        at += 11 + usize::from(be16(msg, at + 9)?);
    }
    (at == msg.len()).then_some(DnsMessage {
        id: be16(msg, 0)?,
        flags: be16(msg, 2)?,
        questions,
        answers,
        edns_udp_size,
    })
}

#[derive(Debug)]
pub(super) enum HttpMessage {
    Request {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

/// Parses back-to-back HTTP/1.1 messages; bodies need Content-Length.
pub(super) fn parse_http_stream(mut data: &[u8]) -> Option<Vec<HttpMessage>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let head_end = data.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&data[..head_end]).ok()?;
        let mut lines = head.split("\r\n");
        let start: Vec<&str> = lines.next()?.split(' ').collect();
        let mut headers = Vec::new();
        for line in lines {
            let (name, value) = line.split_once(": ")?;
            headers.push((name.to_string(), value.to_string()));
        }
        let body_len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map_or(Some(0), |(_, v)| v.parse().ok())?;
        let body = data.get(head_end + 4..head_end + 4 + body_len)?.to_vec();
        data = &data[head_end + 4 + body_len..];
        if start.len() == 3 && start[2] == "HTTP/1.1" && !start[0].starts_with("HTTP/") {
            if !headers.iter().any(|(n, _)| n == "Host") {
                return None;
            }
            out.push(HttpMessage::Request {
                method: start[0].to_string(),
                target: start[1].to_string(),
                headers,
                body,
            });
        } else if start.len() >= 3 && start[0] == "HTTP/1.1" {
            out.push(HttpMessage::Response {
                status: start[1].parse().ok()?,
                headers,
                body,
            });
        } else {
            return None;
        }
    }
    Some(out)
}

/// Splits a stream into TLS records (type, payload), checking the framing
/// of every handshake record down to its messages.
pub(super) fn parse_tls_stream(mut data: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let ctype = *data.first()?;
        let version = be16(data, 1)?;
        let len = usize::from(be16(data, 3)?);
        if !(20..=23).contains(&ctype) || !(0x0301..=0x0303).contains(&version) || len > 16_384 {
            return None;
        }
        let payload = data.get(5..5 + len)?;
        if ctype == 22 {
            let mut hs = payload;
            while !hs.is_empty() {
                let l = u32::from_be_bytes([0, *hs.get(1)?, *hs.get(2)?, *hs.get(3)?]) as usize;
                hs = hs.get(4 + l..)?;
            }
        }
        out.push((ctype, payload.to_vec()));
        data = &data[5 + len..];
    }
    Some(out)
}

/// Walks a ClientHello handshake message and returns its SNI host name.
pub(super) fn client_hello_sni(hs: &[u8]) -> Option<String> {
    if *hs.first()? != 1 {
        return None;
    }
    let mut at = 4 + 2 + 32;
    at += 1 + *hs.get(at)? as usize;
    at += 2 + usize::from(be16(hs, at)?);
    at += 1 + *hs.get(at)? as usize;
    let ext_end = at + 2 + usize::from(be16(hs, at)?);
    if ext_end != hs.len() {
        return None;
    }
    at += 2;
    let mut sni = None;
    while at < ext_end {
        let (etype, elen) = (be16(hs, at)?, usize::from(be16(hs, at + 2)?));
        if etype == 0 {
            let name_len = usize::from(be16(hs, at + 7)?);
            if *hs.get(at + 6)? != 0 || name_len + 5 != elen {
                return None;
            }
            sni = String::from_utf8(hs.get(at + 9..at + 9 + name_len)?.to_vec()).ok();
        }
        at += 4 + elen;
    }
    (at == ext_end).then_some(())?;
    sni
}

/// What one frame carried, after full validation.
pub(super) enum L4 {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: Vec<u8>,
    },
    Udp {
        sport: u16,
        dport: u16,
        payload: Vec<u8>,
    },
    Icmp {
        icmp_type: u8,
    },
}

/// Source and destination of an IP header, as raw octets.
enum Addrs {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

/// Parses an Ethernet frame with etherparse and verifies every checksum.
pub(super) fn check_frame(data: &[u8]) -> Result<(IpAddr, IpAddr, L4), String> {
    let p = SlicedPacket::from_ethernet(data).map_err(|e| format!("{e:?}"))?;
    let addrs = match &p.net {
        Some(NetSlice::Ipv4(v4)) => {
            let h = v4.header();
            if h.to_header().calc_header_checksum() != h.header_checksum() {
                return Err("bad IPv4 header checksum".into());
            }
            if usize::from(h.total_len()) + 14 + 4 * p.link_exts.len() != data.len() {
                return Err("IPv4 total length does not match the frame".into());
            }
            Addrs::V4(h.source(), h.destination())
        }
        Some(NetSlice::Ipv6(v6)) => Addrs::V6(v6.header().source(), v6.header().destination()),
        _ => return Err("no IP layer".into()),
    };
    let bad = |what: &str| Err(format!("bad {what} checksum"));
    let l4 = match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let want = match addrs {
                Addrs::V4(s, d) => t.calc_checksum_ipv4(s, d),
                Addrs::V6(s, d) => t.calc_checksum_ipv6(s, d),
            };
            if want.map_err(|e| e.to_string())? != t.checksum() {
                return bad("TCP");
            }
            L4::Tcp {
                sport: t.source_port(),
                dport: t.destination_port(),
                seq: t.sequence_number(),
                ack: t.acknowledgment_number(),
                flags: t.header_slice()[13],
                payload: t.payload().to_vec(),
            }
        }
        Some(TransportSlice::Udp(u)) => {
            let (h, payload) = (u.to_header(), u.payload());
            let want = match addrs {
                Addrs::V4(s, d) => h.calc_checksum_ipv4_raw(s, d, payload),
                Addrs::V6(s, d) => h.calc_checksum_ipv6_raw(s, d, payload),
            };
            if want.map_err(|e| e.to_string())? != u.checksum() {
                return bad("UDP");
            }
            let (sport, dport) = (u.source_port(), u.destination_port());
            L4::Udp {
                sport,
                dport,
                payload: payload.to_vec(),
            }
        }
        Some(TransportSlice::Icmpv4(i)) => {
            if i.icmp_type().calc_checksum(i.payload()) != i.checksum() {
                return bad("ICMP");
            }
            L4::Icmp { icmp_type: i.type_u8() }
        }
        Some(TransportSlice::Icmpv6(i)) => match addrs {
            Addrs::V6(s, d) if i.is_checksum_valid(s, d) => L4::Icmp { icmp_type: i.type_u8() },
            _ => return bad("ICMPv6"),
        },
        _ => return Err("no transport layer".into()),
    };
    let (src, dst) = match addrs {
        Addrs::V4(s, d) => (IpAddr::from(s), IpAddr::from(d)),
        Addrs::V6(s, d) => (IpAddr::from(s), IpAddr::from(d)),
    };
    Ok((src, dst, l4))
}

/// Counts gathered while validating a whole capture.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub tcp: usize,
    pub udp: usize,
    pub icmp: usize,
    pub dns: usize,
    pub ntp: usize,
    /// Target and headers of every HTTP request (GET or POST).
    pub http_requests: Vec<(String, Vec<(String, String)>)>,
    /// Target and body of every POST request.
    pub http_posts: Vec<(String, Vec<u8>)>,
    pub http_responses: Vec<(u16, Vec<u8>)>,
    pub tls_snis: Vec<String>,
}

type StreamKey = (IpAddr, u16, IpAddr, u16);

/// Validates every frame (parsing, checksums, TCP sequence tracking) and
/// every application message (DNS, NTP, HTTP on 80, TLS on 443).
pub(super) fn check_frames(frames: &[Frame]) -> Summary {
    let mut s = Summary::default();
    let mut next_seq: BTreeMap<StreamKey, u32> = BTreeMap::new();
    let mut streams: BTreeMap<StreamKey, Vec<u8>> = BTreeMap::new();
    let mut finished: Vec<(StreamKey, Vec<u8>)> = Vec::new();
    for (i, w) in frames.windows(2).enumerate() {
        assert!(w[0].time <= w[1].time, "frame {i} out of time order");
    }
    for (i, f) in frames.iter().enumerate() {
        let (src, dst, l4) = check_frame(&f.data).unwrap_or_else(|e| panic!("frame {i}: {e}"));
        match l4 {
            L4::Tcp {
                sport,
                dport,
                seq,
                ack,
                flags,
                payload,
            } => {
                s.tcp += 1;
                let key = (src, sport, dst, dport);
                let rev = (dst, dport, src, sport);
                if flags & 0x02 != 0 && flags & 0x10 == 0 {
                    next_seq.remove(&rev);
                    for k in [key, rev] {
                        if let Some(data) = streams.remove(&k) {
                            finished.push((k, data));
                        }
                    }
                } else if flags & 0x04 == 0 {
                    if let Some(&want) = next_seq.get(&key) {
                        assert_eq!(seq, want, "frame {i}: sequence gap");
                    }
                    if let Some(&want) = next_seq.get(&rev) {
                        assert_eq!(ack, want, "frame {i}: ack mismatch");
                    }
                }
                let used = payload.len() as u32 + u32::from(flags & 0x03 != 0);
                next_seq.insert(key, seq.wrapping_add(used));
                streams.entry(key).or_default().extend_from_slice(&payload);
            }
            L4::Udp { sport, dport, payload } => {
                s.udp += 1;
                if sport == 53 || dport == 53 {
                    let m = parse_dns(&payload).unwrap_or_else(|| panic!("frame {i}: bad DNS"));
                    assert_eq!(m.flags & 0x8000 != 0, sport == 53);
                    s.dns += 1;
                } else if sport == 123 || dport == 123 {
                    let mode = payload.first().map_or(0, |b| b & 7);
                    if mode == 7 {
                        // Mode 7 (private): item count and size in the header cover the data exactly.
                        assert!(payload.len() >= 8, "frame {i}: mode 7 header");
                        let items = usize::from(u16::from_be_bytes([payload[4], payload[5]]) & 0xFFF);
                        let size = usize::from(u16::from_be_bytes([payload[6], payload[7]]) & 0xFFF);
                        assert_eq!(payload.len(), 8 + items * size, "frame {i}: mode 7 length");
                        assert_eq!(payload[0] & 0x80 != 0, sport == 123, "frame {i}: mode 7 response bit");
                    } else {
                        assert_eq!(payload.len(), 48, "frame {i}: NTP length");
                        assert!(mode == 3 || mode == 4, "frame {i}: NTP mode {mode}");
                        if sport != dport {
                            assert_eq!(mode, if dport == 123 { 3 } else { 4 });
                        }
                    }
                    s.ntp += 1;
                }
            }
            L4::Icmp { .. } => s.icmp += 1,
        }
    }
    finished.extend(streams);
    for ((_, sport, _, dport), data) in finished {
        if data.is_empty() {
            continue;
        }
        if sport == 80 || dport == 80 {
            let msgs = parse_http_stream(&data).expect("bad HTTP stream");
            for m in msgs {
                match m {
                    HttpMessage::Request {
                        target,
                        headers,
                        method,
                        body,
                    } => {
                        match method.as_str() {
                            "GET" => assert!(body.is_empty(), "GET with a body"),
                            "POST" => s.http_posts.push((target.clone(), body)),
                            other => panic!("unexpected HTTP method {other}"),
                        }
                        s.http_requests.push((target, headers));
                    }
                    HttpMessage::Response { status, body, .. } => {
                        s.http_responses.push((status, body));
                    }
                }
            }
        } else if sport == 443 || dport == 443 {
            let recs = parse_tls_stream(&data).expect("bad TLS stream");
            if dport == 443 {
                let sni = client_hello_sni(&recs[0].1).expect("ClientHello without SNI");
                s.tls_snis.push(sni);
            }
        }
    }
    s
}
