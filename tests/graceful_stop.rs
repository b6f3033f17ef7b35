//! SIGINT/SIGTERM during a replay: the first stops reading, drains the
//! workers, inspects every flow, flushes the outputs and the store and
//! prints the summary; a second one exits at once.

mod common;

use common::*;
use std::io::Write;
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

/// A replay reading a capture from its stdin, with two workers.
fn start(tag: &str) -> (Child, ChildStdin, Vec<Vec<u8>>, std::path::PathBuf) {
    let dir = scratch(tag);
    let pcap = dir.join("benign.pcap");
    assert!(
        run(vigie().args(["synth", "--benign-secs", "120", "-o"]).arg(&pcap))
            .status
            .success()
    );
    let rules = write_rules(
        &dir,
        "alert ip any any -> any any (msg:\"every packet\"; ttl:>0; sid:1;)\n",
    );
    let logs = dir.join("logs");
    let mut child = vigie()
        .args(["replay", "--json", "--no-rate", "-j", "2", "-S"])
        .arg(&rules)
        .arg("-l")
        .arg(&logs)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigie");
    let mut stdin = child.stdin.take().expect("stdin");
    let (header, records) = pcap_records(&pcap);
    stdin.write_all(&header).unwrap();
    (child, stdin, records, logs)
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig}");
}

fn wait_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "vigie did not exit within {secs} s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_cleanly_with_every_alert_written_and_a_summary() {
    let (mut child, mut stdin, records, logs) = start("stop-clean");
    let half = records.len() / 2;
    for r in &records[..half] {
        stdin.write_all(r).unwrap();
    }
    stdin.flush().unwrap();
    // Wait until the sensor is inspecting, then ask it to stop; the next
    // packets wake the reader, which stops there.
    assert!(wait_until(30.0, || file_lines(&logs.join("eve.json")).len() > 100));
    signal(&child, "-TERM");
    std::thread::sleep(Duration::from_millis(200));
    for r in &records[half..half + 50] {
        let _ = stdin.write_all(r);
    }
    let _ = stdin.flush();
    let status = wait_exit(&mut child, 60);
    drop(stdin);
    assert!(status.success(), "{status:?}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&out).expect("a JSON summary");
    assert_eq!(summary["interrupted"], true, "{summary}");
    let packets = summary["packets"].as_u64().unwrap() as usize;
    assert!(
        packets >= half && packets < records.len(),
        "{packets} of {}",
        records.len()
    );
    // Every packet read was inspected (one alert each), and every alert is
    // in eve.json and in the store.
    let alerts = summary["alerts"].as_u64().unwrap();
    assert_eq!(alerts as usize, packets, "{summary}");
    assert_eq!(file_lines(&logs.join("eve.json")).len() as u64, alerts);
    assert_eq!(summary["stored"].as_u64().unwrap(), alerts);
}

#[test]
fn a_second_signal_stops_at_once() {
    let (mut child, mut stdin, records, _logs) = start("stop-hard");
    for r in &records[..records.len() / 4] {
        stdin.write_all(r).unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // The reader is waiting for input that does not come: the first signal
    // is noted, the second ends the process.
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "-INT");
    let status = wait_exit(&mut child, 10);
    assert_eq!(status.code(), Some(130), "{status:?}");
    drop(stdin);
}
