//! `--speed`: a replay paced to the capture's clock takes the capture's
//! time (divided by the speed), raises the same alerts as an unpaced one,
//! and reports its packet-to-alert latency.

mod common;

use common::*;

#[test]
fn a_paced_replay_takes_capture_time_and_raises_the_same_alerts() {
    let dir = scratch("pacing");
    let cap = repo().join("pcaps/attacks/port-scan.pcap");
    let mut summaries = Vec::new();
    for (tag, speed) in [("fast", "0"), ("paced", "10")] {
        let logs = dir.join(tag);
        let out = run(vigie()
            .args(["-q", "replay", "--json", "-j", "2", "--speed", speed, "-l"])
            .arg(&logs)
            .arg(&cap));
        assert!(out.status.success());
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        summaries.push((summary, alert_triples(&logs)));
    }
    let (fast, paced) = (&summaries[0], &summaries[1]);
    assert_eq!(fast.1, paced.1, "paced alerts differ");
    assert!(!paced.1.is_empty());
    // The capture spans 14.8 s: at ten times its speed, at least 1.4 s.
    let elapsed = paced.0["elapsed_secs"].as_f64().unwrap();
    assert!(elapsed >= 1.4, "{elapsed}");
    let latency = &paced.0["latency"];
    assert_eq!(latency["alerts"].as_u64(), Some(paced.1.len() as u64), "{latency}");
    assert!(latency["max_ms"].as_f64().unwrap() >= latency["p50_ms"].as_f64().unwrap());
    assert!(
        fast.0["latency"].is_null(),
        "an unpaced replay has no latency to speak of"
    );
}
