//! Hostile inputs for decoder robustness tests: malformed frames and broken capture files.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::frame::{Frame, FrameTime};
use super::link::{Ethernet, Mac, VlanTag, ethertype};
use super::packet::{IpBuilder, Ipv4Builder, Ipv6Builder, TcpBuilder, UdpBuilder, proto, tcp_flags};
use super::pcap_writer::{PcapWriter, TsResolution, linktype};
use super::rng::Rng;
use crate::decode::checksum::{Checksum, internet_checksum};

/// A malformed (or extreme) Ethernet frame and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostileFrame {
    pub name: String,
    pub data: Vec<u8>,
}

const SRC_MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];
const DST_MAC: Mac = [0x02, 0, 0, 0, 0, 0x02];
const SRC: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 5);
const DST: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 80);
/// Offset of the IP header in an untagged Ethernet frame.
const IP: usize = 14;

fn eth() -> Ethernet {
    Ethernet::new(SRC_MAC, DST_MAC)
}

fn ip() -> IpBuilder {
    IpBuilder::V4(Ipv4Builder::new(SRC, DST))
}

fn tcp_frame(payload: &[u8]) -> Vec<u8> {
    let tcp = TcpBuilder {
        seq: 1,
        ack: 1,
        flags: tcp_flags::ACK | tcp_flags::PSH,
        ..TcpBuilder::new(40000, 80)
    };
    eth().ip_frame(&tcp.packet(&ip(), payload))
}

fn udp_frame(payload: &[u8]) -> Vec<u8> {
    eth().ip_frame(&UdpBuilder::new(40000, 53).packet(&ip(), payload))
}

