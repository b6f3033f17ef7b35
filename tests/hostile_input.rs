//! Hostile input never crashes the sensor: malformed packets are counted as
//! anomalies, a file cut mid-packet ends with a warning and the run goes on,
//! a damaged or unknown file is named with the packet and the reason.

mod common;

use common::*;
use vigie::synth::hostile::{hostile_capture, huge_caplen_capture, malformed_frames, truncated_capture};
use vigie::synth::{Frame, FrameTime, Rng, bundle};

/// Rules that look at every layer, so hostile packets reach every matcher.
const RULES: &str = "\
alert ip any any -> any any (msg:\"any ip\"; sid:1;)
alert tcp any any -> any any (msg:\"tcp content\"; content:\"GET\"; byte_test:1,>,0,0,relative; isdataat:1,relative; sid:2;)
alert udp any any -> any any (msg:\"udp pcre\"; pcre:\"/\\x00{4}/\"; sid:3;)
alert icmp any any -> any any (msg:\"icmp\"; itype:8; sid:4;)
alert tcp any any -> any any (msg:\"flags\"; flags:S; dsize:>0; sid:5;)
";

#[test]
fn malformed_packets_are_counted_not_fatal() {
    let dir = scratch("hostile");
    let cap = dir.join("hostile.pcap");
    let mut rng = Rng::new(7);
    std::fs::write(
        &cap,
        hostile_capture(&mut rng, FrameTime::new(1_700_000_000, 0)).unwrap(),
    )
    .unwrap();
    let frames = malformed_frames(&mut Rng::new(7)).len() as u64;
    let rules = write_rules(&dir, RULES);
    let (out, summary) = replay(&[&cap], &[&rules], &dir.join("logs"), &["-k", "all"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary["packets"], frames);
    let anomalies = summary["anomalies_total"].as_u64().unwrap();
    assert!(anomalies >= 10, "only {anomalies} anomalies counted: {summary}");
    let kinds: Vec<String> = summary["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[0].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "decoder.ipv4.trunc_pkt",
        "decoder.ipv4.hlen_too_small",
        "decoder.empty_frame",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} not counted: {kinds:?}");
    }
}

#[test]
fn random_bytes_of_every_link_type_do_not_crash() {
    use vigie::synth::pcap_writer::{PcapWriter, TsResolution};
    let dir = scratch("random");
    let rules = write_rules(&dir, RULES);
    let mut rng = Rng::new(99);
    for lt in [0u32, 1, 12, 14, 101, 104, 108, 113, 228, 229, 276] {
        let mut w = PcapWriter::new(Vec::new(), lt, TsResolution::Micros).unwrap();
        for i in 0..300u64 {
            let len = rng.range(0, 200) as usize;
            let mut data = rng.byte_vec(len);
            // Half the frames start like IPv4 or IPv6 so deeper layers are reached.
            if i % 2 == 0 && !data.is_empty() {
                data[0] = if i % 4 == 0 { 0x45 } else { 0x60 };
            }
            w.write_packet(FrameTime::new(1_700_000_000 + i, 0), &data, 0).unwrap();
        }
        let cap = dir.join(format!("random-{lt}.pcap"));
        std::fs::write(&cap, w.into_inner().unwrap()).unwrap();
        let (out, summary) = replay(&[&cap], &[&rules], &dir.join(format!("logs-{lt}")), &[]);
        assert!(
            out.status.success(),
            "link type {lt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(summary["packets"], 300, "link type {lt}");
    }
}

#[test]
fn file_cut_mid_packet_warns_and_run_goes_on() {
    let dir = scratch("truncated");
    let frames: Vec<Frame> = bundle::attack_frames(42).into_iter().take(200).collect();
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, truncated_capture(&frames).unwrap()).unwrap();
    let whole = repo().join("pcaps/venue-benign.pcap");
    let (out, summary) = replay(&[&cut, &whole], &[], &dir.join("logs"), &[]);
    assert!(out.status.success());
    let truncated = summary["truncated_files"].as_array().unwrap();
    assert_eq!(truncated.len(), 1);
    assert!(truncated[0].as_str().unwrap().contains("cut.pcap"));
    assert!(truncated[0].as_str().unwrap().contains("packet 200"), "{truncated:?}");
    // 199 whole packets from the cut file, then every packet of the second file.
    assert!(summary["packets"].as_u64().unwrap() > 199 + 3000);
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty() || !String::from_utf8_lossy(&out.stderr).contains("panicked")
    );
}

#[test]
fn absurd_record_length_is_a_clear_error() {
    let dir = scratch("huge");
    let cap = dir.join("huge.pcap");
    std::fs::write(&cap, huge_caplen_capture().unwrap()).unwrap();
    let (out, summary) = replay(&[&cap], &[], &dir.join("logs"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let failed = summary["failed_files"][0].as_str().unwrap();
    assert!(failed.contains("huge.pcap") && failed.contains("packet 1"), "{failed}");
}

#[test]
fn unknown_link_type_and_non_captures_are_named() {
    use vigie::synth::pcap_writer::{PcapWriter, TsResolution};
    let dir = scratch("unknown");
    let odd = dir.join("odd.pcap");
    let mut w = PcapWriter::new(Vec::new(), 147, TsResolution::Micros).unwrap();
    w.write_packet(FrameTime::new(1, 0), b"abc", 0).unwrap();
    std::fs::write(&odd, w.into_inner().unwrap()).unwrap();
    let text = dir.join("text.pcap");
    std::fs::write(&text, "this is not a capture file at all").unwrap();
    let (out, summary) = replay(&[&odd, &text], &[], &dir.join("logs"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let failed: Vec<&str> = summary["failed_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        failed[0].contains("odd.pcap") && failed[0].contains("link type 147"),
        "{failed:?}"
    );
    assert!(
        failed[1].contains("text.pcap") && failed[1].contains("not a pcap"),
        "{failed:?}"
    );
}

#[test]
fn missing_input_and_bad_rules_file_fail_with_reason() {
    let dir = scratch("missing");
    let out = run(vigie()
        .arg("replay")
        .arg("-l")
        .arg(&dir)
        .arg("/nonexistent/capture.pcap"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/capture.pcap"));
    let out = run(vigie()
        .arg("replay")
        .arg("-S")
        .arg("/nonexistent/x.rules")
        .arg("-l")
        .arg(&dir)
        .arg(repo().join("pcaps/venue-benign.pcap")));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.rules"));
    let out = run(vigie()
        .arg("replay")
        .arg("--set")
        .arg("flow.nope=1")
        .arg(repo().join("pcaps/venue-benign.pcap")));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("flow.nope")
            || String::from_utf8_lossy(&out.stderr).contains("nope")
    );
}

#[test]
fn a_last_record_longer_than_the_file_is_a_truncation() {
    // Whole packets, then a record header claiming 4 MB that the file never holds.
    let dir = scratch("last-record");
    let whole = std::fs::read(repo().join("pcaps/venue-benign.pcap")).unwrap();
    let mut cut = whole[..24].to_vec();
    let mut off = 24;
    for _ in 0..5 {
        let incl = u32::from_le_bytes(whole[off + 8..off + 12].try_into().unwrap()) as usize;
        cut.extend_from_slice(&whole[off..off + 16 + incl]);
        off += 16 + incl;
    }
    for field in [1_717_264_900u32, 0, 4 << 20, 4 << 20] {
        cut.extend_from_slice(&field.to_le_bytes());
    }
    let cap = dir.join("last.pcap");
    std::fs::write(&cap, cut).unwrap();
    let (out, summary) = replay(&[&cap], &[], &dir.join("logs"), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary["packets"], 5);
    let truncated = summary["truncated_files"][0].as_str().unwrap();
    assert!(truncated.contains("middle of packet 6"), "{truncated}");
}
