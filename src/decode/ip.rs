//! Network and transport layers: IPv4 (with options), IPv6 (extension
//! headers), TCP, UDP, ICMPv4 and ICMPv6, sliced with etherparse.

use super::anomaly::Anomaly;
use super::checksum;
use super::packet::{IcmpHeader, Inner, IpLayer, TcpHeader, Transport, UdpHeader, ipopt};
use super::tunnel;
use etherparse::err::ipv4::{HeaderError as V4HeaderError, SliceError as V4SliceError};
use etherparse::err::ipv6::SliceError as V6SliceError;
use etherparse::err::tcp::HeaderSliceError as TcpSliceError;
use etherparse::{Icmpv4Slice, Icmpv6Slice, Ipv4Slice, Ipv6Slice, TcpSlice, UdpSlice};
use std::net::IpAddr;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

/// The network layer plus what sits on top of it.
pub struct Decoded<'a> {
    pub ip: IpLayer<'a>,
    pub transport: Transport,
    pub payload: &'a [u8],
    pub inner: Option<Inner<'a>>,
    pub bad_checksum: bool,
    /// A malformed transport header: the IP layer is still usable.
    pub transport_anomaly: Option<Anomaly>,
}

pub fn ipv4(data: &[u8], validate_checksums: bool) -> Result<Decoded<'_>, Anomaly> {
    match data.first().map(|b| b >> 4) {
        None => return Err(Anomaly::Ipv4TooSmall),
        Some(4) => {}
        Some(_) => return Err(Anomaly::Ipv4WrongVersion),
    }
    let slice = Ipv4Slice::from_slice(data).map_err(|e| match e {
        V4SliceError::Len(l) if l.len < 20 && l.required_len <= 20 => Anomaly::Ipv4TooSmall,
        V4SliceError::Len(l) if l.len_source == etherparse::LenSource::Ipv4HeaderTotalLen => {
            Anomaly::Ipv4TotalLenTooSmall
        }
        V4SliceError::Len(_) => Anomaly::Ipv4Truncated,
        V4SliceError::Header(V4HeaderError::HeaderLengthSmallerThanHeader { .. }) => Anomaly::Ipv4HeaderTooSmall,
        V4SliceError::Header(V4HeaderError::UnexpectedVersion { .. }) => Anomaly::Ipv4WrongVersion,
        V4SliceError::Exts(_) => Anomaly::Ipv4Truncated,
    })?;
    let h = slice.header();
    // The header slice borrows `slice`; take the bytes from `data` instead.
    let header: &[u8] = &data[..usize::from(h.ihl()) * 4];
    let options = ipv4_options(&header[20..])?;
    let frag = h.fragments_offset().value();
    let flags_byte = header[6];
    let payload = slice.payload();
    let ip = IpLayer {
        version: 4,
        src: IpAddr::V4(h.source_addr()),
        dst: IpAddr::V4(h.destination_addr()),
        proto: payload.ip_number.0,
        ttl: h.ttl(),
        tos: header[1],
        id: u32::from(h.identification()),
        dont_fragment: h.dont_fragment(),
        more_fragments: h.more_fragments(),
        reserved_flag: flags_byte & 0x80 != 0,
        frag_offset: frag,
        fragmented: payload.fragmented,
        options,
        header,
        payload: payload.payload,
        raw: &data[..usize::from(h.total_len()).min(data.len())],
    };
    let bad_ip = validate_checksums && !checksum::ipv4_header_ok(header);
    let mut decoded = transport(ip, validate_checksums);
    if bad_ip {
        decoded.bad_checksum = true;
        decoded.transport_anomaly.get_or_insert(Anomaly::Ipv4BadChecksum);
    }
    Ok(decoded)
}

pub fn ipv6(data: &[u8], validate_checksums: bool) -> Result<Decoded<'_>, Anomaly> {
    match data.first().map(|b| b >> 4) {
        None => return Err(Anomaly::Ipv6TooSmall),
        Some(6) => {}
        Some(_) => return Err(Anomaly::Ipv6WrongVersion),
    }
    let slice = Ipv6Slice::from_slice(data).map_err(|e| match e {
        V6SliceError::Len(l) if l.len < 40 && l.required_len <= 40 => Anomaly::Ipv6TooSmall,
        V6SliceError::Len(_) => Anomaly::Ipv6Truncated,
        V6SliceError::Header(_) => Anomaly::Ipv6WrongVersion,
        V6SliceError::Exts(_) => Anomaly::Ipv6ExtHeaderMalformed,
    })?;
    let h = slice.header();
    let payload = slice.payload();
    let ip = IpLayer {
        version: 6,
        src: IpAddr::V6(h.source_addr()),
        dst: IpAddr::V6(h.destination_addr()),
        proto: payload.ip_number.0,
        ttl: h.hop_limit(),
        tos: h.traffic_class(),
        id: 0,
        dont_fragment: false,
        more_fragments: false,
        reserved_flag: false,
        frag_offset: 0,
        fragmented: payload.fragmented,
        options: 0,
        header: h.slice(),
        payload: payload.payload,
        raw: &data[..(40 + usize::from(h.payload_length())).min(data.len())],
    };
    Ok(transport(ip, validate_checksums))
}