fn set16(frame: &mut [u8], at: usize, value: u16) {
    frame[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Recomputes the IPv4 header checksum over 20 bytes, so only the intended defect remains.
fn fix_ip_checksum(frame: &mut [u8]) {
    set16(frame, IP + 10, 0);
    let sum = internet_checksum(&frame[IP..IP + 20]);
    set16(frame, IP + 10, sum);
}

/// Recomputes a TCP/UDP checksum over the bytes actually present after a 20-byte IPv4 header.
fn fix_l4_checksum(frame: &mut [u8], protocol: u8) {
    let field = IP + 20 + if protocol == proto::TCP { 16 } else { 6 };
    set16(frame, field, 0);
    let seg = &frame[IP + 20..];
    let sum = Checksum::ipv4_pseudo(SRC, DST, protocol, seg.len() as u16)
        .add(seg)
        .finish();
    set16(frame, field, sum);
}

/// The named malformed frames, plus random-byte frames drawn from `rng`.
pub fn malformed_frames(rng: &mut Rng) -> Vec<HostileFrame> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, data: Vec<u8>| out.push((name.to_string(), data));
    let tcp = tcp_frame(b"hello");
    let udp = udp_frame(b"0123456789");

    add("empty", Vec::new());
    add("one-byte", vec![0xFF]);
    add("ethernet-truncated", tcp[..13].to_vec());
    add("ipv4-truncated-header", tcp[..IP + 12].to_vec());

    let mut f = udp.clone();
    f[IP] = 0x44;
    fix_ip_checksum(&mut f);
    add("ipv4-ihl-below-5", f);

    let mut f = udp.clone();
    set16(&mut f, IP + 2, 1500);
    fix_ip_checksum(&mut f);
    add("ipv4-total-length-exceeds-frame", f);

    let mut f = udp.clone();
    set16(&mut f, IP + 2, 12);
    fix_ip_checksum(&mut f);
    add("ipv4-total-length-below-header", f);

    let mut f = udp.clone();
    f[IP + 10] ^= 0x5A;
    add("ipv4-bad-header-checksum", f);

    let mut f = tcp.clone();
    f[IP] = 0x4F; // IHL 15: 60-byte header claimed, options run into TCP
    fix_ip_checksum(&mut f);
    add("ipv4-ihl-beyond-packet", f);

    let v6 = IpBuilder::V6(Ipv6Builder::new(
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5),
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x80),
    ));
    let mut f = eth().ip_frame(&UdpBuilder::new(40000, 53).packet(&v6, b"0123456789"));
    set16(&mut f, IP + 4, 1000);
    add("ipv6-payload-length-exceeds-frame", f.clone());
    set16(&mut f, IP + 4, 4);
    add("ipv6-payload-length-below-udp-header", f.clone());
    add("ipv6-truncated-header", f[..IP + 30].to_vec());

    let mut f = tcp.clone();
    f[IP + 20 + 12] = 0x40; // data offset 4
    fix_l4_checksum(&mut f, proto::TCP);
    add("tcp-data-offset-below-5", f);

    let mut f = tcp.clone();
    f[IP + 20 + 12] = 0xF0; // data offset 15: 60 bytes, segment has 25
    fix_l4_checksum(&mut f, proto::TCP);
    add("tcp-data-offset-beyond-segment", f);

    let mut f = eth().ip_frame(&ip().build(proto::TCP, &tcp[IP + 20..IP + 30]));
    fix_ip_checksum(&mut f);
    add("tcp-header-truncated", f);

    let mut f = udp.clone();
    set16(&mut f, IP + 24, 500);
    fix_l4_checksum(&mut f, proto::UDP);
    add("udp-length-exceeds-packet", f);

    let mut f = udp.clone();
    set16(&mut f, IP + 24, 4);
    fix_l4_checksum(&mut f, proto::UDP);
    add("udp-length-below-header", f);

    add(
        "udp-header-truncated",
        eth().ip_frame(&ip().build(proto::UDP, &[0x9c, 0x40, 0, 53])),
    );
    add(
        "icmp-truncated",
        eth().ip_frame(&ip().build(proto::ICMP, &[8, 0, 0xF7])),
    );

    let mut f = tcp[..12].to_vec();
    f.extend_from_slice(&[0x81, 0x00, 0x00, 0x0A]);
    add("vlan-tag-cut-short", f);

    let mut f = Ethernet::new(SRC_MAC, DST_MAC)
        .with_vlan(VlanTag::qinq(100))
        .with_vlan(VlanTag::dot1q(10))
        .frame(ethertype::VLAN, &[]);
    add("qinq-chain-cut-short", f.clone());
    f.truncate(f.len() - 3);
    add("qinq-tag-cut-mid-tci", f);

    let mut deep = eth();
    for vid in 1..=12 {
        deep = deep.with_vlan(VlanTag::dot1q(vid));
    }
    add("vlan-chain-twelve-deep", deep.ip_frame(&tcp[IP..]));

    for i in 0..8 {
        let len = rng.range(1, 129) as usize;
        add(&format!("random-bytes-{i}"), rng.byte_vec(len));
    }
    for i in 0..4 {
        let mut f = tcp[..IP + 20].to_vec();
        let len = rng.range(0, 64) as usize;
        f.extend_from_slice(&rng.byte_vec(len));
        add(&format!("ipv4-header-then-random-{i}"), f);
    }

    // Largest frame a 16-bit IPv4 total length allows: 14 + 65521 bytes.
    let big = udp_frame(&vec![0xA5; 65535 - IP - 28]);
    add("frame-65535-bytes", big);

    out.into_iter()
        .map(|(name, data)| HostileFrame { name, data })
        .collect()
}

/// Every malformed frame in one Ethernet pcap, one millisecond apart.
pub fn hostile_capture(rng: &mut Rng, start: FrameTime) -> io::Result<Vec<u8>> {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET, TsResolution::Micros)?;
    for (i, f) in malformed_frames(rng).iter().enumerate() {
        w.write_frame(&Frame::new(start.plus_millis(i as u64), f.data.clone()))?;
    }
    w.into_inner()
}

