//! The README's first command, end to end: the bundled attack capture
//! through the bundled rules raises each expected alert, with the right
//! addresses, in eve.json, fast.log and the store; the benign capture raises
//! none.

mod common;

use common::*;
use rusqlite::Connection;

const ATTACKER: &str = "203.0.113.66";
const WEB: &str = "10.10.0.80";

fn expected() -> Vec<(u64, &'static str, &'static str)> {
    vec![
        (9100001, ATTACKER, WEB),
        (9100002, ATTACKER, WEB),
        (9100003, ATTACKER, WEB),
        (9100020, "203.0.113.7", WEB),
        (9100021, "203.0.113.9", "10.10.0.20"),
        (9100010, WEB, "198.51.100.77"),
        // Rate rules: the same scanner and sweeper, seen by their rates.
        (9200001, "203.0.113.7", WEB),
        // The sweep's 21st host: a key's first sighting takes no tracker
        // (the doorkeeper), so the 20-host threshold is crossed one probe later.
        (9200003, "203.0.113.9", "10.10.0.21"),
    ]
}

#[test]
fn attacks_capture_raises_every_expected_alert() {
    let dir = scratch("bundled-attacks");
    let (out, summary) = replay(&[&repo().join("pcaps/venue-attacks.pcap")], &[], &dir, &[]);
    assert!(out.status.success());
    assert_eq!(summary["alerts"], 8);
    assert_eq!(summary["anomalies_total"], 0);
    assert!(summary["packets"].as_u64().unwrap() > 3000);

    let mut got = alert_triples(&dir);
    let mut want: Vec<(u64, String, String)> = expected()
        .into_iter()
        .map(|(s, a, b)| (s, a.to_string(), b.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let fast = std::fs::read_to_string(dir.join("fast.log")).unwrap();
    assert_eq!(fast.lines().count(), 8);
    assert!(fast.contains("[1:9100002:2] VIGIE WEB Log4Shell JNDI lookup in request [**]"));
    assert!(fast.contains("{TCP} 203.0.113.66:"));

    let db = Connection::open(dir.join("vigie.db")).unwrap();
    let mut stmt = db
        .prepare("SELECT sid, src_ip, dest_ip, severity, eve FROM alerts ORDER BY sid")
        .unwrap();
    let rows: Vec<(u32, String, String, u8, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[0].0, 9100001);
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str(), rows[0].3), (ATTACKER, WEB, 1));
    let eve: serde_json::Value = serde_json::from_str(&rows[0].4).unwrap();
    assert_eq!(eve["alert"]["signature_id"], 9100001);
    let runs: i64 = db
        .query_row("SELECT count(*) FROM runs WHERE summary IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);

    // Application rules carry the transaction and its HTTP metadata.
    let sqli = eve_records(&dir)
        .into_iter()
        .find(|r| r["alert"]["signature_id"] == 9100001)
        .unwrap();
    assert_eq!(sqli["app_proto"], "http");
    assert!(sqli["tx_id"].is_u64());
    assert_eq!(sqli["http"]["hostname"], "tickets.venue.example");
    assert!(
        sqli["http"]["url"].as_str().unwrap().contains("UNION%20SELECT"),
        "{sqli}"
    );

    check_eve_schema(&dir);
}

#[test]
fn benign_capture_raises_nothing() {
    let dir = scratch("bundled-benign");
    let (out, summary) = replay(&[&repo().join("pcaps/venue-benign.pcap")], &[], &dir, &[]);
    assert!(out.status.success());
    assert_eq!(summary["alerts"], 0);
    assert!(summary["flows_created"].as_u64().unwrap() > 100);
}

#[test]
fn text_summary_names_signatures() {
    let dir = scratch("bundled-text");
    let out = run(vigie()
        .arg("replay")
        .arg("-l")
        .arg(&dir)
        .arg(repo().join("pcaps/venue-attacks.pcap")));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("alerts     8"), "{text}");
    assert!(
        text.contains("[1:9100010] VIGIE ATTACK_RESPONSE id check returned root"),
        "{text}"
    );
    assert!(text.contains("packets/s"), "{text}");
}

#[test]
fn bundled_captures_are_reproducible() {
    let dir = scratch("synth");
    let out = run(vigie().arg("synth").arg(&dir));
    assert!(out.status.success());
    let mut names: Vec<String> = vec!["venue-benign.pcap".into(), "venue-attacks.pcap".into()];
    let attacks = std::fs::read_dir(repo().join("pcaps/attacks")).expect("pcaps/attacks");
    let mut scenario_files: Vec<String> = attacks
        .map(|e| format!("attacks/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    scenario_files.sort();
    assert_eq!(scenario_files.len(), 17, "one capture per attack scenario");
    names.extend(scenario_files);
    for name in names {
        let fresh = std::fs::read(dir.join(&name)).unwrap();
        let bundled = std::fs::read(repo().join("pcaps").join(&name)).unwrap();
        assert!(
            fresh == bundled,
            "pcaps/{name} differs from what `vigie synth` writes: regenerate it"
        );
        assert!(bundled.len() < 3_000_000, "pcaps/{name} is {} bytes", bundled.len());
    }
}

#[test]
fn rate_alerts_carry_their_measure_and_can_be_turned_off() {
    let dir = scratch("bundled-rate");
    let (out, _) = replay(&[&repo().join("pcaps/venue-attacks.pcap")], &[], &dir, &[]);
    assert!(out.status.success());
    let scan = eve_records(&dir)
        .into_iter()
        .find(|r| r["alert"]["signature_id"] == 9200001)
        .expect("port-scan rate alert");
    let meta = &scan["alert"]["metadata"];
    assert_eq!(meta["rate_metric"][0], "distinct_dst_ports");
    assert_eq!(meta["rate_group_by"][0], "src");
    assert_eq!(meta["rate_key"][0], "203.0.113.7");
    assert!(meta["rate_value"][0].as_str().unwrap().parse::<u64>().unwrap() >= 100);

    let off = scratch("bundled-no-rate");
    let (out, summary) = replay(&[&repo().join("pcaps/venue-attacks.pcap")], &[], &off, &["--no-rate"]);
    assert!(out.status.success());
    assert_eq!(summary["alerts"], 6);
}