/// Walks IPv4 options into a bit set; a length that runs past the header is
/// malformed.
fn ipv4_options(mut opts: &[u8]) -> Result<u16, Anomaly> {
    let mut seen = 0u16;
    while let Some(&kind) = opts.first() {
        match kind {
            0 => {
                seen |= ipopt::EOL;
                break;
            }
            1 => {
                seen |= ipopt::NOP;
                opts = &opts[1..];
            }
            _ => {
                let len = usize::from(*opts.get(1).ok_or(Anomaly::Ipv4OptionsMalformed)?);
                if len < 2 || len > opts.len() {
                    return Err(Anomaly::Ipv4OptionsMalformed);
                }
                seen |= match kind {
                    7 => ipopt::RR,
                    68 => ipopt::TS,
                    130 => ipopt::SEC,
                    133 => ipopt::ESEC,
                    131 => ipopt::LSRR,
                    137 => ipopt::SSRR,
                    136 => ipopt::SATID,
                    148 => ipopt::RTRALT,
                    134 => ipopt::CIPSO,
                    25 => ipopt::QS,
                    _ => 0,
                };
                opts = &opts[len..];
            }
        }
    }
    Ok(seen)
}

fn transport(ip: IpLayer<'_>, validate: bool) -> Decoded<'_> {
    let mut d = Decoded {
        ip,
        transport: Transport::None,
        payload: &[],
        inner: None,
        bad_checksum: false,
        transport_anomaly: None,
    };
    if ip.fragmented {
        // Fragments carry no decodable transport header until reassembled.
        return d;
    }
    let seg = ip.payload;
    match ip.proto {
        PROTO_TCP => match TcpSlice::from_slice(seg) {
            Ok(t) => {
                d.transport = Transport::Tcp(TcpHeader {
                    sport: t.source_port(),
                    dport: t.destination_port(),
                    seq: t.sequence_number(),
                    ack: t.acknowledgment_number(),
                    flags: t.header_slice()[13],
                    window: t.window_size(),
                    urgent: t.urgent_pointer(),
                    header_len: t.data_offset() * 4,
                    has_options: t.data_offset() > 5,
                });
                d.payload = t.payload();
                if validate && !checksum::transport_ok(ip.src, ip.dst, PROTO_TCP, seg) {
                    d.bad_checksum = true;
                    d.transport_anomaly = Some(Anomaly::TcpBadChecksum);
                }
            }
            Err(TcpSliceError::Len(l)) if l.len < 20 => d.transport_anomaly = Some(Anomaly::TcpTooSmall),
            Err(TcpSliceError::Len(_)) => d.transport_anomaly = Some(Anomaly::TcpOptionsTruncated),
            Err(TcpSliceError::Content(_)) => d.transport_anomaly = Some(Anomaly::TcpHeaderTooSmall),
        },
        PROTO_UDP => match UdpSlice::from_slice(seg) {
            Ok(u) => {
                let h = UdpHeader {
                    sport: u.source_port(),
                    dport: u.destination_port(),
                    length: u.length(),
                };
                d.transport = Transport::Udp(h);
                d.payload = u.payload();
                let skip_checksum = ip.version == 4 && u.checksum() == 0;
                if validate && !skip_checksum && !checksum::transport_ok(ip.src, ip.dst, PROTO_UDP, u.slice()) {
                    d.bad_checksum = true;
                    d.transport_anomaly = Some(Anomaly::UdpBadChecksum);
                }
                d.inner = tunnel::over_udp(h.sport, h.dport, d.payload);
            }
            Err(l) if l.len < 8 => d.transport_anomaly = Some(Anomaly::UdpTooSmall),
            Err(_) => d.transport_anomaly = Some(Anomaly::UdpLengthInvalid),
        },
        PROTO_ICMP if ip.version == 4 => match Icmpv4Slice::from_slice(seg) {
            Ok(i) => {
                let (itype, code) = (i.type_u8(), i.code_u8());
                let echo = matches!(itype, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18);
                let b = i.bytes5to8();
                d.transport = Transport::Icmp(IcmpHeader {
                    v6: false,
                    itype,
                    code,
                    id: echo.then(|| u16::from_be_bytes([b[0], b[1]])),
                    seq: echo.then(|| u16::from_be_bytes([b[2], b[3]])),
                });
                d.payload = i.payload();
                if validate && !checksum::icmpv4_ok(seg) {
                    d.bad_checksum = true;
                    d.transport_anomaly = Some(Anomaly::IcmpBadChecksum);
                }
            }
            Err(_) => d.transport_anomaly = Some(Anomaly::IcmpTooSmall),
        },
        PROTO_ICMPV6 if ip.version == 6 => match Icmpv6Slice::from_slice(seg) {
            Ok(i) => {
                let (itype, code) = (i.type_u8(), i.code_u8());
                let echo = matches!(itype, 128 | 129);
                let b = i.bytes5to8();
                d.transport = Transport::Icmp(IcmpHeader {
                    v6: true,
                    itype,
                    code,
                    id: echo.then(|| u16::from_be_bytes([b[0], b[1]])),
                    seq: echo.then(|| u16::from_be_bytes([b[2], b[3]])),
                });
                d.payload = i.payload();
                if validate && !checksum::transport_ok(ip.src, ip.dst, PROTO_ICMPV6, seg) {
                    d.bad_checksum = true;
                    d.transport_anomaly = Some(Anomaly::IcmpBadChecksum);
                }
            }
            Err(_) => d.transport_anomaly = Some(Anomaly::Icmpv6TooSmall),
        },
        proto => match tunnel::over_ip(proto, seg) {
            Ok(inner) => d.inner = inner,
            Err(a) => d.transport_anomaly = Some(a),
        },
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_header(proto: u8, total_len: u16, ihl: u8) -> Vec<u8> {
        let mut h = vec![
            0x40 | ihl,
            0,
            0,
            0,
            0,
            1,
            0x40,
            0,
            64,
            proto,
            0,
            0,
            10,
            0,
            0,
            1,
            10,
            0,
            0,
            2,
        ];
        h[2..4].copy_from_slice(&total_len.to_be_bytes());
        h
    }

    #[test]
    fn lying_total_length_is_truncation() {
        let mut p = ipv4_header(6, 200, 5);
        p.extend_from_slice(&[0u8; 20]);
        assert_eq!(ipv4(&p, false).err(), Some(Anomaly::Ipv4Truncated));
    }

    #[test]
    fn ihl_below_five() {
        let p = ipv4_header(6, 20, 4);
        assert_eq!(ipv4(&p, false).err(), Some(Anomaly::Ipv4HeaderTooSmall));
    }

    #[test]
    fn short_tcp_keeps_ip_layer() {
        let mut p = ipv4_header(6, 30, 5);
        p.extend_from_slice(&[0u8; 10]);
        let d = ipv4(&p, false).unwrap();
        assert_eq!(d.transport, Transport::None);
        assert_eq!(d.transport_anomaly, Some(Anomaly::TcpTooSmall));
    }

    #[test]
    fn options_bits_and_malformed() {
        assert_eq!(ipv4_options(&[1, 7, 3, 0]).unwrap(), ipopt::NOP | ipopt::RR);
        assert_eq!(ipv4_options(&[131, 40, 0, 0]), Err(Anomaly::Ipv4OptionsMalformed));
        assert_eq!(ipv4_options(&[68, 1]), Err(Anomaly::Ipv4OptionsMalformed));
    }

    #[test]
    fn ipv4_checksum_validation() {
        let mut p = ipv4_header(253, 20, 5);
        let d = ipv4(&p, true).unwrap();
        assert!(d.bad_checksum, "zero checksum must fail");
        // Fill in a correct checksum.
        let mut sum: u32 = p.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], c[1]]))).sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        p[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        assert!(!ipv4(&p, true).unwrap().bad_checksum);
    }

    #[test]
    fn wrong_versions() {
        assert_eq!(ipv4(&[0x60], false).err(), Some(Anomaly::Ipv4WrongVersion));
        assert_eq!(ipv6(&[0x45], false).err(), Some(Anomaly::Ipv6WrongVersion));
        assert_eq!(ipv6(&[0x60, 0, 0], false).err(), Some(Anomaly::Ipv6TooSmall));
    }
}