/// Writes `frames` as an Ethernet pcap, then cuts the file in the middle of
/// the last record's packet data (or of its record header when the data is
/// shorter than two bytes).
pub fn truncated_capture(frames: &[Frame]) -> io::Result<Vec<u8>> {
    let last = frames
        .last()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no frames to truncate"))?;
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET, TsResolution::Micros)?;
    for f in frames {
        w.write_frame(f)?;
    }
    let mut bytes = w.into_inner()?;
    let data_len = last.data.len();
    let cut = if data_len >= 2 {
        bytes.len() - data_len + data_len / 2
    } else {
        bytes.len() - data_len - 8
    };
    bytes.truncate(cut);
    Ok(bytes)
}

/// A pcap whose only record header claims 0x7FFF_FFFF captured bytes
/// (far above the 262144 snaplen) while 60 bytes follow.
pub fn huge_caplen_capture() -> io::Result<Vec<u8>> {
    let mut bytes = PcapWriter::new(Vec::new(), linktype::ETHERNET, TsResolution::Micros)?.into_inner()?;
    let mut frame = tcp_frame(b"");
    frame.resize(60, 0);
    for field in [1_717_264_800u32, 0, 0x7FFF_FFFF, 60] {
        bytes.extend_from_slice(&field.to_le_bytes());
    }
    bytes.extend_from_slice(&frame);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check_frame;
    use super::*;
    use etherparse::{LaxSlicedPacket, SlicedPacket};

    fn by_name(frames: &[HostileFrame], name: &str) -> Vec<u8> {
        frames.iter().find(|f| f.name == name).unwrap().data.clone()
    }

    #[test]
    fn frames_are_malformed_as_named() {
        let frames = malformed_frames(&mut Rng::new(1));
        assert!(frames.len() > 30);
        assert_eq!(by_name(&frames, "empty").len(), 0);
        assert_eq!(by_name(&frames, "one-byte").len(), 1);
        assert_eq!(by_name(&frames, "frame-65535-bytes").len(), 65535);
        assert!(check_frame(&by_name(&frames, "frame-65535-bytes")).is_ok());
        assert!(check_frame(&tcp_frame(b"x")).is_ok());
        for name in [
            "ethernet-truncated",
            "ipv4-truncated-header",
            "ipv4-ihl-below-5",
            "ipv4-total-length-exceeds-frame",
            "ipv4-total-length-below-header",
            "ipv6-payload-length-exceeds-frame",
            "ipv6-truncated-header",
            "tcp-data-offset-below-5",
            "tcp-data-offset-beyond-segment",
            "tcp-header-truncated",
            "udp-length-exceeds-packet",
            "udp-header-truncated",
            "icmp-truncated",
            "vlan-tag-cut-short",
            "qinq-chain-cut-short",
        ] {
            let data = by_name(&frames, name);
            assert!(SlicedPacket::from_ethernet(&data).is_err(), "{name} parsed cleanly");
        }
        assert!(check_frame(&by_name(&frames, "ipv4-bad-header-checksum")).is_err());
        // The lax parser must cope with all of them without panicking.
        for f in &frames {
            let _ = LaxSlicedPacket::from_ethernet(&f.data);
        }
    }

    #[test]
    fn random_frames_follow_seed() {
        assert_eq!(malformed_frames(&mut Rng::new(2)), malformed_frames(&mut Rng::new(2)));
        assert_ne!(malformed_frames(&mut Rng::new(2)), malformed_frames(&mut Rng::new(3)));
    }

    #[test]
    fn broken_capture_files() {
        let frames: Vec<Frame> = (0..3)
            .map(|i| Frame::new(FrameTime::new(100 + i, 0), tcp_frame(b"abcdef")))
            .collect();
        let whole_len = 24 + 3 * (16 + frames[0].data.len());
        let cut = truncated_capture(&frames).unwrap();
        assert_eq!(cut.len(), whole_len - frames[0].data.len() / 2);
        assert!(truncated_capture(&[]).is_err());
        let huge = huge_caplen_capture().unwrap();
        assert_eq!(huge.len(), 24 + 16 + 60);
        assert_eq!(&huge[32..36], &0x7FFF_FFFFu32.to_le_bytes());
        let all = hostile_capture(&mut Rng::new(1), FrameTime::new(1, 0)).unwrap();
        assert!(all.len() > 65535);
    }
}
