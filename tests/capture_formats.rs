//! Every supported capture format and link type reaches detection: pcap
//! (micro and nanosecond), pcapng with several interfaces and link types,
//! Ethernet with 802.1Q/QinQ, Linux cooked v1/v2, BSD null, raw IP; and
//! several files or a directory in one run.

mod common;

use common::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vigie::synth::link::{self, Ethernet, VlanTag, ethertype, null_family};
use vigie::synth::packet::{IpBuilder, UdpBuilder};
use vigie::synth::pcap_writer::{Interface, PcapNgWriter, PcapWriter, TsResolution, linktype};
use vigie::synth::{Frame, FrameTime};

const MARK: &[u8] = b"VIGIE-FORMAT-MARK";
const RULES: &str = "alert udp any any -> any any (msg:\"mark\"; content:\"VIGIE-FORMAT-MARK\"; sid:1;)\n";

fn udp_v4(n: u8) -> Vec<u8> {
    let ip = IpBuilder::between(
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    );
    UdpBuilder::new(5000 + u16::from(n), 9999).packet(&ip, MARK)
}

fn udp_v6(n: u8) -> Vec<u8> {
    let src = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(n));
    let ip = IpBuilder::between(
        IpAddr::V6(src),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xffff)),
    );
    UdpBuilder::new(5000 + u16::from(n), 9999).packet(&ip, MARK)
}

fn mac() -> link::Mac {
    [2, 0, 0, 0, 0, 1]
}

fn at(ms: u64) -> FrameTime {
    FrameTime::new(1_700_000_000, 0).plus_millis(ms)
}

fn pcap(linktype: u32, res: TsResolution, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), linktype, res).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_frame(&Frame::new(at(i as u64), f.clone())).unwrap();
    }
    w.into_inner().unwrap()
}

fn alerts_for(name: &str, bytes: &[u8]) -> (serde_json::Value, Vec<serde_json::Value>) {
    let dir = scratch(name);
    let cap = dir.join(format!("{name}.pcap"));
    std::fs::write(&cap, bytes).unwrap();
    let rules = write_rules(&dir, RULES);
    let logs = dir.join("logs");
    let (out, summary) = replay(&[&cap], &[&rules], &logs, &["-k", "all"]);
    assert!(out.status.success(), "{name}");
    let alerts = eve_records(&logs)
        .into_iter()
        .filter(|r| r["event_type"] == "alert")
        .collect();
    (summary, alerts)
}

#[test]
fn ethernet_with_vlan_and_qinq() {
    let frames = vec![
        Ethernet::new(mac(), mac()).ip_frame(&udp_v4(1)),
        Ethernet::new(mac(), mac())
            .with_vlan(VlanTag::dot1q(100))
            .ip_frame(&udp_v4(2)),
        Ethernet::new(mac(), mac())
            .with_vlan(VlanTag::qinq(200))
            .with_vlan(VlanTag::dot1q(20))
            .ip_frame(&udp_v6(3)),
    ];
    let (summary, alerts) = alerts_for("ethernet", &pcap(linktype::ETHERNET, TsResolution::Micros, &frames));
    assert_eq!(summary["anomalies_total"], 0);
    assert_eq!(alerts.len(), 3);
    assert!(alerts[0].get("vlan").is_none());
    assert_eq!(alerts[1]["vlan"], serde_json::json!([100]));
    assert_eq!(alerts[2]["vlan"], serde_json::json!([200, 20]));
    assert_eq!(alerts[2]["src_ip"], "2001:db8::3");
    assert_eq!(alerts[2]["ip_v"], 6);
}

#[test]
fn nanosecond_pcap_keeps_sub_second_time() {
    let mut w = PcapWriter::new(Vec::new(), linktype::RAW, TsResolution::Nanos).unwrap();
    w.write_packet(FrameTime::new(1_700_000_000, 123_456_789), &udp_v4(1), 0)
        .unwrap();
    let (_, alerts) = alerts_for("nanos", &w.into_inner().unwrap());
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["timestamp"], "2023-11-14T22:13:20.123456+0000");
}

#[test]
fn cooked_null_and_raw_link_types() {
    let sll = vec![
        link::linux_sll(0, mac(), ethertype::IPV4, &udp_v4(1)),
        link::linux_sll(4, mac(), ethertype::IPV6, &udp_v6(2)),
    ];
    assert_eq!(
        alerts_for("sll", &pcap(linktype::LINUX_SLL, TsResolution::Micros, &sll))
            .1
            .len(),
        2
    );
    let sll2 = vec![link::linux_sll2(ethertype::IPV4, 3, 0, mac(), &udp_v4(1))];
    assert_eq!(
        alerts_for("sll2", &pcap(linktype::LINUX_SLL2, TsResolution::Micros, &sll2))
            .1
            .len(),
        1
    );
    let null = vec![
        link::bsd_null(null_family::INET, &udp_v4(1)),
        link::bsd_null(null_family::INET6_BSD, &udp_v6(2)),
        link::bsd_null(null_family::INET6_DARWIN, &udp_v6(3)),
    ];
    assert_eq!(
        alerts_for("null", &pcap(linktype::NULL, TsResolution::Micros, &null))
            .1
            .len(),
        3
    );
    let raw = vec![link::raw_ip(&udp_v4(1)), link::raw_ip(&udp_v6(2))];
    assert_eq!(
        alerts_for("raw", &pcap(linktype::RAW, TsResolution::Micros, &raw))
            .1
            .len(),
        2
    );
}

#[test]
fn pcapng_with_several_interfaces_and_link_types() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let eth = w.add_interface(&Interface::new(linktype::ETHERNET as u16, 6)).unwrap();
    let raw = w.add_interface(&Interface::new(linktype::RAW as u16, 9)).unwrap();
    let sll2 = w
        .add_interface(&Interface::new(linktype::LINUX_SLL2 as u16, 6))
        .unwrap();
    w.write_packet(eth, at(0), &Ethernet::new(mac(), mac()).ip_frame(&udp_v4(1)), 0)
        .unwrap();
    w.write_packet(raw, FrameTime::new(1_700_000_001, 5_000), &udp_v6(2), 0)
        .unwrap();
    w.write_packet(
        sll2,
        at(2),
        &link::linux_sll2(ethertype::IPV4, 1, 0, mac(), &udp_v4(3)),
        0,
    )
    .unwrap();
    let (summary, alerts) = alerts_for("pcapng", &w.into_inner().unwrap());
    assert_eq!(summary["packets"], 3);
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[1]["timestamp"], "2023-11-14T22:13:21.000005+0000");
}

#[test]
fn several_files_and_a_directory() {
    let dir = scratch("multi");
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    for (i, name) in ["a.pcap", "b.pcap"].iter().enumerate() {
        let frame = vec![link::raw_ip(&udp_v4(i as u8 + 1))];
        std::fs::write(caps.join(name), pcap(linktype::RAW, TsResolution::Micros, &frame)).unwrap();
    }
    std::fs::write(caps.join("notes.txt"), "not a capture").unwrap();
    let rules = write_rules(&dir, RULES);
    let logs = dir.join("logs");
    let (out, summary) = replay(&[&caps, &caps.join("a.pcap")], &[&rules], &logs, &[]);
    assert!(out.status.success());
    assert_eq!(summary["files"], 3);
    assert_eq!(summary["alerts"], 3);
    // pcap_cnt keeps counting across files.
    let cnts: Vec<u64> = eve_records(&logs)
        .iter()
        .map(|r| r["pcap_cnt"].as_u64().unwrap())
        .collect();
    assert_eq!(cnts, vec![1, 2, 3]);
}
