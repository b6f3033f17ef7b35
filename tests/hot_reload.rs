//! Rules changed under live traffic: `vigie run` captures a veth link fed
//! by tcpreplay; SIGHUP swaps in a new rule file (its alerts appear within a
//! second), a broken file sent through `POST /v1/rules/reload` is refused
//! with its reason while the running rules go on, and no packet is lost:
//! the kernel's and the sensor's counts match tcpreplay's. Needs root, `ip`
//! and tcpreplay. The 100k packets/s variant runs in release in CI.

mod common;

use common::http::*;
use common::netns::{Netns, RECV, SEND};
use common::*;
use std::process::Stdio;
use std::time::Duration;

// Rules that fire now and then, as real ones do: the test is about the
// packets, not about writing an alert for each.
const RULES_A: &str = "alert udp any any -> any 123 (msg:\"before: NTP request\"; ttl:>0; sid:1;)\n";
const RULES_B: &str = "alert tcp any any -> any any (msg:\"after: connection opened\"; flags:S; sid:2;)\n";

fn sids_with_times(eve: &std::path::Path) -> Vec<(u64, String)> {
    file_lines(eve)
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| {
            (
                v["alert"]["signature_id"].as_u64().unwrap_or(0),
                v["timestamp"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn reload_under_traffic(tag: &str, pps: u32, loops: u32) {
    let Some(ns) = Netns::for_test(tag, &["ip", "tcpreplay"]) else {
        return;
    };
    let dir = scratch(tag);
    let rules = dir.join("live.rules");
    std::fs::write(&rules, RULES_A).unwrap();
    let cfg = api_config(&dir, "");
    let logs = dir.join("logs");
    let sensor = ns
        .command(
            env!("CARGO_BIN_EXE_vigie"),
            &[
                "run",
                "-i",
                RECV,
                "-j",
                "2",
                "--json",
                "--serve",
                "--no-rate",
                "-S",
                rules.to_str().unwrap(),
                "-c",
                cfg.to_str().unwrap(),
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigie run");
    let mut sensor = Reaped::new(sensor);
    // Its API address comes first on stderr; the rest is drained so the
    // sensor never blocks on a full pipe.
    let mut stderr = std::io::BufReader::new(sensor.get().stderr.take().unwrap());
    let mut line = String::new();
    let mut api = None;
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap_or(0) > 0 {
        if let Some(rest) = line.trim().strip_prefix("vigie: API on http://") {
            api = Some(rest.to_string());
            break;
        }
        line.clear();
    }
    let api = api.expect("the API address");
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    assert!(
        wait_until(30.0, || logs.join("vigie.db").exists()),
        "vigie run did not start"
    );
    std::thread::sleep(Duration::from_millis(500));

    let capture = repo().join("pcaps/venue-benign.pcap");
    let sender = ns
        .command(
            "tcpreplay",
            &[
                "-q",
                "-i",
                SEND,
                &format!("--pps={pps}"),
                &format!("--loop={loops}"),
                capture.to_str().unwrap(),
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpreplay");
    let eve = logs.join("eve.json");
    assert!(wait_until(20.0, || sids_with_times(&eve).iter().any(|(s, _)| *s == 1)));

    // SIGHUP with a new file: packets captured less than a second after
    // the request already match the new rules (alert times are capture
    // times; eve.json itself is written out in batches).
    std::fs::write(&rules, RULES_B).unwrap();
    let asked_us = vigie::timestamp::Timestamp::now().as_micros();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &sensor.get().id().to_string()])
        .status();
    assert!(
        wait_until(10.0, || sids_with_times(&eve).iter().any(|(s, _)| *s == 2)),
        "the new rules never fired"
    );
    let first_new = sids_with_times(&eve)
        .iter()
        .filter(|(s, _)| *s == 2)
        .filter_map(|(_, t)| vigie::timestamp::parse_rfc3339(t))
        .min()
        .expect("a timestamp on the new rule's alert");
    let live_after_ms = (first_new - asked_us) as f64 / 1000.0;
    assert!(
        live_after_ms < 1000.0,
        "new rules live {live_after_ms} ms after the request"
    );

    // A broken file through the API: refused with the reason; the running
    // rules go on.
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"broken\"; content:; sid:3;)\n",
    )
    .unwrap();
    let admin = bearer(ADMIN_TOKEN);
    let before = sids_with_times(&eve).iter().filter(|(s, _)| *s == 2).count();
    // The API lives in the namespace: reach it from a thread inside it.
    let (code, body) = ns
        .spawn_inside(move || {
            http(
                &api,
                "POST",
                "/v1/rules/reload",
                &[("Authorization", &admin)],
                Some("{}"),
            )
        })
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(code, 422, "{body}");
    assert!(body.contains("refused"), "{body}");
    assert!(wait_until(10.0, || sids_with_times(&eve)
        .iter()
        .filter(|(s, _)| *s == 2)
        .count()
        > before));

    let sent = sender.wait_with_output().unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    std::thread::sleep(Duration::from_millis(500));
    let _ = std::process::Command::new("kill")
        .args(["-INT", &sensor.get().id().to_string()])
        .status();
    let output = sensor.take().wait_with_output().unwrap();
    assert!(output.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "{pps} packets/s: latency {}, elapsed {} s\n",
            summary["latency"], summary["elapsed_secs"]
        )
        .as_bytes(),
    );
    let total = 3157 * u64::from(loops);
    assert_eq!(summary["packets"].as_u64(), Some(total), "{summary}");
    assert_eq!(summary["kernel_drops"].as_u64(), Some(0), "{summary}");
    assert_eq!(summary["interfaces"][0]["received"].as_u64(), Some(total));
}

#[test]
fn rules_reload_under_traffic_losing_nothing() {
    reload_under_traffic("reload", 5_000, 20);
}

/// `cargo test --release --test hot_reload -- --ignored`: the same at
/// 100,000 packets/s.
#[test]
#[ignore]
fn rules_reload_at_100k_packets_per_second_losing_nothing() {
    reload_under_traffic("reload-100k", 100_000, 200);
}
