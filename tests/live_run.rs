//! `vigie run` on a link: tcpreplay sends an attack capture at a fixed rate
//! into a veth pair inside a private network namespace; the sensor, with two
//! workers each reading a socket of its own, raises every alert a replay of
//! the same file raises (rate and threshold counts across the workers
//! included), reports kernel drops, and stops cleanly on SIGINT. Needs
//! root, `ip` and tcpreplay; skips with a message otherwise.

mod common;

use common::netns::{Netns, RECV, Rate, SEND};
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn vigie_run_raises_every_expected_alert_from_a_link() {
    let Some(ns) = Netns::for_test("run", &["ip", "tcpreplay"]) else {
        return;
    };
    let dir = scratch("live-run");
    let capture = repo().join("pcaps/venue-attacks.pcap");
    // What the file raises when replayed, the reference.
    let reference = dir.join("reference");
    let out = run(vigie().args(["-q", "replay", "-l"]).arg(&reference).arg(&capture));
    assert!(out.status.success());
    let mut expected = alert_triples(&reference);
    expected.sort();
    assert!(expected.len() >= 8, "{expected:?}");

    let logs = dir.join("live");
    let sensor = ns
        .command(
            env!("CARGO_BIN_EXE_vigie"),
            &["run", "-i", RECV, "-j", "2", "--json", "-l", logs.to_str().unwrap()],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigie run");
    let mut sensor = Reaped::new(sensor);
    // The sensor is capturing once it has made its store.
    assert!(
        wait_until(30.0, || logs.join("vigie.db").exists()),
        "vigie run did not start"
    );
    std::thread::sleep(Duration::from_millis(500));
    ns.replay(SEND, Rate::Pps(2000), &capture).expect("tcpreplay");
    // Every expected alert arrives while the sensor runs, not only at the stop.
    let arrived = wait_until(30.0, || {
        let mut got = alert_triples(&logs);
        got.sort();
        got == expected
    });
    // SIGINT through `kill` (the sensor runs under `ip netns exec`, which execs it).
    let _ = std::process::Command::new("kill")
        .args(["-INT", &sensor.get().id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sensor.get().try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "vigie run did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = sensor.take().wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let mut got = alert_triples(&logs);
    got.sort();
    assert_eq!(got, expected, "live alerts differ from the replay's");
    assert!(arrived, "alerts arrived only at the stop");
    assert_eq!(summary["workers"], 2);
    assert_eq!(summary["packets"], 3706, "{summary}");
    let iface = &summary["interfaces"][0];
    assert_eq!(iface["interface"], RECV);
    assert_eq!(iface["received"], 3706, "{iface}");
    // Each worker read a socket of its own, in one fanout group.
    assert_eq!(iface["sockets"], 2, "{iface}");
    assert_eq!(summary["kernel_drops"], 0, "{summary}");
    assert!(summary["latency"]["alerts"].as_u64().unwrap() >= expected.len() as u64);
}
